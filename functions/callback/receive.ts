import type { WorkflowRepository } from '../adapters/repository.ts';
import { processorSecrets } from '../adapters/secrets.ts';
import { signedWith } from '../adapters/webhook-signing.ts';
import { canonical, sha256 } from '../core/audit.ts';
import { ConcurrentUpdate, Conflict, InvalidInput, type Issue, NotFound, PayloadTooLarge, retryOnRace, SecretNotConfigured, Unauthorized, Unavailable } from '../core/errors.ts';
import { type KeptHold, keptAgainstWarrantyChoice, keptBeyondHolds, WARRANTY_ERASED } from '../core/holds.ts';
import { londonDate } from '../core/deadline.ts';
import { type ProcessorEntry, parseTaskId, type TaskOutcome } from '../core/model.ts';
import type { Clock, StoredTask, Workflow } from '../core/ports.ts';
import { lease, SPENT_TOKEN_ERRORS, WORKFLOW_OWNER } from '../core/outbox.ts';
import { ESCALATED_TASK_STATUSES, FINISHED_TASK_STATUSES, requireTaskTransition, type TaskEvent } from '../core/status.ts';
import { closedWithoutCopy, type ResultsKey } from '../core/export-results.ts';
import { CallbackBody, capOf, MAX_REASON, MAX_RECEIPT_CALLBACK_BYTES, EXPORT_WITHOUT_RESULTS, MAX_WEBHOOK_ID, RETAINED_ERASURE_ONLY } from '../core/callback-body.ts';
import { receiptKey, receiptOf } from '../core/receipts.ts';
import { storable } from '../core/readable.ts';
import { parseExportResults } from '../core/results-body.ts';
import { PROCESSOR_FAILURE, taskAnswer } from '../core/workflow-answer.ts';
import { issuesOf, parseJson } from '../shared/http.ts';
import { deliverToken } from '../shared/token.ts';
import { escalateTask, unblockRequest } from '../shared/escalation.ts';
import { logger } from '../adapters/powertools.ts';

export type CallbackDeps = {
  repo: Pick<WorkflowRepository, 'getTask' | 'getRequest' | 'listTasks' | 'transitionRequest' | 'transitionTask' | 'appendTaskEvent' | 'putTaskResults' | 'deleteTaskResults' | 'clearOwedToken'>;
  workflow: Workflow;
  clock: Clock;
  processors: readonly ProcessorEntry[];
  secrets?: (ref: string) => Promise<string[]>;
};

export type CallbackAnswer = { status: 'accepted' | 'duplicate' };

/**
 * Further failures of a task already with a person that are kept, each with its receipt (up to
 * MAX_RECEIPT_CALLBACK_BYTES). A processor may report its failure again and again, in new words under new ids:
 * past this many the answer is still a 200 and nothing is written, so that the task stays writable
 * (one DynamoDB item), by the processor's late answer and by an officer.
 */
export const MAX_FURTHER_FAILURES = 5;
/**
 * Conflicting callbacks (409) put on a task's trail. A processor that retries a 409 in new words under
 * fresh ids (a receipt naming the attempt) appended an event each time, some 400 bytes: about 1,000 such
 * retries filled the task's one DynamoDB item, which then took no write, its processor's answer, its
 * time-out or an officer's resolution. Past this many the answer is still the 409, and nothing is written.
 */
export const MAX_CONFLICTS_AUDITED = 20;
/** The issues of misshapen export results a 422 lists, the first ones (a mistake is usually the same in every record). */
export const MAX_LISTED_ISSUES = 20;
/** Export results wait for the assemble step at most this long (a request may run three months). */
export const RESULTS_TTL_DAYS = 120;

/**
 * The hold of the Escalate state that a retried task's failure re-enters on the team's email the
 * failure owes: past its mail retries (30 + 60 + 120 s), after which the sweeper may mail it.
 */
const REFUSED_RETRY_LEASE_SECONDS = 600;

const EVENT: Record<string, TaskEvent> = { completed: 'complete', not_found: 'not_found', retained: 'retain', failed: 'fail' };

