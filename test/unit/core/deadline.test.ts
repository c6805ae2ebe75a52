import { describe, expect, it } from 'vitest';
import { clockStopped, daysUntil, dueDate, dueOn, InvalidDate, isWorkingDay, londonDate, londonDayStart, restartOn } from '../../../functions/core/deadline.ts';
import type { StoredRequest } from '../../../functions/core/ports.ts';

// Expected dates were worked out on a calendar, not with the code under test.
describe('one-month deadline (ICO method)', () => {
  it.each([
    ['2026-11-10', '2026-12-10', 'same date next month on a working day'],
    ['2026-03-31', '2026-04-30', '31 March has no 31 April: last day of April'],
    ['2026-08-31', '2026-09-30', '31 August has no 31 September'],
    ['2026-01-31', '2026-03-02', '28 Feb 2026 is a Saturday: next working day'],
    ['2026-01-30', '2026-03-02', '30 January also clamps to 28 Feb, a Saturday'],
    ['2028-01-31', '2028-02-29', 'leap year: 29 February exists in 2028'],
    ['2028-02-29', '2028-03-29', 'received on a leap day'],
    ['2027-02-28', '2027-03-30', 'lands on Sunday 28 March, then Easter Monday'],
  ])('received %s is due %s (%s)', (received, due) => {
    expect(dueDate(received)).toBe(due);
  });
});

describe('bank holidays in England and Wales, 2026 to 2028', () => {
  // [received one month before the holiday, the holiday, the next working day after it]
  it.each([
    ['2025-12-01', '2026-01-01', '2026-01-02'],
    ['2026-03-03', '2026-04-03', '2026-04-07'],
    ['2026-03-06', '2026-04-06', '2026-04-07'],
    ['2026-04-04', '2026-05-04', '2026-05-05'],
    ['2026-04-25', '2026-05-25', '2026-05-26'],
    ['2026-07-31', '2026-08-31', '2026-09-01'],
    ['2026-11-25', '2026-12-25', '2026-12-29'],
    ['2026-11-28', '2026-12-28', '2026-12-29'],
    ['2026-12-01', '2027-01-01', '2027-01-04'],
    ['2027-02-26', '2027-03-26', '2027-03-30'],
    ['2027-02-28', '2027-03-29', '2027-03-30'],
    ['2027-04-03', '2027-05-03', '2027-05-04'],
    ['2027-04-30', '2027-05-31', '2027-06-01'],
    ['2027-07-30', '2027-08-30', '2027-08-31'],
    ['2027-11-27', '2027-12-27', '2027-12-29'],
    ['2027-11-28', '2027-12-28', '2027-12-29'],
    ['2027-12-03', '2028-01-03', '2028-01-04'],
    ['2028-03-14', '2028-04-14', '2028-04-18'],
    ['2028-03-17', '2028-04-17', '2028-04-18'],
    ['2028-04-01', '2028-05-01', '2028-05-02'],
    ['2028-04-29', '2028-05-29', '2028-05-30'],
    ['2028-07-28', '2028-08-28', '2028-08-29'],
    ['2028-11-25', '2028-12-25', '2028-12-27'],
    ['2028-11-26', '2028-12-26', '2028-12-27'],
  ])('received %s: the holiday %s is skipped, due %s', (received, holiday, due) => {
    expect(isWorkingDay(holiday)).toBe(false);
    expect(dueDate(received)).toBe(due);
  });

  it('does not treat observances such as Mother’s Day as holidays', () => {
    expect(isWorkingDay('2026-03-16')).toBe(true); // Monday after Mother's Day
    expect(isWorkingDay('2026-03-15')).toBe(false); // it is a Sunday anyway
    expect(dueDate('2026-02-16')).toBe('2026-03-16');
  });
});

