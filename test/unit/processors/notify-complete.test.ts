import { afterEach, describe, expect, it, vi } from 'vitest';
import type { StoredTask } from '../../../functions/core/ports.ts';
import { FakeMailer, FakeRepo, fixedClock, REQUEST_ID, resultsId, storedRequest } from './fakes.ts';

// A download link's secret comes from the app key in Secrets Manager; here it names what it is for.
vi.mock('../../../functions/shared/crypto.ts', async (orig) => ({ ...(await orig()), derivedToken: async (purpose: string, ...parts: string[]) => `${purpose}-${parts.join('-')}` }));
vi.mock('../../../functions/adapters/registry.ts', () => ({ registry: { version: 1, processors: [] } }));
const { completeRequest } = await import('../../../functions/notify/complete.ts');
const { resend } = await import('../../../functions/admin/actions.ts');
const { logger } = await import('../../../functions/adapters/powertools.ts');
const { sha256 } = await import('../../../functions/core/audit.ts');

const NOW = '2026-03-20T10:00:00.000Z';
const task = (processorId: string, over: Partial<StoredTask> = {}): StoredTask => ({
  taskId: `${REQUEST_ID}.${processorId}`, requestId: REQUEST_ID, processorId, category: 'payments', action: 'erase', status: 'completed', version: 3, attempts: 1, holds: [], audit: [],
  ...over,
});

