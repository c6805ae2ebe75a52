import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clearSecretCache } from '../../../functions/adapters/secrets.ts';
import { signWebhook } from '../../../functions/adapters/webhook-signing.ts';
import { type CallbackDeps, receiveCallback } from '../../../functions/callback/receive.ts';
import { sha256 } from '../../../functions/core/audit.ts';
import { SecretNotConfigured } from '../../../functions/core/errors.ts';
import { planTasks } from '../../../functions/core/plan.ts';
import type { StoredTask } from '../../../functions/core/ports.ts';
import { type HttpEvent, type HttpResult, httpErrors, json } from '../../../functions/shared/http.ts';
import { logger } from '../../../functions/adapters/powertools.ts';
import { newWebhookSecret } from '../../../local/processors/registry.ts';
import { FakeRepo, FakeWorkflow, fixedClock, processor, REQUEST_ID, storedRequest } from './fakes.ts';

const SECRET = newWebhookSecret();
const paynow = processor({ id: 'paynow', category: 'payments' });
const TASK_ID = `${REQUEST_ID}.paynow`;
const NOW = '2026-03-02T10:00:00.000Z';

let repo: FakeRepo;
let workflow: FakeWorkflow;
let deps: CallbackDeps;

beforeEach(() => {
  repo = new FakeRepo();
  workflow = new FakeWorkflow();
  const req = storedRequest({ status: 'in_progress' });
  repo.requests.set(REQUEST_ID, req);
  const [t] = planTasks(req, [paynow], { customer: undefined, today: '2026-03-02' });
  repo.tasks.set(TASK_ID, { ...t, status: 'sent', token: 'tok-dispatch', version: 1 });
  deps = { repo, workflow, clock: fixedClock(NOW), processors: [paynow], secrets: async () => [SECRET] };
});
afterEach(() => {
  vi.restoreAllMocks();
});

const task = () => repo.tasks.get(TASK_ID) as StoredTask;
/** A callback as a processor sends it: the body names the task it answers, unless the test gives its own `task_id`. */
const signed = (body: object, id = 'cb_1') => {
  const raw = JSON.stringify({ task_id: TASK_ID, ...body });
  return { raw, headers: signWebhook(id, raw, [SECRET]) as Record<string, string> };
};
const post = (m: { raw: string; headers: Record<string, string> }, taskId = TASK_ID) => receiveCallback(taskId, m.raw, m.headers, deps);

describe('what a callback records', () => {
  it('acknowledges a sent task on its audit trail with the receipt’s hash', async () => {
    const m = signed({ request_status: 'in_progress' });
    await post(m);
    expect(task().audit.at(-1)).toMatchObject({ at: NOW, actor: 'processor:paynow', action: 'acknowledge', subject: TASK_ID, from: 'sent', to: 'in_progress', data: { receipt: sha256(m.raw) } });
    expect(task().receipts?.cb_1).toMatchObject({ bodyHash: sha256(m.raw), status: 'in_progress' });
  });

  it('records a completion with the receipt’s hash, and keeps the outcome to what its status carries', async () => {
    const m = signed({ request_status: 'completed', receipt: 'ER-1' });
    await post(m);
    expect(task().audit.at(-1)).toMatchObject({ action: 'completed', data: { receipt: sha256(m.raw) } });
    expect(task().outcome).toEqual({ request_status: 'completed' });
    expect(task().outcome).not.toHaveProperty('reason');
    expect(task().outcome).not.toHaveProperty('legal_basis');
    expect(task().outcome).not.toHaveProperty('third_party_data');
  });

  it('keeps the third-party flag of an export that holds other people’s data', async () => {
    await post(signed({ request_status: 'completed', results: { records: [] }, third_party_data: true }));
    expect(task().outcome).toEqual({ request_status: 'completed', third_party_data: true });
    expect(workflow.calls[0].output).toEqual({ request_status: 'completed', third_party_data: true });
  });

  it('keeps both holds of a retained callback', async () => {
    const holds = [{ basis: 'accounting', until: '2032-11-30', rule: 'account_closure_plus_7_years' }, { basis: 'lifetime_warranty', until: null, rule: 'indefinite' }] as const;
    repo.tasks.set(TASK_ID, { ...(repo.tasks.get(TASK_ID) as StoredTask), holds: [...holds] });
    await post(signed({ request_status: 'retained', legal_basis: 'accounting', retained_until: '2032-11-30', additional_holds: [{ legal_basis: 'lifetime_warranty', retained_until: null }] }));
    expect(task().outcome).toEqual({ request_status: 'retained', legal_basis: 'accounting', retained_until: '2032-11-30', additional_holds: [{ legal_basis: 'lifetime_warranty', retained_until: null }] });
  });

  it('records a further failure of an escalated task with the receipt’s hash', async () => {
    repo.tasks.set(TASK_ID, { ...task(), status: 'failed', outcome: { request_status: 'failed', reason: 'timeout' } });
    const m = signed({ request_status: 'failed', reason: 'still locked' });
    await post(m);
    expect(task().audit.at(-1)).toMatchObject({ actor: 'processor:paynow', action: 'failed', subject: TASK_ID, data: { receipt: sha256(m.raw) } });
  });

  it('completes a task with no waiting state without telling Step Functions anything', async () => {
    repo.tasks.set(TASK_ID, { ...task(), token: undefined });
    await expect(post(signed({ request_status: 'completed' }))).resolves.toEqual({ status: 'accepted' });
    expect(task().status).toBe('completed');
    expect(workflow.calls).toEqual([]);
  });
});

