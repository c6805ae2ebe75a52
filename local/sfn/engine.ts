/**
 * The embedded Step Functions: the synthesized ASL, run in this process by aws-local-stepfunctions.
 *
 * What this adds to the library, and why:
 * - `.waitForTaskToken`: each task invocation gets a fresh random token (the library's context has
 *   one Task.Token per execution, so a placeholder is swapped for a real token in the payload). The
 *   task then waits for SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat through this class.
 * - TimeoutSecondsPath / HeartbeatSecondsPath: the library evaluates paths against the
 *   Parameters-resolved input, whereas AWS evaluates them against the state input. The definition
 *   is rewritten so that Parameters also carry the two values; the override enforces them, and
 *   fails the state with States.Runtime, past its Retry and Catch, when they are not positive
 *   integers or the heartbeat is not smaller than the time-out (timeoutsProblem).
 * - Persistence and restart safety: each execution (name, input, status, result, history) is a
 *   JSON file under dataDir, written atomically at start (before StartExecution answers) and at
 *   the end (in the background, off the main thread). After a crash, resume()
 *   re-runs every execution still marked RUNNING from the start, with the same name and input.
 *   That is honest because every state of Lethe's workflow is idempotent (see README).
 * - Memory: a finished execution's history is read back from its file when asked for, not kept
 *   in memory, so the engine's memory does not grow with every request that has run.
 * - A damaged file (cut short or emptied by a disk fault) does not stop the others: it is moved
 *   to quarantine/, named on the console and listed in `quarantined`. Its execution is then
 *   unknown to the engine, so the sweeper reports its open request as having lost its workflow.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ExecutionAbortedError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { z } from 'zod';
import { ASSEMBLY_CACHE } from '../assembly/synth.ts';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
export type HistoryEvent = { timestamp: Date; type: string; id: number; previousEventId: number; [details: string]: unknown };

type Execution = {
  executionArn: string;
  name: string;
  input: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
  /** In memory while the execution runs; undefined once finished and written to its file. */
  history?: HistoryEvent[];
  /** The engine has logged the execution's last event. */
  recorded?: boolean;
  /** The last background write of its file. */
  saving?: Promise<void>;
  /** The finished execution, history included, is being or has been written. */
  final?: boolean;
  abort?: () => void;
};

/** What a file must hold to be an execution; anything less is a damaged file. */
const ExecutionFile = z.looseObject({
  executionArn: z.string().min(1),
  name: z.string().min(1),
  input: z.string(),
  status: z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']),
  startDate: z.string().min(1),
  stopDate: z.string().optional(),
  history: z.array(z.looseObject({ timestamp: z.string(), type: z.string() })).optional(),
});

export type Quarantined = { file: string; movedTo: string; execution: string; reason: string };

type Waiter = { executionArn: string; resolve: (v: unknown) => void; reject: (e: Error) => void; heartbeatMs?: number; timer?: NodeJS.Timeout; deadline?: NodeJS.Timeout };

export class SfnError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

const named = (name: string, message: string) => Object.assign(new Error(message), { name });
/** What Step Functions fails a state with when the definition cannot be run as written: no Retry or Catch matches it (aws-local-stepfunctions reads the two flags), so the execution fails. */
const statesRuntime = (message: string) => Object.assign(named('States.Runtime', message), { isRetryable: false, isCatchable: false });

/**
 * Why a Task state cannot run with the time-outs its paths resolved to, as the Amazon States Language
 * has it: each a positive integer, the heartbeat smaller than the time-out. AWS refuses literal values
 * when the machine is created; values from paths are only known as the state is entered, and fail it.
 * prepare() takes both out of the library's hands, so the check is made here.
 */
function timeoutsProblem(timeoutS: unknown, heartbeatS: unknown): string | undefined {
  for (const [field, v] of [['TimeoutSeconds', timeoutS], ['HeartbeatSeconds', heartbeatS]] as const) {
    if (v !== undefined && !(Number.isInteger(v) && (v as number) >= 1)) return `${field} must be a positive integer, not ${JSON.stringify(v)}`;
  }
  if (typeof heartbeatS === 'number' && typeof timeoutS === 'number' && heartbeatS >= timeoutS) return `HeartbeatSeconds (${heartbeatS}) must be smaller than TimeoutSeconds (${timeoutS})`;
  return undefined;
}

