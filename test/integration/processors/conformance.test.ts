import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhook } from '../../../functions/adapters/webhook-signing.ts';
import type { Registry } from '../../../functions/core/model.ts';
import { checkProcessor, report, RULES } from '../../../local/processor-check.ts';
import { newWebhookSecret } from '../../../local/processors/registry.ts';
import { startDemoProcessors } from '../../../local/processors/server.ts';

const SECRET = newWebhookSecret();
let demo: Awaited<ReturnType<typeof startDemoProcessors>>;

beforeAll(async () => {
  demo = await startDemoProcessors({ secrets: () => ({ secrets: [SECRET] }) });
  const registry: Registry = {
    version: 1,
    processors: (['mailwave', 'recoverco'] as const).map((id) => ({
      id,
      name: id,
      category: id === 'mailwave' ? 'email' : 'collections',
      region: 'eu-west-2',
      transferSafeguard: 'adequacy',
      mode: 'automated',
      endpoint: `${demo.url}/${id}`,
      secretRef: `lethe/processors/${id}`,
      supports: ['access', 'erasure'],
      identities: ['email'],
      heartbeatSeconds: 30,
      timeoutSeconds: 60,
    })),
  };
  demo.setRegistry(registry);
});
afterAll(async () => demo?.close());

describe('the processor conformance kit', () => {
  it('runs green against the demo processors', async () => {
    const results = await checkProcessor(`${demo.url}/mailwave`, SECRET, { waitMs: 5000, quietMs: 300 });
    expect(results.map((r) => r.rule)).toEqual(Object.keys(RULES));
    // The demo listens on plain http on loopback: a warning, never a failure.
    expect(results.filter((r) => r.outcome !== 'pass').map((r) => [r.rule, r.outcome])).toEqual([['uses-https', 'warn']]);
    expect(report(`${demo.url}/mailwave`, results)).toMatch(/WARN {2}uses-https[\s\S]*every checked rule holds; 1 warning\(s\)$/);
    // The kit really exercised the endpoint: it received the valid probe, the rotation probe, the replay and the retry.
    expect(demo.received('mailwave').filter((w) => w.verified)).toHaveLength(4);
  });

  it('still passes when the demo processor sends each callback twice under one id (a network retry)', async () => {
    demo.setBehaviour('recoverco', { duplicateCallbacks: true });
    const results = await checkProcessor(`${demo.url}/recoverco`, SECRET, { waitMs: 5000, quietMs: 300 });
    expect(results.filter((r) => r.outcome !== 'pass' && r.rule !== 'uses-https')).toEqual([]);
  });

  it('fails every rule a careless processor breaks', async () => {
    // Accepts anything, acts on every delivery, and calls back unsigned.
    const careless: Server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => {
        raw += c;
      });
      req.on('end', () => {
        res.writeHead(200).end();
        const body = JSON.parse(raw) as { status_callback_url: string };
        const answer = JSON.stringify({ request_status: 'completed' });
        void fetch(body.status_callback_url, { method: 'POST', headers: { 'content-type': 'application/json', ...signWebhook(`cb_${Math.random()}`, answer, [newWebhookSecret()]) }, body: answer }).catch(() => undefined);
      });
    });
    await new Promise<void>((r) => careless.listen(0, '127.0.0.1', r));
    try {
      const results = await checkProcessor(`http://127.0.0.1:${(careless.address() as AddressInfo).port}/`, SECRET, { waitMs: 2000, quietMs: 300 });
      const failed = results.filter((r) => r.outcome === 'fail').map((r) => r.rule);
      expect(failed).toEqual([
        'refuses-forged-signature',
        'refuses-tampered-body',
        'refuses-stale-timestamp',
        'refuses-future-timestamp',
        'refuses-unsigned',
        'calls-back-signed',
        'acts-once',
        'ignores-refused-webhooks',
      ]);
    } finally {
      careless.closeAllConnections();
      careless.close();
    }
  });

  const answered = (task_id: string) => JSON.stringify({ task_id, request_status: 'not_found', receipt: 'PN-1' });
  it.each<[string, (task_id: string) => string, ((task_id: string) => string)?]>([
    ['export results outside the documented shape, which Lethe answers 422 and escalates', (task_id) => JSON.stringify({ task_id, request_status: 'completed', results: { deleted: 3 } })],
    ['a body over 32 KiB without inline results, which Lethe answers 413', (task_id) => `${answered(task_id)}${' '.repeat(32 * 1024)}`],
    ['a webhook-id over 200 characters, which Lethe answers 400', answered, (task_id) => `cb_${task_id}_${'x'.repeat(200)}`],
  ])('fails the callback rule for a signed callback naming its task with %s', async (_, answerFor, idFor = (task_id) => `cb_${task_id}`) => {
    const sloppy: Server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => {
        raw += c;
      });
      req.on('end', () => {
        res.writeHead(202).end();
        const body = JSON.parse(raw) as { task_id: string; status_callback_url: string };
        const answer = answerFor(body.task_id);
        const headers = signWebhook(idFor(body.task_id), answer, [SECRET]);
        void fetch(body.status_callback_url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: answer }).catch(() => undefined);
      });
    });
    await new Promise<void>((r) => sloppy.listen(0, '127.0.0.1', r));
    try {
      const results = await checkProcessor(`http://127.0.0.1:${(sloppy.address() as AddressInfo).port}/`, SECRET, { waitMs: 2000, quietMs: 100 });
      expect(results.find((r) => r.rule === 'calls-back-signed')).toMatchObject({ outcome: 'fail' });
    } finally {
      sloppy.closeAllConnections();
      sloppy.close();
    }
  });

  it('fails the callback rule for a processor that sends its acknowledgement and its answer under one webhook-id, which Lethe refuses with 409', async () => {
    // It echoes the webhook's id on every callback of the task: Lethe records the in_progress under it,
    // and the answer under the same id, other bytes, is a 409 that leaves the task to time out.
    const echoing: Server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => {
        raw += c;
      });
      req.on('end', () => {
        res.writeHead(202).end();
        const id = String(req.headers['webhook-id']);
        const body = JSON.parse(raw) as { task_id: string; status_callback_url: string };
        void (async () => {
          for (const request_status of ['in_progress', 'not_found']) {
            const answer = JSON.stringify({ task_id: body.task_id, request_status });
            await fetch(body.status_callback_url, { method: 'POST', headers: { 'content-type': 'application/json', ...signWebhook(id, answer, [SECRET]) }, body: answer });
          }
        })().catch(() => undefined);
      });
    });
    await new Promise<void>((r) => echoing.listen(0, '127.0.0.1', r));
    try {
      const results = await checkProcessor(`http://127.0.0.1:${(echoing.address() as AddressInfo).port}/`, SECRET, { waitMs: 2000, quietMs: 300 });
      expect(results.find((r) => r.rule === 'calls-back-signed')).toMatchObject({ outcome: 'fail', detail: expect.stringContaining('a webhook-id used again with other content') });
    } finally {
      echoing.closeAllConnections();
      echoing.close();
    }
  });

  it('refuses a whsec_ key shorter than 24 bytes, which the deployed functions refuse, and never prints the key', async () => {
    const short = `whsec_${Buffer.alloc(16, 7).toString('base64')}`;
    await expect(checkProcessor(`${demo.url}/mailwave`, short, { waitMs: 100, quietMs: 0 })).rejects.toThrow('shorter than 24 bytes or not base64');
    const cli = await promisify(execFile)('npm', ['run', '--silent', 'processor-check', '--', `${demo.url}/mailwave`, '--secret', short], { cwd: join(import.meta.dirname, '../../..') }).then(
      () => ({ code: 0, out: '' }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: `${e.stdout}${e.stderr}` }),
    );
    expect(cli.code).toBe(2);
    expect(cli.out).toContain('the secret holds a whsec_ key shorter than 24 bytes or not base64');
    expect(cli.out).not.toContain(short.slice(6));
  });

  it('fails the acceptance rules when given the wrong secret', async () => {
    const results = await checkProcessor(`${demo.url}/mailwave`, newWebhookSecret(), { waitMs: 200, quietMs: 100 });
    expect(results.find((r) => r.rule === 'accepts-valid-webhook')).toMatchObject({ outcome: 'fail', detail: expect.stringContaining('401') });
  });

  it('passes the https rule for an https endpoint, even one that cannot be reached', async () => {
    const results = await checkProcessor('https://127.0.0.1:1/hook', SECRET, { waitMs: 100, quietMs: 0 });
    expect(results.find((r) => r.rule === 'uses-https')).toMatchObject({ outcome: 'pass' });
    expect(results.find((r) => r.rule === 'accepts-valid-webhook')).toMatchObject({ outcome: 'fail', detail: expect.stringContaining('unreachable') });
  });
});
