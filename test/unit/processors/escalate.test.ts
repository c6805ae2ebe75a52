import { beforeEach, describe, expect, it } from 'vitest';
import type { StoredTask } from '../../../functions/core/ports.ts';
import { type EscalateDeps, escalate } from '../../../functions/escalate/escalate.ts';
import { bump, escalationFixture, type FakeMailer, type FakeRepo, type FakeWorkflow, REQUEST_ID } from './fakes.ts';

const TASK_ID = `${REQUEST_ID}.metricsly`;
let repo: FakeRepo;
let workflow: FakeWorkflow;
let mailer: FakeMailer;
let deps: EscalateDeps;

beforeEach(() => {
  ({ repo, workflow, mailer, deps } = escalationFixture());
});

const task = () => repo.tasks.get(TASK_ID) as StoredTask;
const run = (error: string, token = 'tok-esc') => escalate({ token, requestId: REQUEST_ID, taskId: TASK_ID, error: { Error: error, Cause: 'x' } }, deps);

describe('escalate', () => {
  it('marks a task that timed out, keeps the new token, and sets the request awaiting_manual with the reason', async () => {
    await expect(run('States.Timeout')).resolves.toEqual({ escalated: true });
    expect(task()).toMatchObject({ status: 'timed_out', token: 'tok-esc', outcome: { request_status: 'timed_out', reason: 'States.Timeout' } });
    const req = repo.requests.get(REQUEST_ID);
    expect(req?.status).toBe('awaiting_manual');
    expect(req?.audit.at(-1)).toMatchObject({ action: 'escalate', data: { task: TASK_ID, reason: 'States.Timeout' } });
    expect(workflow.calls).toEqual([]); // it waits for a human or a late callback
  });

  it('treats a missed heartbeat as a timeout', async () => {
    await run('States.HeartbeatTimeout');
    expect(task().status).toBe('timed_out');
  });

  it('marks other errors as failed', async () => {
    for (const error of ['DispatchFailed', 'DispatchRejected', 'EndpointGone']) {
      repo.tasks.set(TASK_ID, { ...task(), status: 'sent' });
      await run(error);
      expect(task()).toMatchObject({ status: 'failed', outcome: { reason: error } });
    }
  });

  it('emails the compliance team with ids and a console link, never personal data', async () => {
    await run('States.Timeout');
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0]).toMatchObject({ to: 'compliance@offtek.example', kind: 'compliance' });
    expect(mailer.sent[0].subject).toMatch(/did not answer in time/);
    expect(mailer.sent[0].text).toContain(TASK_ID);
    expect(mailer.sent[0].text).toContain(`/console.html#/requests/${REQUEST_ID}`);
  });

  it('is idempotent on a re-run: the status stays, only the waiting token changes', async () => {
    await run('States.Timeout', 'tok-1');
    const events = task().audit.length;
    await run('States.Timeout', 'tok-2');
    expect(task()).toMatchObject({ status: 'timed_out', token: 'tok-2' });
    expect(task().audit).toHaveLength(events);
    expect(repo.requests.get(REQUEST_ID)?.status).toBe('awaiting_manual');
  });

  it('waits on a task the processor itself reported failed, without a second failure event', async () => {
    repo.tasks.set(TASK_ID, { ...task(), status: 'failed', outcome: { request_status: 'failed', reason: 'locked' } });
    await run('ProcessorFailed');
    expect(task()).toMatchObject({ status: 'failed', token: 'tok-esc', outcome: { reason: 'locked' } });
    expect(repo.requests.get(REQUEST_ID)?.status).toBe('awaiting_manual');
  });

  it('mails the team a retried task’s failure that its callback owed them, and clears it, so that the sweeper does not mail it again', async () => {
    const owed = { seq: 3, owner: 'workflow', until: '2026-03-02T10:10:00.000Z', escalated: 'ProcessorFailed' };
    repo.tasks.set(TASK_ID, { ...task(), status: 'failed', retries: 1, outcome: { request_status: 'failed', reason: 'locked' }, outboxTeam: owed });
    await run('ProcessorFailed');
    expect(mailer.sent).toHaveLength(1);
    expect(task()).toMatchObject({ status: 'failed', token: 'tok-esc' });
    expect(task().outboxTeam).toBeUndefined();
  });

  it('leaves the team’s email a retried task’s failure owes to the sweeper when it escalates without mailing (SES refused it)', async () => {
    const owed = { seq: 3, owner: 'workflow', until: '2026-03-02T10:10:00.000Z', escalated: 'ProcessorFailed' };
    repo.tasks.set(TASK_ID, { ...task(), status: 'failed', retries: 1, outcome: { request_status: 'failed', reason: 'locked' }, outboxTeam: owed });
    await escalate({ token: 'tok-esc', requestId: REQUEST_ID, taskId: TASK_ID, error: { Error: 'ProcessorFailed' }, mail: false }, deps);
    expect(mailer.sent).toHaveLength(0);
    expect(task().outboxTeam).toEqual(owed);
  });

  it('completes at once when the processor’s answer arrived while the dispatch was failing', async () => {
    repo.tasks.set(TASK_ID, { ...task(), status: 'completed', outcome: { request_status: 'completed' } });
    await expect(run('DispatchFailed')).resolves.toEqual({ escalated: false });
    expect(workflow.calls).toEqual([{ op: 'success', token: 'tok-esc', output: { request_status: 'completed' } }]);
    expect(repo.requests.get(REQUEST_ID)?.status).toBe('in_progress');
    expect(mailer.sent).toHaveLength(0);
  });

  it('tells the state an officer’s resolution that came first without the officer’s note, which Step Functions would keep beyond erasure', async () => {
    const outcome = { request_status: 'resolved' as const, reason: 'retained', legal_basis: 'legal_claims' as const, retained_until: '2031-01-31', note: 'Jane Doe’s claim, file 42' };
    repo.tasks.set(TASK_ID, { ...task(), status: 'resolved', outcome });
    await expect(run('States.Timeout')).resolves.toEqual({ escalated: false });
    expect(workflow.calls).toEqual([{ op: 'success', token: 'tok-esc', output: { request_status: 'resolved', reason: 'retained', legal_basis: 'legal_claims', retained_until: '2031-01-31' } }]);
  });
});

