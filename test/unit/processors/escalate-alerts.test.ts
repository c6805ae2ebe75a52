import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StoredTask } from '../../../functions/core/ports.ts';
import { type EscalateDeps, escalate } from '../../../functions/escalate/escalate.ts';
import { metrics } from '../../../functions/shared/metrics.ts';
import { logger } from '../../../functions/adapters/powertools.ts';
import { escalationFixture, type FakeMailer, type FakeRepo, type FakeWorkflow, fixedClock, REQUEST_ID, storedRequest } from './fakes.ts';

const TASK_ID = `${REQUEST_ID}.metricsly`;
const NOW = '2026-03-02T10:00:00.000Z';
let repo: FakeRepo;
let workflow: FakeWorkflow;
let mailer: FakeMailer;
let deps: EscalateDeps;

beforeEach(() => {
  ({ repo, workflow, mailer, deps } = escalationFixture(fixedClock(NOW)));
});
afterEach(() => {
  vi.restoreAllMocks();
});

const task = () => repo.tasks.get(TASK_ID) as StoredTask;
const run = (error: { Error?: string; Cause?: string }, over: { mail?: boolean; token?: string } = {}) => escalate({ token: over.token ?? 'tok-esc', requestId: REQUEST_ID, taskId: TASK_ID, error, ...(over.mail === undefined ? {} : { mail: over.mail }) }, deps);

describe('the escalated task’s record', () => {
  it('records a timeout on the task’s audit trail, with the error as its reason', async () => {
    await run({ Error: 'States.Timeout' });
    expect(task().audit.at(-1)).toMatchObject({ at: NOW, actor: 'workflow', action: 'time_out', subject: TASK_ID, from: 'sent', to: 'timed_out', data: { error: 'States.Timeout' } });
    expect(task().finishedAt).toBe(NOW);
  });

  it('records a manual processor’s task whose heartbeat ran out as timed out at its time-out, which its heartbeat is a second short of (plan.ts); an automated one’s as a missed heartbeat', async () => {
    Object.assign(deps, { manual: (id: string) => id === 'metricsly' });
    await run({ Error: 'States.HeartbeatTimeout' });
    expect(task()).toMatchObject({ status: 'timed_out', outcome: { request_status: 'timed_out', reason: 'States.Timeout' } });
    expect(task().audit.at(-1)).toMatchObject({ action: 'time_out', data: { error: 'States.Timeout' } });
    expect(repo.requests.get(REQUEST_ID)?.audit.at(-1)).toMatchObject({ action: 'escalate', data: { task: TASK_ID, reason: 'States.Timeout' } });
    Object.assign(deps, { manual: () => false });
    repo.tasks.set(TASK_ID, { ...task(), status: 'sent' });
    await run({ Error: 'States.HeartbeatTimeout' });
    expect(task()).toMatchObject({ status: 'timed_out', outcome: { request_status: 'timed_out', reason: 'States.HeartbeatTimeout' } });
  });

  it('records a failure the same way, from a task still pending or already acknowledged', async () => {
    for (const status of ['pending', 'in_progress'] as const) {
      repo.tasks.set(TASK_ID, { ...task(), status });
      await run({ Error: 'DispatchFailed' });
      expect(task()).toMatchObject({ status: 'failed', outcome: { request_status: 'failed', reason: 'DispatchFailed' } });
      expect(task().audit.at(-1)).toMatchObject({ actor: 'workflow', action: 'fail', from: status, to: 'failed', data: { error: 'DispatchFailed' } });
    }
  });

  it('words a known error for people, and calls a nameless one unknown', async () => {
    await run({ Error: 'SecretNotConfigured' });
    expect(task().outcome).toEqual({ request_status: 'failed', reason: 'secret not configured' });
    repo.tasks.set(TASK_ID, { ...task(), status: 'sent' });
    await run({ Error: 'SecretUnavailable' });
    expect(task().outcome).toEqual({ request_status: 'failed', reason: 'secret could not be read' });
    repo.tasks.set(TASK_ID, { ...task(), status: 'sent' });
    await run({});
    expect(task().outcome).toEqual({ request_status: 'failed', reason: 'unknown' });
  });

  it('escalates the request with the task and the reason on its audit trail', async () => {
    await run({ Error: 'DispatchFailed' });
    expect(repo.requests.get(REQUEST_ID)?.audit.at(-1)).toMatchObject({ at: NOW, actor: 'workflow', action: 'escalate', subject: REQUEST_ID, from: 'in_progress', to: 'awaiting_manual', data: { task: TASK_ID, reason: 'DispatchFailed' } });
  });

  it('leaves a request already waiting for an officer as it is, and one it cannot find', async () => {
    // A request refused or cancelled has nothing escalated at all (escalate.test.ts).
    repo.requests.set(REQUEST_ID, storedRequest({ status: 'awaiting_manual' }));
    await run({ Error: 'DispatchFailed' });
    expect(repo.requests.get(REQUEST_ID)).toMatchObject({ status: 'awaiting_manual', audit: [] });
    expect(task().status).toBe('failed');
    repo.requests.clear();
    repo.tasks.set(TASK_ID, { ...task(), status: 'sent' });
    await expect(run({ Error: 'DispatchFailed' })).resolves.toEqual({ escalated: true });
  });

  it('keeps the new token of a task already failed whose request record is gone (a re-run), and still alerts the team', async () => {
    repo.requests.clear();
    repo.tasks.set(TASK_ID, { ...task(), status: 'failed' });
    await expect(run({ Error: 'DispatchFailed' }, { token: 'tok-rerun' })).resolves.toEqual({ escalated: true });
    expect(task()).toMatchObject({ status: 'failed', token: 'tok-rerun' });
    expect(mailer.sent).toHaveLength(1);
  });

  it('hands back the status of a task settled without an outcome', async () => {
    repo.tasks.set(TASK_ID, { ...task(), status: 'resolved', outcome: undefined });
    await expect(run({ Error: 'DispatchFailed' })).resolves.toEqual({ escalated: false });
    expect(workflow.calls).toEqual([{ op: 'success', token: 'tok-esc', output: { request_status: 'resolved' } }]);
  });
});

