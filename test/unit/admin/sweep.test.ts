import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AuditInput } from '../../../functions/core/audit.ts';
import { chain } from '../../../functions/core/audit.ts';
import type { StoredComplaint } from '../../../functions/core/complaints.ts';
import type { Delivery } from '../../../functions/core/outbox.ts';
import type { StoredRequest, StoredTask } from '../../../functions/core/ports.ts';
import { bump, FakeBlobs, FakeMailer, FakeRepo, FakeWorkflow, IndexedRepo, processor, REQUEST_ID, resolvedTask, storedRequest } from '../processors/fakes.ts';

vi.mock('../../../functions/adapters/registry.ts', () => ({ registry: { version: 1, processors: [{ id: 'paynow', timeoutSeconds: 3600 }] } }));
const { PER_RUN, sweep } = await import('../../../functions/sweeper/sweep.ts');
const { metrics } = await import('../../../functions/shared/metrics.ts');
const { ConcurrentUpdate, InvalidInput } = await import('../../../functions/core/errors.ts');
const { WATCH } = await import('../../../functions/adapters/table.ts');

// Friday 20 March 2026, 10:00 in London.
const NOW = new Date('2026-03-20T10:00:00.000Z');
const CONSOLE = `http://localhost/console.html#/requests/${REQUEST_ID}`;

function setup(over: Partial<StoredRequest> = {}, executions: Record<string, string | undefined> = { [REQUEST_ID]: 'RUNNING' }) {
  const repo = new FakeRepo();
  repo.requests.set(REQUEST_ID, storedRequest({ status: 'in_progress', dueDate: '2026-04-20', ...over }));
  const mailer = new FakeMailer();
  const workflow = {
    start: async () => 'arn',
    describe: async (id: string) => (executions[id] ? { status: executions[id] } : undefined),
    // Step Functions' list of the executions that ended without succeeding.
    unsuccessful: async () => Object.entries(executions).flatMap(([requestId, status]) => (status && ['FAILED', 'ABORTED', 'TIMED_OUT'].includes(status) ? [{ requestId, status }] : [])),
  };
  return { repo, mailer, deps: { repo, mailer, workflow, tokens: {}, baseUrl: 'http://x', linksPerHour: 5, processors: [], blobs: new FakeBlobs() } as never };
}
const last = (repo: FakeRepo) => repo.requests.get(REQUEST_ID)?.audit.at(-1);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('deadline reminders to the compliance team', () => {
  it('warns a week before the deadline, once, with a link to the request in the console', async () => {
    const { repo, mailer, deps } = setup({ dueDate: '2026-03-27' });
    const report = await sweep(NOW, deps);
    expect(report.reminders).toEqual([`${REQUEST_ID}:reminder-7`]);
    expect(report.overdue).toEqual([]);
    expect(last(repo)).toMatchObject({ at: NOW.toISOString(), actor: 'sweeper', action: 'reminder-7', subject: REQUEST_ID, data: { dueDate: '2026-03-27', daysLeft: 7 } });
    expect(repo.requests.get(REQUEST_ID)).toMatchObject({ flags: ['reminder-7'] });
    expect(mailer.sent).toEqual([{ to: 'compliance@offtek.example', kind: 'compliance', subject: `Due in 7 days: request ${REQUEST_ID}`, text: `Request ${REQUEST_ID} (erasure) is due 2026-03-27.\n${CONSOLE}` }]);
    expect((await sweep(NOW, deps)).reminders).toEqual([]);
    expect(mailer.sent).toHaveLength(1);
  });

  it('says nothing eight days before', async () => {
    const { repo, mailer, deps } = setup({ dueDate: '2026-03-28' });
    expect((await sweep(NOW, deps)).reminders).toEqual([]);
    expect(repo.requests.get(REQUEST_ID)?.audit).toEqual([]);
    expect(mailer.sent).toEqual([]);
  });

  it('warns again two days before, after the 7-day reminder', async () => {
    const { repo, mailer, deps } = setup({ dueDate: '2026-03-22', flags: ['reminder-7'] } as Partial<StoredRequest>);
    expect((await sweep(NOW, deps)).reminders).toEqual([`${REQUEST_ID}:reminder-2`]);
    expect(repo.requests.get(REQUEST_ID)).toMatchObject({ flags: ['reminder-7', 'reminder-2'] });
    expect(mailer.sent.map((m) => m.subject)).toEqual([`Due in 2 days: request ${REQUEST_ID}`]);
    expect((await sweep(NOW, deps)).reminders).toEqual([]);
  });

  it('sends a deadline first seen 2 days or less away its 2-day reminder only, never a 7-day one beside it', async () => {
    const { repo, mailer, deps } = setup({ dueDate: '2026-03-21' });
    expect((await sweep(NOW, deps)).reminders).toEqual([`${REQUEST_ID}:reminder-2`]);
    expect((await sweep(NOW, deps)).reminders).toEqual([]);
    expect(repo.requests.get(REQUEST_ID)).toMatchObject({ flags: ['reminder-2'] });
    expect(mailer.sent.map((m) => m.subject)).toEqual([`Due in 1 day: request ${REQUEST_ID}`]);
  });

  it('counts from the extended deadline', async () => {
    const { deps } = setup({ dueDate: '2026-03-21', extended: { at: '2026-03-01T00:00:00.000Z', reason: 'complex', dueDate: '2026-06-01' } });
    expect(await sweep(NOW, deps)).toMatchObject({ reminders: [], overdue: [] });
  });

  it('flags an overdue request once, and lists it as overdue at every sweep', async () => {
    const { repo, mailer, deps } = setup({ dueDate: '2026-03-19' });
    const report = await sweep(NOW, deps);
    expect(report.overdue).toEqual([REQUEST_ID]);
    expect(report.reminders).toEqual([`${REQUEST_ID}:overdue`]);
    expect(last(repo)).toMatchObject({ action: 'overdue', data: { dueDate: '2026-03-19', daysLeft: -1 } });
    expect(mailer.sent.map((m) => m.subject)).toEqual([`OVERDUE: request ${REQUEST_ID} was due 2026-03-19`]);
    expect(await sweep(NOW, deps)).toMatchObject({ overdue: [REQUEST_ID], reminders: [] });
    expect(mailer.sent).toHaveLength(1);
  });

  it('is due today with zero days left, a reminder and not overdue', async () => {
    const { deps } = setup({ dueDate: '2026-03-20' });
    expect(await sweep(NOW, deps)).toMatchObject({ overdue: [], reminders: [`${REQUEST_ID}:reminder-2`] });
  });

  it('tells the team a request due today is due today, not that it is overdue', async () => {
    const { mailer, deps } = setup({ dueDate: '2026-03-20' });
    await sweep(NOW, deps);
    expect(mailer.sent.map((m) => m.subject)).toEqual([`Due today: request ${REQUEST_ID}`]);
  });

  it('looks at open requests only: under review, verified, in progress and awaiting a human', async () => {
    const repo = new FakeRepo();
    const statuses = ['unverified', 'awaiting_review', 'verified', 'in_progress', 'awaiting_manual', 'completed', 'denied'] as const;
    statuses.forEach((status, i) => {
      const id = `01JQ${String(i).padStart(22, '0')}`;
      repo.requests.set(id, storedRequest({ id, status, dueDate: '2026-03-19' }));
    });
    const workflow = { start: async () => 'arn', describe: async () => ({ status: 'RUNNING' }), unsuccessful: async () => [] };
    const report = await sweep(NOW, { repo, mailer: new FakeMailer(), workflow, tokens: {}, baseUrl: 'http://x', linksPerHour: 5, processors: [], blobs: new FakeBlobs() } as never);
    expect(report.overdue.map((id) => statuses[Number(id.slice(4))])).toEqual(['awaiting_review', 'verified', 'in_progress', 'awaiting_manual']);
  });

  it('reports the counts as metrics', async () => {
    const add = vi.spyOn(metrics, 'addMetric');
    const { deps } = setup({ dueDate: '2026-03-19' });
    await sweep(NOW, deps);
    expect(add).toHaveBeenCalledWith('OverdueRequests', 'Count', 1);
    expect(add).toHaveBeenCalledWith('TasksTimedOut', 'Count', 0);
  });
});

describe('a request that moves while the sweeper looks at it', () => {
  it('is left for the next sweep, and the others are still swept', async () => {
    const { repo, deps } = setup({ dueDate: '2026-03-19' });
    const other = '01JQ0000000000000000000009';
    repo.requests.set(other, storedRequest({ id: other, status: 'in_progress', dueDate: '2026-03-19' }));
    repo.beforeRequestWrite = (r) => {
      const cur = r.requests.get(REQUEST_ID) as StoredRequest;
      r.requests.set(REQUEST_ID, { ...cur, version: cur.version + 1 });
    };
    const report = await sweep(NOW, deps);
    expect(report.overdue.sort()).toEqual([REQUEST_ID, other]);
    expect(report.reminders).toEqual([`${other}:overdue`]);
  });

  it('does not swallow any other error', async () => {
    const { repo, deps } = setup({ dueDate: '2026-03-19' });
    repo.transitionRequest = async () => {
      throw new Error('table gone');
    };
    await expect(sweep(NOW, deps)).rejects.toThrow('table gone');
  });
});

