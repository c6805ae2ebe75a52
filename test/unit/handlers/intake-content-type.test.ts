import { describe, expect, it, vi } from 'vitest';

/*
 * The two public forms post JSON (web/i18n.js postForm sends `content-type: application/json`), and
 * neither has a fallback that posts a plain HTML form. A page of any other site may send a POST
 * without asking the browser's CORS preflight first only as text/plain, a form's two types, or no
 * type at all: were such a body read as JSON, that page could submit requests and complaints in its
 * visitors' names, from their addresses. Intake takes application/json only.
 */
vi.stubEnv('ANSWER_FLOOR_MS', '1');

const h = vi.hoisted(() => ({ repo: undefined as unknown, mailer: undefined as unknown }));
vi.mock('../../../functions/shared/deps.ts', async (orig) => (await import('./intake-fakes.ts')).intakeHandlerFakes(h).deps(orig));
vi.mock('../../../functions/shared/crypto.ts', async (orig) => ({ ...(await orig()), ...(await import('./intake-fakes.ts')).sayingCrypto }));
vi.mock('../../../functions/adapters/secrets.ts', async (orig) => ({ ...(await orig()), originSecret: async () => 'origin' }));
vi.mock('../../../functions/adapters/tokens.ts', async (orig) => ({ ...(await orig()), VerificationTokens: (await import('./intake-fakes.ts')).Tokens }));
vi.mock('../../../functions/adapters/mailer.ts', async () => (await import('./intake-fakes.ts')).intakeHandlerFakes(h).mailer());

const { handler } = await import('../../../functions/intake/handler.ts');
const { ORIGIN_HEADER } = await import('../../../functions/core/edge.ts');
type Repo = InstanceType<typeof import('./intake-fakes.ts').IntakeRepo>;
type Mailer = InstanceType<typeof import('../processors/fakes.ts').FakeMailer>;
const repo = () => h.repo as Repo;
const mailer = () => h.mailer as Mailer;

type Answer = { statusCode: number; body?: string };
function post(route: '/requests' | '/complaints', body: string, type: string | undefined, path: string = route, headers: Record<string, string> = {}): Promise<Answer> {
  const event = {
    routeKey: `POST ${route}`,
    rawPath: path,
    headers: { [ORIGIN_HEADER]: 'origin', ...(type === undefined ? {} : { 'content-type': type }), ...headers },
    body,
    requestContext: { http: { method: 'POST', sourceIp: '203.0.113.7' } },
  };
  return (handler as unknown as (e: unknown, c: unknown) => Promise<Answer>)(event, {});
}

const FORMS = {
  '/requests': (email: string) => ({ type: 'erasure', email, language: 'en' }),
  '/complaints': (email: string) => ({ email, text: 'You never answered my erasure request.', language: 'en' }),
} as const;
const written = () => repo().requests.size + repo().complaints.size;

describe.each(Object.keys(FORMS) as (keyof typeof FORMS)[])('POST %s', (route) => {
  it.each([['text/plain'], ['text/plain;charset=UTF-8'], ['application/x-www-form-urlencoded'], ['multipart/form-data; boundary=x'], [undefined]])(
    'refuses a good JSON body sent as %s with a 415 naming Content-Type, writing and mailing nothing',
    async (type) => {
      const [before, sent] = [written(), mailer().sent.length];
      const r = await post(route, JSON.stringify(FORMS[route]('cross.site@example.com')), type);
      expect(r.statusCode).toBe(415);
      expect(JSON.parse(r.body ?? '')).toEqual({ error: 'UnsupportedMediaType', message: 'unsupported media type', issues: [{ path: 'Content-Type', message: 'send the body as application/json (UTF-8)' }] });
      expect(written()).toBe(before);
      expect(mailer().sent.length).toBe(sent);
    },
  );

  it('takes the body as the form sends it, application/json, with a charset too', async () => {
    for (const [i, type] of ['application/json', 'application/json; charset=utf-8'].entries()) {
      const before = written();
      expect((await post(route, JSON.stringify(FORMS[route](`own.form.${i}@example.com`)), type)).statusCode, type).toBe(202);
      expect(written()).toBe(before + 1);
    }
  });
});

/*
 * API Gateway gives `POST /requests/` to the route `POST /requests`, but CloudFront sends that path
 * through the `/requests/*` behaviour, which forwards every viewer header: a viewer's own
 * CloudFront-Viewer-Address could reach intake there, and the per-address limit would count a
 * made-up address. Only the exact paths, which the intake policy covers, are the forms'.
 */
describe.each(Object.keys(FORMS) as (keyof typeof FORMS)[])('POST %s/ (another spelling of the path)', (route) => {
  it('answers 404, writing and mailing nothing, whatever viewer address it carries', async () => {
    const [before, sent] = [written(), mailer().sent.length];
    const r = await post(route, JSON.stringify(FORMS[route]('slash.path@example.com')), 'application/json', `${route}/`, { 'cloudfront-viewer-address': '198.51.100.99:443' });
    expect(r.statusCode).toBe(404);
    expect(written()).toBe(before);
    expect(mailer().sent.length).toBe(sent);
  });
});