/** The token may have stopped waiting (a late callback after a timeout was resolved): the record still holds. */
async function tell(fn: () => Promise<void>) {
  try {
    await fn();
  } catch (e) {
    if (!SPENT_TOKEN_ERRORS.includes((e as Error).name)) throw e;
  }
}

/**
 * An answer applied already, sent again. The delivery that applied it may have died after its write
 * and before telling the workflow (the processor sends it again because it got no 2xx): the state
 * waiting on the finished task is told again, with the recorded outcome. Step Functions refuses a
 * token answered already, which `tell` ignores, so this costs a call and no write. Never a failure:
 * a failed task's token may since be its escalation's, which a failure would fail (a failure lost
 * that way is caught by the dispatch's timeout, which escalates the task anyway). A late answer to
 * an escalated task recorded its token as owed: that token is sent, and the mark cleared.
 */
async function duplicate(task: StoredTask, deps: CallbackDeps): Promise<CallbackAnswer> {
  const token = task.token;
  if (task.outboxToken) await release(task, deps);
  else if (token && FINISHED_TASK_STATUSES.includes(task.status)) await tell(() => deps.workflow.taskSuccess(token, taskAnswer(task)));
  return { status: 'duplicate' };
}

/**
 * No key for this processor yet: nothing can be verified, so the callback is refused like a forged
 * one (401, nothing read or changed). Its task escalates from the dispatch with the reason "secret
 * not configured"; an unauthenticated callback never changes a task.
 */
async function signingSecrets(ref: string, deps: CallbackDeps): Promise<string[]> {
  try {
    return await (deps.secrets ?? processorSecrets)(ref);
  } catch (e) {
    if (!(e instanceof SecretNotConfigured) && (e as Error).name !== 'SecretNotConfigured') throw e;
    logger.warn('callback refused: the processor secret is not configured', { secretRef: ref });
    return [];
  }
}

const header = (headers: Record<string, string | undefined>, name: string) =>
  Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1] ?? '';

/**
 * POST /callbacks/{taskId}. The signature (with the processor's current secrets) and the 5-minute
 * timestamp tolerance are checked before anything is read: a forged or stale callback changes
 * nothing and learns nothing. Then, still before the task is read, the body's shape (400), its
 * task_id against the URL's task (400) and its size (413). A webhook-id seen before is answered,
 * never applied again. The receipt is stored in the same conditional write as the status change.
 */
