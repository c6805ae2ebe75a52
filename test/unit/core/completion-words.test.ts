import { describe, expect, it } from 'vitest';
import { outcomeEmail, outcomeMessage, taskAnchors } from '../../../functions/core/completion.ts';
import type { TaskOutcome } from '../../../functions/core/model.ts';
import type { StoredTask } from '../../../functions/core/ports.ts';
import { storedRequest } from '../processors/fakes.ts';
import { COMPLAIN_EN, COMPLAIN_FR, NAMES, task } from './completion-fixtures.ts';

/** The words of the outcome email, checked word for word in both languages. */

/** The email's lines, for a request in `language` and these tasks. */
const linesOf = (language: 'en' | 'fr', tasks: StoredTask[], over: Parameters<typeof storedRequest>[0] = {}) => outcomeMessage(storedRequest({ language, ...over }), tasks, NAMES).text.split('\n');

/** The lines that name a provider, in the order the email gives them. */
const providerLinesOf = (language: 'en' | 'fr', tasks: StoredTask[], over: Parameters<typeof storedRequest>[0] = {}) => linesOf(language, tasks, over).filter((l) => l.startsWith('- '));

describe('the closing audit event', () => {
  it('anchors the newest event of a task’s chain, not the second, when the task has three', () => {
    const t = task('paynow', 'payments', 'completed', { audit: [{ hash: 'h1' }, { hash: 'h2' }, { hash: 'h3' }] as StoredTask['audit'] });
    expect(taskAnchors([t])).toEqual({ 'task:paynow': 'h3' });
  });
});

describe('the request named in words', () => {
  it.each([
    ['en', 'access', 'Your request (access to your data, reference 01JQ0000000000000000000000) is complete.'],
    ['en', 'erasure', 'Your request (erasure of your data, reference 01JQ0000000000000000000000) is complete.'],
    ['en', 'rectification', 'Your request (correction of your data, reference 01JQ0000000000000000000000) is complete.'],
    ['en', 'objection', 'Your request (objection, reference 01JQ0000000000000000000000) is complete.'],
    ['en', 'restrict', 'Your request (restriction of the use of your data, reference 01JQ0000000000000000000000) is complete.'],
    ['fr', 'access', 'Votre demande (accès à vos données, référence 01JQ0000000000000000000000) est terminée.'],
    ['fr', 'erasure', 'Votre demande (effacement de vos données, référence 01JQ0000000000000000000000) est terminée.'],
    ['fr', 'rectification', 'Votre demande (rectification de vos données, référence 01JQ0000000000000000000000) est terminée.'],
    ['fr', 'objection', 'Votre demande (opposition, référence 01JQ0000000000000000000000) est terminée.'],
    ['fr', 'restrict', "Votre demande (limitation de l’utilisation de vos données, référence 01JQ0000000000000000000000) est terminée."],
  ] as const)('names a %s %s request as the form does: “%s”', (language, type, sentence) => {
    expect(linesOf(language, [], { type })).toContain(sentence);
  });
});

describe('each provider’s category in words', () => {
  it.each([
    ['en', 'shop', '- PayNow Payments (our own systems): erased your data.'],
    ['en', 'payments', '- PayNow Payments (payments): erased your data.'],
    ['en', 'delivery', '- PayNow Payments (delivery): erased your data.'],
    ['en', 'analytics', '- PayNow Payments (analytics and advertising): erased your data.'],
    ['en', 'email', '- PayNow Payments (emails): erased your data.'],
    ['en', 'collections', '- PayNow Payments (debt collection): erased your data.'],
    ['en', 'social', '- PayNow Payments (social networks): erased your data.'],
    ['fr', 'shop', '- PayNow Payments (nos propres systèmes) : a effacé vos données.'],
    ['fr', 'payments', '- PayNow Payments (paiements) : a effacé vos données.'],
    ['fr', 'delivery', '- PayNow Payments (livraison) : a effacé vos données.'],
    ['fr', 'analytics', '- PayNow Payments (analyse et publicité) : a effacé vos données.'],
    ['fr', 'email', '- PayNow Payments (e-mails) : a effacé vos données.'],
    ['fr', 'collections', '- PayNow Payments (recouvrement) : a effacé vos données.'],
    ['fr', 'social', '- PayNow Payments (réseaux sociaux) : a effacé vos données.'],
  ] as const)('names the %s category %s as the form does', (language, category, line) => {
    expect(providerLinesOf(language, [task('paynow', category, 'completed')])).toEqual([line]);
  });
});

