import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WATCH } from '../../../functions/adapters/table.ts';
import { StepFunctionsWorkflow } from '../../../functions/adapters/workflow.ts';
import { signWebhook } from '../../../functions/adapters/webhook-signing.ts';
import { taskExport } from '../../../functions/assemble/results.ts';
import { type CallbackDeps, MAX_CONFLICTS_AUDITED, MAX_FURTHER_FAILURES, MAX_RECEIPT_BODIES_BYTES, receiveCallback } from '../../../functions/callback/receive.ts';
import { sha256 } from '../../../functions/core/audit.ts';
import { ConcurrentUpdate, Unavailable } from '../../../functions/core/errors.ts';
import { planTasks } from '../../../functions/core/plan.ts';
import type { StoredTask } from '../../../functions/core/ports.ts';
import { receiptOf, receiptWebhookId } from '../../../functions/core/receipts.ts';
import { PROCESSOR_FAILURE } from '../../../functions/core/workflow-answer.ts';
import { newWebhookSecret } from '../../../local/processors/registry.ts';
import { FakeRepo, FakeWorkflow, REQUEST_ID, fixedClock, processor, resultsId, storedRequest } from './fakes.ts';

const SECRET = newWebhookSecret();
const paynow = processor({ id: 'paynow', category: 'payments' });
const TASK_ID = `${REQUEST_ID}.paynow`;

let repo: FakeRepo;
let workflow: FakeWorkflow;
let deps: CallbackDeps;

beforeEach(async () => {
  repo = new FakeRepo();
  workflow = new FakeWorkflow();
  const req = storedRequest({ status: 'in_progress' });
  repo.requests.set(REQUEST_ID, req);
  const [t] = planTasks(req, [paynow], { customer: undefined, today: '2026-03-02' });
  repo.tasks.set(TASK_ID, { ...t, status: 'sent', token: 'tok-dispatch', version: 1 });
  deps = { repo, workflow, clock: fixedClock(), processors: [paynow], secrets: async () => [SECRET] };
});

const task = () => repo.tasks.get(TASK_ID) as StoredTask;
const ACCOUNTING = { basis: 'accounting', until: '2033-03-01', rule: 'account_closure_plus_7_years' } as const;
const WARRANTY = { basis: 'lifetime_warranty', until: null, rule: 'indefinite' } as const;
/** The task as Plan writes it for someone the directory knows: with the holds it owes. */
const sentWith = (...holds: StoredTask['holds']) => repo.tasks.set(TASK_ID, { ...task(), holds });
/** The request is one for a copy: only those keep their processors' export results. */
const forACopy = () => repo.requests.set(REQUEST_ID, storedRequest({ type: 'access', status: 'in_progress' }));
/** A callback as a processor sends it: the body names the task it answers (`task_id`), unless the test gives its own. */
const signed = (body: object, o: { id?: string; secrets?: string[]; at?: Date } = {}) => {
  const raw = JSON.stringify({ task_id: TASK_ID, ...body });
  return { raw, headers: { 'content-type': 'application/json', ...signWebhook(o.id ?? 'cb_1', raw, o.secrets ?? [SECRET], o.at) } as Record<string, string> };
};
const post = (m: { raw: string; headers: Record<string, string> }, taskId = TASK_ID) => receiveCallback(taskId, m.raw, m.headers, deps);

