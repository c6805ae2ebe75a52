import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { Conflict } from '../../../functions/core/errors.ts';
import type { StoredRequest } from '../../../functions/core/ports.ts';
import { FakeBlobs, FakeMailer, FakeRepo, FakeWorkflow, fixedClock, REQUEST_ID, storedRequest } from '../processors/fakes.ts';

// The admin actions load the processor registry from S3 at import; these tests never retry a task.
vi.mock('../../../functions/adapters/registry.ts', () => ({ registry: { version: 1, processors: [] } }));
const { approveCorrection, cancel, deny, extend, pause, resolveTask, resume } = await import('../../../functions/admin/actions.ts');
const { sweepOutbox } = await import('../../../functions/shared/outbox.ts');
const { sweeperOwner } = await import('../../../functions/core/outbox.ts');

const ICO_LINES = [
  "Information Commissioner’s Office (ICO): Wycliffe House, Water Lane, Wilmslow, Cheshire SK9 5AF, telephone 0303 123 1113, https://ico.org.uk/make-a-complaint.",
  'You also have the right to go to court to enforce your rights.',
];

function setup(over: Partial<StoredRequest> = {}, now = '2026-03-02T10:00:00.000Z') {
  const repo = new FakeRepo();
  repo.requests.set(REQUEST_ID, storedRequest({ status: 'in_progress', ...over }));
  repo.pii.set(REQUEST_ID, { email: 'ann@example.com' });
  const mailer = new FakeMailer();
  const workflow = new FakeWorkflow();
  return { repo, mailer, deps: { repo: repo as never, mailer, workflow, clock: fixedClock(now), blobs: new FakeBlobs() } };
}

describe('dates in London time', () => {
  it('refuses an extension at 00:30 London time on the day after the deadline, when the UTC date is still the deadline', async () => {
    // 30 June 2026 23:30 UTC is 1 July 00:30 in London (BST): the original deadline of 30 June has passed.
    const { deps, mailer } = setup({ dueDate: '2026-06-30', verifiedAt: '2026-05-29T09:00:00.000Z' }, '2026-06-30T23:30:00.000Z');
    await expect(extend(REQUEST_ID, 'Several processors hold records', 'officer:o', deps)).rejects.toThrow('the original deadline has passed; it can no longer be extended');
    expect(mailer.sent).toEqual([]);
  });

  it('still extends at 23:30 London time on the deadline itself', async () => {
    const { deps } = setup({ dueDate: '2026-06-30', verifiedAt: '2026-05-29T09:00:00.000Z' }, '2026-06-30T22:30:00.000Z');
    const done = await extend(REQUEST_ID, 'Several processors hold records', 'officer:o', deps);
    // 29 May + 3 months is Saturday 29 August; Monday 31 August 2026 is the summer bank holiday.
    expect(done.extended?.dueDate).toBe('2026-09-01');
  });
});

describe('the extension notice (Art. 12(3))', () => {
  it('refuses, with the reason, to extend an objection, which takes effect at once (Art. 21(3)): it changes nothing and mails nothing', async () => {
    const { deps, repo, mailer } = setup({ type: 'objection', details: { eraseWarranty: false, objections: ['marketing'] }, dueDate: '2026-06-30', verifiedAt: '2026-05-29T09:00:00.000Z' }, '2026-06-20T10:00:00.000Z');
    const before = structuredClone(repo.requests.get(REQUEST_ID));
    const refused = extend(REQUEST_ID, 'Several processors hold records', 'officer:o', deps);
    await expect(refused).rejects.toBeInstanceOf(Conflict);
    await expect(refused).rejects.toThrow('an objection cannot be extended: it takes effect at once (Art. 21(3)), with nothing to extend for');
    expect(repo.requests.get(REQUEST_ID)).toEqual(before);
    expect(mailer.sent).toEqual([]);
  });

  it('tells the new date and the reason, and how to complain with the shop’s form first, then the ICO', async () => {
    const { deps, mailer } = setup({ dueDate: '2026-06-30', verifiedAt: '2026-05-29T09:00:00.000Z', language: 'en' }, '2026-06-20T10:00:00.000Z');
    await extend(REQUEST_ID, 'Several processors hold records', 'officer:o', deps);
    const text = mailer.sent[0].text ?? '';
    expect(mailer.sent[0].subject).toBe('Your request: more time needed');
    expect(text).toContain('Reason: Several processors hold records\nNew deadline: 1 September 2026.');
    expect(text).toContain(`you can first complain to us with our complaint form: http://localhost/complaint.html?ref=${REQUEST_ID}&lang=en (or by replying`);
    for (const line of ICO_LINES) expect(text).toContain(line);
  });

  it('leaves the notice owed when the mail fails, and the sweeper delivers it: the extension, which cannot be made twice, is never left untold', async () => {
    const { deps, repo, mailer } = setup({ dueDate: '2026-06-30', verifiedAt: '2026-05-29T09:00:00.000Z', language: 'en' }, '2026-06-20T10:00:00.000Z');
    const failing = { send: async () => Promise.reject(new Error('SES down')) };
    expect(await extend(REQUEST_ID, 'Several processors hold records', 'officer:o', { ...deps, mailer: failing })).toMatchObject({ noticeOwed: true });
    expect(repo.requests.get(REQUEST_ID)?.extended?.dueDate).toBe('2026-09-01');
    await expect(extend(REQUEST_ID, 'Again', 'officer:o', deps)).rejects.toThrow('the deadline has already been extended once');
    const later = new Date('2026-06-20T10:05:00.000Z');
    const report = await sweepOutbox(later, { repo, mailer, workflow: { start: async () => 'arn', describe: async () => undefined }, tokens: {} as never, baseUrl: 'http://x', linksPerHour: 5 } as never, sweeperOwner('run-1'));
    expect(report.noticesSent).toEqual([REQUEST_ID]);
    expect(mailer.sent.map((m) => m.subject)).toEqual(['Your request: more time needed']);
    expect(mailer.sent[0].text).toContain('Reason: Several processors hold records\nNew deadline: 1 September 2026.');
    expect(repo.requests.get(REQUEST_ID)?.outboxNotice).toBeUndefined();
  });
});

