import { DescribeExecutionCommand, ListExecutionsCommand, SendTaskSuccessCommand, SFNClient, SFNServiceException, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StepFunctionsWorkflow } from '../../../functions/adapters/workflow.ts';
import type { StoredRequest, StoredTask } from '../../../functions/core/ports.ts';
import { logger } from '../../../functions/adapters/powertools.ts';
import { FakeBlobs, FakeMailer, FakeRepo, fixedClock, REQUEST_ID, storedRequest } from '../processors/fakes.ts';

// The admin actions load the processor registry at import: one automated processor and one manual firm.
vi.mock('../../../functions/adapters/registry.ts', async () => {
  const { processor } = await import('../processors/fakes.ts');
  return {
    registry: {
      version: 1,
      processors: [processor({ id: 'paynow', category: 'payments' }), { ...processor({ id: 'ledger-firm', category: 'collections', mode: 'manual' }), endpoint: undefined, secretRef: undefined }],
    },
  };
});
const { approveCorrection, cancel, deny, resolveTask, retryAssembly } = await import('../../../functions/admin/actions.ts');
const { sweep } = await import('../../../functions/sweeper/sweep.ts');

/**
 * An officer's action that releases the workflow (a token sent back, an execution started) records
 * that release as owed in its own write, then makes it. When Step Functions refuses for a moment
 * (throttled, or a 5xx), the action is still done and the sweeper makes the release: the officer is
 * told so, never answered a 500 that reads as nothing done.
 */
const sfn = mockClient(SFNClient);
const ARN = 'arn:aws:states:eu-west-2:123456789012:stateMachine:lethe';
const NOW = '2026-03-02T10:00:00.000Z';
const TOKEN = 'tok-escalation-secret';
afterEach(() => {
  sfn.reset();
  vi.restoreAllMocks();
});

const throttled = () => new SFNServiceException({ name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'Rate exceeded' });
const unavailable = () => new SFNServiceException({ name: 'ServiceUnavailable', $fault: 'server', $metadata: { httpStatusCode: 503 }, message: 'Service unavailable' });

function setup(over: Partial<StoredRequest>) {
  const repo = new FakeRepo();
  repo.requests.set(REQUEST_ID, storedRequest({ status: 'awaiting_manual', ...over }));
  repo.pii.set(REQUEST_ID, { email: 'ann@example.com' });
  const workflow = new StepFunctionsWorkflow(new SFNClient({ region: 'eu-west-2' }), ARN);
  const mailer = new FakeMailer();
  return { repo, mailer, workflow, deps: { repo: repo as never, mailer, workflow, clock: fixedClock(NOW), blobs: new FakeBlobs() } };
}

const ledgerTask = (): StoredTask =>
  ({ taskId: `${REQUEST_ID}.ledger-firm`, requestId: REQUEST_ID, processorId: 'ledger-firm', category: 'collections', action: 'erase', status: 'timed_out', version: 2, attempts: 1, holds: [], audit: [], token: TOKEN }) as StoredTask;

/** What the action logged about the failure: never the token, the requester's address, or their name. */
function logged(warn: { mock: { calls: unknown[][] } }) {
  const text = JSON.stringify(warn.mock.calls);
  expect(text).not.toContain(TOKEN);
  expect(text).not.toContain('ann@example.com');
  return warn.mock.calls.map((c) => c[1]);
}

