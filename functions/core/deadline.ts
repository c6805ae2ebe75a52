import { BANK_HOLIDAYS, FIRST_YEAR, LAST_YEAR } from './bank-holidays.generated.ts';
import { DomainError } from './errors.ts';
import type { StoredRequest } from './ports.ts';

/**
 * Deadlines as the ICO counts them (UK GDPR Art. 12(3)): the clock starts on the day of receipt;
 * the deadline is the same date in the next month, or that month's last day where the date does
 * not exist; one that falls on a weekend or an England & Wales bank holiday moves to the next
 * working day. An extension makes it three months instead of one.
 */
export class InvalidDate extends DomainError {
  override readonly name = 'InvalidDate';
  override readonly status = 400;
}

/**
 * A date outside the generated bank-holiday table: counting on would silently miss its holidays, so
 * the deadline is refused (a 500 at the edge) until the table is extended.
 */
export class BankHolidaysUnknown extends DomainError {
  override readonly name = 'BankHolidaysUnknown';
}

// Pure data: England & Wales bank holidays, generated from date-holidays (see infra/bank-holidays.ts).
const byYear = new Map(Object.entries(BANK_HOLIDAYS).map(([year, days]) => [Number(year), new Set(days)]));
function bankHolidays(year: number): ReadonlySet<string> {
  const set = byYear.get(year);
  if (!set) {
    throw new BankHolidaysUnknown(
      `bank holidays are known for ${FIRST_YEAR}–${LAST_YEAR} only, not ${year}: extend the span in infra/bank-holidays.ts and run npm run generate:bank-holidays`,
    );
  }
  return set;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// Built on first use: the first time-zone formatter loads ICU's zone data, tens of milliseconds of a
// cold start, which a function that never dates an instant need not pay.
let london: Intl.DateTimeFormat | undefined;

/** The calendar date in London of an instant. */
export function londonDate(instant: string | Date): string {
  const d = typeof instant === 'string' ? new Date(instant) : instant;
  if (Number.isNaN(d.getTime())) throw new InvalidDate(`not a date: ${String(instant)}`);
  london ??= new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' });
  return london.format(d);
}

function toDate(received: string): string {
  const m = DATE.exec(received);
  if (m) {
    const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
    if (d.getUTCMonth() !== +m[2] - 1 || d.getUTCDate() !== +m[3]) throw new InvalidDate(`no such date: ${received}`);
    return received;
  }
  // An instant must say which time zone it is in; a bare local time would be ambiguous.
  if (!/T.*(Z|[+-]\d{2}:?\d{2})$/.test(received)) throw new InvalidDate(`not a date or an instant: ${received}`);
  return londonDate(received);
}

const iso = (d: Date) => d.toISOString().slice(0, 10);

/** The instant a London calendar date begins: midnight GMT in winter, 23:00 UTC the day before in summer. */
export function londonDayStart(date: string): string {
  const midnightUtc = Date.parse(`${toDate(date)}T00:00:00Z`);
  const anHourBefore = new Date(midnightUtc - 3_600_000);
  return (londonDate(anHourBefore) === date ? anHourBefore : new Date(midnightUtc)).toISOString();
}
const parts = (date: string) => date.split('-').map(Number) as [number, number, number];

export function isWorkingDay(date: string): boolean {
  const [y, m, d] = parts(date);
  const holidays = bankHolidays(y); // first, so that a weekend outside the table is refused too
  const dow = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  return dow !== 0 && dow !== 6 && !holidays.has(date);
}

/** Same day-of-month `months` later (earlier when negative), clamped to the month's last day. */
export function addMonths(date: string, months: number): string {
  const [y, m, d] = parts(date);
  const lastDay = new Date(Date.UTC(y, m - 1 + months + 1, 0)).getUTCDate();
  return iso(new Date(Date.UTC(y, m - 1 + months, Math.min(d, lastDay))));
}

/** The calendar date `days` after `date` (before it when negative). */
export const addDays = (date: string, days: number) => {
  const [y, m, d] = parts(date);
  return iso(new Date(Date.UTC(y, m - 1, d + days)));
};

/** The end of the period itself (one month, or three once extended, and the days stopped), before a weekend or bank holiday moves it. */
const periodEnd = (received: string, options: { extended?: boolean; pausedDays?: number }) => addDays(addMonths(toDate(received), options.extended ? 3 : 1), options.pausedDays ?? 0);

/** `date` itself when it is a working day, else the next one. */
function workingDayFrom(date: string): string {
  let due = date;
  while (!isWorkingDay(due)) due = addDays(due, 1);
  return due;
}

export const dueDate = (received: string, options: { extended?: boolean; pausedDays?: number } = {}): string => workingDayFrom(periodEnd(received, options));

/** Calendar days from `today` to `due`; negative once overdue. */
export function daysUntil(due: string, today: string): number {
  const [a, b] = [due, today].map((s) => {
    const [y, m, d] = parts(s);
    return Date.UTC(y, m - 1, d);
  });
  return Math.round((a - b) / 86_400_000);
}

/**
 * Art. 12A: the whole London days a clock stopped at the instant `since` has been stopped on `today`
 * (none when it restarts the same day). Restarting it moves the deadline by these.
 */
export const daysStopped = (since: string, today: string) => Math.max(0, daysUntil(today, londonDate(since)));

/** What restarting a request's clock reads: when it started, the days of earlier stops, since when it is stopped, and the deadlines it runs to. */
export type RequestClock = Pick<StoredRequest, 'verifiedAt' | 'dueDate' | 'pausedDays' | 'pausedSince' | 'extended'>;

/**
 * Art. 12A: whether a request's clock is stopped. A clock that had already run out when it was
 * stopped (the London date of the stop after the deadline it ran to) stopped nothing: pausing such
 * a request is refused, and one stopped so before that rule is late, everywhere, by its deadline.
 */
export function clockStopped(r: RequestClock): boolean {
  const due = r.extended?.dueDate ?? r.dueDate;
  return Boolean(r.pausedSince && r.verifiedAt && due && londonDate(r.pausedSince) <= due);
}

/**
 * Art. 12A: what restarting a request's clock on `day` (a London date) gives: the days stopped in
 * all, the deadline and, once extended, the extended one. A stopped clock moves both by the whole
 * London days it has been stopped; a running one, one that had run out when stopped, or a request
 * never confirmed keeps what it has. /resume records this; extend and the SLA report judge a
 * stopped clock by it, so the three never differ.
 *
 * A clock stopped in time restarts with the day it restarts as its deadline at the earliest: one
 * stopped on the days a weekend or bank holiday added after the period's end (a month ending on a
 * Saturday is due the Monday) would otherwise count its days from that Saturday, and restart
 * already late, as the views that see it stopped would not say. Only the deadline it runs to moves
 * so: `pausedDays` stays the days stopped, since an extension made later counts three months and
 * those days, not the weekend the one-month deadline had to step over.
 */
export function restartOn(r: RequestClock, day: string): { pausedDays: number; dueDate?: string; extendedDueDate?: string } {
  if (!clockStopped(r) || !r.pausedSince || !r.verifiedAt) return { pausedDays: r.pausedDays, dueDate: r.dueDate, ...(r.extended ? { extendedDueDate: r.extended.dueDate } : {}) };
  const pausedDays = r.pausedDays + daysStopped(r.pausedSince, day);
  const runsTo = (extended: boolean) => dueDate(r.verifiedAt as string, { extended, pausedDays });
  const atLeast = (due: string) => (due < day ? workingDayFrom(day) : due);
  return r.extended ? { pausedDays, dueDate: runsTo(false), extendedDueDate: atLeast(runsTo(true)) } : { pausedDays, dueDate: atLeast(runsTo(false)) };
}

/** The deadline a request is judged by on `day`: the one it runs to (the extended one once extended), or, while its clock is stopped, the one restarting it that day would give. */
export const dueOn = (r: RequestClock, day: string) => {
  const restarted = restartOn(r, day);
  return restarted.extendedDueDate ?? restarted.dueDate;
};
