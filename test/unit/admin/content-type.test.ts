import { describe, expect, it, vi } from 'vitest';

/*
 * The console posts every action's body as application/json (web/console.js api() and the log form).
 * A page of another site may post text/plain, a form's types or no type without a CORS preflight:
 * with an officer's token it could not (the console keeps it in the page, not a cookie), but the API
 * takes JSON as JSON, as docs/openapi.yaml says, and nothing else.
 */
vi.mock('../../../functions/shared/deps.ts', async () => {
  const { FakeRepo, fixedClock, storedRequest, REQUEST_ID } = await import('../processors/fakes.ts');
  const repo = new FakeRepo();
  repo.requests.set(REQUEST_ID, storedRequest({ status: 'in_progress' }));
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
const { repo } = (await import('../../../functions/shared/deps.ts')) as unknown as { repo: InstanceType<typeof import('../processors/fakes.ts').FakeRepo> };
const { REQUEST_ID } = await import('../processors/fakes.ts');
const { ORIGIN_HEADER } = await import('../../../functions/core/edge.ts');

async function post(path: string, body: string | undefined, type: string | undefined) {
  const headers = { [ORIGIN_HEADER]: 'origin', authorization: 'Bearer officer', ...(type === undefined ? {} : { 'content-type': type }) };
  const r = (await (handler as unknown as (e: unknown, c: unknown) => Promise<{ statusCode: number; body?: string }>)({ rawPath: `/admin${path}`, headers, body, requestContext: { http: { method: 'POST' } } }, {})) ?? { statusCode: 0 };
  return { status: r.statusCode, body: JSON.parse(r.body ?? '{}') as unknown };
}

const NOTE = `/requests/${REQUEST_ID}/notes`;
const note = JSON.stringify({ text: 'Called the requester back.' });

describe('an officer’s action', () => {
  it.each([['text/plain'], ['text/plain;charset=UTF-8'], ['application/x-www-form-urlencoded'], ['multipart/form-data; boundary=x'], ['application/json; charset=iso-8859-1'], [undefined]])(
    'with a good JSON body sent as %s is refused with a 415 naming Content-Type, and does nothing',
    async (type) => {
      const [before, writes] = [structuredClone(repo.requests.get(REQUEST_ID)), repo.writes];
      expect(await post(NOTE, note, type)).toEqual({
        status: 415,
        body: { error: 'UnsupportedMediaType', message: 'unsupported media type', issues: [{ path: 'Content-Type', message: 'send the body as application/json (UTF-8)' }] },
      });
      expect(repo.requests.get(REQUEST_ID)).toEqual(before);
      expect(repo.writes).toBe(writes);
    },
  );

  it('is refused the same way on the search, the log of a request and an action that takes no body', async () => {
    for (const [path, body] of [['/search', '{"q":"someone@example.com"}'], ['/requests', '{}'], [`/requests/${REQUEST_ID}/resend`, '{}']]) {
      expect((await post(path, body, 'text/plain')).status, path).toBe(415);
    }
  });

  it('with its body as the console sends it, application/json, is done', async () => {
    const writes = repo.writes;
    expect((await post(NOTE, note, 'application/json')).status).toBe(200);
    expect(repo.writes).toBeGreaterThan(writes);
  });
});
