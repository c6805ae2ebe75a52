import { dueDate } from './deadline.ts';
import { describeHold, longDate, noWarrantyPurchases, warrantyWarning } from './holds.ts';
import { complaintLines } from './notices.ts';
import type { AuditEvent, Category, Language, LegalHold, PersonalField, ProcessorEntry, RequestDetails, RequestType, RetentionBasis, TaskAction } from './model.ts';
import type { StoredRequest, StoredTask } from './ports.ts';
import { FINISHED_TASK_STATUSES } from './status.ts';

/** Days the requester's contact data is kept after a request ends (then TTL removes it). */
export const PII_RETENTION_DAYS_AFTER_CLOSE = 30;

/** How long the emailed download link of an export works; the exported data goes when it expires. */
export const DOWNLOAD_HOURS = 72;

const DAY = 86_400_000;
/**
 * How long an export package is kept, so that a fresh 72-hour link can be mailed once the first
 * has expired (Art. 15: the copy is still owed after 72 hours): S3 deletes it 30 days after it was
 * made, as long as the verified mailbox the link goes to is held after closing.
 */
export const PACKAGE_KEEP_DAYS = PII_RETENTION_DAYS_AFTER_CLOSE;
type Packaged = Pick<StoredRequest, 'exportKey' | 'closedAt' | 'downloadLink'> & { audit?: readonly Pick<AuditEvent, 'at' | 'action'>[] };
/**
 * The last instant a link may reach the package. S3's lifecycle counts from the package's making (the
 * last `export_assembled` on the trail: an officer's retry makes it again), at a midnight, so it ends a
 * day short. Not from closing: a copy held for review closes days after it was made.
 */
export function packageKeptUntil(req: Packaged): number | undefined {
  if (!req.exportKey) return undefined;
  const made = req.audit?.findLast((e) => e.action === 'export_assembled')?.at ?? req.closedAt;
  return made ? Date.parse(made) + (PACKAGE_KEEP_DAYS - 1) * DAY : undefined;
}
/** A link's end: 72 hours on, but never past the package. */
export const downloadEnd = (req: Packaged, now: Date) => new Date(Math.min(now.getTime() + DOWNLOAD_HOURS * 3_600_000, packageKeptUntil(req) ?? Number.POSITIVE_INFINITY));
/**
 * The least a released copy's first link must live: one that ends sooner may be dead before the
 * requester reads the email, so a held copy is not released that late (it must be made again).
 */
export const RELEASE_MIN_LINK_HOURS = 24;
/** A copy held for an officer's review (Art. 15(4)): its package made, its request waiting for the release. */
export const heldCopy = <R extends Pick<StoredRequest, 'exportRelease' | 'exportKey' | 'status'>>(r: R | undefined): r is R => Boolean(r?.exportRelease && r.exportKey && r.status === 'awaiting_manual');

/** Whether a held copy's package is kept long enough for its release to mail a link worth having; a package of unknown age is assumed kept. */
export function releasableCopy(req: Packaged, now: Date): boolean {
  const keptUntil = packageKeptUntil(req);
  return keptUntil === undefined || keptUntil - now.getTime() >= RELEASE_MIN_LINK_HOURS * 3_600_000;
}
/** A fresh download link for a closed request: the next number, and its end. None once the package is gone. */
export function nextDownloadLink(req: Packaged, now: Date): { link: number; expiresAt: string; keptUntil: string } | undefined {
  const keptUntil = req.closedAt ? packageKeptUntil(req) : undefined;
  if (keptUntil === undefined || now.getTime() >= keptUntil) return undefined;
  return { link: (req.downloadLink ?? 1) + 1, expiresAt: downloadEnd(req, now).toISOString(), keptUntil: new Date(keptUntil).toISOString() };
}
/**
 * The person's earlier copies an erasure takes with it, among their other requests: those for access
 * answered with a package still kept (a fresh link could be mailed for it for 30 days). Lethe's own copy of the data is data
 * the person asked to have erased. A copy still held for an officer's review, or still being made, is
 * a request still open, which the officer answers or refuses.
 */
