import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

/** A function as the template declares it, with its environment already resolved to local resources. */
export interface LocalFunction {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly handler: string;
  readonly assetDir: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  readonly environment: Record<string, string>;
}

/** One AWS API call a function made, as the service saw it (see worker.mjs). */
export interface RecordedCall {
  /** The function's logical id in the template. */
  readonly fn: string;
  readonly service: string;
  readonly method: string;
  readonly path: string;
  readonly target?: string;
  readonly body?: string;
}

/**
 * A crash armed for one function (tests only): its sandbox dies at the first AWS call to `service`
 * with `action` (the X-Amz-Target's operation, e.g. PutItem, or SendEmail for SES), whose body
 * contains `match` if given: `before` the request leaves, or `after` its answer arrived.
 */
export interface CrashRule {
  readonly service: string;
  readonly action: string;
  readonly when: 'before' | 'after';
  readonly match?: string;
}

/** A function's time as Lambda bills it: each invocation's duration and each init phase, rounded up to the millisecond. */
export interface BilledTime {
  invocations: number;
  invocationMs: number;
  inits: number;
  initMs: number;
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout };
/** `closing`: takes no new invocation, and is retired once those it runs are done. */
type Environment = { worker: Worker; ready: Promise<void>; pending: Map<number, Pending>; dead: boolean; closing?: boolean };
/** An invocation waiting for a free place in one of its function's workers. */
type Waiting = { event: unknown; resolve: (v: unknown) => void; reject: (e: Error) => void };

const failure = (errorType: string, errorMessage: string) => Object.assign(new Error(errorMessage), { name: errorType });

export interface PoolOptions {
  /** Host:port of each local service endpoint → the service's name, for recording calls. */
  readonly services: Record<string, string>;
  /** Record every AWS call (the IAM check in the tests reads them). */
  readonly record?: boolean;
  /** Where each function's log stream goes, as CloudWatch Logs would keep it. */
  readonly logDir: string;
  /**
   * Workers a function may have at once. @default 1: on two cores, a second worker for each busy
   * function added about 280 MB of memory and no throughput (the bench is CPU-bound).
   */
  readonly maxWorkersPerFunction?: number;
  /**
   * Invocations a worker runs at once; more wait in the pool, or go to another worker. @default 64
   * Unbounded, a worker took hundreds of invocations at once, whose SDK calls queued behind the
   * SDK's 50 sockets until they overran the function's timeout. At 16, intake, whose every 202
   * waits out its answer floor (600 ms) without using the CPU, took 26 submissions a second at most.
   */
  readonly maxInFlightPerWorker?: number;
}

/**
 * Runs each function's bundled asset in worker threads of its own: module state is never shared
 * between functions, and each sees only its own environment, as on Lambda. A worker is a sandbox:
 * two workers of one function share nothing either.
 *
 * One difference, for the sake of memory and of two cores: a worker serves several of a function's
 * concurrent invocations (maxInFlightPerWorker), where Lambda would start one sandbox per
 * concurrent invocation. A function gets a second worker when its first is full, up to
 * maxWorkersPerFunction; beyond that, invocations wait in the pool, in order, and their timeout
 * starts when a worker takes them (as if Lambda's scaling were slow, never as a throttle).
 * When an invocation overruns the template's Timeout, its worker is terminated (as Lambda ends a
 * sandbox): that invocation fails with Sandbox.Timedout, any other invocation still in the same
 * worker with Lambda.ServiceException, and a later invocation starts a fresh worker (a cold start).
 */
export class LambdaPool {
  readonly invocations = new Map<string, number>();
  /** By function name, as the workers measure it (see worker.mjs); the bench prices it. */
  readonly billed = new Map<string, BilledTime>();
  readonly calls: RecordedCall[] = [];
  private readonly byKey = new Map<string, LocalFunction>();
  private readonly envs = new Map<string, Environment[]>();
  private readonly waiting = new Map<string, Waiting[]>();
  private readonly logs = new Map<string, WriteStream>();
  private readonly crashes = new Map<string, CrashRule[]>();
  private readonly maxWorkers: number;
  private readonly maxInFlight: number;
  private next = 0;

  constructor(
    readonly functions: LocalFunction[],
    private readonly opts: PoolOptions,
  ) {
    for (const f of functions) for (const k of [f.name, f.logicalId, f.arn, f.environment.AWS_LAMBDA_FUNCTION_NAME]) if (k) this.byKey.set(k, f);
    mkdirSync(opts.logDir, { recursive: true });
    this.maxWorkers = Math.max(1, opts.maxWorkersPerFunction ?? 1);
    this.maxInFlight = Math.max(1, opts.maxInFlightPerWorker ?? 64);
  }

