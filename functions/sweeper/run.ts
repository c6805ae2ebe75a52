/**
 * What the passes of one sweep share: the clock of the schedule's event, one report, and one budget
 * of the team's emails, so that a run does what its time allows whichever pass meets the work.
 */
import type { S3Blobs } from '../adapters/blobs.ts';
import type { SweeperRepository } from '../adapters/repository.ts';
import type { StepFunctionsWorkflow } from '../adapters/workflow.ts';
import type { TeamAlert } from '../core/alerts.ts';
import type { Controller } from '../core/controller.ts';
import { londonDate } from '../core/deadline.ts';
import { ConcurrentUpdate, MailFailed } from '../core/errors.ts';
import type { ProcessorEntry } from '../core/model.ts';
import { claimLease } from '../core/outbox.ts';
import type { Mailer, StoredRequest } from '../core/ports.ts';
import type { DispatchDeps } from '../dispatch/dispatch.ts';
import { deliverAlert, deliverOrLeave, type PurgeDeps, type SweepOutboxDeps, type sweepOutbox } from '../shared/outbox.ts';

/**
 * The registry's processors: by name in the emails, by mode to know which tasks a person does, by
 * endpoint to send an officer's retry whose action died before its webhook went (`secrets` and
 * `post` as Dispatch takes them, for tests), and for a held copy's package made again. The export
 * bucket: a closed copy's package deleted, a held copy's made again.
 */
export type SweepDeps = SweepOutboxDeps &
  PurgeDeps &
  Pick<DispatchDeps, 'secrets' | 'post'> & { repo: SweeperRepository; mailer: Mailer; workflow: StepFunctionsWorkflow; processors: readonly ProcessorEntry[]; blobs: Pick<S3Blobs, 'delete' | 'put'>; controller?: Controller };

/**
 * What one run does at most. The function has 120 s (infra/constructs/functions.ts) and runs every
 * 15 minutes; a run that met more (a thousand requests falling due on one day, a processor's outage
 * leaving thousands of tasks stuck) would be cut off mid-way and start again from the same point.
 * So a run sends at most `alerts` emails to the team (each a write and an email, and SES may allow
 * only a few a second), those an earlier run left owed first, and escalates at most `escalations`
 * tasks (two reads and a write each, and a read and a write more when the task's request goes to
 * wait for an officer), and says in its report what it left (`left`); whatever is left is still
 * unflagged, still owed, or still sent, and found first by the next run. The rotation visits `visits` open requests a run and goes on from
 * there the next run. A run makes at most REMAKES_PER_RUN held copies' packages again (core/remake.ts).
 */
export const PER_RUN = { alerts: 100, escalations: 200, visits: 200 } as const;

export type Flagged = StoredRequest & { flags?: string[] };

/** One run of the sweep at `now`, delivering as `owner` (its own), after the outbox pass whose report it goes on with. */
export function startRun(now: Date, deps: SweepDeps, owner: string, outbox: Awaited<ReturnType<typeof sweepOutbox>>) {
  const report = {
    overdue: [] as string[],
    reminders: [] as string[],
    escalatedTasks: [] as string[],
    lostExecutions: [] as string[],
    teamEmailsSent: [] as string[],
    droppedResults: [] as string[],
    tokensSent: [] as string[],
    /** Officers' retries whose action died before the webhook went, sent by this run: task ids. */
    retriesSent: [] as string[],
    assemblyRetriesSent: [] as string[],
    /** Held copies whose package this run made again, as an officer asked. */
    packagesRemade: [] as string[],
    /** Held copies whose package was asked for again and cannot be made: the processors' results went since. */
    remakesDropped: [] as string[],
    /** Held copies whose package this run gave up making again (core/remake.ts): the team is told. */
    remakesFailed: [] as string[],
    /** Held copies an officer released whose action died before completing the request, completed by this run. */
    releasesCompleted: [] as string[],
    executionsStopped: [] as string[],
    /** Requests under review whose personal data this run gave back the end it is kept to while open: request ids. */
    piiRestored: [] as string[],
    /** Alerts to the team an earlier run raised and left owed (it died, or SES refused), mailed by this one: `<request id>:<flag>`. */
    alertsSent: [] as string[],
    /** Complaints not acknowledged whose flag this run raised (sweeper/complaints.ts): `<complaint id>:<flag>`. */
    complaintReminders: [] as string[],
    /** Complaints past their last day to acknowledge, still not acknowledged: every run lists them. */
    overdueComplaints: [] as string[],
    /** Complaints' alerts to the team an earlier run raised and left owed, mailed by this one: `<complaint id>:<flag>`. */
    complaintAlertsSent: [] as string[],
    /** What this run left for the next ones (see PER_RUN). */
    left: { alerts: 0, escalations: 0, remakes: 0 },
    ...outbox,
  };
  let alerts = PER_RUN.alerts;
  return {
    now,
    owner,
    // Deadlines are London dates: between midnight and 1 a.m. in summer the UTC date is still yesterday.
    today: londonDate(now),
    at: now.toISOString(),
    deps,
    report,
    /** The requests whose debts the pass over the watch index handled: the rotation need not again. */
    owingDone: new Set<string>(),
    /** The held copies found owing their package made again, by id, in the order found: the run's last pass makes a few (sweeper/remake.ts). */
    remakesOwed: new Map<string, StoredRequest>(),
    /** Takes one of the run's team emails; false, and counted as left, once they are spent. */
    spend() {
      if (alerts > 0) {
        alerts--;
        return true;
      }
      report.left.alerts++;
      return false;
    },
  };
}
export type Run = ReturnType<typeof startRun>;

/** A request the workflow moves at this very moment is looked at again on the next sweep. */
export const raced = (e: unknown) => {
  if (!(e instanceof ConcurrentUpdate)) throw e;
};

/**
 * Raises a flag on a request, with its audit event, and records the team's alert owed in the same
 * conditional write (functions/core/outbox.ts), then mails it. A run that dies before the email
 * left, or whose email SES refuses, leaves it owed: the write put the request in the `watch`
 * index's `request` partition, where the next run finds it (owed.ts).
 */
export async function raise(run: Run, req: Flagged, alert: TeamAlert) {
  const { alert: flag, ...data } = alert;
  const flags = [...new Set([...(req.flags ?? []), flag])];
  const owed = { ...claimLease(req.version + 1, run.owner, run.now), ...alert };
  const done = await run.deps.repo.transitionRequest(req, req.status, { flags, outboxAlert: owed }, { at: run.at, actor: 'sweeper', action: flag, subject: req.id, data });
  await sendAlert(run, done);
}

/**
 * Mails the team's alert a request owes. One that cannot be mailed is marked on its request ("mail
 * failed", in the console), counted for the MailFailed alarm, and stays owed; any other failure is
 * left for the next sweep, in the report's `failed`. The sweep goes on to the others either way.
 * `sent`: where to list it once mailed.
 */
export function sendAlert(run: Run, req: StoredRequest, sent?: string[]) {
  return deliverOrLeave(run.report, `alert:${req.id}`, async () => {
    const mailed = await deliverAlert(req, run.owner, run.now, run.deps).catch((e) => {
      if (!(e instanceof MailFailed)) throw e;
      return false;
    });
    if (mailed) sent?.push(`${req.id}:${req.outboxAlert?.alert}`);
  });
}
