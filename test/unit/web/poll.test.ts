import { describe, expect, it } from 'vitest';
// @ts-expect-error web/ is plain JavaScript, served as it is, with no declarations.
import { pollDelay as untyped } from '../../../web/poll.js';

const pollDelay = untyped as (quietMs: number) => number;

describe('the status page’s polling', () => {
  it('asks every 3 seconds while the request has just changed, so a confirmation shows at once', () => {
    expect(pollDelay(0)).toBe(3000);
    expect(pollDelay(59_000)).toBe(3000);
  });

  it('asks less and less often once nothing has changed for a minute, down to once a minute', () => {
    const delays = [60_000, 120_000, 300_000, 600_000, 3_600_000, 86_400_000].map(pollDelay);
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThanOrEqual(delays[i - 1]);
    expect(delays[0]).toBeGreaterThan(3000);
    expect(delays.at(-1)).toBe(60_000);
  });

  it('asks about 1,500 times in a day a tab stays open on a request that does not move, not 28,800', () => {
    let t = 0;
    let asks = 0;
    while (t < 86_400_000) {
      t += pollDelay(t);
      asks++;
    }
    expect(asks).toBeLessThan(1_500);
  });
});