const PLACEHOLDER = 'LETHE-LOCAL-TASK-TOKEN-PLACEHOLDER';
const TOKEN_PREFIX = 'lethe-local.';
const WAIT = ':lambda:invoke.waitForTaskToken';
const TIMEOUT_KEY = '__localTimeoutSeconds';
const HEARTBEAT_KEY = '__localHeartbeatSeconds';
const EXECUTION_KEY = '__localExecutionArn';
// setTimeout overflows past 2^31 ms; longer task timeouts are capped at about 23 days locally.
const MAX_TIMEOUT_SECONDS = 2_000_000;

type State = Record<string, unknown> & { Type: string; Resource?: string; Parameters?: Record<string, unknown> };
type Definition = { States: Record<string, State>; StartAt: string };

export interface LocalStepFunctionsOptions {
  definition: object;
  stateMachineArn: string;
  dataDir: string;
  resolveTask: (resource: string, parameters: unknown, stateName: string) => ((input: unknown) => Promise<unknown>) | undefined;
  /** Milliseconds to wait between retries, per state name; tests use it to keep backoff short. */
  retryIntervalOverrides?: Record<string, number>;
}

const VALIDATION = { checkArn: false, checkPaths: true };
const VALIDATED = join(ASSEMBLY_CACHE, 'asl-valid');
const LOCK = join(import.meta.dirname, '../../package-lock.json');
let locked: string | undefined;

/**
 * Whether asl-validator found this very definition valid before, with these options and the locked
 * versions of the libraries (its verdict depends on nothing else), kept on disk beside the cloud
 * assemblies: it takes about half a second of CPU, at every start of the runtime (each test file that
 * boots one, every `npm start`), for the same synthesized definition. A definition never found valid
 * is validated again each time, so an invalid one still fails every start.
 */
function validatedBefore(def: Definition) {
  if (locked === undefined) locked = existsSync(LOCK) ? createHash('sha256').update(readFileSync(LOCK)).digest('hex') : '';
  if (!locked) return { valid: false, remember: () => undefined };
  const marker = join(VALIDATED, createHash('sha256').update(JSON.stringify([locked, VALIDATION, def])).digest('hex').slice(0, 32));
  return {
    valid: existsSync(marker),
    remember() {
      try {
        mkdirSync(VALIDATED, { recursive: true });
        writeFileSync(marker, '');
      } catch {
        // A cache it cannot write only means validating again next time.
      }
    },
  };
}

export class LocalStepFunctions {
  private readonly executions = new Map<string, Execution>();
  private readonly waiters = new Map<string, Waiter>();
  /** The tokens each execution waits on: an execution that ends drops its own, without a scan of every waiter. */
  private readonly waitingIn = new Map<string, Set<string>>();
  private readonly finishedTokens = new Set<string>();
  private readonly machine: StateMachine;
  private readonly handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  private readonly writes = new Set<Promise<void>>();
  private closed = false;
  /** Execution files found damaged at start and moved aside. */
  readonly quarantined: Quarantined[] = [];

  constructor(private readonly opts: LocalStepFunctionsOptions) {
    mkdirSync(opts.dataDir, { recursive: true });
    const def = structuredClone(opts.definition) as Definition;
    this.prepare(def);
    const known = validatedBefore(def);
    this.machine = new StateMachine(def as unknown as StateMachineDefinition, { validationOptions: known.valid ? { noValidate: true } : VALIDATION });
    // Reached only when the definition is valid: the constructor throws otherwise.
    known.remember();
    for (const f of readdirSync(opts.dataDir).filter((f) => f.endsWith('.json'))) {
      const file = join(opts.dataDir, f);
      try {
        const { history, ...e } = this.read(file);
        void history;
        if (e.name !== f.slice(0, -'.json'.length)) throw new Error(`it holds execution ${e.name}`);
        this.executions.set(e.executionArn, e);
      } catch (err) {
        this.quarantine(file, f.slice(0, -'.json'.length), err as Error);
      }
    }
  }