describe('a task past its timeout that nobody waits on', () => {
  const task = (over: Partial<StoredTask>): StoredTask =>
    ({
      taskId: `${REQUEST_ID}.paynow`, requestId: REQUEST_ID, processorId: 'paynow', category: 'payments', action: 'erase', status: 'sent', version: 2, attempts: 1, holds: [], audit: [], sentAt: '2026-03-20T08:59:59.000Z',
      ...over,
    }) as StoredTask;

  it('is escalated as timed out, on its audit trail', async () => {
    for (const status of ['sent', 'in_progress'] as const) {
      const { repo, deps } = setup();
      repo.tasks.set(`${REQUEST_ID}.paynow`, task({ status }));
      expect((await sweep(NOW, deps)).escalatedTasks).toEqual([`${REQUEST_ID}.paynow`]);
      const t = repo.tasks.get(`${REQUEST_ID}.paynow`);
      expect(t).toMatchObject({ status: 'timed_out', finishedAt: NOW.toISOString(), outcome: { request_status: 'timed_out', reason: 'sweeper: past timeout' } });
      expect(t?.audit.at(-1)).toMatchObject({ at: NOW.toISOString(), actor: 'sweeper', action: 'time_out', subject: `${REQUEST_ID}.paynow`, from: status, to: 'timed_out' });
    }
  });

  it('puts its request in progress back to wait for an officer, on its trail, and leaves one already waiting as it is', async () => {
    const { repo, deps } = setup();
    repo.tasks.set(`${REQUEST_ID}.paynow`, task({}));
    await sweep(NOW, deps);
    expect(repo.requests.get(REQUEST_ID)?.status).toBe('awaiting_manual');
    expect(repo.requests.get(REQUEST_ID)?.audit.at(-1)).toMatchObject({ at: NOW.toISOString(), actor: 'sweeper', action: 'escalate', from: 'in_progress', to: 'awaiting_manual', data: { task: `${REQUEST_ID}.paynow`, reason: 'sweeper: past timeout' } });

    const waiting = setup({ status: 'awaiting_manual' });
    waiting.repo.tasks.set(`${REQUEST_ID}.paynow`, task({}));
    const before = waiting.repo.requests.get(REQUEST_ID)?.audit.length;
    await sweep(NOW, waiting.deps);
    expect(waiting.repo.requests.get(REQUEST_ID)).toMatchObject({ status: 'awaiting_manual', audit: { length: before } });
  });

  it('is left alone up to its timeout, once settled, unsent, or of a processor no longer in the registry', async () => {
    const cases: Partial<StoredTask>[] = [
      { sentAt: '2026-03-20T09:00:00.000Z' },
      { status: 'completed' },
      { status: 'pending', sentAt: undefined },
      { sentAt: undefined },
      { processorId: 'gone', taskId: `${REQUEST_ID}.gone` },
    ];
    for (const over of cases) {
      const { repo, deps } = setup();
      // Stored under its own id, as the table keys it: the task of a removed processor is looked at too.
      const t = task(over);
      repo.tasks.set(t.taskId, t);
      expect((await sweep(NOW, deps)).escalatedTasks, JSON.stringify(over)).toEqual([]);
      expect(repo.tasks.get(t.taskId)?.status, JSON.stringify(over)).toBe(t.status);
    }
  });

  it('is left alone once settled, however long ago it was sent', async () => {
    for (const status of ['completed', 'not_found', 'failed', 'timed_out'] as const) {
      const { repo, deps } = setup();
      repo.tasks.set(`${REQUEST_ID}.paynow`, task({ status, sentAt: '2026-03-01T08:00:00.000Z' }));
      expect((await sweep(NOW, deps)).escalatedTasks, status).toEqual([]);
    }
  });

  it('is left alone when the index lags its table: answered, sent again, or not yet past its timeout by the time it is read', async () => {
    // paynow's timeout is an hour: the index lists the task as sent at 08:00, the table holds what happened since.
    const since: Partial<StoredTask>[] = [{ status: 'completed' }, { sentAt: '2026-03-20T09:30:00.000Z' }, { sentAt: '2026-03-20T09:00:00.000Z' }, { sentAt: undefined }];
    for (const over of since) {
      const { repo, deps } = setup();
      repo.tasks.set(`${REQUEST_ID}.paynow`, task(over));
      repo.listWatch = async (partition: string) => (partition === WATCH.open('paynow') ? [{ requestId: REQUEST_ID, processorId: 'paynow', at: '2026-03-20T08:00:00.000Z', sentAt: '2026-03-20T08:00:00.000Z' }] : []);
      expect((await sweep(NOW, deps)).escalatedTasks, JSON.stringify(over)).toEqual([]);
      expect(repo.requests.get(REQUEST_ID)?.status, JSON.stringify(over)).toBe('in_progress');
    }
    const { repo, deps } = setup();
    repo.listWatch = async (partition: string) => (partition === WATCH.open('paynow') ? [{ requestId: REQUEST_ID, processorId: 'paynow', at: '2026-03-20T08:00:00.000Z' }] : []);
    expect((await sweep(NOW, deps)).escalatedTasks, 'a task gone from the table').toEqual([]);
  });

  it('spends its share of escalations on tasks past their timeout only, however many were sent since', async () => {
    const { repo, deps } = setup();
    for (let n = 0; n < PER_RUN.escalations; n++) {
      const rid = `01JR${String(n).padStart(22, '0')}`;
      repo.tasks.set(`${rid}.paynow`, task({ taskId: `${rid}.paynow`, requestId: rid, sentAt: '2026-03-20T09:30:00.000Z' }));
    }
    repo.tasks.set(`${REQUEST_ID}.paynow`, task({}));
    const report = await sweep(NOW, deps);
    expect(report.escalatedTasks).toEqual([`${REQUEST_ID}.paynow`]);
    expect(report.left.escalations).toBe(0);
  });

  it('still escalates the other stuck tasks when a callback wins the race for one', async () => {
    const { repo, deps } = setup();
    const other = '01JQ0000000000000000000009';
    repo.requests.set(other, storedRequest({ id: other, status: 'in_progress', dueDate: '2026-04-20' }));
    repo.tasks.set(`${REQUEST_ID}.paynow`, task({ sentAt: '2026-03-20T08:00:00.000Z' }));
    repo.tasks.set(`${other}.paynow`, task({ taskId: `${other}.paynow`, requestId: other }));
    repo.loseNextTaskWrite = true;
    expect((await sweep(NOW, deps)).escalatedTasks).toEqual([`${other}.paynow`]);
  });

  it('is left to a callback that lands at the same moment', async () => {
    const { repo, deps } = setup();
    repo.tasks.set(`${REQUEST_ID}.paynow`, task({}));
    repo.loseNextTaskWrite = true;
    expect((await sweep(NOW, deps)).escalatedTasks).toEqual([]);
  });

  it('puts the request back in progress when the callback lands between its two writes, so nothing shows it waiting for an officer', async () => {
    const { repo, deps } = setup();
    repo.tasks.set(`${REQUEST_ID}.paynow`, task({}));
    // The request is escalated first; the processor's answer then wins the task.
    repo.beforeTaskWrite = (r) => bump(r.tasks, `${REQUEST_ID}.paynow`, { status: 'completed', outcome: { request_status: 'completed' } });
    expect((await sweep(NOW, deps)).escalatedTasks).toEqual([]);
    expect(repo.requests.get(REQUEST_ID)?.status).toBe('in_progress');
    expect(repo.requests.get(REQUEST_ID)?.audit.map((e) => e.action)).toEqual(['escalate', 'unblock']);
  });

  it('counts in the TasksTimedOut metric', async () => {
    const add = vi.spyOn(metrics, 'addMetric');
    const { repo, deps } = setup();
    repo.tasks.set(`${REQUEST_ID}.paynow`, task({}));
    await sweep(NOW, deps);
    expect(add).toHaveBeenCalledWith('TasksTimedOut', 'Count', 1);
  });

  it('passes on any other error', async () => {
    const { repo, deps } = setup();
    repo.tasks.set(`${REQUEST_ID}.paynow`, task({}));
    repo.transitionTask = async () => {
      throw new Error('table gone');
    };
    await expect(sweep(NOW, deps)).rejects.toThrow('table gone');
  });
});

describe('a lost execution', () => {
  it('is flagged once and the team told, when the workflow failed, was aborted or timed out', async () => {
    for (const status of ['FAILED', 'ABORTED', 'TIMED_OUT']) {
      const { repo, mailer, deps } = setup({}, { [REQUEST_ID]: status });
      expect((await sweep(NOW, deps)).lostExecutions).toEqual([REQUEST_ID]);
      expect(last(repo)).toMatchObject({ actor: 'sweeper', action: 'execution-lost', subject: REQUEST_ID, data: { execution: status } });
      expect(mailer.sent).toEqual([
        { to: 'compliance@offtek.example', kind: 'compliance', subject: `Request ${REQUEST_ID}: its workflow ${status.toLowerCase()}`, text: `Request ${REQUEST_ID} is in_progress but its execution is ${status}. Check it in the console.` },
      ]);
      expect((await sweep(NOW, deps)).lostExecutions).toEqual([REQUEST_ID]);
      expect(mailer.sent).toHaveLength(1);
    }
  });

  it('is flagged as missing when a request past verification has none', async () => {
    const { repo, mailer, deps } = setup({}, {});
    expect((await sweep(NOW, deps)).lostExecutions).toEqual([REQUEST_ID]);
    expect(last(repo)).toMatchObject({ action: 'execution-lost', data: { execution: 'missing' } });
    expect(mailer.sent.map((m) => [m.subject, m.text])).toEqual([[`Request ${REQUEST_ID}: its workflow is missing`, `Request ${REQUEST_ID} is in_progress but its execution is missing. Check it in the console.`]]);
  });

  it('is not lost while running or succeeded, nor for a verified request whose execution the outbox pass starts', async () => {
    for (const status of ['RUNNING', 'SUCCEEDED']) {
      const { deps } = setup({}, { [REQUEST_ID]: status });
      expect((await sweep(NOW, deps)).lostExecutions).toEqual([]);
    }
    const { deps } = setup({ status: 'verified' }, {});
    expect((await sweep(NOW, deps)).lostExecutions).toEqual([]);
  });

  it('keeps the deadline flags it already has', async () => {
    const { repo, deps } = setup({ dueDate: '2026-03-19' }, { [REQUEST_ID]: 'FAILED' });
    await sweep(NOW, deps);
    expect(repo.requests.get(REQUEST_ID)).toMatchObject({ flags: ['overdue', 'execution-lost'] });
  });
});

describe('a reminder that cannot be mailed', () => {
  it('is marked on its request and the sweep goes on', async () => {
    const { repo, mailer, deps } = setup({ dueDate: '2026-03-19' });
    mailer.send = async () => {
      throw Object.assign(new Error('throttled'), { name: 'TooManyRequestsException' });
    };
    const report = await sweep(NOW, deps);
    expect(report.overdue).toEqual([REQUEST_ID]);
    expect(repo.requests.get(REQUEST_ID)?.mailFailed).toEqual({ kind: 'reminder', at: NOW.toISOString(), error: 'TooManyRequestsException' });
  });

  it('stays owed, and goes at the next sweep once SES takes it, which clears the mark', async () => {
    const { repo, mailer, deps } = setup({ dueDate: '2026-03-19' });
    mailer.send = async () => {
      throw Object.assign(new Error('throttled'), { name: 'TooManyRequestsException' });
    };
    await sweep(NOW, deps);
    mailer.send = FakeMailer.prototype.send.bind(mailer);
    const next = await sweep(new Date(NOW.getTime() + 15 * 60_000), deps);
    expect(next).toMatchObject({ reminders: [], alertsSent: [`${REQUEST_ID}:overdue`] });
    expect(mailer.sent.map((m) => m.subject)).toEqual([`OVERDUE: request ${REQUEST_ID} was due 2026-03-19`]);
    expect(repo.requests.get(REQUEST_ID)?.mailFailed).toBeUndefined();
  });
});

describe('a reminder that cannot be mailed, or whose delivery fails otherwise', () => {
  it('is not listed among the alerts sent while SES refuses it', async () => {
    const { mailer, deps } = setup({ dueDate: '2026-03-19' });
    mailer.send = async () => {
      throw Object.assign(new Error('throttled'), { name: 'TooManyRequestsException' });
    };
    await sweep(NOW, deps);
    const next = await sweep(new Date(NOW.getTime() + 15 * 60_000), deps);
    expect(next.alertsSent).toEqual([]);
  });

  it('is reported failed under its request when the error is not the mail’s, not marked as a mail failure, and stays owed', async () => {
    const { repo, deps } = setup({ dueDate: '2026-03-19' });
    repo.clearDelivery = async () => {
      throw new Error('table gone');
    };
    const report = await sweep(NOW, deps);
    expect(report.failed).toContain(`alert:${REQUEST_ID}`);
    expect(report.failed.every((f) => f === `alert:${REQUEST_ID}`)).toBe(true);
    expect(repo.requests.get(REQUEST_ID)?.mailFailed).toBeUndefined();
    expect(repo.requests.get(REQUEST_ID)?.outboxAlert).toMatchObject({ alert: 'overdue' });
  });
});

