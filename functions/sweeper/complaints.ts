/**
 * The team's reminders of complaints nobody has acknowledged, 7 and 2 days before their last day
 * (DPA 2018 s.164A(3)), and its overdue flag: as a request's deadline (deadlines.ts), each flag
 * recorded once on the complaint's audit trail in the conditional write that records the team's
 * email owed (`outboxAlert`), mailed after it, and mailed again by the next run if this one died or
 * SES refused it, from the run's share of team emails.
 *
 * The complaints' index is ordered by receipt, so those that can be due are a key range: received on
 * or before the London day 22 days back. It also holds the complaints acknowledged since, which most
 * are (the acknowledgement goes by email at once); each run reads those too, and leaves them.
 */
import { config } from '../adapters/config.ts';
import { complaintAlertDue, complaintAlertEmail, remindOfReceivedBy, type StoredComplaint } from '../core/complaints.ts';
import { daysUntil } from '../core/deadline.ts';
import { MailFailed } from '../core/errors.ts';
import { claimLease, takeDelivery } from '../core/outbox.ts';
import { everyPage } from '../shared/due.ts';
import { mailFailure } from '../shared/mail-failed.ts';
import { deliverOrLeave } from '../shared/outbox.ts';
import { raced, type Run } from './run.ts';

/** Before any receipt instant the index holds: the range's lower bound. */
const EVER = '0';

/**
 * The complaints received on or before London day `day`, newest first, page after page. The index's
 * instants are UTC: a London day's lie on its own UTC date or the one before, so its date bounds them all.
 */
const receivedBy = (day: string, run: Run) => everyPage((cursor) => run.deps.repo.listComplaints({ receivedFrom: EVER, receivedTo: day, cursor, limit: 200 }));

/**
 * Mails the team the alert a complaint owes, then clears it. A complaint acknowledged or answered
 * since is owed nothing: the alert goes unsent. SES refusing it is counted for the MailFailed alarm
 * and thrown; the alert stays owed for the next run. True when mailed.
 */
async function deliverComplaintAlert(c: StoredComplaint, run: Run): Promise<boolean> {
  const d = c.outboxAlert;
  if (!d || !(await takeDelivery(d, run.owner, run.now, (next) => run.deps.repo.claimComplaintAlert(c.id, next, run.now)))) return false;
  const due = c.status === 'received';
  if (due) {
    const msg = complaintAlertEmail(d, c.id, `${config.PUBLIC_BASE_URL}/console.html#/complaints`);
    try {
      await run.deps.mailer.send({ to: config.COMPLIANCE_EMAIL, kind: 'compliance', ...msg });
    } catch (e) {
      throw mailFailure({ complaintId: c.id }, 'complaint_reminder', `the team's ${d.alert} of complaint ${c.id} could not be sent`, e).thrown;
    }
  }
  await run.deps.repo.clearComplaintAlert(c.id, d.seq);
  return due;
}

/** As sendAlert (run.ts): one SES refuses stays owed; any other failure is left for the next run, in the report's `failed`. */
function sendComplaintAlert(run: Run, c: StoredComplaint, sent?: string[]) {
  return deliverOrLeave(run.report, `complaint-alert:${c.id}`, async () => {
    const mailed = await deliverComplaintAlert(c, run).catch((e) => {
      if (!(e instanceof MailFailed)) throw e;
      return false;
    });
    if (mailed) sent?.push(`${c.id}:${c.outboxAlert?.alert}`);
  });
}

async function remind(run: Run, c: StoredComplaint) {
  const { report } = run;
  if (c.status === 'received' && daysUntil(c.acknowledgeBy, run.today) < 0) report.overdueComplaints.push(c.id);
  const a = complaintAlertDue(c, run.today);
  if (!a || !run.spend()) return;
  const owed = { ...claimLease(c.version + 1, run.owner, run.now), ...a };
  const { alert: flag, ...data } = a;
  const done = await run.deps.repo.transitionComplaint(c, c.status, { flags: [...(c.flags ?? []), flag], outboxAlert: owed }, { at: run.at, actor: 'sweeper', action: flag, subject: c.id, data });
  report.complaintReminders.push(`${c.id}:${flag}`);
  await sendComplaintAlert(run, done);
}

export async function sweepComplaints(run: Run) {
  const due: StoredComplaint[] = [];
  for await (const c of receivedBy(remindOfReceivedBy(run.today), run)) if (c.status === 'received' || c.outboxAlert) due.push(c);
  // Alerts a run raised and did not mail first, as for requests (owed.ts): before this run raises others, from the same share.
  for (const c of due) if (c.outboxAlert && run.spend()) await sendComplaintAlert(run, c, run.report.complaintAlertsSent);
  for (const c of due) await remind(run, c).catch(raced);
}
