/**
 * Which AWS calls each function makes per request: N requests of one type, one after another,
 * through the local runtime (the deployed bundles), counted at the HTTP layer of each function's
 * worker (the calls the IAM check reads), per function, service and action.
 *
 *   node --import tsx bench/calls.ts [erasure|access|…] [N]     (npm run bench:calls)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRuntime } from '../local/runtime.ts';

const type = process.argv[2] ?? 'erasure';
const n = Number(process.argv[3] ?? 5);
const dataDir = mkdtempSync(join(tmpdir(), 'lethe-calls-'));
const rt = await startRuntime({ dataDir, recordCalls: true });
const running = () => rt.engine.listExecutions({ statusFilter: 'RUNNING', maxResults: 1_000_000 }).executions.length;
try {
  // The start-up sweep's calls are not a request's.
  for (let t = 0; t < 100 && running(); t++) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 1000));
  const first = rt.lambdas.calls.length;
  const invocationsBefore = new Map(rt.lambdas.invocations);
  for (let i = 0; i < n; i++) {
    const email = `calls-${i}-${Date.now()}@example.com`;
    const r = await fetch(`${rt.urls.api}/requests`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type, email, language: 'en' }) });
    if (r.status !== 202) throw new Error(`intake answered ${r.status}: ${await r.text()}`);
    const mails = ((await (await fetch(rt.urls.mailStore)).json()) as { emails: { destination: { to: string[] }; body: { text?: string } }[] }).emails;
    const token = /verify\?token=([\w-]+)/.exec(mails.filter((m) => m.destination.to.includes(email)).at(-1)?.body.text ?? '')?.[1] ?? '';
    await (await fetch(`${rt.urls.api}/verify`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${token}` })).text();
    for (let t = 0; t < 600 && running(); t++) await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 500));
  const counts = new Map<string, number>();
  for (const c of rt.lambdas.calls.slice(first)) {
    const action = c.target ? c.target.split('.').pop() : `${c.method} ${c.path.split('?')[0]}`;
    const k = `${rt.lambdas.get(c.fn).name.padEnd(9)} ${c.service.padEnd(15)} ${action}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  let total = 0;
  console.log(`AWS calls per ${type} request (mean of ${n}):`);
  for (const [k, v] of [...counts].sort()) {
    console.log(`${(v / n).toFixed(1).padStart(6)}  ${k}`);
    total += v;
  }
  const invocations = [...rt.lambdas.invocations].map(([f, c]) => [f, (c - (invocationsBefore.get(f) ?? 0)) / n] as const).filter(([, c]) => c > 0);
  console.log(`${(total / n).toFixed(1).padStart(6)}  in all, over ${invocations.reduce((a, [, c]) => a + c, 0).toFixed(1)} invocations (${invocations.map(([f, c]) => `${f} ${c.toFixed(1)}`).join(', ')})`);
} finally {
  await rt.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
