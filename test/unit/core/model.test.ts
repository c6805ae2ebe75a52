import { describe, expect, it } from 'vitest';
import { IsoDate, Language, LegalHold, ProcessorSecret, RequestStatus, Ulid, parseTaskId, taskIdOf } from '../../../functions/core/model.ts';
import { ProcessorEntry, Registry } from '../../../functions/core/registry-schema.ts';
import * as z from '../../../functions/core/zod.ts';

const ok = (schema: z.core.$ZodType, v: unknown) => z.safeParse(schema, v).success;
/** The first issue's path and message, as a 400 would name them. */
const issue = (schema: z.core.$ZodType, v: unknown) => {
  const r = z.safeParse(schema, v);
  if (r.success) throw new Error('accepted');
  return { path: r.error.issues[0].path.join('.'), message: r.error.issues[0].message };
};

const ULID = '01J9Z3K4M5N6P7Q8R9S0T1V2W3';
const entry = {
  id: 'paynow',
  name: 'PayNow Ltd',
  category: 'payments',
  region: 'eu-west-1',
  transferSafeguard: 'adequacy',
  mode: 'automated',
  endpoint: 'https://paynow.example/privacy',
  secretRef: 'lethe/processors/paynow',
  supports: ['erasure', 'access'],
  identities: ['email'],
  heartbeatSeconds: 3600,
  timeoutSeconds: 86400,
};

describe('the languages and statuses stored on a request', () => {
  it('are French and English, nothing else', () => {
    expect(ok(Language, 'fr')).toBe(true);
    expect(ok(Language, 'en')).toBe(true);
    expect(ok(Language, 'de')).toBe(false);
    expect(ok(Language, '')).toBe(false);
  });

  it('are the eight statuses of the design, nothing else', () => {
    for (const s of ['unverified', 'verified', 'in_progress', 'awaiting_manual', 'completed', 'denied', 'cancelled', 'expired']) expect(ok(RequestStatus, s), s).toBe(true);
    expect(ok(RequestStatus, '')).toBe(false);
    expect(ok(RequestStatus, 'done')).toBe(false);
  });
});

describe('identifiers and dates', () => {
  it('take a whole ULID only: 26 characters of Crockford base 32, no more, no less, nothing around it', () => {
    expect(ok(Ulid, ULID)).toBe(true);
    for (const bad of [`x${ULID}`, `${ULID}x`, ULID.slice(1), `${ULID.slice(0, 25)}U`, 'abcdefghjkmnpqrstvwxyz0123', '']) expect(ok(Ulid, bad), bad).toBe(false);
    expect(issue(Ulid, 'nope')).toEqual({ path: '', message: 'must be a ULID' });
  });

  it('take a date as YYYY-MM-DD only, nothing before or after it', () => {
    expect(ok(IsoDate, '2031-03-05')).toBe(true);
    for (const bad of ['2031-03-05T00:00:00Z', 'x2031-03-05', '2031-3-5', '']) expect(ok(IsoDate, bad), bad).toBe(false);
    expect(issue(IsoDate, '5 March')).toEqual({ path: '', message: 'must be YYYY-MM-DD' });
  });

  it('give a legal hold an accounting or warranty basis, and an until-date or none', () => {
    expect(ok(LegalHold, { basis: 'accounting', until: '2031-03-05', rule: 'policy §7' })).toBe(true);
    expect(ok(LegalHold, { basis: 'lifetime_warranty', until: null, rule: 'policy §7' })).toBe(true);
    expect(ok(LegalHold, { basis: 'marketing', until: null, rule: 'x' })).toBe(false);
    expect(ok(LegalHold, { basis: 'accounting', until: '05/03/2031', rule: 'x' })).toBe(false);
  });

  it('split a task id into its request and processor, and refuse anything around or after them', () => {
    expect(taskIdOf(ULID, 'paynow')).toBe(`${ULID}.paynow`);
    expect(parseTaskId(`${ULID}.paynow`)).toEqual({ requestId: ULID, processorId: 'paynow' });
    for (const bad of [`x${ULID}.paynow`, `${ULID}.paynow/x`, `${ULID}.PayNow`, `${ULID}.p`, ULID, `${ULID}.`]) expect(parseTaskId(bad), bad).toBeUndefined();
  });
});

