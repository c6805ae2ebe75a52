import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bankHolidaysOf, FIRST_YEAR as SPAN_FIRST, LAST_YEAR as SPAN_LAST, GENERATED_FILE, render } from '../../../infra/bank-holidays.ts';
import { BANK_HOLIDAYS, FIRST_YEAR, LAST_YEAR } from '../../../functions/core/bank-holidays.generated.ts';
import { BankHolidaysUnknown, dueDate, isWorkingDay } from '../../../functions/core/deadline.ts';

const years = Array.from({ length: LAST_YEAR - FIRST_YEAR + 1 }, (_, i) => FIRST_YEAR + i);

describe('the generated England & Wales bank-holiday table', () => {
  it('spans the years the generator is set to, and nothing else', () => {
    expect([FIRST_YEAR, LAST_YEAR]).toEqual([SPAN_FIRST, SPAN_LAST]);
    expect(Object.keys(BANK_HOLIDAYS).map(Number)).toEqual(years);
  });

  it.each(years)('lists the bank holidays date-holidays gives for %i', (year) => {
    expect(BANK_HOLIDAYS[year]).toEqual(bankHolidaysOf(year).map((d) => d.date));
  });

  it('is exactly what `npm run generate:bank-holidays` writes (never edited by hand)', () => {
    expect(readFileSync(GENERATED_FILE, 'utf8')).toBe(render());
  });

  it('reaches at least five years past today, so every request open now has its deadline covered', () => {
    // Fails well before the table runs out: extend LAST_YEAR in infra/bank-holidays.ts and regenerate.
    expect(LAST_YEAR).toBeGreaterThanOrEqual(new Date().getUTCFullYear() + 5);
  });

  it('keeps the one-off holidays date-holidays knows (2022 jubilee and funeral, 2023 coronation)', () => {
    for (const d of ['2022-06-03', '2022-09-19', '2023-05-08']) expect(isWorkingDay(d)).toBe(false);
  });
});

describe('a date outside the table', () => {
  it.each([`${LAST_YEAR + 1}-01-02`, `${LAST_YEAR + 1}-01-05`, `${FIRST_YEAR - 1}-06-03`])('is refused, not guessed: %s', (date) => {
    expect(() => isWorkingDay(date)).toThrow(BankHolidaysUnknown);
    expect(() => isWorkingDay(date)).toThrow(`bank holidays are known for ${FIRST_YEAR}–${LAST_YEAR} only`);
  });

  it('refuses a deadline that lands past the table, or rolls into a year past it', () => {
    expect(() => dueDate(`${LAST_YEAR}-12-15`)).toThrow(BankHolidaysUnknown);
    expect(() => dueDate(`${LAST_YEAR}-10-15`, { extended: true })).toThrow(BankHolidaysUnknown);
    // Received 2040-11-30: one month is Sunday 30 Dec, then Monday 31 Dec 2040, still in the table.
    expect(dueDate(`${LAST_YEAR}-11-30`)).toBe(`${LAST_YEAR}-12-31`);
  });

  it('still counts a request received before the table from a deadline inside it', () => {
    expect(dueDate(`${FIRST_YEAR - 1}-12-16`)).toBe(`${FIRST_YEAR}-01-16`);
  });
});