describe('a notice while an earlier one is still owed (SES refusing the requester’s mail)', () => {
  const failing = { send: async () => Promise.reject(new Error('SES down')) };
  const sweepAt = (repo: FakeRepo, mailer: Pick<FakeMailer, 'send'>, at: string, run: string) =>
    sweepOutbox(new Date(at), { repo, mailer, workflow: { start: async () => 'arn', describe: async () => undefined }, tokens: {} as never, baseUrl: 'http://x', linksPerHour: 5 } as never, sweeperOwner(run));
  const asked = 'Which orders your request for a copy is about';
  const CLARIFICATION = 'Your request: we need a clarification';
  const EXTENSION = 'Your request: more time needed';

  it('records the extension at once while the clarification is still owed, and the sweeper mails both, the clarification first, as it was asked', async () => {
    const { deps, repo, mailer } = setup({ type: 'access', dueDate: '2026-06-30', verifiedAt: '2026-05-29T09:00:00.000Z', language: 'en' }, '2026-06-20T10:00:00.000Z');
    expect(await pause(REQUEST_ID, asked, 'officer:o', { ...deps, mailer: failing })).toMatchObject({ noticeOwed: true });
    const done = await extend(REQUEST_ID, 'Several processors hold records', 'officer:o', { ...deps, mailer: failing });
    expect(done).toMatchObject({ noticeOwed: true, extended: { reason: 'Several processors hold records', dueDate: '2026-09-01' } });
    expect(done.audit.map((e) => e.action)).toEqual(['pause', 'extend']);
    expect(mailer.sent).toEqual([]);

    const report = await sweepAt(repo, mailer, '2026-06-20T10:05:00.000Z', 'run-1');
    expect(report.noticesSent).toEqual([REQUEST_ID]);
    expect(mailer.sent.map((m) => m.subject)).toEqual([CLARIFICATION, EXTENSION]);
    // Asked before the extension: the one-month time limit is what was paused then.
    expect(mailer.sent[0].text).toContain(`we need you to tell us:\n${asked}`);
    expect(mailer.sent[0].text).toContain('The one-month time limit is paused until we receive your answer');
    expect(mailer.sent[1].text).toContain('Reason: Several processors hold records');
    expect(repo.requests.get(REQUEST_ID)?.outboxNotice).toBeUndefined();
    expect(await repo.listOwed('notice')).toEqual([]);
    // Mailed behind nothing but queued before the extension: the question still goes to the contact data, and only there.
    expect(repo.pii.get(REQUEST_ID)?.clarification).toBe(asked);
    expect(JSON.stringify(repo.requests.get(REQUEST_ID))).not.toContain(asked);
    expect((await sweepAt(repo, mailer, '2026-06-20T10:20:00.000Z', 'run-2')).noticesSent).toEqual([]);
    expect(mailer.sent).toHaveLength(2);
  });

  it('stops the clock while the extension notice is still owed, and the sweeper mails both, the extension first', async () => {
    const { deps, repo, mailer } = setup({ type: 'access', dueDate: '2026-06-30', verifiedAt: '2026-05-29T09:00:00.000Z', language: 'en' }, '2026-06-20T10:00:00.000Z');
    expect(await extend(REQUEST_ID, 'Several processors hold records', 'officer:o', { ...deps, mailer: failing })).toMatchObject({ noticeOwed: true });
    expect(await pause(REQUEST_ID, asked, 'officer:o', { ...deps, mailer: failing })).toMatchObject({ noticeOwed: true, pausedSince: '2026-06-20T10:00:00.000Z' });
    await sweepAt(repo, mailer, '2026-06-20T10:05:00.000Z', 'run-1');
    expect(mailer.sent.map((m) => m.subject)).toEqual([EXTENSION, CLARIFICATION]);
    expect(mailer.sent[0].text).toContain('New deadline: 1 September 2026.');
    expect(mailer.sent[1].text).toContain('The time limit, extended to three months, is paused');
    expect(repo.requests.get(REQUEST_ID)?.outboxNotice).toBeUndefined();
  });

  it('mails a notice owed as the deployed version recorded it (one notice, on its own) before the extension, at once once SES takes mail', async () => {
    const owed = { seq: 1, until: '2026-06-20T09:01:00.000Z', owner: 'admin', notice: 'clarification', needed: asked } as const;
    const { deps, repo, mailer } = setup(
      { type: 'access', dueDate: '2026-06-30', verifiedAt: '2026-05-29T09:00:00.000Z', language: 'en', pausedSince: '2026-06-20T09:00:00.000Z', noticeSeq: 1, outboxNotice: owed },
      '2026-06-20T10:00:00.000Z',
    );
    expect(await extend(REQUEST_ID, 'Several processors hold records', 'officer:o', deps)).toMatchObject({ noticeOwed: false, extended: { dueDate: '2026-09-01' } });
    expect(mailer.sent.map((m) => m.subject)).toEqual([CLARIFICATION, EXTENSION]);
    expect(mailer.sent[0].text).toContain('The one-month time limit is paused');
    // Extended while the clock is stopped: the date follows once it restarts.
    expect(mailer.sent[1].text).toContain('we will write to tell you the new deadline once it starts again');
    expect(repo.requests.get(REQUEST_ID)?.outboxNotice).toBeUndefined();
  });

  it('restarting the clock while the extension made during the stop is still untold mails that extension first, then the new date, where the new date replaced it', async () => {
    const { deps, repo, mailer } = setup({ type: 'access', dueDate: '2026-06-30', verifiedAt: '2026-05-29T09:00:00.000Z', language: 'en' }, '2026-06-20T10:00:00.000Z');
    await pause(REQUEST_ID, asked, 'officer:o', deps);
    expect(await extend(REQUEST_ID, 'Several processors hold records', 'officer:o', { ...deps, mailer: failing })).toMatchObject({ noticeOwed: true });
    const later = { ...deps, clock: fixedClock('2026-06-25T10:00:00.000Z'), mailer: failing };
    expect(await resume(REQUEST_ID, 'officer:o', later)).toMatchObject({ noticeOwed: true, pausedDays: 5 });
    await sweepAt(repo, mailer, '2026-06-25T10:05:00.000Z', 'run-1');
    expect(mailer.sent.map((m) => m.subject)).toEqual([CLARIFICATION, EXTENSION, 'Your request: the new deadline']);
    expect(mailer.sent[1].text).toContain('we will write to tell you the new deadline once it starts again');
    expect(mailer.sent[2].text).toContain('New deadline: 3 September 2026.');
    expect(repo.requests.get(REQUEST_ID)?.outboxNotice).toBeUndefined();
  });

  it('after a crash between the extension’s write and its mail, the sweeper mails both; SES refusing the second, the next sweep mails only that one', async () => {
    const { deps, repo, mailer } = setup({ type: 'access', dueDate: '2026-06-30', verifiedAt: '2026-05-29T09:00:00.000Z', language: 'en' }, '2026-06-20T10:00:00.000Z');
    expect(await pause(REQUEST_ID, asked, 'officer:o', { ...deps, mailer: failing })).toMatchObject({ noticeOwed: true });
    // The admin function dies right after its write, before it reads the address to mail.
    const dying = Object.assign(Object.create(repo), { getPii: async () => Promise.reject(new Error('sandbox killed')) });
    await expect(extend(REQUEST_ID, 'Several processors hold records', 'officer:o', { ...deps, repo: dying, mailer: failing })).rejects.toThrow('sandbox killed');
    expect(repo.requests.get(REQUEST_ID)?.extended?.dueDate).toBe('2026-09-01');
    expect(await repo.listOwed('notice')).toHaveLength(1);

    // SES takes the first email and refuses the second.
    let taken = 0;
    const once = { send: async (m: Parameters<FakeMailer['send']>[0]) => (taken++ === 0 ? mailer.send(m) : Promise.reject(new Error('Throttling'))) };
    const first = await sweepAt(repo, once, '2026-06-20T10:05:00.000Z', 'run-1');
    expect(first).toMatchObject({ noticesSent: [], failed: [`notice:${REQUEST_ID}`] });
    expect(mailer.sent.map((m) => m.subject)).toEqual([CLARIFICATION]);
    expect(repo.requests.get(REQUEST_ID)?.mailFailed).toMatchObject({ kind: 'notice', notice: 'extension' });

    // The next run, once the first run's lease is over: the extension alone, the clarification is not mailed twice.
    const second = await sweepAt(repo, mailer, '2026-06-20T10:20:00.000Z', 'run-2');
    expect(second.noticesSent).toEqual([REQUEST_ID]);
    expect(mailer.sent.map((m) => m.subject)).toEqual([CLARIFICATION, EXTENSION]);
    expect(repo.requests.get(REQUEST_ID)?.outboxNotice).toBeUndefined();
    expect(repo.requests.get(REQUEST_ID)?.mailFailed).toBeUndefined();
  });
});

