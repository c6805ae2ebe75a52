import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhook } from '../../../functions/adapters/webhook-signing.ts';
import { demoBehaviours, describeDemoOptions } from '../../../local/processors/options.ts';
import { loadRegistry, localRegistry, newWebhookSecret } from '../../../local/processors/registry.ts';
import { startDemoProcessors } from '../../../local/processors/server.ts';

/*
 * The demo processors on their own (no assembly): signed webhooks in, signed callbacks out to a
 * small server standing in for Lethe's callback route.
 */
const secret = newWebhookSecret();
let demo: Awaited<ReturnType<typeof startDemoProcessors>>;
let lethe: Server;
let callbackBase = '';
const callbacks = new Map<string, Record<string, unknown>>();

beforeAll(async () => {
  demo = await startDemoProcessors({ secrets: () => ({ secrets: [secret] }) });
  demo.setRegistry(localRegistry(demo.url, loadRegistry()));
  lethe = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      callbacks.set(decodeURIComponent((req.url ?? '').split('/').pop() ?? ''), JSON.parse(body));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"accepted"}');
    });
  });
  await new Promise<void>((r) => lethe.listen(0, '127.0.0.1', r));
  callbackBase = `http://127.0.0.1:${(lethe.address() as AddressInfo).port}/callbacks`;
});
afterAll(async () => {
  await demo?.close();
  lethe?.closeAllConnections();
  await new Promise((r) => lethe?.close(r));
});

type Hold = { basis: 'accounting' | 'lifetime_warranty'; until: string | null; rule: string };
const ACCOUNTING_OPEN: Hold = { basis: 'accounting', until: null, rule: 'account_closure_plus_7_years' };
const WARRANTY: Hold = { basis: 'lifetime_warranty', until: null, rule: 'indefinite' };

/** Sends one signed webhook as Lethe would and waits for the processor's callback. */
async function ask(processorId: string, email: string, action: 'erase' | 'export', holds: Hold[]) {
  const taskId = `${randomUUID()}.${processorId}`;
  const body = JSON.stringify({
    task_id: taskId,
    subject_request_id: taskId.split('.')[0],
    subject_request_type: action === 'erase' ? 'erasure' : 'access',
    action,
    subject_identities: [{ identity_type: 'email', identity_value: email, identity_format: 'raw' }],
    submitted_time: '2026-03-02T08:15:03.000Z',
    expected_completion_time: '2026-04-02',
    status_callback_url: `${callbackBase}/${encodeURIComponent(taskId)}`,
    legal_holds: holds,
  });
  const res = await fetch(`${demo.url}/${processorId}`, { method: 'POST', headers: { 'content-type': 'application/json', ...signWebhook(taskId, body, [secret]) }, body });
  expect(res.status).toBe(202);
  for (let i = 0; i < 200 && !callbacks.has(taskId); i++) await new Promise((r) => setTimeout(r, 10));
  const callback = callbacks.get(taskId);
  if (!callback) return undefined;
  // Every callback names the task it answers, the one of its URL (docs/processors.md, section 3).
  const { task_id, ...answer } = callback;
  expect(task_id).toBe(taskId);
  return answer;
}

