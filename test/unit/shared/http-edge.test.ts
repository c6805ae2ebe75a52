import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { Unavailable } from '../../../functions/core/errors.ts';
import * as z from '../../../functions/core/zod.ts';
import { clientAddress, type HttpEvent, type HttpResult, html, httpErrors, json, MAX_BODY_BYTES, parse, parseBody, parseForm } from '../../../functions/shared/http.ts';

const Body = z.object({ pad: z.optional(z.string()), email: z.optional(z.email()) });
const handler = (fn: (e: HttpEvent) => Promise<HttpResult>) =>
  middy<HttpEvent, HttpResult>().use(httpErrors()).handler(fn) as unknown as (e: HttpEvent, c: Context) => Promise<HttpResult>;
const ctx = {} as Context;
const echo = handler(async (e) => json(200, parseBody(Body, e)));
const echoForm = handler(async (e) => json(200, parseForm(Body, e)));
const answer = (r: HttpResult) => ({ status: r.statusCode, body: JSON.parse(r.body ?? '') });

describe('every answer', () => {
  it('says its type and asks not to be cached, sniffed or given a referrer', () => {
    const security = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };
    expect(json(200, {}).headers).toEqual({ 'content-type': 'application/json; charset=utf-8', ...security });
    expect(html(200, '').headers).toMatchObject({ 'content-type': 'text/html; charset=utf-8', ...security });
  });
});

describe('the client’s address', () => {
  const at = (headers: Record<string, string> | undefined) => ({ headers, requestContext: { http: { sourceIp: '130.176.0.1' } } }) as unknown as HttpEvent;

  it('is the viewer’s address CloudFront sends, without its port, IPv6 included, whatever the header’s case', () => {
    expect(clientAddress(at({ 'cloudfront-viewer-address': '198.51.100.10:46532' }))).toBe('198.51.100.10');
    expect(clientAddress(at({ 'CloudFront-Viewer-Address': '2001:db8::7:46532' }))).toBe('2001:db8::7');
  });

  it('is read from CloudFront’s header only, not from another header that carries a colon', () => {
    expect(clientAddress(at({ 'x-forwarded-for': '203.0.113.5:1', 'cloudfront-viewer-address': '198.51.100.10:46532' }))).toBe('198.51.100.10');
    expect(clientAddress(at({ 'x-forwarded-for': '203.0.113.5:1' }))).toBe('130.176.0.1');
  });

  it('is the source address when CloudFront sent none, or no address before the port', () => {
    expect(clientAddress(at(undefined))).toBe('130.176.0.1');
    expect(clientAddress(at({ 'content-type': 'application/json' }))).toBe('130.176.0.1');
    expect(clientAddress(at({ 'cloudfront-viewer-address': ':46532' }))).toBe('130.176.0.1');
  });
});

