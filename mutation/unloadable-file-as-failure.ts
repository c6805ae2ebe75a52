import type { Vitest } from 'vitest/node';
import type { Reporter } from 'vitest/reporters';

/**
 * A test file that cannot be imported counts as one failed test, for mutation runs only.
 *
 * Stryker's vitest runner (9.6.1, `vitest-test-runner.js` `run()`) builds a mutant's result from the
 * tests it collects in each file, and a file whose import throws collects none: a static mutant that
 * stops a module from loading (a zod schema built from an emptied object, which zod refuses at
 * construction) is then scored Survived although every test of that module fails with it.
 * Upstream: stryker-mutator/stryker-js#6150. This reporter runs before Stryker reads the results and
 * gives each such file one failed test carrying its load error, so that the mutant counts as killed.
 * A file that loaded is left as it is, whether its tests passed or failed.
 */
export class UnloadableFileAsFailure implements Reporter {
  private vitest?: Vitest;

  onInit(vitest: Vitest) {
    this.vitest = vitest;
  }

  onTestRunEnd() {
    for (const file of this.vitest?.state.getFiles() ?? []) {
      if (file.result?.state !== 'fail' || file.tasks.length > 0) continue;
      const message = file.result.errors?.[0]?.message ?? 'the test file failed to load';
      // vitest types a test with a context only it can build; nothing reads one once the run has finished.
      file.tasks.push({
        type: 'test',
        id: `${file.id}_load`,
        name: 'loads the test file',
        fullName: `${file.name} loads the test file`,
        mode: 'run',
        file,
        suite: file,
        meta: {},
        timeout: 0,
        annotations: [],
        artifacts: [],
        result: { state: 'fail', errors: [{ message, name: 'Error' }] },
      } as unknown as (typeof file.tasks)[number]);
    }
  }
}