  /** A function by its name under functions/, its logical id, or its ARN. */
  get(key: string): LocalFunction {
    const f = this.byKey.get(key) ?? this.byKey.get(key.replace(/:\$LATEST$|:\d+$/, ''));
    if (!f) throw failure('ResourceNotFoundException', `Function not found: ${key}`);
    return f;
  }

  /**
   * Arms a crash of a function's sandbox at one AWS call (see CrashRule), as a process killed there:
   * the invocation fails with Runtime.ExitError and the next one starts a fresh sandbox. One-shot;
   * the sandboxes already running take no new invocation (a busy one finishes what it runs, then
   * goes), so that the next invocation starts one with the crash armed.
   */
  crashOn(key: string, rule: CrashRule) {
    const f = this.get(key);
    this.crashes.set(f.logicalId, [...(this.crashes.get(f.logicalId) ?? []), rule]);
    for (const env of this.envs.get(f.logicalId) ?? []) {
      if (env.pending.size === 0) this.retire(env, f);
      else env.closing = true;
    }
  }

  private log(f: LocalFunction): WriteStream {
    let s = this.logs.get(f.name);
    if (!s) {
      s = createWriteStream(join(this.opts.logDir, `${f.name}.log`), { flags: 'a' });
      this.logs.set(f.name, s);
    }
    return s;
  }