export async function receiveCallback(taskId: string, raw: string, headers: Record<string, string | undefined>, deps: CallbackDeps): Promise<CallbackAnswer> {
  const ids = parseTaskId(taskId);
  const processor = ids && deps.processors.find((p) => p.id === ids.processorId);
  const secrets = processor?.secretRef ? await signingSecrets(processor.secretRef, deps) : [];
  if (!ids || !signedWith(raw, headers, secrets)) throw new Unauthorized('signature not valid');
  // The id keys the receipt in the task's one item: the contract caps it, so no callback can grow the item past DynamoDB's limit.
  if (header(headers, 'webhook-id').length > MAX_WEBHOOK_ID) throw new InvalidInput('invalid headers', [{ path: 'webhook-id', message: `at most ${MAX_WEBHOOK_ID} characters` }]);
  // Signed bytes that are not JSON are the processor's bug, not a forgery: a 400 that says so.
  const parsed = CallbackBody.safeParse(parseJson(raw));
  if (!parsed.success) throw new InvalidInput('invalid body', issuesOf(parsed.error));
  let body = parsed.data;
  // The signature covers the body, not the URL: a callback captured on its way to one task must not
  // apply to another task of the same processor, so the signed body names its task.
  if (body.task_id !== taskId) throw new InvalidInput('invalid body', [{ path: 'task_id', message: 'the task of this callback URL' }]);
  if (Buffer.byteLength(raw) > capOf(body)) {
    throw new PayloadTooLarge(`a callback body is at most ${MAX_RECEIPT_CALLBACK_BYTES / 1024} KiB, unless it carries export results inline`);
  }
  // Results outside the documented shape would reach the requester as garbage: the task fails with
  // the reason, a person takes over, and the processor hears why (a corrected callback still applies).
  const shape = body.request_status === 'completed' && body.results !== undefined ? parseExportResults(body.results) : undefined;
  const misshapen = shape && !shape.success ? issuesOf(shape.error).map((i) => ({ path: i.path === '(body)' ? 'results' : `results.${i.path}`, message: i.message })) : undefined;
  // The path may name a column, any text the processor chose: the reason is kept to what a processor's own may be.
  if (misshapen) body = { task_id: body.task_id, request_status: 'failed', reason: storable(`export results not in the documented shape: ${misshapen[0].path}: ${misshapen[0].message}`, MAX_REASON), receipt: body.receipt };
  const receipt: Receipt = {
    bodyHash: sha256(raw),
    signature: header(headers, 'webhook-signature'),
    timestamp: header(headers, 'webhook-timestamp'),
    status: body.request_status,
    // The signed bytes, so `npm run audit:verify` can re-check the signature later. An export's
    // bytes carry personal data and up to 256 KiB: those live in the expiring RESULT item instead.
    ...(carriesResults(body) ? { bodyIn: 'results' as const } : misshapen ? { bodyIn: 'discarded' as const } : { body: raw }),
  };
  const webhookId = header(headers, 'webhook-id');
  const wrote: Wrote = { results: false, recorded: false };
  const results = { requestId: ids.requestId, processorId: ids.processorId, bodyHash: receipt.bodyHash };
  // Records kept against the requester's own choice, or beyond the holds sent, are not a result to pass on: the task
  // fails with the reason, a person takes over, and the processor hears why (a corrected callback still applies).
  let unkept: (Issue & { basis: string })[] | undefined;
  // Another writer (a twin of this callback, the sweeper, an officer) may win the race: reload and decide again.
  const answer = await retryOnRace(async () => {
    const task = await deps.repo.getTask(ids.requestId, ids.processorId);
    if (!task) throw new NotFound(`task ${taskId} not found`);
    // An answer the finished task already records is a duplicate, judged on what was recorded: judged again on
    // today's date, a `retained` accepted on its hold's last day and sent again after midnight was answered
    // 422 "escalated" though nothing was (until November 29, 2026).
    unkept = recorded(task, body) ? undefined : await keptWrongly(task, body, deps);
    const applied: CallbackBody = unkept ? { task_id: body.task_id, request_status: 'failed', reason: storable(`retained under ${unkept[0].basis}: ${unkept[0].message}`, MAX_REASON), receipt: body.receipt } : body;
    return apply(task, applied, raw, webhookId, receipt, deps, wrote);
  }).catch(async (e: unknown) => {
    // Refused (409) after its results were written, before its status write: no task records them, so
    // they are personal data kept for nothing. Any other error leaves them for the processor's retry
    // under the same webhook-id (a crash, or a status write that may have been applied after all);
    // if no retry records them, the sweeper deletes them 15 minutes on.
    if (wrote.results && e instanceof Conflict) await dropResults(results, deps);
    // Still losing its race after every try is busy, not refused: a 409 tells a processor its answer
    // is final, a 503 with Retry-After asks it for the same callback again, which then applies.
    if (e instanceof ConcurrentUpdate) throw new Unavailable('the task kept changing while this callback was applied; send the same callback again');
    throw e;
  });
  // Answered as a duplicate after writing its results: another callback's write won the task first.
  if (wrote.results && !wrote.recorded) await dropResults(results, deps);
  if (misshapen) {
    // One issue per record of a large export (a mistake repeated 99,000 times in 198 KB) made an answer of
    // 8 MB, over Lambda's 6 MB, which the processor got as a 500 and sent again for ever: the first few say it.
    const listed = misshapen.slice(0, MAX_LISTED_ISSUES);
    const more = misshapen.length > listed.length ? ` (the first ${listed.length} of ${misshapen.length.toLocaleString('en-GB')} issues listed)` : '';
    throw new Unprocessable(`export results not in the documented shape; the task is escalated${more}`, listed);
  }
  if (unkept) {
    const why = unkept.some((i) => i.message === WARRANTY_ERASED) ? 'that the requester asked to erase' : 'beyond the legal holds this task was sent';
    throw new Unprocessable(`records kept ${why}; the task is escalated`, unkept.map(({ path, message }) => ({ path, message })));
  }
  return answer;
}