describe('instants are dated in Europe/London', () => {
  it.each([
    ['2026-01-31T23:59:59Z', '2026-01-31', 'GMT: UTC is London time'],
    ['2026-02-01T00:00:00+01:00', '2026-01-31', 'an offset instant that is still 31 January in London'],
    ['2026-06-30T23:30:00Z', '2026-07-01', 'BST: 23:30 UTC is already 1 July in London'],
    ['2026-06-30T22:59:00Z', '2026-06-30', 'BST: 23:59 in London is still 30 June'],
  ])('%s is %s in London (%s)', (instant, date) => {
    expect(londonDate(instant)).toBe(date);
  });

  it.each([
    ['2026-03-07', '2026-03-07T00:00:00.000Z', 'GMT'],
    ['2026-06-08', '2026-06-07T23:00:00.000Z', 'BST: midnight in London is 23:00 UTC the day before'],
    ['2026-03-29', '2026-03-29T00:00:00.000Z', 'the day BST starts, at 01:00 UTC: it begins in GMT'],
    ['2026-10-25', '2026-10-24T23:00:00.000Z', 'the day BST ends, at 01:00 UTC: it begins in BST'],
  ])('%s begins in London at %s (%s)', (date, instant) => {
    expect(londonDayStart(date)).toBe(instant);
    expect(londonDate(instant)).toBe(date);
    expect(londonDate(new Date(Date.parse(instant) - 1))).not.toBe(date);
  });

  it('counts from the London date of the instant', () => {
    expect(dueDate('2026-06-30T23:30:00Z')).toBe('2026-08-03');
    expect(dueDate('2026-06-30T22:59:00Z')).toBe('2026-07-30');
    expect(dueDate('2026-02-01T00:00:00+01:00')).toBe('2026-03-02');
  });
});

describe('extension and pauses', () => {
  it('gives three months instead of one when extended', () => {
    expect(dueDate('2026-01-31', { extended: true })).toBe('2026-04-30');
    expect(dueDate('2026-11-30', { extended: true })).toBe('2027-03-01');
  });
  it('moves the deadline by the paused days before rolling to a working day', () => {
    expect(dueDate('2026-06-01', { pausedDays: 10 })).toBe('2026-07-13');
  });
});

