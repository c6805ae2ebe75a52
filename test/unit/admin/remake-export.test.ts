import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import type { StoredRequest, StoredTask } from '../../../functions/core/ports.ts';
import { FakeBlobs, FakeMailer, FakeRepo, FakeWorkflow, fixedClock, processor, REQUEST_ID, storedRequest } from '../processors/fakes.ts';

// The download link's secret comes from the app key; the registry and S3 are read at import; a
// results_url is fetched through the webhook sender, here one that cannot answer just now when told.
const h = vi.hoisted(() => ({ unreachable: false, fetched: 0, onFetch: undefined as undefined | (() => void) }));
vi.mock('../../../functions/shared/crypto.ts', async (orig) => ({ ...(await orig()), derivedToken: async () => 'download-token' }));
vi.mock('../../../functions/adapters/registry.ts', () => ({ registry: { version: 1, processors: [] } }));
vi.mock('../../../functions/adapters/blobs.ts', () => ({ S3Blobs: class { presign = async (key: string) => `https://exports.example/${key}`; } }));
vi.mock('../../../functions/adapters/webhook-sender.ts', async (orig) => ({
  ...(await orig()),
  fetchResults: async () => {
    h.fetched++;
    h.onFetch?.();
    if (h.unreachable) throw Object.assign(new Error('503 from the provider'), { name: 'ResultsUnavailable', status: 503 });
    return { orders: [{ id: 'o-2' }] };
  },
}));
const { releaseExport, remakeExport } = await import('../../../functions/admin/release.ts');
const { deny } = await import('../../../functions/admin/actions.ts');
const { detail } = await import('../../../functions/admin/views.ts');
const { sweep } = await import('../../../functions/sweeper/sweep.ts');

const NOW = '2026-04-20T10:00:00.000Z';
const DAY = 86_400_000;
const MIN = 60_000;
const later = (ms: number) => new Date(Date.parse(NOW) + ms);
const KEY = `exports/${REQUEST_ID}.zip`;
const OFFICER = 'officer:olivia';
const task: StoredTask = {
  taskId: `${REQUEST_ID}.parcelway`, requestId: REQUEST_ID, processorId: 'parcelway', category: 'delivery', action: 'export', status: 'completed', version: 3, attempts: 1, holds: [], audit: [],
  resultsHash: 'abc', outcome: { request_status: 'completed', third_party_data: true },
};
const madeDaysAgo = (days: number) => [{ at: new Date(Date.parse(NOW) - days * DAY).toISOString(), actor: 'workflow', action: 'export_assembled', subject: REQUEST_ID }] as never;

/** A copy held for review (Art. 15(4)) whose package was made 35 days ago: S3 has deleted it. Its deadline is weeks away. */
function setup(over: Partial<StoredRequest> = {}, results: Record<string, unknown> | null = { results: { orders: [{ id: 'o-1' }] } }) {
  const repo = new FakeRepo();
  heldCopy(repo, REQUEST_ID, over, results);
  const mailer = new FakeMailer();
  const blobs = new FakeBlobs();
  const processors = [processor({ id: 'parcelway', category: 'delivery' })];
  const workflow = Object.assign(new FakeWorkflow(), { describe: async () => ({ status: 'RUNNING' }), timeline: async () => [] });
  const deps = { repo: repo as never, mailer, clock: fixedClock(NOW), blobs, baseUrl: 'http://shop.example', workflow, processors };
  const sweepDeps = { repo, mailer, workflow, tokens: {}, baseUrl: 'http://shop.example', linksPerHour: 5, processors, blobs } as never;
  return { repo, mailer, blobs, deps, sweepDeps, run: (at: Date) => sweep(at, sweepDeps) };
}
/** A held copy `id` in `repo`, as setup's. */
function heldCopy(repo: FakeRepo, id: string, over: Partial<StoredRequest> = {}, results: Record<string, unknown> | null = { results: { orders: [{ id: 'o-1' }] } }) {
  repo.requests.set(id, storedRequest({ id, type: 'access', status: 'awaiting_manual', dueDate: '2026-06-01', exportKey: `exports/${id}.zip`, exportRelease: { flaggedBy: ['parcelway'], since: '2026-03-16T08:00:00.000Z' }, audit: madeDaysAgo(35), ...over }));
  repo.pii.set(id, { email: 'hana@example.com' });
  repo.tasks.set(`${id}.parcelway`, { ...task, taskId: `${id}.parcelway`, requestId: id });
  if (results) repo.results.set(`${id}.parcelway#abc`, { signedBody: JSON.stringify(results), expiresAt: later(60 * DAY) });
}
const actions = (repo: FakeRepo) => (repo.requests.get(REQUEST_ID)?.audit ?? []).map((e) => [e.actor.replace(/:.*/, ''), e.action]);

