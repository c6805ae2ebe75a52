import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { signWebhook } from '../../../functions/adapters/webhook-signing.ts';
import { planTasks } from '../../../functions/core/plan.ts';
import { slaReport } from '../../../functions/core/report.ts';
import type { StoredComplaint } from '../../../functions/core/complaints.ts';
import type { StoredTask } from '../../../functions/core/ports.ts';
import { CallbackBody } from '../../../functions/core/callback-body.ts';
import { parseExportResults } from '../../../functions/core/results-body.ts';
import { webhookBody } from '../../../functions/core/webhook.ts';
import { ROUTES } from '../../../infra/routes.ts';
import { loadRegistry } from '../../../local/processors/registry.ts';
import { openapi, schemaErrors } from './openapi.ts';
import { storedRequest } from './fakes.ts';

const registry = loadRegistry();
const pii = { email: 'alice@example.com', name: 'Alice Martin', orderNumber: 'OT-20417' };

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 and documents every public route', () => {
    expect(openapi.openapi).toBe('3.1.0');
    for (const r of ROUTES) {
      const path = r.path.replace('{proxy+}', '');
      const documented = Object.entries(openapi.paths).filter(([p]) => p === r.path || (path.endsWith('/') && p.startsWith(path)));
      expect(documented.length, r.path).toBeGreaterThan(0);
      if (r.method !== 'ANY') expect(documented[0][1], `${r.method} ${r.path}`).toHaveProperty(r.method.toLowerCase());
    }
  });

  it('documents the error pages of the two links a requester opens from an email, as pages: the confirmation link’s 503 while the account service is down, a form it cannot read, our own 500', () => {
    type Op = { responses: Record<string, { $ref?: string; content?: Record<string, unknown> }> };
    const paths = openapi.paths as Record<string, Record<string, Op>>;
    const pageOf = (r: { $ref?: string; content?: Record<string, unknown> } | undefined) =>
      r?.$ref ? ((openapi.components as unknown as { responses: Record<string, { content?: Record<string, unknown> }> }).responses)[r.$ref.split('/').at(-1) as string]?.content : r?.content;
    const missing: string[] = [];
    const expected: [string, string, string[]][] = [
      ['/verify', 'get', ['500', '503']],
      ['/verify', 'post', ['400', '413', '415', '500', '503']],
      ['/exports/{id}', 'get', ['400', '500']],
      ['/exports/{id}', 'post', ['400', '413', '415', '500']],
    ];
    for (const [path, method, statuses] of expected) for (const status of statuses) if (!pageOf(paths[path][method].responses[status])?.['text/html']) missing.push(`${status} ${method.toUpperCase()} ${path}`);
    expect(missing).toEqual([]);
  });

  it('documents a 415 on every POST but the two signed ones, whose signed bytes are read as JSON whatever their type', () => {
    type Op = { security?: Record<string, unknown>[]; responses: Record<string, unknown>; description?: string };
    const posts = Object.entries(openapi.paths as Record<string, Record<string, Op>>).flatMap(([path, item]) => (item.post ? [[path, item.post] as const] : []));
    const signed = posts.filter(([, op]) => op.security?.some((s) => 'standardWebhooks' in s)).map(([path]) => path);
    expect(signed.sort()).toEqual(['/callbacks/{taskId}', '/suppression/check']);
    expect(posts.filter(([path, op]) => !signed.includes(path) && !op.responses['415']).map(([path]) => path)).toEqual([]);
    for (const path of signed) expect(posts.find(([p]) => p === path)?.[1].description, path).toMatch(/whatever its `Content-Type`/);
  });

  it('describes the outbound webhook in its webhooks section', () => {
    expect(openapi.webhooks.privacyTask.post.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/WebhookBody');
  });

  it('matches every webhook body core builds, for every request type and processor', () => {
    const details = { eraseWarranty: false, objections: ['marketing', 'reviews', 'profiling'] as const, rectification: { field: 'address', correction: '2 Low Road' } };
    for (const type of ['erasure', 'access', 'rectification', 'objection', 'restrict'] as const) {
      const req = storedRequest({ type, details: { ...details, objections: [...details.objections] } });
      for (const task of planTasks(req, registry.processors, { customer: { closedOn: '2025-11-30', accountingRecords: true, lifetimeWarranty: true }, today: '2026-03-02' })) {
        const p = registry.processors.find((x) => x.id === task.processorId);
        if (!p) throw new Error('unknown processor');
        const body = JSON.parse(JSON.stringify(webhookBody(req, task, pii, p, 'https://privacy.offtek.example')));
        expect(schemaErrors('WebhookBody', body), `${type} ${p.id}`).toEqual([]);
      }
    }
  });

  it('agrees with core on which callback bodies are valid', () => {
    const task_id = '01JQ7ZK3V4M8Q2W5E6R7T8Y9AB.paynow';
    const named: object[] = [
      { request_status: 'in_progress' },
      { request_status: 'completed', receipt: 'R-1' },
      { request_status: 'completed', results: { records: [] } },
      { request_status: 'completed', results_url: 'https://files.example/1.json' },
      { request_status: 'completed', results: { records: [] }, results_url: 'https://files.example/1.json' },
      { request_status: 'not_found' },
      { request_status: 'failed', reason: 'locked' },
      { request_status: 'retained', legal_basis: 'accounting', retained_until: '2031-03-15' },
      { request_status: 'retained', legal_basis: 'lifetime_warranty', retained_until: null },
      { request_status: 'failed' },
      { request_status: 'retained', legal_basis: 'accounting' },
      { request_status: 'retained', legal_basis: 'marketing', retained_until: null },
      { request_status: 'retained', legal_basis: 'accounting', retained_until: '15/03/2031' },
      { request_status: 'completed', surprise: true },
      { request_status: 'not_found', results: {} },
      { request_status: 'done' },
      {},
    ];
    // Every body names its task; one that does not is refused, whatever its status.
    const bodies: unknown[] = [...named.map((b) => ({ task_id, ...b })), { request_status: 'in_progress' }, { request_status: 'completed' }, { request_status: 'not_found' }, { task_id: 7, request_status: 'not_found' }];
    for (const b of bodies) {
      expect(schemaErrors('CallbackBody', b).length === 0, JSON.stringify(b)).toBe(CallbackBody.safeParse(b).success);
    }
  });

  it('agrees with core on which export results are valid: column names of 1 to 100 characters, as many columns as a record has', () => {
    const wide = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`c${i}`, i]));
    const results: unknown[] = [
      { records: [{ payment: 'PAY-1001', amount: '64.99 GBP' }] },
      { tables: { orders: [{ id: 'PAY-1001' }], refunds: [] } },
      { records: [wide] },
      { records: [{ '': 'no column name' }] },
      { records: [{ ['c'.repeat(100)]: 1 }] },
      { records: [{ ['c'.repeat(101)]: 1 }] },
      { records: [{ note: 'x'.repeat(10_001) }] },
      { records: [{ nested: { a: 1 } }] },
      { tables: { Orders: [] } },
      { deleted: 3 },
    ];
    for (const r of results) {
      expect(schemaErrors('ExportResults', r).length === 0, JSON.stringify(r).slice(0, 80)).toBe(parseExportResults(r).success);
    }
  });

  it('describes the SLA report core builds, with and without figures, and refuses a field it does not name', () => {
    const done = storedRequest({ status: 'completed', verifiedAt: '2026-03-02T09:00:00.000Z', closedAt: '2026-03-03T12:00:00.000Z', dueDate: '2026-04-02' });
    const task = { taskId: `${done.id}.paynow`, requestId: done.id, processorId: 'paynow', category: 'payments', action: 'erase', status: 'completed', version: 2, attempts: 1, holds: [], audit: [], sentAt: '2026-03-02T09:01:00.000Z', finishedAt: '2026-03-02T09:02:30.000Z' } satisfies StoredTask;
    const complaint = { id: '01JQ2222222222222222222222', status: 'responded', version: 2, language: 'en', receivedAt: '2026-03-02T10:00:00.000Z', acknowledgeBy: '2026-03-31', acknowledgedAt: '2026-03-03T10:00:00.000Z', respondedAt: '2026-03-12T10:00:00.000Z', email: 'ann@example.com', text: 'words', emailHash: 'h', audit: [] } satisfies StoredComplaint;
    const names = new Map(registry.processors.map((p) => [p.id, p.name]));
    const full = JSON.parse(JSON.stringify(slaReport('2026-03-01', '2026-03-31', '2026-04-10', [{ request: done, tasks: [task] }], names, [complaint])));
    const empty = JSON.parse(JSON.stringify(slaReport('2026-03-01', '2026-03-31', '2026-04-10', [], names)));
    expect(full.onTimeRate).toBe(1);
    expect(empty.onTimeRate).toBeNull();
    expect(schemaErrors('SlaReport', full)).toEqual([]);
    expect(schemaErrors('SlaReport', empty)).toEqual([]);
    expect(schemaErrors('SlaReport', { ...full, surprise: 1 })).not.toEqual([]);
  });

  it('refuses a webhook body with an extra identity field or a missing callback URL', () => {
    const req = storedRequest({});
    const [task] = planTasks(req, registry.processors, { customer: undefined, today: '2026-03-02' });
    const body = JSON.parse(JSON.stringify(webhookBody(req, task, pii, registry.processors[0], 'https://privacy.offtek.example')));
    expect(schemaErrors('WebhookBody', { ...body, status_callback_url: undefined })).not.toEqual([]);
    expect(schemaErrors('WebhookBody', { ...body, status_callback_url: 'not a url' })).not.toEqual([]); // formats are checked
    expect(schemaErrors('WebhookBody', { ...body, submitted_time: 'yesterday' })).not.toEqual([]);
    expect(schemaErrors('WebhookBody', { ...body, subject_identities: [{ identity_type: 'phone', identity_value: '1', identity_format: 'raw' }] })).not.toEqual([]);
  });
});

