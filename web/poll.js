/**
 * How long the status page waits before asking again, given how long its answer has not changed.
 * Soon after a change (the requester just confirmed, a processor just answered) the next one may
 * come within seconds; a request waiting on processors or the team can sit for days, and a tab
 * left open should not ask 28,800 times a day.
 */
export function pollDelay(quietMs) {
  if (quietMs < 60_000) return 3_000;
  if (quietMs < 5 * 60_000) return 10_000;
  if (quietMs < 15 * 60_000) return 30_000;
  return 60_000;
}