describe('callbacks', () => {
  it('completes the task, keeps the receipt in the same write and releases the waiting state', async () => {
    const version = task().version;
    await expect(post(signed({ request_status: 'completed', receipt: 'ER-77' }))).resolves.toEqual({ status: 'accepted' });
    const t = task();
    expect(t).toMatchObject({ status: 'completed', outcome: { request_status: 'completed' }, finishedAt: '2026-03-02T10:00:00.000Z', version: version + 1 });
    expect(t.receipts?.cb_1).toMatchObject({ body: JSON.stringify({ task_id: TASK_ID, request_status: 'completed', receipt: 'ER-77' }), bodyHash: expect.stringMatching(/^[0-9a-f]{64}$/), signature: expect.stringMatching(/^v1,/), at: '2026-03-02T10:00:00.000Z' });
    expect(t.audit.at(-1)).toMatchObject({ actor: 'processor:paynow', action: 'completed', from: 'sent', to: 'completed' });
    expect(workflow.calls).toEqual([{ op: 'success', token: 'tok-dispatch', output: { request_status: 'completed' } }]);
  });

  it('answers 503 with Retry-After, not a 409 a processor takes as final, when its task keeps changing under it', async () => {
    // Every write loses its race (another writer each time): the callback tries five times, then gives up for now.
    repo.transitionTask = async () => Promise.reject(new ConcurrentUpdate('task changed'));
    const failed = await post(signed({ request_status: 'completed' })).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(Unavailable);
    expect(failed).toMatchObject({ status: 503 });
    expect(task().status).toBe('sent');
    expect(workflow.calls).toEqual([]);
  });

  it('refuses a webhook-id over 200 characters, as the contract caps it, with a 400 naming the header and changes nothing', async () => {
    const failed = await post(signed({ request_status: 'completed' }, { id: `cb_${'x'.repeat(198)}` })).catch((e: unknown) => e);
    expect(failed).toMatchObject({ status: 400, issues: [{ path: 'webhook-id', message: 'at most 200 characters' }] });
    expect(task().status).toBe('sent');
    await expect(post(signed({ request_status: 'completed' }, { id: `cb_${'x'.repeat(197)}` }))).resolves.toEqual({ status: 'accepted' });
  });

  it('passes on not_found and retained (with legal basis and date) as outcomes', async () => {
    sentWith(ACCOUNTING);
    await post(signed({ request_status: 'retained', legal_basis: 'accounting', retained_until: '2031-03-15' }));
    expect(task()).toMatchObject({ status: 'retained', outcome: { request_status: 'retained', legal_basis: 'accounting', retained_until: '2031-03-15' } });
    expect(workflow.calls[0].output).toEqual({ request_status: 'retained', legal_basis: 'accounting', retained_until: '2031-03-15' });
  });

  it('refuses retained to a task that is not an erasure with a 400 on request_status, changing nothing', async () => {
    for (const action of ['export', 'rectify', 'suppress', 'restrict'] as const) {
      repo.tasks.set(TASK_ID, { ...task(), action });
      const before = task();
      const message = 'retained answers an erasure only (a task whose action is erase)';
      await expect(post(signed({ request_status: 'retained', legal_basis: 'accounting', retained_until: '2031-03-15' }))).rejects.toMatchObject({ status: 400, issues: [{ path: 'request_status', message }] });
      expect(task()).toEqual(before);
    }
    expect(workflow.calls).toEqual([]);
  });

  it('refuses a completed export without results or results_url with a 400 on results, changing nothing, and takes one with either', async () => {
    forACopy();
    repo.tasks.set(TASK_ID, { ...task(), action: 'export' });
    const before = task();
    const message = 'an export is completed with results or results_url; holding nothing, answer not_found';
    await expect(post(signed({ request_status: 'completed', third_party_data: true }))).rejects.toMatchObject({ status: 400, issues: [{ path: 'results', message }] });
    expect(task()).toEqual(before);
    expect(workflow.calls).toEqual([]);
    await expect(post(signed({ request_status: 'completed', results_url: 'https://files.example/1.json' }, { id: 'cb_2' }))).resolves.toEqual({ status: 'accepted' });
    // Any other task is completed by its status alone.
    repo.tasks.set(TASK_ID, { ...before, action: 'rectify' });
    await expect(post(signed({ request_status: 'completed' }, { id: 'cb_3' }))).resolves.toEqual({ status: 'accepted' });
  });

  it('passes on lifetime-warranty records kept for a requester who did not ask to erase them', async () => {
    sentWith(WARRANTY);
    await expect(post(signed({ request_status: 'retained', legal_basis: 'lifetime_warranty', retained_until: null }))).resolves.toEqual({ status: 'accepted' });
    expect(task()).toMatchObject({ status: 'retained', outcome: { legal_basis: 'lifetime_warranty' } });
  });

  it('escalates lifetime-warranty records kept although the requester asked to erase them too, answering 422 on the field at fault', async () => {
    repo.requests.set(REQUEST_ID, storedRequest({ status: 'in_progress', details: { eraseWarranty: true, objections: [] } }));
    // Plan sends no warranty hold to someone who asked to erase those records too.
    sentWith(ACCOUNTING);
    const message = 'the requester asked to erase their lifetime-warranty purchase records too: they cannot be kept for the warranty';
    await expect(post(signed({ request_status: 'retained', legal_basis: 'lifetime_warranty', retained_until: null }))).rejects.toMatchObject({ status: 422, issues: [{ path: 'legal_basis', message }] });
    const reason = `retained under lifetime_warranty: ${message}`;
    expect(task()).toMatchObject({ status: 'failed', outcome: { request_status: 'failed', reason } });
    expect(workflow.calls).toEqual([{ op: 'failure', token: 'tok-dispatch', ...PROCESSOR_FAILURE }]);
    // Kept under another basis too, with the warranty as the further hold: the same.
    repo.tasks.set(TASK_ID, { ...task(), status: 'sent', outcome: undefined, token: 'tok-2' });
    const both = signed({ request_status: 'retained', legal_basis: 'accounting', retained_until: '2033-03-01', additional_holds: [{ legal_basis: 'lifetime_warranty', retained_until: null }] }, { id: 'cb_2' });
    await expect(post(both)).rejects.toMatchObject({ status: 422, issues: [{ path: 'additional_holds.0.legal_basis', message }] });
    expect(task().status).toBe('failed');
  });

  it('escalates records kept under a hold the task was not sent, answering 422 on the field at fault, so the requester is never told the policy keeps them', async () => {
    // Someone the directory does not know: Plan sent no hold at all.
    const message = 'no accounting hold was sent with this task: its records are to be erased';
    const failed = await post(signed({ request_status: 'retained', legal_basis: 'accounting', retained_until: '2031-03-15' })).catch((e: unknown) => e);
    expect(failed).toMatchObject({ status: 422, message: 'records kept beyond the legal holds this task was sent; the task is escalated', issues: [{ path: 'legal_basis', message }] });
    expect(task()).toMatchObject({ status: 'failed', outcome: { request_status: 'failed', reason: `retained under accounting: ${message}` } });
    expect(workflow.calls).toEqual([{ op: 'failure', token: 'tok-dispatch', ...PROCESSOR_FAILURE }]);
    // Sent the accounting hold only, the warranty named as a further hold: the further one is at fault.
    repo.tasks.set(TASK_ID, { ...task(), status: 'sent', outcome: undefined, token: 'tok-2', holds: [ACCOUNTING] });
    const both = signed({ request_status: 'retained', legal_basis: 'accounting', retained_until: '2033-03-01', additional_holds: [{ legal_basis: 'lifetime_warranty', retained_until: null }] }, { id: 'cb_2' });
    await expect(post(both)).rejects.toMatchObject({ status: 422, issues: [{ path: 'additional_holds.0.legal_basis', message: 'no lifetime_warranty hold was sent with this task: its records are to be erased' }] });
  });

  it('escalates records kept past the end of the hold sent, for ever where it has an end, or until a day already past; takes an earlier end', async () => {
    const refused = [
      ['2099-12-31', 'the accounting hold sent with this task ends on 2033-03-01'],
      [null, 'the accounting hold sent with this task ends on 2033-03-01'],
      // The clock's day is 2 March 2026.
      ['2026-03-01', 'a day already past: records whose hold has ended are to be erased'],
    ] as const;
    for (const [i, [until, message]] of refused.entries()) {
      repo.tasks.set(TASK_ID, { ...task(), status: 'sent', outcome: undefined, token: `tok-${i}`, holds: [ACCOUNTING] });
      await expect(post(signed({ request_status: 'retained', legal_basis: 'accounting', retained_until: until }, { id: `cb_${i}` }))).rejects.toMatchObject({ status: 422, issues: [{ path: 'retained_until', message }] });
      expect(task().status).toBe('failed');
    }
    repo.tasks.set(TASK_ID, { ...task(), status: 'sent', outcome: undefined, token: 'tok-ok', holds: [ACCOUNTING] });
    await expect(post(signed({ request_status: 'retained', legal_basis: 'accounting', retained_until: '2026-03-02' }, { id: 'cb_ok' }))).resolves.toEqual({ status: 'accepted' });
    expect(task()).toMatchObject({ status: 'retained', outcome: { retained_until: '2026-03-02' } });
  });

  it('answers a retained accepted on its hold’s last day, sent again after midnight, as a duplicate, under the same webhook-id or a new one', async () => {
    repo.tasks.set(TASK_ID, { ...task(), holds: [{ ...ACCOUNTING, until: '2026-03-02' }] });
    const body = { request_status: 'retained', legal_basis: 'accounting', retained_until: '2026-03-02' };
    await expect(post(signed(body))).resolves.toEqual({ status: 'accepted' });
    const after = task();
    // Its 200 lost, the processor sends it again on the next London day, when that last day is past.
    deps.clock = fixedClock('2026-03-03T00:01:00.000Z');
    await expect(post(signed(body))).resolves.toEqual({ status: 'duplicate' });
    await expect(post(signed(body, { id: 'cb_2' }))).resolves.toEqual({ status: 'duplicate' });
    expect(task()).toEqual(after);
    // An answer the task does not record is still judged: the same day sent as new is a 409, the task being finished.
    await expect(post(signed({ ...body, retained_until: '2026-03-01' }, { id: 'cb_3' }))).rejects.toMatchObject({ status: 409 });
  });

  it('sends a task failure by its name, the processor’s reason kept on the task record', async () => {
    await post(signed({ request_status: 'failed', reason: 'account locked by fraud team' }));
    expect(task()).toMatchObject({ status: 'failed', outcome: { reason: 'account locked by fraud team' } });
    expect(workflow.calls).toEqual([{ op: 'failure', token: 'tok-dispatch', error: 'ProcessorFailed', cause: 'the processor answered failed; its reason is on the task record' }]);
  });

  it('takes an in_progress signed before an officer’s retry, whose webhook is still owed, for no acknowledgement of it: the webhook stays owed', async () => {
    // Retried a minute ago (the retry's webhook not sent yet: its click died, or the sender could not read the secret).
    const retriedAt = new Date(Date.now() - 60_000);
    const owed = { seq: 1, until: new Date(Date.now() + 60_000).toISOString(), owner: 'admin' };
    repo.tasks.set(TASK_ID, { ...task(), status: 'sent', retries: 1, sentAt: retriedAt.toISOString(), outboxWebhook: owed } as StoredTask);
    // The processor's own retry of an in_progress it sent before the retry (a lost 200): signed two minutes ago.
    await expect(post(signed({ request_status: 'in_progress' }, { id: 'cb_old', at: new Date(Date.now() - 120_000) }))).resolves.toEqual({ status: 'accepted' });
    // Until November 29, 2026 it acknowledged the retry and took its webhook off the outbox: the processor was never sent it.
    expect(task()).toMatchObject({ status: 'sent', outboxWebhook: owed });
    // Signed after the retry: the processor has it.
    await expect(post(signed({ request_status: 'in_progress' }, { id: 'cb_new' }))).resolves.toEqual({ status: 'accepted' });
    expect(task().status).toBe('in_progress');
    expect(task().outboxWebhook).toBeUndefined();
  });

  it('keeps a receipt’s hash and signature without its bytes once the task’s receipts hold their share of signed bytes, so that the task stays one writable item', async () => {
    // Earlier answers padded to 32 KiB, across officers' retries: their bytes fill the share but for 1 KiB.
    const padded = (n: number) => ({ bodyHash: `h${n}`, signature: 'v1,x', timestamp: '1', body: ' '.repeat(MAX_RECEIPT_BODIES_BYTES / 6 - 171), at: '2026-03-02T10:00:00.000Z' });
    const earlier = Object.fromEntries(Array.from({ length: 6 }, (_, n) => [`old_${n}`, padded(n)]));
    repo.tasks.set(TASK_ID, { ...task(), receipts: earlier });
    const m = signed({ request_status: 'in_progress', receipt: 'x'.repeat(2000) }, { id: 'cb_pad' });
    await expect(post(m)).resolves.toEqual({ status: 'accepted' });
    // Applied all the same; until November 29, 2026 its bytes went in too, and three retries' worth took the item past DynamoDB's 400 KB.
    expect(task().status).toBe('in_progress');
    expect(task().receipts?.cb_pad).toMatchObject({ bodyHash: sha256(m.raw), bodyIn: 'discarded' });
    expect(task().receipts?.cb_pad).not.toHaveProperty('body');
    // A task with room keeps the bytes, for audit:verify.
    repo.tasks.set(TASK_ID, { ...task(), status: 'sent', receipts: {} });
    await post(signed({ request_status: 'in_progress' }, { id: 'cb_room' }));
    expect(task().receipts?.cb_room?.body).toBeDefined();
  });

  it('turns in_progress into a heartbeat, and acknowledges the task the first time', async () => {
    await post(signed({ request_status: 'in_progress' }, { id: 'cb_a' }));
    expect(task().status).toBe('in_progress');
    await post(signed({ request_status: 'in_progress' }, { id: 'cb_b' }));
    expect(task().status).toBe('in_progress');
    expect(workflow.calls.map((c) => c.op)).toEqual(['heartbeat', 'heartbeat']);
    await post(signed({ request_status: 'completed' }, { id: 'cb_c' }));
    expect(task().status).toBe('completed');
  });

  it('refuses a forged signature with 401 and changes nothing', async () => {
    const before = structuredClone(task());
    await expect(post(signed({ request_status: 'completed' }, { secrets: [newWebhookSecret()] }))).rejects.toMatchObject({ status: 401 });
    expect(task()).toEqual(before);
    expect(workflow.calls).toEqual([]);
  });

  it('refuses an expired or future timestamp with 401 and changes nothing', async () => {
    const before = structuredClone(task());
    await expect(post(signed({ request_status: 'completed' }, { at: new Date(Date.now() - 10 * 60_000) }))).rejects.toMatchObject({ status: 401 });
    await expect(post(signed({ request_status: 'completed' }, { at: new Date(Date.now() + 10 * 60_000) }))).rejects.toMatchObject({ status: 401 });
    expect(task()).toEqual(before);
  });

  it('refuses a webhook-timestamp that is not all digits with 401 before verifying, though the signature would match its leading number', async () => {
    const before = structuredClone(task());
    const m = signed({ request_status: 'completed' });
    const ts = m.headers['webhook-timestamp'];
    for (const bad of [`${ts}abc`, ` ${ts}`, `+${ts}`, `${ts}.0`, `${ts}e0`, '']) {
      await expect(post({ ...m, headers: { ...m.headers, 'webhook-timestamp': bad } }), bad).rejects.toMatchObject({ status: 401 });
      const { 'webhook-timestamp': _, ...others } = m.headers;
      await expect(post({ ...m, headers: { ...others, 'Webhook-Timestamp': bad } }), bad).rejects.toMatchObject({ status: 401 });
    }
    expect(task()).toEqual(before);
    // The same bytes with the timestamp as signed are accepted: only the header's form was at fault.
    await expect(post(m)).resolves.toEqual({ status: 'accepted' });
  });

  it('refuses a body changed after signing, and missing headers', async () => {
    const m = signed({ request_status: 'not_found' });
    await expect(post({ ...m, raw: JSON.stringify({ task_id: TASK_ID, request_status: 'completed' }) })).rejects.toMatchObject({ status: 401 });
    await expect(post({ raw: m.raw, headers: {} })).rejects.toMatchObject({ status: 401 });
    expect(task().status).toBe('sent');
  });

  it('answers 401 for an unknown processor or a malformed task id, revealing nothing', async () => {
    await expect(post(signed({ request_status: 'completed' }), `${REQUEST_ID}.nobody`)).rejects.toMatchObject({ status: 401 });
    await expect(post(signed({ request_status: 'completed' }), 'not-a-task')).rejects.toMatchObject({ status: 401 });
  });

  it('refuses with 401 a callback whose processor secret is not configured, when the error comes by name only (another copy of the class)', async () => {
    deps.secrets = async () => Promise.reject(Object.assign(new Error('no secret'), { name: 'SecretNotConfigured' }));
    await expect(post(signed({ request_status: 'completed' }))).rejects.toMatchObject({ status: 401 });
    expect(task().status).toBe('sent');
  });

  it('keeps the webhook-timestamp and signature in the receipt, so that the signature can be checked again later', async () => {
    const m = signed({ request_status: 'completed' });
    await post(m);
    expect(task().receipts?.cb_1).toMatchObject({ timestamp: m.headers['webhook-timestamp'], signature: m.headers['webhook-signature'] });
  });

  it('answers 404 to a correctly signed callback for a task that does not exist', async () => {
    const missing = '01JQ0000000000000000000009.paynow';
    await expect(post(signed({ task_id: missing, request_status: 'completed' }), missing)).rejects.toMatchObject({ status: 404 });
  });

  it('refuses an invalid body with field-level 400 issues and changes nothing', async () => {
    await expect(post(signed({ request_status: 'retained', legal_basis: 'marketing', retained_until: null }))).rejects.toMatchObject({
      status: 400,
      issues: expect.arrayContaining([expect.objectContaining({ path: 'legal_basis' })]),
    });
    expect(task().status).toBe('sent');
  });

  it('refuses a retained_until that is no day of the calendar with a field-level 400 and changes nothing: the outcome email would say another date, or could not be written', async () => {
    const before = structuredClone(task());
    for (const [day, where] of [
      ['2031-13-01', { retained_until: '2031-13-01' }],
      ['2031-02-30', { retained_until: '2031-02-30' }],
      ['2031-00-10', { retained_until: '2032-11-30', additional_holds: [{ legal_basis: 'lifetime_warranty', retained_until: '2031-00-10' }] }],
    ] as const) {
      await expect(post(signed({ request_status: 'retained', legal_basis: 'accounting', ...where }, { id: `cb_${day}` })), day).rejects.toMatchObject({
        status: 400,
        issues: [expect.objectContaining({ path: 'additional_holds' in where ? 'additional_holds.0.retained_until' : 'retained_until' })],
      });
    }
    expect(task()).toEqual(before);
    expect(workflow.calls).toEqual([]);
  });

  it('refuses a signed callback replayed onto another task of the same processor with a 400 on task_id, changing neither task', async () => {
    const OTHER_ID = '01JQ0000000000000000000001';
    const OTHER_TASK = `${OTHER_ID}.paynow`;
    const other = storedRequest({ id: OTHER_ID, status: 'in_progress' });
    repo.requests.set(OTHER_ID, other);
    const [t] = planTasks(other, [paynow], { customer: undefined, today: '2026-03-02' });
    repo.tasks.set(OTHER_TASK, { ...t, status: 'sent', token: 'tok-other', version: 1 });
    // The processor answers its task at TASK_ID; someone who captured that callback sends it, within
    // the timestamp tolerance, to the callback URL of another request's task at the same processor.
    const m = signed({ request_status: 'not_found' });
    await expect(post(m)).resolves.toEqual({ status: 'accepted' });
    const before = structuredClone([task(), repo.tasks.get(OTHER_TASK)]);
    await expect(post(m, OTHER_TASK)).rejects.toMatchObject({ status: 400, issues: [{ path: 'task_id', message: 'the task of this callback URL' }] });
    expect([task(), repo.tasks.get(OTHER_TASK)]).toEqual(before);
    expect(repo.tasks.get(OTHER_TASK)?.status).toBe('sent');
    expect(workflow.calls).toEqual([{ op: 'success', token: 'tok-dispatch', output: { request_status: 'not_found' } }]);
  });

  it('refuses a signed callback that does not name its task with a field-level 400 on task_id, changing nothing', async () => {
    const before = structuredClone(task());
    const raw = JSON.stringify({ request_status: 'not_found' });
    const headers = signWebhook('cb_1', raw, [SECRET]) as Record<string, string>;
    await expect(post({ raw, headers })).rejects.toMatchObject({ status: 400, issues: [expect.objectContaining({ path: 'task_id' })] });
    expect(task()).toEqual(before);
    expect(workflow.calls).toEqual([]);
  });

  it('refuses a callback body over 32 KiB without inline export results with 413 before any write (the task record is one DynamoDB item)', async () => {
    const before = structuredClone(task());
    const padded = (bytes: number) => {
      const head = JSON.stringify({ task_id: TASK_ID, request_status: 'not_found' }).slice(0, -1);
      const raw = `${head}${' '.repeat(bytes - head.length - 1)}}`;
      return { raw, headers: signWebhook('cb_pad', raw, [SECRET]) as Record<string, string> };
    };
    await expect(post(padded(32 * 1024 + 1))).rejects.toMatchObject({ status: 413 });
    expect(task()).toEqual(before);
    expect(workflow.calls).toEqual([]);
    // At the cap, it is applied; an export's inline results may be larger (they are kept apart from the task).
    await expect(post(padded(32 * 1024))).resolves.toEqual({ status: 'accepted' });
    expect(task().status).toBe('not_found');
  });

  it('refuses a completed callback over 32 KiB that carries no inline export results with 413, changing nothing', async () => {
    const before = structuredClone(task());
    const head = JSON.stringify({ task_id: TASK_ID, request_status: 'completed', receipt: 'ER-77' }).slice(0, -1);
    const raw = `${head}${' '.repeat(32 * 1024 - head.length)}}`;
    await expect(post({ raw, headers: signWebhook('cb_pad', raw, [SECRET]) as Record<string, string> })).rejects.toMatchObject({ status: 413 });
    expect(task()).toEqual(before);
    expect(workflow.calls).toEqual([]);
  });

  it('accepts inline export results over 32 KiB, kept apart from the task record', async () => {
    forACopy();
    const records = Array.from({ length: 400 }, (_, i) => ({ id: `PAY-${i}`, note: 'x'.repeat(100) }));
    const m = signed({ request_status: 'completed', results: { records } });
    expect(m.raw.length).toBeGreaterThan(32 * 1024);
    await expect(post(m)).resolves.toEqual({ status: 'accepted' });
    expect(task()).toMatchObject({ status: 'completed', resultsHash: sha256(m.raw) });
    expect(JSON.stringify(task()).length).toBeLessThan(32 * 1024);
  });

  it('refuses a correctly signed body that is not JSON with a field-level 400, not a 401, and changes nothing', async () => {
    for (const raw of ['{"request_status":"completed"', '']) {
      const headers = signWebhook('cb_1', raw, [SECRET]) as Record<string, string>;
      await expect(post({ raw, headers })).rejects.toMatchObject({ status: 400, issues: [{ path: '(body)', message: 'body is not valid JSON' }] });
    }
    expect(task().status).toBe('sent');
    expect(workflow.calls).toEqual([]);
  });

  it('answers a replayed webhook-id with the same body as a duplicate, applying nothing', async () => {
    const m = signed({ request_status: 'completed' });
    await post(m);
    workflow.dead.add('tok-dispatch');
    const after = structuredClone(task());
    await expect(post(m)).resolves.toEqual({ status: 'duplicate' });
    expect(task()).toEqual(after);
    expect(workflow.calls).toHaveLength(1);
  });

  it('answers a repeated outcome under a new webhook-id as a duplicate', async () => {
    await post(signed({ request_status: 'completed' }, { id: 'cb_1' }));
    workflow.dead.add('tok-dispatch');
    await expect(post(signed({ request_status: 'completed' }, { id: 'cb_2' }))).resolves.toEqual({ status: 'duplicate' });
    expect(workflow.calls).toHaveLength(1);
  });

  it('tells the waiting state again on a duplicate of an answer whose first delivery died after its write, before telling it', async () => {
    const m = signed({ request_status: 'completed', receipt: 'ER-77' });
    const send = workflow.taskSuccess.bind(workflow);
    // The process dies at the step boundary: the task is written, SendTaskSuccess never leaves.
    workflow.taskSuccess = async () => Promise.reject(Object.assign(new Error('Runtime exited'), { name: 'Runtime.ExitError' }));
    await expect(post(m)).rejects.toThrow('Runtime exited');
    expect(task().status).toBe('completed');
    workflow.taskSuccess = send;
    // The processor got no 2xx and sends the same callback again.
    await expect(post(m)).resolves.toEqual({ status: 'duplicate' });
    expect(workflow.calls).toEqual([{ op: 'success', token: 'tok-dispatch', output: { request_status: 'completed' } }]);
    // And again under a new webhook-id: the same outcome, told again.
    await expect(post(signed({ request_status: 'completed', receipt: 'ER-77' }, { id: 'cb_2' }))).resolves.toEqual({ status: 'duplicate' });
    expect(workflow.calls).toHaveLength(2);
  });

  it('never sends a failure again on a duplicate: the failed task’s token may since be its escalation’s, which a failure would fail', async () => {
    const m = signed({ request_status: 'failed', reason: 'account locked' });
    await post(m);
    repo.tasks.set(TASK_ID, { ...task(), token: 'tok-escalation' });
    await expect(post(m)).resolves.toEqual({ status: 'duplicate' });
    expect(workflow.calls).toEqual([{ op: 'failure', token: 'tok-dispatch', ...PROCESSOR_FAILURE }]);
  });

  it('refuses conflicting content for a finished task with 409 and audits it', async () => {
    await post(signed({ request_status: 'completed' }, { id: 'cb_1' }));
    const status = task().status;
    await expect(post(signed({ request_status: 'not_found' }, { id: 'cb_2' }))).rejects.toMatchObject({ status: 409 });
    expect(task().status).toBe(status);
    expect(task().audit.at(-1)).toMatchObject({ action: 'conflicting_callback', data: { claimed: 'not_found' } });
    expect(task().receipts).not.toHaveProperty('cb_2');
  });

  it('answers a late callback that agrees with an officer’s resolution as a duplicate, and one that disagrees with 409', async () => {
    const resolved = { ...task(), status: 'resolved' as const, token: undefined, outcome: { request_status: 'resolved' as const, reason: 'completed', note: 'Erased by hand in the partner portal' } };
    repo.tasks.set(TASK_ID, resolved);
    await expect(post(signed({ request_status: 'completed', receipt: 'ER-9' }, { id: 'cb_late' }))).resolves.toEqual({ status: 'duplicate' });
    expect(task()).toEqual(resolved);
    expect(workflow.calls).toEqual([]);
    await expect(post(signed({ request_status: 'not_found' }, { id: 'cb_other' }))).rejects.toMatchObject({ status: 409 });
    expect(task().status).toBe('resolved');
  });

  it('refuses a reused webhook-id with other content with 409 and audits it', async () => {
    await post(signed({ request_status: 'completed' }, { id: 'cb_1' }));
    await expect(post(signed({ request_status: 'completed', receipt: 'other' }, { id: 'cb_1' }))).rejects.toMatchObject({ status: 409 });
    expect(task().audit.at(-1)?.action).toBe('conflicting_callback');
  });

  it('audits a refused callback once, however often the processor sends it again under fresh webhook-ids', async () => {
    await post(signed({ request_status: 'completed' }, { id: 'cb_1' }));
    const audited = task().audit.length;
    for (const id of ['cb_2', 'cb_3', 'cb_4']) await expect(post(signed({ request_status: 'not_found' }, { id }))).rejects.toMatchObject({ status: 409 });
    expect(task().audit).toHaveLength(audited + 1);
    await expect(post(signed({ request_status: 'not_found', receipt: 'other' }, { id: 'cb_5' }))).rejects.toMatchObject({ status: 409 });
    expect(task().audit).toHaveLength(audited + 2);
  });

  it('audits at most a few conflicting callbacks of a task, so that a processor retrying a 409 in new words under fresh ids cannot fill its one DynamoDB item', async () => {
    await post(signed({ request_status: 'completed' }, { id: 'cb_1' }));
    for (let i = 1; i <= MAX_CONFLICTS_AUDITED; i++) {
      await expect(post(signed({ request_status: 'not_found', receipt: `attempt ${i}` }, { id: `cb_c${i}` }))).rejects.toMatchObject({ status: 409 });
    }
    const full = structuredClone(task());
    expect(full.audit.filter((e) => e.action === 'conflicting_callback')).toHaveLength(MAX_CONFLICTS_AUDITED);
    // Past the bound the answer is still the 409, and nothing is written.
    await expect(post(signed({ request_status: 'not_found', receipt: 'attempt again' }, { id: 'cb_more' }))).rejects.toMatchObject({ status: 409, message: 'task already completed' });
    await expect(post(signed({ request_status: 'completed', receipt: 'other' }, { id: 'cb_1' }))).rejects.toMatchObject({ status: 409, message: 'webhook-id already used with other content' });
    expect(task()).toEqual(full);
  });

  it('records the same further failure of an escalated task once, answering a repeat as a duplicate', async () => {
    await post(signed({ request_status: 'failed', reason: 'account locked' }, { id: 'cb_1' }));
    repo.tasks.set(TASK_ID, { ...task(), token: 'tok-escalation' });
    const audited = task().audit.length;
    for (const id of ['cb_2', 'cb_3']) await expect(post(signed({ request_status: 'failed', reason: 'account locked' }, { id }))).resolves.toEqual({ status: 'duplicate' });
    expect(task().audit).toHaveLength(audited);
    await expect(post(signed({ request_status: 'failed', reason: 'still locked' }, { id: 'cb_4' }))).resolves.toEqual({ status: 'accepted' });
    expect(task().audit).toHaveLength(audited + 1);
  });

  it('applies a late answer to a timed-out task and releases the escalation’s token', async () => {
    repo.tasks.set(TASK_ID, { ...task(), status: 'timed_out', token: 'tok-escalation', outcome: { request_status: 'timed_out', reason: 'States.Timeout' } });
    await post(signed({ request_status: 'completed' }));
    expect(task()).toMatchObject({ status: 'completed', outcome: { request_status: 'completed' } });
    expect(workflow.calls).toEqual([{ op: 'success', token: 'tok-escalation', output: { request_status: 'completed' } }]);
  });

  it('records the escalation’s token as owed in the write that applies a late answer, and clears the mark once the token is sent', async () => {
    repo.tasks.set(TASK_ID, { ...task(), status: 'timed_out', token: 'tok-escalation', outcome: { request_status: 'timed_out', reason: 'States.Timeout' } });
    const writes: Record<string, unknown>[] = [];
    const write = repo.transitionTask.bind(repo);
    repo.transitionTask = async (prev, to, changes, event) => {
      writes.push(structuredClone(changes));
      return write(prev, to, changes, event);
    };
    await post(signed({ request_status: 'completed' }));
    // The sweeper sends it if this callback dies after the write.
    expect(writes).toEqual([expect.objectContaining({ outboxToken: { at: '2026-03-02T10:00:00.000Z' } })]);
    expect(task().outboxToken).toBeUndefined();
    expect(workflow.calls).toEqual([{ op: 'success', token: 'tok-escalation', output: { request_status: 'completed' } }]);
  });

  it('sends the owed escalation token on a duplicate of a late answer whose first delivery died, and clears the mark', async () => {
    repo.tasks.set(TASK_ID, { ...task(), status: 'timed_out', token: 'tok-escalation', outcome: { request_status: 'timed_out', reason: 'States.Timeout' } });
    const m = signed({ request_status: 'completed' });
    workflow.taskSuccess = async () => Promise.reject(Object.assign(new Error('Runtime exited'), { name: 'Runtime.ExitError' }));
    await expect(post(m)).rejects.toThrow('Runtime exited');
    expect(task()).toMatchObject({ status: 'completed', outboxToken: { at: '2026-03-02T10:00:00.000Z' } });
    workflow = new FakeWorkflow();
    deps.workflow = workflow;
    await expect(post(m)).resolves.toEqual({ status: 'duplicate' });
    expect(workflow.calls).toEqual([{ op: 'success', token: 'tok-escalation', output: { request_status: 'completed' } }]);
    expect(task().outboxToken).toBeUndefined();
  });

  it('records the escalation’s token as owed when the processor answers a task an officer retried, so that a callback dying before it tells the workflow leaves the token to the sweeper', async () => {
    // An officer's retry sends the task again under the Escalate state's token, which has no time-out: nothing but this answer releases it.
    repo.tasks.set(TASK_ID, { ...task(), status: 'sent', token: 'tok-escalation', retries: 1 });
    workflow.taskSuccess = async () => Promise.reject(Object.assign(new Error('Runtime exited'), { name: 'Runtime.ExitError' }));
    await expect(post(signed({ request_status: 'completed' }))).rejects.toThrow('Runtime exited');
    expect(task()).toMatchObject({ status: 'completed', outboxToken: { at: '2026-03-02T10:00:00.000Z' } });
  });

  it('sends a task an officer retried, that its processor fails again, to wait for an officer: the request escalated first, the team’s email owed in the task’s write, the Escalate state failed', async () => {
    repo.tasks.set(TASK_ID, { ...task(), status: 'sent', token: 'tok-escalation', retries: 1 });
    const writes: string[] = [];
    const write = repo.transitionRequest.bind(repo);
    repo.transitionRequest = async (prev, to, ...rest) => {
      writes.push(`request:${to}`);
      return write(prev, to, ...rest);
    };
    const writeTask = repo.transitionTask.bind(repo);
    repo.transitionTask = async (prev, to, ...rest) => {
      writes.push(`task:${to}`);
      return writeTask(prev, to, ...rest);
    };
    await expect(post(signed({ request_status: 'failed', reason: 'account locked' }))).resolves.toEqual({ status: 'accepted' });
    expect(writes).toEqual(['request:awaiting_manual', 'task:failed']);
    expect(repo.requests.get(REQUEST_ID)?.audit.at(-1)).toMatchObject({ action: 'escalate', actor: 'processor:paynow', data: { task: TASK_ID, reason: 'ProcessorFailed' } });
    // Held by the Escalate state this failure re-enters (it mails and clears it) past its mail retries; the sweeper's after.
    expect(task()).toMatchObject({ status: 'failed', token: 'tok-escalation', outboxTeam: { seq: task().version, owner: 'workflow', until: '2026-03-02T10:10:00.000Z', escalated: 'ProcessorFailed' } });
    expect(workflow.calls).toEqual([{ op: 'failure', token: 'tok-escalation', ...PROCESSOR_FAILURE }]);
  });

  it('puts the request back in progress when an officer resolves a retried task at the moment its processor fails it again: nothing is left waiting for an officer', async () => {
    repo.tasks.set(TASK_ID, { ...task(), status: 'sent', token: 'tok-escalation', retries: 1 });
    const writeTask = repo.transitionTask.bind(repo);
    let officer = true;
    repo.transitionTask = async (prev, to, ...rest) => {
      if (officer) {
        // The officer's resolution lands between this callback's escalation of the request and its task write.
        officer = false;
        await writeTask(task(), 'resolved', { finishedAt: '2026-03-02T10:00:00.000Z' }, { at: '2026-03-02T10:00:00.000Z', actor: 'officer', action: 'resolve', subject: TASK_ID });
      }
      return writeTask(prev, to, ...rest);
    };
    await post(signed({ request_status: 'failed', reason: 'account locked' })).catch(() => undefined);
    expect(task()).toMatchObject({ status: 'resolved' });
    expect(task().outboxTeam).toBeUndefined();
    expect(repo.requests.get(REQUEST_ID)?.status).toBe('in_progress');
    expect(repo.requests.get(REQUEST_ID)?.audit.map((e) => e.action).slice(-2)).toEqual(['escalate', 'unblock']);
  });

  it('answers 200 to a retried task’s failure that Step Functions refused to be told (throttled): the request waits for an officer and the sweeper owes the team its email', async () => {
    repo.tasks.set(TASK_ID, { ...task(), status: 'sent', token: 'tok-escalation', retries: 1 });
    workflow.taskFailure = async () => Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const m = signed({ request_status: 'failed', reason: 'account locked' });
    await expect(post(m)).resolves.toEqual({ status: 'accepted' });
    expect(repo.requests.get(REQUEST_ID)?.status).toBe('awaiting_manual');
    expect(task()).toMatchObject({ status: 'failed', token: 'tok-escalation', outboxTeam: { escalated: 'ProcessorFailed' } });
    // Sent again, it changes nothing more.
    await expect(post(m)).resolves.toEqual({ status: 'duplicate' });
    expect(task().audit.filter((e) => e.action === 'failed')).toHaveLength(1);
  });

  it('still answers 5xx when Step Functions refuses to be told a first failure, and owes no email: the Dispatch state’s time-out escalates it', async () => {
    workflow.taskFailure = async () => Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(post(signed({ request_status: 'failed', reason: 'account locked' }))).rejects.toThrow('Rate exceeded');
    expect(task()).toMatchObject({ status: 'failed' });
    expect(task().outboxTeam).toBeUndefined();
    expect(repo.requests.get(REQUEST_ID)?.status).toBe('in_progress');
  });

  it('records a further failure of an escalated task on its audit trail without failing the escalation', async () => {
    repo.tasks.set(TASK_ID, { ...task(), status: 'failed', token: 'tok-escalation' });
    const before = task();
    await expect(post(signed({ request_status: 'failed', reason: 'still locked' }))).resolves.toEqual({ status: 'accepted' });
    expect(task()).toMatchObject({ status: 'failed', version: before.version + 1 });
    expect(task().audit).toHaveLength(before.audit.length + 1);
    expect(task().audit.at(-1)).toMatchObject({ actor: 'processor:paynow', action: 'failed', subject: TASK_ID, at: '2026-03-02T10:00:00.000Z' });
    expect(workflow.calls).toEqual([]);
  });

  it('keeps the receipt of a further failure of an escalated task in the write that records it, and refuses its webhook-id reused with other content with 409', async () => {
    repo.tasks.set(TASK_ID, { ...task(), status: 'failed', token: 'tok-escalation' });
    const version = task().version;
    const m = signed({ request_status: 'failed', reason: 'still locked' }, { id: 'cb_9' });
    await expect(post(m)).resolves.toEqual({ status: 'accepted' });
    expect(task().version).toBe(version + 1);
    expect(task().receipts?.cb_9).toMatchObject({ body: m.raw, bodyHash: sha256(m.raw), status: 'failed', at: '2026-03-02T10:00:00.000Z' });
    await expect(post(m)).resolves.toEqual({ status: 'duplicate' });
    await expect(post(signed({ request_status: 'completed' }, { id: 'cb_9' }))).rejects.toMatchObject({ status: 409 });
    expect(task()).toMatchObject({ status: 'failed', token: 'tok-escalation' });
    expect(task().audit.at(-1)).toMatchObject({ action: 'conflicting_callback', data: { claimed: 'completed', reason: 'webhook-id already used with other content' } });
    expect(workflow.calls).toEqual([]);
  });

  it('records at most a few further failures of an escalated task, so that failures under fresh ids and new words cannot fill its one DynamoDB item', async () => {
    repo.tasks.set(TASK_ID, { ...task(), status: 'failed', token: 'tok-escalation' });
    for (let i = 1; i <= MAX_FURTHER_FAILURES; i++) {
      await expect(post(signed({ request_status: 'failed', reason: `still locked (${i})` }, { id: `cb_f${i}` }))).resolves.toEqual({ status: 'accepted' });
    }
    const full = structuredClone(task());
    expect(Object.keys(full.receipts ?? {}).filter((id) => id.startsWith('cb_f'))).toHaveLength(MAX_FURTHER_FAILURES);
    // Past the bound the answer is still a 200 (the processor has nothing to retry), and nothing is written.
    await expect(post(signed({ request_status: 'failed', reason: 'still locked (again)' }, { id: 'cb_more' }))).resolves.toEqual({ status: 'accepted' });
    expect(task()).toEqual(full);
    // A late answer that does the work still applies, whatever was kept before it.
    await expect(post(signed({ request_status: 'completed' }, { id: 'cb_done' }))).resolves.toEqual({ status: 'accepted' });
    expect(task().status).toBe('completed');
  });

  it('writes nothing for a heartbeat on a task already acknowledged: heartbeats under fresh webhook-ids must not grow the task record', async () => {
    await post(signed({ request_status: 'in_progress' }, { id: 'cb_a' }));
    const after = structuredClone(task());
    for (const id of ['cb_b', 'cb_c']) await expect(post(signed({ request_status: 'in_progress' }, { id }))).resolves.toEqual({ status: 'accepted' });
    expect(task()).toEqual(after);
    expect(workflow.calls.map((c) => c.op)).toEqual(['heartbeat', 'heartbeat', 'heartbeat']);
  });

  it.each(['cancelled', 'denied'] as const)('records the acknowledgement of a task of a %s request, leaves the task out of its processor’s open tasks and sends no heartbeat', async (status) => {
    repo.requests.set(REQUEST_ID, storedRequest({ status }));
    // The closing action took the task out of the watch index: nobody waits for it.
    await repo.unwatchTask(REQUEST_ID, 'paynow');
    await expect(post(signed({ request_status: 'in_progress' }, { id: 'cb_a' }))).resolves.toEqual({ status: 'accepted' });
    expect(task()).toMatchObject({ status: 'in_progress', receipts: { cb_a: { status: 'in_progress' } } });
    expect(task().audit.at(-1)).toMatchObject({ actor: 'processor:paynow', action: 'acknowledge', from: 'sent', to: 'in_progress' });
    expect(await repo.listWatch(WATCH.open('paynow'))).toEqual([]);
    expect(workflow.calls).toEqual([]);
  });

  it('leaves out of its processor’s open tasks, and sends no heartbeat for, a task whose request closed between the callback’s read and its write', async () => {
    // The officer's cancellation and its taking the tasks out of the watch index land after the callback read the task.
    repo.beforeTaskWrite = (r) => {
      r.requests.set(REQUEST_ID, storedRequest({ status: 'cancelled' }));
      void r.unwatchTask(REQUEST_ID, 'paynow');
    };
    await expect(post(signed({ request_status: 'in_progress' }, { id: 'cb_a' }))).resolves.toEqual({ status: 'accepted' });
    expect(task()).toMatchObject({ status: 'in_progress', receipts: { cb_a: { status: 'in_progress' } } });
    expect(await repo.listWatch(WATCH.open('paynow'))).toEqual([]);
    expect(workflow.calls).toEqual([]);
  });

  it.each(['cancelled', 'denied'] as const)('records a late failure of a task of a %s request and leaves the task out of the escalated tasks', async (status) => {
    repo.requests.set(REQUEST_ID, storedRequest({ status }));
    await repo.unwatchTask(REQUEST_ID, 'paynow');
    await expect(post(signed({ request_status: 'failed', reason: 'account locked' }, { id: 'cb_f' }))).resolves.toEqual({ status: 'accepted' });
    expect(task()).toMatchObject({ status: 'failed', receipts: { cb_f: { status: 'failed' } } });
    expect(await repo.listWatch(WATCH.escalated)).toEqual([]);
  });

  it('records a late failure of a task whose request closed between the callback’s read and its write, and leaves the task out of the escalated tasks', async () => {
    repo.beforeTaskWrite = (r) => {
      r.requests.set(REQUEST_ID, storedRequest({ status: 'denied' }));
      void r.unwatchTask(REQUEST_ID, 'paynow');
    };
    await expect(post(signed({ request_status: 'failed', reason: 'account locked' }, { id: 'cb_f' }))).resolves.toEqual({ status: 'accepted' });
    expect(task()).toMatchObject({ status: 'failed', receipts: { cb_f: { status: 'failed' } } });
    expect(await repo.listWatch(WATCH.escalated)).toEqual([]);
  });

  it('puts the acknowledged task of an open request among its processor’s open tasks, and heartbeats it', async () => {
    await post(signed({ request_status: 'in_progress' }, { id: 'cb_a' }));
    expect((await repo.listWatch(WATCH.open('paynow'))).map((w) => w.requestId)).toEqual([REQUEST_ID]);
    expect(workflow.calls).toEqual([{ op: 'heartbeat', token: 'tok-dispatch' }]);
  });

  it.each(['completed', 'not_found', 'retained', 'resolved'] as const)('leaves a %s task as it is on a late in_progress callback, and sends no heartbeat', async (status) => {
    repo.tasks.set(TASK_ID, { ...task(), status });
    const before = structuredClone(task());
    await expect(post(signed({ request_status: 'in_progress' }))).resolves.toEqual({ status: 'accepted' });
    expect(task()).toEqual(before);
    expect(workflow.calls).toEqual([]);
  });

  it.each(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist'])('answers 200 and keeps the outcome when Step Functions says %s', async (name) => {
    workflow.taskSuccess = async () => Promise.reject(Object.assign(new Error(name), { name }));
    await expect(post(signed({ request_status: 'completed' }))).resolves.toEqual({ status: 'accepted' });
    expect(task().status).toBe('completed');
  });

  it.each(['ThrottlingException', 'ServiceUnavailable', 'Error'])('fails the callback (so the processor retries) when Step Functions answers %s', async (name) => {
    workflow.taskSuccess = async () => Promise.reject(Object.assign(new Error(name), { name }));
    await expect(post(signed({ request_status: 'completed' }))).rejects.toMatchObject({ name });
  });

  it('fails an in_progress callback whose heartbeat Step Functions refuses for another reason than a dead token', async () => {
    workflow.heartbeat = async () => Promise.reject(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));
    await expect(post(signed({ request_status: 'in_progress' }))).rejects.toMatchObject({ name: 'ThrottlingException' });
  });

  it('answers 200 when the state machine no longer waits on the token: the record is still right', async () => {
    workflow.dead.add('tok-dispatch');
    await expect(post(signed({ request_status: 'completed' }))).resolves.toEqual({ status: 'accepted' });
    expect(task().status).toBe('completed');
  });

  it('stores inline export results apart from the task record, with an expiry, under the hash its task records', async () => {
    forACopy();
    const m = signed({ request_status: 'completed', results: { tables: { orders: [{ id: 'PAY-1' }] } } });
    await post(m);
    const stored = repo.results.get(resultsId({ requestId: REQUEST_ID, processorId: 'paynow', bodyHash: sha256(m.raw) }));
    expect(repo.resultsOf(TASK_ID)).toEqual([stored]);
    expect(JSON.parse(stored?.signedBody ?? '{}').results).toEqual({ tables: { orders: [{ id: 'PAY-1' }] } });
    // 120 days after the callback (2 March 2026, 10:00 UTC).
    expect(stored?.expiresAt.toISOString()).toBe('2026-06-30T10:00:00.000Z');
    // The task record stays as proof of compliance: it keeps the hash, not the personal data.
    expect(JSON.stringify(task())).not.toContain('PAY-1');
    expect(task()).toMatchObject({ status: 'completed', resultsHash: sha256(m.raw) });
    expect(task().receipts?.cb_1).toMatchObject({ bodyIn: 'results' });
  });

  it('keeps no results a processor sends back for an erasure: nobody asked for a copy, and the person asked for their data to go', async () => {
    await expect(post(signed({ request_status: 'completed', results: { records: [{ id: 'PAY-1' }] } }))).resolves.toEqual({ status: 'accepted' });
    expect(repo.resultsOf(TASK_ID)).toEqual([]);
    expect(task()).toMatchObject({ status: 'completed' });
    expect(task().resultsHash).toBeUndefined();
    expect(task().receipts?.cb_1).toMatchObject({ bodyIn: 'discarded' });
  });

  it('keeps no export results for a request that is gone, and still records the task’s answer', async () => {
    repo.requests.delete(REQUEST_ID);
    await expect(post(signed({ request_status: 'completed', results: { records: [{ id: 'PAY-1' }] } }))).resolves.toEqual({ status: 'accepted' });
    expect(repo.resultsOf(TASK_ID)).toEqual([]);
    expect(task()).toMatchObject({ status: 'completed' });
    expect(task().receipts?.cb_1).toMatchObject({ bodyIn: 'discarded' });
  });

  it('records a further failure of an escalated task whose bytes were refused before under a reused webhook-id', async () => {
    await post(signed({ request_status: 'in_progress' }, { id: 'cb_1' }));
    repo.tasks.set(TASK_ID, { ...task(), status: 'timed_out', token: 'tok-escalation' });
    const other = { request_status: 'failed', reason: 'locked for good' };
    await expect(post(signed(other, { id: 'cb_1' }))).rejects.toMatchObject({ status: 409 });
    expect(task().audit.at(-1)).toMatchObject({ action: 'conflicting_callback' });
    // The same bytes under a fresh id are a further failure, not a duplicate of the refused attempt.
    await expect(post(signed(other, { id: 'cb_2' }))).resolves.toEqual({ status: 'accepted' });
    expect(task().audit.at(-1)).toMatchObject({ actor: 'processor:paynow', action: 'failed', data: { receipt: sha256(signed(other).raw) } });
  });

  it.each(['denied', 'cancelled'] as const)('keeps no export results that arrive once the access request is %s: no copy will be made of them', async (status) => {
    repo.requests.set(REQUEST_ID, storedRequest({ type: 'access', status, closedAt: '2026-03-02T09:00:00.000Z' }));
    await expect(post(signed({ request_status: 'completed', results: { records: [{ id: 'PAY-1' }] } }))).resolves.toEqual({ status: 'accepted' });
    expect(repo.resultsOf(TASK_ID)).toEqual([]);
    expect(task()).toMatchObject({ status: 'completed' });
    expect(task().resultsHash).toBeUndefined();
    expect(task().receipts?.cb_1).toMatchObject({ bodyIn: 'discarded' });
  });

  it('escalates export results outside the documented shape with the field at fault, keeps none of them, and answers 422', async () => {
    forACopy();
    const answer = post(signed({ request_status: 'completed', results: { orders: [{ id: 'PAY-1', lines: [{ sku: 'RAM-16' }] }] } }));
    await expect(answer).rejects.toMatchObject({
      status: 422,
      issues: [
        { path: 'results.records', message: 'Invalid input: expected array, received undefined' },
        { path: 'results', message: 'Unrecognized key: "orders"' },
      ],
    });
    const reason = 'export results not in the documented shape: results.records: Invalid input: expected array, received undefined';
    expect(task()).toMatchObject({ status: 'failed', outcome: { request_status: 'failed', reason } });
    expect(workflow.calls).toEqual([{ op: 'failure', token: 'tok-dispatch', ...PROCESSOR_FAILURE }]);
    expect(repo.resultsOf(TASK_ID)).toEqual([]);
    expect(JSON.stringify(task())).not.toContain('PAY-1');
    expect(task().receipts?.cb_1).toMatchObject({ bodyIn: 'discarded', status: 'failed' });
  });

  it('names a nested value that is not a flat cell', async () => {
    const answer = post(signed({ request_status: 'completed', results: { tables: { orders: [{ id: 'PAY-1', lines: [{ sku: 'RAM-16' }] }] } } }));
    await expect(answer).rejects.toMatchObject({ status: 422, issues: [expect.objectContaining({ path: 'results.tables.orders.0.lines' })] });
    expect(task().status).toBe('failed');
  });

  it('stores the reason for misshapen results as text DynamoDB takes, whatever column name the processor sent: a lone surrogate replaced, at most 1,000 characters', async () => {
    // A lone surrogate (JSON's \ud800 escape) in a column name whose value is no flat cell: zod's path names the column.
    const lone = signed({ request_status: 'completed', results: { records: [{ 'note\ud800': { nested: true } }] } });
    await expect(post(lone)).rejects.toMatchObject({ status: 422, issues: [{ path: 'results.records.0.note\ud800' }] });
    const reason = task().outcome?.reason ?? '';
    expect(reason).toBe('export results not in the documented shape: results.records.0.note\ufffd: Invalid input');
    expect(workflow.calls.at(-1)).toMatchObject({ op: 'failure', ...PROCESSOR_FAILURE });
    // A column name of any length (a too-long key is named by the path too), cut where an emoji's pair would split.
    repo.tasks.set(TASK_ID, { ...task(), status: 'sent', outcome: undefined, token: 'tok-2' });
    const before = 'export results not in the documented shape: results.records.0.'.length;
    const long = signed({ request_status: 'completed', results: { records: [{ [`${'k'.repeat(998 - before)}😀${'k'.repeat(4000)}`]: 1 }] } }, { id: 'cb_2' });
    await expect(post(long)).rejects.toMatchObject({ status: 422 });
    const cut = task().outcome?.reason ?? '';
    expect(cut.length).toBeLessThanOrEqual(1000);
    expect(cut).not.toMatch(/\p{Cs}/u);
    expect(cut.endsWith('…')).toBe(true);
  });

  it('applies a corrected export after a misshapen one, releasing the escalation', async () => {
    forACopy();
    await expect(post(signed({ request_status: 'completed', results: [{ id: 'PAY-1' }] }, { id: 'cb_bad' }))).rejects.toMatchObject({ status: 422 });
    repo.tasks.set(TASK_ID, { ...task(), token: 'tok-escalation' });
    const good = signed({ request_status: 'completed', results: { records: [{ id: 'PAY-1' }] } }, { id: 'cb_good' });
    await expect(post(good)).resolves.toEqual({ status: 'accepted' });
    expect(task()).toMatchObject({ status: 'completed', resultsHash: sha256(good.raw) });
    expect(workflow.calls.at(-1)).toEqual({ op: 'success', token: 'tok-escalation', output: { request_status: 'completed' } });
  });

  it('stores a results_url to be fetched later through the SSRF guard', async () => {
    forACopy();
    await post(signed({ request_status: 'completed', results_url: 'https://files.paynow.example/export/1.json' }));
    expect(repo.resultsOf(TASK_ID).map((r) => JSON.parse(r.signedBody).results_url)).toEqual(['https://files.paynow.example/export/1.json']);
  });

  it('refuses a results_url Lethe will never fetch (not https, or with credentials) with a field-level 400, keeping nothing', async () => {
    for (const url of ['http://files.paynow.example/export/1.json', 'ftp://files.paynow.example/export/1.json', 'https://user:pw@files.paynow.example/export/1.json']) {
      await expect(post(signed({ request_status: 'completed', results_url: url }))).rejects.toMatchObject({ status: 400, issues: [expect.objectContaining({ path: 'results_url' })] });
    }
    expect(task().status).toBe('sent');
    expect(repo.resultsOf(TASK_ID)).toEqual([]);
    expect(workflow.calls).toEqual([]);
  });

  it('retries once when a concurrent write wins, then answers as a duplicate if that was its twin', async () => {
    repo.loseNextTaskWrite = true;
    await expect(post(signed({ request_status: 'completed' }))).resolves.toEqual({ status: 'accepted' });
    expect(task().status).toBe('completed');
  });

  it('deletes the export results it wrote when it is refused because another writer finished the task first', async () => {
    forACopy();
    // The processor's not_found under another webhook-id lands between this callback's results write and its status write.
    repo.beforeTaskWrite = (r) => r.tasks.set(TASK_ID, { ...task(), status: 'not_found', version: task().version + 1, outcome: { request_status: 'not_found' } });
    await expect(post(signed({ request_status: 'completed', results: { records: [{ id: 'PAY-1' }] } }))).rejects.toMatchObject({ status: 409 });
    expect(task().status).toBe('not_found');
    expect(repo.resultsOf(TASK_ID)).toEqual([]);
  });

  it('keeps the results a winning callback wrote when this one is refused, and deletes its own', async () => {
    forACopy();
    const winner = signed({ request_status: 'completed', third_party_data: true, results: { records: [{ id: 'PAY-2' }] } }, { id: 'cb_winner' });
    const key = { requestId: REQUEST_ID, processorId: 'paynow', bodyHash: sha256(winner.raw) };
    // Another callback writes its results after this one's, and completes the task first.
    repo.beforeTaskWrite = (r) => {
      r.results.set(resultsId(key), { signedBody: winner.raw, expiresAt: new Date('2026-06-30T10:00:00.000Z') });
      r.tasks.set(TASK_ID, { ...task(), status: 'completed', version: task().version + 1, resultsHash: key.bodyHash, outcome: { request_status: 'completed', third_party_data: true } });
    };
    await expect(post(signed({ request_status: 'completed', results: { records: [{ id: 'PAY-1' }] } }))).rejects.toMatchObject({ status: 409 });
    expect(task()).toMatchObject({ status: 'completed', resultsHash: key.bodyHash });
    expect(repo.resultsOf(TASK_ID).map((r) => JSON.parse(r.signedBody).results)).toEqual([{ records: [{ id: 'PAY-2' }] }]);
  });

  it('keeps the export results when the status write fails, so that the processor’s retry under the same webhook-id completes the task', async () => {
    forACopy();
    const m = signed({ request_status: 'completed', results: { records: [{ id: 'PAY-1' }] } });
    repo.beforeTaskWrite = () => {
      throw new Error('crash between the results write and the status write');
    };
    await expect(post(m)).rejects.toThrow(/crash/);
    expect(repo.resultsOf(TASK_ID)).toHaveLength(1);
    await expect(post(m)).resolves.toEqual({ status: 'accepted' });
    expect(task()).toMatchObject({ status: 'completed', resultsHash: sha256(m.raw) });
    expect(repo.resultsOf(TASK_ID).map((r) => JSON.parse(r.signedBody).results)).toEqual([{ records: [{ id: 'PAY-1' }] }]);
  });

  it('accepts a callback signed with the processor’s new key during a rotation', async () => {
    const next = newWebhookSecret();
    deps.secrets = async () => [next, SECRET];
    await expect(post(signed({ request_status: 'completed' }, { secrets: [next] }))).resolves.toEqual({ status: 'accepted' });
  });

  it('refuses a callback for a task still pending (never sent) with 409', async () => {
    repo.tasks.set(TASK_ID, { ...task(), status: 'pending' });
    await expect(post(signed({ request_status: 'completed' }))).rejects.toMatchObject({ status: 409 });
  });
});

