import { ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLedger } from '../../../local/audit-verify.ts';
import { type Booted, boot, until } from '../harness.ts';

let rt: Booted;
const ddb = async () => (await import('../../../functions/adapters/clients/dynamodb.ts')).ddb;
const secretsOf = (id: string) => (rt.secrets.get(rt.registry.processors.find((p) => p.id === id)?.secretRef ?? '') as { secrets: string[] }).secrets;

beforeAll(async () => {
  rt = await boot();
  await rt.submit({ type: 'erasure', email: 'alice@example.com', language: 'en' });
  const links = await until(() => rt.links('alice@example.com').catch(() => undefined));
  await rt.confirm(links.token);
  await until(async () => (await rt.status(links.requestId, links.statusToken)).status === 'completed');
});
afterAll(async () => rt?.stopAndClean());

describe('the tamper-evident audit ledger', () => {
  it('holds for an untouched request: every chain links and every receipt is signed', async () => {
    const r = await verifyLedger(await ddb(), rt.tableName, secretsOf);
    expect(r.records).toBeGreaterThan(7);
    // One signed receipt per target: the shop's own systems and the seven processors.
    expect(r.receipts).toBe(8);
    expect(r.breaks).toEqual([]);
  });

  it('never stores an email address or a name in an audit event', async () => {
    const items = (await (await ddb()).send(new ScanCommand({ TableName: rt.tableName }))).Items ?? [];
    const events = JSON.stringify(items.flatMap((i) => i.audit ?? []));
    expect(events.length).toBeGreaterThan(100);
    expect(events).not.toContain('alice@example.com');
    expect(events).not.toMatch(/@/);
  });

  it('reports the first edited event', async () => {
    const db = await ddb();
    const items = (await db.send(new ScanCommand({ TableName: rt.tableName, FilterExpression: 'sk = :s', ExpressionAttributeValues: { ':s': 'REQUEST' } }))).Items ?? [];
    const victim = items[0];
    // Rewrite who verified the request, as an insider might.
    const edit = (actor: string) => db.send(new UpdateCommand({ TableName: rt.tableName, Key: { pk: victim.pk, sk: victim.sk }, UpdateExpression: 'SET audit[0].actor = :a', ExpressionAttributeValues: { ':a': actor } }));
    await edit('someone-else');
    try {
      const r = await verifyLedger(db, rt.tableName, secretsOf);
      expect(r.breaks[0]).toMatchObject({ record: `${victim.pk}/REQUEST`, position: 0, reason: 'hash chain broken' });
    } finally {
      await edit(victim.audit[0].actor); // put back: the other tests read an untouched ledger, in any order
    }
  });

  it('reports a receipt whose body was altered after it was signed', async () => {
    const db = await ddb();
    const tasks = (await db.send(new ScanCommand({ TableName: rt.tableName, FilterExpression: 'begins_with(sk, :t)', ExpressionAttributeValues: { ':t': 'TASK#' } }))).Items ?? [];
    const t = tasks[0];
    const [id, receipt] = Object.entries(t.receipts as Record<string, { body: string; bodyHash: string }>)[0];
    const { createHash } = await import('node:crypto');
    const forged = receipt.body.replace(/"request_status":"\w+"/, '"request_status":"retained"');
    const edit = (body: string, bodyHash: string) =>
      db.send(
        new UpdateCommand({
          TableName: rt.tableName,
          Key: { pk: t.pk, sk: t.sk },
          UpdateExpression: 'SET receipts.#id.body = :b, receipts.#id.bodyHash = :h',
          ExpressionAttributeNames: { '#id': id },
          ExpressionAttributeValues: { ':b': body, ':h': bodyHash },
        }),
      );
    await edit(forged, createHash('sha256').update(forged).digest('hex'));
    try {
      const r = await verifyLedger(db, rt.tableName, secretsOf);
      expect(r.breaks.some((b) => b.record === `${t.pk}/${t.sk}` && /signature does not verify/.test(b.reason))).toBe(true);
    } finally {
      await edit(receipt.body, receipt.bodyHash);
    }
  });
});
