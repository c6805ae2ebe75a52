import { describe, expect, it, vi } from 'vitest';
import { FakeBlobs, FakeMailer, FakeRepo, REQUEST_ID, storedRequest } from '../processors/fakes.ts';

vi.mock('../../../functions/adapters/registry.ts', () => ({ registry: { version: 1, processors: [] } }));
const { sweep } = await import('../../../functions/sweeper/sweep.ts');
const { WATCH } = await import('../../../functions/adapters/table.ts');

function deps(repo: FakeRepo) {
  return { repo, mailer: new FakeMailer(), workflow: { start: async () => 'arn', describe: async () => ({ status: 'RUNNING' }), unsuccessful: async () => [] }, tokens: {}, baseUrl: 'http://x', linksPerHour: 5, blobs: new FakeBlobs() } as never;
}

describe('the sweeper counts days in London time', () => {
  it('flags a request due 30 June as overdue at 00:30 London time on 1 July, while the UTC date is still 30 June', async () => {
    const repo = new FakeRepo();
    repo.requests.set(REQUEST_ID, storedRequest({ status: 'in_progress', dueDate: '2026-06-30' }));
    const report = await sweep(new Date('2026-06-30T23:30:00.000Z'), deps(repo));
    expect(report.overdue).toEqual([REQUEST_ID]);
    expect(repo.requests.get(REQUEST_ID)?.audit.at(-1)).toMatchObject({ action: 'overdue', data: { dueDate: '2026-06-30', daysLeft: -1 } });
  });

  it('does not flag it at 23:30 London time on 30 June', async () => {
    const repo = new FakeRepo();
    repo.requests.set(REQUEST_ID, storedRequest({ status: 'in_progress', dueDate: '2026-06-30' }));
    const report = await sweep(new Date('2026-06-30T22:30:00.000Z'), deps(repo));
    expect(report.overdue).toEqual([]);
  });
});