describe('the team’s alert of a sweep that died between raising its flag and mailing it', () => {
  const LATER = new Date(NOW.getTime() + 15 * 60_000);
  /**
   * The sweep's process dies right after its first write to a request (its 120 s ran out, its sandbox
   * crashed): the flag is recorded, and nothing after that write runs.
   */
  function diesAfterTheFlag(repo: FakeRepo) {
    const write = repo.transitionRequest.bind(repo);
    repo.transitionRequest = async (...args) => {
      await write(...args);
      repo.transitionRequest = write;
      throw Object.assign(new Error('the process died'), { name: 'Runtime.ExitError' });
    };
  }
  const cases = [
    { what: 'a reminder', over: { dueDate: '2026-03-27' }, executions: { [REQUEST_ID]: 'RUNNING' }, flag: 'reminder-7', subject: `Due in 7 days: request ${REQUEST_ID}` },
    { what: 'an overdue flag', over: { dueDate: '2026-03-19' }, executions: { [REQUEST_ID]: 'RUNNING' }, flag: 'overdue', subject: `OVERDUE: request ${REQUEST_ID} was due 2026-03-19` },
    { what: 'a failed execution', over: {}, executions: { [REQUEST_ID]: 'FAILED' }, flag: 'execution-lost', subject: `Request ${REQUEST_ID}: its workflow failed` },
    { what: 'a missing execution', over: {}, executions: {}, flag: 'execution-lost', subject: `Request ${REQUEST_ID}: its workflow is missing` },
  ];

  for (const c of cases) {
    it(`is mailed by the next sweep, once, for ${c.what}`, async () => {
      const { repo, mailer, deps } = setup(c.over, c.executions);
      diesAfterTheFlag(repo);
      await expect(sweep(NOW, deps)).rejects.toThrow('the process died');
      expect(repo.requests.get(REQUEST_ID)).toMatchObject({ flags: [c.flag] });
      expect(mailer.sent).toEqual([]);
      const next = await sweep(LATER, deps);
      expect(mailer.sent.map((m) => [m.to, m.subject])).toEqual([['compliance@offtek.example', c.subject]]);
      expect(next.alertsSent).toEqual([`${REQUEST_ID}:${c.flag}`]);
      await sweep(new Date(LATER.getTime() + 15 * 60_000), deps);
      expect(mailer.sent).toHaveLength(1);
      expect(repo.requests.get(REQUEST_ID)?.audit.map((e) => e.action)).toEqual([c.flag]);
    });
  }

  it('says what the first sweep would have said, from the day the flag was raised', async () => {
    const { repo, mailer, deps } = setup({ dueDate: '2026-03-27' });
    diesAfterTheFlag(repo);
    await expect(sweep(NOW, deps)).rejects.toThrow('the process died');
    // The next run is a day later: the alert is the one raised, a week before.
    await sweep(new Date(NOW.getTime() + 86_400_000), deps);
    expect(mailer.sent).toEqual([{ to: 'compliance@offtek.example', kind: 'compliance', subject: `Due in 7 days: request ${REQUEST_ID}`, text: `Request ${REQUEST_ID} (erasure) is due 2026-03-27.\n${CONSOLE}` }]);
  });

  it('is dropped unsent once its request is closed', async () => {
    const { repo, mailer, deps } = setup({ dueDate: '2026-03-19' });
    diesAfterTheFlag(repo);
    await expect(sweep(NOW, deps)).rejects.toThrow('the process died');
    // The request completes before the next sweep.
    const owing = repo.requests.get(REQUEST_ID) as StoredRequest;
    await repo.transitionRequest(owing, 'completed', { closedAt: NOW.toISOString() }, { at: NOW.toISOString(), actor: 'workflow', action: 'complete', subject: REQUEST_ID });
    expect((await sweep(LATER, deps)).alertsSent).toEqual([]);
    expect(mailer.sent).toEqual([]);
    expect(repo.requests.get(REQUEST_ID)?.outboxAlert).toBeUndefined();
  });
});

describe('the team’s email that a request waits for an officer', () => {
  it('left owed when DynamoDB refuses its claim, is reported failed for the next sweep, and the sweep goes on', async () => {
    const { repo, mailer, deps } = setup({ status: 'awaiting_review', dueDate: '2026-03-19', outboxTeam: { seq: 3, until: '2026-03-20T09:00:00.000Z', owner: 'workflow', waiting: 'correction' } });
    repo.claimDelivery = async () => {
      throw Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' });
    };
    const report = await sweep(NOW, deps);
    expect(report).toMatchObject({ teamEmailsSent: [], failed: [`team:${REQUEST_ID}`], overdue: [REQUEST_ID], reminders: [`${REQUEST_ID}:overdue`] });
    expect(mailer.sent.map((m) => m.subject)).toEqual([`OVERDUE: request ${REQUEST_ID} was due 2026-03-19`]);
    expect(repo.requests.get(REQUEST_ID)?.outboxTeam).toMatchObject({ seq: 3 });
  });
});

describe('a token an officer’s action still owes the waiting workflow state', () => {
  const resolved = (over: Partial<StoredTask> = {}) =>
    resolvedTask({ outcome: { request_status: 'resolved', note: 'Erased by phone', reason: 'completed' }, outboxToken: { at: '2026-03-20T09:00:00.000Z' }, ...over });
  function withWorkflow(over: Partial<StoredRequest>, task?: StoredTask) {
    const s = setup({ status: 'awaiting_manual', ...over });
    if (task) s.repo.tasks.set(task.taskId, task);
    const workflow = Object.assign(new FakeWorkflow(), { describe: async () => ({ status: 'RUNNING' }) });
    return { ...s, workflow, deps: { ...(s.deps as object), workflow } as never };
  }

  it('sends a resolved task’s token its officer’s action died before sending, with the resolution but not the officer’s note, and clears the mark', async () => {
    const { repo, workflow, deps } = withWorkflow({}, resolved());
    const report = await sweep(NOW, deps);
    expect(report.tokensSent).toEqual([`${REQUEST_ID}.paynow`]);
    expect(workflow.calls).toEqual([{ op: 'success', token: 'tok-escalation', output: { request_status: 'resolved', reason: 'completed' } }]);
    expect(repo.tasks.get(`${REQUEST_ID}.paynow`)?.outboxToken).toBeUndefined();
    expect((await sweep(NOW, deps)).tokensSent).toEqual([]);
    expect(workflow.calls).toHaveLength(1);
  });

  it('puts the request back in progress first, as the officer’s action would have, when no task of it is escalated any more', async () => {
    const { repo, deps } = withWorkflow({}, resolved());
    await sweep(NOW, deps);
    expect(repo.requests.get(REQUEST_ID)?.status).toBe('in_progress');
    expect(repo.requests.get(REQUEST_ID)?.audit.at(-1)).toMatchObject({ at: NOW.toISOString(), actor: 'sweeper', action: 'unblock', from: 'awaiting_manual', to: 'in_progress' });
    // Another task still escalated: the request keeps waiting for an officer.
    const other = withWorkflow({}, resolved());
    other.repo.tasks.set(`${REQUEST_ID}.parcelway`, resolved({ taskId: `${REQUEST_ID}.parcelway`, processorId: 'parcelway', status: 'timed_out', outboxToken: undefined }));
    await sweep(NOW, other.deps);
    expect(other.repo.requests.get(REQUEST_ID)?.status).toBe('awaiting_manual');
  });

  it('keeps the request waiting for a person while a manual processor’s task is still out, and sends the token all the same', async () => {
    const { repo, workflow, deps } = withWorkflow({}, resolved());
    const manual = { id: 'ledger-firm', name: 'Ledger & Co', mode: 'manual' };
    repo.tasks.set(`${REQUEST_ID}.ledger-firm`, resolved({ taskId: `${REQUEST_ID}.ledger-firm`, processorId: 'ledger-firm', category: 'collections', status: 'sent', outboxToken: undefined }));
    const report = await sweep(NOW, { ...(deps as object), processors: [{ id: 'paynow', name: 'PayNow', mode: 'automated' }, manual] } as never);
    expect(report.tokensSent).toEqual([`${REQUEST_ID}.paynow`]);
    expect(workflow.calls.map((c) => c.token)).toEqual(['tok-escalation']);
    expect(repo.requests.get(REQUEST_ID)?.status).toBe('awaiting_manual');
    expect(repo.requests.get(REQUEST_ID)?.audit.map((e) => e.action)).not.toContain('unblock');
  });

  it('counts a token nothing waits on any more (answered already, or its state timed out) as delivered, and clears the mark', async () => {
    const { repo, workflow, deps } = withWorkflow({}, resolved());
    workflow.dead.add('tok-escalation');
    expect((await sweep(NOW, deps)).tokensSent).toEqual([]);
    expect(repo.tasks.get(`${REQUEST_ID}.paynow`)?.outboxToken).toBeUndefined();
  });

  it('leaves a copy held for release waiting for its officer when the action that sent the token died before clearing its mark', async () => {
    // The state took the token, the workflow went on, and Notify held the copy (Art. 15(4)): only the mark was left.
    const exportRelease = { flaggedBy: ['paynow'], since: '2026-03-20T09:05:00.000Z' };
    const { repo, workflow, deps } = withWorkflow({ type: 'access', exportKey: `exports/${REQUEST_ID}.zip`, exportRelease }, resolved());
    workflow.dead.add('tok-escalation');
    await sweep(NOW, deps);
    expect(repo.requests.get(REQUEST_ID)?.status).toBe('awaiting_manual');
    expect(repo.requests.get(REQUEST_ID)?.audit.map((e) => e.action)).not.toContain('unblock');
    expect(repo.tasks.get(`${REQUEST_ID}.paynow`)?.outboxToken).toBeUndefined();
  });

  it('sends nothing for a resolved task whose token went, and leaves a mark it could not deliver for the next sweep, going on with the sweep', async () => {
    const { repo, workflow, deps } = withWorkflow({ dueDate: '2026-03-19' }, resolved({ outboxToken: undefined }));
    expect((await sweep(NOW, deps)).tokensSent).toEqual([]);
    expect(workflow.calls).toEqual([]);
    repo.tasks.set(`${REQUEST_ID}.paynow`, resolved());
    workflow.taskSuccess = async () => Promise.reject(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));
    const report = await sweep(NOW, deps);
    expect(report).toMatchObject({ tokensSent: [], failed: [`token:${REQUEST_ID}.paynow`], overdue: [REQUEST_ID] });
    expect(repo.tasks.get(`${REQUEST_ID}.paynow`)?.outboxToken).toEqual({ at: '2026-03-20T09:00:00.000Z' });
  });

  it('sends back the token of a retry of the copy that stopped before sending it, and nothing for a copy nobody retried yet', async () => {
    const held = { token: 'tok-assembly', at: '2026-03-20T08:00:00.000Z', error: 'ResultsUnavailable' };
    const waiting = withWorkflow({ type: 'access', assemblyFailed: held });
    expect((await sweep(NOW, waiting.deps)).assemblyRetriesSent).toEqual([]);
    expect(waiting.workflow.calls).toEqual([]);
    const retried = withWorkflow({ type: 'access', assemblyFailed: { ...held, retriedAt: '2026-03-20T09:00:00.000Z', retriedBy: 'officer:o' } });
    expect((await sweep(NOW, retried.deps)).assemblyRetriesSent).toEqual([REQUEST_ID]);
    expect(retried.workflow.calls).toEqual([{ op: 'success', token: 'tok-assembly', output: { retry: true } }]);
    // Sent already (Assemble is running again): Step Functions no longer knows the token, and nothing is reported sent.
    retried.workflow.dead.add('tok-assembly');
    expect((await sweep(NOW, retried.deps)).assemblyRetriesSent).toEqual([]);
  });
});

