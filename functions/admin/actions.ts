import { randomUUID } from 'node:crypto';
import { registry } from '../adapters/registry.ts';
import type { VerificationTokens } from '../adapters/tokens.ts';
import { closedDetails, PROOF_RETENTION_YEARS, yearsAfter } from '../core/completion.ts';
import { sha256 } from '../shared/crypto.ts';
import type { DynamoRepository } from '../adapters/repository.ts';
import { addDays, addMonths, clockStopped, dueDate, londonDate, restartOn } from '../core/deadline.ts';
import { Conflict, InvalidInput, MailFailed, NotFound, RetryFailed } from '../core/errors.ts';
import type { RetentionBasis } from '../core/model.ts';
import type { Clock, Mailer, StoredRequest, Workflow } from '../core/ports.ts';
import { ESCALATED_TASK_STATUSES, FINISHED_TASK_STATUSES, isOpenRequest, requireRequestTransition, requireTaskTransition, currentDue } from '../core/status.ts';
import { webhookIdOf } from '../core/webhook.ts';
import { DISPATCH_ERRORS, loadTask, sendWebhook } from '../dispatch/dispatch.ts';
import { unblockRequest } from '../shared/escalation.ts';
import { openRequest, retryRefused, webhookSent } from '../dispatch/retry.ts';
import { logger } from '../adapters/powertools.ts';
import { requestShown, taskShown } from './views.ts';
import { type CancelReason, type DenyReason, type LiftReason, MAX_DENY_NOTE, MAX_REASON, plainText } from '../core/notices.ts';
import { ADMIN_OWNER, clickOwner, lease, type Notice, nextLinkOwed, nextOutcomeOwed, officerResendRight, queueNotice } from '../core/outbox.ts';
import { deliverAssemblyRetry, deliverLink, deliverNotice, deliverOutcome, deliverPurge, deliverStop, deliverToken, keepPiiWhileOpen, type PurgeDeps, renewDownload, startVerified, statusTokenHash } from '../shared/outbox.ts';
import { closedWithoutCopy } from '../core/export-results.ts';
import { keptAgainstWarrantyChoice, WARRANTY_ERASED } from '../core/holds.ts';
import type { Corrections } from '../core/model.ts';

/** The workflow stops what a refusal or a cancellation closes; the export bucket loses a refused copy's package. */
export type AdminDeps = { repo: DynamoRepository; mailer: Mailer; workflow: Workflow & Required<Pick<Workflow, 'stop'>>; clock: Clock; blobs: PurgeDeps['blobs'] };

async function load(id: string, deps: AdminDeps) {
  const req = await deps.repo.getRequest(id);
  if (!req) throw new NotFound('no such request');
  return req;
}

/** Art. 12(3): once, before the original deadline, with a reason the requester is told. */
export async function extend(id: string, written: string, actor: string, deps: AdminDeps) {
  const reason = requireReason(written);
  const req = await load(id, deps);
  if (!['awaiting_review', 'verified', 'in_progress', 'awaiting_manual'].includes(req.status) || !req.verifiedAt || !req.dueDate) throw new Conflict(`a ${req.status} request cannot be extended`, { reason: 'extend_status' });
  if (req.extended) throw new Conflict('the deadline has already been extended once', { reason: 'extend_once' });
  // Every objection Lethe takes is to direct marketing, review invitations or profiling for advertising, which Art. 21(3)
  // makes absolute: the use stops at once (the plan suppresses the address before any task goes), so there is no
  // complexity to extend for, and the extension email would tell the requester there is.
  if (req.type === 'objection') throw new Conflict('an objection cannot be extended: it takes effect at once (Art. 21(3)), with nothing to extend for', { reason: 'extend_objection' });
  // The deadline is a London date: between midnight and 1 a.m. in summer the UTC date is still yesterday.
  const today = londonDate(deps.clock.now());
  // A stopped clock (Art. 12A) has not run out at its old date: it is judged by the deadline restarting it today would give, as /resume moves it.
  const original = restartOn(req, today).dueDate as string;
  if (today > original) throw new Conflict('the original deadline has passed; it can no longer be extended', { reason: 'extend_late' });
  const at = deps.clock.now().toISOString();
  const newDue = dueDate(req.verifiedAt, { extended: true, pausedDays: req.pausedDays });
  // The requester is told, with the reason and the new date: owed in the same write, so an extension (once only) is never left untold.
  // While the clock is stopped the date moves with every day it stays stopped: they are told it when it restarts (resume), not a date that moves.
  const notice: Notice = clockStopped(req) ? { notice: 'extension', reason } : { notice: 'extension', reason, dueDate: newDue };
  // The address the answer goes to is kept until well after the new date, before the date is recorded: a failure records nothing, and the officer tries again.
  await keepPiiWhileOpen({ id, dueDate: req.dueDate, extended: { at, reason, dueDate: newDue }, pausedSince: req.pausedSince }, deps);
  const done = await withNotice(req, req.status, { extended: { at, reason, dueDate: newDue }, ...freshDeadlineFlags(req) }, notice, { at, actor, action: 'extend', subject: id, data: { from: req.dueDate, to: newDue } }, deps);
  return tell(done, deps);
}

