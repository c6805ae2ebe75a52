import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import type { StoredRequest, StoredTask } from '../../../functions/core/ports.ts';
import { bump, FakeBlobs, FakeMailer, FakeRepo, FakeWorkflow, fixedClock, REQUEST_ID, Shares, storedRequest } from '../processors/fakes.ts';

// The admin actions load the processor registry from S3 at import: here one automated processor and one manual firm.
vi.mock('../../../functions/adapters/registry.ts', async () => {
  const { processor } = await import('../processors/fakes.ts');
  return {
    registry: {
      version: 1,
      processors: [processor({ id: 'paynow', category: 'payments' }), { ...processor({ id: 'ledger-firm', category: 'collections', mode: 'manual' }), endpoint: undefined, secretRef: undefined }],
    },
  };
});
// The download link's secret is derived with a key from Secrets Manager: here, from its parts.
vi.mock('../../../functions/shared/crypto.ts', async (orig) => ({ ...(await orig()), derivedToken: async (purpose: string, ...parts: string[]) => `${purpose}-${parts.join('-')}` }));
const { addNote, agentContact, approveCorrection, assign, cancel, deny, extend, pause, requireReason, resend, resolveTask, resume, retryTask } = await import('../../../functions/admin/actions.ts');
const { sweep } = await import('../../../functions/sweeper/sweep.ts');

const NOW = '2026-03-02T10:00:00.000Z';
const hash = (s: string) => createHash('sha256').update(s).digest('hex');

function task(processorId: string, status: StoredTask['status'], over: Partial<StoredTask> = {}): StoredTask {
  return { taskId: `${REQUEST_ID}.${processorId}`, requestId: REQUEST_ID, processorId, category: processorId === 'paynow' ? 'payments' : 'collections', action: 'erase', status, version: 2, attempts: 1, holds: [], audit: [], ...over } as StoredTask;
}

function setup(over: Partial<StoredRequest> = {}, now = NOW) {
  const repo = new FakeRepo();
  repo.requests.set(REQUEST_ID, storedRequest({ status: 'in_progress', ...over }));
  repo.pii.set(REQUEST_ID, { email: 'ann@example.com' });
  const mailer = new FakeMailer();
  const workflow = new FakeWorkflow();
  const stopped: string[] = [];
  const posted: { url: string; id: string }[] = [];
  let answer = 202;
  const deps = {
    repo: repo as never,
    mailer,
    workflow: Object.assign(workflow, { stop: async (id: string) => void stopped.push(id) }),
    clock: fixedClock(now),
    blobs: new FakeBlobs(),
    secrets: async () => ['whsec_test'],
    post: async (url: string, id: string) => {
      posted.push({ url, id });
      return answer;
    },
  };
  return { repo, mailer, workflow, stopped, posted, deps, answer: (a: number) => (answer = a) };
}

const request = (repo: FakeRepo) => repo.requests.get(REQUEST_ID) as StoredRequest;
const stored = (repo: FakeRepo, processorId: string) => repo.tasks.get(`${REQUEST_ID}.${processorId}`) as StoredTask;

describe('what an officer’s action on a task answers', () => {
  it('leaves out the workflow’s token and the processor’s signed receipts, as the request’s detail does', async () => {
    const receipts = { cb_1: { bodyHash: 'h', signature: 'v1,sig', body: '{"request_status":"failed","reason":"account locked"}', at: NOW } };
    const resolving = setup({ status: 'awaiting_manual' });
    resolving.repo.tasks.set(`${REQUEST_ID}.ledger-firm`, task('ledger-firm', 'timed_out', { token: 'tok-escalation-1', receipts }));
    const resolved = await resolveTask(REQUEST_ID, 'ledger-firm', { outcome: 'completed', note: 'Erased by phone' }, 'officer:o', resolving.deps);
    expect(resolved).toMatchObject({ status: 'resolved', outcome: { reason: 'completed' } });
    const retrying = setup({ status: 'awaiting_manual' });
    retrying.repo.tasks.set(`${REQUEST_ID}.paynow`, task('paynow', 'failed', { token: 'tok-escalation-2', receipts }));
    const sent = await retryTask(REQUEST_ID, 'paynow', 'officer:o', retrying.deps);
    expect(sent).toMatchObject({ status: 'sent', attempts: 2 });
    for (const answer of [resolved, sent]) {
      expect(answer).not.toHaveProperty('token');
      expect(answer).not.toHaveProperty('receipts');
      expect(JSON.stringify(answer)).not.toMatch(/tok-escalation|account locked/);
    }
  });
});

describe('retrying an escalated task', () => {
  it('re-sends a timed-out task’s webhook, counts the attempt, and puts the request waiting on it back in progress', async () => {
    const { repo, deps, posted } = setup({ status: 'awaiting_manual' });
    repo.tasks.set(`${REQUEST_ID}.paynow`, task('paynow', 'timed_out'));
    const sent = await retryTask(REQUEST_ID, 'paynow', 'officer:o', deps);
    expect(sent).toMatchObject({ status: 'sent', attempts: 2, sentAt: NOW });
    expect(stored(repo, 'paynow').audit.at(-1)).toMatchObject({ at: NOW, actor: 'officer:o', action: 'retry', subject: `${REQUEST_ID}.paynow`, from: 'timed_out', to: 'sent' });
    expect(posted).toEqual([{ url: 'https://privacy-api.paynow.example/lethe', id: `${REQUEST_ID}.paynow.retry-1` }]);
    expect(request(repo).status).toBe('in_progress');
    expect(request(repo).audit.at(-1)).toMatchObject({ at: NOW, actor: 'officer:o', action: 'unblock', subject: REQUEST_ID, from: 'awaiting_manual', to: 'in_progress' });
  });

  it('re-sends a failed task as a new message: a new webhook-id per retry, kept on the task, and the same task_id and callback URL', async () => {
    // The processor answered `failed` to the task id and acts once per webhook-id: under the same id, the retry would be acknowledged and ignored.
    const { repo, deps, posted } = setup({ status: 'awaiting_manual' });
    const bodies: string[] = [];
    const post = deps.post;
    deps.post = async (url: string, id: string, body?: string) => (bodies.push(String(body)), post(url, id));
    repo.tasks.set(`${REQUEST_ID}.paynow`, task('paynow', 'failed', { attempts: 1 }));
    expect(await retryTask(REQUEST_ID, 'paynow', 'officer:o', deps)).toMatchObject({ status: 'sent', retries: 1 });
    repo.tasks.set(`${REQUEST_ID}.paynow`, { ...stored(repo, 'paynow'), status: 'failed' });
    expect(await retryTask(REQUEST_ID, 'paynow', 'officer:o', deps)).toMatchObject({ status: 'sent', retries: 2 });
    expect(posted.map((p) => p.id)).toEqual([`${REQUEST_ID}.paynow.retry-1`, `${REQUEST_ID}.paynow.retry-2`]);
    expect(stored(repo, 'paynow').audit.at(-1)).toMatchObject({ action: 'retry', data: { webhookId: `${REQUEST_ID}.paynow.retry-2` } });
    for (const b of bodies) expect(JSON.parse(b)).toMatchObject({ task_id: `${REQUEST_ID}.paynow`, status_callback_url: `http://localhost/callbacks/${REQUEST_ID}.paynow` });
  });

  it('sends an officer’s retry, a new message, with the deadline as extended since the first one', async () => {
    const { repo, deps } = setup({ status: 'awaiting_manual', extended: { at: '2026-03-01T12:00:00.000Z', reason: 'complex', dueDate: '2026-06-01' } });
    const bodies: string[] = [];
    const post = deps.post;
    deps.post = async (url: string, id: string, body?: string) => (bodies.push(String(body)), post(url, id));
    repo.tasks.set(`${REQUEST_ID}.paynow`, task('paynow', 'failed', { expectedCompletion: '2026-04-01' }));
    expect(await retryTask(REQUEST_ID, 'paynow', 'officer:o', deps)).toMatchObject({ expectedCompletion: '2026-06-01' });
    expect(JSON.parse(bodies[0]).expected_completion_time).toBe('2026-06-01');
  });

  it('re-sends a failed task too', async () => {
    const { repo, deps } = setup({ status: 'awaiting_manual' });
    repo.tasks.set(`${REQUEST_ID}.paynow`, task('paynow', 'failed', { attempts: 3 }));
    expect(await retryTask(REQUEST_ID, 'paynow', 'officer:o', deps)).toMatchObject({ status: 'sent', attempts: 4 });
  });

  it('keeps the request waiting while another of its tasks is still escalated', async () => {
    const { repo, deps } = setup({ status: 'awaiting_manual' });
    repo.tasks.set(`${REQUEST_ID}.paynow`, task('paynow', 'timed_out'));
    repo.tasks.set(`${REQUEST_ID}.ledger-firm`, task('ledger-firm', 'failed'));
    await retryTask(REQUEST_ID, 'paynow', 'officer:o', deps);
    expect(request(repo).status).toBe('awaiting_manual');
    expect(request(repo).version).toBe(2);
  });

  it('keeps the request waiting for a person while a manual processor’s task is still out', async () => {
    const { repo, deps, posted } = setup({ status: 'awaiting_manual' });
    repo.tasks.set(`${REQUEST_ID}.paynow`, task('paynow', 'timed_out'));
    repo.tasks.set(`${REQUEST_ID}.ledger-firm`, task('ledger-firm', 'sent', { token: 'tok-manual' }));
    expect(await retryTask(REQUEST_ID, 'paynow', 'officer:o', deps)).toMatchObject({ status: 'sent' });
    expect(posted).toHaveLength(1);
    expect(request(repo)).toMatchObject({ status: 'awaiting_manual', version: 2 });
  });

  it('writes nothing on a request that is not waiting on a task', async () => {
    const { repo, deps } = setup({ status: 'in_progress' });
    repo.tasks.set(`${REQUEST_ID}.paynow`, task('paynow', 'failed'));
    await retryTask(REQUEST_ID, 'paynow', 'officer:o', deps);
    expect(request(repo).version).toBe(2);
    expect(request(repo).audit).toEqual([]);
  });

  it.each(['pending', 'sent', 'in_progress', 'completed', 'resolved'] as const)('refuses to retry a %s task with a 409, sending nothing', async (status) => {
    const { repo, deps, posted } = setup({ status: 'awaiting_manual' });
    repo.tasks.set(`${REQUEST_ID}.paynow`, task('paynow', status));
    await expect(retryTask(REQUEST_ID, 'paynow', 'officer:o', deps)).rejects.toMatchObject({ name: 'Conflict', message: `a ${status} task cannot be retried` });
    expect(stored(repo, 'paynow').version).toBe(2);
    expect(posted).toEqual([]);
  });

  it('refuses to retry a manual firm’s task with a 409, sending nothing', async () => {
    const { repo, deps, posted } = setup({ status: 'awaiting_manual' });
    repo.tasks.set(`${REQUEST_ID}.ledger-firm`, task('ledger-firm', 'timed_out'));
    await expect(retryTask(REQUEST_ID, 'ledger-firm', 'officer:o', deps)).rejects.toMatchObject({ name: 'Conflict', status: 409, message: 'only an automated processor can be retried' });
    expect(stored(repo, 'ledger-firm')).toMatchObject({ status: 'timed_out', version: 2 });
    expect(posted).toEqual([]);
  });

  it.each(['failed', 'timed_out'] as const)('refuses with a 409 saying why to retry a %s task whose processor has left the registry, writing and sending nothing', async (status) => {
    const { repo, deps, posted } = setup({ status: 'awaiting_manual' });
    repo.tasks.set(`${REQUEST_ID}.gone`, task('gone', status));
    await expect(retryTask(REQUEST_ID, 'gone', 'officer:o', deps)).rejects.toMatchObject({
      name: 'Conflict',
      status: 409,
      message: 'gone is no longer in the processor registry, so its webhook cannot be sent again: have whoever now holds its data act, then resolve the task',
    });
    expect(stored(repo, 'gone')).toMatchObject({ status, version: 2, audit: [] });
    expect(request(repo)).toMatchObject({ status: 'awaiting_manual', version: 2, audit: [] });
    expect(posted).toEqual([]);
  });

  it.each(['completed', 'denied', 'cancelled'] as const)('refuses with a 409 to send a %s request’s task again, sending the processor nothing', async (status) => {
    // A withdrawn erasure must not reach the processor it failed to reach before it was withdrawn.
    const { repo, deps, posted } = setup({ status, closedAt: '2026-03-02T09:00:00.000Z' });
    repo.tasks.set(`${REQUEST_ID}.paynow`, task('paynow', 'failed'));
    await expect(retryTask(REQUEST_ID, 'paynow', 'officer:o', deps)).rejects.toMatchObject({ name: 'Conflict', status: 409 });
    expect(stored(repo, 'paynow')).toMatchObject({ status: 'failed', version: 2 });
    expect(posted).toEqual([]);
  });

  it('refuses with a 409, not a 500, to retry a task whose request record is gone (closed long ago), and sends nothing', async () => {
    const { repo, deps, posted } = setup();
    repo.requests.delete(REQUEST_ID);
    repo.tasks.set(`${REQUEST_ID}.paynow`, task('paynow', 'timed_out'));
    await expect(retryTask(REQUEST_ID, 'paynow', 'officer:o', deps)).rejects.toMatchObject({ name: 'Conflict', status: 409, message: 'a task of a closed request cannot be sent again' });
    expect(posted).toEqual([]);
    expect(stored(repo, 'paynow')).toMatchObject({ status: 'timed_out', version: 2 });
  });

  // A cancellation (or a refusal) closes the request, then marks its tasks no longer waited for:
  // landing between the retry's write and its webhook, at either step, it withdraws what the webhook asks.
  it.each([
    ['closed and its task marked', false],
    ['closed, its task not yet marked', true],
  ])('sends nothing and answers a 409 saying so when the request is cancelled between the retry’s write and its webhook (%s)', async (_, unmarked) => {
    const { repo, deps, posted, stopped } = setup({ status: 'awaiting_manual' });
    repo.tasks.set(`${REQUEST_ID}.paynow`, task('paynow', 'failed'));
    if (unmarked) repo.unwatchTask = async () => undefined;
    const write = repo.transitionTask.bind(repo);
    repo.transitionTask = async (...a: Parameters<FakeRepo['transitionTask']>) => {
      const t = await write(...a);
      if (a[1] === 'sent') await cancel(REQUEST_ID, 'withdrawn_by_requester', 'officer:b', deps);
      return t;
    };
    await expect(retryTask(REQUEST_ID, 'paynow', 'officer:o', deps)).rejects.toMatchObject({ name: 'Conflict', status: 409, reason: 'retry_closed_meanwhile', message: 'the request was refused or cancelled while the retry was being made: paynow was sent nothing' });
    expect(posted).toEqual([]);
    expect(stopped).toEqual([REQUEST_ID]);
    // Owed no more, so that the sweeper does not send it either; the request stays as the cancellation left it.
    expect(stored(repo, 'paynow').outboxWebhook).toBeUndefined();
    expect(request(repo)).toMatchObject({ status: 'cancelled' });
    expect(request(repo).audit.map((e) => e.action)).toEqual(['cancel']);
  });

  it('answers 404 for a task that does not exist', async () => {
    const { deps } = setup();
    await expect(retryTask(REQUEST_ID, 'paynow', 'officer:o', deps)).rejects.toMatchObject({ name: 'NotFound', message: `task ${REQUEST_ID}.paynow not found` });
  });

  it('answers a 502 saying the task is failed again, not a 500, when the processor refuses the retried webhook, and leaves the request waiting', async () => {
    const { repo, deps, answer } = setup({ status: 'awaiting_manual' });
    answer(503);
    repo.tasks.set(`${REQUEST_ID}.paynow`, task('paynow', 'timed_out'));
    await expect(retryTask(REQUEST_ID, 'paynow', 'officer:o', deps)).rejects.toMatchObject({ name: 'RetryFailed', status: 502, message: 'the webhook was not accepted this time either (processor paynow answered 503), so the task is failed again: retry it later, or resolve it' });
    expect(request(repo).status).toBe('awaiting_manual');
    expect(stored(repo, 'paynow').audit.at(-1)).toMatchObject({ actor: 'officer:o', action: 'fail', from: 'sent', to: 'failed' });
  });
  it('puts the request back in progress when another officer resolves the task at the moment its processor refuses the retried webhook: nothing is left waiting for an officer', async () => {
    const { repo, deps, answer } = setup({ status: 'awaiting_manual' });
    repo.tasks.set(`${REQUEST_ID}.paynow`, task('paynow', 'timed_out'));
    answer(503);
    const writeTask = repo.transitionTask.bind(repo);
    repo.transitionTask = async (prev, to, ...rest) => {
      // The other officer's resolution lands between this retry's escalation of the request and its write failing the task.
      if (to === 'failed') await writeTask(prev, 'resolved', { finishedAt: NOW }, { at: NOW, actor: 'officer:other', action: 'resolve', subject: prev.taskId });
      return writeTask(prev, to, ...rest);
    };
    await expect(retryTask(REQUEST_ID, 'paynow', 'officer:o', deps)).rejects.toMatchObject({ name: 'ConcurrentUpdate', status: 409 });
    expect(stored(repo, 'paynow').status).toBe('resolved');
    expect(request(repo).status).toBe('in_progress');
    expect(request(repo).audit.map((e) => e.action).slice(-2)).toEqual(['escalate', 'unblock']);
  });

  it('puts the request back in progress before the webhook goes, so a processor answering at once finds it unblocked', async () => {
    const { repo, deps } = setup({ status: 'awaiting_manual' });
    repo.tasks.set(`${REQUEST_ID}.paynow`, task('paynow', 'timed_out'));
    const seen: string[] = [];
    deps.post = async () => (seen.push(request(repo).status), 202);
    await retryTask(REQUEST_ID, 'paynow', 'officer:o', deps);
    expect(seen).toEqual(['in_progress']);
  });

  it('leaves a task its processor already answered as answered when the send seems to fail after all (a timeout after delivery)', async () => {
    const { repo, deps } = setup({ status: 'awaiting_manual' });
    repo.tasks.set(`${REQUEST_ID}.paynow`, task('paynow', 'timed_out'));
    deps.post = async () => {
      // The processor's callback settles the task before its answer to the webhook is lost.
      const t = stored(repo, 'paynow');
      repo.tasks.set(t.taskId, { ...t, status: 'completed', version: t.version + 1, outcome: { request_status: 'completed' } });
      throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
    };
    expect(await retryTask(REQUEST_ID, 'paynow', 'officer:o', deps)).toMatchObject({ status: 'completed' });
    expect(stored(repo, 'paynow').status).toBe('completed');
    expect(request(repo).status).toBe('in_progress');
  });

  it('puts the request back to wait for the officer, on its trail, when the retried webhook is refused after the unblock', async () => {
    const { repo, deps, answer } = setup({ status: 'awaiting_manual' });
    answer(503);
    repo.tasks.set(`${REQUEST_ID}.paynow`, task('paynow', 'timed_out'));
    await expect(retryTask(REQUEST_ID, 'paynow', 'officer:o', deps)).rejects.toMatchObject({ name: 'RetryFailed' });
    expect(request(repo).status).toBe('awaiting_manual');
    expect(request(repo).audit.slice(-2)).toMatchObject([
      { actor: 'officer:o', action: 'unblock', from: 'awaiting_manual', to: 'in_progress' },
      { actor: 'officer:o', action: 'escalate', from: 'in_progress', to: 'awaiting_manual', data: { task: `${REQUEST_ID}.paynow`, reason: 'DispatchFailed' } },
    ]);
  });
});

