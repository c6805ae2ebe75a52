import { describe, expect, it, vi } from 'vitest';

/*
 * POST /admin/requests with the console's Idempotency-Key header, through the admin handler: the key
 * is read from the header, checked at the edge, and a repeat answers what the first post logged.
 */
const h = vi.hoisted(() => ({ repo: undefined as unknown }));
vi.mock('../../../functions/shared/deps.ts', async () => {
  const { FakeRepo, fixedClock } = await import('../processors/fakes.ts');
  const keys = new Map<string, { requestId: string; bodyHash: string; expiresAt: Date }>();
  const repo = Object.assign(new FakeRepo(), {
    getComplaint: async () => undefined,
    async createRequest(this: InstanceType<typeof FakeRepo>, req: { id: string }, pii: { email: string }) {
      if (this.requests.has(req.id)) return false;
      this.requests.set(req.id, structuredClone(req) as never);
      this.pii.set(req.id, pii);
      return true;
    },
    getLogKey: async (k: string) => {
      const c = keys.get(k);
      return c && { requestId: c.requestId, bodyHash: c.bodyHash, expiresAt: c.expiresAt.toISOString() };
    },
    claimLogKey: async (k: string, claim: { requestId: string; bodyHash: string }, now: Date, expiresAt: Date) => {
      if ((keys.get(k)?.expiresAt ?? now) > now) return false;
      keys.set(k, { ...claim, expiresAt });
      return true;
    },
  });
  h.repo = repo;
  return { repo, systemClock: fixedClock('2026-03-10T11:00:00.000Z') };
});
vi.mock('../../../functions/shared/crypto.ts', async (orig) => {
  const { createHash } = await import('node:crypto');
  const hash = async (v: string) => createHash('sha256').update(v).digest('hex');
  return { ...(await orig()), hmac: hash, emailHash: hash, orderHash: hash, derivedToken: async (p: string, id: string) => `${p}-${id}` };
});
vi.mock('../../../functions/adapters/auth.ts', () => ({ authenticate: async () => ({ sub: 'officer-1', roles: ['viewer', 'officer'] }) }));
vi.mock('../../../functions/adapters/secrets.ts', async (orig) => ({ ...(await orig()), originSecret: async () => 'origin' }));
vi.mock('../../../functions/adapters/workflow.ts', async () => ({ StepFunctionsWorkflow: (await import('../processors/fakes.ts')).FakeWorkflow }));
vi.mock('../../../functions/adapters/mailer.ts', async () => ({ SesMailer: (await import('../processors/fakes.ts')).FakeMailer }));
vi.mock('../../../functions/adapters/registry.ts', () => ({ registry: { version: 1, processors: [] } }));

const { handler } = await import('../../../functions/admin/handler.ts');
const { ORIGIN_HEADER } = await import('../../../functions/core/edge.ts');
type Repo = { requests: Map<string, { id: string; status: string; audit: unknown[] }> };

type Answer = { status: number; body: { id?: string; error?: string; requestId?: string; issues?: { path: string; message: string }[] } };
async function log(body: unknown, key?: string): Promise<Answer> {
  const headers = { [ORIGIN_HEADER]: 'origin', authorization: 'Bearer officer', 'content-type': 'application/json', ...(key === undefined ? {} : { 'idempotency-key': key }) };
  const event = { rawPath: '/admin/requests', headers, body: JSON.stringify(body), requestContext: { http: { method: 'POST' } } };
  const r = (await (handler as unknown as (e: unknown, c: unknown) => Promise<{ statusCode: number; body?: string }>)(event, {})) ?? { statusCode: 0 };
  return { status: r.statusCode, body: JSON.parse(r.body ?? '{}') };
}

const form = (email: string) => ({ request: { type: 'erasure', email, language: 'en' }, channel: 'phone', identityCheck: 'account_questions', receivedOn: '2026-03-10' });
const requests = () => [...(h.repo as Repo).requests.values()];

describe('POST /admin/requests with an Idempotency-Key header', () => {
  it('answers the form posted again under its key with the request the first post logged: 201, the same id, one request', async () => {
    const first = await log(form('ann@example.com'), 'c2a1e0f4-7d9b-4b3e-8f51-0a6d2e9c7b14');
    const again = await log(form('ann@example.com'), 'c2a1e0f4-7d9b-4b3e-8f51-0a6d2e9c7b14');
    expect(first.status).toBe(201);
    expect(again).toEqual(first);
    expect(requests().filter((r) => r.id === first.body.id)).toHaveLength(1);
  });

  it('takes the key as a structured-field string too (quoted), as the IETF draft writes it', async () => {
    const bare = await log(form('bea@example.com'), 'f0e1d2c3-b4a5-4697-8879-6a5b4c3d2e1f');
    const quoted = await log(form('bea@example.com'), '"f0e1d2c3-b4a5-4697-8879-6a5b4c3d2e1f"');
    expect(quoted.body.id).toBe(bare.body.id);
  });

  it('answers another body under the same key with a 422 naming the header and the request logged under it, and writes nothing', async () => {
    const first = await log(form('cy@example.com'), '9b8a7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d');
    const before = requests().length;
    const edited = await log(form('cyd@example.com'), '9b8a7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d');
    expect(edited.status).toBe(422);
    expect(edited.body).toMatchObject({ error: 'IdempotencyKeyReused', requestId: first.body.id, issues: [{ path: 'Idempotency-Key', message: expect.stringContaining(first.body.id as string) }] });
    expect(requests().length).toBe(before);
  });

  it.each([
    ['of 3 characters', 'abc'],
    ['with spaces', 'c2a1e0f4 7d9b 4b3e 8f51 0a6d2e9c7b14'],
    ['holding two keys (the header sent twice)', 'c2a1e0f4-7d9b-4b3e-8f51-0a6d2e9c7b14, 9b8a7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d'],
    ['that is empty', ''],
  ])(
    'refuses a key %s with a 400 naming the header, before anything is written',
    async (_, key) => {
      const before = requests().length;
      const r = await log(form('dee@example.com'), key);
      expect(r.status).toBe(400);
      expect(r.body.issues).toEqual([{ path: 'Idempotency-Key', message: expect.stringMatching(/16 to 128/) }]);
      expect(requests().length).toBe(before);
    },
  );

  it('without the header logs each post as a request of its own, as API clients have had it', async () => {
    const a = await log(form('eve@example.com'));
    const b = await log(form('eve@example.com'));
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.id).not.toBe(b.body.id);
  });
});