describe('a processor registry entry', () => {
  it('is accepted as the registry documents it', () => {
    expect(ok(ProcessorEntry, entry)).toBe(true);
  });

  it('has an id of lower-case letters, digits and dashes, 2 to 41 long, and nothing else', () => {
    for (const id of ['Paynow', 'p', '-paynow', 'pay now', `paynow/${'x'}`, 'a'.repeat(42)]) expect(ok(ProcessorEntry, { ...entry, id }), id).toBe(false);
    expect(ok(ProcessorEntry, { ...entry, id: 'a'.repeat(41) })).toBe(true);
  });

  it('needs an endpoint and a secret when automated, and says so on the endpoint', () => {
    expect(issue(ProcessorEntry, { ...entry, endpoint: undefined })).toEqual({ path: 'endpoint', message: 'automated processors need an endpoint and a secretRef' });
    expect(issue(ProcessorEntry, { ...entry, secretRef: undefined })).toEqual({ path: 'endpoint', message: 'automated processors need an endpoint and a secretRef' });
    expect(ok(ProcessorEntry, { ...entry, mode: 'manual', endpoint: undefined, secretRef: undefined })).toBe(true);
  });

  it('has a heartbeat smaller than its timeout, as the States language requires, and no other', () => {
    expect(ok(ProcessorEntry, { ...entry, heartbeatSeconds: 86399, timeoutSeconds: 86400 })).toBe(true);
    for (const heartbeatSeconds of [86400, 86401]) {
      expect(issue(ProcessorEntry, { ...entry, heartbeatSeconds, timeoutSeconds: 86400 })).toEqual({ path: 'heartbeatSeconds', message: 'heartbeatSeconds must be smaller than timeoutSeconds: Step Functions fails the whole execution otherwise' });
    }
  });

  it('supports at least one request type and receives at least one identity, of the three Lethe holds', () => {
    expect(ok(ProcessorEntry, { ...entry, supports: [] })).toBe(false);
    expect(ok(ProcessorEntry, { ...entry, identities: [] })).toBe(false);
    expect(ok(ProcessorEntry, { ...entry, identities: ['email', 'name', 'order_number'] })).toBe(true);
    expect(ok(ProcessorEntry, { ...entry, identities: ['phone'] })).toBe(false);
  });
});

describe('the registry and the processor secrets', () => {
  it('refuses two processors with one id, on the processors list', () => {
    expect(issue(Registry, { version: 1, processors: [entry, { ...entry, name: 'Again' }] })).toEqual({ path: 'processors', message: 'processor ids must be unique' });
    expect(ok(Registry, { version: 1, processors: [entry, { ...entry, id: 'paylater' }] })).toBe(true);
    expect(ok(Registry, { version: 1, processors: [] })).toBe(false);
    expect(ok(Registry, { version: 0, processors: [entry] })).toBe(false);
  });

  const key = (bytes: number) => `whsec_${Buffer.alloc(bytes, 7).toString('base64')}`;

  it('takes Standard Webhooks keys only (whsec_…), at least one', () => {
    expect(ok(ProcessorSecret, { secrets: [key(24), key(32)] })).toBe(true);
    expect(ok(ProcessorSecret, { secrets: [] })).toBe(false);
    expect(ok(ProcessorSecret, { secrets: [Buffer.alloc(24, 7).toString('base64')] })).toBe(false);
  });

  it('refuses a key of fewer than 24 bytes, the least Standard Webhooks recommends, or one that is not base64', () => {
    expect(ok(ProcessorSecret, { secrets: [key(24)] })).toBe(true);
    expect(ok(ProcessorSecret, { secrets: [key(64)] })).toBe(true);
    for (const short of [key(23), key(1), 'whsec_', 'whsec_abc']) expect(ok(ProcessorSecret, { secrets: [short] }), short).toBe(false);
    expect(ok(ProcessorSecret, { secrets: [`whsec_${Buffer.alloc(24, 0xfb).toString('base64url')}`] })).toBe(false);
    expect(ok(ProcessorSecret, { secrets: [`${key(24)}\n`] })).toBe(false);
    // While rotating, one short key among two refuses the secret: callbacks signed with it would be accepted.
    expect(ok(ProcessorSecret, { secrets: [key(32), key(8)] })).toBe(false);
  });
});
