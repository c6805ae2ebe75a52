import { describe, expect, it } from 'vitest';
import { ACCEPTED, deliveryRight, lease, nextLink, queueTeam, teamOwesOnly } from '../../../functions/core/outbox.ts';

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
  it('is one answer, whatever is open for the address, in the request’s language and in both', () => {
    const messages = {
      en: 'Thank you. If this address is yours, you will receive an email with a link to confirm your request. We send one address at most one link every 10 minutes, and a few an hour: if none has arrived within the hour, send this form again.',
      fr: 'Merci. Si cette adresse est la vôtre, vous allez recevoir un e-mail avec un lien pour confirmer votre demande. Nous n’envoyons pas plus d’un lien toutes les 10 minutes à une même adresse, et quelques-uns par heure : s’il n’est pas arrivé dans l’heure, renvoyez ce formulaire.',
    };
    expect(ACCEPTED.en).toEqual({ status: 'check_your_email', message: messages.en, messages });
    expect(ACCEPTED.fr).toEqual({ status: 'check_your_email', message: messages.fr, messages });
  });
});

describe('the team’s emails owed on a request', () => {
  const next = lease(7, 'sweeper:run-2', NOW);

  it('is the new one alone when nothing else is owed', () => {
    expect(queueTeam(undefined, 'remake', next)).toEqual({ ...next, waiting: 'remake' });
  });

  it('keeps those still owed ahead of the new one, oldest first, under the new one’s number and lease', () => {
    const owed = { seq: 3, owner: 'workflow', until: '2026-02-01T10:01:00.000Z', waiting: 'held_copy' as const };
    const queued = queueTeam(owed, 'remake', next);
    expect(queued).toEqual({ ...next, waiting: 'remake', earlier: ['held_copy'] });
    expect(queueTeam(queued, 'assembly', next)).toEqual({ ...next, waiting: 'assembly', earlier: ['held_copy', 'remake'] });
  });

  it('tells of one kind once: a new one of a kind still owed replaces it, and goes last', () => {
    const owed = { seq: 3, owner: 'workflow', until: '2026-02-01T10:01:00.000Z', waiting: 'assembly' as const };
    expect(queueTeam(owed, 'assembly', next)).toEqual({ ...next, waiting: 'assembly' });
    expect(queueTeam({ ...owed, waiting: 'remake', earlier: ['assembly', 'held_copy'] }, 'assembly', next)).toEqual({ ...next, waiting: 'assembly', earlier: ['held_copy', 'remake'] });
  });

  it('owes one kind alone only when nothing else is queued with it', () => {
    const owed = { seq: 3, owner: 'workflow', until: '2026-02-01T10:01:00.000Z', waiting: 'remake' as const };
    expect(teamOwesOnly(owed, 'remake')).toBe(true);
    expect(teamOwesOnly({ ...owed, earlier: ['held_copy'] }, 'remake')).toBe(false);
    expect(teamOwesOnly(owed, 'assembly')).toBe(false);
    expect(teamOwesOnly(undefined, 'remake')).toBe(false);
  });
});
