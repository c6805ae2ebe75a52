/**
 * The accounting hold's end for an account an erasure closes today: 7 years after today's London
 * date (29 February gives 28 February), as a date and in the words the emails use.
 */
export function sevenYearsFromToday(now = new Date()) {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(now);
  const iso = `${Number(today.slice(0, 4)) + 7}-${today.slice(5) === '02-29' ? '02-28' : today.slice(5)}`;
  const words = new Date(`${iso}T12:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
  return { iso, words };
}
