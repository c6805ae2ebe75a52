import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import type { RequestStatus } from '../../../functions/core/model.ts';
import type { StoredRequest, StoredTask } from '../../../functions/core/ports.ts';
import { FakeRepo, fixedClock, IndexedRepo, REQUEST_ID, storedRequest } from '../processors/fakes.ts';

vi.mock('../../../functions/adapters/registry.ts', () => ({
  registry: { version: 1, processors: [{ id: 'paynow', name: 'PayNow Payments', mode: 'automated' }, { id: 'parcelway', name: 'Parcelway Delivery' }] },
}));
const { auditCsv, dashboard, detail, RECENT_ANSWERS, summary, taskShown } = await import('../../../functions/admin/views.ts');

// Friday 20 March 2026, 10:00 in London.
const clock = fixedClock('2026-03-20T10:00:00.000Z');
const id = (n: number) => `01JQ${String(n).padStart(22, '0')}`;
const task = (requestId: string, processorId: string, over: Partial<StoredTask> = {}): StoredTask =>
  ({
    taskId: `${requestId}.${processorId}`, requestId, processorId, category: 'payments', action: 'erase', status: 'sent', version: 2, attempts: 1, holds: [], audit: [],
    ...over,
  }) as StoredTask;
const event = (at: string, action: string, over: Record<string, unknown> = {}) => ({ seq: 0, at, actor: 'workflow', action, subject: REQUEST_ID, prevHash: 'p', hash: 'h', ...over }) as never;

/** FakeRepo whose status index can also say that more pages follow. */
class Repo extends FakeRepo {
  more = new Set<RequestStatus>();
  override async listRequests(q: { status: RequestStatus; cursor?: string }) {
    const page = await super.listRequests(q);
    return q.cursor ? { items: [] } : { ...page, cursor: this.more.has(q.status) ? 'next' : undefined };
  }
}
function setup(...reqs: StoredRequest[]) {
  const repo = new Repo();
  for (const r of reqs) repo.requests.set(r.id, r);
  return { repo, deps: { repo: repo as never, clock } };
}

describe('a request as the console lists it', () => {
  it('counts the days left to an open request’s deadline, the extended one where there is one', () => {
    const r = storedRequest({ status: 'in_progress', dueDate: '2026-03-25', extended: { at: '2026-03-02T00:00:00.000Z', reason: 'complex', dueDate: '2026-05-26' }, owner: 'officer:o' });
    expect(summary(r, '2026-03-20')).toEqual({
      id: REQUEST_ID, type: 'erasure', status: 'in_progress', language: 'en', receivedAt: '2026-03-01T09:00:00.000Z', dueDate: '2026-05-26', daysLeft: 67, closedAt: null, closedLate: false, extended: true, owner: 'officer:o', pausedSince: null, mailFailed: null,
    });
  });

  it('counts down, overdue, a request stopped after its deadline had passed: the clock had run out, the stop moved nothing', () => {
    const r = storedRequest({ status: 'in_progress', type: 'access', dueDate: '2026-03-12', pausedSince: '2026-03-13T10:00:00.000Z' });
    expect(summary(r, '2026-03-20')).toMatchObject({ dueDate: '2026-03-12', daysLeft: -8, pausedSince: '2026-03-13T10:00:00.000Z' });
  });

  it('shows no countdown for a request whose clock is stopped for a clarification (Art. 12A), only since when: restarting it moves the deadline', () => {
    const r = storedRequest({ status: 'in_progress', type: 'access', dueDate: '2026-03-19', pausedSince: '2026-03-10T10:00:00.000Z' });
    expect(summary(r, '2026-03-20')).toMatchObject({ dueDate: '2026-03-19', daysLeft: null, pausedSince: '2026-03-10T10:00:00.000Z' });
  });

  it('marks a request closed after its deadline as late, a refusal as much as a completion, judged on the London day it closed', () => {
    // Due 2026-04-01: refused at 23:30 UTC on April 1, already April 2 in London (BST).
    expect(summary(storedRequest({ status: 'denied', closedAt: '2026-04-01T23:30:00.000Z' }), '2026-04-10')).toMatchObject({ dueDate: '2026-04-01', closedLate: true });
    expect(summary(storedRequest({ status: 'completed', closedAt: '2026-04-03T10:00:00.000Z' }), '2026-04-10')).toMatchObject({ closedLate: true });
    expect(summary(storedRequest({ status: 'denied', closedAt: '2026-04-01T22:30:00.000Z' }), '2026-04-10')).toMatchObject({ closedLate: false });
    expect(summary(storedRequest({ status: 'in_progress' }), '2026-04-10')).toMatchObject({ daysLeft: -9, closedLate: false });
  });

  it('shows no countdown for a closed request, nor for one with no deadline', () => {
    expect(summary(storedRequest({ status: 'completed', closedAt: '2026-03-10T10:00:00.000Z', mailFailed: { kind: 'outcome', at: '2026-03-10T10:00:00.000Z', error: 'Throttled' } }), '2026-03-20')).toMatchObject({
      dueDate: '2026-04-01', daysLeft: null, closedAt: '2026-03-10T10:00:00.000Z', mailFailed: { kind: 'outcome', at: '2026-03-10T10:00:00.000Z', error: 'Throttled' },
    });
    expect(summary(storedRequest({ status: 'unverified', dueDate: undefined }), '2026-03-20')).toMatchObject({ dueDate: null, daysLeft: null });
  });
});