describe('pausing the clock for a clarification (Art. 12A)', () => {
  const needed = 'Which orders or which years your request for a copy is about';

  it('tells the requester what is needed and that the time limit is paused, and puts on the audit trail that a clarification was asked, with the SHA-256 of the question, not its words', async () => {
    const { deps, repo, mailer } = setup({ type: 'access', language: 'en' });
    const done = await pause(REQUEST_ID, needed, 'officer:o', deps);
    expect(done.pausedSince).toBe('2026-03-02T10:00:00.000Z');
    // The trail is kept 6 years as proof: the officer's question (often the requester's own data) is not on it.
    expect(done.audit.at(-1)).toMatchObject({ action: 'pause', actor: 'officer:o', data: { ground: 'clarification', neededSha256: createHash('sha256').update(needed).digest('hex') } });
    expect(JSON.stringify(repo.requests.get(REQUEST_ID)?.audit)).not.toContain('Which orders');
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0]).toMatchObject({ to: 'ann@example.com', subject: 'Your request: we need a clarification', kind: 'transactional' });
    expect(mailer.sent[0].text).toContain(`To answer your request (reference ${REQUEST_ID}), we need you to tell us:\n${needed}`);
    expect(mailer.sent[0].text).toContain('The one-month time limit is paused until we receive your answer; it starts again on the day we receive it.');
    // Delivered: the intent, and the question's text with it, are gone from the request record.
    expect(repo.requests.get(REQUEST_ID)?.outboxNotice).toBeUndefined();
    expect((await repo.listOwed('notice')).map((m) => m.requestId)).toEqual([]);
    expect(JSON.stringify(repo.requests.get(REQUEST_ID))).not.toContain('Which orders');
    // The question is kept with the requester's contact data, and goes with it.
    expect(repo.pii.get(REQUEST_ID)).toEqual({ email: 'ann@example.com', clarification: needed });
  });

  it('writes to a French requester in French', async () => {
    const { deps, mailer } = setup({ type: 'access', language: 'fr' });
    await pause(REQUEST_ID, 'Quelles commandes votre demande concerne-t-elle ?', 'officer:o', deps);
    expect(mailer.sent[0].subject).toBe('Votre demande : nous avons besoin d’une précision');
    expect(mailer.sent[0].text).toContain("Le délai de réponse d’un mois est suspendu jusqu’à ce que nous recevions votre réponse");
  });

  it.each([
    ['en', 'The time limit, extended to three months, is paused until we receive your answer; it starts again on the day we receive it.'],
    ['fr', "Le délai de réponse, prolongé à trois mois, est suspendu jusqu’à ce que nous recevions votre réponse ; il reprend le jour où nous la recevons."],
  ] as const)('tells a requester whose deadline was extended that the three-month time limit is paused, not a one-month one (%s)', async (language, line) => {
    const extended = { at: '2026-03-01T12:00:00.000Z', reason: 'Several processors hold records', dueDate: '2026-06-01' };
    const { deps, mailer } = setup({ type: 'access', language, extended });
    await pause(REQUEST_ID, needed, 'officer:o', deps);
    expect(mailer.sent[0].text.split('\n')).toContain(line);
    expect(mailer.sent[0].text).not.toMatch(/one-month|d’un mois/);
  });

  it.each(['erasure', 'objection', 'rectification'] as const)('refuses to stop the clock of an %s request, changing nothing and mailing nothing', async (type) => {
    const { deps, repo, mailer } = setup({ type });
    await expect(pause(REQUEST_ID, needed, 'officer:o', deps)).rejects.toThrow(`not for an ${type} request`);
    expect(repo.requests.get(REQUEST_ID)?.version).toBe(2);
    expect(mailer.sent).toEqual([]);
  });

  it('leaves the notice owed when the mail fails, and the sweeper delivers it', async () => {
    const { deps, repo, mailer } = setup({ type: 'access' });
    const failing = { send: async () => Promise.reject(new Error('SES down')) };
    expect(await pause(REQUEST_ID, needed, 'officer:o', { ...deps, mailer: failing })).toMatchObject({ noticeOwed: true });
    expect(repo.requests.get(REQUEST_ID)?.pausedSince).toBe('2026-03-02T10:00:00.000Z');
    const later = new Date('2026-03-02T10:05:00.000Z');
    const report = await sweepOutbox(later, { repo, mailer, workflow: { start: async () => 'arn', describe: async () => undefined }, tokens: {} as never, baseUrl: 'http://x', linksPerHour: 5 } as never, sweeperOwner('run-1'));
    expect(report.noticesSent).toEqual([REQUEST_ID]);
    expect(mailer.sent.map((m) => m.subject)).toEqual(['Your request: we need a clarification']);
    expect(repo.requests.get(REQUEST_ID)?.outboxNotice).toBeUndefined();
  });
});

