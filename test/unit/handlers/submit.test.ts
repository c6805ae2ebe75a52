import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { SubmitBody } from '../../../functions/core/intake.ts';
import type { StoredRequest } from '../../../functions/core/ports.ts';
import { FakeMailer, fixedClock } from '../processors/fakes.ts';
import { IntakeRepo, Tokens } from './intake-fakes.ts';

vi.mock('../../../functions/shared/crypto.ts', async (orig) => ({ ...(await orig()), ...(await import('./intake-fakes.ts')).sayingCrypto }));
const { submitRequest } = await import('../../../functions/intake/submit.ts');
const { sha256 } = await import('../../../functions/core/audit.ts');
const { ConcurrentUpdate } = await import('../../../functions/core/errors.ts');
const { deliverLink } = await import('../../../functions/shared/outbox.ts');
const { SWEEPER_OWNER } = await import('../../../functions/core/outbox.ts');

// Friday 20 March 2026, 10:00:00 UTC.
const T0 = '2026-03-20T10:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();
const IP = '203.0.113.7';
const LINK_MAILED = {
  en: 'Thank you. If this address is yours, you will receive an email with a link to confirm your request. We send one address at most one link every 10 minutes, and a few an hour: if none has arrived within the hour, send this form again.',
  fr: 'Merci. Si cette adresse est la vôtre, vous allez recevoir un e-mail avec un lien pour confirmer votre demande. Nous n’envoyons pas plus d’un lien toutes les 10 minutes à une même adresse, et quelques-uns par heure : s’il n’est pas arrivé dans l’heure, renvoyez ce formulaire.',
};
const ACCEPTED_EN = { status: 'check_your_email', message: LINK_MAILED.en, messages: LINK_MAILED };
const ACCEPTED_FR = { status: 'check_your_email', message: LINK_MAILED.fr, messages: LINK_MAILED };

let repo: IntakeRepo;
let tokens: Tokens;
let mailer: FakeMailer;
const deps = (now = T0, limits = { perIpPerHour: 5, linksPerEmailPerHour: 3 }) => ({ repo: repo as never, tokens: tokens as never, mailer, clock: fixedClock(now), baseUrl: 'https://privacy.offtek.example', limits });
const body = (over: Partial<SubmitBody> = {}): SubmitBody => ({ type: 'erasure', email: 'ann@example.com', language: 'en', ...over });
const only = () => [...repo.requests.values()];
/** The submissions that count against a client address at `now` (its share is keyed by the address's HMAC). */
const counted = (ip: string, now = at(15)) => repo.shares.counted('ip', `hmac:ip:${ip}`, 3600, new Date(now));

beforeEach(() => {
  repo = new IntakeRepo();
  tokens = new Tokens();
  mailer = new FakeMailer();
});