/** What a task records of a final answer. */
const outcomeOf = (body: Exclude<CallbackBody, { request_status: 'in_progress' }>): TaskOutcome => ({
  request_status: body.request_status,
  ...(body.request_status === 'failed' ? { reason: body.reason } : {}),
  ...(body.request_status === 'retained' ? { legal_basis: body.legal_basis, retained_until: body.retained_until, ...(body.additional_holds ? { additional_holds: body.additional_holds } : {}) } : {}),
  ...(body.request_status === 'completed' && body.third_party_data ? { third_party_data: true } : {}),
});

/** The task is finished with the very outcome this callback reports. */
const recorded = (task: StoredTask, body: CallbackBody) =>
  body.request_status !== 'in_progress' && FINISHED_TASK_STATUSES.includes(task.status) && task.outcome !== undefined && canonical(task.outcome) === canonical(outcomeOf(body));

/** 422: the callback was signed and recorded, but what it says could not be used (misshapen results, records kept against the requester's choice). */
class Unprocessable extends InvalidInput {
  override readonly status = 422;
}

/**
 * The holds of an erasure's `retained` answer that keep more than its task was sent (core/holds.ts), read before
 * anything is written. Warranty records the requester asked to erase too (no warranty hold was then sent) are
 * named as such: the request is read for that only.
 */
async function keptWrongly(task: StoredTask, body: CallbackBody, deps: CallbackDeps): Promise<(Issue & { basis: string })[] | undefined> {
  // To any other task a `retained` is a 400 on its status (apply).
  if (body.request_status !== 'retained' || task.action !== 'erase') return undefined;
  const kept: KeptHold[] = [
    { path: 'legal_basis', basis: body.legal_basis, until: body.retained_until },
    ...(body.additional_holds ?? []).map((h, i) => ({ path: `additional_holds.${i}.legal_basis`, basis: h.legal_basis, until: h.retained_until })),
  ];
  const beyond = keptBeyondHolds(task.holds, kept, londonDate(deps.clock.now()));
  if (!beyond.length) return undefined;
  const req = beyond.some((i) => i.basis === 'lifetime_warranty') ? await deps.repo.getRequest(task.requestId) : undefined;
  return beyond.map((i) => (req && i.path.endsWith('legal_basis') && keptAgainstWarrantyChoice(req.details, i.basis) ? { ...i, message: WARRANTY_ERASED } : i));
}

/**
 * The signed bytes a task's receipts keep, at most: 6 of the largest bodies a receipt takes. Each officer's retry
 * opens the way to new receipts (an acknowledgement, a failure) that the caps on further failures and conflicts do
 * not count, and a processor padding its answers to 32 KiB took a task past DynamoDB's 400 KB item after three
 * retries (until November 29, 2026): every write to it then failed, its processor's answers and an officer's alike.
 */
export const MAX_RECEIPT_BODIES_BYTES = 6 * MAX_RECEIPT_CALLBACK_BYTES;

/** The receipt as stored: past MAX_RECEIPT_BODIES_BYTES over the task, its hash and signature without its bytes (`discarded`). */
function bounded(task: StoredTask, r: Receipt): Receipt {
  const kept = Object.values(task.receipts ?? {}).reduce((n, x) => n + Buffer.byteLength(x.body ?? ''), 0);
  if (!r.body || kept + Buffer.byteLength(r.body) <= MAX_RECEIPT_BODIES_BYTES) return r;
  const { body: _bytes, ...signed } = r;
  return { ...signed, bodyIn: 'discarded' };
}

/** `discarded`: results outside the documented shape, or for a copy refused or cancelled, are not kept (they may hold personal data); the hash remains. */
type Receipt = { bodyHash: string; signature: string; timestamp: string; status: string; body?: string; bodyIn?: 'results' | 'discarded' };

