/**
 * The sweeper's rules for making a held copy's package again, as an officer asked once S3 had deleted
 * it (admin/release.ts remakeExport, sweeper/remake.ts).
 */

/**
 * The packages one run makes at most. Each fetches every processor's results (a results_url may take
 * its 10 s, adapters/webhook-sender.ts) and zips them, within the sweeper's 120 s
 * (infra/constructs/functions.ts): a run that took on every remake owed could run out of time on each
 * run, and the next would start again from the same point. The others wait for the next runs, 15
 * minutes apart, those asked first going first; the run makes them last, once its reminders, flags and
 * owed emails are done.
 */
export const REMAKES_PER_RUN = 3;

/**
 * A remake that keeps failing is given up after this many tries (a run that takes it and dies, or
 * runs out of time, counts as one), or at its first failed try once it has been owed REMAKE_HOURS: the
 * team is told, and an officer asks again or tells the requester. Until then "being made again" is all
 * the console would say, however long a processor's results_url failed.
 */
export const REMAKE_TRIES = 8;
export const REMAKE_HOURS = 24;

/** Whether a remake asked at `askedAt`, whose try number `tries` has just failed, is given up rather than left for the next run. */
export const remakeGivenUp = (tries: number, askedAt: string, now: Date) => tries >= REMAKE_TRIES || now.getTime() - Date.parse(askedAt) >= REMAKE_HOURS * 3_600_000;
