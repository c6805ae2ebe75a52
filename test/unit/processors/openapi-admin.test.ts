import { describe, expect, it, vi } from 'vitest';
import { openapi, schemaErrors } from './openapi.ts';

/*
 * The stack deploys one catch-all route, ANY /admin/{proxy+} (infra/routes.ts); the admin routes
 * themselves are the handler's ROUTES (functions/admin/handler.ts). So the handler is asked: a
 * path of each route's pattern is sent with each method, and whatever it does not answer with its
 * "no such admin route" 404 is a route docs/openapi.yaml must document.
 */
vi.mock('../../../functions/shared/deps.ts', async () => {
  const { FakeRepo, fixedClock } = await import('./fakes.ts');
  // An empty store: a probe of a request or a complaint finds none.
  return { repo: Object.assign(new FakeRepo(), { getComplaint: async () => undefined }), systemClock: fixedClock() };
});
vi.mock('../../../functions/adapters/auth.ts', () => ({ authenticate: async () => ({ sub: 'probe', roles: ['viewer', 'officer'] }) }));
vi.mock('../../../functions/adapters/secrets.ts', async (orig) => ({ ...(await orig()), originSecret: async () => 'origin' }));
vi.mock('../../../functions/adapters/workflow.ts', async () => ({ StepFunctionsWorkflow: (await import('./fakes.ts')).FakeWorkflow }));
vi.mock('../../../functions/adapters/mailer.ts', async () => ({ SesMailer: (await import('./fakes.ts')).FakeMailer }));
vi.mock('../../../functions/adapters/registry.ts', async () => {
  const { processor } = await import('./fakes.ts');
  return { registry: { version: 1, processors: [processor({ id: 'paynow', category: 'payments' })] } };
});

const { handler, ROUTES } = await import('../../../functions/admin/handler.ts');
const { REQUEST_ID } = await import('./fakes.ts');
const { ORIGIN_HEADER } = await import('../../../functions/core/edge.ts');

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** What a route pattern's capture group stands for, as a value the handler accepts. */
const SAMPLES: Record<string, string> = { '\\w{26}': REQUEST_ID, '[a-z0-9-]+': 'paynow' };

/** A concrete path of each route's pattern, its captured parts given sample values. */
function candidatePaths(): string[] {
  return ROUTES.map(([, pattern]) => {
    let path = pattern.source.replace(/^\^|\$$/g, '');
    for (const [group, inner] of path.matchAll(/\(([^()]+)\)/g)) {
      if (SAMPLES[inner] === undefined) throw new Error(`no sample value for the route pattern group ${group}: add one to SAMPLES`);
      path = path.replace(group, SAMPLES[inner]);
    }
    return path.replace(/\\(.)/g, '$1');
  });
}

async function answers(method: string, path: string) {
  const event = { rawPath: `/admin${path}`, headers: { [ORIGIN_HEADER]: 'origin', authorization: 'Bearer probe' }, queryStringParameters: {}, requestContext: { http: { method } } };
  const r = (await (handler as unknown as (e: unknown, c: unknown) => Promise<{ statusCode: number; body?: string }>)(event, {})) ?? { statusCode: 0 };
  const unrouted = r.statusCode === 404 && JSON.parse(r.body ?? '{}').message === 'no such admin route';
  return !unrouted;
}

type Param = { name?: string; in?: string; schema?: { enum?: string[] } };
/** Each documented /admin operation as a matcher of concrete paths: a path parameter with an enum takes only its values. */
const documented = Object.entries(openapi.paths)
  .filter(([p]) => p.startsWith('/admin/'))
  .flatMap(([template, item]) =>
    Object.entries(item as Record<string, { parameters?: Param[] }>).map(([method, op]) => {
      const pattern = template.replace(/\{(\w+)\}/g, (_, name: string) => {
        const values = (op.parameters ?? []).find((p) => p.in === 'path' && p.name === name)?.schema?.enum;
        return values ? `(${values.join('|')})` : '[^/]+';
      });
      return { method: method.toUpperCase(), template, matches: (path: string) => new RegExp(`^${pattern}$`).test(`/admin${path}`) };
    }),
  );

