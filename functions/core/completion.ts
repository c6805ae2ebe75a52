import { describeHold, warrantyWarning } from './holds.ts';
import { complaintLines } from './notices.ts';
import type { Language, LegalHold, RequestDetails, RequestType } from './model.ts';
import type { StoredRequest, StoredTask } from './ports.ts';
import { FINISHED_TASK_STATUSES } from './status.ts';

/** Days the requester's contact data is kept after a request ends (then TTL removes it). */
export const PII_RETENTION_DAYS_AFTER_CLOSE = 30;

/** How long the emailed download link of an export works; the exported data goes when it expires. */
export const DOWNLOAD_HOURS = 72;

const DAY = 86_400_000;
/**
 * How long an export package is kept, so that a fresh 72-hour link can be mailed once the first
 * has expired (Art. 15: the copy is still owed after 72 hours): as long as the verified mailbox the
 * link goes to is held, 30 days after closing.
 */
export const PACKAGE_KEEP_DAYS = PII_RETENTION_DAYS_AFTER_CLOSE;
/**
 * A fresh download link: the next number, and its end, 72 hours on but never past the package. S3's
 * lifecycle counts its days from the package's making, at a midnight, so the last link ends a day short.
 * None once the package is gone.
 */
export function nextDownloadLink(req: Pick<StoredRequest, 'exportKey' | 'closedAt' | 'downloadLink'>, now: Date): { link: number; expiresAt: string; keptUntil: string } | undefined {
  if (!req.exportKey || !req.closedAt) return undefined;
  const keptUntil = Date.parse(req.closedAt) + (PACKAGE_KEEP_DAYS - 1) * DAY;
  if (now.getTime() >= keptUntil) return undefined;
  return { link: (req.downloadLink ?? 1) + 1, expiresAt: new Date(Math.min(now.getTime() + DOWNLOAD_HOURS * 3_600_000, keptUntil)).toISOString(), keptUntil: new Date(keptUntil).toISOString() };
}
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

/**
 * What a closed request keeps of the requester's choices: no free text. A correction is personal
 * data, needed only while the processors are asked to apply it; the proof needs only that one was made.
 */
export const closedDetails = (d: RequestDetails): RequestDetails => ({ eraseWarranty: d.eraseWarranty, objections: d.objections });

/** The request may complete when no task is still waiting on a processor or a human. */
export const allTasksSettled = (tasks: readonly StoredTask[]) => tasks.every((t) => FINISHED_TASK_STATUSES.includes(t.status));

/** The closing audit event anchors the head of every task's own chain in the request's chain. */
export function taskAnchors(tasks: readonly StoredTask[]): Record<string, string> {
  return Object.fromEntries(tasks.map((t) => [`task:${t.processorId}`, t.audit.at(-1)?.hash ?? '']));
}

const TYPE_LABEL: Record<Language, Record<RequestType, string>> = {
  en: { access: 'access to your data', erasure: 'erasure of your data', rectification: 'correction of your data', objection: 'objection', restrict: 'restriction of the use of your data' },
  fr: { access: "accès à vos données", erasure: 'effacement de vos données', rectification: 'rectification de vos données', objection: 'opposition', restrict: "limitation de l'utilisation de vos données" },
};

const STATE_LABEL: Record<Language, Record<string, string>> = {
  en: { completed: 'done', not_found: 'held no data about you', retained: 'kept some records (see below)', resolved: 'handled by our team', failed: 'could not be completed', timed_out: 'did not answer in time' },
  fr: { completed: 'fait', not_found: "ne détenait aucune donnée vous concernant", retained: 'conserve certaines données (voir ci-dessous)', resolved: 'traité par notre équipe', failed: "n'a pas pu aboutir", timed_out: "n'a pas répondu à temps" },
};

