import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { NotFound } from '../../../functions/core/errors.ts';
import type { FakeRepo } from './fakes.ts';

// Assemble's module builds its adapters at import: the repository of shared/deps, S3 for the
// package, and the registry for the providers whose results go in it.
const h = vi.hoisted(() => ({ puts: [] as string[], types: [] as string[], bodies: [] as Buffer[] }));
vi.mock('../../../functions/shared/deps.ts', async () => {
  const { FakeRepo } = await import('./fakes.ts');
  return { repo: new FakeRepo(), systemClock: { now: () => new Date('2026-03-02T10:00:00.000Z') } };
});
vi.mock('../../../functions/adapters/blobs.ts', () => ({
  S3Blobs: class {
    put = async (key: string, body: Buffer, type: string) => {
      h.puts.push(key);
      h.bodies.push(body);
      h.types.push(type);
    };
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
  h.types = [];
  h.bodies = [];
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

describe('Assemble records the package it put', () => {
  const FAILED = { token: 'tok-assembly', at: '2026-03-02T09:00:00.000Z', error: 'ResultsUnavailable' };
  const team = (waiting: string) => ({ seq: 5, owner: 'workflow', until: '2026-03-02T09:01:00.000Z', waiting });

  it('puts it as a zip, and records on the request’s trail the workflow’s export_assembled event with the zip’s SHA-256 and size', async () => {
    repo.requests.set(REQUEST_ID, storedRequest({ type: 'access', status: 'in_progress', version: 4 }));
    await assemble();
    expect(h.types).toEqual(['application/zip']);
    const [zip] = h.bodies;
    const event = repo.requests.get(REQUEST_ID)?.audit.at(-1);
    expect(event).toMatchObject({ actor: 'workflow', action: 'export_assembled', subject: REQUEST_ID, data: { bytes: zip.length, sha256: createHash('sha256').update(zip).digest('hex') } });
    expect(event).not.toHaveProperty('from');
    expect(event).not.toHaveProperty('to');
  });

  it('puts back in progress a request held for its copy alone once assembled after an officer’s retry, dropping the mark and the team’s email still owed for it, with the move on its trail', async () => {
    repo.requests.set(REQUEST_ID, storedRequest({ type: 'access', status: 'awaiting_manual', version: 4, assemblyFailed: { ...FAILED, retriedAt: '2026-03-02T09:30:00.000Z', retriedBy: 'officer:o' }, outboxTeam: team('assembly') } as never));
    await assemble();
    const req = repo.requests.get(REQUEST_ID);
    expect(req).toMatchObject({ status: 'in_progress', exportKey: `exports/${REQUEST_ID}.zip` });
    expect(req?.assemblyFailed).toBeUndefined();
    expect(req?.outboxTeam).toBeUndefined();
    expect(req?.audit.at(-1)).toMatchObject({ action: 'export_assembled', from: 'awaiting_manual', to: 'in_progress' });
  });

  it('puts back in progress a held request whose team email already went', async () => {
    repo.requests.set(REQUEST_ID, storedRequest({ type: 'access', status: 'awaiting_manual', version: 4, assemblyFailed: { ...FAILED, retriedAt: '2026-03-02T09:30:00.000Z', retriedBy: 'officer:o' } } as never));
    await assemble();
    expect(repo.requests.get(REQUEST_ID)).toMatchObject({ status: 'in_progress', exportKey: `exports/${REQUEST_ID}.zip` });
    expect(repo.requests.get(REQUEST_ID)?.assemblyFailed).toBeUndefined();
  });

  it('keeps a team email the held request owes for another wait than its copy', async () => {
    repo.requests.set(REQUEST_ID, storedRequest({ type: 'access', status: 'awaiting_manual', version: 4, assemblyFailed: FAILED, outboxTeam: team('agent') } as never));
    await assemble();
    const req = repo.requests.get(REQUEST_ID);
    expect(req?.assemblyFailed).toBeUndefined();
    expect(req?.outboxTeam).toMatchObject({ waiting: 'agent' });
  });

  it('leaves alone the marks and the status of a request it did not hold: one waiting for a person stays waiting', async () => {
    repo.requests.set(REQUEST_ID, storedRequest({ type: 'access', status: 'awaiting_manual', version: 4, outboxTeam: team('assembly') } as never));
    await assemble();
    expect(repo.requests.get(REQUEST_ID)).toMatchObject({ status: 'awaiting_manual', exportKey: `exports/${REQUEST_ID}.zip`, outboxTeam: { waiting: 'assembly' } });
    expect(repo.requests.get(REQUEST_ID)?.audit.at(-1)).not.toHaveProperty('to');
  });

  it('records no package for a request refused or cancelled while the package was made', async () => {
    repo.requests.set(REQUEST_ID, storedRequest({ type: 'access', status: 'in_progress', version: 4 }));
    const read = repo.getRequest.bind(repo);
    let reads = 0;
    const spy = vi.spyOn(repo, 'getRequest').mockImplementation(async (id: string) => {
      const r = await read(id);
      return ++reads === 1 ? r : r && { ...r, status: 'denied' };
    });
    try {
      await assemble();
    } finally {
      spy.mockRestore();
    }
    expect(h.puts).toEqual([`exports/${REQUEST_ID}.zip`]);
    expect(repo.requests.get(REQUEST_ID)).toMatchObject({ status: 'in_progress', version: 4 });
    expect(repo.requests.get(REQUEST_ID)?.exportKey).toBeUndefined();
  });

  it('fails with NotFound naming a request that does not exist, putting nothing', async () => {
    await expect(assemble()).rejects.toSatisfy((e) => e instanceof NotFound && String((e as Error).message).includes(REQUEST_ID));
    expect(h.puts).toEqual([]);
  });
});
