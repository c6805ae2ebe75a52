import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { Agent, fetch as fetchFrom } from 'undici';
import { startRuntime } from '../local/runtime.ts';
import { LOCAL_CREDENTIALS } from '../local/services/credentials.ts';

type Mail = { destination: { to: string[] }; subject: string; body: { text?: string; html?: string }; at: number };

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};

/**
 * Each bench requester is a client of its own loopback address (127.0.0.0/8 is all loopback), a
 * hundred to an address: the intake's real per-address limit holds and is never what stops the bench.
 */
const agents = new Map<string, Agent>();
function submitFrom(i: number) {
  const k = Math.floor(i / 100);
  const address = `127.20.${Math.floor(k / 250)}.${(k % 250) + 1}`;
  let agent = agents.get(address);
  if (!agent) {
    agent = new Agent({ localAddress: address });
    agents.set(address, agent);
  }
  const dispatcher = agent;
  return (url: string, init: { method: string; headers: Record<string, string>; body: string }) => fetchFrom(url, { ...init, dispatcher });
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
 * N erasure requests through the whole flow on loopback, as the requester would make them:
 * submit the form, read the link from the mailbox, confirm; then six processors answer.
 */
export async function e2eReport(n: number, concurrency = 32) {
  const dir = mkdtempSync(join(tmpdir(), 'lethe-bench-'));
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  // Every bench request comes from one loopback address: the per-IP limit would stop it after 20.
  const rt = await startRuntime({ dataDir: dir, });
  try {
    const emails = Array.from({ length: n }, (_, i) => `bench-${i}@example.com`);
    const submittedAt = new Map<string, number>();
    const t0 = performance.now();
    await pool(emails, concurrency, async (email, i) => {
      const r = await submitFrom(i)(`${rt.urls.api}/requests`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'erasure', email, language: 'en' }),
      });
      if (r.status !== 202) throw new Error(`intake answered ${r.status}: ${await r.text()}`);
      submittedAt.set(email, performance.now());
    });
    const tSubmitted = performance.now();
    const store = (await (await fetch(rt.urls.mailStore)).json()) as { emails: Mail[] };
    const links = new Map<string, string>();
    for (const m of store.emails) {
      const text = m.body.text ?? m.body.html ?? '';
      const link = /https?:\/\/\S+\/verify\?token=[\w-]+/.exec(text)?.[0];
      if (link) links.set(m.destination.to[0], link);
    }
    const confirmedAt = new Map<string, number>();
    await pool(emails, concurrency, async (email) => {
      const link = links.get(email);
      if (!link) throw new Error(`no verification email for ${email}`);
      const token = new URL(link).searchParams.get('token') ?? '';
      const r = await fetch(`${rt.urls.api}/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token }).toString(),
      });
      if (r.status >= 400) throw new Error(`verify answered ${r.status}`);
      confirmedAt.set(email, performance.now());
    });

    const tConfirmed = performance.now();
    // Wait for every execution to finish, bounded so a stuck request is reported, not waited on.
    const deadline = Date.now() + 5 * 60_000;
    let running = Number.POSITIVE_INFINITY;
    while (running > 0 && Date.now() < deadline) {
      running = rt.engine.listExecutions({ statusFilter: 'RUNNING', maxResults: 1_000_000 }).executions.length;
      if (running) await new Promise((r) => setTimeout(r, 100));
    }
    const wall = (performance.now() - t0) / 1000;
    const phases = { submitSeconds: (tSubmitted - t0) / 1000, confirmSeconds: (tConfirmed - tSubmitted) / 1000, drainSeconds: (performance.now() - tConfirmed) / 1000 };

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
        transitions += (h.events ?? []).filter((e) => e.type?.endsWith('StateEntered')).length;
        token = h.nextToken;
      } while (token);
      if (d.stopDate && d.startDate) latencies.push(d.stopDate.getTime() - d.startDate.getTime());
    }
    const mails = ((await (await fetch(rt.urls.mailStore)).json()) as { emails: Mail[] }).emails.length;
    const suppression = await suppressionLatency(rt, 20);
    const invocations = [...rt.lambdas.invocations.values()].reduce((a, b) => a + b, 0);
    const ops = await rt.dynamoOperations();
    const writeOps = ['PutItem', 'UpdateItem', 'DeleteItem'].reduce((a, k) => a + (ops[k] ?? 0), 0);
    const batchItems = 6 * n; // plan writes one item per task, six processors for an erasure
    const readOps = ['GetItem', 'Query', 'BatchGetItem'].reduce((a, k) => a + (ops[k] ?? 0), 0);
    return {
      requests: n,
      wallSeconds: wall,
      phases,
      throughputPerSecond: n / wall,
      submitToCompletedP50Ms: pct(latencies, 50),
      submitToCompletedP95Ms: pct(latencies, 95),
      lostOrStuck: n - succeeded,
      perRequest: {
        stateTransitions: transitions / n,
        lambdaInvocations: invocations / n,
        lambdaByFunction: Object.fromEntries([...rt.lambdas.invocations].map(([k, v]) => [k, v / n])),
        dynamoWrites: (writeOps + batchItems - (ops.BatchWriteItem ? 0 : batchItems)) / n,
        dynamoReads: readOps / n,
        emails: mails / n,
        httpRequests: 2,
      },
      dynamoOperations: ops,
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
async function suppressionLatency(rt: Awaited<ReturnType<typeof startRuntime>>, n: number) {
  const { SuppressionList } = await import('../functions/adapters/suppression.ts');
  const { emailHash } = await import('../functions/shared/crypto.ts');
  const list = new SuppressionList();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const email = `objector-${i}@example.com`;
    await submitFrom(100_000 + i)(`${rt.urls.api}/requests`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'objection', email, objections: ['marketing'], language: 'en' }) });
    const store = (await (await fetch(rt.urls.mailStore)).json()) as { emails: Mail[] };
    const text = store.emails.filter((m) => m.destination.to.includes(email)).at(-1)?.body.text ?? '';
    const token = /verify\?token=([\w-]+)/.exec(text)?.[1] ?? '';
    const hash = await emailHash(email);
    const t0 = performance.now();
    await fetch(`${rt.urls.api}/verify`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${token}` });
    while (!(await list.has(hash))) {
      if (performance.now() - t0 > 10_000) break;
      await new Promise((r) => setTimeout(r, 2));
    }
    times.push(performance.now() - t0);
  }
  return { p50: pct(times, 50), p95: pct(times, 95) };
}
