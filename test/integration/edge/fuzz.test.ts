import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { signWebhook } from '../../../functions/adapters/webhook-signing.ts';
import { addDays, londonDate } from '../../../functions/core/deadline.ts';
import { CancelReason, DenyReason, LiftReason } from '../../../functions/core/notices.ts';
import { AgentProof, Channel, IdentityCheck, Language, ObjectionScope, RequestStatus, RequestType, RetentionBasis } from '../../../functions/core/model.ts';
import { LOCAL_CREDENTIALS } from '../../../local/services/credentials.ts';
import { schemaErrors } from '../../unit/processors/openapi.ts';
import { type Booted, boot, openErasure, until } from '../harness.ts';

/**
 * The rule "bad input gets a 4xx with a field-level message, never a 500, and writes nothing", tried
 * with generated input against every route of the template, through the local front and the
 * deployed bundles: malformed bodies (wrong types, missing and unknown fields, huge strings, lone
 * surrogates and control characters, non-JSON, wrong content types (a good body under one included),
 * arrays, deep nesting, numbers out of range), bad path ids and bad query strings, signed callbacks
 * with malformed bodies, and the admin API with an officer's token. After each, the table holds
 * exactly what it held, no email went, and no function made a write call.
 *
 * Reproduce a failure with the seed and path fast-check prints: FUZZ_SEED=<seed> (and fast-check's
 * `path`, through FUZZ_PATH); FUZZ_RUNS=<n> multiplies every route's runs for a longer search.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_127);
const SCALE = Number(process.env.FUZZ_RUNS ?? 1);
// A longer search takes longer: each route's runs are one test.
vi.setConfig({ testTimeout: 60_000 * Math.max(1, SCALE) });
const options = (numRuns: number) => ({ seed: SEED, numRuns: Math.max(1, Math.round(numRuns * SCALE)), ...(process.env.FUZZ_PATH ? { path: process.env.FUZZ_PATH } : {}) });

let rt: Booted;
let ddb: DynamoDBClient;
let officer: string;
/** A confirmed erasure, waiting on its analytics task (metricsly never answers): writable by a callback and by every officer's action. */
let open: { requestId: string };
/** A request not yet confirmed, and its live link: a good token with a bad form must not confirm it. */
let unconfirmed: { requestId: string; token: string };
/** A complaint not yet responded to. */
let complaintId: string;

beforeAll(async () => {
  rt = await boot();
  ddb = new DynamoDBClient({ endpoint: rt.urls.dynamodb, region: 'eu-west-2', credentials: LOCAL_CREDENTIALS });
  rt.processors.setBehaviour('metricsly', { never: true });
  const [token, { requestId }] = await Promise.all([rt.signIn('officer'), openErasure(rt, 'fuzz.open@example.com')]);
  officer = token;
  open = { requestId };
  expect((await rt.submit({ type: 'erasure', email: 'fuzz.unconfirmed@example.com', language: 'en' })).status).toBe(202);
  const links = await until(() => rt.links('fuzz.unconfirmed@example.com').catch(() => undefined));
  unconfirmed = { requestId: links.requestId, token: links.token };
  const c = await rt.api('/complaints', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'fuzz.complainer@example.com', text: 'Nobody answered my request.', language: 'en' }) });
  expect(c.status).toBe(202);
  complaintId = await until(async () => {
    const list = (await (await admin('GET', '/complaints')).json()) as { items: { id: string; acknowledgedAt?: string }[] };
    return list.items[0]?.acknowledgedAt && list.items[0].id;
  });
  // Everything started above has settled (emails sent, acknowledgements recorded): from here the world holds still.
  let last = '';
  await until(async () => {
    const now = JSON.stringify(await world());
    const still = now === last;
    last = now;
    if (!still) await new Promise((r) => setTimeout(r, 200));
    return still;
  }, 60_000, 'the world holding still');
  // The check of write calls knows each service's writes: the set-up above made DynamoDB's, SES's and Step Functions'.
  const wrote = new Set(rt.lambdas.calls.filter(writes).map((c) => c.service));
  for (const service of ['dynamodb', 'sesv2', 'states']) expect(wrote, service).toContain(service);
  console.info(`fuzz seed ${SEED} (set FUZZ_SEED to change it), runs x${SCALE}`);
  // Booting, an erasure to its waiting task and a complaint to its acknowledgement: the file took 58 s in all
  // alone on two loaded cores, so the default minute for the set-up left little room.
}, 180_000);
afterAll(async () => {
  ddb?.destroy();
  await rt?.stopAndClean();
});

// ---------------------------------------------------------------------------------------------
// What a request may change: the table, the mailbox, and the calls the functions make.

async function world() {
  const items: string[] = [];
  let start: ScanCommand['input']['ExclusiveStartKey'];
  do {
    const page = await ddb.send(new ScanCommand({ TableName: rt.tableName, ConsistentRead: true, ExclusiveStartKey: start }));
    for (const i of page.Items ?? []) items.push(JSON.stringify(i));
    start = page.LastEvaluatedKey;
  } while (start);
  return { items: items.sort(), mails: (await rt.mails()).length };
}

/** A call that writes, whichever function made it: DynamoDB's writes, SES's sends, S3's puts and deletes, Step Functions' starts, stops and answers. */
const writes = (c: { service: string; method: string; target?: string; path: string }) =>
  (c.service === 'dynamodb' && /\.(PutItem|UpdateItem|DeleteItem|BatchWriteItem|TransactWriteItems)$/.test(c.target ?? '')) ||
  (c.service === 'states' && !/\.(Describe|List|Get)\w*$/.test(c.target ?? '')) ||
  (['sesv2', 's3'].includes(c.service) && !['GET', 'HEAD'].includes(c.method));

type Kind = 'json' | 'page';
type Call = { method: string; path: string; headers?: Record<string, string>; body?: string; kind: Kind; expect: readonly number[] };

const keyOf = (item: string) => {
  const i = JSON.parse(item) as { pk: { S: string }; sk: { S: string } };
  return `${i.pk.S} ${i.sk.S}`;
};

/**
 * Sends one bad call and checks the rule: an expected 4xx (never a 5xx), the API's error shape with
 * field-level issues on a 400 (a page for a person on the page routes), and nothing changed.
 */