describe('demo processors honour legal holds', () => {
  it('keeps an invoice under the accounting hold, restricted, and answers retained with the hold’s basis and until-date', async () => {
    // Bob's debt-collection case: his account closed on 2024-03-15, so the hold runs to 2031-03-15.
    const answer = await ask('recoverco', 'bob@example.com', 'erase', [{ basis: 'accounting', until: '2031-03-15', rule: 'account_closure_plus_7_years' }]);
    expect(answer).toEqual({ request_status: 'retained', legal_basis: 'accounting', retained_until: '2031-03-15' });
    expect(demo.records('recoverco', 'bob@example.com')).toEqual([{ table: 'records', record: { case: 'RC-301', balance: '0.00 GBP', closedOn: '2024-05-01' }, restricted: true }]);
  });

  it('keeps a lifetime-warranty proof of purchase while the warranty hold is sent', async () => {
    const answer = await ask('parcelway', 'carol@example.com', 'erase', [WARRANTY]);
    expect(answer).toEqual({ request_status: 'retained', legal_basis: 'lifetime_warranty', retained_until: null });
  });

  it('erases what no hold covers: Alice’s parcel, and Carol’s saved card beside her kept payment', async () => {
    expect(await ask('parcelway', 'alice@example.com', 'erase', [WARRANTY])).toEqual({ request_status: 'completed' });
    // Her payment is kept under both holds sent (an invoice, a lifetime-warranty purchase): one retained answer names both (docs/processors.md, section 3).
    expect(await ask('paynow', 'carol@example.com', 'erase', [ACCOUNTING_OPEN, WARRANTY])).toEqual({
      request_status: 'retained',
      legal_basis: 'accounting',
      retained_until: null,
      additional_holds: [{ legal_basis: 'lifetime_warranty', retained_until: null }],
    });
    expect(demo.records('paynow', 'carol@example.com').map((r) => r.record.payment ?? r.record.card)).toEqual(['PAY-0771']);
  });

  it('erases everything when no hold is sent (the requester opted to erase warranty records too)', async () => {
    const email = 'carol@example.com';
    // parcelway's copy of Carol may be restricted already by another test: ask the social processor, which holds nothing of hers, and Metricsly, which holds Alice.
    expect(await ask('socialapp', email, 'erase', [])).toEqual({ request_status: 'not_found' });
    expect(await ask('metricsly', 'alice@example.com', 'erase', [])).toEqual({ request_status: 'completed' });
    expect(demo.holds('metricsly', 'alice@example.com')).toBe(false);
  });

  it('holds nothing about an address none of the demo customers has, so there is nothing to retain', async () => {
    expect(await ask('paynow', `nobody-${randomUUID()}@example.com`, 'erase', [ACCOUNTING_OPEN, WARRANTY])).toEqual({ request_status: 'not_found' });
  });
});

describe('a demo processor told to answer retained', () => {
  it('answers retained to an erasure only, and exports a copy as usual, since Lethe refuses retained to any other task', async () => {
    demo.setBehaviour('recoverco', { status: { request_status: 'retained', legal_basis: 'accounting', retained_until: null } });
    try {
      expect(await ask('recoverco', 'bob@example.com', 'export', [])).toMatchObject({ request_status: 'completed', results: { records: [{ case: 'RC-301' }] } });
      expect(await ask('recoverco', `nobody-${randomUUID()}@example.com`, 'erase', [])).toEqual({ request_status: 'retained', legal_basis: 'accounting', retained_until: null });
    } finally {
      demo.setBehaviour('recoverco', {});
    }
  });
});

describe('demo processors export in the documented results shape', () => {
  it('sends one list of records, or named tables when it keeps several', async () => {
    expect(await ask('mailwave', 'alice@example.com', 'export', [])).toEqual({ request_status: 'completed', results: { records: [{ list: 'newsletter', subscribedOn: '2025-06-01' }] } });
    const carol = await ask('paynow', 'carol@example.com', 'export', []);
    expect(carol?.results).toEqual({ tables: expect.objectContaining({ payments: [{ payment: 'PAY-0771', order: 'OT-07710', amount: '389.00 GBP', card: '**** 1881', date: '2020-01-12' }] }) });
  });

  it('answers not_found to a copy for someone it holds nothing of, as docs/processors.md asks, not an empty list', async () => {
    // RecoverCo holds only Bob's case; nobody at all is a customer of PayNow.
    expect(await ask('recoverco', 'alice@example.com', 'export', [])).toEqual({ request_status: 'not_found' });
    expect(await ask('paynow', `nobody-${randomUUID()}@example.com`, 'export', [])).toEqual({ request_status: 'not_found' });
  });
});