describe('a request’s detail page', () => {
  it('shows the request, its tasks without their tokens or receipts’ contents, the merged audit in time order, and the timeline', async () => {
    const req = storedRequest({
      status: 'in_progress',
      type: 'rectification',
      details: { eraseWarranty: false, objections: [], rectification: { field: 'name', correction: 'Alice Smith' }, corrections: { name: 'Alice Smith' } },
      notes: [{ at: '2026-03-03T10:00:00.000Z', by: 'officer:o', text: 'called back' }] as never,
      audit: [event('2026-03-01T09:05:00.000Z', 'verify'), event('2026-03-02T10:00:00.000Z', 'start')],
    });
    const { repo, deps } = setup(req);
    repo.tasks.set(`${REQUEST_ID}.paynow`, task(REQUEST_ID, 'paynow', { token: 'secret-token', receipts: { a: {}, b: {} } as never, sentAt: '2026-03-02T10:00:01.000Z', audit: [event('2026-03-02T10:00:01.000Z', 'send')] }));
    repo.tasks.set(`${REQUEST_ID}.gone`, task(REQUEST_ID, 'gone', { status: 'completed' }));
    const timeline = [{ state: 'Plan', at: '2026-03-02T10:00:00.000Z' }];
    const d = await detail(REQUEST_ID, deps, { timeline: async () => timeline } as never);
    expect(d.request).toMatchObject({
      id: REQUEST_ID,
      daysLeft: 12,
      verifiedAt: '2026-03-01T09:05:00.000Z',
      details: { eraseWarranty: false, objections: [], rectification: { field: 'name', correction: 'Alice Smith' }, corrections: { name: 'Alice Smith' } },
      notes: [{ at: '2026-03-03T10:00:00.000Z', by: 'officer:o', text: 'called back' }],
    });
    expect(d.tasks.map((t) => [t.processorId, t.processorName, t.waiting, t.receipts])).toEqual([
      ['gone', 'gone', false, 0],
      ['paynow', 'PayNow Payments', true, 2],
    ]);
    expect(JSON.stringify(d.tasks)).not.toContain('secret-token');
    expect(d.tasks[1].deliveries).toEqual([]);
    expect(d.audit.map((e) => e.action)).toEqual(['verify', 'start', 'send']);
    expect(d.timeline).toEqual(timeline);
  });

  it('leaves out of each task the bookkeeping the workflow, the sweeper and the results keep on it (the outbox’s intents, the mark that nobody waits for it, its results’ key), as an action on a task answers it', async () => {
    const { repo, deps } = setup(storedRequest({ status: 'cancelled' }));
    const lease = { at: '2026-03-19T10:00:00.000Z', owner: 'sweeper', until: '2026-03-19T10:05:00.000Z' } as never;
    const bookkeeping = { token: 'tok', receipts: { a: {} } as never, outboxToken: { at: '2026-03-19T10:00:00.000Z' } as never, outboxTeam: { ...(lease as object), escalated: 'DispatchFailed' } as never, outboxWebhook: lease, unwatchedAt: '2026-03-19T10:00:00.000Z', resultsHash: 'f00d', hasResults: true };
    repo.tasks.set(`${REQUEST_ID}.paynow`, task(REQUEST_ID, 'paynow', { status: 'in_progress', ...bookkeeping }));
    const d = await detail(REQUEST_ID, deps, { timeline: async () => [] } as never);
    const shown = { ...task(REQUEST_ID, 'paynow', { status: 'in_progress' }), ...bookkeeping };
    for (const t of [d.tasks[0], taskShown(shown as StoredTask)]) {
      for (const k of ['token', 'outboxToken', 'outboxTeam', 'outboxWebhook', 'unwatchedAt', 'resultsHash', 'hasResults']) expect(t).not.toHaveProperty(k);
      expect(t).toMatchObject({ taskId: `${REQUEST_ID}.paynow`, status: 'in_progress', attempts: 1 });
    }
    expect(d.tasks[0]).toMatchObject({ waiting: true, receipts: 1 });
  });

  it('marks the task of a processor no longer in the registry as removed, and as the team’s to do by hand (the console offers no Retry), as a manual firm’s', async () => {
    const { repo, deps } = setup(storedRequest({ status: 'awaiting_manual' }));
    repo.tasks.set(`${REQUEST_ID}.paynow`, task(REQUEST_ID, 'paynow', { status: 'failed' }));
    repo.tasks.set(`${REQUEST_ID}.gone`, task(REQUEST_ID, 'gone', { status: 'timed_out' }));
    const d = await detail(REQUEST_ID, deps, { timeline: async () => [] } as never);
    expect(d.tasks.map((t) => [t.processorId, t.manual, t.removed])).toEqual([
      ['gone', true, true],
      ['paynow', false, false],
    ]);
  });

  describe('the question of a stopped clock (Art. 12A), which the trail keeps only as a SHA-256', () => {
    const asked = 'Which orders your request for a copy is about';
    const hashed = (q: string) => createHash('sha256').update(q).digest('hex');
    const stopped = (over: Partial<StoredRequest> = {}, q = asked) =>
      storedRequest({ status: 'in_progress', type: 'access', pausedSince: '2026-03-10T10:00:00.000Z', audit: [event('2026-03-10T10:00:00.000Z', 'pause', { data: { ground: 'clarification', neededSha256: hashed(q) } })], ...over });
    const shown = async (req: StoredRequest, pii?: Record<string, unknown>) => {
      const { repo, deps } = setup(req);
      if (pii) repo.pii.set(REQUEST_ID, pii as never);
      return (await detail(REQUEST_ID, deps, { timeline: async () => [] } as never)).request.clarification;
    };

    it('is read from the requester’s contact data once mailed, and from the email still owed before', async () => {
      expect(await shown(stopped(), { email: 'ann@example.com', clarification: asked })).toBe(asked);
      const owed = { seq: 1, until: '2026-03-10T10:01:00.000Z', owner: 'admin', notice: 'extension', reason: 'Several processors', earlier: [{ notice: 'clarification', needed: asked }] };
      expect(await shown(stopped({ outboxNotice: owed as never }), { email: 'ann@example.com' })).toBe(asked);
    });

    it('is null once it went with the contact data, when it is not the question the trail hashed, and when the clock runs', async () => {
      expect(await shown(stopped())).toBeNull();
      expect(await shown(stopped(), { email: 'ann@example.com', clarification: 'An earlier question, asked before the clock restarted' })).toBeNull();
      expect(await shown(stopped({ pausedSince: undefined }), { email: 'ann@example.com', clarification: asked })).toBeNull();
      expect(await shown(stopped({ status: 'completed', closedAt: '2026-03-15T10:00:00.000Z' }), { email: 'ann@example.com', clarification: asked })).toBeNull();
    });
  });

  it('shows a copy’s package as held (until when it is kept, whether it can be released) only while it waits for an officer’s release', async () => {
    const flagged = { type: 'access' as const, exportKey: `exports/${REQUEST_ID}.zip`, audit: [event('2026-03-10T10:00:00.000Z', 'export_assembled')] };
    const held = storedRequest({ ...flagged, status: 'awaiting_manual', exportRelease: { flaggedBy: ['parcelway'], since: '2026-03-10T10:00:00.000Z' } });
    const heldPackage = async (r: StoredRequest) => (await detail(REQUEST_ID, setup(r).deps, { timeline: async () => [] } as never)).request.heldPackage;
    expect(await heldPackage(held)).toEqual({ keptUntil: '2026-04-08T10:00:00.000Z', releasable: true, remake: null, remakeFailed: null });
    // Released: a completed copy has nothing held to release or make again.
    const released = { ...held, status: 'completed' as const, closedAt: '2026-03-12T10:00:00.000Z', exportRelease: { ...held.exportRelease, releasedBy: 'officer:o', releasedAt: '2026-03-12T10:00:00.000Z' } } as StoredRequest;
    expect(await heldPackage(released)).toBeNull();
    expect(await heldPackage(storedRequest({ ...flagged, status: 'completed', closedAt: '2026-03-11T10:00:00.000Z' }))).toBeNull();
  });

  it('has no notes where none were written, and answers 404 for an unknown request', async () => {
    const { deps } = setup(storedRequest({ status: 'in_progress' }));
    expect((await detail(REQUEST_ID, deps, { timeline: async () => [] } as never)).request.notes).toEqual([]);
    await expect(detail(id(9), deps, { timeline: async () => [] } as never)).rejects.toMatchObject({ status: 404, message: 'no such request' });
  });
});