async function refused(call: Call) {
  const before = await world();
  const calls = rt.lambdas.calls.length;
  const r = await fetch(`${rt.urls.api}${call.path}`, { method: call.method, headers: call.headers, body: call.body });
  const text = await r.text();
  const what = `${call.method} ${call.path.slice(0, 200)} answered ${r.status}: ${text.slice(0, 300)}`;
  expect(r.status, what).toBeLessThan(500);
  expect(call.expect, what).toContain(r.status);
  if (call.kind === 'page') {
    expect(r.headers.get('content-type'), what).toMatch(/^text\/html/);
    expect(text, what).toMatch(/<html lang="(fr|en)">/);
  } else if (r.status >= 400) {
    const body = JSON.parse(text) as { error: string; issues?: { path: string; message: string }[] };
    expect(schemaErrors('Error', body), what).toEqual([]);
    if (r.status === 400) {
      expect(body.error, what).toBe('InvalidInput');
      expect(body.issues?.length, what).toBeGreaterThan(0);
      for (const i of body.issues ?? []) {
        // The field's name, or (body); empty only for a key the body itself named "".
        expect(i.path.length > 0 || (call.body ?? '').includes('"":'), what).toBe(true);
        expect(i.message.length, what).toBeGreaterThan(0);
      }
    }
  }
  const after = await world();
  const added = after.items.filter((i) => !before.items.includes(i)).map(keyOf);
  const removed = before.items.filter((i) => !after.items.includes(i)).map(keyOf);
  expect({ added, removed, mails: after.mails - before.mails }, `${what}\nchanged the table or mailed`).toEqual({ added: [], removed: [], mails: 0 });
  const made = rt.lambdas.calls.slice(calls).filter(writes).map((c) => `${c.fn}: ${c.target ?? `${c.method} ${c.path}`}`);
  expect(made, `${what}\nmade write calls`).toEqual([]);
}

// ---------------------------------------------------------------------------------------------
// Bad values. Each arbitrary of a field gives only values its schema refuses, so that any body
// with one of them is bad input, whatever else it holds.

/** Text put verbatim into the JSON sent: what JSON.stringify cannot write (1e999, nesting deeper than its stack). */
class Raw {
  constructor(readonly text: string) {}
}
const NONCE = randomBytes(6).toString('hex');
function serialize(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_k, v) => (v instanceof Raw ? `__raw_${NONCE}_${raws.push(v.text) - 1}__` : v));
  return (text ?? 'null').replace(new RegExp(`"__raw_${NONCE}_(\\d+)__"`, 'g'), (_, i: string) => raws[Number(i)]);
}