describe('the OpenAPI document and the admin API the stack deploys', () => {
  it('documents every route the admin function answers, with its method', async () => {
    const candidates = candidatePaths();
    expect(candidates).toEqual(expect.arrayContaining(['/dashboard', '/audit.csv', '/requests', `/requests/${REQUEST_ID}/extend`, `/requests/${REQUEST_ID}/tasks/paynow/retry`]));
    const undocumented: string[] = [];
    let routes = 0;
    for (const path of candidates) {
      for (const method of METHODS) {
        if (!(await answers(method, path))) continue;
        routes++;
        if (!documented.some((d) => d.method === method && d.matches(path))) undocumented.push(`${method} /admin${path}`);
      }
    }
    expect(routes).toBeGreaterThan(10);
    expect(undocumented).toEqual([]);
  });

  it('documents on every admin operation the 401 of a missing or bad token and the 403 of a call that did not come through the site', async () => {
    // Every /admin call is checked for the site's origin header (403) and a token (401) before any route is matched.
    const event = { rawPath: '/admin/dashboard', headers: { authorization: 'Bearer probe' }, queryStringParameters: {}, requestContext: { http: { method: 'GET' } } };
    expect(await (handler as unknown as (e: unknown, c: unknown) => Promise<{ statusCode: number }>)(event, {})).toMatchObject({ statusCode: 403 });
    const missing: string[] = [];
    for (const [template, item] of Object.entries(openapi.paths).filter(([p]) => p.startsWith('/admin/'))) {
      for (const [method, op] of Object.entries(item as Record<string, { responses?: Record<string, unknown> }>)) {
        for (const code of ['401', '403']) if (!op.responses?.[code]) missing.push(`${code} ${method.toUpperCase()} ${template}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('documents on every admin POST the 413 its function answers to a body over 64 KiB', async () => {
    const over = JSON.stringify({ text: 'x'.repeat(64 * 1024) });
    const answered: string[] = [];
    const missing: string[] = [];
    for (const [template, item] of Object.entries(openapi.paths).filter(([p]) => p.startsWith('/admin/'))) {
      const op = (item as Record<string, { parameters?: Param[]; responses?: Record<string, unknown> }>).post;
      if (!op) continue;
      const values = (name: string) => (op.parameters ?? []).find((p) => p.in === 'path' && p.name === name)?.schema?.enum?.[0];
      const path = template.replace(/\{(\w+)\}/g, (_, name: string) => values(name) ?? (name === 'processorId' ? 'paynow' : REQUEST_ID));
      const event = { rawPath: path, headers: { [ORIGIN_HEADER]: 'origin', authorization: 'Bearer probe', 'content-type': 'application/json' }, body: over, requestContext: { http: { method: 'POST' } } };
      const r = await (handler as unknown as (e: unknown, c: unknown) => Promise<{ statusCode: number }>)(event, {});
      answered.push(`${r.statusCode} POST ${path}`);
      if (!op.responses?.['413']) missing.push(`POST ${template}`);
    }
    expect(answered.length).toBeGreaterThan(5);
    expect(answered.filter((a) => !a.startsWith('413 '))).toEqual([]);
    expect(missing).toEqual([]);
  });

  it('documents the 404 of an officer’s action on a task of a request that does not exist (until November 29, 2026 it was not listed)', async () => {
    const op = (openapi.paths['/admin/requests/{id}/tasks/{processorId}/{action}'] as { post: { responses: Record<string, unknown> } }).post;
    for (const [action, body] of [['resolve', { outcome: 'completed', note: 'done by phone' }], ['retry', undefined]] as const) {
      const event = { rawPath: `/admin/requests/${REQUEST_ID}/tasks/paynow/${action}`, headers: { [ORIGIN_HEADER]: 'origin', authorization: 'Bearer probe', 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined, requestContext: { http: { method: 'POST' } } };
      const r = await (handler as unknown as (e: unknown, c: unknown) => Promise<{ statusCode: number }>)(event, {});
      expect(r.statusCode, action).toBe(404);
      expect(Object.keys(op.responses), action).toContain('404');
    }
  });

  it('documents every query parameter the request list reads, and none it ignores', async () => {
    const { ListQuery } = await import('../../../functions/admin/handler.ts');
    const params = (openapi.paths['/admin/requests'] as { get: { parameters: Param[] } }).get.parameters.filter((p) => p.in === 'query').map((p) => p.name);
    expect(params.sort()).toEqual(Object.keys(ListQuery.shape).sort());
  });

  it('documents no admin route the function does not answer', async () => {
    const unanswered: string[] = [];
    for (const [template, item] of Object.entries(openapi.paths).filter(([p]) => p.startsWith('/admin/'))) {
      for (const [method, op] of Object.entries(item as Record<string, { parameters?: Param[] }>)) {
        let paths = [template.replace('{id}', REQUEST_ID).replace('{processorId}', 'paynow')];
        for (const p of (op.parameters ?? []).filter((x) => x.in === 'path' && x.schema?.enum)) paths = paths.flatMap((x) => (p.schema?.enum ?? []).map((v) => x.replace(`{${p.name}}`, v)));
        for (const path of paths) if (!(await answers(method.toUpperCase(), path.replace(/^\/admin/, '')))) unanswered.push(`${method.toUpperCase()} ${path}`);
      }
    }
    expect(unanswered).toEqual([]);
  });

  it('documents the reason a refusal carries beside its message, as the list of codes the API gives', async () => {
    const { REFUSAL_REASONS } = await import('../../../functions/core/errors.ts');
    const reason = (openapi.components.schemas.Error as { properties: { reason?: { enum?: string[] } } }).properties.reason;
    expect([...(reason?.enum ?? [])].sort()).toEqual([...REFUSAL_REASONS].sort());
    expect(schemaErrors('Error', { error: 'Conflict', message: 'the clock is already stopped', reason: 'pause_stopped' })).toEqual([]);
  });
});