export const copiesToErase = (others: readonly StoredRequest[]) => others.filter((r) => r.type === 'access' && r.status === 'completed' && r.exportKey);

/** The parts a download link's secret is derived from: the first link keeps the form it always had. */
export const downloadTokenParts = (id: string, link = 1) => (link > 1 ? [id, String(link)] : [id]);

/**
 * How long the proof of a closed request is kept: ids, dates, outcomes, the audit chain with the
 * hashes of the processors' receipts, and the keyed hash of the address. Six years after closing,
 * the limitation period for a claim about how the request was handled (Limitation Act 1980, s.2).
 */
export const PROOF_RETENTION_YEARS = 6;
/** Tasks are planned before the closing date is known: kept 7 years after the latest deadline the request could have. */
export const TASK_RETENTION_YEARS = 7;

export const yearsAfter = (instant: string | Date, years: number) => {
  const d = new Date(instant);
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d;
};

/** The end planning gives the tasks: 7 years after the extended deadline counted from verification, without paused days. */
export const plannedTaskExpiry = (req: Pick<StoredRequest, 'verifiedAt' | 'receivedAt'>) => yearsAfter(`${dueDate(req.verifiedAt ?? req.receivedAt, { extended: true })}T00:00:00Z`, TASK_RETENTION_YEARS);

/**
 * The later end a closed request's tasks need, so that they never go before its proof: undefined
 * unless it closed more than a year after that deadline (long pauses, a copy held for review, an
 * officer's late resolution), which no bound known at planning covers.
 */
export function taskExpiryAtClose(req: Pick<StoredRequest, 'verifiedAt' | 'receivedAt' | 'closedAt'>): Date | undefined {
  if (!req.closedAt) return undefined;
  const proof = yearsAfter(req.closedAt, PROOF_RETENTION_YEARS);
  return proof > plannedTaskExpiry(req) ? proof : undefined;
}

/**
 * What a closed request keeps of the requester's choices: no free text. A correction is personal
 * data, needed only while the processors are asked to apply it; the proof needs only that one was made.
 */
export const closedDetails = (d: RequestDetails): RequestDetails => ({
  eraseWarranty: d.eraseWarranty,
  objections: d.objections,
  ...(d.corrections ? { corrected: (Object.keys(d.corrections) as PersonalField[]).sort() } : {}),
});

const FIELD_LABEL: Record<Language, Record<PersonalField, string>> = {
  en: { name: 'your name', email: 'your email address', postal_address: 'your postal address', phone: 'your phone number' },
  fr: { name: 'votre nom', email: 'votre adresse e-mail', postal_address: 'votre adresse postale', phone: 'votre numéro de téléphone' },
};

/**
 * What a correction changed, by field, and what it did not, in the officer's words (Art. 12(4): for
 * what is not done, why, and how to complain, which the email's footer says). The requester's own
 * words cannot be mapped to fields reliably, so the officer's note says what was left and why.
 */
export function correctionLines(lang: Language, corrected: readonly PersonalField[], uncorrected?: string, applied: CorrectionApplied = 'applied'): string[] {
  const names = corrected.map((f) => FIELD_LABEL[lang][f]);
  const and = lang === 'fr' ? ' et ' : ' and ';
  const list = names.length > 1 ? `${names.slice(0, -1).join(', ')}${and}${names.at(-1)}` : (names[0] ?? '');
  const said = {
    applied: lang === 'fr' ? `Nous avons corrigé : ${list}.` : `We corrected: ${list}.`,
    none_held: lang === 'fr' ? `Personne, ni nous ni nos prestataires, ne détenait ${list} : il n’y avait rien à corriger.` : `Neither we nor our providers held ${list}: there was nothing to correct.`,
  } as const;
  // Not applied anywhere, for another reason (a failure the team closed): each provider's line says what happened.
  const lines = list && applied !== 'not_applied' ? ['', said[applied]] : [];
  if (!uncorrected) return lines;
  return lang === 'fr'
    ? [...lines, '', 'Nous n’avons pas fait toutes les corrections que vous avez demandées. Précisions de notre équipe :', uncorrected, 'Si vous n’êtes pas d’accord, vous pouvez vous plaindre comme indiqué ci-dessous.']
    : [...lines, '', 'We did not make every correction you asked for. In our team’s words:', uncorrected, 'If you disagree, you can complain as set out below.'];
}