/** The outcome email: plain words, in the requester's language, no personal data beyond the address, and how to complain (Art. 12(4)). */
export function outcomeEmail(req: StoredRequest, tasks: readonly StoredTask[], extra: string[] = []) {
  const lang = req.language;
  const lines = tasks.map((t) => `- ${t.category}: ${STATE_LABEL[lang][t.status] ?? t.status}`);
  const what = TYPE_LABEL[lang][req.type];
  if (lang === 'fr') {
    return {
      subject: 'Votre demande de confidentialité est terminée',
      text: [`Bonjour,`, '', `Votre demande (${what}, référence ${req.id}) est terminée.`, '', ...lines, ...extra, '', ...complaintLines(lang), '', "Nous ne vous demanderons jamais d'envoyer des données personnelles par e-mail.", '', "L'équipe confidentialité d'Offtek"].join('\n'),
    };
  }
  return {
    subject: 'Your privacy request is complete',
    text: [`Hello,`, '', `Your request (${what}, reference ${req.id}) is complete.`, '', ...lines, ...extra, '', ...complaintLines(lang), '', 'We will never ask you to send personal data by email.', '', 'The Offtek privacy team'].join('\n'),
  };
}

/** What was kept, from the processors' `retained` answers (basis and until-date), once per basis. */
function keptRecords(tasks: readonly StoredTask[]): Pick<LegalHold, 'basis' | 'until'>[] {
  const seen = new Map<string, Pick<LegalHold, 'basis' | 'until'>>();
  for (const t of tasks) {
    if (t.status === 'retained' && t.outcome?.legal_basis) seen.set(t.outcome.legal_basis, { basis: t.outcome.legal_basis, until: t.outcome.retained_until ?? null });
  }
  return [...seen.values()];
}

/**
 * What a restriction did (Art. 18): which recipients now only store the data, what they may still
 * do with it (Art. 18(2)), and the promise of Art. 18(3) to say so before a restriction is lifted.
 */
export function restrictionLines(lang: Language, tasks: readonly StoredTask[]): string[] {
  const restricted = tasks.filter((t) => t.status === 'completed' || t.status === 'resolved').map((t) => t.category);
  // Sorted, so that the email mailed again is the same whatever order the tasks were read in.
  const list = [...new Set(restricted)].sort().join(', ');
  if (lang === 'fr') {
    return [
      restricted.length ? `Ces destinataires conservent vos données sans plus les utiliser : ${list}.` : 'Aucun destinataire ne détenait de données à limiter.',
      "Nous avons aussi cessé d'utiliser votre adresse pour nos offres, nos invitations à donner un avis et le profilage publicitaire.",
      "Vos données ne seront utilisées qu'avec votre accord, pour la constatation, l'exercice ou la défense de droits en justice, pour protéger les droits d'une autre personne ou pour un motif important d'intérêt public. Nous vous préviendrons avant de lever cette limitation.",
    ];
  }
  return [
    restricted.length ? `These recipients now keep your data without using it: ${list}.` : 'No recipient held any data to restrict.',
    'We have also stopped using your address for our offers, review invitations and advertising profiling.',
    "Your data will be used only with your consent, to establish, exercise or defend legal claims, to protect another person's rights, or for reasons of important public interest. We will tell you before this restriction is lifted.",
  ];
}

const downloadLine = (lang: Language, url: string) =>
  lang === 'fr'
    ? `Vos données sont prêtes. Téléchargez-les ici (lien valable 72 heures) :\n${url}`
    : `Your data is ready. Download it here (the link works for 72 hours):\n${url}`;

/**
 * The outcome email of a completed request, built from stored data only (the tasks' outcomes, the
 * request's choices, the download link whose secret is derived, not stored), so that mailing it
 * again sends the same email.
 */
export function outcomeMessage(req: StoredRequest, tasks: readonly StoredTask[], downloadUrl?: string) {
  const extra: string[] = [];
  for (const h of keptRecords(tasks)) extra.push('', describeHold(h, req.language));
  if (req.type === 'erasure' && req.details.eraseWarranty) extra.push('', warrantyWarning(req.language));
  if (req.type === 'restrict') extra.push('', ...restrictionLines(req.language, tasks));
  if (downloadUrl) extra.push('', downloadLine(req.language, downloadUrl));
  return outcomeEmail(req, tasks, extra);
}