describe('a retry that does not get through', () => {
  it('leaves the webhook owed for the sweeper, the task sent and not failed, when Lethe cannot read the processor’s secret just now: nothing was sent, so nothing was refused', async () => {
    const { repo, deps, posted } = setup({ status: 'awaiting_manual' });
    deps.secrets = async () => Promise.reject(Object.assign(new Error('throttled'), { name: 'SecretUnavailable' }));
    repo.tasks.set(`${REQUEST_ID}.paynow`, task('paynow', 'timed_out'));
    expect(await retryTask(REQUEST_ID, 'paynow', 'officer:o', deps)).toMatchObject({ status: 'sent', retries: 1, webhookOwed: true });
    expect(posted).toEqual([]);
    expect(stored(repo, 'paynow')).toMatchObject({ status: 'sent', outboxWebhook: { seq: 1 } });
    expect(stored(repo, 'paynow').audit.map((e) => e.action), 'no failure on the trail').toEqual(['retry']);
    expect(request(repo).status).toBe('in_progress');
  });

  it('leaves the task failed, with the failed delivery on its trail, so that the officer can retry or resolve it again at once', async () => {
    const { repo, deps, answer } = setup({ status: 'awaiting_manual' });
    answer(503);
    repo.tasks.set(`${REQUEST_ID}.paynow`, task('paynow', 'timed_out', { attempts: 3 }));
    await expect(retryTask(REQUEST_ID, 'paynow', 'officer:o', deps)).rejects.toMatchObject({ name: 'RetryFailed', status: 502 });
    // Left 'sent', nobody would answer it, and it could neither be retried nor resolved until the sweeper timed it out days later.
    expect(stored(repo, 'paynow')).toMatchObject({ status: 'failed', attempts: 4, outcome: { request_status: 'failed', reason: 'DispatchFailed' } });
    expect(stored(repo, 'paynow').audit.map((e) => e.action)).toEqual(['retry', 'delivery_failed', 'fail']);
    answer(202);
    expect(await retryTask(REQUEST_ID, 'paynow', 'officer:o', deps)).toMatchObject({ status: 'sent', attempts: 5 });
  });
});

describe('resolving a task by hand', () => {
  it('closes it as completed with the officer’s note, no retention, and tells the waiting workflow state the outcome without the note', async () => {
    const { repo, deps, workflow } = setup({ status: 'awaiting_manual' });
    repo.tasks.set(`${REQUEST_ID}.ledger-firm`, task('ledger-firm', 'sent', { token: 'tok-9' }));
    const done = await resolveTask(REQUEST_ID, 'ledger-firm', { outcome: 'completed', note: 'Erased by phone' }, 'officer:o', deps);
    expect(done.status).toBe('resolved');
    expect(done.finishedAt).toBe(NOW);
    expect(done.outcome).toStrictEqual({ request_status: 'resolved', note: 'Erased by phone', reason: 'completed' });
    expect(done.audit.at(-1)).toMatchObject({ at: NOW, actor: 'officer:o', action: 'resolve', subject: `${REQUEST_ID}.ledger-firm`, from: 'sent', to: 'resolved' });
    expect(done.audit.at(-1)?.data).toEqual({ outcome: 'completed' });
    expect(workflow.calls).toEqual([{ op: 'success', token: 'tok-9', output: { request_status: 'resolved', reason: 'completed' } }]);
  });

  it('puts the request back in progress once its last escalated task is resolved, with no token to answer', async () => {
    const { repo, deps, workflow } = setup({ status: 'awaiting_manual' });
    repo.tasks.set(`${REQUEST_ID}.ledger-firm`, task('ledger-firm', 'timed_out'));
    repo.tasks.set(`${REQUEST_ID}.paynow`, task('paynow', 'completed'));
    await resolveTask(REQUEST_ID, 'ledger-firm', { outcome: 'not_found', note: 'No account' }, 'officer:o', deps);
    expect(request(repo).status).toBe('in_progress');
    expect(request(repo).audit.at(-1)).toMatchObject({ at: NOW, actor: 'officer:o', action: 'unblock', from: 'awaiting_manual', to: 'in_progress' });
    expect(workflow.calls).toEqual([]);
  });

  it('keeps the request waiting for a person while a manual processor’s task is still out, and puts it back in progress once that one is resolved too', async () => {
    const { repo, deps, workflow } = setup({ status: 'awaiting_manual' });
    repo.tasks.set(`${REQUEST_ID}.paynow`, task('paynow', 'timed_out', { token: 'tok-escalation' }));
    repo.tasks.set(`${REQUEST_ID}.ledger-firm`, task('ledger-firm', 'sent', { token: 'tok-manual' }));
    await resolveTask(REQUEST_ID, 'paynow', { outcome: 'completed', note: 'Confirmed by their support' }, 'officer:o', deps);
    expect(request(repo)).toMatchObject({ status: 'awaiting_manual', version: 2 });
    expect(workflow.calls.map((c) => c.token)).toEqual(['tok-escalation']);
    await resolveTask(REQUEST_ID, 'ledger-firm', { outcome: 'completed', note: 'Erased by phone' }, 'officer:o', deps);
    expect(request(repo).status).toBe('in_progress');
    expect(request(repo).audit.at(-1)).toMatchObject({ at: NOW, actor: 'officer:o', action: 'unblock', from: 'awaiting_manual', to: 'in_progress' });
    expect(workflow.calls.map((c) => c.token)).toEqual(['tok-escalation', 'tok-manual']);
  });

  it('puts the request back in progress with a manual processor’s task not yet sent: its Dispatch holds the request again when it comes', async () => {
    const { repo, deps } = setup({ status: 'awaiting_manual' });
    repo.tasks.set(`${REQUEST_ID}.paynow`, task('paynow', 'timed_out'));
    repo.tasks.set(`${REQUEST_ID}.ledger-firm`, task('ledger-firm', 'pending'));
    await resolveTask(REQUEST_ID, 'paynow', { outcome: 'completed', note: 'Confirmed by their support' }, 'officer:o', deps);
    expect(request(repo).status).toBe('in_progress');
  });

  it('answers the officer with the resolved task when the workflow completes the request while it is being unblocked', async () => {
    const { repo, deps } = setup({ status: 'awaiting_manual' });
    repo.tasks.set(`${REQUEST_ID}.ledger-firm`, task('ledger-firm', 'sent', { token: 'tok-9' }));
    // Told of the last task, Notify completes the request between the officer's read and write.
    repo.beforeRequestWrite = (r) => bump(r.requests, REQUEST_ID, { status: 'completed' });
    const done = await resolveTask(REQUEST_ID, 'ledger-firm', { outcome: 'completed', note: 'Erased by phone' }, 'officer:o', deps);
    expect(done.status).toBe('resolved');
    expect(request(repo).status).toBe('completed');
    expect(request(repo).audit.map((e) => e.action)).not.toContain('unblock');
    // Resolved once: running the action again (as the handler does after a race) would answer 409.
    expect(stored(repo, 'ledger-firm').audit.filter((e) => e.action === 'resolve')).toHaveLength(1);
  });

  it('resolves a task that outlived its request record (tasks are kept a year longer), writing no request', async () => {
    const { repo, deps } = setup({ status: 'awaiting_manual' });
    repo.tasks.set(`${REQUEST_ID}.ledger-firm`, task('ledger-firm', 'timed_out'));
    repo.requests.clear();
    expect((await resolveTask(REQUEST_ID, 'ledger-firm', { outcome: 'not_found', note: 'No account' }, 'officer:o', deps)).status).toBe('resolved');
    expect(repo.requests.size).toBe(0);
  });

  it('keeps the request waiting while another task is still escalated', async () => {
    const { repo, deps } = setup({ status: 'awaiting_manual' });
    repo.tasks.set(`${REQUEST_ID}.ledger-firm`, task('ledger-firm', 'timed_out'));
    repo.tasks.set(`${REQUEST_ID}.paynow`, task('paynow', 'failed'));
    await resolveTask(REQUEST_ID, 'ledger-firm', { outcome: 'not_found', note: 'No account' }, 'officer:o', deps);
    expect(request(repo).status).toBe('awaiting_manual');
  });

  it('still resolves when the workflow no longer waits on the token (timed out, or invalid), which owes it nothing more', async () => {
    for (const name of ['TaskTimedOut', 'InvalidToken']) {
      const { repo, deps } = setup({ status: 'awaiting_manual' });
      repo.tasks.set(`${REQUEST_ID}.ledger-firm`, task('ledger-firm', 'timed_out', { token: 'tok-old' }));
      deps.workflow.taskSuccess = async () => Promise.reject(Object.assign(new Error('gone'), { name }));
      expect((await resolveTask(REQUEST_ID, 'ledger-firm', { outcome: 'completed', note: 'Done' }, 'officer:o', deps)).status).toBe('resolved');
      expect(request(repo).status).toBe('in_progress');
      expect(stored(repo, 'ledger-firm').outboxToken).toBeUndefined();
    }
  });

  it('answers the task resolved, its token owed for the sweeper (workflowOwed), when the workflow refuses it for any other reason: never a 500', async () => {
    const { repo, deps } = setup({ status: 'awaiting_manual' });
    repo.tasks.set(`${REQUEST_ID}.ledger-firm`, task('ledger-firm', 'timed_out', { token: 'tok-9' }));
    deps.workflow.taskSuccess = async () => Promise.reject(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));
    await expect(resolveTask(REQUEST_ID, 'ledger-firm', { outcome: 'completed', note: 'Done' }, 'officer:o', deps)).resolves.toMatchObject({ status: 'resolved', workflowOwed: true });
    expect(request(repo).status).toBe('in_progress');
    expect(stored(repo, 'ledger-firm')).toMatchObject({ status: 'resolved', outboxToken: { at: NOW } });
  });

  it('records the token owed in the very write that resolves the task, and clears the mark once the waiting state has it', async () => {
    const { repo, deps, workflow } = setup({ status: 'awaiting_manual' });
    repo.tasks.set(`${REQUEST_ID}.ledger-firm`, task('ledger-firm', 'timed_out', { token: 'tok-9' }));
    const seen: unknown[] = [];
    const send = workflow.taskSuccess.bind(workflow);
    workflow.taskSuccess = async (token, output) => {
      seen.push(structuredClone(stored(repo, 'ledger-firm')));
      return send(token, output);
    };
    await resolveTask(REQUEST_ID, 'ledger-firm', { outcome: 'completed', note: 'Erased by phone' }, 'officer:o', deps);
    expect(seen).toMatchObject([{ status: 'resolved', version: 3, outboxToken: { at: NOW } }]);
    expect(stored(repo, 'ledger-firm')).toMatchObject({ status: 'resolved', version: 3 });
    expect(stored(repo, 'ledger-firm').outboxToken).toBeUndefined();
    // A task with no token yet (dispatch has not run) owes the workflow nothing: dispatch finds it resolved.
    repo.tasks.set(`${REQUEST_ID}.ledger-firm`, task('ledger-firm', 'pending'));
    repo.requests.set(REQUEST_ID, storedRequest({ status: 'in_progress' }));
    await resolveTask(REQUEST_ID, 'ledger-firm', { outcome: 'completed', note: 'Done' }, 'officer:o', deps);
    expect(stored(repo, 'ledger-firm')).toMatchObject({ status: 'resolved' });
    expect(stored(repo, 'ledger-firm').outboxToken).toBeUndefined();
  });

  it('is finished by the sweeper when the function dies between resolving the task and telling the workflow: the state gets its token, the request goes on', async () => {
    const { repo, mailer, deps } = setup({ status: 'awaiting_manual' });
    repo.tasks.set(`${REQUEST_ID}.ledger-firm`, task('ledger-firm', 'timed_out', { token: 'tok-9' }));
    // The process dies at the step boundary: the SendTaskSuccess call never returns, and nothing after it runs.
    let reached: () => void = () => {};
    const atSend = new Promise<void>((r) => (reached = r));
    deps.workflow.taskSuccess = () => {
      reached();
      return new Promise(() => {});
    };
    void resolveTask(REQUEST_ID, 'ledger-firm', { outcome: 'completed', note: 'Erased by phone' }, 'officer:o', deps);
    await atSend;
    // The officer cannot press again: a resolved task cannot be resolved.
    await expect(resolveTask(REQUEST_ID, 'ledger-firm', { outcome: 'completed', note: 'Erased by phone' }, 'officer:o', deps)).rejects.toMatchObject({ status: 409 });
    const workflow = Object.assign(new FakeWorkflow(), { describe: async () => ({ status: 'RUNNING' }) });
    const report = await sweep(new Date('2026-03-02T10:15:00.000Z'), { repo, mailer, workflow, tokens: {}, baseUrl: 'http://x', linksPerHour: 5, processors: [], blobs: new FakeBlobs() } as never);
    expect(report.tokensSent).toEqual([`${REQUEST_ID}.ledger-firm`]);
    expect(workflow.calls).toEqual([{ op: 'success', token: 'tok-9', output: { request_status: 'resolved', reason: 'completed' } }]);
    expect(stored(repo, 'ledger-firm').outboxToken).toBeUndefined();
  });

  it.each(['pending', 'sent', 'in_progress'] as const)('refuses with a 409 to resolve an automated processor’s %s task, still waiting for its callback, changing nothing', async (status) => {
    // The requester would be told PayNow erased their data on the officer's word, while PayNow is still at it.
    const { repo, deps, workflow } = setup({ status: 'in_progress' });
    repo.tasks.set(`${REQUEST_ID}.paynow`, task('paynow', status, { token: 'tok-1' }));
    await expect(resolveTask(REQUEST_ID, 'paynow', { outcome: 'completed', note: 'Done, they said' }, 'officer:o', deps)).rejects.toMatchObject({ name: 'Conflict', status: 409 });
    expect(stored(repo, 'paynow')).toMatchObject({ status, version: 2 });
    expect(workflow.calls).toEqual([]);
  });

  it.each(['completed', 'denied', 'cancelled'] as const)('refuses with a 409 to resolve a task of a request %s, changing nothing and telling no workflow', async (status) => {
    const { repo, deps, workflow } = setup({ status, closedAt: '2026-03-01T12:00:00.000Z' });
    repo.tasks.set(`${REQUEST_ID}.ledger-firm`, task('ledger-firm', 'sent', { token: 'tok-9' }));
    await expect(resolveTask(REQUEST_ID, 'ledger-firm', { outcome: 'completed', note: 'Erased by phone' }, 'officer:o', deps)).rejects.toMatchObject({ name: 'Conflict', status: 409, message: `a task of a ${status} request cannot be resolved` });
    expect(stored(repo, 'ledger-firm')).toMatchObject({ status: 'sent', version: 2 });
    expect(workflow.calls).toEqual([]);
  });

  it('refuses to resolve a task already finished, with a 409', async () => {
    const { repo, deps } = setup({ status: 'awaiting_manual' });
    repo.tasks.set(`${REQUEST_ID}.ledger-firm`, task('ledger-firm', 'completed'));
    await expect(resolveTask(REQUEST_ID, 'ledger-firm', { outcome: 'completed', note: 'Done' }, 'officer:o', deps)).rejects.toMatchObject({ name: 'IllegalTransition', status: 409, message: "task in status 'completed' cannot 'resolve'" });
    expect(stored(repo, 'ledger-firm').version).toBe(2);
  });

  it('keeps a record until tomorrow (London), but not until yesterday', async () => {
    const ok = setup({ status: 'awaiting_manual' }, '2026-06-30T23:30:00.000Z');
    ok.repo.tasks.set(`${REQUEST_ID}.ledger-firm`, task('ledger-firm', 'timed_out'));
    const done = await resolveTask(REQUEST_ID, 'ledger-firm', { outcome: 'retained', note: 'Invoices', basis: 'accounting', until: '2026-07-02' }, 'officer:o', ok.deps);
    expect(done.outcome).toMatchObject({ reason: 'retained', retained_until: '2026-07-02', legal_basis: 'accounting' });
    const late = setup({ status: 'awaiting_manual' }, '2026-06-30T23:30:00.000Z');
    late.repo.tasks.set(`${REQUEST_ID}.ledger-firm`, task('ledger-firm', 'timed_out'));
    await expect(resolveTask(REQUEST_ID, 'ledger-firm', { outcome: 'retained', note: 'Invoices', basis: 'accounting', until: '2026-06-30' }, 'officer:o', late.deps)).rejects.toMatchObject({ name: 'InvalidInput', status: 400, message: 'invalid body', issues: [{ path: 'until', message: 'must be a date after today' }] });
  });
});