/** Whether a correction was applied by someone, held by nobody (every task not_found), or neither. */
export type CorrectionApplied = 'applied' | 'none_held' | 'not_applied';

/**
 * Until November 29, 2026 the email said "We corrected: …" from the officer's approval alone, even when every
 * recipient answered that it held no such data.
 */
export function correctionApplied(tasks: readonly StoredTask[]): CorrectionApplied {
  const rectify = tasks.filter((t) => t.action === 'rectify');
  if (rectify.some((t) => t.status === 'completed' || (t.status === 'resolved' && t.outcome?.reason === 'completed'))) return 'applied';
  return rectify.length && rectify.every((t) => t.status === 'not_found' || (t.status === 'resolved' && t.outcome?.reason === 'not_found')) ? 'none_held' : 'not_applied';
}

/** The request may complete when no task is still waiting on a processor or a human. */
export const allTasksSettled = (tasks: readonly StoredTask[]) => tasks.every((t) => FINISHED_TASK_STATUSES.includes(t.status));

/** The closing audit event anchors the head of every task's own chain in the request's chain. */
export function taskAnchors(tasks: readonly StoredTask[]): Record<string, string> {
  return Object.fromEntries(tasks.map((t) => [`task:${t.processorId}`, t.audit.at(-1)?.hash ?? '']));
}

const TYPE_LABEL: Record<Language, Record<RequestType, string>> = {
  en: { access: 'access to your data', erasure: 'erasure of your data', rectification: 'correction of your data', objection: 'objection', restrict: 'restriction of the use of your data' },
  fr: { access: "accès à vos données", erasure: 'effacement de vos données', rectification: 'rectification de vos données', objection: 'opposition', restrict: "limitation de l’utilisation de vos données" },
};

/** The shop's own systems and the policy's six categories in words, as the form and the status page name them. */
const CATEGORY_LABEL: Record<Language, Record<Category, string>> = {
  en: { shop: 'our own systems', payments: 'payments', delivery: 'delivery', analytics: 'analytics and advertising', email: 'emails', collections: 'debt collection', social: 'social networks' },
  fr: { shop: 'nos propres systèmes', payments: 'paiements', delivery: 'livraison', analytics: 'analyse et publicité', email: 'e-mails', collections: 'recouvrement', social: 'réseaux sociaux' },
};

/** What a provider did when it did what was asked, by the action it was asked. */
const DONE_LABEL: Record<Language, Record<TaskAction, string>> = {
  en: { erase: 'erased your data.', export: 'sent us your data: it is in your download.', rectify: 'corrected your data.', suppress: 'stopped using your data as you objected.', restrict: 'now only stores your data, and uses it for nothing else.' },
  fr: { erase: 'a effacé vos données.', export: 'nous a transmis vos données : elles sont dans votre téléchargement.', rectify: 'a rectifié vos données.', suppress: "a cessé d’utiliser vos données, comme vous l’avez demandé.", restrict: 'ne fait plus que conserver vos données, sans les utiliser à autre chose.' },
};

