import { keepIdleConnections } from '../keep-alive.ts';
import { randomUUID } from 'node:crypto';
import { Agent, createServer, type IncomingMessage, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from '../../functions/core/model.ts';
import { signWebhook, verifyWebhook } from '../../functions/adapters/webhook-signing.ts';
import { type HeldRecord, processorPage, processorsIndex, type ReceivedWebhook, type SentCallback } from '../demo-pages.ts';

/** How a demo processor behaves; tests and demos change it per processor. */
export type Behaviour = {
  /** Milliseconds before the callback. */
  delayMs: number;
  /** Answer the webhook with 500 this many times (Infinity: always). */
  fail: number;
  /** 202, then never call back. */
  never: boolean;
  /** Answer 410 Gone. */
  gone: boolean;
  /** Answer 302 to somewhere else: the metadata address, or the given URL. */
  redirect: boolean | string;
  /** Send each callback twice (same webhook-id), as a flaky network would. */
  duplicateCallbacks: boolean;
  /** Call back `in_progress` first, then the answer (a processor that acknowledges long jobs). */
  acknowledge: boolean;
  /**
   * The secrets this processor itself knows, instead of the shared store's (key rotation: Lethe
   * already signs with a new and an old key while the processor still knows only the old one).
   */
  knownSecrets?: string[];
  /** Flag an export as holding other people's data (`third_party_data`), as a processor whose records mix people would. */
  thirdPartyData?: boolean;
  /** Answer an export with this `results_url` instead of inline results, as a processor with a large export would. */
  resultsUrl?: string;
  /** What to answer instead of doing the work. */
  status?: { request_status: 'not_found' } | { request_status: 'retained'; legal_basis: 'accounting' | 'lifetime_warranty'; retained_until: string | null; additional_holds?: { legal_basis: 'accounting' | 'lifetime_warranty'; retained_until: string | null }[]; receipt?: string } | { request_status: 'failed'; reason: string };
};

export type WebhookLog = { id: string; verified: boolean; body: Record<string, unknown> | undefined; at: number; signatures: number };
/** A callback the demo processor sent, and what Lethe answered. */
export type CallbackLog = { task: string; id: string; request_status: string; code: number; reply: unknown };

const DEFAULT: Behaviour = { delayMs: 5, fail: 0, never: false, gone: false, redirect: false, duplicateCallbacks: false, acknowledge: false };

type Hold = 'accounting' | 'lifetime_warranty';
/** One record a demo processor holds, and the legal hold it falls under, if any (an invoice, a proof of purchase). */
type Held = { table: string; record: Record<string, string | number | boolean | null>; holds?: Hold[]; restricted?: boolean };

/**
 * What the demo shop's processors hold about the demo customers (local/directory/server.ts), by
 * category. Alice's payment is an invoice (accounting hold); Carol's are lifetime-warranty
 * purchases (accounting and warranty); Bob's collection case is an accounting record of a closed
 * account. An address no processor knows holds nothing, so there is nothing to retain.
 */
const SEED: Record<string, Record<string, Held[]>> = {
  payments: {
    'alice@example.com': [{ table: 'records', record: { payment: 'PAY-1001', order: 'OT-10231', amount: '64.99 GBP', card: '**** 4242', date: '2026-02-03' }, holds: ['accounting'] }],
    'carol@example.com': [
      { table: 'payments', record: { payment: 'PAY-0771', order: 'OT-07710', amount: '389.00 GBP', card: '**** 1881', date: '2020-01-12' }, holds: ['accounting', 'lifetime_warranty'] },
      { table: 'saved_cards', record: { card: '**** 1881', expires: '2027-08', addedOn: '2020-01-12' } },
    ],
  },
  delivery: {
    'alice@example.com': [{ table: 'records', record: { parcel: 'PW-88120', order: 'OT-10231', address: '1 High Street, Birmingham', date: '2026-02-05' } }],
    'carol@example.com': [{ table: 'records', record: { parcel: 'PW-40771', order: 'OT-07710', address: '9 Mill Lane, Leeds', date: '2020-01-14' }, holds: ['lifetime_warranty'] }],
  },
  analytics: { 'alice@example.com': [{ table: 'records', record: { cookieId: 'ga-5512', segments: 'ram-upgraders' } }] },
  email: { 'alice@example.com': [{ table: 'records', record: { list: 'newsletter', subscribedOn: '2025-06-01' } }] },
  collections: { 'bob@example.com': [{ table: 'records', record: { case: 'RC-301', balance: '0.00 GBP', closedOn: '2024-05-01' }, holds: ['accounting'] }] },
  social: { 'alice@example.com': [{ table: 'records', record: { login: 'friendbook', linkedOn: '2025-01-10' } }] },
};

/** An export in the documented shape (docs/processors.md): one list of records, or named tables. */
function exportOf(held: Held[]) {
  const tables: Record<string, Held['record'][]> = {};
  for (const h of held) (tables[h.table] ??= []).push(h.record);
  const names = Object.keys(tables);
  return names.length === 1 && names[0] === 'records' ? { records: tables.records } : { tables };
}

type LegalHoldSent = { basis: Hold; until: string | null };

/**
 * An erasure as docs/processors.md asks of a processor: what falls under a hold Lethe sent is
 * restricted, not deleted, and answered `retained` with that hold's basis and until-date (both holds, the
 * second in `additional_holds`, when records are kept under each); the rest
 * is erased. A hold not sent (the requester opted to erase warranty records, an expired accounting
 * hold) protects nothing.
 */
function erase(held: Held[] | undefined, holds: LegalHoldSent[]): { kept: Held[]; answer: Record<string, unknown> } {
  if (!held?.length) return { kept: [], answer: { request_status: 'not_found' } };
  const protects = (x: LegalHoldSent, h: Held) => Boolean(h.holds?.includes(x.basis));
  const kept = held.filter((h) => holds.some((x) => protects(x, h))).map((h) => ({ ...h, restricted: true }));
  // Every hold sent that keeps a record is named: the first as legal_basis, the other in additional_holds,
  // as the contract asks, so that the requester is told both reasons and both ends.
  const [first, other] = holds.filter((x) => kept.some((h) => protects(x, h)));
  if (!first) return { kept, answer: { request_status: 'completed' } };
  const additional = other ? { additional_holds: [{ legal_basis: other.basis, retained_until: other.until }] } : {};
  return { kept, answer: { request_status: 'retained', legal_basis: first.basis, retained_until: first.until, ...additional } };
}

/**
 * A plain HTTP POST on a kept-alive connection, for the callbacks. This runs on the main thread,
 * which also serves the API and Step Functions: fetch (web streams, a cloned request body) was
 * among the largest sources of its long-lived garbage, seven callbacks per erasure.
 */
function post(agent: Agent, url: string, headers: Record<string, string>, body: string) {
  return new Promise<{ code: number; reply: unknown }>((resolve) => {
    const failed = () => resolve({ code: 0, reply: undefined });
    const req = httpRequest(url, { method: 'POST', agent, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
      });
      res.on('error', failed);
      res.on('end', () => {
        let reply: unknown;
        try {
          reply = JSON.parse(text);
        } catch {
          reply = undefined;
        }
        resolve({ code: res.statusCode ?? 0, reply });
      });
    });
    req.on('error', failed);
    req.end(body);
  });
}

