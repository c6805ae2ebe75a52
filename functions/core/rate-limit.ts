/**
 * A limit of so many uses in any window of its length: any 60 minutes for an hourly one, not each
 * clock hour, where a fixed window let the whole allowance through at 10:59 and again at 11:00. A
 * use is counted in the sixtieth part of the window it was made in (a minute of an hour), so that a
 * counter needs 61 numbers at most, however many uses it counts, and it counts until a whole window
 * after that part ends: up to a part longer than the window, never shorter, so no window of its
 * length ever holds more than the limit. A use refused is not counted, so that the moment a refusal
 * names is the moment a use is allowed again.
 */

/** The parts a window is counted in. */
export const PARTS = 60;

/**
 * The highest hourly limit the configuration takes (`RATE_LIMIT_IP_PER_HOUR`, `LINKS_PER_EMAIL_PER_HOUR`).
 * A share is counted only when its uses since the last count reach the limit, so until then its item
 * keeps a number for every minute a use was made in: up to the limit and an hour's 61 more. At 10,000
 * that is about 110 KB, well inside DynamoDB's 400 KB item, and the count's one read about 28 read
 * units; a limit much higher would be no limit for one client address or one inbox. An inbox's share
 * of links keeps as many again for its day (LINKS_PER_EMAIL_PER_DAY, raised to the hourly limit where
 * that is higher): about 220 KB at 10,000, still inside the item.
 */
export const MAX_HOURLY_LIMIT = 10_000;

/** The part of its window an instant falls in, numbered from the epoch. */
export const partOf = (at: Date, windowSeconds: number) => Math.floor((at.getTime() * PARTS) / (windowSeconds * 1000));

/** When the uses made in `part` stop counting: a whole window after the part ends. */
export const countsUntil = (part: number, windowSeconds: number) => new Date(((part + 1 + PARTS) * windowSeconds * 1000) / PARTS);

/** Uses per part of the window. */
export type Uses = Readonly<Record<number, number>>;

/** One more use of one window: allowed, or not before `retryAt`. */
export type Room = { allowed: true } | { allowed: false; retryAt: Date };

/**
 * One more use of a share: allowed, or not before `retryAt`, with the windows (by index) that are
 * full, so that a caller can tell a use put off for the hour from one spent for the day. None is
 * named where the share was refused for a storm of uses at once rather than by a count.
 */
export type Share = { allowed: true } | { allowed: false; retryAt: Date; full: readonly number[] };

/**
 * The uses that still count at `now`, the parts whose uses no longer do (oldest first), and whether
 * one more is within `limit`; if not, from when it is: once enough of the oldest have stopped counting.
 */
export function countUses(uses: Uses, now: Date, windowSeconds: number, limit: number): { used: number; stale: number[] } & Room {
  const oldest = partOf(now, windowSeconds) - PARTS;
  const parts = Object.keys(uses)
    .map(Number)
    .sort((a, b) => a - b);
  const stale = parts.filter((p) => p < oldest);
  const live = parts.filter((p) => p >= oldest);
  const used = live.reduce((n, p) => n + uses[p], 0);
  if (used < limit) return { used, stale, allowed: true };
  let over = used - limit + 1;
  const freeing = live.find((p) => (over -= uses[p]) <= 0) ?? live[live.length - 1];
  return { used, stale, allowed: false, retryAt: countsUntil(freeing, windowSeconds) };
}

/** A limit of `limit` uses in any `seconds`. */
export type Window = { readonly seconds: number; readonly limit: number };

/**
 * One more use of a share held to several limits at once (a confirmation link: 5 in any hour and 10
 * in any 24 hours), each window counted from its own uses (`uses[i]` for `windows[i]`): allowed when
 * every one has room, else from when every one has, the latest moment a full one names.
 */
export function countShare(uses: readonly Uses[], now: Date, windows: readonly Window[]) {
  const counts = windows.map((w, i) => countUses(uses[i], now, w.seconds, w.limit));
  const retryAt = Math.max(0, ...counts.map((c) => (c.allowed ? 0 : c.retryAt.getTime())));
  const full = counts.flatMap((c, i) => (c.allowed ? [] : [i]));
  const share: Share = retryAt ? { allowed: false, retryAt: new Date(retryAt), full } : { allowed: true };
  return { counts, share };
}

/** Whole seconds until `retryAt`, and at least one, for a Retry-After header. */
export const retryAfterSeconds = (retryAt: Date, now: Date) => Math.max(1, Math.ceil((retryAt.getTime() - now.getTime()) / 1000));
