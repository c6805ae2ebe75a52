import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { Agent, request } from 'undici';
import type { Registry } from '../functions/core/model.ts';
import { type Runtime, startRuntime } from '../local/runtime.ts';
import { LOCAL_CREDENTIALS } from '../local/services/credentials.ts';

type Mail = { destination: { to: string[] }; subject: string; body: { text?: string; html?: string }; at: number };

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};

/**
 * The intake allows 20 requests per client address per hour: bench requesters share a loopback
 * address (127.0.0.0/8 is all loopback on Linux) ten at a time at most, so the deployed limits
 * hold and are never what stops the bench. `base` keeps separate groups of clients apart.
 */
const PER_ADDRESS = 10;
const agents = new Map<string, Agent>();
function from(i: number, base = 10) {
  const k = Math.floor(i / PER_ADDRESS);
  const address = `127.${base + Math.floor(k / 62_500)}.${(Math.floor(k / 250) % 250) + 1}.${(k % 250) + 1}`;
  let agent = agents.get(address);
  if (!agent) {
    agent = new Agent({ localAddress: address });
    agents.set(address, agent);
  }
  const dispatcher = agent;
  // undici's request, not fetch: the requesters share the runtime's process and main thread, and
  // fetch's web streams would add their cost to what is measured.
  return async (url: string, init: { method: 'POST'; headers: Record<string, string>; body: string }) => {
    const r = await request(url, { ...init, dispatcher });
    return { status: r.statusCode, text: () => r.body.text() };
  };
}

async function pool<T>(items: T[], width: number, fn: (t: T, i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i], i);
      }
    }),
  );
}

/**
 * Waits for every execution to finish; a minute without any finishing means the rest are stuck:
 * they are reported, not waited on (a loaded machine is slow, not stuck).
 */
async function settled(rt: Runtime) {
  let running = Number.POSITIVE_INFINITY;
  let progressAt = Date.now();
  while (running > 0 && Date.now() - progressAt < 60_000) {
    const now = rt.engine.listExecutions({ statusFilter: 'RUNNING', maxResults: 1_000_000 }).executions.length;
    if (now < running) progressAt = Date.now();
    running = now;
    if (running) await new Promise((r) => setTimeout(r, 100));
  }
}

const sum = (xs: Iterable<number>) => [...xs].reduce((a, b) => a + b, 0);

/** What the runtime has counted so far: the bench reports the difference over its requests. */
async function counters(rt: Runtime) {
  const mails = ((await (await fetch(rt.urls.mailStore)).json()) as { emails: Mail[] }).emails.length;
  return {
    invocations: new Map(rt.lambdas.invocations),
    api: new Map(rt.apiRequests),
    s3: new Map(rt.s3Requests),
    billed: new Map([...rt.lambdas.billed].map(([k, v]) => [k, { ...v }] as const)),
    operations: await rt.dynamoOperations(),
    units: await rt.dynamoUnits(),
    mails,
  };
}

export type BenchedType = 'erasure' | 'access';
/** Every target of the registry, or its processors alone (no shop twin). */
export type BenchedTargets = 'all' | 'processors';

/**
 * N erasure (or access, that is export) requests through the whole flow on loopback, as the
 * requesters would make them: submit the form, read the link from the mailbox, confirm; then each
 * automated processor calls back. The bench's addresses are no customer's, so an export asks for no password.
 */
