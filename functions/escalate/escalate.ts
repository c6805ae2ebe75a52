import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { config } from '../adapters/config.ts';
import type { DynamoRepository } from '../adapters/repository.ts';
import { parseTaskId, type ProcessorEntry } from '../core/model.ts';
import type { Clock, Mailer, StoredTask, Workflow } from '../core/ports.ts';
import { ESCALATION_REASONS, retryOnRace } from '../core/errors.ts';
import { escalationEmail, manualEscalationEmail, removedProcessorEmail } from '../core/escalation.ts';
import { FINISHED_TASK_STATUSES, isOpenRequest } from '../core/status.ts';
import { taskAnswer } from '../core/workflow-answer.ts';
import { loadTask } from '../dispatch/dispatch.ts';
import { escalateRequest, unblockRequest } from '../shared/escalation.ts';
import { sendTracked } from '../shared/mail.ts';
import { metrics } from '../shared/metrics.ts';
import { logger } from '../adapters/powertools.ts';

export type EscalateDeps = {
  repo: Pick<DynamoRepository, 'getTask' | 'transitionTask' | 'setTaskToken' | 'getRequest' | 'transitionRequest' | 'listTasks' | 'markMailFailed' | 'clearMailFailed' | 'clearOwedTeam'>;
  workflow: Workflow;
  mailer: Mailer;
  clock: Clock;
  /** The processor's name from the registry, for the team's email. */
  processorName?: (processorId: string) => string;
  /** Whether the registry has the processor as manual (a person does its work): the team's email then says so, not to retry. */
  manual?: (processorId: string) => boolean;
  /** Whether the processor has left the registry since Plan: the team's email then says the task cannot be retried, and how to settle it by hand. */
  removed?: (processorId: string) => boolean;
  /** The registry's processors, by mode: which of a request's tasks still out wait for a person (none known: every one does). */
  processors?: readonly Pick<ProcessorEntry, 'id' | 'mode'>[];
};

export type EscalateInput = {
  token: string;
  requestId: string;
  taskId: string;
  error: { Error?: string; Cause?: string };
  /** False in the state the workflow falls back to once the alert could not be mailed: it escalates and waits without mailing. */
  mail?: boolean;
};

const TIMEOUTS = ['States.Timeout', 'States.HeartbeatTimeout'];

/**
 * The Escalate state (waitForTaskToken). A task the processor did not complete becomes timed_out
 * or failed, the request waits for a human (awaiting_manual, reason on its audit trail), and the
 * compliance team is emailed. The state then waits, on a token of its own, for the officer's
 * resolution or a late callback: one stuck processor never fails the whole request, and nothing
 * is silently stuck.
 *
 * The request is escalated before the task records the new token: from that moment a late
 * callback can release this state, and the Notify that may follow must find the request settled.
 */
export async function escalate(input: EscalateInput, deps: EscalateDeps) {
  const raised = input.error.Error ?? 'unknown';
  // A manual processor's task has a heartbeat a second short of its time-out, as nothing heartbeats a
  // person's work (plan.ts): its running out is the time-out, and is recorded, shown and mailed as such.
  const error = raised === 'States.HeartbeatTimeout' && deps.manual?.(parseTaskId(input.taskId)?.processorId ?? '') ? 'States.Timeout' : raised;
  const reason = ESCALATION_REASONS[error] ?? error;
  const timedOut = TIMEOUTS.includes(error);
  const r = await retryOnRace(async () => {
    const task = await loadTask(input.taskId, deps.repo);
    // The processor's answer arrived while the dispatch was failing: nothing to escalate.
    // Stryker disable next-line BooleanLiteral: a finished task returns before `first` is read
    if (FINISHED_TASK_STATUSES.includes(task.status)) return { finished: task, first: false };
    // Refused or cancelled while its execution still runs (its stop owed): nobody is to act on it any more.
    const req = await deps.repo.getRequest(input.requestId);
    if (req && !isOpenRequest(req.status)) return { closed: req.status, first: false };
    const at = deps.clock.now().toISOString();
    await retryOnRace(() => escalateRequest(deps.repo, input.requestId, { at, actor: 'workflow', task: task.taskId, reason }));
    if (['pending', 'sent', 'in_progress'].includes(task.status)) {
      const to = timedOut ? 'timed_out' : 'failed';
      const done = await deps.repo.transitionTask(
        task,
        to,
        { token: input.token, finishedAt: at, outcome: { request_status: to, reason } },
        { at, actor: 'workflow', action: timedOut ? 'time_out' : 'fail', subject: task.taskId, from: task.status, to, data: { error: reason } },
      );
      return { escalated: done, first: true, mailFailed: req?.mailFailed };
    }
    // Already failed or timed out (a re-run, or the processor's own `failed` callback): the new
    // token is what a late callback or the officer's resolution must now complete.
    return { escalated: await deps.repo.setTaskToken(task, input.token), first: false, mailFailed: req?.mailFailed };
  });
  if (r.finished) {
    // Answered between this run's two writes: the request it sent to wait for an officer waits for
    // nothing (unless another task holds it), so it goes back in progress before the workflow moves on.
    await unblockRequest({ repo: deps.repo, processors: deps.processors ?? [] }, input.requestId, { at: deps.clock.now().toISOString(), actor: 'workflow' });
    await deps.workflow.taskSuccess(input.token, taskAnswer(r.finished));
    return { escalated: false };
  }
  if (r.closed) {
    await deps.workflow.taskSuccess(input.token, { closed: r.closed });
    return { escalated: false };
  }
  const task = r.escalated as StoredTask;
  if (r.first) {
    metrics.addMetric(timedOut ? 'TasksTimedOut' : 'TasksFailed', MetricUnit.Count, 1);
    metrics.publishStoredMetrics();
  }
  if (input.mail === false) {
    logger.warn('task escalated; its alert could not be mailed', { taskId: task.taskId, status: task.status, error: reason });
    return { escalated: true };
  }
  // Sent again on a re-run: a duplicate alert is better than a lost one. A failure is marked on the
  // request and thrown: the workflow retries, then escalates without the email (workflows/). The
  // request's mark is passed on, so that the retry whose alert goes out clears the one its failed try left.
  const name = deps.processorName?.(task.processorId) ?? task.processorId;
  // A processor's own `failed` callback that died before telling the workflow reaches here as the
  // Dispatch state's time-out: the team reads what the processor said, not that it was silent.
  const why = timedOut && task.status === 'failed' ? 'ProcessorFailed' : reason;
  const consoleUrl = `${config.PUBLIC_BASE_URL}/console.html#/requests/${task.requestId}`;
  // Neither a processor gone from the registry nor a manual one has a webhook to send again: the team is told how to settle the task by hand.
  const mail = deps.removed?.(task.processorId)
    ? removedProcessorEmail(task, name, why, consoleUrl)
    : deps.manual?.(task.processorId)
      ? manualEscalationEmail(task, name, reason, consoleUrl)
      : escalationEmail(task, name, why, consoleUrl);
  await sendTracked(
    { id: task.requestId, mailFailed: r.mailFailed },
    'escalation',
    { to: config.COMPLIANCE_EMAIL, kind: 'compliance', ...mail },
    deps.clock.now(),
    deps,
  );
  // A retried task's failure owed the team this email from its callback's write (receive.ts): mailed, it is owed no more.
  if (task.outboxTeam?.escalated) await deps.repo.clearOwedTeam(task, task.outboxTeam.seq);
  logger.warn('task escalated', { taskId: task.taskId, status: task.status, error: reason });
  return { escalated: true };
}
