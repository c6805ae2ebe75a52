import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { FakeRepo } from './fakes.ts';

// Assemble's module builds its adapters at import: the repository of shared/deps, S3 for the
// package, and the registry for the providers whose results go in it.
const h = vi.hoisted(() => ({ puts: [] as string[] }));
vi.mock('../../../functions/shared/deps.ts', async () => {
  const { FakeRepo } = await import('./fakes.ts');
  return { repo: new FakeRepo(), systemClock: { now: () => new Date('2026-03-02T10:00:00.000Z') } };
});
vi.mock('../../../functions/adapters/blobs.ts', () => ({
  S3Blobs: class {
    put = async (key: string) => void h.puts.push(key);
  },
}));
vi.mock('../../../functions/adapters/registry.ts', async () => {
  const { processor } = await import('./fakes.ts');
  return { registry: { version: 1, processors: [processor({ id: 'paynow', category: 'payments' })] } };
});

const { handler } = await import('../../../functions/assemble/handler.ts');
const { repo } = (await import('../../../functions/shared/deps.ts')) as unknown as { repo: FakeRepo };
const { REQUEST_ID, storedRequest } = await import('./fakes.ts');

const assemble = () => (handler as unknown as (e: unknown, c: unknown) => Promise<unknown>)({ requestId: REQUEST_ID }, {});

beforeEach(() => {
  h.puts = [];
  repo.requests.clear();
  repo.tasks.clear();
  repo.tasks.set(`${REQUEST_ID}.paynow`, { taskId: `${REQUEST_ID}.paynow`, requestId: REQUEST_ID, processorId: 'paynow', category: 'payments', action: 'export', status: 'completed', version: 3, attempts: 1, holds: [], audit: [] } as never);
});

describe('Assemble, for a request refused or cancelled while its execution still runs', () => {
  it.each(['denied', 'cancelled'] as const)('puts no package of a %s request’s data and records none', async (status) => {
    repo.requests.set(REQUEST_ID, storedRequest({ type: 'access', status, version: 4 }));
    await expect(assemble()).resolves.toEqual({ requestId: REQUEST_ID, closed: status });
    expect(h.puts).toEqual([]);
    expect(repo.requests.get(REQUEST_ID)).toMatchObject({ status, version: 4 });
    expect(repo.requests.get(REQUEST_ID)?.exportKey).toBeUndefined();
  });

  it('puts the package of a request in progress and records it, as before', async () => {
    repo.requests.set(REQUEST_ID, storedRequest({ type: 'access', status: 'in_progress', version: 4 }));
    await expect(assemble()).resolves.toMatchObject({ requestId: REQUEST_ID, bytes: expect.any(Number) });
    expect(h.puts).toEqual([`exports/${REQUEST_ID}.zip`]);
    expect(repo.requests.get(REQUEST_ID)).toMatchObject({ status: 'in_progress', exportKey: `exports/${REQUEST_ID}.zip` });
  });
});
