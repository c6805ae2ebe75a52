import { type DeadlineFlag, deadlineStage, FIRST_REMINDER_DAYS } from './alerts.ts';
import { londonDate, daysUntil } from './deadline.ts';
import { Conflict } from './errors.ts';
import { longDate } from './holds.ts';
import type { AuditEvent, Language } from './model.ts';
import { ICO } from './notices.ts';
import type { Delivery } from './outbox.ts';
import * as z from './zod.ts';

/**
 * Complaints about how the shop handled someone's data or their privacy request (DPA 2018 s.164A, as
 * inserted by the Data (Use and Access) Act 2025, in force 19 June 2026): the complaint's clock and
 * the wording of its acknowledgement (the electronic form is core/complaint-form.ts). Pure: the
 * handler stores and mails.
 *
 * The clock: s.164A(3) asks the controller to acknowledge receipt "within the period of 30 days
 * beginning with the day on which it is received", so the receipt's London day is day 1 and the
 * last day is 29 days after it (no working-day shift: the Act counts calendar days). s.164A(4) asks
 * for a response "without undue delay": no date, so the console and the report show how long it took.
 */

export const ACKNOWLEDGE_WITHIN_DAYS = 30;
/** The longest complaint text the form takes (the API refuses longer ones with a field-level 400; its messages below say 5,000 in words). */
export const MAX_COMPLAINT_TEXT = 5000;
/** An officer's record of the response: short, it is a summary for the register, not the letter itself. */
export const MAX_OUTCOME = 500;
/** New complaints from one client address in any hour (core/rate-limit.ts): each mails an acknowledgement to the address given. */
export const COMPLAINTS_PER_IP_PER_HOUR = 20;
/** Acknowledgements mailed to one address in any hour; more go out once one of those stops counting (the sweeper), up to the day's share. */
export const ACKS_PER_EMAIL_PER_HOUR = 3;
/**
 * Acknowledgements mailed to one address in any 24 hours (a rolling window: a calendar day, UTC or
 * London, let twenty through in the hour either side of its midnight). Anyone can type any address into the form,
 * and many client addresses can each file their hourly complaints: without a cap, one victim's
 * inbox gets three acknowledgements an hour for as long as the flood lasts. A real complainant files
 * one or two; ten leaves room for several about different requests. Past it the complaint is still
 * recorded (s.164A gives the right whoever files it) but its email is not sent: its trail says so
 * (`ack_email_withheld`), and the team acknowledges it by hand within the 30 days.
 */
export const ACKS_PER_EMAIL_PER_DAY = 10;
/**
 * An address's share of acknowledgements, both windows taken in one use (core/rate-limit.ts): the
 * day's is the second (`ACK_DAY`), counted in 24-minute parts, so an acknowledgement past it may be
 * withheld up to 24 minutes after the tenth before it stops counting.
 */
export const ACK_WINDOWS = [
  { seconds: 3600, limit: ACKS_PER_EMAIL_PER_HOUR },
  { seconds: 86_400, limit: ACKS_PER_EMAIL_PER_DAY },
] as const;
export const ACK_DAY = 1;
/** An open complaint's personal data (email, name, text) is kept at most this long, as a backstop. */
export const OPEN_COMPLAINT_KEEP_DAYS = 730;
/**
 * A responded complaint is kept this long after the response: the ICO expects a complaint to it
 * within three months of the last meaningful contact with us, and may then ask how we handled it.
 */
export const COMPLAINT_KEEP_DAYS_AFTER_RESPONSE = 365;

export const ComplaintStatus = z.enum(['received', 'acknowledged', 'responded']);
export type ComplaintStatus = z.infer<typeof ComplaintStatus>;

