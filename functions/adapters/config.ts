import { z } from 'zod';

const Endpoint = z.url().optional();
const Flag = z.enum(['true', 'false']).default('false').transform((v) => v === 'true');

/**
 * Everything that differs between AWS and the embedded runtime is here: names, endpoints and
 * credentials. Business code never asks where it runs.
 */
const Env = z.object({
  AWS_REGION: z.string().default('eu-west-2'),
  TABLE_NAME: z.string().min(1),
  STATE_MACHINE_ARN: z.string().default(''),
  EXPORT_BUCKET: z.string().default(''),
  PUBLIC_BASE_URL: z.url().default('http://localhost'),
  MAIL_FROM: z.email().default('privacy@offtek.example'),
  COMPLIANCE_EMAIL: z.email().default('compliance@offtek.example'),
  /** Where the processor registry lives (an S3 object deployed with the stack; see adapters/registry.ts). */
  REGISTRY_BUCKET: z.string().default(''),
  REGISTRY_KEY: z.string().default('processors.json'),
  /** Secrets Manager id of the app's own keys (HMAC of emails, status and verify tokens). */
  APP_SECRET_ID: z.string().default('lethe/app'),
  /** Secrets Manager id of the shop's signing secrets for the suppression check (Standard Webhooks). */
  SHOP_SECRET_ID: z.string().default('lethe/shop'),
  /** Loopback webhook targets are refused unless this is set (embedded runtime only). */
  ALLOW_LOOPBACK_WEBHOOKS: Flag,
  /** The user pool's issuer (its keys at <issuer>/.well-known/jwks.json) and the console's app client: who signs admin tokens, and for whom. */
  ADMIN_JWT_ISSUER: z.string().default(''),
  ADMIN_CLIENT_ID: z.string().default(''),
  /**
   * New requests one client address may make in an hour (API Gateway stage throttling adds a global
   * limit on AWS). High, because an office or a mobile carrier puts many people behind one address;
   * a repeat of an open request is never counted, so it is never what stops a person's own request.
   */
  RATE_LIMIT_IP_PER_HOUR: z.coerce.number().int().positive().default(300),
  /** Confirmation links mailed to one email address in an hour, over all its requests; the rest wait an hour, never refused. */
  LINKS_PER_EMAIL_PER_HOUR: z.coerce.number().int().positive().default(5),
  DDB_ENDPOINT: Endpoint,
  SFN_ENDPOINT: Endpoint,
  SES_ENDPOINT: Endpoint,
  S3_ENDPOINT: Endpoint,
  SECRETS_ENDPOINT: Endpoint,
});

export function loadConfig(env: NodeJS.ProcessEnv) {
  return Env.parse(env);
}
export type Config = ReturnType<typeof loadConfig>;

export const config: Config = loadConfig(process.env);
