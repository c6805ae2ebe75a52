import { describe, expect, it } from 'vitest';
import { key } from '../../../functions/adapters/table.ts';
import { TooManyRequests } from '../../../functions/core/errors.ts';
import type { StoredRequest, StoredTask } from '../../../functions/core/ports.ts';
import { sha256 } from '../../../functions/shared/crypto.ts';
import { at, boundaries as boundariesIn, inProgress, MIN, scenarios, settle, type World, world } from './fault-world.ts';

/**
 * Fault injection at every step boundary of intake, verify and notify (the machinery is in
 * fault-world.ts): every port call (each DynamoDB command, each email, each StartExecution) is
 * numbered; scenario k makes call k fail before it takes effect, or kills the process just after it
 * took effect (its answer lost). Then the world recovers as it would (the person tries again, the
 * workflow runs the state again, the sweeper runs) and the invariants are checked.
 */

const boundaries = (fn: (w: World) => Promise<unknown>, prepare?: (w: World) => Promise<unknown>) => boundariesIn(() => world(), fn, prepare);

describe('intake survives a fault at every step', async () => {
  const calls = await boundaries((w) => w.submit());

  it('makes the calls a fault is injected into', () => {
    expect(calls).toContain('dynamodb:Put');
    expect(calls).toContain('ses:SendEmail');
    expect(calls.length).toBeGreaterThan(6);
  });

  for (const recovery of ['no retry', 'retry at once', 'retry after the lease'] as const) {
    for (const s of scenarios(calls)) it(`${recovery}: fault ${s.when} call ${s.k} (${s.name}): one request with one link, or an error and nothing`, async () => {
      const w = await world();
      w.faults.arm({ at: s.k, when: s.when });
      const first = await settle(w.submit());
      w.faults.disarm();
      if (recovery !== 'no retry' && !first.ok) {
        // The form showed an error; the person sends it again.
        w.setTime(at(recovery === 'retry at once' ? 1000 : 61_000));
        const again = await settle(w.submit());
        expect(again.ok, 'a retry is answered').toBe(true);
        if (recovery === 'retry after the lease') expect(new Set(w.links()).size, 'a retry after the lease is never swallowed').toBe(1);
      }
      await w.sweep(at(5 * MIN));

      const reqs = await w.requests();
      expect(reqs.length).toBeLessThanOrEqual(1);
      if (reqs.length === 0) {
        // Only a client that was answered with an error, and never tried again, may have nothing.
        expect(first.ok).toBe(false);
        expect(recovery).toBe('no retry');
        expect(w.mail.sent).toEqual([]);
        return;
      }
      const [req] = reqs;
      const links = w.links();
      expect(new Set(links).size, 'exactly one link').toBe(1);
      expect(links.length).toBeLessThanOrEqual(s.copies);
      expect(req.outboxLink, 'nothing left owed').toBeUndefined();
      expect(await w.item(key.verify(sha256(links[0])))).toMatchObject({ requestId: req.id });
      expect(w.mail.sent.every((m) => m.to === 'ada@example.com')).toBe(true);
    });
  }
});

describe('verify survives a fault at every step', async () => {
  const submitted = async (w: World) => {
    await w.submit();
    const [token] = w.links();
    w.mail.sent = [];
    return token;
  };
  let token = '';
  const calls = await boundaries(
    (w) => w.confirm(token),
    async (w) => {
      token = await submitted(w);
    },
  );

  it('makes the calls a fault is injected into', () => {
    expect(calls).toEqual(expect.arrayContaining(['dynamodb:Update', 'states:StartExecution']));
  });

  for (const recovery of ['sweep only', 'click again'] as const) {
    for (const s of scenarios(calls)) it(`${recovery}: fault ${s.when} call ${s.k} (${s.name}): a verified request has an execution within one sweep`, async () => {
      const w = await world();
      const link = await submitted(w);
      w.setTime(at(MIN));
      w.faults.arm({ at: s.k, when: s.when });
      const first = await settle(w.confirm(link));
      w.faults.disarm();
      if (recovery === 'click again' && !first.ok) await settle(w.confirm(link));
      await w.sweep(at(2 * MIN));

      const [req] = await w.requests();
      if (req.status === 'unverified') {
        expect(first.ok, 'the person was told it failed').toBe(false);
        expect(recovery).toBe('sweep only');
        expect(w.machine.started.size).toBe(0);
        return;
      }
      expect(req.status).toBe('verified');
      expect([...w.machine.started]).toEqual([req.id]);
      if (first.ok) expect(first.value.kind).toBe('confirmed');
      // Its personal data lives until well after the deadline, not the 7 days of an unverified request.
      const pii = await w.item(key.pii(req.id));
      expect(Number(pii?.ttl) * 1000).toBeGreaterThan(Date.parse(`${req.dueDate}T00:00:00Z`));
    });
  }
});