describe('two completed callbacks with different results, at once', () => {
  /**
   * The interleaving that lost the winner's results: both read the task while it is `sent`, A writes
   * its results, B writes its own, A's task write wins, B's loses and B reads the task again.
   */
  async function race(a: ReturnType<typeof signed>, b: ReturnType<typeof signed>) {
    const gate = () => {
      let open = () => {};
      const opened = new Promise<void>((r) => {
        open = r;
      });
      return { open, opened };
    };
    const bWroteResults = gate();
    const aWroteTask = gate();
    const put = repo.putTaskResults.bind(repo) as (...args: unknown[]) => Promise<void>;
    const transition = repo.transitionTask.bind(repo) as (...args: unknown[]) => Promise<StoredTask>;
    let puts = 0;
    let transitions = 0;
    (repo as unknown as Record<string, unknown>).putTaskResults = async (...args: unknown[]) => {
      await put(...args);
      if (++puts === 2) bWroteResults.open();
    };
    (repo as unknown as Record<string, unknown>).transitionTask = async (...args: unknown[]) => {
      const n = ++transitions;
      if (n === 1) await bWroteResults.opened;
      if (n === 2) await aWroteTask.opened;
      try {
        return await transition(...args);
      } finally {
        if (n === 1) aWroteTask.open();
      }
    };
    const first = post(a);
    // B reads the task only once A has written its results and waits to write the task.
    while (puts < 1) await new Promise((r) => setTimeout(r, 1));
    const second = post(b).then(
      (v) => v,
      (e: { status?: number }) => ({ status: e.status }),
    );
    return Promise.all([first, second]);
  }
  const A = { request_status: 'completed', results: { records: [{ payment: 'PAY-A' }] } };

  it('keeps only the results of the callback whose task write won, and answers the other as a duplicate', async () => {
    forACopy();
    const answers = await race(signed(A, { id: 'cb_a' }), signed({ request_status: 'completed', results: { records: [{ payment: 'PAY-B' }] } }, { id: 'cb_b' }));
    expect(answers).toEqual([{ status: 'accepted' }, { status: 'duplicate' }]);
    expect(Object.keys(task().receipts ?? {})).toEqual(['cb_a']);
    await expect(taskExport(task(), paynow, repo as never)).resolves.toEqual({ processor: paynow, tables: { records: [{ payment: 'PAY-A' }] } });
    expect(repo.results.size).toBe(1);
  });

  it('keeps the results of a twin with the same bytes under another webhook-id that won: the loser is a duplicate and deletes nothing', async () => {
    forACopy();
    const answers = await race(signed(A, { id: 'cb_a' }), signed(A, { id: 'cb_b' }));
    expect(answers).toEqual([{ status: 'accepted' }, { status: 'duplicate' }]);
    await expect(taskExport(task(), paynow, repo as never)).resolves.toEqual({ processor: paynow, tables: { records: [{ payment: 'PAY-A' }] } });
    expect(repo.results.size).toBe(1);
  });

  it('keeps only the winner’s results when the other callback is refused (409) for another outcome', async () => {
    forACopy();
    const answers = await race(signed(A, { id: 'cb_a' }), signed({ request_status: 'completed', third_party_data: true, results: { records: [{ payment: 'PAY-B' }] } }, { id: 'cb_b' }));
    expect(answers).toEqual([{ status: 'accepted' }, { status: 409 }]);
    expect(task().outcome).toEqual({ request_status: 'completed' });
    await expect(taskExport(task(), paynow, repo as never)).resolves.toEqual({ processor: paynow, tables: { records: [{ payment: 'PAY-A' }] } });
    expect(repo.results.size).toBe(1);
  });
});

