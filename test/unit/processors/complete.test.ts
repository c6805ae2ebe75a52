import { describe, expect, it, vi } from 'vitest';
import type { StoredTask } from '../../../functions/core/ports.ts';
import { sha256 } from '../../../functions/core/audit.ts';
import { FakeMailer, FakeRepo, fixedClock, REQUEST_ID, resultsId, storedRequest } from './fakes.ts';

// The download link's secret is derived from the app key in Secrets Manager; its value does not matter here.
vi.mock('../../../functions/shared/crypto.ts', async (orig) => ({ ...(await orig()), derivedToken: async () => 'download-token' }));
vi.mock('../../../functions/adapters/registry.ts', () => ({ registry: { version: 1, processors: [] } }));
const { completeRequest } = await import('../../../functions/notify/complete.ts');

const NOW = '2026-03-20T10:00:00.000Z';
const task = (processorId: string, action: StoredTask['action']): StoredTask => ({
  taskId: `${REQUEST_ID}.${processorId}`, requestId: REQUEST_ID, processorId, category: 'payments', action, status: 'completed', version: 3, attempts: 1, holds: [], audit: [],
});

function setup(over: Parameters<typeof storedRequest>[0], tasks: StoredTask[]) {
  const repo = new FakeRepo();
  repo.requests.set(REQUEST_ID, storedRequest({ status: 'in_progress', ...over }));
  repo.pii.set(REQUEST_ID, { email: 'ann@example.com' });
  for (const t of tasks) repo.tasks.set(t.taskId, t);
  return { repo, deps: { repo: repo as never, mailer: new FakeMailer(), clock: fixedClock(NOW), baseUrl: 'http://shop.example', processors: [] } };
}

describe('Lethe keeps its own records only as long as it needs them', () => {
  it('closes a rectification without its free-text correction, and keeps the proof for 6 years', async () => {
    const { repo, deps } = setup({ type: 'rectification', details: { eraseWarranty: false, objections: [], rectification: { field: 'postal address', correction: '12 Rose Lane, Bath' } } }, [task('paynow', 'rectify')]);
    await completeRequest(REQUEST_ID, deps);
    const closed = repo.requests.get(REQUEST_ID);
    expect(closed?.status).toBe('completed');
    expect(closed?.details).toEqual({ eraseWarranty: false, objections: [] });
    expect(JSON.stringify(closed)).not.toContain('Rose Lane');
    expect(repo.requestTtl.get(REQUEST_ID)?.toISOString()).toBe('2032-03-20T10:00:00.000Z');
  });

  it('keeps the tasks as long as the proof when the request closes more than a year after its latest deadline, and writes no task otherwise', async () => {
    // Verified on 1 March 2026: its latest deadline is 1 June 2026, and planning kept its task until 1 June 2033.
    const { repo, deps } = setup({ type: 'erasure' }, [task('paynow', 'erase')]);
    repo.taskTtl.set(`${REQUEST_ID}.paynow`, new Date('2033-06-01T00:00:00.000Z'));
    const writes = repo.writes;
    await completeRequest(REQUEST_ID, deps);
    expect(repo.taskTtl.get(`${REQUEST_ID}.paynow`)?.toISOString()).toBe('2033-06-01T00:00:00.000Z');
    expect(repo.writes - writes).toBe(1);
    // Closed on 1 August 2027 (a long pause, a held copy, a late resolution): its proof is kept until 1 August 2033.
    const late = setup({ type: 'erasure' }, [task('paynow', 'erase')]);
    late.repo.taskTtl.set(`${REQUEST_ID}.paynow`, new Date('2033-06-01T00:00:00.000Z'));
    await completeRequest(REQUEST_ID, { ...late.deps, clock: fixedClock('2027-08-01T10:00:00.000Z') });
    expect(late.repo.requestTtl.get(REQUEST_ID)?.toISOString()).toBe('2033-08-01T10:00:00.000Z');
    expect(late.repo.taskTtl.get(`${REQUEST_ID}.paynow`)?.toISOString()).toBe('2033-08-01T10:00:00.000Z');
  });

  it('deletes the processors’ exported data when the download link expires, 72 hours after completion', async () => {
    const recorded = (processorId: string) => ({ ...task(processorId, 'export'), resultsHash: sha256(processorId) });
    const { repo, deps } = setup({ type: 'access', exportKey: `exports/${REQUEST_ID}.zip` } as never, [recorded('paynow'), recorded('mailwave')]);
    for (const p of ['paynow', 'mailwave']) repo.results.set(resultsId({ requestId: REQUEST_ID, processorId: p, bodyHash: sha256(p) }), { signedBody: '{"results":{}}', expiresAt: new Date('2026-07-18T10:00:00.000Z') });
    await completeRequest(REQUEST_ID, deps);
    expect((repo.requests.get(REQUEST_ID) as { downloadExpiresAt?: string }).downloadExpiresAt).toBe('2026-03-23T10:00:00.000Z');
    expect([...repo.results.values()].map((r) => r.expiresAt.toISOString())).toEqual(['2026-03-23T10:00:00.000Z', '2026-03-23T10:00:00.000Z']);
  });
});
