import { describe, expect, it } from 'vitest';
import { outcomeMessage } from '../../../functions/core/completion.ts';
import { confirmationEmail } from '../../../functions/core/emails.ts';
import { validateSubmission } from '../../../functions/core/intake.ts';
import { planTasks, suppressionScopes } from '../../../functions/core/plan.ts';
import type { StoredTask } from '../../../functions/core/ports.ts';
import { webhookBody } from '../../../functions/core/webhook.ts';
import { WebhookBody } from '../../../functions/core/webhook-body.ts';
import { loadRegistry } from '../../../local/processors/registry.ts';
import { storedRequest } from '../processors/fakes.ts';

/** Art. 18: the policy's "cesser de les utiliser". The data stays stored; every other use stops. */
const registry = loadRegistry();
const restriction = storedRequest({ type: 'restrict' });
const task = (processorId: string, category: StoredTask['category'], status: StoredTask['status']) =>
  ({ taskId: `R.${processorId}`, requestId: 'R', processorId, category, action: 'restrict', status, version: 1, attempts: 0, holds: [], audit: [] }) as StoredTask;


/** The registry's names, which the outcome email uses for each provider. */
const NAMES = [
  { id: 'paynow', name: 'PayNow Payments' },
  { id: 'mailwave', name: 'MailWave' },
  { id: 'recoverco', name: 'RecoverCo Collections' },
];
describe('a restriction request', () => {
  it('is accepted by the form with only an email', () => {
    expect(validateSubmission({ type: 'restrict', email: 'rita@example.com', language: 'en' }, 'en')).toEqual({ type: 'restrict', email: 'rita@example.com', language: 'en' });
  });

  it('reaches the shop\'s own systems and all seven processors of the registry with the action restrict and no legal holds', () => {
    const tasks = planTasks(restriction, registry.processors, { customer: undefined, today: '2026-03-02' });
    expect(tasks.map((t) => t.processorId)).toEqual(['offtek', 'paynow', 'parcelway', 'metricsly', 'mailwave', 'reviewly', 'recoverco', 'socialapp']);
    expect(tasks.every((t) => t.action === 'restrict' && t.holds.length === 0)).toBe(true);
  });

  it('suppresses the address for every use, since restricted data may only be stored (Art. 18(2))', () => {
    expect(suppressionScopes(restriction)).toEqual(['marketing', 'reviews', 'profiling']);
  });

  it('is sent to processors as subject_request_type and action restrict, which the webhook schema accepts', () => {
    const p = registry.processors[0];
    const [t] = planTasks(restriction, [p], { customer: undefined, today: '2026-03-02' });
    const body = webhookBody(restriction, t, { email: 'rita@example.com' }, p, 'https://privacy.offtek.example');
    expect(body).toMatchObject({ subject_request_type: 'restrict', action: 'restrict', legal_holds: [] });
    expect(WebhookBody.safeParse(body).success).toBe(true);
  });

  it('is named in the confirmation email in both languages', () => {
    const links = { verify: 'https://x.example/v', status: 'https://x.example/s' };
    expect(confirmationEmail('en', 'restrict', links).text).toContain('We received a request for restricting the use of your data for this email address.');
    expect(confirmationEmail('fr', 'restrict', links).text).toContain("Nous avons reçu une demande concernant la limitation de l’utilisation de vos données pour cette adresse e-mail.");
  });

  it('tells the requester in the outcome email which recipients now only store their data, and that lifting it will be announced', () => {
    const tasks = [task('paynow', 'payments', 'completed'), task('mailwave', 'email', 'completed'), task('recoverco', 'collections', 'not_found')];
    const lines = outcomeMessage(restriction, tasks, NAMES).text.split('\n');
    expect(lines).toContain('Your request (restriction of the use of your data, reference 01JQ0000000000000000000000) is complete.');
    expect(lines).toContain('- PayNow Payments (payments): now only stores your data, and uses it for nothing else.');
    expect(lines).toContain('- MailWave (emails): now only stores your data, and uses it for nothing else.');
    expect(lines).toContain('The recipients above that held your data now keep it without using it.');
    expect(lines).toContain('We have also stopped using your address for our offers, review invitations and advertising profiling.');
    expect(lines).toContain(
      "Your data will be used only with your consent, to establish, exercise or defend legal claims, to protect another person's rights, or for reasons of important public interest. We will tell you before this restriction is lifted.",
    );
  });

  it('says so in French, and says plainly when no recipient held anything', () => {
    const lines = outcomeMessage(storedRequest({ type: 'restrict', language: 'fr' }), [task('recoverco', 'collections', 'not_found')], NAMES).text.split('\n');
    expect(lines).toContain('Aucun destinataire ne détenait de données à limiter.');
    expect(lines).toContain(
      "Vos données ne seront utilisées qu’avec votre accord, pour la constatation, l’exercice ou la défense de droits en justice, pour protéger les droits d’une autre personne ou pour un motif important d’intérêt public. Nous vous préviendrons avant de lever cette limitation.",
    );
  });

  it('adds nothing about restriction to the outcome of another request type', () => {
    expect(outcomeMessage(storedRequest({ type: 'erasure' }), [task('paynow', 'payments', 'completed')], NAMES).text).not.toContain('without using it');
  });
});
