import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { deployedFunctions } from '../infra/deployed-functions.ts';

const RUNS = 5;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * A function's environment as it deploys, so its config (processor registry included) parses at
 * import as on Lambda; a value resolved only at deploy time (a table name, a domain) becomes "x".
 */
function loadableEnvironment(variables: Record<string, unknown>): Record<string, string> {
  const value = (v: unknown): string => {
    if (typeof v === 'string') return v;
    const join = (v as { 'Fn::Join'?: [string, unknown[]] } | null)?.['Fn::Join'];
    return join ? join[1].map(value).join(join[0]) : 'x';
  };
  return Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, value(v)]));
}

/**
 * Size and cold import time of each application Lambda's index.mjs, read from a cloud assembly
 * (`npx cdk synth` writes cdk.out): the bytes that deploy, not a separate build. The assembly must
 * sit inside the repo, so the SDK the Lambda runtime provides resolves from node_modules.
 */
export function bundleReport(assemblyDir = 'cdk.out') {
  const dir = resolve(assemblyDir);
  if (!existsSync(join(dir, 'manifest.json'))) throw new Error(`no cloud assembly in ${dir}: run \`npx cdk synth --quiet\` first`);
  const functions = deployedFunctions(dir);
  if (functions.length === 0) throw new Error(`no application Lambda in ${dir} (is aws:cdk:path metadata on?)`);
  const node = join(process.cwd(), 'node_modules/.bin/node');
  const rows = [];
  for (const fn of functions) {
    const file = join(fn.assetDir, 'index.mjs');
    const probe = `const t=performance.now();await import(${JSON.stringify(pathToFileURL(file).href)});console.log(performance.now()-t)`;
    // Only what the Lambda runtime adds itself besides the function's own variables; nothing here reaches the network.
    const env = { PATH: process.env.PATH, AWS_REGION: 'eu-west-2', ...loadableEnvironment(fn.environment) };
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const r = spawnSync(node, ['--input-type=module', '-e', probe], { env, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${fn.name} (${file}) failed to load: ${r.stderr}`);
      times.push(Number(r.stdout.trim()));
    }
    rows.push({ fn: fn.name, asset: basename(fn.assetDir), bytes: statSync(file).size, coldImportMs: median(times) });
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const assemblyDir = process.argv[2] ?? 'cdk.out';
  const rows = bundleReport(assemblyDir);
  console.log(`Bundles of ${resolve(assemblyDir)}, synthesized ${statSync(join(assemblyDir, 'manifest.json')).mtime.toISOString()}`);
  console.table(rows.map((r) => ({ function: r.fn, KB: +(r.bytes / 1024).toFixed(1), 'cold import ms': +r.coldImportMs.toFixed(1) })));
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/bundles.json', JSON.stringify(rows, null, 2));
}
