import { describe, expect, it, vi } from 'vitest';
import type { StoredRequest, StoredTask } from '../../../functions/core/ports.ts';
import { FakeBlobs, FakeMailer, FakeRepo, FakeWorkflow, fixedClock, REQUEST_ID, storedRequest } from '../processors/fakes.ts';

// The download link's secret comes from the app key; the registry and S3 are read at import.
vi.mock('../../../functions/shared/crypto.ts', async (orig) => ({ ...(await orig()), derivedToken: async () => 'download-token' }));
vi.mock('../../../functions/adapters/registry.ts', () => ({ registry: { version: 1, processors: [] } }));
vi.mock('../../../functions/adapters/blobs.ts', () => ({ S3Blobs: class { presign = async (key: string, s: number) => `https://exports.example/${key}?expires=${s}`; } }));
const { previewHeldExport, releaseExport } = await import('../../../functions/admin/release.ts');

const NOW = '2026-03-20T10:00:00.000Z';
const KEY = `exports/${REQUEST_ID}.zip`;
const task: StoredTask = {
  taskId: `${REQUEST_ID}.parcelway`, requestId: REQUEST_ID, processorId: 'parcelway', category: 'delivery', action: 'export', status: 'completed', version: 3, attempts: 1, holds: [], audit: [],
  outcome: { request_status: 'completed', third_party_data: true },
};

/** An access request whose copy an officer must review (Art. 15(4)), as Notify leaves it. */
function setup(over: Partial<StoredRequest> = {}) {
  const repo = new FakeRepo();
  repo.requests.set(REQUEST_ID, storedRequest({ type: 'access', status: 'awaiting_manual', exportKey: KEY, exportRelease: { flaggedBy: ['parcelway', 'paynow'], since: '2026-03-19T08:00:00.000Z' }, ...over }));
  repo.pii.set(REQUEST_ID, { email: 'hana@example.com' });
  repo.tasks.set(task.taskId, task);
  const mailer = new FakeMailer();
  return { repo, mailer, deps: { repo: repo as never, mailer, clock: fixedClock(NOW), blobs: new FakeBlobs(), baseUrl: 'http://shop.example', workflow: new FakeWorkflow(), processors: [{ id: 'parcelway', name: 'Parcelway Delivery' }] } };
}
const audit = (repo: FakeRepo) => repo.requests.get(REQUEST_ID)?.audit ?? [];

describe('a held copy of data (Art. 15(4))', () => {
  it('is shown to the officer with the processors that flagged it, and the look is audited with the package’s key', async () => {
    const { repo, deps } = setup();
    expect(await previewHeldExport(REQUEST_ID, 'officer:olivia', deps)).toEqual({ url: `https://exports.example/${KEY}?expires=300`, flaggedBy: ['parcelway', 'paynow'] });
    expect(audit(repo)).toHaveLength(1);
    expect(audit(repo)[0]).toMatchObject({ at: NOW, actor: 'officer:olivia', action: 'preview_export', subject: REQUEST_ID, data: { key: KEY } });
    expect(repo.requests.get(REQUEST_ID)?.status).toBe('awaiting_manual');
  });

  it('names no processor when the hold recorded none', async () => {
    const { deps } = setup({ exportRelease: { since: '2026-03-19T08:00:00.000Z' } as never });
    expect((await previewHeldExport(REQUEST_ID, 'officer:olivia', deps)).flaggedBy).toEqual([]);
  });

  it('records who released it and when, with the processors that flagged it, keeping when it was held', async () => {
    const { repo, deps } = setup();
    await releaseExport(REQUEST_ID, 'officer:olivia', deps);
    const req = repo.requests.get(REQUEST_ID);
    expect(req?.exportRelease).toEqual({ flaggedBy: ['parcelway', 'paynow'], since: '2026-03-19T08:00:00.000Z', releasedBy: 'officer:olivia', releasedAt: NOW });
    expect(audit(repo)[0]).toMatchObject({ at: NOW, actor: 'officer:olivia', action: 'release_export', subject: REQUEST_ID, data: { processors: 'parcelway,paynow' } });
  });

  it('owes the request’s completion from the write that records the release, under the click’s lease, and the completing write clears it', async () => {
    const { repo, deps } = setup();
    const written = vi.spyOn(repo, 'transitionRequest');
    await releaseExport(REQUEST_ID, 'officer:olivia', deps);
    expect(written.mock.calls[0][2]).toMatchObject({ outboxRelease: { until: '2026-03-20T10:01:00.000Z', owner: 'admin' } });
    expect(written.mock.calls[0][3]).toMatchObject({ action: 'release_export' });
    const req = repo.requests.get(REQUEST_ID);
    expect(req?.status).toBe('completed');
    expect(req?.outboxRelease).toBeUndefined();
  });

  it('fills in what an older hold record lacks: no processors, held since the release', async () => {
    const { repo, deps } = setup({ exportRelease: {} as never });
    await releaseExport(REQUEST_ID, 'officer:olivia', deps);
    expect(repo.requests.get(REQUEST_ID)?.exportRelease).toEqual({ flaggedBy: [], since: NOW, releasedBy: 'officer:olivia', releasedAt: NOW });
    expect(audit(repo)[0]).toMatchObject({ action: 'release_export', data: { processors: '' } });
  });

  it('finishes a release that stopped before completing without recording a second release', async () => {
    const released = { flaggedBy: ['parcelway'], since: '2026-03-19T08:00:00.000Z', releasedBy: 'officer:ines', releasedAt: '2026-03-20T09:00:00.000Z' };
    const { repo, mailer, deps } = setup({ status: 'awaiting_manual', exportRelease: released });
    expect(await releaseExport(REQUEST_ID, 'officer:olivia', deps)).toEqual({ requestId: REQUEST_ID, status: 'completed' });
    expect(repo.requests.get(REQUEST_ID)?.exportRelease).toEqual(released);
    expect(audit(repo).map((e) => e.action)).toEqual(['complete']);
    expect(mailer.sent).toHaveLength(1);
  });
});

