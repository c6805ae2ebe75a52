import { lookup } from 'node:dns/promises';
import { isAllowedTarget } from '../core/ssrf.ts';
import { config } from './config.ts';
import { signWebhook } from './webhook-signing.ts';

export { signWebhook, verifyWebhook } from './webhook-signing.ts';

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