describe('a deadline that moves', () => {
  it('is reminded of afresh: an extension or a restart drops the deadline’s reminders, and keeps the other flags (a lost execution is not alerted twice)', async () => {
    const extending = setup({ flags: ['reminder-7', 'execution-lost'] } as Partial<StoredRequest>);
    await extend(REQUEST_ID, 'Several processors hold records', 'officer:o', extending.deps);
    expect(request(extending.repo)).toMatchObject({ flags: ['execution-lost'] });
    const restarting = setup({ type: 'access', pausedSince: '2026-03-02T10:00:00.000Z', flags: ['reminder-2', 'execution-lost'] } as Partial<StoredRequest>, '2026-03-09T10:00:00.000Z');
    await resume(REQUEST_ID, 'officer:o', restarting.deps);
    expect(request(restarting.repo)).toMatchObject({ flags: ['execution-lost'] });
    const unflagged = setup({ type: 'access', pausedSince: '2026-03-02T10:00:00.000Z' }, '2026-03-09T10:00:00.000Z');
    await resume(REQUEST_ID, 'officer:o', unflagged.deps);
    expect(request(unflagged.repo)).toMatchObject({ flags: [] });
  });
});

describe('the requester’s contact data while the deadline moves', () => {
  const DAY = 86_400_000;
  const after120 = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) + 120 * DAY).toISOString();

  it('keeps the contact data until 120 days after the extended deadline once extended, not the original one', async () => {
    const { deps, repo } = setup();
    const done = await extend(REQUEST_ID, 'Several processors hold records', 'officer:o', deps);
    expect(done.extended?.dueDate).toBe('2026-06-01');
    expect(repo.piiExpiry.get(REQUEST_ID)?.toISOString()).toBe(after120('2026-06-01'));
  });

  it('moves the contact data’s end with the deadline a restarted clock moves, so the answer can still be mailed', async () => {
    // Extended to 1 June, stopped on 2 March; the answer came on 20 August: both deadlines move by 171 days.
    const extended = { at: '2026-03-01T12:00:00.000Z', reason: 'Several processors hold records', dueDate: '2026-06-01' };
    const { deps, repo } = setup({ type: 'access', extended, pausedSince: '2026-03-02T10:00:00.000Z' }, '2026-08-20T10:00:00.000Z');
    const done = await resume(REQUEST_ID, 'officer:o', deps);
    const due = done.extended?.dueDate as string;
    expect(due > '2026-11-01').toBe(true);
    // The end set at confirmation (1 April + 120 days, 30 July) had already passed: the outcome would have found no address.
    expect(repo.piiExpiry.get(REQUEST_ID)?.toISOString()).toBe(after120(due));
    const plain = setup({ type: 'access', pausedSince: '2026-03-02T10:00:00.000Z' }, '2026-03-09T10:00:00.000Z');
    const restarted = await resume(REQUEST_ID, 'officer:o', plain.deps, '2026-03-04');
    expect(plain.repo.piiExpiry.get(REQUEST_ID)?.toISOString()).toBe(after120(restarted.dueDate as string));
  });

  it('keeps the contact data with no end while the clock is stopped, however long, an extension meanwhile too, and counts an end again from the restarted deadline', async () => {
    const { deps, repo } = setup({ type: 'access' });
    repo.piiExpiry.set(REQUEST_ID, new Date(after120('2026-04-01')));
    await pause(REQUEST_ID, 'Which orders your request is about', 'officer:o', deps);
    // Until November 29, 2026 the end stayed 120 days after the deadline as it stood: a longer stop lost the address.
    expect(repo.piiExpiry.get(REQUEST_ID)).toBeNull();
    await extend(REQUEST_ID, 'Several processors hold records', 'officer:o', deps);
    expect(repo.piiExpiry.get(REQUEST_ID)).toBeNull();
    const restarted = await resume(REQUEST_ID, 'officer:o', deps);
    expect(repo.piiExpiry.get(REQUEST_ID)?.toISOString()).toBe(after120(restarted.extended?.dueDate as string));
  });

  it('keeps the extended end when an extended request waiting for review is approved and started', async () => {
    const extended = { at: '2026-03-01T12:00:00.000Z', reason: 'Several processors hold records', dueDate: '2026-06-01' };
    const { deps, repo } = setup({ status: 'awaiting_review', agent: { relationship: 'solicitor', proof: 'signed_authority' }, extended });
    await approveCorrection(REQUEST_ID, undefined, 'officer:o', deps);
    expect(repo.piiExpiry.get(REQUEST_ID)?.toISOString()).toBe(after120('2026-06-01'));
  });

  it('records no extension whose contact data could not be kept for it: the officer’s retry can make it', async () => {
    const { deps, repo, mailer } = setup();
    repo.setPiiExpiry = async () => Promise.reject(new Error('DynamoDB down'));
    await expect(extend(REQUEST_ID, 'Several processors hold records', 'officer:o', deps)).rejects.toThrow('DynamoDB down');
    expect(request(repo).extended).toBeUndefined();
    expect(mailer.sent).toEqual([]);
  });
});

