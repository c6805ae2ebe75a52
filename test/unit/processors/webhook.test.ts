import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook } from '../../../functions/adapters/webhook-signing.ts';
import { planTasks } from '../../../functions/core/plan.ts';
import { CallbackBody } from '../../../functions/core/callback-body.ts';
import { webhookBody } from '../../../functions/core/webhook.ts';
import { WebhookBody } from '../../../functions/core/webhook-body.ts';
import { newWebhookSecret } from '../../../local/processors/registry.ts';
import { REQUEST_ID, processor, storedRequest } from './fakes.ts';

const pii = { email: 'alice@example.com', name: 'Alice Martin', orderNumber: 'OT-12345' };
const BASE = 'https://privacy.offtek.example';

function bodyFor(over: Parameters<typeof storedRequest>[0], p = processor({ id: 'paynow', category: 'payments', identities: ['email', 'order_number'] })) {
  const req = storedRequest(over);
  const [task] = planTasks(req, [p], { customer: { closedOn: '2024-03-15', accountingRecords: true, lifetimeWarranty: true }, today: '2026-03-02' });
  return webhookBody(req, task, pii, p, BASE);
}

describe('the outbound webhook body', () => {
  it('uses the OpenDSR names, the task id, the legal holds and the callback URL', () => {
    const b = bodyFor({ orderConfirmed: true });
    expect(WebhookBody.parse(b)).toEqual(b);
    expect(b).toEqual({
      task_id: `${REQUEST_ID}.paynow`,
      subject_request_id: REQUEST_ID,
      subject_request_type: 'erasure',
      action: 'erase',
      subject_identities: [
        { identity_type: 'email', identity_value: 'alice@example.com', identity_format: 'raw', verified: true },
        { identity_type: 'order_number', identity_value: 'OT-12345', identity_format: 'raw', verified: true },
      ],
      submitted_time: '2026-03-01T09:05:00.000Z',
      expected_completion_time: '2026-04-01',
      status_callback_url: `${BASE}/callbacks/${REQUEST_ID}.paynow`,
      legal_holds: [
        { basis: 'accounting', until: '2031-03-15', rule: 'account_closure_plus_7_years' },
        { basis: 'lifetime_warranty', until: null, rule: 'indefinite' },
      ],
    });
  });

  it('sends only the identities this processor needs (data minimisation)', () => {
    const b = bodyFor({}, processor({ id: 'metricsly', category: 'analytics', identities: ['email'] }));
    expect(b.subject_identities).toEqual([{ identity_type: 'email', identity_value: 'alice@example.com', identity_format: 'raw', verified: true }]);
    expect(JSON.stringify(b)).not.toContain('Alice Martin');
    expect(JSON.stringify(b)).not.toContain('OT-12345');
  });

  it('gives each processor only the corrected fields it holds (Art. 19, data minimisation)', () => {
    const details = { eraseWarranty: false, objections: [], rectification: { field: 'name, address and phone', correction: 'see above' }, corrections: { name: 'Alice Smith', postal_address: '2 Low Road, Leeds', phone: '+44 113 496 0000' } };
    const reviews = bodyFor({ type: 'rectification', details }, processor({ id: 'reviewly', category: 'email', identities: ['email', 'name', 'order_number'], fields: ['email', 'name'] }));
    expect(reviews.rectification).toEqual({ name: 'Alice Smith' });
    const payments = bodyFor({ type: 'rectification', details }, processor({ id: 'paynow', category: 'payments', fields: ['email', 'name', 'postal_address'] }));
    expect(payments.rectification).toEqual({ name: 'Alice Smith', postal_address: '2 Low Road, Leeds' });
    // Without declared fields, a processor holds the personal identities it is sent.
    const undeclared = bodyFor({ type: 'rectification', details }, processor({ id: 'mailwave', category: 'email', identities: ['email', 'name'] }));
    expect(undeclared.rectification).toEqual({ name: 'Alice Smith' });
  });

  it('sends the order number the requester typed only once the shop’s account service confirmed it is an order of the verified address', () => {
    const reviews = processor({ id: 'reviewly', category: 'email', identities: ['email', 'name', 'order_number'] });
    const unconfirmed = bodyFor({}, reviews);
    expect(unconfirmed.subject_identities.map((i) => i.identity_type)).toEqual(['email', 'name']);
    expect(JSON.stringify(unconfirmed)).not.toContain('OT-12345');
    const confirmed = bodyFor({ orderConfirmed: true }, reviews);
    expect(confirmed.subject_identities.map((i) => i.identity_type)).toEqual(['email', 'name', 'order_number']);
  });

  it('marks the email and a confirmed order number verified, and the typed name an unverified hint', () => {
    const b = bodyFor({ orderConfirmed: true }, processor({ id: 'recoverco', category: 'collections', identities: ['email', 'name', 'order_number'] }));
    expect(b.subject_identities.map((i) => [i.identity_type, i.verified])).toEqual([
      ['email', true],
      ['name', false],
      ['order_number', true],
    ]);
    expect(WebhookBody.parse(b)).toEqual(b);
  });

  it('omits an identity the requester did not give', () => {
    const req = storedRequest({});
    const p = processor({ id: 'parcelway', category: 'delivery', identities: ['email', 'name', 'order_number'] });
    const [task] = planTasks(req, [p], { customer: undefined, today: '2026-03-02' });
    const b = webhookBody(req, task, { email: 'bob@example.com' }, p, BASE);
    expect(b.subject_identities.map((i) => i.identity_type)).toEqual(['email']);
  });

  it('carries the officer’s approved correction for a rectification, never the free text, and the scopes for an objection', () => {
    const details = { eraseWarranty: false, objections: [], rectification: { field: 'my address', correction: 'I moved to 2 Low Road, Leeds' }, corrections: { postal_address: '2 Low Road, Leeds' } };
    const rect = bodyFor({ type: 'rectification', details }, processor({ id: 'parcelway', category: 'delivery', fields: ['email', 'name', 'postal_address', 'phone'] }));
    expect(rect).toMatchObject({ action: 'rectify', rectification: { postal_address: '2 Low Road, Leeds' }, legal_holds: [] });
    expect(JSON.stringify(rect)).not.toContain('I moved to');
    const obj = bodyFor({ type: 'objection', details: { eraseWarranty: false, objections: ['marketing', 'reviews'] } }, processor({ id: 'mailwave', category: 'email' }));
    expect(obj).toMatchObject({ action: 'suppress', objections: ['marketing', 'reviews'] });
    expect(obj).not.toHaveProperty('rectification');
  });

  it('uses the extended deadline once the request was extended', () => {
    const b = bodyFor({ extended: { at: '2026-03-10T00:00:00.000Z', reason: 'complex', dueDate: '2026-06-01' } });
    expect(b.expected_completion_time).toBe('2026-06-01');
  });

  it('is the same, byte for byte, every time it is built (retries carry the same instruction)', () => {
    expect(JSON.stringify(bodyFor({}))).toBe(JSON.stringify(bodyFor({})));
  });
});