const lone = fc.constantFrom('\uD800', '\uDBFF', '\uDC00', '\uDFFF');
const control = fc.oneof(fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)), fc.constantFrom('\u007f', '\u0085', '\u2028', '\u2029', '\u200b', '\ufeff', '\u202e'));
const ascii = fc.string({ unit: 'grapheme-ascii', maxLength: 12 });
/** Any text at all: control characters, lone surrogates, astral characters. */
const anyText = fc.string({ unit: fc.oneof({ arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), weight: 3 }, control, lone), maxLength: 40 });
/** The text a URL or a header can carry: lone surrogates as U+FFFD, as a browser sends them. */
const wellFormed = (s: string) => s.replace(/\p{Cs}/gu, '\uFFFD');
/** A text holding a lone surrogate (ASCII around it, so it cannot pair up). */
const withLone = fc.tuple(ascii, lone, ascii, anyText).map(([a, s, b, c]) => `${a}${s}${b}${c.replace(/\p{Cs}/gu, '')}`);
const outOfRange = fc.constantFrom(new Raw('1e999'), new Raw('-1e999'), new Raw('123456789012345678901234567890'), new Raw('-0'), new Raw('1E-400'), 2 ** 53 + 2, -(2 ** 63), Number.MAX_VALUE, Number.MIN_VALUE);
const deep = fc.oneof(
  fc.integer({ min: 50, max: 20_000 }).map((n) => new Raw(`${'['.repeat(n)}${']'.repeat(n)}`)),
  fc.integer({ min: 50, max: 8_000 }).map((n) => new Raw(`${'{"a":'.repeat(n)}1${'}'.repeat(n)}`)),
);
const json = fc.jsonValue({ maxDepth: 2 });
const notStringNorNull = fc.oneof(fc.integer(), fc.double(), fc.boolean(), outOfRange, fc.array(json, { maxLength: 3 }), fc.dictionary(anyText, json, { maxKeys: 3 }), deep);
const notString = fc.oneof(notStringNorNull, fc.constant(null));
const notObject = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), anyText, outOfRange, fc.array(json, { maxLength: 3 }), deep);
const notBoolean = fc.oneof(fc.integer(), fc.constant(null), anyText, outOfRange, fc.array(json, { maxLength: 3 }), fc.dictionary(anyText, json, { maxKeys: 2 }), fc.constantFrom('true', 'false', 0, 1));
/** Longer than `max` characters once trimmed (zod counts a string's length in code points, as a person counts characters: an emoji is one). */
const tooLong = (max: number) => fc.tuple(fc.integer({ min: max + 1, max: max + 3_000 }), fc.constantFrom('x', 'é', '😀', 'a\u0007')).map(([n, c]) => c.repeat(Math.ceil(n / [...c].length)));
/** A free text refused: not a string, too long, a lone surrogate, or shorter than `min` once trimmed. */
const badText = (max: number, min = 0) => fc.oneof(notString, tooLong(max), withLone, ...(min > 0 ? [fc.tuple(fc.string({ maxLength: min - 1, unit: fc.constantFrom('a', 'é', '1') }), fc.constantFrom('', ' ', '\n\t ')).map(([s, w]) => `${w}${s}${w}`)] : []));
const badEnum = (options: readonly string[]) => fc.oneof(notString, fc.oneof(anyText, fc.constantFrom(...options.map((o) => o.toUpperCase()), ...options.map((o) => ` ${o}`), '', '*', 'null')).filter((s) => !options.includes(s)));
const badEmail = fc.oneof(notString, fc.oneof(anyText.filter((s) => !s.includes('@')), fc.constantFrom('@', 'a@', '@b.c', 'a@@b.c', 'a b@c.d', 'a@b', '"a"@b.c', 'a@b.c\n'), withLone.map((s) => `${s}@example.com`), tooLong(260).map((s) => `${s}@example.com`)));
const badDate = fc.oneof(notString, fc.constantFrom('2026-02-30', '2026-13-01', '2026-1-1', '26-01-01', '2026/01/01', '2026-01-01T00:00:00Z', 'today', '', '9999-99-99', '+02026-01-01', '2026-01-01 '), anyText.filter((s) => !/^\d{4}-\d{2}-\d{2}$/.test(s)));
const badUlid = fc.oneof(notString, fc.constantFrom('01JQ0000000000000000000000X', '01JQ000000000000000000000', '01JQ00000000000000000000I0', '01JQ00000000000000000000L0', '01JQ00000000000000000000U0', '01JQ0000000000000000000-00'), anyText.filter((s) => s.trim() !== '' && !/^[0-9A-HJKMNP-TV-Z]{26}$/i.test(s.trim())));
/** A key no schema here knows. */
const unknownKey = (known: readonly string[]) => fc.oneof(anyText, fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', '', ' ', 'exportDestination', 'url', 'Type', 'EMAIL')).filter((k) => !known.includes(k));

type Spec = {
  /** A body the route would take. */
  base: Record<string, unknown>;
  /** For each field, values its schema refuses. */
  bad: Record<string, fc.Arbitrary<unknown>>;
  /** Fields without which the body is refused. */
  required: readonly string[];
  /** Every key the body may hold: any other is refused. */
  known: readonly string[];
};
type Mutation = { set: string; value: unknown } | { drop: string };

/** The base body with one to three mutations, each of which the schema refuses on its own. */
const badObject = (s: Spec): fc.Arbitrary<Record<string, unknown>> => {
  const one = fc.oneof(
    ...Object.entries(s.bad).map(([k, arb]) => arb.map((value): Mutation => ({ set: k, value }))),
    ...(s.required.length ? [fc.constantFrom(...s.required).map((k): Mutation => ({ drop: k }))] : []),
    fc.tuple(unknownKey(s.known), fc.oneof({ weight: 4, arbitrary: json }, deep, outOfRange)).map(([k, value]): Mutation => ({ set: k, value })),
  );
  return fc.array(one, { minLength: 1, maxLength: 3 }).map((ms) => {
    const o: Record<string, unknown> = { ...s.base };
    for (const m of ms) {
      if ('drop' in m) delete o[m.drop];
      else Object.defineProperty(o, m.set, { value: m.value, enumerable: true, writable: true, configurable: true });
    }
    return o;
  });
};

const WRONG_TYPES = ['text/plain', 'application/xml', 'application/json; charset=latin1', 'multipart/form-data; boundary=x', 'application/octet-stream', 'APPLICATION/JSON', 'application/x-www-form-urlencoded', 'image/png'];
/** Of the types sent, those a JSON route reads as JSON (a media type's case does not matter); under any other it answers 415 unread. */
const READ_AS_JSON = ['application/json', 'APPLICATION/JSON'];
/** What a JSON route answers a bad body sent under `type`: a 400 (or 413) under its own type, else a 415 before the body is read. */
const refusedAs = (type: string) => (READ_AS_JSON.includes(type) ? [400, 413] : [415]);

/**
 * A bad JSON body as sent: the bad object, or a body that is not one at all, as JSON or under another
 * content type, or text that is not JSON, or a good body under another content type. `emptyOk`: the
 * route takes an empty body (every field optional). `signed`: the route reads the signed bytes as JSON
 * whatever their content type (a callback), so a good body under another type is no bad input there,
 * and it is sent as text that is no JSON; elsewhere it is sent as it is, and must be refused (415, refusedAs).
 */
const badJsonBody = (s: Spec, o: { emptyOk?: boolean; signed?: boolean } = {}) => {
  const base = serialize(s.base);
  const notAnObject = fc.oneof(fc.array(json, { maxLength: 3 }), anyText, fc.integer(), fc.boolean(), fc.constant(null), outOfRange, deep, fc.constant([s.base]));
  const notJson = fc.oneof(
    fc.integer({ min: 1, max: base.length - 1 }).map((n) => base.slice(0, n)),
    fc.constantFrom(`${base}x`, `${base},`, base.replaceAll('"', "'"), `\ufeff${base}`, `${base}${base}`, base.replace(/"(\w+)":/g, '$1:'), '{', '}', '{"a":}', 'undefined', 'NaN', '{"__proto__":'),
    anyText.filter((t) => {
      try {
        const v = JSON.parse(t);
        return !(v && typeof v === 'object' && !Array.isArray(v));
      } catch {
        return true;
      }
    }).filter((t) => o.emptyOk !== true || t !== ''),
  );
  // The same key twice: JSON.parse keeps the last, a bad value.
  const twice = Object.keys(s.bad).length ? fc.constantFrom(...Object.keys(s.bad)).chain((k) => s.bad[k].map((v) => `${base.slice(0, -1)},${JSON.stringify(k)}:${serialize(v)}}`)) : fc.constant('{');
  const huge = fc.constantFrom(...(Object.keys(s.bad).length ? Object.keys(s.bad) : ['x'])).map((k) => serialize({ ...s.base, [k]: 'x'.repeat(70_000) }));
  return fc.oneof(
    { weight: 8, arbitrary: fc.tuple(badObject(s), fc.constantFrom('application/json', 'application/json', 'application/json', ...WRONG_TYPES)).map(([b, type]) => ({ body: serialize(b), type })) },
    { weight: 2, arbitrary: fc.tuple(notAnObject, fc.constantFrom('application/json', ...WRONG_TYPES)).map(([b, type]) => ({ body: serialize(b), type })) },
    { weight: 2, arbitrary: notJson.map((body) => ({ body, type: 'application/json' })) },
    { weight: 1, arbitrary: twice.map((body) => ({ body, type: 'application/json' })) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...WRONG_TYPES.filter((t) => !READ_AS_JSON.includes(t))), fc.constant(base)).map(([type, body]) => ({ body: o.signed ? `<${body}>` : body, type })) },
    { weight: 1, arbitrary: huge.map((body) => ({ body, type: 'application/json' })) },
  );
};

const withType = (type: string, extra: Record<string, string> = {}): Record<string, string> => ({ ...(type ? { 'content-type': type } : {}), ...extra });
const bearer = () => ({ authorization: `Bearer ${officer}` });
const admin = (method: string, path: string, body?: unknown) =>
  rt.api(`/admin${path}`, { method, headers: { 'content-type': 'application/json', ...bearer() }, body: body === undefined ? undefined : JSON.stringify(body) });

// ---------------------------------------------------------------------------------------------
// The public forms.