describe('restarting the clock after a clarification', () => {
  it('moves the deadline by the whole London days it was stopped, and records them', async () => {
    const { repo, deps } = setup({ type: 'access', pausedSince: '2026-03-02T10:00:00.000Z' }, '2026-03-09T10:00:00.000Z');
    const done = await resume(REQUEST_ID, 'officer:o', deps);
    // Due 1 April 2026, stopped 7 days: Wednesday 8 April.
    expect(done).toMatchObject({ status: 'in_progress', pausedDays: 7, dueDate: '2026-04-08' });
    expect('pausedSince' in request(repo)).toBe(false);
    expect(request(repo).extended).toBeUndefined();
    expect(done.audit.at(-1)).toMatchObject({ at: '2026-03-09T10:00:00.000Z', actor: 'officer:o', action: 'resume', subject: REQUEST_ID, data: { pausedDays: 7, dueDate: '2026-04-08' } });
  });

  it('adds to the days already paused, and moves a Saturday deadline to the Monday', async () => {
    const { deps } = setup({ type: 'access', pausedDays: 3, pausedSince: '2026-03-02T10:00:00.000Z' }, '2026-03-09T10:00:00.000Z');
    // 1 April + 10 days is Saturday 11 April: Monday 13 April.
    expect(await resume(REQUEST_ID, 'officer:o', deps)).toMatchObject({ pausedDays: 10, dueDate: '2026-04-13' });
  });

  it('records on its trail the days of this stop only, not those of the stops before', async () => {
    const { deps } = setup({ type: 'access', pausedDays: 3, pausedSince: '2026-03-02T10:00:00.000Z' }, '2026-03-09T10:00:00.000Z');
    const done = await resume(REQUEST_ID, 'officer:o', deps);
    expect(done.pausedDays).toBe(10);
    expect(done.audit.at(-1)?.data).toEqual({ pausedDays: 7, dueDate: '2026-04-13' });
  });

  it('tells the requester the date of an extension made while the clock was stopped even when restarted the same London day, when that date has not moved', async () => {
    // Confirmed 1 March; stopped 2 March 10:00; extended at 11:00 (told no date); restarted at 16:00: due Monday 1 June.
    const extended = { at: '2026-03-02T11:00:00.000Z', reason: 'Several processors hold records', dueDate: '2026-06-01' };
    const { deps, mailer, repo } = setup({ type: 'access', extended, pausedSince: '2026-03-02T10:00:00.000Z' }, '2026-03-02T16:00:00.000Z');
    expect(await resume(REQUEST_ID, 'officer:o', deps)).toMatchObject({ noticeOwed: false, pausedDays: 0, extended: { dueDate: '2026-06-01' } });
    expect(mailer.sent.map((m) => m.subject)).toEqual(['Your request: the new deadline']);
    expect(mailer.sent[0].text).toContain('Reason: Several processors hold records\nNew deadline: 1 June 2026.');
    expect(mailer.sent[0].text).not.toContain('It replaces');
    expect(request(repo).outboxNotice).toBeUndefined();
  });

  it('moves an extended deadline too, keeping the extension’s reason and date', async () => {
    const extended = { at: '2026-03-02T09:00:00.000Z', reason: 'Several processors', dueDate: '2026-06-01' };
    const { deps } = setup({ type: 'access', extended, pausedSince: '2026-03-02T10:00:00.000Z' }, '2026-03-09T10:00:00.000Z');
    const done = await resume(REQUEST_ID, 'officer:o', deps);
    // 1 March + 3 months is Monday 1 June; 7 days later, Monday 8 June.
    expect(done.extended).toEqual({ at: '2026-03-02T09:00:00.000Z', reason: 'Several processors', dueDate: '2026-06-08' });
    expect(done.dueDate).toBe('2026-04-08');
  });

  it('moves nothing when stopped and restarted the same London day, though the UTC dates differ', async () => {
    // Confirmed 1 June, due 1 July. Stopped 30 June 23:30 UTC (1 July, 00:30 in London), restarted 1 July 22:30 UTC (23:30 in London).
    const { deps } = setup({ type: 'access', verifiedAt: '2026-06-01T09:05:00.000Z', dueDate: '2026-07-01', pausedSince: '2026-06-30T23:30:00.000Z' }, '2026-07-01T22:30:00.000Z');
    const done = await resume(REQUEST_ID, 'officer:o', deps);
    expect(done).toMatchObject({ pausedDays: 0, dueDate: '2026-07-01' });
    expect(done.audit.at(-1)?.data).toEqual({ pausedDays: 0, dueDate: '2026-07-01' });
  });

  it('counts a day when restarted just after midnight in London, still the previous day in UTC', async () => {
    // Confirmed 1 June, due 1 July: one day stopped, Thursday 2 July.
    const { deps } = setup({ type: 'access', verifiedAt: '2026-06-01T09:05:00.000Z', dueDate: '2026-07-01', pausedSince: '2026-06-30T10:00:00.000Z' }, '2026-06-30T23:30:00.000Z');
    expect(await resume(REQUEST_ID, 'officer:o', deps)).toMatchObject({ pausedDays: 1, dueDate: '2026-07-02' });
  });

  it('never moves the deadline back when the pause is dated after now', async () => {
    const { deps } = setup({ type: 'access', pausedDays: 2, pausedSince: '2026-03-05T10:00:00.000Z' }, NOW);
    // 1 April + 2 days is Good Friday 3 April; Easter Monday is a bank holiday too: Tuesday 7 April.
    expect(await resume(REQUEST_ID, 'officer:o', deps)).toMatchObject({ pausedDays: 2, dueDate: '2026-04-07' });
  });

  it('moves nothing when the clock was stopped after its deadline had passed (before such a stop was refused): it had run out', async () => {
    // Due 1 April, stopped 5 April, restarted 10 April: still due 1 April.
    const { repo, deps } = setup({ type: 'access', pausedSince: '2026-04-05T10:00:00.000Z' }, '2026-04-10T10:00:00.000Z');
    const done = await resume(REQUEST_ID, 'officer:o', deps);
    expect(done).toMatchObject({ pausedDays: 0, dueDate: '2026-04-01' });
    expect('pausedSince' in request(repo)).toBe(false);
    expect(done.audit.at(-1)?.data).toEqual({ pausedDays: 0, dueDate: '2026-04-01' });
  });

  it('tells the requester the moved deadline of an extension made while the clock was stopped, recorded in the restart’s own write', async () => {
    // Confirmed 1 March; stopped 2 March; extended 5 March (told no date: the clock was stopped); restarted 9 March: 7 days, Monday 8 June.
    const extended = { at: '2026-03-05T10:00:00.000Z', reason: 'Several processors hold records', dueDate: '2026-06-01' };
    const failing = setup({ type: 'access', extended, noticeSeq: 2, pausedSince: '2026-03-02T10:00:00.000Z' }, '2026-03-09T10:00:00.000Z');
    const owed = await resume(REQUEST_ID, 'officer:o', { ...failing.deps, mailer: { send: async () => Promise.reject(new Error('SES down')) } } as never);
    expect(owed).toMatchObject({ noticeOwed: true, pausedDays: 7, extended: { ...extended, dueDate: '2026-06-08' } });
    expect(request(failing.repo)).toMatchObject({ version: 3, outboxNotice: { seq: 3, owner: 'admin', notice: 'extension', reason: 'Several processors hold records', dueDate: '2026-06-08', restarted: true } });
    expect('pausedSince' in request(failing.repo)).toBe(false);
    expect((await failing.repo.listOwed('notice')).map((m) => m.requestId)).toEqual([REQUEST_ID]);

    const { deps, mailer } = setup({ type: 'access', extended, pausedSince: '2026-03-02T10:00:00.000Z' }, '2026-03-09T10:00:00.000Z');
    expect(await resume(REQUEST_ID, 'officer:o', deps)).toMatchObject({ noticeOwed: false });
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0]).toMatchObject({ to: 'ann@example.com', subject: 'Your request: the new deadline' });
    expect(mailer.sent[0].text).toContain(`The time limit for your request (reference ${REQUEST_ID}) has started again.\nAs we told you, we need more time to complete it.\nReason: Several processors hold records\nNew deadline: 8 June 2026.`);
  });

  it('tells the requester the moved date of an extension made before the clock stopped, and the date it replaces, recorded in the restart’s own write', async () => {
    // Extended 2 March (told 1 June), stopped an hour later, restarted 9 March: 7 days, Monday 8 June.
    const extended = { at: '2026-03-02T09:00:00.000Z', reason: 'Several processors', dueDate: '2026-06-01' };
    const failing = setup({ type: 'access', extended, noticeSeq: 2, pausedSince: '2026-03-02T10:00:00.000Z' }, '2026-03-09T10:00:00.000Z');
    const owed = await resume(REQUEST_ID, 'officer:o', { ...failing.deps, mailer: { send: async () => Promise.reject(new Error('SES down')) } } as never);
    expect(owed).toMatchObject({ noticeOwed: true, pausedDays: 7, extended: { ...extended, dueDate: '2026-06-08' } });
    expect(request(failing.repo)).toMatchObject({ version: 3, outboxNotice: { seq: 3, owner: 'admin', notice: 'extension', reason: 'Several processors', dueDate: '2026-06-08', restarted: true, previousDueDate: '2026-06-01' } });
    expect('pausedSince' in request(failing.repo)).toBe(false);
    // Owed, the sweeper mails it: the same words as the restart would have.
    const sweeper = Object.assign(new FakeWorkflow(), { describe: async () => ({ status: 'RUNNING' }) });
    const report = await sweep(new Date('2026-03-09T10:15:00.000Z'), { repo: failing.repo, mailer: failing.mailer, workflow: sweeper, tokens: {}, baseUrl: 'http://x', linksPerHour: 5, processors: [], blobs: new FakeBlobs() } as never);
    expect(report.noticesSent).toEqual([REQUEST_ID]);

    const { deps, mailer } = setup({ type: 'access', extended, pausedSince: '2026-03-02T10:00:00.000Z' }, '2026-03-09T10:00:00.000Z');
    expect(await resume(REQUEST_ID, 'officer:o', deps)).toMatchObject({ noticeOwed: false });
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0]).toMatchObject({ to: 'ann@example.com', subject: 'Your request: the new deadline' });
    expect(mailer.sent[0].text).toContain(
      `The time limit for your request (reference ${REQUEST_ID}) has started again.\nAs we told you, we need more time to complete it.\nReason: Several processors\nNew deadline: 8 June 2026.\nIt replaces the deadline of 1 June 2026 that we gave you: the days the time limit was paused, waiting for your answer, do not count.`,
    );
    expect(failing.mailer.sent.map((m) => m.text)).toEqual([mailer.sent[0].text]);
  });

  it('mails nothing on restarting a clock extended before it was stopped when the date the requester was told does not move (restarted the same London day)', async () => {
    const extended = { at: '2026-03-02T09:00:00.000Z', reason: 'Several processors', dueDate: '2026-06-01' };
    const { deps, mailer, repo } = setup({ type: 'access', extended, pausedSince: '2026-03-02T10:00:00.000Z' }, '2026-03-02T16:00:00.000Z');
    const done = await resume(REQUEST_ID, 'officer:o', deps);
    expect(done).toMatchObject({ pausedDays: 0, extended: { dueDate: '2026-06-01' } });
    expect(done).not.toHaveProperty('noticeOwed');
    expect(mailer.sent).toEqual([]);
    expect(request(repo).outboxNotice).toBeUndefined();
  });

  it('restarts a clock stopped on its last day, a Monday a weekend gave it, with the restart day as its deadline, not one already past', async () => {
    // Confirmed 31 January: due Monday 2 March (28 February is a Saturday); stopped that Monday, restarted Wednesday 4 March.
    const { deps } = setup({ type: 'access', verifiedAt: '2026-01-31T10:00:00.000Z', dueDate: '2026-03-02', pausedSince: '2026-03-02T10:00:00.000Z' }, '2026-03-04T10:00:00.000Z');
    const done = await resume(REQUEST_ID, 'officer:o', deps);
    expect(done).toMatchObject({ pausedDays: 2, dueDate: '2026-03-04' });
  });

  it('extends a clock restarted on a Monday a weekend gave it by three months and the days it stood still, not the weekend too', async () => {
    // Confirmed Thursday 30 April 2026: due Monday 1 June (30 May is a Saturday); stopped and restarted that Monday, then extended.
    const { deps, mailer } = setup({ type: 'access', verifiedAt: '2026-04-30T09:00:00.000Z', dueDate: '2026-06-01', pausedSince: '2026-06-01T08:00:00.000Z' }, '2026-06-01T15:00:00.000Z');
    expect(await resume(REQUEST_ID, 'officer:o', deps)).toMatchObject({ pausedDays: 0, dueDate: '2026-06-01' });
    // Thursday 30 July; until November 29, 2026 the restart counted the weekend as stopped, and the requester was told Monday 3 August.
    expect(await extend(REQUEST_ID, 'Several processors hold records', 'officer:o', deps)).toMatchObject({ extended: { dueDate: '2026-07-30' } });
    expect(mailer.sent.at(-1)?.text).toContain('New deadline: 30 July 2026.');
  });

  it('restarts the clock on the day the requester’s answer was received, not the later day an officer records it (Art. 12A)', async () => {
    // Stopped Monday 2 March, answered Wednesday 4 March, recorded Monday 9 March: 2 days, not 7.
    const { repo, deps } = setup({ type: 'access', pausedSince: '2026-03-02T10:00:00.000Z' }, '2026-03-09T10:00:00.000Z');
    const done = await resume(REQUEST_ID, 'officer:o', deps, '2026-03-04');
    // 1 April + 2 days is Good Friday 3 April; Easter Monday too: Tuesday 7 April.
    expect(done).toMatchObject({ pausedDays: 2, dueDate: '2026-04-07' });
    expect('pausedSince' in request(repo)).toBe(false);
    expect(done.audit.at(-1)).toMatchObject({ at: '2026-03-09T10:00:00.000Z', action: 'resume', data: { pausedDays: 2, dueDate: '2026-04-07', answeredOn: '2026-03-04' } });
  });

  it('refuses, naming answeredOn and changing nothing, an answer received early enough to end the original month before an extension made while the clock was stopped', async () => {
    // Confirmed 1 March (due 1 April), stopped 20 March, extended 10 April while stopped (a restart that day would give 22 April).
    const extended = { at: '2026-04-10T09:00:00.000Z', reason: 'Several processors hold records', dueDate: '2026-07-22' };
    const { repo, deps, mailer } = setup({ type: 'access', extended, pausedSince: '2026-03-20T10:00:00.000Z' }, '2026-04-10T10:00:00.000Z');
    const before = structuredClone(request(repo));
    // Answered 22 March: 2 days, Good Friday 3 April, then Easter Monday: the month ended on 7 April, before the extension. Until November 29, 2026 it was taken.
    await expect(resume(REQUEST_ID, 'officer:o', deps, '2026-03-22')).rejects.toMatchObject({
      status: 400,
      issues: [{ path: 'answeredOn', message: 'the deadline was extended on 2026-04-10, while the clock was stopped: an answer received then would end the original month on 2026-04-07, before the extension' }],
    });
    expect(request(repo)).toEqual(before);
    expect(mailer.sent).toEqual([]);
    // Answered 30 March: 10 days stopped, so 11 April, a Saturday, then Monday 13 April, after the extension: taken.
    expect(await resume(REQUEST_ID, 'officer:o', deps, '2026-03-30')).toMatchObject({ pausedDays: 10, dueDate: '2026-04-13' });
  });

  it('tells the requester the deadline of an extension counted to the day their answer was received', async () => {
    const extended = { at: '2026-03-05T10:00:00.000Z', reason: 'Several processors hold records', dueDate: '2026-06-01' };
    const { deps, mailer } = setup({ type: 'access', extended, pausedSince: '2026-03-02T10:00:00.000Z' }, '2026-03-09T10:00:00.000Z');
    // 1 June + 2 days: Wednesday 3 June.
    expect(await resume(REQUEST_ID, 'officer:o', deps, '2026-03-04')).toMatchObject({ pausedDays: 2, extended: { dueDate: '2026-06-03' }, noticeOwed: false });
    expect(mailer.sent[0].text).toContain('New deadline: 3 June 2026.');
  });

  it.each([
    ['before the London day the clock stopped', '2026-03-01'],
    ['after today in London', '2026-03-10'],
  ])('refuses with a field-level 400 an answer dated %s, writing nothing', async (_, answeredOn) => {
    const { repo, deps, mailer } = setup({ type: 'access', pausedSince: '2026-03-02T10:00:00.000Z' }, '2026-03-09T10:00:00.000Z');
    await expect(resume(REQUEST_ID, 'officer:o', deps, answeredOn)).rejects.toMatchObject({
      name: 'InvalidInput',
      status: 400,
      issues: [{ path: 'answeredOn', message: 'the day the requester’s answer was received: from 2026-03-02, when the clock stopped, to 2026-03-09, today (London dates)' }],
    });
    expect(request(repo)).toMatchObject({ pausedSince: '2026-03-02T10:00:00.000Z', pausedDays: 0, audit: [] });
    expect(mailer.sent).toEqual([]);
  });

  it.each(['completed', 'denied', 'cancelled'] as const)('refuses with a 409 to restart the clock of a request %s while it was stopped, writing nothing', async (status) => {
    const { repo, deps } = setup({ type: 'access', status, closedAt: '2026-03-05T10:00:00.000Z', pausedSince: '2026-03-02T10:00:00.000Z' }, '2026-03-09T10:00:00.000Z');
    await expect(resume(REQUEST_ID, 'officer:o', deps)).rejects.toMatchObject({ name: 'Conflict', status: 409 });
    expect(request(repo)).toMatchObject({ version: 2, dueDate: '2026-04-01', pausedDays: 0 });
    expect(request(repo).audit).toEqual([]);
  });

  it('refuses with a 409 when the clock is not stopped, or the request was never verified', async () => {
    const running = setup({ type: 'access' });
    await expect(resume(REQUEST_ID, 'officer:o', running.deps)).rejects.toMatchObject({ name: 'Conflict', message: 'the clock is not stopped' });
    const unverified = setup({ type: 'access', verifiedAt: undefined, pausedSince: '2026-03-01T10:00:00.000Z' });
    await expect(resume(REQUEST_ID, 'officer:o', unverified.deps)).rejects.toMatchObject({ name: 'Conflict', message: 'the clock is not stopped' });
    expect(request(unverified.repo).pausedSince).toBe('2026-03-01T10:00:00.000Z');
  });
});

