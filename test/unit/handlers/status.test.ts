import type { Context } from 'aws-lambda';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { HttpEvent, HttpResult } from '../../../functions/shared/http.ts';
import type { FakeRepo } from '../processors/fakes.ts';

// The status function's module builds its adapters at import: the repository and clock of shared/deps,
// and, for its download pages, S3, SES and the registry. The origin secret is the one CloudFront sends.
const h = vi.hoisted(() => ({ now: '2026-05-10T12:00:00.000Z' }));
vi.mock('../../../functions/shared/deps.ts', async () => {
  const { FakeRepo } = await import('../processors/fakes.ts');
  return { repo: new FakeRepo(), systemClock: { now: () => new Date(h.now) } };
});
vi.mock('../../../functions/adapters/secrets.ts', async (orig) => ({ ...(await orig()), originSecret: async () => 'the-origin-secret' }));
vi.mock('../../../functions/adapters/blobs.ts', () => ({ S3Blobs: class {} }));
vi.mock('../../../functions/adapters/mailer.ts', () => ({ SesMailer: class {} }));
vi.mock('../../../functions/adapters/registry-source.ts', () => ({ registryOnce: () => ({ version: 1, processors: [] }) }));

const { handler } = await import('../../../functions/status/handler.ts');
const { repo } = (await import('../../../functions/shared/deps.ts')) as unknown as { repo: FakeRepo };
const { sha256 } = await import('../../../functions/core/audit.ts');
const { REQUEST_ID, storedRequest } = await import('../processors/fakes.ts');

const TOKEN = 'the-status-token-from-the-email';
const OTHER_ID = '01JQ0000000000000000000001';

const ask = async (id: string, token: string) => {
  const event = {
    routeKey: 'GET /requests/{id}/status',
    rawPath: `/requests/${id}/status`,
    pathParameters: { id },
    queryStringParameters: { token },
    headers: { 'x-lethe-origin': 'the-origin-secret' },
    requestContext: { http: { method: 'GET', sourceIp: '198.51.100.7' } },
  } as unknown as HttpEvent;
  return (await (handler as unknown as (e: HttpEvent, c: Context) => Promise<HttpResult>)(event, {} as Context)) as HttpResult;
};

/** An erasure completed on 1 April: its requester's contact data is kept until 1 May (30 days on), unless a test says otherwise. */
function stored(contactEnd: Date | null | 'gone') {
  repo.requests.set(REQUEST_ID, storedRequest({ status: 'completed', closedAt: '2026-04-01T10:00:00.000Z', statusTokenHash: sha256(TOKEN) }));
  if (contactEnd === 'gone') return;
  repo.pii.set(REQUEST_ID, { email: 'ines@example.com' });
  repo.piiExpiry.set(REQUEST_ID, contactEnd);
}

beforeEach(() => {
  h.now = '2026-05-10T12:00:00.000Z';
  repo.requests.clear();
  repo.pii.clear();
  repo.piiExpiry.clear();
  vi.restoreAllMocks();
});

describe('the status link', () => {
  it('answers the request’s status while its requester’s contact data is kept, to the second of its end, and with no end while it has none (a restriction in place)', async () => {
    for (const end of [new Date('2026-05-11T00:00:00.000Z'), new Date('2026-05-10T12:00:00.000Z'), null]) {
      stored(end);
      const r = await ask(REQUEST_ID, TOKEN);
      expect(r.statusCode).toBe(200);
      expect(JSON.parse(r.body ?? '')).toMatchObject({ id: REQUEST_ID, status: 'completed', closedAt: '2026-04-01T10:00:00.000Z' });
    }
  });

  it('answers as a wrong token and an unknown id do once the contact data’s end has passed, though DynamoDB has not deleted it yet, or once it is gone', async () => {
    stored(new Date('2026-05-11T00:00:00.000Z'));
    const wrongToken = await ask(REQUEST_ID, 'a-token-that-is-not-the-one-mailed');
    const unknownId = await ask(OTHER_ID, TOKEN);
    expect(wrongToken.statusCode).toBe(404);
    expect(unknownId).toEqual(wrongToken);
    // The end was 1 May; DynamoDB may still hold the item for up to two days, and does here.
    stored(new Date('2026-05-01T10:00:00.000Z'));
    h.now = '2026-05-01T10:00:01.000Z';
    expect(await ask(REQUEST_ID, TOKEN)).toEqual(wrongToken);
    stored('gone');
    expect(await ask(REQUEST_ID, TOKEN)).toEqual(wrongToken);
  });

  it('reads the same for a wrong token, an unknown id and a link past its end, so that the time of the answer tells none of them apart', async () => {
    stored(new Date('2026-05-01T10:00:00.000Z'));
    // Spies call through: the answers are the repository's own.
    const spies = (['getRequest', 'getPiiExpiry', 'getPii', 'listTasks'] as const).map((m) => [m, vi.spyOn(repo, m)] as const);
    const readsOf = async (id: string, token: string) => {
      for (const [, spy] of spies) spy.mockClear();
      await ask(id, token);
      return spies.flatMap(([m, spy]) => spy.mock.calls.map(() => m)).sort();
    };
    const expired = await readsOf(REQUEST_ID, TOKEN);
    expect(expired).toEqual(['getPiiExpiry', 'getRequest']);
    expect(await readsOf(REQUEST_ID, 'a-token-that-is-not-the-one-mailed')).toEqual(expired);
    expect(await readsOf(OTHER_ID, TOKEN)).toEqual(expired);
  });
});

describe('the download form (POST /exports/{id})', () => {
  const post = async (body: string) => {
    const event = {
      routeKey: 'POST /exports/{id}',
      rawPath: `/exports/${REQUEST_ID}`,
      pathParameters: { id: REQUEST_ID },
      headers: { 'x-lethe-origin': 'the-origin-secret', 'content-type': 'application/x-www-form-urlencoded' },
      body,
      isBase64Encoded: false,
      requestContext: { http: { method: 'POST', sourceIp: '198.51.100.7' } },
    } as unknown as HttpEvent;
    return (await (handler as unknown as (e: HttpEvent, c: Context) => Promise<HttpResult>)(event, {} as Context)) as HttpResult;
  };

  it('refuses a field the page’s forms never send with a 400 page, before anything is read, as the confirmation form does', async () => {
    stored(null);
    const read = vi.spyOn(repo, 'getRequest');
    const r = await post(`token=${'t'.repeat(40)}&renew=1&lang=en&next=https%3A%2F%2Fevil.example`);
    expect(r.statusCode).toBe(400);
    expect(r.body).toContain('This page could not be opened');
    expect(read).not.toHaveBeenCalled();
  });
});
