import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { currentDue } from '../core/status.ts';
import { config } from '../adapters/config.ts';
import { registry } from '../adapters/registry.ts';
import type { DynamoRepository } from '../adapters/repository.ts';
import type { StepFunctionsWorkflow } from '../adapters/workflow.ts';
import { clockStopped, daysUntil, londonDate } from '../core/deadline.ts';
import { ConcurrentUpdate, MailFailed } from '../core/errors.ts';
import { droppableResults } from '../core/export-results.ts';
import type { Mailer, StoredRequest } from '../core/ports.ts';
import { sendTracked } from '../shared/mail.ts';
import { deliverAssemblyRetry, deliverTeam, deliverToken, sweepOutbox, type SweepOutboxDeps } from '../shared/outbox.ts';
import { logger } from '../shared/powertools.ts';
import { SWEEPER_OWNER } from '../core/outbox.ts';
import { metrics } from '../shared/metrics.ts';

export type SweepDeps = SweepOutboxDeps & { repo: DynamoRepository; mailer: Mailer; workflow: StepFunctionsWorkflow };

const REMINDER_DAYS = [7, 2] as const;

/**
 * The scheduled safety net. `now` comes from the schedule's event, so a test moves the clock by
 * the event it sends, never by editing data. Each finding is recorded once, on the audit trail.
 */
