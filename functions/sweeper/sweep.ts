/**
 * The sweeper's passes live one to a module, with what they share in run.ts, so that each reads on
 * its own; this one runs them in order and returns the report they fill.
 */
import { randomUUID } from 'node:crypto';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { sweeperOwner } from '../core/outbox.ts';
import { sweepOutbox } from '../shared/outbox.ts';
import { metrics } from '../shared/metrics.ts';
import { logger } from '../adapters/powertools.ts';
import { sweepComplaints } from './complaints.ts';
import { sweepDeadlines } from './deadlines.ts';
import { sweepEndedExecutions } from './executions.ts';
import { sweepOwed } from './owed.ts';
import { sweepRemakes } from './remake.ts';
import { rotate } from './rotation.ts';
import { type SweepDeps, startRun } from './run.ts';
import { sweepStuckTasks } from './stuck.ts';

export { PER_RUN, type SweepDeps } from './run.ts';

/**
 * The scheduled safety net. `now` comes from the schedule's event, so a test moves the clock by
 * the event it sends, never by editing data. Each finding is recorded once, on the audit trail.
 *
 * Nothing here reads every open request each run: the deadlines are a key range of the status
 * index (what is due within 7 days or overdue), complaints to acknowledge one of its complaints'
 * partition (received 22 days back or earlier), stuck tasks a key range of the `watch` index (sent
 * before their processor's timeout), what a request or a task still owes (the team's email, an
 * alert a run left owed, a held copy's package to make again, a token for the workflow, an officer's retry's webhook, a closed request's
 * execution to stop or a refused or cancelled copy's export results to delete) its `request`,
 * `token`, `webhook`, `team` and `closed` partitions, and failed executions Step Functions' own list. A missing execution cannot
 * be listed, and export results no task recorded sit in their request's partition: the rotation
 * looks for both, a few hundred open requests a run, all of them in turn.
 *
 * `runId` names the run (the handler passes its Lambda request id), whose own owner it delivers as.
 */
export async function sweep(now: Date, deps: SweepDeps, runId: string = randomUUID()) {
  const owner = sweeperOwner(runId);
  // First, whatever intake, verify or notify recorded as owed and did not deliver: links, executions, outcome emails.
  const run = startRun(now, deps, owner, await sweepOutbox(now, deps, owner));
  await sweepOwed(run);
  await sweepDeadlines(run);
  await sweepComplaints(run);
  await sweepStuckTasks(run);
  await sweepEndedExecutions(run);
  // It skips the requests whose debts the pass over the watch index delivered, and spends the alerts the passes above left.
  await rotate(run);
  // Last, the slowest work, a few a run: a run that runs out of time on it has done the rest.
  await sweepRemakes(run);

  const { report } = run;
  if (report.left.alerts || report.left.escalations || report.left.remakes || report.deliveriesLeft) logger.warn('sweep left work for the next run', { ...report.left, deliveries: report.deliveriesLeft });
  metrics.addMetric('OverdueRequests', MetricUnit.Count, report.overdue.length);
  metrics.addMetric('OverdueComplaints', MetricUnit.Count, report.overdueComplaints.length);
  metrics.addMetric('TasksTimedOut', MetricUnit.Count, report.escalatedTasks.length);
  metrics.publishStoredMetrics();
  return report;
}