describe('the escalation’s metrics', () => {
  it('counts a first timeout in TasksTimedOut and a first failure in TasksFailed, and a re-run in neither', async () => {
    const add = vi.spyOn(metrics, 'addMetric');
    await run({ Error: 'States.HeartbeatTimeout' });
    expect(add.mock.calls).toEqual([['TasksTimedOut', 'Count', 1]]);
    await run({ Error: 'States.HeartbeatTimeout' }, { token: 'tok-2' });
    expect(add.mock.calls).toHaveLength(1);
    repo.tasks.set(TASK_ID, { ...task(), status: 'sent' });
    await run({ Error: 'DispatchRejected' });
    expect(add.mock.calls).toEqual([['TasksTimedOut', 'Count', 1], ['TasksFailed', 'Count', 1]]);
  });
});

describe('the team’s alert', () => {
  it('names the processor as the registry does, and logs the ids only', async () => {
    const warn = vi.spyOn(logger, 'warn');
    deps.processorName = (id) => (id === 'metricsly' ? 'Metricsly Analytics' : id);
    await run({ Error: 'DispatchFailed' });
    expect(mailer.sent[0].subject).toBe(`Escalated: Metricsly Analytics failed (request ${REQUEST_ID})`);
    expect(warn).toHaveBeenCalledWith('task escalated', { taskId: TASK_ID, status: 'failed', error: 'DispatchFailed' });
  });

  it('names it by its id when the registry has no name for it', async () => {
    await run({ Error: 'DispatchFailed' });
    expect(mailer.sent[0].subject).toBe(`Escalated: metricsly failed (request ${REQUEST_ID})`);
  });

  it('is marked on the request and thrown when it cannot be mailed, so that the workflow retries', async () => {
    mailer.send = async () => {
      throw Object.assign(new Error('throttled'), { name: 'TooManyRequestsException' });
    };
    await expect(run({ Error: 'DispatchFailed' })).rejects.toMatchObject({ name: 'MailFailed' });
    expect(repo.requests.get(REQUEST_ID)?.mailFailed).toEqual({ kind: 'escalation', at: NOW, error: 'TooManyRequestsException' });
    expect(task().status).toBe('failed');
  });

  it('is not mailed in the workflow’s fallback state: the task is escalated and the failure logged', async () => {
    const warn = vi.spyOn(logger, 'warn');
    await expect(run({ Error: 'States.Timeout' }, { mail: false })).resolves.toEqual({ escalated: true });
    expect(mailer.sent).toEqual([]);
    expect(task()).toMatchObject({ status: 'timed_out', token: 'tok-esc' });
    expect(warn).toHaveBeenCalledWith('task escalated; its alert could not be mailed', { taskId: TASK_ID, status: 'timed_out', error: 'States.Timeout' });
  });

  it('says the processor could not do the work when its failure reached the workflow only as the time-out (its callback died before telling it)', async () => {
    repo.tasks.set(TASK_ID, { ...task(), status: 'failed', outcome: { request_status: 'failed', reason: 'account locked by fraud team' } });
    await run({ Error: 'States.Timeout' });
    expect(mailer.sent[0].subject).toBe(`Escalated: metricsly failed (request ${REQUEST_ID})`);
    expect(mailer.sent[0].text).toContain('metricsly (analytics) called back to say it could not do the work.');
    expect(task()).toMatchObject({ status: 'failed', token: 'tok-esc', outcome: { reason: 'account locked by fraud team' } });
  });

  it('tells the team that a person must do a manual processor’s task and resolve it, not retry it (an officer’s retry of it is refused), when its Dispatch failed', async () => {
    deps.processorName = () => 'Ledger & Co';
    Object.assign(deps, { manual: (id: string) => id === 'metricsly' });
    // Dispatch met a DynamoDB error before it marked the task sent: its Catch escalates it.
    repo.tasks.set(TASK_ID, { ...task(), status: 'pending' });
    await run({ Error: 'ProvisionedThroughputExceededException' });
    expect(task().status).toBe('failed');
    expect(mailer.sent).toEqual([
      {
        to: 'compliance@offtek.example',
        kind: 'compliance',
        subject: `Escalated: manual task at Ledger & Co stopped with an error (request ${REQUEST_ID})`,
        text: [
          `Task ${TASK_ID} needs a person: processor metricsly (analytics) has no API, and its dispatch stopped with an unexpected error (ProvisionedThroughputExceededException).`,
          'Action: erase.',
          `It cannot be retried: do it in their system, then resolve the task in the console: http://localhost/console.html#/requests/${REQUEST_ID}`,
        ].join('\n'),
      },
    ]);
  });

  it('tells the team that a manual processor’s task was not resolved before its time-out, and to do it and resolve it', async () => {
    Object.assign(deps, { manual: () => true });
    await run({ Error: 'States.HeartbeatTimeout' });
    expect(mailer.sent[0].subject).toBe(`Escalated: manual task at metricsly not resolved in time (request ${REQUEST_ID})`);
    expect(mailer.sent[0].text.split('\n')[0]).toBe(`Task ${TASK_ID} needs a person: processor metricsly (analytics) has no API, and it was not resolved in the console before its time-out.`);
    expect(mailer.sent[0].text).not.toMatch(/retry the task|webhook/);
  });

  it('tells the team that a task whose processor has left the registry cannot be retried, and to have it done and resolve it', async () => {
    // Planned while metricsly was in the registry; a deploy took it out before its time-out.
    Object.assign(deps, { removed: (id: string) => id === 'metricsly', manual: () => false });
    await run({ Error: 'States.Timeout' });
    expect(task().status).toBe('timed_out');
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0]).toMatchObject({ to: 'compliance@offtek.example', kind: 'compliance', subject: `Escalated: metricsly is no longer in the processor registry (request ${REQUEST_ID})` });
    expect(mailer.sent[0].text).toContain('The task cannot be retried.');
    expect(mailer.sent[0].text).toContain(`Resolve the task in the console with what they did: done, no data held, or kept under a legal hold (with its basis and until-date):\nhttp://localhost/console.html#/requests/${REQUEST_ID}`);
    expect(mailer.sent[0].text).not.toMatch(/retry the task/);
  });

  it('says the processor called back that it could not do the work, when one that left the registry had done so', async () => {
    Object.assign(deps, { removed: () => true });
    // Its `failed` callback came before it was taken out, and died before telling the workflow.
    const said = (at: string, action: string) => ({ seq: 0, at, actor: 'processor', action, subject: TASK_ID, prevHash: '', hash: '' });
    repo.tasks.set(TASK_ID, { ...task(), status: 'failed', outcome: { request_status: 'failed', reason: 'account locked' }, audit: [said('2026-03-01T10:00:00.000Z', 'send'), said('2026-03-01T11:00:00.000Z', 'failed')] });
    await run({ Error: 'States.Timeout' });
    expect(mailer.sent[0].text.split('\n')[2]).toBe('metricsly called back to say it could not do the work.');
  });

  it('is mailed when the workflow says mail: true', async () => {
    await run({ Error: 'States.Timeout' }, { mail: true });
    expect(mailer.sent).toHaveLength(1);
  });
});
