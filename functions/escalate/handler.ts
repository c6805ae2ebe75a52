import { SesMailer } from '../adapters/mailer.ts';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import { z } from 'zod';
import { config } from '../adapters/config.ts';
import { repo, systemClock } from '../shared/deps.ts';
import { logger, metrics } from '../shared/powertools.ts';
import { loadTask } from '../dispatch/dispatch.ts';

const mailer = new SesMailer();

const Input = z.object({
  token: z.string().min(1),
  requestId: z.string(),
  taskId: z.string(),
  error: z.object({ Error: z.string(), Cause: z.string().optional() }).partial().default({}),
});

const TIMEOUTS = ['States.Timeout', 'States.HeartbeatTimeout'];

/**
 * A task the processor did not complete: flag it for a human and wait, with a token of its own,
 * for the officer's resolution or a late callback. One stuck processor never fails the request.
 */
export const handler = middy().handler(async (event: unknown) => {
  const input = Input.parse(event);
  const at = systemClock.now().toISOString();
  let task = await loadTask(input.taskId, repo);
  const timedOut = TIMEOUTS.includes(input.error.Error ?? '');
  if (['pending', 'sent', 'in_progress'].includes(task.status)) {
    const to = timedOut ? 'timed_out' : 'failed';
    task = await repo.transitionTask(task, to, { token: input.token, finishedAt: at, outcome: { request_status: to, reason: input.error.Error ?? 'unknown' } }, { at, actor: 'workflow', action: timedOut ? 'time_out' : 'fail', subject: task.taskId, from: task.status, to, data: { error: input.error.Error ?? null } });
    metrics.addMetric(timedOut ? 'TasksTimedOut' : 'TasksFailed', MetricUnit.Count, 1);
    metrics.publishStoredMetrics();
  } else {
    // A re-run, or a task finished meanwhile: only the waiting token changes.
    task = await repo.setTaskToken(task, input.token);
  }
  const req = await repo.getRequest(input.requestId);
  if (req?.status === 'in_progress') {
    await repo.transitionRequest(req, 'awaiting_manual', {}, { at, actor: 'workflow', action: 'escalate', subject: req.id, from: 'in_progress', to: 'awaiting_manual', data: { task: task.taskId, reason: input.error.Error ?? 'unknown' } });
  }
  if (['completed', 'not_found', 'retained', 'resolved'].includes(task.status)) return {};
  await mailer.send({
    to: config.COMPLIANCE_EMAIL,
    kind: 'compliance',
    subject: `Escalated: ${task.processorId} ${timedOut ? 'did not answer in time' : 'failed'}`,
    text: `Task ${task.taskId} (${task.category}, ${task.action}) is ${task.status}: ${input.error.Error ?? 'unknown error'}.\nRetry or resolve it in the console: ${config.PUBLIC_BASE_URL}/console.html#/requests/${task.requestId}`,
  });
  logger.warn('task escalated', { taskId: task.taskId, status: task.status });
  return {};
});