describe('what a provider did, by the action it was asked', () => {
  it.each([
    ['en', 'erase', '- PayNow Payments (payments): erased your data.'],
    ['en', 'export', '- PayNow Payments (payments): sent us your data: it is in your download.'],
    ['en', 'rectify', '- PayNow Payments (payments): corrected your data.'],
    ['en', 'suppress', '- PayNow Payments (payments): stopped using your data as you objected.'],
    ['en', 'restrict', '- PayNow Payments (payments): now only stores your data, and uses it for nothing else.'],
    ['fr', 'erase', '- PayNow Payments (paiements) : a effacé vos données.'],
    ['fr', 'export', '- PayNow Payments (paiements) : nous a transmis vos données : elles sont dans votre téléchargement.'],
    ['fr', 'rectify', '- PayNow Payments (paiements) : a rectifié vos données.'],
    ['fr', 'suppress', "- PayNow Payments (paiements) : a cessé d’utiliser vos données, comme vous l’avez demandé."],
    ['fr', 'restrict', '- PayNow Payments (paiements) : ne fait plus que conserver vos données, sans les utiliser à autre chose.'],
  ] as const)('words a completed %s %s task', (language, action, line) => {
    expect(providerLinesOf(language, [task('paynow', 'payments', 'completed', { action })])).toEqual([line]);
  });

  it.each([
    ['en', 'not_found', '- PayNow Payments (payments): held no data about you.'],
    ['en', 'resolved', '- PayNow Payments (payments): was handled by our privacy team.'],
    ['en', 'failed', '- PayNow Payments (payments): could not do it.'],
    ['en', 'timed_out', '- PayNow Payments (payments): did not answer in time.'],
    ['fr', 'not_found', '- PayNow Payments (paiements) : ne détenait aucune donnée vous concernant.'],
    ['fr', 'resolved', '- PayNow Payments (paiements) : a été traité par notre équipe confidentialité.'],
    ['fr', 'failed', "- PayNow Payments (paiements) : n’a pas pu le faire."],
    ['fr', 'timed_out', "- PayNow Payments (paiements) : n’a pas répondu à temps."],
  ] as const)('words a %s task that ended %s', (language, status, line) => {
    expect(providerLinesOf(language, [task('paynow', 'payments', status)])).toEqual([line]);
  });
});

describe('records kept instead of erased', () => {
  const retained = (outcome: StoredTask['outcome']) => task('paynow', 'payments', 'retained', { outcome });

  it.each([
    ['en', '- PayNow Payments (payments): kept some records instead of erasing them, for a legal obligation we must comply with, until 1 January 2030.'],
    ['fr', "- PayNow Payments (paiements) : a conservé certaines données au lieu de les effacer, pour une obligation légale à laquelle nous sommes soumis, jusqu’au 1er janvier 2030."],
  ] as const)('names a legal obligation as the reason records were kept (%s)', (language, line) => {
    expect(providerLinesOf(language, [retained({ request_status: 'retained', legal_basis: 'legal_obligation', retained_until: '2030-01-01' })])).toEqual([line]);
  });

  it.each([
    ['en', '- PayNow Payments (payments): kept some records instead of erasing them, for the establishment, exercise or defence of legal claims, with no end date set.'],
    ['fr', '- PayNow Payments (paiements) : a conservé certaines données au lieu de les effacer, pour la constatation, l’exercice ou la défense de droits en justice, sans date de fin fixée.'],
  ] as const)('says no end date is set for a hold that is neither accounting nor the warranty and has no until-date (%s)', (language, line) => {
    expect(providerLinesOf(language, [retained({ request_status: 'retained', legal_basis: 'legal_claims', retained_until: null })])).toEqual([line]);
  });

  it('tells a French requester both reasons a provider kept records and until when, joined by “et”', () => {
    const outcome: TaskOutcome = { request_status: 'retained', legal_basis: 'accounting', retained_until: '2031-03-05', additional_holds: [{ legal_basis: 'lifetime_warranty', retained_until: null }] };
    expect(providerLinesOf('fr', [retained(outcome)])).toEqual([
      "- PayNow Payments (paiements) : a conservé certaines données au lieu de les effacer, pour notre obligation légale de conserver les documents comptables, jusqu’au 5 mars 2031, et pour votre garantie à vie, que vous avez choisi de conserver, tant que dure la garantie.",
    ]);
  });

  it('gives every further hold a processor reported, each with its own end', () => {
    const outcome: TaskOutcome = {
      request_status: 'retained',
      legal_basis: 'legal_claims',
      retained_until: '2027-06-30',
      additional_holds: [
        { legal_basis: 'accounting', retained_until: null },
        { legal_basis: 'lifetime_warranty', retained_until: null },
      ],
    };
    expect(providerLinesOf('en', [retained(outcome)])).toEqual([
      '- PayNow Payments (payments): kept some records instead of erasing them, for the establishment, exercise or defence of legal claims, until 30 June 2027, and for our legal duty to keep accounting records, while your account is open, then up to 7 years after it closes, and for your lifetime warranty, which you chose to keep, for as long as the warranty runs.',
    ]);
  });

  it.each([
    ['en', '- PayNow Payments (payments): kept some records instead of erasing them.'],
    ['fr', '- PayNow Payments (paiements) : a conservé certaines données au lieu de les effacer.'],
  ] as const)('says records were kept without a reason when the provider gave none (%s)', (language, line) => {
    expect(providerLinesOf(language, [task('paynow', 'payments', 'retained')])).toEqual([line]);
    expect(providerLinesOf(language, [retained({ request_status: 'retained' })])).toEqual([line]);
  });
});