async function read(req: IncomingMessage) {
  let s = '';
  for await (const c of req) s += c;
  return s;
}

/**
 * The six categories' demo processors on one loopback server, /<processorId>. They do what a
 * careful processor does: verify the signature, act once per webhook-id, call back signed.
 */
export async function startDemoProcessors(opts: { port?: number; secrets: (ref: string) => { secrets: string[] } }) {
  let registry: Registry = { version: 1, processors: [] };
  const behaviour = new Map<string, Behaviour>();
  const log = new Map<string, WebhookLog[]>();
  const done = new Set<string>();
  // Each processor holds its own copy: two email processors do not share one database.
  const data = new Map<string, Record<string, Held[]>>();
  const dataOf = (id: string, category: string) => {
    if (!data.has(id)) data.set(id, structuredClone(SEED[category] ?? {}));
    return data.get(id) as Record<string, Held[]>;
  };
  const restricted = new Map<string, Set<string>>();
  const restrictedOf = (id: string) => restricted.get(id) ?? restricted.set(id, new Set()).get(id) as Set<string>;
  const timers = new Set<NodeJS.Timeout>();
  /** The demo page of the shop's own systems, from the demo account service that answers them. */
  let shopView: (() => { received: ReceivedWebhook[]; sent: SentCallback[]; held: Record<string, HeldRecord[]> }) | undefined;

  const answers = new Map<string, CallbackLog[]>();
  const agent = new Agent({ keepAlive: true });
  /** Every callback names the task it answers (`task_id`, as the webhook sent it): it binds the signed bytes to that task. */
  const callBack = async (processorId: string, url: string, secret: string, taskId: string, answer: Record<string, unknown>, times: number) => {
    const body: Record<string, unknown> = { task_id: taskId, ...answer };
    const raw = JSON.stringify(body);
    const headers = { 'content-type': 'application/json', ...signWebhook(`cb_${randomUUID()}`, raw, [secret]) };
    for (let i = 0; i < times; i++) {
      const status = await post(agent, url, headers, raw);
      const list = answers.get(processorId) ?? [];
      list.push({ task: taskId, id: headers['webhook-id'], request_status: String(body.request_status), ...status });
      answers.set(processorId, list);
    }
  };

  const server = createServer(async (req, res) => {
    const id = (req.url ?? '/').slice(1).split('?')[0];
    const p = registry.processors.find((x) => x.id === id);
    const raw = await read(req);
    // A browser's GET: what this processor received and holds, for the demo (docs: README's tour).
    const html = (body: string) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(body);
    if (req.method === 'GET' && id === '') return html(processorsIndex(registry.processors.filter((x) => x.mode === 'automated')));
    // The shop's own systems are answered by the demo account service: its page shows that service's state.
    if (req.method === 'GET' && p?.category === 'shop' && shopView) {
      const v = shopView();
      return html(processorPage(p, v.received, v.sent, v.held));
    }
    if (req.method === 'GET' && p) {
      // Records a restriction marked (Art. 18) are shown as such, like those a legal hold keeps.
      const marked = restricted.get(p.id);
      const held = Object.fromEntries(Object.entries(data.get(p.id) ?? structuredClone(SEED[p.category] ?? {})).map(([email, list]) => [email, marked?.has(email) ? list.map((h) => (h.restricted ? h : { ...h, restricted: true, why: 'restriction: storage only' })) : list]));
      return html(processorPage(p, log.get(p.id) ?? [], answers.get(p.id) ?? [], held));
    }
    if (!p?.secretRef || req.method !== 'POST') return res.writeHead(404).end();
    const b = { ...DEFAULT, ...behaviour.get(id) };
    const secrets = b.knownSecrets ?? opts.secrets(p.secretRef).secrets;
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    const body = verifyWebhook(raw, headers, secrets) as Record<string, unknown> | undefined;
    const entries = log.get(id) ?? [];
    entries.push({ id: headers['webhook-id'], verified: Boolean(body), body, at: Date.now(), signatures: (headers['webhook-signature'] ?? '').split(' ').filter(Boolean).length });
    log.set(id, entries);
    if (!body) return res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid signature"}');
    if (b.gone) return res.writeHead(410).end();
    if (b.redirect) return res.writeHead(302, { location: typeof b.redirect === 'string' ? b.redirect : 'http://169.254.169.254/latest/meta-data/' }).end();
    if (b.fail > 0) {
      behaviour.set(id, { ...b, fail: b.fail - 1 });
      return res.writeHead(500).end();
    }
    res.writeHead(202, { 'content-type': 'application/json' }).end('{"accepted":true}');
    // A webhook-id seen before is a retry of the same instruction: acknowledged, not acted on twice.
    const key = `${id}:${headers['webhook-id']}`;
    if (done.has(key) || b.never) return;
    done.add(key);
    const email = (body.subject_identities as { identity_type: string; identity_value: string }[]).find((i) => i.identity_type === 'email')?.identity_value ?? '';
    const db = dataOf(p.id, p.category);
    const held = db[email];
    let answer: Record<string, unknown>;
    // Lethe takes `retained` from an erasure only (docs/processors.md): told to keep records, a processor still does any other task.
    if (b.status && (b.status.request_status !== 'retained' || body.action === 'erase')) answer = b.status;
    // A copy for someone it holds nothing of is `not_found`, as docs/processors.md asks, unless a test
    // made it answer with a results_url or flag third-party data; an empty list would tell the requester
    // "sent us your data: it is in your download" of a provider whose part of the download is empty.
    else if (body.action === 'export' && !held?.length && !b.resultsUrl && !b.thirdPartyData) answer = { request_status: 'not_found' };
    else if (body.action === 'export') answer = { request_status: 'completed', ...(b.resultsUrl ? { results_url: b.resultsUrl } : { results: exportOf(held ?? []) }), ...(b.thirdPartyData ? { third_party_data: true } : {}) };
    else if (body.action === 'erase') {
      const { kept, answer: a } = erase(held, (body.legal_holds as LegalHoldSent[] | undefined) ?? []);
      if (kept.length) db[email] = kept;
      else delete db[email];
      answer = a;
    } else if (body.action === 'restrict') {
      // Restricted records stay stored but are marked so that nothing else uses them (Art. 18(2)).
      if (held) restrictedOf(p.id).add(email);
      answer = { request_status: held ? 'completed' : 'not_found' };
    } else answer = { request_status: 'completed' };
    const url = String(body.status_callback_url);
    const taskId = String(body.task_id);
    const t = setTimeout(() => {
      timers.delete(t);
      void (async () => {
        if (b.acknowledge) await callBack(p.id, url, secrets[0], taskId, { request_status: 'in_progress' }, 1);
        await callBack(p.id, url, secrets[0], taskId, answer, b.duplicateCallbacks ? 2 : 1);
      })();
    }, b.delayMs);
    timers.add(t);
  });
  keepIdleConnections(server);
  await new Promise<void>((r) => server.listen(opts.port ?? 0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    setRegistry: (r: Registry) => {
      registry = r;
    },
    /** Where the shop's own systems' page takes what it shows (the demo account service's view). */
    showShop: (view: typeof shopView) => {
      shopView = view;
    },
    setBehaviour: (processorId: string, b: Partial<Behaviour>) => behaviour.set(processorId, { ...DEFAULT, ...b }),
    received: (processorId: string) => log.get(processorId) ?? [],
    /** The callbacks this processor sent and Lethe's answers, in order. */
    callbacks: (processorId: string) => answers.get(processorId) ?? [],
    holds: (processorId: string, email: string) => Boolean(data.get(processorId)?.[email]),
    /** What this processor holds about one person now, each record marked restricted when kept under a legal hold. */
    records: (processorId: string, email: string) => (data.get(processorId)?.[email] ?? []).map(({ table, record, restricted }) => ({ table, record, restricted: Boolean(restricted) })),
    /** Whether this processor keeps the person's records only in storage after a restriction. */
    restricts: (processorId: string, email: string) => Boolean(restricted.get(processorId)?.has(email)),
    close: () =>
      new Promise<void>((r) => {
        for (const t of timers) clearTimeout(t);
        agent.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
