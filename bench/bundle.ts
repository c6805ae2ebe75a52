import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build, type Metafile } from 'esbuild';
import ts from 'typescript';
import { bundleOptions } from '../infra/bundling.ts';
import { CloudAssembly } from '../local/assembly/assembly.ts';
import { mountLayers } from '../local/lambda/layers.ts';

const ROOT = resolve(import.meta.dirname, '..');
const RUNS = 7;
const run = promisify(execFile);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Issue 15's budgets, per function. */
export const BUDGETS = {
  /** Our own code: the deployed bundle less what the metafile attributes to the AWS SDK (see sdkBytes). */
  ownKb: 250,
  /** Cold import over that of a bundle importing only the function's SDK clients, bundled the same way. */
  overFloor: 1.15,
  /** Cold import, on the machine the bench runs on. */
  coldImportMs: 80,
};

const isSdk = (input: string) => /node_modules[\\/]@(aws-sdk|smithy)[\\/]/.test(input);

/**
 * The bytes of a bundle that belong to the AWS SDK: every @aws-sdk/* and @smithy/* input, and the
 * few packages only they pull in (e.g. mnemonist, for DynamoDB's endpoint cache). The rest, esbuild's
 * own glue included, is our code: what the handler reaches without going through the SDK.
 */
function sdkBytes(metafile: Metafile): number {
  const output = Object.values(metafile.outputs)[0];
  const ours = new Set<string>();
  const stack = output.entryPoint ? [output.entryPoint] : [];
  while (stack.length) {
    const input = stack.pop()!;
    if (ours.has(input) || isSdk(input)) continue;
    ours.add(input);
    for (const i of metafile.inputs[input]?.imports ?? []) if (!i.external) stack.push(i.path);
  }
  return Object.entries(output.inputs).reduce((a, [p, i]) => a + (ours.has(p) ? 0 : i.bytesInOutput), 0);
}

/**
 * A function's environment as it deploys, so its config parses at import as on Lambda; a value
 * resolved only at deploy time (a table name, a domain) becomes "x", or a URL on a reserved domain
 * where the attribute is one (a user pool's ProviderURL); a path under /opt, the same path where
 * `opt` mounted the function's layers (the processor registry, read at init).
 */
function loadableEnvironment(variables: Record<string, unknown>, opt: (path: string) => string): Record<string, string> {
  const value = (v: unknown): string => {
    if (typeof v === 'string') return opt(v);
    const join = (v as { 'Fn::Join'?: [string, unknown[]] } | null)?.['Fn::Join'];
    if (join) return join[1].map(value).join(join[0]);
    const attribute = (v as { 'Fn::GetAtt'?: [string, string] } | null)?.['Fn::GetAtt']?.[1];
    return attribute && /url$/i.test(attribute) ? 'https://x.invalid' : 'x';
  };
  return Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, value(v)]));
}

/**
 * What our own source imports from @aws-sdk/* (values, not types), read from the inputs the
 * metafile lists: the SDK surface a function cannot do without.
 */
function sdkImports(metafile: Metafile): Map<string, Set<string>> {
  const byPackage = new Map<string, Set<string>>();
  for (const input of Object.keys(metafile.inputs)) {
    if (!/^functions[\\/].*\.ts$/.test(input)) continue;
    const src = ts.createSourceFile(input, readFileSync(join(ROOT, input), 'utf8'), ts.ScriptTarget.Latest);
    for (const st of src.statements) {
      if (!ts.isImportDeclaration(st) || !ts.isStringLiteral(st.moduleSpecifier) || st.importClause?.isTypeOnly) continue;
      const from = st.moduleSpecifier.text;
      if (!from.startsWith('@aws-sdk/')) continue;
      const bindings = st.importClause?.namedBindings;
      if (!bindings || !ts.isNamedImports(bindings)) throw new Error(`${input}: only named imports of ${from} are measured`);
      const names = byPackage.get(from) ?? new Set<string>();
      for (const el of bindings.elements) if (!el.isTypeOnly) names.add((el.propertyName ?? el.name).text);
      byPackage.set(from, names);
    }
  }
  return byPackage;
}