describe('what an officer found when resolving a task by hand', () => {
  const resolved = (outcome: StoredTask['outcome'], over: Partial<StoredTask> = {}) => task('paynow', 'payments', 'resolved', { outcome, ...over });

  it.each([
    ['en', '- PayNow Payments (payments): kept some records instead of erasing them (checked by our privacy team).'],
    ['fr', '- PayNow Payments (paiements) : a conservé certaines données au lieu de les effacer (vérifié par notre équipe confidentialité).'],
  ] as const)('says records were kept, checked by the team, when the officer recorded no reason for keeping them (%s)', (language, line) => {
    expect(providerLinesOf(language, [resolved({ request_status: 'resolved', reason: 'retained', note: 'kept' })])).toEqual([line]);
  });

  it('gives a French requester both holds an officer recorded, then that the team checked them', () => {
    const outcome: TaskOutcome = { request_status: 'resolved', reason: 'retained', note: 'kept', legal_basis: 'legal_obligation', retained_until: '2030-01-01', additional_holds: [{ legal_basis: 'lifetime_warranty', retained_until: null }] };
    expect(providerLinesOf('fr', [resolved(outcome)])).toEqual([
      "- PayNow Payments (paiements) : a conservé certaines données au lieu de les effacer, pour une obligation légale à laquelle nous sommes soumis, jusqu’au 1er janvier 2030, et pour votre garantie à vie, que vous avez choisi de conserver, tant que dure la garantie (vérifié par notre équipe confidentialité).",
    ]);
  });

  it.each([
    ['en', '- PayNow Payments (payments): held no data about you (checked by our privacy team).'],
    ['fr', '- PayNow Payments (paiements) : ne détenait aucune donnée vous concernant (vérifié par notre équipe confidentialité).'],
  ] as const)('says the provider held nothing, checked by the team, when the officer found no data (%s)', (language, line) => {
    expect(providerLinesOf(language, [resolved({ request_status: 'resolved', reason: 'not_found', note: 'no account' })])).toEqual([line]);
  });

  it.each([
    ['en', 'rectify', '- PayNow Payments (payments): corrected your data (checked by our privacy team).'],
    ['fr', 'erase', '- PayNow Payments (paiements) : a effacé vos données (vérifié par notre équipe confidentialité).'],
    ['fr', 'restrict', '- PayNow Payments (paiements) : ne fait plus que conserver vos données, sans les utiliser à autre chose (vérifié par notre équipe confidentialité).'],
  ] as const)('says what the provider did, checked by the team, when the officer found a %s %s task done', (language, action, line) => {
    expect(providerLinesOf(language, [resolved({ request_status: 'resolved', reason: 'completed', note: 'by hand' }, { action })])).toEqual([line]);
  });

  it.each(['retained', 'not_found', 'completed'])('takes no failed task for an officer’s resolution, even when the processor’s reason for failing reads “%s”', (reason) => {
    const failed = task('paynow', 'payments', 'failed', { action: 'rectify', outcome: { request_status: 'failed', reason } });
    expect(providerLinesOf('en', [failed])).toEqual(['- PayNow Payments (payments): could not do it.']);
  });

  it('says only that the team handled it when the officer gave another reason', () => {
    expect(providerLinesOf('en', [resolved({ request_status: 'resolved', reason: 'other', note: 'phoned them' })])).toEqual(['- PayNow Payments (payments): was handled by our privacy team.']);
  });
});

