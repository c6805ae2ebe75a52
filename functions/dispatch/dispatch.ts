import { config } from '../adapters/config.ts';
import type { DynamoRepository } from '../adapters/repository.ts';
import { processorSecrets } from '../adapters/secrets.ts';
import { postWebhook } from '../adapters/webhook-sender.ts';
import { NotFound } from '../core/errors.ts';
import { type ProcessorEntry, parseTaskId } from '../core/model.ts';
import type { Clock, Mailer, StoredTask, Workflow } from '../core/ports.ts';
import { FINISHED_TASK_STATUSES } from '../core/status.ts';
import { webhookBody } from '../core/webhook.ts';
import { logger, metrics } from '../shared/powertools.ts';
import { MetricUnit } from '@aws-lambda-powertools/metrics';

export type DispatchDeps = { repo: DynamoRepository; workflow: Workflow; mailer: Mailer; clock: Clock; processors: readonly ProcessorEntry[] };

const fail = (name: string, message: string) => Object.assign(new Error(message), { name });

export async function loadTask(taskId: string, repo: DynamoRepository) {
  const ids = parseTaskId(taskId);
  const task = ids && (await repo.getTask(ids.requestId, ids.processorId));
  if (!task) throw new NotFound(`task ${taskId} not found`);
  return task;
}

/** Sends the task's webhook: the same id and the same body every time it is sent. */
export async function sendWebhook(task: StoredTask, processor: ProcessorEntry, deps: DispatchDeps) {
  const state = await deps.repo.getItem({ pk: `PROCESSOR#${processor.id}`, sk: 'STATE' });
  if (state?.disabled) throw fail('EndpointGone', `processor ${processor.id} endpoint is disabled`);
  const [req, pii] = await Promise.all([deps.repo.getRequest(task.requestId), deps.repo.getPii(task.requestId)]);
  if (!req || !pii) throw fail('DispatchRejected', `request ${task.requestId} or its contact data is gone`);
  const body = JSON.stringify(webhookBody(req, task, pii, processor, config.PUBLIC_BASE_URL));
  let status: number;
  try {
    status = await postWebhook(processor.endpoint ?? '', task.taskId, body, await processorSecrets(processor.secretRef ?? ''));
  } catch (e) {
    if ((e as Error).name === 'UnsafeTarget') throw fail('DispatchRejected', (e as Error).message);
    throw fail('DispatchFailed', `webhook to ${processor.id} failed: ${(e as Error).name}`);
  }
  if (status >= 200 && status < 300) return;
  if (status === 410) {
    await deps.repo.putItem({ ...{ pk: `PROCESSOR#${processor.id}`, sk: 'STATE' }, disabled: true, disabledAt: deps.clock.now().toISOString() });
    metrics.addMetric('ProcessorEndpointGone', MetricUnit.Count, 1);
    logger.error('processor endpoint gone; disabled', { processorId: processor.id });
    throw fail('EndpointGone', `processor ${processor.id} answered 410`);
  }
  if (status >= 500 || (status >= 300 && status < 400) || status === 429) throw fail('DispatchFailed', `processor ${processor.id} answered ${status}`);
  throw fail('DispatchRejected', `processor ${processor.id} answered ${status}`);
}

/**
 * The Dispatch state. The token is recorded before the webhook leaves, so a fast callback always
 * finds the task waiting; a finished task (a re-run after a restart) completes at once.
 */
export async function dispatch(input: { token: string; requestId: string; taskId: string }, deps: DispatchDeps) {
  let task = await loadTask(input.taskId, deps.repo);
  const processor = deps.processors.find((p) => p.id === task.processorId);
  if (!processor) throw fail('DispatchRejected', `processor ${task.processorId} is not in the registry`);
  if (FINISHED_TASK_STATUSES.includes(task.status)) {
    await deps.workflow.taskSuccess(input.token, task.outcome ?? { request_status: task.status });
    return;
  }
  const at = deps.clock.now().toISOString();
  if (task.status === 'pending') {
    task = await deps.repo.transitionTask(task, 'sent', { token: input.token, sentAt: at, attempts: task.attempts + 1 }, { at, actor: 'workflow', action: 'send', subject: task.taskId, from: 'pending', to: 'sent', data: { mode: processor.mode } });
  } else {
    task = await deps.repo.setTaskToken(task, input.token);
  }
  if (processor.mode === 'manual') return manual(task, deps, at);
  await sendWebhook(task, processor, deps);
}

/** A processor with no API: a person does the work, the console records it. */
async function manual(task: StoredTask, deps: DispatchDeps, at: string) {
  const req = await deps.repo.getRequest(task.requestId);
  if (req?.status === 'in_progress') {
    await deps.repo.transitionRequest(req, 'awaiting_manual', {}, { at, actor: 'workflow', action: 'escalate', subject: req.id, from: 'in_progress', to: 'awaiting_manual', data: { task: task.taskId, reason: 'manual_processor' } });
  }
  await deps.mailer.send({
    to: config.COMPLIANCE_EMAIL,
    kind: 'compliance',
    subject: `Manual task: ${task.action} at ${task.processorId}`,
    text: `Task ${task.taskId} (${task.category}, ${task.action}) needs a person: this processor has no API.\nDo it in their system, then resolve the task in the console: ${config.PUBLIC_BASE_URL}/console.html#/requests/${task.requestId}`,
  });
}
