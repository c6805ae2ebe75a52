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

/**
 * date-holidays carries every country's rules (about 1.5 MB). Lethe only counts England & Wales
 * bank holidays, so the bundle keeps the library's own GB data and drops the rest at build time.
 */
const onlyGbHolidays: Plugin = {
  name: 'date-holidays-gb-only',
  setup(b) {
    b.onLoad({ filter: /date-holidays[\\/]src[\\/]data\.js$/ }, async (args) => {
      const { data } = (await import(args.path)) as { data: { holidays: Record<string, unknown> } };
      const gb = { ...data, holidays: { GB: data.holidays.GB } };
      return { contents: `export const data = ${JSON.stringify(gb)};`, loader: 'js' };
    });
  },
};

/** zod ships every locale's error messages; Lethe writes its own messages, so only English stays. */
const onlyEnglishZodLocale: Plugin = {
  name: 'zod-en-locale-only',
  setup(b) {
    b.onLoad({ filter: /zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => ({ contents: "export { default as en } from './en.js';", loader: 'js' }));
  },
};

/** date-holidays converts dates with moment-timezone; the only zone Lethe counts in is Europe/London. */
const onlyLondonTimezone: Plugin = {
  name: 'moment-timezone-london-only',
  setup(b) {
    b.onLoad({ filter: /moment-timezone[\\/]data[\\/]packed[\\/]latest\.json$/ }, async (args) => {
      const { readFile } = await import('node:fs/promises');
      const packed = JSON.parse(await readFile(args.path, 'utf8')) as { version: string; zones: string[]; links: string[] };
      const keep = (z: string) => /^(Europe\/London|Etc\/UTC|UTC)\|/.test(z);
      return { contents: JSON.stringify({ version: packed.version, zones: packed.zones.filter(keep), links: [] }), loader: 'json' };
    });
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
    plugins: [onlyGbHolidays, onlyEnglishZodLocale, onlyLondonTimezone],
    outfile,
    logLevel: 'error' as const,
  };
}
export { buildSync };