describe('docs/processors.md', () => {
  const doc = readFileSync(new URL('../../../docs/processors.md', import.meta.url), 'utf8');
  const secret = /Secret: `(whsec_[^`]+)`/.exec(doc)?.[1] ?? '';
  const blocks = [...doc.matchAll(/```http\n([\s\S]*?)\n```/g)].map((m) => m[1]);

  it('shows real header values: each worked example verifies with the documented secret', () => {
    expect(blocks).toHaveLength(2);
    for (const block of blocks) {
      const [head, body] = block.split('\n\n');
      const h = Object.fromEntries(head.split('\n').slice(1).map((l) => l.split(': ') as [string, string]));
      const at = new Date(Number(h['webhook-timestamp']) * 1000);
      expect(signWebhook(h['webhook-id'], body, [secret], at)['webhook-signature']).toBe(h['webhook-signature']);
    }
  });

  it('shows a webhook body that core would build and the schema accepts, and a valid callback', () => {
    const webhook = JSON.parse(blocks[0].split('\n\n')[1]);
    expect(schemaErrors('WebhookBody', webhook)).toEqual([]);
    const req = storedRequest({ id: webhook.subject_request_id, receivedAt: '2026-03-02T08:12:40.000Z', verifiedAt: webhook.submitted_time, dueDate: webhook.expected_completion_time, orderConfirmed: true });
    const p = registry.processors.find((x) => x.id === 'paynow');
    if (!p) throw new Error('paynow left the registry');
    const [task] = planTasks(req, [p], { customer: { closedOn: '2025-11-30', accountingRecords: true, lifetimeWarranty: true }, today: '2026-03-02' });
    expect(webhookBody(req, task, { email: 'alice@example.com', orderNumber: 'OT-20417' }, p, 'https://privacy.offtek.example')).toEqual(webhook);
    const [head, body] = blocks[1].split('\n\n');
    const callback = CallbackBody.safeParse(JSON.parse(body));
    expect(callback.success).toBe(true);
    // The signed body names the task of the URL it is posted to.
    expect(head.split('\n')[0]).toBe(`POST /callbacks/${callback.data?.task_id} HTTP/1.1`);
    expect(callback.data?.task_id).toBe(webhook.task_id);
  });
});
