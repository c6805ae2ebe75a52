import { describe, expect, it } from 'vitest';
import { allTasksSettled, outcomeMessage, taskAnchors } from '../../../functions/core/completion.ts';
import type { StoredTask } from '../../../functions/core/ports.ts';
import { storedRequest } from '../processors/fakes.ts';

const task = (processorId: string, category: StoredTask['category'], status: StoredTask['status'], over: Partial<StoredTask> = {}) =>
  ({ taskId: `R.${processorId}`, requestId: 'R', processorId, category, action: 'erase', status, version: 1, attempts: 0, holds: [], audit: [], ...over }) as StoredTask;

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
    task('social', 'social', 'resolved'),
    task('metricsly', 'analytics', 'completed'),
  ];

  it('lists each category’s result, says once per basis what was kept, and warns about erased warranty records', () => {
    const req = storedRequest({ status: 'completed', details: { eraseWarranty: true, objections: [] } });
    expect(outcomeMessage(req, tasks)).toEqual({
      subject: 'Your privacy request is complete',
      text: `Hello,

Your request (erasure of your data, reference 01JQ0000000000000000000000) is complete.

- payments: kept some records (see below)
- delivery: kept some records (see below)
- email: held no data about you
- social: handled by our team
- analytics: done

Our policy keeps your order and invoice records until 5 March 2031, to meet our legal duty to keep accounting records.

As you asked, we also erased your lifetime-warranty purchase records: we can no longer honour warranty claims for those products.

How to complain:
If you are not satisfied with our answer, you can first complain to us: reply to any of our emails about this request.
You have the right to complain to the UK's supervisory authority, the Information Commissioner's Office (ICO): Wycliffe House, Water Lane, Wilmslow, Cheshire SK9 5AF, telephone 0303 123 1113, https://ico.org.uk/make-a-complaint.
You also have the right to go to court to enforce your rights.

We will never ask you to send personal data by email.

The Offtek privacy team`,
    });
  });

  it('gives an export’s download link, in French for a French requester', () => {
    const req = storedRequest({ type: 'access', language: 'fr', status: 'completed' });
    expect(outcomeMessage(req, [task('metricsly', 'analytics', 'completed'), task('mailer', 'email', 'failed')], 'https://x.example/exports/R?token=D')).toEqual({
      subject: 'Votre demande de confidentialité est terminée',
      text: `Bonjour,

Votre demande (accès à vos données, référence 01JQ0000000000000000000000) est terminée.

- analytics: fait
- email: n'a pas pu aboutir

Vos données sont prêtes. Téléchargez-les ici (lien valable 72 heures) :
https://x.example/exports/R?token=D

Comment se plaindre :
Si notre réponse ne vous satisfait pas, vous pouvez d'abord nous adresser une réclamation : répondez à l'un de nos e-mails concernant cette demande.
Vous avez le droit de déposer une plainte auprès de l'autorité de contrôle du Royaume-Uni, l'Information Commissioner's Office (ICO) : Wycliffe House, Water Lane, Wilmslow, Cheshire SK9 5AF, téléphone 0303 123 1113, https://ico.org.uk/make-a-complaint.
Vous avez aussi le droit de saisir la justice pour faire respecter vos droits.

Nous ne vous demanderons jamais d'envoyer des données personnelles par e-mail.

L'équipe confidentialité d'Offtek`,
    });
  });

  it.each([
    ['en', 'Your data is ready. Download it here (the link works for 72 hours):'],
    ['fr', 'Vos données sont prêtes. Téléchargez-les ici (lien valable 72 heures) :'],
  ] as const)('words the download line in %s', (language, line) => {
    const req = storedRequest({ type: 'access', language });
    expect(outcomeMessage(req, [], 'https://x.example/d').text.split('\n')).toContain(line);
  });

  it('gives no warranty warning when the warranty records were kept, nor for another type of request', () => {
    expect(outcomeMessage(storedRequest({ details: { eraseWarranty: false, objections: [] } }), []).text).not.toContain('warranty');
    expect(outcomeMessage(storedRequest({ type: 'objection', details: { eraseWarranty: true, objections: ['marketing'] } }), []).text).not.toContain('warranty');
  });

  it.each([
    ['en', 'timed_out', 'did not answer in time'],
    ['fr', 'timed_out', "n'a pas répondu à temps"],
    ['fr', 'not_found', 'ne détenait aucune donnée vous concernant'],
    ['fr', 'retained', 'conserve certaines données (voir ci-dessous)'],
    ['fr', 'resolved', 'traité par notre équipe'],
    ['en', 'failed', 'could not be completed'],
  ] as const)('words a %s %s task as “%s”', (language, status, words) => {
    expect(outcomeMessage(storedRequest({ language }), [task('a', 'payments', status)]).text.split('\n')).toContain(`- payments: ${words}`);
  });
});
