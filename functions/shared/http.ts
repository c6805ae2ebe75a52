import { MIMEType } from 'node:util';
import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from '../core/zod.ts';
import { BeingSent, DomainError, IdempotencyKeyReused, InvalidInput, PayloadTooLarge, TooManyRequests, Unavailable, UnsupportedMediaType } from '../core/errors.ts';
import { ORIGIN_HEADER, VIEWER_ADDRESS_HEADER } from '../core/edge.ts';
import { pageLanguage, problemPage } from '../core/pages.ts';
import { originSecret, previousOriginSecret } from '../adapters/secrets.ts';
import { sameHash, sha256 } from './crypto.ts';
import { logger } from '../adapters/powertools.ts';
import type { Clock, Sleep } from '../core/ports.ts';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;

/** Requests are small forms and callbacks; anything larger is refused before parsing. */
export const MAX_BODY_BYTES = 64 * 1024;

const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export const json = (statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult => ({
  statusCode,
  headers: { 'content-type': 'application/json; charset=utf-8', ...SECURITY_HEADERS, ...headers },
  body: JSON.stringify(body),
});

/**
 * Pages post to this origin only, and no other site may frame them. `formTargets` names other origins a form's submission may end up
 * at: browsers check form-action against every redirect of the submission too, not just the action.
 */
export const html = (statusCode: number, body: string, headers: Record<string, string> = {}, formTargets: readonly string[] = []): HttpResult => ({
  statusCode,
  headers: {
    'content-type': 'text/html; charset=utf-8',
    // img-src: the site's icon, which browsers load under the page's img-src.
    'content-security-policy': `default-src 'none'; style-src 'self'; img-src 'self'; form-action ${["'self'", ...formTargets].join(' ')}; frame-ancestors 'none'; base-uri 'none'`,
    // As the static pages (infra/constructs/site-headers.ts): no other site frames a confirm or download button.
    'x-frame-options': 'DENY',
    ...SECURITY_HEADERS,
    ...headers,
  },
  body,
});

/**
 * The client's address as CloudFront saw it. API Gateway's sourceIp is CloudFront's edge, shared by
 * every viewer behind it; the viewer's own address comes in CloudFront-Viewer-Address (ip:port, the
 * port after the last colon, IPv6 included). Without it, the request did not come through CloudFront.
 */
export function clientAddress(event: HttpEvent): string {
  const name = VIEWER_ADDRESS_HEADER.toLowerCase();
  const v = Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === name)?.[1];
  const i = v ? v.lastIndexOf(':') : -1;
  return v && i > 0 ? v.slice(0, i) : event.requestContext.http.sourceIp;
}

/**
 * Refuses a request that did not come through CloudFront: the API's own endpoint is disabled, but
 * its custom domain is public, and a caller there could set CloudFront-Viewer-Address itself. The
 * secret header is taken out of the event, so that nothing after this ever logs it.
 */
export function fromCloudFront(secret: () => Promise<string> = () => originSecret(), previous: () => Promise<string | undefined> = () => previousOriginSecret()): middy.MiddlewareObj<HttpEvent, HttpResult> {
  return {
    before: async (request) => {
      const headers = request.event.headers ?? {};
      const given = headers[ORIGIN_HEADER];
      delete headers[ORIGIN_HEADER];
      // Compared as hashes: equal lengths for timingSafeEqual, whatever length was sent.
      const is = (value: string | undefined) => value !== undefined && sameHash(sha256(given as string), sha256(value));
      // The value before a rotation too: CloudFront sends it until the deploy that names the new one has reached every edge.
      if (given && (is(await secret()) || is(await previous()))) return;
      logger.warn('request refused: it did not come through CloudFront');
      return json(403, { error: 'Forbidden', message: 'This API answers only through the site.' });
    },
  };
}

/**
 * Holds every answer of `status` until `floorMs` after the invocation began, so that its time does
 * not tell which path produced it; other answers go at once. Use it first: its before then runs
 * before any other, and its after last.
 */
export function answerNoSoonerThan(floorMs: number, status: number, deps: { clock: Clock; sleep: Sleep }): middy.MiddlewareObj<HttpEvent, HttpResult> {
  // By invocation, not in the closure: a worker of the local runtime runs several at once.
  const began = new WeakMap<object, number>();
  return {
    before: (request) => {
      began.set(request, deps.clock.now().getTime());
    },
    after: async (request) => {
      const start = began.get(request);
      if (start === undefined || request.response?.statusCode !== status) return;
      const wait = start + floorMs - deps.clock.now().getTime();
      if (wait > 0) await deps.sleep(wait);
    },
  };
}

/** `maxBytes` is raised only where a route needs it (processor callbacks carrying export results). */
export function rawBody(event: HttpEvent, maxBytes = MAX_BODY_BYTES): string {
  if (!event.body) return '';
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(text) > maxBytes) throw new PayloadTooLarge('request body too large');
  return text;
}

export function issuesOf(error: z.core.$ZodError) {
  return error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }));
}

/** Parses a value with zod and turns failure into a field-level 400. */
export function parse<T extends z.core.$ZodType>(schema: T, value: unknown, what = 'body'): z.output<T> {
  const r = z.safeParse(schema, value);
  if (!r.success) throw new InvalidInput(`invalid ${what}`, issuesOf(r.error));
  return r.data;
}

