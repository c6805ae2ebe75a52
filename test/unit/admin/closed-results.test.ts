import { describe, expect, it, vi } from 'vitest';
import type { StoredRequest } from '../../../functions/core/ports.ts';
import { FakeBlobs, FakeMailer, FakeRepo, FakeWorkflow, fixedClock, REQUEST_ID, storedRequest } from '../processors/fakes.ts';

vi.mock('../../../functions/adapters/registry.ts', async () => {
  const { processor } = await import('../processors/fakes.ts');
  return { registry: { version: 1, processors: [processor({ id: 'paynow', category: 'payments' }), processor({ id: 'parcelway', category: 'delivery' })] } };
});
const { cancel, deny } = await import('../../../functions/admin/actions.ts');
const { sweep } = await import('../../../functions/sweeper/sweep.ts');

/**
 * Storage limitation (Art. 5(1)(e)): an access request refused or cancelled gets no copy, so the
 * processors' export results it holds are personal data kept for nothing. The closing write records
 * that they are to be deleted; the officer's action deletes them, and the sweeper finishes the job.
 */
const T = '2026-03-02T10:00:00.000Z';
const minutesOn = (m: number) => new Date(Date.parse(T) + m * 60_000);
const hashOf = (c: string) => c.repeat(64);
const key = (processorId: string, c: string) => `${REQUEST_ID}.${processorId}#${hashOf(c)}`;

function world(over: Partial<StoredRequest> = {}) {
  const repo = new FakeRepo();
  repo.requests.set(REQUEST_ID, storedRequest({ status: 'in_progress', type: 'access', ...over }));
  repo.pii.set(REQUEST_ID, { email: 'ann@example.com' });
  const task = (processorId: string, over: Record<string, unknown>) =>
    repo.tasks.set(`${REQUEST_ID}.${processorId}`, { taskId: `${REQUEST_ID}.${processorId}`, requestId: REQUEST_ID, processorId, category: 'payments', action: 'export', version: 2, attempts: 1, holds: [], audit: [], status: 'sent', sentAt: T, ...over } as never);
  // PayNow called back with its results, recorded by its task; ParcelWay's callback wrote its results and died before its task write.
  task('paynow', { status: 'completed', resultsHash: hashOf('a'), finishedAt: T });
  task('parcelway', { status: 'sent' });
  for (const k of [key('paynow', 'a'), key('parcelway', 'b')]) repo.results.set(k, { signedBody: '{}', expiresAt: new Date('2026-06-30T10:00:00.000Z'), writtenAt: T });
  const workflow = Object.assign(new FakeWorkflow(), { stop: async () => {} });
  const blobs = new FakeBlobs();
  if (over.exportKey) blobs.objects.add(over.exportKey);
  const deps = { repo: repo as never, mailer: new FakeMailer(), workflow, clock: fixedClock(T), blobs };
  const sweepDeps = { repo, blobs, mailer: new FakeMailer(), workflow: { start: async () => 'arn', describe: async () => ({ status: 'RUNNING' }), unsuccessful: async () => [] }, tokens: {}, baseUrl: 'http://x', linksPerHour: 5 } as never;
  return { repo, deps, sweepDeps, blobs };
}
const PACKAGE = `exports/${REQUEST_ID}.zip`;
const request = (repo: FakeRepo) => repo.requests.get(REQUEST_ID) as StoredRequest;

