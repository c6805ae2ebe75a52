import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Booted, boot, until } from '../harness.ts';
import { schemaErrors } from '../../unit/processors/openapi.ts';

/**
 * A delivery company's engineer who wrote its integration from docs/processors.md and
 * docs/openapi.yaml alone, meeting the edges those pages promise an answer for: a callback that
 * gives its export both inline and at a URL, a `retained` answer to a task that is not an erasure,
 * the same answer sent again under its webhook-id. The endpoint verifies with `standardwebhooks`,
 * and the callbacks are signed with it; nothing of Lethe's own code signs or reads here.
 * (contract.test.ts walks the common paths; this file does not repeat them.)
 */

type Task = { task_id: string; action: string; status_callback_url: string; legal_holds: unknown[] };

class DeliveryCompany {
  readonly received: { id: string; task: Task }[] = [];
  secret = '';
  private server?: Server;

  async start() {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        try {
          const task = new Webhook(this.secret).verify(Buffer.concat(chunks).toString('utf8'), req.headers as Record<string, string>) as Task;
          this.received.push({ id: String(req.headers['webhook-id']), task });
          res.writeHead(202).end();
        } catch {
          res.writeHead(401).end();
        }
      });
    });
    this.server = server;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/lethe`;
  }

  stop() {
    return new Promise((r) => this.server?.close(r));
  }

  /** A callback as section 3 says: the raw bytes given are the bytes signed and sent. */
  async callback(task: Task, raw: string, id = `cb_${randomBytes(8).toString('hex')}`) {
    const at = new Date();
    const r = await fetch(task.status_callback_url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(this.secret).sign(id, at, raw) },
      body: raw,
    });
    const body = (await r.json()) as Record<string, unknown>;
    return { status: r.status, body, issues: ((body.issues ?? []) as { path: string; message: string }[]).map((i) => `${i.path}: ${i.message}`) };
  }
}

const parcels = new DeliveryCompany();
let rt: Booted;
let clients = 0;

beforeAll(async () => {
  const endpoint = await parcels.start();
  rt = await boot({ registry: (r) => ({ ...r, processors: r.processors.map((p) => (p.id === 'parcelway' ? { ...p, endpoint } : p)) }) });
  // The shop gives the company its secret out of band.
  parcels.secret = (rt.secrets.get('lethe/processors/parcelway') as { secrets: string[] }).secrets[0];
});
afterAll(async () => {
  await rt?.stopAndClean();
  await parcels.stop();
});

/** A requester's confirmed request; resolves with the webhook the delivery company verified for it. */
async function taskFor(email: string, type: string) {
  expect((await rt.submit({ email, language: 'en', type }, {}, `127.0.3.${++clients}`)).status).toBe(202);
  const links = await until(() => rt.links(email).catch(() => undefined), 5000, 'confirmation email');
  expect((await rt.confirm(links.token)).status).toBe(200);
  const sent = await until(() => parcels.received.find((r) => r.task.task_id === `${links.requestId}.parcelway`), 30_000, 'webhook at the delivery company');
  return { ...links, task: sent.task };
}

const json = (o: Record<string, unknown>) => JSON.stringify(o);

describe("a delivery company's engineer, at the edges the documents promise an answer for", () => {
  it('is told, by a 400 on results_url, that an export goes inline or at a URL and not both, and nothing changes until it sends one', async () => {
    const { task } = await taskFor('docs-both@example.com', 'access');
    expect(task.action).toBe('export');
    const both = await parcels.callback(task, json({ task_id: task.task_id, request_status: 'completed', results: { records: [{ parcel: 'PW-1' }] }, results_url: 'https://files.parcelway.example/export.json' }));
    expect(both.status).toBe(400);
    expect(schemaErrors('Error', both.body)).toEqual([]);
    expect(both.issues).toEqual(['results_url: either results or results_url, not both']);
    // Nothing was recorded: the corrected answer is applied, not a duplicate nor a conflict.
    const inline = await parcels.callback(task, json({ task_id: task.task_id, request_status: 'completed', results: { records: [{ parcel: 'PW-1' }] } }));
    expect([inline.status, inline.body]).toEqual([200, { status: 'accepted' }]);
  }, 60_000);

  it('is told, by a 400 on results, that a completed export carries its results, and that holding nothing is not_found', async () => {
    const { task, requestId, statusToken } = await taskFor('docs-empty-copy@example.com', 'access');
    const bare = await parcels.callback(task, json({ task_id: task.task_id, request_status: 'completed', receipt: 'PW-EXP-1' }));
    expect(bare.status).toBe(400);
    expect(bare.issues).toEqual(['results: an export is completed with results or results_url; holding nothing, answer not_found']);
    const found = await parcels.callback(task, json({ task_id: task.task_id, request_status: 'not_found', receipt: 'PW-EXP-1' }));
    expect([found.status, found.body]).toEqual([200, { status: 'accepted' }]);
    const delivery = async () => (await rt.status(requestId, statusToken)).categories.find((c) => c.category === 'delivery')?.state;
    await until(async () => (await delivery()) === 'done', 10_000, 'the delivery category done');
  }, 60_000);

  it('is told, by a 400 on request_status, that retained answers an erasure only, and its answer in the contract is then applied', async () => {
    const { task, requestId, statusToken } = await taskFor('docs-kept-copy@example.com', 'access');
    expect(task.legal_holds).toEqual([]);
    const kept = await parcels.callback(task, json({ task_id: task.task_id, request_status: 'retained', legal_basis: 'accounting', retained_until: '2032-11-30' }));
    expect(kept.status).toBe(400);
    expect(kept.issues).toEqual(['request_status: retained answers an erasure only (a task whose action is erase)']);
    // A receipt's 2,000 characters are code points, as the page says: 2,000 emoji fit, though their JavaScript length is 4,000.
    const long = await parcels.callback(task, json({ task_id: task.task_id, request_status: 'not_found', receipt: '📦'.repeat(2001) }));
    expect([long.status, long.issues]).toEqual([400, ['receipt: Too big: expected string to have <=2000 characters']]);
    const found = await parcels.callback(task, json({ task_id: task.task_id, request_status: 'not_found', receipt: '📦'.repeat(2000) }));
    expect([found.status, found.body]).toEqual([200, { status: 'accepted' }]);
    const delivery = async () => (await rt.status(requestId, statusToken)).categories.find((c) => c.category === 'delivery')?.state;
    await until(async () => (await delivery()) === 'done', 10_000, 'the delivery category done');
  }, 60_000);

  it('gets duplicate for the same bytes sent again under a webhook-id, and 409 for the same answer written anew under it, the outcome kept', async () => {
    const { task } = await taskFor('docs-resent@example.com', 'erasure');
    const raw = json({ task_id: task.task_id, request_status: 'not_found', receipt: 'PW-9' });
    const first = await parcels.callback(task, raw, 'pw-answer-1');
    expect([first.status, first.body]).toEqual([200, { status: 'accepted' }]);
    // The network lost the answer: the same bytes, signed again a second later, are a duplicate.
    await new Promise((r) => setTimeout(r, 1100));
    const again = await parcels.callback(task, raw, 'pw-answer-1');
    expect([again.status, again.body]).toEqual([200, { status: 'duplicate' }]);
    // The same answer serialised anew (its keys in another order) is other bytes under a recorded id.
    const rewritten = await parcels.callback(task, json({ request_status: 'not_found', task_id: task.task_id, receipt: 'PW-9' }), 'pw-answer-1');
    expect([rewritten.status, rewritten.body]).toEqual([409, { error: 'Conflict', message: 'webhook-id already used with other content' }]);
    // Under a fresh id the same outcome is a duplicate: nothing was lost.
    const fresh = await parcels.callback(task, json({ request_status: 'not_found', task_id: task.task_id, receipt: 'PW-9' }));
    expect([fresh.status, fresh.body]).toEqual([200, { status: 'duplicate' }]);
  }, 60_000);

  it('gets a 413 for a body over 256 KiB before its signature is read, and a 401 for one under it that is not signed', async () => {
    const { task } = await taskFor('docs-huge@example.com', 'erasure');
    const unsigned = (raw: string) => fetch(task.status_callback_url, { method: 'POST', headers: { 'content-type': 'application/json', 'webhook-id': 'x', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': 'v1,AAAA' }, body: raw });
    const body = (pad: number) => `{"task_id":"${task.task_id}","request_status":"completed","results":{"records":[]}${' '.repeat(pad)}}`;
    expect((await unsigned(body(256 * 1024))).status).toBe(413);
    expect((await unsigned(body(200 * 1024))).status).toBe(401);
  }, 60_000);

  it('is sent nothing when the shop cancels a request after its webhook, and its answer to that task is still taken', async () => {
    const { task, requestId } = await taskFor('docs-withdrawn@example.com', 'erasure');
    const officer = await rt.signIn('officer');
    expect((await rt.admin(officer, `/requests/${requestId}/cancel`, { reason: 'withdrawn_by_requester' })).status).toBe(200);
    const done = await parcels.callback(task, json({ task_id: task.task_id, request_status: 'not_found' }));
    expect([done.status, done.body]).toEqual([200, { status: 'accepted' }]);
    const detail = (await (await rt.admin(officer, `/requests/${requestId}`)).json()) as { request: { status: string }; tasks: { processorId: string; status: string }[] };
    expect([detail.request.status, detail.tasks.find((t) => t.processorId === 'parcelway')?.status]).toEqual(['cancelled', 'not_found']);
    expect(parcels.received.filter((r) => r.task.task_id === task.task_id).map((r) => r.id)).toEqual([task.task_id]);
  }, 60_000);
});
