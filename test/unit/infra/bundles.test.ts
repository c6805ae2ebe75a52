import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleOptions } from '../../../infra/bundling.ts';
import { ALL_FUNCTIONS } from '../../../infra/routes.ts';
import type { LambdaSpec } from '../../../local/assembly/assembly.ts';
import { assembly } from '../../support/assembly.ts';

const ROOT = join(import.meta.dirname, '../../..');

let deployed: LambdaSpec[];
/** A fresh in-memory build of every handler, keyed by function; esbuild output is deterministic. */
const fresh = new Map<string, Buffer>();
/** The source files each fresh build keeps code from. */
const kept = new Map<string, Set<string>>();

beforeAll(async () => {
  // The assembly `cdk synth` made for this checkout (the global setup's, cached): its staged bundles are the ones that deploy.
  deployed = assembly().applicationLambdas();
  await Promise.all(
    ALL_FUNCTIONS.map(async (name) => {
      const r = await build({ ...bundleOptions(name, join(ROOT, 'index.mjs')), absWorkingDir: ROOT, write: false, metafile: true });
      fresh.set(name, Buffer.from(r.outputFiles[0].contents));
      const inputs = Object.values(r.metafile.outputs)[0].inputs;
      kept.set(name, new Set(Object.keys(inputs).filter((p) => inputs[p].bytesInOutput > 0)));
    }),
  );
}, 180_000);

const bundleOf = (name: string) => readFileSync(join(deployed.find((d) => d.name === name)!.assetDir, 'index.mjs'));

describe('the deployed Lambda bundles', () => {
  it('give every application function its own code asset', () => {
    expect(deployed.map((d) => d.name).sort()).toEqual([...ALL_FUNCTIONS].sort());
    expect(new Set(deployed.map((d) => d.s3Key)).size).toBe(ALL_FUNCTIONS.length);
    expect(new Set(deployed.map((d) => d.assetDir)).size).toBe(ALL_FUNCTIONS.length);
  });

  it('are all different builds, so matching a bundle to its handler below is meaningful', () => {
    expect(new Set([...fresh.values()].map((b) => b.toString('base64'))).size).toBe(ALL_FUNCTIONS.length);
  });

  it.each(ALL_FUNCTIONS)('ship the build of functions/%s/handler.ts, byte for byte', (name) => {
    const bytes = bundleOf(name);
    // Names the handler whose build was deployed instead, rather than only saying the bytes differ.
    const builtFrom = [...fresh].find(([, b]) => b.equals(bytes))?.[0] ?? 'no handler of functions/';
    expect(builtFrom).toBe(name);
  });

  it.each(ALL_FUNCTIONS)('ship an index.mjs for %s that exports handler', async (name) => {
    const dir = deployed.find((d) => d.name === name)!.assetDir;
    // Reads the module's exports from the deployed file itself, without loading its dependencies.
    const r = await build({ entryPoints: [join(dir, 'index.mjs')], bundle: false, write: false, metafile: true, format: 'esm', outfile: join(dir, 'out.mjs'), logLevel: 'silent' });
    expect(Object.values(r.metafile.outputs)[0].exports).toContain('handler');
  });

  it.each(ALL_FUNCTIONS)("reach Node's built-in modules from %s's bundle through require, never as ES modules (whose namespace loads undici)", (name) => {
    const text = bundleOf(name).toString('utf8');
    // The banner's own import of node:module is the one exception: it defines that require.
    const esmImports = [...text.matchAll(/(?:from\s*|import\s*\(\s*)["'](node:[\w/]+|[a-z_]+)["']/g)].map((m) => m[1]).filter((m) => m !== 'node:module');
    expect(esmImports).toEqual([]);
    // esbuild's require shim, under a minified name, called with the built-in's name.
    expect(text.match(/\b[\w$]+\("node:http"\)/)?.[0]).toMatch(/^[\w$]+\("node:http"\)$/);
  });

  /*
   * esbuild keeps every top-level schema of a module a bundle imports, parsed or not (it cannot know
   * zod's calls to be pure), and a cold start builds them all: a module of schemas belongs only in
   * the bundles of the functions that parse with them.
   */
  const SCHEMAS_BY_PARSER: Record<string, readonly string[]> = {
    'functions/core/intake.ts': ['intake', 'admin'], // the form, and an officer logging a request
    'functions/core/complaint-form.ts': ['intake'],
    'functions/core/callback-body.ts': ['callback'],
    'functions/core/results-body.ts': ['callback', 'assemble', 'sweeper'], // the sweeper makes a held copy's expired package again
    'functions/core/webhook-body.ts': [], // no function parses what it sends
    'functions/core/deployable-registry.ts': [], // checked at synth
    'functions/core/registry-schema.ts': ALL_FUNCTIONS.filter((f) => f !== 'intake' && f !== 'verify'),
    'functions/core/controller.ts': ['intake', 'status', 'verify', 'admin', 'escalate', 'notify', 'sweeper', 'assemble'], // the functions that mail a requester, and the copy's page, which says where to write
  };
  it.each(ALL_FUNCTIONS)('build in %s only the schemas its function parses', (name) => {
    const has = Object.keys(SCHEMAS_BY_PARSER).filter((m) => kept.get(name)!.has(m));
    expect(has.sort()).toEqual(Object.keys(SCHEMAS_BY_PARSER).filter((m) => SCHEMAS_BY_PARSER[m].includes(name)).sort());
  });
});