  /** Moves a damaged file aside, never deleting it: what is left of it may still help an operator. */
  private quarantine(file: string, execution: string, err: Error) {
    const dir = join(this.opts.dataDir, 'quarantine');
    mkdirSync(dir, { recursive: true });
    let movedTo = join(dir, `${execution}.json`);
    for (let n = 1; existsSync(movedTo); n++) movedTo = join(dir, `${execution}.${n}.json`);
    renameSync(file, movedTo);
    const size = readFileSync(movedTo).length;
    const reason = size === 0 ? 'the file is empty' : `${err instanceof z.ZodError ? 'not an execution' : err.message} (${size} bytes)`;
    this.quarantined.push({ file, movedTo, execution, reason });
    console.error(
      `local sfn: execution file ${file} is damaged (${reason}); moved it to ${movedTo}. Execution ${execution} is lost: if its request is still open, the sweeper alerts the compliance team and records "execution-lost" on its audit trail.`,
    );
  }

  private file(name: string) {
    return join(this.opts.dataDir, `${name}.json`);
  }

  private read(file: string): Execution {
    const e = ExecutionFile.parse(JSON.parse(readFileSync(file, 'utf8')));
    return { ...e, startDate: new Date(e.startDate), stopDate: e.stopDate ? new Date(e.stopDate) : undefined, history: (e.history ?? []).map((h) => ({ ...h, timestamp: new Date(h.timestamp) }) as HistoryEvent) };
  }

  /** Walks every Task state (Map iterators included) to install overrides and carry timeout paths. */
  private prepare(def: Definition) {
    for (const [name, state] of Object.entries(def.States)) {
      const inner = (state.ItemProcessor ?? state.Iterator) as Definition | undefined;
      if (inner) this.prepare(inner);
      if (state.Type !== 'Task' || !state.Resource) continue;
      const params = (state.Parameters ?? {}) as Record<string, unknown>;
      const fn = this.opts.resolveTask(state.Resource, params, name);
      if (!fn) throw new Error(`no local handler for task state ${name} (${state.Resource})`);
      const waits = state.Resource.endsWith(WAIT);
      const extra: Record<string, unknown> = waits ? { [`${EXECUTION_KEY}.$`]: '$$.Execution.Id' } : {};
      for (const [field, key] of [['TimeoutSeconds', TIMEOUT_KEY], ['HeartbeatSeconds', HEARTBEAT_KEY]] as const) {
        if (typeof state[field] === 'number') extra[key] = state[field];
        if (typeof state[`${field}Path`] === 'string') extra[`${key}.$`] = state[`${field}Path`];
        delete state[field];
        delete state[`${field}Path`];
      }
      state.TimeoutSeconds = MAX_TIMEOUT_SECONDS;
      // Without Parameters a state passes its whole input, as on AWS; the values carried here need Parameters to ride
      // in, which would replace that input, so such a state is refused rather than run with {}.
      if (state.Parameters) state.Parameters = { ...params, ...extra };
      else if (Object.keys(extra).length) throw new Error(`task state ${name} has no Parameters: the local engine carries its time-outs or token in them, and cannot pass its whole input as AWS does`);
      this.handlers[name] = (input) => this.runTask(fn, input as Record<string, unknown>, waits);
    }
  }

