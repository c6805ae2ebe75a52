import { describe, expect, it } from 'vitest';
import { allTasksSettled, outcomeMessage, taskAnchors } from '../../../functions/core/completion.ts';
import type { StoredTask } from '../../../functions/core/ports.ts';
import { storedRequest } from '../processors/fakes.ts';
import { COMPLAIN_EN, COMPLAIN_FR, NAMES, task } from './completion-fixtures.ts';

describe('when a request may complete', () => {
  it.each(['completed', 'not_found', 'retained', 'resolved'] as const)('counts a %s task as settled', (status) => {
    expect(allTasksSettled([task('a', 'payments', 'completed'), task('b', 'email', status)])).toBe(true);
  });
  it.each(['pending', 'sent', 'in_progress', 'failed', 'timed_out'] as const)('waits for a %s task', (status) => {
    expect(allTasksSettled([task('a', 'payments', 'completed'), task('b', 'email', status)])).toBe(false);
  });
});

describe('the closing audit event', () => {
  it('anchors the last hash of each task’s chain, and an empty one for a task without events', () => {
    const withEvents = task('paynow', 'payments', 'completed', { audit: [{ hash: 'h1' }, { hash: 'h2' }] as StoredTask['audit'] });
    expect(taskAnchors([withEvents, task('mailer', 'email', 'not_found')])).toEqual({ 'task:paynow': 'h2', 'task:mailer': '' });
  });
});