describe('a new request', () => {
  it('mails the first link to the address just typed, without reading the personal data back', async () => {
    const reads = vi.spyOn(repo, 'getPii');
    await submitRequest(body({ email: ' Bea@Example.com ' }), IP, deps());
    expect(mailer.sent.map((m) => m.to)).toEqual(['Bea@Example.com']);
    expect(reads).not.toHaveBeenCalled();
  });

  it('is recorded unverified with its first link, and the link is mailed to the address given', async () => {
    expect(await submitRequest(body({ email: ' Ann@Example.com ', name: 'Ann Lee', orderNumber: 'OT-1', eraseWarranty: true }), IP, deps())).toEqual(ACCEPTED_EN);
    const [req] = only();
    expect(req).toMatchObject({
      type: 'erasure', language: 'en', status: 'unverified', version: 0, emailHash: 'email:ann@example.com', orderHash: 'order:OT-1',
      details: { eraseWarranty: true, objections: [] }, receivedAt: T0, pausedDays: 0, statusTokenHash: sha256(`status-${req.id}`), audit: [], linkSeq: 1, linkAt: T0,
    });
    expect(req).not.toHaveProperty('outboxLink');
    expect(repo.created[0].pii).toEqual({ email: 'Ann@Example.com', name: 'Ann Lee', orderNumber: 'OT-1' });
    expect(repo.created[0].expires.toISOString()).toBe('2026-03-27T10:00:00.000Z');
    expect(repo.created[0].req.outboxLink).toMatchObject({ seq: 1 });
    expect(repo.claims.get('email:ann@example.com|erasure')).toEqual({ requestId: req.id, expiresAt: '2026-03-27T10:00:00.000Z' });
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0].to).toBe('Ann@Example.com');
    expect(mailer.sent[0].text).toContain(`https://privacy.offtek.example/verify?token=verify-${req.id}-1`);
    expect(tokens.links.get(sha256(`verify-${req.id}-1`))).toEqual({ requestId: req.id, expiresAt: '2026-03-21T10:00:00.000Z', attempts: 0 });
  });

  it('is answered in French for a French requester, with no order hash when no order number was given', async () => {
    expect(await submitRequest(body({ language: 'fr', type: 'objection', objections: ['marketing'] }), IP, deps())).toEqual(ACCEPTED_FR);
    const [req] = only();
    expect(req).not.toHaveProperty('orderHash');
    expect(req.details).toEqual({ eraseWarranty: false, objections: ['marketing'] });
  });

  it('counts against the client address’s hourly limit, per address, and is refused past it with the seconds to wait', async () => {
    const d = deps(at(15), { perIpPerHour: 2, linksPerEmailPerHour: 3 });
    await submitRequest(body({ email: 'a@example.com' }), IP, d);
    await submitRequest(body({ email: 'b@example.com' }), IP, d);
    // The two of 10:15 count until an hour after that minute ends: 11:16, 3,660 seconds on.
    await expect(submitRequest(body({ email: 'c@example.com' }), IP, d)).rejects.toMatchObject({ status: 429, retryAfterSeconds: 3660 });
    expect(only()).toHaveLength(2);
    // Another address has its own count.
    await expect(submitRequest(body({ email: 'c@example.com' }), '198.51.100.1', d)).resolves.toEqual(ACCEPTED_EN);
    // The refusal is not counted, so that the wait it names is the wait.
    expect(counted(IP)).toBe(2);
    expect(counted('198.51.100.1')).toBe(1);
  });

  it('refuses at the start of an hour a client address that spent its whole limit at the end of the one before, until an hour after it did', async () => {
    const d = (time: string) => deps(`2026-03-20T${time}Z`, { perIpPerHour: 2, linksPerEmailPerHour: 3 });
    await submitRequest(body({ email: 'a@example.com' }), IP, d('10:59:30'));
    await submitRequest(body({ email: 'b@example.com' }), IP, d('10:59:40'));
    await expect(submitRequest(body({ email: 'c@example.com' }), IP, d('11:00:00'))).rejects.toMatchObject({ status: 429, retryAfterSeconds: 3600 });
    await expect(submitRequest(body({ email: 'c@example.com' }), IP, d('11:59:59'))).rejects.toMatchObject({ status: 429, retryAfterSeconds: 1 });
    expect(only()).toHaveLength(2);
    await expect(submitRequest(body({ email: 'c@example.com' }), IP, d('12:00:00'))).resolves.toEqual(ACCEPTED_EN);
  });

  it('counts an IPv6 client by its /64, which one host can fill with addresses of its own', async () => {
    const d = deps(at(15), { perIpPerHour: 2, linksPerEmailPerHour: 3 });
    await submitRequest(body({ email: 'a@example.com' }), '2001:db8:1:2::a', d);
    await submitRequest(body({ email: 'b@example.com' }), '2001:0db8:0001:0002:0000:0000:0000:000b', d);
    await expect(submitRequest(body({ email: 'c@example.com' }), '2001:db8:1:2:ffff:ffff:ffff:ffff', d)).rejects.toMatchObject({ status: 429 });
    // The next /64 is another network.
    await expect(submitRequest(body({ email: 'c@example.com' }), '2001:db8:1:3::1', d)).resolves.toEqual(ACCEPTED_EN);
  });

  it('is put off until the address’s share of links has room again when it had its share, and answered as one mailed: the answer does not say the address had links this hour', async () => {
    const d = deps(at(20), { perIpPerHour: 5, linksPerEmailPerHour: 1 });
    await submitRequest(body({ type: 'erasure' }), IP, d);
    expect(await submitRequest(body({ type: 'access' }), IP, d)).toEqual(ACCEPTED_EN);
    expect(mailer.sent).toHaveLength(1);
    expect(only().find((r) => r.type === 'access')?.outboxLink).toEqual({ seq: 1, until: '2026-03-20T11:21:00.000Z', owner: '' });
  });

  it('counts the links to one inbox together, however its address is spelled: a +tag, a Gmail address’s dots and its googlemail.com, or a Proton address’s dots, hyphens and underscores and its other domains, is no share of its own', async () => {
    const d = deps(at(20), { perIpPerHour: 20, linksPerEmailPerHour: 1 });
    const proton = ['john.doe@proton.me', 'john_doe@proton.me', 'john-doe@protonmail.com', 'j.o_h-ndoe@pm.me', 'johndoe@protonmail.ch'];
    // Each spelling is another address to the form, and so a request of its own, with its own link owed.
    for (const email of ['ann@example.com', 'Ann+1@example.com', 'ann+shop@Example.com', 'ann.b@example.com', 'bo.lee@gmail.com', 'bolee+x@googlemail.com', 'B.o.Lee@gmail.com', ...proton]) {
      expect(await submitRequest(body({ email }), IP, d)).toEqual(ACCEPTED_EN);
    }
    expect(only()).toHaveLength(12);
    // Outside Gmail and Proton a dot is part of the name: ann.b is another inbox. Until November 29, 2026 each Proton spelling had a share of its own.
    expect(mailer.sent.map((m) => m.to)).toEqual(['ann@example.com', 'ann.b@example.com', 'bo.lee@gmail.com', 'john.doe@proton.me']);
    expect(only().filter((r) => r.outboxLink)).toHaveLength(8);
  });

  it('puts off a link asked at the start of an hour when the address had its share at the end of the one before, to when that share frees up', async () => {
    const d = (time: string) => deps(`2026-03-20T${time}Z`, { perIpPerHour: 5, linksPerEmailPerHour: 2 });
    await submitRequest(body({ type: 'erasure' }), IP, d('10:59:30'));
    await submitRequest(body({ type: 'access' }), IP, d('10:59:40'));
    expect(await submitRequest(body({ type: 'objection', objections: ['marketing'] }), IP, d('11:00:00'))).toEqual(ACCEPTED_EN);
    expect(mailer.sent).toHaveLength(2);
    expect(only().find((r) => r.type === 'objection')?.outboxLink).toEqual({ seq: 1, until: '2026-03-20T12:00:00.000Z', owner: '' });
  });

  it('puts off the eleventh link to one inbox in any 24 hours, though its hour has room, until the first of the day stops counting, and the sweeper mails it then', async () => {
    // Strangers spell ann@example.com afresh each time, from as many clients, three an hour (the hourly share), hour after hour.
    const times = ['10:00', '10:01', '10:02', '11:10', '11:11', '11:12', '12:20', '12:21', '12:22', '13:30', '13:31'];
    for (const [i, hm] of times.entries()) {
      expect(await submitRequest(body({ email: `ann+${i}@example.com` }), `198.51.100.${i}`, deps(`2026-03-20T${hm}:00.000Z`))).toEqual(ACCEPTED_EN);
    }
    expect(mailer.sent).toHaveLength(10);
    // Not dropped: unconfirmed, its link owed from when the links of 10:00 to 10:24 stop counting, 24 hours after that part of the day.
    const eleventh = only().find((r) => repo.pii.get(r.id)?.email === 'ann+10@example.com') as StoredRequest;
    expect(eleventh).toMatchObject({ status: 'unverified', outboxLink: { seq: 1, until: '2026-03-21T10:24:00.000Z', owner: '' } });
    expect(repo.pii.get(eleventh.id)).toEqual({ email: 'ann+10@example.com' });
    const linkDeps = { repo: repo as never, tokens: tokens as never, mailer, baseUrl: 'https://privacy.offtek.example', linksPerHour: 3 };
    expect(await deliverLink(structuredClone(eleventh), SWEEPER_OWNER, new Date('2026-03-21T10:24:00.000Z'), linkDeps)).toEqual({ sent: true });
    expect(mailer.sent.at(-1)?.to).toBe('ann+10@example.com');
  });

  it('is still accepted when its link cannot be mailed, the link left owed for the sweeper', async () => {
    mailer.send = async () => {
      throw new Error('SES down');
    };
    expect(await submitRequest(body(), IP, deps())).toEqual(ACCEPTED_EN);
    expect(only()[0].outboxLink).toMatchObject({ seq: 1 });
  });
});