describe('an officer’s retry whose action died before its webhook went', () => {
  const TASK = `${REQUEST_ID}.paynow`;
  const PAYNOW = processor({ id: 'paynow', category: 'payments', name: 'PayNow' });
  // The retry's write: the task sent again under its retry number, its webhook owed by the officer's action until its lease ends.
  const retried = (until: string, over: Partial<StoredTask> = {}) =>
    resolvedTask({ status: 'sent', retries: 1, attempts: 2, sentAt: '2026-03-20T09:58:00.000Z', token: 'tok-escalation', outcome: undefined, outboxWebhook: { seq: 1, until, owner: 'admin' }, ...over } as Partial<StoredTask>);
  function withRetry(task: StoredTask, answer = 202) {
    const s = setup({ status: 'in_progress' });
    s.repo.tasks.set(task.taskId, task);
    s.repo.pii.set(REQUEST_ID, { email: 'ada@example.com' });
    const posted: { id: string; body: string }[] = [];
    const deps = Object.assign(s.deps as object, {
      processors: [PAYNOW],
      secrets: async () => ['whsec_test'],
      post: async (_url: string, id: string, body: string) => {
        posted.push({ id, body });
        return answer;
      },
    }) as never;
    return { ...s, deps, posted };
  }
  const owedWebhook = (repo: FakeRepo) => (repo.tasks.get(TASK) as StoredTask & { outboxWebhook?: unknown }).outboxWebhook;

  it('is sent by the sweeper once the action’s lease is over, under the retry’s own webhook-id, once, and is owed no more', async () => {
    const { repo, deps, posted } = withRetry(retried('2026-03-20T09:59:00.000Z'));
    const report = await sweep(NOW, deps);
    expect(posted.map((p) => p.id)).toEqual([`${TASK}.retry-1`]);
    expect(JSON.parse(posted[0].body)).toMatchObject({ task_id: TASK });
    expect(report.retriesSent).toEqual([TASK]);
    expect(owedWebhook(repo)).toBeUndefined();
    expect(repo.tasks.get(TASK)).toMatchObject({ status: 'sent', retries: 1 });
    expect((await sweep(NOW, deps)).retriesSent).toEqual([]);
    expect(posted).toHaveLength(1);
  });

  it('is left to the officer’s action while its lease runs', async () => {
    const { repo, deps, posted } = withRetry(retried('2026-03-20T10:00:30.000Z'));
    expect((await sweep(NOW, deps)).retriesSent).toEqual([]);
    expect(posted).toEqual([]);
    expect(owedWebhook(repo)).toMatchObject({ seq: 1, owner: 'admin' });
  });

  it('is not sent once the processor answered it, or acknowledged it: it got there, and is owed no more', async () => {
    for (const status of ['completed', 'in_progress'] as const) {
      const { repo, deps, posted } = withRetry(retried('2026-03-20T09:59:00.000Z', { status }));
      expect((await sweep(NOW, deps)).retriesSent, status).toEqual([]);
      expect(posted, status).toEqual([]);
      expect(owedWebhook(repo), status).toBeUndefined();
    }
  });

  it('is not sent once the request was refused or cancelled and its task marked no longer waited for, and is owed no more', async () => {
    const { repo, deps, posted } = withRetry(retried('2026-03-20T09:59:00.000Z'));
    repo.requests.set(REQUEST_ID, { ...(repo.requests.get(REQUEST_ID) as StoredRequest), status: 'cancelled', closedAt: '2026-03-20T09:59:30.000Z' });
    await repo.unwatchTask(REQUEST_ID, 'paynow');
    expect((await sweep(NOW, deps)).retriesSent).toEqual([]);
    expect(posted).toEqual([]);
    expect(owedWebhook(repo)).toBeUndefined();
    expect(repo.tasks.get(TASK)).toMatchObject({ status: 'sent', retries: 1 });
  });

  it('is not sent once the request was refused or cancelled though its task is not marked yet (the closing action between its two writes, or dead there), and is owed no more', async () => {
    const { repo, deps, posted } = withRetry(retried('2026-03-20T09:59:00.000Z'));
    repo.requests.set(REQUEST_ID, { ...(repo.requests.get(REQUEST_ID) as StoredRequest), status: 'cancelled', closedAt: '2026-03-20T09:59:30.000Z' });
    expect((await sweep(NOW, deps)).retriesSent).toEqual([]);
    expect(posted).toEqual([]);
    expect(owedWebhook(repo)).toBeUndefined();
  });

  it('is not sent when the request is cancelled between the sweeper’s read of the task and its claim', async () => {
    const { repo, deps, posted } = withRetry(retried('2026-03-20T09:59:00.000Z'));
    const claim = repo.claimTaskWebhook.bind(repo);
    repo.claimTaskWebhook = async (...a: Parameters<FakeRepo['claimTaskWebhook']>) => {
      repo.requests.set(REQUEST_ID, { ...(repo.requests.get(REQUEST_ID) as StoredRequest), status: 'cancelled', closedAt: '2026-03-20T09:59:30.000Z' });
      await repo.unwatchTask(REQUEST_ID, 'paynow');
      return claim(...a);
    };
    expect((await sweep(NOW, deps)).retriesSent).toEqual([]);
    expect(posted).toEqual([]);
    expect(owedWebhook(repo)).toBeUndefined();
  });

  it('refused by the processor, leaves the task failed and the request waiting for an officer, and tells the team', async () => {
    const { repo, mailer, deps, posted } = withRetry(retried('2026-03-20T09:59:00.000Z'), 503);
    await sweep(NOW, deps);
    expect(posted).toHaveLength(1);
    expect(repo.tasks.get(TASK)).toMatchObject({ status: 'failed', outcome: { request_status: 'failed', reason: 'DispatchFailed' } });
    expect(owedWebhook(repo)).toBeUndefined();
    expect(repo.tasks.get(TASK)?.audit.map((e) => e.action)).toEqual(['delivery_failed', 'fail']);
    expect(repo.requests.get(REQUEST_ID)).toMatchObject({ status: 'awaiting_manual' });
    expect(mailer.sent.map((m) => m.subject)).toEqual([`Escalated: PayNow failed (request ${REQUEST_ID})`]);
  });
});

describe('a task an officer retried that the sweeper times out', () => {
  const TASK = `${REQUEST_ID}.paynow`;
  const PAYNOW = processor({ id: 'paynow', category: 'payments', name: 'PayNow' });
  const retriedOut = (over: Partial<StoredTask> = {}) =>
    resolvedTask({ status: 'sent', retries: 1, attempts: 2, version: 6, sentAt: '2026-03-20T08:59:59.000Z', token: 'tok-escalation', outcome: undefined, ...over });
  function withTask(task: StoredTask, over: Partial<StoredRequest> = {}) {
    const s = setup({ status: 'in_progress', ...over });
    s.repo.tasks.set(task.taskId, task);
    Object.assign(s.deps as object, { processors: [PAYNOW] });
    return s;
  }
  const escalations = (mailer: FakeMailer) => mailer.sent.filter((m) => m.subject.startsWith('Escalated:'));

  it('tells the team, in the escalation email’s words, once', async () => {
    const { repo, mailer, deps } = withTask(retriedOut());
    expect((await sweep(NOW, deps)).escalatedTasks).toEqual([TASK]);
    expect(escalations(mailer)).toEqual([
      expect.objectContaining({ to: 'compliance@offtek.example', kind: 'compliance', subject: `Escalated: PayNow did not answer in time (request ${REQUEST_ID})`, text: expect.stringContaining('PayNow (payments) did not call back before its time-out.') }),
    ]);
    expect(escalations(mailer)[0].text).toContain(CONSOLE);
    expect((repo.tasks.get(TASK) as StoredTask).outboxTeam).toBeUndefined();
    await sweep(new Date(NOW.getTime() + 3_600_000), deps);
    expect(escalations(mailer)).toHaveLength(1);
  });

  it('tells the team again when a later retry times out again', async () => {
    const { repo, mailer, deps } = withTask(retriedOut());
    await sweep(NOW, deps);
    // The officer retries again, and the processor stays silent.
    bump(repo.tasks, TASK, { status: 'sent', retries: 2, sentAt: '2026-03-20T10:05:00.000Z' });
    await sweep(new Date('2026-03-20T11:10:00.000Z'), deps);
    expect(escalations(mailer)).toHaveLength(2);
  });

  it('mails nothing for a first dispatch timed out: the workflow’s Escalate tells the team', async () => {
    const { mailer, deps } = withTask(retriedOut({ retries: undefined }));
    expect((await sweep(NOW, deps)).escalatedTasks).toEqual([TASK]);
    expect(escalations(mailer)).toEqual([]);
  });

  it('leaves another alert still owed to the team as it is, and mails both', async () => {
    const owed = { seq: 3, until: '2026-03-20T10:02:00.000Z', owner: 'sweeper:other', alert: 'overdue' as const, dueDate: '2026-03-19', daysLeft: -1 };
    const { repo, mailer, deps } = withTask(retriedOut(), { outboxAlert: owed, flags: ['overdue'], dueDate: '2026-03-19' } as Partial<StoredRequest>);
    await sweep(NOW, deps);
    expect(escalations(mailer)).toHaveLength(1);
    expect(repo.requests.get(REQUEST_ID)?.outboxAlert).toMatchObject({ seq: 3, alert: 'overdue' });
    await sweep(new Date('2026-03-20T10:05:00.000Z'), deps);
    expect(mailer.sent.map((m) => m.subject)).toEqual([`Escalated: PayNow did not answer in time (request ${REQUEST_ID})`, `OVERDUE: request ${REQUEST_ID} was due 2026-03-19`]);
  });

  it('marks its request “mail failed” (escalation) when SES refuses it, as Escalate does, stays owed, and goes at the next sweep, which clears the mark', async () => {
    const { repo, mailer, deps } = withTask(retriedOut());
    const send = mailer.send.bind(mailer);
    mailer.send = async () => Promise.reject(Object.assign(new Error('throttled'), { name: 'TooManyRequestsException' }));
    expect((await sweep(NOW, deps)).failed).toEqual([]);
    expect(repo.requests.get(REQUEST_ID)?.mailFailed).toEqual({ kind: 'escalation', at: NOW.toISOString(), error: 'TooManyRequestsException' });
    expect((repo.tasks.get(TASK) as StoredTask).outboxTeam).toBeDefined();
    mailer.send = send;
    await sweep(new Date('2026-03-20T10:15:00.000Z'), deps);
    expect(escalations(mailer)).toHaveLength(1);
    expect((repo.tasks.get(TASK) as StoredTask).outboxTeam).toBeUndefined();
    expect(repo.requests.get(REQUEST_ID)?.mailFailed).toBeUndefined();
  });

  it('is left for the next sweep, in the report’s failed, when DynamoDB refuses a later run’s claim of it', async () => {
    const { repo, mailer, deps } = withTask(retriedOut());
    const send = mailer.send.bind(mailer);
    mailer.send = async () => Promise.reject(Object.assign(new Error('throttled'), { name: 'TooManyRequestsException' }));
    await sweep(NOW, deps);
    mailer.send = send;
    repo.claimTaskTeam = async () => Promise.reject(Object.assign(new Error('down'), { name: 'InternalServerError' }));
    expect((await sweep(new Date('2026-03-20T10:15:00.000Z'), deps)).failed).toEqual([`team:${TASK}`]);
    expect(escalations(mailer)).toEqual([]);
    expect((repo.tasks.get(TASK) as StoredTask).outboxTeam).toBeDefined();
  });
});

