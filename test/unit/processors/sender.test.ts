import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertSafeUrl, fetchResults, postWebhook, safeRequest } from '../../../functions/adapters/webhook-sender.ts';
import { verifyWebhook } from '../../../functions/adapters/webhook-signing.ts';
import { newWebhookSecret } from '../../../local/processors/registry.ts';

let server: Server;
let base: string;
const seen: { path: string; headers: IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      seen.push({ path: req.url ?? '', headers: req.headers, body });
      if (req.url === '/redirect') return res.writeHead(302, { location: `${base}/followed` }).end();
      if (req.url === '/slow') return; // never answers
      if (req.url === '/big') return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ x: 'y'.repeat(5000) }));
      if (req.url === '/page') return res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><p>Sign in</p>');
      if (req.url === '/missing') return res.writeHead(404).end();
      if (req.url === '/results') return res.writeHead(200, { 'content-type': 'application/json' }).end('{"orders":[1,2]}');
      res.writeHead(202).end('{"accepted":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('the webhook sender', () => {
  it('posts the body signed with every secret, to a loopback target only when allowed', async () => {
    // Other tests post to /hook as well: only this test's post counts.
    seen.length = 0;
    const secrets = [newWebhookSecret(), newWebhookSecret()];
    const status = await postWebhook(`${base}/hook`, 'task_1', '{"a":1}', secrets, { allowLoopback: true });
    expect(status).toBe(202);
    const got = seen.find((s) => s.path === '/hook');
    expect(got?.body).toBe('{"a":1}');
    expect(got?.headers['webhook-id']).toBe('task_1');
    expect(String(got?.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifyWebhook(got?.body ?? '', got?.headers as Record<string, string>, [secrets[1]])).toEqual({ a: 1 });
  });

  it('refuses loopback in the AWS configuration, before anything is sent', async () => {
    const before = seen.length;
    await expect(postWebhook(`${base}/hook`, 'task_1', '{}', [newWebhookSecret()], { allowLoopback: false })).rejects.toMatchObject({ name: 'UnsafeTarget' });
    expect(seen.length).toBe(before);
  });

  it('never follows a redirect: the 3xx is returned to the caller', async () => {
    const status = await postWebhook(`${base}/redirect`, 'task_1', '{}', [newWebhookSecret()], { allowLoopback: true });
    expect(status).toBe(302);
    expect(seen.some((s) => s.path === '/followed')).toBe(false);
  });

  it('gives up after its timeout', async () => {
    await expect(safeRequest('POST', `${base}/slow`, { allowLoopback: true, timeoutMs: 100, body: '{}' })).rejects.toMatchObject({ name: expect.stringMatching(/AbortError|TimeoutError/) });
  });

  it('refuses plain http, credentials in the URL, and private, link-local and metadata addresses', async () => {
    await expect(assertSafeUrl('http://privacy-api.paynow.example/lethe', false)).rejects.toMatchObject({ name: 'UnsafeTarget' });
    await expect(assertSafeUrl('https://user:pw@privacy-api.paynow.example/lethe', false)).rejects.toMatchObject({ name: 'UnsafeTarget' });
    await expect(assertSafeUrl('ftp://privacy-api.paynow.example/lethe', true)).rejects.toMatchObject({ name: 'UnsafeTarget' });
    for (const host of ['10.0.0.5', '192.168.1.1', '172.20.0.1', '169.254.169.254', '[fd00:ec2::254]', '[::1]', '127.0.0.1', '0.0.0.0', '100.64.1.1', '[::ffff:169.254.169.254]', '2130706433']) {
      await expect(assertSafeUrl(`https://${host}/lethe`, false), host).rejects.toMatchObject({ name: 'UnsafeTarget' });
    }
    await expect(assertSafeUrl('https://93.184.216.34/lethe', false)).resolves.toBeInstanceOf(URL);
  });

  it('refuses a host name that resolves to a private address, at connection time', async () => {
    // localhost resolves to loopback: refused unless loopback is allowed, whatever the name says.
    await expect(postWebhook('https://localhost/lethe', 'task_1', '{}', [newWebhookSecret()], { allowLoopback: false })).rejects.toMatchObject({ name: 'UnsafeTarget' });
    const port = new URL(base).port;
    await expect(postWebhook(`http://localhost:${port}/hook`, 'task_1', '{}', [newWebhookSecret()], { allowLoopback: true })).resolves.toBe(202);
  });

  it('fetches export results through the same guard, capped in size', async () => {
    await expect(fetchResults(`${base}/results`, { allowLoopback: true })).resolves.toEqual({ orders: [1, 2] });
    await expect(fetchResults(`${base}/big`, { allowLoopback: true, maxBytes: 1024 })).rejects.toMatchObject({ name: 'ResponseTooLarge' });
    await expect(fetchResults(`${base}/results`, { allowLoopback: false })).rejects.toMatchObject({ name: 'UnsafeTarget' });
    await expect(fetchResults(`${base}/redirect`, { allowLoopback: true })).rejects.toMatchObject({ name: 'ResultsUnavailable', status: 302 });
    await expect(fetchResults(`${base}/missing`, { allowLoopback: true })).rejects.toMatchObject({ name: 'ResultsUnavailable', status: 404 });
    await expect(fetchResults(`${base}/page`, { allowLoopback: true })).rejects.toMatchObject({ name: 'ResultsNotJson' });
  });
});