describe('nothing to release', () => {
  const refused = 'no copy of data is waiting for release on this request';

  it('is answered with a conflict, for a preview and for a release alike, changing nothing', async () => {
    const cases: [string, Partial<StoredRequest>][] = [
      ['no hold', { exportRelease: undefined }],
      ['no package', { exportKey: undefined }],
      ['completed already', { status: 'completed' }],
      ['in progress', { status: 'in_progress' }],
    ];
    for (const [why, over] of cases) {
      const { repo, mailer, deps } = setup(over);
      await expect(previewHeldExport(REQUEST_ID, 'officer:olivia', deps), why).rejects.toMatchObject({ status: 409, message: refused });
      await expect(releaseExport(REQUEST_ID, 'officer:olivia', deps), why).rejects.toMatchObject({ status: 409, message: refused });
      expect(audit(repo), why).toEqual([]);
      expect(mailer.sent, why).toEqual([]);
    }
  });

  it('is a 404 for an unknown request, as every other action on one is', async () => {
    const { deps } = setup();
    await expect(previewHeldExport('01JQ9999999999999999999999', 'officer:olivia', deps)).rejects.toMatchObject({ status: 404, name: 'NotFound' });
  });
});

describe('a held copy whose package is gone, or nearly', () => {
  /** Made `days` before now: S3 deletes the package 30 days after it is made, so a link may reach it for 29. */
  const madeDaysAgo = (days: number) => ({ audit: [{ at: new Date(Date.parse(NOW) - days * 86_400_000).toISOString(), actor: 'workflow', action: 'export_assembled', subject: REQUEST_ID }] as never });

  it('is not released, so that no requester is told their copy is ready with a link that does not work', async () => {
    for (const days of [29, 35, 28.5]) {
      const { repo, mailer, deps } = setup(madeDaysAgo(days));
      await expect(releaseExport(REQUEST_ID, 'officer:olivia', deps), `${days} days`).rejects.toMatchObject({ status: 409, name: 'PackageGone' });
      expect(repo.requests.get(REQUEST_ID)?.status, `${days} days`).toBe('awaiting_manual');
      expect(repo.requests.get(REQUEST_ID)?.exportRelease?.releasedAt, `${days} days`).toBeUndefined();
      expect(mailer.sent, `${days} days`).toEqual([]);
    }
  });

  it('is not finished either when its release was recorded before the package went', async () => {
    const released = { flaggedBy: ['parcelway'], since: '2026-02-19T08:00:00.000Z', releasedBy: 'officer:ines', releasedAt: '2026-03-18T09:00:00.000Z' };
    const { repo, mailer, deps } = setup({ ...madeDaysAgo(29), exportRelease: released });
    await expect(releaseExport(REQUEST_ID, 'officer:olivia', deps)).rejects.toMatchObject({ status: 409, name: 'PackageGone' });
    expect(repo.requests.get(REQUEST_ID)?.status).toBe('awaiting_manual');
    expect(mailer.sent).toEqual([]);
  });

  it('is released while its package is kept a day more, with a link that ends with the package', async () => {
    const { repo, deps } = setup(madeDaysAgo(28));
    expect(await releaseExport(REQUEST_ID, 'officer:olivia', deps)).toEqual({ requestId: REQUEST_ID, status: 'completed' });
    expect(repo.requests.get(REQUEST_ID)?.downloadExpiresAt).toBe('2026-03-21T10:00:00.000Z');
  });
});
