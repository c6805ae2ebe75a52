import { isBuiltin } from 'node:module';
import { buildSync, type Plugin } from 'esbuild';

/**
 * How every function is bundled, shared by CDK (a local bundler, no Docker) and the bench, so the
 * sizes the bench reports are the sizes that deploy: ESM, minified, for the Node 22 runtime, with
 * every dependency (the AWS SDK included) inside the bundle.
 */
export const ESBUILD_TARGET = 'node22';
// Some dependencies still call require(); ESM bundles need it defined.
export const ESM_REQUIRE_BANNER = "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);";
/**
 * The AWS SDK v3 is bundled, not taken from the runtime: the versions in our lock file deploy (AWS
 * no longer lists which SDK packages its Node 22 runtime carries, nor which versions), and only
 * what a function uses is kept. The SDK's packages publish ES modules under "module", which
 * esbuild can tree-shake; "main" is their CommonJS build, which it cannot.
 */
export const MAIN_FIELDS = ['module', 'main'];

/**
 * Node's built-in modules are reached through `require`, never as ES modules: importing one as an
 * ES module builds its namespace by reading every export, and node:http's exports include lazy
 * getters that load undici (fetch, WebSocket), about 25 ms of every cold start for code nothing
 * calls. The SDK's HTTP handler imports node:http and node:https that way, statically and with import(). Read through require,
 * the getters stay lazy. (`bench/`'s cold import compares with a floor bundled the same way.)
 */
export const builtinsByRequire: Plugin = {
  name: 'builtins-by-require',
  setup(build) {
    build.onResolve({ filter: /^(node:)?[a-z][a-z0-9_/]*$/ }, (args) =>
      (args.kind === 'import-statement' || args.kind === 'dynamic-import') && isBuiltin(args.path) ? { path: args.path.replace(/^(?!node:)/, 'node:'), namespace: 'builtin' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
  },
};

export function bundleOptions(fn: string, outfile: string) {
  return {
    entryPoints: [`functions/${fn}/handler.ts`],
    bundle: true,
    minify: true,
    platform: 'node' as const,
    format: 'esm' as const,
    target: ESBUILD_TARGET,
    banner: { js: ESM_REQUIRE_BANNER },
    mainFields: MAIN_FIELDS,
    outfile,
    plugins: [builtinsByRequire],
    logLevel: 'error' as const,
  };
}
export { buildSync };
