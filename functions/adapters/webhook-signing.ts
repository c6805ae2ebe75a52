import { Webhook } from 'standardwebhooks';

// Kept apart from the sender so that processors (and the conformance kit) can sign without Lethe's config.

/** Standard Webhooks headers, one signature per current secret so keys can rotate without downtime. */
export function signWebhook(id: string, body: string, secrets: readonly string[], at = new Date()) {
  const signature = secrets.map((s) => new Webhook(s).sign(id, at, body)).join(' ');
  return { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signature };
}

/**
 * Tries each secret; true when one of them signed these bytes, these headers, within the timestamp
 * tolerance. The library reads `webhook-timestamp` with parseInt, so `1772439303abc` would verify
 * as its leading number (and the receipt keep the raw header): anything but digits is refused first.
 */
export function signedWith(body: string, headers: Record<string, string | undefined>, secrets: readonly string[]): boolean {
  const stamps = Object.entries(headers).filter(([k]) => k.toLowerCase() === 'webhook-timestamp');
  if (!stamps.length || !stamps.every(([, v]) => /^\d+$/.test(v ?? ''))) return false;
  return secrets.some((s) => {
    try {
      new Webhook(s).verify(body, headers as Record<string, string>, { jsonParse: false });
      return true;
    } catch {
      return false; // next secret
    }
  });
}

/** Tries each secret; returns the verified payload, or undefined when none matches, it is stale, or it is not JSON. */
export function verifyWebhook(body: string, headers: Record<string, string | undefined>, secrets: readonly string[]): unknown {
  if (!signedWith(body, headers, secrets)) return undefined;
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