describe('the outcome email', () => {
  const tasks = [
    task('paynow', 'payments', 'retained', { outcome: { request_status: 'retained', legal_basis: 'accounting', retained_until: '2031-03-05' } }),
    task('shipit', 'delivery', 'retained', { outcome: { request_status: 'retained', legal_basis: 'accounting', retained_until: '2031-03-05' } }),
    task('mailer', 'email', 'not_found'),
    task('social', 'social', 'resolved', { outcome: { request_status: 'resolved', reason: 'completed', note: 'by hand' } }),
    task('metricsly', 'analytics', 'completed'),
  ];

  it('names each provider and its category in words, one line each, says what was kept, why and until when, and warns about erased warranty records', () => {
    const req = storedRequest({ status: 'completed', details: { eraseWarranty: true, objections: [] } });
    expect(outcomeMessage(req, tasks, NAMES)).toEqual({
      subject: 'Your privacy request is complete',
      text: `Hello,

Your request (erasure of your data, reference 01JQ0000000000000000000000) is complete.

Here is what each of our providers did:
- PayNow Payments (payments): kept some records instead of erasing them, for our legal duty to keep accounting records, until 5 March 2031.
- Shipit Parcels (delivery): kept some records instead of erasing them, for our legal duty to keep accounting records, until 5 March 2031.
- Mailwave Newsletters (emails): held no data about you.
- Friendbook Social Login (social networks): erased your data (checked by our privacy team).
- Metricsly Analytics & Ads (analytics and advertising): erased your data.

Our policy keeps your order and invoice records until 5 March 2031, to meet our legal duty to keep accounting records.

We keep those records only for the reasons given above, and use them for nothing else.

As you asked, we also erased your lifetime-warranty purchase records: we can no longer honour warranty claims for those products.

${COMPLAIN_EN}

We will never ask you to send personal data by email.

The Offtek privacy team`,
    });
  });

  it('gives both reasons and both ends in one line when a provider kept records under both holds, and explains each hold below', () => {
    const kept = task('shipit', 'delivery', 'retained', {
      outcome: { request_status: 'retained', legal_basis: 'accounting', retained_until: '2031-03-05', additional_holds: [{ legal_basis: 'lifetime_warranty', retained_until: null }] },
    });
    const en = outcomeMessage(storedRequest({ status: 'completed' }), [kept], NAMES).text.split('\n');
    expect(en).toContain('- Shipit Parcels (delivery): kept some records instead of erasing them, for our legal duty to keep accounting records, until 5 March 2031, and for your lifetime warranty, which you chose to keep, for as long as the warranty runs.');
    expect(en).toContain('Our policy keeps your order and invoice records until 5 March 2031, to meet our legal duty to keep accounting records.');
    expect(en.filter((l) => /warranty/.test(l) && !l.startsWith('- '))).toHaveLength(1);
  });

  it('says in French, in the registry’s order, which provider’s data is missing from a copy, and gives the download link', () => {
    const req = storedRequest({ type: 'access', language: 'fr', status: 'completed' });
    const exported = [
      task('metricsly', 'analytics', 'completed', { action: 'export' }),
      task('mailer', 'email', 'not_found', { action: 'export' }),
      task('social', 'social', 'resolved', { action: 'export', outcome: { request_status: 'resolved', reason: 'completed', note: 'sent by post' } }),
    ];
    expect(outcomeMessage(req, exported, NAMES, 'https://x.example/exports/R?token=D')).toEqual({
      subject: 'Votre demande de confidentialité est terminée',
      text: `Bonjour,

Votre demande (accès à vos données, référence 01JQ0000000000000000000000) est terminée.

Voici ce que chacun de nos prestataires a fait :
- Mailwave Newsletters (e-mails) : ne détenait aucune donnée vous concernant.
- Friendbook Social Login (réseaux sociaux) : a été traité par notre équipe confidentialité. Ses données ne sont pas dans votre téléchargement.
- Metricsly Analytics & Ads (analyse et publicité) : nous a transmis vos données : elles sont dans votre téléchargement.

Vos données sont prêtes. Téléchargez-les ici (lien valable 72 heures) :
https://x.example/exports/R?token=D

${COMPLAIN_FR}

Nous ne vous demanderons jamais d’envoyer des données personnelles par e-mail.

L’équipe confidentialité d’Offtek`,
    });
  });

  it('says in English which provider’s data is missing from a copy', () => {
    const req = storedRequest({ type: 'access', language: 'en', status: 'completed' });
    const lines = outcomeMessage(req, [task('social', 'social', 'timed_out', { action: 'export' })], NAMES).text.split('\n');
    expect(lines).toContain('- Friendbook Social Login (social networks): did not answer in time. Its data is not in your download.');
  });

  it.each([
    ['en', '- Friendbook Social Login (social networks): kept some records instead of erasing them, for the establishment, exercise or defence of legal claims, until 30 June 2027 (checked by our privacy team).'],
    ['fr', '- Friendbook Social Login (réseaux sociaux) : a conservé certaines données au lieu de les effacer, pour la constatation, l’exercice ou la défense de droits en justice, jusqu’au 30 juin 2027 (vérifié par notre équipe confidentialité).'],
  ] as const)('gives the basis and the until-date an officer recorded when resolving a task as retained (%s)', (language, line) => {
    const resolved = task('social', 'social', 'resolved', { outcome: { request_status: 'resolved', reason: 'retained', note: 'court case', legal_basis: 'legal_claims', retained_until: '2027-06-30' } });
    expect(outcomeMessage(storedRequest({ language }), [resolved], NAMES).text.split('\n')).toContain(line);
  });

  it.each([
    ['en', 'accounting', '- PayNow Payments (payments): kept some records instead of erasing them, for our legal duty to keep accounting records, while your account is open, then up to 7 years after it closes.'],
    ['fr', 'accounting', "- PayNow Payments (paiements) : a conservé certaines données au lieu de les effacer, pour notre obligation légale de conserver les documents comptables, tant que votre compte est ouvert, puis jusqu’à 7 ans après sa fermeture."],
    ['en', 'lifetime_warranty', '- PayNow Payments (payments): kept some records instead of erasing them, for your lifetime warranty, which you chose to keep, for as long as the warranty runs.'],
    ['fr', 'lifetime_warranty', '- PayNow Payments (paiements) : a conservé certaines données au lieu de les effacer, pour votre garantie à vie, que vous avez choisi de conserver, tant que dure la garantie.'],
  ] as const)('words an open-ended %s %s hold by what it lasts for', (language, basis, line) => {
    const kept = task('paynow', 'payments', 'retained', { outcome: { request_status: 'retained', legal_basis: basis, retained_until: null } });
    expect(outcomeMessage(storedRequest({ language }), [kept], NAMES).text.split('\n')).toContain(line);
  });

  it.each([
    ['en', 'Your data is ready. Download it here (the link works for 72 hours):'],
    ['fr', 'Vos données sont prêtes. Téléchargez-les ici (lien valable 72 heures) :'],
  ] as const)('words the download line in %s', (language, line) => {
    const req = storedRequest({ type: 'access', language });
    expect(outcomeMessage(req, [], NAMES, 'https://x.example/d').text.split('\n')).toContain(line);
  });

  it.each([
    ['en', 'We keep those records only for the reasons given above, and use them for nothing else.'],
    ['fr', 'Nous ne conservons ces données que pour les raisons indiquées ci-dessus, et ne les utilisons à rien d’autre.'],
  ] as const)('tells the requester that what an erasure kept is restricted to the reason it was kept, whoever kept it (%s)', (language, line) => {
    const kept = task('paynow', 'payments', 'retained', { outcome: { request_status: 'retained', legal_basis: 'accounting', retained_until: '2031-03-05' } });
    const byOfficer = task('social', 'social', 'resolved', { outcome: { request_status: 'resolved', reason: 'retained', note: 'court case', legal_basis: 'legal_claims', retained_until: '2027-06-30' } });
    for (const tasks of [[kept], [byOfficer]]) expect(outcomeMessage(storedRequest({ language }), tasks, NAMES).text.split('\n')).toContain(line);
    // Nothing kept, nothing restricted to say.
    const erased = outcomeMessage(storedRequest({ language }), [task('paynow', 'payments', 'completed'), task('social', 'social', 'resolved', { outcome: { request_status: 'resolved', reason: 'completed', note: 'by hand' } })], NAMES);
    expect(erased.text).not.toContain(line);
  });

  it.each([
    ['en', 'As you asked, we also erased', 'We found no lifetime-warranty purchase of yours, so there were no such records to erase.'],
    ['fr', 'Comme vous l’avez demandé, nous avons aussi effacé', 'Nous n’avons trouvé aucun achat garanti à vie à votre nom : il n’y avait donc pas de tels documents à effacer.'],
  ] as const)('does not tell a requester who bought no lifetime-warranty product that its records were erased, and says there were none (%s)', (language, erased, none) => {
    // Ticked by someone the shop's directory knows of no such purchase (or of nothing at all): every provider may have held nothing.
    const req = storedRequest({ language, details: { eraseWarranty: true, objections: [] }, noWarrantyPurchases: true });
    const lines = outcomeMessage(req, [task('paynow', 'payments', 'not_found')], NAMES).text.split('\n');
    expect(lines.join('\n')).not.toContain(erased);
    expect(lines).toContain(none);
    // Planned before the directory's answer was recorded, the request keeps the warning it always had.
    expect(outcomeMessage(storedRequest({ language, details: { eraseWarranty: true, objections: [] } }), [], NAMES).text).toContain(erased);
  });

  it('gives no warranty warning when the warranty records were kept, nor for another type of request', () => {
    expect(outcomeMessage(storedRequest({ details: { eraseWarranty: false, objections: [] } }), [], NAMES).text).not.toContain('warranty');
    expect(outcomeMessage(storedRequest({ type: 'objection', details: { eraseWarranty: true, objections: ['marketing'] } }), [], NAMES).text).not.toContain('warranty');
  });

  it('never shows a processor id, even for a provider no longer in the registry', () => {
    const text = outcomeMessage(storedRequest({ language: 'fr' }), [task('gone-provider', 'collections', 'completed')], NAMES).text;
    expect(text.split('\n')).toContain('- Un prestataire (recouvrement) : a effacé vos données.');
    expect(text).not.toContain('gone-provider');
  });

  it.each([
    ['en', 'timed_out', 'did not answer in time.'],
    ['fr', 'timed_out', "n’a pas répondu à temps."],
    ['fr', 'not_found', 'ne détenait aucune donnée vous concernant.'],
    ['fr', 'resolved', 'a été traité par notre équipe confidentialité.'],
    ['en', 'failed', 'could not do it.'],
  ] as const)('words a %s %s task as “%s”', (language, status, words) => {
    const label = language === 'fr' ? 'PayNow Payments (paiements) :' : 'PayNow Payments (payments):';
    expect(outcomeMessage(storedRequest({ language }), [task('paynow', 'payments', status)], NAMES).text.split('\n')).toContain(`- ${label} ${words}`);
  });
});

