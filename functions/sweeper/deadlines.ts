/**
 * The team's reminders 7 and 2 days before a request's deadline, and its overdue flag. Only what is
 * due within 7 days or overdue is read (a key range of the status index); each flag is recorded once,
 * on the audit trail, in the write that raises it.
 */
import { config } from '../adapters/config.ts';
import { addDays, clockStopped, daysUntil } from '../core/deadline.ts';
import { currentDue } from '../core/status.ts';
import { dueBy } from '../shared/due.ts';
import { alert, type Flagged, raced, type Run } from './run.ts';

const REMINDER_DAYS = [7, 2] as const;

async function deadline(run: Run, req: Flagged) {
  const { report, today, at, deps } = run;
  // A stopped clock (Art. 12A) has no deadline running: restarting it moves the deadline by the days it was stopped. One stopped once it had run out is late.
  const d = clockStopped(req) ? undefined : currentDue(req);
  if (!d) return;
  const left = daysUntil(d, today);
  if (left < 0) report.overdue.push(req.id);
  const flags = new Set(req.flags ?? []);
  for (const n of REMINDER_DAYS) {
    const flag = left < 0 ? 'overdue' : `reminder-${n}`;
    if ((left <= n || left < 0) && !flags.has(flag)) {
      if (!run.spend()) return;
      flags.add(flag);
      const done = await deps.repo.transitionRequest(req, req.status, { flags: [...flags] }, { at, actor: 'sweeper', action: flag, subject: req.id, data: { dueDate: d, daysLeft: left } });
      await alert(run, done, { subject: left < 0 ? `OVERDUE: request ${req.id} was due ${d}` : `Due in ${left} days: request ${req.id}`, text: `Request ${req.id} (${req.type}) is due ${d}.\n${config.PUBLIC_BASE_URL}/console.html#/requests/${req.id}` });
      report.reminders.push(`${req.id}:${flag}`);
      return;
    }
  }
}

export async function sweepDeadlines(run: Run) {
  for await (const req of dueBy(addDays(run.today, 7), run.deps.repo)) await deadline(run, req).catch(raced);
}
