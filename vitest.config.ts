import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
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
  },
});