describe('refusals and cancellations (Art. 12(4), DPA 2018 s.164A)', () => {
  it('tells a refused requester the reason, the ICO and its contact details, and the right to go to court', async () => {
    const { deps, mailer, repo } = setup();
    const done = await deny(REQUEST_ID, 'excessive', 'officer:o', deps);
    expect(done.status).toBe('denied');
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0].subject).toBe('Your privacy request has been refused');
    expect(mailer.sent[0].text).toContain(`We will not act on your request (reference ${REQUEST_ID}), for this reason: the request is manifestly excessive: it repeats or overlaps requests we have already answered.`);
    for (const line of ICO_LINES) expect(mailer.sent[0].text).toContain(line);
    expect(repo.requests.get(REQUEST_ID)?.outboxNotice).toBeUndefined();
  });

  it('refuses a correction because the data is accurate, telling the requester so, with the team’s explanation and how to complain', async () => {
    const { deps, mailer } = setup({ status: 'awaiting_review', type: 'rectification', details: { eraseWarranty: false, objections: [], rectification: { field: 'name', correction: 'Ann Smith' } } });
    const done = await deny(REQUEST_ID, 'data_accurate', 'officer:o', deps, 'Your name is as it appears on your card.');
    expect(done).toMatchObject({ status: 'denied', outcome: 'denied:data_accurate' });
    expect(mailer.sent[0].text).toContain(`We will not act on your request (reference ${REQUEST_ID}), for this reason: we checked the data you asked us to correct and we believe it is accurate, so we will not change it.`);
    expect(mailer.sent[0].text).toContain('Your name is as it appears on your card.');
    for (const line of ICO_LINES) expect(mailer.sent[0].text).toContain(line);
  });

  it('refuses to give accurate data as the reason for refusing anything but a correction: a 400 naming the reason, writing and mailing nothing', async () => {
    const { deps, mailer, repo } = setup({ status: 'in_progress' });
    await expect(deny(REQUEST_ID, 'data_accurate', 'officer:o', deps)).rejects.toMatchObject({ name: 'InvalidInput', status: 400, issues: [{ path: 'reason', message: 'only a correction can be refused because the data is accurate' }] });
    expect(repo.requests.get(REQUEST_ID)?.status).toBe('in_progress');
    expect(mailer.sent).toEqual([]);
  });

  it('closes a refused request without the requester’s free-text correction, keeping its proof 6 years', async () => {
    const { deps, repo } = setup({ type: 'rectification', details: { eraseWarranty: false, objections: [], rectification: { field: 'name', correction: 'Ann Smith-Jones' } } });
    await deny(REQUEST_ID, 'identity_not_verified', 'officer:o', deps);
    expect(repo.requests.get(REQUEST_ID)?.details).toEqual({ eraseWarranty: false, objections: [] });
    expect(repo.requestTtl.get(REQUEST_ID)?.toISOString()).toBe('2032-03-02T10:00:00.000Z');
  });

  it('takes the tasks still out or escalated of a request it refuses or cancels out of the watch index, and not its others', async () => {
    for (const close of [deny, cancel] as const) {
      const { deps, repo } = setup({ status: 'awaiting_manual' });
      const t = (processorId: string, status: string) => repo.tasks.set(`${REQUEST_ID}.${processorId}`, { taskId: `${REQUEST_ID}.${processorId}`, requestId: REQUEST_ID, processorId, category: 'payments', action: 'erase', status, version: 2, attempts: 1, holds: [], audit: [] } as never);
      t('out', 'sent');
      t('acked', 'in_progress');
      t('stuck', 'timed_out');
      t('broken', 'failed');
      t('waiting', 'pending');
      t('done', 'completed');
      await (close === deny ? deny(REQUEST_ID, 'excessive', 'officer:o', deps) : cancel(REQUEST_ID, 'withdrawn_by_requester', 'officer:o', deps));
      expect([...repo.unwatched].sort()).toEqual(['acked', 'broken', 'out', 'stuck'].map((p) => `${REQUEST_ID}.${p}`));
    }
  });

  it('refuses or cancels all the same when taking its tasks out of the watch index fails', async () => {
    const { deps, repo } = setup({ status: 'awaiting_manual' });
    repo.tasks.set(`${REQUEST_ID}.out`, { taskId: `${REQUEST_ID}.out`, requestId: REQUEST_ID, processorId: 'out', category: 'payments', action: 'erase', status: 'sent', version: 2, attempts: 1, holds: [], audit: [] } as never);
    repo.unwatchTask = async () => {
      throw Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' });
    };
    await expect(deny(REQUEST_ID, 'excessive', 'officer:o', deps)).resolves.toMatchObject({ status: 'denied', noticeOwed: false });
  });

  it('tells a cancelled requester why, in French, with the same remedies', async () => {
    const { deps, mailer } = setup({ language: 'fr' });
    const done = await cancel(REQUEST_ID, 'withdrawn_by_requester', 'officer:o', deps);
    expect(done.status).toBe('cancelled');
    expect(done.audit.at(-1)).toMatchObject({ action: 'cancel', data: { reason: 'withdrawn_by_requester' } });
    expect(mailer.sent[0].subject).toBe('Votre demande de confidentialité est annulée');
    expect(mailer.sent[0].text).toContain('pour la raison suivante : vous nous avez dit ne plus la souhaiter.');
    expect(mailer.sent[0].text).toContain("Information Commissioner’s Office (ICO) : Wycliffe House, Water Lane, Wilmslow, Cheshire SK9 5AF, téléphone 0303 123 1113, https://ico.org.uk/make-a-complaint.");
    expect(mailer.sent[0].text).toContain('Vous avez aussi le droit de saisir la justice pour faire respecter vos droits.');
  });
});