describe('a manual processor’s task whose Dispatch died before the team’s email went', () => {
  const TASK = `${REQUEST_ID}.ledger-firm`;
  const owed = (until: string, over: Partial<StoredTask> = {}) =>
    resolvedTask({ taskId: TASK, processorId: 'ledger-firm', category: 'collections', status: 'sent', sentAt: '2026-03-20T09:00:00.000Z', token: 'tok-m', outcome: undefined, outboxTeam: { seq: 3, until, owner: 'workflow' }, ...over });
  function withTask(task: StoredTask, over: Partial<StoredRequest> = {}) {
    const s = setup({ status: 'awaiting_manual', ...over });
    s.repo.tasks.set(task.taskId, task);
    return s;
  }
  const manualMails = (mailer: FakeMailer) => mailer.sent.filter((m) => m.subject.startsWith('Manual task:'));

  it('is mailed to the team once its lease is over, with ids and a link only, and the email is no longer owed', async () => {
    const { repo, mailer, deps } = withTask(owed('2026-03-20T09:01:00.000Z'));
    const report = await sweep(NOW, deps);
    expect(report.teamEmailsSent).toEqual([TASK]);
    expect(manualMails(mailer)).toEqual([
      {
        to: 'compliance@offtek.example',
        kind: 'compliance',
        subject: 'Manual task: erase at ledger-firm',
        text: [`Task ${TASK} needs a person: processor ledger-firm (collections) has no API.`, 'Action: erase.', `Do it in their system, then resolve the task in the console: ${CONSOLE}`].join('\n'),
      },
    ]);
    expect(repo.tasks.get(TASK)?.outboxTeam).toBeUndefined();
    expect((await sweep(NOW, deps)).teamEmailsSent).toEqual([]);
    expect(manualMails(mailer)).toHaveLength(1);
  });

  it('is left to its Dispatch while the lease runs', async () => {
    const { repo, mailer, deps } = withTask(owed('2026-03-20T10:00:30.000Z'));
    expect((await sweep(NOW, deps)).teamEmailsSent).toEqual([]);
    expect(manualMails(mailer)).toEqual([]);
    expect(repo.tasks.get(TASK)?.outboxTeam).toMatchObject({ seq: 3, owner: 'workflow' });
  });

  it('is dropped unsent once an officer resolved the task, or the request was closed', async () => {
    const resolved = withTask(owed('2026-03-20T09:01:00.000Z', { status: 'resolved' }));
    expect((await sweep(NOW, resolved.deps)).teamEmailsSent).toEqual([]);
    expect(resolved.repo.tasks.get(TASK)?.outboxTeam).toBeUndefined();
    const closed = withTask(owed('2026-03-20T09:01:00.000Z'), { status: 'denied' });
    expect((await sweep(NOW, closed.deps)).teamEmailsSent).toEqual([]);
    expect(closed.repo.tasks.get(TASK)?.outboxTeam).toBeUndefined();
    expect([...manualMails(resolved.mailer), ...manualMails(closed.mailer)]).toEqual([]);
  });

  it('is left owed for the next sweep when SES refuses it, its request marked “mail failed”, and the sweep goes on', async () => {
    const { repo, mailer, deps } = withTask(owed('2026-03-20T09:01:00.000Z'), { dueDate: '2026-03-19' });
    mailer.send = async () => Promise.reject(Object.assign(new Error('throttled'), { name: 'TooManyRequestsException' }));
    const mark = vi.spyOn(repo, 'markMailFailed');
    const report = await sweep(NOW, deps);
    // Marked, as an escalation or a request's review email SES refuses: the mark and its alarm say it, not the report's `failed`.
    expect(report).toMatchObject({ teamEmailsSent: [], failed: [], overdue: [REQUEST_ID] });
    // The overdue alert that also fails marks it after.
    expect(mark).toHaveBeenCalledWith(REQUEST_ID, { kind: 'review', at: NOW.toISOString(), error: 'TooManyRequestsException' });
    expect(repo.tasks.get(TASK)?.outboxTeam).toMatchObject({ seq: 3, owner: expect.stringMatching(/^sweeper:/) });
  });
});

describe('a correction an officer logged whose log died before keeping its personal data while it is open', () => {
  const logged = { status: 'awaiting_review', type: 'rectification', dueDate: '2026-04-20', logged: { channel: 'phone', identityCheck: 'account_questions', by: 'officer:olivia' } } as const;

  it('gives that data back the end it is kept to while open (120 days past the deadline), in the rotation, and lists it', async () => {
    const { repo, deps } = setup(logged, {});
    repo.pii.set(REQUEST_ID, { email: 'ada@example.com' });
    // The 7 days of an unconfirmed record, from when the officer logged it.
    repo.piiExpiry.set(REQUEST_ID, new Date('2026-03-26T10:00:00.000Z'));
    expect((await sweep(NOW, deps)).piiRestored).toEqual([REQUEST_ID]);
    expect(repo.piiExpiry.get(REQUEST_ID)).toEqual(new Date('2026-08-18T00:00:00.000Z'));
    expect((await sweep(NOW, deps)).piiRestored, 'once').toEqual([]);
  });

  it('leaves data kept longer (an extension), or with no end, as it is', async () => {
    const { repo, deps } = setup(logged, {});
    repo.pii.set(REQUEST_ID, { email: 'ada@example.com' });
    const later = new Date('2026-10-18T00:00:00.000Z');
    repo.piiExpiry.set(REQUEST_ID, later);
    expect((await sweep(NOW, deps)).piiRestored).toEqual([]);
    expect(repo.piiExpiry.get(REQUEST_ID)).toEqual(later);
    repo.piiExpiry.set(REQUEST_ID, null);
    expect((await sweep(NOW, deps)).piiRestored).toEqual([]);
    expect(repo.piiExpiry.get(REQUEST_ID)).toBeNull();
  });

  it('never lengthens the contact data of a request refused while the rotation’s index still listed it under review: it goes 30 days after the refusal', async () => {
    // Refused an hour ago: its refusal notice gave the contact data its 30 days. The status index lags, and still lists it under review.
    const { repo, deps } = setup({ ...logged, status: 'denied', closedAt: '2026-03-20T09:00:00.000Z' }, {});
    repo.pii.set(REQUEST_ID, { email: 'ada@example.com' });
    const closing = new Date('2026-04-19T09:00:00.000Z');
    repo.piiExpiry.set(REQUEST_ID, closing);
    const stale = { ...(repo.requests.get(REQUEST_ID) as StoredRequest), status: 'awaiting_review' as const, closedAt: undefined };
    vi.spyOn(repo, 'listRequests').mockImplementation(async (q) => ({ items: q.status === 'awaiting_review' ? [structuredClone(stale)] : [] }));
    expect((await sweep(NOW, deps)).piiRestored).toEqual([]);
    expect(repo.piiExpiry.get(REQUEST_ID)).toEqual(closing);
  });
});