describe('a provider missing from the download of a copy', () => {
  const exported = (status: StoredTask['status'], outcome?: StoredTask['outcome']) => task('metricsly', 'analytics', status, { action: 'export', outcome });

  it.each([
    ['sent its data', exported('completed'), '- Metricsly Analytics & Ads (analytics and advertising): sent us your data: it is in your download.'],
    ['held none', exported('not_found'), '- Metricsly Analytics & Ads (analytics and advertising): held no data about you.'],
    ['held none, the officer found', exported('resolved', { request_status: 'resolved', reason: 'not_found', note: 'no account' }), '- Metricsly Analytics & Ads (analytics and advertising): held no data about you (checked by our privacy team).'],
  ])('is not said of a provider that %s', (_, t, line) => {
    expect(providerLinesOf('en', [t], { type: 'access' })).toEqual([line]);
  });

  it.each([
    ['the officer resolved as done', exported('resolved', { request_status: 'resolved', reason: 'completed', note: 'sent by post' }), '- Metricsly Analytics & Ads (analytics and advertising): was handled by our privacy team. Its data is not in your download.'],
    [
      'the officer resolved as kept',
      exported('resolved', { request_status: 'resolved', reason: 'retained', note: 'court case', legal_basis: 'legal_claims', retained_until: '2027-06-30' }),
      '- Metricsly Analytics & Ads (analytics and advertising): kept some records instead of erasing them, for the establishment, exercise or defence of legal claims, until 30 June 2027 (checked by our privacy team). Its data is not in your download.',
    ],
    ['could not send', exported('failed'), '- Metricsly Analytics & Ads (analytics and advertising): could not do it. Its data is not in your download.'],
    ['failed, whatever its reason for failing says', exported('failed', { request_status: 'failed', reason: 'not_found' }), '- Metricsly Analytics & Ads (analytics and advertising): could not do it. Its data is not in your download.'],
    ['the officer resolved without recording an outcome', exported('resolved'), '- Metricsly Analytics & Ads (analytics and advertising): was handled by our privacy team. Its data is not in your download.'],
  ])('is said of a provider that %s', (_, t, line) => {
    expect(providerLinesOf('en', [t], { type: 'access' })).toEqual([line]);
  });

  it('is not said of a provider that failed at anything but a copy', () => {
    expect(providerLinesOf('en', [task('metricsly', 'analytics', 'failed', { action: 'erase' })])).toEqual(['- Metricsly Analytics & Ads (analytics and advertising): could not do it.']);
  });
});

describe('the order and names of the providers', () => {
  it('lists the providers in the registry’s order whatever order the tasks come in, and one no longer listed last, as “A provider”', () => {
    const tasks = [task('gone-provider', 'collections', 'completed'), task('metricsly', 'analytics', 'completed'), task('mailer', 'email', 'not_found'), task('paynow', 'payments', 'completed')];
    expect(providerLinesOf('en', tasks)).toEqual([
      '- PayNow Payments (payments): erased your data.',
      '- Mailwave Newsletters (emails): held no data about you.',
      '- Metricsly Analytics & Ads (analytics and advertising): erased your data.',
      '- A provider (debt collection): erased your data.',
    ]);
  });

  it('keeps the registry’s order when the first provider of the registry comes last among the tasks', () => {
    const tasks = [task('shipit', 'delivery', 'completed'), task('gone-provider', 'collections', 'completed'), task('paynow', 'payments', 'completed')];
    expect(providerLinesOf('fr', tasks)).toEqual(['- PayNow Payments (paiements) : a effacé vos données.', '- Shipit Parcels (livraison) : a effacé vos données.', '- Un prestataire (recouvrement) : a effacé vos données.']);
  });
});

