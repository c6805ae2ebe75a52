import { describe, expect, it } from 'vitest';
import { CallbackBody } from '../../../functions/core/callback-body.ts';
import { parseExportResults, TABLE_NAME_RULE, tablesOf } from '../../../functions/core/results-body.ts';
import { webhookBody } from '../../../functions/core/webhook.ts';
import { WebhookBody } from '../../../functions/core/webhook-body.ts';
import { processor, REQUEST_ID, storedRequest } from '../processors/fakes.ts';

// The contract of docs/processors.md, checked value by value: each documented value is accepted,
// and each bound is checked on both sides of it.

const BASE = 'https://privacy.offtek.example';
const pii = { email: 'alice@example.com', name: 'Alice Martin', orderNumber: 'OT-12345' };
const paynow = processor({ id: 'paynow', category: 'payments', identities: ['email', 'name', 'order_number'] });
const task = (over: Record<string, unknown> = {}) => ({
  taskId: `${REQUEST_ID}.paynow`,
  requestId: REQUEST_ID,
  processorId: 'paynow',
  category: 'payments' as const,
  action: 'erase' as const,
  status: 'pending' as const,
  version: 1,
  attempts: 0,
  holds: [],
  audit: [],
  ...over,
});

const webhook = {
  task_id: `${REQUEST_ID}.paynow`,
  subject_request_id: REQUEST_ID,
  subject_request_type: 'erasure',
  action: 'erase',
  subject_identities: [{ identity_type: 'email', identity_value: 'alice@example.com', identity_format: 'raw', verified: true }],
  submitted_time: '2026-03-01T09:05:00.000Z',
  expected_completion_time: '2026-04-01',
  status_callback_url: `${BASE}/callbacks/${REQUEST_ID}.paynow`,
  legal_holds: [],
};

describe('the outbound webhook body’s schema', () => {
  it.each(['erasure', 'access', 'rectification', 'objection', 'restrict'])('accepts the request type %s', (type) => {
    expect(WebhookBody.safeParse({ ...webhook, subject_request_type: type }).success).toBe(true);
  });
  it.each(['erase', 'export', 'rectify', 'suppress', 'restrict'])('accepts the action %s', (action) => {
    expect(WebhookBody.safeParse({ ...webhook, action }).success).toBe(true);
  });
  it.each(['email', 'name', 'order_number'])('accepts the identity type %s', (identityType) => {
    const identities = [{ identity_type: identityType, identity_value: 'x', identity_format: 'raw', verified: true }];
    expect(WebhookBody.safeParse({ ...webhook, subject_identities: identities }).success).toBe(true);
  });
  it('refuses an undocumented request type, action, identity type or identity format, and a callback URL that is not a URL', () => {
    expect(WebhookBody.safeParse({ ...webhook, subject_request_type: 'portability' }).success).toBe(false);
    expect(WebhookBody.safeParse({ ...webhook, action: 'delete' }).success).toBe(false);
    expect(WebhookBody.safeParse({ ...webhook, subject_identities: [{ identity_type: 'phone', identity_value: 'x', identity_format: 'raw', verified: true }] }).success).toBe(false);
    expect(WebhookBody.safeParse({ ...webhook, subject_identities: [{ identity_type: 'email', identity_value: 'x', identity_format: 'sha256', verified: true }] }).success).toBe(false);
    expect(WebhookBody.safeParse({ ...webhook, status_callback_url: 'callbacks/1' }).success).toBe(false);
  });
});

describe('the outbound webhook body, built from stored data', () => {
  it('uses the receipt time when the request has no verification time, and an empty deadline when it has none', () => {
    const req = storedRequest({ verifiedAt: undefined, dueDate: undefined });
    const b = webhookBody(req, task(), pii, paynow, BASE);
    expect(b.submitted_time).toBe('2026-03-01T09:00:00.000Z');
    expect(b.expected_completion_time).toBe('');
  });

  it('escapes the task id in the callback URL', () => {
    const b = webhookBody(storedRequest(), task({ taskId: 'a/b c' }), pii, paynow, BASE);
    expect(b.status_callback_url).toBe('https://privacy.offtek.example/callbacks/a%2Fb%20c');
  });

  it('sends corrections only with a rectification, never with another request type that happens to carry them', () => {
    const details = { eraseWarranty: false, objections: [], corrections: { name: 'Alice Smith' } };
    const b = webhookBody(storedRequest({ type: 'erasure', details }), task(), pii, paynow, BASE);
    expect(b).not.toHaveProperty('rectification');
    expect(b).not.toHaveProperty('objections');
  });
});