describe('a webhook-id that names a property of every object (__proto__, constructor, toString)', () => {
  const IDS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];

  it('is a new id: applied, its receipt kept, the same bytes again a duplicate, other content under it a 409', async () => {
    for (const id of IDS) {
      repo.tasks.set(TASK_ID, { ...task(), status: 'sent', receipts: undefined, outcome: undefined, audit: [], version: 1 });
      await expect(post(signed({ request_status: 'in_progress' }, { id: 'cb_ack' })), id).resolves.toEqual({ status: 'accepted' });
      const m = signed({ request_status: 'not_found' }, { id });
      await expect(post(m), id).resolves.toEqual({ status: 'accepted' });
      expect(task().status, id).toBe('not_found');
      expect(receiptOf(task().receipts, id), id).toMatchObject({ bodyHash: sha256(m.raw) });
      await expect(post(m), id).resolves.toEqual({ status: 'duplicate' });
      await expect(post(signed({ request_status: 'completed' }, { id })), id).rejects.toMatchObject({ status: 409, message: 'webhook-id already used with other content' });
    }
  });

  it('keeps its receipt through DynamoDB’s marshalling, which drops a __proto__ key and cannot write a constructor one, and is read back as that id', async () => {
    for (const id of IDS) {
      repo.tasks.set(TASK_ID, { ...task(), status: 'sent', receipts: undefined, outcome: undefined, audit: [], version: 1 });
      await post(signed({ request_status: 'in_progress' }, { id: 'cb_ack' }));
      const m = signed({ request_status: 'not_found' }, { id });
      await post(m);
      const stored = unmarshall(marshall({ receipts: task().receipts }, { removeUndefinedValues: true })).receipts as StoredTask['receipts'];
      expect(receiptOf(stored, id), id).toMatchObject({ bodyHash: sha256(m.raw) });
      expect(Object.keys(stored ?? {}).map(receiptWebhookId).toSorted(), id).toEqual(['cb_ack', id].toSorted());
    }
  });
});

