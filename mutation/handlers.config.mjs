// @ts-check
import core from './core.config.mjs';

/**
 * `npm run mutate:handlers`: every handler's logic module (functions/<name>/*.ts, not handler.ts wiring),
 * the shared deliverers and helpers among them (functions/shared), with the unit tests. The integration tests cannot take part: they run the esbuild bundles of the
 * synthesized cloud assembly in worker threads, which never see Stryker's instrumented sources.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  ...core,
  mutate: ['functions/*/*.ts', '!functions/*/handler.ts', '!functions/core/**', '!functions/adapters/**'],
  incrementalFile: 'reports/mutation/handlers-incremental.json',
  htmlReporter: { fileName: 'reports/mutation/handlers.html' },
};
