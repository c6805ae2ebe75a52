import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Booted, boot, until } from '../harness.ts';
import { schemaErrors } from '../../unit/processors/openapi.ts';

/**
 * The email provider's engineer, who implemented Lethe's webhook and callback from docs/processors.md
 * and docs/openapi.yaml alone: its endpoint verifies with the `standardwebhooks` package, and it
 * calls back with `fetch`, signing with that package too. Nothing of Lethe's own code signs, verifies
 * or reads here: the runtime is the deployed bundles on the embedded services, as every integration
 * suite runs them, with mailwave's endpoint pointed at this processor.
 */

type Received = { headers: IncomingHttpHeaders; raw: string; at: number; answered: number };
type Task = {
  task_id: string;
  subject_request_id: string;
  subject_request_type: string;
  action: string;
  subject_identities: { identity_type: string; identity_value: string; identity_format: string; verified: boolean }[];
  submitted_time: string;
  expected_completion_time: string;
  status_callback_url: string;
  legal_holds: { basis: string; until: string | null; rule: string }[];
};

/** The processor's endpoint: verifies every webhook as section 2 says, and answers what the test queued for its task (202 otherwise). */
class EmailProvider {
  readonly received: Received[] = [];
  readonly answers = new Map<string, number[]>();
  secret = '';
  private server?: Server;