const agentSpec: Spec = {
  base: { name: 'Ann Agent', email: 'ann.agent@example.com', relationship: 'solicitor', proof: 'signed_authority' },
  bad: { name: badText(200, 1), email: badEmail, relationship: badEnum(['solicitor', 'parent', 'other']), proof: badEnum(AgentProof.options) },
  required: ['name', 'email', 'relationship', 'proof'],
  known: ['name', 'email', 'relationship', 'proof'],
};
const rectificationSpec: Spec = {
  base: { field: 'name', correction: 'Jane Doe' },
  bad: { field: badText(200, 1), correction: badText(2000, 1) },
  required: ['field', 'correction'],
  known: ['field', 'correction'],
};
const SUBMIT_KEYS = ['type', 'email', 'language', 'name', 'orderNumber', 'eraseWarranty', 'rectification', 'objections', 'agent'];
const submitSpec: Spec = {
  base: { type: 'erasure', email: 'fuzz.form@example.com', language: 'en', name: 'Fuzz Form', orderNumber: 'OF-1001' },
  bad: {
    type: badEnum(RequestType.options),
    email: badEmail,
    language: badEnum(Language.options),
    name: badText(200, 1),
    orderNumber: fc.oneof(notString, fc.tuple(fc.constantFrom('A', '1', ''), fc.constantFrom(' ', '_', '#', 'é', '/', '\u0000', '\uD800', '.'), fc.constantFrom('B', '2')).map(([a, b, c]) => `${a}${b}${c}`), fc.constant('A'.repeat(41)), fc.constantFrom('', '   ')),
    eraseWarranty: notBoolean,
    rectification: fc.oneof(notObject, badObject(rectificationSpec)),
    objections: fc.oneof(notStringNorNull.filter((v) => !Array.isArray(v)), fc.constant(null), fc.constant([]), fc.array(badEnum(ObjectionScope.options), { minLength: 1, maxLength: 3 }), fc.constant(['marketing', 'reviews', 'profiling', 'marketing'])),
    agent: fc.oneof(notObject, badObject(agentSpec)),
  },
  required: ['type', 'email'],
  known: SUBMIT_KEYS,
};
const complaintSpec: Spec = {
  base: { email: 'fuzz.complaint@example.com', name: 'Fuzz', requestId: '01JQ7ZK3V4M8Q2W5E6R7T8Y9AB', text: 'Nobody answered my request.', language: 'en' },
  bad: { email: badEmail, name: fc.oneof(notString, tooLong(200), withLone), requestId: badUlid, text: badText(5000, 10), language: badEnum(Language.options) },
  required: ['email', 'text'],
  known: ['email', 'name', 'requestId', 'text', 'language'],
};