/** The sweeper reminds the team of a deadline, and flags it overdue, once each: a deadline that moves is reminded of, and flagged, afresh. */
const freshDeadlineFlags = (req: StoredRequest) => ({ flags: ((req as StoredRequest & { flags?: string[] }).flags ?? []).filter((f) => !['reminder-7', 'reminder-2', 'overdue'].includes(f)) });

/**
 * An officer's action that owes the requester an email: the email is recorded (`outboxNotice`) in the
 * same conditional write as the change (which also lists the request in the owed index the sweeper
 * reads), then delivered; if this function dies before it is, the sweeper delivers it. A notice still
 * owed (SES refusing) is mailed first, in the same delivery, so that no action waits for SES: an
 * extension is due within the month whatever the mail service does (Art. 12(3)).
 */
async function withNotice(req: StoredRequest, to: StoredRequest['status'], changes: Record<string, unknown>, notice: Notice, event: Parameters<AdminDeps['repo']['transitionRequest']>[3], deps: AdminDeps, remove: string[] = []) {
  const now = deps.clock.now();
  const seq = (req.noticeSeq ?? 0) + 1;
  // A refusal or a cancellation closes the request: it keeps no free text, and its proof a stated time.
  const closing = to === 'denied' || to === 'cancelled';
  // Closing answers the request: a question or a new date still owed is replaced by the answer.
  const outboxNotice = queueNotice(closing ? undefined : req.outboxNotice, Boolean(req.extended), notice, lease(seq, ADMIN_OWNER, now));
  // A copy refused or cancelled will never be made: the processors' export results go, owed from this write (deliverPurge).
  const purge = closedWithoutCopy({ type: req.type, status: to }) ? { purgeResults: { at: now.toISOString() } } : {};
  // Closing drops a team email still owed (nobody needs telling that a closed request waits), a held copy's package owed making again, and a released copy's completion.
  return deps.repo.transitionRequest(
    req,
    to,
    { ...changes, ...(closing ? { details: closedDetails(req.details) } : {}), ...purge, noticeSeq: seq, outboxNotice },
    event,
    closing ? { ttl: yearsAfter(now, PROOF_RETENTION_YEARS), remove: ['outboxTeam', 'outboxRemake', 'outboxRelease', ...remove] } : remove.length ? { remove } : {},
  );
}

/**
 * Mails the notice an action recorded, and answers the action. The action is done either way: if the
 * mail fails, the notice stays owed for the sweeper and the answer says so (`noticeOwed`), rather
 * than a 500 that reads as nothing done and invites a second try.
 */
async function tell(done: StoredRequest, deps: AdminDeps): Promise<StoredRequest & { noticeOwed: boolean }> {
  try {
    const r = await deliverNotice(done, ADMIN_OWNER, deps.clock.now(), deps);
    // A notice dropped because it can never go is not owed any more.
    return { ...requestShown(done), noticeOwed: !r.sent && !r.dropped };
  } catch (e) {
    if (e instanceof MailFailed) return { ...requestShown(done), noticeOwed: true };
    throw e;
  }
}

/**
 * A refused or cancelled request's tasks still out or escalated leave the watch index (table.ts),
 * marked so that no later write puts them back (unwatchTask): nobody waits for them any more. After
 * the action, and never its failure: the sweeper and the dashboard pass over an entry left behind.
 */
async function unwatchTasks(id: string, deps: AdminDeps) {
  try {
    for (const t of await deps.repo.listTasks(id)) if (t.status !== 'pending' && !FINISHED_TASK_STATUSES.includes(t.status)) await deps.repo.unwatchTask(id, t.processorId);
  } catch (e) {
    logger.warn('tasks of a closed request left in the watch index', { requestId: id, error: (e as Error).name });
  }
}

/**
 * A refused or cancelled copy's export results and package are deleted after the closing write, which
 * recorded that they are owed deletion; never its failure: the sweeper deletes what is left.
 */
async function purgeResults(done: StoredRequest, deps: AdminDeps) {
  try {
    await deliverPurge(done, deps.clock.now(), deps);
  } catch (e) {
    logger.warn('export results or package of a closed request left for the sweeper', { requestId: done.id, error: (e as Error).name });
  }
}

/** Art. 12(4): a refusal tells the requester why, and that they may complain to the ICO or go to court. */
export async function deny(id: string, reason: DenyReason, actor: string, deps: AdminDeps, note?: string) {
  const req = await load(id, deps);
  requireRequestTransition(req.status, 'deny');
  // The requester would be told an agent's authority was not shown for a request nobody made for them.
  if (reason === 'authority_not_shown' && !req.agent) throw new InvalidInput('invalid body', [{ path: 'reason', message: 'no agent made this request: its authority cannot be the reason' }]);
  // Accuracy answers a correction only: said of any other request it would tell the requester something untrue.
  if (reason === 'data_accurate' && req.type !== 'rectification') throw new InvalidInput('invalid body', [{ path: 'reason', message: 'only a correction can be refused because the data is accurate' }]);
  const at = deps.clock.now().toISOString();
  const text = note ? plainText(note, MAX_DENY_NOTE) : '';
  // The officer's words go to the requester and then only live in the sent email: the closed record
  // keeps no free text, and its ledger proves what was said by the text's hash.
  const done = await withNotice(req, 'denied', { closedAt: at, outcome: `denied:${reason}`, ...stopOwed(req, at) }, { notice: 'refusal', reason, ...(text ? { note: text } : {}) }, { at, actor, action: 'deny', subject: id, from: req.status, to: 'denied', data: { reason, ...(text ? { noteSha256: sha256(text) } : {}) } }, deps);
  return closed(done, deps);
}