describe('Standard Webhooks signing', () => {
  const body = '{"task_id":"x"}';

  it('signs with every current secret, space-separated, in the v1,<base64> format', () => {
    const [a, b] = [newWebhookSecret(), newWebhookSecret()];
    const at = new Date('2026-03-02T10:00:00Z');
    const h = signWebhook('msg_1', body, [a, b], at);
    expect(h['webhook-id']).toBe('msg_1');
    expect(h['webhook-timestamp']).toBe(String(at.getTime() / 1000));
    const sigs = h['webhook-signature'].split(' ');
    expect(sigs).toEqual([new Webhook(a).sign('msg_1', at, body), new Webhook(b).sign('msg_1', at, body)]);
    for (const s of sigs) expect(s).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
  });

  it('verifies with either key during a rotation', () => {
    const [oldKey, newKey] = [newWebhookSecret(), newWebhookSecret()];
    const h = signWebhook('msg_2', body, [newKey, oldKey]);
    expect(verifyWebhook(body, h, [oldKey])).toEqual({ task_id: 'x' });
    expect(verifyWebhook(body, h, [newKey])).toEqual({ task_id: 'x' });
    expect(verifyWebhook(body, signWebhook('msg_2', body, [oldKey]), [newKey, oldKey])).toEqual({ task_id: 'x' });
  });

  it('refuses a wrong key, a changed body, a changed id, and a stale or future timestamp', () => {
    const key = newWebhookSecret();
    const h = signWebhook('msg_3', body, [key]);
    expect(verifyWebhook(body, h, [newWebhookSecret()])).toBeUndefined();
    expect(verifyWebhook('{"task_id":"y"}', h, [key])).toBeUndefined();
    expect(verifyWebhook(body, { ...h, 'webhook-id': 'msg_4' }, [key])).toBeUndefined();
    expect(verifyWebhook(body, signWebhook('msg_3', body, [key], new Date(Date.now() - 6 * 60_000)), [key])).toBeUndefined();
    expect(verifyWebhook(body, signWebhook('msg_3', body, [key], new Date(Date.now() + 6 * 60_000)), [key])).toBeUndefined();
    expect(verifyWebhook(body, { 'webhook-id': 'msg_3', 'webhook-timestamp': h['webhook-timestamp'] }, [key])).toBeUndefined();
  });
});

