import { describe, expect, it, vi } from 'vitest';
import type { StoredComplaint } from '../../../functions/core/complaints.ts';

/*
 * The actions an officer takes with no body (acknowledge a complaint, resend, release, remake,
 * reassemble, see an agent's contact details, retry a task) read none: a body sent to one was
 * ignored and the action done, where the API refuses unknown fields everywhere else
 * (docs/openapi.yaml). Found by the fuzz test (test/integration/edge/fuzz.test.ts): a resend with
 * `{"Type":[]}` mailed the outcome again.
 */
const COMPLAINT = '01JQ2222222222222222222222';
const h = vi.hoisted(() => ({ repo: undefined as unknown }));
vi.mock('../../../functions/shared/deps.ts', async () => {
  const { FakeRepo, fixedClock, storedRequest, REQUEST_ID } = await import('../processors/fakes.ts');
  const complaints = new Map<string, StoredComplaint>();
  const repo = Object.assign(new FakeRepo(), {
    complaints,
    async getComplaint(id: string) {
      return structuredClone(complaints.get(id));
    },
    async transitionComplaint(prev: StoredComplaint, to: StoredComplaint['status'], changes: Partial<StoredComplaint>) {
      const next = { ...prev, ...changes, status: to, version: prev.version + 1 };
      complaints.set(prev.id, next);
      return structuredClone(next);
    },
  });
  repo.requests.set(REQUEST_ID, storedRequest({ status: 'in_progress' }));
  h.repo = repo;
  return { repo, systemClock: fixedClock() };
});
vi.mock('../../../functions/adapters/auth.ts', () => ({ authenticate: async () => ({ sub: 'officer-1', roles: ['viewer', 'officer'] }) }));
vi.mock('../../../functions/adapters/secrets.ts', async (orig) => ({ ...(await orig()), originSecret: async () => 'origin' }));
vi.mock('../../../functions/adapters/workflow.ts', async () => ({ StepFunctionsWorkflow: (await import('../processors/fakes.ts')).FakeWorkflow }));
vi.mock('../../../functions/adapters/mailer.ts', async () => ({ SesMailer: (await import('../processors/fakes.ts')).FakeMailer }));
vi.mock('../../../functions/adapters/registry.ts', async () => {
  const { processor } = await import('../processors/fakes.ts');
  return { registry: { version: 1, processors: [processor({ id: 'paynow', category: 'payments' })] } };
});

const { handler } = await import('../../../functions/admin/handler.ts');
const { REQUEST_ID } = await import('../processors/fakes.ts');
const { ORIGIN_HEADER } = await import('../../../functions/core/edge.ts');
type Repo = { requests: Map<string, unknown>; complaints: Map<string, StoredComplaint>; writes: number };

async function post(path: string, body: string | undefined) {
  const event = { rawPath: `/admin${path}`, headers: { [ORIGIN_HEADER]: 'origin', authorization: 'Bearer officer', 'content-type': 'application/json' }, body, requestContext: { http: { method: 'POST' } } };
  const r = (await (handler as unknown as (e: unknown, c: unknown) => Promise<{ statusCode: number; body?: string }>)(event, {})) ?? { statusCode: 0 };
  return { status: r.statusCode, body: JSON.parse(r.body ?? '{}') as { error?: string; issues?: { path: string; message: string }[] } };
}

const received = (): StoredComplaint => ({
  id: COMPLAINT,
  status: 'received',
  version: 0,
  language: 'en',
  receivedAt: '2026-03-01T10:00:00.000Z',
  acknowledgeBy: '2026-03-30',
  email: 'ann@example.com',
  text: 'You kept my data after I asked you to erase it.',
  emailHash: 'h',
  audit: [],
});

const REQ = `/requests/${REQUEST_ID}`;
const ROUTES = [`/complaints/${COMPLAINT}/acknowledge`, `${REQ}/resend`, `${REQ}/release`, `${REQ}/remake`, `${REQ}/reassemble`, `${REQ}/agent-contact`, `${REQ}/tasks/paynow/retry`];

describe('an action that takes no body', () => {
  it('refuses a body with a field, a body that is no object and one that is no JSON with a field-level 400, and does nothing', async () => {
    const repo = h.repo as Repo;
    repo.complaints.set(COMPLAINT, received());
    const before = structuredClone(repo.requests.get(REQUEST_ID));
    const writes = repo.writes;
    for (const route of ROUTES) {
      for (const [body, issue] of [
        ['{"note":"called them back"}', { path: '(body)', message: 'Unrecognized key: "note"' }],
        ['[]', { path: '(body)', message: 'Invalid input: expected object, received array' }],
        ['reason=because', { path: '(body)', message: 'body is not valid JSON' }],
      ] as const) {
        const r = await post(route, body);
        expect(r.status, `${route} ${body}`).toBe(400);
        expect(r.body, `${route} ${body}`).toEqual({ error: 'InvalidInput', message: 'invalid body', issues: [issue] });
      }
    }
    expect(repo.complaints.get(COMPLAINT)).toEqual(received());
    expect(repo.requests.get(REQUEST_ID)).toEqual(before);
    expect(repo.writes).toBe(writes);
  });

  it('acts on an empty object, as the console sends, and on no body at all', async () => {
    const repo = h.repo as Repo;
    for (const body of ['{}', undefined]) {
      repo.complaints.set(COMPLAINT, received());
      const r = await post(`/complaints/${COMPLAINT}/acknowledge`, body);
      expect(r.status, String(body)).toBe(200);
      expect(repo.complaints.get(COMPLAINT)?.acknowledgedBy, String(body)).toBe('officer:officer-1');
    }
  });
});