  async start() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        let answered = 401;
        try {
          const task = new Webhook(this.secret).verify(raw, req.headers as Record<string, string>) as Task;
          answered = this.answers.get(task.task_id)?.shift() ?? 202;
        } catch {
          // refused: a forged or stale webhook is answered 401 and not acted on
        }
        this.received.push({ headers: req.headers, raw, at: Date.now(), answered });
        res.writeHead(answered).end();
      });
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/lethe`;
  }

  stop() {
    return new Promise((r) => this.server?.close(r));
  }

  /** The verified webhooks of one request, as the processor read them. */
  of(requestId: string, processorId = 'mailwave') {
    return this.received.filter((r) => r.answered !== 401 && (JSON.parse(r.raw) as Task).task_id === `${requestId}.${processorId}`).map((r) => ({ ...r, task: JSON.parse(r.raw) as Task }));
  }

  /** A callback as section 3 says: POST status_callback_url, signed with the same secret, a fresh webhook-id. */
  async callback(url: string, body: Record<string, unknown> | string, o: { id?: string; at?: Date; secret?: string; headers?: Record<string, string> } = {}) {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    const id = o.id ?? `cb_${randomBytes(8).toString('hex')}`;
    const at = o.at ?? new Date();
    const headers = {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(o.secret ?? this.secret).sign(id, at, raw),
      ...o.headers,
    };
    const r = await fetch(url, { method: 'POST', headers, body: raw });
    const text = await r.text();
    return { status: r.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown>, headers: r.headers };
  }
}

const provider = new EmailProvider();
let rt: Booted;
let clients = 0;

beforeAll(async () => {
  const endpoint = await provider.start();
  rt = await boot({
    // And a second endpoint of the provider's, reached by restrictions only, that agreed a 5-second heartbeat with the shop (same key).
    registry: (r) => {
      const mailwave = r.processors.find((p) => p.id === 'mailwave') as (typeof r.processors)[number];
      const pulse = { ...mailwave, id: 'mailpulse', name: 'Mailwave (pulse)', supports: ['restrict' as const], heartbeatSeconds: 5, timeoutSeconds: 60, endpoint };
      return { ...r, processors: [...r.processors.map((p) => (p.id === 'mailwave' ? { ...p, endpoint } : p)), pulse] };
    },
    // The documented backoff is 5 s, 15 s, 45 s; the suite checks the re-delivery, not the wait.
    retryIntervalOverrides: { Dispatch: 10 },
  });
  // The shop gives the provider its secret out of band.
  provider.secret = (rt.secrets.get('lethe/processors/mailwave') as { secrets: string[] }).secrets[0];
});
afterAll(async () => {
  await rt?.stopAndClean();
  await provider.stop();
});

/** A requester's confirmed request; resolves with the webhook the provider received for it. */
async function requested(email: string, body: Record<string, unknown> = { type: 'erasure' }, answers: number[] = [], confirmed?: (requestId: string) => Promise<void>) {
  const r = await rt.submit({ email, language: 'en', ...body }, {}, `127.0.2.${++clients}`);
  expect(r.status).toBe(202);
  const links = await until(() => rt.links(email).catch(() => undefined), 5000, 'confirmation email');
  provider.answers.set(`${links.requestId}.mailwave`, answers);
  expect((await rt.confirm(links.token)).status).toBe(200);
  await confirmed?.(links.requestId);
  const [first] = await until(() => provider.of(links.requestId).length > 0 && provider.of(links.requestId), 30_000, 'webhook at the email provider');
  return { ...links, first, task: first.task };
}

const DOCUMENTED_FIELDS = ['task_id', 'subject_request_id', 'subject_request_type', 'action', 'subject_identities', 'submitted_time', 'expected_completion_time', 'status_callback_url', 'legal_holds', 'rectification', 'objections'];
const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;
const answer = (r: { status: number; body: Record<string, unknown> }) => [r.status, r.body];
const request = (r: { requestId: string; statusToken: string }) => rt.status(r.requestId, r.statusToken);

describe("an email provider's engineer, from the documents alone", () => {
  it('receives a webhook signed per Standard Webhooks, whose headers and body are those documented', async () => {
    const { first, task, requestId } = await requested('contract-erase@example.com', { type: 'erasure', name: 'Connie Tract', orderNumber: 'OT-31337' });
    expect(first.headers['content-type']).toBe('application/json');
    // The first message's id is the task id; the timestamp, Unix seconds, is when it was signed; one key, one signature.
    expect(first.headers['webhook-id']).toBe(task.task_id);
    expect(task.task_id).toBe(`${requestId}.mailwave`);
    expect(first.headers['webhook-timestamp']).toMatch(/^\d+$/);
    expect(Math.abs(Number(first.headers['webhook-timestamp']) - first.at / 1000)).toBeLessThan(30);
    expect(first.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+={0,2}$/);
    expect(schemaErrors('WebhookBody', task)).toEqual([]);
    expect(Object.keys(task).filter((k) => !DOCUMENTED_FIELDS.includes(k))).toEqual([]);
    expect(task).toMatchObject({ subject_request_id: requestId, subject_request_type: 'erasure', action: 'erase', legal_holds: [] });
    // Only what the registry lists for an email provider (email, name): the email verified, the name as typed, no order number.
    expect(task.subject_identities).toEqual([
      { identity_type: 'email', identity_value: 'contract-erase@example.com', identity_format: 'raw', verified: true },
      { identity_type: 'name', identity_value: 'Connie Tract', identity_format: 'raw', verified: false },
    ]);
    expect(new Date(task.submitted_time).toISOString()).toBe(task.submitted_time);
    expect(task.expected_completion_time).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(task.expected_completion_time).toBe((await request(await rt.links('contract-erase@example.com'))).dueDate);
    expect(new URL(task.status_callback_url).pathname).toBe(`/callbacks/${task.task_id}`);
  }, 60_000);

  it('gets the documented answer to each callback, posted to status_callback_url as is', async () => {
    const { task, requestId } = await requested('contract-answers@example.com');
    const url = task.status_callback_url;
    const t = task.task_id;
    const ack = { task_id: t, request_status: 'in_progress' };
    const refusals = [
      // 401: another key, a timestamp more than 5 minutes away either side, one that is not all digits, no signature.
      // Six minutes, not 5 min 1 s: the header counts whole seconds, and a loaded machine takes a second or
      // more to verify, so a timestamp 301 s ahead could be within the 5 minutes by then (a red CI run, November 28).
      await provider.callback(url, ack, { secret: newSecret() }),
      await provider.callback(url, ack, { at: new Date(Date.now() - 360_000) }),
      await provider.callback(url, ack, { at: new Date(Date.now() + 360_000) }),
      await provider.callback(url, ack, { headers: { 'webhook-timestamp': `${Math.floor(Date.now() / 1000)}0abc` } }),
      await provider.callback(url, ack, { headers: { 'webhook-signature': '' } }),
    ];
    for (const r of refusals) expect(answer(r)).toEqual([401, { error: 'Unauthorized', message: 'signature not valid' }]);
    const invalid = async (body: Record<string, unknown> | string, o?: Parameters<EmailProvider['callback']>[2]) => {
      const r = await provider.callback(url, body, o);
      expect(r.status).toBe(400);
      expect(schemaErrors('Error', r.body)).toEqual([]);
      return (r.body.issues as { path: string; message: string }[]).map((i) => `${i.path}: ${i.message}`);
    };
    expect(await invalid({ request_status: 'in_progress' })).toEqual(['task_id: Invalid input: expected string, received undefined']);
    expect(await invalid({ ...ack, task_id: `${requestId}.paynow` })).toEqual(['task_id: the task of this callback URL']);
    // An unknown field is an issue on the body that names it.
    expect(await invalid({ ...ack, status: 'done' })).toEqual(['(body): Unrecognized key: "status"']);
    expect(await invalid(ack, { id: 'x'.repeat(201) })).toEqual(['webhook-id: at most 200 characters']);
    expect(await invalid('{"task_id":')).toEqual(['(body): body is not valid JSON']);
    expect(await invalid({ task_id: t, request_status: 'retained', legal_basis: 'accounting', retained_until: '2031-02-30' })).toEqual(['retained_until: must be YYYY-MM-DD']);
    const unknown = `${requestId.slice(0, -1)}${requestId.endsWith('Z') ? 'Y' : 'Z'}.mailwave`;
    expect(answer(await provider.callback(url.replace(t, unknown), { ...ack, task_id: unknown }))).toEqual([404, { error: 'NotFound', message: `task ${unknown} not found` }]);
    // 32 KiB without inline results (JSON's own whitespace is bytes too), 256 KiB with them.
    expect((await provider.callback(url, `{"task_id":"${t}","request_status":"in_progress"${' '.repeat(32 * 1024)}}`)).status).toBe(413);
    expect((await provider.callback(url, `{"task_id":"${t}","request_status":"completed","results":{"records":[]}${' '.repeat(256 * 1024)}}`)).status).toBe(413);
    // Idempotency on webhook-id: a recorded id answers duplicate with the same bytes, 409 with others.
    const ok = (status: string) => [200, { status }];
    expect(answer(await provider.callback(url, ack, { id: 'ack-1' }))).toEqual(ok('accepted'));
    expect(answer(await provider.callback(url, ack, { id: 'ack-1', at: new Date(Date.now() - 290_000) }))).toEqual(ok('duplicate'));
    expect(answer(await provider.callback(url, { ...ack, receipt: 'MW-0' }, { id: 'ack-1' }))).toEqual([409, { error: 'Conflict', message: 'webhook-id already used with other content' }]);
    // A heartbeat that moves nothing is not kept, its id included; any content type is read as JSON.
    expect(answer(await provider.callback(url, ack, { id: 'hb-2', headers: { 'content-type': 'text/plain' } }))).toEqual(ok('accepted'));
    const done = { task_id: t, request_status: 'completed', results: { records: Array.from({ length: 8 }, (_, i) => ({ n: i, text: 'x'.repeat(10_000) })) }, receipt: 'MW-1' };
    expect(answer(await provider.callback(url, done, { id: 'hb-2' }))).toEqual(ok('accepted'));
    expect(answer(await provider.callback(url, done, { id: 'hb-2' }))).toEqual(ok('duplicate'));
    expect(answer(await provider.callback(url, { task_id: t, request_status: 'completed' }))).toEqual(ok('duplicate'));
    expect(answer(await provider.callback(url, { task_id: t, request_status: 'not_found' }))).toEqual([409, { error: 'Conflict', message: 'task already completed' }]);
  }, 60_000);

  it('is sent the same webhook again on a 5xx, 3xx, 429 or 408, three times; on another 4xx it is not; a late answer still counts, and a retry the team asks for is a new message', async () => {
    const a = await requested('contract-retried@example.com', { type: 'access' }, [500, 308, 429, 408]);
    await until(async () => (await request(a)).status === 'awaiting_manual', 10_000, 'escalated after the retries');
    const sent = provider.of(a.requestId);
    expect(sent.map((d) => d.answered)).toEqual([500, 308, 429, 408]);
    // The same message: same id, same bytes; each delivery signed when it left.
    for (const d of sent) expect([d.headers['webhook-id'], d.raw]).toEqual([a.task.task_id, a.first.raw]);
    const stamps = sent.map((d) => Number(d.headers['webhook-timestamp']));
    expect(stamps).toEqual([...stamps].sort());
    // The processor did the work after all: its late answer is applied and the request goes on.
    expect(answer(await provider.callback(a.task.status_callback_url, { task_id: a.task.task_id, request_status: 'not_found' }))).toEqual([200, { status: 'accepted' }]);
    await until(async () => (await request(a)).status === 'completed', 15_000, 'completed on the late answer');

    const b = await requested('contract-refused@example.com', { type: 'erasure' }, [400]);
    await until(async () => (await request(b)).status === 'awaiting_manual', 10_000, 'escalated at once');
    expect(provider.of(b.requestId).map((d) => d.answered)).toEqual([400]);
    const officer = await rt.signIn('officer');
    expect((await rt.admin(officer, `/requests/${b.requestId}/tasks/mailwave/retry`, {})).status).toBe(200);
    const [, retry] = await until(() => provider.of(b.requestId).length === 2 && provider.of(b.requestId), 10_000, 'the retry');
    expect(retry.headers['webhook-id']).toBe(`${b.task.task_id}.retry-1`);
    expect(retry.task).toMatchObject({ task_id: b.task.task_id, status_callback_url: b.task.status_callback_url });
    expect(answer(await provider.callback(retry.task.status_callback_url, { task_id: retry.task.task_id, request_status: 'completed' }))).toEqual([200, { status: 'accepted' }]);
    await until(async () => (await request(b)).status === 'completed', 15_000, 'completed on the answer to the retry');
  }, 60_000);

  it('sends export results in the documented shape, and hears what is wrong with results outside it', async () => {
    const { task } = await requested('contract-export@example.com', { type: 'access' });
    expect(task).toMatchObject({ subject_request_type: 'access', action: 'export', legal_holds: [] });
    const results = async (r: unknown, id?: string) => {
      const x = await provider.callback(task.status_callback_url, { task_id: task.task_id, request_status: 'completed', results: r }, { id });
      return x.status === 422 ? (x.body.issues as { path: string; message: string }[]).map((i) => `${i.path}: ${i.message}`) : answer(x);
    };
    // Each answer names the field at fault and says what it must be, as the page does.
    expect(await results({ tables: { '2024_orders': [{ id: 1 }] } })).toEqual(['results.tables.2024_orders: a table name is a lower-case letter, then at most 39 lower-case letters, digits or _']);
    expect(await results({ tables: { [`t${'x'.repeat(40)}`]: [] } })).toEqual([`results.tables.t${'x'.repeat(40)}: a table name is a lower-case letter, then at most 39 lower-case letters, digits or _`]);
    expect(await results({ records: [{ ['c'.repeat(101)]: 1 }] })).toEqual([`results.records.0.${'c'.repeat(101)}: a column name is 1 to 100 characters`]);
    expect(await results({ records: [{ '': 1 }] })).toEqual(['results.records.0.: a column name is 1 to 100 characters']);
    expect(await results({ records: [{ note: 'x'.repeat(10_001) }] })).toEqual(['results.records.0.note: Too big: expected string to have <=10000 characters']);
    expect(await results({ records: [{ address: { city: 'Leeds' } }] })).toEqual(['results.records.0.address: Invalid input']);
    // A corrected answer under a new id is still applied.
    const good = { tables: { messages: [{ ['c'.repeat(100)]: 'x'.repeat(10_000), opened: 3, bounced: false, unsubscribed: null }] } };
    expect(await results(good)).toEqual([200, { status: 'accepted' }]);
  }, 60_000);

  it('is told which scopes an objection covers, and only the corrected fields it holds', async () => {
    const objection = await requested('contract-object@example.com', { type: 'objection', objections: ['marketing', 'reviews'] });
    expect(objection.task).toMatchObject({ subject_request_type: 'objection', action: 'suppress', objections: ['marketing', 'reviews'], legal_holds: [] });
    expect(objection.task).not.toHaveProperty('rectification');
    const officer = await rt.signIn('officer');
    // An email provider holds email and name (the registry's fields): the phone corrected too is not sent to it.
    const correction = await requested('contract-correct@example.com', { type: 'rectification', rectification: { field: 'name and phone', correction: 'Cora Rect, 07700 900123' } }, [], async (id) => {
      expect((await rt.admin(officer, `/requests/${id}/approve`, { corrections: { name: 'Cora Rect', phone: '07700 900123' } })).status).toBe(200);
    });
    expect(correction.task).toMatchObject({ subject_request_type: 'rectification', action: 'rectify', rectification: { name: 'Cora Rect' }, legal_holds: [] });
    expect(correction.task).not.toHaveProperty('objections');
    expect(schemaErrors('WebhookBody', correction.task)).toEqual([]);
    // A correction of none of its fields sends it no task at all.
    const email = 'contract-phone@example.com';
    expect((await rt.submit({ email, language: 'en', type: 'rectification', rectification: { field: 'phone', correction: '07700 900456' } }, {}, `127.0.2.${++clients}`)).status).toBe(202);
    const links = await until(() => rt.links(email).catch(() => undefined), 5000, 'confirmation email');
    expect((await rt.confirm(links.token)).status).toBe(200);
    expect((await rt.admin(officer, `/requests/${links.requestId}/approve`, { corrections: { phone: '07700 900456' } })).status).toBe(200);
    await until(async () => (await request(links)).status === 'completed', 15_000, 'the phone correction completed');
    expect(provider.of(links.requestId)).toEqual([]);
  }, 60_000);

  it('keeps a task waiting as long as in_progress comes within the agreed heartbeat, and escalates it when none does', async () => {
    const r = await requested('contract-pulse@example.com', { type: 'restrict' });
    const [{ task }] = await until(() => provider.of(r.requestId, 'mailpulse').length > 0 && provider.of(r.requestId, 'mailpulse'), 10_000, 'the pulse webhook');
    expect(task).toMatchObject({ subject_request_type: 'restrict', action: 'restrict', legal_holds: [] });
    const officer = await rt.signIn('officer');
    const status = async () => ((await (await rt.admin(officer, `/requests/${r.requestId}`)).json()) as { tasks: { processorId: string; status: string }[] }).tasks.find((x) => x.processorId === 'mailpulse')?.status;
    // Six and more seconds of work, reported every second: longer than a heartbeat, with room for an answer
    // slowed by a busy machine (four seconds between two reports would still be within it).
    for (let i = 0; i < 6; i++) {
      expect(answer(await provider.callback(task.status_callback_url, { task_id: task.task_id, request_status: 'in_progress' }))).toEqual([200, { status: 'accepted' }]);
      await new Promise((x) => setTimeout(x, 1000));
    }
    expect(await status()).toBe('in_progress');
    await until(async () => (await status()) === 'timed_out', 20_000, 'escalated once the reports stopped');
  }, 60_000);
});
