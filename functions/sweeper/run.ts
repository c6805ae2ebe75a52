/**
 * What the passes of one sweep share: the clock of the schedule's event, one report, and one budget
 * of the team's emails, so that a run does what its time allows whichever pass meets the work.
 */
import { config } from '../adapters/config.ts';
import type { DynamoRepository } from '../adapters/repository.ts';
import type { StepFunctionsWorkflow } from '../adapters/workflow.ts';
import { londonDate } from '../core/deadline.ts';
import { ConcurrentUpdate, MailFailed } from '../core/errors.ts';
import type { Mailer, StoredRequest } from '../core/ports.ts';
import { sendTracked } from '../shared/mail.ts';
import type { PurgeDeps, SweepOutboxDeps, sweepOutbox } from '../shared/outbox.ts';

export type SweepDeps = SweepOutboxDeps & PurgeDeps & { repo: DynamoRepository; mailer: Mailer; workflow: StepFunctionsWorkflow };

/**
 * What one run does at most. The function has 120 s (infra/constructs/functions.ts) and runs every
 * 15 minutes; a run that met more (a thousand requests falling due on one day, a processor's outage
 * leaving thousands of tasks stuck) would be cut off mid-way and start again from the same point.
 * So a run sends at most `alerts` emails to the team (each a write and an email, and SES may allow
 * only a few a second) and escalates at most `escalations` tasks (two reads and a write each, and a
 * read and a write more when the task's request goes to wait for an officer), and says in its report
 * what it left (`left`); whatever is left is still unflagged, or still sent, and found first by the
 * next run. The rotation visits `visits` open requests a run and goes on from
 * there the next run.
 */
export const PER_RUN = { alerts: 100, escalations: 200, visits: 200 } as const;

export type Flagged = StoredRequest & { flags?: string[] };

/** One run of the sweep at `now`, after the outbox pass whose report it goes on with. */
export function startRun(now: Date, deps: SweepDeps, outbox: Awaited<ReturnType<typeof sweepOutbox>>) {
  const report = {
    overdue: [] as string[],
    reminders: [] as string[],
    escalatedTasks: [] as string[],
    lostExecutions: [] as string[],
    teamEmailsSent: [] as string[],
    droppedResults: [] as string[],
    tokensSent: [] as string[],
    assemblyRetriesSent: [] as string[],
    executionsStopped: [] as string[],
    /** What this run left for the next ones (see PER_RUN). */
    left: { alerts: 0, escalations: 0 },
    ...outbox,
  };
  let alerts = PER_RUN.alerts;
  return {
    now,
    // Deadlines are London dates: between midnight and 1 a.m. in summer the UTC date is still yesterday.
    today: londonDate(now),
    at: now.toISOString(),
    deps,
    report,
    /** The requests whose debts the pass over the watch index handled: the rotation need not again. */
    owingDone: new Set<string>(),
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
 * The team's reminders and alerts: one that cannot be mailed is marked on its request ("mail
 * failed", in the console), counted for the MailFailed alarm, and the sweep goes on to the others.
 */
export async function alert(run: Run, req: StoredRequest, msg: { subject: string; text: string }) {
  await sendTracked(req, 'reminder', { to: config.COMPLIANCE_EMAIL, kind: 'compliance', ...msg }, run.now, run.deps).catch((e) => {
    if (!(e instanceof MailFailed)) throw e;
  });
}