const STATE_LABEL: Record<Language, Record<'not_found' | 'resolved' | 'failed' | 'timed_out', string>> = {
  en: { not_found: 'held no data about you.', resolved: 'was handled by our privacy team.', failed: 'could not do it.', timed_out: 'did not answer in time.' },
  fr: { not_found: 'ne détenait aucune donnée vous concernant.', resolved: 'a été traité par notre équipe confidentialité.', failed: "n’a pas pu le faire.", timed_out: "n’a pas répondu à temps." },
};

/** Why records were kept instead of erased (Art. 17(3)), in words: the processors' holds and the officer's list. */
const BASIS_LABEL: Record<Language, Record<RetentionBasis, string>> = {
  en: {
    accounting: 'our legal duty to keep accounting records',
    lifetime_warranty: 'your lifetime warranty, which you chose to keep',
    legal_claims: 'the establishment, exercise or defence of legal claims',
    legal_obligation: 'a legal obligation we must comply with',
  },
  fr: {
    accounting: 'notre obligation légale de conserver les documents comptables',
    lifetime_warranty: 'votre garantie à vie, que vous avez choisi de conserver',
    legal_claims: 'la constatation, l’exercice ou la défense de droits en justice',
    legal_obligation: 'une obligation légale à laquelle nous sommes soumis',
  },
};

/** A kept record's end, in words: a date, or what an open-ended hold runs as long as. */
function untilWords(basis: RetentionBasis, until: string | null | undefined, lang: Language) {
  if (until) return lang === 'fr' ? `jusqu’au ${longDate(until, lang)}` : `until ${longDate(until, lang)}`;
  if (basis === 'accounting') return lang === 'fr' ? "tant que votre compte est ouvert, puis jusqu’à 7 ans après sa fermeture" : 'while your account is open, then up to 7 years after it closes';
  if (basis === 'lifetime_warranty') return lang === 'fr' ? 'tant que dure la garantie' : 'for as long as the warranty runs';
  return lang === 'fr' ? 'sans date de fin fixée' : 'with no end date set';
}

type Kept = { basis: RetentionBasis; until: string | null | undefined };
/** Each hold's reason and end, joined: "for X, until D, and for Y, for as long as the warranty runs". */
const keptFor = (lang: Language, holds: Kept[]) =>
  holds.map((h) => (lang === 'fr' ? `pour ${BASIS_LABEL.fr[h.basis]}, ${untilWords(h.basis, h.until, lang)}` : `for ${BASIS_LABEL.en[h.basis]}, ${untilWords(h.basis, h.until, lang)}`)).join(lang === 'fr' ? ', et ' : ', and ');
const retainedLine = (lang: Language, holds: Kept[]) =>
  !holds.length
    ? lang === 'fr' ? 'a conservé certaines données au lieu de les effacer.' : 'kept some records instead of erasing them.'
    : lang === 'fr'
      ? `a conservé certaines données au lieu de les effacer, ${keptFor(lang, holds)}.`
      : `kept some records instead of erasing them, ${keptFor(lang, holds)}.`;
/** The holds an outcome names: its legal basis, then any further holds the processor reported. */
const holdsOf = (o: StoredTask['outcome']): Kept[] =>
  o?.legal_basis ? [{ basis: o.legal_basis, until: o.retained_until }, ...(o.additional_holds ?? []).map((h) => ({ basis: h.legal_basis, until: h.retained_until }))] : [];

