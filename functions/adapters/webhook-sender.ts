import { lookup } from 'node:dns/promises';
import { Webhook } from 'standardwebhooks';
import { isAllowedTarget } from '../core/ssrf.ts';
import { config } from './config.ts';

export class UnsafeTarget extends Error {
  override name = 'UnsafeTarget';
}

export const WEBHOOK_TIMEOUT_MS = 10_000;

/** Refuses URLs that are not https (unless loopback is allowed) or that resolve to a non-public address. */
export async function assertSafeUrl(url: string, allowLoopback = config.ALLOW_LOOPBACK_WEBHOOKS): Promise<URL> {
  const u = new URL(url);
  if (u.protocol !== 'https:' && !(allowLoopback && u.protocol === 'http:')) throw new UnsafeTarget(`refused scheme ${u.protocol}`);
  const addresses = await lookup(u.hostname.replace(/^\[|\]$/g, ''), { all: true });
  const bad = addresses.find((a) => !isAllowedTarget(a.address, allowLoopback));
  if (!addresses.length || bad) throw new UnsafeTarget(`refused address for ${u.hostname}`);
  return u;
}

/** Standard Webhooks headers, one signature per current secret so keys can rotate without downtime. */
export function signWebhook(id: string, body: string, secrets: readonly string[], at = new Date()) {
  const signature = secrets.map((s) => new Webhook(s).sign(id, at, body)).join(' ');
  return { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signature };
}

/** Tries each secret; returns the verified payload, or undefined when none matches or it is stale. */
export function verifyWebhook(body: string, headers: Record<string, string | undefined>, secrets: readonly string[]): unknown {
  for (const s of secrets) {
    try {
      return new Webhook(s).verify(body, headers as Record<string, string>);
    } catch {
      // next secret
    }
  }
  return undefined;
}

/** POSTs a signed webhook: 10 s timeout, redirects never followed, SSRF-guarded. */
export async function postWebhook(url: string, id: string, body: string, secrets: readonly string[]) {
  await assertSafeUrl(url);
  const r = await fetch(url, {
    method: 'POST',
    redirect: 'manual',
    signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    headers: { 'content-type': 'application/json', 'user-agent': 'Lethe/1 (privacy requests)', ...signWebhook(id, body, secrets) },
    body,
  });
  await r.body?.cancel();
  return r.status;
}