describe('escalate, for a request refused or cancelled while its execution still runs', () => {
  it.each(['denied', 'cancelled'] as const)('escalates nothing of a %s request and alerts nobody: the state is released at once', async (status) => {
    bump(repo.requests, REQUEST_ID, { status });
    await expect(run('States.Timeout')).resolves.toEqual({ escalated: false });
    expect(task()).toMatchObject({ status: 'sent', token: 'tok-dispatch', version: 1 });
    expect(repo.requests.get(REQUEST_ID)?.status).toBe(status);
    expect(mailer.sent).toEqual([]);
    expect(workflow.calls).toEqual([{ op: 'success', token: 'tok-esc', output: { closed: status } }]);
  });
});

describe('escalate under concurrency', () => {
  it('escalates the request before the task exposes its new token, so a late callback finds the request settled', async () => {
    await run('States.Timeout');
    expect(repo.log).toEqual(['request:awaiting_manual', 'task:metricsly:timed_out:tok-esc']);
  });

  it('survives another task’s escalation writing the request at the same moment', async () => {
    repo.beforeRequestWrite = (r) => bump(r.requests, REQUEST_ID, { status: 'awaiting_manual' });
    await expect(run('DispatchFailed')).resolves.toEqual({ escalated: true });
    expect(task().status).toBe('failed');
    expect(repo.requests.get(REQUEST_ID)?.status).toBe('awaiting_manual');
  });

  it('releases its own token when a callback completes the task in the middle of the escalation', async () => {
    repo.beforeTaskWrite = (r) => bump(r.tasks, TASK_ID, { status: 'completed', outcome: { request_status: 'completed' } });
    await expect(run('DispatchFailed')).resolves.toEqual({ escalated: false });
    expect(workflow.calls).toEqual([{ op: 'success', token: 'tok-esc', output: { request_status: 'completed' } }]);
    expect(mailer.sent).toEqual([]);
  });

  it('puts the request back in progress when a callback completes the task after the request was escalated, so nothing shows it waiting for an officer', async () => {
    // The callback lands between Escalate's two writes: the request waits for an officer, the task it waited for is answered.
    repo.beforeTaskWrite = (r) => bump(r.tasks, TASK_ID, { status: 'completed', outcome: { request_status: 'completed' } });
    await expect(run('States.Timeout')).resolves.toEqual({ escalated: false });
    const req = repo.requests.get(REQUEST_ID);
    expect(req?.status).toBe('in_progress');
    expect(req?.audit.map((e) => e.action)).toEqual(['escalate', 'unblock']);
  });

  it('leaves the request waiting for an officer when another of its tasks still waits for one', async () => {
    repo.tasks.set(`${REQUEST_ID}.paynow`, { ...task(), taskId: `${REQUEST_ID}.paynow`, processorId: 'paynow', status: 'failed' });
    repo.beforeTaskWrite = (r) => bump(r.tasks, TASK_ID, { status: 'completed', outcome: { request_status: 'completed' } });
    await run('States.Timeout');
    expect(repo.requests.get(REQUEST_ID)?.status).toBe('awaiting_manual');
  });
});
