import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { bundleReport, printBundleReport } from './bundle.ts';
import { e2eReport } from './e2e.ts';
import { ensureAssembly } from '../local/assembly/synth.ts';

/**
 * `npm run bench [assembly dir]`: per-function bundle size and cold import time of the assets in a
 * cloud assembly (by default the one `npm start` runs), then N requests end to end on the embedded runtime, priced at
 * the list prices in bench/prices.json. BENCH_REQUESTS sets N.
 */
const prices = JSON.parse(readFileSync(new URL('./prices.json', import.meta.url), 'utf8'));
const n = Number(process.env.BENCH_REQUESTS ?? 1000);
const skipBundles = process.argv.includes('--e2e-only');
// By default the assembly the local runtime runs (synthesized if functions/, infra/… changed).
const assemblyDir = process.argv.slice(2).find((a) => !a.startsWith('--')) ?? ensureAssembly();

mkdirSync(new URL('./results/', import.meta.url), { recursive: true });

if (!skipBundles) printBundleReport(await bundleReport(assemblyDir));

const e = await e2eReport(n);
const p = e.perRequest;
const lambdaCost = p.lambdaInvocations * (prices.lambdaPerRequest + prices.lambdaArmPerGbSecond * prices.lambdaAssumedMemoryGb * (prices.lambdaAssumedMsPerInvocation / 1000));
const cost = {
  stepFunctions: p.stateTransitions * prices.stepFunctionsStandardPerTransition,
  lambda: lambdaCost,
  dynamoDb: p.dynamoWrites * prices.dynamoDbOnDemandPerWriteRequestUnit + p.dynamoReads * prices.dynamoDbOnDemandPerReadRequestUnit,
  ses: p.emails * prices.sesPerEmail,
  httpApi: p.httpRequests * prices.httpApiPerRequest,
};
const per1000 = Object.fromEntries(Object.entries(cost).map(([k, v]) => [k, +(v * 1000).toFixed(4)]));
const total = Object.values(cost).reduce((a, b) => a + b, 0) * 1000;

console.log(`\nEnd to end: ${e.requests} erasure requests across the default registry (targets: 1,000 in ≤ 60 s, 0 lost, ≤ 20 transitions for 6 processors, ≤ $0.75 / 1,000)`);
console.table({
  'wall seconds': +e.wallSeconds.toFixed(1),
  '  submitting (s)': +e.phases.submitSeconds.toFixed(1),
  '  confirming (s)': +e.phases.confirmSeconds.toFixed(1),
  '  draining (s)': +e.phases.drainSeconds.toFixed(1),
  'throughput (req/s)': +e.throughputPerSecond.toFixed(1),
  'execution p50 ms': +e.submitToCompletedP50Ms.toFixed(0),
  'execution p95 ms': +e.submitToCompletedP95Ms.toFixed(0),
  'lost or stuck': e.lostOrStuck,
  'transitions / request': +p.stateTransitions.toFixed(2),
  'Lambda invocations / request': +p.lambdaInvocations.toFixed(2),
  'DynamoDB writes / request': +p.dynamoWrites.toFixed(2),
  'DynamoDB reads / request': +p.dynamoReads.toFixed(2),
  'emails / request': +p.emails.toFixed(2),
  'confirmation → suppression p50 ms': +e.suppressionMs.p50.toFixed(0),
  'confirmation → suppression p95 ms': +e.suppressionMs.p95.toFixed(0),
});
console.log(`Cost per 1,000 requests at list prices of ${prices.date} (${prices.region}):`);
console.table({ ...per1000, total: +total.toFixed(4) });

writeFileSync(new URL('./results/e2e.json', import.meta.url), JSON.stringify({ at: new Date().toISOString(), ...e, costPer1000: { ...per1000, total } }, null, 2));
process.exit(e.lostOrStuck === 0 ? 0 : 1);