describe('a repeated submission for an open request', () => {
  it('counts against the client address as a new request does, and past its limit is refused as one is: the answer does not tell whether the address has an open request', async () => {
    const d = (minutes: number) => deps(at(minutes), { perIpPerHour: 2, linksPerEmailPerHour: 5 });
    await submitRequest(body({ email: 'a@example.com' }), IP, d(0));
    await submitRequest(body({ email: 'b@example.com' }), IP, d(1));
    // 11 minutes on, asking again about a@ would mail it a fresh link; c@ has no request.
    const refusal = (e: unknown) => ({ name: (e as Error).name, message: (e as Error).message, status: (e as { status: number }).status, retryAfterSeconds: (e as { retryAfterSeconds: number }).retryAfterSeconds });
    const open = await submitRequest(body({ email: 'a@example.com' }), IP, d(11)).then(() => 'accepted', refusal);
    const none = await submitRequest(body({ email: 'c@example.com' }), IP, d(11)).then(() => 'accepted', refusal);
    expect(open).toEqual({ name: 'TooManyRequests', message: 'too many requests', status: 429, retryAfterSeconds: 3000 });
    expect(none).toEqual(open);
    // Asking again mails no link past the address's limit: two links for two requests, and no more.
    expect(mailer.sent.map((m) => m.to)).toEqual(['a@example.com', 'b@example.com']);
    expect(counted(IP)).toBe(2);
  });

  it('joins it, and mails no second link within 10 minutes, answered as a new request is: the answer does not say a link went out a moment ago', async () => {
    await submitRequest(body(), IP, deps());
    const answer = await submitRequest(body(), IP, deps(at(4)));
    expect(answer).toEqual(ACCEPTED_EN);
    expect(only()).toHaveLength(1);
    expect(mailer.sent).toHaveLength(1);
  });

  it('mails a fresh link once 10 minutes have passed, recorded on the audit trail', async () => {
    await submitRequest(body(), IP, deps());
    expect(await submitRequest(body(), IP, deps(at(10)))).toEqual(ACCEPTED_EN);
    const [req] = only();
    expect(req).toMatchObject({ linkSeq: 2, linkAt: at(10) });
    expect(req.audit.at(-1)).toMatchObject({ at: at(10), actor: 'requester', action: 'link', subject: req.id, data: { link: 2 } });
    expect(mailer.sent.map((m) => m.text.match(/verify\?token=(\S+)/)?.[1])).toEqual([`verify-${req.id}-1`, `verify-${req.id}-2`]);
  });

  it('starts a request of its own, with its own link, once the open one left unconfirmed ends within the day that link would be valid', async () => {
    await submitRequest(body(), IP, deps());
    const [first] = only();
    // Six days on, the request has a day and more left: joined, as ever.
    expect(await submitRequest(body(), IP, deps(at(6 * 24 * 60 - 60)))).toEqual(ACCEPTED_EN);
    expect(only()).toHaveLength(1);
    // Twenty-three hours before its 7 days end: a fresh link for it would die with it. Until November 29, 2026 it was joined,
    // and the link mailed "valid 24 hours" said "expired" the next morning.
    expect(await submitRequest(body(), IP, deps(at(7 * 24 * 60 - 23 * 60)))).toEqual(ACCEPTED_EN);
    const second = only().find((r) => r.id !== first.id);
    expect(second).toMatchObject({ status: 'unverified', linkSeq: 1 });
    expect(mailer.sent.at(-1)?.text).toContain(`verify-${second?.id}-1`);
  });

  it('waits for a link another submission is mailing at this moment', async () => {
    await submitRequest(body(), IP, deps());
    const req = only()[0];
    repo.requests.set(req.id, { ...req, outboxLink: { seq: 2, until: at(1), owner: 'another-invocation' } });
    expect(await submitRequest(body(), IP, deps(at(0.5)))).toEqual(ACCEPTED_EN);
    expect(mailer.sent).toHaveLength(1);
  });

  it('delivers a link left owed once its writer’s lease is over', async () => {
    await submitRequest(body(), IP, deps());
    const req = only()[0];
    repo.requests.set(req.id, { ...req, linkSeq: 2, outboxLink: { seq: 2, until: at(1), owner: 'a-dead-invocation' } });
    expect(await submitRequest(body(), IP, deps(at(2)))).toEqual(ACCEPTED_EN);
    expect(mailer.sent.at(-1)?.text).toContain(`verify?token=verify-${req.id}-2`);
  });

  it('lets a submission recording a link at the same moment win', async () => {
    await submitRequest(body(), IP, deps());
    repo.beforeRequestWrite = (r) => {
      const cur = r.requests.get(only()[0].id) as StoredRequest;
      r.requests.set(cur.id, { ...cur, version: cur.version + 1 });
    };
    expect(await submitRequest(body(), IP, deps(at(11)))).toEqual(ACCEPTED_EN);
    expect(mailer.sent).toHaveLength(1);
  });

  it('says only that the email is on its way when the request was confirmed already', async () => {
    await submitRequest(body(), IP, deps());
    const req = only()[0];
    repo.requests.set(req.id, { ...req, status: 'verified' });
    expect(await submitRequest(body(), IP, deps(at(30)))).toEqual(ACCEPTED_EN);
    expect(mailer.sent).toHaveLength(1);
  });
});

