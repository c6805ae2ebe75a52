import * as z from '../core/zod.ts';
import { ANSWER_FLOOR_MS, MAX_ANSWER_FLOOR_MS } from '../core/edge.ts';
import { MAX_HOURLY_LIMIT } from '../core/rate-limit.ts';

const Endpoint = z.optional(z.url());
const Flag = z.pipe(z._default(z.enum(['true', 'false']), 'false'), z.transform((v) => v === 'true'));
const text = (fallback: string) => z._default(z.string(), fallback);
/** A positive whole number from the environment's text, at most `max` (with why, for the message). */
const count = (fallback: number, max?: { value: number; error: string }) =>
  z._default(z.coerce.number().check(z.int(), z.positive(), ...(max ? [z.lte(max.value, { error: max.error })] : [])), fallback);

/** An hourly limit, up to what a share's item holds (core/rate-limit.ts says why). */
const hourly = (fallback: number) => count(fallback, { value: MAX_HOURLY_LIMIT, error: `must be at most ${MAX_HOURLY_LIMIT} an hour: above, a share's record could outgrow what DynamoDB stores in one item` });

/**
 * Everything that differs between AWS and the embedded runtime is here: names, endpoints and
 * credentials. Business code never asks where it runs.
 */
const Env = z.object({
  AWS_REGION: text('eu-west-2'),
  TABLE_NAME: z.string().check(z.minLength(1)),
  STATE_MACHINE_ARN: text(''),
  EXPORT_BUCKET: text(''),
  PUBLIC_BASE_URL: z._default(z.url(), 'http://localhost'),
  MAIL_FROM: z._default(z.email(), 'privacy@offtek.example'),
  COMPLIANCE_EMAIL: z._default(z.email(), 'compliance@offtek.example'),
  /** The SES configuration set every email names (the stack sets it for the functions that send mail). */
  MAIL_CONFIGURATION_SET: z.optional(z.string()),
  /** The controller's identity and postal address (config/controller.json, as JSON): shown in every email to a requester. */
  CONTROLLER: z.optional(z.string()),
  /** The processor registry's file, which the stack's registry layer puts under /opt (infra/constructs/registry.ts). */
  REGISTRY_FILE: text(''),
  /** Secrets Manager id of the app's own keys (HMAC of emails, status and verify tokens). */
  APP_SECRET_ID: text('lethe/app'),
  /** The shop's account service (docs/customer-directory.md), or `none` where the shop keeps no customer accounts. */
  CUSTOMER_DIRECTORY_URL: text(''),
  /** Secrets Manager id of the key that signs Lethe's calls to the customer directory. */
  CUSTOMER_DIRECTORY_SECRET_ID: text('lethe/customer-directory'),
  /** Secrets Manager id of the secret CloudFront puts in ORIGIN_HEADER on every request to the API. */
  ORIGIN_SECRET_ID: text('lethe/origin'),
  /** Secrets Manager id of the shop's signing secrets for the suppression check (Standard Webhooks). */
  SHOP_SECRET_ID: text('lethe/shop'),
  /** Loopback webhook targets are refused unless this is set (embedded runtime only). */
  ALLOW_LOOPBACK_WEBHOOKS: Flag,
  /** The user pool's issuer (its keys at <issuer>/.well-known/jwks.json) and the console's app client: who signs admin tokens, and for whom. */
  ADMIN_JWT_ISSUER: text(''),
  ADMIN_CLIENT_ID: text(''),
  /**
   * Submissions one client address may make in any hour (core/rate-limit.ts), repeats of an open request included (API
   * Gateway stage throttling adds a global limit on AWS). High, because an office or a mobile carrier
   * puts many people behind one address. A repeat counts as a new request does: were it answered 202
   * past the limit where a new request is refused, the answer would tell who has a request open.
   */
  RATE_LIMIT_IP_PER_HOUR: hourly(300),
  /** Confirmation links mailed to one email address in any hour, over all its requests; the rest wait until the share has room, never refused. */
  LINKS_PER_EMAIL_PER_HOUR: hourly(5),
  /** Milliseconds from the start of an intake invocation before its 202 may go (core/edge.ts says why). */
  ANSWER_FLOOR_MS: count(ANSWER_FLOOR_MS, {
    value: MAX_ANSWER_FLOOR_MS,
    error: `must be at most ${MAX_ANSWER_FLOOR_MS} (milliseconds), a tenth of the intake function's timeout, so that the work before a held answer still has time to finish`,
  }),
  DDB_ENDPOINT: Endpoint,
  SFN_ENDPOINT: Endpoint,
  SES_ENDPOINT: Endpoint,
  S3_ENDPOINT: Endpoint,
  SECRETS_ENDPOINT: Endpoint,
});

/** The configuration of a function, from its environment; a setting out of bounds throws, naming it. */
export function loadConfig(env: NodeJS.ProcessEnv) {
  return Env.parse(env);
}
export type Config = ReturnType<typeof loadConfig>;

type Setting = keyof typeof Env.shape;

/**
 * Settings the stack gives the functions, checked at synth with the schema the functions read them
 * with, so that a value they would refuse at their cold start fails the synth instead. `from` says
 * where each value came from (a context key), for the message.
 */
export function checkSettings(values: Partial<Record<Setting, string>>, from: Partial<Record<Setting, string>> = {}): void {
  const keys = Object.keys(values) as Setting[];
  const r = z.safeParse(z.pick(Env, Object.fromEntries(keys.map((k) => [k, true])) as Record<Setting, true>), values);
  if (r.success) return;
  const where = (k: string) => (from[k as Setting] ? ` (${from[k as Setting]})` : '');
  throw new Error(r.error.issues.map((i) => `${i.path.join('.')}${where(String(i.path[0]))}: ${i.message}; got ${JSON.stringify(values[i.path[0] as Setting])}.`).join('\n'));
}
