import { createServer, request as forward } from 'node:http';
import type { AddressInfo } from 'node:net';
import sesModule from 'aws-ses-v2-local';
import { mailboxPage } from '../demo-pages.ts';

type StoredEmail = { subject: string; from: string; destination: { to: string[] }; at: number; body: { text?: string; html?: string } };

// A CommonJS module whose default export arrives wrapped under ESM interop.
const sesServer = ((sesModule as unknown as { default?: typeof sesModule }).default ?? sesModule) as unknown as (c: {
  host: string;
  port: number;
}) => Promise<import('node:http').Server>;

/** What the account and its identities look like to GetAccount and GetEmailIdentity. */
export type SesAccountState = {
  /** Out of the sandbox (SES "production access"). */
  productionAccess: boolean;
  /** Identities verified for sending; any other is NotFound. `*`: every identity asked about. */
  verified: string[];
};

/**
 * aws-ses-v2-local (the SES v2 API plus a mailbox page, /, and its JSON store, /store), behind a
 * small front that adds the two read calls `npm run preflight` makes (GetAccount and
 * GetEmailIdentity, which the package does not answer from its own state) and lets tests make
 * SendEmail fail as SES does when it refuses a message. The package keeps every email in one
 * module-level store, which each server it starts in a process shares (two runtimes in a test
 * worker, the bench's runs one after another): this front remembers the message ids of the emails
 * sent through it and shows only those, so that each runtime's mailbox is its own.
 */
export async function startSes(port = 0) {
  const inner = await sesServer({ host: '127.0.0.1', port: 0 });
  if (!inner.listening) await new Promise((r) => inner.once('listening', r));
  const innerPort = (inner.address() as AddressInfo).port;
  const state: SesAccountState = { productionAccess: true, verified: ['*'] };
  let refuse: ((to: string[]) => boolean) | undefined;
  const mine = new Set<string>();
  /** The package's store, as its `/store` gives it, with only this mailbox's emails. */
  const readStore = (search: string, then: (status: number, store: { emails: (StoredEmail & { messageId?: string })[] }) => void, failed: () => void) => {
    const get = forward({ host: '127.0.0.1', port: innerPort, method: 'GET', path: `/store${search}` }, (r) => {
      let text = '';
      r.setEncoding('utf8');
      r.on('data', (c: string) => {
        text += c;
      });
      r.on('end', () => {
        const store = JSON.parse(text || '{}') as { emails?: (StoredEmail & { messageId?: string })[] };
        then(r.statusCode ?? 502, { ...store, emails: (store.emails ?? []).filter((e) => e.messageId !== undefined && mine.has(e.messageId)) });
      });
    });
    get.on('error', failed);
    get.end();
  };

  const reply = (res: import('node:http').ServerResponse, status: number, body: unknown, errorType?: string) => {
    res.writeHead(status, { 'content-type': 'application/json', ...(errorType ? { 'x-amzn-errortype': errorType } : {}) });
    res.end(JSON.stringify(body));
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = new URL(req.url ?? '/', 'http://ses.local').pathname;
      if (req.method === 'POST' && path === '/v2/email/outbound-emails' && refuse) {
        const to = ((JSON.parse(body.toString('utf8') || '{}') as { Destination?: { ToAddresses?: string[] } }).Destination?.ToAddresses ?? []) as string[];
        if (refuse(to)) return reply(res, 400, { message: 'Email address is not verified.' }, 'MessageRejected');
      }
      // The mailbox page: the package's own viewer hides each body behind a button and its links are
      // not links; this one shows every email whole, as the README's tour reads them.
      if (req.method === 'GET' && path === '/') {
        return readStore(
          '',
          (_, store) => {
            const emails = store.emails.map((e) => ({ subject: e.subject, from: e.from, to: e.destination.to, at: e.at, text: e.body.text }));
            res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(mailboxPage(emails));
          },
          () => reply(res, 502, { message: 'local SES unavailable' }),
        );
      }
      if (req.method === 'GET' && path === '/store') {
        return readStore(
          new URL(req.url ?? '/', 'http://ses.local').search,
          (status, store) => reply(res, status, store),
          () => reply(res, 502, { message: 'local SES unavailable' }),
        );
      }
      if (req.method === 'GET' && path === '/v2/email/account') {
        return reply(res, 200, {
          DedicatedIpAutoWarmupEnabled: false,
          EnforcementStatus: 'HEALTHY',
          ProductionAccessEnabled: state.productionAccess,
          SendingEnabled: true,
          SendQuota: { Max24HourSend: state.productionAccess ? 50_000 : 200, MaxSendRate: state.productionAccess ? 14 : 1, SentLast24Hours: 0 },
        });
      }
      const identity = /^\/v2\/email\/identities\/([^/]+)$/.exec(path);
      if (req.method === 'GET' && identity) {
        const name = decodeURIComponent(identity[1]);
        if (!state.verified.includes('*') && !state.verified.includes(name)) return reply(res, 404, { message: `Email identity ${name} does not exist.` }, 'NotFoundException');
        return reply(res, 200, {
          IdentityType: name.includes('@') ? 'EMAIL_ADDRESS' : 'DOMAIN',
          VerifiedForSendingStatus: true,
          VerificationStatus: 'SUCCESS',
          DkimAttributes: { SigningEnabled: true, Status: 'SUCCESS', SigningAttributesOrigin: 'AWS_SES' },
        });
      }
      const out = forward({ host: '127.0.0.1', port: innerPort, method: req.method, path: req.url, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        if (!(req.method === 'POST' && path === '/v2/email/outbound-emails' && r.statusCode === 200)) return r.pipe(res);
        // A sent email: its id, so that this mailbox shows it.
        const sent: Buffer[] = [];
        r.on('data', (c: Buffer) => sent.push(c));
        r.on('end', () => {
          const id = (JSON.parse(Buffer.concat(sent).toString('utf8') || '{}') as { MessageId?: string }).MessageId;
          if (id) mine.add(id);
          res.end(Buffer.concat(sent));
        });
      });
      out.on('error', () => reply(res, 502, { message: 'local SES unavailable' }));
      out.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const closeServer = (s: import('node:http').Server) =>
    new Promise<void>((res) => {
      s.closeAllConnections?.();
      s.close(() => res());
    });
  return {
    endpoint,
    mailbox: `${endpoint}/`,
    /** Makes SendEmail refuse messages to matching recipients (MessageRejected), or stops refusing (undefined). */
    refuse(match: ((to: string[]) => boolean) | undefined) {
      refuse = match;
    },
    /** The account as GetAccount and GetEmailIdentity describe it. */
    account: state,
    close: async () => {
      await closeServer(server);
      await closeServer(inner);
    },
  };
}
