import { readFileSync } from 'node:fs';
import { Registry } from '../core/registry-schema.ts';
import { config } from './config.ts';

/**
 * Reads and validates the processor registry, a file the stack's registry layer puts under /opt
 * (infra/constructs/registry.ts says why a layer); a missing or bad registry fails loudly.
 */
export function loadRegistry(file = config.REGISTRY_FILE): Registry {
  if (!file) throw new Error('REGISTRY_FILE is not set: this function is not given the processor registry layer');
  const parsed = Registry.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`processor registry ${file} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

let once: Registry | undefined;
/**
 * The registry, read the first time it is asked for and then kept for the execution environment.
 * For a function that needs it only on a rare path (Status, when it mails a fresh download link).
 */
export function registryOnce(): Registry {
  once ??= loadRegistry();
  return once;
}