describe('notify survives a fault at every step', async () => {
  /** An export whose every processor has answered: the moment Notify runs. */
  const ready = async (w: World) => {
    const req = await inProgress(w, 'access', (id) => ({ exportKey: `exports/${id}.zip` }));
    const task = (processorId: string, category: StoredTask['category']): StoredTask => ({
      taskId: `${req.id}.${processorId}`,
      requestId: req.id,
      processorId,
      category,
      action: 'export',
      status: 'completed',
      version: 2,
      attempts: 1,
      holds: [],
      outcome: { request_status: 'completed' },
      audit: [],
    });
    await w.repo.putTasksIfAbsent([task('paynow', 'payments'), task('parcelway', 'delivery')]);
    return req.id;
  };
  let id = '';
  const calls = await boundaries(
    (w) => w.complete(id),
    async (w) => {
      id = await ready(w);
    },
  );

  it('makes the calls a fault is injected into', () => {
    expect(calls).toEqual(expect.arrayContaining(['dynamodb:Update', 'ses:SendEmail']));
  });

  for (const recovery of ['the workflow never comes back', 'the workflow runs Notify again'] as const) {
    for (const s of scenarios(calls)) it(`${recovery}: fault ${s.when} call ${s.k} (${s.name}): exactly one outcome email per completed request`, async () => {
      const w = await world();
      const requestId = await ready(w);
      w.setTime(at(MIN));
      w.faults.arm({ at: s.k, when: s.when });
      const first = await settle(w.complete(requestId));
      w.faults.disarm();
      if (recovery === 'the workflow runs Notify again' && !first.ok) {
        w.setTime(at(MIN + 2000)); // the state's retry, 2 s later
        await w.complete(requestId);
      }
      await w.sweep(at(5 * MIN));

      const [req] = await w.requests();
      if (req.status === 'in_progress') {
        expect(first.ok).toBe(false);
        expect(recovery).toBe('the workflow never comes back');
        expect(w.outcomes()).toEqual([]);
        return;
      }
      expect(req.status).toBe('completed');
      const outcomes = w.outcomes();
      expect(outcomes.length).toBeGreaterThanOrEqual(1);
      expect(outcomes.length).toBeLessThanOrEqual(s.copies);
      // Copies are the same email, with the same working download link.
      expect(new Set(outcomes.map((m) => m.text)).size).toBe(1);
      const download = /exports\/\w+\?token=([\w-]{43})/.exec(outcomes[0].text)?.[1] ?? '';
      expect(sha256(download)).toBe((req as StoredRequest & { downloadTokenHash?: string }).downloadTokenHash);
      expect(req.outboxOutcome).toBeUndefined();
      expect((await w.item(key.request(requestId)))?.owed, 'out of the owed index').toBeUndefined();
      // Personal data goes 30 days after completion.
      const pii = await w.item(key.pii(requestId));
      expect(Number(pii?.ttl) * 1000).toBe(Date.parse(req.closedAt ?? '') + 30 * 86_400_000);
    });
  }
});

describe('concurrent duplicates', () => {
  it('merges 10 simultaneous identical submissions into one request and one email', async () => {
    const w = await world();
    const answers = await Promise.all(Array.from({ length: 10 }, () => settle(w.submit())));
    expect(answers.every((a) => a.ok)).toBe(true);
    expect(await w.requests()).toHaveLength(1);
    expect(w.mail.sent).toHaveLength(1);
  });

  it('still gives one request and one email when the submission that claimed the pair died right after its claim', async () => {
    const w = await world();
    w.faults.arm({ when: 'after', match: (name, detail) => name === 'dynamodb:Put' && detail.includes('"DEDUPE#') });
    expect((await settle(w.submit())).ok).toBe(false);
    // Its retry and a few more clicks, all at once: they finish the claimed request together.
    const answers = await Promise.all(Array.from({ length: 10 }, () => settle(w.submit())));
    expect(answers.every((a) => a.ok)).toBe(true);
    await w.sweep(at(5 * MIN));
    expect(await w.requests()).toHaveLength(1);
    expect(w.mail.sent).toHaveLength(1);
  });

  it('mails one link when a double click lands while the first link is being written', async () => {
    const w = await world();
    const [a, b] = await Promise.all([settle(w.submit({ name: 'Ada' })), settle(w.submit({ name: 'Ada' }))]);
    expect(a.ok && b.ok).toBe(true);
    w.setTime(at(30_000));
    await w.submit();
    await w.sweep(at(5 * MIN));
    expect(new Set(w.links()).size).toBe(1);
    expect(w.mail.sent).toHaveLength(1);
  });
});