const carriesResults = (b: CallbackBody) => b.request_status === 'completed' && (b.results !== undefined || Boolean(b.results_url));

/** Whether this callback wrote its results item, and whether its own task write recorded it. */
type Wrote = { results: boolean; recorded: boolean };

/**
 * Deletes the results a callback wrote but did not record, once its task can no longer record them:
 * the task finished (a final status) under another writer. Only this callback's item goes (it is
 * keyed by these bytes); a twin with the same bytes that won recorded the same key, and keeps it.
 */
async function dropResults(results: Required<ResultsKey>, deps: CallbackDeps) {
  const task = await deps.repo.getTask(results.requestId, results.processorId);
  if (task && !FINISHED_TASK_STATUSES.includes(task.status)) return;
  if (task?.resultsHash !== results.bodyHash) await deps.repo.deleteTaskResults(results);
}

async function apply(task: StoredTask, body: CallbackBody, raw: string, webhookId: string, r: Receipt, deps: CallbackDeps, wrote: Wrote): Promise<CallbackAnswer> {
  const at = deps.clock.now().toISOString();
  const actor = `processor:${task.processorId}`;
  const key = receiptKey(webhookId);
  const receipts = { ...task.receipts, [key]: { ...bounded(task, r), at } };
  const seen = receiptOf(task.receipts, webhookId);
  if (seen) {
    if (seen.bodyHash === r.bodyHash) return duplicate(task, deps);
    await refuse(task, 'webhook-id already used with other content', r, deps, at);
  }
  // Kept records are an erasure's answer alone: to a copy, a correction or a restriction they would
  // leave the requester told "kept instead of erased", and a copy without that processor's records.
  if (body.request_status === 'retained' && task.action !== 'erase') throw new InvalidInput('invalid body', [{ path: 'request_status', message: RETAINED_ERASURE_ONLY }]);
  // An export completed with nothing would tell the requester "it is in your download" of an empty part.
  if (body.request_status === 'completed' && task.action === 'export' && !carriesResults(body)) throw new InvalidInput('invalid body', [{ path: 'results', message: EXPORT_WITHOUT_RESULTS }]);

  if (body.request_status === 'in_progress') {
    // Signed before an officer's retry was recorded, with its webhook still owed: the processor's own retry of an
    // answer to the message before (an in_progress that moved nothing is not kept, so not a duplicate). It is no
    // acknowledgement of the retry, whose webhook, taken for received, would never go (until November 29, 2026).
    const before = task.outboxWebhook && task.sentAt && Number(r.timestamp) * 1000 < Date.parse(task.sentAt);
    if (task.status === 'sent' && !before) {
      // The processor has the task: an officer's retry's webhook still marked owed (core/outbox.ts) is owed no more.
      // A task of a request refused or cancelled (unwatchedAt) is recorded all the same, and stays out of its
      // processor's open tasks: the write keeps it out, and fails if the mark came after this read. Until
      // November 28, 2026 the callback read the request to know this, and one that read it just before
      // the closing put the task back in `open#<processor>` until the sweeper's time-out.
      const ack = { at, actor, action: 'acknowledge', subject: task.taskId, from: 'sent', to: 'in_progress', data: { receipt: r.bodyHash } };
      task = await deps.repo.transitionTask(task, 'in_progress', { receipts }, ack, ['outboxWebhook']);
    }
    // Nobody waits for a marked task: its stopped execution is sent no heartbeat.
    const token = task.token;
    if (token && !task.unwatchedAt && ['sent', 'in_progress'].includes(task.status)) await tell(() => deps.workflow.heartbeat(token));
    return { status: 'accepted' };
  }

  const outcome = outcomeOf(body);
  if (FINISHED_TASK_STATUSES.includes(task.status)) {
    // A late or repeated answer under a new id: the same outcome is fine, a different one is not.
    if (recorded(task, body)) return duplicate(task, deps);
    // An officer resolved it meanwhile with the outcome the processor now reports: they agree.
    if (task.status === 'resolved' && task.outcome?.reason === body.request_status) return duplicate(task, deps);
    await refuse(task, `task already ${task.status}`, r, deps, at);
  }
  if (ESCALATED_TASK_STATUSES.includes(task.status) && body.request_status === 'failed') {
    // Already with a human: a further failure is recorded, with its receipt (so its webhook-id reused
    // with other content is refused), and the escalation keeps waiting. The same failure sent again
    // under a new id is on the trail already: a duplicate, so a retry loop cannot grow the task.
    if (audited(task, 'failed', r.bodyHash)) return { status: 'duplicate' };
    if (furtherFailures(task) >= MAX_FURTHER_FAILURES) {
      logger.warn('further failure not recorded: the task keeps a few at most', { taskId: task.taskId, kept: MAX_FURTHER_FAILURES });
      return { status: 'accepted' };
    }
    await deps.repo.transitionTask(task, task.status, { receipts }, { at, actor, action: 'failed', subject: task.taskId, data: { receipt: r.bodyHash } });
    return { status: 'accepted' };
  }
  // A late answer to a failed or timed-out task is applied (the processor did the work after all),
  // and releases the escalation waiting on the task's current token.
  const to = requireTaskTransition(ESCALATED_TASK_STATUSES.includes(task.status) ? 'sent' : task.status, EVENT[body.request_status]);
  // A copy refused or cancelled will never be made: its results are not kept. Read before they are
  // written, so that only a callback that found the request open writes any, within its 15 minutes,
  // which the closing write's deletion (`purgeResults`) waits out.
  const carries = carriesResults(body);
  const hasResults = carries && (await keepsResults(task.requestId, deps));
  if (carries && !hasResults) receipts[key] = { ...receipts[key], bodyIn: 'discarded' };
  if (hasResults) {
    const expires = new Date(deps.clock.now().getTime() + RESULTS_TTL_DAYS * 86_400_000);
    await deps.repo.putTaskResults({ requestId: task.requestId, processorId: task.processorId, bodyHash: r.bodyHash }, raw, { writtenAt: deps.clock.now(), expiresAt: expires });
    wrote.results = true;
  }
  // An escalated task's token is its Escalate state's, which has no time-out: nothing but this answer
  // releases it, so the write that records the answer records the token as owed (outboxToken), as an
  // officer's resolution does, and the sweeper sends it if this callback dies first. So is the token of
  // a task an officer retried (sent again under that same Escalate state's token). A task sent by its
  // Dispatch needs no mark (and no write to clear it): its Dispatch state's time-out escalates it, and
  // that Escalate finds it answered and moves on. A failure is not owed: it goes as a failure, below.
  const owed = task.token && to !== 'failed' && escalationsToken(task) ? { outboxToken: { at } } : {};
  // A task an officer retried that its processor fails again waits for an officer once more
  // (escalateTask: the request first, as Escalate does), and the task's write owes the team's email
  // (outboxTeam), which the Escalate state this failure re-enters mails and clears, and the sweeper
  // mails if the failure never reaches it. Until November 29, 2026 the failure was only told to the
  // workflow: one that Step Functions refused (throttled) or a callback that died first left the
  // request in progress, its task failed and nobody told, for good (nothing times out a failed task).
  const refused = to === 'failed' && task.token !== undefined && escalationsToken(task);
  const told = refused ? { outboxTeam: { ...lease(task.version + 1, WORKFLOW_OWNER, deps.clock.now(), REFUSED_RETRY_LEASE_SECONDS), escalated: PROCESSOR_FAILURE.error } } : {};
  // The winning write names its results: Assemble reads those, whatever other callbacks wrote. An
  // officer's retry's webhook still marked owed goes with it: the task is answered.
  const write = () =>
    deps.repo.transitionTask(
      task,
      to,
      { outcome, finishedAt: at, receipts, ...(hasResults ? { resultsHash: r.bodyHash } : {}), ...owed, ...told },
      { at, actor, action: body.request_status, subject: task.taskId, from: task.status, to, data: { receipt: r.bodyHash } },
      ['outboxWebhook'],
    );
  const done = refused ? await escalateTask(deps, task, { at, actor, reason: PROCESSOR_FAILURE.error }, write) : await write();
  wrote.recorded = hasResults;
  const token = done.token;
  if (done.outboxToken) await release(done, deps);
  else if (token) {
    // The failure by its name alone: the reason, the processor's own words, stays on the task record (workflow-answer.ts).
    if (to === 'failed') {
      await tell(() => deps.workflow.taskFailure(token, PROCESSOR_FAILURE)).catch((e: unknown) => {
        // The team's email is owed from the write above and the request waits for an officer: the answer is recorded.
        if (!refused) throw e;
        logger.warn('retried task failed again; the workflow was not told, the sweeper tells the team', { taskId: task.taskId, error: (e as Error).name });
      });
    }
    else await tell(() => deps.workflow.taskSuccess(token, taskAnswer(done)));
  }
  return { status: 'accepted' };
}

