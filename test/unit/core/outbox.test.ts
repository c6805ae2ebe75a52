import { describe, expect, it } from 'vitest';
import { ACCEPTED, deliveryRight, lease, nextLink, secondsUntil, waitAnswer } from '../../../functions/core/outbox.ts';

const NOW = new Date('2026-03-02T10:00:00.000Z');

describe('the right to deliver an owed email', () => {
  it('leases it to its writer for 60 seconds by default, or for the seconds given', () => {
    expect(lease(3, 'writer-1', NOW)).toEqual({ seq: 3, owner: 'writer-1', until: '2026-03-02T10:01:00.000Z' });
    expect(lease(1, 'sweeper', NOW, 180)).toEqual({ seq: 1, owner: 'sweeper', until: '2026-03-02T10:03:00.000Z' });
  });

  it('is its owner’s within the lease, and nobody else’s', () => {
    const d = { seq: 1, owner: 'writer-1', until: '2026-03-02T10:00:00.001Z' };
    expect(deliveryRight(d, 'writer-1', NOW)).toBe('mine');
    expect(deliveryRight(d, 'writer-2', NOW)).toBe('leased');
  });

  it('is anyone’s to claim once the lease is over, at its last millisecond included', () => {
    expect(deliveryRight({ seq: 1, owner: 'writer-1', until: '2026-03-02T10:00:00.000Z' }, 'writer-2', NOW)).toBe('claimable');
    expect(deliveryRight({ seq: 1, owner: 'writer-1', until: '2026-03-02T09:00:00.000Z' }, 'writer-1', NOW)).toBe('claimable');
  });

  it('lets nobody deliver a deferred link (no owner) before its hour', () => {
    expect(deliveryRight({ seq: 2, owner: '', until: '2026-03-02T10:30:00.000Z' }, '', NOW)).toBe('leased');
  });
});

describe('a new confirmation link for a repeated submission', () => {
  it('is due 10 minutes after the last one, not before', () => {
    expect(nextLink('2026-03-02T09:50:00.000Z', NOW)).toEqual({ ok: true });
    expect(nextLink('2026-03-02T09:45:00.000Z', NOW)).toEqual({ ok: true });
    expect(nextLink('2026-03-02T09:50:00.001Z', NOW)).toEqual({ ok: false, waitSeconds: 1 });
    expect(nextLink('2026-03-02T09:55:00.000Z', NOW)).toEqual({ ok: false, waitSeconds: 300 });
  });

  it('is due at once when no link was ever recorded', () => {
    expect(nextLink(undefined, NOW)).toEqual({ ok: true });
  });
});

describe('what the requester is told', () => {
  it('counts seconds until an instant, rounded up and at least 1', () => {
    expect(secondsUntil('2026-03-02T10:00:30.200Z', NOW)).toBe(31);
    expect(secondsUntil('2026-03-02T09:00:00.000Z', NOW)).toBe(1);
  });

  it('gives the same answer to everyone when a link was mailed, in the request’s language and in both', () => {
    const messages = { en: 'Thank you. If this address is yours, you will receive an email with a link to confirm your request.', fr: 'Merci. Si cette adresse est la vôtre, vous allez recevoir un e-mail avec un lien pour confirmer votre demande.' };
    expect(ACCEPTED.en).toEqual({ status: 'check_your_email', message: messages.en, messages });
    expect(ACCEPTED.fr).toEqual({ status: 'check_your_email', message: messages.fr, messages });
  });

  it.each([
    ['en', 'recent', 300, 'Thank you. Your request is recorded. A confirmation link was sent to this address a moment ago: check your inbox and your spam folder. If it has not arrived, send this form again in 5 minutes.'],
    ['en', 'recent', 30, 'Thank you. Your request is recorded. A confirmation link was sent to this address a moment ago: check your inbox and your spam folder. If it has not arrived, send this form again in 1 minute.'],
    ['en', 'deferred', 1801, 'Thank you. Your request is recorded. To protect your inbox we send only a few links an hour to one address: yours will go out in about 31 minutes. If it has not arrived by then, send this form again.'],
    ['fr', 'recent', 61, "Merci. Votre demande est bien enregistrée. Un lien de confirmation vient d’être envoyé à cette adresse : vérifiez votre boîte de réception et vos courriers indésirables. S’il n’est pas arrivé, renvoyez ce formulaire dans 2 minutes."],
    ['fr', 'recent', 60, "Merci. Votre demande est bien enregistrée. Un lien de confirmation vient d’être envoyé à cette adresse : vérifiez votre boîte de réception et vos courriers indésirables. S’il n’est pas arrivé, renvoyez ce formulaire dans 1 minute."],
    ['fr', 'deferred', 600, "Merci. Votre demande est bien enregistrée. Pour protéger votre boîte de réception, nous n’envoyons que quelques liens par heure à une même adresse : le vôtre partira dans 10 minutes environ. S’il n’est pas arrivé ensuite, renvoyez ce formulaire."],
  ] as const)('tells a %s requester (%s link) to wait %i s as the written message', (lang, why, seconds, message) => {
    expect(waitAnswer(lang, seconds, why)).toEqual({ status: 'check_your_email', message, messages: expect.objectContaining({ [lang]: message }), retryAfterSeconds: seconds });
  });

  it.each(['recent', 'deferred'] as const)('gives the wait (%s link) in both languages, the request’s as its message, so that the form can switch', (why) => {
    const fr = waitAnswer('fr', 600, why);
    const en = waitAnswer('en', 600, why);
    expect(fr.messages).toEqual({ fr: fr.message, en: en.message });
    expect(en.messages).toEqual(fr.messages);
    expect(fr.message).toMatch(/^Merci\. .+ 10 minutes/);
    expect(en.message).toMatch(/^Thank you\. .+ 10 minutes/);
  });
});