/** A cancelled request was not answered either: the requester is told why, and their remedies. */
export async function cancel(id: string, reason: CancelReason, actor: string, deps: AdminDeps) {
  const req = await load(id, deps);
  requireRequestTransition(req.status, 'cancel');
  const at = deps.clock.now().toISOString();
  const done = await withNotice(req, 'cancelled', { closedAt: at, outcome: `cancelled:${reason}`, ...stopOwed(req, at) }, { notice: 'cancellation', reason }, { at, actor, action: 'cancel', subject: id, from: req.status, to: 'cancelled', data: { reason } }, deps);
  return closed(done, deps);
}

/**
 * A request refused or cancelled once Plan has run has an execution that may still be running: its
 * stop is owed (`outboxStop`) from the closing write, so that a stop Step Functions refuses (a
 * throttle, a 5xx), or an action that dies before it, is made by the sweeper. One not yet planned
 * has none to stop: Plan refuses a closed request.
 */
const stopOwed = (req: StoredRequest, at: string) => (['in_progress', 'awaiting_manual'].includes(req.status) ? { outboxStop: { at } } : {});

/** After a closing write: the execution stopped (or left to the sweeper, `workflowOwed`), its tasks unwatched, a copy's export results deleted, the requester told. */
async function closed(done: StoredRequest, deps: AdminDeps) {
  let workflowOwed = false;
  if (done.outboxStop) {
    workflowOwed = await releaseWorkflow(() => deliverStop(done, deps), { requestId: done.id });
    await unwatchTasks(done.id, deps);
  }
  await purgeResults(done, deps);
  return { ...(await tell(done, deps)), workflowOwed };
}

/**
 * What an officer records when closing a task by hand. A task resolved as retained says why and
 * until when, as a processor's `retained` does: the requester is told both.
 */
/** `until`: none only for a lifetime warranty's proof of purchase, which has no end (the handler's schema). */
export type Resolution = { outcome: 'completed' | 'not_found'; note: string } | { outcome: 'retained'; note: string; basis: RetentionBasis; until?: string };

/**
 * The officer approves a request waiting for review. For a correction (Art. 16, 19) they have read
 * the requester's free text and give what each field becomes; for a request made by an authorised
 * agent they have checked the proof of authority the agent declared. The request becomes `verified`,
 * which is the intent to start its execution (the sweeper starts it if this function dies first);
 * Plan then sends each processor holding a corrected field only the fields it holds. The audit trail
 * names the fields and the agent's codes, never a value or a name.
 */
export async function approveCorrection(id: string, corrections: Corrections | undefined, actor: string, deps: AdminDeps, uncorrected?: string) {
  const req = await load(id, deps);
  requireRequestTransition(req.status, 'approve');
  // A correction needs its corrected values; any other request has none to give.
  if (req.type === 'rectification' && !corrections) throw new InvalidInput('invalid body', [{ path: 'corrections', message: 'name at least one corrected field' }]);
  if (req.type !== 'rectification' && corrections) throw new InvalidInput('invalid body', [{ path: 'corrections', message: 'only a correction has fields to approve' }]);
  if (req.type !== 'rectification' && uncorrected) throw new InvalidInput('invalid body', [{ path: 'uncorrected', message: 'only a correction has fields left uncorrected' }]);
  const at = deps.clock.now().toISOString();
  // What the requester asked and is not corrected, and why: kept until the outcome email says it (Art. 12(4)); the trail keeps its hash.
  const left = uncorrected ? plainText(uncorrected, MAX_DENY_NOTE) : '';
  const fields = Object.keys(corrections ?? {}).sort().join(',');
  const agent: Record<string, string> = req.agent ? { agent: req.agent.relationship, agentProof: req.agent.proof } : {};
  const done = await deps.repo.transitionRequest(
    req,
    'verified',
    corrections ? { details: { ...req.details, corrections, ...(left ? { uncorrected: left } : {}) } } : {},
    { at, actor, action: 'approve', subject: id, from: req.status, to: 'verified', data: { ...(fields ? { fields } : {}), ...(left ? { uncorrectedSha256: sha256(left) } : {}), ...agent } },
    // Nothing waits for review any more: a team email still owed for it is dropped, not sent later as if it did.
    { remove: ['outboxTeam'] },
  );
  const workflowOwed = await releaseWorkflow(() => startVerified(done, deps), { requestId: id });
  return { ...done, workflowOwed };
}

/**
 * Closes a manual or escalated task with an outcome; the waiting workflow state then moves on. The
 * write that resolves the task also records that the state is owed its token (`outboxToken`): a
 * resolved task cannot be resolved again, so if this function dies before sending it, the officer
 * could not finish it, and the sweeper does.
 */