describe('a submission that asks more than the open request of its type', () => {
  it('starts its own request for an objection to marketing sent while an objection to review invitations is open, and mails its link', async () => {
    await submitRequest(body({ type: 'objection', objections: ['reviews'] }), IP, deps());
    const first = only()[0];
    repo.requests.set(first.id, { ...first, status: 'in_progress' });
    expect(await submitRequest(body({ type: 'objection', objections: ['marketing', 'reviews'] }), IP, deps(at(30)))).toEqual(ACCEPTED_EN);
    const second = only().find((r) => r.id !== first.id);
    expect(second?.details.objections).toEqual(['marketing', 'reviews']);
    expect(repo.claimCalls.at(-1)).toEqual({ requestId: second?.id, replacing: first.id });
    expect(mailer.sent.at(-1)?.text).toContain(`verify?token=verify-${second?.id}-1`);
  });

  it('starts its own request for an erasure that also asks to erase the lifetime-warranty purchases, even while the first is unconfirmed', async () => {
    await submitRequest(body({ eraseWarranty: false }), IP, deps());
    await submitRequest(body({ eraseWarranty: true }), IP, deps(at(2)));
    expect(only().map((r) => r.details.eraseWarranty)).toEqual([false, true]);
  });

  it('starts its own request for a correction that says something else', async () => {
    await submitRequest(body({ type: 'rectification', rectification: { field: 'name', correction: 'Ann Lee' } }), IP, deps());
    await submitRequest(body({ type: 'rectification', rectification: { field: 'address', correction: '1 High St' } }), IP, deps(at(2)));
    expect(only().map((r) => r.details.rectification?.field)).toEqual(['name', 'address']);
  });

  it('joins the open request when it asks the same', async () => {
    await submitRequest(body({ type: 'objection', objections: ['marketing', 'reviews'] }), IP, deps());
    await submitRequest(body({ type: 'objection', objections: ['reviews', 'marketing'] }), IP, deps(at(2)));
    await submitRequest(body({ eraseWarranty: true }), IP, deps(at(3)));
    await submitRequest(body({ eraseWarranty: true }), IP, deps(at(4)));
    expect(only().map((r) => r.type)).toEqual(['objection', 'erasure']);
  });

  it('starts its own request, with its own link, for the person’s plain erasure while a stranger’s erasure of the warranty purchases is open for the same address', async () => {
    // Anyone can type anyone's address: the stranger's request must not be the one the person confirms.
    await submitRequest(body({ eraseWarranty: true }), IP, deps());
    await submitRequest(body({ eraseWarranty: false }), IP, deps(at(2)));
    const [stranger, own] = only();
    expect([stranger.details.eraseWarranty, own.details.eraseWarranty]).toEqual([true, false]);
    expect(mailer.sent.at(-1)?.text).toContain(`verify?token=verify-${own.id}-1`);
    // Each link says what its request asks: the stranger's names the warranty purchases, the person's does not.
    expect(mailer.sent[0].text).toContain('erase your lifetime-warranty purchases');
    expect(mailer.sent.at(-1)?.text).not.toContain('warranty');
  });

  it('starts its own request, answered as any other, when a simultaneous submission that asked less wrote the request it claimed', async () => {
    const other = '01JQ0000000000000000000005';
    repo.claims.set('email:ann@example.com|objection', { requestId: other, expiresAt: '2026-03-26T00:00:00.000Z' });
    // The other submission writes the claimed request between this one's read and its create.
    const get = repo.getRequest.bind(repo);
    let reads = 0;
    repo.getRequest = async (id: string) => {
      if (reads++ === 0) {
        repo.requests.set(other, { id: other, type: 'objection', status: 'unverified', details: { eraseWarranty: false, objections: ['reviews'] }, receivedAt: T0, linkAt: T0, audit: [] } as never);
        return undefined;
      }
      return get(id);
    };
    expect(await submitRequest(body({ type: 'objection', objections: ['marketing'] }), IP, deps())).toEqual(ACCEPTED_EN);
    const own = only().find((r) => r.id !== other) as StoredRequest;
    expect(own.details.objections).toEqual(['marketing']);
    expect(repo.claims.get('email:ann@example.com|objection')?.requestId).toBe(own.id);
    expect(mailer.sent.map((m) => m.to)).toEqual(['ann@example.com']);
  });

  it('starts its own request, answered as any other, when the person’s own submission claimed the request an agent’s simultaneous one wrote', async () => {
    const other = '01JQ0000000000000000000006';
    repo.claims.set('email:ann@example.com|erasure', { requestId: other, expiresAt: '2026-03-26T00:00:00.000Z' });
    const get = repo.getRequest.bind(repo);
    let reads = 0;
    repo.getRequest = async (id: string) => {
      if (reads++ === 0) {
        repo.requests.set(other, { id: other, type: 'erasure', status: 'unverified', agent: { relationship: 'solicitor', proof: 'signed_authority' }, details: { eraseWarranty: false, objections: [] }, receivedAt: T0, linkAt: T0, audit: [] } as never);
        return undefined;
      }
      return get(id);
    };
    expect(await submitRequest(body(), IP, deps())).toEqual(ACCEPTED_EN);
    expect(only().map((r) => r.agent?.relationship ?? 'own')).toEqual(['solicitor', 'own']);
  });
});