export async function sweep(now: Date, deps: SweepDeps) {
  // Deadlines are London dates: between midnight and 1 a.m. in summer the UTC date is still yesterday.
  const today = londonDate(now);
  const at = now.toISOString();
  // First, whatever intake, verify or notify recorded as owed and did not deliver: links, executions, outcome emails.
  const outbox = await sweepOutbox(now, deps);
  const report = { overdue: [] as string[], reminders: [] as string[], escalatedTasks: [] as string[], lostExecutions: [] as string[], teamEmailsSent: [] as string[], droppedResults: [] as string[], tokensSent: [] as string[], assemblyRetriesSent: [] as string[], ...outbox };
  for (const status of ['awaiting_review', 'verified', 'in_progress', 'awaiting_manual'] as const) {
    const { items } = await deps.repo.listRequests({ status, limit: 500 });
    for (const item of items) {
      // A request the workflow moves at this very moment is looked at again on the next sweep.
      await sweepOne(item).catch((e) => {
        if (!(e instanceof ConcurrentUpdate)) throw e;
      });
    }
  }
  /**
   * The team's reminders and alerts: one that cannot be mailed is marked on its request ("mail
   * failed", in the console), counted for the MailFailed alarm, and the sweep goes on to the others.
   */
  async function alert(req: StoredRequest, msg: { subject: string; text: string }) {
    await sendTracked(req, 'reminder', { to: config.COMPLIANCE_EMAIL, kind: 'compliance', ...msg }, now, deps).catch((e) => {
      if (!(e instanceof MailFailed)) throw e;
    });
  }
  /**
   * A token an officer's action recorded as owed to the waiting workflow state and did not send (it
   * died, or Step Functions refused for a moment): sent here, read from what this pass lists anyway.
   * One that fails is logged and left for the next sweep; the rest of the sweep goes on.
   */
  async function owed(what: string, send: () => Promise<boolean>, sent: string[], id: string) {
    try {
      if (await send()) sent.push(id);
    } catch (e) {
      report.failed.push(what);
      logger.error('token delivery failed; the next sweep tries again', { what, error: (e as Error).name });
    }
  }
  async function sweepOne(start: StoredRequest) {
    let req = start;
    // The team's email that the request waits for an officer, left owed by verify or Notify (or dropped if it no longer waits).
    if (req.outboxTeam) {
      const sent = await deliverTeam(req, SWEEPER_OWNER, now, deps).catch((e) => {
        if (!(e instanceof MailFailed)) throw e;
        return false;
      });
      if (sent) report.teamEmailsSent.push(req.id);
    }
    // An officer's retry of the copy whose token may not have reached the AssemblyFailed state.
    if (req.assemblyFailed?.retriedAt) await owed(`assembly:${req.id}`, () => deliverAssemblyRetry(req, deps), report.assemblyRetriesSent, req.id);
    // A stopped clock (Art. 12A) has no deadline running: restarting it moves the deadline by the days it was stopped. One stopped once it had run out is late.
    const d = clockStopped(req) ? undefined : currentDue(req);
    const flags = new Set((req as StoredRequest & { flags?: string[] }).flags ?? []);
    if (d) {
      const left = daysUntil(d, today);
      if (left < 0) report.overdue.push(req.id);
      for (const n of REMINDER_DAYS) {
        const flag = left < 0 ? 'overdue' : `reminder-${n}`;
        if ((left <= n || left < 0) && !flags.has(flag)) {
          flags.add(flag);
          req = await deps.repo.transitionRequest(req, req.status, { flags: [...flags] }, { at, actor: 'sweeper', action: flag, subject: req.id, data: { dueDate: d, daysLeft: left } });
          await alert(req, { subject: left < 0 ? `OVERDUE: request ${req.id} was due ${d}` : `Due in ${left} days: request ${req.id}`, text: `Request ${req.id} (${req.type}) is due ${d}.\n${config.PUBLIC_BASE_URL}/console.html#/requests/${req.id}` });
          report.reminders.push(`${req.id}:${flag}`);
          break;
        }
      }
    }
    const tasks = await deps.repo.listTasks(req.id);
    for (const t of tasks) {
      // A task an officer resolved whose token may not have reached the waiting state.
      if (t.outboxToken) await owed(`token:${t.taskId}`, () => deliverToken(t, deps), report.tokensSent, t.taskId);
      // A task past its timeout with nobody waiting on it: an event was lost. Escalate it anyway.
      const p = registry.processors.find((x) => x.id === t.processorId);
      if (p && ['sent', 'in_progress'].includes(t.status) && t.sentAt && Date.parse(t.sentAt) + p.timeoutSeconds * 1000 < now.getTime()) {
        // A callback landing at this very moment wins; the next sweep looks again.
        const escalated = await deps.repo
          .transitionTask(t, 'timed_out', { finishedAt: at, outcome: { request_status: 'timed_out', reason: 'sweeper: past timeout' } }, { at, actor: 'sweeper', action: 'time_out', subject: t.taskId, from: t.status, to: 'timed_out' })
          .catch((e) => {
            if (!(e instanceof ConcurrentUpdate)) throw e;
          });
        if (escalated) report.escalatedTasks.push(t.taskId);
      }
    }
    // Export results no task recorded (their callback died before its task write and was never sent
    // again) go within a sweep of the 15 minutes, not at their 120-day expiry.
    if (req.type === 'access') {
      for (const s of droppableResults(await deps.repo.listTaskResults(req.id), tasks, now)) {
        if (await deps.repo.deleteTaskResults(s)) report.droppedResults.push(`${s.requestId}.${s.processorId}`);
      }
    }
    const ex = await deps.workflow.describe(req.id);
    // A verified request without an execution is owed one, which the outbox pass above started; one
    // waiting for an officer's review has none yet, by design. One whose execution failed is lost like any other.
    if (ex ? ['FAILED', 'ABORTED', 'TIMED_OUT'].includes(String(ex.status)) : req.status !== 'verified' && req.status !== 'awaiting_review') {
      report.lostExecutions.push(req.id);
      if (!flags.has('execution-lost')) {
        flags.add('execution-lost');
        await deps.repo.transitionRequest(req, req.status, { flags: [...flags] }, { at, actor: 'sweeper', action: 'execution-lost', subject: req.id, data: { execution: ex?.status ?? 'missing' } });
        await alert(req, { subject: `Request ${req.id}: its workflow ${ex ? String(ex.status).toLowerCase() : 'is missing'}`, text: `Request ${req.id} is ${req.status} but its execution is ${ex?.status ?? 'missing'}. Check it in the console.` });
      }
    }
  }
  metrics.addMetric('OverdueRequests', MetricUnit.Count, report.overdue.length);
  metrics.addMetric('TasksTimedOut', MetricUnit.Count, report.escalatedTasks.length);
  metrics.publishStoredMetrics();
  return report;
}