describe('resolving a task as retained', () => {
  const escalated = (repo: FakeRepo) =>
    repo.tasks.set(`${REQUEST_ID}.socialapp`, { taskId: `${REQUEST_ID}.socialapp`, requestId: REQUEST_ID, processorId: 'socialapp', category: 'social', action: 'erase', status: 'timed_out', version: 2, attempts: 1, holds: [], audit: [] } as never);

  it('puts the request back in progress before the workflow is released, so that the trail says the officer unblocked it', async () => {
    const { repo, deps } = setup({ status: 'awaiting_manual' });
    repo.tasks.set(`${REQUEST_ID}.socialapp`, { taskId: `${REQUEST_ID}.socialapp`, requestId: REQUEST_ID, processorId: 'socialapp', category: 'social', action: 'erase', status: 'timed_out', version: 2, attempts: 1, holds: [], audit: [], token: 'tok-social' } as never);
    // The released workflow may finish the request at once (Notify): what the officer's write left by then is what it finds.
    const seen: string[] = [];
    const send = deps.workflow.taskSuccess.bind(deps.workflow);
    deps.workflow.taskSuccess = async (token: string, output: unknown) => {
      seen.push(repo.requests.get(REQUEST_ID)?.status ?? 'none');
      return send(token, output);
    };
    await resolveTask(REQUEST_ID, 'socialapp', { outcome: 'completed', note: 'Erased by hand in the partner portal' }, 'officer:o', deps);
    expect(seen).toEqual(['in_progress']);
    expect(repo.requests.get(REQUEST_ID)?.audit.map((e) => e.action)).toContain('unblock');
  });

  it('records the basis and the until-date on the task and on the audit trail', async () => {
    const { repo, deps } = setup({ status: 'awaiting_manual' });
    escalated(repo);
    const done = await resolveTask(REQUEST_ID, 'socialapp', { outcome: 'retained', note: 'Court case pending', basis: 'legal_claims', until: '2027-06-30' }, 'officer:o', deps);
    expect(done.outcome).toEqual({ request_status: 'resolved', reason: 'retained', note: 'Court case pending', legal_basis: 'legal_claims', retained_until: '2027-06-30' });
    expect(repo.tasks.get(`${REQUEST_ID}.socialapp`)?.audit.at(-1)).toMatchObject({ action: 'resolve', data: { outcome: 'retained', legal_basis: 'legal_claims', retained_until: '2027-06-30' } });
  });

  it('refuses to keep for the lifetime warranty what the requester asked to erase too, naming the basis, and changes nothing', async () => {
    const { repo, deps } = setup({ status: 'awaiting_manual', details: { eraseWarranty: true, objections: [] } });
    escalated(repo);
    await expect(resolveTask(REQUEST_ID, 'socialapp', { outcome: 'retained', note: 'Warranty records', basis: 'lifetime_warranty', until: '2030-01-01' }, 'officer:o', deps)).rejects.toMatchObject({
      name: 'InvalidInput',
      issues: [{ path: 'basis', message: 'the requester asked to erase their lifetime-warranty purchase records too: they cannot be kept for the warranty' }],
    });
    expect(repo.tasks.get(`${REQUEST_ID}.socialapp`)?.status).toBe('timed_out');
  });

  it('refuses, naming the outcome, to resolve as retained a task that is not an erasure (a copy’s, told “kept instead of erasing”), and changes nothing', async () => {
    const { repo, deps, mailer } = setup({ status: 'awaiting_manual', type: 'access' });
    repo.tasks.set(`${REQUEST_ID}.socialapp`, { taskId: `${REQUEST_ID}.socialapp`, requestId: REQUEST_ID, processorId: 'socialapp', category: 'social', action: 'export', status: 'timed_out', version: 2, attempts: 1, holds: [], audit: [] } as never);
    await expect(resolveTask(REQUEST_ID, 'socialapp', { outcome: 'retained', note: 'Court case pending', basis: 'legal_claims', until: '2027-06-30' }, 'officer:o', deps)).rejects.toMatchObject({
      name: 'InvalidInput',
      issues: [{ path: 'outcome', message: 'only an erasure’s task can be resolved as retained' }],
    });
    expect(repo.tasks.get(`${REQUEST_ID}.socialapp`)).toMatchObject({ status: 'timed_out', version: 2 });
    expect(mailer.sent).toEqual([]);
  });

  it('refuses an until-date that is today in London (00:30 BST, still yesterday in UTC), naming the field, and changes nothing', async () => {
    const { repo, deps } = setup({ status: 'awaiting_manual' }, '2026-06-30T23:30:00.000Z');
    escalated(repo);
    await expect(resolveTask(REQUEST_ID, 'socialapp', { outcome: 'retained', note: 'Court case pending', basis: 'legal_claims', until: '2026-07-01' }, 'officer:o', deps)).rejects.toMatchObject({ name: 'InvalidInput', issues: [{ path: 'until', message: 'must be a date after today' }] });
    expect(repo.tasks.get(`${REQUEST_ID}.socialapp`)?.status).toBe('timed_out');
  });
});