describe('a submission after the earlier request closed or its claim lapsed', () => {
  it('starts a new request when the earlier one is closed, replacing its claim', async () => {
    await submitRequest(body(), IP, deps());
    const first = only()[0];
    repo.requests.set(first.id, { ...first, status: 'completed' });
    await submitRequest(body(), IP, deps(at(30)));
    expect(only()).toHaveLength(2);
    const second = only().find((r) => r.id !== first.id) as StoredRequest;
    expect(repo.claimCalls.at(-1)).toEqual({ requestId: second.id, replacing: first.id });
    expect(mailer.sent).toHaveLength(2);
  });

  it('starts a new request when the claim has expired', async () => {
    repo.claims.set('email:ann@example.com|erasure', { requestId: '01JQ0000000000000000000001', expiresAt: T0 });
    repo.requests.set('01JQ0000000000000000000001', { id: '01JQ0000000000000000000001', status: 'unverified' } as never);
    await submitRequest(body(), IP, deps());
    expect(only()).toHaveLength(2);
    expect(mailer.sent).toHaveLength(1);
  });

  it('writes a claimed request its writer never wrote, under the claim’s id and expiry', async () => {
    repo.claims.set('email:ann@example.com|erasure', { requestId: '01JQ0000000000000000000002', expiresAt: '2026-03-26T00:00:00.000Z' });
    expect(await submitRequest(body(), IP, deps())).toEqual(ACCEPTED_EN);
    expect(repo.created.map((c) => [c.req.id, c.expires.toISOString()])).toEqual([['01JQ0000000000000000000002', '2026-03-26T00:00:00.000Z']]);
    expect(repo.claimCalls).toEqual([]);
  });

  it('joins the request a simultaneous writer created first', async () => {
    repo.claims.set('email:ann@example.com|erasure', { requestId: '01JQ0000000000000000000003', expiresAt: '2026-03-26T00:00:00.000Z' });
    repo.createFails = true;
    repo.requests.set('01JQ0000000000000000000003', { id: '01JQ0000000000000000000003', status: 'verified', details: { eraseWarranty: false, objections: [] } } as never);
    // Read between the claim and the create: the request appears once the create has lost.
    const get = repo.getRequest.bind(repo);
    let reads = 0;
    repo.getRequest = async (id: string) => (reads++ === 0 ? undefined : get(id));
    expect(await submitRequest(body(), IP, deps())).toEqual(ACCEPTED_EN);
    expect(mailer.sent).toEqual([]);
  });

  it('asks to try again when the create lost and no request is there', async () => {
    repo.claims.set('email:ann@example.com|erasure', { requestId: '01JQ0000000000000000000004', expiresAt: '2026-03-26T00:00:00.000Z' });
    repo.createFails = true;
    await expect(submitRequest(body(), IP, deps())).rejects.toBeInstanceOf(ConcurrentUpdate);
  });

  it('gives up after three lost claims, counting the client address once', async () => {
    repo.failClaims = 3;
    await expect(submitRequest(body(), IP, deps())).rejects.toThrow('the request for this address changed concurrently; try again');
    expect(repo.claimCalls).toHaveLength(3);
    expect(counted(IP)).toBe(1);
  });

  it('takes the claim on a second try when the first was lost', async () => {
    repo.failClaims = 1;
    expect(await submitRequest(body(), IP, deps())).toEqual(ACCEPTED_EN);
    expect(repo.claimCalls).toHaveLength(2);
    expect(only()).toHaveLength(1);
  });
});

