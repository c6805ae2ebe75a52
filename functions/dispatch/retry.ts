import type { DynamoRepository } from '../adapters/repository.ts';
import { claimLease, takeDelivery } from '../core/outbox.ts';
import type { StoredRequest, StoredTask } from '../core/ports.ts';
import { isOpenRequest } from '../core/status.ts';
import { DISPATCH_ERRORS, loadTask, sendWebhook, type DispatchDeps } from './dispatch.ts';
import { escalateTask } from '../shared/escalation.ts';
import { logger } from '../adapters/powertools.ts';

/**
 * An officer's retry of a task (admin/actions.ts retryTask) records its webhook as owed
 * (`outboxWebhook`, core/outbox.ts) in the write that sends the task again; the action sends it and
 * clears it; if the action dies in between, the sweeper sends it once the action's lease is over,
 * under the same webhook-id with the same body (built from the stored task), so that a processor
 * that had it dedupes it.
 */
export type RetryDeps = DispatchDeps & { repo: Pick<DynamoRepository, 'claimTaskWebhook' | 'clearOwedWebhook' | 'getRequest' | 'listTasks'> };

/**
 * The retry's request, read after the write that gives the sender its webhook (the retry's own, or
 * the sweeper's claim), while it is open; once refused or cancelled (or gone), undefined, and the
 * webhook is owed no more. A refusal or a cancellation closes the request before it marks its tasks
 * (unwatchTask), and one that dies between the two never marks them: the task's mark alone lets a
 * webhook through for a closed request.
 */
export async function openRequest(task: StoredTask, deps: Pick<RetryDeps, 'repo'>): Promise<StoredRequest | undefined> {
  const req = await deps.repo.getRequest(task.requestId);
  if (req && isOpenRequest(req.status)) return req;
  if (task.outboxWebhook) await deps.repo.clearOwedWebhook(task, task.outboxWebhook.seq);
  return undefined;
}

/**
 * The webhook went: the intent goes, and the task takes its place among those in flight. A failure
 * here leaves it owed: the sweeper sends it again, under the same id, which the processor dedupes.
 */
export async function webhookSent(task: StoredTask, deps: Pick<RetryDeps, 'repo'>) {
  if (!task.outboxWebhook) return;
  try {
    await deps.repo.clearOwedWebhook(task, task.outboxWebhook.seq);
  } catch (e) {
    logger.warn('retry webhook sent, left marked owed for the sweeper', { taskId: task.taskId, error: (e as Error).name });
  }
}

/**
 * The processor did not take the retry's webhook: the task is failed once more (the delivery is on
 * its trail) and the request waits for the officer again, so that they can retry or resolve it; the
 * same write drops the webhook owed. `alert`: the team's escalation email, owed from that write, when
 * nobody is at the console to be told (the sweeper sent it). The task as it now stands, and whether
 * it was refused: not if its processor answered after all (the send timed out after delivery).
 */
export async function retryRefused(sent: StoredTask, reason: string, e: { at: string; actor: string }, deps: Pick<RetryDeps, 'repo' | 'processors'>, alert?: { owner: string; now: Date }) {
  const now = await loadTask(sent.taskId, deps.repo);
  if (now.status !== 'sent') return { task: now, refused: false };
  const told = alert ? { outboxTeam: { ...claimLease(now.version + 1, alert.owner, alert.now), escalated: reason } } : {};
  const failed = await escalateTask(deps, now, { ...e, reason }, () =>
    deps.repo.transitionTask(now, 'failed', { finishedAt: e.at, outcome: { request_status: 'failed', reason }, ...told }, { at: e.at, actor: e.actor, action: 'fail', subject: now.taskId, from: now.status, to: 'failed' }, ['outboxWebhook']),
  );
  return { task: failed, refused: true };
}

/** What the sweeper did with a retry's webhook owed: sent it, found it refused, or nothing (another's to send, or owed no more). */
export type OwedRetry = { sent: boolean; refused?: StoredTask };

/**
 * The sweeper's delivery of a retry's webhook its action did not send (it died), once the action's
 * lease is over. A task no longer sent under that retry (answered, acknowledged, failed, retried
 * again) got it, or needs it no more: the intent goes unsent. Refused by the processor (what Dispatch
 * throws), the task is failed and the team told; any other failure leaves it owed for the next sweep.
 */
export async function deliverOwedRetry(task: StoredTask, owner: string, now: Date, deps: RetryDeps): Promise<OwedRetry> {
  const d = task.outboxWebhook;
  if (!d) return { sent: false };
  // Nor does a task whose request was refused or cancelled since (unwatchedAt): its processor is sent nothing more.
  if (task.status !== 'sent' || task.retries !== d.seq || task.unwatchedAt) {
    await deps.repo.clearOwedWebhook(task, d.seq);
    return { sent: false };
  }
  if (!(await takeDelivery(d, owner, now, (next) => deps.repo.claimTaskWebhook(task.requestId, task.processorId, next, now)))) return { sent: false };
  const request = await openRequest(task, deps);
  if (!request) return { sent: false };
  const processor = deps.processors.find((p) => p.id === task.processorId);
  try {
    // Taken out of the registry since the retry: nothing to send it to, as the officer's action would have said.
    if (!processor) throw Object.assign(new Error(`processor ${task.processorId} is not in the registry`), { name: 'DispatchRejected' });
    await sendWebhook(task, processor, deps, { request });
  } catch (e) {
    const name = (e as Error).name;
    if (!(DISPATCH_ERRORS as readonly string[]).includes(name)) throw e;
    const r = await retryRefused(task, name, { at: now.toISOString(), actor: 'sweeper' }, deps, { owner, now });
    return { sent: false, ...(r.refused ? { refused: r.task } : {}) };
  }
  await webhookSent(task, deps);
  return { sent: true };
}