describe('extending the deadline (Art. 12(3))', () => {
  it.each(['awaiting_review', 'verified', 'in_progress', 'awaiting_manual'] as const)('extends a %s request once, recording the old and new dates, status unchanged', async (status) => {
    const { deps, repo } = setup({ status }, '2026-03-20T10:00:00.000Z');
    const done = await extend(REQUEST_ID, 'Several processors hold records', 'officer:o', deps);
    // 1 March + 3 months: Monday 1 June 2026.
    expect(done.status).toBe(status);
    expect(done.extended).toEqual({ at: '2026-03-20T10:00:00.000Z', reason: 'Several processors hold records', dueDate: '2026-06-01' });
    expect(done.audit.at(-1)).toMatchObject({ at: '2026-03-20T10:00:00.000Z', actor: 'officer:o', action: 'extend', subject: REQUEST_ID, data: { from: '2026-04-01', to: '2026-06-01' } });
    await expect(extend(REQUEST_ID, 'Again', 'officer:o', deps)).rejects.toMatchObject({ name: 'Conflict', message: 'the deadline has already been extended once' });
    expect(request(repo).extended?.reason).toBe('Several processors hold records');
  });

  it.each(['unverified', 'completed', 'denied', 'cancelled'] as const)('refuses to extend a %s request with a 409, mailing nothing', async (status) => {
    const { deps, mailer, repo } = setup({ status });
    await expect(extend(REQUEST_ID, 'Several processors hold records', 'officer:o', deps)).rejects.toMatchObject({ name: 'Conflict', message: `a ${status} request cannot be extended` });
    expect(mailer.sent).toEqual([]);
    expect(request(repo).version).toBe(2);
  });

  it('refuses a request with no verification date or no deadline', async () => {
    const a = setup({ verifiedAt: undefined });
    await expect(extend(REQUEST_ID, 'Several processors hold records', 'officer:o', a.deps)).rejects.toMatchObject({ name: 'Conflict', message: 'a in_progress request cannot be extended' });
    const b = setup({ dueDate: undefined });
    await expect(extend(REQUEST_ID, 'Several processors hold records', 'officer:o', b.deps)).rejects.toMatchObject({ name: 'Conflict', message: 'a in_progress request cannot be extended' });
  });

  it('counts the days the clock was stopped in the new deadline', async () => {
    const { deps } = setup({ pausedDays: 2, dueDate: '2026-04-07' });
    const done = await extend(REQUEST_ID, 'Several processors hold records', 'officer:o', deps);
    expect(done.extended?.dueDate).toBe('2026-06-03');
    expect(done.audit.at(-1)?.data).toEqual({ from: '2026-04-07', to: '2026-06-03' });
  });

  it('extends a request whose clock is stopped past its original date, judging it by the deadline restarting the clock today would give, as /resume moves it', async () => {
    // Due 1 April; stopped on 20 March with 12 days left, and still stopped on 10 April: the clock has not run out.
    const { deps } = setup({ type: 'access', pausedSince: '2026-03-20T10:00:00.000Z' }, '2026-04-10T10:00:00.000Z');
    const done = await extend(REQUEST_ID, 'Several processors hold records', 'officer:o', deps);
    expect(done.extended).toMatchObject({ dueDate: '2026-06-01' });
    // Stopped on 5 April, after the deadline had passed: restarted on 10 April it would be due Tuesday 7 April (Easter Monday is a bank holiday).
    const late = setup({ type: 'access', pausedSince: '2026-04-05T10:00:00.000Z' }, '2026-04-10T10:00:00.000Z');
    await expect(extend(REQUEST_ID, 'Several processors hold records', 'officer:o', late.deps)).rejects.toMatchObject({ name: 'Conflict', message: 'the original deadline has passed; it can no longer be extended' });
  });

  it('extended while the clock is stopped, tells the requester no date: it is counted once the clock restarts, and they will be told it then', async () => {
    const { deps, mailer, repo } = setup({ type: 'access', pausedSince: '2026-03-10T10:00:00.000Z' }, '2026-03-20T10:00:00.000Z');
    await extend(REQUEST_ID, 'Several processors hold records', 'officer:o', deps);
    expect(mailer.sent[0].subject).toBe('Your request: more time needed');
    expect(mailer.sent[0].text).toContain(
      `We need more time to complete your request (reference ${REQUEST_ID}).\nReason: Several processors hold records\nThe time limit becomes three months instead of one, not counting the days it is paused. It is paused now, until we receive your answer to our question: we will write to tell you the new deadline once it starts again.\n\nThe law allows us two more months`,
    );
    expect(mailer.sent[0].text).not.toContain('New deadline');
    expect(request(repo).extended).toMatchObject({ dueDate: '2026-06-01' });
    const fr = setup({ type: 'access', language: 'fr', pausedSince: '2026-03-10T10:00:00.000Z' }, '2026-03-20T10:00:00.000Z');
    await extend(REQUEST_ID, 'Plusieurs prestataires', 'officer:o', fr.deps);
    expect(fr.mailer.sent[0].text).toContain(
      "Raison : Plusieurs prestataires\nLe délai passe d’un mois à trois mois, sans compter les jours où il est suspendu. Il est suspendu en ce moment, jusqu’à ce que nous recevions votre réponse à notre question : nous vous écrirons pour vous indiquer la nouvelle date limite dès qu’il reprendra.\n\nLa loi nous permet",
    );
  });

  it('tells a French requester in French, and the English one in full', async () => {
    const fr = setup({ language: 'fr' });
    await extend(REQUEST_ID, 'Plusieurs prestataires', 'officer:o', fr.deps);
    expect(fr.mailer.sent[0]).toMatchObject({ to: 'ann@example.com', kind: 'transactional', subject: 'Votre demande : délai prolongé' });
    expect(fr.mailer.sent[0].text).toContain(`Nous avons besoin de plus de temps pour traiter votre demande (référence ${REQUEST_ID}).\nRaison : Plusieurs prestataires\nNouvelle date limite : 1er juin 2026.`);
    expect(fr.mailer.sent[0].text).toContain('La loi nous permet de prolonger le délai de deux mois lorsque la demande est complexe.');
    expect(fr.mailer.sent[0].text).toContain(`Comment se plaindre :\nSi notre réponse ne vous satisfait pas, vous pouvez d’abord nous adresser une réclamation avec notre formulaire : http://localhost/complaint.html?ref=${REQUEST_ID}&lang=fr (ou en répondant`);
    expect(fr.mailer.sent[0].text).toContain("l’Information Commissioner’s Office (ICO) : Wycliffe House, Water Lane, Wilmslow, Cheshire SK9 5AF, téléphone 0303 123 1113, https://ico.org.uk/make-a-complaint.\nVous avez aussi le droit de saisir la justice");
    expect(fr.mailer.sent[0].text).toContain("L’équipe confidentialité d’Offtek");
    const en = setup({ language: 'en' });
    await extend(REQUEST_ID, 'Several processors', 'officer:o', en.deps);
    expect(en.mailer.sent[0].text).toMatch(/^Hello,\n\nWe need more time to complete your request/);
    expect(en.mailer.sent[0].text).toContain('The law allows us two more months when a request is complex.');
    expect(en.mailer.sent[0].text).toContain(`How to complain:\nIf you are not satisfied with our answer, you can first complain to us with our complaint form: http://localhost/complaint.html?ref=${REQUEST_ID}&lang=en (or by replying`);
    expect(en.mailer.sent[0].text).toContain('https://ico.org.uk/make-a-complaint.\nYou also have the right to go to court to enforce your rights.');
    expect(en.mailer.sent[0].text).toContain('The Offtek privacy team');
  });

  it('extends without mailing once the contact data is gone', async () => {
    const { deps, mailer, repo } = setup();
    repo.pii.clear();
    expect((await extend(REQUEST_ID, 'Several processors', 'officer:o', deps)).extended?.dueDate).toBe('2026-06-01');
    expect(mailer.sent).toEqual([]);
  });

  it('answers 404 for a request that does not exist', async () => {
    const { deps } = setup();
    await expect(extend('01JQ0000000000000000000099', 'Several processors', 'officer:o', deps)).rejects.toMatchObject({ name: 'NotFound', message: 'no such request' });
  });
});

describe('pausing the clock: who can, and what is recorded', () => {
  const needed = 'Which orders your request is about';

  it.each(['verified', 'in_progress', 'awaiting_manual'] as const)('pauses a %s request for a copy, status unchanged, with no closing', async (status) => {
    const { deps, repo, mailer } = setup({ type: 'access', status, noticeSeq: 3, outboxTeam: { seq: 1, until: '2026-03-02T09:00:00.000Z', owner: 'x', waiting: 'agent' } as never });
    const done = await pause(REQUEST_ID, needed, 'officer:o', deps);
    expect(done.status).toBe(status);
    expect(request(repo).noticeSeq).toBe(4);
    expect(done.closedAt).toBeUndefined();
    expect(request(repo).outboxTeam).toEqual({ seq: 1, until: '2026-03-02T09:00:00.000Z', owner: 'x', waiting: 'agent' });
    expect(repo.requestTtl.size).toBe(0);
    expect(done.audit.at(-1)).toMatchObject({ at: NOW, actor: 'officer:o', action: 'pause', subject: REQUEST_ID });
    // The notice owed in the same write (the fourth), then mailed by this action.
    expect(mailer.sent.at(-1)?.text).toContain(needed);
    expect(request(repo).outboxNotice).toBeUndefined();
    // The answer leaves off what the outbox keeps for itself, the counters and the keyed hashes.
    expect(Object.keys(done).filter((k) => /^outbox|Hash$|Seq$/.test(k))).toEqual([]);
  });

  it.each(['unverified', 'awaiting_review', 'completed', 'denied'] as const)('refuses to pause a %s request with a 409', async (status) => {
    const { deps, mailer } = setup({ type: 'access', status });
    await expect(pause(REQUEST_ID, needed, 'officer:o', deps)).rejects.toMatchObject({ name: 'Conflict', message: `a ${status} request cannot be paused` });
    expect(mailer.sent).toEqual([]);
  });

  it('refuses with a 409 to stop a clock that has run out (London date past the deadline), writing and mailing nothing', async () => {
    // Due 1 April 2026: 00:30 on 2 April in London is still 1 April in UTC.
    const { deps, mailer, repo } = setup({ type: 'access' }, '2026-04-01T23:30:00.000Z');
    await expect(pause(REQUEST_ID, needed, 'officer:o', deps)).rejects.toMatchObject({ name: 'Conflict', status: 409, message: 'the deadline (2026-04-01) has passed: a clock that has run out cannot be stopped; answer the request, or refuse it' });
    expect(request(repo).version).toBe(2);
    expect([request(repo).pausedSince, request(repo).outboxNotice]).toEqual([undefined, undefined]);
    expect(request(repo).audit).toEqual([]);
    expect(mailer.sent).toEqual([]);
  });

  it('stops a clock on its last day, and one past its original date once extended, judged by the deadline it runs to', async () => {
    // 23:30 on 1 April in London: the deadline's own day.
    expect((await pause(REQUEST_ID, needed, 'officer:o', setup({ type: 'access' }, '2026-04-01T22:30:00.000Z').deps)).pausedSince).toBe('2026-04-01T22:30:00.000Z');
    const extended = { at: '2026-03-20T10:00:00.000Z', reason: 'Several processors', dueDate: '2026-06-01' };
    expect((await pause(REQUEST_ID, needed, 'officer:o', setup({ type: 'access', extended }, '2026-04-10T10:00:00.000Z').deps)).pausedSince).toBe('2026-04-10T10:00:00.000Z');
  });

  it('refuses to stop a clock already stopped', async () => {
    const { deps, mailer } = setup({ type: 'access', pausedSince: '2026-03-01T10:00:00.000Z' });
    await expect(pause(REQUEST_ID, needed, 'officer:o', deps)).rejects.toMatchObject({ name: 'Conflict', message: 'the clock is already stopped' });
    expect(mailer.sent).toEqual([]);
  });
});

