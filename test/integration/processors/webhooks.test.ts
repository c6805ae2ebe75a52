import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhook } from '../../../functions/adapters/webhook-signing.ts';
import type { ProcessorEntry } from '../../../functions/core/model.ts';
import type { StoredTask } from '../../../functions/core/ports.ts';
import { receiptOf } from '../../../functions/core/receipts.ts';
import { WATCH } from '../../../functions/adapters/table.ts';
import { demoSecrets, newWebhookSecret } from '../../../local/processors/registry.ts';
import { type Booted, boot, until } from '../harness.ts';
import { schemaErrors } from '../../unit/processors/openapi.ts';

/**
 * The processor contract on the embedded runtime: the same handlers, the same state machine, the
 * demo processors. Each test uses its own requester, so tests do not see each other's tasks.
 */

// Two processors that only rectifications reach, so the other tests never meet them: one with no
// API (a person does the work) and one whose endpoint is on the shop's private network.
const manualFirm: ProcessorEntry = {
  id: 'ledger-firm',
  name: 'Ledger & Co (paper records)',
  category: 'collections',
  region: 'eu-west-2',
  transferSafeguard: 'adequacy',
  mode: 'manual',
  supports: ['rectification'],
  identities: ['email', 'name'],
  heartbeatSeconds: 86_400,
  timeoutSeconds: 1_209_600,
};
const intranet: ProcessorEntry = {
  ...manualFirm,
  id: 'intranet-crm',
  name: 'Legacy CRM (private network)',
  category: 'delivery',
  mode: 'automated',
  endpoint: 'https://10.0.12.7/lethe',
  // A deployed secret: a registry entry ships with its secret, and dispatch may read only those.
  secretRef: 'lethe/processors/recoverco',
};

// A manual processor that holds only phone numbers, and is given two seconds to have its task resolved:
// only a correction of a phone number reaches it, and nobody resolves it in time.
const slowFirm: ProcessorEntry = { ...manualFirm, id: 'phone-ledger', name: 'Phone Ledger Ltd', category: 'delivery', fields: ['phone'], heartbeatSeconds: 1, timeoutSeconds: 2 };

const OLD_KEY = newWebhookSecret();
const NEW_KEY = newWebhookSecret();

let rt: Booted;
beforeAll(async () => {
  // paynow is mid-rotation: Lethe holds the new key and the old one, newest first.
  const dataDir = mkdtempSync(join(tmpdir(), 'lethe-it-'));
  writeFileSync(
    join(dataDir, 'secrets.json'),
    JSON.stringify({
      'lethe/app': { hmacKey: randomBytes(32).toString('base64url') },
      ...demoSecrets(),
      'lethe/processors/paynow': { secrets: [NEW_KEY, OLD_KEY] },
    }),
  );
  rt = await boot({
    dataDir,
    registry: (r) => ({ ...r, processors: [...r.processors, manualFirm, intranet, slowFirm] }),
    retryIntervalOverrides: { Dispatch: 10 },
  });
});
afterAll(async () => {
  await rt?.stopAndClean();
  const { rmSync } = await import('node:fs');
  if (rt) rmSync(rt.dataDir, { recursive: true, force: true });
});

let clients = 0;
const repo = async () => (await import('../../../functions/shared/deps.ts')).repo;
const task = async (requestId: string, processorId: string) => (await repo()).getTask(requestId, processorId) as Promise<StoredTask>;
const secretOf = (processorId: string) => (rt.secrets.get(`lethe/processors/${processorId}`) as { secrets: string[] }).secrets;

async function confirmed(email: string, body: Record<string, unknown> = { type: 'erasure' }) {
  // Each from its own client address: this suite submits more than one client's hourly limit.
  const r = await rt.submit({ email, language: 'en', ...body }, {}, `127.0.1.${++clients}`);
  expect(r.status).toBe(202);
  expect(schemaErrors('Accepted', await r.json())).toEqual([]);
  const links = await until(() => rt.links(email).catch(() => undefined), 5000, 'confirmation email');
  expect((await rt.confirm(links.token)).status).toBe(200);
  return links;
}

