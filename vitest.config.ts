import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Each project names its own files (an `include` here would be added to each project's).
    globalSetup: ['test/global-setup.ts'],
    // Integration tests boot the embedded runtime; give them room but keep the suite bounded.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // expect.poll waits 1 s by default: a browser redraw on two loaded cores can take longer, and a poll that
    // reaches its value sooner still passes at once (a dashboard's language switch missed 1 s in a loaded run).
    expect: { poll: { timeout: 10_000 } },
    // Unit tests build adapters with mocked clients; config still needs a table name to load.
    env: {
      TABLE_NAME: 'lethe-test',
      AWS_REGION: 'eu-west-2',
      AWS_ACCESS_KEY_ID: 'TEST',
      AWS_SECRET_ACCESS_KEY: 'TEST',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    },
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // A worker keeps node_modules loaded from one unit test file to the next (the AWS SDK, zod,
          // aws-cdk-lib): an isolated fork per file spent more time importing them than testing, half of
          // the unit tests' CPU. Each file still loads Lethe's own modules afresh (fresh-modules.ts), so
          // that its vi.mock applies and no module state carries over; a test that changes a global puts
          // it back (vi.stubGlobal, vi.unstubAllGlobals).
          isolate: false,
          setupFiles: ['mutation/fresh-modules.ts'],
        },
      },
      // Each integration and browser test file boots its own runtime (the functions in worker threads
      // of their own), mocks modules of its own (the fault worlds) and starts servers, all stopped
      // after it. Its worker is shared as the unit project's is: importing node_modules afresh for
      // each of them (the AWS SDK, dynalite, the engine, playwright) was a third of their CPU. What a
      // file changed outside its own modules goes back: `process.env` when its runtime stops
      // (local/runtime.ts), a mocked SDK client in its afterAll (fault-world.ts; runtime-file.ts checks).
      {
        extends: true,
        test: {
          name: 'runtime',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          isolate: false,
          setupFiles: ['mutation/fresh-modules.ts', 'test/support/runtime-file.ts'],
        },
      },
    ],
  },
});