  /** A new execution environment (a cold start). */
  private start(f: LocalFunction): Environment {
    const crashes = this.crashes.get(f.logicalId) ?? [];
    this.crashes.delete(f.logicalId);
    const worker = new Worker(new URL('./worker.mjs', import.meta.url), {
      // The bundle runs as Lambda runs it: not under the loader hooks (tsx) this process may have.
      // LETHE_CPU_PROF_DIR: a V8 CPU profile of each worker (and of dynalite's) lands there, to see where the time goes.
      execArgv: process.env.LETHE_CPU_PROF_DIR ? ['--cpu-prof', '--cpu-prof-dir', process.env.LETHE_CPU_PROF_DIR] : [],
      env: f.environment,
      stdout: true,
      stderr: true,
      // The function's memory bounds its heap; a young generation of 1/32 of it keeps the resident
      // size of an idle-between-bursts worker near what it uses (V8's default is sized for servers).
      resourceLimits: { maxOldGenerationSizeMb: f.memoryMb, maxYoungGenerationSizeMb: Math.max(4, Math.round(f.memoryMb / 32)) },
      workerData: { fn: f.environment.AWS_LAMBDA_FUNCTION_NAME ?? f.name, logFile: join(this.opts.logDir, `${f.name}.log`), assetDir: f.assetDir, handler: f.handler, functionArn: f.arn, memoryMb: f.memoryMb, services: this.opts.services, record: Boolean(this.opts.record), crashes },
    });
    // Anything written before the worker took over its output (Node's own warnings) still lands in the file.
    worker.stdout.pipe(this.log(f), { end: false });
    worker.stderr.pipe(this.log(f), { end: false });
    const pending = new Map<number, Pending>();
    const env: Environment = { worker, pending, dead: false, ready: Promise.resolve() };
    env.ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (m: { ready?: boolean; initMs?: number; durationMs?: number; error?: { errorType: string; errorMessage: string }; id?: number; payload?: string; call?: RecordedCall }) => {
        if (m.call) {
          // Named by logical id: that is how the template ties a function to its role.
          this.calls.push({ ...m.call, fn: f.logicalId });
          return;
        }
        if (m.ready !== undefined) {
          if (m.initMs !== undefined) this.bill(f, 'init', m.initMs);
          if (m.ready) resolve();
          else {
            reject(failure(m.error?.errorType ?? 'Runtime.Unknown', m.error?.errorMessage ?? 'init failed'));
            this.retire(env, f);
          }
          return;
        }
        if (m.durationMs !== undefined) this.bill(f, 'invocation', m.durationMs);
        const p = pending.get(m.id as number);
        if (!p) return;
        pending.delete(m.id as number);
        clearTimeout(p.timer);
        if (m.error) p.reject(failure(m.error.errorType, m.error.errorMessage));
        else p.resolve(JSON.parse(m.payload ?? 'null'));
        if (env.closing && pending.size === 0) this.retire(env, f);
        this.drain(f);
      });
      const died = (e: Error) => {
        this.retire(env, f);
        const type = (e as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'Runtime.OutOfMemory' : 'Runtime.ExitError';
        reject(failure(type, e.message));
        for (const [id, p] of pending) {
          pending.delete(id);
          clearTimeout(p.timer);
          p.reject(failure(type, `RequestId: ${id} Error: ${e.message}`));
        }
        this.drain(f);
      };
      worker.on('error', died);
      worker.on('exit', (code) => died(new Error(`Runtime exited with error: exit status ${code}`)));
    });
    env.ready.catch(() => undefined);
    this.envs.set(f.logicalId, [...(this.envs.get(f.logicalId) ?? []), env]);
    return env;
  }

  private bill(f: LocalFunction, phase: 'init' | 'invocation', ms: number) {
    const b = this.billed.get(f.name) ?? { invocations: 0, invocationMs: 0, inits: 0, initMs: 0 };
    if (phase === 'init') {
      b.inits++;
      b.initMs += Math.ceil(ms);
    } else {
      b.invocations++;
      b.invocationMs += Math.ceil(ms);
    }
    this.billed.set(f.name, b);
  }

  /** Each function's V8 heap (all its workers), in bytes: where the bench's resident size goes. */
  async heapBytes(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const [id, envs] of this.envs) {
      for (const e of envs) {
        const s = await e.worker.getHeapStatistics().catch(() => undefined);
        if (s) out[id] = (out[id] ?? 0) + s.total_heap_size;
      }
    }
    return out;
  }

  private retire(env: Environment, f: LocalFunction) {
    if (env.dead) return;
    env.dead = true;
    this.envs.set(
      f.logicalId,
      (this.envs.get(f.logicalId) ?? []).filter((e) => e !== env),
    );
    void env.worker.terminate();
  }

  /**
   * The worker that takes an invocation now: the least busy one with room, or a new one when all
   * are full and the function may have another; undefined when it must wait.
   */
  private place(f: LocalFunction): Environment | undefined {
    const live = (this.envs.get(f.logicalId) ?? []).filter((e) => !e.closing);
    const least = live.reduce<Environment | undefined>((a, e) => (!a || e.pending.size < a.pending.size ? e : a), undefined);
    if (least && least.pending.size < this.maxInFlight) return least;
    if (live.length < this.maxWorkers) return this.start(f);
    return undefined;
  }

  /** Hands waiting invocations to workers with room, in the order they arrived. */
  private drain(f: LocalFunction) {
    const queue = this.waiting.get(f.logicalId);
    while (queue?.length) {
      const env = this.place(f);
      if (!env) return;
      const w = queue.shift() as Waiting;
      this.run(f, env, w);
    }
  }

  /** Invocations running or waiting for a worker, over every function: none, and the functions are idle (tests wait for it). */
  inFlight(): number {
    let n = 0;
    for (const envs of this.envs.values()) for (const e of envs) n += e.pending.size;
    for (const queue of this.waiting.values()) n += queue.length;
    return n;
  }

  /** Invokes a function with an event, as Lambda's Invoke (RequestResponse) would; errors carry Lambda's errorType as their name. */
  async invoke(key: string, event: unknown): Promise<unknown> {
    const f = this.get(key);
    this.invocations.set(f.name, (this.invocations.get(f.name) ?? 0) + 1);
    return new Promise((resolve, reject) => {
      const queue = this.waiting.get(f.logicalId) ?? [];
      this.waiting.set(f.logicalId, queue);
      queue.push({ event, resolve, reject });
      this.drain(f);
    });
  }

  /**
   * One invocation in a worker. It holds its place from now on, so a cold worker is not handed
   * more than it can take; the timeout runs from when the handler gets the event (the init phase
   * has a limit of its own on Lambda).
   */
  private run(f: LocalFunction, env: Environment, w: Waiting) {
    const id = ++this.next;
    const timeoutMs = f.timeoutSeconds * 1000;
    const { resolve, reject } = w;
    // Held before the worker is ready; the timer is set once the event is posted.
    env.pending.set(id, { resolve, reject, timer: undefined as unknown as NodeJS.Timeout });
    env.ready.then(
      () => {
        const p = env.pending.get(id);
        if (!p) return; // the worker died meanwhile and failed it
        p.timer = setTimeout(() => {
          env.pending.delete(id);
          reject(failure('Sandbox.Timedout', `RequestId: ${id} Error: Task timed out after ${f.timeoutSeconds.toFixed(2)} seconds`));
          for (const [other, o] of env.pending) {
            env.pending.delete(other);
            clearTimeout(o.timer);
            o.reject(failure('Lambda.ServiceException', `RequestId: ${other} Error: the execution environment was stopped when another invocation timed out`));
          }
          this.retire(env, f);
          this.drain(f);
        }, timeoutMs);
        env.worker.postMessage({ id, event: w.event, deadline: Date.now() + timeoutMs, requestId: randomUUID() });
      },
      (e: Error) => {
        // Init failed: Lambda answers each invocation of a broken sandbox with the init error.
        if (env.pending.delete(id)) reject(e);
        this.drain(f);
      },
    );
  }

  async close() {
    const envs = [...this.envs.values()].flat();
    this.envs.clear();
    this.waiting.clear();
    for (const e of envs) {
      e.dead = true;
      for (const p of e.pending.values()) clearTimeout(p.timer);
    }
    await Promise.all(envs.map((e) => e.worker.terminate()));
    await Promise.all([...this.logs.values()].map((s) => new Promise((r) => s.end(r))));
  }
}