/** A correction waits for an officer's review: approve it through the admin API, as the console does. */
async function approved(links: { requestId: string }, corrections: Record<string, string>) {
  const officer = await rt.signIn('officer');
  const r = await rt.api(`/admin/requests/${links.requestId}/approve`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${officer}` }, body: JSON.stringify({ corrections }) });
  expect(r.status).toBe(200);
  return links;
}

async function taskIn(requestId: string, processorId: string, statuses: string[], ms = 10_000) {
  return until(async () => {
    const t = await task(requestId, processorId);
    return t && statuses.includes(t.status) && t;
  }, ms, `${processorId} in ${statuses.join('|')}`);
}

/** A callback as a processor sends it: the body names the task it answers (`task_id`), unless the test gives its own. */
async function callback(taskId: string, body: object, o: { id?: string; secrets?: string[]; at?: Date } = {}) {
  const raw = JSON.stringify({ task_id: taskId, ...body });
  const processorId = taskId.split('.')[1];
  const headers = { 'content-type': 'application/json', ...signWebhook(o.id ?? `cb_test_${randomBytes(6).toString('hex')}`, raw, o.secrets ?? secretOf(processorId), o.at) };
  const r = await rt.api(`/callbacks/${taskId}`, { method: 'POST', headers, body: raw });
  return { status: r.status, body: (await r.json()) as Record<string, unknown>, raw, headers };
}

const unchanged = (before: StoredTask, after: StoredTask) => {
  expect(after.version).toBe(before.version);
  expect(after.status).toBe(before.status);
  expect(after.audit).toHaveLength(before.audit.length);
};

describe('the processor contract, end to end', () => {
  it('sends each processor a webhook its demo twin verifies, with only the identities it needs', async () => {
    const links = await confirmed('verify-me@example.com', { type: 'erasure', name: 'Vera Fied', orderNumber: 'OT-555' });
    // The suite's first request also pays every function's cold start.
    await until(async () => (await rt.status(links.requestId, links.statusToken)).status === 'completed', 30_000, 'request completed');
    for (const p of rt.registry.processors.filter((x) => x.supports.includes('erasure'))) {
      // The shop's own entry is served by the demo account service, the others by the demo processors.
      const got = (p.category === 'shop' ? (rt.directory?.received ?? []) : rt.processors.received(p.id)).filter((w) => w.id === `${links.requestId}.${p.id}`);
      expect(got, p.id).toHaveLength(1);
      expect(got[0].verified, p.id).toBe(true);
      expect(schemaErrors('WebhookBody', got[0].body), p.id).toEqual([]);
      const types = ((got[0].body?.subject_identities ?? []) as { identity_type: string }[]).map((i) => i.identity_type);
      // The shop's directory does not know this address, so the order number typed is sent to nobody.
      expect(types.sort(), p.id).toEqual(p.identities.filter((t) => t !== 'order_number').sort());
    }
    // Real callbacks, as the demo processors sent them, and Lethe's real answers, match the contract.
    const answers = rt.processors.callbacks('mailwave');
    expect(answers.at(-1)).toMatchObject({ code: 200, reply: { status: 'accepted' } });
    for (const a of answers) expect(schemaErrors('CallbackAnswer', a.reply)).toEqual([]);
    const view = await (await rt.api(`/requests/${links.requestId}/status?token=${links.statusToken}`)).json();
    expect(schemaErrors('RequesterStatus', view)).toEqual([]);
  });

  it('sends an order number only to the address the shop’s directory knows it for: one typed by someone else reaches no processor', async () => {
    const directory = rt.directory;
    if (!directory) throw new Error('the runtime runs the demo directory');
    directory.addCustomer('order-owner@example.com', 'owner password', {
      account: { customer: 'C-7001', name: 'Olive Owner', email: 'order-owner@example.com' },
      orders: [{ order: 'OT-70011', date: '2026-01-05', items: '1 × 8 GB DDR4', total: '24.99 GBP' }],
      invoices: [],
      correspondence: [],
    });
    const sent = (requestId: string) =>
      rt.registry.processors
        .filter((p) => p.supports.includes('erasure'))
        .map((p) => ({ p, got: (p.category === 'shop' ? directory.received : rt.processors.received(p.id)).find((w) => w.id === `${requestId}.${p.id}`) }));
    const orderOf = (body: Record<string, unknown> | undefined) => ((body?.subject_identities ?? []) as { identity_type: string; identity_value: string; verified: boolean }[]).find((i) => i.identity_type === 'order_number');

    // Someone who confirmed their own mailbox types the owner's order number, as printed on a parcel.
    const intruder = await confirmed('order-intruder@example.com', { type: 'erasure', orderNumber: 'OT-70011' });
    await until(async () => (await rt.status(intruder.requestId, intruder.statusToken)).status === 'completed', 30_000, 'intruder’s request completed');
    for (const { p, got } of sent(intruder.requestId)) {
      expect(got?.verified, p.id).toBe(true);
      expect(JSON.stringify(got?.body), p.id).not.toContain('OT-70011');
    }
    const stored = await (await repo()).getRequest(intruder.requestId);
    expect(stored?.audit.find((e) => e.action === 'start')?.data).toMatchObject({ order: 'not_confirmed' });
    expect(JSON.stringify(stored)).not.toContain('OT-70011');

    // The owner's own order number reaches the processors the registry lists it for, marked verified.
    const owner = await confirmed('order-owner@example.com', { type: 'erasure', orderNumber: 'ot-70011' });
    await until(async () => (await rt.status(owner.requestId, owner.statusToken)).status === 'completed', 30_000, 'owner’s request completed');
    for (const { p, got } of sent(owner.requestId)) {
      expect(orderOf(got?.body), p.id).toEqual(p.identities.includes('order_number') ? { identity_type: 'order_number', identity_value: 'ot-70011', identity_format: 'raw', verified: true } : undefined);
    }
  });

  it('refuses forged, expired and tampered callbacks with 401 and changes nothing', async () => {
    rt.processors.setBehaviour('parcelway', { never: true });
    const links = await confirmed('forged@example.com');
    const taskId = `${links.requestId}.parcelway`;
    const before = await taskIn(links.requestId, 'parcelway', ['sent']);
    const forged = await callback(taskId, { request_status: 'completed' }, { secrets: [newWebhookSecret()] });
    expect(forged.status).toBe(401);
    expect(schemaErrors('Error', forged.body)).toEqual([]);
    expect((await callback(taskId, { request_status: 'completed' }, { at: new Date(Date.now() - 6 * 60_000) })).status).toBe(401);
    expect((await callback(taskId, { request_status: 'completed' }, { at: new Date(Date.now() + 6 * 60_000) })).status).toBe(401);
    const good = signWebhook('cb_tampered', JSON.stringify({ task_id: taskId, request_status: 'not_found' }), secretOf('parcelway'));
    const tampered = await rt.api(`/callbacks/${taskId}`, { method: 'POST', headers: { 'content-type': 'application/json', ...good }, body: JSON.stringify({ task_id: taskId, request_status: 'completed' }) });
    expect(tampered.status).toBe(401);
    const noHeaders = await rt.api(`/callbacks/${taskId}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ task_id: taskId, request_status: 'completed' }) });
    expect(noHeaders.status).toBe(401);
    unchanged(before, await task(links.requestId, 'parcelway'));
    rt.processors.setBehaviour('parcelway', {});
    // Still waiting, and a genuine callback still completes it.
    expect((await callback(taskId, { request_status: 'completed' })).body).toEqual({ status: 'accepted' });
    await taskIn(links.requestId, 'parcelway', ['completed']);
  });

  it('answers a replayed callback as a duplicate without applying it again', async () => {
    rt.processors.setBehaviour('socialapp', { never: true });
    const links = await confirmed('replay@example.com');
    const taskId = `${links.requestId}.socialapp`;
    await taskIn(links.requestId, 'socialapp', ['sent']);
    const first = await callback(taskId, { request_status: 'completed', receipt: 'FB-1' }, { id: 'cb_replayed' });
    expect(first.body).toEqual({ status: 'accepted' });
    const after = await task(links.requestId, 'socialapp');
    const replay = await rt.api(`/callbacks/${taskId}`, { method: 'POST', headers: first.headers, body: first.raw });
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual({ status: 'duplicate' });
    unchanged(after, await task(links.requestId, 'socialapp'));
    rt.processors.setBehaviour('socialapp', {});
  });

  it('refuses a callback replayed onto another request’s task at the same processor with a 400 on task_id, changing neither task', async () => {
    rt.processors.setBehaviour('socialapp', { never: true });
    const a = await confirmed('replay-source@example.com');
    const b = await confirmed('replay-target@example.com');
    await taskIn(a.requestId, 'socialapp', ['sent']);
    const target = await taskIn(b.requestId, 'socialapp', ['sent']);
    // socialapp answers its task of request A; the same signed bytes, within the timestamp
    // tolerance, are posted to the callback URL of its task of request B.
    const first = await callback(`${a.requestId}.socialapp`, { request_status: 'not_found' }, { id: 'cb_cross_task' });
    expect(first.body).toEqual({ status: 'accepted' });
    const source = await task(a.requestId, 'socialapp');
    const replay = await rt.api(`/callbacks/${b.requestId}.socialapp`, { method: 'POST', headers: first.headers, body: first.raw });
    expect(replay.status).toBe(400);
    const refusal = await replay.json();
    expect(schemaErrors('Error', refusal)).toEqual([]);
    expect(refusal.issues).toEqual([{ path: 'task_id', message: 'the task of this callback URL' }]);
    unchanged(target, await task(b.requestId, 'socialapp'));
    expect((await task(b.requestId, 'socialapp')).receipts ?? {}).toEqual(target.receipts ?? {});
    unchanged(source, await task(a.requestId, 'socialapp'));
    // A callback without its task is refused the same way.
    const bare = JSON.stringify({ request_status: 'not_found' });
    const unnamed = await rt.api(`/callbacks/${b.requestId}.socialapp`, { method: 'POST', headers: { 'content-type': 'application/json', ...signWebhook('cb_unnamed', bare, secretOf('socialapp')) }, body: bare });
    expect(unnamed.status).toBe(400);
    expect((await unnamed.json()).issues).toEqual([expect.objectContaining({ path: 'task_id' })]);
    unchanged(target, await task(b.requestId, 'socialapp'));
    rt.processors.setBehaviour('socialapp', {});
  });

  it('refuses a callback body over 32 KiB without inline export results with 413, changing nothing', async () => {
    rt.processors.setBehaviour('socialapp', { never: true });
    const links = await confirmed('padded-callback@example.com');
    const taskId = `${links.requestId}.socialapp`;
    const before = await taskIn(links.requestId, 'socialapp', ['sent']);
    const raw = `{"task_id":"${taskId}","request_status":"not_found"${' '.repeat(33 * 1024)}}`;
    const r = await rt.api(`/callbacks/${taskId}`, { method: 'POST', headers: { 'content-type': 'application/json', ...signWebhook('cb_padded', raw, secretOf('socialapp')) }, body: raw });
    expect(r.status).toBe(413);
    expect(schemaErrors('Error', await r.json())).toEqual([]);
    unchanged(before, await task(links.requestId, 'socialapp'));
    rt.processors.setBehaviour('socialapp', {});
  });

  it('treats duplicate callbacks idempotently and refuses conflicting ones with 409, on the audit trail', async () => {
    rt.processors.setBehaviour('metricsly', { duplicateCallbacks: true });
    const links = await confirmed('twice@example.com');
    const done = await taskIn(links.requestId, 'metricsly', ['completed', 'not_found']);
    const mine = await until(() => {
      const c = rt.processors.callbacks('metricsly').filter((x) => x.reply && x.code === 200);
      const last = c.slice(-2);
      return last.length === 2 && last[0].id === last[1].id && last;
    }, 5000, 'two deliveries of one callback');
    expect(mine.map((c) => (c.reply as { status: string }).status)).toEqual(['accepted', 'duplicate']);
    expect(Object.keys(done.receipts ?? {})).toHaveLength(1);
    const conflicting = await callback(`${links.requestId}.metricsly`, { request_status: 'failed', reason: 'changed our mind' });
    expect(conflicting.status).toBe(409);
    const after = await task(links.requestId, 'metricsly');
    expect(after.status).toBe(done.status);
    expect(after.audit.at(-1)).toMatchObject({ action: 'conflicting_callback', actor: 'processor:metricsly' });
    rt.processors.setBehaviour('metricsly', {});
  });

  it('records a conflicting callback to a task of a cancelled request on its trail and changes nothing else, its place in the watch index included', async () => {
    rt.processors.setBehaviour('socialapp', { never: true });
    const links = await confirmed('conflict-after-cancel@example.com');
    const taskId = `${links.requestId}.socialapp`;
    await taskIn(links.requestId, 'socialapp', ['sent']);
    expect((await callback(taskId, { request_status: 'in_progress' }, { id: 'cb_ack_then_cancel' })).body).toEqual({ status: 'accepted' });
    const officer = await rt.signIn('officer');
    expect((await rt.admin(officer, `/requests/${links.requestId}/cancel`, { reason: 'withdrawn_by_requester' })).status).toBe(200);
    // Nobody waits for the task of a cancelled request: it left the watch index.
    const raw = async () => (await (await repo()).getItem({ pk: `REQ#${links.requestId}`, sk: 'TASK#socialapp' })) as StoredTask & Record<string, unknown>;
    const before = await raw();
    expect(before.watch).toBeUndefined();
    const reused = await callback(taskId, { request_status: 'completed' }, { id: 'cb_ack_then_cancel' });
    expect(reused.status).toBe(409);
    const after = await raw();
    expect(after.audit.slice(before.audit.length).map((e) => e.action)).toEqual(['conflicting_callback']);
    const rest = (t: Record<string, unknown>) => ({ ...t, audit: undefined, version: undefined });
    expect(rest(after)).toEqual(rest(before));
    rt.processors.setBehaviour('socialapp', {});
  });

  /** A request refused or cancelled by an officer while its social task is out (the processor keeps it, silent), and that task as stored. */
  async function closedWithTaskOut(email: string, action: 'cancel' | 'deny', body: { reason: string }) {
    rt.processors.setBehaviour('socialapp', { never: true });
    const links = await confirmed(email);
    await taskIn(links.requestId, 'socialapp', ['sent']);
    const officer = await rt.signIn('officer');
    expect((await rt.admin(officer, `/requests/${links.requestId}/${action}`, body)).status).toBe(200);
    const raw = async () => (await (await repo()).getItem({ pk: `REQ#${links.requestId}`, sk: 'TASK#socialapp' })) as StoredTask & Record<string, unknown>;
    expect((await raw()).watch).toBeUndefined();
    return { email, links, taskId: `${links.requestId}.socialapp`, officer, raw };
  }

  it.each([
    ['cancelled', 'cancel', { reason: 'withdrawn_by_requester' }],
    ['refused', 'deny', { reason: 'excessive' }],
  ] as const)('records a processor’s first in_progress for a task of a %s request, and leaves the task out of its processor’s open tasks, owing and sending nothing', async (closed, action, body) => {
    const { email, links, taskId, officer, raw } = await closedWithTaskOut(`ack-after-${action}@example.com`, action, body);
    // The dashboard's count of the processor's open tasks, and the index it reads it from.
    const openCount = async () => ((await (await rt.admin(officer, '/dashboard')).json()) as { processors: { id: string; open: number }[] }).processors.find((p) => p.id === 'socialapp')?.open;
    const inOpen = async () => (await (await repo()).listWatch(WATCH.open('socialapp'))).some((w) => w.requestId === links.requestId);
    const open = await openCount();
    const mails = (await rt.mails(email)).length;
    const calls = rt.lambdas.calls.length;
    const ack = await callback(taskId, { request_status: 'in_progress' }, { id: `cb_ack_after_${action}` });
    // Answered as any late callback for a task of a closed request: recorded on the task, accepted.
    expect(ack).toMatchObject({ status: 200, body: { status: 'accepted' } });
    expect(schemaErrors('CallbackAnswer', ack.body)).toEqual([]);
    await until(() => rt.lambdas.inFlight() === 0, 5000, 'functions settled');
    const after = await raw();
    expect(after.status).toBe('in_progress');
    expect(after.audit.at(-1)).toMatchObject({ actor: 'processor:socialapp', action: 'acknowledge', from: 'sent', to: 'in_progress' });
    expect(receiptOf(after.receipts, `cb_ack_after_${action}`)).toMatchObject({ status: 'in_progress' });
    // Nobody waits for it: out of the watch index, not counted among the processor's open tasks.
    expect(after.watch).toBeUndefined();
    expect(await inOpen()).toBe(false);
    expect(await openCount()).toBe(open);
    // The request stays closed, nothing mailed, and the stopped execution is not sent a heartbeat.
    expect((await (await repo()).getRequest(links.requestId))?.status).toBe(closed === 'cancelled' ? 'cancelled' : 'denied');
    expect((await rt.mails(email)).length).toBe(mails);
    expect(rt.lambdas.calls.slice(calls).filter((c) => c.service === 'states' || c.service === 'sesv2').map((c) => c.target ?? c.path)).toEqual([]);
    rt.processors.setBehaviour('socialapp', {});
  });

  it.each([
    ['cancelled', 'cancel', { reason: 'withdrawn_by_requester' }],
    ['refused', 'deny', { reason: 'excessive' }],
  ] as const)('records a processor’s late failed for a task of a %s request, and leaves the task out of the escalated tasks (the index and the dashboard)', async (closed, action, body) => {
    const { links, taskId, officer, raw } = await closedWithTaskOut(`failed-after-${action}@example.com`, action, body);
    const failed = await callback(taskId, { request_status: 'failed', reason: 'account locked' }, { id: `cb_failed_after_${action}` });
    // Answered as any late callback for a task of a closed request: recorded on the task, accepted.
    expect(failed).toMatchObject({ status: 200, body: { status: 'accepted' } });
    await until(() => rt.lambdas.inFlight() === 0, 5000, 'functions settled');
    const after = await raw();
    expect(after.status).toBe('failed');
    expect(after.audit.at(-1)).toMatchObject({ actor: 'processor:socialapp', action: 'failed', from: 'sent', to: 'failed' });
    // Nobody waits for it: not in the escalated partition, nor on the dashboard's list of escalated tasks.
    expect(after.watch).toBeUndefined();
    expect((await (await repo()).listWatch(WATCH.escalated)).some((w) => w.requestId === links.requestId)).toBe(false);
    const dashboard = (await (await rt.admin(officer, '/dashboard')).json()) as { escalated: { requestId: string }[] };
    expect(dashboard.escalated.some((e) => e.requestId === links.requestId)).toBe(false);
    expect((await (await repo()).getRequest(links.requestId))?.status).toBe(closed === 'cancelled' ? 'cancelled' : 'denied');
    rt.processors.setBehaviour('socialapp', {});
  });

  it('takes a webhook-id that names a property of every object (__proto__, constructor, toString) as any other: applied with its receipt, a duplicate once, a 409 with other content', async () => {
    rt.processors.setBehaviour('socialapp', { never: true });
    for (const id of ['__proto__', 'constructor', 'toString']) {
      const links = await confirmed(`odd-id-${id.replaceAll('_', '')}@example.com`);
      const taskId = `${links.requestId}.socialapp`;
      await taskIn(links.requestId, 'socialapp', ['sent']);
      expect((await callback(taskId, { request_status: 'in_progress' })).body, id).toEqual({ status: 'accepted' });
      const answer = await callback(taskId, { request_status: 'not_found' }, { id });
      expect(answer.status, id).toBe(200);
      expect(answer.body, id).toEqual({ status: 'accepted' });
      const done = await task(links.requestId, 'socialapp');
      expect(done.status, id).toBe('not_found');
      expect(receiptOf(done.receipts, id), id).toMatchObject({ body: answer.raw });
      const replay = await rt.api(`/callbacks/${taskId}`, { method: 'POST', headers: answer.headers, body: answer.raw });
      expect(await replay.json(), id).toEqual({ status: 'duplicate' });
      expect((await callback(taskId, { request_status: 'completed' }, { id })).status, id).toBe(409);
    }
    // `npm run audit:verify` checks each receipt's signature against the webhook-id it was signed with.
    const { ddb } = await import('../../../functions/adapters/clients/dynamodb.ts');
    const { verifyLedger } = await import('../../../local/audit-verify.ts');
    const ledger = await verifyLedger(ddb, rt.tableName, secretOf);
    expect(ledger.breaks.filter((b) => ['__proto__', 'constructor', 'toString'].some((id) => b.reason.includes(id)))).toEqual([]);
    rt.processors.setBehaviour('socialapp', {});
  });

  it('moves a task to in_progress on a processor’s acknowledgement, then completes it', async () => {
    rt.processors.setBehaviour('recoverco', { acknowledge: true });
    const links = await confirmed('slow-job@example.com');
    const t = await taskIn(links.requestId, 'recoverco', ['completed', 'not_found']);
    expect(t.audit.map((e) => e.action)).toEqual(['send', 'acknowledge', expect.stringMatching(/completed|not_found/)]);
    expect(Object.keys(t.receipts ?? {})).toHaveLength(2);
    rt.processors.setBehaviour('recoverco', {});
  });

  it('never follows a redirect: the processor is retried, then escalated', async () => {
    rt.processors.setBehaviour('mailwave', { redirect: `${rt.urls.processors}/reviewly` });
    const links = await confirmed('redirect@example.com');
    const t = await taskIn(links.requestId, 'mailwave', ['failed']);
    expect(t.outcome?.reason).toBe('DispatchFailed');
    const tries = rt.processors.received('mailwave').filter((w) => w.id === `${links.requestId}.mailwave`);
    expect(tries).toHaveLength(4); // the first try and the ASL's three retries, one webhook-id
    // Had the redirect been followed, reviewly would have received mailwave's webhook.
    expect(rt.processors.received('reviewly').filter((w) => w.id === `${links.requestId}.mailwave`)).toEqual([]);
    await until(async () => (await (await repo()).getRequest(links.requestId))?.status === 'awaiting_manual', 5000, 'request awaiting_manual');
    rt.processors.setBehaviour('mailwave', {});
  });

  it('signs with both keys during a rotation, so a processor on either key verifies, and accepts its callbacks', async () => {
    rt.processors.setBehaviour('paynow', { knownSecrets: [OLD_KEY] });
    const a = await confirmed('rotation-old@example.com');
    await taskIn(a.requestId, 'paynow', ['completed', 'not_found']);
    const got = rt.processors.received('paynow').filter((w) => w.id === `${a.requestId}.paynow`);
    expect(got).toMatchObject([{ verified: true, signatures: 2 }]);

    rt.processors.setBehaviour('paynow', { knownSecrets: [NEW_KEY] });
    const b = await confirmed('rotation-new@example.com');
    await taskIn(b.requestId, 'paynow', ['completed', 'not_found']);
    expect(rt.processors.received('paynow').filter((w) => w.id === `${b.requestId}.paynow`)).toMatchObject([{ verified: true, signatures: 2 }]);

    // A processor on neither key refuses the webhook: a signature is not optional.
    rt.processors.setBehaviour('paynow', { knownSecrets: [newWebhookSecret()] });
    const c = await confirmed('rotation-none@example.com');
    const refused = await taskIn(c.requestId, 'paynow', ['failed']);
    expect(refused.outcome?.reason).toBe('DispatchRejected');
    rt.processors.setBehaviour('paynow', {});
  });

  it('hands a manual processor’s task to a person: awaiting_manual, and an email with ids and a link', async () => {
    const links = await approved(await confirmed('manual@example.com', { type: 'rectification', name: 'Manu Al', rectification: { field: 'my name', correction: 'Manu Alle' } }), { name: 'Manu Alle' });
    const t = await taskIn(links.requestId, 'ledger-firm', ['sent']);
    expect(t.token).toBeTruthy();
    const req = await until(async () => {
      const r = await (await repo()).getRequest(links.requestId);
      return r?.status === 'awaiting_manual' && r;
    });
    expect(req.audit.some((e) => e.action === 'escalate' && e.data?.reason === 'manual_processor')).toBe(true);
    const mail = await until(async () => (await rt.mails('compliance@offtek.example')).find((m) => m.body.text?.includes(`${links.requestId}.ledger-firm`)));
    expect(mail.subject).toMatch(/Manual task: rectify at ledger-firm/);
    expect(mail.body.text).not.toContain('manual@example.com');
    expect(mail.body.text).not.toContain('Manu Alle');
  });

  it('keeps a request waiting for a person while its manual processor’s task is out, once the officer resolves its failed automated one', async () => {
    // A correction of the name reaches both: Ledger & Co, done by a person, and the private-network CRM, refused.
    const links = await confirmed('manual-and-refused@example.com', { type: 'rectification', name: 'Mia Both', rectification: { field: 'name', correction: 'Mia Bothe' } });
    await approved(links, { name: 'Mia Bothe' });
    await taskIn(links.requestId, 'ledger-firm', ['sent']);
    await taskIn(links.requestId, 'intranet-crm', ['failed']);
    const officer = await rt.signIn('officer');
    const resolve = (processorId: string, body: object) =>
      rt.api(`/admin/requests/${links.requestId}/tasks/${processorId}/resolve`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${officer}` }, body: JSON.stringify(body) });
    expect((await resolve('intranet-crm', { outcome: 'not_found', note: 'No such customer in the CRM' })).status).toBe(200);
    const waiting = await (await repo()).getRequest(links.requestId);
    expect(waiting?.status).toBe('awaiting_manual');
    expect(waiting?.audit.map((e) => e.action)).not.toContain('unblock');
    expect((await resolve('ledger-firm', { outcome: 'completed', note: 'Corrected on their paper file' })).status).toBe(200);
    await until(async () => (await rt.status(links.requestId, links.statusToken)).status === 'completed', 10_000, 'request completed');
    expect((await (await repo()).getRequest(links.requestId))?.audit.filter((e) => e.action === 'unblock')).toMatchObject([{ actor: expect.stringMatching(/^officer/) }]);
  });

  it('tells the team to do a manual processor’s task escalated and resolve it in the console, not to retry it', async () => {
    const links = await confirmed('phone-ledger@example.com', { type: 'rectification', rectification: { field: 'phone', correction: '+44 20 7946 0000' } });
    await approved(links, { phone: '+44 20 7946 0000' });
    await taskIn(links.requestId, 'phone-ledger', ['timed_out']);
    const mail = await until(async () => (await rt.mails('compliance@offtek.example')).find((m) => m.subject.startsWith('Escalated:') && m.body.text?.includes(`${links.requestId}.phone-ledger`)), 10_000, 'escalation email');
    expect(mail.subject).toBe(`Escalated: manual task at Phone Ledger Ltd not resolved in time (request ${links.requestId})`);
    expect(mail.body.text).toContain('It cannot be retried: do it in their system, then resolve the task in the console:');
    expect(mail.body.text).not.toContain('phone-ledger@example.com');
    expect(mail.body.text).not.toContain('7946');
  });

  it('refuses to send a webhook to a private address, and escalates the task', async () => {
    const links = await approved(await confirmed('intranet@example.com', { type: 'rectification', rectification: { field: 'name', correction: 'Ina Tranet' } }), { name: 'Ina Tranet' });
    const t = await taskIn(links.requestId, 'intranet-crm', ['failed']);
    expect(t.outcome?.reason).toBe('DispatchRejected');
    expect(t.attempts).toBe(1); // not retried: an unsafe address will not become safe
  });

  it('disables an endpoint that answers 410, alerts, and sends it nothing more', async () => {
    rt.processors.setBehaviour('reviewly', { gone: true });
    const a = await confirmed('gone-1@example.com');
    const t = await taskIn(a.requestId, 'reviewly', ['failed']);
    expect(t.outcome?.reason).toBe('EndpointGone');
    const r = await repo();
    expect(await r.getItem({ pk: 'PROCESSOR#reviewly', sk: 'STATE' })).toMatchObject({ disabled: true });
    const sent = rt.processors.received('reviewly').length;

    const b = await confirmed('gone-2@example.com');
    const t2 = await taskIn(b.requestId, 'reviewly', ['failed']);
    expect(t2.outcome?.reason).toBe('EndpointGone');
    expect(rt.processors.received('reviewly')).toHaveLength(sent);
    const alert = await until(async () => (await rt.mails('compliance@offtek.example')).find((m) => m.body.text?.includes(`${b.requestId}.reviewly`)));
    expect(alert.subject).toBe(`Escalated: Reviewly Review Invitations failed (request ${b.requestId})`);
    expect(alert.body.text).toContain('Reviewly Review Invitations (email) answered 410 Gone: its endpoint is disabled until the registry is corrected.');
    // The second request's webhook never left: the endpoint was already disabled.
    expect(alert.body.text).toContain('No delivery of the webhook was recorded.');
    const first = await until(async () => (await rt.mails('compliance@offtek.example')).find((m) => m.body.text?.includes(`${a.requestId}.reviewly`)));
    expect(first.body.text).toMatch(/Deliveries of the webhook \(1\):\n {2}1\. \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC: HTTP 410\n/);
    await r.putItem({ pk: 'PROCESSOR#reviewly', sk: 'STATE', disabled: false });
    rt.processors.setBehaviour('reviewly', {});
  });

  it('lets a late callback complete a timed-out or failed task and release the escalation', async () => {
    rt.processors.setBehaviour('parcelway', { fail: Number.POSITIVE_INFINITY });
    const links = await confirmed('late@example.com');
    await taskIn(links.requestId, 'parcelway', ['failed']);
    rt.processors.setBehaviour('parcelway', {});
    const late = await callback(`${links.requestId}.parcelway`, { request_status: 'completed' });
    expect(late.body).toEqual({ status: 'accepted' });
    await until(async () => (await rt.status(links.requestId, links.statusToken)).status === 'completed', 10_000, 'request completed');
    expect((await task(links.requestId, 'parcelway')).status).toBe('completed');
  });

  it('puts the request back in progress when a late callback answers the only task waiting for a person, while another task is still out', async () => {
    rt.processors.setBehaviour('parcelway', { fail: Number.POSITIVE_INFINITY });
    rt.processors.setBehaviour('socialapp', { never: true });
    const links = await confirmed('late-while-out@example.com');
    await taskIn(links.requestId, 'parcelway', ['failed']);
    rt.processors.setBehaviour('parcelway', {});
    await until(async () => (await (await repo()).getRequest(links.requestId))?.status === 'awaiting_manual', 10_000, 'request waiting for an officer');
    const late = await callback(`${links.requestId}.parcelway`, { request_status: 'not_found' });
    expect(late.body).toEqual({ status: 'accepted' });
    // Nothing waits for a person any more: socialapp's task is out, the request in progress, as an officer's resolution would leave it.
    expect((await task(links.requestId, 'socialapp')).status).toBe('sent');
    const req = await (await repo()).getRequest(links.requestId);
    expect(req?.status).toBe('in_progress');
    expect(req?.audit.filter((e) => e.action === 'unblock')).toMatchObject([{ actor: 'processor:parcelway', from: 'awaiting_manual', to: 'in_progress' }]);
    rt.processors.setBehaviour('socialapp', {});
  });

  it('refuses with 409 the webhook-id of a further failure of an escalated task reused with other content, and still applies that content under a fresh id', async () => {
    rt.processors.setBehaviour('parcelway', { fail: Number.POSITIVE_INFINITY });
    const links = await confirmed('failed-twice@example.com');
    const taskId = `${links.requestId}.parcelway`;
    await taskIn(links.requestId, 'parcelway', ['failed']);
    rt.processors.setBehaviour('parcelway', {});
    const failure = await callback(taskId, { request_status: 'failed', reason: 'account locked' }, { id: 'cb_failed_once' });
    expect(failure.body).toEqual({ status: 'accepted' });
    const recorded = await task(links.requestId, 'parcelway');
    expect(recorded.receipts?.cb_failed_once).toMatchObject({ body: failure.raw, status: 'failed' });
    const reused = await callback(taskId, { request_status: 'not_found' }, { id: 'cb_failed_once' });
    expect(reused.status).toBe(409);
    expect(schemaErrors('Error', reused.body)).toEqual([]);
    const refused = await task(links.requestId, 'parcelway');
    expect(refused).toMatchObject({ status: 'failed', version: recorded.version + 1 });
    expect(refused.audit.at(-1)).toMatchObject({ action: 'conflicting_callback', data: { claimed: 'not_found', reason: 'webhook-id already used with other content' } });
    expect((await (await repo()).getRequest(links.requestId))?.status).toBe('awaiting_manual');
    expect((await callback(taskId, { request_status: 'not_found' })).body).toEqual({ status: 'accepted' });
    await until(async () => (await rt.status(links.requestId, links.statusToken)).status === 'completed', 10_000, 'request completed');
  });
});
