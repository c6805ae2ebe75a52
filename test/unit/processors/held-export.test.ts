import { describe, expect, it, vi } from 'vitest';
import type { StoredTask } from '../../../functions/core/ports.ts';
import { FakeBlobs, FakeMailer, FakeRepo, FakeWorkflow, fixedClock, REQUEST_ID, storedRequest } from './fakes.ts';

// The download link's secret is derived from the app key in Secrets Manager; its value does not matter here.
vi.mock('../../../functions/shared/crypto.ts', async (orig) => ({ ...(await orig()), derivedToken: async () => 'download-token' }));
// Notify's default dependencies read the registry from S3 at import; these tests pass the names themselves.
vi.mock('../../../functions/adapters/registry.ts', () => ({ registry: { version: 1, processors: [] } }));
vi.mock('../../../functions/adapters/blobs.ts', () => ({ S3Blobs: class { presign = async (key: string, s: number) => `https://exports.example/${key}?expires=${s}`; } }));
const { completeRequest } = await import('../../../functions/notify/complete.ts');
const { previewHeldExport, releaseExport } = await import('../../../functions/admin/release.ts');

/** Art. 15(4): a copy that would disclose other people's data waits for an officer's review and release. */
const NOW = '2026-03-20T10:00:00.000Z';
const task = (processorId: string, thirdParty = false): StoredTask => ({
  taskId: `${REQUEST_ID}.${processorId}`, requestId: REQUEST_ID, processorId, category: 'delivery', action: 'export', status: 'completed', version: 3, attempts: 1, holds: [], audit: [],
  outcome: { request_status: 'completed', ...(thirdParty ? { third_party_data: true } : {}) },
});

function setup(tasks: StoredTask[]) {
  const repo = new FakeRepo();
  repo.requests.set(REQUEST_ID, storedRequest({ type: 'access', status: 'in_progress', exportKey: `exports/${REQUEST_ID}.zip` }));
  repo.pii.set(REQUEST_ID, { email: 'hana@example.com' });
  for (const t of tasks) repo.tasks.set(t.taskId, t);
  const mailer = new FakeMailer();
  return { repo, mailer, deps: { repo: repo as never, mailer, clock: fixedClock(NOW), blobs: new FakeBlobs(), baseUrl: 'http://shop.example', workflow: new FakeWorkflow(), processors: [{ id: 'parcelway', name: 'Parcelway Delivery' }, { id: 'paynow', name: 'PayNow Payments' }] } };
}

