/**
 * The team's reminders 7 and 2 days before a request's deadline, and its overdue flag. Only what is
 * due within 7 days or overdue is read (a key range of the status index); each flag is recorded once,
 * on the audit trail, in the write that raises it, with the team's email owed (run.ts).
 */
import { addDays, clockStopped, daysUntil } from '../core/deadline.ts';
import { deadlineStage, FIRST_REMINDER_DAYS } from '../core/alerts.ts';
import { currentDue } from '../core/status.ts';
import { dueBy } from '../shared/due.ts';
import { type Flagged, raced, raise, type Run } from './run.ts';

async function deadline(run: Run, req: Flagged) {
  const { report, today } = run;
  // A stopped clock (Art. 12A) has no deadline running: restarting it moves the deadline by the days it was stopped. One stopped once it had run out is late.
  const d = clockStopped(req) ? undefined : currentDue(req);
  if (!d) return;
  const left = daysUntil(d, today);
  if (left < 0) report.overdue.push(req.id);
  // Only the stage reached counts: until November 29, 2026 a deadline first seen 2 days or less away (a request logged
  // late, a clock restarted near its end) had its 7-day reminder, then its 2-day one a sweep later, both "due in 1 days".
  const flag = deadlineStage(left);
  if (!flag || req.flags?.includes(flag) || !run.spend()) return;
  await raise(run, req, { alert: flag, dueDate: d, daysLeft: left });
  report.reminders.push(`${req.id}:${flag}`);
}

export async function sweepDeadlines(run: Run) {
  for await (const req of dueBy(addDays(run.today, FIRST_REMINDER_DAYS), run.deps.repo)) await deadline(run, req).catch(raced);
}