describe('restarting a stopped clock (Art. 12A): the one computation of /resume, extend and the SLA report', () => {
  // Confirmed 1 March 2026: due Wednesday 1 April; extended, Monday 1 June.
  const clock = (over: Partial<StoredRequest> = {}) => ({ verifiedAt: '2026-03-01T10:00:00.000Z', dueDate: '2026-04-01', pausedDays: 0, ...over });
  const extended = { at: '2026-03-05T10:00:00.000Z', reason: 'Several processors', dueDate: '2026-06-01' };

  it('leaves a running clock as it is, extended or not, whatever the day', () => {
    expect(restartOn(clock(), '2026-05-10')).toEqual({ pausedDays: 0, dueDate: '2026-04-01' });
    expect(restartOn(clock({ extended }), '2026-05-10')).toEqual({ pausedDays: 0, dueDate: '2026-04-01', extendedDueDate: '2026-06-01' });
    expect(dueOn(clock({ extended }), '2026-05-10')).toBe('2026-06-01');
  });

  it('leaves a request never confirmed as it is: it has no clock to restart', () => {
    expect(restartOn({ verifiedAt: undefined, dueDate: undefined, pausedDays: 0, pausedSince: '2026-03-02T10:00:00.000Z' }, '2026-03-09')).toEqual({ pausedDays: 0 });
  });

  it('moves a stopped clock by the whole London days it has been stopped, on top of earlier stops, the extended deadline too', () => {
    // Stopped 2 March, restarted 9 March: 7 days, Wednesday 8 April; extended, Monday 8 June.
    const stopped = clock({ pausedSince: '2026-03-02T10:00:00.000Z', extended });
    expect(restartOn(stopped, '2026-03-09')).toEqual({ pausedDays: 7, dueDate: '2026-04-08', extendedDueDate: '2026-06-08' });
    expect(dueOn(stopped, '2026-03-09')).toBe('2026-06-08');
    // 3 days of an earlier stop: 10 days, Saturday 11 April, so Monday 13 April.
    expect(restartOn(clock({ pausedDays: 3, dueDate: '2026-04-07', pausedSince: '2026-03-02T10:00:00.000Z' }), '2026-03-09')).toEqual({ pausedDays: 10, dueDate: '2026-04-13' });
    expect(dueOn(clock({ pausedDays: 3, dueDate: '2026-04-07', pausedSince: '2026-03-02T10:00:00.000Z' }), '2026-03-09')).toBe('2026-04-13');
  });

  it('moves nothing for a clock stopped after its deadline had passed: it had run out, and the request is late', () => {
    // Due 1 April, stopped 5 April: on 10 April restarting it would have given 7 April, as if in time.
    const late = clock({ pausedSince: '2026-04-05T10:00:00.000Z' });
    expect(restartOn(late, '2026-04-10')).toEqual({ pausedDays: 0, dueDate: '2026-04-01' });
    expect(clockStopped(late)).toBe(false);
    // Extended before the stop: judged by the extended deadline, which has not passed.
    const extendedFirst = clock({ extended, pausedSince: '2026-04-05T10:00:00.000Z' });
    expect(clockStopped(extendedFirst)).toBe(true);
    expect(restartOn(extendedFirst, '2026-04-10')).toEqual({ pausedDays: 5, dueDate: '2026-04-07', extendedDueDate: '2026-06-08' });
    // Stopped at 00:30 on 2 April in London (still 1 April in UTC): after the deadline.
    expect(clockStopped(clock({ pausedSince: '2026-04-01T23:30:00.000Z' }))).toBe(false);
    expect(clockStopped(clock({ pausedSince: '2026-04-01T22:30:00.000Z' }))).toBe(true);
    expect(clockStopped(clock())).toBe(false);
  });

  it('restarts a clock stopped in time on a deadline a weekend moved, with the day it restarts as its deadline at the earliest, never one already past', () => {
    // Confirmed 31 January 2026: a month ends Saturday 28 February, so due Monday 2 March. Stopped on that Monday, in time.
    const stopped = { verifiedAt: '2026-01-31T10:00:00.000Z', dueDate: '2026-03-02', pausedDays: 0, pausedSince: '2026-03-02T10:00:00.000Z' };
    // Counting 2 days from Saturday would give Monday 2 March, already past on Wednesday 4 March.
    expect(restartOn(stopped, '2026-03-04')).toEqual({ pausedDays: 2, dueDate: '2026-03-04' });
    expect(dueOn(stopped, '2026-03-04')).toBe('2026-03-04');
    // Restarted on Saturday 7 March: the next working day, Monday 9 March.
    expect(restartOn(stopped, '2026-03-07').dueDate).toBe('2026-03-09');
    // Stopped the Friday before, with the weekend still ahead: the days stopped, from Saturday.
    expect(restartOn({ ...stopped, pausedSince: '2026-02-27T10:00:00.000Z' }, '2026-03-04')).toEqual({ pausedDays: 5, dueDate: '2026-03-05' });
  });

  it('counts in the days stopped only the days the clock stood still, not the weekend its one-month deadline stepped over, so an extension made after runs three months and those days', () => {
    // Confirmed Thursday 30 April 2026: a month ends Saturday 30 May, so due Monday 1 June. Stopped and restarted on that Monday.
    const restarted = restartOn({ verifiedAt: '2026-04-30T09:00:00.000Z', dueDate: '2026-06-01', pausedDays: 0, pausedSince: '2026-06-01T08:00:00.000Z' }, '2026-06-01');
    expect(restarted).toEqual({ pausedDays: 0, dueDate: '2026-06-01' });
    // Three months: Thursday 30 July, not Monday 3 August (the Saturday and Sunday counted as stopped, until November 29, 2026).
    expect(dueDate('2026-04-30T09:00:00.000Z', { extended: true, pausedDays: restarted.pausedDays })).toBe('2026-07-30');
    // Confirmed Friday 1 May and extended: three months end Saturday 1 August, so due Monday 3 August. Stopped that Monday, restarted
    // Wednesday 5 August: the 2 days stopped, and the deadline it runs to that Wednesday at the earliest; the one-month one, 1 June and 2 days.
    const extended = { at: '2026-05-05T10:00:00.000Z', reason: 'Several processors', dueDate: '2026-08-03' };
    expect(restartOn({ verifiedAt: '2026-05-01T09:00:00.000Z', dueDate: '2026-06-01', pausedDays: 0, extended, pausedSince: '2026-08-03T10:00:00.000Z' }, '2026-08-05')).toEqual({ pausedDays: 2, dueDate: '2026-06-03', extendedDueDate: '2026-08-05' });
  });

  it('counts London days: stopped and restarted the same London day moves nothing, and a day later never moves it back', () => {
    // 30 June 23:30 UTC is 1 July, 00:30 in London.
    expect(restartOn(clock({ pausedSince: '2026-06-30T23:30:00.000Z' }), '2026-07-01').pausedDays).toBe(0);
    expect(restartOn(clock({ pausedSince: '2026-03-05T10:00:00.000Z' }), '2026-03-02').pausedDays).toBe(0);
  });
});