describe('the callback body’s bounds', () => {
  const TASK = '01JQ7ZK3V4M8Q2W5E6R7T8Y9AB.paynow';
  const ok = (v: object) => CallbackBody.safeParse({ task_id: TASK, ...v }).success;

  it('takes a receipt of up to 2,000 characters with every status, and refuses a 2,001-character one', () => {
    const bodies = [
      { request_status: 'in_progress' },
      { request_status: 'completed' },
      { request_status: 'not_found' },
      { request_status: 'failed', reason: 'account locked' },
      { request_status: 'retained', legal_basis: 'accounting', retained_until: '2031-03-15' },
    ];
    for (const b of bodies) {
      expect(ok({ ...b, receipt: 'r'.repeat(2000) }), b.request_status).toBe(true);
      expect(ok({ ...b, receipt: 'r'.repeat(2001) }), b.request_status).toBe(false);
    }
  });

  it('needs a failure reason of 1 to 1,000 characters', () => {
    expect(ok({ request_status: 'failed', reason: '' })).toBe(false);
    expect(ok({ request_status: 'failed', reason: 'x' })).toBe(true);
    expect(ok({ request_status: 'failed', reason: 'x'.repeat(1000) })).toBe(true);
    expect(ok({ request_status: 'failed', reason: 'x'.repeat(1001) })).toBe(false);
  });

  it('takes a results URL only as a URL, and the third-party flag only as a boolean', () => {
    expect(ok({ request_status: 'completed', results_url: 'not a url' })).toBe(false);
    expect(ok({ request_status: 'completed', third_party_data: true })).toBe(true);
    expect(ok({ request_status: 'completed', third_party_data: 'yes' })).toBe(false);
  });

  it('refuses, with each status, a field that belongs to another status', () => {
    expect(ok({ request_status: 'in_progress', reason: 'x' })).toBe(false);
    expect(ok({ request_status: 'completed', reason: 'x' })).toBe(false);
    expect(ok({ request_status: 'not_found', reason: 'x' })).toBe(false);
    expect(ok({ request_status: 'failed', reason: 'x', results: {} })).toBe(false);
    expect(ok({ request_status: 'retained', legal_basis: 'accounting', retained_until: null, reason: 'x' })).toBe(false);
  });

  it('accepts an additional hold of the other basis, whichever the main one is', () => {
    expect(ok({ request_status: 'retained', legal_basis: 'lifetime_warranty', retained_until: null, additional_holds: [{ legal_basis: 'accounting', retained_until: '2032-11-30' }] })).toBe(true);
  });

  it('names the field at fault under request_status for an undocumented status', () => {
    expect(CallbackBody.safeParse({ task_id: TASK, request_status: 'done' }).error?.issues.map((i) => i.path.join('.'))).toEqual(['request_status']);
  });
});

