import { fork } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { ensureAssembly } from '../local/assembly/synth.ts';
import { bundleReport, printBundleReport } from './bundle.ts';
import type { BenchedTargets, BenchedType, E2eReport } from './e2e.ts';

/**
 * `npm run bench [assembly dir]`: per-function bundle size and cold import time of the assets in a
 * cloud assembly (by default the one `npm start` runs), then erasures end to end on the embedded
 * runtime, BENCH_SMALL (default 100) and then BENCH_REQUESTS (default 1,000), so that the
 * per-request times compare, then BENCH_EXPORTS exports (default: the smaller size); each priced per
 * request from what the run measured, at the list prices of one region in bench/prices.json.
 */
const prices = JSON.parse(readFileSync(new URL('./prices.json', import.meta.url), 'utf8'));
const n = Number(process.env.BENCH_REQUESTS ?? 1000);
const small = Number(process.env.BENCH_SMALL ?? 100);
/** Exports (access requests) run apart, at this size; 0 skips them. */
const exportsN = Number(process.env.BENCH_EXPORTS ?? (small > 0 && small < n ? small : n));
/** Erasures across the seven processors alone (no shop twin), for issue 15's round-trip budget; 0 skips them. */
const sevenN = Number(process.env.BENCH_SEVEN ?? (small > 0 && small < n ? small : n));
const skipBundles = process.argv.includes('--e2e-only');

mkdirSync(new URL('./results/', import.meta.url), { recursive: true });

// By default the assembly the local runtime runs (synthesized if functions/, infra/… changed).
const assemblyDir = process.argv.slice(2).find((a) => !a.startsWith('--')) ?? ensureAssembly();
if (!skipBundles) printBundleReport(await bundleReport(assemblyDir));

/**
 * Each size runs in a process of its own, one after the other: a fresh runtime and a fresh RSS,
 * and the functions' adapters (module singletons bound to the endpoints of the runtime that first
 * loaded them, used here by the seed and the suppression check) loaded again.
 */
const e2eReport = (size: number, type: BenchedType, targets: BenchedTargets = 'all') =>
  new Promise<E2eReport>((resolve, reject) => {
    const child = fork(new URL('./e2e.ts', import.meta.url), [String(size), type, targets], { env: { ...process.env, BENCH_ASSEMBLY: assemblyDir } });
    let report: E2eReport | undefined;
    child.on('message', (m) => {
      report = m as E2eReport;
    });
    child.on('exit', (code) => (report ? resolve(report) : reject(new Error(`the ${size}-request run exited with code ${code}`))));
  });

const runs: E2eReport[] = [];
for (const size of small > 0 && small < n ? [small, n] : [n]) runs.push(await e2eReport(size, 'erasure'));
// Exports apart: their flow has one more state (Assemble), an S3 object and processors' results.
if (exportsN > 0) runs.push(await e2eReport(exportsN, 'access'));
const seven = sevenN > 0 ? await e2eReport(sevenN, 'erasure', 'processors') : undefined;
const erasures = runs.filter((r) => r.type === 'erasure');
const [first, e] = erasures.length === 2 ? erasures : [undefined, erasures[0]];
const p = e.perRequest;

/** Per request, at the list prices of prices.json: every quantity measured by the run, none assumed. */
const costOf = (r: E2eReport) => {
  const q = r.perRequest;
  return {
    stepFunctions: q.stateTransitions * prices.stepFunctionsStandardPerTransition,
    lambda: q.lambdaInvocations * prices.lambdaPerRequest + q.lambdaGbSeconds * prices.lambdaArmPerGbSecond,
    dynamoDb: q.dynamoWriteUnits * prices.dynamoDbOnDemandPerWriteRequestUnit + q.dynamoReadUnits * prices.dynamoDbOnDemandPerReadRequestUnit,
    ses: q.emails * prices.sesPerEmail,
    httpApi: q.httpApiRequests * prices.httpApiPerRequest,
    s3: q.s3PutRequests * prices.s3PutPerRequest + q.s3GetRequests * prices.s3GetPerRequest,
  };
};
const per1000 = (r: E2eReport) => Object.fromEntries(Object.entries(costOf(r)).map(([k, v]) => [k, +(v * 1000).toFixed(4)]));
const totalPer1000 = (r: E2eReport) => Object.values(costOf(r)).reduce((a, b) => a + b, 0) * 1000;
const total = totalPer1000(e);
const label = (r: E2eReport) => `${r.requests} ${r.type === 'access' ? 'exports' : 'erasures'}`;