export async function resolveTask(id: string, processorId: string, r: Resolution, actor: string, deps: AdminDeps) {
  // Kept "until" a day already here (London) would be no retention at all: a mistake to say, not to mail.
  if (r.outcome === 'retained' && r.until !== undefined && r.until <= londonDate(deps.clock.now())) throw new InvalidInput('invalid body', [{ path: 'until', message: 'must be a date after today' }]);
  const task = await loadTask(`${id}.${processorId}`, deps.repo);
  // As a processor's `retained` (callback/receive.ts): the outcome email says "kept instead of erasing", which a copy, a correction, an objection or a restriction would read as untrue.
  if (r.outcome === 'retained' && task.action !== 'erase') throw new InvalidInput('invalid body', [{ path: 'outcome', message: 'only an erasure’s task can be resolved as retained' }]);
  requireTaskTransition(task.status, 'resolve');
  // An automated processor answers by its signed callback: an officer closes its task only once it failed or timed out.
  const automated = registry.processors.some((p) => p.id === processorId && p.mode !== 'manual');
  if (automated && !ESCALATED_TASK_STATUSES.includes(task.status)) throw new Conflict(`a ${task.status} task still waits for its processor's answer; it can be resolved once it has failed or timed out`, { reason: 'resolve_waiting' });
  // A request answered, refused or withdrawn asks nothing more of its tasks: its outcome is told and its proof recorded.
  const req = await deps.repo.getRequest(id);
  if (req && !isOpenRequest(req.status)) throw new Conflict(`a task of a ${req.status} request cannot be resolved`, { reason: 'resolve_closed' });
  if (req && r.outcome === 'retained' && keptAgainstWarrantyChoice(req.details, r.basis)) throw new InvalidInput('invalid body', [{ path: 'basis', message: WARRANTY_ERASED }]);
  const at = deps.clock.now().toISOString();
  const kept = r.outcome === 'retained' ? { legal_basis: r.basis, retained_until: r.until ?? null } : undefined;
  // No token yet (a task its dispatch has not reached): dispatch finds it resolved and answers its own.
  const owed = task.token ? { outboxToken: { at } } : {};
  // A team email the task still owes (its escalation, a manual processor's) is owed no more once it is resolved.
  const done = await deps.repo.transitionTask(
    task,
    'resolved',
    { outcome: { request_status: 'resolved', note: r.note, reason: r.outcome, ...kept }, finishedAt: at, ...owed },
    { at, actor, action: 'resolve', subject: task.taskId, from: task.status, to: 'resolved', data: { outcome: r.outcome, ...kept } },
    ['outboxTeam'],
  );
  // Back in progress before the workflow moves on: released first, it could finish the request while
  // it still waited for an officer, and the trail would never say the officer unblocked it.
  await unblockIfClear(id, actor, deps);
  const workflowOwed = await releaseWorkflow(() => deliverToken(done, deps), { requestId: id, processorId });
  return { ...taskShown(done), workflowOwed };
}

/**
 * Releases the workflow once the officer's write has recorded the release as owed: a token sent
 * back to the state waiting on it, an execution started, or a closed request's execution stopped.
 * The action is done by then, and the sweeper makes a release that fails here (Step Functions
 * throttling, or a 5xx): the answer says so (`workflowOwed`), where a 500 would read as nothing
 * done and invite a second try that a resolved task, a started or a closed request refuses. Logged
 * by ids and the error's name, never a token.
 */
export async function releaseWorkflow(release: () => Promise<unknown>, ids: Record<string, string>): Promise<boolean> {
  try {
    await release();
    return false;
  } catch (e) {
    logger.warn('workflow not released now; the next sweep releases it', { ...ids, error: (e as Error).name });
    return true;
  }
}

/**
 * Re-dispatches a failed or timed-out task; the processor's callback then releases the escalation.
 * The retry is a new message, under a new webhook-id (a processor that answered `failed` already
 * acted on the first one), numbered in the same write that records it, so that dispatch re-running
 * after a crash re-sends this same retry under the same id. That write also records the webhook as
 * owed (`outboxWebhook`): a sent task cannot be retried again, so if this function dies before the
 * webhook goes, or cannot send it for a reason of its own (`webhookOwed`), the sweeper sends it
 * (dispatch/retry.ts), as it makes a resolution's release.
 */
