import { buildSync, type Plugin } from 'esbuild';

/**
 * How every function is bundled, shared by CDK (a local bundler, no Docker) and the bench, so the
 * sizes the bench reports are the sizes that deploy: ESM, minified, for the Node 22 runtime.
 */
export const ESBUILD_TARGET = 'node22';
// Some dependencies still call require(); ESM bundles need it defined.
export const ESM_REQUIRE_BANNER = "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);";
/** The Node 22 Lambda runtime ships the AWS SDK v3; bundling it again would triple every function. */
export const EXTERNAL_MODULES = ['@aws-sdk/*', '@smithy/*'];

/** zod ships every locale's error messages; Lethe writes its own messages, so only English stays. */
const onlyEnglishZodLocale: Plugin = {
  name: 'zod-en-locale-only',
  setup(b) {
    b.onLoad({ filter: /zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => ({ contents: "export { default as en } from './en.js';", loader: 'js' }));
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
    external: EXTERNAL_MODULES,
    plugins: [onlyEnglishZodLocale],
    outfile,
    logLevel: 'error' as const,
  };
}
export { buildSync };
