import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretNotConfigured, SecretUnavailable } from '../core/errors.ts';
import { holdsRefusedWebhookKey, ProcessorSecret, WEBHOOK_KEY_MIN_BYTES } from '../core/model.ts';
import * as z from '../core/zod.ts';
import { logger } from './powertools.ts';
import { secrets } from './clients/secrets.ts';
import { config } from './config.ts';

/** A secret that holds binary data, not text: there, but not what Lethe put in. */
const NO_STRING_VALUE = 'SecretHasNoString';

/**
 * Secrets are fetched once per container and kept in memory only; they are never logged. A caller
 * that must see a rotation without a cold start gives a `maxAgeMs`, after which the secret is read again.
 */
const cache = new Map<string, { at: number; value: Promise<string> }>();

export function getSecret(id: string, client: SecretsManagerClient = secrets, fresh: { maxAgeMs: number; now: number } | undefined = undefined): Promise<string> {
  const kept = cache.get(id);
  if (kept && !(fresh && fresh.now - kept.at >= fresh.maxAgeMs)) return kept.value;
  const value = client.send(new GetSecretValueCommand({ SecretId: id })).then((r) => {
    if (!r.SecretString) throw Object.assign(new Error(`secret ${id} has no string value`), { name: NO_STRING_VALUE });
    return r.SecretString;
  });
  const entry = { at: fresh?.now ?? Date.now(), value };
  value.catch(() => {
    if (cache.get(id) === entry) cache.delete(id);
  });
  cache.set(id, entry);
  return value;
}

/**
 * A secret's JSON, or an error that names the secret only. Node's JSON.parse quotes the start of
 * what it could not read: thrown from a function outside the HTTP edge (Plan, Notify, the sweeper),
 * that message would go to the function's log and into the execution's history.
 */
function secretJson(id: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`secret ${id} is not JSON`);
  }
}

const AppKeys = z.object({ hmacKey: z.string().check(z.minLength(32)) });
export type AppKeys = z.infer<typeof AppKeys>;

/** The app's own key: HMAC of email addresses (dedupe, suppression, customer lookup). */
export async function appKeys(): Promise<AppKeys> {
  return AppKeys.parse(secretJson(config.APP_SECRET_ID, await getSecret(config.APP_SECRET_ID)));
}

const OriginKey = z.object({ value: z.string().check(z.minLength(32)) });
/** Read again after this long, so that a rotated origin secret reaches warm containers. */
export const ORIGIN_SECRET_TTL_MS = 5 * 60_000;

/** The origin secret as last parsed, with the read it came from: parsed once per read, not once per request. */
let origin: { raw: Promise<string>; value: Promise<string> } | undefined;

/** The secret CloudFront sends the API in ORIGIN_HEADER (see infra/constructs/api-domain.ts). */
export function originSecret(now = Date.now()): Promise<string> {
  const raw = getSecret(config.ORIGIN_SECRET_ID, secrets, { maxAgeMs: ORIGIN_SECRET_TTL_MS, now });
  if (origin?.raw !== raw) origin = { raw, value: raw.then((s) => OriginKey.parse(secretJson(config.ORIGIN_SECRET_ID, s)).value) };
  return origin.value;
}

/** The origin secret's previous value as last read (none: never rotated), kept ORIGIN_SECRET_TTL_MS, its absence too. */
let previousOrigin: { at: number; value: Promise<string | undefined> } | undefined;

/**
 * The value the origin secret had before its last rotation, or none. CloudFront sends the old value until a deploy
 * names the new version, and its edges change over for minutes after (docs/deploying.md): until November 29, 2026
 * only the current value was taken, and a rotation as documented refused every request with a 403. Read only for
 * a request whose header is not the current value, at most once per ORIGIN_SECRET_TTL_MS however many come.
 */
export function previousOriginSecret(now = Date.now()): Promise<string | undefined> {
  if (previousOrigin && now - previousOrigin.at < ORIGIN_SECRET_TTL_MS) return previousOrigin.value;
  const id = config.ORIGIN_SECRET_ID;
  const value = secrets.send(new GetSecretValueCommand({ SecretId: id, VersionStage: 'AWSPREVIOUS' })).then(
    (r) => (r.SecretString ? OriginKey.parse(secretJson(id, r.SecretString)).value : undefined),
    (e: Error) => {
      if (e.name === 'ResourceNotFoundException') return undefined;
      throw e;
    },
  );
  const entry = { at: now, value };
  value.catch(() => {
    if (previousOrigin === entry) previousOrigin = undefined;
  });
  previousOrigin = entry;
  return value;
}

/** Read again after this long, so that a key rotation (docs/processors.md §5) reaches warm containers. */
export const PROCESSOR_SECRET_TTL_MS = 5 * 60_000;

/**
 * What Secrets Manager answers when there is no secret to read: none of that name, or one scheduled
 * for deletion (InvalidRequestException, for GetSecretValue). Any other failure (a throttle, a
 * timeout, a 5xx, a refused access) says nothing about the secret, and is retried, not refused.
 */
const NO_SECRET_THERE = ['ResourceNotFoundException', 'InvalidRequestException', NO_STRING_VALUE];

/**
 * A processor's signing secrets, newest first; more than one while a key is being rotated. Read
 * again every PROCESSOR_SECRET_TTL_MS: a warm container must start signing with a new key, accept
 * callbacks signed with it, and stop using a removed one. A secret not filled in yet (created empty
 * by the deploy), not there at all, or holding a key shorter than Standard Webhooks' 24 bytes (which
 * could be guessed, so is never signed or verified with), is SecretNotConfigured; one that could not be read is
 * SecretUnavailable. Neither is kept: the next call reads it again, so a key the operator puts in is
 * used without a cold start.
 */
export async function processorSecrets(ref: string, now = Date.now()): Promise<string[]> {
  let raw: string | undefined;
  try {
    raw = await getSecret(ref, secrets, { maxAgeMs: PROCESSOR_SECRET_TTL_MS, now });
  } catch (e) {
    const name = (e as Error).name;
    if (!NO_SECRET_THERE.includes(name)) throw new SecretUnavailable(`processor secret ${ref} could not be read: ${name}`);
  }
  let value: unknown;
  try {
    value = raw === undefined ? undefined : JSON.parse(raw);
  } catch {
    value = undefined;
  }
  const parsed = ProcessorSecret.safeParse(value);
  if (parsed.success) return parsed.data.secrets;
  cache.delete(ref);
  // A key too short (or not base64) is one the operator did put in: say so, or "not configured" would puzzle them.
  if (holdsRefusedWebhookKey(value)) {
    logger.warn(`processor secret holds a whsec_ key shorter than ${WEBHOOK_KEY_MIN_BYTES} bytes or not base64: not configured until replaced`, { secretRef: ref });
  }
  throw new SecretNotConfigured(`processor secret ${ref} holds no usable whsec_ key`);
}

export const clearSecretCache = () => {
  cache.clear();
  origin = undefined;
  previousOrigin = undefined;
};