describe('the sweeper delivers the team email a request waiting for an officer is still owed', () => {
  const owed = (until: string) => ({ seq: 2, until, owner: 'verify-run', waiting: 'correction' as const });

  it('sends it once the writer’s lease is over, and clears it', async () => {
    const repo = new FakeRepo();
    repo.requests.set(REQUEST_ID, storedRequest({ status: 'awaiting_review', type: 'rectification', dueDate: '2026-04-01', outboxTeam: owed('2026-03-02T10:01:00.000Z') }));
    const d = deps(repo) as unknown as { mailer: FakeMailer };
    const report = await sweep(new Date('2026-03-02T10:05:00.000Z'), d as never);
    expect(report.teamEmailsSent).toEqual([REQUEST_ID]);
    expect(d.mailer.sent.map((m) => [m.to, m.subject])).toEqual([['compliance@offtek.example', `Correction to review (request ${REQUEST_ID})`]]);
    expect(repo.requests.get(REQUEST_ID)?.outboxTeam).toBeUndefined();
  });

  it('keeps the requester’s contact data as confirming would have, for a confirmation that died before it did: not to its 7-day unconfirmed end', async () => {
    const repo = new FakeRepo();
    repo.requests.set(REQUEST_ID, storedRequest({ status: 'awaiting_review', type: 'rectification', dueDate: '2026-04-01', outboxTeam: owed('2026-03-02T10:01:00.000Z') }));
    // As intake left them: the 7 days of an unconfirmed record.
    repo.pii.set(REQUEST_ID, { email: 'ada@example.com' });
    repo.piiExpiry.set(REQUEST_ID, new Date('2026-03-09T10:00:00.000Z'));
    await sweep(new Date('2026-03-02T10:05:00.000Z'), deps(repo) as never);
    // 1 April + 120 days: an officer reviewing it after a week still has the address the answer goes to.
    expect(repo.piiExpiry.get(REQUEST_ID)?.toISOString()).toBe('2026-07-30T00:00:00.000Z');
  });

  it('keeps it owed and marks the request mail failed when SES refuses it, and goes on with the rest of the sweep', async () => {
    const repo = new FakeRepo();
    repo.requests.set(REQUEST_ID, storedRequest({ status: 'awaiting_review', type: 'rectification', dueDate: '2026-04-01', outboxTeam: owed('2026-03-02T10:01:00.000Z') }));
    const d = deps(repo) as unknown as { mailer: FakeMailer };
    d.mailer.send = async () => {
      throw Object.assign(new Error('Throttling'), { name: 'TooManyRequestsException' });
    };
    const report = await sweep(new Date('2026-03-02T10:05:00.000Z'), d as never);
    expect(report.teamEmailsSent).toEqual([]);
    expect(repo.requests.get(REQUEST_ID)).toMatchObject({ outboxTeam: { waiting: 'correction' }, mailFailed: { kind: 'review' } });
  });

  it('does not swallow an error that is not the mail’s: it is reported failed, not marked as the mail’s, and the email stays owed', async () => {
    const repo = new FakeRepo();
    repo.requests.set(REQUEST_ID, storedRequest({ status: 'awaiting_review', type: 'rectification', dueDate: '2026-04-01', outboxTeam: owed('2026-03-02T10:01:00.000Z') }));
    repo.claimDelivery = async () => {
      throw new Error('table gone');
    };
    const report = await sweep(new Date('2026-03-02T10:05:00.000Z'), deps(repo) as never);
    expect(report).toMatchObject({ teamEmailsSent: [], failed: [`team:${REQUEST_ID}`] });
    expect(repo.requests.get(REQUEST_ID)?.mailFailed).toBeUndefined();
    expect(repo.requests.get(REQUEST_ID)?.outboxTeam).toMatchObject({ waiting: 'correction' });
  });

  it('leaves it to its writer while the writer’s lease runs', async () => {
    const repo = new FakeRepo();
    repo.requests.set(REQUEST_ID, storedRequest({ status: 'awaiting_review', type: 'rectification', dueDate: '2026-04-01', outboxTeam: owed('2026-03-02T10:01:00.000Z') }));
    const d = deps(repo) as unknown as { mailer: FakeMailer };
    const report = await sweep(new Date('2026-03-02T10:00:30.000Z'), d as never);
    expect(report.teamEmailsSent).toEqual([]);
    expect(d.mailer.sent).toEqual([]);
    expect(repo.requests.get(REQUEST_ID)?.outboxTeam).toMatchObject({ waiting: 'correction' });
  });

  it('drops it unsent when an officer has already taken the request on', async () => {
    const repo = new FakeRepo();
    repo.requests.set(REQUEST_ID, storedRequest({ status: 'in_progress', type: 'rectification', dueDate: '2026-04-01', outboxTeam: owed('2026-03-02T10:01:00.000Z') }));
    const d = deps(repo) as unknown as { mailer: FakeMailer };
    const report = await sweep(new Date('2026-03-02T10:05:00.000Z'), d as never);
    expect(report.teamEmailsSent).toEqual([]);
    expect(d.mailer.sent).toEqual([]);
    expect(repo.requests.get(REQUEST_ID)?.outboxTeam).toBeUndefined();
  });
});

describe('the sweeper and requests waiting for review', () => {
  it('does not report a correction waiting for an officer as a lost workflow: it has no execution yet, by design', async () => {
    const repo = new FakeRepo();
    repo.requests.set(REQUEST_ID, storedRequest({ status: 'awaiting_review', type: 'rectification', dueDate: '2026-04-01' }));
    const d = { ...(deps(repo) as object), workflow: { start: async () => 'arn', describe: async () => undefined, unsuccessful: async () => [] } };
    const report = await sweep(new Date('2026-03-02T10:05:00.000Z'), d as never);
    expect(report.lostExecutions).toEqual([]);
    expect((d as unknown as { mailer: FakeMailer }).mailer.sent).toEqual([]);
    expect(repo.requests.get(REQUEST_ID)?.audit.map((e) => e.action)).not.toContain('execution-lost');
  });
});

