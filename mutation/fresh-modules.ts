import { inject, vi } from 'vitest';

/**
 * Runs before each unit test file (mutation/vitest.unit.config.ts and the unit project of
 * vitest.config.ts set `isolate: false`). Every test file loads our modules afresh, as an isolated
 * run would, so that a module-level (static) mutant is evaluated with its mutant switched on, and
 * `vi.mock` applies to the file that asks for it; only node_modules (zod, the AWS SDK, Powertools,
 * aws-cdk-lib) stay loaded, which is where the time went.
 *
 * Under Stryker, a run whose mutant is switched on at run time loads the code with none switched on:
 * the worker outlives a run, and the previous run's mutant must not leak into this one's module load.
 */
const provided = inject as (key: string) => unknown;
const ns = (globalThis as unknown as Record<string, { activeMutant?: string } | undefined>)[String(provided('globalNamespace') ?? '__stryker__')];
if (ns && provided('mutantActivation') === 'runtime') ns.activeMutant = undefined;
vi.resetModules();
