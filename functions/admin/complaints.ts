import type { DynamoRepository } from '../adapters/repository.ts';
import { sha256 } from '../core/audit.ts';
import { COMPLAINT_KEEP_DAYS_AFTER_RESPONSE, complaintClock, MAX_OUTCOME, nextComplaintStatus, type StoredComplaint } from '../core/complaints.ts';
import { londonDate } from '../core/deadline.ts';
import { NotFound } from '../core/errors.ts';
import { plainText } from '../core/notices.ts';
import type { Clock } from '../core/ports.ts';

type Deps = { repo: DynamoRepository; clock: Clock };
const DAY = 86_400_000;

/** What the console shows of a complaint: its clock in London days, the request it is about, and the complainant's words. */
export const complaintView = (c: StoredComplaint, today: string) => ({
  id: c.id,
  status: c.status,
  language: c.language,
  requestId: c.requestId ?? null,
  receivedAt: c.receivedAt,
  acknowledgedAt: c.acknowledgedAt ?? null,
  acknowledgedBy: c.acknowledgedBy ?? null,
  respondedAt: c.respondedAt ?? null,
  outcome: c.outcome ?? null,
  email: c.email,
  name: c.name ?? null,
  text: c.text,
  /** Its acknowledgement email was not sent (the address's daily share was spent): the team acknowledges it by hand. */
  ackEmailWithheld: c.audit.some((e) => e.action === 'ack_email_withheld'),
  clock: complaintClock(c, today),
});

/** The complaints, newest first, a page at a time. */
export async function listComplaints(q: { limit?: number; cursor?: string }, deps: Deps) {
  const today = londonDate(deps.clock.now());
  const page = await deps.repo.listComplaints(q);
  return { items: page.items.map((c) => complaintView(c, today)), cursor: page.cursor ?? null };
}

async function load(id: string, deps: Deps) {
  const c = await deps.repo.getComplaint(id);
  if (!c) throw new NotFound('no such complaint');
  return c;
}

/** An officer acknowledged the complaint another way (a call, a letter): the owed email is dropped. 409 once acknowledged. */
export async function acknowledgeComplaint(id: string, actor: string, deps: Deps) {
  const c = await load(id, deps);
  const to = nextComplaintStatus(c.status, 'acknowledge');
  const at = deps.clock.now().toISOString();
  const done = await deps.repo.transitionComplaint(c, to, { acknowledgedAt: at, acknowledgedBy: actor }, { at, actor, action: 'acknowledge', subject: id, from: c.status, to }, { remove: ['outboxAck'] });
  return complaintView(done, londonDate(at));
}

/**
 * Records the response (s.164A(4)): when, and a short outcome in the officer's words (control
 * characters replaced; the ledger keeps its hash). A response also acknowledges. From then on the
 * complaint is kept a year (COMPLAINT_KEEP_DAYS_AFTER_RESPONSE). 409 once responded.
 */
export async function respondComplaint(id: string, outcome: string, actor: string, deps: Deps) {
  const c = await load(id, deps);
  const to = nextComplaintStatus(c.status, 'respond');
  const now = deps.clock.now();
  const at = now.toISOString();
  const text = plainText(outcome, MAX_OUTCOME);
  const done = await deps.repo.transitionComplaint(
    c,
    to,
    { respondedAt: at, outcome: text, acknowledgedAt: c.acknowledgedAt ?? at, acknowledgedBy: c.acknowledgedBy ?? actor },
    { at, actor, action: 'respond', subject: id, from: c.status, to, data: { outcomeSha256: sha256(text) } },
    { remove: ['outboxAck'], ttl: new Date(now.getTime() + COMPLAINT_KEEP_DAYS_AFTER_RESPONSE * DAY) },
  );
  return complaintView(done, londonDate(at));
}

/** The complaints received between two London dates (inclusive), for the SLA report. */
export async function complaintsReceivedBetween(from: string, to: string, deps: Pick<Deps, 'repo'>) {
  // The index is sorted by the UTC instant: a day either side covers every London day, then each is dated.
  const lo = new Date(Date.parse(`${from}T00:00:00Z`) - DAY).toISOString();
  const hi = new Date(Date.parse(`${to}T00:00:00Z`) + 2 * DAY).toISOString();
  const out: StoredComplaint[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.repo.listComplaints({ receivedFrom: lo, receivedTo: hi, cursor, limit: 200 });
    for (const c of page.items) {
      const day = londonDate(c.receivedAt);
      if (day >= from && day <= to) out.push(c);
    }
    cursor = page.cursor;
  } while (cursor);
  return out;
}
