import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LOCAL_CREDENTIALS } from '../../../local/services/credentials.ts';
import { LocalStepFunctions } from '../../../local/sfn/engine.ts';
import { startSfnServer } from '../../../local/sfn/server.ts';
import { workflow } from '../../support/assembly.ts';

const SM = 'arn:aws:states:eu-west-2:000000000000:stateMachine:test';
type Fn = (input: Record<string, unknown>) => Promise<unknown>;

let dir: string;
let engine: LocalStepFunctions;
let server: Awaited<ReturnType<typeof startSfnServer>>;
let sfn: SFNClient;
let tokens: { taskId: string; token: string }[];
let handlers: Record<string, Fn>;

const until = async (check: () => Promise<boolean> | boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

async function boot(defaults: Partial<Record<string, Fn>> = {}) {
  tokens = [];
  handlers = {
    plan: async (i) => ({ requestId: i.requestId, export: false, tasks: [1, 2, 3, 4, 5, 6].map((n) => ({ taskId: `t${n}`, heartbeatSeconds: 60, timeoutSeconds: 120 })) }),
    dispatch: async (i) => {
      tokens.push({ taskId: String(i.taskId), token: String(i.token) });
    },
    escalate: async (i) => {
      tokens.push({ taskId: `escalated:${i.taskId}:${(i.error as { Error: string }).Error}`, token: String(i.token) });
    },
    assemble: async () => ({}),
    notify: async () => ({ done: true }),
    ...defaults,
  } as Record<string, Fn>;
  const { definition, arns } = workflow();
  const byArn = new Map(Object.keys(handlers).map((n) => [arns[n], n]));
  engine = new LocalStepFunctions({
    definition,
    stateMachineArn: SM,
    dataDir: dir,
    resolveTask: (resource, params) => {
      const arn = resource.endsWith('waitForTaskToken') ? String((params as { FunctionName: string }).FunctionName) : resource;
      const fn = byArn.get(arn);
      return fn ? (input) => handlers[fn](input as Record<string, unknown>) : undefined;
    },
    retryIntervalOverrides: { Dispatch: 1 },
  });
  server = await startSfnServer(engine);
  sfn = new SFNClient({ endpoint: server.url, region: 'eu-west-2', credentials: LOCAL_CREDENTIALS });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lethe-sfn-'));
});
afterEach(async () => {
  await engine?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const start = (name: string, input = { requestId: name }) => sfn.send(new StartExecutionCommand({ stateMachineArn: SM, name, input: JSON.stringify(input) }));
const status = async (arn: string) => (await sfn.send(new DescribeExecutionCommand({ executionArn: arn }))).status;

describe('embedded Step Functions running the synthesized ASL', () => {
  it('refuses an invalid definition at every start, a valid one before and after it started as ever (asl-validator\'s verdict is remembered for valid ones only)', async () => {
    const valid = { StartAt: 'A', States: { A: { Type: 'Pass', End: true } } };
    const invalid = { StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Nowhere' } } };
    const start = (definition: object) => new LocalStepFunctions({ definition, stateMachineArn: SM, dataDir: dir, resolveTask: () => undefined });
    for (let i = 0; i < 2; i++) {
      expect(() => start(valid)).not.toThrow();
      expect(() => start(invalid)).toThrow(/State machine definition is invalid/);
    }
  });

  it('runs Plan, waits on six real task tokens, then completes in 11 transitions', async () => {
    await boot();
    const { executionArn } = await start('r1');
    await until(() => tokens.length === 6);
    expect(new Set(tokens.map((t) => t.token)).size).toBe(6);
    for (const t of tokens) await sfn.send(new SendTaskSuccessCommand({ taskToken: t.token, output: '{"request_status":"completed"}' }));
    await until(async () => (await status(executionArn ?? '')) === 'SUCCEEDED');
    const h = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    expect(h.events?.filter((e) => e.type?.endsWith('StateEntered')).length).toBe(11);
    expect(h.events?.[0].timestamp).toBeInstanceOf(Date);
  });

  it('keeps a finished execution\'s history in its file, where a restarted engine reads it', async () => {
    await boot();
    const { executionArn } = await start('r9');
    await until(() => tokens.length === 6);
    for (const t of tokens) await sfn.send(new SendTaskSuccessCommand({ taskToken: t.token, output: '{"request_status":"completed"}' }));
    await until(async () => (await status(executionArn ?? '')) === 'SUCCEEDED');
    await engine.close();
    await server.close();
    await boot();
    expect(await status(executionArn ?? '')).toBe('SUCCEEDED');
    const h = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    expect(h.events?.filter((e) => e.type?.endsWith('StateEntered')).length).toBe(11);
    expect(h.events?.at(-1)?.type).toBe('ExecutionSucceeded');
  });

  it('starts one execution per name and refuses the same name with other input', async () => {
    await boot();
    const a = await start('r2');
    const b = await start('r2');
    expect(b.executionArn).toBe(a.executionArn);
    await expect(start('r2', { requestId: 'other' })).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
  });

  it('refuses a closed execution\'s name even with the same input, as Step Functions does for 90 days', async () => {
    await boot();
    const { executionArn } = await start('r2c');
    await until(() => tokens.length === 6);
    await sfn.send(new StopExecutionCommand({ executionArn }));
    await expect(start('r2c')).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
    expect(await status(executionArn ?? '')).toBe('ABORTED');
  });

  it('routes SendTaskFailure to the escalation, which waits on a token of its own', async () => {
    await boot();
    await start('r3');
    await until(() => tokens.length === 6);
    const first = tokens[0];
    await sfn.send(new SendTaskFailureCommand({ taskToken: first.token, error: 'ProcessorFailed', cause: 'no' }));
    await until(() => tokens.some((t) => t.taskId === `escalated:${first.taskId}:ProcessorFailed`));
  });

  it('refuses a used token with TaskTimedOut and an unknown one with InvalidToken', async () => {
    await boot();
    await start('r4');
    await until(() => tokens.length === 6);
    await sfn.send(new SendTaskSuccessCommand({ taskToken: tokens[0].token, output: '{}' }));
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken: tokens[0].token, output: '{}' }))).rejects.toMatchObject({ name: 'TaskTimedOut' });
    await expect(sfn.send(new SendTaskHeartbeatCommand({ taskToken: 'forged' }))).rejects.toMatchObject({ name: 'InvalidToken' });
  });

  it('escalates a task whose processor never heartbeats, and one that heartbeats but outlasts its time-out', async () => {
    await boot({
      plan: async (i) => ({
        requestId: i.requestId,
        export: false,
        tasks: [
          { taskId: 'slow-heartbeat', heartbeatSeconds: 1, timeoutSeconds: 60 },
          { taskId: 'slow-timeout', heartbeatSeconds: 1, timeoutSeconds: 2 },
        ],
      }),
    });
    await start('r5');
    await until(() => tokens.some((t) => t.taskId === 'slow-timeout'));
    const beating = tokens.find((t) => t.taskId === 'slow-timeout')?.token;
    // Its heartbeats carry it past its heartbeat interval, never past its time-out.
    const beat = setInterval(() => void sfn.send(new SendTaskHeartbeatCommand({ taskToken: beating })).catch(() => undefined), 300);
    try {
      await until(() => tokens.filter((t) => t.taskId.startsWith('escalated')).length === 2, 5000);
    } finally {
      clearInterval(beat);
    }
    expect(tokens.map((t) => t.taskId)).toEqual(
      expect.arrayContaining(['escalated:slow-heartbeat:States.HeartbeatTimeout', 'escalated:slow-timeout:States.Timeout']),
    );
  });

  it('fails the execution with States.Runtime, past every retrier and catcher, when a task\'s heartbeat is not below its time-out, as Step Functions does', async () => {
    await boot({
      plan: async (i) => ({ requestId: i.requestId, export: false, tasks: [{ taskId: 'no-room', heartbeatSeconds: 60, timeoutSeconds: 60 }] }),
    });
    const { executionArn } = await start('r5b');
    await until(async () => (await status(executionArn ?? '')) === 'FAILED');
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect([d.error, d.cause]).toEqual(['States.Runtime', 'HeartbeatSeconds (60) must be smaller than TimeoutSeconds (60)']);
    // Neither sent to the processor nor escalated: the state failed as it was entered.
    expect(tokens).toEqual([]);
    const h = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    expect(h.events?.filter((e) => e.type === 'TaskFailed').map((e) => e.taskFailedEventDetails?.error)).toEqual(['States.Runtime']);
    const types = h.events?.map((e) => String(e.type)) ?? [];
    expect(types.filter((t) => t === 'TaskRetried' || t === 'TaskCaught')).toEqual([]);
    expect(types.at(-1)).toBe('ExecutionFailed');
  });

  it('keeps a task alive while heartbeats arrive', async () => {
    await boot({
      plan: async (i) => ({ requestId: i.requestId, export: false, tasks: [{ taskId: 'beating', heartbeatSeconds: 1, timeoutSeconds: 60 }] }),
    });
    await start('r6');
    await until(() => tokens.length === 1);
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 500));
      await sfn.send(new SendTaskHeartbeatCommand({ taskToken: tokens[0].token }));
    }
    expect(tokens).toHaveLength(1);
  });

  it('retries a failed dispatch by its error name before escalating', async () => {
    let calls = 0;
    await boot({
      plan: async (i) => ({ requestId: i.requestId, export: false, tasks: [{ taskId: 'flaky', heartbeatSeconds: 30, timeoutSeconds: 60 }] }),
      dispatch: async () => {
        calls++;
        throw Object.assign(new Error('500 from processor'), { name: 'DispatchFailed' });
      },
    });
    await start('r7');
    await until(() => tokens.some((t) => t.taskId === 'escalated:flaky:DispatchFailed'));
    expect(calls).toBe(4); // the first try and three retries, as the ASL says
  });

  it('runs a dispatch whose sandbox died again, and escalates a deliberate refusal at its first try', async () => {
    const calls: Record<string, number> = {};
    await boot({
      plan: async (i) => ({
        requestId: i.requestId,
        export: false,
        tasks: ['crashed', 'refused'].map((taskId) => ({ taskId, heartbeatSeconds: 30, timeoutSeconds: 60 })),
      }),
      dispatch: async (i) => {
        const id = String(i.taskId);
        calls[id] = (calls[id] ?? 0) + 1;
        if (id === 'refused') throw Object.assign(new Error('processor secret holds no whsec_ key'), { name: 'SecretNotConfigured' });
        if (calls[id] === 1) throw Object.assign(new Error('Runtime exited with error: exit status 86'), { name: 'Runtime.ExitError' });
        tokens.push({ taskId: id, token: String(i.token) });
      },
    });
    await start('r7b');
    await until(() => tokens.length === 2); // each task's waiting state: its Dispatch, or its Escalate
    expect(tokens.map((t) => t.taskId).toSorted()).toEqual(['crashed', 'escalated:refused:SecretNotConfigured']);
    expect(calls).toEqual({ crashed: 2, refused: 1 });
  });

  it('runs a dispatch whose DynamoDB write was throttled again, and escalates at its first try each refusal, the processor’s own failure and its silence', async () => {
    const calls: Record<string, number> = {};
    const refusals = ['DispatchRejected', 'EndpointGone', 'SecretNotConfigured', 'NotFound', 'ProcessorFailed'];
    await boot({
      plan: async (i) => ({
        requestId: i.requestId,
        export: false,
        tasks: ['throttled', 'silent', ...refusals].map((taskId) => ({ taskId, heartbeatSeconds: taskId === 'silent' ? 1 : 30, timeoutSeconds: 60 })),
      }),
      dispatch: async (i) => {
        const id = String(i.taskId);
        calls[id] = (calls[id] ?? 0) + 1;
        if (refusals.includes(id)) throw Object.assign(new Error(`refused: ${id}`), { name: id });
        if (id === 'throttled' && calls[id] === 1) throw Object.assign(new Error('The level of configured provisioned throughput for the table was exceeded'), { name: 'ProvisionedThroughputExceededException' });
        tokens.push({ taskId: id, token: String(i.token) });
      },
    });
    await start('r7c');
    // Each task's waiting state: the throttled one's Dispatch, run again; the others' Escalate (the silent one's after its Dispatch).
    await until(() => tokens.length === refusals.length + 3);
    const waiting = ['throttled', 'silent', 'escalated:silent:States.HeartbeatTimeout', ...refusals.map((r) => `escalated:${r}:${r}`)];
    expect(tokens.map((t) => t.taskId).toSorted()).toEqual(waiting.toSorted());
    expect(calls).toEqual({ throttled: 2, silent: 1, ...Object.fromEntries(refusals.map((r) => [r, 1])) });
  });

  it('stops an execution on request', async () => {
    await boot();
    const { executionArn } = await start('r8');
    await until(() => tokens.length === 6);
    await sfn.send(new StopExecutionCommand({ executionArn }));
    expect(await status(executionArn ?? '')).toBe('ABORTED');
  });

  it('drops the waiting tasks of a stopped execution only, leaving another execution waiting', async () => {
    await boot();
    const stopped = await start('r8a');
    await until(() => tokens.length === 6);
    const running = await start('r8b');
    await until(() => tokens.length === 12);
    await sfn.send(new StopExecutionCommand({ executionArn: stopped.executionArn }));
    for (const t of tokens.slice(0, 6)) await expect(sfn.send(new SendTaskSuccessCommand({ taskToken: t.token, output: '{}' }))).rejects.toMatchObject({ name: 'TaskTimedOut' });
    for (const t of tokens.slice(6)) await sfn.send(new SendTaskSuccessCommand({ taskToken: t.token, output: '{}' }));
    await until(async () => (await status(running.executionArn ?? '')) === 'SUCCEEDED');
  });

  it('resumes an unfinished execution after a restart, under the same arn', async () => {
    await boot();
    const { executionArn } = await start('r9');
    await until(() => tokens.length === 6);
    engine.close();
    await server.close();
    await boot();
    await engine.resume();
    await until(() => tokens.length === 6);
    for (const t of tokens) await sfn.send(new SendTaskSuccessCommand({ taskToken: t.token, output: '{}' }));
    await until(async () => (await status(executionArn ?? '')) === 'SUCCEEDED');
  });

  it('moves a cut-off and an emptied execution file to quarantine, names them, and resumes the rest', async () => {
    await boot();
    for (const name of ['cut', 'emptied', 'intact']) await start(name);
    await until(() => tokens.length === 18);
    await engine.close();
    await server.close();
    // A disk fault: one file loses its end, another everything.
    const whole = readFileSync(join(dir, 'cut.json'), 'utf8');
    writeFileSync(join(dir, 'cut.json'), whole.slice(0, whole.length / 2));
    writeFileSync(join(dir, 'emptied.json'), '');
    const logged: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((m: string) => void logged.push(m));
    try {
      await boot();
    } finally {
      spy.mockRestore();
    }
    expect(engine.quarantined.map((q) => [q.execution, q.movedTo])).toEqual([
      ['cut', join(dir, 'quarantine', 'cut.json')],
      ['emptied', join(dir, 'quarantine', 'emptied.json')],
    ]);
    expect(engine.quarantined[1].reason).toBe('the file is empty');
    expect(logged).toHaveLength(2);
    expect(logged[0]).toContain(join(dir, 'cut.json'));
    expect(logged[1]).toContain(join(dir, 'emptied.json'));
    // What was left of the file is kept as it was.
    expect(readFileSync(join(dir, 'quarantine', 'cut.json'), 'utf8')).toBe(whole.slice(0, whole.length / 2));
    expect(readdirSync(dir).sort()).toEqual(['intact.json', 'quarantine']);
    await expect(status(`${SM.replace(':stateMachine:', ':execution:')}:cut`)).rejects.toThrow(/Execution Does Not Exist/);
    tokens = [];
    await engine.resume();
    await until(() => tokens.length === 6);
    for (const t of tokens) await sfn.send(new SendTaskSuccessCommand({ taskToken: t.token, output: '{}' }));
    await until(async () => (await status(`${SM.replace(':stateMachine:', ':execution:')}:intact`)) === 'SUCCEEDED');
  });
});