/**
 * The state waiting on an answered task that was with the team (escalated, or retried by an officer)
 * is sent its token, the request first put back in progress if no other task waits for a person: as an
 * officer's resolution does, and before the workflow moves on, which may complete the request. Until
 * November 27, 2026 the request went on waiting for an officer while its other tasks were out, with
 * nothing left for anyone to do. The owed token is the intent of both: a callback that dies between
 * them is sent again and answered `duplicate`, which releases what its first delivery did not, and
 * the sweeper releases it otherwise (sweeper/owed.ts).
 */
async function release(task: StoredTask, deps: CallbackDeps) {
  await unblockRequest(deps, task.requestId, { at: deps.clock.now().toISOString(), actor: `processor:${task.processorId}` });
  await deliverToken(task, deps);
}

/** Whether the task's token is its Escalate state's: the task is escalated, or an officer sent it again (a retry keeps that token). */
const escalationsToken = (task: StoredTask) => ESCALATED_TASK_STATUSES.includes(task.status) || (task.retries ?? 0) > 0;

/**
 * Whether the request wants its processors' export results: only a request for a copy, and not once
 * it closed without one (or is gone). Results sent back for an erasure would be personal data kept
 * for nobody, of someone who asked for it to go.
 */
async function keepsResults(requestId: string, deps: CallbackDeps) {
  const req = await deps.repo.getRequest(requestId);
  return req?.type === 'access' && !closedWithoutCopy(req);
}