describe('the sweeper’s reminders after an extension (Art. 12(3))', () => {
  it('reminds the team 7 and 2 days before the extended deadline too, though it reminded them before the original one', async () => {
    const { extend } = await import('../../../functions/admin/actions.ts');
    const { fixedClock } = await import('../processors/fakes.ts');
    const repo = new FakeRepo();
    repo.requests.set(REQUEST_ID, storedRequest({ status: 'in_progress', verifiedAt: '2026-03-01T09:05:00.000Z', dueDate: '2026-04-01' }));
    repo.pii.set(REQUEST_ID, { email: 'ann@example.com' });
    await sweep(new Date('2026-03-26T10:00:00.000Z'), deps(repo));
    await sweep(new Date('2026-03-31T10:00:00.000Z'), deps(repo));
    expect(repo.requests.get(REQUEST_ID)?.audit.map((e) => e.action)).toEqual(['reminder-7', 'reminder-2']);
    const done = await extend(REQUEST_ID, 'Several processors hold records', 'officer:o', { repo: repo as never, mailer: new FakeMailer(), workflow: {} as never, clock: fixedClock('2026-03-31T11:00:00.000Z'), blobs: new FakeBlobs() });
    expect(done.extended?.dueDate).toBe('2026-06-01');
    // Tuesday 26 May 2026: 6 days before Monday 1 June.
    const week = await sweep(new Date('2026-05-26T10:00:00.000Z'), deps(repo));
    expect(week.reminders).toEqual([`${REQUEST_ID}:reminder-7`]);
    const last = await sweep(new Date('2026-05-30T10:00:00.000Z'), deps(repo));
    expect(last.reminders).toEqual([`${REQUEST_ID}:reminder-2`]);
  });
});

describe('the sweeper and a stopped clock (Art. 12A)', () => {
  it('neither reminds nor flags overdue a request whose clock is stopped for a clarification: its deadline moves when it restarts', async () => {
    const repo = new FakeRepo();
    repo.requests.set(REQUEST_ID, storedRequest({ status: 'in_progress', type: 'access', dueDate: '2026-04-01', pausedSince: '2026-03-20T10:00:00.000Z' }));
    const d = deps(repo) as unknown as { mailer: FakeMailer };
    const report = await sweep(new Date('2026-04-03T10:00:00.000Z'), d as never);
    expect(report.overdue).toEqual([]);
    expect(report.reminders).toEqual([]);
    expect(d.mailer.sent).toEqual([]);
    expect(repo.requests.get(REQUEST_ID)?.audit).toEqual([]);
  });

  it('flags overdue, and tells the team, a request stopped after its deadline had passed: the clock had run out', async () => {
    const repo = new FakeRepo();
    repo.requests.set(REQUEST_ID, storedRequest({ status: 'in_progress', type: 'access', dueDate: '2026-04-01', pausedSince: '2026-04-02T10:00:00.000Z' }));
    const d = deps(repo) as unknown as { mailer: FakeMailer };
    const report = await sweep(new Date('2026-04-03T10:00:00.000Z'), d as never);
    expect(report.overdue).toEqual([REQUEST_ID]);
    expect(repo.requests.get(REQUEST_ID)?.audit.at(-1)).toMatchObject({ action: 'overdue', data: { dueDate: '2026-04-01', daysLeft: -2 } });
    expect(d.mailer.sent.map((m) => m.subject)).toEqual([`OVERDUE: request ${REQUEST_ID} was due 2026-04-01`]);
  });
});

describe('the sweeper and export results no task recorded', () => {
  const key = (processorId: string, hash: string) => `${REQUEST_ID}.${processorId}#${hash.repeat(64)}`;
  const T = '2026-03-02T10:00:00.000Z';
  const minutesOn = (minutes: number) => new Date(Date.parse(T) + minutes * 60_000);
  function world() {
    const repo = new FakeRepo();
    repo.requests.set(REQUEST_ID, storedRequest({ status: 'in_progress', type: 'access', dueDate: '2026-04-01' }));
    const task = (processorId: string, over: Record<string, unknown>) =>
      repo.tasks.set(`${REQUEST_ID}.${processorId}`, { taskId: `${REQUEST_ID}.${processorId}`, requestId: REQUEST_ID, processorId, category: 'payments', action: 'export', version: 2, attempts: 1, holds: [], audit: [], status: 'sent', ...over } as never);
    // PayNow's callback died between its results write and its task write, and was never sent again.
    task('paynow', { status: 'sent' });
    // ParcelWay's task recorded one callback's results; another callback's were written and never recorded.
    task('parcelway', { status: 'completed', resultsHash: 'a'.repeat(64) });
    for (const k of [key('paynow', 'c'), key('parcelway', 'a'), key('parcelway', 'b')]) repo.results.set(k, { signedBody: '{}', expiresAt: new Date('2026-06-30T10:00:00.000Z'), writtenAt: T });
    return repo;
  }

  it('deletes them once no callback can still be between its results write and its task write, and keeps the recorded ones', async () => {
    const repo = world();
    // Within the 15 minutes a Lambda invocation can last, PayNow's callback may still record them.
    await sweep(minutesOn(10), deps(repo));
    expect([...repo.results.keys()].sort()).toEqual([key('parcelway', 'a'), key('paynow', 'c')]);
    const report = await sweep(minutesOn(16), deps(repo));
    expect([...repo.results.keys()]).toEqual([key('parcelway', 'a')]);
    expect(report.droppedResults).toEqual([`${REQUEST_ID}.paynow`]);
  });
});

