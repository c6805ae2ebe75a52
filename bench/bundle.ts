import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { bundleOptions } from '../infra/bundling.ts';
import { ALL_FUNCTIONS } from '../infra/routes.ts';

const RUNS = 5;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Environment a function needs to load its config; values are placeholders, nothing is called. */
const ENV = { TABLE_NAME: 'bench', AWS_REGION: 'eu-west-2', STATE_MACHINE_ARN: 'arn:aws:states:eu-west-2:000000000000:stateMachine:bench', POWERTOOLS_METRICS_DISABLED: 'true' };

/** Bundles each function as it deploys, then times its import in fresh Node 22 processes. */
export async function bundleReport() {
  // Inside the repo, so the externals (the SDK the Lambda runtime provides) resolve from node_modules.
  const out = join(process.cwd(), 'bench/results/bundles');
  mkdirSync(out, { recursive: true });
  const node = join(process.cwd(), 'node_modules/.bin/node');
  const rows = [];
  for (const fn of ALL_FUNCTIONS.filter((f) => existsSync(`functions/${f}/handler.ts`))) {
    const file = join(out, `${fn}.mjs`);
    await build(bundleOptions(fn, file));
    const probe = `const t=performance.now();await import(${JSON.stringify(file)});console.log(performance.now()-t)`;
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const r = spawnSync(node, ['--input-type=module', '-e', probe], { env: { ...process.env, ...ENV }, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${fn} failed to load: ${r.stderr}`);
      times.push(Number(r.stdout.trim()));
    }
    rows.push({ fn, bytes: statSync(file).size, coldImportMs: median(times) });
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await bundleReport();
  console.table(rows.map((r) => ({ function: r.fn, KB: +(r.bytes / 1024).toFixed(1), 'cold import ms': +r.coldImportMs.toFixed(1) })));
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/bundles.json', JSON.stringify(rows, null, 2));
}