/** The next sweep, with Step Functions answering again: the execution runs, and no execution ended badly. */
async function nextSweep(repo: FakeRepo, mailer: FakeMailer, workflow: StepFunctionsWorkflow) {
  sfn.reset();
  sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
  sfn.on(ListExecutionsCommand).resolves({ executions: [] });
  sfn.on(SendTaskSuccessCommand).resolves({});
  sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN}:${REQUEST_ID}` });
  sfn.on(StopExecutionCommand).resolves({ stopDate: new Date() });
  return sweep(new Date('2026-03-02T10:15:00.000Z'), { repo, mailer, workflow, tokens: {}, baseUrl: 'http://x', linksPerHour: 5, processors: [], blobs: new FakeBlobs() } as never);
}

describe('resolving a task while Step Functions refuses the token for a moment', () => {
  it.each([
    ['throttled', throttled],
    ['unavailable (5xx)', unavailable],
  ])('answers the task resolved and the workflow released by the next sweep when SendTaskSuccess is %s, and logs no token', async (_, refusal) => {
    const { repo, mailer, workflow, deps } = setup({});
    repo.tasks.set(`${REQUEST_ID}.ledger-firm`, ledgerTask());
    sfn.on(SendTaskSuccessCommand).rejects(refusal());
    const warn = vi.spyOn(logger, 'warn');
    const answer = await resolveTask(REQUEST_ID, 'ledger-firm', { outcome: 'completed', note: 'Erased by phone' }, 'officer:o', deps);
    expect(answer).toMatchObject({ status: 'resolved', workflowOwed: true });
    expect(JSON.stringify(answer)).not.toContain(TOKEN);
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(1);
    // Still owed, for the sweeper; and nothing waits for an officer any more.
    expect(repo.tasks.get(`${REQUEST_ID}.ledger-firm`)).toMatchObject({ status: 'resolved', outboxToken: { at: NOW } });
    expect(repo.requests.get(REQUEST_ID)?.status).toBe('in_progress');
    expect(logged(warn)).toContainEqual(expect.objectContaining({ requestId: REQUEST_ID, processorId: 'ledger-firm', error: refusal().name }));

    const report = await nextSweep(repo, mailer, workflow);
    expect(report.tokensSent).toEqual([`${REQUEST_ID}.ledger-firm`]);
    expect(sfn.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input.taskToken)).toEqual([TOKEN]);
    expect(repo.tasks.get(`${REQUEST_ID}.ledger-firm`)?.outboxToken).toBeUndefined();
  });

  it('answers workflowOwed: false once Step Functions took the token', async () => {
    const { repo, deps } = setup({});
    repo.tasks.set(`${REQUEST_ID}.ledger-firm`, ledgerTask());
    sfn.on(SendTaskSuccessCommand).resolves({});
    expect(await resolveTask(REQUEST_ID, 'ledger-firm', { outcome: 'completed', note: 'Erased by phone' }, 'officer:o', deps)).toMatchObject({ status: 'resolved', workflowOwed: false });
    expect(repo.tasks.get(`${REQUEST_ID}.ledger-firm`)?.outboxToken).toBeUndefined();
  });
});

describe('retrying a copy while Step Functions refuses the token for a moment', () => {
  it.each([
    ['throttled', throttled],
    ['unavailable (5xx)', unavailable],
  ])('answers the retry recorded and the assembly run by the next sweep when SendTaskSuccess is %s, and logs no token', async (_, refusal) => {
    const { repo, mailer, workflow, deps } = setup({ type: 'access', assemblyFailed: { token: TOKEN, at: NOW, error: 'ResultsUnavailable' } } as Partial<StoredRequest>);
    sfn.on(SendTaskSuccessCommand).rejects(refusal());
    const warn = vi.spyOn(logger, 'warn');
    const answer = await retryAssembly(REQUEST_ID, 'officer:o', deps);
    expect(answer).toMatchObject({ status: 'awaiting_manual', workflowOwed: true, assemblyFailed: { retriedAt: NOW, retriedBy: 'officer:o' } });
    expect(JSON.stringify(answer)).not.toContain(TOKEN);
    expect(repo.requests.get(REQUEST_ID)?.assemblyFailed).toMatchObject({ token: TOKEN, retriedAt: NOW });
    expect(logged(warn)).toContainEqual(expect.objectContaining({ requestId: REQUEST_ID, error: refusal().name }));

    const report = await nextSweep(repo, mailer, workflow);
    expect(report.assemblyRetriesSent).toEqual([REQUEST_ID]);
    expect(sfn.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input)).toEqual([{ taskToken: TOKEN, output: '{"retry":true}' }]);
  });
});

describe('approving a request while Step Functions refuses to start its execution for a moment', () => {
  it.each([
    ['throttled', throttled],
    ['unavailable (5xx)', unavailable],
  ])('answers the request approved and started by the next sweep when StartExecution is %s', async (_, refusal) => {
    const { repo, mailer, workflow, deps } = setup({ type: 'rectification', status: 'awaiting_review', details: { eraseWarranty: false, objections: [], rectification: { field: 'x', correction: 'y' } } });
    sfn.on(StartExecutionCommand).rejects(refusal());
    const warn = vi.spyOn(logger, 'warn');
    const answer = await approveCorrection(REQUEST_ID, { name: 'Ann King' }, 'officer:o', deps);
    expect(answer).toMatchObject({ status: 'verified', workflowOwed: true });
    expect(repo.requests.get(REQUEST_ID)?.status).toBe('verified');
    expect(logged(warn)).toContainEqual(expect.objectContaining({ requestId: REQUEST_ID, error: refusal().name }));
    expect(JSON.stringify(warn.mock.calls)).not.toContain('Ann King');

    sfn.reset();
    sfn.on(DescribeExecutionCommand).rejects(Object.assign(new Error('none'), { name: 'ExecutionDoesNotExist' }));
    sfn.on(ListExecutionsCommand).resolves({ executions: [] });
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN}:${REQUEST_ID}` });
    const report = await sweep(new Date('2026-03-02T10:15:00.000Z'), { repo, mailer, workflow, tokens: {}, baseUrl: 'http://x', linksPerHour: 5, processors: [], blobs: new FakeBlobs() } as never);
    expect(report.startedExecutions).toEqual([REQUEST_ID]);
    expect(sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input)).toEqual([{ stateMachineArn: ARN, name: REQUEST_ID, input: JSON.stringify({ requestId: REQUEST_ID }) }]);
  });

  it('answers workflowOwed: false once the execution started', async () => {
    const { deps } = setup({ type: 'erasure', status: 'awaiting_review' });
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN}:${REQUEST_ID}` });
    expect(await approveCorrection(REQUEST_ID, undefined, 'officer:o', deps)).toMatchObject({ status: 'verified', workflowOwed: false });
  });
});

describe('refusing or cancelling a running request while Step Functions refuses to stop its execution for a moment', () => {
  const EXECUTION = `arn:aws:states:eu-west-2:123456789012:execution:lethe:${REQUEST_ID}`;
  const closings = [
    ['refusing', 'denied', (deps: ReturnType<typeof setup>['deps']) => deny(REQUEST_ID, 'excessive', 'officer:o', deps)],
    ['cancelling', 'cancelled', (deps: ReturnType<typeof setup>['deps']) => cancel(REQUEST_ID, 'withdrawn_by_requester', 'officer:o', deps)],
  ] as const;

  it.each(closings.flatMap(([what, status, close]) => [['throttled', throttled], ['unavailable (5xx)', unavailable]].map(([how, refusal]) => [what, how, status, close, refusal] as const)))(
    '%s answers the request closed and its execution stopped by the next sweep when StopExecution is %s',
    async (_, __, status, close, refusal) => {
      const { repo, mailer, workflow, deps } = setup({ status: 'in_progress' });
      sfn.on(StopExecutionCommand).rejects((refusal as () => Error)());
      const warn = vi.spyOn(logger, 'warn');
      const answer = await close(deps);
      expect(answer).toMatchObject({ status, workflowOwed: true, noticeOwed: false });
      expect(sfn.commandCalls(StopExecutionCommand)).toHaveLength(1);
      // Owed from the closing write itself, for the sweeper.
      expect(repo.requests.get(REQUEST_ID)).toMatchObject({ status, outboxStop: { at: NOW } });
      expect(logged(warn)).toContainEqual(expect.objectContaining({ requestId: REQUEST_ID, error: (refusal as () => Error)().name }));

      const report = await nextSweep(repo, mailer, workflow);
      expect(report.executionsStopped).toEqual([REQUEST_ID]);
      expect(sfn.commandCalls(StopExecutionCommand).map((c) => c.args[0].input)).toEqual([{ executionArn: EXECUTION, error: 'Closed', cause: 'closed by the compliance team' }]);
      expect(repo.requests.get(REQUEST_ID)?.outboxStop).toBeUndefined();
      // Stopped once: the sweep after has nothing left to stop.
      expect((await nextSweep(repo, mailer, workflow)).executionsStopped).toEqual([]);
      expect(sfn.commandCalls(StopExecutionCommand)).toEqual([]);
    },
  );

  it.each(closings)('%s answers workflowOwed: false and owes nothing once Step Functions stopped the execution', async (_, status, close) => {
    const { repo, deps } = setup({ status: 'awaiting_manual' });
    sfn.on(StopExecutionCommand).resolves({ stopDate: new Date() });
    expect(await close(deps)).toMatchObject({ status, workflowOwed: false });
    expect(sfn.commandCalls(StopExecutionCommand).map((c) => c.args[0].input.executionArn)).toEqual([EXECUTION]);
    expect(repo.requests.get(REQUEST_ID)?.outboxStop).toBeUndefined();
  });

  it('counts an execution Step Functions does not know as stopped: nothing is owed', async () => {
    const { repo, deps } = setup({ status: 'in_progress' });
    sfn.on(StopExecutionCommand).rejects(new SFNServiceException({ name: 'ExecutionDoesNotExist', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'Execution does not exist' }));
    expect(await deny(REQUEST_ID, 'excessive', 'officer:o', deps)).toMatchObject({ status: 'denied', workflowOwed: false });
    expect(repo.requests.get(REQUEST_ID)?.outboxStop).toBeUndefined();
  });

  it('owes no stop for a request whose execution has not passed Plan: Plan refuses a closed request', async () => {
    const { repo, deps } = setup({ status: 'verified' });
    expect(await cancel(REQUEST_ID, 'withdrawn_by_requester', 'officer:o', deps)).toMatchObject({ status: 'cancelled', workflowOwed: false });
    expect(sfn.commandCalls(StopExecutionCommand)).toEqual([]);
    expect(repo.requests.get(REQUEST_ID)?.outboxStop).toBeUndefined();
  });

  it('leaves the stop owed when the sweeper is refused too, and stops it at the sweep after', async () => {
    const { repo, mailer, workflow, deps } = setup({ status: 'in_progress' });
    sfn.on(StopExecutionCommand).rejects(throttled());
    await deny(REQUEST_ID, 'excessive', 'officer:o', deps);
    sfn.reset();
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
    sfn.on(ListExecutionsCommand).resolves({ executions: [] });
    sfn.on(StopExecutionCommand).rejects(unavailable());
    const refused = await sweep(new Date('2026-03-02T10:15:00.000Z'), { repo, mailer, workflow, tokens: {}, baseUrl: 'http://x', linksPerHour: 5, processors: [], blobs: new FakeBlobs() } as never);
    expect([refused.executionsStopped, refused.failed]).toEqual([[], [`stop:${REQUEST_ID}`]]);
    expect(repo.requests.get(REQUEST_ID)?.outboxStop).toEqual({ at: NOW });
    expect((await nextSweep(repo, mailer, workflow)).executionsStopped).toEqual([REQUEST_ID]);
    expect(repo.requests.get(REQUEST_ID)?.outboxStop).toBeUndefined();
  });
});