  private async runTask(fn: (input: unknown) => Promise<unknown>, input: Record<string, unknown>, waits: boolean) {
    const { [TIMEOUT_KEY]: timeoutS, [HEARTBEAT_KEY]: heartbeatS, [EXECUTION_KEY]: executionArn, ...params } = input;
    const problem = timeoutsProblem(timeoutS, heartbeatS);
    if (problem) throw statesRuntime(problem);
    if (!waits) return fn(params);
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const payload = JSON.parse(JSON.stringify(params.Payload ?? {}).replaceAll(PLACEHOLDER, token));
    const result = new Promise((resolve, reject) => {
      const w: Waiter = { executionArn: String(executionArn ?? ''), resolve, reject };
      if (typeof heartbeatS === 'number') w.heartbeatMs = Math.min(heartbeatS, MAX_TIMEOUT_SECONDS) * 1000;
      if (typeof timeoutS === 'number') {
        w.deadline = setTimeout(() => this.finish(token, undefined, named('States.Timeout', 'task timed out')), Math.min(timeoutS, MAX_TIMEOUT_SECONDS) * 1000);
      }
      this.waiters.set(token, w);
      const mine = this.waitingIn.get(w.executionArn) ?? new Set<string>();
      this.waitingIn.set(w.executionArn, mine.add(token));
      this.beat(token);
    });
    // Registered before the handler runs: it may answer on its own token straight away, and the
    // task may time out before the handler returns.
    result.catch(() => undefined);
    try {
      await fn(payload);
    } catch (e) {
      this.finish(token, undefined, e as Error);
    }
    return result;
  }

  private beat(token: string) {
    const w = this.waiters.get(token);
    if (!w?.heartbeatMs) return;
    clearTimeout(w.timer);
    w.timer = setTimeout(() => this.finish(token, undefined, named('States.HeartbeatTimeout', 'no heartbeat in time')), w.heartbeatMs);
  }

  private finish(token: string, output: unknown, error?: Error) {
    const w = this.waiters.get(token);
    if (!w) return false;
    this.drop(token, w);
    if (error) w.reject(error);
    else w.resolve(output);
    return true;
  }

  private drop(token: string, w: Waiter) {
    clearTimeout(w.timer);
    clearTimeout(w.deadline);
    this.waiters.delete(token);
    this.finishedTokens.add(token);
    const mine = this.waitingIn.get(w.executionArn);
    mine?.delete(token);
    if (mine?.size === 0) this.waitingIn.delete(w.executionArn);
  }

  private waiter(token: string) {
    if (!token.startsWith(TOKEN_PREFIX)) throw new SfnError('InvalidToken', 'Invalid Token');
    if (this.finishedTokens.has(token)) throw new SfnError('TaskTimedOut', 'Task Timed Out');
    if (!this.waiters.has(token)) throw new SfnError('InvalidToken', 'Invalid Token');
    return token;
  }

  sendTaskSuccess(token: string, output: string) {
    this.finish(this.waiter(token), JSON.parse(output || '{}'));
  }
  sendTaskFailure(token: string, error = 'States.TaskFailed', cause = '') {
    this.finish(this.waiter(token), undefined, named(error, cause));
  }
  sendTaskHeartbeat(token: string) {
    this.beat(this.waiter(token));
  }

  private serialize(e: Execution) {
    const { abort, recorded, saving, final, ...data } = e;
    void abort;
    void recorded;
    void saving;
    void final;
    return JSON.stringify(data);
  }

  /** Written before the caller hears of the execution: a crash after that resumes it. */
  private persist(e: Execution) {
    const file = this.file(e.name);
    writeFileSync(`${file}.tmp`, this.serialize(e));
    renameSync(`${file}.tmp`, file);
  }

  /** The same write in the background: in order for one execution, awaited by close(). */
  private save(e: Execution): Promise<void> {
    const file = this.file(e.name);
    const json = this.serialize(e);
    const previous = e.saving;
    const write = (async () => {
      await previous?.catch(() => undefined);
      await writeFile(`${file}.tmp`, json);
      await rename(`${file}.tmp`, file);
    })();
    write.catch((err: Error) => console.error(`local sfn: could not write ${file}: ${err.message}`));
    e.saving = write;
    this.writes.add(write);
    void write.finally(() => this.writes.delete(write)).catch(() => undefined);
    return write;
  }

