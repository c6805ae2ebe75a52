import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { appKeys } from '../adapters/secrets.ts';
import { inboxOf, normaliseEmail } from '../core/edge.ts';

/** 32 random bytes, URL-safe: verification and status tokens. Only their SHA-256 is stored. */
export const newToken = () => randomBytes(32).toString('base64url');
export { sha256 } from '../core/audit.ts';

export const sameHash = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** HMAC with the app key: emails and IPs are compared and rate-limited without being stored. */
export async function hmac(value: string): Promise<string> {
  return createHmac('sha256', (await appKeys()).hmacKey).update(value).digest('hex');
}
export const emailHash = (email: string) => hmac(`email:${normaliseEmail(email)}`);
/** The inbox an address reaches (core/edge.ts inboxOf), keyed: what the hourly shares of mail to one address count by. */
export const inboxHash = (email: string) => hmac(`inbox:${inboxOf(email)}`);
/** The order number as the requester typed it, case and spaces aside: the console finds a request by it without storing it. */
export const orderHash = (orderNumber: string) => hmac(`order:${orderNumber.trim().toUpperCase()}`);

/**
 * A link's secret, derived from the app key and what the link is for (32 bytes, URL-safe, like
 * newToken). Whoever mails a link again (a retry, the sweeper) mails the very same one, so a second
 * copy of an email is harmless, and nothing but the token's SHA-256 is ever stored.
 */
export async function derivedToken(purpose: 'verify' | 'status' | 'download', ...parts: (string | number)[]): Promise<string> {
  return createHmac('sha256', (await appKeys()).hmacKey).update(`token:${purpose}:${parts.join(':')}`).digest('base64url');
}