describe('the whole outcome email', () => {
  it('tells a French requester which provider kept records and until when, why, and that the warranty records are gone', () => {
    const req = storedRequest({ language: 'fr', status: 'completed', details: { eraseWarranty: true, objections: [] } });
    const tasks = [task('mailer', 'email', 'completed'), task('paynow', 'payments', 'retained', { outcome: { request_status: 'retained', legal_basis: 'accounting', retained_until: '2031-03-05' } })];
    expect(outcomeMessage(req, tasks, NAMES)).toEqual({
      subject: 'Votre demande de confidentialité est terminée',
      text: `Bonjour,

Votre demande (effacement de vos données, référence 01JQ0000000000000000000000) est terminée.

Voici ce que chacun de nos prestataires a fait :
- PayNow Payments (paiements) : a conservé certaines données au lieu de les effacer, pour notre obligation légale de conserver les documents comptables, jusqu’au 5 mars 2031.
- Mailwave Newsletters (e-mails) : a effacé vos données.

Notre politique conserve vos commandes et factures jusqu’au 5 mars 2031, pour respecter notre obligation légale de conserver les documents comptables.

Nous ne conservons ces données que pour les raisons indiquées ci-dessus, et ne les utilisons à rien d’autre.

Comme vous l’avez demandé, nous avons aussi effacé vos achats garantis à vie : nous ne pourrons plus honorer de réclamation au titre de cette garantie.

${COMPLAIN_FR}

Nous ne vous demanderons jamais d’envoyer des données personnelles par e-mail.

L’équipe confidentialité d’Offtek`,
    });
  });

  it('leaves out the providers’ paragraph when no provider was asked anything (en)', () => {
    expect(outcomeEmail(storedRequest({ type: 'objection' }), [], NAMES)).toEqual({
      subject: 'Your privacy request is complete',
      text: `Hello,

Your request (objection, reference 01JQ0000000000000000000000) is complete.

${COMPLAIN_EN}

We will never ask you to send personal data by email.

The Offtek privacy team`,
    });
  });

  it('leaves out the providers’ paragraph when no provider was asked anything (fr)', () => {
    expect(outcomeEmail(storedRequest({ type: 'objection', language: 'fr' }), [], NAMES)).toEqual({
      subject: 'Votre demande de confidentialité est terminée',
      text: `Bonjour,

Votre demande (opposition, référence 01JQ0000000000000000000000) est terminée.

${COMPLAIN_FR}

Nous ne vous demanderons jamais d’envoyer des données personnelles par e-mail.

L’équipe confidentialité d’Offtek`,
    });
  });
});

describe('the paragraph explaining each hold behind what was kept', () => {
  const ACCOUNTING = 'Our policy keeps your order and invoice records until 5 March 2031, to meet our legal duty to keep accounting records.';
  const WARRANTY = 'As you chose to keep your lifetime warranty, we keep the proof of purchase of those products so that we can honour it. You can ask us to erase it too.';
  const accounting = { legal_basis: 'accounting', retained_until: '2031-03-05' } as const;

  it('explains the accounting hold an officer recorded when resolving a task as kept', () => {
    const t = task('paynow', 'payments', 'resolved', { outcome: { request_status: 'resolved', reason: 'retained', note: 'invoices', ...accounting } });
    expect(linesOf('en', [t])).toContain(ACCOUNTING);
  });

  it('explains the warranty a provider kept records for, from its further holds', () => {
    const t = task('paynow', 'payments', 'retained', { outcome: { request_status: 'retained', legal_basis: 'legal_claims', retained_until: null, additional_holds: [{ legal_basis: 'lifetime_warranty', retained_until: null }] } });
    const lines = linesOf('en', [t]);
    expect(lines).toContain(WARRANTY);
    expect(lines.filter((l) => l.startsWith('Our policy keeps'))).toEqual([]);
  });

  it.each([
    ['a provider that erased everything', task('paynow', 'payments', 'completed', { outcome: { request_status: 'completed', ...accounting } })],
    ['a provider the officer found had erased everything', task('paynow', 'payments', 'resolved', { outcome: { request_status: 'resolved', reason: 'completed', note: 'done', ...accounting } })],
    ['a provider that could not do it', task('paynow', 'payments', 'failed', { outcome: { request_status: 'failed', reason: 'retained', ...accounting } })],
  ])('explains no hold for %s, whatever basis its outcome names', (_, t) => {
    const text = outcomeMessage(storedRequest(), [t], NAMES).text;
    expect(text).not.toContain('Our policy keeps');
    expect(text).not.toContain('As you chose to keep your lifetime warranty');
  });

  it('explains neither accounting nor the warranty for records kept for legal claims or a legal obligation', () => {
    const claims = task('paynow', 'payments', 'retained', { outcome: { request_status: 'retained', legal_basis: 'legal_claims', retained_until: '2027-06-30' } });
    const obligation = task('shipit', 'delivery', 'retained', { outcome: { request_status: 'retained', legal_basis: 'legal_obligation', retained_until: null } });
    expect(linesOf('en', [obligation, claims])).toEqual([
      'Hello,',
      '',
      'Your request (erasure of your data, reference 01JQ0000000000000000000000) is complete.',
      '',
      'Here is what each of our providers did:',
      '- PayNow Payments (payments): kept some records instead of erasing them, for the establishment, exercise or defence of legal claims, until 30 June 2027.',
      '- Shipit Parcels (delivery): kept some records instead of erasing them, for a legal obligation we must comply with, with no end date set.',
      '',
      'We keep those records only for the reasons given above, and use them for nothing else.',
      '',
      ...COMPLAIN_EN.split('\n'),
      '',
      'We will never ask you to send personal data by email.',
      '',
      'The Offtek privacy team',
    ]);
  });
});

