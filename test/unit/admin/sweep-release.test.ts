import { describe, expect, it, vi } from 'vitest';
import type { StoredRequest, StoredTask } from '../../../functions/core/ports.ts';
import { FakeBlobs, FakeMailer, FakeRepo, REQUEST_ID, storedRequest } from '../processors/fakes.ts';

// The download link's secret comes from the app key, in Secrets Manager.
vi.mock('../../../functions/shared/crypto.ts', async (orig) => ({ ...(await orig()), derivedToken: async () => 'download-token' }));
vi.mock('../../../functions/adapters/registry.ts', () => ({ registry: { version: 1, processors: [{ id: 'paynow', timeoutSeconds: 3600 }] } }));
const { sweep } = await import('../../../functions/sweeper/sweep.ts');

const NOW = new Date('2026-03-20T10:00:00.000Z');

function setup(over: Partial<StoredRequest>) {
  const repo = new FakeRepo();
  repo.requests.set(REQUEST_ID, storedRequest({ status: 'in_progress', dueDate: '2026-04-20', ...over }));
  const mailer = new FakeMailer();
  const workflow = { start: async () => 'arn', describe: async () => ({ status: 'SUCCEEDED' }), unsuccessful: async () => [] };
  return { repo, mailer, deps: { repo, mailer, workflow, tokens: {}, baseUrl: 'http://x', linksPerHour: 5, processors: [], blobs: new FakeBlobs() } as never };
}

describe('a held copy an officer released, whose action died before the request completed', () => {
  const KEY = `exports/${REQUEST_ID}.zip`;
  const released = { flaggedBy: ['paynow'], since: '2026-03-20T08:00:00.000Z', releasedBy: 'officer:ines', releasedAt: '2026-03-20T09:00:00.000Z' };
  const flagged: StoredTask = {
    taskId: `${REQUEST_ID}.paynow`, requestId: REQUEST_ID, processorId: 'paynow', category: 'payments', action: 'export', status: 'completed', version: 3, attempts: 1, holds: [], audit: [],
    outcome: { request_status: 'completed', third_party_data: true },
  };
  const releasedCopy = (until: string) => {
    const s = setup({ type: 'access', status: 'awaiting_manual', exportKey: KEY, exportRelease: released, outboxRelease: { seq: 4, until, owner: 'admin' } });
    s.repo.pii.set(REQUEST_ID, { email: 'hana@example.com' });
    s.repo.tasks.set(flagged.taskId, flagged);
    return s;
  };

  it('is completed by the sweeper once the click’s lease is over: the requester is mailed their copy once, and nothing is left owed', async () => {
    const { repo, mailer, deps } = releasedCopy('2026-03-20T09:01:00.000Z');
    const report = await sweep(NOW, deps);
    expect(report.releasesCompleted).toEqual([REQUEST_ID]);
    const req = repo.requests.get(REQUEST_ID);
    expect(req?.status).toBe('completed');
    expect(req?.outboxRelease).toBeUndefined();
    expect(req?.audit.filter((e) => e.action === 'complete')).toHaveLength(1);
    expect(mailer.sent.filter((m) => m.to === 'hana@example.com')).toHaveLength(1);
    expect((await sweep(NOW, deps)).releasesCompleted, 'nothing more the next run').toEqual([]);
    expect(mailer.sent.filter((m) => m.to === 'hana@example.com')).toHaveLength(1);
  });

  it('is left to the click while its lease runs: the officer’s own action may be completing it right now', async () => {
    const { repo, mailer, deps } = releasedCopy('2026-03-20T10:00:30.000Z');
    expect((await sweep(NOW, deps)).releasesCompleted).toEqual([]);
    expect(repo.requests.get(REQUEST_ID)?.status).toBe('awaiting_manual');
    expect(mailer.sent.filter((m) => m.to === 'hana@example.com')).toEqual([]);
  });
});
