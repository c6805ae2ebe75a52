import { randomUUID } from 'node:crypto';
import { Unavailable } from '../core/errors.ts';
import type { Customer, CustomerDirectory } from '../core/ports.ts';
import * as z from '../core/zod.ts';
import { config } from './config.ts';
import { processorSecrets } from './secrets.ts';
import { safeRequest } from './webhook-sender.ts';
import { signWebhook } from './webhook-signing.ts';

/** 503 at the edge; in Plan, an error the state machine retries. */
export class DirectoryUnavailable extends Unavailable {}

// The two purchase facts are required: a directory that does not say is not read as "bought nothing".
// `orderNumber` answers a question a directory older than it does not know: its silence is "not this address's".
const Found = z.object({ exists: z.boolean(), closedOn: z._default(z.nullable(z.iso.date()), null), accountingRecords: z.boolean(), lifetimeWarranty: z.boolean(), orderNumber: z.optional(z.boolean()) });
const Authenticated = z.object({ ok: z.boolean() });

/**
 * The shop's account service (docs/customer-directory.md): each call a POST signed with Standard
 * Webhooks headers under the directory's secret, as Lethe signs processor webhooks. A failure throws:
 * never read as "no account", which would skip the password an export needs.
 */
export class HttpsCustomerDirectory implements CustomerDirectory {
  constructor(
    private readonly url: string,
    private readonly secretRef: string,
  ) {}

  private async call<T>(path: string, payload: object, schema: z.ZodMiniType<T>): Promise<T> {
    const body = JSON.stringify(payload);
    const headers = { 'content-type': 'application/json', ...signWebhook(`dir_${randomUUID()}`, body, await processorSecrets(this.secretRef)) };
    let r: Awaited<ReturnType<typeof safeRequest>>;
    try {
      r = await safeRequest('POST', `${this.url.replace(/\/$/, '')}/${path}`, { headers, body, timeoutMs: 5_000 });
    } catch (e) {
      throw new DirectoryUnavailable(`customer directory ${path}: ${(e as Error).name}`);
    }
    if (r.status !== 200) throw new DirectoryUnavailable(`customer directory ${path} answered ${r.status}`);
    let json: unknown;
    try {
      json = JSON.parse(r.body || 'null');
    } catch {
      // Not JSON (a proxy's error page): unavailable, and its text, which may quote anything, goes nowhere.
      json = undefined;
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new DirectoryUnavailable(`customer directory ${path} answered outside the contract`);
    return parsed.data;
  }

  async find(email: string, orderNumber?: string): Promise<Customer | undefined> {
    const r = await this.call('lookup', orderNumber ? { email, orderNumber } : { email }, Found);
    // Orders without an account (a guest checkout) still make accounting records.
    if (!r.exists && !r.accountingRecords && !r.lifetimeWarranty) return undefined;
    const customer = { hasAccount: r.exists && !r.closedOn, closedOn: r.exists ? r.closedOn : null, accountingRecords: r.accountingRecords, lifetimeWarranty: r.lifetimeWarranty };
    return orderNumber ? { ...customer, ownsOrder: r.orderNumber === true } : customer;
  }

  async authenticate(email: string, password: string): Promise<boolean> {
    return (await this.call('authenticate', { email, password }, Authenticated)).ok;
  }
}

/** The documented "no customer accounts" mode: nobody has an account, so no password is asked. */
export class NoCustomerDirectory implements CustomerDirectory {
  async find() {
    return undefined;
  }
  async authenticate() {
    return false;
  }
}

/** The directory the stack was deployed with: CUSTOMER_DIRECTORY_URL, or `none`. */
export function customerDirectory(): CustomerDirectory {
  const url = config.CUSTOMER_DIRECTORY_URL;
  if (!url) throw new Error('CUSTOMER_DIRECTORY_URL is not set');
  return url === 'none' ? new NoCustomerDirectory() : new HttpsCustomerDirectory(url, config.CUSTOMER_DIRECTORY_SECRET_ID);
}
