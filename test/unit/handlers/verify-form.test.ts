import { beforeEach, describe, expect, it, vi } from 'vitest';

/*
 * POST /verify through its handler: the confirmation page's form posts `token`, `lang` and, for a
 * copy going to an account holder, `password` (functions/verify/pages.ts), and nothing else. Any
 * other field is refused as docs/openapi.yaml says (`additionalProperties: false`), with the 400
 * page in the requester's language, and the link confirms nothing.
 */
const h = vi.hoisted(() => ({ repo: undefined as unknown, tokens: undefined as unknown, starts: [] as string[] }));
vi.mock('../../../functions/shared/deps.ts', async () => {
  const { FakeRepo, fixedClock } = await import('../processors/fakes.ts');
  h.repo = new FakeRepo();
  return { edgeRepo: h.repo, systemClock: fixedClock('2026-03-02T10:00:00.000Z') };
});
vi.mock('../../../functions/adapters/tokens.ts', async () => {
  const { FakeTokens } = await import('../processors/fakes.ts');
  return {
    VerificationTokens: class extends FakeTokens {
      constructor() {
        super();
        h.tokens = this;
      }
    },
  };
});
vi.mock('../../../functions/adapters/workflow.ts', async () => {
  const { FakeWorkflow } = await import('../processors/fakes.ts');
  return {
    StepFunctionsWorkflow: class extends FakeWorkflow {
      override async start(...args: unknown[]) {
        h.starts.push(String(args[0]));
        return `arn:execution:${args[0]}`;
      }
    },
  };
});
vi.mock('../../../functions/adapters/mailer.ts', async () => ({ SesMailer: (await import('../processors/fakes.ts')).FakeMailer }));
vi.mock('../../../functions/adapters/customers.ts', () => ({ customerDirectory: () => ({ find: async () => undefined, authenticate: async () => false }) }));
vi.mock('../../../functions/adapters/secrets.ts', async (orig) => ({ ...(await orig()), originSecret: async () => 'origin' }));
vi.mock('../../../functions/shared/crypto.ts', async (orig) => ({ ...(await orig()), derivedToken: async (purpose: string, ...parts: string[]) => `${purpose}-${parts.join('-')}` }));

const { handler } = await import('../../../functions/verify/handler.ts');
const { ORIGIN_HEADER } = await import('../../../functions/core/edge.ts');
const { sha256 } = await import('../../../functions/shared/crypto.ts');
const { REQUEST_ID, storedRequest } = await import('../processors/fakes.ts');
type Repo = InstanceType<typeof import('../processors/fakes.ts').FakeRepo>;
type Tokens = InstanceType<typeof import('../processors/fakes.ts').FakeTokens>;
const repo = () => h.repo as Repo;
const tokens = () => h.tokens as Tokens;

const TOKEN = 'A'.repeat(43);
type Answer = { statusCode: number; headers: Record<string, string>; body: string };

function post(body: string, headers: Record<string, string> = {}): Promise<Answer> {
  const event = {
    routeKey: 'POST /verify',
    rawPath: '/verify',
    headers: { [ORIGIN_HEADER]: 'origin', 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
    isBase64Encoded: false,
    requestContext: { http: { method: 'POST', sourceIp: '203.0.113.7' } },
  };
  return (handler as unknown as (e: unknown, c: unknown) => Promise<Answer>)(event, {});
}
const form = (pairs: [string, string][]) => new URLSearchParams(pairs).toString();
const request = () => repo().requests.get(REQUEST_ID);

beforeEach(() => {
  h.starts.length = 0;
  repo().requests.clear();
  repo().pii.clear();
  tokens().records.clear();
  // A French requester's erasure, not yet confirmed, with its live link.
  repo().requests.set(REQUEST_ID, storedRequest({ status: 'unverified', language: 'fr', verifiedAt: undefined, dueDate: undefined, version: 1 }));
  repo().pii.set(REQUEST_ID, { email: 'ada@example.com' });
  tokens().records.set(sha256(TOKEN), { requestId: REQUEST_ID, expiresAt: '2026-03-03T09:00:00.000Z', attempts: 0 });
});

describe('a confirmation posted with a field its form does not have', () => {
  it.each([
    ['an unknown field beside the live token', [['token', TOKEN], ['lang', 'en'], ['foo', 'x']]],
    ['an unknown field before the token', [['foo', 'x'], ['token', TOKEN], ['lang', 'en']]],
    ['a field named after a built-in', [['token', TOKEN], ['lang', 'en'], ['constructor', 'x']]],
    ['a field named __proto__', [['token', TOKEN], ['lang', 'en'], ['__proto__', 'x']]],
    ['a field of another form', [['token', TOKEN], ['lang', 'en'], ['renew', '1']]],
  ] as [string, [string, string][]][])('is refused (%s) with the 400 page in the language of the page it came from, confirming nothing', async (_, pairs) => {
    const r = await post(form(pairs));
    expect(r.statusCode).toBe(400);
    expect(r.headers['content-type']).toMatch(/^text\/html/);
    expect(r.body).toContain('<html lang="en">');
    expect(r.body).toContain('This page could not be opened');
    expect(request()).toMatchObject({ status: 'unverified', version: 1 });
    expect(h.starts).toEqual([]);
    expect(tokens().records.get(sha256(TOKEN))?.attempts).toBe(0);
  });

  it('is refused in the browser’s language when the form names none', async () => {
    const r = await post(form([['token', TOKEN], ['extra', '1']]), { 'accept-language': 'en-GB,en;q=0.9' });
    expect(r.statusCode).toBe(400);
    expect(r.body).toContain('<html lang="en">');
    expect(request()?.status).toBe('unverified');
  });
});

describe('the confirmation page’s own form', () => {
  it('confirms with the fields it posts: the token and the page’s language', async () => {
    const r = await post(form([['token', TOKEN], ['lang', 'fr']]));
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain('Demande confirmée');
    expect(request()?.status).toBe('verified');
    expect(h.starts).toEqual([REQUEST_ID]);
  });

  it('takes the password field too, which it shows when a copy goes to an account holder', async () => {
    const r = await post(form([['token', TOKEN], ['lang', 'en'], ['password', 'not asked for this erasure']]));
    expect(r.statusCode).toBe(200);
    expect(request()?.status).toBe('verified');
  });
});