describe('bad input', () => {
  it.each(['2026-02-30', '25/11/2026', '2026-11-25T10:00:00', 'soon', ''])('refuses %j', (bad) => {
    expect(() => dueDate(bad)).toThrow(InvalidDate);
  });

  it.each([
    ['2026-02-29', 'no such date: 2026-02-29'], // not a leap year
    ['2026-04-31', 'no such date: 2026-04-31'],
    ['2026-13-01', 'no such date: 2026-13-01'],
    ['2026-00-10', 'no such date: 2026-00-10'],
    ['2026-11-25T10:00:00', 'not a date or an instant: 2026-11-25T10:00:00'], // a local time, no zone
    ['2026-11-25 10:00Z', 'not a date or an instant: 2026-11-25 10:00Z'],
    ['2026-11-25T10:00:00+01:00x', 'not a date or an instant: 2026-11-25T10:00:00+01:00x'],
    ['2026-13-45T10:00:00Z', 'not a date: 2026-13-45T10:00:00Z'], // the shape of an instant, but none
  ])('refuses %j, saying why (%s), as a 400', (bad, why) => {
    const e = (() => {
      try {
        dueDate(bad);
      } catch (x) {
        return x as InvalidDate;
      }
    })();
    expect(e).toBeInstanceOf(InvalidDate);
    expect([e?.name, e?.message, e?.status]).toEqual(['InvalidDate', why, 400]);
  });

  it('accepts a leap day and an offset written without a colon', () => {
    expect(dueDate('2028-02-29')).toBe('2028-03-29');
    expect(dueDate('2026-02-01T00:00:00+0100')).toBe('2026-03-02');
  });

  it('refuses an instant that is no instant, as a 400 and not the time-zone formatter\'s error', () => {
    expect(() => londonDate('2026-11-25Tnoon')).toThrow(new InvalidDate('not a date: 2026-11-25Tnoon'));
    expect(() => londonDate(new Date(Number.NaN))).toThrow(InvalidDate);
  });

  it('refuses a date beyond the bank-holiday table by name, so the edge reports it, never a guessed deadline', () => {
    const e = (() => {
      try {
        dueDate('2099-01-04');
      } catch (x) {
        return x as Error;
      }
    })();
    expect(e?.name).toBe('BankHolidaysUnknown');
    expect(e?.message).toMatch(/^bank holidays are known for \d{4}–\d{4} only, not 2099/);
  });
});

describe('days until a deadline', () => {
  it('is negative once overdue', () => {
    expect(daysUntil('2026-12-10', '2026-12-03')).toBe(7);
    expect(daysUntil('2026-12-10', '2026-12-12')).toBe(-2);
    expect(daysUntil('2027-03-28', '2027-03-27')).toBe(1); // across the clocks going forward
  });
  it.each([
    ['2027-01-05', '2026-12-30', 6, 'across the new year'],
    ['2026-03-02', '2026-02-27', 3, 'across the end of February'],
    ['2026-05-01', '2026-04-30', 1, 'from the last day of a 30-day month'],
    ['2026-11-25', '2026-12-02', -7, 'overdue across a month boundary'],
  ])('counts %s from %s as %i days (%s)', (due, today, days) => {
    expect(daysUntil(due, today)).toBe(days);
  });
});