describe('a sweep with more to do than one run should', () => {
  const id = (n: number) => `01JR${String(n).padStart(22, '0')}`;
  /** Requests in progress as the status index holds them, in pages; every execution running but those named. */
  function many(count: number, over: (n: number) => Partial<StoredRequest>, executions: Record<string, string | undefined> = {}) {
    const repo = new IndexedRepo();
    for (let n = 0; n < count; n++) repo.requests.set(id(n), storedRequest({ id: id(n), status: 'in_progress', dueDate: '2026-04-20', ...over(n) }));
    const status = (rid: string) => (rid in executions ? executions[rid] : 'RUNNING');
    const workflow = {
      start: async () => 'arn',
      describe: async (rid: string) => (status(rid) ? { status: status(rid) } : undefined),
      unsuccessful: async () => Object.entries(executions).flatMap(([requestId, s]) => (s && s !== 'RUNNING' ? [{ requestId, status: s }] : [])),
    };
    const mailer = new FakeMailer();
    return { repo, mailer, deps: { repo, mailer, workflow, tokens: {}, baseUrl: 'http://x', linksPerHour: 5, processors: [], blobs: new FakeBlobs() } as never };
  }

  it('send at most its share of alerts, say how many it left, and leave them to the next run', async () => {
    const { deps, mailer } = many(PER_RUN.alerts + 30, (n) => ({ dueDate: `2026-03-${String(1 + (n % 18)).padStart(2, '0')}` }));
    const first = await sweep(NOW, deps);
    expect(first.overdue).toHaveLength(PER_RUN.alerts + 30);
    expect(first.reminders).toHaveLength(PER_RUN.alerts);
    expect(first.left).toEqual({ alerts: 30, escalations: 0, remakes: 0 });
    const second = await sweep(NOW, deps);
    expect(second.reminders).toHaveLength(30);
    expect(second.left).toEqual({ alerts: 0, escalations: 0, remakes: 0 });
    expect(new Set([...first.reminders, ...second.reminders]).size).toBe(PER_RUN.alerts + 30);
    expect(mailer.sent).toHaveLength(PER_RUN.alerts + 30);
  });

  it('escalate at most its share of stuck tasks, the longest stuck first, and leave the rest to the next run', async () => {
    const { repo, deps } = many(PER_RUN.escalations + 5, () => ({}));
    for (let n = 0; n < PER_RUN.escalations + 5; n++) {
      const sentAt = new Date(Date.parse('2026-03-01T00:00:00.000Z') + n * 60_000).toISOString();
      repo.tasks.set(`${id(n)}.paynow`, { taskId: `${id(n)}.paynow`, requestId: id(n), processorId: 'paynow', category: 'payments', action: 'erase', status: 'sent', version: 2, attempts: 1, holds: [], audit: [], sentAt } as StoredTask);
    }
    const first = await sweep(NOW, deps);
    expect(first.escalatedTasks).toHaveLength(PER_RUN.escalations);
    expect(first.escalatedTasks[0]).toBe(`${id(0)}.paynow`);
    expect(first.left.escalations).toBe(5);
    expect((await sweep(NOW, deps)).escalatedTasks).toEqual(Array.from({ length: 5 }, (_, i) => `${id(PER_RUN.escalations + i)}.paynow`));
  });

  const ROTATION = { pk: 'SWEEPER', sk: 'ROTATION' };

  it('go round the open requests a share a run, and find at the next run a missing execution the first did not reach', async () => {
    const count = PER_RUN.visits + 50;
    const { repo, deps } = many(count, (n) => ({ dueDate: n < PER_RUN.visits + 30 ? '2026-04-20' : '2026-04-21' }), { [id(PER_RUN.visits + 30)]: undefined });
    const indexed = vi.spyOn(repo, 'indexTasks');
    expect((await sweep(NOW, deps)).lostExecutions).toEqual([]);
    expect(indexed).toHaveBeenCalledTimes(PER_RUN.visits);
    expect(await repo.getItem({ pk: 'SWEEPER', sk: 'ROTATION' })).toMatchObject({ status: 'in_progress', cursor: String(PER_RUN.visits) });
    expect((await sweep(NOW, deps)).lostExecutions).toEqual([id(PER_RUN.visits + 30)]);
    expect(repo.requests.get(id(PER_RUN.visits + 30))).toMatchObject({ flags: ['execution-lost'] });
    // The round is over: the next run starts a new one.
    expect(await repo.getItem({ pk: 'SWEEPER', sk: 'ROTATION' })).toEqual({ pk: 'SWEEPER', sk: 'ROTATION', status: 'awaiting_review', at: NOW.toISOString() });
  });

  it('find in the rotation an execution that failed, was stopped or timed out, even before Step Functions lists it so', async () => {
    for (const status of ['FAILED', 'ABORTED', 'TIMED_OUT']) {
      const { deps } = many(1, () => ({}), { [id(0)]: status });
      (deps as unknown as { workflow: { unsuccessful: () => Promise<unknown[]> } }).workflow.unsuccessful = async () => [];
      expect((await sweep(NOW, deps)).lostExecutions, status).toEqual([id(0)]);
    }
  });

  it('flag a lost execution once: a request already flagged is neither written nor alerted again', async () => {
    const { repo, deps, mailer } = many(1, () => ({ flags: ['execution-lost'] } as Partial<StoredRequest>), { [id(0)]: 'FAILED' });
    expect((await sweep(NOW, deps)).lostExecutions).toEqual([id(0)]);
    expect(repo.requests.get(id(0))?.audit).toEqual([]);
    expect(mailer.sent).toEqual([]);
  });

  it('leave alone a closed request whose execution was stopped or failed', async () => {
    const { repo, deps, mailer } = many(1, () => ({ status: 'completed' }), { [id(0)]: 'ABORTED' });
    expect((await sweep(NOW, deps)).lostExecutions).toEqual([]);
    expect(repo.requests.get(id(0))?.audit).toEqual([]);
    expect(mailer.sent).toEqual([]);
  });

  it('not report a request waiting for review as having lost its workflow, nor ask Step Functions about it: it has none yet, by design', async () => {
    const { deps } = many(2, (n) => ({ status: n === 0 ? 'awaiting_review' : 'in_progress' }), { [id(0)]: undefined, [id(1)]: undefined });
    const described = vi.spyOn((deps as unknown as { workflow: { describe: (id: string) => Promise<unknown> } }).workflow, 'describe');
    expect((await sweep(NOW, deps)).lostExecutions).toEqual([id(1)]);
    expect(described.mock.calls).toEqual([[id(1)]]);
  });

  it('find a missing execution of a request waiting for an officer', async () => {
    const { repo, deps } = many(1, () => ({ status: 'awaiting_manual' }), { [id(0)]: undefined });
    expect((await sweep(NOW, deps)).lostExecutions).toEqual([id(0)]);
    expect(repo.requests.get(id(0))).toMatchObject({ flags: ['execution-lost'] });
  });

  it('not report a lost workflow for a request its record shows answered, or gone, since the index listed it, and go on with the round', async () => {
    const { repo, deps } = many(3, () => ({}), { [id(0)]: undefined, [id(1)]: undefined, [id(2)]: undefined });
    const read = repo.getRequest.bind(repo);
    repo.getRequest = async (rid: string) => {
      const r = await read(rid);
      if (rid === id(1)) return undefined;
      return r && rid === id(0) ? { ...r, status: 'completed' } : r;
    };
    expect((await sweep(NOW, deps)).lostExecutions).toEqual([id(2)]);
  });

  it('go on with the round past a request the workflow moves while the rotation flags it, and not swallow any other error', async () => {
    const { repo, deps } = many(2, () => ({}), { [id(0)]: undefined, [id(1)]: undefined });
    const write = repo.transitionRequest.bind(repo);
    repo.transitionRequest = async (prev, ...rest) => {
      if (prev.id === id(0)) throw new ConcurrentUpdate(`request ${prev.id} changed concurrently`);
      return write(prev, ...rest);
    };
    await sweep(NOW, deps);
    expect(repo.requests.get(id(0))?.audit).toEqual([]);
    expect(repo.requests.get(id(1))?.audit.map((e) => e.action)).toEqual(['execution-lost']);
    repo.transitionRequest = async () => {
      throw new Error('table gone');
    };
    await expect(sweep(NOW, deps)).rejects.toThrow('table gone');
  });

  it('start the round again from a saved place the index no longer takes, and not swallow any other error', async () => {
    const { repo, deps } = many(3, () => ({}));
    await repo.putItem({ pk: 'SWEEPER', sk: 'ROTATION', status: 'in_progress', cursor: 'old-layout', at: NOW.toISOString() });
    const list = repo.listRequests.bind(repo);
    repo.listRequests = async (q) => {
      if (q.cursor === 'old-layout') throw new InvalidInput('invalid query', [{ path: 'cursor', message: 'not a place in this index' }]);
      return list(q);
    };
    await sweep(NOW, deps);
    expect(await repo.getItem(ROTATION)).toEqual({ ...ROTATION, status: 'awaiting_review', at: NOW.toISOString() });
    // In the first status too: the place to start again is then the same status, without the cursor.
    await repo.putItem({ ...ROTATION, status: 'awaiting_review', cursor: 'old-layout', at: '2026-03-20T09:45:00.000Z' });
    await sweep(NOW, deps);
    expect(await repo.getItem(ROTATION)).toEqual({ ...ROTATION, status: 'awaiting_review', at: NOW.toISOString() });
    await repo.putItem({ ...ROTATION, status: 'in_progress', cursor: 'throttled', at: NOW.toISOString() });
    repo.listRequests = async (q) => {
      if (q.cursor === 'throttled') throw new Error('table gone');
      return list(q);
    };
    await expect(sweep(NOW, deps)).rejects.toThrow('table gone');
  });

  it('write nothing of the rotation when a whole round fits in one run (an erasure’s item writes are counted with the sweeps)', async () => {
    const { repo, deps } = many(3, () => ({}));
    const put = vi.spyOn(repo, 'putItem');
    await sweep(NOW, deps);
    await sweep(NOW, deps);
    expect(put).not.toHaveBeenCalled();
    expect(await repo.getItem({ pk: 'SWEEPER', sk: 'ROTATION' })).toBeUndefined();
  });

  it('visit its share of open requests a run across statuses, and go on within a status from where the last run stopped', async () => {
    const { repo, deps } = many(1 + 2 * PER_RUN.visits, (n) => ({ status: n === 0 ? 'awaiting_review' : 'in_progress' }));
    const indexed = vi.spyOn(repo, 'indexTasks');
    const run = async () => {
      indexed.mockClear();
      await sweep(NOW, deps);
      return [indexed.mock.calls.length, await repo.getItem(ROTATION)];
    };
    // The one waiting for review, then the first 199 in progress.
    expect(await run()).toEqual([PER_RUN.visits, { ...ROTATION, status: 'in_progress', cursor: '199', at: NOW.toISOString() }]);
    expect(await run()).toEqual([PER_RUN.visits, { ...ROTATION, status: 'in_progress', cursor: '399', at: NOW.toISOString() }]);
    expect(await run()).toEqual([1, { ...ROTATION, status: 'awaiting_review', at: NOW.toISOString() }]);
  });

  it('go on at the next status after a run that ended at the end of one, and start the next round at the first status', async () => {
    const { repo, deps } = many(PER_RUN.visits + 1, (n) => ({ status: n < PER_RUN.visits ? 'in_progress' : 'awaiting_manual' }));
    const indexed = vi.spyOn(repo, 'indexTasks');
    await sweep(NOW, deps);
    expect(await repo.getItem(ROTATION)).toEqual({ ...ROTATION, status: 'awaiting_manual', at: NOW.toISOString() });
    indexed.mockClear();
    await sweep(NOW, deps);
    expect(indexed.mock.calls).toEqual([[id(PER_RUN.visits)]]);
    expect(await repo.getItem(ROTATION)).toEqual({ ...ROTATION, status: 'awaiting_review', at: NOW.toISOString() });
  });

  it('mail, when the rotation reaches it, the team’s email a request owes from before the watch index listed it', async () => {
    const { repo, deps, mailer } = many(1, () => ({ status: 'awaiting_manual', outboxTeam: { seq: 2, until: '2026-03-20T09:00:00.000Z', owner: 'workflow', waiting: 'held_copy' } }));
    const watch = repo.listWatch.bind(repo);
    repo.listWatch = async (partition, q) => (partition === WATCH.request ? [] : watch(partition, q));
    expect((await sweep(NOW, deps)).teamEmailsSent).toEqual([id(0)]);
    expect(mailer.sent).toHaveLength(1);
    expect(repo.requests.get(id(0))?.outboxTeam).toBeUndefined();
  });

  it('read no export results in the rotation for an erasure: only a copy has any', async () => {
    const { repo, deps } = many(2, (n) => ({ type: n === 0 ? 'erasure' : 'access' }));
    const listed = vi.spyOn(repo, 'listTaskResults');
    await sweep(NOW, deps);
    expect(listed.mock.calls).toEqual([[id(1)]]);
  });

  it('find an execution that failed, was stopped or timed out, wherever the rotation is', async () => {
    const count = PER_RUN.visits + 50;
    const { deps } = many(count, () => ({}), { [id(count - 1)]: 'ABORTED' });
    expect((await sweep(NOW, deps)).lostExecutions).toEqual([id(count - 1)]);
  });

  it('stop the rotation at a lost execution it has no alert left for, and flag it the next run, which starts again at its page and not before', async () => {
    // As many overdue requests as a run has alerts, then one whose execution is missing.
    const { repo, deps } = many(PER_RUN.alerts + 1, (n) => ({ dueDate: n < PER_RUN.alerts ? '2026-03-01' : '2026-04-20' }), { [id(PER_RUN.alerts)]: undefined });
    const indexed = vi.spyOn(repo, 'indexTasks');
    const first = await sweep(NOW, deps);
    expect(first.reminders).toHaveLength(PER_RUN.alerts);
    expect(first.lostExecutions).toEqual([id(PER_RUN.alerts)]);
    expect(first.left.alerts).toBe(1);
    expect(repo.requests.get(id(PER_RUN.alerts))?.audit).toEqual([]);
    indexed.mockClear();
    const second = await sweep(NOW, deps);
    // Its page of the rotation began with it (a page is 25 requests): the 100 before are not visited again.
    expect(indexed.mock.calls).toEqual([[id(PER_RUN.alerts)]]);
    expect(second.lostExecutions).toContain(id(PER_RUN.alerts));
    expect(repo.requests.get(id(PER_RUN.alerts))?.audit.map((e) => e.action)).toEqual(['execution-lost']);
  });

  it('take a stuck task of a refused request out of the watch index, and not escalate it', async () => {
    const { repo, deps } = many(1, () => ({ status: 'denied', closedAt: '2026-03-10T10:00:00.000Z' }));
    repo.tasks.set(`${id(0)}.paynow`, { taskId: `${id(0)}.paynow`, requestId: id(0), processorId: 'paynow', category: 'payments', action: 'erase', status: 'sent', version: 2, attempts: 1, holds: [], audit: [], sentAt: '2026-03-01T00:00:00.000Z' } as StoredTask);
    expect((await sweep(NOW, deps)).escalatedTasks).toEqual([]);
    expect(repo.tasks.get(`${id(0)}.paynow`)?.status).toBe('sent');
    expect(repo.unwatched).toEqual(new Set([`${id(0)}.paynow`]));
  });
});

