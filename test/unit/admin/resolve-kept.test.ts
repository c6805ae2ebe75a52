import { describe, expect, it, vi } from 'vitest';

/** An officer resolving a task as kept under a legal hold, through the admin function's own schemas. */
const h = vi.hoisted(() => ({ repo: undefined as unknown }));
vi.mock('../../../functions/shared/deps.ts', async () => {
  const { FakeRepo, fixedClock, storedRequest, REQUEST_ID } = await import('../processors/fakes.ts');
  const repo = new FakeRepo();
  repo.requests.set(REQUEST_ID, storedRequest({ status: 'awaiting_manual' }));
  h.repo = repo;
  return { repo, systemClock: fixedClock() };
});
vi.mock('../../../functions/adapters/auth.ts', () => ({ authenticate: async () => ({ sub: 'officer-1', roles: ['viewer', 'officer'] }) }));
vi.mock('../../../functions/adapters/secrets.ts', async (orig) => ({ ...(await orig()), originSecret: async () => 'origin' }));
vi.mock('../../../functions/adapters/workflow.ts', async () => ({ StepFunctionsWorkflow: (await import('../processors/fakes.ts')).FakeWorkflow }));
vi.mock('../../../functions/adapters/mailer.ts', async () => ({ SesMailer: (await import('../processors/fakes.ts')).FakeMailer }));
vi.mock('../../../functions/adapters/registry.ts', async () => {
  const { processor } = await import('../processors/fakes.ts');
  return { registry: { version: 1, processors: [processor({ id: 'socialapp', category: 'social' })] } };
});

const { handler } = await import('../../../functions/admin/handler.ts');
const { REQUEST_ID } = await import('../processors/fakes.ts');
const { ORIGIN_HEADER } = await import('../../../functions/core/edge.ts');
type Repo = { tasks: Map<string, { status: string; outcome?: unknown }> };

const TASK = `${REQUEST_ID}.socialapp`;
function timedOut() {
  (h.repo as Repo).tasks.set(TASK, { taskId: TASK, requestId: REQUEST_ID, processorId: 'socialapp', category: 'social', action: 'erase', status: 'timed_out', version: 2, attempts: 1, holds: [], audit: [] } as never);
}
async function resolve(body: unknown) {
  const event = { rawPath: `/admin/requests/${REQUEST_ID}/tasks/socialapp/resolve`, headers: { [ORIGIN_HEADER]: 'origin', authorization: 'Bearer officer', 'content-type': 'application/json' }, body: JSON.stringify(body), requestContext: { http: { method: 'POST' } } };
  const r = (await (handler as unknown as (e: unknown, c: unknown) => Promise<{ statusCode: number; body?: string }>)(event, {})) ?? { statusCode: 0 };
  return { status: r.statusCode, body: JSON.parse(r.body ?? '{}') as { issues?: { path: string; message: string }[] } };
}

describe('an officer resolving a task as kept', () => {
  it('keeps proof of a lifetime-warranty purchase with no end date, as the warranty has none: the requester is not told an invented date', async () => {
    timedOut();
    const r = await resolve({ outcome: 'retained', note: 'Warranty proof kept', basis: 'lifetime_warranty' });
    expect(r.status).toBe(200);
    expect((h.repo as Repo).tasks.get(TASK)?.outcome).toMatchObject({ reason: 'retained', legal_basis: 'lifetime_warranty', retained_until: null });
  });

  it('asks for the date on any other basis, naming the field, and changes nothing', async () => {
    timedOut();
    const r = await resolve({ outcome: 'retained', note: 'Court case pending', basis: 'legal_claims' });
    expect(r.status).toBe(400);
    expect(r.body.issues).toEqual([{ path: 'until', message: 'a retained task needs the date it is kept until, as YYYY-MM-DD' }]);
    const neither = await resolve({ outcome: 'retained', note: 'Court case pending' });
    expect(neither.body.issues?.map((i) => i.path)).toEqual(['basis', 'until']);
    expect((h.repo as Repo).tasks.get(TASK)?.status).toBe('timed_out');
  });
});
