import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { key } from '../../../functions/adapters/table.ts';
import { countsUntil, partOf } from '../../../functions/core/rate-limit.ts';
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

/** The per-address share, as if `address` had just made a great many new requests. */
async function exhaust(address: string) {
  const { hmac } = await import('../../../functions/shared/crypto.ts');
  const part = partOf(new Date(), 3600);
  const ttl = countsUntil(part, 3600).getTime() / 1000 + 60;
  await db.send(new PutCommand({ TableName: rt.tableName, Item: { ...key.rate('ip', await hmac(`ip:${address}`)), n: 1_000_000, [`s${part}`]: 1_000_000, ttl } }));
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

/** An HTTP API event as API Gateway sends it for a caller on the API's own domain, not through CloudFront. */
const direct = (routeKey: string, path: string, body: string, headers: Record<string, string>) => {
  const [method] = routeKey.split(' ');
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...headers },
    requestContext: { http: { method, path, protocol: 'HTTP/1.1', sourceIp: '198.51.100.7', userAgent: 'curl/8' }, domainName: 'api.privacy.offtek.example', requestId: 'direct', routeKey, stage: '$default', time: '', timeEpoch: 0 },
    body,
    isBase64Encoded: false,
  };
};
const items = async () => (await db.send(new ScanCommand({ TableName: rt.tableName, Select: 'COUNT' }))).Count;

describe("the API's own domain, without CloudFront", () => {
  it('refuses a form post with 403, whatever viewer address it claims, and writes nothing', async () => {
    const before = await items();
    const body = JSON.stringify({ type: 'erasure', email: 'straight.to.api@example.com', language: 'en' });
    for (const headers of [{ 'cloudfront-viewer-address': '192.0.2.1:443' } as Record<string, string>, { 'cloudfront-viewer-address': '192.0.2.1:443', 'x-lethe-origin': 'a-guessed-secret-of-the-right-shape-0123456789' }]) {
      const r = (await rt.lambdas.invoke('intake', direct('POST /requests', '/requests', body, headers))) as { statusCode: number; body: string };
      expect(r.statusCode).toBe(403);
      expect(JSON.parse(r.body)).toEqual({ error: 'Forbidden', message: 'This API answers only through the site.' });
    }
    expect(await items()).toBe(before);
    expect(await rt.mails('straight.to.api@example.com')).toEqual([]);
  });

  it('is refused by every function behind an API route, not only the form', async () => {
    const routes = [
      ['status', 'GET /requests/{id}/status', '/requests/r1/status'],
      ['verify', 'POST /verify', '/verify'],
      ['callback', 'POST /callbacks/{taskId}', '/callbacks/r1:payments'],
      ['admin', 'ANY /admin/{proxy+}', '/admin/requests'],
    ] as const;
    for (const [fn, routeKey, path] of routes) {
      const r = (await rt.lambdas.invoke(fn, direct(routeKey, path, '{}', {}))) as { statusCode: number };
      expect(r.statusCode, fn).toBe(403);
    }
  });

  it('lets CloudFront replace an origin header the viewer sent with its own, so a viewer cannot break its own request', async () => {
    const r = await rt.submit({ type: 'erasure', email: 'viewer.four@example.com', language: 'en' }, { 'x-lethe-origin': 'not-the-secret' }, '127.0.0.54');
    expect(r.status).toBe(202);
  });
});