export async function retryTask(id: string, processorId: string, actor: string, deps: AdminDeps) {
  const task = await loadTask(`${id}.${processorId}`, deps.repo);
  if (!ESCALATED_TASK_STATUSES.includes(task.status)) throw new Conflict(`a ${task.status} task cannot be retried`, { reason: 'retry_status' });
  requireTaskTransition(task.status, 'send');
  const processor = registry.processors.find((p) => p.id === processorId);
  // Taken out of the registry since Plan: no endpoint to send its webhook to, nor a secret to check its callback with.
  if (!processor) throw new Conflict(`${processorId} is no longer in the processor registry, so its webhook cannot be sent again: have whoever now holds its data act, then resolve the task`, { reason: 'retry_removed' });
  if (processor.mode === 'manual') throw new Conflict('only an automated processor can be retried', { reason: 'retry_manual' });
  // A request answered, refused or withdrawn asks nothing more of its processors (its record gone: closed long ago).
  const req = await deps.repo.getRequest(id);
  if (!req || !isOpenRequest(req.status)) throw new Conflict(`a task of a ${req?.status ?? 'closed'} request cannot be sent again`, { reason: 'retry_closed' });
  const now = deps.clock.now();
  const at = now.toISOString();
  const retries = (task.retries ?? 0) + 1;
  const webhookId = webhookIdOf({ taskId: task.taskId, retries });
  // An escalation email the sweeper still owes the team for this task is dropped: the officer is acting on it.
  const sent = await deps.repo.transitionTask(
    task,
    'sent',
    { attempts: task.attempts + 1, sentAt: at, retries, expectedCompletion: currentDue(req) ?? '', outboxWebhook: lease(retries, ADMIN_OWNER, now) },
    { at, actor, action: 'retry', subject: task.taskId, from: task.status, to: 'sent', data: { webhookId } },
    ['outboxTeam'],
  );
  // Back in progress before the webhook goes, as for a resolution: a processor answering at once
  // could let Notify complete the request first, and the trail would never say the officer unblocked it.
  await unblockIfClear(id, actor, deps);
  // Refused or cancelled since it was read above: its processor is sent nothing, and the intent goes.
  const request = await openRequest(sent, deps);
  if (!request) throw new Conflict(`the request was refused or cancelled while the retry was being made: ${processorId} was sent nothing`, { reason: 'retry_closed_meanwhile' });
  try {
    await sendWebhook(sent, processor, { ...deps, processors: registry.processors }, { request });
  } catch (e) {
    const name = (e as Error).name;
    // Not the processor's answer (our own read of its secret, or of the table, failed): it was never
    // asked, so the task is not failed; the webhook stays owed, and the sweeper sends it once this
    // click's lease is over, as it sends one whose action died. Until November 28, 2026 the task was
    // failed again, on the trail as refused, for a webhook that never left.
    if (!(DISPATCH_ERRORS as readonly string[]).includes(name)) {
      logger.warn('retry webhook not sent now; the next sweep sends it', { requestId: id, processorId, error: name });
      return { ...taskShown(sent), webhookOwed: true };
    }
    // Not taken again: the task is failed once more, and the request waits for the officer again,
    // so that they can retry or resolve it (or its processor answered after all: the retry went through).
    const r = await retryRefused(sent, name, { at: deps.clock.now().toISOString(), actor }, { ...deps, processors: registry.processors });
    if (!r.refused) return taskShown(r.task);
    throw new RetryFailed(`the webhook was not accepted this time either (${(e as Error).message}), so the task is failed again: retry it later, or resolve it`, { cause: e });
  }
  await webhookSent(sent, deps);
  return taskShown(sent);
}

/**
 * Runs the assembly of a copy again, once it failed after the workflow's retries (a provider's
 * results_url kept failing): the workflow's AssemblyFailed state waits on the token recorded on the
 * request. The retry is recorded first (who, when, on the audit trail), then the token is sent back
 * and Assemble runs again: it puts the request back in progress when it succeeds, or holds it again,
 * with a new token and a new email to the team, when it fails. The recorded retry is itself the
 * intent to send the token: a retry that stopped before sending it is finished by the sweeper, or by
 * the officer retrying again (the mark stays until Assemble has run), which sends the recorded retry
 * rather than recording another; a token already sent back is no error.
 */
export async function retryAssembly(id: string, actor: string, deps: AdminDeps) {
  const req = await load(id, deps);
  const held = req.assemblyFailed;
  if (req.status !== 'awaiting_manual' || !held) throw new Conflict('no copy of data waits to be assembled again on this request', { reason: 'reassemble_none' });
  const at = deps.clock.now().toISOString();
  // A retry already recorded (a click that died before its answer) is owed, not made again: this click delivers it, and the trail keeps one retry per time Assemble runs again.
  const done = held.retriedAt ? req : await deps.repo.transitionRequest(req, req.status, { assemblyFailed: { ...held, retriedAt: at, retriedBy: actor } }, { at, actor, action: 'retry_assembly', subject: id, data: { error: held.error } });
  const workflowOwed = await releaseWorkflow(() => deliverAssemblyRetry(done, deps), { requestId: id });
  // The workflow's token stays on the record, never in an answer.
  return { ...requestShown(done), workflowOwed };
}

/** Back in progress once no task of it waits for a person (shared/escalation.ts: the sweeper finishes an action that died before this). */
const unblockIfClear = (id: string, actor: string, deps: AdminDeps) => unblockRequest({ repo: deps.repo, processors: registry.processors }, id, { at: deps.clock.now().toISOString(), actor });

/** An officer's words as the requester will read them (plainText: no control characters), or a field-level 400 when fewer than `min` characters are left. */
function officerWords(value: unknown, path: string, min: number, message: string) {
  const text = typeof value === 'string' ? plainText(value, MAX_REASON) : '';
  if (text.length < min) throw new InvalidInput('invalid body', [{ path, message }]);
  return text;
}

/** The reason for an extension, as the requester will read it. */
export const requireReason = (reason: unknown) => officerWords(reason, 'reason', 3, 'a reason is required');

/**
 * Art. 12A: the clock stops only while the shop waits for a clarification it genuinely needs to know
 * what information a request for a copy (Art. 15) is about. Asking for it is the pause: the
 * requester is told what is needed and that the time limit is paused. The question, the officer's
 * words that often quote the requester's own data, is mailed from the notice and then kept with the
 * contact data (deliverNotice); the audit trail, kept 6 years as proof, has that a clarification was
 * asked and the question's SHA-256, as a refusal's note. Other requests (an objection takes effect at once) cannot be paused.
 */