/**
 * One cold import in a fresh process: its wall time, and the CPU time of the importing thread.
 * On a machine busy with other work the wall time grows with the queue for a core; the CPU time
 * much less, so it tells the bundle's own cost apart from the machine's load.
 */
async function coldImport(file: string, env: Record<string, string | undefined>): Promise<{ wall: number; cpu: number }> {
  const node = join(ROOT, 'node_modules/.bin/node');
  const probe = `const c=process.threadCpuUsage();const t=performance.now();await import(${JSON.stringify(pathToFileURL(file).href)});const w=performance.now()-t;const u=process.threadCpuUsage(c);console.log(w,(u.user+u.system)/1000)`;
  try {
    const r = await run(node, ['--input-type=module', '-e', probe], { env, encoding: 'utf8' });
    const [wall, cpu] = r.stdout.trim().split(/\s+/).map(Number);
    return { wall, cpu };
  } catch (e) {
    throw new Error(`${file} failed to load: ${(e as { stderr?: string }).stderr ?? e}`);
  }
}

export interface BundleRow {
  fn: string;
  asset: string;
  /** The deployed index.mjs. */
  bytes: number;
  /** The deployed bundle less the bytes the metafile attributes to the SDK (see sdkBytes). */
  ownBytes: number;
  sdkBytes: number;
  /** The @aws-sdk/* imports of our source, which the floor bundle imports alone. */
  sdkImports: Record<string, string[]>;
  coldImportMs: number;
  floorMs: number;
  /** CPU time of the importing thread (medians), the same imports as coldImportMs and floorMs. */
  coldImportCpuMs: number;
  floorCpuMs: number;
  floorBytes: number;
  pass: { ownCode: boolean; overFloor: boolean; coldImport: boolean };
}

/**
 * Size and cold import time of each application Lambda's index.mjs, read from a cloud assembly
 * (`npx cdk synth` writes cdk.out): the bytes that deploy, not a separate build. A fresh build of
 * each handler with the same options (checked equal to the deployed bytes) gives the metafile that
 * splits those bytes between our code and the SDK, and a second build, of only the SDK names our
 * code imports, gives the floor its cold import is compared with. Each cold import is the median
 * of RUNS fresh Node processes, the function's and its floor's run in turn.
 */
