import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhook } from '../../../functions/adapters/webhook-signing.ts';
import type { StoredTask } from '../../../functions/core/ports.ts';
import { verifyLedger } from '../../../local/audit-verify.ts';
import { type Booted, boot, until } from '../harness.ts';
import { unzip } from '../unzip.ts';

/**
 * A processor's export results, through the deployed bundles: what the package holds is what the
 * task recorded, and no results are kept that no task recorded.
 */
const EMAIL = 'alice@example.com';
let rt: Booted;
let officer: string;
beforeAll(async () => {
  rt = await boot();
  officer = await rt.signIn('officer');
  // PayNow takes the webhook and never answers: the test answers for it, signed with its key.
  rt.processors.setBehaviour('paynow', { never: true });
});
afterAll(async () => {
  rt?.processors.setBehaviour('paynow', {});
  await rt?.stopAndClean();
});

const repo = async () => (await import('../../../functions/shared/deps.ts')).repo;
const secretOf = (processorId: string) => (rt.secrets.get(`lethe/processors/${processorId}`) as { secrets: string[] }).secrets;

/** A callback as the task's processor (PayNow, unless the task is another's) sends it. */
async function callback(taskId: string, body: object, id: string) {
  const raw = JSON.stringify({ task_id: taskId, ...body });
  const r = await rt.api(`/callbacks/${taskId}`, { method: 'POST', headers: { 'content-type': 'application/json', ...signWebhook(id, raw, secretOf(taskId.split('.')[1])) }, body: raw });
  return { id, raw, status: r.status, answer: (await r.json().catch(() => undefined)) as { status?: string } | undefined };
}