describe('refusing and cancelling: what is closed and stopped', () => {
  it('records a refusal’s closing time and outcome, stops a running execution, and keeps the officer’s words only as their hash', async () => {
    const { deps, repo, mailer, stopped } = setup({ status: 'in_progress' });
    const done = await deny(REQUEST_ID, 'excessive', 'officer:o', deps, '  You asked the same on 1 March.  ');
    expect(done).toMatchObject({ status: 'denied', closedAt: NOW, outcome: 'denied:excessive' });
    expect(request(repo).noticeSeq).toBe(1);
    expect(done.audit.at(-1)).toMatchObject({ at: NOW, actor: 'officer:o', action: 'deny', subject: REQUEST_ID, from: 'in_progress', to: 'denied' });
    expect(done.audit.at(-1)?.data).toEqual({ reason: 'excessive', noteSha256: hash('You asked the same on 1 March.') });
    expect(mailer.sent[0].text).toContain('In our team’s words:\nYou asked the same on 1 March.');
    expect(stopped).toEqual([REQUEST_ID]);
    expect(repo.requestTtl.get(REQUEST_ID)?.toISOString()).toBe('2032-03-02T10:00:00.000Z');
    expect((await repo.listOwed('notice')).map((m) => m.requestId)).toEqual([]);
  });

  it('records no note hash for a blank note, and stops an execution waiting on a task', async () => {
    const { deps, mailer, stopped } = setup({ status: 'awaiting_manual' });
    const done = await deny(REQUEST_ID, 'manifestly_unfounded', 'officer:o', deps, '   ');
    expect(done.audit.at(-1)?.data).toEqual({ reason: 'manifestly_unfounded' });
    expect(mailer.sent[0].text).not.toContain('In our team’s words:');
    expect(stopped).toEqual([REQUEST_ID]);
  });

  it('stops nothing when refusing a request whose execution never started, and with no note says only the reason', async () => {
    const { deps, stopped, mailer } = setup({ status: 'verified' });
    const done = await deny(REQUEST_ID, 'identity_not_verified', 'officer:o', deps);
    expect(stopped).toEqual([]);
    expect(done.audit.at(-1)?.data).toEqual({ reason: 'identity_not_verified' });
    expect(mailer.sent[0].text).not.toContain('In our team’s words:');
  });

  it('refuses for want of an agent’s authority only a request an agent made: otherwise a 400 naming the reason, writing and mailing nothing', async () => {
    const { repo, deps, mailer, stopped } = setup({ status: 'in_progress' });
    await expect(deny(REQUEST_ID, 'authority_not_shown', 'officer:o', deps)).rejects.toMatchObject({ name: 'InvalidInput', status: 400, issues: [{ path: 'reason', message: 'no agent made this request: its authority cannot be the reason' }] });
    expect(request(repo)).toMatchObject({ status: 'in_progress', version: 2 });
    expect(mailer.sent).toEqual([]);
    expect(stopped).toEqual([]);
  });

  it('refuses to refuse a completed request with a 409, mailing nothing', async () => {
    const { deps, mailer } = setup({ status: 'completed' });
    await expect(deny(REQUEST_ID, 'excessive', 'officer:o', deps)).rejects.toMatchObject({ name: 'IllegalTransition', status: 409, message: "request in status 'completed' cannot 'deny'" });
    expect(mailer.sent).toEqual([]);
  });

  it('cancels in English with the reason, closes and stops the execution, and keeps the proof 6 years without the free text', async () => {
    const { deps, repo, mailer, stopped } = setup({ status: 'awaiting_manual', type: 'rectification', details: { eraseWarranty: false, objections: [], rectification: { field: 'name', correction: 'Ann King' } } });
    const done = await cancel(REQUEST_ID, 'duplicate_request', 'officer:o', deps);
    expect(done).toMatchObject({ status: 'cancelled', closedAt: NOW, outcome: 'cancelled:duplicate_request' });
    expect(done.audit.at(-1)).toMatchObject({ at: NOW, actor: 'officer:o', action: 'cancel', subject: REQUEST_ID, from: 'awaiting_manual', to: 'cancelled', data: { reason: 'duplicate_request' } });
    expect(mailer.sent[0].subject).toBe('Your privacy request has been cancelled');
    expect(mailer.sent[0].text).toContain(`We have cancelled your request (reference ${REQUEST_ID}), for this reason: it repeats another request of yours that is still open; we are answering that one.`);
    expect(stopped).toEqual([REQUEST_ID]);
    expect(request(repo).details).toEqual({ eraseWarranty: false, objections: [] });
    expect(repo.requestTtl.get(REQUEST_ID)?.toISOString()).toBe('2032-03-02T10:00:00.000Z');
  });

  it('cancels an in-progress request, stopping it; a verified one has nothing to stop', async () => {
    const running = setup({ status: 'in_progress' });
    await cancel(REQUEST_ID, 'withdrawn_by_requester', 'officer:o', running.deps);
    expect(running.stopped).toEqual([REQUEST_ID]);
    const waiting = setup({ status: 'verified' });
    await cancel(REQUEST_ID, 'withdrawn_by_requester', 'officer:o', waiting.deps);
    expect(waiting.stopped).toEqual([]);
  });

  it.each([
    ['refusal', (deps: ReturnType<typeof setup>['deps']) => deny(REQUEST_ID, 'excessive', 'officer:o', deps)],
    ['cancellation', (deps: ReturnType<typeof setup>['deps']) => cancel(REQUEST_ID, 'withdrawn_by_requester', 'officer:o', deps)],
    ['clarification', (deps: ReturnType<typeof setup>['deps']) => pause(REQUEST_ID, 'Which orders do you mean?', 'officer:o', deps)],
    ['extension', (deps: ReturnType<typeof setup>['deps']) => extend(REQUEST_ID, 'Several processors hold records', 'officer:o', deps)],
  ] as const)('answers the action done, its %s notice still owed (noticeOwed), when the mail fails: never a 500 that reads as nothing done', async (notice, act) => {
    const { deps, repo } = setup({ type: 'access', status: 'in_progress' });
    const failed = await act({ ...deps, mailer: { send: async () => Promise.reject(new Error('SES down')) } } as never);
    expect(failed).toMatchObject({ noticeOwed: true });
    expect(request(repo).outboxNotice).toMatchObject({ notice });
    // Mailed at once, nothing is owed, and the answer says so.
    const ok = setup({ type: 'access', status: 'in_progress' });
    expect(await act(ok.deps)).toMatchObject({ noticeOwed: false });
    expect(ok.mailer.sent).toHaveLength(1);
  });

  it.each([
    ['refusal', (deps: ReturnType<typeof setup>['deps']) => deny(REQUEST_ID, 'excessive', 'officer:o', deps)],
    ['cancellation', (deps: ReturnType<typeof setup>['deps']) => cancel(REQUEST_ID, 'withdrawn_by_requester', 'officer:o', deps)],
    ['clarification', (deps: ReturnType<typeof setup>['deps']) => pause(REQUEST_ID, 'Which orders do you mean?', 'officer:o', deps)],
    ['extension', (deps: ReturnType<typeof setup>['deps']) => extend(REQUEST_ID, 'Several processors hold records', 'officer:o', deps)],
  ] as const)('marks the request “mail failed” with the %s notice it owes, as for a failed outcome, and clears the mark once the sweeper delivers it', async (notice, act) => {
    const { deps, repo, mailer } = setup({ type: 'access', status: 'in_progress' });
    const refused = Object.assign(new Error('Email address is not verified.'), { name: 'MessageRejected' });
    expect(await act({ ...deps, mailer: { send: async () => Promise.reject(refused) } } as never)).toMatchObject({ noticeOwed: true });
    expect(request(repo).mailFailed).toEqual({ kind: 'notice', notice, at: NOW, error: 'MessageRejected' });
    const { deliverNotice } = await import('../../../functions/shared/outbox.ts');
    expect(await deliverNotice(request(repo), 'sweeper', new Date(Date.parse(NOW) + 10 * 60_000), deps as never)).toEqual({ sent: true });
    expect(mailer.sent).toHaveLength(1);
    expect(request(repo).mailFailed).toBeUndefined();
  });

  it('leaves another email’s “mail failed” mark in place when a notice goes out', async () => {
    const failed = { kind: 'outcome' as const, at: NOW, error: 'Throttling' };
    const { deps, repo } = setup({ type: 'access', status: 'in_progress', mailFailed: failed });
    await extend(REQUEST_ID, 'Several processors hold records', 'officer:o', deps);
    expect(request(repo).mailFailed).toEqual(failed);
  });

  it('keeps the cancellation notice owed, with its reason, when the mail fails', async () => {
    const { deps, repo } = setup({ status: 'verified' });
    const failing = { send: async () => Promise.reject(new Error('SES down')) };
    expect(await cancel(REQUEST_ID, 'withdrawn_by_requester', 'officer:o', { ...deps, mailer: failing })).toMatchObject({ status: 'cancelled', noticeOwed: true });
    expect(request(repo)).toMatchObject({ status: 'cancelled', outboxNotice: { seq: 1, owner: 'admin', notice: 'cancellation', reason: 'withdrawn_by_requester' } });
    expect((await repo.listOwed('notice')).map((m) => m.requestId)).toEqual([REQUEST_ID]);
  });

  it.each([
    ['refused', (deps: ReturnType<typeof setup>['deps']) => deny(REQUEST_ID, 'excessive', 'officer:o', deps)],
    ['cancelled', (deps: ReturnType<typeof setup>['deps']) => cancel(REQUEST_ID, 'withdrawn_by_requester', 'officer:o', deps)],
  ] as const)('keeps a %s request’s personal data 30 days after closing, as a completed one’s, once its notice is mailed', async (_, close) => {
    const { deps, repo, mailer } = setup({ status: 'in_progress' });
    await close(deps);
    expect(mailer.sent).toHaveLength(1);
    // Closed 2 March 2026: its contact data goes 1 April, not 120 days after the deadline it set at confirmation.
    expect(repo.piiExpiry.get(REQUEST_ID)?.toISOString()).toBe('2026-04-01T10:00:00.000Z');
  });

  it('mails a refusal once when keeping its contact data 30 days fails: nothing goes before that write, and the notice stays owed for the sweeper', async () => {
    const { deps, repo, mailer } = setup({ status: 'in_progress' });
    const setPiiExpiry = repo.setPiiExpiry.bind(repo);
    repo.setPiiExpiry = async () => Promise.reject(new Error('DynamoDB down'));
    await expect(deny(REQUEST_ID, 'excessive', 'officer:o', deps)).rejects.toThrow('DynamoDB down');
    expect(mailer.sent).toEqual([]);
    expect(request(repo)).toMatchObject({ status: 'denied', outboxNotice: { notice: 'refusal' } });
    repo.setPiiExpiry = setPiiExpiry;
    // The sweeper, once the officer's lease on it is over, delivers it: one email in all.
    const { deliverNotice } = await import('../../../functions/shared/outbox.ts');
    expect(await deliverNotice(request(repo), 'sweeper', new Date(Date.parse(NOW) + 10 * 60_000), deps as never)).toEqual({ sent: true });
    expect(mailer.sent).toHaveLength(1);
    expect(repo.piiExpiry.get(REQUEST_ID)?.toISOString()).toBe('2026-04-01T10:00:00.000Z');
  });

  it('leaves an unconfirmed request’s personal data to its own 7-day expiry when refusing it', async () => {
    const { deps, repo } = setup({ status: 'unverified', verifiedAt: undefined, dueDate: undefined });
    await deny(REQUEST_ID, 'identity_not_verified', 'officer:o', deps);
    expect(repo.piiExpiry.get(REQUEST_ID)).toBeUndefined();
  });

  it('refuses to cancel a denied request with a 409', async () => {
    const { deps } = setup({ status: 'denied' });
    await expect(cancel(REQUEST_ID, 'withdrawn_by_requester', 'officer:o', deps)).rejects.toMatchObject({ name: 'IllegalTransition', status: 409, message: "request in status 'denied' cannot 'cancel'" });
  });
});

describe('approving a request waiting for review', () => {
  it('names every corrected field, sorted, and no agent when there is none', async () => {
    const { deps } = setup({ type: 'rectification', status: 'awaiting_review', details: { eraseWarranty: false, objections: [], rectification: { field: 'x', correction: 'y' } } });
    const done = await approveCorrection(REQUEST_ID, { postal_address: '1 High St', email: 'ann@new.example', name: 'Ann King' }, 'officer:o', deps);
    expect(done.audit.at(-1)?.data).toEqual({ fields: 'email,name,postal_address' });
  });

  it('refuses a correction without fields, and fields for another request, as an invalid body (400)', async () => {
    const fix = setup({ type: 'rectification', status: 'awaiting_review' });
    await expect(approveCorrection(REQUEST_ID, undefined, 'officer:o', fix.deps)).rejects.toMatchObject({ name: 'InvalidInput', status: 400, message: 'invalid body', issues: [{ path: 'corrections', message: 'name at least one corrected field' }] });
    const other = setup({ type: 'access', status: 'awaiting_review' });
    await expect(approveCorrection(REQUEST_ID, { name: 'Ann King' }, 'officer:o', other.deps)).rejects.toMatchObject({ name: 'InvalidInput', status: 400, message: 'invalid body', issues: [{ path: 'corrections', message: 'only a correction has fields to approve' }] });
  });

  it('records no data for a plain request approved without fields or agent', async () => {
    const { deps, repo } = setup({ type: 'erasure', status: 'awaiting_review' });
    const done = await approveCorrection(REQUEST_ID, undefined, 'officer:o', deps);
    expect(done.status).toBe('verified');
    expect(done.audit.at(-1)?.data).toEqual({});
    expect(request(repo).details).toEqual({ eraseWarranty: false, objections: [] });
  });

  it('drops the team’s review email still owed: once approved nothing waits for review, and a later wait for a person must not be mailed as one', async () => {
    const owed = { seq: 2, until: '2026-03-02T09:59:00.000Z', owner: 'verify-run', waiting: 'correction' as const };
    const { deps, repo } = setup({ type: 'rectification', status: 'awaiting_review', outboxTeam: owed, details: { eraseWarranty: false, objections: [], rectification: { field: 'x', correction: 'y' } } });
    await approveCorrection(REQUEST_ID, { name: 'Ann King' }, 'officer:o', deps);
    expect(request(repo).status).toBe('verified');
    expect(request(repo).outboxTeam).toBeUndefined();
  });
});

