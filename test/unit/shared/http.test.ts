import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { Conflict, DomainError, InvalidInput, TooManyRequests, Unavailable } from '../../../functions/core/errors.ts';
import * as z from '../../../functions/core/zod.ts';
import { fromCloudFront, type HttpEvent, type HttpResult, html, httpErrors, json, parseBody, parseForm, problemPageOf } from '../../../functions/shared/http.ts';

const Body = z.strictObject({ email: z.email(), type: z.enum(['access', 'erasure']), note: z.optional(z.string().check(z.trim(), z.minLength(3))) });

const event = (body: string | undefined, contentType = 'application/json'): HttpEvent =>
  ({ headers: { 'content-type': contentType }, body, isBase64Encoded: false }) as unknown as HttpEvent;

const handler = (fn: (e: HttpEvent) => Promise<HttpResult>) =>
  middy<HttpEvent, HttpResult>().use(httpErrors()).handler(fn) as unknown as (e: HttpEvent, c: Context) => Promise<HttpResult>;
const ctx = {} as Context;

describe('HTTP edge', () => {
  const echo = handler(async (e) => json(200, parseBody(Body, e)));

  it('answers a valid body', async () => {
    const r = await echo(event('{"email":"a@example.com","type":"access"}'), ctx);
    expect(r.statusCode).toBe(200);
  });

  it('answers malformed JSON with a 400, not a 500', async () => {
    const r = await echo(event('{"email":'), ctx);
    expect(r.statusCode).toBe(400);
    expect(JSON.parse(r.body ?? '')).toMatchObject({ error: 'InvalidInput', issues: [{ path: '(body)' }] });
  });

  it('names each invalid field and rejects unknown ones', async () => {
    const r = await echo(event('{"email":"nope","type":"access","admin":true}'), ctx);
    const body = JSON.parse(r.body ?? '');
    expect(r.statusCode).toBe(400);
    expect(body.issues.map((i: { path: string }) => i.path).sort()).toEqual(['(body)', 'email'].sort());
  });

  it('words each field-level message in English, as the classic zod build did', async () => {
    const r = await echo(event('{"email":"nope","type":"access","note":" x ","admin":true}'), ctx);
    expect(JSON.parse(r.body ?? '').issues).toEqual([
      { path: 'email', message: 'Invalid email address' },
      { path: 'note', message: 'Too small: expected string to have >=3 characters' },
      { path: '(body)', message: 'Unrecognized key: "admin"' },
    ]);
  });

  it('refuses an oversized body with 413 before parsing it', async () => {
    const r = await echo(event(JSON.stringify({ email: 'a@example.com', type: 'access', pad: 'x'.repeat(70_000) })), ctx);
    expect(r.statusCode).toBe(413);
  });

  it('lets pages post to their own origin only, unless a page names another target', () => {
    expect(html(200, '').headers?.['content-security-policy']).toContain("form-action 'self';");
    const page = html(200, '', {}, ['https://exports.s3.eu-west-2.amazonaws.com']);
    expect(page.headers?.['content-security-policy']).toContain("form-action 'self' https://exports.s3.eu-west-2.amazonaws.com;");
  });

  it('lets no other site frame a page, as the static pages do not let it (the confirm and download buttons under someone else’s)', () => {
    expect(html(200, '').headers?.['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(html(200, '').headers?.['x-frame-options']).toBe('DENY');
  });

  it('reads urlencoded forms where a page posts one', async () => {
    const r = await handler(async (e) => json(200, parseForm(Body, e)))(event('email=a%40example.com&type=erasure', 'application/x-www-form-urlencoded'), ctx);
    expect(JSON.parse(r.body ?? '')).toEqual({ email: 'a@example.com', type: 'erasure' });
  });

  it('maps domain errors to their status and adds Retry-After to 429', async () => {
    const busy = handler(async () => {
      throw new TooManyRequests('slow down', 120);
    });
    const r = await busy(event(undefined), ctx);
    expect(r.statusCode).toBe(429);
    expect(r.headers?.['retry-after']).toBe('120');
    const conflict = handler(async () => {
      throw new Conflict('already verified');
    });
    expect((await conflict(event(undefined), ctx)).statusCode).toBe(409);
  });

  it('keeps a refusal’s error and English message as they were, and adds its reason beside them only when it has one', async () => {
    const stopped = handler(async () => {
      throw new Conflict('the clock is already stopped', { reason: 'pause_stopped' });
    });
    expect(JSON.parse((await stopped(event(undefined), ctx)).body ?? '')).toEqual({ error: 'Conflict', message: 'the clock is already stopped', reason: 'pause_stopped' });
    const plain = handler(async () => {
      throw new Conflict('already verified');
    });
    expect(JSON.parse((await plain(event(undefined), ctx)).body ?? '')).toEqual({ error: 'Conflict', message: 'already verified' });
  });

  it('hides unexpected errors behind a generic 500', async () => {
    const boom = handler(async () => {
      throw new Error('secret detail from deep inside');
    });
    const r = await boom(event(undefined), ctx);
    expect(r.statusCode).toBe(500);
    expect(r.body).not.toContain('secret detail');
  });

  /** The log lines the function writes (Powertools writes to stdout and stderr), as its log group would get them. */
  async function logOf(run: () => Promise<unknown>) {
    const lines: string[] = [];
    const spies = [process.stdout, process.stderr].map((s) =>
      vi.spyOn(s, 'write').mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true)),
    );
    try {
      await run();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    return lines.join('');
  }

  it('logs an unknown error’s name and stack frames on a 500, never its message, which may quote personal data', async () => {
    const boom = handler(async () => {
      JSON.parse('ann.lee@example.com'); // Node's message quotes the input: Unexpected token 'a', "ann.lee@example.com" is not valid JSON
      return json(200, {});
    });
    const line = await logOf(async () => expect((await boom(event(undefined), ctx)).statusCode).toBe(500));
    expect(line).toContain('unhandled error');
    expect(line).toContain('SyntaxError');
    expect(line).toMatch(/at .*http\.test\.ts/);
    expect(line).not.toContain('ann.lee');
  });

  it('logs the message of our own error that reaches a 500, whose words we wrote', async () => {
    const boom = handler(async () => {
      throw new DomainError('the audit chain of a task is broken');
    });
    const line = await logOf(() => boom(event(undefined), ctx));
    expect(line).toContain('the audit chain of a task is broken');
  });
});

describe('requests that did not come through CloudFront', () => {
  const SECRET = 'cloudfront-only-0123456789abcdefghijklmnopqrstuvwxyz';
  const BEFORE_ROTATION = 'cloudfront-only-the-value-before-its-last-rotation';
  const seen: HttpEvent[] = [];
  let previousReads = 0;
  let previous: string | undefined;
  const guarded = middy<HttpEvent, HttpResult>()
    .use(httpErrors())
    .use(
      fromCloudFront(
        async () => SECRET,
        async () => {
          previousReads++;
          return previous;
        },
      ),
    )
    .handler(async (e) => {
      seen.push(e);
      return json(200, { ok: true });
    }) as unknown as (e: HttpEvent, c: Context) => Promise<HttpResult>;
  const withHeaders = (headers: Record<string, string>) => ({ headers, body: '', isBase64Encoded: false }) as unknown as HttpEvent;

  it('reach the handler with the origin secret, which is taken out of the event before the handler sees it', async () => {
    seen.length = 0;
    const r = await guarded(withHeaders({ 'x-lethe-origin': SECRET, 'cloudfront-viewer-address': '203.0.113.9:443' }), ctx);
    expect(r.statusCode).toBe(200);
    expect(seen).toHaveLength(1);
    expect(seen[0].headers).toEqual({ 'cloudfront-viewer-address': '203.0.113.9:443' });
  });

  it('are refused with 403 before the handler runs when the secret is missing, wrong, or only a prefix of it', async () => {
    seen.length = 0;
    for (const headers of [{} as Record<string, string>, { 'x-lethe-origin': 'guess' }, { 'x-lethe-origin': SECRET.slice(0, -1) }, { 'x-lethe-origin': `${SECRET}x` }]) {
      const r = await guarded(withHeaders({ ...headers, 'cloudfront-viewer-address': '203.0.113.9:443' }), ctx);
      expect(r.statusCode).toBe(403);
      expect(JSON.parse(r.body ?? '')).toEqual({ error: 'Forbidden', message: 'This API answers only through the site.' });
    }
    expect(seen).toHaveLength(0);
  });

  it('reach the handler with the value before the secret’s last rotation, which CloudFront sends until a deploy names the new one; its absence or another value is a 403', async () => {
    seen.length = 0;
    previousReads = 0;
    const sent = (value: string) => guarded(withHeaders({ 'x-lethe-origin': value }), ctx);
    // Never rotated: only the current value.
    expect((await sent(BEFORE_ROTATION)).statusCode).toBe(403);
    previous = BEFORE_ROTATION;
    expect((await sent(BEFORE_ROTATION)).statusCode).toBe(200);
    expect((await sent('cloudfront-only-some-other-value-0123456789abcdef')).statusCode).toBe(403);
    // The current value is taken without asking for the previous one.
    const reads = previousReads;
    expect((await sent(SECRET)).statusCode).toBe(200);
    expect(previousReads).toBe(reads);
    expect(seen).toHaveLength(2);
    previous = undefined;
  });
});

describe('errors on the pages a requester opens from an email', () => {
  const failing = (error: Error) =>
    middy<HttpEvent, HttpResult>()
      .use(httpErrors({ page: problemPageOf }))
      .handler(async () => {
        throw error;
      }) as unknown as (e: HttpEvent, c: Context) => Promise<HttpResult>;
  const opened = (headers: Record<string, string>, query: Record<string, string> = {}) =>
    ({ headers, queryStringParameters: query, body: '', isBase64Encoded: false, requestContext: { http: { method: 'GET' } } }) as unknown as HttpEvent;

  it('are a page in the browser’s language, with the same status and Retry-After as the API’s answer, and no JSON', async () => {
    const r = await failing(new Unavailable('the account service did not answer'))(opened({ 'accept-language': 'en-GB' }), ctx);
    expect(r.statusCode).toBe(503);
    expect(r.headers?.['retry-after']).toBe('30');
    expect(r.headers?.['content-type']).toMatch(/^text\/html/);
    expect(r.body).toContain('<html lang="en">');
    expect(r.body).toContain('the problem is on our side');
    expect(r.body).not.toContain('account service');
    const fr = await failing(new TooManyRequests('slow down', 120))(opened({}, { lang: 'fr' }), ctx);
    expect(fr.statusCode).toBe(429);
    expect(fr.headers?.['retry-after']).toBe('120');
    expect(fr.body).toContain('Trop d’essais');
    const bad = await failing(new InvalidInput('invalid body', [{ path: 'token', message: 'Required' }]))(opened({ 'accept-language': 'en' }), ctx);
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('This page could not be opened');
    expect(bad.body).toContain('href="/?lang=en"');
  });

  it('are in the language of the page whose form was posted (its `lang` field), whatever the browser’s', async () => {
    const posted = { ...opened({ 'accept-language': 'fr-FR,fr;q=0.9', 'content-type': 'application/x-www-form-urlencoded' }), body: `token=${'t'.repeat(43)}&lang=en` } as HttpEvent;
    const r = await failing(new Unavailable('the account service did not answer'))(posted, ctx);
    expect(r.statusCode).toBe(503);
    expect(r.body).toContain('<html lang="en">');
    // A form that names no language, or one that is no form: the browser's.
    const unnamed = await failing(new Unavailable('down'))({ ...posted, body: `token=${'t'.repeat(43)}` } as HttpEvent, ctx);
    expect(unnamed.body).toContain('<html lang="fr">');
  });

  it('never show an unexpected error’s message on the page', async () => {
    const r = await failing(new Error('ann.lee@example.com broke it'))(opened({ 'accept-language': 'fr' }), ctx);
    expect(r.statusCode).toBe(500);
    expect(r.headers?.['content-type']).toMatch(/^text\/html/);
    expect(r.body).toContain('le problème vient de chez nous');
    expect(r.body).not.toContain('ann.lee');
  });
});
