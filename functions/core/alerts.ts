import type { PrivacyRequest } from './model.ts';

/**
 * The sweeper's alerts to the compliance team, one a flag it raises on a request: a deadline 7 or 2
 * days away, a deadline passed, an execution that failed, timed out, was stopped or is missing. The
 * flag's write records what the email says (the dates as they were that day, the execution's
 * status), so that an alert mailed again by a later run is the same email.
 */
export type TeamAlert = { alert: DeadlineFlag; dueDate: string; daysLeft: number } | { alert: 'execution-lost'; execution: string };

export type DeadlineFlag = 'reminder-7' | 'reminder-2' | 'overdue';

/** The first reminder's lead, in London days: the sweeper reads what is due that soon (sweeper/deadlines.ts, complaints). */
export const FIRST_REMINDER_DAYS = 7;

/**
 * The flag a deadline `daysLeft` London days away has reached: overdue, 2 days or less, 7 days or less. Only the
 * stage counts, so one first seen 2 days before gets the 2-day reminder and never a 7-day one beside it.
 */
export const deadlineStage = (daysLeft: number): DeadlineFlag | undefined => (daysLeft < 0 ? 'overdue' : daysLeft <= 2 ? 'reminder-2' : daysLeft <= FIRST_REMINDER_DAYS ? 'reminder-7' : undefined);

const inDays = (n: number) => (n === 0 ? 'Due today' : `Due in ${n} day${n === 1 ? '' : 's'}`);

export function alertEmail(a: TeamAlert, req: Pick<PrivacyRequest, 'id' | 'type' | 'status'>, consoleUrl: string) {
  if (a.alert === 'execution-lost') {
    const shown = a.execution === 'missing' ? 'is missing' : a.execution.toLowerCase();
    return { subject: `Request ${req.id}: its workflow ${shown}`, text: `Request ${req.id} is ${req.status} but its execution is ${a.execution}. Check it in the console.` };
  }
  const subject = a.daysLeft < 0 ? `OVERDUE: request ${req.id} was due ${a.dueDate}` : `${inDays(a.daysLeft)}: request ${req.id}`;
  return { subject, text: `Request ${req.id} (${req.type}) is due ${a.dueDate}.\n${consoleUrl}` };
}