/** Every results item stored for a task (for the whole request with no processor), read from the table (expired or not). */
async function storedResults(requestId: string, processorId: string) {
  // The functions' own client, imported once the runtime has set its endpoint.
  const { ddb } = await import('../../../functions/adapters/clients/dynamodb.ts');
  const r = await ddb.send(new QueryCommand({ TableName: rt.tableName, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :r)', ExpressionAttributeValues: { ':pk': `REQ#${requestId}`, ':r': `RESULT#${processorId}` }, ConsistentRead: true }));
  return (r.Items ?? []) as { sk: string; signedBody: string; ttl: number }[];
}

/** The requester's download, as they would get it from the outcome email. */
async function download(requestId: string, email = EMAIL) {
  const mail = await until(async () => (await rt.mails(email)).find((m) => /complete/.test(m.subject)), 60_000, 'outcome email');
  const token = /\/exports\/\w+\?token=([\w-]+)/.exec(mail.body.text ?? '')?.[1] ?? '';
  const dl = await rt.api(`/exports/${requestId}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${token}`, redirect: 'manual' });
  expect(dl.status).toBe(303);
  const files = await unzip(Buffer.from(await (await fetch(dl.headers.get('location') as string)).arrayBuffer()));
  return JSON.parse(files['data.json']) as { processors: { id: string; tables: Record<string, Record<string, unknown>[]> }[] };
}

describe('export results', () => {
  it('packages the results of the callback whose task write won when two completed callbacks race, and keeps only those', async () => {
    await rt.submit({ type: 'access', email: EMAIL, language: 'en' });
    const links = await until(() => rt.links(EMAIL).catch(() => undefined));
    expect((await rt.confirm(links.token, { password: 'correct horse battery staple' })).status).toBe(200);
    const taskId = `${links.requestId}.paynow`;
    await until(async () => (await (await repo()).getTask(links.requestId, 'paynow'))?.status === 'sent', 30_000, 'paynow task sent');

    // Two completed callbacks at once, with different results (a processor's export job run twice).
    const answers = await Promise.all(
      ['A', 'B'].map((x) => callback(taskId, { request_status: 'completed', results: { records: [{ payment: `PAY-RACE-${x}` }] } }, `cb_race_${x.toLowerCase()}`)),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(answers.map((a) => a.answer?.status).sort()).toEqual(['accepted', 'duplicate']);
    const task = (await (await repo()).getTask(links.requestId, 'paynow')) as StoredTask;
    const winner = answers.find((a) => task.receipts?.[a.id]) as (typeof answers)[number];
    expect(winner.answer?.status).toBe('accepted');
    const winnerPayment = (JSON.parse(winner.raw) as { results: { records: { payment: string }[] } }).results.records[0].payment;

    const data = await download(links.requestId);
    expect(data.processors.find((p) => p.id === 'paynow')?.tables.records).toEqual([{ payment: winnerPayment }]);
    const kept = await storedResults(links.requestId, 'paynow');
    expect(kept.map((i) => i.signedBody)).toEqual([winner.raw]);
    // The signed bytes kept are those whose hash the task's receipt holds: the ledger verifies.
    const { ddb } = await import('../../../functions/adapters/clients/dynamodb.ts');
    expect((await verifyLedger(ddb, rt.tableName, secretOf)).breaks).toEqual([]);
  }, 120_000);

  it('deletes, at the first sweep 15 minutes on, the results of a callback that died before its task write and was never sent again', async () => {
    // No customer's address: a copy asks for no password, and PayNow still gets the task.
    const email = 'crashed-callback@example.com';
    await rt.submit({ type: 'access', email, language: 'en' });
    const links = await until(() => rt.links(email).catch(() => undefined));
    expect((await rt.confirm(links.token)).status).toBe(200);
    const taskId = `${links.requestId}.paynow`;
    await until(async () => (await (await repo()).getTask(links.requestId, 'paynow'))?.status === 'sent', 30_000, 'paynow task sent');
    // The other processors have answered: the sandbox that dies below is running this callback alone.
    await until(async () => (await (await repo()).listTasks(links.requestId)).every((t) => t.processorId === 'paynow' || t.status === 'not_found' || t.status === 'completed'), 30_000, 'the others answered');

    // The callback function dies just before its task write: its results are written, no task records them.
    rt.lambdas.crashOn('callback', { service: 'dynamodb', action: 'UpdateItem', match: `"TASK#paynow"`, when: 'before' });
    const crashed = await callback(taskId, { request_status: 'completed', results: { records: [{ payment: 'PAY-LOST' }] } }, 'cb_crashed');
    expect(crashed.status).toBeGreaterThanOrEqual(500);
    expect((await storedResults(links.requestId, 'paynow')).map((i) => i.signedBody)).toEqual([crashed.raw]);
    expect((await (await repo()).getTask(links.requestId, 'paynow'))?.status).toBe('sent');

    // A sweep while a callback could still be between its two writes leaves them; the first one after 15 minutes deletes them.
    const sweepAt = (ms: number) => rt.lambdas.invoke('sweeper', { time: new Date(Date.now() + ms).toISOString() }) as Promise<{ droppedResults?: string[] }>;
    await sweepAt(0);
    expect(await storedResults(links.requestId, 'paynow')).toHaveLength(1);
    const report = await sweepAt(16 * 60_000);
    expect(report.droppedResults).toEqual([taskId]);
    expect(await storedResults(links.requestId, 'paynow')).toEqual([]);

    // PayNow answers again, with a fresh export: that one is packaged, and it is the only results item.
    const fresh = await callback(taskId, { request_status: 'completed', results: { records: [{ payment: 'PAY-FRESH' }] } }, 'cb_fresh');
    expect(fresh.answer).toEqual({ status: 'accepted' });
    const data = await download(links.requestId, email);
    expect(data.processors.find((p) => p.id === 'paynow')?.tables.records).toEqual([{ payment: 'PAY-FRESH' }]);
    expect((await storedResults(links.requestId, 'paynow')).map((i) => i.signedBody)).toEqual([fresh.raw]);
  }, 120_000);
});

describe('export results of a copy that is refused or cancelled', () => {
  const admin = (path: string, body: unknown) =>
    rt.api(`/admin${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${officer}` }, body: JSON.stringify(body) });

  it.each([
    ['refuses', 'deny', { reason: 'excessive' }, 'refused-copy@example.com'],
    ['cancels', 'cancel', { reason: 'withdrawn_by_requester' }, 'cancelled-copy@example.com'],
  ] as const)('deletes the results a processor gave once an officer %s the copy, and keeps none a processor sends after', async (_, action, body, email) => {
    // ParcelWay stays silent too: the request stays open after PayNow's answer, until the officer acts.
    rt.processors.setBehaviour('parcelway', { never: true });
    try {
      await rt.submit({ type: 'access', email, language: 'en' });
      const links = await until(() => rt.links(email).catch(() => undefined));
      expect((await rt.confirm(links.token)).status).toBe(200);
      const id = links.requestId;
      await until(async () => (await (await repo()).listTasks(id)).filter((t) => ['paynow', 'parcelway'].includes(t.processorId) && t.status === 'sent').length === 2, 30_000, 'PayNow and ParcelWay sent');
      const given = await callback(`${id}.paynow`, { request_status: 'completed', results: { records: [{ payment: 'PAY-GIVEN' }] } }, `cb_given_${action}`);
      expect(given.answer).toEqual({ status: 'accepted' });
      expect(await storedResults(id, 'paynow')).toHaveLength(1);

      expect((await admin(`/requests/${id}/${action}`, body)).status).toBe(200);
      expect(await storedResults(id, 'paynow')).toEqual([]);
      // ParcelWay answers late, with its export: its task is done, its results are not kept.
      const late = await callback(`${id}.parcelway`, { request_status: 'completed', results: { records: [{ parcel: 'PCL-LATE' }] } }, `cb_late_${action}`);
      expect(late.status).toBe(200);
      expect((await (await repo()).getTask(id, 'parcelway'))?.status).toBe('completed');
      expect(await storedResults(id, 'parcelway')).toEqual([]);
      // Nor are any of the other processors' exports kept.
      expect(await storedResults(id, '')).toEqual([]);

      // The deletion stays owed while a callback that found the request open could still write; the first sweep after clears it.
      expect((await (await repo()).getRequest(id))?.purgeResults).toBeDefined();
      await rt.lambdas.invoke('sweeper', { time: new Date(Date.now() + 16 * 60_000).toISOString() });
      expect((await (await repo()).getRequest(id))?.purgeResults).toBeUndefined();
    } finally {
      rt.processors.setBehaviour('parcelway', {});
    }
  }, 120_000);
});