/** One provider's result in plain words; an officer's resolution says what the officer found. */
function taskWords(t: StoredTask, lang: Language): string {
  const o = t.outcome;
  const byTeam = lang === 'fr' ? ' (vérifié par notre équipe confidentialité)' : ' (checked by our privacy team)';
  if (t.status === 'completed') return DONE_LABEL[lang][t.action];
  if (t.status === 'retained') return retainedLine(lang, holdsOf(o));
  // Stryker disable next-line Regex: the sentence has one full stop, at its end (the labels have none inside, nor the long dates), so /\./ finds the same one as /\.$/
  if (t.status === 'resolved' && o?.reason === 'retained') return retainedLine(lang, holdsOf(o)).replace(/\.$/, `${byTeam}.`);
  // Stryker disable next-line Regex: the sentence has one full stop, at its end (the labels have none inside, nor the long dates), so /\./ finds the same one as /\.$/
  if (t.status === 'resolved' && o?.reason === 'not_found') return STATE_LABEL[lang].not_found.replace(/\.$/, `${byTeam}.`);
  // An officer's "done" on an export is not data in the package: the line below says so.
  // Stryker disable next-line Regex: the sentence has one full stop, at its end (the labels have none inside, nor the long dates), so /\./ finds the same one as /\.$/
  if (t.status === 'resolved' && o?.reason === 'completed' && t.action !== 'export') return DONE_LABEL[lang][t.action].replace(/\.$/, `${byTeam}.`);
  return STATE_LABEL[lang][t.status as keyof (typeof STATE_LABEL)['en']] ?? STATE_LABEL[lang].resolved;
}

/** For a copy of data: a provider that sent nothing (and did not say it holds nothing) is missing from the download. */
const missingFromExport = (t: StoredTask) => t.action === 'export' && t.status !== 'completed' && t.status !== 'not_found' && !(t.status === 'resolved' && t.outcome?.reason === 'not_found');

export type ProcessorNames = readonly Pick<ProcessorEntry, 'id' | 'name'>[];

/** One line per provider: its name (from the registry, never its id), its category in words, what it did. */
export function providerLines(tasks: readonly StoredTask[], processors: ProcessorNames, lang: Language): string[] {
  // In the registry's order, the same in every email whatever order the tasks were read in; one no longer listed goes last.
  const rank = (t: StoredTask) => {
    const i = processors.findIndex((p) => p.id === t.processorId);
    return i < 0 ? processors.length : i;
  };
  return [...tasks].sort((a, b) => rank(a) - rank(b)).map((t) => {
    const category = CATEGORY_LABEL[lang][t.category];
    const name = processors.find((p) => p.id === t.processorId)?.name ?? (lang === 'fr' ? 'Un prestataire' : 'A provider');
    const missing = missingFromExport(t) ? (lang === 'fr' ? ' Ses données ne sont pas dans votre téléchargement.' : ' Its data is not in your download.') : '';
    return `- ${name} (${category})${lang === 'fr' ? ' :' : ':'} ${taskWords(t, lang)}${missing}`;
  });
}

/** The outcome email: plain words, in the requester's language, no personal data beyond the address, and how to complain (Art. 12(4)). */
export function outcomeEmail(req: StoredRequest, tasks: readonly StoredTask[], processors: ProcessorNames, extra: string[] = [], complaintForm?: string) {
  const lang = req.language;
  const lines = providerLines(tasks, processors, lang);
  const what = TYPE_LABEL[lang][req.type];
  if (lang === 'fr') {
    return {
      subject: 'Votre demande de confidentialité est terminée',
      text: [`Bonjour,`, '', `Votre demande (${what}, référence ${req.id}) est terminée.`, ...(lines.length ? ['', 'Voici ce que chacun de nos prestataires a fait :', ...lines] : []), ...extra, '', ...complaintLines(lang, complaintForm), '', "Nous ne vous demanderons jamais d’envoyer des données personnelles par e-mail.", '', "L’équipe confidentialité d’Offtek"].join('\n'),
    };
  }
  return {
    subject: 'Your privacy request is complete',
    text: [`Hello,`, '', `Your request (${what}, reference ${req.id}) is complete.`, ...(lines.length ? ['', 'Here is what each of our providers did:', ...lines] : []), ...extra, '', ...complaintLines(lang, complaintForm), '', 'We will never ask you to send personal data by email.', '', 'The Offtek privacy team'].join('\n'),
  };
}

/** A provider, or an officer for it, kept records instead of erasing them. */
const keptInstead = (t: StoredTask) => t.status === 'retained' || (t.status === 'resolved' && t.outcome?.reason === 'retained');