describe('the export results of an access request closed without a copy', () => {
  it.each([
    ['refusing', (deps: ReturnType<typeof world>['deps']) => deny(REQUEST_ID, 'excessive', 'officer:o', deps)],
    ['cancelling', (deps: ReturnType<typeof world>['deps']) => cancel(REQUEST_ID, 'withdrawn_by_requester', 'officer:o', deps)],
  ] as const)('%s it records their deletion in the closing write and deletes them, recorded or not', async (_, close) => {
    const { repo, deps } = world();
    await close(deps);
    expect(repo.log.filter((w) => w.startsWith('request:'))).toHaveLength(1);
    expect(request(repo).purgeResults).toEqual({ at: T });
    expect([...repo.results.keys()]).toEqual([]);
  });

  it('keeps the deletion owed for 15 minutes, deleting what a callback that found the request open still writes, then clears it', async () => {
    const { repo, deps, sweepDeps } = world();
    await deny(REQUEST_ID, 'excessive', 'officer:o', deps);
    // ParcelWay's callback read the request just before the refusal, and writes its results just after.
    repo.results.set(key('parcelway', 'c'), { signedBody: '{}', expiresAt: new Date('2026-06-30T10:00:00.000Z'), writtenAt: minutesOn(1).toISOString() });
    const early = await sweep(minutesOn(10), sweepDeps);
    expect(early.droppedResults).toEqual([`${REQUEST_ID}.parcelway`]);
    expect([...repo.results.keys()]).toEqual([]);
    expect(request(repo).purgeResults).toEqual({ at: T });
    const done = await sweep(minutesOn(16), sweepDeps);
    expect(done.droppedResults).toEqual([]);
    expect(request(repo).purgeResults).toBeUndefined();
    expect(await repo.listWatch('closed')).toEqual([]);
  });

  it('answers the refusal done when deleting them fails, and the sweeper deletes them', async () => {
    const { repo, deps, sweepDeps } = world();
    const list = repo.listTaskResults.bind(repo);
    repo.listTaskResults = async () => Promise.reject(Object.assign(new Error('DynamoDB down'), { name: 'InternalServerError' }));
    expect(await deny(REQUEST_ID, 'excessive', 'officer:o', deps)).toMatchObject({ status: 'denied', noticeOwed: false });
    expect(repo.results.size).toBe(2);
    repo.listTaskResults = list;
    const report = await sweep(minutesOn(16), sweepDeps);
    expect(report.droppedResults.sort()).toEqual([`${REQUEST_ID}.parcelway`, `${REQUEST_ID}.paynow`]);
    expect(repo.results.size).toBe(0);
    expect(request(repo).purgeResults).toBeUndefined();
  });

  it('records no deletion when an erasure is refused: it has no export results', async () => {
    const { repo, deps } = world({ type: 'erasure' });
    await deny(REQUEST_ID, 'excessive', 'officer:o', deps);
    expect(request(repo).purgeResults).toBeUndefined();
  });
});

/**
 * A copy held for review (Art. 15(4)) is assembled before the officer decides: refused or cancelled,
 * the package in the export bucket goes with the results, by the same owed deletion.
 */
describe('the package of a held copy closed without release', () => {
  const held: Partial<StoredRequest> = { status: 'awaiting_manual', exportKey: PACKAGE, exportRelease: { flaggedBy: ['parcelway'], since: T } };

  it.each([
    ['refusing', (deps: ReturnType<typeof world>['deps']) => deny(REQUEST_ID, 'excessive', 'officer:o', deps)],
    ['cancelling', (deps: ReturnType<typeof world>['deps']) => cancel(REQUEST_ID, 'withdrawn_by_requester', 'officer:o', deps)],
  ] as const)('%s it deletes the package from the bucket and the request no longer names it', async (_, close) => {
    const { repo, deps, blobs } = world(held);
    await close(deps);
    expect(blobs.objects.has(PACKAGE)).toBe(false);
    expect(request(repo).exportKey).toBeUndefined();
    // Still owed for the callbacks' 15 minutes, as the results are.
    expect(request(repo).purgeResults).toEqual({ at: T });
  });

  it('answers the refusal done when S3 refuses the deletion, keeps it owed, and the sweeper deletes the package once S3 takes it', async () => {
    const { repo, deps, sweepDeps, blobs } = world(held);
    const remove = blobs.delete.bind(blobs);
    blobs.delete = async () => Promise.reject(Object.assign(new Error('S3 down'), { name: 'InternalError' }));
    expect(await deny(REQUEST_ID, 'excessive', 'officer:o', deps)).toMatchObject({ status: 'denied', noticeOwed: false });
    expect(blobs.objects.has(PACKAGE)).toBe(true);
    expect(request(repo).exportKey).toBe(PACKAGE);
    const failed = await sweep(minutesOn(16), sweepDeps);
    expect(failed.failed).toContain(`results:${REQUEST_ID}`);
    expect(request(repo).purgeResults).toEqual({ at: T });
    expect(request(repo).exportKey).toBe(PACKAGE);
    blobs.delete = remove;
    await sweep(minutesOn(31), sweepDeps);
    expect(blobs.objects.has(PACKAGE)).toBe(false);
    expect(request(repo).exportKey).toBeUndefined();
    expect(request(repo).purgeResults).toBeUndefined();
  });

  it('deletes a package that an Assemble which found the request open puts after the refusal', async () => {
    const { repo, deps, sweepDeps, blobs } = world();
    await deny(REQUEST_ID, 'excessive', 'officer:o', deps);
    // Assemble read the request just before the refusal, and writes the package just after: it records no key on a closed request.
    blobs.objects.add(PACKAGE);
    await sweep(minutesOn(16), sweepDeps);
    expect(blobs.objects.has(PACKAGE)).toBe(false);
    expect(request(repo).purgeResults).toBeUndefined();
  });
});
