import { describe, expect, it } from 'vitest';
import { countShare, countUses, countsUntil, partOf, retryAfterSeconds } from '../../../functions/core/rate-limit.ts';
import { inboxOf } from '../../../functions/core/edge.ts';

const HOUR = 3600;
const t = (hm: string) => new Date(`2026-03-20T${hm}Z`);
/** Uses per part of the hour, keyed by the part the given instants fall in. */
const uses = (...made: [string, number][]) => Object.fromEntries(made.map(([hm, n]) => [partOf(t(hm), HOUR), n]));

describe('a limit over any window of its length', () => {
  it('counts an hour in minutes, numbered from the epoch', () => {
    expect(partOf(t('10:59:59.999'), HOUR)).toBe(partOf(t('10:59:00'), HOUR));
    expect(partOf(t('11:00:00'), HOUR)).toBe(partOf(t('10:59:00'), HOUR) + 1);
    expect(partOf(new Date(0), HOUR)).toBe(0);
    // A day's parts are 24 minutes long.
    expect(partOf(new Date(24 * 60_000), 86_400)).toBe(1);
  });

  it('keeps a use counting for a whole window after the end of the part it was made in', () => {
    expect(countsUntil(partOf(t('10:59:30'), HOUR), HOUR)).toEqual(t('12:00:00'));
    expect(countsUntil(partOf(t('10:00:00'), HOUR), HOUR)).toEqual(t('11:01:00'));
  });

  it('allows one more while fewer than the limit count, and says which parts no longer count', () => {
    const made = uses(['09:58:10', 2], ['09:59:10', 1], ['10:30:00', 3]);
    expect(countUses(made, t('10:59:59'), HOUR, 5)).toEqual({ used: 4, stale: [partOf(t('09:58:00'), HOUR)], allowed: true });
    expect(countUses(made, t('11:00:00'), HOUR, 5)).toEqual({ used: 3, stale: [partOf(t('09:58:00'), HOUR), partOf(t('09:59:00'), HOUR)], allowed: true });
    expect(countUses({}, t('11:00:00'), HOUR, 1)).toEqual({ used: 0, stale: [], allowed: true });
  });

  it('refuses the full allowance again at the start of the next clock hour, until the uses that fill it stop counting', () => {
    const made = uses(['10:59:30', 5]);
    expect(countUses(made, t('11:00:00'), HOUR, 5)).toEqual({ used: 5, stale: [], allowed: false, retryAt: t('12:00:00') });
    expect(countUses(made, t('11:59:59.999'), HOUR, 5)).toMatchObject({ allowed: false, retryAt: t('12:00:00') });
    expect(countUses(made, t('12:00:00'), HOUR, 5)).toMatchObject({ used: 0, allowed: true });
  });

  it('names the moment enough of the oldest uses have stopped counting for one more to fit', () => {
    // Six counted, limit five: two must go; the oldest part has one, the next has three.
    const made = uses(['10:05:00', 1], ['10:20:40', 3], ['10:50:00', 2]);
    expect(countUses(made, t('10:55:00'), HOUR, 5)).toEqual({ used: 6, stale: [], allowed: false, retryAt: t('11:21:00') });
    expect(countUses(made, t('10:55:00'), HOUR, 7)).toMatchObject({ allowed: true });
    // Seven: one more fits once the first part goes.
    expect(countUses(made, t('10:55:00'), HOUR, 6)).toMatchObject({ allowed: false, retryAt: t('11:06:00') });
  });

  it('asks for whole seconds, and at least one', () => {
    expect(retryAfterSeconds(t('12:00:00'), t('11:00:00'))).toBe(3600);
    expect(retryAfterSeconds(t('12:00:00'), t('11:59:59.100'))).toBe(1);
    expect(retryAfterSeconds(t('12:00:00'), t('11:59:58.900'))).toBe(2);
    expect(retryAfterSeconds(t('12:00:00'), t('12:00:00'))).toBe(1);
  });
});