export async function pause(id: string, asked: string, actor: string, deps: AdminDeps) {
  // Mailed as the question, cleaned as a refusal's note is.
  const needed = officerWords(asked, 'needed', 10, 'say what the requester must tell us, in at least 10 characters');
  const req = await load(id, deps);
  if (!['verified', 'in_progress', 'awaiting_manual'].includes(req.status)) throw new Conflict(`a ${req.status} request cannot be paused`, { reason: 'pause_status' });
  if (req.type !== 'access') throw new Conflict(`the clock stops only while a clarification of a request for a copy is awaited, not for an ${req.type} request`, { reason: 'pause_not_copy' });
  if (req.pausedSince) throw new Conflict('the clock is already stopped', { reason: 'pause_stopped' });
  // A clock that has run out cannot be stopped: the request is late, and stopping it would hide that.
  const due = currentDue(req);
  if (due && londonDate(deps.clock.now()) > due) throw new Conflict(`the deadline (${due}) has passed: a clock that has run out cannot be stopped; answer the request, or refuse it`, { reason: 'pause_late' });
  const at = deps.clock.now().toISOString();
  const done = await withNotice(req, req.status, { pausedSince: at }, { notice: 'clarification', needed }, { at, actor, action: 'pause', subject: id, data: { ground: 'clarification', neededSha256: sha256(needed) } }, deps);
  return tell(done, deps);
}

/**
 * Restarts the clock: the deadline moves by the whole days it was stopped, up to the day the
 * requester's answer was received (`answeredOn`, a London date; today when not given). Art. 12A
 * stops the time only until the shop receives the information, so an officer who records the answer
 * days later must not gain those days. An extension made while
 * it was stopped told the requester no date (it moved every day the clock stayed stopped): the date
 * is owed now. One made before told them a date, which now moves: the new one is owed, with the one
 * it replaces. Either is recorded in the same write as the restart and delivered after, as any
 * notice. A request never extended was told no date, only that the month stops while paused.
 */
export async function resume(id: string, actor: string, deps: AdminDeps, answeredOn?: string) {
  const req = await load(id, deps);
  if (!req.pausedSince || !req.verifiedAt) throw new Conflict('the clock is not stopped', { reason: 'resume_not_stopped' });
  // A request answered, refused or cancelled while its clock was stopped has no deadline left to move.
  if (!isOpenRequest(req.status)) throw new Conflict(`a ${req.status} request has no clock to restart`, { reason: 'resume_closed' });
  const now = deps.clock.now();
  const [stoppedOn, today] = [londonDate(req.pausedSince), londonDate(now)];
  if (answeredOn !== undefined && (answeredOn < stoppedOn || answeredOn > today)) throw new InvalidInput('invalid body', [{ path: 'answeredOn', message: `the day the requester’s answer was received: from ${stoppedOn}, when the clock stopped, to ${today}, today (London dates)` }]);
  // Calendar days in London between the pause and the answer: stopped and answered the same day moves nothing.
  const restarted = restartOn(req, answeredOn ?? today);
  // An extension made while the clock was stopped was judged by a restart on its own day (extend): an answer received
  // earlier ends the original month before it, and Art. 12(3) asks for an extension within that month. Taken until
  // November 29, 2026, it left on record an extension made after the deadline it extended.
  const extendedOn = req.extended && req.extended.at >= req.pausedSince ? londonDate(req.extended.at) : '';
  if ((restarted.dueDate as string) < extendedOn) {
    throw new InvalidInput('invalid body', [{ path: 'answeredOn', message: `the deadline was extended on ${extendedOn}, while the clock was stopped: an answer received then would end the original month on ${restarted.dueDate}, before the extension` }]);
  }
  const changes: Record<string, unknown> = { pausedDays: restarted.pausedDays, dueDate: restarted.dueDate, ...freshDeadlineFlags(req) };
  if (req.extended) changes.extended = { ...req.extended, dueDate: restarted.extendedDueDate };
  // As for an extension: the address is kept for the moved deadline before the restart is recorded.
  await keepPiiWhileOpen({ id, dueDate: restarted.dueDate, ...(req.extended ? { extended: { ...req.extended, dueDate: String(restarted.extendedDueDate) } } : {}) }, deps);
  const at = now.toISOString();
  const event = { at, actor, action: 'resume', subject: id, data: { pausedDays: restarted.pausedDays - req.pausedDays, dueDate: String(restarted.dueDate), ...(answeredOn ? { answeredOn } : {}) } };
  if (req.extended && clockStopped(req)) {
    const untold = req.extended.at >= req.pausedSince;
    // The date the requester was last told (the extension's, or an earlier restart's): owed again only when it moves.
    const moved = restarted.extendedDueDate !== req.extended.dueDate;
    if (untold || moved) {
      const notice: Notice = { notice: 'extension', reason: req.extended.reason, dueDate: restarted.extendedDueDate, restarted: true, ...(untold ? {} : { previousDueDate: req.extended.dueDate }) };
      return tell(await withNotice(req, req.status, changes, notice, event, deps, ['pausedSince']), deps);
    }
  }
  return requestShown(await deps.repo.transitionRequest(req, req.status, changes, event, { remove: ['pausedSince'] }));
}

