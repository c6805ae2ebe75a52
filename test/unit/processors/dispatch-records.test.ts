import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { planTasks } from '../../../functions/core/plan.ts';
import type { StoredRequest, StoredTask } from '../../../functions/core/ports.ts';
import { type DispatchDeps, dispatch, processorStateKey } from '../../../functions/dispatch/dispatch.ts';
import { logger } from '../../../functions/adapters/powertools.ts';
import { newWebhookSecret } from '../../../local/processors/registry.ts';
import { FakeMailer, FakeRepo, FakeWorkflow, fixedClock, processor, REQUEST_ID, storedRequest } from './fakes.ts';

const SECRET = newWebhookSecret();
const NOW = '2026-03-02T10:00:00.000Z';
const paynow = processor({ id: 'paynow', category: 'payments', identities: ['email', 'order_number'] });
const manualFirm = { ...processor({ id: 'ledger-firm', category: 'collections', mode: 'manual' as const }), endpoint: undefined, secretRef: undefined };
const TASK_ID = `${REQUEST_ID}.paynow`;

let repo: FakeRepo;
let workflow: FakeWorkflow;
let mailer: FakeMailer;
let answer: number | Error;
let deps: DispatchDeps;

beforeEach(() => {
  repo = new FakeRepo();
  workflow = new FakeWorkflow();
  mailer = new FakeMailer();
  answer = 202;
  const req = storedRequest({ status: 'in_progress' });
  repo.requests.set(REQUEST_ID, req);
  repo.pii.set(REQUEST_ID, { email: 'alice@example.com', name: 'Alice Martin', orderNumber: 'OT-1' });
  void repo.putTasksIfAbsent(planTasks(req, [paynow, manualFirm], { customer: undefined, today: '2026-03-02' }));
  deps = {
    repo,
    workflow,
    mailer,
    clock: fixedClock(NOW),
    processors: [paynow, manualFirm],
    secrets: async () => [SECRET],
    post: async () => {
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
});
afterEach(() => {
  vi.restoreAllMocks();
});

const task = () => repo.tasks.get(TASK_ID) as StoredTask;
const run = (token = 'tok-1', taskId = TASK_ID) => dispatch({ token, requestId: REQUEST_ID, taskId }, deps);
const failures = () => task().audit.filter((e) => e.action === 'delivery_failed');

describe('a webhook delivered', () => {
  it('records the send on the task’s audit trail with the processor’s mode, and logs the answer by ids', async () => {
    const info = vi.spyOn(logger, 'info');
    await run();
    expect(task().audit.at(-1)).toMatchObject({ at: NOW, actor: 'workflow', action: 'send', subject: TASK_ID, from: 'pending', to: 'sent', data: { mode: 'automated' } });
    expect(info).toHaveBeenCalledWith('webhook sent', { taskId: TASK_ID, processorId: 'paynow', status: 202 });
  });

  it('takes any 2xx as delivered, writing no failure', async () => {
    for (const [i, a] of [200, 299].entries()) {
      answer = a;
      await expect(run(`tok-${i}`)).resolves.toBeUndefined();
    }
    expect(failures()).toEqual([]);
  });
});

describe('a webhook not delivered', () => {
  it('records each failed delivery with its HTTP status, and says which processor answered what', async () => {
    answer = 503;
    await expect(run()).rejects.toMatchObject({ name: 'DispatchFailed', message: 'processor paynow answered 503' });
    expect(failures()).toEqual([expect.objectContaining({ at: NOW, actor: 'workflow', action: 'delivery_failed', subject: TASK_ID, data: { status: 503 } })]);
    answer = 400;
    await expect(run('tok-2')).rejects.toMatchObject({ name: 'DispatchRejected', message: 'processor paynow answered 400' });
    expect(failures().map((e) => e.data)).toEqual([{ status: 503 }, { status: 400 }]);
  });

  it('retries a 300, a 408 and a 429, which another answer might fix', async () => {
    for (const a of [300, 399, 408, 429]) {
      answer = a;
      await expect(run(`tok-${a}`)).rejects.toMatchObject({ name: 'DispatchFailed', message: `processor paynow answered ${a}` });
    }
    for (const a of [400, 404, 499]) {
      answer = a;
      await expect(run(`tok-${a}`)).rejects.toMatchObject({ name: 'DispatchRejected' });
    }
  });

  it('records a network error by its code, or by its name when it has none', async () => {
    answer = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    await expect(run()).rejects.toMatchObject({ name: 'DispatchFailed', message: 'webhook to paynow failed: ECONNRESET' });
    answer = Object.assign(new Error('took too long'), { name: 'TimeoutError' });
    await expect(run('tok-2')).rejects.toMatchObject({ message: 'webhook to paynow failed: TimeoutError' });
    expect(failures().map((e) => e.data)).toEqual([{ error: 'ECONNRESET' }, { error: 'TimeoutError' }]);
  });

  it('disables an endpoint that answers 410, with when and why, raises the alert, and says so afterwards', async () => {
    const error = vi.spyOn(logger, 'error');
    answer = 410;
    await expect(run()).rejects.toMatchObject({ name: 'EndpointGone', message: 'processor paynow answered 410' });
    expect(await repo.getItem({ pk: 'PROCESSOR#paynow', sk: 'STATE' })).toEqual({ pk: 'PROCESSOR#paynow', sk: 'STATE', disabled: true, disabledAt: NOW, reason: '410' });
    expect(error).toHaveBeenCalledWith('ALERT processor endpoint gone; disabled', { processorId: 'paynow', taskId: TASK_ID });
    await expect(run('tok-2')).rejects.toMatchObject({ name: 'EndpointGone', message: 'processor paynow endpoint is disabled' });
  });

  it('keeps a processor’s state under its own key', () => {
    expect(processorStateKey('paynow')).toEqual({ pk: 'PROCESSOR#paynow', sk: 'STATE' });
  });

  it('says which request lost its contact data, and which processor left the registry', async () => {
    repo.pii.clear();
    await expect(run()).rejects.toMatchObject({ name: 'DispatchRejected', message: `request ${REQUEST_ID} or its contact data is gone` });
    deps.processors = [manualFirm];
    await expect(run('tok-2')).rejects.toMatchObject({ name: 'DispatchRejected', message: 'processor paynow is not in the registry' });
  });

  it('answers a task that finished without an outcome with its status', async () => {
    repo.tasks.set(TASK_ID, { ...task(), status: 'resolved', outcome: undefined });
    await run('tok-r');
    expect(workflow.calls).toEqual([{ op: 'success', token: 'tok-r', output: { request_status: 'resolved' } }]);
  });
});

describe('a manual processor’s task', () => {
  const MANUAL = `${REQUEST_ID}.ledger-firm`;

  it('escalates the request with the task and the reason, and tells the team what to do and under which holds', async () => {
    const t = repo.tasks.get(MANUAL) as StoredTask;
    repo.tasks.set(MANUAL, { ...t, holds: [{ basis: 'accounting', until: '2031-03-15', rule: 'r' }, { basis: 'lifetime_warranty', until: null, rule: 'r' }] });
    await run('tok-m', MANUAL);
    expect(repo.requests.get(REQUEST_ID)?.audit.at(-1)).toMatchObject({ at: NOW, actor: 'workflow', action: 'escalate', subject: REQUEST_ID, from: 'in_progress', to: 'awaiting_manual', data: { task: MANUAL, reason: 'manual_processor' } });
    expect(mailer.sent).toEqual([
      {
        to: 'compliance@offtek.example',
        kind: 'compliance',
        subject: 'Manual task: erase at ledger-firm',
        text: [
          `Task ${MANUAL} needs a person: processor ledger-firm (collections) has no API.`,
          'Action: erase (legal holds: accounting, lifetime_warranty).',
          `Do it in their system, then resolve the task in the console: http://localhost/console.html#/requests/${REQUEST_ID}`,
        ].join('\n'),
      },
    ]);
  });

  it('names no holds when there are none', async () => {
    await run('tok-m', MANUAL);
    expect(mailer.sent[0].text.split('\n')[1]).toBe('Action: erase.');
  });

  it('leaves a request it cannot find as it is, and still tells the team', async () => {
    repo.requests.clear();
    await run('tok-m', MANUAL);
    expect(mailer.sent).toHaveLength(1);
  });

  it('tells the team once when the state runs again after the email went (the Retry after a crash, or a restart)', async () => {
    await run('tok-m', MANUAL);
    await run('tok-m2', MANUAL);
    await run('tok-m3', MANUAL);
    expect(mailer.sent.map((m) => m.subject)).toEqual(['Manual task: erase at ledger-firm']);
    expect(repo.tasks.get(MANUAL)).toMatchObject({ status: 'sent', token: 'tok-m3' });
    expect(repo.tasks.get(MANUAL)?.outboxTeam, 'nothing left owed').toBeUndefined();
  });

  it('records the team’s email as owed in the write that sends the task, and a run again after SES refused it mails it', async () => {
    const send = mailer.send.bind(mailer);
    mailer.send = async () => {
      throw new Error('SES unreachable');
    };
    await run('tok-m', MANUAL);
    expect(repo.tasks.get(MANUAL)).toMatchObject({ status: 'sent', outboxTeam: { seq: expect.any(Number), owner: 'workflow' } });
    expect(repo.tasks.get(MANUAL)?.audit.filter((e) => e.action === 'send')).toHaveLength(1);
    mailer.send = send;
    await run('tok-m2', MANUAL);
    expect(mailer.sent).toHaveLength(1);
    expect(repo.tasks.get(MANUAL)?.outboxTeam).toBeUndefined();
  });

  it('marks the request “mail failed” when SES refuses the team’s email, and clears the mark once the email goes', async () => {
    const send = mailer.send.bind(mailer);
    mailer.send = async () => {
      throw Object.assign(new Error('Email address is not verified'), { name: 'MessageRejected' });
    };
    await run('tok-m', MANUAL);
    expect(repo.requests.get(REQUEST_ID)?.mailFailed).toEqual({ kind: 'review', at: NOW, error: 'MessageRejected' });
    expect(repo.tasks.get(MANUAL)?.outboxTeam).toBeDefined();
    mailer.send = send;
    await run('tok-m2', MANUAL);
    expect(mailer.sent).toHaveLength(1);
    expect(repo.requests.get(REQUEST_ID)?.mailFailed).toBeUndefined();
  });

  it('leaves the task with the team when SES refuses the team’s email: the state waits on its token, nothing is escalated, the email stays owed', async () => {
    mailer.send = async () => {
      throw Object.assign(new Error('Email address is not verified'), { name: 'MessageRejected' });
    };
    // Thrown, the state's catch-all took the task to Escalate as failed, though it is with the team as it should be.
    await expect(run('tok-m', MANUAL)).resolves.toBeUndefined();
    expect(repo.tasks.get(MANUAL)).toMatchObject({ status: 'sent', token: 'tok-m', outboxTeam: { owner: 'workflow' } });
    expect(repo.requests.get(REQUEST_ID)?.status).toBe('awaiting_manual');
    expect(workflow.calls).toEqual([]);
  });

  it('still fails the state on what is not a refused email (DynamoDB refusing to clear the intent), for its retries', async () => {
    vi.spyOn(repo, 'clearOwedTeam').mockRejectedValue(Object.assign(new Error('throughput'), { name: 'ProvisionedThroughputExceededException' }));
    await expect(run('tok-m', MANUAL)).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' });
  });

  it('tells the team of each manual task of a request once, though only the first moves the request to wait', async () => {
    const other = { ...manualFirm, id: 'paper-archive' };
    deps.processors = [paynow, manualFirm, other];
    const req = repo.requests.get(REQUEST_ID) as StoredRequest;
    await repo.putTasksIfAbsent(planTasks(req, [other], { customer: undefined, today: '2026-03-02' }));
    await run('tok-m', MANUAL);
    await run('tok-p', `${REQUEST_ID}.paper-archive`);
    await run('tok-m2', MANUAL);
    await run('tok-p2', `${REQUEST_ID}.paper-archive`);
    expect(mailer.sent.map((m) => m.subject)).toEqual(['Manual task: erase at ledger-firm', 'Manual task: erase at paper-archive']);
    expect(repo.requests.get(REQUEST_ID)?.audit.filter((e) => e.action === 'escalate')).toHaveLength(1);
  });
});
