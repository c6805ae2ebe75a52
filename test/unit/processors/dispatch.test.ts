import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clearSecretCache } from '../../../functions/adapters/secrets.ts';
import { signWebhook, verifyWebhook } from '../../../functions/adapters/webhook-signing.ts';
import { UnsafeTarget } from '../../../functions/adapters/webhook-sender.ts';
import { receiveCallback } from '../../../functions/callback/receive.ts';
import { planTasks } from '../../../functions/core/plan.ts';
import type { StoredTask } from '../../../functions/core/ports.ts';
import { PROCESSOR_FAILURE } from '../../../functions/core/workflow-answer.ts';
import { type DispatchDeps, dispatch, EndpointStates, processorStateKey } from '../../../functions/dispatch/dispatch.ts';
import { newWebhookSecret } from '../../../local/processors/registry.ts';
import { RETRYABLE_DISPATCH_ERRORS } from '../../../workflows/privacy-workflow.ts';
import { bump, FakeMailer, FakeRepo, FakeWorkflow, REQUEST_ID, fixedClock, processor, storedRequest } from './fakes.ts';

const SECRET = newWebhookSecret();
const paynow = processor({ id: 'paynow', category: 'payments', identities: ['email', 'order_number'] });
const manualFirm = { ...processor({ id: 'ledger-firm', category: 'collections', mode: 'manual' as const }), endpoint: undefined, secretRef: undefined };
const TASK_ID = `${REQUEST_ID}.paynow`;

type Sent = { url: string; id: string; body: string; secrets: readonly string[] };
let repo: FakeRepo;
let workflow: FakeWorkflow;
let mailer: FakeMailer;
let sent: Sent[];
let answer: number | Error;
let deps: DispatchDeps;

