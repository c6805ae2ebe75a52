import type { Registry } from '../core/model.ts';
import { registryOnce } from './registry-source.ts';

export { loadRegistry } from './registry-source.ts';

/** Read once per execution environment, during init. */
export const registry: Registry = registryOnce();
