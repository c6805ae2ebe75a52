import Holidays from 'date-holidays';
import { DomainError } from './errors.ts';

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

// Pure data: the holiday rules of England & Wales, computed per year on demand and memoised.
const hd = new Holidays('GB', 'ENG');
const byYear = new Map<number, Set<string>>();
function bankHolidays(year: number): Set<string> {
  let set = byYear.get(year);
  if (!set) {
    // Only 'public' days are bank holidays; Mother's Day and the like are observances.
    set = new Set(hd.getHolidays(year).filter((h) => h.type === 'public').map((h) => h.date.slice(0, 10)));
    byYear.set(year, set);
  }
  return set;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const london = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' });

/** The calendar date in London of an instant. */
export function londonDate(instant: string | Date): string {
  const d = typeof instant === 'string' ? new Date(instant) : instant;
  if (Number.isNaN(d.getTime())) throw new InvalidDate(`not a date: ${String(instant)}`);
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
const parts = (date: string) => date.split('-').map(Number) as [number, number, number];

export function isWorkingDay(date: string): boolean {
  const [y, m, d] = parts(date);
  const dow = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  return dow !== 0 && dow !== 6 && !bankHolidays(y).has(date);
}

/** Same day-of-month `months` later, clamped to the month's last day. */
function addMonths(date: string, months: number): string {
  const [y, m, d] = parts(date);
  const lastDay = new Date(Date.UTC(y, m - 1 + months + 1, 0)).getUTCDate();
  return iso(new Date(Date.UTC(y, m - 1 + months, Math.min(d, lastDay))));
}

const addDays = (date: string, days: number) => {
  const [y, m, d] = parts(date);
  return iso(new Date(Date.UTC(y, m - 1, d + days)));
};

export function dueDate(received: string, options: { extended?: boolean; pausedDays?: number } = {}): string {
  let due = addDays(addMonths(toDate(received), options.extended ? 3 : 1), options.pausedDays ?? 0);
  while (!isWorkingDay(due)) due = addDays(due, 1);
  return due;
}

/** Calendar days from `today` to `due`; negative once overdue. */
export function daysUntil(due: string, today: string): number {
  const [a, b] = [due, today].map((s) => {
    const [y, m, d] = parts(s);
    return Date.UTC(y, m - 1, d);
  });
  return Math.round((a - b) / 86_400_000);
}
