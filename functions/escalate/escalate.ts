import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { config } from '../adapters/config.ts';
import type { DynamoRepository } from '../adapters/repository.ts';
import type { Clock, Mailer, Workflow } from '../core/ports.ts';
import { FINISHED_TASK_STATUSES } from '../core/status.ts';
import { loadTask } from '../dispatch/dispatch.ts';
import { logger, metrics } from '../shared/powertools.ts';

export type EscalateDeps = {
  repo: Pick<DynamoRepository, 'getTask' | 'transitionTask' | 'setTaskToken' | 'getRequest' | 'transitionRequest'>;
  workflow: Workflow;
  mailer: Mailer;
  clock: Clock;
};

export type EscalateInput = { token: string; requestId: string; taskId: string; error: { Error?: string; Cause?: string } };

const TIMEOUTS = ['States.Timeout', 'States.HeartbeatTimeout'];

/**
 * The Escalate state (waitForTaskToken). A task the processor did not complete becomes timed_out
 * or failed, the request waits for a human (awaiting_manual, reason on its audit trail), and the
 * compliance team is emailed. The state then waits, on a token of its own, for the officer's
 * resolution or a late callback: one stuck processor never fails the whole request, and nothing
 * is silently stuck.
 */
export async function escalate(input: EscalateInput, deps: EscalateDeps) {
  const at = deps.clock.now().toISOString();
  const reason = input.error.Error ?? 'unknown';
  const timedOut = TIMEOUTS.includes(reason);
  let task = await loadTask(input.taskId, deps.repo);
  if (FINISHED_TASK_STATUSES.includes(task.status)) {
    // The processor's answer arrived while the dispatch was failing: nothing to escalate.
    await deps.workflow.taskSuccess(input.token, task.outcome ?? { request_status: task.status });
    return { escalated: false };
  }
  const first = ['pending', 'sent', 'in_progress'].includes(task.status);
  if (first) {
    const to = timedOut ? 'timed_out' : 'failed';
    task = await deps.repo.transitionTask(
      task,
      to,
      { token: input.token, finishedAt: at, outcome: { request_status: to, reason } },
      { at, actor: 'workflow', action: timedOut ? 'time_out' : 'fail', subject: task.taskId, from: task.status, to, data: { error: reason } },
    );
    metrics.addMetric(timedOut ? 'TasksTimedOut' : 'TasksFailed', MetricUnit.Count, 1);
    metrics.publishStoredMetrics();
  } else {
    // Already failed or timed out (a re-run, or the processor's own `failed` callback): the new
    // token is what a late callback or the officer's resolution must now complete.
    task = await deps.repo.setTaskToken(task, input.token);
  }
  const req = await deps.repo.getRequest(input.requestId);
  if (req?.status === 'in_progress') {
    await deps.repo.transitionRequest(
      req,
      'awaiting_manual',
      {},
      { at, actor: 'workflow', action: 'escalate', subject: req.id, from: 'in_progress', to: 'awaiting_manual', data: { task: task.taskId, reason } },
    );
  }
  // Sent again on a re-run: a duplicate alert is better than a lost one.
  await deps.mailer.send({
    to: config.COMPLIANCE_EMAIL,
    kind: 'compliance',
    subject: `Escalated: ${task.processorId} ${timedOut ? 'did not answer in time' : 'failed'}`,
    text: [
      `Task ${task.taskId} (${task.category}, ${task.action}) is ${task.status}: ${reason}.`,
      `Retry or resolve it in the console: ${config.PUBLIC_BASE_URL}/console.html#/requests/${task.requestId}`,
    ].join('\n'),
  });
  logger.warn('task escalated', { taskId: task.taskId, status: task.status, error: reason });
  return { escalated: true };
}