function setup(over: Parameters<typeof storedRequest>[0], tasks: StoredTask[], mailer = new FakeMailer()) {
  const repo = new FakeRepo();
  repo.requests.set(REQUEST_ID, storedRequest({ status: 'in_progress', ...over }));
  repo.pii.set(REQUEST_ID, { email: 'ann@example.com' });
  for (const t of tasks) repo.tasks.set(t.taskId, t);
  return { repo, mailer, deps: { repo: repo as never, mailer, clock: fixedClock(NOW), baseUrl: 'http://shop.example', processors: [] } };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('Notify completes a request', () => {
  it('records each processor’s outcome, the completion on the audit trail, and logs the ids only', async () => {
    const info = vi.spyOn(logger, 'info');
    const { repo, mailer, deps } = setup({}, [task('parcelway'), task('paynow', { status: 'not_found' })]);
    expect(await completeRequest(REQUEST_ID, deps)).toEqual({ requestId: REQUEST_ID, status: 'completed' });
    const req = repo.requests.get(REQUEST_ID);
    expect(req).toMatchObject({ status: 'completed', closedAt: NOW, outcome: 'parcelway:completed,paynow:not_found' });
    expect(req?.audit.at(-1)).toMatchObject({ at: NOW, actor: 'workflow', action: 'complete', subject: REQUEST_ID, from: 'in_progress', to: 'completed' });
    expect(mailer.sent.map((m) => m.to)).toEqual(['ann@example.com']);
    expect(info).toHaveBeenCalledWith('request completed', { requestId: REQUEST_ID, tasks: 2 });
  });

  it('gives no download link to a request that is not a copy, nor to a copy with no package', async () => {
    const erasure = setup({ type: 'erasure', exportKey: `exports/${REQUEST_ID}.zip` } as never, [task('paynow')]);
    await completeRequest(REQUEST_ID, erasure.deps);
    expect(erasure.repo.requests.get(REQUEST_ID)).not.toHaveProperty('downloadTokenHash');
    const nothing = setup({ type: 'access' }, [task('paynow', { action: 'export' })]);
    await completeRequest(REQUEST_ID, nothing.deps);
    expect(nothing.repo.requests.get(REQUEST_ID)).not.toHaveProperty('downloadTokenHash');
    expect(nothing.repo.requests.get(REQUEST_ID)?.status).toBe('completed');
  });

  it('stores only the hash of the download link’s secret, which is derived for downloads of this request', async () => {
    const { repo, deps } = setup({ type: 'access', exportKey: `exports/${REQUEST_ID}.zip` } as never, [task('paynow', { action: 'export' })]);
    await completeRequest(REQUEST_ID, deps);
    expect(repo.requests.get(REQUEST_ID)).toMatchObject({ downloadTokenHash: sha256(`download-${REQUEST_ID}`), downloadExpiresAt: '2026-03-23T10:00:00.000Z' });
  });

  it('shortens the stored results its tasks recorded to the link’s expiry, and deletes those no task recorded', async () => {
    const [recorded, crashed] = ['a'.repeat(64), 'c'.repeat(64)];
    const { repo, deps } = setup({ type: 'access', exportKey: `exports/${REQUEST_ID}.zip` } as never, [
      task('paynow', { action: 'export', resultsHash: recorded }),
      task('parcelway', { action: 'export', status: 'not_found' }),
      task('mailwave', { action: 'export', hasResults: true }),
    ]);
    const at = (processorId: string, bodyHash?: string) => resultsId({ requestId: REQUEST_ID, processorId, bodyHash });
    // Written by callbacks that died between their results write and their task write, and were never sent again.
    for (const id of [at('paynow', recorded), at('paynow', crashed), at('parcelway', crashed), at('mailwave')]) repo.results.set(id, { signedBody: '{}', expiresAt: new Date('2026-07-18T10:00:00.000Z') });
    await completeRequest(REQUEST_ID, deps);
    expect(Object.fromEntries([...repo.results].map(([id, r]) => [id, r.expiresAt.toISOString()]))).toEqual({
      [at('paynow', recorded)]: '2026-03-23T10:00:00.000Z',
      // A task completed before results were keyed by their callback: its one item.
      [at('mailwave')]: '2026-03-23T10:00:00.000Z',
    });
  });

  it('leaves the outcome email owed, with the sweeper’s marker, when it cannot be sent', async () => {
    const failing = new FakeMailer();
    failing.send = async () => {
      throw Object.assign(new Error('throttled'), { name: 'TooManyRequestsException' });
    };
    const { repo, deps } = setup({}, [task('paynow')], failing);
    await expect(completeRequest(REQUEST_ID, deps)).rejects.toMatchObject({ name: 'MailFailed' });
    expect(repo.requests.get(REQUEST_ID)).toMatchObject({ status: 'completed', outboxOutcome: { seq: 1 } });
    expect((await repo.listOwed('outcome')).map((m) => m.requestId)).toEqual([REQUEST_ID]);
  });
});

describe('Notify completes a correction the officer approved in part', () => {
  const details = { eraseWarranty: false, objections: [], rectification: { field: 'name and phone', correction: 'King; 07700 900123' }, corrections: { name: 'Ann King' }, uncorrected: 'The old phone number stays: it is evidence.' };

  it('mails the fields corrected and the officer’s words on what was not, then keeps neither the values nor the words', async () => {
    const { repo, mailer, deps } = setup({ type: 'rectification', details }, [task('paynow', { action: 'rectify' })]);
    await completeRequest(REQUEST_ID, deps);
    expect(mailer.sent[0]?.text).toContain('We corrected: your name.');
    expect(mailer.sent[0]?.text).toContain('The old phone number stays: it is evidence.');
    const req = repo.requests.get(REQUEST_ID);
    expect(req?.details).toEqual({ eraseWarranty: false, objections: [], corrected: ['name'] });
    expect(JSON.stringify(req)).not.toContain('evidence');
  });

  it('keeps the officer’s words with the outcome still owed when the email cannot go yet', async () => {
    const failing = Object.assign(new FakeMailer(), { send: async () => { throw new Error('down'); } });
    const { repo, deps } = setup({ type: 'rectification', details }, [task('paynow', { action: 'rectify' })], failing);
    await expect(completeRequest(REQUEST_ID, deps)).rejects.toThrow();
    expect(repo.requests.get(REQUEST_ID)?.outboxOutcome).toMatchObject({ seq: 1, uncorrected: 'The old phone number stays: it is evidence.' });
    expect(repo.requests.get(REQUEST_ID)?.details).not.toHaveProperty('uncorrected');
  });

  it.each([
    ['en', 'In our team’s words:'],
    ['fr', 'Précisions de notre équipe :'],
  ] as const)('mails the officer’s words again when an officer resends the outcome (%s), while the closed record holds none', async (language, intro) => {
    const { repo, mailer, deps } = setup({ type: 'rectification', language, details }, [task('paynow', { action: 'rectify' })]);
    await completeRequest(REQUEST_ID, deps);
    await resend(REQUEST_ID, 'officer:o', { ...deps, workflow: {} as never, blobs: {} as never, tokens: {} as never });
    expect(mailer.sent).toHaveLength(2);
    expect(mailer.sent[1]?.text).toContain(`${intro}\nThe old phone number stays: it is evidence.`);
    expect(JSON.stringify(repo.requests.get(REQUEST_ID))).not.toContain('evidence');
  });

  it('mails the officer’s words when an officer resends an outcome that completing still owed, unmailed', async () => {
    // Notify's send was refused a moment ago, within its lease: the officer's resend takes it over.
    const owed = { seq: 1, until: '2026-03-20T10:01:00.000Z', owner: 'workflow', uncorrected: details.uncorrected };
    const mailFailed = { kind: 'outcome', at: NOW, error: 'Throttling' };
    const { repo, mailer, deps } = setup({ type: 'rectification', status: 'completed', closedAt: NOW, details: { eraseWarranty: false, objections: [], corrected: ['name'] }, outboxOutcome: owed, mailFailed } as never, [task('paynow', { action: 'rectify' })]);
    await resend(REQUEST_ID, 'officer:o', { ...deps, workflow: {} as never, blobs: {} as never, tokens: {} as never });
    expect(mailer.sent[0]?.text).toContain('The old phone number stays: it is evidence.');
    expect(JSON.stringify(repo.requests.get(REQUEST_ID))).not.toContain('evidence');
  });
});

describe('Notify run again', () => {
  it('mails the outcome a crash left owed on a completed request, and only once', async () => {
    const first = setup({}, [task('paynow')], Object.assign(new FakeMailer(), { send: async () => { throw new Error('down'); } }));
    await expect(completeRequest(REQUEST_ID, first.deps)).rejects.toThrow();
    const mailer = new FakeMailer();
    const again = { ...first.deps, mailer, clock: fixedClock('2026-03-20T11:00:00.000Z') };
    expect(await completeRequest(REQUEST_ID, again)).toEqual({ requestId: REQUEST_ID, status: 'completed' });
    expect(mailer.sent.map((m) => m.to)).toEqual(['ann@example.com']);
    await completeRequest(REQUEST_ID, again);
    expect(mailer.sent).toHaveLength(1);
  });

  it('does nothing to a request an officer closed meanwhile', async () => {
    for (const status of ['denied', 'cancelled'] as const) {
      const { repo, mailer, deps } = setup({ status }, [task('paynow')]);
      expect(await completeRequest(REQUEST_ID, deps)).toEqual({ requestId: REQUEST_ID, status });
      expect(repo.log).toEqual([]);
      expect(mailer.sent).toEqual([]);
    }
  });

  it('refuses to complete while a task is still open, and an unknown request', async () => {
    const { repo, deps } = setup({}, [task('paynow'), task('parcelway', { status: 'sent' })]);
    await expect(completeRequest(REQUEST_ID, deps)).rejects.toThrow(`request ${REQUEST_ID} has unsettled tasks`);
    expect(repo.requests.get(REQUEST_ID)?.status).toBe('in_progress');
    await expect(completeRequest('01JQ9999999999999999999999', deps)).rejects.toMatchObject({ status: 404, message: 'request 01JQ9999999999999999999999 not found' });
  });
});

describe('a copy flagged as holding other people’s data', () => {
  it('is held with the flagging processors named on the audit trail, and logged by count', async () => {
    const info = vi.spyOn(logger, 'info');
    const flagged = { outcome: { request_status: 'completed' as const, third_party_data: true } };
    const { repo, deps } = setup({ type: 'access', exportKey: `exports/${REQUEST_ID}.zip` } as never, [task('parcelway', { action: 'export', ...flagged }), task('paynow', { action: 'export', ...flagged })]);
    expect(await completeRequest(REQUEST_ID, deps)).toEqual({ requestId: REQUEST_ID, status: 'awaiting_manual' });
    expect(repo.requests.get(REQUEST_ID)?.audit.at(-1)).toMatchObject({ action: 'hold_export', data: { processors: 'parcelway,paynow' } });
    expect(info).toHaveBeenCalledWith('copy held for review', { requestId: REQUEST_ID, flagged: 2 });
  });

  it('is flagged only for a copy: an erasure whose processor said so completes', async () => {
    const { repo, deps } = setup({ type: 'erasure' }, [task('parcelway', { outcome: { request_status: 'completed', third_party_data: true } })]);
    expect(await completeRequest(REQUEST_ID, deps)).toEqual({ requestId: REQUEST_ID, status: 'completed' });
    expect(repo.requests.get(REQUEST_ID)?.exportRelease).toBeUndefined();
  });
});
