import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import type { StoredRequest } from '../../../functions/core/ports.ts';
import { FakeBlobs, FakeMailer, FakeRepo, FakeWorkflow, fixedClock, REQUEST_ID, storedRequest } from '../processors/fakes.ts';

// The admin actions load the processor registry from S3 at import; lifting a restriction sends no webhook.
vi.mock('../../../functions/adapters/registry.ts', () => ({ registry: { version: 1, processors: [] } }));
const { liftRestriction } = await import('../../../functions/admin/actions.ts');
const { deliverOutcome, sweepOutbox } = await import('../../../functions/shared/outbox.ts');
const { sweeperOwner } = await import('../../../functions/core/outbox.ts');
const { requesterView } = await import('../../../functions/core/requester-status.ts');

// Monday 2 March 2026, 10:00 in London.
const NOW = '2026-03-02T10:00:00.000Z';
const hash = (s: string) => createHash('sha256').update(s).digest('hex');
const completedRestriction = { type: 'restrict', status: 'completed', closedAt: '2026-02-20T09:00:00.000Z' } as const;

function setup(over: Partial<StoredRequest> = {}, now = NOW) {
  const repo = new FakeRepo();
  repo.requests.set(REQUEST_ID, storedRequest({ ...completedRestriction, ...over }));
  repo.pii.set(REQUEST_ID, { email: 'ann@example.com' });
  const mailer = new FakeMailer();
  return { repo, mailer, deps: { repo: repo as never, mailer, workflow: Object.assign(new FakeWorkflow(), { stop: async () => {} }), clock: fixedClock(now), blobs: new FakeBlobs() } };
}
const request = (repo: FakeRepo) => repo.requests.get(REQUEST_ID) as StoredRequest;
const failing = { send: async () => Promise.reject(new Error('SES down')) };