describe('a demo processor’s page', () => {
  it('lists the webhooks it received and what it holds, escaped, without the signing secret', async () => {
    await ask('reviewly', '<b>x</b>@example.com', 'erase', []);
    const res = await fetch(`${demo.url}/reviewly`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await res.text();
    expect(html).toContain('<h1>Reviewly Review Invitations (demo processor)</h1>');
    expect(html).toContain('email: &#60;b&#62;x&#60;/b&#62;@example.com');
    expect(html).not.toContain('<b>x</b>');
    expect(html).not.toContain(secret.slice(6));
    expect(html).not.toContain('v1,');
  });

  it('is listed on the demo processors’ index', async () => {
    const html = await (await fetch(`${demo.url}/`)).text();
    expect(html).toContain('<a href="/parcelway">Parcelway Delivery</a> (delivery)');
  });
});

describe('npm start’s demo options', () => {
  const ids = ['paynow', 'parcelway', 'metricsly', 'recoverco'];

  it('gives each named processor its fault, on top of the delay every processor gets', () => {
    const b = demoBehaviours({ LETHE_DEMO_DELAY_MS: '2000', LETHE_DEMO_FAULTS: 'parcelway=500, metricsly=timeout,paynow=410,recoverco=retained' }, ids);
    expect(Object.fromEntries(b)).toEqual({
      paynow: { delayMs: 2000, gone: true },
      parcelway: { delayMs: 2000, fail: Number.POSITIVE_INFINITY },
      metricsly: { delayMs: 2000, never: true },
      recoverco: { delayMs: 2000, status: { request_status: 'retained', legal_basis: 'accounting', retained_until: null } },
    });
  });

  it('are said back in the banner, in words, so that a demo that misbehaves on purpose says so', () => {
    expect(describeDemoOptions({ LETHE_DEMO_DELAY_MS: '2000', LETHE_DEMO_FAULTS: 'parcelway=500, metricsly=timeout,paynow=410,recoverco=retained' }, ids)).toEqual([
      'every demo processor and the demo shop call back after 2000 ms',
      'parcelway answers every webhook 500 (retried, then escalated)',
      'metricsly accepts and never calls back (escalated at its time-out)',
      'paynow answers 410 Gone (disabled, the team alerted)',
      'recoverco answers retained under the accounting hold, for ever (refused with a 422, escalated)',
    ]);
    expect(describeDemoOptions({}, ids)).toEqual([]);
    expect(describeDemoOptions({ LETHE_DEMO_DELAY_MS: ' ', LETHE_DEMO_FAULTS: '' }, ids)).toEqual([]);
  });

  it('refuses a processor or a fault it does not know, naming the ones it does', () => {
    expect(() => demoBehaviours({ LETHE_DEMO_FAULTS: 'parcelwya=500' }, ids)).toThrow('LETHE_DEMO_FAULTS: no demo processor "parcelwya" (known: paynow, parcelway, metricsly, recoverco)');
    expect(() => demoBehaviours({ LETHE_DEMO_FAULTS: 'parcelway=404' }, ids)).toThrow('LETHE_DEMO_FAULTS: "parcelway=404" names no fault (one of 410, 500, timeout, retained)');
    expect(() => demoBehaviours({ LETHE_DEMO_DELAY_MS: 'soon' }, ids)).toThrow('LETHE_DEMO_DELAY_MS must be a whole number of milliseconds, not "soon"');
  });

  it('stops npm start before anything starts when a fault names no demo processor', async () => {
    const { spawnSync } = await import('node:child_process');
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dataDir = mkdtempSync(join(tmpdir(), 'lethe-faults-'));
    const run = spawnSync(join(process.cwd(), 'node_modules/.bin/node'), ['--import', 'tsx', 'local/start.ts'], { env: { ...process.env, LETHE_DATA_DIR: dataDir, LETHE_DEMO_FAULTS: 'nosuch=500' }, encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(1);
    const { readdirSync, rmSync } = await import('node:fs');
    const left = readdirSync(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
    expect(run.stderr).toContain('LETHE_DEMO_FAULTS: no demo processor "nosuch" (known: paynow, parcelway, metricsly,');
    expect(run.stdout).not.toContain('Lethe is running');
    // Nothing started, so nothing was written.
    expect(left).toEqual([]);
  }, 60_000);

  it('changes nothing when neither variable is set', () => {
    expect(demoBehaviours({}, ids).size).toBe(0);
  });
});

describe('the local mailbox page', () => {
  it('shows each body whole and escaped, its addresses as links without the sentence’s full stop, newest first', async () => {
    const { mailboxPage } = await import('../../../local/demo-pages.ts');
    const html = mailboxPage([
      { subject: 'First', from: 'privacy@offtek.example', to: ['a@example.com'], at: 1_790_000_000, text: 'Open https://shop.example/verify?token=a&b=c. <script>x</script>' },
      { subject: 'Second, same second', from: 'privacy@offtek.example', to: ['a@example.com'], at: 1_790_000_000, text: 'Bye' },
    ]);
    expect(html).toContain('<pre>Open <a href="https://shop.example/verify?token=a&#38;b=c">https://shop.example/verify?token=a&#38;b=c</a>. &#60;script&#62;x&#60;/script&#62;</pre>');
    expect(html).not.toContain('<script>');
    expect(html.indexOf('Second, same second')).toBeLessThan(html.indexOf('First'));
    expect(html).toContain('<html lang="en">');
  });
});