describe('resending the requester’s last email', () => {
  const tokensFake = () => {
    const puts: [string, Record<string, unknown>][] = [];
    return { puts, tokens: { issue: async (h: string, rec: Record<string, unknown>) => void puts.push([h, rec]) } as never };
  };

  it('sends an unverified request a fresh confirmation link valid 24 hours, with a working status link, owed from the write that puts it on the audit trail', async () => {
    const { deps, repo, mailer } = setup({ status: 'unverified', verifiedAt: undefined, dueDate: undefined });
    const { puts, tokens } = tokensFake();
    const done = await resend(REQUEST_ID, 'officer:o', { ...deps, tokens, baseUrl: 'https://shop.example' });
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0]).toMatchObject({ to: 'ann@example.com', kind: 'transactional', subject: 'Confirm your privacy request' });
    const text = mailer.sent[0].text ?? '';
    const verify = /https:\/\/shop\.example\/verify\?token=(\S+)/.exec(text)?.[1] ?? '';
    const status = new RegExp(`https://shop\\.example/status\\.html\\?id=${REQUEST_ID}&token=([\\w-]+)`).exec(text)?.[1] ?? '';
    expect(verify).not.toBe('');
    expect(status).not.toBe('');
    expect(puts).toEqual([[hash(verify), { requestId: REQUEST_ID, expiresAt: '2026-03-03T10:00:00.000Z' }]]);
    expect(request(repo).statusTokenHash).toBe(hash(status));
    expect(done.status).toBe('unverified');
    expect(done.audit.at(-1)).toMatchObject({ at: NOW, actor: 'officer:o', action: 'resend', subject: REQUEST_ID, data: { email: 'confirmation' } });
  });

  it('tells the person again that an agent made the request for them', async () => {
    const { deps, mailer } = setup({ status: 'unverified', agent: { relationship: 'solicitor', proof: 'signed_authority' } });
    await resend(REQUEST_ID, 'officer:o', { ...deps, ...tokensFake(), baseUrl: 'https://shop.example' });
    expect(mailer.sent[0].text).toContain('This request was made on your behalf by someone who says they are your solicitor.');
  });

  it('writes the confirmation in French to a French requester, and clears the earlier confirmation failure', async () => {
    const { deps, repo, mailer } = setup({ status: 'unverified', language: 'fr', mailFailed: { kind: 'confirmation', at: '2026-03-01T09:00:00.000Z', error: 'Throttling' } });
    await resend(REQUEST_ID, 'officer:o', { ...deps, ...tokensFake(), baseUrl: 'https://shop.example' });
    expect(mailer.sent[0].subject).toBe('Confirmez votre demande de confidentialité');
    expect(request(repo).mailFailed).toBeUndefined();
  });

  it('answers 502 and marks the request when the mail service refuses again', async () => {
    const { deps, repo } = setup({ status: 'unverified' });
    const failing = { send: async () => Promise.reject(Object.assign(new Error('no'), { name: 'Throttling' })) };
    await expect(resend(REQUEST_ID, 'officer:o', { ...deps, mailer: failing, ...tokensFake(), baseUrl: 'https://shop.example' })).rejects.toMatchObject({ name: 'MailFailed', status: 502 });
    expect(request(repo).mailFailed).toMatchObject({ kind: 'confirmation', error: 'Throttling' });
    expect(request(repo).outboxLink, 'left owed for the sweeper').toMatchObject({ seq: 1 });
  });

  it('resends a completed request’s outcome, which is then no longer owed', async () => {
    const { deps, repo, mailer } = setup({ status: 'completed', closedAt: '2026-03-01T12:00:00.000Z', outboxOutcome: { seq: 2, until: '2026-03-02T09:00:00.000Z', owner: 'x' } });
    repo.tasks.set(`${REQUEST_ID}.paynow`, task('paynow', 'completed'));
    const done = await resend(REQUEST_ID, 'officer:o', { ...deps, ...tokensFake(), baseUrl: 'https://shop.example' });
    expect(mailer.sent.map((m) => m.subject)).toEqual(['Your privacy request is complete']);
    expect(mailer.sent[0].text).toContain(`Your request (erasure of your data, reference ${REQUEST_ID}) is complete.\n\nHere is what each of our providers did:\n- paynow (`);
    expect(mailer.sent[0]).toMatchObject({ to: 'ann@example.com', kind: 'transactional' });
    expect(done.audit.at(-1)).toMatchObject({ at: NOW, actor: 'officer:o', action: 'resend', subject: REQUEST_ID, data: { email: 'outcome' } });
    expect(request(repo).outboxOutcome).toBeUndefined();
    expect((await repo.listOwed('outcome')).map((m) => m.requestId)).toEqual([]);
  });

  it('links the shop’s complaint form in the resent outcome, and clears an earlier outcome failure', async () => {
    const { deps, repo, mailer } = setup({ status: 'completed', closedAt: '2026-03-01T12:00:00.000Z', mailFailed: { kind: 'outcome', at: '2026-03-01T12:00:00.000Z', error: 'Throttling' } });
    await resend(REQUEST_ID, 'officer:o', { ...deps, ...tokensFake(), baseUrl: 'https://shop.example' });
    expect(mailer.sent[0].text).toContain(`https://shop.example/complaint.html?ref=${REQUEST_ID}&lang=en`);
    expect(request(repo).mailFailed).toBeUndefined();
  });

  it('owes the outcome again from the write that puts the resend on the audit trail, then mails it and clears it', async () => {
    const { deps, repo, mailer } = setup({ status: 'completed', closedAt: '2026-03-01T12:00:00.000Z' });
    const written = vi.spyOn(repo, 'transitionRequest');
    await resend(REQUEST_ID, 'officer:o', { ...deps, ...tokensFake(), baseUrl: 'https://shop.example' });
    expect(written).toHaveBeenCalledTimes(1);
    // Numbered by the version that write gives the request (2 before it).
    expect(written.mock.calls[0][2]).toEqual({ outboxOutcome: { seq: 3, until: '2026-03-02T10:01:00.000Z', owner: expect.stringMatching(/^admin:[0-9a-f-]{36}$/), resend: true } });
    expect(written.mock.calls[0][3]).toMatchObject({ action: 'resend', data: { email: 'outcome' } });
    expect(mailer.sent.map((m) => m.subject)).toEqual(['Your privacy request is complete']);
    expect(request(repo).outboxOutcome).toBeUndefined();
  });

  it('answers 502 when the mail service refuses the outcome again, marks the request, and leaves the outcome owed for the sweeper', async () => {
    const { deps, repo } = setup({ status: 'completed', closedAt: '2026-03-01T12:00:00.000Z' });
    const failing = { send: async () => Promise.reject(Object.assign(new Error('no'), { name: 'Throttling' })) };
    await expect(resend(REQUEST_ID, 'officer:o', { ...deps, mailer: failing, ...tokensFake(), baseUrl: 'https://shop.example' })).rejects.toMatchObject({ name: 'MailFailed', status: 502 });
    expect(request(repo).mailFailed).toMatchObject({ kind: 'outcome', error: 'Throttling' });
    expect(request(repo).outboxOutcome, 'left owed for the sweeper').toMatchObject({ seq: 3, resend: true });
    expect((await repo.listOwed('outcome')).map((m) => m.requestId)).toEqual([REQUEST_ID]);
  });

  it('answers 409 BeingSent to a second click while the first is still mailing the outcome, so that the requester gets it once', async () => {
    const { deps, repo, mailer } = setup({ status: 'completed', closedAt: '2026-03-01T12:00:00.000Z' });
    let letGo = () => {};
    const held = new Promise<void>((r) => (letGo = r));
    const slow = { send: async (m: never) => held.then(() => mailer.send(m)) };
    const first = resend(REQUEST_ID, 'officer:o', { ...deps, mailer: slow, ...tokensFake(), baseUrl: 'https://shop.example' });
    await vi.waitFor(() => expect(request(repo).outboxOutcome?.resend).toBe(true));
    await expect(resend(REQUEST_ID, 'officer:p', { ...deps, mailer: slow, ...tokensFake(), baseUrl: 'https://shop.example' })).rejects.toMatchObject({ name: 'BeingSent', status: 409, until: '2026-03-02T10:01:00.000Z' });
    letGo();
    await first;
    expect(mailer.sent.map((m) => m.subject)).toEqual(['Your privacy request is complete']);
    expect(request(repo).audit.filter((e) => e.action === 'resend'), 'one resend on the trail').toHaveLength(1);
  });

  it('answers 409 BeingSent to a second click while the first is still mailing a confirmation link', async () => {
    const { deps, repo, mailer } = setup({ status: 'unverified', verifiedAt: undefined, dueDate: undefined });
    let letGo = () => {};
    const held = new Promise<void>((r) => (letGo = r));
    const slow = { send: async (m: never) => held.then(() => mailer.send(m)) };
    const first = resend(REQUEST_ID, 'officer:o', { ...deps, mailer: slow, ...tokensFake(), baseUrl: 'https://shop.example' });
    await vi.waitFor(() => expect(request(repo).audit.at(-1)?.action).toBe('resend'));
    await expect(resend(REQUEST_ID, 'officer:o', { ...deps, mailer: slow, ...tokensFake(), baseUrl: 'https://shop.example' })).rejects.toMatchObject({ name: 'BeingSent', status: 409 });
    letGo();
    await first;
    expect(mailer.sent).toHaveLength(1);
  });

  it('mails at the next click an outcome SES refused at the first, which gives its lease up: once, with one resend on the trail', async () => {
    const { deps, repo, mailer } = setup({ status: 'completed', closedAt: '2026-03-01T12:00:00.000Z' });
    const failing = { send: async () => Promise.reject(Object.assign(new Error('no'), { name: 'Throttling' })) };
    await expect(resend(REQUEST_ID, 'officer:o', { ...deps, mailer: failing, ...tokensFake(), baseUrl: 'https://shop.example' })).rejects.toMatchObject({ name: 'MailFailed', status: 502 });
    expect(request(repo).outboxOutcome, 'owed, for anyone to mail now').toMatchObject({ resend: true, owner: '', until: NOW });
    await resend(REQUEST_ID, 'officer:o', { ...deps, ...tokensFake(), baseUrl: 'https://shop.example' });
    expect(mailer.sent.map((m) => m.subject)).toEqual(['Your privacy request is complete']);
    expect(request(repo).audit.filter((e) => e.action === 'resend')).toHaveLength(1);
    expect(request(repo).outboxOutcome).toBeUndefined();
  });

  it.each([
    ['a click that died before mailing it, its lease over', '2026-03-02T09:59:30.000Z'],
    ['a click SES refused, its lease over', '2026-03-02T09:00:00.000Z'],
  ])('mails a resend still owed after %s, rather than recording another', async (_, until) => {
    const { deps, repo, mailer } = setup({ status: 'completed', closedAt: '2026-03-01T12:00:00.000Z', outboxOutcome: { seq: 2, until, owner: 'admin', resend: true } });
    const trail = request(repo).audit.length;
    await resend(REQUEST_ID, 'officer:o', { ...deps, ...tokensFake(), baseUrl: 'https://shop.example' });
    expect(mailer.sent.map((m) => m.subject)).toEqual(['Your privacy request is complete']);
    expect(request(repo).audit, 'no second resend on the trail').toHaveLength(trail);
    expect(request(repo).outboxOutcome).toBeUndefined();
  });

  it.each([
    ['the confirmation link', { status: 'unverified', verifiedAt: undefined, dueDate: undefined, outboxLink: { seq: 1, until: '2026-03-02T10:02:30.000Z', owner: 'sweeper:run-1' } }],
    ['an earlier resend of the outcome', { status: 'completed', closedAt: '2026-03-01T12:00:00.000Z', outboxOutcome: { seq: 2, until: '2026-03-02T10:02:30.000Z', owner: 'sweeper:run-1', resend: true } }],
    ['the outcome completing the request owed', { status: 'completed', closedAt: '2026-03-01T12:00:00.000Z', outboxOutcome: { seq: 2, until: '2026-03-02T10:02:30.000Z', owner: 'sweeper:run-1' } }],
  ] as const)('answers 409 BeingSent, with when the lease ends, while the sweeper is mailing %s, and mails nothing', async (_, over) => {
    const { deps, repo, mailer } = setup(over as Partial<StoredRequest>);
    const trail = request(repo).audit.length;
    await expect(resend(REQUEST_ID, 'officer:o', { ...deps, ...tokensFake(), baseUrl: 'https://shop.example' })).rejects.toMatchObject({
      name: 'BeingSent',
      status: 409,
      until: '2026-03-02T10:02:30.000Z',
      message: 'this email is being sent automatically right now; if it has not gone by 2026-03-02T10:02:30.000Z, resend it then',
    });
    expect(mailer.sent).toEqual([]);
    expect(request(repo).audit).toHaveLength(trail);
  });

  it.each([
    ['the confirmation link', { status: 'unverified', verifiedAt: undefined, dueDate: undefined, outboxLink: { seq: 1, until: '2026-03-02T10:02:30.000Z', owner: 'sweeper:run-1' } }, 'confirmation'],
    ['an earlier resend of the outcome', { status: 'completed', closedAt: '2026-03-01T12:00:00.000Z', outboxOutcome: { seq: 2, until: '2026-03-02T10:02:30.000Z', owner: 'sweeper:run-1', resend: true } }, 'outcome'],
    ['the outcome completing the request owed', { status: 'completed', closedAt: '2026-03-01T12:00:00.000Z', outboxOutcome: { seq: 2, until: '2026-03-02T10:02:30.000Z', owner: 'sweeper:run-1' } }, 'outcome'],
  ] as const)('takes over %s that the sweeper failed to mail while its lease runs, and mails it now, on the trail', async (_, over, kind) => {
    // The sweeper claimed it at 09:59:30 (a 180-second lease), then SES refused it at 09:59:40.
    const { deps, repo, mailer } = setup({ ...(over as Partial<StoredRequest>), mailFailed: { kind, at: '2026-03-02T09:59:40.000Z', error: 'Throttling' } });
    await resend(REQUEST_ID, 'officer:o', { ...deps, ...tokensFake(), baseUrl: 'https://shop.example' });
    expect(mailer.sent).toHaveLength(1);
    expect(request(repo).audit.at(-1)).toMatchObject({ actor: 'officer:o', action: 'resend', data: { email: kind } });
    expect(request(repo).mailFailed).toBeUndefined();
  });

  it('mails at once a confirmation link put off to the next hour by the address’s hourly share: the officer’s resend is not held to it', async () => {
    const { deps, repo, mailer } = setup({ status: 'unverified', verifiedAt: undefined, dueDate: undefined, linkSeq: 1, inboxHash: 'i'.repeat(64), outboxLink: { seq: 1, until: '2026-03-02T11:00:00.000Z', owner: '' } });
    const shares = new Shares();
    repo.takeShare = shares.takeShare.bind(shares);
    const links = [{ seconds: 3600, limit: 5 }, { seconds: 86_400, limit: 10 }];
    // Five links in the last hour: the hour's share is spent, the day's is not.
    for (let i = 0; i < 5; i++) expect(await shares.takeShare('link', 'i'.repeat(64), links, new Date(Date.parse('2026-03-02T09:10:00.000Z') + i * 600_000))).toEqual({ allowed: true });
    expect((await shares.takeShare('link', 'i'.repeat(64), links, new Date(NOW))).allowed).toBe(false);
    await resend(REQUEST_ID, 'officer:o', { ...deps, ...tokensFake(), baseUrl: 'https://shop.example' });
    expect(mailer.sent.map((m) => m.subject)).toEqual(['Confirm your privacy request']);
    expect(request(repo).outboxLink).toBeUndefined();
    expect(shares.counted('link', 'i'.repeat(64), 3600, new Date(NOW))).toBe(6);
  });

  it('mails at once a confirmation link to an inbox that had its ten links of the day: the officer’s resend is not held to the daily share either, and counts against it', async () => {
    const { deps, repo, mailer } = setup({ status: 'unverified', verifiedAt: undefined, dueDate: undefined, linkSeq: 1, inboxHash: 'i'.repeat(64) });
    const shares = new Shares();
    repo.takeShare = shares.takeShare.bind(shares);
    const links = [{ seconds: 3600, limit: 5 }, { seconds: 86_400, limit: 10 }];
    // Ten links since yesterday evening, two an hour: the day's share is spent, the hour's is not.
    for (let i = 0; i < 10; i++) expect(await shares.takeShare('link', 'i'.repeat(64), links, new Date(Date.parse('2026-03-01T20:00:00.000Z') + i * 3_600_000))).toEqual({ allowed: true });
    expect((await shares.takeShare('link', 'i'.repeat(64), links, new Date(NOW))).allowed).toBe(false);
    await resend(REQUEST_ID, 'officer:o', { ...deps, ...tokensFake(), baseUrl: 'https://shop.example' });
    expect(mailer.sent.map((m) => m.subject)).toEqual(['Confirm your privacy request']);
    expect(request(repo).outboxLink).toBeUndefined();
    expect(shares.counted('link', 'i'.repeat(64), 86_400, new Date(NOW))).toBe(11);
  });

  it('answers 409 BeingSent while Notify holds the outcome it has not marked failed (it may be mailing it), and mails nothing', async () => {
    const { deps, repo, mailer } = setup({ status: 'completed', closedAt: '2026-03-02T09:59:50.000Z', outboxOutcome: { seq: 1, until: '2026-03-02T10:00:50.000Z', owner: 'workflow' } });
    const trail = request(repo).audit.length;
    await expect(resend(REQUEST_ID, 'officer:o', { ...deps, ...tokensFake(), baseUrl: 'https://shop.example' })).rejects.toMatchObject({ name: 'BeingSent', status: 409, until: '2026-03-02T10:00:50.000Z' });
    expect(mailer.sent).toEqual([]);
    expect(request(repo).audit).toHaveLength(trail);
  });

  it('takes over an outcome that Notify still holds and marked failed, so that the officer’s resend mails it now, on the trail', async () => {
    // Notify gave up on SES a moment ago: its lease has not run out, and the sweeper would wait for it.
    const { deps, repo, mailer } = setup({
      status: 'completed',
      closedAt: '2026-03-02T09:59:50.000Z',
      outboxOutcome: { seq: 1, until: '2026-03-02T10:00:50.000Z', owner: 'workflow' },
      mailFailed: { kind: 'outcome', at: '2026-03-02T09:59:55.000Z', error: 'Throttling' },
    });
    await resend(REQUEST_ID, 'officer:o', { ...deps, ...tokensFake(), baseUrl: 'https://shop.example' });
    expect(mailer.sent.map((m) => m.subject)).toEqual(['Your privacy request is complete']);
    expect(request(repo).audit.at(-1)).toMatchObject({ action: 'resend', data: { email: 'outcome' } });
    expect(request(repo).outboxOutcome).toBeUndefined();
  });

  it('leaves the personal data’s 30 days counted from closing: a resend does not start them again', async () => {
    const { deps, repo } = setup({ status: 'completed', closedAt: '2026-03-01T12:00:00.000Z' });
    // As completing the request set it.
    repo.piiExpiry.set(REQUEST_ID, new Date('2026-03-31T12:00:00.000Z'));
    await resend(REQUEST_ID, 'officer:o', { ...deps, ...tokensFake(), baseUrl: 'https://shop.example' });
    expect(repo.piiExpiry.get(REQUEST_ID)?.toISOString()).toBe('2026-03-31T12:00:00.000Z');
  });

  it('sends a copy of data’s outcome again with a fresh download link while its package is kept', async () => {
    const { deps, repo, mailer } = setup({ type: 'access', status: 'completed', closedAt: '2026-03-01T12:00:00.000Z', exportKey: 'exports/x.zip' } as never);
    const done = await resend(REQUEST_ID, 'officer:o', { ...deps, ...tokensFake(), baseUrl: 'https://shop.example' });
    expect(done.audit.at(-1)).toMatchObject({ action: 'renew_download', actor: 'officer:o', data: { link: 2 } });
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0].text).toContain(`https://shop.example/exports/${REQUEST_ID}?token=download-${REQUEST_ID}-2`);
    expect(request(repo)).toMatchObject({ downloadLink: 2, downloadTokenHash: hash(`download-${REQUEST_ID}-2`), downloadExpiresAt: '2026-03-05T10:00:00.000Z' });
  });

  it('answers 409 BeingSent while the sweeper is mailing a copy of data’s outcome, rather than mailing a second one with a fresh link', async () => {
    const { deps, repo, mailer } = setup({
      type: 'access',
      status: 'completed',
      closedAt: '2026-03-01T12:00:00.000Z',
      exportKey: 'exports/x.zip',
      outboxOutcome: { seq: 2, until: '2026-03-02T10:02:30.000Z', owner: 'sweeper:run-1' },
    } as never);
    const trail = request(repo).audit.length;
    await expect(resend(REQUEST_ID, 'officer:o', { ...deps, ...tokensFake(), baseUrl: 'https://shop.example' })).rejects.toMatchObject({ name: 'BeingSent', status: 409 });
    expect(mailer.sent).toEqual([]);
    expect(request(repo).audit).toHaveLength(trail);
  });

  it.each(['in_progress', 'denied'] as const)('has nothing to resend for a %s request (409)', async (status) => {
    const { deps, mailer } = setup({ status });
    await expect(resend(REQUEST_ID, 'officer:o', { ...deps, ...tokensFake(), baseUrl: 'https://shop.example' })).rejects.toMatchObject({ name: 'Conflict', message: `nothing to resend for a ${status} request` });
    expect(mailer.sent).toEqual([]);
  });

  it('refuses with a 409 once the contact data is gone', async () => {
    const { deps, repo, mailer } = setup({ status: 'completed' });
    repo.pii.clear();
    await expect(resend(REQUEST_ID, 'officer:o', { ...deps, ...tokensFake(), baseUrl: 'https://shop.example' })).rejects.toMatchObject({ name: 'Conflict', message: 'the requester’s contact data is no longer held' });
    expect(mailer.sent).toEqual([]);
  });
});