describe('an officer reviews a correction before any processor gets it (Art. 16, 19)', () => {
  const rectification = { field: 'my surname', correction: 'It is King since my marriage' };

  it('approves the fields to correct: the request becomes verified, its execution starts, and the audit trail names the fields, not their values', async () => {
    const { deps, repo } = setup({ type: 'rectification', status: 'awaiting_review', details: { eraseWarranty: false, objections: [], rectification } });
    const started: string[] = [];
    deps.workflow.start = async (...args: unknown[]) => {
      started.push(String(args[0]));
      return 'arn';
    };
    const done = await approveCorrection(REQUEST_ID, { name: 'Ann King' }, 'officer:o', deps);
    expect(done.status).toBe('verified');
    expect(repo.requests.get(REQUEST_ID)?.details).toEqual({ eraseWarranty: false, objections: [], rectification, corrections: { name: 'Ann King' } });
    expect(done.audit.at(-1)).toMatchObject({ action: 'approve', actor: 'officer:o', from: 'awaiting_review', to: 'verified', data: { fields: 'name' } });
    expect(JSON.stringify(done.audit)).not.toContain('Ann King');
    expect(started).toEqual([REQUEST_ID]);
  });

  it('stores the officer’s note on what was not corrected, cleaned and bounded, with the approval; the trail keeps its hash, not its words', async () => {
    const { deps, repo } = setup({ type: 'rectification', status: 'awaiting_review', details: { eraseWarranty: false, objections: [], rectification } });
    deps.workflow.start = async () => 'arn';
    const done = await approveCorrection(REQUEST_ID, { name: 'Ann King' }, 'officer:o', deps, `  The phone\u0007 number stays: it is evidence.${'x'.repeat(1200)}`);
    const note = repo.requests.get(REQUEST_ID)?.details.uncorrected ?? '';
    expect(note.startsWith('The phone  number stays: it is evidence.')).toBe(true);
    expect(note).toHaveLength(1000);
    expect(done.audit.at(-1)?.data).toMatchObject({ fields: 'name', uncorrectedSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(JSON.stringify(done.audit)).not.toContain('evidence');
  });

  it('refuses a note on what was not corrected for a request that is not a correction', async () => {
    const { deps } = setup({ type: 'erasure', status: 'awaiting_review', agent: { relationship: 'solicitor', proof: 'signed_authority' } } as never);
    await expect(approveCorrection(REQUEST_ID, undefined, 'officer:o', deps, 'nothing')).rejects.toMatchObject({ name: 'InvalidInput', issues: [{ path: 'uncorrected', message: 'only a correction has fields left uncorrected' }] });
  });

  it('refuses to approve a request that is not waiting for review, and changes nothing', async () => {
    const { deps, repo } = setup({ type: 'rectification', status: 'in_progress', details: { eraseWarranty: false, objections: [], rectification } });
    await expect(approveCorrection(REQUEST_ID, { name: 'Ann King' }, 'officer:o', deps)).rejects.toThrow("request in status 'in_progress' cannot 'approve'");
    expect(repo.requests.get(REQUEST_ID)?.details.corrections).toBeUndefined();
  });

  it('lets the officer refuse a correction waiting for review', async () => {
    const { deps } = setup({ type: 'rectification', status: 'awaiting_review', details: { eraseWarranty: false, objections: [], rectification } });
    expect((await deny(REQUEST_ID, 'manifestly_unfounded', 'officer:o', deps)).status).toBe('denied');
  });
});

describe('an officer checks an authorised agent’s proof of authority (form requests made for someone else)', () => {
  const agent = { relationship: 'solicitor' as const, proof: 'signed_authority' as const };

  it('approves an agent’s erasure with no fields: the request becomes verified, its execution starts, and the audit trail records the agent’s codes', async () => {
    const { deps } = setup({ type: 'erasure', status: 'awaiting_review', agent });
    const started: string[] = [];
    deps.workflow.start = async (...args: unknown[]) => {
      started.push(String(args[0]));
      return 'arn';
    };
    const done = await approveCorrection(REQUEST_ID, undefined, 'officer:o', deps);
    expect(done.status).toBe('verified');
    expect(done.audit.at(-1)).toMatchObject({ action: 'approve', actor: 'officer:o', from: 'awaiting_review', to: 'verified', data: { agent: 'solicitor', agentProof: 'signed_authority' } });
    expect(started).toEqual([REQUEST_ID]);
  });

  it('refuses corrected values for a request that is not a correction, and a correction without them, each as a field-level 400 that changes nothing', async () => {
    const erasure = setup({ type: 'erasure', status: 'awaiting_review', agent });
    await expect(approveCorrection(REQUEST_ID, { name: 'Ann King' }, 'officer:o', erasure.deps)).rejects.toMatchObject({ name: 'InvalidInput', issues: [{ path: 'corrections', message: 'only a correction has fields to approve' }] });
    expect(erasure.repo.requests.get(REQUEST_ID)?.status).toBe('awaiting_review');
    const correction = setup({ type: 'rectification', status: 'awaiting_review', agent, details: { eraseWarranty: false, objections: [], rectification: { field: 'name', correction: 'Ann King' } } });
    await expect(approveCorrection(REQUEST_ID, undefined, 'officer:o', correction.deps)).rejects.toMatchObject({ name: 'InvalidInput', issues: [{ path: 'corrections', message: 'name at least one corrected field' }] });
    expect(correction.repo.requests.get(REQUEST_ID)?.status).toBe('awaiting_review');
  });

  it('refuses it for want of authority, telling the person why and how to complain, in their language, and drops a team email still owed', async () => {
    const { deps, mailer, repo } = setup({ type: 'access', status: 'awaiting_review', agent, language: 'fr', outboxTeam: { seq: 2, until: '2026-03-02T10:01:00.000Z', owner: 'verify-run', waiting: 'agent' } });
    expect((await deny(REQUEST_ID, 'authority_not_shown', 'officer:o', deps)).status).toBe('denied');
    expect(repo.requests.get(REQUEST_ID)?.outboxTeam).toBeUndefined();
    expect(mailer.sent.map((m) => m.to)).toEqual(['ann@example.com']);
    expect(mailer.sent[0].text).toContain(
      `Nous ne donnerons pas suite à votre demande (référence ${REQUEST_ID}), pour la raison suivante : elle a été faite en votre nom par une personne qui ne nous a pas montré de preuve satisfaisante qu’elle peut agir pour vous ; vous, ou elle avec cette preuve, pouvez la refaire.`,
    );
  });
});