describe('an export’s results', () => {
  const ok = (v: unknown) => parseExportResults(v).success;
  const issues = (v: unknown) => parseExportResults(v).error?.issues.map((i) => [i.path.join('.'), i.message]);

  it('takes records as one list of flat cells: strings, numbers, booleans and null', () => {
    expect(parseExportResults({ records: [{ id: 'PAY-1', amount: 12.5, refunded: false, note: null }] })).toEqual({
      success: true,
      data: { records: [{ id: 'PAY-1', amount: 12.5, refunded: false, note: null }] },
    });
  });

  it('takes named tables, a name being a lower-case letter then up to 39 lower-case letters, digits or _', () => {
    expect(ok({ tables: { orders: [{ id: 'O-1' }], order_lines_2: [] } })).toBe(true);
    expect(ok({ tables: { [`a${'b'.repeat(39)}`]: [] } })).toBe(true);
    expect(issues({ tables: { [`a${'b'.repeat(40)}`]: [] } })).toEqual([[`tables.a${'b'.repeat(40)}`, TABLE_NAME_RULE]]);
    for (const name of ['Orders', '1orders', '_orders', 'order-lines', ' orders', 'orders ', 'orders\n']) {
      expect(ok({ tables: { [name]: [] } }), JSON.stringify(name)).toBe(false);
    }
  });

  it('says what a table name and a column name must be, in the issue on that name (a processor gets those issues)', () => {
    expect(issues({ tables: { Orders: [] } })).toEqual([['tables.Orders', 'a table name is a lower-case letter, then at most 39 lower-case letters, digits or _']]);
    expect(issues({ records: [{ [`c${'x'.repeat(100)}`]: 1, '': 2 }] })).toEqual([
      [`records.0.c${'x'.repeat(100)}`, 'a column name is 1 to 100 characters'],
      ['records.0.', 'a column name is 1 to 100 characters'],
    ]);
    // Only a name at fault is worded so: a record or a set of tables that is no object keeps zod's words.
    expect(issues({ records: ['x'] })).toEqual([['records.0', 'Invalid input: expected record, received string']]);
    expect(issues({ tables: ['x'] })).toEqual([['tables', 'Invalid input: expected record, received array']]);
  });

  it('refuses a column named __proto__, which zod’s record would drop without a word, its value then missing from the copy', () => {
    expect(issues(JSON.parse('{"records":[{"a":"1"},{"__proto__":"secret","b":"2"}]}'))).toEqual([['records.1.__proto__', 'a column is not named __proto__']]);
    expect(issues(JSON.parse('{"tables":{"t":[{"__proto__":null}]}}'))).toEqual([['tables.t.0.__proto__', 'a column is not named __proto__']]);
    // A column that only names the word is any other column.
    expect(ok({ records: [{ proto: 1, constructor: 2 }] })).toBe(true);
  });

  it('refuses records whose columns make more than a million cells together, as the requester’s CSV and page lay them out', () => {
    // Each record its own column: 1,001 records make 1,001 × 1,001 cells in the CSV and the page (until then, 70 KB of them made 360 MB of files).
    const sparse = Array.from({ length: 1001 }, (_, i) => ({ [`c${i}`]: 1 }));
    expect(issues({ records: sparse })).toEqual([['records', `at most 1,000,000 cells in all (each table's records times the columns they use)`]]);
    expect(ok({ tables: { a: sparse.slice(0, 600), b: sparse.slice(600) } })).toBe(true);
    expect(issues({ tables: { a: sparse.slice(0, 800), b: sparse.slice(0, 800) } })).toEqual([['tables', `at most 1,000,000 cells in all (each table's records times the columns they use)`]]);
    // Dense tables are bounded by the body's size long before: 100,000 records of 10 columns are a million cells.
    expect(ok({ records: Array.from({ length: 100_000 }, () => Object.fromEntries(Array.from({ length: 10 }, (_, c) => [`c${c}`, 1]))) })).toBe(true);
  });

  it('takes a column name of 1 to 100 characters and a text cell of up to 10,000', () => {
    expect(ok({ records: [{ [`c${'x'.repeat(99)}`]: 'v'.repeat(10_000) }] })).toBe(true);
    expect(ok({ records: [{ '': 'v' }] })).toBe(false);
    expect(ok({ records: [{ [`c${'x'.repeat(100)}`]: 'v' }] })).toBe(false);
    expect(ok({ records: [{ note: 'v'.repeat(10_001) }] })).toBe(false);
  });

  it('takes up to 100,000 records in a list or in a table, not one more', () => {
    const many = (n: number) => Array.from({ length: n }, () => ({}));
    expect(ok({ records: many(100_000) })).toBe(true);
    expect(ok({ records: many(100_001) })).toBe(false);
    expect(ok({ tables: { orders: many(100_000) } })).toBe(true);
    expect(ok({ tables: { orders: many(100_001) } })).toBe(false);
  });

  it('refuses results that are not an object, naming the records as expected', () => {
    for (const v of [null, 'tables', 7, [{ id: 'PAY-1' }]]) {
      expect(ok(v), JSON.stringify(v)).toBe(false);
    }
    expect(issues('tables')).toEqual([['', 'Invalid input: expected object, received string']]);
  });

  it('checks results against the shape they claim, so that the issues name tables when tables are sent', () => {
    expect(issues({ tables: { orders: [{ id: { nested: true } }] } })).toEqual([['tables.orders.0.id', 'Invalid input']]);
    expect(issues({ tables: {}, records: [] })).toEqual([['', 'Unrecognized key: "records"']]);
  });

  it('gives the tables of either shape: a list of records is one table named records', () => {
    expect(tablesOf({ records: [{ id: 'PAY-1' }] })).toEqual({ records: [{ id: 'PAY-1' }] });
    expect(tablesOf({ tables: { orders: [{ id: 'O-1' }], refunds: [] } })).toEqual({ orders: [{ id: 'O-1' }], refunds: [] });
  });
});
