import { Conflict, InvalidInput, NotFound, Unauthorized } from '../core/errors.ts';
import type { ProcessorEntry, TaskOutcome } from '../core/model.ts';
import type { Clock, StoredTask, Workflow } from '../core/ports.ts';
import { FINISHED_TASK_STATUSES, requireTaskTransition, type TaskEvent } from '../core/status.ts';
import { CallbackBody } from '../core/webhook.ts';
import type { DynamoRepository } from '../adapters/repository.ts';
import { processorSecrets } from '../adapters/secrets.ts';
import { verifyWebhook } from '../adapters/webhook-sender.ts';
import { loadTask } from '../dispatch/dispatch.ts';
import { issuesOf } from '../shared/http.ts';
import { sha256 } from '../shared/crypto.ts';

export type CallbackDeps = { repo: DynamoRepository; workflow: Workflow; clock: Clock; processors: readonly ProcessorEntry[] };

const EVENT: Record<string, TaskEvent> = { completed: 'complete', not_found: 'not_found', retained: 'retain', failed: 'fail' };

/** The token may have stopped waiting (a late callback after a timeout was resolved): the record still holds. */
async function tell(fn: () => Promise<void>) {
  try {
    await fn();
  } catch (e) {
    if (!['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist'].includes((e as Error).name)) throw e;
  }
}

/**
 * POST /callbacks/{taskId}. Signature and timestamp are checked first: a forged, stale or replayed
 * callback changes nothing. The receipt is stored in the same write as the status change.
 */
export async function receiveCallback(taskId: string, raw: string, headers: Record<string, string | undefined>, deps: CallbackDeps) {
  let task: StoredTask;
  try {
    task = await loadTask(taskId, deps.repo);
  } catch {
    throw new Unauthorized('signature not valid');
  }
  const processor = deps.processors.find((p) => p.id === task.processorId);
  const verified = processor?.secretRef ? verifyWebhook(raw, headers, await processorSecrets(processor.secretRef)) : undefined;
  if (verified === undefined) throw new Unauthorized('signature not valid');
  const parsed = CallbackBody.safeParse(verified);
  if (!parsed.success) throw new InvalidInput('invalid body', issuesOf(parsed.error));
  const body = parsed.data;
  const id = String(headers['webhook-id']);
  const bodyHash = sha256(raw);
  const seen = task.receipts?.[id];
  if (seen) {
    if (seen.bodyHash === bodyHash) return { status: 'duplicate' };
    throw new Conflict('this webhook-id was already used with other content');
  }
  const at = deps.clock.now().toISOString();
  const receipt = { bodyHash, signature: String(headers['webhook-signature']), timestamp: String(headers['webhook-timestamp']), body: raw, at };

  if (body.request_status === 'in_progress') {
    if (task.status === 'sent') {
      task = await deps.repo.transitionTask(task, 'in_progress', { receipts: { ...task.receipts, [id]: receipt } }, { at, actor: `processor:${task.processorId}`, action: 'acknowledge', subject: task.taskId, from: 'sent', to: 'in_progress', data: { receipt: bodyHash } });
    }
    if (task.token && !FINISHED_TASK_STATUSES.includes(task.status)) await tell(() => deps.workflow.heartbeat(task.token as string));
    return { status: 'accepted' };
  }

  const outcome: TaskOutcome = {
    request_status: body.request_status,
    ...(body.request_status === 'failed' ? { reason: body.reason } : {}),
    ...(body.request_status === 'retained' ? { legal_basis: body.legal_basis, retained_until: body.retained_until } : {}),
  };
  if (FINISHED_TASK_STATUSES.includes(task.status)) {
    // A late or repeated answer under a new id: the same outcome is fine, a different one is not.
    if (task.outcome?.request_status === outcome.request_status) return { status: 'duplicate' };
    await deps.repo.appendTaskEvent(task, { at, actor: `processor:${task.processorId}`, action: 'conflicting_callback', subject: task.taskId, data: { receipt: bodyHash, claimed: outcome.request_status } });
    throw new Conflict(`task already ${task.status}`);
  }
  // A processor answering a failed or timed-out task is a late answer: apply it and let the waiting escalation go.
  const from = task.status === 'failed' || task.status === 'timed_out' ? 'sent' : task.status;
  const to = requireTaskTransition(from, EVENT[body.request_status]);
  const extra = body.request_status === 'completed' ? { results: body.results, resultsUrl: body.results_url } : {};
  task = await deps.repo.transitionTask(
    task,
    to,
    { outcome, finishedAt: at, receipts: { ...task.receipts, [id]: receipt }, ...extra },
    { at, actor: `processor:${task.processorId}`, action: body.request_status, subject: task.taskId, from: task.status, to, data: { receipt: bodyHash } },
  );
  const token = task.token;
  if (!token) throw new NotFound('task is not waiting');
  if (to === 'failed') await tell(() => deps.workflow.taskFailure(token, 'ProcessorFailed', outcome.reason ?? ''));
  else await tell(() => deps.workflow.taskSuccess(token, outcome));
  return { status: 'accepted' };
}