describe('past the first 500 open requests of a status, the sweeper still', () => {
  const id = (n: number) => `01JS${String(n).padStart(22, '0')}`;
  /** 600 requests waiting for an officer, due before the one under test (the last, by deadline). */
  function crowd(last: Partial<StoredRequest>) {
    const repo = new IndexedRepo();
    for (let n = 0; n < 600; n++) repo.requests.set(id(n), storedRequest({ id: id(n), status: 'awaiting_manual', dueDate: '2026-04-10' }));
    repo.requests.set(id(600), storedRequest({ id: id(600), status: 'awaiting_manual', dueDate: '2026-04-20', ...last }));
    const workflow = Object.assign(new FakeWorkflow(), { describe: async () => ({ status: 'RUNNING' }) });
    return { repo, workflow, deps: { repo, mailer: new FakeMailer(), workflow, tokens: {}, baseUrl: 'http://x', linksPerHour: 5, processors: [], blobs: new FakeBlobs() } as never };
  }

  it('sends the token a resolution still owes', async () => {
    const { repo, workflow, deps } = crowd({});
    repo.tasks.set(`${id(600)}.paynow`, { taskId: `${id(600)}.paynow`, requestId: id(600), processorId: 'paynow', category: 'payments', action: 'erase', status: 'resolved', version: 4, attempts: 1, holds: [], audit: [], token: 'tok-600', outcome: { request_status: 'resolved', reason: 'completed', note: 'done' }, outboxToken: { at: '2026-03-20T09:00:00.000Z' } } as StoredTask);
    expect((await sweep(NOW, deps)).tokensSent).toEqual([`${id(600)}.paynow`]);
    expect(workflow.calls.map((c) => c.token)).toEqual(['tok-600']);
  });

  it('sends back the token of a retry of the copy', async () => {
    const { workflow, deps } = crowd({ type: 'access', assemblyFailed: { token: 'tok-copy', at: '2026-03-20T08:00:00.000Z', error: 'ResultsUnavailable', retriedAt: '2026-03-20T09:00:00.000Z', retriedBy: 'officer:o' } });
    expect((await sweep(NOW, deps)).assemblyRetriesSent).toEqual([id(600)]);
    expect(workflow.calls.map((c) => c.token)).toEqual(['tok-copy']);
  });

  it('mails the team’s email that the request waits for an officer', async () => {
    const { deps } = crowd({ outboxTeam: { seq: 2, until: '2026-03-20T09:00:00.000Z', owner: 'workflow', waiting: 'held_copy' } });
    expect((await sweep(NOW, deps)).teamEmailsSent).toEqual([id(600)]);
  });
});

describe('an email still owed once the requester’s contact data was erased on schedule', () => {
  // Copied into each request: a sweep's claim writes its lease into the intent it finds.
  const refusal = { seq: 1, until: '2026-03-20T09:00:00.000Z', owner: 'admin', notice: 'refusal' as const, reason: 'excessive' as const };
  const failed = { kind: 'notice' as const, notice: 'refusal' as const, at: '2026-02-18T10:00:00.000Z', error: 'MessageRejected' };

  it('drops a refusal that can no longer be sent, with its “mail failed” mark, says why on the audit trail, and reports it dropped, not sent', async () => {
    const { repo, mailer, deps } = setup({ status: 'denied', closedAt: '2026-02-18T10:00:00.000Z', outboxNotice: { ...refusal }, mailFailed: failed });
    // No contact data: it expired 30 days after the refusal.
    const report = await sweep(NOW, deps);
    expect(mailer.sent).toEqual([]);
    expect(report.failed).toEqual([]);
    expect([report.noticesSent, report.noticesDropped]).toEqual([[], [REQUEST_ID]]);
    const req = repo.requests.get(REQUEST_ID);
    expect(req?.outboxNotice).toBeUndefined();
    expect(req?.mailFailed).toBeUndefined();
    expect(await repo.listOwed('notice')).toEqual([]);
    expect(last(repo)).toMatchObject({ at: NOW.toISOString(), actor: 'sweeper', action: 'notice_unsent', subject: REQUEST_ID, data: { notice: 'refusal', reason: 'contact_data_erased' } });
  });

  it('leaves the mark of another email in place', async () => {
    const reminder = { kind: 'reminder' as const, at: '2026-03-19T10:00:00.000Z', error: 'Throttling' };
    const { repo, deps } = setup({ status: 'denied', closedAt: '2026-02-18T10:00:00.000Z', outboxNotice: { ...refusal }, mailFailed: reminder });
    await sweep(NOW, deps);
    expect(repo.requests.get(REQUEST_ID)).toMatchObject({ mailFailed: reminder });
    expect(repo.requests.get(REQUEST_ID)?.outboxNotice).toBeUndefined();
  });

  it('drops an outcome email that can no longer be sent, with its mark, says why on the audit trail, and reports it dropped, not sent', async () => {
    const { repo, mailer, deps } = setup({
      status: 'completed',
      closedAt: '2026-02-18T10:00:00.000Z',
      outboxOutcome: { seq: 1, until: '2026-02-18T10:01:00.000Z', owner: 'workflow' },
      mailFailed: { kind: 'outcome', at: '2026-02-18T10:00:00.000Z', error: 'MessageRejected' },
    });
    const report = await sweep(NOW, deps);
    expect(mailer.sent).toEqual([]);
    expect([report.outcomesSent, report.outcomesDropped]).toEqual([[], [REQUEST_ID]]);
    const req = repo.requests.get(REQUEST_ID);
    expect(req?.outboxOutcome).toBeUndefined();
    expect(req?.mailFailed).toBeUndefined();
    expect(last(repo)).toMatchObject({ actor: 'sweeper', action: 'outcome_unsent', data: { reason: 'contact_data_erased' } });
  });
});

describe('a copy refused while its execution ran, owing both the execution’s stop and its export results’ deletion', () => {
  const closedAt = '2026-03-20T09:59:00.000Z';
  const result = (hash: string) => [`${REQUEST_ID}.paynow#${hash}`, { signedBody: '{}', expiresAt: new Date('2026-07-18T10:00:00.000Z'), writtenAt: closedAt }] as const;

  it('stops the execution and deletes the results in one sweep, and keeps deleting them until no callback can write any', async () => {
    const { repo, deps } = setup({ type: 'access', status: 'denied', closedAt, outboxStop: { at: closedAt }, purgeResults: { at: closedAt } });
    const stopped: string[] = [];
    (deps as { workflow: { stop?: (id: string) => Promise<void> } }).workflow.stop = async (id) => {
      stopped.push(id);
    };
    repo.results.set(...result('a'));
    const report = await sweep(NOW, deps);
    expect([report.executionsStopped, report.droppedResults, stopped]).toEqual([[REQUEST_ID], [`${REQUEST_ID}.paynow`], [REQUEST_ID]]);
    expect(repo.results.size).toBe(0);
    // The stop is done; the deletion stays owed: a callback that found the request open may still write.
    expect(repo.requests.get(REQUEST_ID)?.outboxStop).toBeUndefined();
    expect(repo.requests.get(REQUEST_ID)?.purgeResults).toEqual({ at: closedAt });
    repo.results.set(...result('b'));
    const later = await sweep(new Date(NOW.getTime() + 16 * 60_000), deps);
    expect([later.executionsStopped, later.droppedResults, stopped]).toEqual([[], [`${REQUEST_ID}.paynow`], [REQUEST_ID]]);
    expect(repo.requests.get(REQUEST_ID)?.purgeResults).toBeUndefined();
  });
});

describe('two sweeps that overlap (the schedule’s event delivered twice, or a run not over when the next starts)', () => {
  /** SES holds the first email it is given until `answer`; the others it takes at once. */
  function holdsTheFirst(mailer: FakeMailer) {
    const take = mailer.send.bind(mailer);
    let answer = () => {};
    let reached = () => {};
    const held = new Promise<void>((r) => {
      reached = r;
    });
    let first = true;
    mailer.send = async (msg) => {
      if (first) {
        first = false;
        reached();
        await new Promise<void>((r) => {
          answer = r;
        });
      }
      return take(msg);
    };
    return { held, answer: () => answer() };
  }
  const over = '2026-03-20T09:59:00.000Z';
  const cases: { what: string; over: Partial<StoredRequest>; task?: StoredTask; subject: string }[] = [
    {
      what: 'the requester’s outcome email',
      over: { status: 'completed', closedAt: over, outboxOutcome: { seq: 3, until: over, owner: 'workflow' } },
      subject: 'Your privacy request is complete',
    },
    {
      what: 'the team’s email that a request waits for an officer',
      over: { status: 'awaiting_review', outboxTeam: { seq: 3, until: over, owner: 'workflow', waiting: 'correction' } },
      subject: `Correction to review (request ${REQUEST_ID})`,
    },
    {
      what: 'the team’s email that a manual processor’s task needs a person',
      over: { status: 'awaiting_manual' },
      task: resolvedTask({ taskId: `${REQUEST_ID}.ledger-firm`, processorId: 'ledger-firm', category: 'collections', status: 'sent', sentAt: over, token: 'tok-m', outcome: undefined, outboxTeam: { seq: 3, until: over, owner: 'workflow' } }),
      subject: 'Manual task: erase at ledger-firm',
    },
    { what: 'the team’s alert of a flag the first raised', over: { dueDate: '2026-03-27' }, subject: `Due in 7 days: request ${REQUEST_ID}` },
  ];

  for (const c of cases) {
    it(`mails ${c.what} once: the second leaves it to the first, whose send is still under way`, async () => {
      const { repo, mailer, deps } = setup(c.over);
      repo.pii.set(REQUEST_ID, { email: 'ann@example.com' });
      if (c.task) repo.tasks.set(c.task.taskId, c.task);
      const ses = holdsTheFirst(mailer);
      const first = sweep(NOW, deps);
      await ses.held;
      await sweep(NOW, deps);
      ses.answer();
      await first;
      expect(mailer.sent.map((m) => m.subject)).toEqual([c.subject]);
    });
  }

  it('leaves a claim of the sweeper of an earlier deploy (owner `sweeper`, shared by every run) alone while its lease runs, and takes it once it is over', async () => {
    const until = new Date(NOW.getTime() + 60_000);
    const { repo, mailer, deps } = setup({ status: 'completed', closedAt: over, outboxOutcome: { seq: 3, until: until.toISOString(), owner: 'sweeper' } });
    repo.pii.set(REQUEST_ID, { email: 'ann@example.com' });
    expect((await sweep(NOW, deps)).outcomesSent).toEqual([]);
    expect((await sweep(until, deps)).outcomesSent).toEqual([REQUEST_ID]);
    expect(mailer.sent.map((m) => m.subject)).toEqual(['Your privacy request is complete']);
  });
});

