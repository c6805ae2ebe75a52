import { describe, expect, it, vi } from 'vitest';
import type { StoredRequest, StoredTask } from '../../../functions/core/ports.ts';
import { FakeMailer, FakeRepo, fixedClock, REQUEST_ID, storedRequest } from './fakes.ts';

vi.mock('../../../functions/shared/crypto.ts', async (orig) => ({ ...(await orig()), derivedToken: async (purpose: string, ...parts: string[]) => `${purpose}-${parts.join('-')}` }));
vi.mock('../../../functions/adapters/registry.ts', () => ({ registry: { version: 1, processors: [] } }));
const { completeRequest } = await import('../../../functions/notify/complete.ts');
const { readForNotify } = await import('../../../functions/notify/copies.ts');

const NOW = '2026-03-20T10:00:00.000Z';
const ANN = 'a'.repeat(64);
const COPY = '01JCOPY00000000000000000000';
const task = (requestId: string, processorId: string, over: Partial<StoredTask> = {}): StoredTask => ({
  taskId: `${requestId}.${processorId}`, requestId, processorId, category: 'payments', action: 'erase', status: 'completed', version: 3, attempts: 1, holds: [], audit: [],
  ...over,
});
/** Ann's copy, answered on 10 March with its package still kept. */
const copy = (over: Partial<StoredRequest> = {}) =>
  storedRequest({ id: COPY, type: 'access', status: 'completed', emailHash: ANN, exportKey: `exports/${COPY}.zip`, closedAt: '2026-03-10T10:00:00.000Z', receivedAt: '2026-03-05T10:00:00.000Z', ...over } as never);

function world(erasure: Partial<StoredRequest>, others: StoredRequest[], tasks: StoredTask[] = [task(REQUEST_ID, 'paynow')]) {
  const repo = new FakeRepo();
  repo.requests.set(REQUEST_ID, storedRequest({ status: 'in_progress', emailHash: ANN, ...erasure }));
  repo.pii.set(REQUEST_ID, { email: 'ann@example.com' });
  for (const r of others) repo.requests.set(r.id, r);
  for (const t of tasks) repo.tasks.set(t.taskId, t);
  repo.results.set(`${COPY}.paynow#${'b'.repeat(64)}`, { signedBody: '{"results":{"name":"Ann"}}', expiresAt: new Date('2026-03-13T10:00:00.000Z'), writtenAt: '2026-03-09T10:00:00.000Z' });
  const deleted: string[] = [];
  const blobs = { delete: async (k: string) => void deleted.push(k) };
  const deps = { repo: repo as never, blobs, mailer: new FakeMailer(), clock: fixedClock(NOW), baseUrl: 'http://shop.example', processors: [] };
  const notify = async () => completeRequest(REQUEST_ID, deps, await readForNotify(REQUEST_ID, deps));
  return { repo, deleted, notify };
}

describe('an erasure takes the person’s earlier copies with it', () => {
  it('deletes the package of an earlier copy of the same address, its stored results and its key, then completes naming it on the trail', async () => {
    const { repo, deleted, notify } = world({}, [copy()]);
    expect(await notify()).toEqual({ requestId: REQUEST_ID, status: 'completed' });
    expect(deleted).toEqual([`exports/${COPY}.zip`]);
    expect(repo.requests.get(COPY)?.exportKey).toBeUndefined();
    expect(repo.requests.get(COPY)?.copyErased).toEqual({ at: NOW, by: REQUEST_ID });
    expect(repo.requests.get(COPY)?.audit.at(-1)).toMatchObject({ at: NOW, actor: 'workflow', action: 'copy_erased', subject: COPY, data: { erasure: REQUEST_ID } });
    expect(await repo.listTaskResults(COPY)).toEqual([]);
    expect(repo.requests.get(REQUEST_ID)?.audit.at(-1)).toMatchObject({ action: 'complete', data: { 'task:paynow': '', erasedCopies: COPY } });
  });

  it('leaves another address’s copy, a copy still open or held for review, and a copy whose package is gone', async () => {
    const others = [
      copy({ emailHash: 'f'.repeat(64) }),
      copy({ id: '01JCOPY00000000000000000001', status: 'in_progress', exportKey: undefined }),
      copy({ id: '01JCOPY00000000000000000002', status: 'awaiting_manual', exportRelease: { flaggedBy: ['paynow'], since: NOW } } as never),
      copy({ id: '01JCOPY00000000000000000003', exportKey: undefined }),
    ];
    const { repo, deleted, notify } = world({}, others);
    await notify();
    expect(deleted).toEqual([]);
    expect(repo.requests.get(COPY)?.exportKey).toBe(`exports/${COPY}.zip`);
    expect(repo.requests.get('01JCOPY00000000000000000002')?.exportKey).toBe(`exports/${COPY}.zip`);
    expect(repo.requests.get(REQUEST_ID)?.audit.at(-1)?.data).not.toHaveProperty('erasedCopies');
  });

  it('deletes nothing for a request that is not an erasure, an erasure not yet settled, or one already complete', async () => {
    for (const [erasure, tasks] of [
      [{ type: 'objection' }, [task(REQUEST_ID, 'paynow')]],
      [{}, [task(REQUEST_ID, 'paynow', { status: 'sent' })]],
      [{ status: 'completed' }, [task(REQUEST_ID, 'paynow')]],
    ] as [Partial<StoredRequest>, StoredTask[]][]) {
      const { repo, deleted, notify } = world(erasure, [copy()], tasks);
      await notify().catch(() => undefined);
      expect(deleted).toEqual([]);
      expect(repo.requests.get(COPY)?.exportKey).toBe(`exports/${COPY}.zip`);
    }
  });

  it('names on the erasure’s trail a copy a run that died after the copy’s write had erased already', async () => {
    const { repo, deleted, notify } = world({}, [copy({ exportKey: undefined, copyErased: { at: NOW, by: REQUEST_ID } })]);
    await notify();
    expect(deleted).toEqual([]);
    expect(repo.requests.get(REQUEST_ID)?.audit.at(-1)).toMatchObject({ action: 'complete', data: { erasedCopies: COPY } });
  });

  it('completes nothing when the package cannot be deleted: the state runs again, and the erasure completes once it is gone', async () => {
    const { repo } = world({}, [copy()]);
    const deleted: string[] = [];
    let down = true;
    const deps = { repo: repo as never, clock: fixedClock(NOW), blobs: { delete: async (k: string) => (down ? Promise.reject(Object.assign(new Error('S3 down'), { name: 'ServiceUnavailable' })) : void deleted.push(k)) } };
    await expect(readForNotify(REQUEST_ID, deps)).rejects.toThrow('S3 down');
    expect(repo.requests.get(REQUEST_ID)?.status).toBe('in_progress');
    expect(repo.requests.get(COPY)?.exportKey).toBe(`exports/${COPY}.zip`);
    down = false;
    expect((await readForNotify(REQUEST_ID, deps)).data).toEqual({ erasedCopies: COPY });
    expect(deleted).toEqual([`exports/${COPY}.zip`]);
    expect(repo.requests.get(COPY)?.exportKey).toBeUndefined();
  });
});