const row = (r: E2eReport) => ({
  'wall seconds': +r.wallSeconds.toFixed(1),
  '  submitting (s)': +r.phases.submitSeconds.toFixed(1),
  '  confirming (s)': +r.phases.confirmSeconds.toFixed(1),
  '  draining (s)': +r.phases.drainSeconds.toFixed(1),
  'ms per request (wall / n)': +r.perRequestMs.toFixed(1),
  'CPU ms per request (all threads)': +r.cpuMsPerRequest.toFixed(0),
  'throughput (req/s)': +r.throughputPerSecond.toFixed(1),
  'execution p50 ms': +r.executionP50Ms.toFixed(0),
  'execution p95 ms': +r.executionP95Ms.toFixed(0),
  'lost or stuck': r.lostOrStuck,
  'RSS after the run (MB)': +r.rssMb.toFixed(0),
  "DynamoDB thread: busy, on a core, waiting for one (% of the run)": [r.dynamoThread.busy, r.dynamoThread.onCore, r.dynamoThread.waitingForCore].map((x) => (Number.isNaN(x) ? '-' : `${(x * 100).toFixed(0)}%`)).join(', '),
  'V8 heaps after the run (MB)': Object.entries(r.heapsMb).map(([k, v]) => `${k} ${v}`).join(', '),
  'transitions / request': +r.perRequest.stateTransitions.toFixed(2),
  'Lambda invocations / request': +r.perRequest.lambdaInvocations.toFixed(2),
  '  Lambda GB-s / request (measured)': +r.perRequest.lambdaGbSeconds.toFixed(4),
  'HTTP API requests / request': +r.perRequest.httpApiRequests.toFixed(2),
  'DynamoDB write units / request': +r.perRequest.dynamoWriteUnits.toFixed(2),
  '  item writes / request (batch items each)': +r.perRequest.dynamoWriteItems.toFixed(2),
  'DynamoDB read units / request': +r.perRequest.dynamoReadUnits.toFixed(2),
  '  read requests / request': +r.perRequest.dynamoReadRequests.toFixed(2),
  'S3 requests / request (PUT-class, GET-class)': `${r.perRequest.s3PutRequests.toFixed(2)}, ${r.perRequest.s3GetRequests.toFixed(2)}`,
  'emails / request': +r.perRequest.emails.toFixed(2),
  'cost per 1,000 requests ($)': +totalPer1000(r).toFixed(4),
  'confirmation → suppression p50 ms': +r.suppressionMs.p50.toFixed(0),
  'confirmation → suppression p95 ms': +r.suppressionMs.p95.toFixed(0),
});
console.log('\nEnd to end: erasure and export requests across the default registry, ten requesters per loopback address at most');
const rows = runs.map(row);
console.table(Object.fromEntries(Object.keys(rows[0]).map((k) => [k, Object.fromEntries(runs.map((r, i) => [label(r), rows[i][k as keyof (typeof rows)[0]]]))])));
const u = e.dynamoUnits;
console.log(
  `DynamoDB request units per request at ${e.requests}: ${(u.write / e.requests).toFixed(2)} table writes + ${(u.indexWrite / e.requests).toFixed(2)} index writes + ${(u.failedConditional / e.requests).toFixed(2)} failed conditional writes; ${(u.read / e.requests).toFixed(2)} reads (the local TTL reaper's scans, ${(u.scanRead / e.requests).toFixed(2)}, are not counted: DynamoDB's TTL is free)`,
);
for (const r of [e, ...runs.filter((x) => x.type === 'access')]) {
  console.log(`Per request of the ${label(r)}, by function (Lambda's billed time as the workers measured it: durations include waiting for the other invocations a worker runs at once, up to 64, so they overstate a sandbox's) and by route:`);
  console.table(Object.fromEntries(Object.entries(r.lambdaTime).map(([k, t]) => [k, { 'invocations / request': +(t.invocations / r.requests).toFixed(2), 'mean ms': +t.meanMs.toFixed(1), 'cold starts': t.inits, 'mean init ms': +t.meanInitMs.toFixed(0) }])));
  console.table({ ...r.perRequest.httpApiByRoute });
}

const ratio = first ? e.perRequestMs / first.perRequestMs : Number.NaN;
const targets = [
  [`${e.requests} erasures end to end in ≤ 60 s (1,000 asked), 0 lost`, `${e.wallSeconds.toFixed(1)} s, ${e.lostOrStuck} lost`, e.requests >= 1000 && e.wallSeconds <= 60 && e.lostOrStuck === 0],
  [`ms per request at ${e.requests} ≤ 1.2 × at ${first?.requests ?? '-'}`, first ? `${e.perRequestMs.toFixed(1)} / ${first.perRequestMs.toFixed(1)} = ${ratio.toFixed(2)}` : 'not measured', ratio <= 1.2],
  [`RSS after ${e.requests} requests ≤ 400 MB`, `${e.rssMb.toFixed(0)} MB`, e.rssMb <= 400],
  [`≤ 20 transitions per request (${e.processors} processors)`, p.stateTransitions.toFixed(2), p.stateTransitions <= 20],
  ...runs.map((r) => {
    const expected = (r.type === 'access' ? 6 : 5) + r.processors;
    return [`${label(r)}: ${r.type === 'access' ? 6 : 5} + N = ${expected} transitions each`, r.perRequest.stateTransitions.toFixed(2), r.perRequest.stateTransitions === expected] as const;
  }),
  ['≤ $0.75 per 1,000 erasures', `$${total.toFixed(4)}`, total <= 0.75],
  ...(seven
    ? ([
        [`≤ 35 item writes per erasure (${seven.processors} processors, ${seven.requests} erasures)`, seven.perRequest.dynamoWriteItems.toFixed(2), seven.perRequest.dynamoWriteItems <= 35],
        [`≤ 25 read requests per erasure (${seven.processors} processors, start-up sweep and cold containers included)`, seven.perRequest.dynamoReadRequests.toFixed(2), seven.perRequest.dynamoReadRequests <= 25],
      ] as const)
    : []),
] as const;
console.log('Targets:');
console.table(targets.map(([target, measured, met]) => ({ target, measured, met: met ? 'yes' : 'NO' })));

console.log(`Cost per 1,000 requests at the list prices of ${prices.date} in ${prices.region} (bench/prices.json); DynamoDB in request units (see local/services/dynamo-worker.mjs), Lambda by measured duration:`);
const costs = Object.fromEntries([e, ...runs.filter((x) => x.type === 'access')].map((r) => [label(r), { ...per1000(r), total: +totalPer1000(r).toFixed(4) }]));
console.table(costs);

writeFileSync(new URL('./results/e2e.json', import.meta.url), JSON.stringify({ at: new Date().toISOString(), prices, runs, costPer1000: costs }, null, 2));
process.exit(runs.every((r) => r.lostOrStuck === 0) ? 0 : 1);
