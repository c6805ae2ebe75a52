import type { Registry } from '../core/model.ts';
import { registryOnce } from './registry-source.ts';

export { loadRegistry } from './registry-source.ts';

/** Loaded once per execution environment, during init (top-level await in the ESM bundle). */
export const registry: Registry = await registryOnce();