describe('the public forms', () => {
  it('refuses every malformed privacy form with a field-level 400 (or 413), and one under another content type with a 415, writing and mailing nothing', async () => {
    const languages = fc.option(fc.constantFrom('en-GB,en;q=0.9', 'fr', '*', 'xx', '\t', 'en;q=abc'), { nil: undefined });
    await fc.assert(
      fc.asyncProperty(badJsonBody(submitSpec), languages, async ({ body, type }, lang) =>
        refused({ method: 'POST', path: '/requests', headers: withType(type, lang ? { 'accept-language': lang } : {}), body, kind: 'json', expect: refusedAs(type) }),
      ),
      options(70),
    );
  });

  it('refuses every malformed complaint with a field-level 400 (or 413), and one under another content type with a 415, writing and mailing nothing', async () => {
    await fc.assert(
      fc.asyncProperty(badJsonBody(complaintSpec), async ({ body, type }) => refused({ method: 'POST', path: '/complaints', headers: withType(type), body, kind: 'json', expect: refusedAs(type) })),
      options(50),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The requester's links: the confirmation, the status page, the download.

/** A path segment that is no request's id, encoded as a browser would send it (a lone surrogate as U+FFFD, as a URL cannot hold one). */
const badId = fc.oneof(
  anyText.filter((s) => s !== '' && s !== '.' && s !== '..'),
  fc.constantFrom('01JQ7ZK3V4M8Q2W5E6R7T8Y9AB', '01jq7zk3v4m8q2w5e6r7t8y9ab', 'A'.repeat(26), '_'.repeat(26), 'a'.repeat(300), '%', '%00', '..%2F..', 'null', '0', '-1', '1e999'),
).map((s) => encodeURIComponent(wellFormed(s)));
const badToken = fc.oneof(anyText, fc.constantFrom('A'.repeat(43), 'A'.repeat(42), 'A'.repeat(44), '-'.repeat(43), 'x'.repeat(5000), '', ' '), fc.string({ unit: fc.constantFrom('A', 'z', '0', '-', '_'), minLength: 43, maxLength: 43 }));
/** A query string; now and then with bytes that are not UTF-8, which the URL's parser reads as U+FFFD. */
const query = (params: [string, string][]) => {
  const q = new URLSearchParams(params).toString();
  return q ? `?${q}` : '';
};
const notUtf8 = fc.constantFrom('%ED%A0%80', '%FF', '%C3%28', '%', '%%', '%E2%82', '%00');
const anyParams = fc.array(fc.tuple(fc.oneof(anyText, fc.constantFrom('token', 'lang', 'id', '__proto__')), anyText), { maxLength: 3 });

describe("the requester's links", () => {
  it('answers a status asked with a bad id or token 404, and the page of a bad link 410, changing nothing', async () => {
    const status = fc.tuple(fc.oneof(badId, fc.constant('')).map((id) => id || open.requestId), fc.option(badToken, { nil: undefined }), fc.option(anyText.map((t) => t.replace(/[^\x20-\x7e]/g, '')), { nil: undefined }), anyParams).map(([id, token, auth, extra]) => ({
      method: 'GET',
      path: `/requests/${id}/status${query([...(token === undefined ? [] : [['token', token] as [string, string]]), ...extra])}`,
      headers: (auth === undefined ? {} : { authorization: `Bearer ${auth}` }) as Record<string, string>,
      kind: 'json' as const,
      expect: [404],
    }));
    const page = fc.tuple(badToken, fc.option(anyText, { nil: undefined }), anyParams).map(([token, lang, extra]) => ({
      method: 'GET',
      path: `/verify${query([['token', token], ...(lang === undefined ? [] : [['lang', lang] as [string, string]]), ...extra])}`,
      kind: 'page' as const,
      expect: [410],
    }));
    const raw = fc.tuple(fc.constantFrom(`/requests/${open.requestId}/status?token=`, '/verify?token=', `/verify?token=${unconfirmed.token}&lang=`), notUtf8, anyText.map((t) => encodeURIComponent(wellFormed(t)))).map(([path, bytes, more]) => ({
      method: 'GET',
      path: `${path}${path.includes('lang=') ? '' : more}${bytes}`,
      kind: (path.startsWith('/verify') ? 'page' : 'json') as Kind,
      // The live link with an unreadable lang shows its page (in the request's language): it changes nothing either.
      expect: path.includes('lang=') ? [200] : path.startsWith('/verify') ? [410] : [404],
    }));
    await fc.assert(fc.asyncProperty(fc.oneof({ weight: 5, arbitrary: status }, { weight: 5, arbitrary: page }, { weight: 1, arbitrary: raw }), refused), options(50));
  });

  it('refuses a malformed confirmation, the live link with a bad form included, without confirming anything', async () => {
    const form = (pairs: [string, string][]) => new URLSearchParams(pairs).toString();
    const tooLongPassword = tooLong(200).map((p) => ['password', p] as [string, string]);
    const confirmation = fc.oneof(
      // A token that is none: malformed (400) or of the right shape and unknown (410).
      fc.tuple(badToken, fc.option(anyText, { nil: undefined }), anyParams).map(([token, password, extra]) => form([['token', token], ...(password === undefined ? [] : [['password', password] as [string, string]]), ...extra])),
      // The live link with a password over the limit: refused before the link is looked at.
      fc.tuple(tooLongPassword, anyParams).map(([pw, extra]) => form([['token', unconfirmed.token], pw, ...extra.filter(([k]) => k !== 'password')])),
      // No token at all.
      anyParams.map((extra) => form(extra.filter(([k]) => k !== 'token'))),
      // The live link with a field its form does not have (it posts token, lang and password): refused, confirming nothing.
      fc
        .tuple(fc.option(fc.constantFrom('fr', 'en'), { nil: undefined }), fc.array(fc.tuple(unknownKey(['token', 'password', 'lang']), anyText), { minLength: 1, maxLength: 2 }))
        .map(([lang, extra]) => form([['token', unconfirmed.token], ...(lang === undefined ? [] : [['lang', lang] as [string, string]]), ...extra])),
    );
    const FORM = 'application/x-www-form-urlencoded';
    const type = fc.constantFrom(FORM, FORM, 'application/json', 'text/plain', '');
    // A body that is no form's type is a 415 page before it is read; no body at all is a form without a token.
    const post = fc.tuple(confirmation, type).map(([body, t]) => ({ method: 'POST', path: '/verify', headers: withType(t), body, kind: 'page' as const, expect: t === FORM || body === '' ? [400, 410, 413] : [415] }));
    // The live link's own form, good as it is, under another type than a form's: refused unread.
    const retyped = fc
      .tuple(fc.constantFrom(form([['token', unconfirmed.token]]), form([['token', unconfirmed.token], ['lang', 'en']])), fc.constantFrom('application/json', 'text/plain', 'text/plain;charset=UTF-8', 'multipart/form-data; boundary=x', ''))
      .map(([body, t]) => ({ method: 'POST', path: '/verify', headers: withType(t), body, kind: 'page' as const, expect: [415] }));
    const huge = fc.constant({ method: 'POST', path: '/verify', headers: withType('application/x-www-form-urlencoded'), body: `token=${unconfirmed.token}&password=${'x'.repeat(70_000)}`, kind: 'page' as const, expect: [413] });
    await fc.assert(fc.asyncProperty(fc.oneof({ weight: 12, arbitrary: post }, { weight: 2, arbitrary: retyped }, { weight: 1, arbitrary: huge }), refused), options(50));
    // The live link still confirms: the refusals above left it as it was.
    expect((await rt.api(`/verify?token=${unconfirmed.token}`)).status).toBe(200);
  });

  it('answers a download page or download with a bad id, token or form with a page, never a 500, changing nothing', async () => {
    const id = fc.oneof(badId, fc.constant(open.requestId));
    const get = fc.tuple(id, fc.option(badToken, { nil: undefined }), fc.option(anyText, { nil: undefined }), anyParams).map(([i, token, lang, extra]) => ({
      method: 'GET',
      path: `/exports/${i}${query([...(token === undefined ? [] : [['token', token] as [string, string]]), ...(lang === undefined ? [] : [['lang', lang] as [string, string]]), ...extra])}`,
      kind: 'page' as const,
      expect: [400, 404],
    }));
    const post = fc.tuple(id, fc.oneof(badToken.map((t) => [['token', t]] as [string, string][]), anyParams), fc.constantFrom([], [['renew', '1']], [['renew', 'yes']]) as fc.Arbitrary<[string, string][]>, fc.constantFrom('application/x-www-form-urlencoded', 'application/json', 'text/plain')).map(([i, pairs, renew, t]) => {
      const body = new URLSearchParams([...pairs, ...renew]).toString();
      // A body under another type than a form's is a 415 page unread; a path id that is none, a 400 before the body is looked at.
      return { method: 'POST', path: `/exports/${i}`, headers: withType(t), body, kind: 'page' as const, expect: t === 'application/x-www-form-urlencoded' || body === '' ? [400, 404, 413] : [400, 415] };
    });
    await fc.assert(fc.asyncProperty(fc.oneof(get, post), refused), options(40));
  });
});

// ---------------------------------------------------------------------------------------------
// The processors' callbacks and the shop's suppression check, signed.

const secretOf = (ref: string) => (rt.secrets.get(ref) as { secrets: string[] }).secrets;
const taskOf = () => `${open.requestId}.metricsly`;

describe('signed calls', () => {
  it('refuses a correctly signed callback with a malformed body with a field-level 400 (or 413), leaving the waiting task as it was', async () => {
    const holds = fc.oneof(notObject.filter((v) => !Array.isArray(v)), fc.constant([]), fc.constant([{ legal_basis: 'legal_claims', retained_until: null }, { legal_basis: 'legal_obligation', retained_until: null }]), fc.constant([{ legal_basis: 'accounting', retained_until: null }]), fc.array(fc.record({ legal_basis: badEnum(RetentionBasis.options), retained_until: fc.oneof(badDate.filter((d) => d !== null), fc.constant(null)) }), { minLength: 1, maxLength: 1 }));
    const common = { task_id: fc.oneof(notString, anyText.filter((t) => t !== taskOf()), fc.constantFrom(`${open.requestId}.paynow`, open.requestId, `${taskOf()} `)), request_status: badEnum(['in_progress', 'completed', 'not_found', 'failed', 'retained']), receipt: fc.oneof(notStringNorNull, tooLong(2000), withLone) };
    const spec = (base: Record<string, unknown>, bad: Record<string, fc.Arbitrary<unknown>>, known: string[]): Spec => ({ base: { task_id: taskOf(), ...base, receipt: 'R-1' }, bad: { ...common, ...bad }, required: ['task_id', 'request_status', ...Object.keys(bad).filter((k) => !['results', 'results_url', 'third_party_data', 'additional_holds'].includes(k))], known: ['task_id', 'request_status', 'receipt', ...known] });
    const specs = [
      spec({ request_status: 'not_found' }, {}, []),
      spec({ request_status: 'in_progress' }, {}, []),
      spec({ request_status: 'failed', reason: 'Our API is down' }, { reason: badText(1000, 1) }, ['reason']),
      spec({ request_status: 'retained', legal_basis: 'accounting', retained_until: '2032-11-30' }, { legal_basis: badEnum(RetentionBasis.options), retained_until: badDate.filter((d) => d !== null), additional_holds: holds }, ['legal_basis', 'retained_until', 'additional_holds']),
      spec({ request_status: 'completed', results_url: 'https://files.example/r.json', third_party_data: false }, { results_url: fc.oneof(notString, fc.constantFrom('http://files.example/r.json', 'https://user:pw@files.example/r', 'ftp://files.example', 'files.example/r', '', 'https://', 'javascript:alert(1)')), third_party_data: notBoolean }, ['results', 'results_url', 'third_party_data']),
    ];
    // Now and then a webhook-id over the contract's 200 characters, which keys the receipt: a 400 naming it, whatever the body.
    const longId = fc.oneof({ weight: 7, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('a', 'Z', '_', '-', '.', ':'), minLength: 201, maxLength: 400 }) });
    const signed = fc.tuple(fc.oneof(...specs.map((s) => badJsonBody(s, { signed: true }))), longId).map(([{ body, type }, longId]) => ({
      method: 'POST',
      path: `/callbacks/${taskOf()}`,
      headers: withType(type, signWebhook(longId ?? `fuzz_${randomBytes(8).toString('hex')}`, body, secretOf('lethe/processors/metricsly'))),
      body,
      kind: 'json' as const,
      expect: [400, 413],
    }));
    // Not signed with the processor's key, stale, or to a task id that is none: 401 before the body is read.
    const unsigned = fc.tuple(fc.oneof(fc.constant(taskOf()), badId), fc.constantFrom('wrong key', 'stale', 'none', 'other processor'), badJsonBody(specs[0])).map(([task, how, { body, type }]) => {
      const id = `fuzz_${randomBytes(8).toString('hex')}`;
      const headers =
        how === 'none' ? {} : how === 'stale' ? signWebhook(id, body, secretOf('lethe/processors/metricsly'), new Date(Date.now() - 600_000)) : how === 'other processor' ? signWebhook(id, body, secretOf('lethe/processors/paynow')) : signWebhook(id, body, [`whsec_${randomBytes(24).toString('base64')}`]);
      return { method: 'POST', path: `/callbacks/${task}`, headers: withType(type, headers), body, kind: 'json' as const, expect: [401] };
    });
    await fc.assert(fc.asyncProperty(fc.oneof({ weight: 5, arbitrary: signed }, { weight: 1, arbitrary: unsigned }), refused), options(80));
  });

  it("refuses the shop's correctly signed suppression check with a malformed body with a field-level 400", async () => {
    const spec: Spec = { base: { email: 'someone@example.com', purpose: 'reviews' }, bad: { email: badEmail, purpose: badEnum(ObjectionScope.options) }, required: ['email', 'purpose'], known: ['email', 'purpose'] };
    const signed = badJsonBody(spec, { signed: true }).map(({ body, type }) => ({ method: 'POST', path: '/suppression/check', headers: withType(type, signWebhook(`chk_${randomBytes(6).toString('hex')}`, body, secretOf('lethe/shop'))), body, kind: 'json' as const, expect: [400, 413] }));
    await fc.assert(fc.asyncProperty(signed, refused), options(20));
  });
});

// ---------------------------------------------------------------------------------------------
// The admin API, with an officer's token.

const PROCESSORS = (JSON.parse(readFileSync(new URL('../../../config/processors.json', import.meta.url), 'utf8')) as { processors: { id: string }[] }).processors.map((p) => p.id);
/** A London date `days` from today, as the admin API's date fields take it (bases that a bad id, not a bad date, makes fail). */
const day = (days: number) => addDays(londonDate(new Date()), days);

const note = (max: number) => badText(max, 3);
const ACTIONS: Record<string, Spec & { emptyOk?: boolean }> = {
  extend: { base: { reason: 'A complex request' }, bad: { reason: note(1000) }, required: ['reason'], known: ['reason'] },
  deny: { base: { reason: 'excessive', note: 'Asked five times this week.' }, bad: { reason: badEnum(DenyReason.options), note: fc.oneof(notString, tooLong(1000), withLone) }, required: ['reason'], known: ['reason', 'note'] },
  cancel: { base: { reason: 'duplicate_request' }, bad: { reason: badEnum(CancelReason.options) }, required: ['reason'], known: ['reason'] },
  owner: { base: { owner: 'officer' }, bad: { owner: fc.oneof(notStringNorNull, fc.constantFrom('', ' ', 'a b', 'x'.repeat(65), 'ann/smith', 'é', '\u0000'), withLone) }, required: ['owner'], known: ['owner'] },
  notes: { base: { text: 'Called the requester back.' }, bad: { text: note(2000) }, required: ['text'], known: ['text'] },
  pause: { base: { needed: 'Which of your two accounts do you mean?' }, bad: { needed: badText(1000, 10) }, required: ['needed'], known: ['needed'] },
  resume: { base: { answeredOn: day(0) }, bad: { answeredOn: badDate }, required: [], known: ['answeredOn'], emptyOk: true },
  approve: {
    base: { corrections: { name: 'Jane Doe' }, uncorrected: 'The phone number is right.' },
    bad: { corrections: fc.oneof(notObject, fc.constant({}), fc.dictionary(unknownKey(['email', 'name', 'postal_address', 'phone']), fc.constant('x'), { minKeys: 1, maxKeys: 2 }), fc.record({ name: badText(500, 1) })), uncorrected: badText(1000, 1) },
    required: [],
    known: ['corrections', 'uncorrected'],
    emptyOk: true,
  },
  'lift-restriction': { base: { reason: 'other', liftOn: day(10), note: 'The accuracy was checked.' }, bad: { reason: badEnum(LiftReason.options), liftOn: badDate, note: fc.oneof(notString, tooLong(1000), withLone) }, required: ['reason', 'liftOn'], known: ['reason', 'liftOn', 'note'] },
};
const resolveSpecs: Spec[] = [
  { base: { outcome: 'completed', note: 'Done by phone.' }, bad: { outcome: badEnum(['completed', 'not_found', 'retained']), note: note(2000) }, required: ['outcome', 'note'], known: ['outcome', 'note'] },
  {
    base: { outcome: 'retained', note: 'Kept for the accounts.', basis: 'accounting', until: day(7 * 365) },
    bad: { outcome: badEnum(['completed', 'not_found', 'retained']), note: note(2000), basis: badEnum(RetentionBasis.options), until: badDate },
    required: ['outcome', 'note', 'basis', 'until'],
    known: ['outcome', 'note', 'basis', 'until'],
  },
];
const logSpec: Spec = {
  base: { request: { type: 'erasure', email: 'fuzz.logged@example.com' }, channel: 'phone', identityCheck: 'account_questions', receivedOn: day(-1) },
  bad: {
    request: fc.oneof(notObject, badObject({ ...submitSpec, base: { type: 'erasure', email: 'fuzz.logged@example.com' } })),
    channel: badEnum(Channel.options),
    identityCheck: badEnum(IdentityCheck.options),
    agent: fc.oneof(notObject, fc.record({ relationship: badEnum(['solicitor', 'parent', 'attorney', 'other']), proof: fc.constant('court_order') }), fc.constant({ relationship: 'parent' })),
    receivedOn: badDate,
  },
  required: ['request', 'channel', 'identityCheck'],
  known: ['request', 'channel', 'identityCheck', 'agent', 'receivedOn'],
};

describe('the admin API, with an officer’s token', () => {
  it("refuses every malformed body to an officer's action on an open request with a field-level 400, and one under another content type with a 415, acting on nothing", async () => {
    const action = fc.constantFrom(...Object.keys(ACTIONS)).chain((name) =>
      badJsonBody(ACTIONS[name], { emptyOk: ACTIONS[name].emptyOk }).map(({ body, type }) => ({ path: `/admin/requests/${open.requestId}/${name}`, body, type })),
    );
    const resolve = fc.oneof(...resolveSpecs.map((s) => badJsonBody(s))).map(({ body, type }) => ({ path: `/admin/requests/${open.requestId}/tasks/metricsly/resolve`, body, type }));
    const respond = badJsonBody({ base: { outcome: 'We answered by letter.' }, bad: { outcome: note(500) }, required: ['outcome'], known: ['outcome'] }).map(({ body, type }) => ({ path: `/admin/complaints/${complaintId}/respond`, body, type }));
    const search = badJsonBody({
      base: { q: 'someone@example.com' },
      bad: { q: fc.oneof(notString, fc.constantFrom('', '   ', '@', 'a@', 'a b', 'OF 1001', '#1', 'x'.repeat(41), `${'x'.repeat(250)}@example.com`, 'é'), withLone) },
      required: ['q'],
      known: ['q'],
    }).map(({ body, type }) => ({ path: '/admin/search', body, type }));
    const badKey = fc.constantFrom('short', 'x'.repeat(129), 'not a key!', '"quoted but short"', '', 'a'.repeat(15), '\u00e9'.repeat(20));
    const log = fc.oneof(
      fc.tuple(badJsonBody(logSpec), fc.option(badKey, { nil: undefined })).map(([{ body, type }, key]) => ({ path: '/admin/requests', body, type, key })),
      // A request the officer may log, under an Idempotency-Key that is none: a 400 naming the header.
      badKey.map((key) => ({ path: '/admin/requests', body: serialize(logSpec.base), type: 'application/json', key })),
    );
    const call = fc.oneof({ weight: 6, arbitrary: action }, { weight: 2, arbitrary: resolve }, { weight: 1, arbitrary: respond }, { weight: 1, arbitrary: search }, { weight: 2, arbitrary: log });
    await fc.assert(
      fc.asyncProperty(call, (c) =>
        refused({ method: 'POST', path: c.path, headers: withType(c.type, { ...bearer(), ...('key' in c && c.key !== undefined ? { 'idempotency-key': c.key } : {}) }), body: c.body, kind: 'json', expect: refusedAs(c.type) }),
      ),
      options(110),
    );
  });

  it('refuses a body sent to an action that takes none with a field-level 400, acting on nothing', async () => {
    const paths = [
      ...['resend', 'release', 'remake', 'reassemble', 'agent-contact', 'tasks/metricsly/retry'].map((a) => `/admin/requests/${open.requestId}/${a}`),
      `/admin/complaints/${complaintId}/acknowledge`,
    ];
    const body = fc.oneof(fc.dictionary(unknownKey([]).filter((k) => k !== '__proto__'), json, { minKeys: 1, maxKeys: 3 }), fc.array(json, { minLength: 1, maxLength: 2 }), fc.constantFrom('"x"', '1', 'null', 'true', '{', 'reason=because'));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), body, (path, b) =>
        refused({ method: 'POST', path, headers: withType('application/json', bearer()), body: typeof b === 'string' ? b : serialize(b), kind: 'json', expect: [400] }),
      ),
      options(30),
    );
  });

  it('refuses bad query strings to the lists, the report and the exports with a field-level 400', async () => {
    // An empty cursor is no cursor (the first page), as the list reads it.
    const cursor = fc.oneof(
      anyText.filter((c) => c !== ''),
      fc.base64String({ minLength: 4, maxLength: 40 }),
      fc.jsonValue({ maxDepth: 2 }).map((v) => Buffer.from(JSON.stringify(v)).toString('base64url')),
      // The shape the list hands out, with what a browser could put in it.
      fc.record({ s: fc.oneof(fc.constantFrom(...RequestStatus.options), anyText), c: fc.oneof(anyText, fc.record({ pk: anyText, sk: anyText, gsi1pk: fc.oneof(anyText, fc.constantFrom(...RequestStatus.options.map((s) => `STATUS#${s}`))), gsi1sk: anyText }).map((k) => Buffer.from(JSON.stringify(k)).toString('base64url'))) }).map((c) => Buffer.from(JSON.stringify(c)).toString('base64url')),
    );
    const asText = (v: unknown) => (typeof v === 'string' ? v : serialize(v));
    const bool = badEnum(['true', 'false']).map(asText).filter((v) => v !== 'true' && v !== 'false' && v.length <= 1000);
    // Kept short: a URL is a header line, and a 40 KB one is refused by the HTTP server before any route.
    const date = badDate.map(asText).filter((d) => d.length <= 1000);
    const goodFilters = fc.record(
      { status: fc.constantFrom('open', 'closed', 'all', ...RequestStatus.options), type: fc.constantFrom(...RequestType.options), dueAfter: fc.constant('2026-01-01'), dueBefore: fc.constant('2026-12-31'), overdue: fc.constantFrom('true', 'false'), processor: fc.constant('metricsly'), escalated: fc.constantFrom('true', 'false'), limit: fc.constantFrom('1', '100') },
      { requiredKeys: [] },
    );
    const list = fc.tuple(
      goodFilters,
      fc.oneof(
        fc.tuple(fc.constantFrom('status', 'type', 'dueAfter', 'dueBefore', 'overdue', 'processor', 'escalated', 'limit'), anyText).filter(([k, v]) => !isGood(k, v)),
        fc.tuple(fc.constant('dueAfter'), date),
        fc.tuple(fc.constant('overdue'), bool),
        fc.tuple(fc.constant('limit'), fc.constantFrom('0', '101', '-1', '1.5', '1e2', ' 1', '01', '', 'ten')),
        fc.tuple(fc.constant('cursor'), cursor),
        // A range that ends before it starts.
        fc.constant(['dueBefore', '2025-12-31'] as [string, string]),
      ),
    ).map(([good, [k, v]]) => ({ path: '/admin/requests', params: { ...good, ...(v === '2025-12-31' ? { dueAfter: '2026-01-01' } : {}), [k]: v } as Record<string, string> }));
    const range = fc.tuple(fc.constantFrom('/admin/report', '/admin/report.csv', '/admin/audit.csv'), fc.oneof(fc.record({ from: date, to: fc.constant('2026-12-31') }), fc.record({ from: fc.constant('2026-01-01'), to: date }), fc.constant({ from: '2026-12-31', to: '2026-01-01' }), fc.record({ from: fc.constant('2026-01-01') }), fc.record({ to: fc.constant('2026-01-01') }))).map(([path, params]) => ({ path, params: params as Record<string, string> }));
    const complaints = fc.oneof(
      fc.record({ limit: fc.constantFrom('0', '101', 'x', '') }),
      fc.record({ cursor }),
      fc.tuple(unknownKey(['limit', 'cursor']), anyText).map(([k, v]) => ({ [k]: v })),
    ).map((params) => ({ path: '/admin/complaints', params: params as Record<string, string> }));
    await fc.assert(
      fc.asyncProperty(fc.oneof({ weight: 3, arbitrary: list }, range, complaints), ({ path, params }) =>
        refused({ method: 'GET', path: `${path}${query(Object.entries(params))}`, headers: bearer(), kind: 'json', expect: [400] }),
      ),
      options(60),
    );
  });

  it('answers a cursor of the shape the lists hand out, whatever its keys hold, with a page or a field-level 400, never a 500', async () => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    // What a browser could put in a key: nothing, any text, or more bytes than DynamoDB takes in a key (a partition key
    // 2,048 at most, a sort key 1,024) in no more characters than the cursor's check allows (1,024).
    const keyText = fc.oneof(anyText.map(wellFormed), fc.constant(''), fc.constantFrom('é'.repeat(1000), '😀'.repeat(512), 'x'.repeat(1024), '9999-12-31#~', '0000-01-01', `REQ#${open.requestId}`));
    const key = (gsi1pk: string) => fc.record({ pk: keyText, sk: keyText, gsi1sk: keyText }).map((k) => ({ ...k, gsi1pk }));
    const list = fc
      .constantFrom(...RequestStatus.options)
      .chain((s) => fc.tuple(fc.constant(s), key(`STATUS#${s}`), fc.constantFrom<Record<string, string>>({}, { overdue: 'true' }, { dueBefore: '2026-01-01' }, { dueAfter: '2027-01-01' }, { dueAfter: '2026-01-01', dueBefore: '2026-02-01' })))
      .map(([s, k, filters]): { path: string; params: Record<string, string> } => ({ path: '/admin/requests', params: { status: s, ...filters, cursor: b64({ s, c: b64(k) }) } }));
    const complaints = key('COMPLAINTS').map((k) => ({ path: '/admin/complaints', params: { cursor: b64(k) } }));
    await fc.assert(
      fc.asyncProperty(fc.oneof(list, complaints), ({ path, params }) => refused({ method: 'GET', path: `${path}${query(Object.entries(params))}`, headers: bearer(), kind: 'json', expect: [200, 400] })),
      options(40),
    );
  });

  it('answers an id that is none, and a route that is none, with a 4xx, whatever the body, acting on nothing', async () => {
    const good: Record<string, unknown> = { ...Object.fromEntries(Object.entries(ACTIONS).map(([k, s]) => [k, s.base])), resolve: resolveSpecs[0].base, respond: { outcome: 'We answered by letter.' } };
    const twentySix = fc.string({ unit: fc.constantFrom(...'0123456789ABCDEFGHJKMNPQRSTVWXYZabcz_'), minLength: 26, maxLength: 26 });
    const id = fc.oneof(twentySix, badId);
    // The route takes any run of [a-z0-9-]: one longer than any key DynamoDB takes (a sort key is 1,024 bytes at most) included.
    const processor = fc.oneof(
      fc.string({ unit: fc.constantFrom(...'abcz019-'), minLength: 1, maxLength: 41 }).filter((p) => p !== 'metricsly'),
      fc.integer({ min: 42, max: 3_000 }).map((n) => 'p'.repeat(n)),
      badId,
    );
    const call = fc.oneof(
      fc.tuple(id, fc.constantFrom(...Object.keys(ACTIONS), 'resend', 'release', 'remake', 'reassemble', 'agent-contact')).map(([i, a]) => ({ method: 'POST', path: `/admin/requests/${i}/${a}`, body: good[a] ?? {} })),
      fc.tuple(id, processor, fc.constantFrom('resolve', 'retry')).map(([i, p, a]) => ({ method: 'POST', path: `/admin/requests/${i}/tasks/${p}/${a}`, body: a === 'resolve' ? good.resolve : {} })),
      fc.tuple(fc.constant(open.requestId), processor, fc.constantFrom('resolve', 'retry')).map(([i, p, a]) => ({ method: 'POST', path: `/admin/requests/${i}/tasks/${p}/${a}`, body: a === 'resolve' ? good.resolve : {} })),
      fc.tuple(id, fc.constantFrom('acknowledge', 'respond')).map(([i, a]) => ({ method: 'POST', path: `/admin/complaints/${i}/${a}`, body: good[a] ?? {} })),
      fc.tuple(id, fc.constantFrom('', '/export')).map(([i, s]) => ({ method: 'GET', path: `/admin/requests/${i}${s}`, body: undefined })),
      fc.tuple(fc.constantFrom('PUT', 'DELETE', 'PATCH'), fc.constantFrom(`/admin/requests/${open.requestId}`, `/admin/requests/${open.requestId}/extend`, '/admin/requests', '/admin/dashboard')).map(([method, path]) => ({ method, path, body: good.extend })),
      fc.tuple(badId.filter((p) => !['dashboard', 'requests', 'search', 'report', 'report.csv', 'audit.csv', 'complaints'].includes(p)), fc.constantFrom('GET', 'POST')).map(([p, method]) => ({ method, path: `/admin/${p}`, body: method === 'POST' ? {} : undefined })),
    );
    await fc.assert(
      fc.asyncProperty(call, (c) =>
        refused({ method: c.method, path: c.path, headers: withType('application/json', bearer()), body: c.body === undefined ? undefined : JSON.stringify(c.body), kind: 'json', expect: [404, 409] }),
      ),
      options(60),
    );
  });
});

/** Whether a list filter's value is one the list takes (the fuzz wants only bad ones). */
function isGood(k: string, v: string) {
  switch (k) {
    case 'status':
      return ['open', 'closed', 'all', ...RequestStatus.options].includes(v);
    case 'type':
      return (RequestType.options as readonly string[]).includes(v);
    case 'dueAfter':
    case 'dueBefore':
      return /^\d{4}-\d{2}-\d{2}$/.test(v);
    case 'overdue':
    case 'escalated':
      return v === 'true' || v === 'false';
    case 'processor':
      return PROCESSORS.includes(v);
    case 'limit':
      return /^([1-9]\d?|100)$/.test(v);
    default:
      return false;
  }
}