/** The policy's holds behind what was kept (basis and until-date), once per basis, for the paragraph that explains each. */
function keptRecords(tasks: readonly StoredTask[]): Pick<LegalHold, 'basis' | 'until'>[] {
  const seen = new Map<string, Pick<LegalHold, 'basis' | 'until'>>();
  for (const t of tasks) {
    if (!keptInstead(t)) continue;
    for (const h of holdsOf(t.outcome)) if (h.basis === 'accounting' || h.basis === 'lifetime_warranty') seen.set(h.basis, { basis: h.basis, until: h.until ?? null });
  }
  return [...seen.values()];
}

/**
 * What a restriction did (Art. 18): which recipients now only store the data, what they may still
 * do with it (Art. 18(2)), and the promise of Art. 18(3) to say so before a restriction is lifted.
 */
export function restrictionLines(lang: Language, tasks: readonly StoredTask[]): string[] {
  // Which providers restricted is said line by line above, by name; this says what it means.
  const restricted = tasks.filter((t) => t.status === 'completed' || t.status === 'resolved');
  if (lang === 'fr') {
    return [
      restricted.length ? 'Les destinataires ci-dessus qui détenaient vos données les conservent désormais sans plus les utiliser.' : 'Aucun destinataire ne détenait de données à limiter.',
      "Nous avons aussi cessé d’utiliser votre adresse pour nos offres, nos invitations à donner un avis et le profilage publicitaire.",
      "Vos données ne seront utilisées qu’avec votre accord, pour la constatation, l’exercice ou la défense de droits en justice, pour protéger les droits d’une autre personne ou pour un motif important d’intérêt public. Nous vous préviendrons avant de lever cette limitation.",
    ];
  }
  return [
    restricted.length ? 'The recipients above that held your data now keep it without using it.' : 'No recipient held any data to restrict.',
    'We have also stopped using your address for our offers, review invitations and advertising profiling.',
    "Your data will be used only with your consent, to establish, exercise or defend legal claims, to protect another person's rights, or for reasons of important public interest. We will tell you before this restriction is lifted.",
  ];
}

const restrictedLine = (lang: Language) =>
  lang === 'fr'
    ? 'Nous ne conservons ces données que pour les raisons indiquées ci-dessus, et ne les utilisons à rien d’autre.'
    : 'We keep those records only for the reasons given above, and use them for nothing else.';

const downloadLine = (lang: Language, url: string) =>
  lang === 'fr'
    ? `Vos données sont prêtes. Téléchargez-les ici (lien valable 72 heures) :\n${url}`
    : `Your data is ready. Download it here (the link works for 72 hours):\n${url}`;

/**
 * The outcome email of a completed request, built from stored data only (the tasks' outcomes, the
 * request's choices, the download link whose secret is derived, not stored), so that mailing it
 * again sends the same email.
 */
export function outcomeMessage(req: StoredRequest, tasks: readonly StoredTask[], processors: ProcessorNames, downloadUrl?: string, complaintForm?: string, uncorrected?: string) {
  const extra: string[] = [];
  for (const h of keptRecords(tasks)) extra.push('', describeHold(h, req.language));
  // Art. 17(3): what an erasure keeps is restricted to the reason it is kept, and the requester is told so.
  if (tasks.some(keptInstead)) extra.push('', restrictedLine(req.language));
  if (req.type === 'erasure' && req.details.eraseWarranty) extra.push('', req.noWarrantyPurchases ? noWarrantyPurchases(req.language) : warrantyWarning(req.language));
  if (req.type === 'restrict') extra.push('', ...restrictionLines(req.language, tasks));
  if (req.type === 'rectification') extra.push(...correctionLines(req.language, req.details.corrected ?? [], uncorrected, correctionApplied(tasks)));
  if (downloadUrl) extra.push('', downloadLine(req.language, downloadUrl));
  return outcomeEmail(req, tasks, processors, extra, complaintForm);
}
