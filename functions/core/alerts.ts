import type { PrivacyRequest } from './model.ts';

/**
 * The sweeper's alerts to the compliance team, one a flag it raises on a request: a deadline 7 or 2
 * days away, a deadline passed, an execution that failed, timed out, was stopped or is missing. The
 * flag's write records what the email says (the dates as they were that day, the execution's
 * status), so that an alert mailed again by a later run is the same email.
 */
export type TeamAlert = { alert: 'reminder-7' | 'reminder-2' | 'overdue'; dueDate: string; daysLeft: number } | { alert: 'execution-lost'; execution: string };

export function alertEmail(a: TeamAlert, req: Pick<PrivacyRequest, 'id' | 'type' | 'status'>, consoleUrl: string) {
  if (a.alert === 'execution-lost') {
    const shown = a.execution === 'missing' ? 'is missing' : a.execution.toLowerCase();
    return { subject: `Request ${req.id}: its workflow ${shown}`, text: `Request ${req.id} is ${req.status} but its execution is ${a.execution}. Check it in the console.` };
  }
  const subject = a.daysLeft < 0 ? `OVERDUE: request ${req.id} was due ${a.dueDate}` : `Due in ${a.daysLeft} days: request ${req.id}`;
  return { subject, text: `Request ${req.id} (${req.type}) is due ${a.dueDate}.\n${consoleUrl}` };
}