beforeEach(() => {
  repo = new FakeRepo();
  workflow = new FakeWorkflow();
  mailer = new FakeMailer();
  sent = [];
  answer = 202;
  const req = storedRequest({ status: 'in_progress' });
  repo.requests.set(REQUEST_ID, req);
  repo.pii.set(REQUEST_ID, { email: 'alice@example.com', name: 'Alice Martin', orderNumber: 'OT-1' });
  void repo.putTasksIfAbsent(planTasks(req, [paynow, manualFirm], { customer: undefined, today: '2026-03-02' }));
  deps = {
    repo,
    workflow,
    mailer,
    clock: fixedClock(),
    processors: [paynow, manualFirm],
    secrets: async () => [SECRET],
    post: async (url, id, body, secrets) => {
      sent.push({ url, id, body, secrets });
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
});

const task = () => repo.tasks.get(TASK_ID) as StoredTask;
const run = (token = 'tok-1', taskId = TASK_ID) => dispatch({ token, requestId: REQUEST_ID, taskId }, deps);

describe('dispatch', () => {
  it('records the task as sent with its token, then posts the webhook with webhook-id = task id', async () => {
    await run();
    expect(task()).toMatchObject({ status: 'sent', token: 'tok-1', attempts: 1, sentAt: '2026-03-02T10:00:00.000Z' });
    expect(task().audit.at(-1)).toMatchObject({ action: 'send', from: 'pending', to: 'sent' });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ url: paynow.endpoint, id: TASK_ID, secrets: [SECRET] });
    expect(JSON.parse(sent[0].body)).toMatchObject({ task_id: TASK_ID, subject_request_type: 'erasure', status_callback_url: `http://localhost/callbacks/${TASK_ID}` });
    expect(workflow.calls).toEqual([]); // the callback completes the state, not dispatch
  });

  it('re-sends the same webhook with the same id and body on a retry, and records the new token', async () => {
    answer = 503;
    await expect(run('tok-1')).rejects.toMatchObject({ name: 'DispatchFailed' });
    answer = 202;
    await run('tok-2');
    expect(sent).toHaveLength(2);
    expect(sent[1].id).toBe(sent[0].id);
    expect(sent[1].body).toBe(sent[0].body);
    expect(task()).toMatchObject({ status: 'sent', token: 'tok-2', attempts: 1 });
  });

  it('re-sends the same bytes under the same webhook-id after an officer extended the deadline', async () => {
    await run('tok-1');
    const req = repo.requests.get(REQUEST_ID);
    repo.requests.set(REQUEST_ID, { ...req!, extended: { at: '2026-03-03T09:00:00.000Z', reason: 'complex', dueDate: '2026-06-01' } });
    await run('tok-2'); // the workflow's re-send, or a re-run after a restart
    expect(sent.map((s) => s.id)).toEqual([TASK_ID, TASK_ID]);
    expect(sent[1].body).toBe(sent[0].body);
    expect(JSON.parse(sent[1].body).expected_completion_time).toBe('2026-04-01');
  });

  it('re-sends the same bytes under the same webhook-id when a timed-out task runs again after an extension', async () => {
    await run('tok-1');
    repo.tasks.set(TASK_ID, { ...task(), status: 'timed_out' });
    const req = repo.requests.get(REQUEST_ID);
    repo.requests.set(REQUEST_ID, { ...req!, extended: { at: '2026-03-03T09:00:00.000Z', reason: 'complex', dueDate: '2026-06-01' } });
    await run('tok-2');
    expect(sent.map((s) => s.id)).toEqual([TASK_ID, TASK_ID]);
    expect(sent[1].body).toBe(sent[0].body);
  });

  it('escalates at once, sending and writing nothing, a task its processor failed while the state retried the webhook it had taken', async () => {
    // The first attempt's POST reached the processor but timed out here: the state waits out its backoff.
    answer = Object.assign(new Error('timeout'), { name: 'TimeoutError' });
    await expect(run('tok-1')).rejects.toMatchObject({ name: 'DispatchFailed' });
    // Meanwhile the processor calls back `failed`: the task is failed, and the spent token told nothing.
    workflow.dead.add('tok-1');
    const raw = JSON.stringify({ task_id: TASK_ID, request_status: 'failed', reason: 'the account is locked by a chargeback' });
    const callback = { repo, workflow, clock: fixedClock(), processors: [paynow], secrets: async () => [SECRET] };
    await receiveCallback(TASK_ID, raw, { 'content-type': 'application/json', ...signWebhook('cb_1', raw, [SECRET]) }, callback);
    const failed = task();
    expect(failed.status).toBe('failed');

    // The retry: sent again under the same webhook-id, the processor would dedupe it and never answer.
    answer = 202;
    await expect(run('tok-2')).rejects.toMatchObject({ name: PROCESSOR_FAILURE.error });
    expect(sent).toHaveLength(1);
    expect(task()).toEqual(failed);
    expect(workflow.calls).toEqual([]);
  });

  it('sends again, under the same webhook-id, a task the workflow failed when it runs again (a re-run after a restart)', async () => {
    await run('tok-1');
    // Escalate failed it (the processor refused the webhook, say): nothing says the processor could not do the work.
    const at = '2026-03-02T10:05:00.000Z';
    await repo.transitionTask(task(), 'failed', { finishedAt: at, outcome: { request_status: 'failed', reason: 'DispatchRejected' } }, { at, actor: 'workflow', action: 'fail', subject: TASK_ID, from: 'sent', to: 'failed' });
    await run('tok-2');
    expect(sent.map((s) => s.id)).toEqual([TASK_ID, TASK_ID]);
    expect(task()).toMatchObject({ status: 'sent', token: 'tok-2' });
  });

  it('re-sends an officer’s retry under that retry’s webhook-id when it runs again (a re-run after a restart)', async () => {
    await run();
    // The officer's retry recorded it on the task (admin/actions.ts) before sending; the process died before the POST.
    repo.tasks.set(TASK_ID, { ...task(), status: 'sent', retries: 1 });
    await run('tok-2');
    expect(sent.map((s) => s.id)).toEqual([TASK_ID, `${TASK_ID}.retry-1`]);
    expect(JSON.parse(sent[1].body)).toMatchObject({ task_id: TASK_ID, status_callback_url: `http://localhost/callbacks/${TASK_ID}` });
    expect(task()).toMatchObject({ status: 'sent', token: 'tok-2', retries: 1 });
  });

  it('completes the state at once for a task that already finished (a re-run after a restart)', async () => {
    await run();
    const t = task();
    repo.tasks.set(TASK_ID, { ...t, status: 'completed', outcome: { request_status: 'completed' } });
    await run('tok-3');
    expect(workflow.calls).toEqual([{ op: 'success', token: 'tok-3', output: { request_status: 'completed' } }]);
    expect(sent).toHaveLength(1);
  });

  it('completes the state of a task an officer resolved first without the officer’s note, which Step Functions would keep beyond erasure', async () => {
    repo.tasks.set(TASK_ID, { ...task(), status: 'resolved', outcome: { request_status: 'resolved', reason: 'not_found', note: 'Jane Doe has no account with them' } });
    await run('tok-3');
    expect(workflow.calls).toEqual([{ op: 'success', token: 'tok-3', output: { request_status: 'resolved', reason: 'not_found' } }]);
    expect(sent).toHaveLength(0);
  });

  it.each(['denied', 'cancelled'] as const)('sends no webhook for a request %s while its execution still runs, writes nothing, and releases the state at once', async (status) => {
    bump(repo.requests, REQUEST_ID, { status });
    await run('tok-closed');
    expect(sent).toEqual([]);
    expect(task()).toMatchObject({ status: 'pending', version: 0 });
    expect(task().token).toBeUndefined();
    expect(workflow.calls).toEqual([{ op: 'success', token: 'tok-closed', output: { closed: status } }]);
  });

  it('sends a closed request’s webhook no second time on a retry of a task already sent, and keeps its token', async () => {
    await run('tok-1');
    bump(repo.requests, REQUEST_ID, { status: 'denied' });
    await run('tok-2');
    expect(sent).toHaveLength(1);
    expect(task()).toMatchObject({ status: 'sent', token: 'tok-1' });
    expect(workflow.calls).toEqual([{ op: 'success', token: 'tok-2', output: { closed: 'denied' } }]);
  });

  it('tells the team of no manual task of a closed request, and leaves the request closed', async () => {
    bump(repo.requests, REQUEST_ID, { status: 'cancelled' });
    await run('tok-m', `${REQUEST_ID}.ledger-firm`);
    expect(mailer.sent).toEqual([]);
    expect(repo.requests.get(REQUEST_ID)?.status).toBe('cancelled');
    expect(repo.tasks.get(`${REQUEST_ID}.ledger-firm`)?.status).toBe('pending');
  });

  it('throws DispatchFailed on a 5xx, a 429, a redirect or a network error, so the state machine retries', async () => {
    for (const a of [500, 503, 429, 302, 301, 307, Object.assign(new Error('timeout'), { name: 'TimeoutError' })]) {
      answer = a;
      await expect(run(`tok-${String(a)}`)).rejects.toMatchObject({ name: 'DispatchFailed' });
    }
  });

  it('throws DispatchRejected, not retried, on another 4xx or an unsafe target', async () => {
    answer = 400;
    await expect(run()).rejects.toMatchObject({ name: 'DispatchRejected' });
    answer = new UnsafeTarget('refused private address');
    await expect(run('tok-2')).rejects.toMatchObject({ name: 'DispatchRejected' });
  });

  it('disables the endpoint on a 410 and refuses to send to it again', async () => {
    answer = 410;
    await expect(run()).rejects.toMatchObject({ name: 'EndpointGone' });
    expect(await repo.getItem(processorStateKey('paynow'))).toMatchObject({ disabled: true });
    answer = 202;
    await expect(run('tok-2')).rejects.toMatchObject({ name: 'EndpointGone' });
    expect(sent).toHaveLength(1);
  });

  it('with a container cache, reads an enabled endpoint’s state once a minute, a disabled one every time', async () => {
    let now = Date.parse('2026-03-02T10:00:00.000Z');
    deps.clock = { now: () => new Date(now) };
    deps.endpoints = new EndpointStates();
    const getItem = repo.getItem.bind(repo);
    let stateReads = 0;
    repo.getItem = async (k) => (stateReads++, getItem(k));
    await run('tok-1');
    await run('tok-2');
    now += EndpointStates.ENABLED_FOR_MS - 1;
    await run('tok-3');
    expect([sent.length, stateReads]).toEqual([3, 1]);
    now += 1;
    await run('tok-4');
    expect([sent.length, stateReads]).toEqual([4, 2]);

    // A 410 drops the cached flag: the next send reads the state, finds it disabled, and sends nothing.
    answer = 410;
    await expect(run('tok-5')).rejects.toMatchObject({ name: 'EndpointGone' });
    answer = 202;
    await expect(run('tok-6')).rejects.toMatchObject({ name: 'EndpointGone' });
    await expect(run('tok-7')).rejects.toMatchObject({ name: 'EndpointGone' });
    expect([sent.length, stateReads]).toEqual([5, 4]);
    // An operator re-enables it: the very next send goes out.
    await repo.putItem({ ...processorStateKey('paynow'), disabled: false });
    await run('tok-8');
    expect([sent.length, stateReads]).toEqual([6, 5]);
  });

  it('refuses a task whose processor left the registry, and an unknown task', async () => {
    deps.processors = [manualFirm];
    await expect(run()).rejects.toMatchObject({ name: 'DispatchRejected' });
    await expect(run('tok', `${REQUEST_ID}.nobody`)).rejects.toMatchObject({ name: 'NotFound' });
  });

  it('refuses a task id that names no task with NotFound', async () => {
    await expect(run('tok', 'not-a-task')).rejects.toMatchObject({ name: 'NotFound' });
  });

  it('records a failed delivery on the task as it stands, when a callback acknowledged it while the webhook was in flight', async () => {
    deps.post = async () => {
      bump(repo.tasks, TASK_ID, { status: 'in_progress' });
      return 503;
    };
    await expect(run()).rejects.toMatchObject({ name: 'DispatchFailed' });
    expect(task().status).toBe('in_progress');
    expect(task().audit.at(-1)).toMatchObject({ action: 'delivery_failed', data: { status: 503 } });
  });

  it('refuses to send when the contact data has expired', async () => {
    repo.pii.clear();
    await expect(run()).rejects.toMatchObject({ name: 'DispatchRejected' });
    expect(sent).toHaveLength(0);
  });

  it('hands a manual processor’s task to the compliance team and sets the request awaiting_manual', async () => {
    await run('tok-m', `${REQUEST_ID}.ledger-firm`);
    expect(sent).toHaveLength(0);
    expect(repo.tasks.get(`${REQUEST_ID}.ledger-firm`)).toMatchObject({ status: 'sent', token: 'tok-m' });
    const req = repo.requests.get(REQUEST_ID);
    expect(req?.status).toBe('awaiting_manual');
    expect(req?.audit.at(-1)).toMatchObject({ action: 'escalate', data: { reason: 'manual_processor' } });
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0]).toMatchObject({ to: 'compliance@offtek.example', kind: 'compliance' });
    expect(mailer.sent[0].text).toContain(`${REQUEST_ID}.ledger-firm`);
    expect(mailer.sent[0].text).toContain('/console.html#/requests/');
    expect(mailer.sent[0].text).not.toContain('alice@example.com'); // ids and a link, never the person
  });

  it('tolerates a request already awaiting a human when a second manual task arrives', async () => {
    const req = repo.requests.get(REQUEST_ID);
    repo.requests.set(REQUEST_ID, { ...(req as NonNullable<typeof req>), status: 'awaiting_manual' });
    await run('tok-m', `${REQUEST_ID}.ledger-firm`);
    expect(repo.requests.get(REQUEST_ID)?.status).toBe('awaiting_manual');
    expect(mailer.sent).toHaveLength(1);
  });

  it('signs with the secrets stored under the processor’s own secret name', async () => {
    const asked: string[] = [];
    deps.secrets = async (ref) => {
      asked.push(ref);
      return [SECRET];
    };
    await run();
    expect(asked).toEqual(['lethe/processors/paynow']);
  });

  it('signs the real webhook so that each of the processor’s secrets verifies it', async () => {
    const { signWebhook } = await import('../../../functions/adapters/webhook-signing.ts');
    const other = newWebhookSecret();
    deps.secrets = async () => [SECRET, other];
    let headers: Record<string, string> = {};
    deps.post = async (_url, id, body, secrets) => {
      headers = signWebhook(id, body, secrets);
      sent.push({ url: '', id, body, secrets });
      return 200;
    };
    await run();
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(verifyWebhook(sent[0].body, headers, [other])).toMatchObject({ task_id: TASK_ID });
    expect(verifyWebhook(sent[0].body, headers, [SECRET])).toMatchObject({ task_id: TASK_ID });
  });

  it('completes the state at once when a callback finishes the task while dispatch records its token', async () => {
    await run('tok-1');
    repo.beforeTaskWrite = (r) => bump(r.tasks, TASK_ID, { status: 'completed', outcome: { request_status: 'completed' } });
    await run('tok-2');
    expect(workflow.calls).toEqual([{ op: 'success', token: 'tok-2', output: { request_status: 'completed' } }]);
    expect(sent).toHaveLength(1);
  });

  it('escalates the request once when two manual tasks race for it', async () => {
    repo.beforeRequestWrite = (r) => bump(r.requests, REQUEST_ID, { status: 'awaiting_manual' });
    await run('tok-m', `${REQUEST_ID}.ledger-firm`);
    expect(repo.requests.get(REQUEST_ID)?.status).toBe('awaiting_manual');
    expect(repo.requests.get(REQUEST_ID)?.audit.filter((e) => e.action === 'escalate')).toHaveLength(0);
    expect(mailer.sent).toHaveLength(1);
  });
});


describe('dispatch when Secrets Manager cannot be read', () => {
  const sm = mockClient(SecretsManagerClient);
  afterEach(() => {
    sm.reset();
    clearSecretCache();
  });

  it('throws an error the state machine retries, not "secret not configured", and sends nothing', async () => {
    sm.on(GetSecretValueCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client', $metadata: {} }));
    delete deps.secrets;
    const error = await run().catch((e: Error) => e);
    expect(error).toMatchObject({ name: 'SecretUnavailable' });
    expect(RETRYABLE_DISPATCH_ERRORS).toContain((error as Error).name);
    expect(sent).toEqual([]);
  });
});
