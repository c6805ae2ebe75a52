import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { key } from '../../../functions/adapters/table.ts';
import { sha256 } from '../../../functions/core/audit.ts';
import { LOCAL_CREDENTIALS } from '../../../local/services/credentials.ts';
import { type Booted, boot, until } from '../harness.ts';

/**
 * DynamoDB deletes expired items up to about two days late, and reads return them until then. With
 * the runtime's TTL reaper off, an item whose `ttl` has passed stays in the table, as on AWS; every
 * read that depends on expiry must still treat it as gone.
 */
let rt: Booted;
let db: DynamoDBDocumentClient;
beforeAll(async () => {
  rt = await boot({ ttlReaper: false });
  db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: rt.urls.dynamodb, region: 'eu-west-2', credentials: LOCAL_CREDENTIALS }));
});
afterAll(async () => {
  db?.destroy();
  await rt?.stopAndClean();
});

const aMinuteAgo = () => Math.floor(Date.now() / 1000) - 60;
/** Expires an item the way time would: its `ttl` passes, and nothing deletes it. */
async function expire(k: { pk: string; sk: string }) {
  await db.send(new UpdateCommand({ TableName: rt.tableName, Key: k, UpdateExpression: 'SET #t = :t', ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeNames: { '#t': 'ttl' }, ExpressionAttributeValues: { ':t': aMinuteAgo() } }));
  // Still there: only a read's own check can tell it is gone.
  expect((await db.send(new GetCommand({ TableName: rt.tableName, Key: k, ConsistentRead: true }))).Item).toBeDefined();
}

async function submitted(email: string, address: string) {
  expect((await rt.submit({ type: 'erasure', email, language: 'en' }, {}, address)).status).toBe(202);
  return until(() => rt.links(email).catch(() => undefined), 10_000, 'confirmation email');
}

async function officer(path: string) {
  const token = await rt.signIn('officer');
  return rt.api(`/admin${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
}

describe('expired items, not yet deleted', () => {
  it('a link token past its ttl confirms nothing', async () => {
    const links = await submitted('expired.link@example.com', '127.0.0.31');
    await expire(key.verify(sha256(links.token)));
    const r = await rt.confirm(links.token);
    expect(r.status).toBe(410);
    expect((await rt.status(links.requestId, links.statusToken)).status).toBe('unverified');
  });

  it('personal data past its ttl is never used: the officer cannot resend to it', async () => {
    const links = await submitted('expired.pii@example.com', '127.0.0.32');
    await expire(key.pii(links.requestId));
    const r = await officer(`/requests/${links.requestId}/resend`);
    expect(r.status).toBe(409);
    expect(((await r.json()) as { message: string }).message).toMatch(/contact data is no longer held/);
    expect(await rt.mails('expired.pii@example.com')).toHaveLength(1);
  });

  it('an unverified request past its ttl is gone: its status page answers 404', async () => {
    const links = await submitted('expired.request@example.com', '127.0.0.33');
    await expire(key.request(links.requestId));
    const r = await rt.api(`/requests/${links.requestId}/status?token=${links.statusToken}`);
    expect(r.status).toBe(404);
  });

  it('a dedupe claim past its ttl is free: the same address and type make a new request', async () => {
    const email = 'expired.claim@example.com';
    const first = await submitted(email, '127.0.0.34');
    // After boot: the app key comes from the runtime's Secrets Manager.
    const { emailHash } = await import('../../../functions/shared/crypto.ts');
    await expire(key.dedupe(await emailHash(email), 'erasure'));
    expect((await rt.submit({ type: 'erasure', email, language: 'en' }, {}, '127.0.0.34')).status).toBe(202);
    const second = await until(async () => {
      const l = await rt.links(email);
      return l.requestId !== first.requestId && l;
    }, 10_000, 'a second confirmation email');
    expect(second.requestId).not.toBe(first.requestId);
  });

  it('an Idempotency-Key past its ttl is free: the same form under it logs a new request, where a live one answers the first', async () => {
    const token = await rt.signIn('officer');
    const form = JSON.stringify({ request: { type: 'erasure', email: 'expired.key@example.com', language: 'en' }, channel: 'phone', identityCheck: 'account_questions' });
    const formKey = '5d0c9b2e-1f4a-4c7d-a8e3-6b9f0e2d4c71';
    const log = async () => {
      const r = await rt.api('/admin/requests', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': formKey }, body: form });
      expect(r.status).toBe(201);
      return ((await r.json()) as { id: string }).id;
    };
    const first = await log();
    expect(await log()).toBe(first);
    await expire(key.logKey(sha256(`officer:officer\n${formKey}`)));
    expect(await log()).not.toBe(first);
  });
});
