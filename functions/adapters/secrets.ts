import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretNotConfigured } from '../core/errors.ts';
import { ProcessorSecret } from '../core/model.ts';
import * as z from '../core/zod.ts';
import { secrets } from './clients/secrets.ts';
import { config } from './config.ts';

/**
 * Secrets are fetched once per container and kept in memory only; they are never logged. A caller
 * that must see a rotation without a cold start gives a `maxAgeMs`, after which the secret is read again.
 */
const cache = new Map<string, { at: number; value: Promise<string> }>();

export function getSecret(id: string, client: SecretsManagerClient = secrets, fresh: { maxAgeMs: number; now: number } | undefined = undefined): Promise<string> {
  const kept = cache.get(id);
  if (kept && !(fresh && fresh.now - kept.at >= fresh.maxAgeMs)) return kept.value;
  const value = client.send(new GetSecretValueCommand({ SecretId: id })).then((r) => {
    if (!r.SecretString) throw new Error(`secret ${id} has no string value`);
    return r.SecretString;
  });
  const entry = { at: fresh?.now ?? Date.now(), value };
  value.catch(() => {
    if (cache.get(id) === entry) cache.delete(id);
  });
  cache.set(id, entry);
  return value;
}

const AppKeys = z.object({ hmacKey: z.string().check(z.minLength(32)) });
export type AppKeys = z.infer<typeof AppKeys>;

/** The app's own key: HMAC of email addresses (dedupe, suppression, customer lookup). */
export async function appKeys(): Promise<AppKeys> {
  return AppKeys.parse(JSON.parse(await getSecret(config.APP_SECRET_ID)));
}

const OriginKey = z.object({ value: z.string().check(z.minLength(32)) });
/** Read again after this long, so that a rotated origin secret reaches warm containers. */
export const ORIGIN_SECRET_TTL_MS = 5 * 60_000;

/** The origin secret as last parsed, with the read it came from: parsed once per read, not once per request. */
let origin: { raw: Promise<string>; value: Promise<string> } | undefined;

/** The secret CloudFront sends the API in ORIGIN_HEADER (see infra/constructs/api-domain.ts). */
export function originSecret(now = Date.now()): Promise<string> {
  const raw = getSecret(config.ORIGIN_SECRET_ID, secrets, { maxAgeMs: ORIGIN_SECRET_TTL_MS, now });
  if (origin?.raw !== raw) origin = { raw, value: raw.then((s) => OriginKey.parse(JSON.parse(s)).value) };
  return origin.value;
}

/** Read again after this long, so that a key rotation (docs/processors.md §5) reaches warm containers. */
export const PROCESSOR_SECRET_TTL_MS = 5 * 60_000;

/**
 * A processor's signing secrets, newest first; more than one while a key is being rotated. Read
 * again every PROCESSOR_SECRET_TTL_MS: a warm container must start signing with a new key, accept
 * callbacks signed with it, and stop using a removed one. A secret not filled in yet (created empty
 * by the deploy) is SecretNotConfigured, and is not kept: the next call reads it again, so a key the
 * operator puts in is used without a cold start.
 */
export async function processorSecrets(ref: string, now = Date.now()): Promise<string[]> {
  let value: unknown;
  try {
    value = JSON.parse(await getSecret(ref, secrets, { maxAgeMs: PROCESSOR_SECRET_TTL_MS, now }));
  } catch {
    value = undefined;
  }
  const parsed = ProcessorSecret.safeParse(value);
  if (parsed.success) return parsed.data.secrets;
  cache.delete(ref);
  throw new SecretNotConfigured(`processor secret ${ref} holds no whsec_ key`);
}

export const clearSecretCache = () => {
  cache.clear();
  origin = undefined;
};