/**
 * Whether the task's trail already holds this processor's event for these exact bytes. A task record
 * is one DynamoDB item (400 KB at most): a callback sent again and again under fresh ids must not
 * append an event each time, or the task could no longer be written, not even by an officer.
 */
const audited = (task: StoredTask, action: string, bodyHash: string, reason?: string) =>
  task.audit.some((e) => e.actor === `processor:${task.processorId}` && e.action === action && e.data?.receipt === bodyHash && (reason === undefined || e.data?.reason === reason));

/** The further failures of an escalated task on its trail: those its processor sent after the one that escalated it. */
const furtherFailures = (task: StoredTask) => task.audit.filter((e) => e.actor === `processor:${task.processorId}` && e.action === 'failed' && e.from === undefined).length;

/** A conflicting callback is refused with a 409, and the attempt is on the task's audit trail (once for the same bytes). */
async function refuse(task: StoredTask, why: string, r: Receipt, deps: CallbackDeps, at: string): Promise<never> {
  if (audited(task, 'conflicting_callback', r.bodyHash, why)) throw new Conflict(why);
  if (task.audit.filter((e) => e.action === 'conflicting_callback').length >= MAX_CONFLICTS_AUDITED) {
    logger.warn('conflicting callback not audited: the task keeps a few at most', { taskId: task.taskId, kept: MAX_CONFLICTS_AUDITED });
    throw new Conflict(why);
  }
  await deps.repo.appendTaskEvent(task, {
    at,
    actor: `processor:${task.processorId}`,
    action: 'conflicting_callback',
    subject: task.taskId,
    data: { receipt: r.bodyHash, claimed: r.status, reason: why },
  });
  throw new Conflict(why);
}
