/**
 * The team's reminders 7 and 2 days before a request's deadline, and its overdue flag. Only what is
 * due within 7 days or overdue is read (a key range of the status index); each flag is recorded once,
 * on the audit trail, in the write that raises it, with the team's email owed (run.ts).
 */
import { addDays, clockStopped, daysUntil } from '../core/deadline.ts';
import { currentDue } from '../core/status.ts';
import { dueBy } from '../shared/due.ts';
import { type Flagged, raced, raise, type Run } from './run.ts';

const REMINDER_DAYS = [7, 2] as const;

async function deadline(run: Run, req: Flagged) {
  const { report, today } = run;
  // A stopped clock (Art. 12A) has no deadline running: restarting it moves the deadline by the days it was stopped. One stopped once it had run out is late.
  const d = clockStopped(req) ? undefined : currentDue(req);
  if (!d) return;
  const left = daysUntil(d, today);
  if (left < 0) report.overdue.push(req.id);
  const flags = new Set(req.flags ?? []);
  for (const n of REMINDER_DAYS) {
    const flag = left < 0 ? 'overdue' : (`reminder-${n}` as const);
    if ((left <= n || left < 0) && !flags.has(flag)) {
      if (!run.spend()) return;
      await raise(run, req, { alert: flag, dueDate: d, daysLeft: left });
      report.reminders.push(`${req.id}:${flag}`);
      return;
    }
  }
}

export async function sweepDeadlines(run: Run) {
  for await (const req of dueBy(addDays(run.today, 7), run.deps.repo)) await deadline(run, req).catch(raced);
}
