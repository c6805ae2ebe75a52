import { describe, expect, it, vi } from 'vitest';
import { REFUSAL_REASONS } from '../../../functions/core/errors.ts';

// The admin actions, read here for the most notes a request keeps, load the processor registry at import.
vi.mock('../../../functions/adapters/registry.ts', () => ({ registry: { version: 1, processors: [] } }));
const { MAX_NOTES } = await import('../../../functions/admin/actions.ts');

type Lang = 'en' | 'fr';
type Answer = { status: number; body: Record<string, unknown> };
// The console's words for the admin API's refusals (web/refusals.js, plain browser JavaScript), as the browser loads them.
const { REFUSALS, FIELDS, refusalWords, issueWords } = (await import('../../../web/refusals.js' as string)) as {
  REFUSALS: Record<Lang, Record<string, unknown>>;
  FIELDS: Record<Lang, Record<string, string>>;
  refusalWords: (lang: Lang, answer: Answer, kind: string, time?: (at: string) => string, about?: string) => string;
  issueWords: (lang: Lang, kind: string, issue: { path: string; message: string }) => string;
};

const pauseRefused: Answer = { status: 409, body: { error: 'Conflict', reason: 'pause_not_copy', message: 'the clock stops only while a clarification of a request for a copy is awaited, not for an erasure request' } };