describe('the dashboard', () => {
  it('counts the requests in each status, and says “at least” (1+, 500+) when the index has more than it read, never a made-up exact number', async () => {
    const statuses = ['unverified', 'awaiting_review', 'verified', 'in_progress', 'awaiting_manual', 'completed', 'denied', 'cancelled', 'expired'] as const;
    const { repo, deps } = setup(...statuses.map((status, i) => storedRequest({ id: id(i), status, dueDate: undefined })));
    repo.more.add('completed');
    expect((await dashboard(deps)).counts).toEqual({ unverified: 1, awaiting_review: 1, verified: 1, in_progress: 1, awaiting_manual: 1, completed: '1+', denied: 1, cancelled: 1, expired: 1 });
  });

  it('lists open requests due within 7 days and overdue ones, never closed ones', async () => {
    const { deps } = setup(
      storedRequest({ id: id(1), status: 'in_progress', dueDate: '2026-03-20' }),
      storedRequest({ id: id(2), status: 'awaiting_manual', dueDate: '2026-03-27' }),
      storedRequest({ id: id(3), status: 'verified', dueDate: '2026-03-28' }),
      storedRequest({ id: id(4), status: 'awaiting_review', dueDate: '2026-03-19' }),
      storedRequest({ id: id(5), status: 'completed', dueDate: '2026-03-19' }),
      storedRequest({ id: id(6), status: 'unverified', dueDate: undefined }),
    );
    const d = await dashboard(deps);
    expect(d.dueSoon.map((r) => r.id)).toEqual([id(1), id(2)]);
    expect(d.overdue.map((r) => r.id)).toEqual([id(4)]);
  });

  it('lists neither as overdue nor as due soon a request whose clock is stopped for a clarification (Art. 12A)', async () => {
    const { deps } = setup(
      storedRequest({ id: id(1), status: 'in_progress', type: 'access', dueDate: '2026-03-19', pausedSince: '2026-03-10T10:00:00.000Z' }),
      storedRequest({ id: id(2), status: 'in_progress', type: 'access', dueDate: '2026-03-24', pausedSince: '2026-03-10T10:00:00.000Z' }),
    );
    const d = await dashboard(deps);
    expect(d.overdue).toEqual([]);
    expect(d.dueSoon).toEqual([]);
  });

  it('lists every overdue and due-soon request however many are open, where it read the first 500 of a status and missed the rest', async () => {
    const { repo, deps } = setup();
    const index = new IndexedRepo();
    index.requests = repo.requests;
    const add = (n: number, over: Partial<StoredRequest>) => repo.requests.set(id(n), storedRequest({ id: id(n), status: 'in_progress', ...over }));
    // 600 overdue, 10 due within the week and 700 due later, all in progress; a few extended or stopped ones among the overdue dates.
    for (let n = 0; n < 600; n++) add(n, { dueDate: `2026-02-${String(1 + (n % 28)).padStart(2, '0')}` });
    for (let n = 600; n < 610; n++) add(n, { dueDate: `2026-03-${String(20 + (n % 8)).padStart(2, '0')}` });
    for (let n = 610; n < 1310; n++) add(n, { dueDate: '2026-04-15' });
    add(1310, { dueDate: '2026-02-02', extended: { at: '2026-01-20T10:00:00.000Z', reason: 'complex', dueDate: '2026-03-25' } });
    add(1311, { dueDate: '2026-02-02', extended: { at: '2026-01-20T10:00:00.000Z', reason: 'complex', dueDate: '2026-04-02' } });
    add(1312, { dueDate: '2026-02-02', pausedSince: '2026-01-25T10:00:00.000Z' });
    const d = await dashboard({ ...deps, repo: index as never });
    expect(d.overdue).toHaveLength(600);
    expect(new Set(d.overdue.map((r) => r.id))).toEqual(new Set(Array.from({ length: 600 }, (_, n) => id(n))));
    expect(d.dueSoon.map((r) => r.id).sort()).toEqual([...Array.from({ length: 10 }, (_, n) => id(600 + n)), id(1310)].sort());
    // Most overdue first.
    expect(d.overdue[0].dueDate).toBe('2026-02-01');
    expect(d.overdue.at(-1)?.dueDate).toBe('2026-02-28');
  });

  it('lists as overdue a request stopped after its deadline had passed, as the SLA report counts it late', async () => {
    const { deps } = setup(
      storedRequest({ id: id(1), status: 'in_progress', type: 'access', dueDate: '2026-03-12', pausedSince: '2026-03-13T10:00:00.000Z' }),
      storedRequest({ id: id(2), status: 'in_progress', type: 'access', dueDate: '2026-03-12', pausedSince: '2026-03-12T10:00:00.000Z' }),
    );
    const d = await dashboard(deps);
    expect(d.overdue.map((r) => r.id)).toEqual([id(1)]);
    expect(d.dueSoon).toEqual([]);
  });

  it('lists every request whose email failed, open or closed', async () => {
    const failed = { kind: 'outcome' as const, at: '2026-03-19T10:00:00.000Z', error: 'Throttled' };
    const { deps } = setup(storedRequest({ id: id(1), status: 'completed', mailFailed: failed }), storedRequest({ id: id(2), status: 'in_progress', mailFailed: failed }), storedRequest({ id: id(3), status: 'in_progress' }));
    expect((await dashboard(deps)).mailFailed.map((r) => r.id)).toEqual([id(2), id(1)]);
  });

  it('lists a closed request whose outcome or notice is still owed and failed, even past the 500 requests of its status it reads', async () => {
    const index = new IndexedRepo();
    const failed = (notice: 'refusal') => ({ kind: 'notice' as const, notice, at: '2026-03-19T10:00:00.000Z', error: 'MessageRejected' });
    for (let n = 0; n < 600; n++) index.requests.set(id(n), storedRequest({ id: id(n), status: 'denied', dueDate: '2026-02-02', closedAt: '2026-01-10T10:00:00.000Z' }));
    const owed = { seq: 1, until: '2026-03-19T10:01:00.000Z', owner: 'admin', notice: 'refusal', reason: 'excessive' } as never;
    index.requests.set(id(600), storedRequest({ id: id(600), status: 'denied', dueDate: '2026-04-15', closedAt: '2026-03-19T10:00:00.000Z', outboxNotice: owed, mailFailed: failed('refusal') }));
    const d = await dashboard({ repo: index as never, clock });
    expect(d.counts.denied).toBe('500+');
    expect(d.mailFailed.map((r) => [r.id, r.mailFailed])).toEqual([[id(600), failed('refusal')]]);
  });

  it('lists every request whose email failed however many share its status, through the index its mark enters, and none whose mark went since', async () => {
    const index = new IndexedRepo();
    // 600 requests in progress, all due before the two marked ones: the first 500 of the status hold neither.
    for (let n = 0; n < 600; n++) index.requests.set(id(n), storedRequest({ id: id(n), status: 'in_progress', dueDate: '2026-03-25' }));
    const failed = { kind: 'escalation' as const, at: '2026-03-19T10:00:00.000Z', error: 'Throttling' };
    index.requests.set(id(600), storedRequest({ id: id(600), status: 'in_progress', dueDate: '2026-04-15', mailFailed: failed }));
    index.requests.set(id(601), storedRequest({ id: id(601), status: 'in_progress', dueDate: '2026-04-16' }));
    // The index lags its table: it still names a request whose mark was cleared a moment ago.
    index.listMailFailed = async () => [id(600), id(601)];
    const d = await dashboard({ repo: index as never, clock });
    expect(d.counts.in_progress).toBe('500+');
    expect(d.mailFailed.map((r) => [r.id, r.mailFailed])).toEqual([[id(600), failed]]);
  });

  it('scores each processor: its tasks out now, its escalated tasks of open requests, and the median time to callback of its latest answers', async () => {
    const { repo, deps } = setup(storedRequest({ id: id(1), status: 'in_progress' }), storedRequest({ id: id(2), status: 'awaiting_manual' }), storedRequest({ id: id(3), status: 'denied' }), storedRequest({ id: id(4), status: 'completed' }));
    const sent = (n: number, s: number) => ({ sentAt: `2026-03-02T10:00:0${n}.000Z`, finishedAt: new Date(Date.parse(`2026-03-02T10:00:0${n}.000Z`) + s).toISOString() });
    // Waiting to be sent: not out yet.
    repo.tasks.set(`${id(1)}.paynow`, task(id(1), 'paynow', { status: 'pending' }));
    repo.tasks.set(`${id(2)}.paynow`, task(id(2), 'paynow', { status: 'in_progress', sentAt: '2026-03-02T10:00:00.000Z' }));
    repo.tasks.set(`${id(1)}.parcelway`, task(id(1), 'parcelway', { status: 'failed', ...sent(1, 3000), outcome: { request_status: 'failed', reason: 'account locked' }, audit: [event('2026-03-02T10:00:04.000Z', 'failed')] }));
    repo.tasks.set(`${id(2)}.parcelway`, task(id(2), 'parcelway', { status: 'timed_out', ...sent(2, 1000) }));
    // Of a refused request: nobody waits for it.
    repo.tasks.set(`${id(3)}.parcelway`, task(id(3), 'parcelway', { status: 'failed', ...sent(1, 500) }));
    // Of a processor no longer in the registry: it keeps a row while its task waits.
    repo.tasks.set(`${id(2)}.gone`, task(id(2), 'gone', { status: 'timed_out', ...sent(5, 9000) }));
    // Answers, closed requests' too: the median is over the processor's latest.
    repo.tasks.set(`${id(3)}.paynow`, task(id(3), 'paynow', { status: 'completed', ...sent(3, 1000) }));
    repo.tasks.set(`${id(4)}.paynow`, task(id(4), 'paynow', { status: 'not_found', ...sent(4, 3000) }));
    repo.tasks.set(`${id(2)}.mailwave`, task(id(2), 'mailwave', { status: 'completed', ...sent(3, 2000) }));
    const d = await dashboard(deps);
    expect(d.processors).toEqual([
      { id: 'paynow', name: 'PayNow Payments', open: 1, failures: 0, timeouts: 0, medianCallbackMs: 3000 },
      { id: 'parcelway', name: 'Parcelway Delivery', open: 0, failures: 1, timeouts: 1, medianCallbackMs: null },
      { id: 'gone', name: 'gone', open: 0, failures: 0, timeouts: 1, medianCallbackMs: null },
    ]);
    // Longest waiting first.
    expect(d.escalated).toEqual([
      { requestId: id(2), processorId: 'parcelway', processorName: 'Parcelway Delivery', category: 'payments', status: 'timed_out', reason: null, attempts: 0, last: null },
      { requestId: id(1), processorId: 'parcelway', processorName: 'Parcelway Delivery', category: 'payments', status: 'failed', reason: 'account locked', attempts: 1, last: { at: '2026-03-02T10:00:01.000Z', accepted: true } },
      { requestId: id(2), processorId: 'gone', processorName: 'gone', category: 'payments', status: 'timed_out', reason: null, attempts: 0, last: null },
    ]);
  });

  it('takes each processor’s callback time from its latest answers only', async () => {
    const { repo, deps } = setup();
    const answer = (n: number, ms: number) => {
      const sentAt = new Date(Date.parse('2026-03-01T00:00:00.000Z') + n * 60_000).toISOString();
      repo.tasks.set(`${id(n)}.paynow`, task(id(n), 'paynow', { status: 'completed', sentAt, finishedAt: new Date(Date.parse(sentAt) + ms).toISOString() }));
    };
    // 300 slow answers, then the latest 200 fast ones.
    for (let n = 0; n < 300; n++) answer(n, 9000);
    for (let n = 300; n < 300 + RECENT_ANSWERS; n++) answer(n, 1000);
    expect((await dashboard(deps)).processors.find((p) => p.id === 'paynow')?.medianCallbackMs).toBe(1000);
  });

  it('lists every escalated task of an open request and counts it, however many requests are open', async () => {
    const index = new IndexedRepo();
    // 700 requests in progress, all due before the one whose task timed out: the first 500 of the status hold none of them.
    for (let n = 0; n < 700; n++) index.requests.set(id(n), storedRequest({ id: id(n), status: 'in_progress', dueDate: '2026-03-25' }));
    index.requests.set(id(700), storedRequest({ id: id(700), status: 'in_progress', dueDate: '2026-04-15' }));
    index.tasks.set(`${id(700)}.parcelway`, task(id(700), 'parcelway', { status: 'timed_out', sentAt: '2026-03-02T10:00:00.000Z', finishedAt: '2026-03-09T10:00:00.000Z' }));
    const d = await dashboard({ repo: index as never, clock });
    expect(d.escalated.map((e) => [e.requestId, e.processorId, e.status])).toEqual([[id(700), 'parcelway', 'timed_out']]);
    expect(d.processors.find((p) => p.id === 'parcelway')?.timeouts).toBe(1);
  });

  it('lists and counts an escalated task whose escalation email is still owed to the team from the moment it was escalated, and no manual task whose email is owed', async () => {
    const { repo, deps } = setup(storedRequest({ id: id(1), status: 'awaiting_manual' }), storedRequest({ id: id(2), status: 'awaiting_manual' }), storedRequest({ id: id(3), status: 'in_progress' }));
    const owed = (escalated?: string) => ({ outboxTeam: { seq: 3, until: '2026-03-20T10:05:00.000Z', owner: 'sweeper:run', ...(escalated ? { escalated } : {}) } });
    // Retried by an officer, then timed out by the sweeper (or refused again) with its email not mailed yet.
    repo.tasks.set(`${id(1)}.parcelway`, task(id(1), 'parcelway', { status: 'timed_out', retries: 1, sentAt: '2026-03-10T10:00:00.000Z', finishedAt: '2026-03-20T09:00:00.000Z', ...owed('States.Timeout') }));
    repo.tasks.set(`${id(2)}.paynow`, task(id(2), 'paynow', { status: 'failed', retries: 1, sentAt: '2026-03-19T10:00:00.000Z', finishedAt: '2026-03-19T11:00:00.000Z', ...owed('DispatchFailed') }));
    repo.tasks.set(`${id(2)}.parcelway`, task(id(2), 'parcelway', { status: 'timed_out', sentAt: '2026-03-01T10:00:00.000Z', finishedAt: '2026-03-18T10:00:00.000Z' }));
    // A manual processor's task out now, whose email to the team is owed: not escalated.
    repo.tasks.set(`${id(3)}.mailwave`, task(id(3), 'mailwave', { status: 'sent', sentAt: '2026-03-20T09:30:00.000Z', ...owed() }));
    const d = await dashboard(deps);
    // Longest waiting first, whichever index partition holds each.
    expect(d.escalated.map((e) => [e.requestId, e.processorId, e.status])).toEqual([
      [id(2), 'parcelway', 'timed_out'],
      [id(2), 'paynow', 'failed'],
      [id(1), 'parcelway', 'timed_out'],
    ]);
    expect(d.processors.map((p) => [p.id, p.failures, p.timeouts])).toEqual([
      ['paynow', 1, 0],
      ['parcelway', 0, 2],
    ]);
  });
  it('counts a manual processor’s task as open while its email to the team is owed, as once it has gone', async () => {
    const { repo, deps } = setup(storedRequest({ id: id(1), status: 'in_progress' }), storedRequest({ id: id(2), status: 'in_progress' }), storedRequest({ id: id(3), status: 'in_progress' }));
    const owed = { outboxTeam: { seq: 3, until: '2026-03-20T10:05:00.000Z', owner: 'sweeper:run' } };
    // Handed to the team: one whose email went, one whose email is still owed (SES refused it, or Dispatch died before it went).
    repo.tasks.set(`${id(1)}.parcelway`, task(id(1), 'parcelway', { status: 'sent', sentAt: '2026-03-19T10:00:00.000Z' }));
    repo.tasks.set(`${id(2)}.parcelway`, task(id(2), 'parcelway', { status: 'sent', sentAt: '2026-03-20T09:30:00.000Z', ...owed }));
    repo.tasks.set(`${id(3)}.parcelway`, task(id(3), 'parcelway', { status: 'in_progress', sentAt: '2026-03-20T09:00:00.000Z', ...owed }));
    const d = await dashboard(deps);
    expect(d.processors.find((p) => p.id === 'parcelway')).toMatchObject({ open: 3, failures: 0, timeouts: 0 });
    expect(d.escalated).toEqual([]);
  });
});