/**
 * Art. 18(3): a requester who obtained a restriction is told before it is lifted. The officer gives
 * the London date it is lifted from (tomorrow at the earliest, so the notice goes before it), and
 * why; the notice is owed from the write that records the lift, once: a lift cannot be lifted again.
 * Lethe sends the processors nothing: the team lifts it with each of them by hand from that date.
 * It needs the requester's address (kept while a restriction is in place): with none, nobody can be
 * told, and nothing is recorded.
 */
export async function liftRestriction(id: string, lift: { reason: LiftReason; liftOn: string; note?: string }, actor: string, deps: AdminDeps) {
  const text = lift.note ? plainText(lift.note, MAX_DENY_NOTE) : '';
  if (lift.reason === 'other' && text.length < 10) throw new InvalidInput('invalid body', [{ path: 'note', message: 'say why the restriction is lifted, in at least 10 characters' }]);
  const today = londonDate(deps.clock.now());
  // At most a year ahead, so that a mistyped year is refused rather than promised.
  const [first, last] = [addDays(today, 1), addMonths(today, 12)];
  if (lift.liftOn < first || lift.liftOn > last) throw new InvalidInput('invalid body', [{ path: 'liftOn', message: `the London date the restriction is lifted from: from ${first}, tomorrow, to ${last}` }]);
  const req = await load(id, deps);
  if (req.type !== 'restrict') throw new Conflict(`only a restriction can be lifted, not this ${req.type} request`, { reason: 'lift_not_restriction' });
  if (req.status !== 'completed') throw new Conflict(`a restriction can be lifted once it is in place (its request completed), not while it is ${req.status}`, { reason: 'lift_not_in_place' });
  if (req.restrictionLift) throw new Conflict(`this restriction is already being lifted, from ${req.restrictionLift.on}`, { reason: 'lift_once' });
  if (!(await deps.repo.getPii(id))) throw new Conflict('the requester’s contact data is no longer held, so they cannot be told before the restriction is lifted (Art. 18(3)): tell them another way, then lift it with each processor', { reason: 'lift_no_contact' });
  const at = deps.clock.now().toISOString();
  const notice: Notice = { notice: 'lift', reason: lift.reason, liftOn: lift.liftOn, ...(text ? { note: text } : {}) };
  // The officer's words go to the requester only: the record keeps the reason's code, the trail the words' hash.
  const event = { at, actor, action: 'lift_restriction', subject: id, data: { reason: lift.reason, liftOn: lift.liftOn, ...(text ? { noteSha256: sha256(text) } : {}) } };
  const done = await withNotice(req, req.status, { restrictionLift: { at, by: actor, on: lift.liftOn, reason: lift.reason } }, notice, event, deps);
  return tell(done, deps);
}

/** A correction's note that an outcome still owed carries, and that delivering it has not yet moved to the contact data: the resend that replaces it carries it on. */
const keptNote = (owed: StoredRequest['outboxOutcome']) => (owed?.uncorrected ? { uncorrected: owed.uncorrected } : {});

/**
 * Resends the requester's last email: a fresh confirmation link while unverified (the old link
 * stops mattering once a new one exists; both expire in 24 h), or the outcome once completed, each
 * owed from the write that puts the resend on the audit trail, then mailed. If the mail service
 * refuses again, the answer is a 502, the request stays marked "mail failed", and the email stays
 * owed for the sweeper. A copy of data's outcome comes with a fresh download link while its package is kept.
 */
export const resend = async (id: string, actor: string, deps: ResendDeps) => requestShown(await resendOwed(id, actor, deps));

type ResendDeps = AdminDeps & { tokens: VerificationTokens; baseUrl: string };