describe('a share held to an hourly and a daily limit at once', () => {
  const DAY = 86_400;
  const windows = [{ seconds: HOUR, limit: 5 }, { seconds: DAY, limit: 10 }];
  /** The same uses, as each window counts them: per minute for the hour, per 24 minutes for the day. */
  const both = (...made: [string, number][]) => windows.map((w) => Object.fromEntries(made.map(([at, n]) => [partOf(new Date(at), w.seconds), n])));

  it('allows one more while every window has room', () => {
    const { share, counts } = countShare(both(['2026-03-20T08:10:00Z', 4], ['2026-03-20T10:30:00Z', 1]), t('10:40:00'), windows);
    expect(share).toEqual({ allowed: true });
    expect(counts.map((c) => c.used)).toEqual([1, 5]);
  });

  it('refuses a use the day has no room for though the hour has, until the day’s oldest uses stop counting', () => {
    // Ten links this morning, none in the last hour: the hour has room, the day none.
    const { share, counts } = countShare(both(['2026-03-20T08:10:00Z', 5], ['2026-03-20T09:30:00Z', 5]), t('10:40:00'), windows);
    expect(counts.map((c) => c.used)).toEqual([0, 10]);
    // The five of 08:10 were counted in the day's part from 08:00 to 08:24, and count until 24 hours after it ends.
    expect(share).toEqual({ allowed: false, retryAt: new Date('2026-03-21T08:24:00Z'), full: [1] });
  });

  it('names the windows that are full, so that a caller can tell a share put off for the hour from one spent for the day', () => {
    const hour = both(['2026-03-20T08:10:00Z', 2], ['2026-03-20T10:30:00Z', 5]);
    expect(countShare(hour, t('10:40:00'), windows).share).toMatchObject({ allowed: false, full: [0] });
    const full = both(['2026-03-20T08:10:00Z', 5], ['2026-03-20T10:30:00Z', 5]);
    expect(countShare(full, t('10:40:00'), windows).share).toMatchObject({ allowed: false, full: [0, 1] });
  });

  it('names the latest moment a full window names, when every full one has room again', () => {
    // Full hour, full day: the day's oldest stop counting at 10:48, but the hour's only at 11:31.
    const full = both(['2026-03-19T10:30:00Z', 5], ['2026-03-20T10:30:00Z', 5]);
    expect(countShare(full, t('10:40:00'), windows).share).toEqual({ allowed: false, retryAt: t('11:31:00'), full: [0, 1] });
    // Later in the hour the day's oldest have gone, and the hour alone still refuses.
    expect(countShare(full, t('10:50:00'), windows).share).toEqual({ allowed: false, retryAt: t('11:31:00'), full: [0] });
    // The day's, where it is the later.
    const day = both(['2026-03-20T08:10:00Z', 5], ['2026-03-20T10:30:00Z', 5]);
    expect(countShare(day, t('10:40:00'), windows).share).toEqual({ allowed: false, retryAt: new Date('2026-03-21T08:24:00Z'), full: [0, 1] });
  });
});

describe('the inbox a limit on mail to one address counts by', () => {
  it('is the address without its +tag, in any case, as most mail services deliver name+tag@ to name@', () => {
    expect(inboxOf(' Ann+Shop@Example.COM ')).toBe('ann@example.com');
    expect(inboxOf('ann+a+b@example.com')).toBe('ann@example.com');
  });

  it('is a Gmail address without the dots of its name, at gmail.com for googlemail.com too, where Gmail ignores them', () => {
    expect(inboxOf('B.o.Lee+x@googlemail.com')).toBe('bolee@gmail.com');
    expect(inboxOf('bo.lee@gmail.com')).toBe('bolee@gmail.com');
  });

  it('is a Proton address without the dots, hyphens and underscores of its name, at proton.me for its other three domains, where Proton ignores them', () => {
    for (const spelling of ['john.doe@proton.me', 'john_doe@protonmail.com', 'John-Doe+x@pm.me', 'j.o_h-ndoe@protonmail.ch', 'johndoe@proton.me']) expect(inboxOf(spelling), spelling).toBe('johndoe@proton.me');
  });

  it('keeps the dots of a name elsewhere, and a name that is only a +tag, which are other inboxes', () => {
    expect(inboxOf('ann.b@example.com')).toBe('ann.b@example.com');
    expect(inboxOf('ann_b-c@example.com')).toBe('ann_b-c@example.com');
    expect(inboxOf('ann_b@gmail.com')).toBe('ann_b@gmail.com');
    expect(inboxOf('+shop@example.com')).toBe('+shop@example.com');
  });
});
