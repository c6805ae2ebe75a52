import type { DynamoRepository } from '../adapters/repository.ts';
import { allTasksSettled, closedDetails, downloadEnd, type ProcessorNames, PROOF_RETENTION_YEARS, taskAnchors, yearsAfter } from '../core/completion.ts';
import { NotFound } from '../core/errors.ts';
import { droppableResults, isRecorded } from '../core/export-results.ts';
import { lease, queueTeam, WORKFLOW_OWNER } from '../core/outbox.ts';
import type { Clock, Mailer, StoredRequest, StoredTask } from '../core/ports.ts';
import { derivedToken, sha256 } from '../shared/crypto.ts';
import { deliverOutcome, deliverTeam } from '../shared/outbox.ts';
import { logger } from '../adapters/powertools.ts';

export type CompleteDeps = { repo: DynamoRepository; mailer: Mailer; clock: Clock; baseUrl: string; processors: ProcessorNames };

/**
 * What Notify has read already (notify/copies.ts): the request and its tasks, in one read, and what
 * the completion's audit event adds (the earlier copies an erasure took with it). An officer's release
 * of a held copy and the sweeper read them here.
 */
export type Read = { req?: StoredRequest; tasks: StoredTask[]; data?: Record<string, string> };

/**
 * The Notify state. Completing records the outcome and the outcome email it owes (`outboxOutcome`)
 * in one conditional write; the email goes out after, and its intent is cleared once it has. A run
 * of this state again (a retry, a restart) finds a completed request still owing its email and
 * sends it; if the workflow never comes back, the sweeper does (it finds the request in the sparse
 * `owed` index, which the same write puts it in).
 */
export async function completeRequest(requestId: string, deps: CompleteDeps, read?: Read) {
  const req = read ? read.req : await deps.repo.getRequest(requestId);
  if (!req) throw new NotFound(`request ${requestId} not found`);
  const now = deps.clock.now();
  if (req.status === 'completed') {
    // A run after a crash between completing and mailing: the email is still owed.
    if (req.outboxOutcome) await deliverOutcome(req, WORKFLOW_OWNER, now, deps);
    return { requestId, status: req.status };
  }
  // An officer closed it meanwhile (denied, cancelled): nothing more to do.
  if (req.status !== 'in_progress' && req.status !== 'awaiting_manual') return { requestId, status: req.status };
  const tasks = read?.tasks ?? (await deps.repo.listTasks(requestId));
  if (!allTasksSettled(tasks)) throw new Error(`request ${requestId} has unsettled tasks`);
  // A copy that also holds other people's data (Art. 15(4)) waits for an officer's release: nothing is mailed till then.
  const flaggedBy = req.type === 'access' ? tasks.filter((t) => t.outcome?.third_party_data).map((t) => t.processorId) : [];
  if (flaggedBy.length && !req.exportRelease?.releasedAt) {
    let held = req;
    if (!req.exportRelease) {
      // Stryker disable next-line ConditionalExpression: only in_progress and awaiting_manual get this far (returned above otherwise), and both are held as awaiting_manual
      const to = req.status === 'in_progress' ? 'awaiting_manual' : req.status;
      // The team's email is owed from the same write that holds the copy (the outbox): sent just below, or by the sweeper.
      held = await deps.repo.transitionRequest(
        req,
        to,
        { exportRelease: { flaggedBy, since: now.toISOString() }, outboxTeam: queueTeam(req.outboxTeam, 'held_copy', lease(req.version + 1, WORKFLOW_OWNER, now)) },
        { at: now.toISOString(), actor: 'workflow', action: 'hold_export', subject: requestId, from: req.status, to, data: { processors: flaggedBy.join(',') } },
      );
    }
    if (held.outboxTeam) {
      await deliverTeam(held, WORKFLOW_OWNER, now, deps).catch((e: Error) => logger.error('team email left owed for the sweeper', { requestId, error: e.name }));
    }
    logger.info('copy held for review', { requestId, flagged: flaggedBy.length });
    return { requestId, status: 'awaiting_manual' };
  }
  const changes: Record<string, unknown> = {};
  if (req.type === 'access' && req.exportKey) {
    // The package goes only to the verified mailbox: a link that needs this secret, for 72 hours, and
    // never past the package (a held copy released late).
    const token = await derivedToken('download', requestId);
    const expires = downloadEnd(req, now);
    Object.assign(changes, { downloadTokenHash: sha256(token), downloadExpiresAt: expires.toISOString() });
    // The processors' exported data is in the package now: it goes when the link does, not 120 days
    // later. Results no task recorded (a callback that died between its results write and its task
    // write) were never accepted, and every task is finished: nothing can record them any more.
    const stored = await deps.repo.listTaskResults(requestId);
    for (const s of stored) if (isRecorded(s, tasks)) await deps.repo.expireTaskResults(s, expires);
    for (const s of droppableResults(stored, tasks, now)) await deps.repo.deleteTaskResults(s);
  }
  const done = await deps.repo.transitionRequest(
    req,
    'completed',
    { closedAt: now.toISOString(), outcome: tasks.map((t) => `${t.processorId}:${t.status}`).join(','), outboxOutcome: { ...lease(1, WORKFLOW_OWNER, now), ...(req.details.uncorrected ? { uncorrected: req.details.uncorrected } : {}) }, details: closedDetails(req.details), ...changes },
    { at: now.toISOString(), actor: 'workflow', action: 'complete', subject: requestId, from: req.status, to: 'completed', data: { ...taskAnchors(tasks), ...read?.data } },
    // A team email still owed about the held copy is moot once the request completes; a release's completion is done.
    { ttl: yearsAfter(now, PROOF_RETENTION_YEARS), remove: ['outboxTeam', 'outboxRelease'] },
  );
  await deliverOutcome(done, WORKFLOW_OWNER, now, deps, tasks);
  logger.info('request completed', { requestId, tasks: tasks.length });
  return { requestId, status: done.status };
}
