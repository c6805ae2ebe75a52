import { defineConfig } from 'vitest/config';
import base from '../vitest.config.ts';
import { UnloadableFileAsFailure } from './unloadable-file-as-failure.ts';

/**
 * The unit tests alone, for mutation testing: no global setup (it synthesizes the cloud assembly,
 * which no unit test of core or of a handler's logic needs), and not the CDK tests under test/unit/infra,
 * which take seconds per run and cover no mutated file.
 */
export default defineConfig({
  test: {
    ...base.test,
    root: new URL('..', import.meta.url).pathname,
    // One list of files, not the suite's projects (unit and runtime).
    projects: undefined,
    include: ['test/unit/core/**/*.test.ts', 'test/unit/processors/**/*.test.ts', 'test/unit/shared/**/*.test.ts', 'test/unit/handlers/**/*.test.ts', 'test/unit/admin/**/*.test.ts'],
    globalSetup: [],
    // One worker keeps node_modules loaded across test files (4× faster); each file still loads our
    // modules afresh (fresh-modules.ts), which static mutants and vi.mock need.
    isolate: false,
    setupFiles: ['mutation/fresh-modules.ts'],
    testTimeout: 10_000,
    // A test file whose import throws is a failed test, not an absent one (see the reporter).
    reporters: ['default', new UnloadableFileAsFailure()],
  },
});