async function resendOwed(id: string, actor: string, deps: ResendDeps) {
  const req = await load(id, deps);
  const pii = await deps.repo.getPii(id);
  if (!pii) throw new Conflict('the requester’s contact data is no longer held', { reason: 'resend_no_contact' });
  // Its outcome email would say the data is in a download that went with the requester's erasure (notify/copies.ts).
  if (req.copyErased) throw new Conflict('the copy went with the requester’s erasure', { reason: 'resend_copy_erased' });
  const now = deps.clock.now();
  const owner = clickOwner(randomUUID());
  const at = now.toISOString();
  // A click SES refused gives its lease up at once: the next click mails the email still owed, as it
  // would one whose lease is over, rather than being told it is being sent, or recording another.
  const givenUp = (kind: 'outboxLink' | 'outboxOutcome') => async (e: unknown): Promise<never> => {
    const d = e instanceof MailFailed ? (await deps.repo.getRequest(id))?.[kind] : undefined;
    if (d?.owner === owner) await deps.repo.deferDelivery(id, kind, d.seq, deps.clock.now().toISOString());
    throw e;
  };
  if (req.status === 'unverified') {
    // A new link is recorded as owed in the same write as the resend (as a second submission does),
    // then mailed; a resend that dies before mailing it is mailed by the sweeper, or by the officer's
    // next click once its lease is over (a minute: till then, another click may still be mailing it,
    // BeingSent), which mails the link owed rather than recording another. Its tokens are derived,
    // so mailed again it is the same link, with the status link the request was first sent.
    const link = nextLinkOwed(req.linkSeq, owner, now);
    const owed = req.outboxLink && officerResendRight(req.outboxLink, owner, req.mailFailed, 'confirmation', now) === 'mail'
      ? req
      : await deps.repo.transitionRequest(
          req,
          req.status,
          { ...link, statusTokenHash: await statusTokenHash(id) },
          { at, actor, action: 'resend', subject: id, data: { email: 'confirmation', link: link.linkSeq } },
        );
    // The officer's resend is held to neither of the requester's shares of links: with no hourly limit, deliverLink sets no daily one.
    await deliverLink(owed, owner, now, { ...deps, linksPerHour: Number.POSITIVE_INFINITY }).catch(givenUp('outboxLink'));
    return owed;
  }
  if (req.status === 'completed') {
    // An outcome owed, the first or a resend, that Notify or the sweeper holds and may be mailing right
    // now is theirs until their lease ends or they mark it failed (BeingSent): taken over, both could mail it.
    const right = req.outboxOutcome && officerResendRight(req.outboxOutcome, owner, req.mailFailed, 'outcome', now);
    // A copy of data is still owed after its 72 hours: while the package is kept, the resent outcome carries a fresh link.
    const renewed = await renewDownload(req, actor, owner, now, { ...deps, baseUrl: deps.baseUrl, processors: registry.processors }).catch(givenUp('outboxOutcome'));
    if (renewed) return renewed;
    // As the link: the outcome is owed again from the write that puts the resend on the trail, then
    // mailed (the sweeper mails it if this dies first). An officer's resend still owed (a click that
    // died, its lease over, or that SES refused) is mailed by the next click rather than asked for again. One that
    // completing the request still owes, once its holder gave up on it or its lease is over, is taken
    // over under a new number (its holder then clears nothing), so that the click is on the trail.
    const owed = req.outboxOutcome?.resend && right === 'mail'
      ? req
      : await deps.repo.transitionRequest(req, req.status, { outboxOutcome: { ...nextOutcomeOwed(req, owner, now), resend: true, ...keptNote(req.outboxOutcome) } }, { at, actor, action: 'resend', subject: id, data: { email: 'outcome' } });
    // The same email as the first time (every provider by name, what was kept and why). Delivering it
    // sets the personal data's end from `closedAt`, as the first did: a resend does not restart the 30 days.
    await deliverOutcome(owed, owner, now, { ...deps, processors: registry.processors }).catch(givenUp('outboxOutcome'));
    return owed;
  }
  throw new Conflict(`nothing to resend for a ${req.status} request`, { reason: 'resend_status' });
}

/** The longest internal note, and how many a request keeps: the request record stays well under DynamoDB's 400 KB. */
export const MAX_NOTE = 2000;
export const MAX_NOTES = 50;

/** Gives the request an owner among the team, or none (`null`); on the audit trail, who did it and to whom. */
export async function assign(id: string, owner: string | null, actor: string, deps: AdminDeps) {
  const req = await load(id, deps);
  const at = deps.clock.now().toISOString();
  return requestShown((req.owner ?? null) === owner ? req : await deps.repo.transitionRequest(req, req.status, owner ? { owner } : {}, { at, actor, action: 'assign', subject: id, data: { from: req.owner ?? null, to: owner } }, owner ? {} : { remove: ['owner'] }));
}

/**
 * An internal note: the team's own, never mailed to the requester. It is written in the same
 * conditional write as its audit event, which carries the note's hash (the ledger names no free text).
 */
export async function addNote(id: string, text: string, actor: string, deps: AdminDeps) {
  const req = await load(id, deps);
  const notes = req.notes ?? [];
  if (notes.length >= MAX_NOTES) throw new Conflict(`a request keeps at most ${MAX_NOTES} notes`, { reason: 'notes_full' });
  const at = deps.clock.now().toISOString();
  const note = { at, author: actor, text: plainText(text, MAX_NOTE) };
  return requestShown(await deps.repo.transitionRequest(req, req.status, { notes: [...notes, note] }, { at, actor, action: 'note', subject: id, data: { sha256: sha256(note.text) } }));
}

/**
 * How to reach the agent who made a request on the form for someone else, so that an officer can
 * ask them for the proof of authority they declared (ICO guidance on requests by third parties).
 * Personal data, where the console otherwise shows none: an officer's action, only while that
 * proof waits to be checked, and each look is on the request's audit trail (who, when; not what).
 */
export async function agentContact(id: string, actor: string, deps: AdminDeps) {
  const req = await load(id, deps);
  if (!req.agent) throw new Conflict('this request was not made by an agent', { reason: 'agent_none' });
  if (req.status !== 'awaiting_review') throw new Conflict(`an agent's contact details are shown only while their authority waits to be checked, not once the request is ${req.status}`, { reason: 'agent_status' });
  const pii = await deps.repo.getPii(id);
  if (!pii?.agentEmail) throw new NotFound('no contact details are kept for this agent', { reason: 'agent_no_contact' });
  const at = deps.clock.now().toISOString();
  await deps.repo.transitionRequest(req, req.status, {}, { at, actor, action: 'agent_contact_viewed', subject: id });
  return { name: pii.agentName ?? null, email: pii.agentEmail };
}