describe('the outcome email of a correction the officer approved in part (Art. 12(4))', () => {
  const rectify = [task('paynow', 'payments', 'completed', { action: 'rectify' })];
  const corrected = (language: 'en' | 'fr') => storedRequest({ type: 'rectification', language, status: 'completed', details: { eraseWarranty: false, objections: [], corrected: ['name', 'postal_address'] } });

  it('names the fields it corrected, says what was not corrected in the officer’s words, and how to complain', () => {
    const text = outcomeMessage(corrected('en'), rectify, NAMES, undefined, undefined, 'Your old phone number is needed for a fraud case.').text;
    expect(text).toContain(`We corrected: your name and your postal address.

We did not make every correction you asked for. In our team’s words:
Your old phone number is needed for a fraud case.
If you disagree, you can complain as set out below.

${COMPLAIN_EN}`);
  });

  it('says the same in French', () => {
    const text = outcomeMessage(corrected('fr'), rectify, NAMES, undefined, undefined, 'Votre ancien numéro est nécessaire à une enquête pour fraude.').text;
    expect(text).toContain(`Nous avons corrigé : votre nom et votre adresse postale.

Nous n’avons pas fait toutes les corrections que vous avez demandées. Précisions de notre équipe :
Votre ancien numéro est nécessaire à une enquête pour fraude.
Si vous n’êtes pas d’accord, vous pouvez vous plaindre comme indiqué ci-dessous.

${COMPLAIN_FR}`);
  });

  it('names the fields corrected and says nothing was left out when the officer wrote no note', () => {
    const text = outcomeMessage(corrected('en'), rectify, NAMES).text;
    expect(text).toContain('We corrected: your name and your postal address.');
    expect(text).not.toContain('We did not make every correction');
  });

  it('says nothing needed correcting, never "we corrected", when every recipient held no such data, the team’s not-found included', () => {
    const nobody = [task('paynow', 'payments', 'not_found', { action: 'rectify' }), task('parcelway', 'delivery', 'resolved', { action: 'rectify', outcome: { request_status: 'resolved', reason: 'not_found' } })];
    const en = outcomeMessage(corrected('en'), nobody, NAMES).text;
    expect(en).not.toContain('We corrected');
    expect(en).toContain('Neither we nor our providers held your name and your postal address: there was nothing to correct.');
    const fr = outcomeMessage(corrected('fr'), nobody, NAMES).text;
    expect(fr).not.toContain('Nous avons corrigé');
    expect(fr).toContain('Personne, ni nous ni nos prestataires, ne détenait votre nom et votre adresse postale : il n’y avait rien à corriger.');
    // One that did it is enough to say the correction was made; the team's own completion counts.
    expect(outcomeMessage(corrected('en'), [...nobody, task('offtek', 'shop', 'resolved', { action: 'rectify', outcome: { request_status: 'resolved', reason: 'completed' } })], NAMES).text).toContain('We corrected: your name and your postal address.');
    // A failure the team closed: neither said, the provider's own line tells it.
    const failed = outcomeMessage(corrected('en'), [task('paynow', 'payments', 'resolved', { action: 'rectify', outcome: { request_status: 'resolved', reason: 'failed' } })], NAMES).text;
    expect(failed).not.toMatch(/We corrected|nothing to correct/);
  });
});