export async function e2eReport(n: number, concurrency = 64, type: BenchedType = 'erasure', targets: BenchedTargets = 'all') {
  const dir = mkdtempSync(join(tmpdir(), 'lethe-bench-'));
  // BENCH_ASSEMBLY: a cloud assembly directory to run instead of this checkout's cached synthesis.
  // 'processors': the seven processors alone, without the shop's own systems, as issue 15's round-trip budget was set.
  const registry = targets === 'processors' ? (r: Registry) => ({ ...r, processors: r.processors.filter((p) => p.category !== 'shop') }) : undefined;
  const rt = await startRuntime({ dataDir: dir, assemblyDir: process.env.BENCH_ASSEMBLY || undefined, registry });
  try {
    const before = await counters(rt);
    const emails = Array.from({ length: n }, (_, i) => `bench-${i}@example.com`);
    const load0 = await rt.dynamoLoad();
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    await pool(emails, concurrency, async (email, i) => {
      const r = await from(i)(`${rt.urls.api}/requests`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type, email, language: 'en' }),
      });
      const answer = await r.text();
      if (r.status !== 202) throw new Error(`intake answered ${r.status}: ${answer}`);
    });
    const tSubmitted = performance.now();
    const store = (await (await fetch(rt.urls.mailStore)).json()) as { emails: Mail[] };
    const links = new Map<string, string>();
    for (const m of store.emails) {
      const text = m.body.text ?? m.body.html ?? '';
      const link = /https?:\/\/\S+\/verify\?token=[\w-]+/.exec(text)?.[0];
      if (link) links.set(m.destination.to[0], link);
    }
    await pool(emails, concurrency, async (email, i) => {
      const link = links.get(email);
      if (!link) throw new Error(`no verification email for ${email}`);
      const token = new URL(link).searchParams.get('token') ?? '';
      const r = await from(i)(`${rt.urls.api}/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token }).toString(),
      });
      const page = await r.text();
      if (r.status >= 400) throw new Error(`verify answered ${r.status}: ${page.slice(0, 200)}`);
    });

    const tConfirmed = performance.now();
    await settled(rt);
    const tDrained = performance.now();
    const load1 = await rt.dynamoLoad();
    // Every request waits on dynalite's one thread: busy it is the bottleneck, whether on a core or waiting for one.
    const share = (k: 'activeMs' | 'cpuMs' | 'waitedMs') => ((load1[k] ?? Number.NaN) - (load0[k] ?? Number.NaN)) / (tDrained - t0);
    const dynamoThread = { busy: share('activeMs'), onCore: share('cpuMs'), waitingForCore: share('waitedMs') };
    // CPU time of every thread of this process (the bench's own clients included) while it ran.
    const cpu = process.cpuUsage(cpu0);
    const wall = (tDrained - t0) / 1000;
    const phases = { submitSeconds: (tSubmitted - t0) / 1000, confirmSeconds: (tConfirmed - tSubmitted) / 1000, drainSeconds: (tDrained - tConfirmed) / 1000 };
    // The whole process: the main thread, every function's worker and DynamoDB's.
    const rssMb = process.memoryUsage().rss / 2 ** 20;
    // Where it goes: each thread's V8 heap; the rest is code, stacks and the allocator's own.
    const mb = (b: number) => Math.round(b / 2 ** 20);
    const heapsMb = {
      main: mb(process.memoryUsage().heapTotal),
      dynalite: mb(await rt.dynamoHeapBytes()),
      ...Object.fromEntries(Object.entries(await rt.lambdas.heapBytes()).map(([k, v]) => [k, mb(v)])),
    };
    // BENCH_HEAP_SNAPSHOT=<file>: the main thread's heap at this point, to see what it holds.
    if (process.env.BENCH_HEAP_SNAPSHOT) writeHeapSnapshot(process.env.BENCH_HEAP_SNAPSHOT);
    const after = await counters(rt);

    // Read back as a client would: each execution's status, dates and history through the API.
    const sfn = new SFNClient({ endpoint: rt.urls.sfn, region: 'eu-west-2', credentials: LOCAL_CREDENTIALS });
    const all = rt.engine.listExecutions({ maxResults: 1_000_000 }).executions;
    const latencies: number[] = [];
    let transitions = 0;
    let succeeded = 0;
    for (const ex of all) {
      const d = await sfn.send(new DescribeExecutionCommand({ executionArn: ex.executionArn }));
      if (d.status === 'SUCCEEDED') succeeded++;
      let token: string | undefined;
      do {
        const h = await sfn.send(new GetExecutionHistoryCommand({ executionArn: ex.executionArn, nextToken: token, maxResults: 1000 }));
        // Step Functions Standard bills each state entered (the execution's start is not a state).
        transitions += (h.events ?? []).filter((e) => e.type?.endsWith('StateEntered')).length;
        token = h.nextToken;
      } while (token);
      if (d.stopDate && d.startDate) latencies.push(d.stopDate.getTime() - d.startDate.getTime());
    }
    sfn.destroy();
    const suppression = await suppressionLatency(rt, 20);
    await settled(rt); // the objections' processors call back before the runtime stops

    const delta = <K>(a: Map<K, number>, b: Map<K, number>) => new Map([...a].map(([k, v]) => [k, v - (b.get(k) ?? 0)] as const).filter(([, v]) => v > 0));
    const invocations = delta(after.invocations, before.invocations);
    const api = delta(after.api, before.api);
    const operations: Record<string, number> = {};
    for (const [k, v] of Object.entries(after.operations)) if (v > (before.operations[k] ?? 0)) operations[k] = v - (before.operations[k] ?? 0);
    const units = Object.fromEntries(Object.entries(after.units).map(([k, v]) => [k, v - before.units[k as keyof typeof before.units]])) as typeof after.units;
    const s3 = delta(after.s3, before.s3);
    // Lambda bills each invocation's duration and each init phase, by the function's memory (GB-s).
    const lambdaTime: Record<string, { invocations: number; meanMs: number; inits: number; meanInitMs: number; gbSeconds: number }> = {};
    for (const [name, b] of after.billed) {
      const a = before.billed.get(name) ?? { invocations: 0, invocationMs: 0, inits: 0, initMs: 0 };
      const [count, ms, inits, initMs] = [b.invocations - a.invocations, b.invocationMs - a.invocationMs, b.inits - a.inits, b.initMs - a.initMs];
      if (!count && !inits) continue;
      const gb = (rt.lambdas.functions.find((f) => f.name === name)?.memoryMb ?? Number.NaN) / 1024;
      lambdaTime[name] = { invocations: count, meanMs: count ? ms / count : 0, inits, meanInitMs: inits ? initMs / inits : 0, gbSeconds: ((ms + initMs) / 1000) * gb };
    }
    const readRequests = ['GetItem', 'Query', 'BatchGetItem'].reduce((a, k) => a + (operations[k] ?? 0), 0);
    return {
      type,
      requests: n,
      processors: rt.registry.processors.filter((p) => p.supports.includes(type)).length,
      targets,
      wallSeconds: wall,
      perRequestMs: (wall * 1000) / n,
      cpuMsPerRequest: (cpu.user + cpu.system) / 1000 / n,
      phases,
      throughputPerSecond: n / wall,
      rssMb,
      heapsMb,
      dynamoThread,
      executionP50Ms: pct(latencies, 50),
      executionP95Ms: pct(latencies, 95),
      executions: all.length,
      lostOrStuck: n - succeeded,
      perRequest: {
        stateTransitions: transitions / n,
        lambdaInvocations: sum(invocations.values()) / n,
        lambdaByFunction: Object.fromEntries([...invocations].map(([k, v]) => [k, v / n])),
        httpApiRequests: sum(api.values()) / n,
        httpApiByRoute: Object.fromEntries([...api].map(([k, v]) => [k, v / n])),
        dynamoWriteUnits: (units.write + units.indexWrite + units.failedConditional) / n,
        dynamoReadUnits: units.read / n,
        dynamoWriteItems: units.writeItems / n,
        dynamoReadRequests: readRequests / n,
        lambdaGbSeconds: sum(Object.values(lambdaTime).map((t) => t.gbSeconds)) / n,
        // S3 prices PUT, COPY, POST and LIST requests at one rate, GET and the rest at another.
        s3PutRequests: sum(['PUT', 'POST', 'COPY'].map((m) => s3.get(m) ?? 0)) / n,
        s3GetRequests: sum([...s3].filter(([m]) => !['PUT', 'POST', 'COPY'].includes(m)).map(([, v]) => v)) / n,
        emails: (after.mails - before.mails) / n,
      },
      dynamoUnits: units,
      lambdaTime,
      dynamoOperations: operations,
      suppressionMs: suppression,
    };
  } finally {
    await rt.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Art. 21(3): time from the requester's confirmation to their address being on the suppression
 * list, over a few objections run one at a time after the main load.
 */
async function suppressionLatency(rt: Runtime, n: number) {
  const { SuppressionList } = await import('../functions/adapters/suppression.ts');
  const { emailHash } = await import('../functions/shared/crypto.ts');
  const list = new SuppressionList();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const email = `objector-${i}@example.com`;
    const send = from(i, 200);
    await (await send(`${rt.urls.api}/requests`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'objection', email, objections: ['marketing'], language: 'en' }) })).text();
    const store = (await (await fetch(rt.urls.mailStore)).json()) as { emails: Mail[] };
    const text = store.emails.filter((m) => m.destination.to.includes(email)).at(-1)?.body.text ?? '';
    const token = /verify\?token=([\w-]+)/.exec(text)?.[1] ?? '';
    const hash = await emailHash(email);
    const t0 = performance.now();
    await (await send(`${rt.urls.api}/verify`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${token}` })).text();
    while (!(await list.has(hash))) {
      if (performance.now() - t0 > 10_000) break;
      await new Promise((r) => setTimeout(r, 2));
    }
    times.push(performance.now() - t0);
  }
  return { p50: pct(times, 50), p95: pct(times, 95) };
}

export type E2eReport = Awaited<ReturnType<typeof e2eReport>>;

// Run as a child of run.ts: one size per process (see run.ts), the report back over IPC.
if (process.send && import.meta.filename === process.argv[1]) {
  const report = await e2eReport(Number(process.argv[2]), undefined, (process.argv[3] as BenchedType | undefined) ?? 'erasure', (process.argv[4] as BenchedTargets | undefined) ?? 'all');
  process.send(report, () => process.exit(0));
}
