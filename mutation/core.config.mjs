// @ts-check
/**
 * `npm run mutate`: StrykerJS on the pure domain (functions/core) with the unit tests.
 * The floor is 80% of all mutants killed or timed out, those no test reaches included (`break`).
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'mutation/vitest.unit.config.ts', related: true },
  mutate: [
    'functions/core/**/*.ts',
    // Generated data (infra/bank-holidays.ts writes it), checked against date-holidays by its own test.
    '!functions/core/bank-holidays.generated.ts',
    // Interfaces only: nothing to mutate.
    '!functions/core/ports.ts',
  ],
  ignorePatterns: ['cdk.out', '.lethe', 'bench/results', 'test/e2e/screenshots', 'reports', 'web'],
  coverageAnalysis: 'perTest',
  incremental: true,
  incrementalFile: 'reports/mutation/core-incremental.json',
  reporters: ['clear-text', 'progress', 'html'],
  htmlReporter: { fileName: 'reports/mutation/core.html' },
  thresholds: { high: 90, low: 80, break: 80 },
  // Both cores: the whole core config took 29 minutes so (README, Mutation testing); `--concurrency 1` leaves one free.
  concurrency: 2,
  tempDirName: '.stryker-tmp',
  // vitest strips types without checking them; the default adds `// @ts-nocheck` to every file, the generated bank-holiday table included, whose test compares it byte for byte.
  disableTypeChecks: false,
};