/**
 * Step Functions keeps what it is told in the execution's history for 90 days after the execution
 * ends, and nobody can erase it: a processor's words, which may name the person whatever the
 * contract says, stay on the task record, which Lethe expires and erases. Told through the real
 * adapter, so that whatever it sends is what is checked.
 */
describe('what a callback tells Step Functions', () => {
  const sfn = mockClient(SFNClient);
  beforeEach(() => {
    deps.workflow = new StepFunctionsWorkflow(new SFNClient({ region: 'eu-west-2' }), 'arn:aws:states:eu-west-2:123456789012:stateMachine:lethe');
  });
  afterEach(() => sfn.reset());
  afterAll(() => sfn.restore());
  /** Every byte the callback sent Step Functions. */
  const told = () => JSON.stringify(sfn.calls().map((c) => c.args[0].input));

  it('is a processor’s failure by its name alone: its reason, on the task record, is not in it', async () => {
    const reason = 'could not delete the account of jane.doe@example.com';
    await expect(post(signed({ request_status: 'failed', reason }))).resolves.toEqual({ status: 'accepted' });
    expect(task().outcome).toEqual({ request_status: 'failed', reason });
    expect(sfn.commandCalls(SendTaskFailureCommand).map((c) => c.args[0].input)).toEqual([expect.objectContaining({ taskToken: 'tok-dispatch', error: 'ProcessorFailed' })]);
    expect(told()).not.toContain('jane.doe');
  });

  it('is misshapen export results’ failure without the column the processor named', async () => {
    forACopy();
    await expect(post(signed({ request_status: 'completed', results: { records: [{ 'jane.doe@example.com': { nested: true } }] } }))).rejects.toMatchObject({ status: 422 });
    expect(task().outcome?.reason).toContain('jane.doe@example.com');
    expect(sfn.commandCalls(SendTaskFailureCommand)).toHaveLength(1);
    expect(told()).not.toContain('jane.doe');
  });

  it('is an officer’s resolution, told again on a late answer that agrees with it, without the officer’s note', async () => {
    const note = 'Erased by hand: Jane Doe called us from 07700 900123';
    repo.tasks.set(TASK_ID, { ...task(), status: 'resolved', token: 'tok-escalation', outcome: { request_status: 'resolved', reason: 'completed', note } });
    await expect(post(signed({ request_status: 'completed' }, { id: 'cb_late' }))).resolves.toEqual({ status: 'duplicate' });
    expect(sfn.commandCalls(SendTaskSuccessCommand).map((c) => JSON.parse(c.args[0].input.output ?? ''))).toEqual([{ request_status: 'resolved', reason: 'completed' }]);
    expect(told()).not.toContain('Jane');
  });
});

describe('a callback’s free text holding a lone UTF-16 surrogate', () => {
  it('is a 400 that names the field (a failure’s reason, a receipt), and changes nothing: DynamoDB would refuse it mid-write', async () => {
    const before = structuredClone(task());
    const bodies: [object, string][] = [
      [{ request_status: 'failed', reason: 'mailbox \uDC00 gone' }, 'reason'],
      [{ request_status: 'not_found', receipt: 'PN-\uD800' }, 'receipt'],
      [{ request_status: 'completed', receipt: '\uDFFF' }, 'receipt'],
    ];
    for (const [body, path] of bodies) {
      await expect(post(signed(body)), path).rejects.toMatchObject({ status: 400, issues: [{ path, message: expect.stringContaining('surrogate') }] });
    }
    expect(task()).toEqual(before);
    // A surrogate pair (an emoji) is a character like another.
    await expect(post(signed({ request_status: 'failed', reason: 'mailbox \uD83D\uDCEE gone' }))).resolves.toEqual({ status: 'accepted' });
  });
});
