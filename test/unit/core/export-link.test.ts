import { describe, expect, it } from 'vitest';
import { downloadTokenParts, nextDownloadLink } from '../../../functions/core/completion.ts';

const closed = { exportKey: 'exports/R.zip', closedAt: '2026-03-01T10:00:00.000Z' };

describe('a fresh download link (Art. 15: the copy is still owed after 72 hours)', () => {
  it('is the next link, valid 72 hours from now, while the package is kept', () => {
    expect(nextDownloadLink(closed, new Date('2026-03-10T08:00:00.000Z'))).toEqual({ link: 2, expiresAt: '2026-03-13T08:00:00.000Z', keptUntil: '2026-03-30T10:00:00.000Z' });
    expect(nextDownloadLink({ ...closed, downloadLink: 4 }, new Date('2026-03-10T08:00:00.000Z'))?.link).toBe(5);
  });

  it('never outlives the package: its end is cut to the last day it is kept', () => {
    expect(nextDownloadLink(closed, new Date('2026-03-29T10:00:00.000Z'))?.expiresAt).toBe('2026-03-30T10:00:00.000Z');
  });

  it('is refused once the package is no longer kept, and where there is no package', () => {
    expect(nextDownloadLink(closed, new Date('2026-03-30T10:00:00.000Z'))).toBeUndefined();
    expect(nextDownloadLink({ closedAt: closed.closedAt }, new Date('2026-03-02T10:00:00.000Z'))).toBeUndefined();
  });

  it('derives each link’s secret from its number, the first one as it always was', () => {
    expect(downloadTokenParts('R')).toEqual(['R']);
    expect(downloadTokenParts('R', 1)).toEqual(['R']);
    expect(downloadTokenParts('R', 3)).toEqual(['R', '3']);
  });
});