describe('the console’s words for a refusal of the admin API', () => {
  it('has words in English and in French for every reason the API gives', () => {
    for (const lang of ['en', 'fr'] as const) expect(REFUSAL_REASONS.filter((r) => !(r in REFUSALS[lang]))).toEqual([]);
  });

  it('says a refusal in French from its reason, never the server’s English sentence', () => {
    const words = refusalWords('fr', pauseRefused, 'pause');
    expect(words).toBe('le délai n’est suspendu que dans l’attente d’une précision sur une demande de copie des données, pas pour un autre type de demande.');
    expect(words).not.toContain(String(pauseRefused.body.message));
  });

  it('says it in English from its reason too, in words rather than the status codes the server’s sentence may name', () => {
    expect(refusalWords('en', { status: 409, body: { error: 'Conflict', reason: 'extend_status', message: 'an awaiting_manual request cannot be extended' } }, 'extend')).toBe('this request cannot be extended in its current status.');
  });

  it('says in French a refusal it has no words for with the HTTP status, and in English with the server’s sentence, as before', () => {
    const unknown: Answer = { status: 409, body: { error: 'Conflict', reason: 'added_later', message: 'a completed request cannot be cancelled' } };
    expect(refusalWords('fr', unknown, 'cancel')).toBe('le serveur a refusé (HTTP 409). Rechargez la page, puis réessayez si besoin.');
    expect(refusalWords('en', unknown, 'cancel')).toBe('a completed request cannot be cancelled');
    expect(refusalWords('fr', { status: 503, body: { error: 'Unavailable', message: 'the shop’s account service did not answer' } }, 'log')).toBe('le serveur n’a pas pu le faire (HTTP 503). Réessayez dans quelques minutes.');
  });

  it('says a refusal of a class of its own by its name: a retry the processor did not take, an email the mail service did not take', () => {
    const retryFailed: Answer = { status: 502, body: { error: 'RetryFailed', message: 'the webhook was not accepted this time either (processor parcelway answered 503), so the task is failed again: retry it later, or resolve it' } };
    expect(refusalWords('fr', retryFailed, 'retry')).toMatch(/^le prestataire n’a toujours pas accepté le webhook/);
    expect(refusalWords('fr', { status: 502, body: { error: 'MailFailed', message: 'the outcome email of request X could not be sent' } }, 'resend')).toMatch(/^le service d’e-mail/);
  });

  it('says a retry the processor did not take by the processor’s name, what became of its task and what the officer can do, in one sentence after “did not go through:”', () => {
    const retryFailed: Answer = { status: 502, body: { error: 'RetryFailed', message: 'the webhook was not accepted this time either (processor parcelway answered 503), so the task is failed again: retry it later, or resolve it' } };
    expect(refusalWords('en', retryFailed, 'retry', undefined, 'Parcelway Delivery')).toBe('Parcelway Delivery still did not accept the webhook, so its task is failed again. Retry it later, or resolve it.');
    expect(refusalWords('fr', retryFailed, 'retry', undefined, 'Parcelway Delivery')).toBe('Parcelway Delivery n’a toujours pas accepté le webhook, sa tâche est donc de nouveau en échec. Relancez-la plus tard, ou résolvez-la.');
    // One colon, that of "The action did not go through:" before it: the old words had two.
    for (const lang of ['en', 'fr'] as const) expect(refusalWords(lang, retryFailed, 'retry', undefined, 'Parcelway Delivery')).not.toMatch(/:/);
  });

  it('says a form changed after a press whose answer was lost (its Idempotency-Key sent with another body) was sent before, naming the request logged then where there is one', () => {
    const reused = (requestId?: string): Answer => ({ status: 422, body: { error: 'IdempotencyKeyReused', message: 'Idempotency-Key already used with another body', ...(requestId ? { requestId } : {}), issues: [{ path: 'Idempotency-Key', message: 'this key was sent with another body' }] } });
    expect(refusalWords('fr', reused('01JQ0000000000000000000000'), 'log')).toMatch(/^ce formulaire a déjà été envoyé avec d’autres informations\. Rien de nouveau n’a été enregistré.* La demande enregistrée lors du premier envoi :$/);
    expect(refusalWords('en', reused('01JQ0000000000000000000000'), 'log')).toMatch(/^this form was sent before with other details\. Nothing new was logged.* The request logged when it was first sent:$/);
    expect(refusalWords('en', reused(), 'log')).toMatch(/may still be being logged: look for it in the list\.$/);
    expect(refusalWords('fr', reused(), 'log')).not.toContain('Idempotency-Key');
  });

  it('says when an email being sent may be resent, in the officer’s own words for the time', () => {
    const answer: Answer = { status: 409, body: { error: 'BeingSent', reason: 'being_sent', message: 'this email is being sent automatically right now', until: '2026-03-02T10:02:30.000Z' } };
    expect(refusalWords('fr', answer, 'resend', (at) => `[${at}]`)).toBe('cet e-mail est en cours d’envoi automatique. S’il n’est pas parti à [2026-03-02T10:02:30.000Z], renvoyez-le à ce moment-là.');
  });

  it('names the most notes a request keeps as the server counts them', () => {
    for (const lang of ['en', 'fr'] as const) expect(refusalWords(lang, { status: 409, body: { error: 'Conflict', reason: 'notes_full', message: '' } }, 'note')).toContain(String(MAX_NOTES));
  });

  it('says a refused field by what the console asked in it, not by zod’s English message', () => {
    const answer: Answer = { status: 400, body: { error: 'InvalidInput', message: 'invalid body', issues: [{ path: 'reason', message: 'Too small: expected string to have >=3 characters' }] } };
    expect(refusalWords('fr', answer, 'extend')).toBe('la raison de la prolongation doit compter au moins 3 caractères, et 1 000 au plus.');
    expect(refusalWords('en', answer, 'extend')).toBe('the reason for the extension needs at least 3 characters, and at most 1,000.');
    // The same field name in another form asks something else.
    expect(refusalWords('fr', { ...answer, body: { ...answer.body, issues: [{ path: 'reason', message: 'Invalid option' }] } }, 'cancel')).toBe('choisissez dans la liste la raison de l’annulation.');
  });

  it('says a field it does not know in French without the server’s sentence, and in English as before', () => {
    const answer: Answer = { status: 400, body: { error: 'InvalidInput', message: 'invalid body', issues: [{ path: 'colour', message: 'Invalid input' }] } };
    expect(refusalWords('fr', answer, 'extend')).toBe('le serveur a refusé (HTTP 400). Rechargez la page, puis réessayez si besoin.');
    expect(refusalWords('en', answer, 'extend')).toBe('invalid body — colour: Invalid input');
  });

  it('says each field of the Log a request form by the form’s own words, nested fields by their field', () => {
    expect(issueWords('fr', 'log', { path: 'request.email', message: 'Invalid email address' })).toBe('saisissez l’adresse e-mail complète du compte client, par exemple nom@exemple.fr, en 254 caractères au plus.');
    expect(issueWords('fr', 'log', { path: 'request.rectification.field', message: 'Too small' })).toMatch(/^dites ce qui est inexact/);
    expect(issueWords('fr', 'log', { path: 'request.colour', message: 'Unrecognized key' })).toBe('cette valeur n’a pas été acceptée.');
    expect(issueWords('en', 'log', { path: 'request.colour', message: 'Unrecognized key' })).toBe('Unrecognized key');
  });

  it('has words for the same fields in English and French', () => {
    expect(Object.keys(FIELDS.fr).sort()).toEqual(Object.keys(FIELDS.en).sort());
    expect(Object.keys(REFUSALS.fr).sort()).toEqual(Object.keys(REFUSALS.en).sort());
  });

  it('writes French apostrophes ’, never \'', () => {
    const texts = [...Object.values(REFUSALS.fr).map((w) => (typeof w === 'function' ? w({ until: '2026-03-02T10:02:30.000Z' }, () => '12:00') : String(w))), ...Object.values(FIELDS.fr)];
    expect(texts.filter((t) => t.includes("'"))).toEqual([]);
  });
});
