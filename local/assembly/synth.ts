import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { CloudAssembly } from './assembly.ts';

const ROOT = resolve(import.meta.dirname, '../..');
/** What the synthesized assembly depends on: the four folders, the site's pages (a staged asset too), plus the CDK settings and the locked dependencies. */
const INPUTS = ['functions', 'workflows', 'infra', 'config', 'web', 'cdk.json', 'package-lock.json'];
export const ASSEMBLY_CACHE = join(ROOT, 'node_modules/.cache/lethe');
/** Assemblies kept per variant; LETHE_ASSEMBLY_KEEP raises it where several checkouts share this cache. */
const KEEP = Math.max(1, Number(process.env.LETHE_ASSEMBLY_KEEP) || 3);

function* files(path: string): Generator<string> {
  if (!existsSync(path)) return;
  if (statSync(path).isFile()) {
    yield path;
    return;
  }
  for (const e of readdirSync(path).sort()) yield* files(join(path, e));
}

/** A hash of every input file's path and bytes: the cache key of the cloud assembly. */
export function inputsHash(root = ROOT): string {
  const h = createHash('sha256');
  for (const input of INPUTS) {
    for (const f of files(join(root, input))) {
      h.update(relative(root, f));
      h.update('\0');
      h.update(readFileSync(f));
      h.update('\0');
    }
  }
  return h.digest('hex').slice(0, 16);
}

/** Each application function's bundle in an assembly, by its folder under functions/. */
const bundlesOf = (dir: string) => Object.fromEntries(new CloudAssembly(dir).applicationLambdas().map((f) => [f.name, f.assetDir]));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export interface AssemblyOptions {
  /** CDK context (-c key=value), e.g. a registry file for a bigger registry. */
  readonly context?: Record<string, string>;
  readonly log?: (line: string) => void;
}

/** A newcomer's first `npm start` builds the assembly: said so, rather than that an input changed. */
export function synthesizingLine(cached: readonly string[], prefix: string): string {
  const built = cached.some((d) => d.startsWith(prefix) && !d.includes('.tmp-'));
  return `Synthesizing the cloud assembly (${built ? 'functions/, workflows/, infra/, config/ or web/ changed' : 'the first build here: about half a minute'})…`;
}

/**
 * The cloud assembly that `cdk deploy` would ship, synthesized by the CDK CLI itself, and cached:
 * it is built again only when an input changed. Returns the assembly directory.
 */
export function ensureAssembly(opts: AssemblyOptions = {}): string {
  const log = opts.log ?? ((l: string) => console.log(l));
  const context = Object.entries(opts.context ?? {}).sort();
  const variant = context.length ? createHash('sha256').update(JSON.stringify(context)).digest('hex').slice(0, 8) : 'default';
  const prefix = `cdk.out-${variant}-`;
  const dir = join(ASSEMBLY_CACHE, `${prefix}${inputsHash()}`);
  if (existsSync(join(dir, 'manifest.json'))) {
    const now = new Date();
    utimesSync(dir, now, now); // the most recently used assemblies are the ones kept
    log(`Reusing the cloud assembly ${relative(ROOT, dir)} (functions/, workflows/, infra/, config/ and web/ unchanged).`);
    return dir;
  }
  // A variant (a context such as another registry) bundles the same functions as the checkout's own
  // assembly, whose bundles the bundler then copies instead of running esbuild again (infra/constructs/functions.ts).
  const bundles = context.length ? bundlesOf(ensureAssembly({ log })) : undefined;
  mkdirSync(ASSEMBLY_CACHE, { recursive: true });
  log(synthesizingLine(readdirSync(ASSEMBLY_CACHE), prefix));
  const tmp = `${dir}.tmp-${process.pid}`;
  const args = ['synth', '--quiet', '--output', tmp, ...context.flatMap(([k, v]) => ['--context', `${k}=${v}`])];
  const started = Date.now();
  const env = bundles ? { ...process.env, LETHE_BUNDLES_FROM: JSON.stringify(bundles) } : process.env;
  const r = spawnSync(join(ROOT, 'node_modules/.bin/cdk'), args, { cwd: ROOT, encoding: 'utf8', env });
  if (r.status !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`cdk synth failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
  // Another process may have synthesized the same inputs meanwhile; either copy is the same.
  if (existsSync(dir)) rmSync(tmp, { recursive: true, force: true });
  else renameSync(tmp, dir);
  // Older assemblies of the same variant are of little use once their inputs changed; the newest
  // few stay, since another checkout or process sharing this cache may still be running one.
  const older = readdirSync(ASSEMBLY_CACHE)
    .filter((d) => d.startsWith(prefix) && !d.includes('.tmp-'))
    .map((d) => join(ASSEMBLY_CACHE, d))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  for (const old of older.slice(KEEP)) rmSync(old, { recursive: true, force: true });
  // A synthesis that was killed leaves its temporary directory behind.
  for (const d of readdirSync(ASSEMBLY_CACHE)) {
    const pid = Number(/\.tmp-(\d+)$/.exec(d)?.[1]);
    if (pid && !alive(pid)) rmSync(join(ASSEMBLY_CACHE, d), { recursive: true, force: true });
  }
  log(`Synthesized in ${((Date.now() - started) / 1000).toFixed(1)} s: ${relative(ROOT, dir)}`);
  return dir;
}
