import { describe, expect, it, vi } from 'vitest';

/*
 * An officer's free text is stored (DynamoDB) and mailed: a lone UTF-16 surrogate is no character,
 * and DynamoDB refuses a string holding one mid-write (a 500 on AWS). The local stand-in stores it,
 * so the refusal is checked here, at the handler's schemas: a field-level 400 before anything is read.
 */
const h = vi.hoisted(() => ({ repo: undefined as unknown }));
vi.mock('../../../functions/shared/deps.ts', async () => {
  const { FakeRepo, fixedClock, storedRequest, REQUEST_ID } = await import('../processors/fakes.ts');
  const repo = Object.assign(new FakeRepo(), { getComplaint: async () => undefined });
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
type Repo = { requests: Map<string, unknown> };

async function post(path: string, body: unknown) {
  const event = { rawPath: `/admin${path}`, headers: { [ORIGIN_HEADER]: 'origin', authorization: 'Bearer officer', 'content-type': 'application/json' }, body: JSON.stringify(body), requestContext: { http: { method: 'POST' } } };
  const r = (await (handler as unknown as (e: unknown, c: unknown) => Promise<{ statusCode: number; body?: string }>)(event, {})) ?? { statusCode: 0 };
  return { status: r.statusCode, body: JSON.parse(r.body ?? '{}') as { issues?: { path: string; message: string }[] } };
}

const LONE = 'Invoice kept \uD83D for the auditors';
const PAIR = 'Invoice kept \uD83D\uDCC4 for the auditors';
const REQ = `/requests/${REQUEST_ID}`;
/** Each free-text field an officer types, by route: the body with the text in it, and the field the 400 names. */
const FIELDS: [route: string, body: (text: string) => unknown, path: string][] = [
  [`${REQ}/extend`, (t) => ({ reason: t }), 'reason'],
  [`${REQ}/deny`, (t) => ({ reason: 'excessive', note: t }), 'note'],
  [`${REQ}/notes`, (t) => ({ text: t }), 'text'],
  [`${REQ}/pause`, (t) => ({ needed: t }), 'needed'],
  [`${REQ}/lift-restriction`, (t) => ({ reason: 'other', liftOn: '2026-03-16', note: t }), 'note'],
  [`${REQ}/approve`, (t) => ({ corrections: { name: t } }), 'corrections.name'],
  [`${REQ}/approve`, (t) => ({ corrections: { name: 'Ann King' }, uncorrected: t }), 'uncorrected'],
  [`${REQ}/tasks/paynow/resolve`, (t) => ({ outcome: 'completed', note: t }), 'note'],
  [`${REQ}/tasks/paynow/resolve`, (t) => ({ outcome: 'retained', note: t, basis: 'accounting', until: '2032-01-01' }), 'note'],
  [`/complaints/${REQUEST_ID}/respond`, (t) => ({ outcome: t }), 'outcome'],
];

describe('an officer’s free text holding a lone UTF-16 surrogate', () => {
  it('is a 400 that names the field, and nothing is written', async () => {
    const repo = h.repo as Repo;
    const before = structuredClone(repo.requests.get(REQUEST_ID));
    for (const [route, body, path] of FIELDS) {
      const r = await post(route, body(LONE));
      expect(r.status, `${route} ${path}`).toBe(400);
      expect(r.body.issues, `${route} ${path}`).toEqual([{ path, message: expect.stringContaining('surrogate') }]);
    }
    expect(repo.requests.get(REQUEST_ID)).toEqual(before);
  });

  it('is accepted as a surrogate pair (an emoji): the field is not refused', async () => {
    for (const [route, body, path] of FIELDS) {
      const r = await post(route, body(PAIR));
      expect(r.body.issues?.map((i) => i.path) ?? [], `${route} ${path}`).not.toContain(path);
    }
  });
});

describe('an officer’s free text that is only control characters', () => {
  it('is a 400 that names the field, and nothing is written: stored after cleaning, it would be empty', async () => {
    const repo = h.repo as Repo;
    const before = structuredClone(repo.requests.get(REQUEST_ID));
    // The fields whose schema asks for 3 characters: a note, a complaint's response, a task's resolution.
    for (const [route, body, path] of FIELDS.filter(([r, , p]) => r.endsWith('/notes') || r.endsWith('/respond') || (r.endsWith('/resolve') && p === 'note'))) {
      const r = await post(route, body('\u0007\u0007\u0007'));
      // Until November 29, 2026 a note and a complaint's response were stored empty, answered 200.
      expect(r.status, route).toBe(400);
      expect(r.body.issues, route).toEqual((await post(route, body('  '))).body.issues);
      expect(r.body.issues, route).toEqual([{ path, message: expect.stringContaining('>=3') }]);
    }
    expect(repo.requests.get(REQUEST_ID)).toEqual(before);
  });
});

describe('a correction’s approval', () => {
  it('takes a corrected email only as an address, with a 400 naming corrections.email, and nothing is written', async () => {
    const repo = h.repo as Repo;
    const before = structuredClone(repo.requests.get(REQUEST_ID));
    for (const email of ['ada at example', 'ada@', '']) {
      const r = await post(`${REQ}/approve`, { corrections: { email } });
      // Until November 29, 2026 any readable text was approved, sent to every processor holding the address.
      expect(r.status, email).toBe(400);
      expect(r.body.issues, email).toEqual([{ path: 'corrections.email', message: 'the corrected email address, as name@domain' }]);
    }
    // A field the form does not know is named too, as before.
    expect((await post(`${REQ}/approve`, { corrections: { shoe_size: '42' } })).body.issues).toContainEqual({ path: 'corrections', message: 'Unrecognized key: "shoe_size"' });
    expect(repo.requests.get(REQUEST_ID)).toEqual(before);
  });
});