describe('a request’s body', () => {
  const event = (body: string | undefined, headers: Record<string, string> | undefined = { 'content-type': 'application/json' }, isBase64Encoded = false) =>
    ({ headers, body, isBase64Encoded }) as unknown as HttpEvent;

  it('may be absent, or empty, whatever its content type says', async () => {
    expect(answer(await echo(event(undefined), ctx))).toEqual({ status: 200, body: {} });
    expect(answer(await echo({ body: '', isBase64Encoded: false } as unknown as HttpEvent, ctx))).toEqual({ status: 200, body: {} });
    expect(answer(await echo(event('', { 'content-type': 'text/plain' }), ctx))).toEqual({ status: 200, body: {} });
    expect(answer(await echoForm(event(undefined, {}), ctx))).toEqual({ status: 200, body: {} });
  });

  it('is read when API Gateway passes it base64-encoded', async () => {
    const encoded = Buffer.from('{"pad":"é"}').toString('base64');
    expect(answer(await echo(event(encoded, { 'content-type': 'application/json' }, true), ctx))).toEqual({ status: 200, body: { pad: 'é' } });
  });

  it('is read as JSON under application/json, whatever its case, with charset=utf-8 or none', async () => {
    for (const type of ['application/json', 'Application/JSON', 'application/json; charset=utf-8', 'application/json;charset=UTF-8', 'application/json; charset="utf-8"']) {
      expect(answer(await echo(event('{"pad":"x"}', { 'content-type': type }), ctx)), type).toEqual({ status: 200, body: { pad: 'x' } });
    }
  });

  it('is refused unread with a 415 naming Content-Type under any other type, or none: a page of another site can send those without asking first', async () => {
    const types = ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/merge-patch+json', 'application/json; charset=latin1', 'json', 'application/json, text/plain', ''];
    const bare = { body: '{"pad":"x"}', isBase64Encoded: false } as unknown as HttpEvent; // no headers at all
    for (const e of [...types.map((t) => event('{"pad":"x"}', { 'content-type': t })), event('{"pad":"x"}', {}), bare]) {
      expect(answer(await echo(e, ctx)), JSON.stringify(e.headers)).toEqual({
        status: 415,
        body: { error: 'UnsupportedMediaType', message: 'unsupported media type', issues: [{ path: 'Content-Type', message: 'send the body as application/json (UTF-8)' }] },
      });
    }
  });

  it('of a form is read under application/x-www-form-urlencoded, with charset=utf-8 or none', async () => {
    for (const type of ['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=UTF-8']) {
      expect(answer(await echoForm(event('pad=a%26b', { 'content-type': type }), ctx)), type).toEqual({ status: 200, body: { pad: 'a&b' } });
    }
  });

  it('of a form is refused unread with a 415 naming Content-Type under any other type, or none, JSON included', async () => {
    const types = ['application/json', 'text/plain', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded; charset=latin1'];
    for (const headers of [...types.map((t): Record<string, string> => ({ 'content-type': t })), {}]) {
      const r = answer(await echoForm(event('pad=x', headers), ctx));
      expect(r, JSON.stringify(headers)).toEqual({
        status: 415,
        body: { error: 'UnsupportedMediaType', message: 'unsupported media type', issues: [{ path: 'Content-Type', message: 'send the body as application/x-www-form-urlencoded (UTF-8)' }] },
      });
    }
  });

  it('is taken up to 64 KiB exactly, and one byte over is a 413 saying so', async () => {
    const of = (bytes: number) => `{"pad":"${'x'.repeat(bytes - '{"pad":""}'.length)}"}`;
    expect(Buffer.byteLength(of(MAX_BODY_BYTES))).toBe(64 * 1024);
    expect((await echo(event(of(MAX_BODY_BYTES)), ctx)).statusCode).toBe(200);
    expect(answer(await echo(event(of(MAX_BODY_BYTES + 1)), ctx))).toEqual({ status: 413, body: { error: 'PayloadTooLarge', message: 'request body too large' } });
  });

  it('that is malformed or invalid is a 400 that says the body is invalid; another value says which', async () => {
    expect(answer(await echo(event('{"pad":'), ctx)).body).toMatchObject({ error: 'InvalidInput', message: 'invalid body' });
    expect(answer(await echo(event('{"email":"nope"}'), ctx)).body).toMatchObject({ error: 'InvalidInput', message: 'invalid body', issues: [{ path: 'email' }] });
    expect(() => parse(z.object({ page: z.string() }), {}, 'query')).toThrow('invalid query');
  });
});

describe('an error at the edge', () => {
  it('of a system we depend on is a 503 asking to come back in 30 seconds', async () => {
    const down = handler(async () => {
      throw new Unavailable('the account service did not answer');
    });
    const r = await down({ headers: {} } as unknown as HttpEvent, ctx);
    expect(r.statusCode).toBe(503);
    expect(r.headers?.['retry-after']).toBe('30');
  });

  it('unknown is a 500 whose body says only that something went wrong on our side', async () => {
    const boom = handler(async () => {
      throw new Error('the table lethe-prod is throttled');
    });
    expect(answer(await boom({ headers: {} } as unknown as HttpEvent, ctx))).toEqual({ status: 500, body: { error: 'internal_error', message: 'Something went wrong on our side.' } });
  });

  it('unknown is logged without its message even when the message reads like a stack frame', async () => {
    const lines: string[] = [];
    const spies = [process.stdout, process.stderr].map((s) => vi.spyOn(s, 'write').mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true)));
    const boom = handler(async () => {
      throw new TypeError('no account for ann.lee@example.com  at the shop'); // the stack's first line repeats it
    });
    try {
      expect((await boom({ headers: {} } as unknown as HttpEvent, ctx)).statusCode).toBe(500);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    expect(lines.join('')).toContain('TypeError');
    expect(lines.join('')).not.toContain('ann.lee');
  });
});