describe('lifting a restriction (Art. 18(3))', () => {
  it('tells the requester, before it is lifted, from what date, why and how to object or complain, and puts the officer on the audit trail', async () => {
    const { repo, mailer, deps } = setup();
    const done = await liftRestriction(REQUEST_ID, { reason: 'accuracy_verified', liftOn: '2026-03-16' }, 'officer:o', deps);
    expect(done).toMatchObject({ status: 'completed', noticeOwed: false, restrictionLift: { on: '2026-03-16', reason: 'accuracy_verified', at: NOW, by: 'officer:o' } });
    expect(mailer.sent).toHaveLength(1);
    const mail = mailer.sent[0];
    expect(mail.to).toBe('ann@example.com');
    expect(mail.subject).toBe('Your request: the restriction of your data will be lifted');
    expect(mail.text).toContain(`reference ${REQUEST_ID}`);
    expect(mail.text).toContain('We will lift it from 16 March 2026.');
    expect(mail.text).toContain('we have finished checking the accuracy of the data you contested');
    expect(mail.text).toContain('If you disagree, tell us before 16 March 2026');
    expect(mail.text).toContain('Information Commissioner’s Office (ICO): Wycliffe House');
    expect(request(repo).audit.at(-1)).toMatchObject({ at: NOW, actor: 'officer:o', action: 'lift_restriction', subject: REQUEST_ID, data: { reason: 'accuracy_verified', liftOn: '2026-03-16' } });
    expect(request(repo).outboxNotice).toBeUndefined();
  });

  it('writes to a French requester in French, with the officer’s own words, whose hash alone is on the trail', async () => {
    const { repo, mailer, deps } = setup({ language: 'fr' });
    const note = 'Votre litige avec le transporteur est clos.';
    await liftRestriction(REQUEST_ID, { reason: 'other', liftOn: '2026-04-01', note }, 'officer:o', deps);
    const mail = mailer.sent[0];
    expect(mail.subject).toBe('Votre demande : la limitation de vos données va être levée');
    expect(mail.text).toContain('Nous la lèverons à partir du 1er avril 2026.');
    expect(mail.text).toContain(`Précisions de notre équipe :\n${note}`);
    expect(mail.text).toContain('autorité de contrôle du Royaume-Uni');
    expect(request(repo).audit.at(-1)?.data).toEqual({ reason: 'other', liftOn: '2026-04-01', noteSha256: hash(note) });
    expect(JSON.stringify(request(repo))).not.toContain('transporteur');
  });

  it('records the notice in the very write that marks the restriction lifted, and the sweeper mails it when SES refused it', async () => {
    const { repo, mailer, deps } = setup();
    const done = await liftRestriction(REQUEST_ID, { reason: 'requester_asked', liftOn: '2026-03-03' }, 'officer:o', { ...deps, mailer: failing });
    expect(done).toMatchObject({ noticeOwed: true, restrictionLift: { on: '2026-03-03' } });
    expect(request(repo).outboxNotice).toMatchObject({ notice: 'lift', reason: 'requester_asked', liftOn: '2026-03-03' });
    expect(await repo.listOwed('notice')).toHaveLength(1);
    const report = await sweepOutbox(new Date('2026-03-02T10:20:00.000Z'), { repo, mailer, workflow: { start: async () => 'arn' }, tokens: {} as never, baseUrl: 'http://x', linksPerHour: 5 } as never, sweeperOwner('run-1'));
    expect(report.noticesSent).toEqual([REQUEST_ID]);
    expect(mailer.sent.map((m) => m.subject)).toEqual(['Your request: the restriction of your data will be lifted']);
    expect(mailer.sent[0].text).toContain('you asked us to lift it');
    expect(request(repo).outboxNotice).toBeUndefined();
  });

  it('lifts a restriction once: a second lift is a 409 that writes and mails nothing', async () => {
    const { repo, mailer, deps } = setup();
    await liftRestriction(REQUEST_ID, { reason: 'objection_decided', liftOn: '2026-03-16' }, 'officer:o', deps);
    const version = request(repo).version;
    await expect(liftRestriction(REQUEST_ID, { reason: 'objection_decided', liftOn: '2026-03-20' }, 'officer:p', deps)).rejects.toMatchObject({ name: 'Conflict', message: 'this restriction is already being lifted, from 2026-03-16' });
    expect(request(repo).version).toBe(version);
    expect(mailer.sent).toHaveLength(1);
  });

  it.each([
    [{ type: 'erasure' }, 'only a restriction can be lifted, not this erasure request'],
    [{ status: 'in_progress' }, 'a restriction can be lifted once it is in place (its request completed), not while it is in_progress'],
    [{ status: 'denied' }, 'a restriction can be lifted once it is in place (its request completed), not while it is denied'],
  ] as const)('answers 409 with why for %o, writing and mailing nothing', async (over, message) => {
    const { repo, mailer, deps } = setup(over as Partial<StoredRequest>);
    await expect(liftRestriction(REQUEST_ID, { reason: 'accuracy_verified', liftOn: '2026-03-16' }, 'officer:o', deps)).rejects.toMatchObject({ name: 'Conflict', message });
    expect(request(repo).audit).toEqual([]);
    expect(mailer.sent).toEqual([]);
  });

  it('answers 409 when the requester’s contact data is no longer held: nobody could be told, so nothing is lifted', async () => {
    const { repo, mailer, deps } = setup();
    repo.pii.delete(REQUEST_ID);
    await expect(liftRestriction(REQUEST_ID, { reason: 'accuracy_verified', liftOn: '2026-03-16' }, 'officer:o', deps)).rejects.toMatchObject({ name: 'Conflict', message: expect.stringContaining('the requester’s contact data is no longer held') });
    expect(request(repo).restrictionLift).toBeUndefined();
    expect(mailer.sent).toEqual([]);
  });

  it.each([
    ['2026-03-02', 'today'],
    ['2026-03-01', 'yesterday'],
    ['2027-03-03', 'more than a year ahead'],
  ])('refuses a lift dated %s (%s) with a field-level 400: from tomorrow to a year from today, London dates', async (liftOn) => {
    const { repo, mailer, deps } = setup();
    await expect(liftRestriction(REQUEST_ID, { reason: 'accuracy_verified', liftOn }, 'officer:o', deps)).rejects.toMatchObject({ name: 'InvalidInput', issues: [{ path: 'liftOn', message: 'the London date the restriction is lifted from: from 2026-03-03, tomorrow, to 2027-03-02' }] });
    expect(request(repo).audit).toEqual([]);
    expect(mailer.sent).toEqual([]);
  });

  it('takes tomorrow as London’s: at 23:30 UTC on 30 June, already 1 July in London, 1 July is today, not tomorrow', async () => {
    const { deps } = setup({}, '2026-06-30T23:30:00.000Z');
    await expect(liftRestriction(REQUEST_ID, { reason: 'accuracy_verified', liftOn: '2026-07-01' }, 'officer:o', deps)).rejects.toMatchObject({ name: 'InvalidInput' });
    await expect(liftRestriction(REQUEST_ID, { reason: 'accuracy_verified', liftOn: '2026-07-02' }, 'officer:o', deps)).resolves.toMatchObject({ restrictionLift: { on: '2026-07-02' } });
  });

  it('needs the officer’s own words when the reason is “other”', async () => {
    const { deps } = setup();
    await expect(liftRestriction(REQUEST_ID, { reason: 'other', liftOn: '2026-03-16' }, 'officer:o', deps)).rejects.toMatchObject({ name: 'InvalidInput', issues: [{ path: 'note', message: 'say why the restriction is lifted, in at least 10 characters' }] });
  });
});

describe('the contact data of a restriction', () => {
  it('is kept once the restriction is in place, where any other completed request’s goes 30 days after it closed: the requester must be told before it is lifted', async () => {
    const { repo, deps } = setup({ outboxOutcome: { seq: 1, until: NOW, owner: 'notify' } });
    await deliverOutcome(request(repo), 'notify', new Date(NOW), { ...deps, baseUrl: 'http://x', processors: [] } as never);
    expect(repo.piiExpiry.get(REQUEST_ID)).toBeNull();
  });

  it('goes 30 days after the day the restriction is lifted, set when the lift’s notice is mailed', async () => {
    const { repo, deps } = setup();
    await liftRestriction(REQUEST_ID, { reason: 'accuracy_verified', liftOn: '2026-03-16' }, 'officer:o', deps);
    expect(repo.piiExpiry.get(REQUEST_ID)).toEqual(new Date('2026-04-15T00:00:00.000Z'));
  });
});

describe('the status page of a restriction', () => {
  it('says from what date it is lifted, and nothing of the kind before', () => {
    expect(requesterView(storedRequest(completedRestriction), [])).toMatchObject({ restrictionLiftedOn: null });
    expect(requesterView(storedRequest({ ...completedRestriction, restrictionLift: { at: NOW, by: 'officer:o', on: '2026-03-16', reason: 'accuracy_verified' } }), [])).toMatchObject({ restrictionLiftedOn: '2026-03-16' });
  });
});