describe('a request made by an agent', () => {
  it('keeps only the relationship and the proof as codes on the request, the agent’s name and trimmed email with the person’s in the PII record, and mails the person', async () => {
    const agent = { name: 'Bo Lawson', email: '  bo@law.example ', relationship: 'solicitor', proof: 'signed_authority' } as const;
    expect(await submitRequest(body({ agent }), IP, deps())).toEqual(ACCEPTED_EN);
    expect(repo.created[0].req.agent).toEqual({ relationship: 'solicitor', proof: 'signed_authority' });
    expect(repo.created[0].pii).toEqual({ email: 'ann@example.com', agentName: 'Bo Lawson', agentEmail: 'bo@law.example' });
    expect(mailer.sent.map((m) => m.to)).toEqual(['ann@example.com']);
  });

  it('is not joined by the person’s own submission: someone who typed the person’s address as their agent cannot hold the person’s own request waiting for their proof', async () => {
    const agent = { name: 'Mal Icious', email: 'mal@evil.example', relationship: 'solicitor', proof: 'signed_authority' } as const;
    await submitRequest(body({ agent }), IP, deps());
    await submitRequest(body(), '198.51.100.9', deps(at(30)));
    expect(only().map((r) => r.agent ?? 'own')).toEqual([{ relationship: 'solicitor', proof: 'signed_authority' }, 'own']);
    const own = only()[1];
    expect(repo.claims.get('email:ann@example.com|erasure')?.requestId).toBe(own.id);
    expect(mailer.sent.at(-1)?.text).toContain(`verify?token=verify-${own.id}-1`);
  });

  it('does not join the person’s own request, whose officer would never hear of the agent', async () => {
    await submitRequest(body(), IP, deps());
    await submitRequest(body({ agent: { name: 'Bo Lawson', email: 'bo@law.example', relationship: 'solicitor', proof: 'signed_authority' } }), IP, deps(at(2)));
    expect(only().map((r) => r.agent?.relationship ?? 'own')).toEqual(['own', 'solicitor']);
  });

  it('joins the agent’s own open request when sent again as it was', async () => {
    const agent = { name: 'Bo Lawson', email: 'bo@law.example', relationship: 'solicitor', proof: 'signed_authority' } as const;
    await submitRequest(body({ agent }), IP, deps());
    await submitRequest(body({ agent }), IP, deps(at(2)));
    expect(only()).toHaveLength(1);
  });

  it('is not joined by another agent of the same kind, whose name and email the officer would never see: each agent’s request stands', async () => {
    // A stranger claims to be the person's solicitor first; the person's real solicitor then writes in.
    await submitRequest(body({ agent: { name: 'Mal Icious', email: 'mal@evil.example', relationship: 'solicitor', proof: 'signed_authority' } }), IP, deps());
    await submitRequest(body({ agent: { name: 'Bo Lawson', email: 'Bo@Law.example', relationship: 'solicitor', proof: 'signed_authority' } }), IP, deps(at(2)));
    expect(only()).toHaveLength(2);
    expect(repo.created.map((c) => c.pii.agentEmail)).toEqual(['mal@evil.example', 'Bo@Law.example']);
    // The same agent again, whatever the case of their address, joins their own.
    await submitRequest(body({ agent: { name: 'Bo Lawson', email: 'bo@law.example ', relationship: 'solicitor', proof: 'signed_authority' } }), IP, deps(at(4)));
    expect(only()).toHaveLength(2);
  });

  it('records no agent on a request the person made', async () => {
    await submitRequest(body(), IP, deps());
    expect(repo.created[0].req).not.toHaveProperty('agent');
    expect(Object.keys(repo.created[0].pii)).not.toContain('agentEmail');
  });
});