describe('the sweeper reads the requests the watch index lists', () => {
  it('in batch reads, not one read a request: those owing the team an email, and closed ones owing their execution’s stop', async () => {
    const repo = new FakeRepo();
    const waiting = ['01JQ0000000000000000000001', '01JQ0000000000000000000002'];
    const closed = ['01JQ0000000000000000000003', '01JQ0000000000000000000004'];
    const owed = { seq: 2, until: '2026-03-02T10:01:00.000Z', owner: 'verify-run', waiting: 'correction' as const };
    for (const id of waiting) repo.requests.set(id, storedRequest({ id, status: 'awaiting_review', type: 'rectification', dueDate: '2026-04-01', outboxTeam: { ...owed } }));
    for (const id of closed) repo.requests.set(id, storedRequest({ id, status: 'cancelled', outboxStop: { at: '2026-03-02T10:00:00.000Z' } }));
    const d = deps(repo) as unknown as { workflow: { stop?: (id: string) => Promise<void> } };
    const stopped: string[] = [];
    d.workflow.stop = async (id) => void stopped.push(id);
    const one = vi.spyOn(repo, 'getRequest');
    const batch = vi.spyOn(repo, 'getRequests');
    const report = await sweep(new Date('2026-03-02T10:05:00.000Z'), d as never);
    expect([report.teamEmailsSent, report.executionsStopped, stopped]).toEqual([waiting, closed, closed]);
    expect(one).not.toHaveBeenCalled();
    expect(batch.mock.calls.map(([ids]) => ids)).toEqual(expect.arrayContaining([waiting, closed]));
  });
});

describe('the watch index’s entries for what requests owe', () => {
  const OTHER = '01JQ0000000000000000000001';
  /** The index as it stands, here by hand: entries the table's writes have left in it. */
  function indexed(repo: FakeRepo, partition: string, ids: string[]) {
    const unwatched: string[] = [];
    const list = repo.listWatch.bind(repo);
    repo.listWatch = async (p, q) => (p === partition ? ids.map((requestId) => ({ requestId, at: '2026-03-02T09:00:00.000Z' })) : list(p, q));
    Object.assign(repo, { unwatchRequest: async (id: string) => void unwatched.push(id) });
    return unwatched;
  }

  it('takes out of the closed partition a request that owes nothing any more, and one whose record is gone', async () => {
    const repo = new FakeRepo();
    repo.requests.set(REQUEST_ID, storedRequest({ status: 'denied', dueDate: '2026-04-01' }));
    const unwatched = indexed(repo, WATCH.closed, [REQUEST_ID, OTHER]);
    await sweep(new Date('2026-03-02T10:05:00.000Z'), deps(repo));
    expect(unwatched).toEqual([REQUEST_ID, OTHER]);
  });

  it('keeps in the closed partition a request whose execution’s stop failed, for the next sweep', async () => {
    const repo = new FakeRepo();
    repo.requests.set(REQUEST_ID, storedRequest({ status: 'denied', dueDate: '2026-04-01', outboxStop: { at: '2026-03-02T09:00:00.000Z' } }));
    const unwatched = indexed(repo, WATCH.closed, [REQUEST_ID]);
    const d = deps(repo) as unknown as { workflow: Record<string, unknown> };
    d.workflow.stop = async () => {
      throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    };
    const report = await sweep(new Date('2026-03-02T10:05:00.000Z'), d as never);
    expect(report.failed).toContain(`stop:${REQUEST_ID}`);
    expect(unwatched).toEqual([]);
    expect(repo.requests.get(REQUEST_ID)?.outboxStop).toBeDefined();
  });

  it('takes out of the request partition an entry whose record is gone', async () => {
    const repo = new FakeRepo();
    const unwatched = indexed(repo, WATCH.request, [OTHER]);
    await sweep(new Date('2026-03-02T10:05:00.000Z'), deps(repo));
    expect(unwatched).toEqual([OTHER]);
  });
});