describe('protecting an inbox without locking its owner out', () => {
  it('never refuses a request for an address, sends at most 5 links an hour to it, and answers each submission the same', async () => {
    const w = await world();
    const victim = 'victim@example.com';
    // Someone submits every kind of request for the victim's address, again and again, from many clients.
    const answers = [];
    for (let i = 0; i < 24; i++) {
      w.setTime(at(i * 2.5 * MIN));
      const type = (['erasure', 'access', 'objection', 'rectification'] as const)[i % 4];
      const extra = type === 'objection' ? { objections: ['marketing' as const] } : type === 'rectification' ? { rectification: { field: 'name', correction: 'Ada' } } : {};
      answers.push(await w.submit({ type, email: victim, ...extra }, `198.51.100.${i}`));
    }
    expect(w.mail.sent.length).toBeLessThanOrEqual(5);
    expect(await w.requests()).toHaveLength(4);
    // The owner's own request, from their own client: accepted.
    w.setTime(at(58 * MIN));
    const own = await w.submit({ type: 'erasure', email: victim }, '192.0.2.10');
    expect(own.status).toBe('check_your_email');
    // Links put off and links mailed a moment ago are answered as links mailed: whoever typed the address learns nothing of what is open for it.
    for (const a of [...answers, own]) expect(a).toEqual(answers[0]);
  });

  it('puts a link over the hourly share off until the share has room again, and the sweeper sends it then', async () => {
    const w = await world({ perIpPerHour: 1000, linksPerEmailPerHour: 5 });
    const email = 'busy@example.com';
    for (const type of ['erasure', 'access', 'objection', 'rectification'] as const) {
      const extra = type === 'objection' ? { objections: ['marketing' as const] } : type === 'rectification' ? { rectification: { field: 'name', correction: 'Ada' } } : {};
      await w.submit({ type, email, ...extra });
    }
    w.setTime(at(11 * MIN));
    const fifth = await w.submit({ type: 'erasure', email }); // a fresh link after 10 minutes: the 5th
    w.setTime(at(22 * MIN));
    const sixth = await w.submit({ type: 'access', email }); // put off until the first four stop counting, an hour after their minute
    expect(sixth).toEqual(fifth);
    expect(w.mail.sent).toHaveLength(5);
    // Within the hour, the sweeper leaves it; once the first four stop counting, it sends it.
    await w.sweep(at(40 * MIN));
    expect(w.mail.sent).toHaveLength(5);
    const r = await w.sweep(at(61 * MIN));
    expect(r.linksSent).toHaveLength(1);
    expect(w.mail.sent).toHaveLength(6);
  });

  it('limits submissions per client address, repeats of an open request included, and takes them again an hour later', async () => {
    const w = await world({ perIpPerHour: 3, linksPerEmailPerHour: 5 });
    const office = '203.0.113.50';
    for (let i = 0; i < 3; i++) await w.submit({ email: `colleague-${i}@example.com` }, office);
    await expect(w.submit({ email: 'colleague-3@example.com' }, office)).rejects.toBeInstanceOf(TooManyRequests);
    // Asking again about an open request is refused the same way within the hour: a 202 would say that the request is there.
    w.setTime(at(12 * MIN));
    await expect(w.submit({ email: 'colleague-0@example.com' }, office)).rejects.toBeInstanceOf(TooManyRequests);
    // An hour after the minute of the three, the same repeat mails a fresh link.
    w.setTime(at(61 * MIN));
    const again = await w.submit({ email: 'colleague-0@example.com' }, office);
    expect(again.status).toBe('check_your_email');
    expect(w.mail.sent.filter((m) => m.to === 'colleague-0@example.com')).toHaveLength(2);
  });
});