/** A header's value parsed with zod; a bad one is a 400 whose issue names the header (parse's, the header as its one field). */
export function parseHeader<T extends z.core.$ZodType>(schema: T, name: string, value: string): z.output<T> {
  return (parse(z.object({ [name]: schema }), { [name]: value }, `${name} header`) as Record<string, z.output<T>>)[name];
}

/** JSON text as a value; malformed JSON is a field-level 400, not a 500. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidInput('invalid body', [{ path: '(body)', message: 'body is not valid JSON' }]);
  }
}

const JSON_TYPE = 'application/json';
const FORM_TYPE = 'application/x-www-form-urlencoded';

/** Whether the event's Content-Type is `type`, in any case, with charset=utf-8 or none (rawBody reads every body as UTF-8). */
function isOfType(event: HttpEvent, type: string): boolean {
  const given = event.headers?.['content-type'];
  if (!given) return false;
  let m: MIMEType;
  try {
    m = new MIMEType(given);
  } catch {
    return false; // no media type at all ("json", a list)
  }
  const charset = m.params.get('charset');
  return m.essence === type && (charset === null || charset.toLowerCase() === 'utf-8');
}

/**
 * The body's text when it is of `type`; none is no body, whatever its type says. Any other type, or
 * none, is a 415 before the body is read: a page of another site may send a POST without the
 * browser's CORS preflight only as text/plain, a form or no type, so a JSON route that read those as
 * JSON would take a body any site can send in its visitors' names.
 */
function bodyOf(event: HttpEvent, type: string): string {
  if (!event.body) return '';
  if (!isOfType(event, type)) throw new UnsupportedMediaType(type);
  return rawBody(event);
}

/** Parses a JSON body (application/json, else a 415); malformed JSON is a 400, not a 500. */
export function parseBody<T extends z.core.$ZodType>(schema: T, event: HttpEvent): z.output<T> {
  const text = bodyOf(event, JSON_TYPE);
  return parse(schema, text ? parseJson(text) : {});
}

/** Parses the body a page's form posts (application/x-www-form-urlencoded, else a 415): a field given twice is its last. */
export function parseForm<T extends z.core.$ZodType>(schema: T, event: HttpEvent): z.output<T> {
  return parse(schema, Object.fromEntries(new URLSearchParams(bodyOf(event, FORM_TYPE))));
}

export const statusOf = (error: unknown): number => (error instanceof DomainError ? error.status : 500);

/**
 * What the 500 path logs of an error: its name, its class and its stack frames, and the message only
 * for our own errors (DomainError), whose words we write. Any other message may quote what the
 * function was handling (Node's JSON.parse quotes its input, an SDK validation error a value), and a
 * privacy request carries an email address; the stack's first line repeats the message, so only the
 * `at …` frames are kept. The name and the frames say what failed and where, which is what an
 * operator needs to find it.
 */
export function loggableError(error: unknown) {
  if (!(error instanceof Error)) return { name: typeof error }; // a thrown string or object: its text is no safer
  const frames = (error.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l)).map((l) => l.trim());
  return { name: error.name, class: error.constructor?.name, ...(error instanceof DomainError ? { message: error.message } : {}), stack: frames };
}

/** The `lang` a page's form posts (the confirmation page's), which says the language the person was reading in. */
function postedLanguage(event: HttpEvent): string | undefined {
  if (!isOfType(event, FORM_TYPE)) return undefined;
  try {
    return new URLSearchParams(rawBody(event)).get('lang') ?? undefined;
  } catch {
    return undefined; // too large to read: the browser's language
  }
}

/**
 * An error on a page a person opened from an email (the confirmation link, the download link): the
 * same status, as a page in their language (`?lang=`, or the `lang` of the form they posted, then the
 * browser's), not as JSON. Given to httpErrors by the functions that serve pages only, so that the
 * others do not bundle the pages.
 */
export const problemPageOf = (ev: HttpEvent, status: number) => problemPage(pageLanguage(ev.queryStringParameters?.lang ?? postedLanguage(ev), ev.headers?.['accept-language']), status);

/**
 * Maps domain errors to HTTP once, at the edge. Anything unknown is a 500 with a generic body.
 * `page`: the page an event answers its error with (problemPageOf), or undefined for JSON.
 */
export function httpErrors({ page }: { page?: (event: HttpEvent, status: number) => string | undefined } = {}): middy.MiddlewareObj<HttpEvent, HttpResult> {
  return {
    onError: async (request) => {
      const error = request.error;
      const status = statusOf(error);
      const ev = request.event;
      const shown = page?.(ev, status);
      const asPage = shown === undefined ? undefined : (headers: Record<string, string> = {}) => html(status, shown, headers);
      if (status === 500) {
        logger.error('unhandled error', { error: loggableError(error) });
        request.response = asPage ? asPage() : json(500, { error: 'internal_error', message: 'Something went wrong on our side.' });
        return;
      }
      const e = error as DomainError;
      const body: Record<string, unknown> = { error: e.name, message: e.message };
      if (e.reason) body.reason = e.reason;
      if (e instanceof InvalidInput) body.issues = e.issues;
      if (e instanceof BeingSent) body.until = e.until;
      if (e instanceof IdempotencyKeyReused && e.requestId) body.requestId = e.requestId;
      const headers: Record<string, string> =
        e instanceof TooManyRequests ? { 'retry-after': String(e.retryAfterSeconds) } : e instanceof Unavailable ? { 'retry-after': '30' } : {};
      logger.info('request refused', { status, error: e.name });
      request.response = asPage ? asPage(headers) : json(status, body, headers);
    },
  };
}