describe('the callback body', () => {
  const TASK = '01JQ7ZK3V4M8Q2W5E6R7T8Y9AB.paynow';
  /** Each body names its task, as every callback must. */
  const ok = (v: object) => CallbackBody.safeParse({ task_id: TASK, ...v }).success;

  it('accepts each documented status', () => {
    expect(ok({ request_status: 'in_progress' })).toBe(true);
    expect(ok({ request_status: 'completed', receipt: 'ER-1' })).toBe(true);
    expect(ok({ request_status: 'completed', results: { records: [] } })).toBe(true);
    expect(ok({ request_status: 'completed', results_url: 'https://files.paynow.example/x.json' })).toBe(true);
    expect(ok({ request_status: 'not_found' })).toBe(true);
    expect(ok({ request_status: 'failed', reason: 'account locked' })).toBe(true);
    expect(ok({ request_status: 'retained', legal_basis: 'accounting', retained_until: '2031-03-15' })).toBe(true);
    expect(ok({ request_status: 'retained', legal_basis: 'lifetime_warranty', retained_until: null })).toBe(true);
  });

  it('carries records kept under both holds in one retained callback, each hold named once', () => {
    const both = { request_status: 'retained', legal_basis: 'accounting', retained_until: '2032-11-30', additional_holds: [{ legal_basis: 'lifetime_warranty', retained_until: null }] };
    expect(ok(both)).toBe(true);
    expect(CallbackBody.safeParse({ task_id: TASK, ...both, additional_holds: [{ legal_basis: 'accounting', retained_until: null }] }).error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['additional_holds', 'each hold is named once: an additional hold has another legal_basis'],
    ]);
    expect(ok({ ...both, additional_holds: [] })).toBe(false);
    expect(ok({ ...both, additional_holds: [{ legal_basis: 'lifetime_warranty', retained_until: null }, { legal_basis: 'accounting', retained_until: null }] })).toBe(false);
    expect(ok({ ...both, additional_holds: [{ legal_basis: 'marketing', retained_until: null }] })).toBe(false);
  });

  it('refuses what the contract does not allow', () => {
    expect(ok({ request_status: 'done' })).toBe(false);
    expect(ok({ request_status: 'failed' })).toBe(false); // a reason is required
    expect(ok({ request_status: 'retained', legal_basis: 'marketing', retained_until: null })).toBe(false);
    expect(ok({ request_status: 'retained', legal_basis: 'accounting', retained_until: '15/03/2031' })).toBe(false);
    expect(ok({ request_status: 'retained', legal_basis: 'accounting' })).toBe(false);
    expect(ok({ request_status: 'completed', extra: 1 })).toBe(false); // strict
    expect(ok({ request_status: 'not_found', results: {} })).toBe(false);
  });

  it('needs the task it answers, with every status', () => {
    for (const b of [{ request_status: 'in_progress' }, { request_status: 'completed' }, { request_status: 'not_found' }, { request_status: 'failed', reason: 'x' }, { request_status: 'retained', legal_basis: 'accounting', retained_until: null }]) {
      expect(ok(b), b.request_status).toBe(true);
      expect(CallbackBody.safeParse(b).error?.issues.map((i) => i.path.join('.')), b.request_status).toEqual(['task_id']);
      expect(ok({ ...b, task_id: 1 }), b.request_status).toBe(false);
    }
  });
});
