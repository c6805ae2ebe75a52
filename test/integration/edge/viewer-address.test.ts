import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { key } from '../../../functions/adapters/table.ts';
import { LOCAL_CREDENTIALS } from '../../../local/services/credentials.ts';
import { type Booted, boot } from '../harness.ts';

/**
 * Behind CloudFront every request reaches API Gateway from an edge address; the intake's per-address
 * limit must key on the viewer's address, which the /requests* behaviour's origin request policy
 * forwards in CloudFront-Viewer-Address. The local front applies that policy from the template.
 */
let rt: Booted;
let db: DynamoDBDocumentClient;
beforeAll(async () => {
  rt = await boot();
  db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: rt.urls.dynamodb, region: 'eu-west-2', credentials: LOCAL_CREDENTIALS }));
});
afterAll(async () => {
  db?.destroy();
  await rt?.stopAndClean();
});

/** The per-address counter of this hour, as if `address` had already made a great many new requests. */
async function exhaust(address: string) {
  const { hmac } = await import('../../../functions/shared/crypto.ts');
  const window = Math.floor(Date.now() / 1000 / 3600);
  await db.send(new PutCommand({ TableName: rt.tableName, Item: { ...key.rate('ip', await hmac(`ip:${address}`), window), n: 1_000_000, ttl: (window + 1) * 3600 + 60 } }));
}

describe('the per-address limit behind CloudFront', () => {
  it("counts each viewer's own address, not the edge's that every viewer shares", async () => {
    await exhaust('127.0.0.51');
    const limited = await rt.submit({ type: 'erasure', email: 'viewer.one@example.com', language: 'en' }, {}, '127.0.0.51');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another viewer behind the same edge is not held back by the first one's count.
    const other = await rt.submit({ type: 'erasure', email: 'viewer.two@example.com', language: 'en' }, {}, '127.0.0.52');
    expect(other.status).toBe(202);
  });

  it('replaces a CloudFront-Viewer-Address the viewer sent with the address it really comes from', async () => {
    const r = await rt.submit({ type: 'erasure', email: 'viewer.three@example.com', language: 'en' }, { 'CloudFront-Viewer-Address': '127.0.0.51:4000' }, '127.0.0.53');
    expect(r.status).toBe(202);
  });
});