describe('a copy flagged as holding other people’s data', () => {
  it('is held for an officer instead of completing: nothing to the requester, no download link', async () => {
    const { repo, mailer, deps } = setup([task('parcelway', true), task('paynow')]);
    expect(await completeRequest(REQUEST_ID, deps)).toEqual({ requestId: REQUEST_ID, status: 'awaiting_manual' });
    const req = repo.requests.get(REQUEST_ID);
    expect(req?.status).toBe('awaiting_manual');
    expect(req?.exportRelease).toEqual({ flaggedBy: ['parcelway'], since: NOW });
    expect(req?.downloadTokenHash).toBeUndefined();
    expect(req?.audit.at(-1)).toMatchObject({ actor: 'workflow', action: 'hold_export', from: 'in_progress', to: 'awaiting_manual', data: { processors: 'parcelway' } });
    expect(mailer.sent.filter((m) => m.to === 'hana@example.com')).toEqual([]);
    // Notify run again (a retry) holds it still, and records nothing twice.
    await completeRequest(REQUEST_ID, deps);
    expect(repo.requests.get(REQUEST_ID)?.audit.filter((e) => e.action === 'hold_export')).toHaveLength(1);
  });

  it('tells the compliance team once, by reference and provider name only, from an intent recorded with the hold', async () => {
    const { repo, mailer, deps } = setup([task('parcelway', true), task('paynow')]);
    const owed: unknown[] = [];
    const send = mailer.send.bind(mailer);
    mailer.send = async (m) => {
      owed.push(repo.requests.get(REQUEST_ID)?.outboxTeam?.waiting);
      await send(m);
    };
    await completeRequest(REQUEST_ID, deps);
    await completeRequest(REQUEST_ID, deps);
    expect(mailer.sent).toEqual([
      {
        to: 'compliance@offtek.example',
        kind: 'compliance',
        subject: `Copy held for review (request ${REQUEST_ID})`,
        text: [
          `A copy of data for request ${REQUEST_ID} is held: Parcelway Delivery flagged other people's data in it (Art. 15(4)).`,
          'Nothing is sent to the requester until an officer has looked at the copy and released it, or refused or cancelled the request.',
          'The answer is due by 2026-04-01; the clock runs while it waits.',
          '',
          'In the console:',
          `http://shop.example/console.html#/requests/${REQUEST_ID}`,
        ].join('\n'),
      },
    ]);
    // The hold's own write carried the intent; delivered, it is cleared, so a second run of Notify sends nothing.
    expect(owed).toEqual(['held_copy']);
    expect(repo.requests.get(REQUEST_ID)?.outboxTeam).toBeUndefined();
  });

  it('leaves the team email owed when the mail service fails, and the copy still held', async () => {
    const { repo, mailer, deps } = setup([task('parcelway', true)]);
    mailer.send = async () => Promise.reject(Object.assign(new Error('down'), { name: 'ServiceUnavailable' }));
    expect(await completeRequest(REQUEST_ID, deps)).toEqual({ requestId: REQUEST_ID, status: 'awaiting_manual' });
    expect(repo.requests.get(REQUEST_ID)).toMatchObject({ status: 'awaiting_manual', outboxTeam: { waiting: 'held_copy' }, mailFailed: { kind: 'review', error: 'ServiceUnavailable' } });
    // Released before the team was told: the completing write drops the email, which nobody needs any more.
    mailer.send = async () => {};
    await releaseExport(REQUEST_ID, 'officer:olivia', deps);
    expect(repo.requests.get(REQUEST_ID)?.status).toBe('completed');
    expect(repo.requests.get(REQUEST_ID)?.outboxTeam).toBeUndefined();
  });

  it('numbers the owed team email with the request’s version after the hold, and logs a failed one as left for the sweeper by the error’s name', async () => {
    const { logger } = await import('../../../functions/adapters/powertools.ts');
    const error = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    try {
      const { repo, mailer, deps } = setup([task('parcelway', true)]);
      mailer.send = async () => Promise.reject(Object.assign(new Error('down'), { name: 'ServiceUnavailable' }));
      await completeRequest(REQUEST_ID, deps);
      // storedRequest is at version 2; the holding write makes it 3.
      expect(repo.requests.get(REQUEST_ID)).toMatchObject({ version: 3, outboxTeam: { seq: 3, owner: 'workflow', waiting: 'held_copy' } });
      expect(error).toHaveBeenCalledWith('team email left owed for the sweeper', { requestId: REQUEST_ID, error: 'MailFailed' });
    } finally {
      error.mockRestore();
    }
  });

  it('can be looked at by the officer through a 5-minute link, on the audit trail', async () => {
    const { repo, deps } = setup([task('parcelway', true)]);
    await completeRequest(REQUEST_ID, deps);
    expect(await previewHeldExport(REQUEST_ID, 'officer:olivia', deps)).toEqual({ url: `https://exports.example/exports/${REQUEST_ID}.zip?expires=300`, flaggedBy: ['parcelway'] });
    expect(repo.requests.get(REQUEST_ID)?.audit.at(-1)).toMatchObject({ actor: 'officer:olivia', action: 'preview_export' });
  });

  it('gives the first link of a copy released late no end past its package, which S3 deletes 30 days after it was made', async () => {
    const { repo, deps } = setup([task('parcelway', true)]);
    // Made on 21 February, 27 days before the release: its last day kept is 22 March, short of 72 hours.
    const made = { at: '2026-02-21T09:00:00.000Z', actor: 'workflow', action: 'export_assembled', subject: REQUEST_ID, seq: 1, prevHash: '', hash: 'h1' };
    repo.requests.set(REQUEST_ID, storedRequest({ type: 'access', status: 'in_progress', exportKey: `exports/${REQUEST_ID}.zip`, audit: [made] }));
    await completeRequest(REQUEST_ID, deps);
    await releaseExport(REQUEST_ID, 'officer:olivia', deps);
    expect(repo.requests.get(REQUEST_ID)).toMatchObject({ status: 'completed', downloadExpiresAt: '2026-03-22T09:00:00.000Z' });
  });

  it('completes once an officer releases it, and only then mails the download link', async () => {
    const { repo, mailer, deps } = setup([task('parcelway', true)]);
    await completeRequest(REQUEST_ID, deps);
    expect(await releaseExport(REQUEST_ID, 'officer:olivia', deps)).toEqual({ requestId: REQUEST_ID, status: 'completed' });
    const req = repo.requests.get(REQUEST_ID);
    expect(req?.status).toBe('completed');
    expect(req?.exportRelease).toEqual({ flaggedBy: ['parcelway'], since: NOW, releasedBy: 'officer:olivia', releasedAt: NOW });
    expect(req?.audit.map((e) => e.action).slice(-2)).toEqual(['release_export', 'complete']);
    const outcome = mailer.sent.filter((m) => m.to === 'hana@example.com');
    expect(outcome).toHaveLength(1);
    expect(outcome[0].text).toContain(`http://shop.example/exports/${REQUEST_ID}?token=download-token`);
  });

  it('cannot be released where nothing is held', async () => {
    const { deps } = setup([task('paynow')]);
    await expect(releaseExport(REQUEST_ID, 'officer:olivia', deps)).rejects.toThrow('no copy of data is waiting for release on this request');
  });

  it('does not hold a copy nobody flagged', async () => {
    const { repo, mailer, deps } = setup([task('paynow')]);
    await completeRequest(REQUEST_ID, deps);
    expect(repo.requests.get(REQUEST_ID)?.status).toBe('completed');
    expect(mailer.sent).toHaveLength(1);
  });
});
