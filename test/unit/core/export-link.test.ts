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

  it('counts the package’s days from when it was made, not from closing: a held copy released 20 days later', () => {
    // Made on 1 March, held for review, released and closed on 21 March: S3 deletes it 30 days after it was made.
    const held = { ...closed, closedAt: '2026-03-21T10:00:00.000Z', audit: [{ at: '2026-03-01T09:00:00.000Z', action: 'export_assembled' }, { at: '2026-03-21T10:00:00.000Z', action: 'release_export' }] };
    expect(nextDownloadLink(held, new Date('2026-03-28T10:00:00.000Z'))).toEqual({ link: 2, expiresAt: '2026-03-30T09:00:00.000Z', keptUntil: '2026-03-30T09:00:00.000Z' });
    expect(nextDownloadLink(held, new Date('2026-04-05T10:00:00.000Z'))).toBeUndefined();
  });

  it('counts from the last time the package was made, when an officer had it made again', () => {
    const remade = { ...closed, audit: [{ at: '2026-02-01T09:00:00.000Z', action: 'export_assembled' }, { at: '2026-02-25T09:00:00.000Z', action: 'export_assembled' }] };
    expect(nextDownloadLink(remade, new Date('2026-03-10T08:00:00.000Z'))?.keptUntil).toBe('2026-03-26T09:00:00.000Z');
  });

  it('derives each link’s secret from its number, the first one as it always was', () => {
    expect(downloadTokenParts('R')).toEqual(['R']);
    expect(downloadTokenParts('R', 1)).toEqual(['R']);
    expect(downloadTokenParts('R', 3)).toEqual(['R', '3']);
  });
});