describe('the audit export', () => {
  it('reads each request’s tasks 16 at a time, its rows in the index’s order whatever order the reads end in, and no task of a request received after the range', async () => {
    const index = new IndexedRepo();
    for (let n = 0; n < 100; n++) {
      const r = storedRequest({ id: id(n), status: 'completed', dueDate: `2026-03-${String(1 + (n % 28)).padStart(2, '0')}`, audit: [event('2026-03-02T10:00:00.000Z', 'complete', { subject: id(n) })] });
      index.requests.set(r.id, r);
      index.tasks.set(`${r.id}.paynow`, task(r.id, 'paynow', { audit: [event('2026-03-02T09:00:00.000Z', 'send', { subject: `${r.id}.paynow` })] }));
    }
    // Received after the range: none of its events can be in it.
    index.requests.set(id(100), storedRequest({ id: id(100), status: 'in_progress', receivedAt: '2026-03-06T09:00:00.000Z', audit: [event('2026-03-06T09:00:00.000Z', 'submit', { subject: id(100) })] }));
    const expected = (await auditCsv('2026-03-01', '2026-03-05', { repo: index as never, clock })).split('\r\n');
    const read: string[] = [];
    let inFlight = 0;
    let most = 0;
    const listTasks = index.listTasks.bind(index);
    index.listTasks = async (requestId: string) => {
      read.push(requestId);
      most = Math.max(most, ++inFlight);
      // Later requests answer sooner: the reads end out of order.
      await new Promise((r) => setTimeout(r, 100 - Number(requestId.slice(-3))));
      inFlight--;
      return listTasks(requestId);
    };
    const rows = (await auditCsv('2026-03-01', '2026-03-05', { repo: index as never, clock })).split('\r\n');
    expect(most).toBe(16);
    expect(rows).toEqual(expected);
    expect(rows).toHaveLength(1 + 200 + 1);
    // In the index's order: each request's own event, then its task's.
    const order = [...index.requests.values()].filter((r) => r.id !== id(100)).sort((a, b) => `${a.dueDate}#${a.id}`.localeCompare(`${b.dueDate}#${b.id}`));
    expect(rows.slice(1, -1).map((l) => l.split(',')[2])).toEqual(order.flatMap((r) => [r.id, `${r.id}.paynow`]));
    expect(read).not.toContain(id(100));
  });

  it('lists a request’s events once when it moved from one status to the next between the reads of the two', async () => {
    const moving = storedRequest({ id: id(1), status: 'verified', dueDate: '2026-04-02', version: 2, audit: [event('2026-03-02T10:00:00.000Z', 'verify', { subject: id(1) })] });
    const index = new IndexedRepo();
    index.requests.set(moving.id, moving);
    const read = index.listRequests.bind(index);
    index.listRequests = async (q: Parameters<IndexedRepo['listRequests']>[0]) => {
      const page = await read(q);
      if (q.status === 'verified') index.requests.set(moving.id, { ...moving, status: 'in_progress', version: 3 });
      return page;
    };
    const rows = (await auditCsv('2026-03-01', '2026-03-05', { repo: index as never, clock })).split('\r\n');
    expect(rows.slice(1, -1)).toEqual([`2026-03-02T10:00:00.000Z,${id(1)},${id(1)},workflow,verify,,,0,p,h`]);
  });

  it('lists the requests’ and tasks’ events between two dates, both inclusive, ids and hashes only, in every status', async () => {
    const r1 = storedRequest({ id: id(1), status: 'awaiting_review', audit: [event('2026-03-01T23:59:59.000Z', 'submit', { subject: id(1) }), event('2026-03-02T00:00:00.000Z', 'verify', { subject: id(1), from: 'unverified', to: 'awaiting_review', seq: 1 })] });
    const r2 = storedRequest({ id: id(2), status: 'completed', audit: [event('2026-03-05T12:00:00.000Z', 'complete', { subject: id(2) }), event('2026-03-06T00:00:00.000Z', 'download', { subject: id(2) })] });
    const { repo, deps } = setup(r1, r2);
    repo.tasks.set(`${id(2)}.paynow`, task(id(2), 'paynow', { audit: [event('2026-03-03T08:00:00.000Z', 'send', { subject: `${id(2)}.paynow`, hash: 'th' })] }));
    repo.more.add('completed');
    expect((await auditCsv('2026-03-02', '2026-03-05', deps)).split('\r\n')).toEqual([
      'at,request,subject,actor,action,from,to,seq,prevHash,hash',
      `2026-03-02T00:00:00.000Z,${id(1)},${id(1)},workflow,verify,unverified,awaiting_review,1,p,h`,
      `2026-03-05T12:00:00.000Z,${id(2)},${id(2)},workflow,complete,,,0,p,h`,
      `2026-03-03T08:00:00.000Z,${id(2)},${id(2)}.paynow,workflow,send,,,0,p,th`,
      '',
    ]);
  });

  it('dates the range in London, as the SLA report does: an event at 00:30 London time in summer is in that day’s export, not the day before’s', async () => {
    // 30 June 2026 23:30 UTC is 1 July 00:30 in London (BST); 30 June 22:30 UTC is still 30 June there.
    const r = storedRequest({
      id: id(1),
      status: 'completed',
      receivedAt: '2026-06-30T22:00:00.000Z',
      audit: [event('2026-06-30T22:30:00.000Z', 'note', { subject: id(1) }), event('2026-06-30T23:30:00.000Z', 'download', { subject: id(1), seq: 1 })],
    });
    const { deps } = setup(r);
    expect((await auditCsv('2026-06-30', '2026-06-30', deps)).split('\r\n').slice(1, -1)).toEqual([`2026-06-30T22:30:00.000Z,${id(1)},${id(1)},workflow,note,,,0,p,h`]);
    expect((await auditCsv('2026-07-01', '2026-07-01', deps)).split('\r\n').slice(1, -1)).toEqual([`2026-06-30T23:30:00.000Z,${id(1)},${id(1)},workflow,download,,,1,p,h`]);
  });
});