describe('the closing lines of a restriction', () => {
  const restricting = (processorId: string, category: StoredTask['category'], status: StoredTask['status']) => task(processorId, category, status, { action: 'restrict' });

  it('tells an English requester, after a blank line, that the recipients now only store their data, what else stopped, and what it may still be used for', () => {
    const tasks = [restricting('mailer', 'email', 'not_found'), restricting('paynow', 'payments', 'completed')];
    expect(outcomeMessage(storedRequest({ type: 'restrict', status: 'completed' }), tasks, NAMES).text).toBe(`Hello,

Your request (restriction of the use of your data, reference 01JQ0000000000000000000000) is complete.

Here is what each of our providers did:
- PayNow Payments (payments): now only stores your data, and uses it for nothing else.
- Mailwave Newsletters (emails): held no data about you.

The recipients above that held your data now keep it without using it.
We have also stopped using your address for our offers, review invitations and advertising profiling.
Your data will be used only with your consent, to establish, exercise or defend legal claims, to protect another person's rights, or for reasons of important public interest. We will tell you before this restriction is lifted.

${COMPLAIN_EN}

We will never ask you to send personal data by email.

The Offtek privacy team`);
  });

  it('tells a French requester the same', () => {
    const tasks = [restricting('paynow', 'payments', 'completed')];
    expect(outcomeMessage(storedRequest({ type: 'restrict', language: 'fr', status: 'completed' }), tasks, NAMES).text).toBe(`Bonjour,

Votre demande (limitation de l’utilisation de vos données, référence 01JQ0000000000000000000000) est terminée.

Voici ce que chacun de nos prestataires a fait :
- PayNow Payments (paiements) : ne fait plus que conserver vos données, sans les utiliser à autre chose.

Les destinataires ci-dessus qui détenaient vos données les conservent désormais sans plus les utiliser.
Nous avons aussi cessé d’utiliser votre adresse pour nos offres, nos invitations à donner un avis et le profilage publicitaire.
Vos données ne seront utilisées qu’avec votre accord, pour la constatation, l’exercice ou la défense de droits en justice, pour protéger les droits d’une autre personne ou pour un motif important d’intérêt public. Nous vous préviendrons avant de lever cette limitation.

${COMPLAIN_FR}

Nous ne vous demanderons jamais d’envoyer des données personnelles par e-mail.

L’équipe confidentialité d’Offtek`);
  });

  it.each([
    ['en', 'resolved', 'The recipients above that held your data now keep it without using it.'],
    ['fr', 'resolved', 'Les destinataires ci-dessus qui détenaient vos données les conservent désormais sans plus les utiliser.'],
    ['en', 'not_found', 'No recipient held any data to restrict.'],
    ['en', 'failed', 'No recipient held any data to restrict.'],
    ['fr', 'timed_out', 'Aucun destinataire ne détenait de données à limiter.'],
  ] as const)('words the recipients’ line (%s) when the only provider’s task ended %s: “%s”', (language, status, line) => {
    const lines = linesOf(language, [restricting('paynow', 'payments', status)], { type: 'restrict' });
    expect(lines).toContain(line);
    expect(lines.filter((l) => /^(The recipients above|No recipient|Les destinataires ci-dessus|Aucun destinataire)/.test(l))).toEqual([line]);
  });

  it.each([
    ['en', 'No recipient held any data to restrict.'],
    ['fr', 'Aucun destinataire ne détenait de données à limiter.'],
  ] as const)('says no recipient held anything when no provider was asked (%s)', (language, line) => {
    expect(linesOf(language, [], { type: 'restrict' })).toContain(line);
  });
});
