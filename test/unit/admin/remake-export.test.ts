import { describe, expect, it, vi } from 'vitest';
import type { StoredRequest, StoredTask } from '../../../functions/core/ports.ts';
import { FakeMailer, FakeRepo, FakeWorkflow, fixedClock, processor, REQUEST_ID, storedRequest } from '../processors/fakes.ts';

// S3 is made at import: the package put goes to this list.
const h = vi.hoisted(() => ({ puts: [] as string[] }));
vi.mock('../../../functions/shared/crypto.ts', async (orig) => ({ ...(await orig()), derivedToken: async () => 'download-token' }));
vi.mock('../../../functions/adapters/registry.ts', () => ({ registry: { version: 1, processors: [] } }));
vi.mock('../../../functions/adapters/blobs.ts', () => ({
  S3Blobs: class {
    presign = async (key: string) => `https://exports.example/${key}`;
    put = async (key: string) => {
      h.puts.push(key);
    };
  },
}));
const { releaseExport, remakeExport } = await import('../../../functions/admin/release.ts');

const NOW = '2026-04-20T10:00:00.000Z';
const DAY = 86_400_000;
const KEY = `exports/${REQUEST_ID}.zip`;
const task: StoredTask = {
  taskId: `${REQUEST_ID}.parcelway`, requestId: REQUEST_ID, processorId: 'parcelway', category: 'delivery', action: 'export', status: 'completed', version: 3, attempts: 1, holds: [], audit: [],
  resultsHash: 'abc', outcome: { request_status: 'completed', third_party_data: true },
};
const madeDaysAgo = (days: number) => [{ at: new Date(Date.parse(NOW) - days * DAY).toISOString(), actor: 'workflow', action: 'export_assembled', subject: REQUEST_ID }] as never;

/** A copy held for review (Art. 15(4)) whose package was made 35 days ago: S3 has deleted it. */
function setup(over: Partial<StoredRequest> = {}, results = true) {
  h.puts = [];
  const repo = new FakeRepo();
  repo.requests.set(REQUEST_ID, storedRequest({ type: 'access', status: 'awaiting_manual', exportKey: KEY, exportRelease: { flaggedBy: ['parcelway'], since: '2026-03-16T08:00:00.000Z' }, audit: madeDaysAgo(35), ...over }));
  repo.pii.set(REQUEST_ID, { email: 'hana@example.com' });
  repo.tasks.set(task.taskId, task);
  if (results) repo.results.set(`${REQUEST_ID}.parcelway#abc`, { signedBody: JSON.stringify({ results: { orders: [{ id: 'o-1' }] } }), expiresAt: new Date(Date.parse(NOW) + 60 * DAY) });
  const mailer = new FakeMailer();
  const deps = { repo: repo as never, mailer, clock: fixedClock(NOW), blobs: { delete: async () => {} }, baseUrl: 'http://shop.example', workflow: new FakeWorkflow(), processors: [processor({ id: 'parcelway', category: 'delivery' })] };
  return { repo, mailer, deps };
}
const actions = (repo: FakeRepo) => (repo.requests.get(REQUEST_ID)?.audit ?? []).map((e) => [e.actor, e.action]);

describe('a held copy whose package is gone, made again by an officer', () => {
  it('is made again from the results still kept, who asked is on the trail, and it can then be released with a link of 72 hours', async () => {
    const { repo, mailer, deps } = setup();
    await expect(releaseExport(REQUEST_ID, 'officer:olivia', deps)).rejects.toMatchObject({ name: 'PackageGone' });
    expect(await remakeExport(REQUEST_ID, 'officer:olivia', deps)).toMatchObject({ requestId: REQUEST_ID, status: 'awaiting_manual', packageKeptUntil: new Date(Date.parse(NOW) + 29 * DAY).toISOString() });
    expect(h.puts).toEqual([KEY]);
    expect(actions(repo).slice(1)).toEqual([['officer:olivia', 'remake_export'], ['workflow', 'export_assembled']]);
    expect(repo.requests.get(REQUEST_ID)?.status).toBe('awaiting_manual');
    expect(mailer.sent).toEqual([]);
    expect(await releaseExport(REQUEST_ID, 'officer:olivia', deps)).toEqual({ requestId: REQUEST_ID, status: 'completed' });
    expect(repo.requests.get(REQUEST_ID)?.downloadExpiresAt).toBe('2026-04-23T10:00:00.000Z');
    expect(mailer.sent).toHaveLength(1);
  });

  it('is not made again while its package is kept long enough to release: nothing is gathered, nothing recorded', async () => {
    const { repo, deps } = setup({ audit: madeDaysAgo(28) });
    await expect(remakeExport(REQUEST_ID, 'officer:olivia', deps)).rejects.toMatchObject({ status: 409, name: 'Conflict', message: expect.stringMatching(/still kept: release it/) });
    expect(h.puts).toEqual([]);
    expect(actions(repo)).toHaveLength(1);
  });

  it('cannot be made again once the results it was made from are gone: a 409 that says the requester must ask again, and no empty package', async () => {
    const { repo, mailer, deps } = setup({}, false);
    await expect(remakeExport(REQUEST_ID, 'officer:olivia', deps)).rejects.toMatchObject({ status: 409, name: 'ResultsGone', message: expect.stringMatching(/cannot be made again.*ask again/) });
    expect(h.puts).toEqual([]);
    expect(actions(repo)).toHaveLength(1);
    expect(mailer.sent).toEqual([]);
  });

  it('is a conflict on a request with no held copy', async () => {
    for (const over of [{ exportRelease: undefined }, { status: 'completed' as const }, { exportKey: undefined }]) {
      const { deps } = setup(over);
      await expect(remakeExport(REQUEST_ID, 'officer:olivia', deps)).rejects.toMatchObject({ status: 409, message: 'no copy of data is waiting for release on this request' });
      expect(h.puts).toEqual([]);
    }
  });
});