export async function bundleReport(assemblyDir = 'cdk.out'): Promise<BundleRow[]> {
  const dir = resolve(assemblyDir);
  if (!existsSync(join(dir, 'manifest.json'))) throw new Error(`no cloud assembly in ${dir}: run \`npx cdk synth --quiet\` first`);
  const functions = new CloudAssembly(dir).applicationLambdas();
  if (functions.length === 0) throw new Error(`no application Lambda in ${dir} (is aws:cdk:path metadata on?)`);
  // Floors are written inside the repo, so a bundle that leaves the SDK external resolves it from
  // node_modules; one directory per run, since checkouts sharing node_modules may bench at once.
  const floorDir = join(ROOT, 'node_modules/.cache/lethe-bench', `${process.pid}`);
  // Emptied first: a run that died under the same pid may have left its copies of the layers.
  rmSync(floorDir, { recursive: true, force: true });
  const rows: BundleRow[] = [];
  try {
    for (const fn of functions) {
      const file = join(fn.assetDir, 'index.mjs');
      const deployed = readFileSync(file);
      const fresh = await build({ ...bundleOptions(fn.name, join(ROOT, 'index.mjs')), absWorkingDir: ROOT, write: false, metafile: true });
      if (!Buffer.from(fresh.outputFiles[0].contents).equals(deployed)) {
        throw new Error(`${fn.name}: ${file} is not what functions/ builds today; synthesize again (npx cdk synth --quiet)`);
      }
      const sdk = sdkBytes(fresh.metafile);

      const imports = sdkImports(fresh.metafile);
      const entry = [...imports].map(([pkg, names]) => `export { ${[...names].sort().join(', ')} } from '${pkg}';`).join('\n');
      const floorFile = join(floorDir, `floor-${fn.name}`, 'index.mjs');
      mkdirSync(join(floorDir, `floor-${fn.name}`), { recursive: true });
      const { entryPoints: _e, ...same } = bundleOptions(fn.name, floorFile);
      await build({ ...same, stdin: { contents: entry, resolveDir: ROOT, loader: 'ts' }, absWorkingDir: ROOT });

      // Lambda extracts the function's layers under /opt.
      const opt = mountLayers(join(floorDir, 'opt'), fn.layerDirs);
      // What the Lambda runtime sets besides the function's own variables.
      const env = {
        PATH: process.env.PATH,
        AWS_REGION: 'eu-west-2',
        AWS_ACCESS_KEY_ID: 'bench',
        AWS_SECRET_ACCESS_KEY: 'bench',
        AWS_SESSION_TOKEN: 'bench',
        ...loadableEnvironment(fn.environment, opt),
      };
      const times: { wall: number; cpu: number }[] = [];
      const floors: { wall: number; cpu: number }[] = [];
      for (let i = 0; i < RUNS; i++) {
        times.push(await coldImport(file, env));
        floors.push(await coldImport(floorFile, env));
      }
      const ownBytes = deployed.length - sdk;
      const coldImportMs = median(times.map((t) => t.wall));
      const floorMs = median(floors.map((t) => t.wall));
      rows.push({
        fn: fn.name,
        asset: basename(fn.assetDir),
        bytes: deployed.length,
        ownBytes,
        sdkBytes: sdk,
        sdkImports: Object.fromEntries([...imports].map(([k, v]) => [k, [...v].sort()])),
        coldImportMs,
        floorMs,
        coldImportCpuMs: median(times.map((t) => t.cpu)),
        floorCpuMs: median(floors.map((t) => t.cpu)),
        floorBytes: statSync(floorFile).size,
        pass: {
          ownCode: ownBytes <= BUDGETS.ownKb * 1024,
          overFloor: coldImportMs <= BUDGETS.overFloor * floorMs,
          coldImport: coldImportMs <= BUDGETS.coldImportMs,
        },
      });
    }
  } finally {
    rmSync(floorDir, { recursive: true, force: true });
  }
  return rows;
}

const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');

/** The per-function table, with each budget's PASS or FAIL. */
export function printBundleReport(rows: BundleRow[]) {
  console.log(
    `\nPer function (budgets: own code ≤ ${BUDGETS.ownKb} KB minified; cold import ≤ ${BUDGETS.overFloor}× the SDK-only floor and ≤ ${BUDGETS.coldImportMs} ms; medians of ${RUNS} fresh processes)`,
  );
  console.table(
    rows.map((r) => ({
      function: r.fn,
      'KB (deployed)': +(r.bytes / 1024).toFixed(1),
      'own KB': +(r.ownBytes / 1024).toFixed(1),
      [`own ≤ ${BUDGETS.ownKb}`]: verdict(r.pass.ownCode),
      'cold import ms': +r.coldImportMs.toFixed(1),
      'floor ms': +r.floorMs.toFixed(1),
      '× floor': +(r.coldImportMs / r.floorMs).toFixed(2),
      [`≤ ${BUDGETS.overFloor}×`]: verdict(r.pass.overFloor),
      [`≤ ${BUDGETS.coldImportMs} ms`]: verdict(r.pass.coldImport),
      'CPU ms': +r.coldImportCpuMs.toFixed(1),
      'floor CPU ms': +r.floorCpuMs.toFixed(1),
      'CPU × floor': +(r.coldImportCpuMs / r.floorCpuMs).toFixed(2),
    })),
  );
  console.log(
    `Load average while measuring: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(', ')} on ${availableParallelism()} cores. Verdicts are on wall time, as the budgets are set; the CPU columns (the importing thread's CPU time) show the same imports without the wait for a busy core.`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const assemblyDir = process.argv[2] ?? 'cdk.out';
  const rows = await bundleReport(assemblyDir);
  console.log(`Bundles of ${resolve(assemblyDir)}, synthesized ${statSync(join(assemblyDir, 'manifest.json')).mtime.toISOString()}`);
  printBundleReport(rows);
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/bundles.json'), JSON.stringify(rows, null, 2));
}
