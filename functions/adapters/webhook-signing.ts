import { Webhook } from 'standardwebhooks';

// Kept apart from the sender so that processors (and the conformance kit) can sign without Lethe's config.

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