describe('assigning a request to an officer', () => {
  it('gives an unowned request an owner, on the audit trail', async () => {
    const { deps } = setup();
    const done = await assign(REQUEST_ID, 'officer:b', 'officer:a', deps);
    expect(done.owner).toBe('officer:b');
    expect(done.status).toBe('in_progress');
    expect(done.audit.at(-1)).toMatchObject({ at: NOW, actor: 'officer:a', action: 'assign', subject: REQUEST_ID });
    expect(done.audit.at(-1)?.data).toEqual({ from: null, to: 'officer:b' });
  });

  it('hands it from one owner to another', async () => {
    const { deps } = setup({ owner: 'officer:a' });
    const done = await assign(REQUEST_ID, 'officer:b', 'officer:a', deps);
    expect(done.owner).toBe('officer:b');
    expect(done.audit.at(-1)?.data).toEqual({ from: 'officer:a', to: 'officer:b' });
  });

  it('removes the owner', async () => {
    const { deps, repo } = setup({ owner: 'officer:a' });
    const done = await assign(REQUEST_ID, null, 'officer:a', deps);
    expect('owner' in request(repo)).toBe(false);
    expect(done.audit.at(-1)?.data).toEqual({ from: 'officer:a', to: null });
  });

  it('writes nothing when the owner does not change, or an unowned request is unassigned', async () => {
    const same = setup({ owner: 'officer:a' });
    expect((await assign(REQUEST_ID, 'officer:a', 'officer:a', same.deps)).version).toBe(2);
    expect(request(same.repo).audit).toEqual([]);
    const none = setup();
    expect((await assign(REQUEST_ID, null, 'officer:a', none.deps)).version).toBe(2);
    expect(request(none.repo).audit).toEqual([]);
  });
});

describe('internal notes', () => {
  it('keeps the note with its author and time, mails nobody, and puts only its hash on the audit trail', async () => {
    const { deps, mailer } = setup({ notes: [{ at: '2026-03-01T10:00:00.000Z', author: 'officer:a', text: 'Called the shop' }] });
    const done = await addNote(REQUEST_ID, '  Customer phoned\r\nagain  ', 'officer:b', deps);
    expect(done.notes).toEqual([
      { at: '2026-03-01T10:00:00.000Z', author: 'officer:a', text: 'Called the shop' },
      { at: NOW, author: 'officer:b', text: 'Customer phoned\nagain' },
    ]);
    expect(done.status).toBe('in_progress');
    expect(done.audit.at(-1)).toMatchObject({ at: NOW, actor: 'officer:b', action: 'note', subject: REQUEST_ID });
    expect(done.audit.at(-1)?.data).toEqual({ sha256: hash('Customer phoned\nagain') });
    expect(mailer.sent).toEqual([]);
  });

  it('starts the list on a request with no note, and cuts a note at 2,000 characters', async () => {
    const { deps } = setup();
    const done = await addNote(REQUEST_ID, 'a'.repeat(2001), 'officer:b', deps);
    expect(done.notes).toEqual([{ at: NOW, author: 'officer:b', text: 'a'.repeat(2000) }]);
  });

  it('takes the 50th note and refuses the 51st with a 409', async () => {
    const note = { at: '2026-03-01T10:00:00.000Z', author: 'officer:a', text: 'n' };
    const { deps, repo } = setup({ notes: Array.from({ length: 49 }, () => note) });
    expect((await addNote(REQUEST_ID, 'fiftieth', 'officer:b', deps)).notes).toHaveLength(50);
    await expect(addNote(REQUEST_ID, 'one more', 'officer:b', deps)).rejects.toMatchObject({ name: 'Conflict', message: 'a request keeps at most 50 notes' });
    expect(request(repo).notes).toHaveLength(50);
  });
});

describe('the reason an officer gives for an extension', () => {
  it('is trimmed, and three characters are enough', () => {
    expect(requireReason('  Complex request  ')).toBe('Complex request');
    expect(requireReason('  abc ')).toBe('abc');
  });

  it.each([['two characters', ' ab '], ['blank', '     '], ['not text', 42], ['missing', undefined], ['only control characters', '\u0000\u0007\u2028\u001b']])(
    'is refused when %s, naming the field',
    (_, reason) => {
      expect(() => requireReason(reason)).toThrow(expect.objectContaining({ name: 'InvalidInput', status: 400, message: 'invalid body', issues: [{ path: 'reason', message: 'a reason is required' }] }));
    },
  );

  it('reaches the requester without control characters, line breaks kept, as a refusal’s note does', async () => {
    const { deps, repo, mailer } = setup({ status: 'in_progress' }, '2026-03-20T10:00:00.000Z');
    const done = await extend(REQUEST_ID, '  Several processors\r\nhold records\u0000\u2028of yours\u001b[31m  ', 'officer:o', deps);
    expect(done.extended?.reason).toBe('Several processors\nhold records  of yours [31m');
    expect(request(repo).extended?.reason).toBe('Several processors\nhold records  of yours [31m');
    expect(mailer.sent[0].text).toContain('Reason: Several processors\nhold records  of yours [31m\nNew deadline:');
    expect(mailer.sent[0].text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u2028]/);
  });
});

describe('the clarification an officer asks for', () => {
  it('is mailed and recorded without control characters', async () => {
    const { deps, repo, mailer } = setup({ type: 'access', status: 'in_progress' });
    const done = await pause(REQUEST_ID, ' Which orders\u0000 your request\u2028is about? ', 'officer:o', deps);
    expect(mailer.sent.at(-1)?.text).toContain('Which orders  your request is about?');
    expect(repo.pii.get(REQUEST_ID)?.clarification).toBe('Which orders  your request is about?');
    expect(done.audit.at(-1)?.data).toEqual({ ground: 'clarification', neededSha256: hash('Which orders  your request is about?') });
  });

  it('is refused, naming the field and changing nothing, when fewer than 10 characters are left', async () => {
    const { deps, repo } = setup({ type: 'access', status: 'in_progress' });
    await expect(pause(REQUEST_ID, '\u0000\u0000\u0000Which?\u0007\u0007\u0007\u0007', 'officer:o', deps)).rejects.toMatchObject({
      name: 'InvalidInput',
      status: 400,
      message: 'invalid body',
      issues: [{ path: 'needed', message: 'say what the requester must tell us, in at least 10 characters' }],
    });
    expect(request(repo).pausedSince).toBeUndefined();
  });

  it('takes exactly 10 characters left after cleaning', async () => {
    const { deps, repo } = setup({ type: 'access', status: 'in_progress' });
    await pause(REQUEST_ID, '\u0000 Which one? \u0000', 'officer:o', deps);
    expect(repo.pii.get(REQUEST_ID)?.clarification).toBe('Which one?');
  });
});

describe('an agent’s contact details, for an officer asking for their proof', () => {
  const agent = { relationship: 'solicitor', proof: 'signed_authority' } as const;

  it('gives the name and email kept with the person’s, and records who looked, not what they saw', async () => {
    const { deps, repo } = setup({ status: 'awaiting_review', agent });
    repo.pii.set(REQUEST_ID, { email: 'ann@example.com', agentName: 'Sam Solicitor', agentEmail: 'sam@lawfirm.example' });
    expect(await agentContact(REQUEST_ID, 'officer:o', deps)).toEqual({ name: 'Sam Solicitor', email: 'sam@lawfirm.example' });
    const stored = request(repo);
    expect(stored.status).toBe('awaiting_review');
    expect(stored.audit.at(-1)).toMatchObject({ at: NOW, actor: 'officer:o', action: 'agent_contact_viewed', subject: REQUEST_ID });
    expect(stored.audit.at(-1)?.data).toBeUndefined();
    expect(JSON.stringify(stored)).not.toMatch(/Sam|lawfirm/);
  });

  it('gives no name where none was kept', async () => {
    const { deps, repo } = setup({ status: 'awaiting_review', agent });
    repo.pii.set(REQUEST_ID, { email: 'ann@example.com', agentEmail: 'sam@lawfirm.example' });
    expect(await agentContact(REQUEST_ID, 'officer:o', deps)).toEqual({ name: null, email: 'sam@lawfirm.example' });
  });

  it.each(['verified', 'in_progress', 'completed', 'denied'] as const)('refuses with a 409 once the request is %s, recording nothing', async (status) => {
    const { deps, repo } = setup({ status, agent });
    repo.pii.set(REQUEST_ID, { email: 'ann@example.com', agentName: 'Sam Solicitor', agentEmail: 'sam@lawfirm.example' });
    const before = request(repo).audit.length;
    await expect(agentContact(REQUEST_ID, 'officer:o', deps)).rejects.toMatchObject({
      name: 'Conflict',
      message: `an agent's contact details are shown only while their authority waits to be checked, not once the request is ${status}`,
    });
    expect(request(repo).audit).toHaveLength(before);
  });

  it('refuses with a 409 for a request nobody made for someone else', async () => {
    const { deps } = setup({ status: 'awaiting_review', type: 'rectification' });
    await expect(agentContact(REQUEST_ID, 'officer:o', deps)).rejects.toMatchObject({ name: 'Conflict', message: 'this request was not made by an agent' });
  });

  it('answers 404 where no contact is kept (the personal data expired, or an officer logged the request)', async () => {
    const { deps, repo } = setup({ status: 'awaiting_review', agent });
    await expect(agentContact(REQUEST_ID, 'officer:o', deps)).rejects.toMatchObject({ name: 'NotFound', message: 'no contact details are kept for this agent' });
    repo.pii.delete(REQUEST_ID);
    await expect(agentContact(REQUEST_ID, 'officer:o', deps)).rejects.toMatchObject({ name: 'NotFound' });
    await expect(agentContact('01JQ0000000000000000000099', 'officer:o', deps)).rejects.toMatchObject({ name: 'NotFound', message: 'no such request' });
  });
});

describe('what an officer’s action answers', () => {
  it('leaves off the workflow’s token, the keyed hashes and the outbox’s own bookkeeping, whichever action it is', async () => {
    const held = { type: 'access', status: 'awaiting_manual', assemblyFailed: { token: 'SFN-TASK-TOKEN', at: NOW, error: 'ResultsUnavailable' }, statusTokenHash: 'STATUS-HASH', orderHash: 'ORDER-HMAC' } as const;
    const actions = {
      note: (deps: ReturnType<typeof setup>['deps']) => addNote(REQUEST_ID, 'Called the requester back.', 'officer:o', deps),
      owner: (deps: ReturnType<typeof setup>['deps']) => assign(REQUEST_ID, 'officer', 'officer:o', deps),
      extend: (deps: ReturnType<typeof setup>['deps']) => extend(REQUEST_ID, 'Several processors hold records', 'officer:o', deps),
      deny: (deps: ReturnType<typeof setup>['deps']) => deny(REQUEST_ID, 'excessive', 'officer:o', deps),
    };
    for (const [name, act] of Object.entries(actions)) {
      const { deps, repo } = setup(held as never);
      const answer = JSON.stringify(await act(deps));
      // Until November 29, 2026 each answered the whole record, the task token the copy's assembly waits on included.
      for (const secret of ['SFN-TASK-TOKEN', 'STATUS-HASH', 'ORDER-HMAC', '"outbox', 'noticeSeq']) expect(answer, `${name}: ${secret}`).not.toContain(secret);
      expect(JSON.parse(answer), name).toMatchObject({ id: REQUEST_ID, assemblyFailed: { error: 'ResultsUnavailable' } });
      expect(request(repo).assemblyFailed?.token, `${name} keeps the token on the record`).toBe('SFN-TASK-TOKEN');
    }
  });
});