describe('the team’s reminders of a complaint not acknowledged (DPA 2018 s.164A(3))', () => {
  const COMPLAINT = '01JQC0MP1A1NT0000000000000';
  const COMPLAINTS_CONSOLE = 'http://localhost/console.html#/complaints';
  const LATER = new Date(NOW.getTime() + 15 * 60_000);
  /** FakeRepo with complaints, listed as the status index's COMPLAINTS partition lists them: newest first, bounded by receipt, a page at a time. */
  class ComplaintRepo extends FakeRepo {
    complaints = new Map<string, StoredComplaint>();
    queries: { receivedFrom?: string; receivedTo?: string; owed?: boolean }[] = [];
    override async listComplaints(q: { owed?: boolean; receivedFrom?: string; receivedTo?: string; limit?: number; cursor?: string } = {}) {
      this.queries.push({ receivedFrom: q.receivedFrom, receivedTo: q.receivedTo, owed: q.owed });
      const sk = (c: StoredComplaint) => `${c.receivedAt}#${c.id}`;
      const bounded = q.receivedFrom !== undefined && q.receivedTo !== undefined;
      const all = [...this.complaints.values()]
        .filter((c) => (!q.owed || c.outboxAck) && (!bounded || (sk(c) >= (q.receivedFrom as string) && sk(c) <= `${q.receivedTo}~`)))
        .sort((a, b) => sk(b).localeCompare(sk(a)));
      const from = Number(q.cursor ?? 0);
      const end = from + (q.limit ?? 100);
      return { items: all.slice(from, end).map((c) => structuredClone(c)), cursor: end < all.length ? String(end) : undefined };
    }
    async transitionComplaint(prev: StoredComplaint, to: StoredComplaint['status'], changes: Partial<StoredComplaint>, event: AuditInput, opts: { remove?: string[] } = {}) {
      const cur = this.complaints.get(prev.id);
      if (!cur || cur.status !== prev.status || cur.version !== prev.version) throw new ConcurrentUpdate(`complaint ${prev.id} changed concurrently`);
      const next = { ...cur, ...changes, status: to, version: cur.version + 1, audit: [...cur.audit, chain(cur.audit.at(-1), event)] } as StoredComplaint;
      for (const k of opts.remove ?? []) delete (next as Record<string, unknown>)[k];
      this.complaints.set(prev.id, next);
      return structuredClone(next);
    }
    async claimComplaintAlert(id: string, next: Delivery, now: Date) {
      const d = this.complaints.get(id)?.outboxAlert;
      if (!d || d.seq !== next.seq || Date.parse(d.until) > now.getTime()) return false;
      Object.assign(d, { until: next.until, owner: next.owner });
      return true;
    }
    async clearComplaintAlert(id: string, seq: number) {
      const c = this.complaints.get(id);
      if (c?.outboxAlert?.seq !== seq) return false;
      delete c.outboxAlert;
      return true;
    }
  }
  const complaint = (over: Partial<StoredComplaint> = {}): StoredComplaint => ({
    id: COMPLAINT,
    status: 'received',
    version: 1,
    language: 'en',
    // 26 February: its last day to acknowledge is 27 March, 7 days after NOW.
    receivedAt: '2026-02-26T09:00:00.000Z',
    acknowledgeBy: '2026-03-27',
    email: 'zoe-complains@example.com',
    name: 'Zoe Quill',
    text: 'You sold my address to a broker.',
    emailHash: 'h',
    audit: [],
    ...over,
  });
  function complaintSetup(...complaints: StoredComplaint[]) {
    const repo = new ComplaintRepo();
    for (const c of complaints) repo.complaints.set(c.id, structuredClone(c));
    const mailer = new FakeMailer();
    const workflow = { start: async () => 'arn', describe: async () => ({ status: 'RUNNING' }), unsuccessful: async () => [] };
    return { repo, mailer, deps: { repo, mailer, workflow, tokens: {}, baseUrl: 'http://x', linksPerHour: 5, processors: [], blobs: new FakeBlobs() } as never };
  }
  const refuses = (mailer: FakeMailer) => {
    mailer.send = async () => {
      throw Object.assign(new Error('throttled'), { name: 'TooManyRequestsException' });
    };
  };

  it('tells the team once, 7 days before its last day, its reference and the days left, and never the complainant’s address, name or words', async () => {
    const { repo, mailer, deps } = complaintSetup(complaint());
    const report = await sweep(NOW, deps);
    expect(report.complaintReminders).toEqual([`${COMPLAINT}:reminder-7`]);
    const c = repo.complaints.get(COMPLAINT) as StoredComplaint;
    expect(c).toMatchObject({ status: 'received', flags: ['reminder-7'] });
    expect(c.outboxAlert).toBeUndefined();
    expect(c.audit.at(-1)).toMatchObject({ at: NOW.toISOString(), actor: 'sweeper', action: 'reminder-7', subject: COMPLAINT, data: { acknowledgeBy: '2026-03-27', daysLeft: 7 } });
    expect(mailer.sent).toEqual([
      {
        to: 'compliance@offtek.example',
        kind: 'compliance',
        subject: `Complaint ${COMPLAINT}: 7 days left to acknowledge it`,
        text: `Complaint ${COMPLAINT} is not acknowledged. The law (DPA 2018 s.164A(3)) asks us to acknowledge it by 2026-03-27: 7 days left. Tell the complainant we received it (by email or another way), then record it in the console.\n${COMPLAINTS_CONSOLE}`,
      },
    ]);
    expect((await sweep(LATER, deps)).complaintReminders).toEqual([]);
    expect(mailer.sent).toHaveLength(1);
  });

  it('says nothing 8 days before, nor of a complaint acknowledged or answered, however late', async () => {
    const early = complaint({ receivedAt: '2026-02-27T09:00:00.000Z', acknowledgeBy: '2026-03-28' });
    const acked = complaint({ id: '01JQC0MP1A1NT0000000000001', status: 'acknowledged', receivedAt: '2026-01-05T09:00:00.000Z', acknowledgeBy: '2026-02-03' });
    const answered = complaint({ id: '01JQC0MP1A1NT0000000000002', status: 'responded', receivedAt: '2026-01-05T09:00:00.000Z', acknowledgeBy: '2026-02-03' });
    const { repo, mailer, deps } = complaintSetup(early, acked, answered);
    expect(await sweep(NOW, deps)).toMatchObject({ complaintReminders: [], overdueComplaints: [] });
    expect(mailer.sent).toEqual([]);
    expect([...repo.complaints.values()].map((c) => c.audit)).toEqual([[], [], []]);
  });

  it('reads only the complaints received on or before the London day 22 days back, a key range of the complaints’ index', async () => {
    const { repo, deps } = complaintSetup(complaint());
    await sweep(NOW, deps);
    expect(repo.queries.filter((q) => !q.owed)).toEqual([{ receivedFrom: expect.any(String), receivedTo: '2026-02-26', owed: undefined }]);
  });

  it('tells the team again 2 days before, then once that it is overdue, and lists it as overdue at every sweep', async () => {
    const { repo, mailer, deps } = complaintSetup(complaint({ receivedAt: '2026-02-21T09:00:00.000Z', acknowledgeBy: '2026-03-22', flags: ['reminder-7'] }));
    expect((await sweep(NOW, deps)).complaintReminders).toEqual([`${COMPLAINT}:reminder-2`]);
    const dayAfter = new Date('2026-03-23T10:00:00.000Z');
    expect(await sweep(dayAfter, deps)).toMatchObject({ complaintReminders: [`${COMPLAINT}:overdue`], overdueComplaints: [COMPLAINT] });
    expect(await sweep(new Date(dayAfter.getTime() + 15 * 60_000), deps)).toMatchObject({ complaintReminders: [], overdueComplaints: [COMPLAINT] });
    expect(mailer.sent.map((m) => m.subject)).toEqual([`Complaint ${COMPLAINT}: 2 days left to acknowledge it`, `OVERDUE: complaint ${COMPLAINT} was to be acknowledged by 2026-03-22`]);
    expect(repo.complaints.get(COMPLAINT)).toMatchObject({ flags: ['reminder-7', 'reminder-2', 'overdue'] });
  });

  it('records the team’s email owed in the flag’s write: SES refusing it, the next run mails it, once, and counts it for the MailFailed alarm', async () => {
    const add = vi.spyOn(metrics, 'addMetric');
    const { repo, mailer, deps } = complaintSetup(complaint());
    refuses(mailer);
    expect((await sweep(NOW, deps)).complaintReminders).toEqual([`${COMPLAINT}:reminder-7`]);
    expect(add).toHaveBeenCalledWith('MailFailed', 'Count', 1);
    expect(repo.complaints.get(COMPLAINT)).toMatchObject({ flags: ['reminder-7'], outboxAlert: { alert: 'reminder-7', acknowledgeBy: '2026-03-27', daysLeft: 7, seq: 2 } });
    mailer.send = FakeMailer.prototype.send.bind(mailer);
    // A day later: the email is the one the flag recorded, 7 days before.
    const next = await sweep(new Date(NOW.getTime() + 86_400_000), deps);
    expect(next).toMatchObject({ complaintReminders: [], complaintAlertsSent: [`${COMPLAINT}:reminder-7`] });
    expect(mailer.sent.map((m) => m.subject)).toEqual([`Complaint ${COMPLAINT}: 7 days left to acknowledge it`]);
    expect(repo.complaints.get(COMPLAINT)?.outboxAlert).toBeUndefined();
    await sweep(new Date(NOW.getTime() + 86_400_000 + 15 * 60_000), deps);
    expect(mailer.sent).toHaveLength(1);
  });

  it('mails the email a run that died after the flag’s write left owed, and drops it unsent once the complaint is acknowledged', async () => {
    const owed = { seq: 2, until: NOW.toISOString(), owner: 'sweeper:dead-run', alert: 'reminder-7' as const, acknowledgeBy: '2026-03-27', daysLeft: 7 };
    const { mailer, deps } = complaintSetup(complaint({ version: 2, flags: ['reminder-7'], outboxAlert: owed }));
    expect((await sweep(NOW, deps)).complaintAlertsSent).toEqual([`${COMPLAINT}:reminder-7`]);
    expect(mailer.sent.map((m) => m.subject)).toEqual([`Complaint ${COMPLAINT}: 7 days left to acknowledge it`]);

    const since = complaintSetup(complaint({ version: 3, status: 'acknowledged', acknowledgedAt: NOW.toISOString(), flags: ['reminder-7'], outboxAlert: owed }));
    expect((await sweep(NOW, since.deps)).complaintAlertsSent).toEqual([]);
    expect(since.mailer.sent).toEqual([]);
    expect(since.repo.complaints.get(COMPLAINT)?.outboxAlert).toBeUndefined();
  });

  it('spends the run’s share of team emails and leaves the rest for the next run', async () => {
    const many = Array.from({ length: PER_RUN.alerts + 1 }, (_, i) => complaint({ id: `01JQC0MP1A1NT${String(i).padStart(13, '0')}` }));
    const { mailer, deps } = complaintSetup(...many);
    const report = await sweep(NOW, deps);
    expect(report.complaintReminders).toHaveLength(PER_RUN.alerts);
    expect(report.left.alerts).toBe(1);
    expect(mailer.sent).toHaveLength(PER_RUN.alerts);
    expect((await sweep(LATER, deps)).complaintReminders).toHaveLength(1);
  });

  it('leaves a complaint an officer acknowledges meanwhile for the next sweep, which owes it nothing', async () => {
    const { repo, mailer, deps } = complaintSetup(complaint());
    const write = repo.transitionComplaint.bind(repo);
    repo.transitionComplaint = async (...args) => {
      repo.transitionComplaint = write;
      bump(repo.complaints, COMPLAINT, { status: 'acknowledged', acknowledgedAt: NOW.toISOString() });
      return write(...args);
    };
    expect((await sweep(NOW, deps)).complaintReminders).toEqual([]);
    expect((await sweep(LATER, deps)).complaintReminders).toEqual([]);
    expect(mailer.sent).toEqual([]);
  });
});
