import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DeployableRegistry } from '../../functions/core/deployable-registry.ts';
import type { Registry } from '../../functions/core/registry-schema.ts';

/** The versioned registry, validated: the same file infra/ deploys. */
export function loadRegistry(path = new URL('../../config/processors.json', import.meta.url)): Registry {
  return DeployableRegistry.parse(JSON.parse(readFileSync(path, 'utf8')));
}

/** The same processors, with each automated endpoint pointed at its demo twin on this machine. */
export function localRegistry(baseUrl: string, base: Registry = loadRegistry()): Registry {
  return { ...base, processors: base.processors.map((p) => (p.mode === 'automated' ? { ...p, endpoint: `${baseUrl}/${p.id}` } : p)) };
}

export const newWebhookSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

/** Fresh signing secrets for every processor; the runtime stores them once in the data dir. */
export function demoSecrets(base: Registry = loadRegistry()): Record<string, { secrets: string[] }> {
  return Object.fromEntries(base.processors.filter((p) => p.secretRef).map((p) => [p.secretRef as string, { secrets: [newWebhookSecret()] }]));
}
