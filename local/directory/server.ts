import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { verifyWebhook } from '../../functions/adapters/webhook-signing.ts';

/** The demo shop's customers, as its account service knows them. */
export const DEMO_CUSTOMERS = [
  { email: 'alice@example.com', password: 'correct horse battery staple', closedOn: null, note: 'account open' },
  { email: 'bob@example.com', password: 'hunter2 is not a password', closedOn: '2024-03-15', note: 'account closed on 2024-03-15' },
  { email: 'carol@example.com', password: 'lifetime warranty owner', closedOn: null, note: 'owns lifetime-warranty RAM' },
] as const;

/** What the demo shop's own systems hold for the export (POST /export). */
const ACCOUNTS: Record<string, { account: Record<string, unknown>; orders: Record<string, unknown>[] }> = {
  'alice@example.com': {
    account: { name: 'Alice Example', openedOn: '2024-11-02', marketingConsent: true },
    orders: [{ order: 'OT-10231', date: '2026-02-03', items: '2 × 16 GB DDR4-3200 SO-DIMM', total: '64.99 GBP' }],
  },
  'bob@example.com': { account: { name: 'Bob Example', openedOn: '2021-06-20', closedOn: '2024-03-15' }, orders: [] },
  'carol@example.com': {
    account: { name: 'Carol Example', openedOn: '2019-09-14' },
    orders: [{ order: 'OT-07710', date: '2020-01-12', items: '4 × 32 GB DDR4 ECC (lifetime warranty)', total: '389.00 GBP' }],
  },
};

const N = 16384;
const hash = (password: string) => {
  const salt = randomBytes(16);
  return { salt, key: scryptSync(password, salt, 32, { N }) };
};
const DUMMY = hash('no account here');

const Email = z.object({ email: z.email() });
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
 */
export async function startDemoDirectory(opts: { port?: number; secrets: () => string[] }) {
  const customers = new Map<string, { closedOn: string | null; salt: Buffer; key: Buffer }>(DEMO_CUSTOMERS.map((c) => [c.email, { closedOn: c.closedOn, ...hash(c.password) }]));
  /** Calls the directory answered, by path (tests read it). */
  const calls: { path: string; verified: boolean }[] = [];
  let paused = false;
  const server = createServer(async (req, res) => {
    // Paused (tests): an account service that is down, as a gateway in front of it would answer.
    if (paused) return res.writeHead(503).end();
    const answer = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const path = new URL(req.url ?? '/', 'http://directory').pathname.split('/').pop() ?? '';
    const body = await read(req);
    const verified = verifyWebhook(body, req.headers as Record<string, string>, opts.secrets()) !== undefined;
    calls.push({ path, verified });
    if (req.method !== 'POST') return answer(405, { message: 'Method Not Allowed' });
    if (!verified) return answer(401, { message: 'bad signature' });
    const login = (path === 'authenticate' ? Login : Email).safeParse(JSON.parse(body || 'null'));
    if (!login.success) return answer(400, { message: 'bad request' });
    const c = customers.get(login.data.email.toLowerCase());
    if (path === 'lookup') return answer(200, { exists: Boolean(c), closedOn: c?.closedOn ?? null });
    if (path === 'export') return answer(200, ACCOUNTS[login.data.email.toLowerCase()] ?? { account: null, orders: [] });
    if (path === 'authenticate') {
      const { password } = login.data as z.infer<typeof Login>;
      // The same work with or without an account, so that the time taken tells nothing.
      const { salt, key } = c ?? DUMMY;
      const ok = timingSafeEqual(scryptSync(password, salt, 32, { N }), key);
      return answer(200, { ok: Boolean(c) && !c?.closedOn && ok });
    }
    answer(404, { message: 'Not Found' });
  });
  await new Promise<void>((r) => server.listen(opts.port ?? 0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/directory`;
  return {
    url,
    calls,
    pause: async () => {
      paused = true;
    },
    resume: async () => {
      paused = false;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