describe('what intake says when something goes wrong', () => {
  it('logs a link left owed for the sweeper by the request and the error’s name only', async () => {
    const { logger } = await import('../../../functions/adapters/powertools.ts');
    const error = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    try {
      mailer.send = async () => {
        throw new Error('SES refused ann@example.com');
      };
      await submitRequest(body(), IP, deps());
      expect(error).toHaveBeenCalledWith('confirmation link left owed for the sweeper', { requestId: only()[0].id, error: 'MailFailed' });
    } finally {
      error.mockRestore();
    }
  });

  it('names the request that changed when the create lost and no request is there', async () => {
    repo.claims.set('email:ann@example.com|erasure', { requestId: '01JQ0000000000000000000004', expiresAt: '2026-03-26T00:00:00.000Z' });
    repo.createFails = true;
    await expect(submitRequest(body(), IP, deps())).rejects.toThrow('request 01JQ0000000000000000000004 changed concurrently; try again');
  });

  it('says too many requests past the client address’s limit', async () => {
    const d = deps(T0, { perIpPerHour: 1, linksPerEmailPerHour: 3 });
    await submitRequest(body({ email: 'a@example.com' }), IP, d);
    await expect(submitRequest(body({ email: 'b@example.com' }), IP, d)).rejects.toThrow('too many requests');
  });
});
