import { randomBytes, randomUUID, scryptSync, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { signWebhook, verifyWebhook } from '../../functions/adapters/webhook-signing.ts';

/** The demo shop's customers, as its account service knows them. */
export const DEMO_CUSTOMERS = [
  { email: 'alice@example.com', password: 'correct horse battery staple', closedOn: null, note: 'account open' },
  { email: 'bob@example.com', password: 'hunter2 is not a password', closedOn: '2024-03-15', note: 'account closed on 2024-03-15' },
  { email: 'carol@example.com', password: 'lifetime warranty owner', closedOn: null, note: 'owns lifetime-warranty RAM' },
] as const;

type Row = Record<string, string | number | boolean | null>;
/** What the shop's own systems hold of one customer: the account, orders, invoices and correspondence. */
export type ShopRecords = { account: Row | null; orders: Row[]; invoices: Row[]; correspondence: Row[] };

/** What the demo shop's own systems hold about the demo customers; a product named "(lifetime warranty)" carries that warranty. */
const SEED: Record<string, ShopRecords> = {
  'alice@example.com': {
    account: { customer: 'C-1001', name: 'Alice Example', email: 'alice@example.com', postal_address: '1 High Street, Birmingham', openedOn: '2024-11-02', marketingConsent: true },
    orders: [{ order: 'OT-10231', date: '2026-02-03', items: '2 × 16 GB DDR4-3200 SO-DIMM', total: '64.99 GBP' }],
    invoices: [{ invoice: 'INV-10231', order: 'OT-10231', date: '2026-02-03', total: '64.99 GBP' }],
    correspondence: [{ date: '2026-02-04', channel: 'chat', subject: 'Will this fit a 2019 laptop?' }],
  },
  'bob@example.com': {
    account: { customer: 'C-0420', name: 'Bob Example', email: 'bob@example.com', openedOn: '2021-06-20', closedOn: '2024-03-15' },
    orders: [{ order: 'OT-06120', date: '2023-11-20', items: '1 × 8 GB DDR3L SO-DIMM', total: '19.99 GBP' }],
    invoices: [{ invoice: 'INV-06120', order: 'OT-06120', date: '2023-11-20', total: '19.99 GBP' }],
    correspondence: [],
  },
  'carol@example.com': {
    account: { customer: 'C-0077', name: 'Carol Example', email: 'carol@example.com', openedOn: '2019-09-14' },
    orders: [{ order: 'OT-07710', date: '2020-01-12', items: '4 × 32 GB DDR4 ECC (lifetime warranty)', total: '389.00 GBP' }],
    invoices: [{ invoice: 'INV-07710', order: 'OT-07710', date: '2020-01-12', total: '389.00 GBP' }],
    correspondence: [],
  },
};

const warrantyOrder = (o: Row) => /lifetime warranty/i.test(String(o.items ?? ''));
/** The London date, as Lethe dates an erasure. */
const londonToday = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date());
/** The personal fields the shop's account holds that a rectification may correct. */
const CORRECTABLE = ['name', 'email', 'postal_address', 'phone'];

const N = 16384;
/** A password's salt, and its scrypt key once derived (the password is kept until then). */
type Secret = { salt: Buffer; key?: Buffer; password?: string };
const hash = (password: string): Secret => ({ salt: randomBytes(16), password });
const derived = (s: Secret) => {
  if (!s.key) {
    s.key = scryptSync(s.password ?? '', s.salt, 32, { N });
    s.password = undefined;
  }
  return s.key;
};
const DUMMY = hash('no account here');

const Email = z.object({ email: z.email() });
const Lookup = Email.extend({ orderNumber: z.optional(z.string().max(40)) });
const Login = Email.extend({ password: z.string().max(1024) });

