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

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout };
type Environment = { worker: Worker; ready: Promise<void>; pending: Map<number, Pending>; dead: boolean };

const failure = (errorType: string, errorMessage: string) => Object.assign(new Error(errorMessage), { name: errorType });

export interface PoolOptions {
  /** Host:port of each local service endpoint → the service's name, for recording calls. */
  readonly services: Record<string, string>;
  /** Record every AWS call (the IAM check in the tests reads them). */
  readonly record?: boolean;
  /** Where each function's log stream goes, as CloudWatch Logs would keep it. */
  readonly logDir: string;
}

/**
 * Runs each function's bundled asset in a worker thread of its own: module state is never shared
 * between functions, and each sees only its own environment, as on Lambda.
 *
 * One difference, for the sake of memory: a worker serves a function's concurrent invocations,
 * where Lambda would start one sandbox per concurrent invocation. When an invocation overruns the
 * template's Timeout, the worker is terminated (as Lambda ends a sandbox): that invocation fails
 * with Sandbox.Timedout, any other invocation still in the same worker with Lambda.ServiceException,
 * and the next invocation starts a fresh worker (a cold start).
 */
export class LambdaPool {
  readonly invocations = new Map<string, number>();
  readonly calls: RecordedCall[] = [];
  private readonly byKey = new Map<string, LocalFunction>();
  private readonly envs = new Map<string, Environment>();
  private readonly logs = new Map<string, WriteStream>();
  private readonly crashes = new Map<string, CrashRule[]>();
  private next = 0;

  constructor(
    readonly functions: LocalFunction[],
    private readonly opts: PoolOptions,
  ) {
    for (const f of functions) for (const k of [f.name, f.logicalId, f.arn, f.environment.AWS_LAMBDA_FUNCTION_NAME]) if (k) this.byKey.set(k, f);
    mkdirSync(opts.logDir, { recursive: true });
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
   * the sandbox in use is retired so that the next invocation starts with the crash armed.
   */
  crashOn(key: string, rule: CrashRule) {
    const f = this.get(key);
    this.crashes.set(f.logicalId, [...(this.crashes.get(f.logicalId) ?? []), rule]);
    const env = this.envs.get(f.logicalId);
    if (env && !env.dead && env.pending.size === 0) this.retire(env, f);
  }

  private log(f: LocalFunction): WriteStream {
    let s = this.logs.get(f.name);
    if (!s) {
      s = createWriteStream(join(this.opts.logDir, `${f.name}.log`), { flags: 'a' });
      this.logs.set(f.name, s);
    }
    return s;
  }

  private environment(f: LocalFunction): Environment {
    const existing = this.envs.get(f.logicalId);
    if (existing && !existing.dead) return existing;
    const crashes = this.crashes.get(f.logicalId) ?? [];
    this.crashes.delete(f.logicalId);
    const worker = new Worker(new URL('./worker.mjs', import.meta.url), {
      env: f.environment,
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: f.memoryMb },
      workerData: { fn: f.environment.AWS_LAMBDA_FUNCTION_NAME ?? f.name, assetDir: f.assetDir, handler: f.handler, functionArn: f.arn, memoryMb: f.memoryMb, services: this.opts.services, record: Boolean(this.opts.record), crashes },
    });
    worker.stdout.pipe(this.log(f), { end: false });
    worker.stderr.pipe(this.log(f), { end: false });
    const pending = new Map<number, Pending>();
    const env: Environment = { worker, pending, dead: false, ready: Promise.resolve() };
    env.ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (m: { ready?: boolean; error?: { errorType: string; errorMessage: string }; id?: number; payload?: string; call?: RecordedCall }) => {
        if (m.call) {
          // Named by logical id: that is how the template ties a function to its role.
          this.calls.push({ ...m.call, fn: f.logicalId });
          return;
        }
        if (m.ready !== undefined) {
          if (m.ready) resolve();
          else {
            reject(failure(m.error?.errorType ?? 'Runtime.Unknown', m.error?.errorMessage ?? 'init failed'));
            this.retire(env, f);
          }
          return;
        }
        const p = pending.get(m.id as number);
        if (!p) return;
        pending.delete(m.id as number);
        clearTimeout(p.timer);
        if (m.error) p.reject(failure(m.error.errorType, m.error.errorMessage));
        else p.resolve(JSON.parse(m.payload ?? 'null'));
      });
      const died = (e: Error) => {
        env.dead = true;
        const type = (e as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'Runtime.OutOfMemory' : 'Runtime.ExitError';
        reject(failure(type, e.message));
        for (const [id, p] of pending) {
          pending.delete(id);
          clearTimeout(p.timer);
          p.reject(failure(type, `RequestId: ${id} Error: ${e.message}`));
        }
      };
      worker.on('error', died);
      worker.on('exit', (code) => died(new Error(`Runtime exited with error: exit status ${code}`)));
    });
    env.ready.catch(() => undefined);
    this.envs.set(f.logicalId, env);
    return env;
  }

  private retire(env: Environment, f: LocalFunction) {
    env.dead = true;
    if (this.envs.get(f.logicalId) === env) this.envs.delete(f.logicalId);
    void env.worker.terminate();
  }

  /** Invokes a function with an event, as Lambda's Invoke (RequestResponse) would; errors carry Lambda's errorType as their name. */
  async invoke(key: string, event: unknown): Promise<unknown> {
    const f = this.get(key);
    this.invocations.set(f.name, (this.invocations.get(f.name) ?? 0) + 1);
    const env = this.environment(f);
    await env.ready;
    const id = ++this.next;
    const timeoutMs = f.timeoutSeconds * 1000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        env.pending.delete(id);
        reject(failure('Sandbox.Timedout', `RequestId: ${id} Error: Task timed out after ${f.timeoutSeconds.toFixed(2)} seconds`));
        for (const [other, p] of env.pending) {
          env.pending.delete(other);
          clearTimeout(p.timer);
          p.reject(failure('Lambda.ServiceException', `RequestId: ${other} Error: the execution environment was stopped when another invocation timed out`));
        }
        this.retire(env, f);
      }, timeoutMs);
      env.pending.set(id, { resolve, reject, timer });
      env.worker.postMessage({ id, event, deadline: Date.now() + timeoutMs, requestId: randomUUID() });
    });
  }

  async close() {
    const envs = [...this.envs.values()];
    this.envs.clear();
    for (const e of envs) {
      e.dead = true;
      for (const p of e.pending.values()) clearTimeout(p.timer);
    }
    await Promise.all(envs.map((e) => e.worker.terminate()));
    await Promise.all([...this.logs.values()].map((s) => new Promise((r) => s.end(r))));
  }
}