describe('a held copy whose package is gone, made again as an officer asks', () => {
  it('is asked for by the officer and made by the sweeper’s next run from the results still kept, then looked at and released with a link of 72 hours', async () => {
    const { repo, mailer, blobs, deps, run } = setup();
    await expect(releaseExport(REQUEST_ID, OFFICER, deps)).rejects.toMatchObject({ name: 'PackageGone' });

    const asked = await remakeExport(REQUEST_ID, OFFICER, deps);
    expect(asked).toMatchObject({ requestId: REQUEST_ID, status: 'awaiting_manual', remake: { at: NOW, by: OFFICER } });
    expect(asked.message).toMatch(/within 15 minutes.*look at it and release it/);
    // The officer's action makes nothing: it records who asked, and what is owed.
    expect(blobs.objects).toEqual(new Set());
    expect(actions(repo).slice(1)).toEqual([['officer', 'remake_export']]);
    expect(repo.requests.get(REQUEST_ID)?.outboxRemake).toMatchObject({ at: NOW, by: OFFICER });
    await expect(releaseExport(REQUEST_ID, OFFICER, deps)).rejects.toMatchObject({ name: 'PackageGone' });

    const report = await run(later(10 * MIN));
    expect(report.packagesRemade).toEqual([REQUEST_ID]);
    expect(blobs.objects).toEqual(new Set([KEY]));
    const made = repo.requests.get(REQUEST_ID) as StoredRequest;
    expect(made.outboxRemake).toBeUndefined();
    expect(made.status).toBe('awaiting_manual');
    expect(actions(repo).slice(1)).toEqual([['officer', 'remake_export'], ['sweeper', 'export_assembled']]);
    // The trail names the bytes put in the bucket, as Assemble's does.
    const body = blobs.bodies.get(KEY) as Uint8Array;
    expect(made.audit.at(-1)).toMatchObject({ at: later(10 * MIN).toISOString(), data: { sha256: createHash('sha256').update(body).digest('hex'), bytes: body.length } });
    expect(mailer.sent).toEqual([]);
    // Made once: the next run has nothing to make.
    expect((await run(later(30 * MIN))).packagesRemade).toEqual([]);

    deps.clock = fixedClock(later(DAY).toISOString());
    expect(await releaseExport(REQUEST_ID, OFFICER, deps)).toEqual({ requestId: REQUEST_ID, status: 'completed' });
    expect(repo.requests.get(REQUEST_ID)?.downloadExpiresAt).toBe(later(DAY + 3 * DAY).toISOString());
    expect(mailer.sent).toHaveLength(1);
  });

  it('is asked for once: a second click while it is owed answers the same and records nothing more', async () => {
    const { repo, deps } = setup();
    const first = await remakeExport(REQUEST_ID, OFFICER, deps);
    deps.clock = fixedClock(later(MIN).toISOString());
    expect(await remakeExport(REQUEST_ID, 'officer:ines', deps)).toEqual(first);
    expect(actions(repo).slice(1)).toEqual([['officer', 'remake_export']]);
  });

  it('is shown to the console as gone, then as being made, then as kept and releasable', async () => {
    const { deps, run } = setup();
    const shown = async () => (await detail(REQUEST_ID, deps as never, deps.workflow as never)).request.heldPackage;
    expect(await shown()).toEqual({ keptUntil: new Date(Date.parse(NOW) - 6 * DAY).toISOString(), releasable: false, remake: null, remakeFailed: null });
    await remakeExport(REQUEST_ID, OFFICER, deps);
    expect(await shown()).toEqual({ keptUntil: new Date(Date.parse(NOW) - 6 * DAY).toISOString(), releasable: false, remake: { at: NOW, by: OFFICER }, remakeFailed: null });
    await run(later(10 * MIN));
    expect(await shown()).toEqual({ keptUntil: later(10 * MIN + 29 * DAY).toISOString(), releasable: true, remake: null, remakeFailed: null });
  });

  it('is not made again while its package is kept long enough to release: nothing recorded', async () => {
    const { repo, deps } = setup({ audit: madeDaysAgo(28) });
    await expect(remakeExport(REQUEST_ID, OFFICER, deps)).rejects.toMatchObject({ status: 409, name: 'Conflict', message: expect.stringMatching(/still kept: look at it and release it/) });
    expect(actions(repo)).toHaveLength(1);
    expect(repo.requests.get(REQUEST_ID)?.outboxRemake).toBeUndefined();
  });

  it('cannot be asked for once the results it was made from are gone: a 409 that says the requester must ask again, and nothing owed', async () => {
    const { repo, mailer, deps } = setup({}, null);
    await expect(remakeExport(REQUEST_ID, OFFICER, deps)).rejects.toMatchObject({ status: 409, name: 'ResultsGone', message: expect.stringMatching(/cannot be made again.*\(parcelway;.*ask again/) });
    expect(actions(repo)).toHaveLength(1);
    expect(repo.requests.get(REQUEST_ID)?.outboxRemake).toBeUndefined();
    expect(mailer.sent).toEqual([]);
  });

  it('is a conflict on a request with no held copy', async () => {
    for (const over of [{ exportRelease: undefined }, { status: 'completed' as const }, { exportKey: undefined }]) {
      const { repo, deps } = setup(over);
      await expect(remakeExport(REQUEST_ID, OFFICER, deps)).rejects.toMatchObject({ status: 409, message: 'no copy of data is waiting for release on this request' });
      expect(repo.requests.get(REQUEST_ID)?.outboxRemake).toBeUndefined();
    }
  });
});

describe('the sweeper making a held copy’s package again', () => {
  it('makes no empty package once the results went since the officer asked: the request says so on its trail, and owes nothing', async () => {
    const { repo, blobs, deps, run } = setup();
    await remakeExport(REQUEST_ID, OFFICER, deps);
    repo.results.clear();
    const report = await run(later(10 * MIN));
    expect(report.packagesRemade).toEqual([]);
    expect(report.remakesDropped).toEqual([REQUEST_ID]);
    expect(blobs.objects).toEqual(new Set());
    const req = repo.requests.get(REQUEST_ID) as StoredRequest;
    expect(req.outboxRemake).toBeUndefined();
    expect(req.audit.at(-1)).toMatchObject({ actor: 'sweeper', action: 'remake_dropped', data: { reason: 'results_gone', processors: 'parcelway' } });
    // The officer asking again is told why it cannot be made.
    await expect(remakeExport(REQUEST_ID, OFFICER, deps)).rejects.toMatchObject({ name: 'ResultsGone' });
  });

  it('leaves it owed while a provider’s results_url cannot give its results just now, and makes it at a later run', async () => {
    const { repo, blobs, deps, run } = setup({}, { results_url: 'https://parcelway.example/results/1' });
    await remakeExport(REQUEST_ID, OFFICER, deps);
    h.unreachable = true;
    try {
      const report = await run(later(10 * MIN));
      expect(report.failed).toEqual([`remake:${REQUEST_ID}`]);
      expect(blobs.objects).toEqual(new Set());
      expect(repo.requests.get(REQUEST_ID)?.outboxRemake).toBeDefined();
    } finally {
      h.unreachable = false;
    }
    expect((await run(later(25 * MIN))).packagesRemade).toEqual([REQUEST_ID]);
    expect(blobs.objects).toEqual(new Set([KEY]));
    expect(actions(repo).filter(([, a]) => a === 'export_assembled')).toHaveLength(2);
  });

  it('leaves alone a package another run is making, until that run’s lease is over', async () => {
    const { repo, blobs, deps, run } = setup();
    await remakeExport(REQUEST_ID, OFFICER, deps);
    const owed = repo.requests.get(REQUEST_ID)?.outboxRemake;
    Object.assign(owed as object, { owner: 'sweeper:other-run', until: later(13 * MIN).toISOString() });
    expect((await run(later(10 * MIN))).packagesRemade).toEqual([]);
    expect(blobs.objects).toEqual(new Set());
    expect((await run(later(14 * MIN))).packagesRemade).toEqual([REQUEST_ID]);
  });

  it('makes nothing for a copy refused while it was owed: the refusal drops it', async () => {
    const { repo, blobs, deps, run } = setup();
    await remakeExport(REQUEST_ID, OFFICER, deps);
    await deny(REQUEST_ID, 'excessive', OFFICER, deps as never);
    expect(repo.requests.get(REQUEST_ID)?.outboxRemake).toBeUndefined();
    expect((await run(later(20 * MIN))).packagesRemade).toEqual([]);
    expect(blobs.objects).toEqual(new Set());
  });
});

describe('the sweeper’s share of packages to make again', () => {
  it('makes at most 3 a run, those asked first, and leaves the others, counted in its report, to the next runs', async () => {
    const { repo, blobs, deps, run } = setup();
    const ids = [REQUEST_ID, ...[1, 2, 3, 4].map((n) => `01JQ000000000000000000000${n}`)];
    for (const [i, id] of ids.entries()) {
      if (i) heldCopy(repo, id);
      deps.clock = fixedClock(later(i * MIN).toISOString());
      await remakeExport(id, OFFICER, deps);
    }
    const first = await run(later(10 * MIN));
    expect(first.packagesRemade).toEqual(ids.slice(0, 3));
    expect(first.left).toMatchObject({ remakes: 2 });
    expect(first.failed).toEqual([]);
    expect(blobs.objects.size).toBe(3);
    for (const id of ids.slice(3)) expect(repo.requests.get(id)?.outboxRemake, 'still owed').toBeDefined();
    const second = await run(later(25 * MIN));
    expect(second.packagesRemade).toEqual(ids.slice(3));
    expect(second.left).toMatchObject({ remakes: 0 });
    expect(blobs.objects.size).toBe(5);
  });

  it('makes them once the run’s other duties are done: a deadline reminder due is raised and mailed before any package is made', async () => {
    const { repo, mailer, deps, run } = setup({}, { results_url: 'https://parcelway.example/results/1' });
    const OTHER = '01JQ0000000000000000000009';
    repo.requests.set(OTHER, storedRequest({ id: OTHER, type: 'erasure', status: 'in_progress', dueDate: '2026-04-22', audit: [] }));
    await remakeExport(REQUEST_ID, OFFICER, deps);
    const mailedWhenFetched: string[][] = [];
    h.onFetch = () => mailedWhenFetched.push(mailer.sent.map((m) => m.subject));
    try {
      const report = await run(later(10 * MIN));
      expect(report.reminders).toEqual([`${OTHER}:reminder-2`]);
      expect(report.packagesRemade).toEqual([REQUEST_ID]);
    } finally {
      h.onFetch = undefined;
    }
    expect(mailedWhenFetched).toEqual([[expect.stringContaining(OTHER)]]);
  });
});

describe('a package the sweeper cannot make again', () => {
  const URL_ONLY = { results_url: 'https://parcelway.example/results/1' };
  const TEAM = 'compliance@offtek.example';
  /** Runs the sweeper at each of `times` while the provider's results_url cannot answer. */
  async function whileUnreachable<T>(fn: () => Promise<T>) {
    h.unreachable = true;
    try {
      return await fn();
    } finally {
      h.unreachable = false;
    }
  }

  it('is given up at the 8th try that failed: the write that clears what was owed records why on the request and its trail, the team is emailed once, and no run tries again', async () => {
    const { repo, mailer, blobs, deps, run } = setup({}, URL_ONLY);
    await remakeExport(REQUEST_ID, OFFICER, deps);
    await whileUnreachable(async () => {
      for (let i = 1; i < 8; i++) {
        const r = await run(later(i * 15 * MIN));
        expect(r.failed).toEqual([`remake:${REQUEST_ID}`]);
        expect(repo.requests.get(REQUEST_ID)?.outboxRemake?.tries, `try ${i} counted`).toBe(i);
      }
      expect(mailer.sent).toEqual([]);
      const last = await run(later(8 * 15 * MIN));
      expect(last.failed).toEqual([]);
      expect(last.remakesFailed).toEqual([REQUEST_ID]);
      const req = repo.requests.get(REQUEST_ID) as StoredRequest;
      expect(req.status).toBe('awaiting_manual');
      expect(req.outboxRemake).toBeUndefined();
      expect(req.remakeFailed).toEqual({ at: later(120 * MIN).toISOString(), error: 'ResultsUnavailable', processors: ['parcelway'], tries: 8, asked: { at: NOW, by: OFFICER } });
      expect(req.audit.at(-1)).toMatchObject({ actor: 'sweeper', action: 'remake_failed', data: { error: 'ResultsUnavailable', processors: 'parcelway', tries: 8 } });
      expect(mailer.sent).toHaveLength(1);
      expect(mailer.sent[0]).toMatchObject({ to: TEAM, subject: `Copy could not be made again (request ${REQUEST_ID})` });
      expect(mailer.sent[0].text).toContain(`The package of the held copy for request ${REQUEST_ID} could not be made again: the results of parcelway could not be fetched, 8 times since an officer asked on ${NOW.slice(0, 10)}.`);
      expect(mailer.sent[0].text).toContain('Nothing is sent to the requester. Make the copy again in the console once the provider can give its results, or tell the requester their copy is delayed, and why.');
      expect(req.outboxTeam).toBeUndefined();
      // Given up: later runs try nothing and mail nothing more.
      const fetched = h.fetched;
      const after = await run(later(9 * 15 * MIN));
      expect(after.failed).toEqual([]);
      expect(h.fetched).toBe(fetched);
      expect(mailer.sent).toHaveLength(1);
    });
    expect(blobs.objects).toEqual(new Set());
  });

  it('is given up at its first failed try once it has been owed a day', async () => {
    const { repo, mailer, deps, run } = setup({}, URL_ONLY);
    await remakeExport(REQUEST_ID, OFFICER, deps);
    await whileUnreachable(async () => {
      expect((await run(later(10 * MIN))).failed).toEqual([`remake:${REQUEST_ID}`]);
      expect((await run(later(DAY - MIN))).failed).toEqual([`remake:${REQUEST_ID}`]);
      expect((await run(later(DAY + 10 * MIN))).remakesFailed).toEqual([REQUEST_ID]);
    });
    expect(repo.requests.get(REQUEST_ID)?.remakeFailed).toMatchObject({ tries: 3, error: 'ResultsUnavailable' });
    expect(mailer.sent.map((m) => m.subject)).toEqual([`Copy could not be made again (request ${REQUEST_ID})`]);
  });

  it('is given up without another try once 8 runs took it and none finished (each died, or ran out of time)', async () => {
    const { repo, mailer, deps, run } = setup({}, URL_ONLY);
    await remakeExport(REQUEST_ID, OFFICER, deps);
    Object.assign(repo.requests.get(REQUEST_ID)?.outboxRemake as object, { tries: 8, owner: 'sweeper:a-run-that-died', until: later(5 * MIN).toISOString() });
    const fetched = h.fetched;
    const report = await run(later(10 * MIN));
    expect(h.fetched, 'nothing fetched').toBe(fetched);
    expect(report.remakesFailed).toEqual([REQUEST_ID]);
    expect(repo.requests.get(REQUEST_ID)?.remakeFailed).toMatchObject({ error: 'Interrupted', tries: 8 });
    expect(mailer.sent).toHaveLength(1);
  });

  it('is shown to the console with why and when, and can be asked for again: the mark goes in the write that owes it again, and the next run makes it', async () => {
    const { repo, blobs, deps, run } = setup({}, URL_ONLY);
    await remakeExport(REQUEST_ID, OFFICER, deps);
    await whileUnreachable(async () => {
      await run(later(10 * MIN));
      await run(later(DAY + 10 * MIN));
    });
    const shown = async () => (await detail(REQUEST_ID, deps as never, deps.workflow as never)).request.heldPackage;
    deps.clock = fixedClock(later(DAY + 20 * MIN).toISOString());
    expect(await shown()).toMatchObject({ releasable: false, remake: null, remakeFailed: { at: later(DAY + 10 * MIN).toISOString(), error: 'ResultsUnavailable', processors: ['parcelway'], tries: 2, asked: { at: NOW, by: OFFICER } } });

    const again = await remakeExport(REQUEST_ID, 'officer:ines', deps);
    expect(again).toMatchObject({ status: 'awaiting_manual', remake: { at: later(DAY + 20 * MIN).toISOString(), by: 'officer:ines' } });
    const req = repo.requests.get(REQUEST_ID) as StoredRequest;
    expect(req.remakeFailed).toBeUndefined();
    expect(req.outboxRemake?.tries).toBeUndefined();
    expect(actions(repo).slice(1)).toEqual([['officer', 'remake_export'], ['sweeper', 'remake_failed'], ['officer', 'remake_export']]);
    expect(await shown()).toMatchObject({ remake: { by: 'officer:ines' }, remakeFailed: null });

    expect((await run(later(DAY + 30 * MIN))).packagesRemade).toEqual([REQUEST_ID]);
    expect(blobs.objects).toEqual(new Set([KEY]));
    expect(await shown()).toMatchObject({ releasable: true, remake: null, remakeFailed: null });
  });

  it('marks the request “mail failed” when SES refuses the team’s email, which stays owed and goes at a later run', async () => {
    const { repo, mailer, deps, run } = setup({}, URL_ONLY);
    await remakeExport(REQUEST_ID, OFFICER, deps);
    const send = mailer.send.bind(mailer);
    mailer.send = async () => {
      throw Object.assign(new Error('Daily message quota exceeded'), { name: 'LimitExceededException' });
    };
    await whileUnreachable(async () => {
      await run(later(10 * MIN));
      expect((await run(later(DAY + 10 * MIN))).remakesFailed).toEqual([REQUEST_ID]);
    });
    let req = repo.requests.get(REQUEST_ID) as StoredRequest;
    expect(req.mailFailed).toMatchObject({ kind: 'review', error: 'LimitExceededException' });
    expect(req.outboxTeam).toMatchObject({ waiting: 'remake' });
    mailer.send = send;
    const report = await run(later(DAY + 25 * MIN));
    expect(report.teamEmailsSent).toEqual([REQUEST_ID]);
    expect(mailer.sent.map((m) => m.subject)).toEqual([`Copy could not be made again (request ${REQUEST_ID})`]);
    req = repo.requests.get(REQUEST_ID) as StoredRequest;
    expect(req.mailFailed).toBeUndefined();
    expect(req.outboxTeam).toBeUndefined();
  });

  const HELD = `Copy held for review (request ${REQUEST_ID})`;
  const GAVE_UP = `Copy could not be made again (request ${REQUEST_ID})`;
  /** The held copy's own email to the team, which SES has refused since Notify held the copy: still owed, and left for a later run. */
  const heldEmailOwed = { outboxTeam: { seq: 3, until: '2026-03-16T08:01:00.000Z', owner: 'workflow', waiting: 'held_copy' as const } };
  /** SES refusing every email `refused` picks (all of them by default) until the returned function is called. */
  function refuse(mailer: FakeMailer, refused: (subject: string) => boolean = () => true) {
    const send = mailer.send.bind(mailer);
    mailer.send = async (m) => {
      if (refused(m.subject)) throw Object.assign(new Error('Daily message quota exceeded'), { name: 'LimitExceededException' });
      return send(m);
    };
    return () => {
      mailer.send = send;
    };
  }

  it('keeps owing the held copy’s email the team was still owed when it gave up: once SES takes email again, the team gets that one, then its own, each once', async () => {
    const { repo, mailer, deps, run } = setup(heldEmailOwed, URL_ONLY);
    await remakeExport(REQUEST_ID, OFFICER, deps);
    const sesBack = refuse(mailer);
    await whileUnreachable(async () => {
      await run(later(10 * MIN));
      expect((await run(later(DAY + 10 * MIN))).remakesFailed).toEqual([REQUEST_ID]);
    });
    expect(mailer.sent).toEqual([]);
    sesBack();
    expect((await run(later(DAY + 25 * MIN))).teamEmailsSent).toEqual([REQUEST_ID]);
    expect(mailer.sent.map((m) => m.subject)).toEqual([HELD, GAVE_UP]);
    expect(mailer.sent[0].text).toContain("flagged other people's data in it (Art. 15(4))");
    const req = repo.requests.get(REQUEST_ID) as StoredRequest;
    expect(req.outboxTeam).toBeUndefined();
    expect(req.mailFailed).toBeUndefined();
    // Nothing owed any more: a later run mails neither again.
    await run(later(DAY + 40 * MIN));
    expect(mailer.sent).toHaveLength(2);
  });

  it('mails the held copy’s email once though SES refuses the one that follows it: the next run mails only the one left', async () => {
    const { repo, mailer, deps, run } = setup(heldEmailOwed, URL_ONLY);
    await remakeExport(REQUEST_ID, OFFICER, deps);
    let sesBack = refuse(mailer);
    await whileUnreachable(async () => {
      await run(later(10 * MIN));
      await run(later(DAY + 10 * MIN));
    });
    sesBack();
    sesBack = refuse(mailer, (subject) => subject === GAVE_UP);
    expect((await run(later(DAY + 25 * MIN))).teamEmailsSent).toEqual([]);
    expect(mailer.sent.map((m) => m.subject)).toEqual([HELD]);
    expect(repo.requests.get(REQUEST_ID)?.mailFailed).toMatchObject({ kind: 'review', error: 'LimitExceededException' });
    sesBack();
    expect((await run(later(DAY + 40 * MIN))).teamEmailsSent).toEqual([REQUEST_ID]);
    expect(mailer.sent.map((m) => m.subject)).toEqual([HELD, GAVE_UP]);
    expect(repo.requests.get(REQUEST_ID)?.outboxTeam).toBeUndefined();
  });

  it('still owes the held copy’s email once an officer asks again, but no longer its own, which the officer asking knows', async () => {
    const { repo, mailer, deps, run } = setup(heldEmailOwed, URL_ONLY);
    await remakeExport(REQUEST_ID, OFFICER, deps);
    const sesBack = refuse(mailer);
    await whileUnreachable(async () => {
      await run(later(10 * MIN));
      await run(later(DAY + 10 * MIN));
    });
    sesBack();
    deps.clock = fixedClock(later(DAY + 20 * MIN).toISOString());
    await remakeExport(REQUEST_ID, 'officer:ines', deps);
    await run(later(DAY + 30 * MIN));
    expect(mailer.sent.map((m) => m.subject)).toEqual([HELD]);
    expect(repo.requests.get(REQUEST_ID)?.outboxTeam).toBeUndefined();
  });
});

describe('a held copy’s actions on a request that does not exist', () => {
  it('answer 404, as every other action on an unknown request does, not a 409 saying no copy waits', async () => {
    const { deps } = setup();
    const unknown = '01JQ9999999999999999999999';
    await expect(remakeExport(unknown, OFFICER, deps)).rejects.toMatchObject({ name: 'NotFound', status: 404 });
    await expect(releaseExport(unknown, OFFICER, deps)).rejects.toMatchObject({ name: 'NotFound', status: 404 });
  });
});