function read(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
      if (body.length > 16_384) req.destroy();
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

/**
 * The demo shop's account service, answering Lethe's customer-directory contract
 * (docs/customer-directory.md) for the demo customers: the same HTTPS adapter Lethe deploys with
 * calls it. Only calls signed with the directory key get an answer; passwords are checked here, as
 * the shop's own service would, and never leave it.
 *
 * It is also the shop's own systems as a target of every request (`POST …/requests`, the shop's
 * registry entry): it verifies the webhook with that entry's key, acts once per webhook-id on its
 * own records (export, erase keeping what a hold requires, rectify) and calls back signed, as a
 * processor does (docs/processors.md).
 */
export async function startDemoDirectory(opts: { port?: number; secrets: () => string[]; webhookSecrets?: (ref: string) => string[] }) {
  const customers = new Map<string, { closedOn: string | null; secret: Secret }>(DEMO_CUSTOMERS.map((c) => [c.email, { closedOn: c.closedOn, secret: hash(c.password) }]));
  const records = new Map<string, ShopRecords>(Object.entries(structuredClone(SEED)));
  /** Calls the directory answered, by path (tests read it). */
  const calls: { path: string; verified: boolean }[] = [];
  /** Privacy-request webhooks it received (verified or not), and the callbacks it sent with Lethe's answer. */
  const received: { id: string; verified: boolean; at: number; body: Record<string, unknown> | undefined }[] = [];
  const callbacks: { taskId: string; id: string; body: Record<string, unknown>; code: number }[] = [];
  const done = new Set<string>();
  /**
   * Customers whose records a restriction (Art. 18) has marked: kept as they are, used for storage
   * only, with the date it took effect, as the demo processors keep theirs.
   */
  const restricted = new Map<string, string>();
  /** Customers whose records an erasure kept under a legal hold (restricted, as docs/processors.md asks), by the hold's basis. */
  const keptUnder = new Map<string, string>();
  /** The registry's shop entries (one in the default registry), by id: each signs with its own key. */
  const entries = new Map<string, string | undefined>();
  let paused = false;
  /** Milliseconds before a privacy-request callback (demos and the restart test slow it down). */
  let delayMs = 5;

  const lookup = (email: string, orderNumber?: string) => {
    const c = customers.get(email);
    const r = records.get(email);
    const orders = r?.orders ?? [];
    const facts = { exists: Boolean(c), closedOn: c?.closedOn ?? null, accountingRecords: orders.length + (r?.invoices.length ?? 0) > 0, lifetimeWarranty: orders.some(warrantyOrder) };
    // Is the order number the requester typed one of this address's orders? The shop ignores its case.
    return orderNumber === undefined ? facts : { ...facts, orderNumber: orders.some((o) => String(o.order).toUpperCase() === orderNumber.trim().toUpperCase()) };
  };

  /** Does what the webhook asks on the shop's own records, and says what it did, as a callback body. */
  const act = (body: Record<string, unknown>): Record<string, unknown> => {
    const ids = body.subject_identities as { identity_type: string; identity_value: string }[];
    const email = (ids.find((i) => i.identity_type === 'email')?.identity_value ?? '').toLowerCase();
    const r = records.get(email);
    // Someone the shop holds nothing of is told so, a copy included (docs/processors.md: `not_found`).
    if (!r) return { request_status: 'not_found' };
    if (body.action === 'export') return { request_status: 'completed', results: { tables: { account: r.account ? [r.account] : [], orders: r.orders, invoices: r.invoices, correspondence: r.correspondence } } };
    if (body.action === 'rectify') {
      const fix = (body.rectification ?? {}) as Record<string, string>;
      if (r.account) for (const f of CORRECTABLE) if (typeof fix[f] === 'string') r.account[f] = fix[f];
      return { request_status: 'completed' };
    }
    if (body.action === 'restrict') {
      // Restricted records stay stored but are marked so that nothing else uses them (Art. 18(2)).
      if (!restricted.has(email)) restricted.set(email, londonToday());
      return { request_status: 'completed' };
    }
    if (body.action !== 'erase') return { request_status: 'completed' };
    const holds = (body.legal_holds ?? []) as { basis: string; until: string | null }[];
    const accounting = holds.find((h) => h.basis === 'accounting');
    const warranty = holds.some((h) => h.basis === 'lifetime_warranty');
    // The erasure closes the account and anonymises it: only what a hold requires stays, keyed by the customer number.
    const today = londonToday();
    const c = customers.get(email);
    if (c && !c.closedOn) c.closedOn = today;
    const keptOrders = accounting ? r.orders : warranty ? r.orders.filter(warrantyOrder) : [];
    const keptInvoices = accounting ? r.invoices : [];
    r.account = keptOrders.length || keptInvoices.length ? { customer: r.account?.customer ?? null, closedOn: c?.closedOn ?? today } : null;
    r.orders = keptOrders;
    r.invoices = keptInvoices;
    r.correspondence = [];
    if (!r.account) {
      records.delete(email);
      customers.delete(email);
      restricted.delete(email);
    } else keptUnder.set(email, accounting ? 'accounting' : 'lifetime_warranty');
    if (accounting && (keptOrders.length || keptInvoices.length)) {
      // A warranty order outlasts the accountants' 7 years: both holds are named, the second in additional_holds (docs/processors.md §3).
      const both = warranty && keptOrders.some(warrantyOrder) ? { additional_holds: [{ legal_basis: 'lifetime_warranty', retained_until: null }] } : {};
      return { request_status: 'retained', legal_basis: 'accounting', retained_until: accounting.until, ...both };
    }
    if (keptOrders.length) return { request_status: 'retained', legal_basis: 'lifetime_warranty', retained_until: null };
    return { request_status: 'completed' };
  };

  /** The callback names the task it answers (`task_id`): it binds the signed bytes to that task (docs/processors.md). */
  const callBack = async (url: string, secret: string, taskId: string, answer: Record<string, unknown>) => {
    const body: Record<string, unknown> = { task_id: taskId, ...answer };
    const raw = JSON.stringify(body);
    const headers = signWebhook(`cb_${randomUUID()}`, raw, [secret]);
    const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: raw }).catch(() => undefined);
    callbacks.push({ taskId, id: headers['webhook-id'], body, code: r?.status ?? 0 });
  };

  const server = createServer(async (req, res) => {
    // Paused (tests): an account service that is down, as a gateway in front of it would answer.
    if (paused) return res.writeHead(503).end();
    const answer = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const path = new URL(req.url ?? '/', 'http://directory').pathname.split('/').pop() ?? '';
    const body = await read(req);
    if (path === 'requests') {
      // The webhook-id is the task id, `<request id>.<processor id>` (then `.retry-<n>` for a retry the team asked for): it says whose key signed it.
      const id = String(req.headers['webhook-id'] ?? '');
      const ref = entries.get(id.split('.')[1] ?? '');
      const secrets = ref && opts.webhookSecrets ? opts.webhookSecrets(ref) : [];
      const hook = verifyWebhook(body, req.headers as Record<string, string>, secrets) as Record<string, unknown> | undefined;
      received.push({ id, verified: Boolean(hook), at: Date.now(), body: hook });
      if (req.method !== 'POST') return answer(405, { message: 'Method Not Allowed' });
      if (!hook) return answer(401, { message: 'bad signature' });
      answer(202, { accepted: true });
      // A webhook-id seen before is a retry of the same instruction: acknowledged, not acted on twice.
      if (done.has(id)) return;
      done.add(id);
      const result = act(hook);
      setTimeout(() => void callBack(String(hook.status_callback_url), secrets[0], String(hook.task_id), result), delayMs);
      return;
    }
    const verified = verifyWebhook(body, req.headers as Record<string, string>, opts.secrets()) !== undefined;
    calls.push({ path, verified });
    if (req.method !== 'POST') return answer(405, { message: 'Method Not Allowed' });
    if (!verified) return answer(401, { message: 'bad signature' });
    const login = (path === 'authenticate' ? Login : Lookup).safeParse(JSON.parse(body || 'null'));
    if (!login.success) return answer(400, { message: 'bad request' });
    const email = login.data.email.toLowerCase();
    const c = customers.get(email);
    if (path === 'lookup') return answer(200, lookup(email, (login.data as z.infer<typeof Lookup>).orderNumber));
    if (path === 'authenticate') {
      const { password } = login.data as z.infer<typeof Login>;
      // The keys are derived at the first sign-in after they were set, every one still pending at once,
      // whichever address is asked: a runtime nobody signs in to (most test files) derives none, and the
      // time taken still tells nothing of whether an account exists.
      for (const pending of [DUMMY, ...[...customers.values()].map((x) => x.secret)]) derived(pending);
      // The same work with or without an account, so that the time taken tells nothing.
      const secret = c?.secret ?? DUMMY;
      const ok = timingSafeEqual(scryptSync(password, secret.salt, 32, { N }), derived(secret));
      return answer(200, { ok: Boolean(c) && !c?.closedOn && ok });
    }
    answer(404, { message: 'Not Found' });
  });
  await new Promise<void>((r) => server.listen(opts.port ?? 0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/directory`;
  return {
    url,
    /** Where the shop's registry entry points: its own systems' privacy-request endpoint. */
    requestsUrl: `${url}/requests`,
    calls,
    received,
    callbacks,
    /** The registry's shop entries, whose keys their webhooks are signed with. */
    serve: (list: { id: string; secretRef?: string }[]) => {
      entries.clear();
      for (const e of list) entries.set(e.id, e.secretRef);
    },
    /** A customer of the tests' own, so that each test uses fresh data. */
    addCustomer: (email: string, password: string, data: ShopRecords & { closedOn?: string | null }) => {
      const { closedOn = null, ...rest } = data;
      customers.set(email, { closedOn, secret: hash(password) });
      records.set(email, structuredClone(rest));
    },
    setDelay: (ms: number) => {
      delayMs = ms;
    },
    /** What the shop's own systems hold of an address now. */
    recordsOf: (email: string) => records.get(email),
    /**
     * What the demo page of the shop's own systems shows (local/demo-pages.ts processorPage): the
     * webhooks received, the callbacks sent, and every record held now, marked when restricted.
     */
    view: () => ({
      received: received.map(({ id, verified, at, body }) => ({ id, verified, at, body })),
      sent: callbacks.map((c) => ({ task: c.taskId, id: c.id, request_status: String(c.body.request_status), code: c.code })),
      held: Object.fromEntries(
        [...records].map(([email, r]) => {
          const rows = [...(r.account ? [{ table: 'account', record: r.account }] : []), ...r.orders.map((record) => ({ table: 'orders', record })), ...r.invoices.map((record) => ({ table: 'invoices', record })), ...r.correspondence.map((record) => ({ table: 'correspondence', record }))];
          const since = restricted.get(email);
          const hold = keptUnder.get(email);
          const why = hold ? `legal hold: ${hold}` : since ? `restriction since ${since}: storage only` : undefined;
          return [email, rows.map((row) => (why ? { ...row, restricted: true, why } : row))];
        }),
      ),
    }),
    /** The date a restriction marked this customer's records (kept, used for storage only), if one has. */
    restrictedSince: (email: string) => restricted.get(email),
    pause: async () => {
      paused = true;
    },
    resume: async () => {
      paused = false;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