describe('what a refused callback is told', () => {
  it('says why: a wrong signature, a body outside the contract, another task’s callback, an unknown task', async () => {
    await expect(receiveCallback(TASK_ID, '{}', {}, deps)).rejects.toMatchObject({ status: 401, message: 'signature not valid' });
    await expect(post(signed({ request_status: 'done' }))).rejects.toMatchObject({ status: 400, message: 'invalid body' });
    await expect(post(signed({ task_id: `${TASK_ID}x`, request_status: 'completed' }))).rejects.toMatchObject({ status: 400, message: 'invalid body', issues: [{ path: 'task_id', message: 'the task of this callback URL' }] });
    await expect(post(signed({ task_id: '01JQ9999999999999999999999.paynow', request_status: 'completed' }), '01JQ9999999999999999999999.paynow')).rejects.toMatchObject({ status: 404, message: 'task 01JQ9999999999999999999999.paynow not found' });
  });

  it('names a reused webhook-id and a finished task in the 409', async () => {
    await post(signed({ request_status: 'in_progress' }, 'cb_x'));
    await expect(post(signed({ request_status: 'not_found' }, 'cb_x'))).rejects.toMatchObject({ status: 409, message: 'webhook-id already used with other content' });
    await post(signed({ request_status: 'completed' }, 'cb_y'));
    await expect(post(signed({ request_status: 'not_found' }, 'cb_z'))).rejects.toMatchObject({ status: 409, message: 'task already completed' });
    expect(task().audit.filter((e) => e.action === 'conflicting_callback').map((e) => e.data?.reason)).toEqual(['webhook-id already used with other content', 'task already completed']);
  });

  it('names the escalation in the 422 of misshapen export results', async () => {
    await expect(post(signed({ request_status: 'completed', results: { orders: [] } }))).rejects.toMatchObject({ status: 422, message: 'export results not in the documented shape; the task is escalated' });
  });

  it('lists the first issues of misshapen export results, not one per record, so that a mistake repeated over a large export is a 422 far under Lambda’s 6 MB answer, not a 500', async () => {
    // 99,000 records that are numbers: 198 KB of signed bytes, under the 256 KiB cap, and an issue each (8.4 MB of issues).
    const m = signed({ request_status: 'completed', results: { records: Array(99_000).fill(0) } });
    const edge = middy<HttpEvent, HttpResult>()
      .use(httpErrors())
      .handler(async () => json(200, await post(m))) as unknown as (e: HttpEvent, c: Context) => Promise<HttpResult>;
    const answer = await edge({ headers: {} } as unknown as HttpEvent, {} as Context);
    expect(answer.statusCode).toBe(422);
    expect(Buffer.byteLength(String(answer.body))).toBeLessThan(10_000);
    const { message, issues } = JSON.parse(String(answer.body)) as { message: string; issues: { path: string }[] };
    expect(message).toBe('export results not in the documented shape; the task is escalated (the first 20 of 99,000 issues listed)');
    expect(issues.map((i) => i.path)).toEqual(Array.from({ length: 20 }, (_, i) => `results.records.${i}`));
    expect(task()).toMatchObject({ status: 'failed', outcome: { reason: expect.stringContaining('results.records.0:') } });
  });

  it('is refused with 401 when the processor’s secret is not configured yet, and logs the secret’s name only', async () => {
    const warn = vi.spyOn(logger, 'warn');
    deps.secrets = async () => {
      throw new SecretNotConfigured('lethe/processors/paynow');
    };
    await expect(post(signed({ request_status: 'completed' }))).rejects.toMatchObject({ status: 401 });
    expect(warn).toHaveBeenCalledWith('callback refused: the processor secret is not configured', { secretRef: 'lethe/processors/paynow' });
    expect(task().status).toBe('sent');
  });

  it('is answered 503 with Retry-After, and changes nothing, when Secrets Manager is throttled: the processor retries it, and it applies once the secret can be read', async () => {
    const sm = mockClient(SecretsManagerClient);
    try {
      sm.on(GetSecretValueCommand)
        .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client', $metadata: {} }))
        .resolves({ SecretString: JSON.stringify({ secrets: [SECRET] }) });
      delete deps.secrets;
      const m = signed({ request_status: 'completed' });
      const edge = middy<HttpEvent, HttpResult>()
        .use(httpErrors())
        .handler(async () => json(200, await post(m))) as unknown as (e: HttpEvent, c: Context) => Promise<HttpResult>;
      const refused = await edge({ headers: {} } as unknown as HttpEvent, {} as Context);
      expect(refused.statusCode).toBe(503);
      expect(refused.headers?.['retry-after']).toBe('30');
      expect(task().status).toBe('sent');
      expect((await edge({ headers: {} } as unknown as HttpEvent, {} as Context)).statusCode).toBe(200);
      expect(task().status).toBe('completed');
    } finally {
      sm.restore();
      clearSecretCache();
    }
  });

  it('passes on any other failure to read the secret', async () => {
    deps.secrets = async () => {
      throw new Error('Secrets Manager unreachable');
    };
    await expect(post(signed({ request_status: 'completed' }))).rejects.toThrow('Secrets Manager unreachable');
  });
});
