import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { classifyAddress, isAllowedTarget } from '../core/ssrf.ts';
import { config } from './config.ts';
import { signWebhook } from './webhook-signing.ts';

export { signWebhook, verifyWebhook } from './webhook-signing.ts';

export class UnsafeTarget extends Error {
  override name = 'UnsafeTarget';
}

export const WEBHOOK_TIMEOUT_MS = 10_000;

export type SafeRequestOptions = {
  /** Loopback targets (the embedded runtime's demo processors); never on AWS. */
  allowLoopback?: boolean;
  timeoutMs?: number;
  /** The response body is read up to this many bytes; more is an error, unless `ignoreBody`. */
  maxBytes?: number;
  /** Only the status matters (webhooks): the body is drained and dropped. */
  ignoreBody?: boolean;
  headers?: Record<string, string>;
  body?: string;
};

const hostOf = (u: URL) => u.hostname.replace(/^\[|\]$/g, '');

/**
 * A DNS lookup that refuses any non-public address. It is the lookup the socket itself uses, so
 * the address checked is the address connected to: a DNS answer that changes between a check and
 * the connection (rebinding) cannot slip through.
 */
export function guardedLookup(allowLoopback: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const bad = addresses.find((a) => !isAllowedTarget(a.address, allowLoopback));
      if (!addresses.length || bad) {
        return callback(new UnsafeTarget(`refused ${bad ? classifyAddress(bad.address) : 'no'} address for ${hostname}`), '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

/**
 * Refuses URLs that are not https (plain http only with loopback allowed, i.e. locally), that carry
 * credentials, or whose host is or resolves to a private, loopback, link-local or metadata address.
 */
export async function assertSafeUrl(url: string, allowLoopback = config.ALLOW_LOOPBACK_WEBHOOKS): Promise<URL> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UnsafeTarget('not a URL');
  }
  if (u.protocol !== 'https:' && !(allowLoopback && u.protocol === 'http:')) throw new UnsafeTarget(`refused scheme ${u.protocol}`);
  if (u.username || u.password) throw new UnsafeTarget('refused URL with credentials');
  const host = hostOf(u);
  // An IP literal never goes through DNS, so it is checked here.
  if (isIP(host)) {
    if (!isAllowedTarget(host, allowLoopback)) throw new UnsafeTarget(`refused ${classifyAddress(host)} address`);
    return u;
  }
  // Checked here too for callers that connect on their own; safeRequest checks again at connection.
  // A DNS error propagates as is: it may be transient, so the caller retries it.
  const addresses = await lookup(host, { all: true });
  const bad = addresses.find((a) => !isAllowedTarget(a.address, allowLoopback));
  if (!addresses.length || bad) throw new UnsafeTarget(`refused ${bad ? classifyAddress(bad.address) : 'unresolvable'} address for ${host}`);
  return u;
}

/**
 * One HTTP request to a processor-supplied URL: SSRF-guarded, never following redirects (a 3xx is
 * returned as is), bounded in time and in response size.
 */
export async function safeRequest(method: 'GET' | 'POST', url: string, o: SafeRequestOptions = {}): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  const allowLoopback = o.allowLoopback ?? config.ALLOW_LOOPBACK_WEBHOOKS;
  const u = await assertSafeUrl(url, allowLoopback);
  const maxBytes = o.maxBytes ?? 64 * 1024;
  const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      u,
      {
        method,
        headers: { ...(o.body !== undefined ? { 'content-length': String(Buffer.byteLength(o.body)) } : {}), ...o.headers },
        lookup: guardedLookup(allowLoopback),
        signal: AbortSignal.timeout(o.timeoutMs ?? WEBHOOK_TIMEOUT_MS),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (o.ignoreBody) return;
          size += c.length;
          if (size > maxBytes) {
            res.destroy();
            reject(Object.assign(new Error('response too large'), { name: 'ResponseTooLarge' }));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
        res.on('error', reject);
      },
    );
    req.on('error', (e) => reject(e.name === 'UnsafeTarget' || (e.cause as Error)?.name === 'UnsafeTarget' ? new UnsafeTarget(e.message) : e));
    req.end(o.body);
  });
}

/** POSTs a signed webhook (one signature per current secret) and returns the HTTP status. */
export async function postWebhook(url: string, id: string, body: string, secrets: readonly string[], o: Pick<SafeRequestOptions, 'allowLoopback' | 'timeoutMs'> = {}) {
  const r = await safeRequest('POST', url, {
    ...o,
    body,
    ignoreBody: true,
    headers: { 'content-type': 'application/json', 'user-agent': 'Lethe/1 (privacy requests)', ...signWebhook(id, body, secrets) },
  });
  return r.status;
}

/**
 * Fetches an export's `results_url` for the assemble step, through the same guard: https only,
 * public addresses only, no redirects, 10 s, capped in size.
 */
export async function fetchResults(url: string, o: Pick<SafeRequestOptions, 'allowLoopback' | 'maxBytes'> = {}): Promise<unknown> {
  const r = await safeRequest('GET', url, { maxBytes: 5 * 1024 * 1024, ...o, headers: { accept: 'application/json' } });
  if (r.status !== 200) throw Object.assign(new Error(`results_url answered ${r.status}`), { name: 'ResultsUnavailable', status: r.status });
  try {
    return JSON.parse(r.body);
  } catch {
    throw Object.assign(new Error('results_url did not answer JSON'), { name: 'ResultsNotJson' });
  }
}