export type StoredComplaint = {
  id: string;
  status: ComplaintStatus;
  version: number;
  language: Language;
  receivedAt: string;
  /** The last London day to acknowledge it on (s.164A(3)). */
  acknowledgeBy: string;
  acknowledgedAt?: string;
  /** How: the acknowledgement email, or an officer who acknowledged it another way. */
  acknowledgedBy?: string;
  respondedAt?: string;
  /** The officer's short record of the response. */
  outcome?: string;
  requestId?: string;
  /** Personal data, removed with the item by TTL (see README, Retention). */
  email: string;
  name?: string;
  text: string;
  /**
   * The keyed HMAC of the address, on complaints from before November 28, 2026 only: the attribute is
   * the key of the requests' `byEmail` index, so each complaint was listed there, and a hundred newer
   * ones naming an address hid that person's requests from the console's search by email.
   */
  emailHash?: string;
  /** The keyed HMAC of the inbox the address reaches, which its acknowledgements count against; absent on complaints from before it, which count by `emailHash`. */
  inboxHash?: string;
  audit: AuditEvent[];
  /** The acknowledgement email still to send (the outbox, functions/core/outbox.ts). */
  /**
   * `counted`: the address's share was taken for it already, by a try that SES then refused: the
   * tries after it send without counting again, so that an outage does not spend the share and
   * withhold the acknowledgement as if the address had had too many.
   */
  outboxAck?: Delivery & { counted?: boolean };
  /** The sweeper's flags on a complaint not acknowledged, each raised once (complaintAlertDue). */
  flags?: ComplaintFlag[];
  /** The team's email of the last flag raised, still to send (the sweeper's; core/outbox.ts). */
  outboxAlert?: ComplaintAlertIntent;
};

const addDays = (date: string, days: number) => {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
};

/** The last day to acknowledge a complaint received at `receivedAt` (an instant, dated in London). */
export const acknowledgeBy = (receivedAt: string) => addDays(londonDate(receivedAt), ACKNOWLEDGE_WITHIN_DAYS - 1);

export type ComplaintAction = 'acknowledge' | 'respond';

/** received → acknowledged → responded; a response also acknowledges. Anything else is a 409 with the reason. */
export function nextComplaintStatus(from: ComplaintStatus, action: ComplaintAction): ComplaintStatus {
  if (action === 'acknowledge' && from === 'received') return 'acknowledged';
  if (action === 'respond' && from !== 'responded') return 'responded';
  if (action === 'acknowledge') throw new Conflict(`this complaint is already ${from}`, { reason: 'complaint_acknowledged' });
  throw new Conflict('this complaint has already been responded to', { reason: 'complaint_responded' });
}

/** The complaint's clock, as the console shows it on a given London day. */
export function complaintClock(c: Pick<StoredComplaint, 'receivedAt' | 'acknowledgeBy' | 'acknowledgedAt' | 'respondedAt'>, today: string) {
  const received = londonDate(c.receivedAt);
  return {
    receivedOn: received,
    acknowledgeBy: c.acknowledgeBy,
    acknowledgedOn: c.acknowledgedAt ? londonDate(c.acknowledgedAt) : null,
    respondedOn: c.respondedAt ? londonDate(c.respondedAt) : null,
    /** Days left to acknowledge, negative once late; null once acknowledged. */
    daysToAcknowledge: c.acknowledgedAt ? null : daysUntil(c.acknowledgeBy, today),
    /** Acknowledged on or before its last day (or not yet due); false once late. */
    acknowledgedOnTime: c.acknowledgedAt ? londonDate(c.acknowledgedAt) <= c.acknowledgeBy : today <= c.acknowledgeBy,
    /** Whole London days from receipt to response, or, while open, so far. */
    daysOpen: daysUntil(c.respondedAt ? londonDate(c.respondedAt) : today, received),
  };
}


/**
 * The team is reminded of a complaint nobody has acknowledged 7 and 2 days before its last day, and
 * told once that it is late, as of a request's deadline (core/alerts.ts): the acknowledgement email
 * may have been withheld (past its address's daily share) or refused by SES, and nothing else says so.
 */
export type ComplaintFlag = DeadlineFlag;
/** What the flag's email says, recorded in the flag's write, so that the email mailed again by a later run is the same. */
export type ComplaintAlert = { alert: ComplaintFlag; acknowledgeBy: string; daysLeft: number };
export type ComplaintAlertIntent = Delivery & ComplaintAlert;
export const COMPLAINT_REMINDER_DAYS = FIRST_REMINDER_DAYS;

/**
 * The flag a complaint still `received` is due on London day `today`, unless raised already. Only the
 * stage it is in counts: one first seen 1 day before its last day gets the 2-day reminder and never
 * the 7-day one after it.
 */