  /**
   * Writes a finished execution with its whole history; once written, the file holds the history
   * and memory lets it go. `force` writes the end status even if the last events are still to be
   * logged (they are written again when they are).
   */
  private release(e: Execution, force = false) {
    // No history in memory: it finished before this process started, and its file has it.
    if (e.status === 'RUNNING' || e.final || !e.history || (!e.recorded && !force)) return;
    const history = e.history;
    const write = this.save(e);
    if (!e.recorded) return;
    e.final = true;
    write.then(() => {
      if (e.history === history) e.history = undefined;
    }, () => undefined);
  }

  private arnFor(name: string) {
    return `${this.opts.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  }

  startExecution(name: string, input = '{}') {
    if (!/^[\w-]{1,80}$/.test(name)) throw new SfnError('InvalidName', `invalid execution name ${name}`);
    const executionArn = this.arnFor(name);
    const existing = this.executions.get(executionArn);
    if (existing) {
      // Idempotent only while it runs: a closed execution's name is refused whatever the input (for 90 days on AWS).
      if (existing.status !== 'RUNNING' || existing.input !== input) throw new SfnError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
      return { executionArn, startDate: existing.startDate };
    }
    JSON.parse(input);
    const e: Execution = { executionArn, name, input, status: 'RUNNING', startDate: new Date(), history: [] };
    this.executions.set(executionArn, e);
    this.persist(e);
    this.run(e);
    return { executionArn, startDate: e.startDate };
  }

  private run(e: Execution) {
    e.history = [];
    const input = JSON.parse(e.input);
    const { abort, result, eventLogs } = this.machine.run(input, {
      overrides: { taskResourceLocalHandlers: this.handlers as never, retryIntervalOverrides: this.opts.retryIntervalOverrides },
      context: { Execution: { Id: e.executionArn, Name: e.name, Input: input, StartTime: e.startDate.toISOString() }, Task: { Token: PLACEHOLDER } },
    });
    e.abort = abort;
    e.recorded = false;
    void this.record(e, e.history, eventLogs as unknown as AsyncGenerator<Record<string, unknown>>);
    result.then(
      (out) => this.settle(e, 'SUCCEEDED', { output: JSON.stringify(out ?? null) }),
      (err: Error) => {
        if (this.closed) return; // the process is stopping: stay RUNNING so a restart resumes it
        if (err instanceof ExecutionAbortedError) return this.settle(e, 'ABORTED', {});
        const inner = (err as { cause?: { name?: string; message?: string } }).cause;
        this.settle(e, 'FAILED', { error: inner?.name ?? err.name, cause: inner?.message ?? err.message });
      },
    );
  }

  private settle(e: Execution, status: ExecutionStatus, r: { output?: string; error?: string; cause?: string }) {
    if (e.status !== 'RUNNING') return;
    Object.assign(e, r, { status, stopDate: new Date(), abort: undefined });
    // Its waiting tasks are dropped, not failed: a failure would run their Catch (an escalation) after the end.
    for (const token of this.waitingIn.get(e.executionArn) ?? []) {
      const w = this.waiters.get(token);
      if (w) this.drop(token, w);
    }
    // The run's last events are usually logged by then; if not, the status is written anyway.
    setImmediate(() => {
      if (!this.closed) this.release(e, true);
    });
  }

  private async record(e: Execution, history: HistoryEvent[], logs: AsyncGenerator<Record<string, unknown>>) {
    for await (const ev of logs) {
      const state = ev.state as { name: string; type: string; input?: unknown; output?: unknown } | undefined;
      const base = { timestamp: new Date(Number(ev.timestamp)), id: history.length + 1, previousEventId: history.length };
      const type = String(ev.type);
      let mapped: Record<string, unknown>;
      if (type === 'StateEntered' && state) mapped = { type: `${state.type}StateEntered`, stateEnteredEventDetails: { name: state.name, input: JSON.stringify(state.input ?? null) } };
      else if (type === 'StateExited' && state) mapped = { type: `${state.type}StateExited`, stateExitedEventDetails: { name: state.name, output: JSON.stringify(state.output ?? null) } };
      else if (type === 'StateFailed' && state) mapped = { type: state.type === 'Task' ? 'TaskFailed' : `${state.type}StateFailed`, taskFailedEventDetails: { error: ev.Error, cause: String(ev.Cause ?? '') } };
      else if (type === 'StateRetried' && state) mapped = { type: 'TaskRetried', retryDetails: { name: state.name } };
      else if (type === 'StateCaught' && state) mapped = { type: 'TaskCaught', caughtDetails: { name: state.name } };
      else if (type === 'ExecutionStarted') mapped = { type, executionStartedEventDetails: { input: JSON.stringify(ev.input ?? null) } };
      else if (type === 'ExecutionSucceeded') mapped = { type, executionSucceededEventDetails: { output: JSON.stringify(ev.output ?? null) } };
      else if (type === 'ExecutionFailed') mapped = { type, executionFailedEventDetails: { error: ev.Error, cause: String(ev.Cause ?? '') } };
      else mapped = { type, ...(ev.index !== undefined ? { mapIterationEventDetails: { index: ev.index } } : {}) };
      history.push({ ...base, ...mapped } as HistoryEvent);
    }
    // A run restarted by resume() has a history of its own; this one's ended with its run.
    // After close(), which has written what had finished, nothing more is written.
    if (e.history !== history || this.closed) return;
    e.recorded = true;
    this.release(e);
  }

  private get(arn: string) {
    const e = this.executions.get(arn);
    if (!e) throw new SfnError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return e;
  }

  describeExecution(arn: string) {
    const e = this.get(arn);
    return {
      executionArn: e.executionArn,
      stateMachineArn: this.opts.stateMachineArn,
      name: e.name,
      status: e.status,
      startDate: e.startDate,
      stopDate: e.stopDate,
      input: e.input,
      output: e.output,
      error: e.error,
      cause: e.cause,
    };
  }

  listExecutions(q: { statusFilter?: ExecutionStatus; maxResults?: number; nextToken?: string } = {}) {
    const all = [...this.executions.values()].filter((e) => !q.statusFilter || e.status === q.statusFilter).sort((a, b) => b.startDate.getTime() - a.startDate.getTime());
    const start = Number(q.nextToken ?? 0);
    const size = q.maxResults || 100;
    return {
      executions: all.slice(start, start + size).map((e) => ({ executionArn: e.executionArn, stateMachineArn: this.opts.stateMachineArn, name: e.name, status: e.status, startDate: e.startDate, stopDate: e.stopDate })),
      nextToken: start + size < all.length ? String(start + size) : undefined,
    };
  }

  getExecutionHistory(arn: string, q: { maxResults?: number; nextToken?: string; reverseOrder?: boolean } = {}) {
    const e = this.get(arn);
    const events = [...(e.history ?? this.read(this.file(e.name)).history ?? [])];
    if (q.reverseOrder) events.reverse();
    const start = Number(q.nextToken ?? 0);
    const size = q.maxResults || 1000;
    return { events: events.slice(start, start + size), nextToken: start + size < events.length ? String(start + size) : undefined };
  }

  stopExecution(arn: string, r: { error?: string; cause?: string } = {}) {
    const e = this.get(arn);
    if (e.status === 'RUNNING') {
      this.settle(e, 'ABORTED', { error: r.error, cause: r.cause });
      e.abort?.();
    }
    return { stopDate: e.stopDate ?? new Date() };
  }

  /** Runs again, from the start, every execution that was running when the process last died. */
  async resume() {
    for (const e of this.executions.values()) if (e.status === 'RUNNING' && !e.abort) this.run(e);
  }

  async close() {
    this.closed = true;
    for (const [token, w] of this.waiters) {
      clearTimeout(w.timer);
      clearTimeout(w.deadline);
      this.waiters.delete(token);
    }
    for (const e of this.executions.values()) e.abort?.();
    // Whatever finished and is not written yet is, before the process may go.
    for (const e of this.executions.values()) this.release(e, true);
    await Promise.allSettled([...this.writes]);
  }
}