export function complaintAlertDue(c: Pick<StoredComplaint, 'status' | 'acknowledgeBy' | 'flags'>, today: string): ComplaintAlert | undefined {
  if (c.status !== 'received') return undefined;
  const daysLeft = daysUntil(c.acknowledgeBy, today);
  const alert = deadlineStage(daysLeft);
  return alert && !c.flags?.includes(alert) ? { alert, acknowledgeBy: c.acknowledgeBy, daysLeft } : undefined;
}

/** The last London day of receipt whose complaint may be due a flag on `today`: its 7 days have begun. */
export const remindOfReceivedBy = (today: string) => addDays(today, COMPLAINT_REMINDER_DAYS - (ACKNOWLEDGE_WITHIN_DAYS - 1));

const days = (n: number) => `${n} day${n === 1 ? '' : 's'}`;

/** The team's email of a flag: the reference and the dates only, never the complainant's address or words. */
export function complaintAlertEmail(a: ComplaintAlert, id: string, consoleUrl: string) {
  const act = 'Tell the complainant we received it (by email or another way), then record it in the console.';
  if (a.daysLeft < 0) {
    return {
      subject: `OVERDUE: complaint ${id} was to be acknowledged by ${a.acknowledgeBy}`,
      text: `Complaint ${id} is not acknowledged. The law (DPA 2018 s.164A(3)) asked us to: it was to be acknowledged by ${a.acknowledgeBy}, ${days(-a.daysLeft)} ago. ${act}\n${consoleUrl}`,
    };
  }
  return {
    subject: a.daysLeft === 0 ? `Complaint ${id}: today is the last day to acknowledge it` : `Complaint ${id}: ${days(a.daysLeft)} left to acknowledge it`,
    text: `Complaint ${id} is not acknowledged. The law (DPA 2018 s.164A(3)) asks us to acknowledge it by ${a.acknowledgeBy}: ${days(a.daysLeft)} left. ${act}\n${consoleUrl}`,
  };
}

/** The complaint form's address, tied to a request when there is one, in the requester's language. */
export const complaintFormUrl = (baseUrl: string, lang: Language, requestId?: string) =>
  `${baseUrl}/complaint.html?${new URLSearchParams({ ...(requestId ? { ref: requestId } : {}), lang })}`;

/**
 * The acknowledgement of a complaint (s.164A(3)). It never repeats what the complainant wrote:
 * anyone can type any address into the form, and this email must not carry their words to it.
 */
export function acknowledgementEmail(c: Pick<StoredComplaint, 'id' | 'language' | 'receivedAt' | 'requestId'>) {
  const received = longDate(londonDate(c.receivedAt), c.language);
  return c.language === 'fr'
    ? {
        subject: 'Nous avons bien reçu votre réclamation',
        text: [
          'Bonjour,',
          '',
          `Nous avons bien reçu, le ${received}, votre réclamation sur la façon dont nous traitons vos données personnelles${c.requestId ? ` (à propos de votre demande ${c.requestId})` : ''}. Sa référence : ${c.id}.`,
          'Notre équipe confidentialité l’examine et vous répondra sans retard injustifié, en vous disant ce que nous avons fait.',
          "Si vous n’êtes pas à l’origine de cette réclamation, vous pouvez ignorer cet e-mail.",
          '',
          `Si notre réponse ne vous satisfait pas, vous pourrez saisir l’autorité de contrôle du Royaume-Uni, l’${ICO.name} : ${ICO.address}, téléphone ${ICO.phone}, ${ICO.web}.`,
          '',
          "L’équipe confidentialité d’Offtek",
        ].join('\n'),
      }
    : {
        subject: 'We have received your complaint',
        text: [
          'Hello,',
          '',
          `On ${received} we received your complaint about how we handle your personal data${c.requestId ? ` (about your request ${c.requestId})` : ''}. Its reference is ${c.id}.`,
          'Our privacy team is looking into it and will answer you without undue delay, telling you what we have done.',
          'If you did not make this complaint, you can ignore this email.',
          '',
          `If you are not satisfied with our answer, you can then complain to the UK’s supervisory authority, the ${ICO.name}: ${ICO.address}, telephone ${ICO.phone}, ${ICO.web}.`,
          '',
          'The Offtek privacy team',
        ].join('\n'),
      };
}
