import { describe, expect, it, vi } from 'vitest';
import { type AdminDeps, approveCorrection, cancel, deny, extend, liftRestriction, pause, resend, resolveTask, resume, retryAssembly, retryTask } from '../../../functions/admin/actions.ts';
import { key } from '../../../functions/adapters/table.ts';
import { LogBody, logRequest } from '../../../functions/admin/log-request.ts';
import { releaseExport, remakeExport } from '../../../functions/admin/release.ts';
import { heldPackageShown } from '../../../functions/admin/views.ts';
import { createHash } from 'node:crypto';
import { addDays, londonDate, restartOn } from '../../../functions/core/deadline.ts';
import { retryOnRace } from '../../../functions/core/errors.ts';
import type { StoredRequest, StoredTask } from '../../../functions/core/ports.ts';
import { ESCALATED_TASK_STATUSES } from '../../../functions/core/status.ts';
import { webhookIdOf } from '../../../functions/core/webhook.ts';
import { holdAssembly } from '../../../functions/escalate/assembly.ts';
import { sha256 } from '../../../functions/shared/crypto.ts';
import { type SweepDeps, sweep } from '../../../functions/sweeper/sweep.ts';
import { at, BASE, boundaries, type Faults, inProgress, MIN, scenarios, settle, type World, world } from './fault-world.ts';
import { answered, CALLBACK_RECOVERIES, expectBranchSettled, PAYNOW, signed, strikeCallback, type TaskWorld, taskWorld } from './task-world.ts';

/**
 * Fault injection at every step boundary of the compliance officer's actions (the machinery is in
 * fault-world.ts and task-world.ts): resolving or retrying an escalated task, refusing or cancelling a
 * request in progress, extending its deadline, releasing a held copy. Every port call (each DynamoDB
 * command, each Step Functions call, each webhook, each email, each deletion from the export bucket)
 * is numbered; scenario k makes call k fail before it takes effect, or kills the process just after
 * it took effect. Then the world recovers as it would: the officer, shown an error, clicks again (or
 * does not), the processor answers what it took, the sweeper runs, days pass. Then the invariants:
 * the request and its tasks agree, each token owed to the workflow is sent once, an execution owed a
 * stop is stopped, a refused or cancelled copy keeps no export results, each audit event is on the
 * trail once, and the requester gets the email owed, twice at most where no mailer can do better.
 */

// A results_url Assemble's code fetches (a held copy's package made again by the sweeper): a numbered
// port call, which answers 503 while `down`; `faults` is the world's of the scenario.
const resultsUrl = vi.hoisted(() => ({ down: false, faults: undefined as undefined | Pick<Faults, 'call'> }));
vi.mock('../../../functions/adapters/webhook-sender.ts', async (orig) => ({
  ...(await orig<object>()),
  fetchResults: (url: string) =>
    (resultsUrl.faults as Faults).call('http:GET', url, async () => {
      if (resultsUrl.down) throw Object.assign(new Error('results_url answered 503'), { name: 'ResultsUnavailable', status: 503 });
      return { records: [{ id: 'PAY-1', payer: 'someone else' }] };
    }),
}));

// The sweeper's pass over stuck tasks and the officer's actions read the registry: PayNow alone, as config/processors.json has it.
vi.mock('../../../functions/adapters/registry.ts', async () => {
  const { loadRegistry } = await import('../../../local/processors/registry.ts');
  const all = loadRegistry();
  return { registry: { ...all, processors: all.processors.filter((p) => p.id === 'paynow') } };
});

const OFFICER = 'officer:ada';
const DAY = 24 * 60 * MIN;

/** The officer's side of a world: their actions, run as the admin handler runs them (retryOnRace), with PayNow's endpoint for a retry's webhook. */
const officer = (tw: World & Partial<Pick<TaskWorld, 'paynow'>>) => {
  const deps = { repo: tw.repo, mailer: tw.mail, workflow: tw.machine, clock: tw.clock, blobs: tw.blobs, post: tw.paynow?.post } as unknown as AdminDeps;
  return {
    deps,
    act: (fn: (deps: AdminDeps) => Promise<unknown>) => settle(retryOnRace(() => fn(deps))),
  };
};
/** What the requester was mailed. */
const requesterMail = (tw: World) => tw.mail.sent.filter((m) => m.to === 'ada@example.com');
const events = (trail: { action: string }[], action: string) => trail.filter((e) => e.action === action);

/** Dispatch took the task to PayNow, which went silent: the Dispatch state timed out into Escalate, and the request waits for an officer. */
const escalated = async (tw: TaskWorld) => {
  await tw.dispatch();
  await tw.timeOut();
  tw.setTime(at(10 * MIN));
};
/** Dispatch took the task to PayNow, which has not answered yet. */
const out = async (tw: TaskWorld) => {
  await tw.dispatch();
  tw.setTime(at(10 * MIN));
};
/** PayNow answered the copy's task with its export results: the branch is done, the execution goes on to assemble the copy. */
const answeredWithResults = async (tw: TaskWorld) => {
  await tw.dispatch();
  tw.setTime(at(MIN));
  expect((await tw.callback(signed(tw.taskId, { request_status: 'completed', results: { records: [{ id: 'PAY-1', amount: 12.5 }] } }, 'msg_answer'))).ok).toBe(true);
  tw.setTime(at(10 * MIN));
};

const RECOVERIES = ['the officer clicks again', 'only the sweeper runs'] as const;

describe('resolving an escalated task survives a fault at every step', async () => {
  const resolve = (tw: TaskWorld) => officer(tw).act((deps) => resolveTask(tw.requestId, PAYNOW.id, { outcome: 'completed', note: 'erased by hand in the PayNow console' }, OFFICER, deps));
  const calls = await boundaries(taskWorld, resolve, escalated);

  it('makes the calls a fault is injected into', () => {
    expect(calls).toEqual(expect.arrayContaining(['dynamodb:Update', 'states:SendTaskSuccess']));
  });

  for (const recovery of RECOVERIES) {
    for (const s of scenarios(calls)) it(`${recovery}: fault ${s.when} call ${s.k} (${s.name}): the task resolved once, its Escalate released once, and Notify completes the request`, async () => {
      const tw = await taskWorld();
      await escalated(tw);
      const first = await strike(tw, s, recovery, resolve, 10 * MIN);
      await tw.sweep(at(30 * MIN));

      await expectBranchSettled(tw);
      const t = await tw.task();
      expect(events(t.audit, 'resolve').length, 'resolved once on the trail').toBeLessThanOrEqual(1);
      expect(events((await tw.request()).audit, 'unblock').length, 'unblocked once at most').toBeLessThanOrEqual(1);
      if (t.status !== 'resolved') {
        // Only an officer shown an error, who did not click again, leaves the task to resolve.
        expect(first.ok).toBe(false);
        expect(recovery).toBe('only the sweeper runs');
        return;
      }
      // The branch moved on: the workflow's Notify completes the request and tells the requester.
      tw.setTime(at(40 * MIN));
      await tw.complete(tw.requestId);
      expect((await tw.request()).status).toBe('completed');
      expect(tw.outcomes()).toHaveLength(1);
    });
  }
});

describe("a processor's failure of a task an officer retried survives a fault at every step", async () => {
  // The retry went out under the Escalate state's token: nothing times that state out, so the failure alone tells it.
  const retried = async (tw: TaskWorld) => {
    await escalated(tw);
    expect((await officer(tw).act((deps) => retryTask(tw.requestId, PAYNOW.id, OFFICER, deps))).ok).toBe(true);
    tw.setTime(at(20 * MIN));
  };
  const failure = (tw: TaskWorld) => signed(tw.taskId, { request_status: 'failed', reason: 'account still locked' }, 'msg_failed_again');
  const calls = await boundaries(taskWorld, (tw) => tw.callback(failure(tw)), retried);

  it('makes the calls a fault is injected into', () => {
    expect(calls).toEqual(expect.arrayContaining(['dynamodb:Update', 'states:SendTaskFailure']));
  });

  for (const recovery of CALLBACK_RECOVERIES) {
    for (const s of scenarios(calls)) it(`${recovery}: fault ${s.when} call ${s.k} (${s.name}): the task waits for an officer again, the request with it, and the team told once more`, async () => {
      const tw = await taskWorld();
      await retried(tw);
      const first = await strikeCallback(tw, failure(tw), s, recovery, at(22 * MIN));
      await tw.sweep(at(40 * MIN));
      // A failure that never landed leaves the retry unanswered: the sweeper times it out past the processor's time-out.
      await tw.sweep(at(8 * DAY));

      await expectBranchSettled(tw);
      const t = await tw.task();
      if (recovery === 'the processor sends it again' || first.ok) expect(answered(t, 'failed'), 'the failure once on the trail').toHaveLength(1);
      expect(ESCALATED_TASK_STATUSES).toContain(t.status);
      expect(tw.alerts(), 'the team told of the first escalation, and of this one once').toHaveLength(2);
    });
  }
});

describe('retrying an escalated task survives a fault at every step', async () => {
  const retry = (tw: TaskWorld) => officer(tw).act((deps) => retryTask(tw.requestId, PAYNOW.id, OFFICER, deps));
  const taken = await boundaries(taskWorld, retry, escalated);
  // PayNow's endpoint answers 503: the task is failed again and the request waits for the officer again.
  const refused = async (tw: TaskWorld) => {
    await escalated(tw);
    tw.paynow.answers = 503;
  };

  it('makes the calls a fault is injected into', () => {
    expect(taken).toEqual(expect.arrayContaining(['dynamodb:Update', 'http:POST']));
  });

  for (const processor of ['takes it', 'refuses it (503) and is back for the next click'] as const) {
    const refusing = processor !== 'takes it';
    const calls = refusing ? await boundaries(taskWorld, retry, refused) : taken;
    // Up to the webhook, a refused retry makes the calls of a taken one: only the boundaries from it on are new.
    const from = refusing ? calls.indexOf('http:POST') : 0;
    for (const recovery of RECOVERIES) {
      for (const s of scenarios(calls).filter((s) => s.k >= from)) it(`the processor ${processor}, ${recovery}: fault ${s.when} call ${s.k} (${s.name}): the retry sent under its own id and answered, or the task waits for an officer again`, async () => {
        const tw = await taskWorld();
        await (refusing ? refused : escalated)(tw);
        tw.faults.arm({ at: s.k, when: s.when });
        const first = await retry(tw);
        tw.faults.disarm();
        tw.paynow.answers = 202;
        if (recovery === 'the officer clicks again' && !first.ok) {
          tw.setTime(at(11 * MIN));
          await retry(tw);
        }
        // PayNow acts on each retry it took (the first message it took went unanswered for good).
        tw.paynow.acted.add(tw.taskId);
        tw.setTime(at(20 * MIN));
        await tw.answer();
        // A retry recorded whose webhook did not go (the action died after its write) is sent by the sweeper, under the retry's own id.
        await tw.sweep(at(30 * MIN));
        tw.setTime(at(40 * MIN));
        await tw.answer();
        const recorded = await tw.task();
        if (recorded.retries && !ESCALATED_TASK_STATUSES.includes(recorded.status)) {
          // Within a sweep, not once the processor's whole time-out has passed.
          expect(tw.paynow.posts.map((p) => p.id), 'the recorded retry reached the processor').toContain(webhookIdOf(recorded));
          expect(recorded.status, 'the processor answered the retry the sweeper sent').toBe('completed');
        }
        // A retry nobody answers has no workflow timeout of its own: the sweeper escalates it once past the processor's.
        await tw.sweep(at(8 * DAY));

        await expectBranchSettled(tw);
        const t = await tw.task();
        expect(events(t.audit, 'retry'), 'each retry once on the trail').toHaveLength(t.retries ?? 0);
        const retried = tw.paynow.posts.filter((p) => p.id !== tw.taskId);
        if (retried.length) {
          expect(t.status, 'the processor that took a retry did the work').toBe('completed');
          expect(answered(t, 'completed')).toHaveLength(1);
        }
      });
    }
  }
});

describe('a cancellation that lands between any two steps of an officer’s retry', async () => {
  const retry = (tw: TaskWorld) => officer(tw).act((deps) => retryTask(tw.requestId, PAYNOW.id, OFFICER, deps));
  const clean = await taskWorld();
  await escalated(clean);
  clean.faults.arm({ when: 'before' });
  await retry(clean);
  const calls = clean.faults.calls;
  // The retry's last read of its request before the webhook: a cancellation closing it before then withdraws the webhook.
  const requestRead = (k: number) => calls[k] === 'dynamodb:Get' && clean.faults.details[k].includes('"sk":"REQUEST"');
  const lastRead = calls.slice(0, calls.indexOf('http:POST')).findLastIndex((_, k) => requestRead(k));

  it('makes the calls a cancellation lands between', () => {
    expect(lastRead).toBeGreaterThan(calls.indexOf('dynamodb:Update'));
  });

  for (const [k, name] of calls.entries()) it(`cancelled before call ${k} (${name}): the processor sent the retry only if the request was still open when the retry last read it, and nothing left owed`, async () => {
    const tw = await taskWorld();
    await escalated(tw);
    tw.faults.arm({ at: k, when: 'before', run: () => officer(tw).act((deps) => cancel(tw.requestId, 'withdrawn_by_requester', 'officer:bo', deps)) });
    const answer = await retry(tw);
    tw.faults.disarm();
    const retried = () => tw.paynow.posts.filter((p) => p.id !== tw.taskId);
    expect(retried(), 'the retry reached the processor only when the cancellation came after its last read').toHaveLength(k > lastRead ? 1 : 0);
    if (k <= lastRead) expect(answer.ok ? undefined : answer.error, 'the officer told the request was closed').toMatchObject({ status: 409 });
    await tw.sweep(at(30 * MIN));
    await tw.sweep(at(8 * DAY));
    expect(retried(), 'nothing sent after the cancellation').toHaveLength(k > lastRead ? 1 : 0);
    const t = (await tw.task()) as StoredTask & { watch?: string };
    expect((await tw.request()).status).toBe('cancelled');
    expect(t.outboxWebhook, 'no webhook left owed').toBeUndefined();
    expect(t.watch, 'nobody waits for it').toBeUndefined();
  });
});

/** The officer's closing actions: both record the stop owed, the results' deletion owed for a copy, and the notice in one write (withNotice). */
const deny_ = { name: 'refusing', action: 'deny', to: 'denied', run: (id: string, deps: AdminDeps) => deny(id, 'manifestly_unfounded', OFFICER, deps, 'You asked the same thing ten times today.') } as const;
const cancel_ = { name: 'cancelling', action: 'cancel', to: 'cancelled', run: (id: string, deps: AdminDeps) => cancel(id, 'withdrawn_by_requester', OFFICER, deps) } as const;
/** Each closing at a moment of the request's life: its task out with the processor (in progress), escalated (waiting for an officer, its Escalate waiting), or answered with a copy's export results. */
const CLOSINGS = [
  { ...deny_, moment: 'its task out with the processor', type: 'erasure', prepare: out },
  { ...deny_, moment: 'a copy whose export results are in', type: 'access', prepare: answeredWithResults },
  { ...cancel_, moment: 'its task escalated to an officer', type: 'erasure', prepare: escalated },
] as const;

for (const c of CLOSINGS) {
  describe(`${c.name} a request in progress, ${c.moment}, survives a fault at every step`, async () => {
    const close = (tw: TaskWorld) => officer(tw).act((deps) => c.run(tw.requestId, deps));
    const calls = await boundaries(() => taskWorld(c.type), close, c.prepare);

    it('makes the calls a fault is injected into', () => {
      expect(calls).toEqual(expect.arrayContaining(['dynamodb:Update', 'states:StopExecution', 'ses:SendEmail']));
    });

    for (const recovery of RECOVERIES) {
      for (const s of scenarios(calls)) it(`${recovery}: fault ${s.when} call ${s.k} (${s.name}): closed once, its execution stopped, no export results left, the requester told`, async () => {
        const tw = await taskWorld(c.type);
        await c.prepare(tw);
        tw.mail.sent = [];
        const first = await strike(tw, s, recovery, close, 10 * MIN);
        // The results' deletion is owed until no callback that found the request open can still write one (15 minutes).
        await tw.sweep(at(30 * MIN));
        await tw.sweep(at(45 * MIN));

        const req = (await tw.request()) as StoredRequest & { watch?: string };
        if (req.status !== c.to) {
          // Only an officer shown an error, who did not click again, leaves the request open, and nothing was done.
          expect(first.ok).toBe(false);
          expect(recovery).toBe('only the sweeper runs');
          expect(tw.machine.stops).toEqual([]);
          expect(requesterMail(tw)).toEqual([]);
          return;
        }
        expect(events(req.audit, c.action), 'closed once on the trail').toHaveLength(1);
        expect(tw.machine.stops, 'its execution stopped').toContain(tw.requestId);
        expect(tw.machine.waiting(), 'nothing waits in a stopped execution').toEqual([]);
        expect(req.outboxStop, 'no stop left owed').toBeUndefined();
        expect(req.purgeResults, 'no deletion left owed').toBeUndefined();
        expect(req.watch, 'out of the watch index: it owes nothing').toBeUndefined();
        expect(await tw.items(tw.requestId, 'RESULT#'), 'no export results kept for a closed request').toEqual([]);
        if (c.type === 'access') expect(tw.blobs.deleted, "the copy's package deleted").toContain(`exports/${tw.requestId}.zip`);
        const told = requesterMail(tw);
        expect(told.length, 'the requester told').toBeGreaterThanOrEqual(1);
        expect(told.length).toBeLessThanOrEqual(s.copies);
        expect(new Set(told.map((e) => e.subject)).size).toBe(1);
        expect(req.outboxNotice, 'no notice left owed').toBeUndefined();
      });
    }
  });
}

describe('extending a deadline survives a fault at every step', async () => {
  const ext = (tw: TaskWorld) => officer(tw).act((deps) => extend(tw.requestId, 'PayNow needs more time to search its archives.', OFFICER, deps));
  const calls = await boundaries(taskWorld, ext, out);

  it('makes the calls a fault is injected into', () => {
    expect(calls).toEqual(expect.arrayContaining(['dynamodb:Update', 'ses:SendEmail']));
  });

  for (const recovery of RECOVERIES) {
    for (const s of scenarios(calls)) it(`${recovery}: fault ${s.when} call ${s.k} (${s.name}): extended once, the requester told`, async () => {
      const tw = await taskWorld();
      await out(tw);
      const first = await strike(tw, s, recovery, ext, 10 * MIN);
      await tw.sweep(at(30 * MIN));

      const req = await tw.request();
      expect(req.status, 'still in progress').toBe('in_progress');
      if (!req.extended) {
        expect(first.ok).toBe(false);
        expect(recovery).toBe('only the sweeper runs');
        expect(requesterMail(tw)).toEqual([]);
        return;
      }
      expect(events(req.audit, 'extend'), 'extended once on the trail').toHaveLength(1);
      const told = requesterMail(tw);
      expect(told.length, 'the requester told').toBeGreaterThanOrEqual(1);
      expect(told.length).toBeLessThanOrEqual(s.copies);
      expect(req.outboxNotice, 'no notice left owed').toBeUndefined();
    });
  }
});

describe('lifting a restriction survives a fault at every step', async () => {
  /** A restriction in place: its request completed, the requester's address kept. */
  const restricted = async () => {
    const w = await world();
    const req = await inProgress(w, 'restrict');
    await w.repo.transitionRequest(req, 'completed', { closedAt: at(0).toISOString() }, { at: at(0).toISOString(), actor: 'workflow', action: 'complete', subject: req.id, from: 'in_progress', to: 'completed' });
    w.setTime(at(10 * MIN));
    return { ...w, requestId: req.id };
  };
  const liftOn = addDays(londonDate(at(0)), 14);
  const lift = (w: Awaited<ReturnType<typeof restricted>>) => officer(w).act((deps) => liftRestriction(w.requestId, { reason: 'accuracy_verified', liftOn }, OFFICER, deps));
  const calls = await boundaries(restricted, lift);

  it('makes the calls a fault is injected into', () => {
    expect(calls).toEqual(expect.arrayContaining(['dynamodb:Update', 'ses:SendEmail']));
  });

  for (const recovery of RECOVERIES) {
    for (const s of scenarios(calls)) it(`${recovery}: fault ${s.when} call ${s.k} (${s.name}): lifted once, the requester told before`, async () => {
      const w = await restricted();
      const first = await strike(w, s, recovery, lift, 10 * MIN);
      await w.sweep(at(30 * MIN));

      const req = (await w.item(key.request(w.requestId))) as StoredRequest;
      expect(req.status).toBe('completed');
      if (!req.restrictionLift) return expectUndone(w, first, recovery);
      expect(req.restrictionLift).toMatchObject({ on: liftOn, reason: 'accuracy_verified', by: OFFICER });
      expect(events(req.audit, 'lift_restriction'), 'lifted once on the trail').toHaveLength(1);
      expectToldOnce(w, req, s);
      expect(requesterMail(w)[0].subject).toBe('Your request: the restriction of your data will be lifted');
    });
  }
});

describe('releasing a held copy survives a fault at every step', async () => {
  // PayNow's results hold other people's data: Notify held the assembled copy for an officer.
  const held = async (tw: TaskWorld, results: Record<string, unknown> = { results: { records: [{ id: 'PAY-1', payer: 'someone else' }] } }) => {
    await tw.dispatch();
    tw.setTime(at(MIN));
    const cb = signed(tw.taskId, { request_status: 'completed', third_party_data: true, ...results }, 'msg_answer');
    expect((await tw.callback(cb)).ok).toBe(true);
    await tw.complete(tw.requestId);
    expect((await tw.request()).status).toBe('awaiting_manual');
    tw.mail.sent = [];
    tw.setTime(at(10 * MIN));
  };
  const make = () => taskWorld('access', (id) => ({ exportKey: `exports/${id}.zip` }));
  const release = (tw: TaskWorld) => officer(tw).act((deps) => releaseExport(tw.requestId, OFFICER, { ...deps, baseUrl: BASE, processors: [PAYNOW] }));
  const calls = await boundaries(make, release, held);

  it('makes the calls a fault is injected into', () => {
    expect(calls).toEqual(expect.arrayContaining(['dynamodb:Update', 'ses:SendEmail']));
  });

  for (const recovery of RECOVERIES) {
    for (const s of scenarios(calls)) it(`${recovery}: fault ${s.when} call ${s.k} (${s.name}): released once, completed once, the requester sent the copy`, async () => {
      const tw = await make();
      await held(tw);
      const first = await strike(tw, s, recovery, release, 10 * MIN);
      await tw.sweep(at(30 * MIN));

      const req = await tw.request();
      expect(events(req.audit, 'release_export').length, 'released once on the trail').toBeLessThanOrEqual(1);
      if (req.status !== 'completed') {
        // Not released (the fault came before the release's write): the copy still waits for the
        // officer, who is shown it held. A release recorded is completed by the sweeper.
        expect(first.ok).toBe(false);
        expect(recovery).toBe('only the sweeper runs');
        expect(req.status).toBe('awaiting_manual');
        expect(events(req.audit, 'release_export'), 'a recorded release left waiting').toEqual([]);
        expect(heldPackageShown(req, new Date(at(30 * MIN))), 'shown held to the officer').not.toBeNull();
        expect(requesterMail(tw)).toEqual([]);
        return;
      }
      expect(req.outboxRelease, 'no completion left owed').toBeUndefined();
      expect(events(req.audit, 'release_export'), 'released once on the trail').toHaveLength(1);
      expect(events(req.audit, 'complete'), 'completed once on the trail').toHaveLength(1);
      const told = tw.outcomes();
      expect(told.length, 'the requester sent the copy').toBeGreaterThanOrEqual(1);
      expect(told.length).toBeLessThanOrEqual(s.copies);
      expect(req.outboxOutcome, 'no outcome left owed').toBeUndefined();
    });
  }
});

describe("making a held copy's package again, once it is gone, survives a fault at every step", async () => {
  // Its deadline is weeks away: no deadline reminder comes into it.
  const make = () => taskWorld('access', (id) => ({ exportKey: `exports/${id}.zip`, dueDate: '2027-02-26' }));
  /** The package was made (Assemble's record of it) and the copy held for review 29 days ago: S3 deletes it within the day, too soon to release it. */
  const gone = at(29 * DAY);
  const held = async (tw: TaskWorld, results: Record<string, unknown> = { results: { records: [{ id: 'PAY-1', payer: 'someone else' }] } }) => {
    await tw.dispatch();
    tw.setTime(at(MIN));
    const cb = signed(tw.taskId, { request_status: 'completed', third_party_data: true, ...results }, 'msg_answer');
    expect((await tw.callback(cb)).ok).toBe(true);
    const req = await tw.request();
    await tw.repo.transitionRequest(req, req.status, {}, { at: at(2 * MIN).toISOString(), actor: 'workflow', action: 'export_assembled', subject: tw.requestId, data: { sha256: 'made', bytes: 1 } });
    await tw.complete(tw.requestId);
    expect((await tw.request()).status).toBe('awaiting_manual');
    tw.mail.sent = [];
    tw.setTime(gone);
  };
  const remake = (tw: TaskWorld) => officer(tw).act((deps) => remakeExport(tw.requestId, OFFICER, deps));
  const release = (tw: TaskWorld) => officer(tw).act((deps) => releaseExport(tw.requestId, OFFICER, { ...deps, baseUrl: BASE, processors: [PAYNOW] }));
  const KEY = (tw: TaskWorld) => `exports/${tw.requestId}.zip`;

  /** Made once: one record of the sweeper's making on the trail, naming the bytes in the bucket, nothing left owed, and the copy then released as any (at `releaseAt`). */
  async function expectMadeOnce(tw: TaskWorld, releaseAt = at(29 * DAY + 2 * 60 * MIN)) {
    const req = await tw.request();
    const made = req.audit.filter((e) => e.action === 'export_assembled' && e.actor === 'sweeper');
    expect(made, 'made once on the trail').toHaveLength(1);
    expect(req.outboxRemake, 'nothing left owed').toBeUndefined();
    expect((req as StoredRequest & { watch?: string }).watch, 'out of the watch index').toBeUndefined();
    const body = tw.blobs.objects.get(KEY(tw));
    expect(body, 'the package in the bucket').toBeDefined();
    expect(made[0].data?.sha256, 'the trail names the bytes in the bucket').toBe(createHash('sha256').update(body as Uint8Array).digest('hex'));
    expect(req.status).toBe('awaiting_manual');
    expect(requesterMail(tw), 'nothing sent to the requester before the release').toEqual([]);
    tw.setTime(releaseAt);
    expect((await release(tw)).ok).toBe(true);
    expect((await tw.request()).status).toBe('completed');
    expect(tw.outcomes()).toHaveLength(1);
  }

  describe("the officer's action", async () => {
    const calls = await boundaries(make, remake, held);

    it('makes the calls a fault is injected into', () => {
      expect(calls).toEqual(expect.arrayContaining(['dynamodb:Get', 'dynamodb:Query', 'dynamodb:Update']));
      expect(calls, 'the action puts nothing in the bucket').not.toContain('s3:PutObject');
    });

    for (const recovery of RECOVERIES) {
      for (const s of scenarios(calls)) it(`${recovery}: fault ${s.when} call ${s.k} (${s.name}): asked once on the trail, then made once by the sweeper`, async () => {
        const tw = await make();
        await held(tw);
        const first = await strike(tw, s, recovery, remake, 29 * DAY);
        await tw.sweep(at(29 * DAY + 30 * MIN));

        const req = await tw.request();
        const asked = events(req.audit, 'remake_export');
        expect(asked.length, 'asked once on the trail').toBeLessThanOrEqual(1);
        if (!asked.length) {
          expectUndone(tw, first, recovery);
          expect(tw.blobs.objects.size, 'nothing made').toBe(0);
          return expect(req.outboxRemake).toBeUndefined();
        }
        await expectMadeOnce(tw);
      });
    }
  });

  describe("the sweeper's run", async () => {
    const asked = async (tw: TaskWorld) => {
      await held(tw);
      expect((await remake(tw)).ok).toBe(true);
    };
    const calls = await boundaries(make, (tw) => tw.sweep(at(29 * DAY + 10 * MIN)), asked);

    it('makes the calls a fault is injected into', () => {
      expect(calls).toEqual(expect.arrayContaining(['dynamodb:Update', 's3:PutObject']));
    });

    for (const s of scenarios(calls)) it(`fault ${s.when} call ${s.k} (${s.name}), then the next run: made once, recorded in the write that clears what was owed`, async () => {
      const tw = await make();
      await asked(tw);
      tw.faults.arm({ at: s.k, when: s.when });
      await settle(tw.sweep(at(29 * DAY + 10 * MIN)));
      tw.faults.disarm();
      await tw.sweep(at(29 * DAY + 30 * MIN));
      await expectMadeOnce(tw);
    });
  });

  // PayNow's results are behind a results_url that fails from the officer's ask on: the sweeper's first
  // try fails, and the try a day after the ask gives it up and tells the team.
  const failing = async (tw: TaskWorld) => {
    await held(tw, { results_url: 'https://paynow.example/exports/1.json' });
    expect((await remake(tw)).ok).toBe(true);
    resultsUrl.faults = tw.faults;
    resultsUrl.down = true;
    await tw.sweep(at(29 * DAY + 10 * MIN));
    expect((await tw.request()).outboxRemake?.tries, 'the first try failed').toBe(1);
  };
  const giveUp = (tw: TaskWorld) => tw.sweep(at(30 * DAY + 10 * MIN));
  const told = (tw: TaskWorld) => tw.mail.sent.filter((m) => m.subject === `Copy could not be made again (request ${tw.requestId})`);

  describe("the sweeper's run that gives it up, its results_url failing for a day", async () => {
    const calls = await boundaries(make, giveUp, failing);

    it('makes the calls a fault is injected into', () => {
      expect(calls).toEqual(expect.arrayContaining(['http:GET', 'dynamodb:Update', 'ses:SendEmail']));
      expect(calls, 'nothing put in the bucket').not.toContain('s3:PutObject');
    });

    for (const s of scenarios(calls)) it(`fault ${s.when} call ${s.k} (${s.name}), then the next run: given up once on the trail, the team told, and made once when the officer asks again`, async () => {
      const tw = await make();
      await failing(tw);
      tw.faults.arm({ at: s.k, when: s.when });
      await settle(giveUp(tw));
      tw.faults.disarm();
      await tw.sweep(at(30 * DAY + 30 * MIN));

      const req = await tw.request();
      expect(events(req.audit, 'remake_failed'), 'given up once on the trail').toHaveLength(1);
      expect(req.status).toBe('awaiting_manual');
      expect(req.outboxRemake, 'nothing left to make').toBeUndefined();
      expect(req.remakeFailed, 'why, for the console').toMatchObject({ asked: { by: OFFICER } });
      expect(req.outboxTeam, "the team's email not left owed").toBeUndefined();
      expect(req.mailFailed, 'not marked "mail failed" once it went').toBeUndefined();
      expect(told(tw).length, 'the team told').toBeGreaterThanOrEqual(1);
      expect(told(tw).length).toBeLessThanOrEqual(s.copies);
      expect(tw.blobs.objects.size, 'nothing made').toBe(0);
      expect(requesterMail(tw)).toEqual([]);

      // The provider's results can be had again: the officer asks again, and the next run makes it once.
      resultsUrl.down = false;
      tw.setTime(at(30 * DAY + 40 * MIN));
      expect((await remake(tw)).ok).toBe(true);
      await tw.sweep(at(30 * DAY + 50 * MIN));
      expect((await tw.request()).remakeFailed).toBeUndefined();
      await expectMadeOnce(tw, at(30 * DAY + 60 * MIN));
    });
  });

  // SES refuses every email from the copy's hold to the give-up: the held copy's own email to the team
  // is still owed when the run that gives the package up owes the team its email too.
  const heldTold = (tw: TaskWorld) => tw.mail.sent.filter((m) => m.subject === `Copy held for review (request ${tw.requestId})`);
  const sesDown = (tw: TaskWorld) => {
    tw.mail.send = async () => {
      throw Object.assign(new Error('Daily message quota exceeded'), { name: 'LimitExceededException' });
    };
  };
  const sesBack = (tw: TaskWorld) => {
    delete (tw.mail as Partial<TaskWorld['mail']>).send;
  };
  const failingUnmailed = async (tw: TaskWorld) => {
    sesDown(tw);
    await failing(tw);
    expect((await tw.request()).outboxTeam, "the held copy's email still owed").toMatchObject({ waiting: 'held_copy' });
  };
  /** The team told each email once, within what a fault at an email's boundary may copy; nothing left owed or marked. */
  async function expectBothTold(tw: TaskWorld, copies = 1) {
    const req = await tw.request();
    expect(events(req.audit, 'remake_failed'), 'given up once on the trail').toHaveLength(1);
    expect(req.outboxTeam, "no team email left owed").toBeUndefined();
    expect(req.mailFailed, 'not marked "mail failed" once they went').toBeUndefined();
    for (const [what, sent] of [['the held copy', heldTold(tw)], ['the give-up', told(tw)]] as const) {
      expect(sent.length, `the team told of ${what}`).toBeGreaterThanOrEqual(1);
      expect(sent.length, `the team told of ${what} once`).toBeLessThanOrEqual(copies);
    }
    expect(tw.mail.sent.indexOf(heldTold(tw)[0]), 'the held copy told first').toBeLessThan(tw.mail.sent.indexOf(told(tw)[0]));
    expect(requesterMail(tw)).toEqual([]);
  }

  describe("the sweeper's run that gives it up while the held copy's email to the team is still owed", async () => {
    const calls = await boundaries(make, giveUp, failingUnmailed);

    it('makes the calls a fault is injected into', () => {
      expect(calls).toEqual(expect.arrayContaining(['http:GET', 'dynamodb:Update']));
    });

    for (const s of scenarios(calls)) it(`fault ${s.when} call ${s.k} (${s.name}), then a run once SES takes email again: the team told of both, each once`, async () => {
      const tw = await make();
      await failingUnmailed(tw);
      tw.faults.arm({ at: s.k, when: s.when });
      await settle(giveUp(tw));
      tw.faults.disarm();
      sesBack(tw);
      await tw.sweep(at(30 * DAY + 30 * MIN));
      await expectBothTold(tw);
    });
  });

  describe("the sweeper's run that gives it up while another run is mailing the held copy's email", async () => {
    // Another run (runs overlap: the schedule invokes at least once) took the held copy's email just before
    // this one began, and SES is slow to take it: this run passes over it (another's lease), then reads it
    // still owed when it gives the package up. The other run's email goes before this run's call k.
    const racing = async (tw: TaskWorld) => {
      await failingUnmailed(tw);
      sesBack(tw);
      const send = tw.mail.send.bind(tw.mail);
      let open = () => {};
      const gate = new Promise<void>((r) => (open = r));
      const sending = new Promise<void>((reached) => {
        tw.mail.send = async (m) => {
          tw.mail.send = send;
          reached();
          await gate;
          return send(m);
        };
      });
      const other = tw.sweep(at(30 * DAY + 9 * MIN));
      await sending;
      return async () => {
        open();
        await other;
      };
    };
    const clean = await make();
    await racing(clean);
    clean.faults.arm({ when: 'before' });
    await giveUp(clean);
    const calls = clean.faults.calls;
    // The write that gives the package up and queues its email behind the held copy's, as read.
    const givenUp = calls.findIndex((c, k) => c === 'dynamodb:Update' && clean.faults.details[k].includes('remakeFailed'));

    it('makes the calls the other run’s email goes between', () => {
      expect(givenUp).toBeGreaterThan(0);
    });

    for (const [k, name] of calls.entries()) it(`before call ${k} (${name}): the team told of both, the held copy once unless the other run was still mailing it when the give-up was written`, async () => {
      const tw = await make();
      const finish = await racing(tw);
      tw.faults.arm({ at: k, when: 'before', run: finish });
      await giveUp(tw);
      tw.faults.disarm();
      await finish();
      await tw.sweep(at(30 * DAY + 50 * MIN));
      // Mailed by the other run after the give-up's write, it is mailed by this run too: at least once, as
      // an email whose deliverer dies after SES took it.
      await expectBothTold(tw, k > givenUp ? 2 : 1);
    });
  });

  describe('the run that tells the team of both once SES takes email again', async () => {
    const gaveUpUnmailed = async (tw: TaskWorld) => {
      await failingUnmailed(tw);
      await giveUp(tw);
      expect((await tw.request()).remakeFailed).toBeDefined();
      expect(tw.mail.sent).toEqual([]);
      sesBack(tw);
    };
    const tell = (tw: TaskWorld) => tw.sweep(at(30 * DAY + 30 * MIN));
    const calls = await boundaries(make, tell, gaveUpUnmailed);

    it('makes the calls a fault is injected into', () => {
      expect(calls.filter((c) => c === 'ses:SendEmail')).toHaveLength(2);
    });

    for (const s of scenarios(calls)) it(`fault ${s.when} call ${s.k} (${s.name}), then the next run: the team told of both, each once`, async () => {
      const tw = await make();
      await gaveUpUnmailed(tw);
      tw.faults.arm({ at: s.k, when: s.when });
      await settle(tell(tw));
      tw.faults.disarm();
      await tw.sweep(at(30 * DAY + 50 * MIN));
      // Each email SES takes is followed by one write, which records it mailed and clears the "mail
      // failed" mark with it: only a fault between SES and that write mails it again.
      await expectBothTold(tw, s.copies);
    });
  });

  describe('the officer asking again once it was given up', async () => {
    const gaveUp = async (tw: TaskWorld) => {
      await failing(tw);
      await giveUp(tw);
      expect((await tw.request()).remakeFailed).toBeDefined();
      expect(told(tw)).toHaveLength(1);
      resultsUrl.down = false;
      tw.setTime(at(30 * DAY + 20 * MIN));
    };
    const calls = await boundaries(make, remake, gaveUp);

    it('makes the calls a fault is injected into', () => {
      expect(calls).toEqual(expect.arrayContaining(['dynamodb:Get', 'dynamodb:Update']));
    });

    for (const recovery of RECOVERIES) {
      for (const s of scenarios(calls)) it(`${recovery}: fault ${s.when} call ${s.k} (${s.name}): asked again once on the trail, then made once by the sweeper`, async () => {
        const tw = await make();
        await gaveUp(tw);
        const first = await strike(tw, s, recovery, remake, 30 * DAY + 20 * MIN);
        await tw.sweep(at(30 * DAY + 50 * MIN));

        const req = await tw.request();
        const asked = events(req.audit, 'remake_export');
        expect(asked.length, 'asked again once at most').toBeLessThanOrEqual(2);
        expect(told(tw), 'the team told once').toHaveLength(1);
        if (asked.length === 1) {
          expectUndone(tw, first, recovery);
          expect(req.remakeFailed, 'still given up, as the console says').toBeDefined();
          expect(req.outboxRemake).toBeUndefined();
          return expect(tw.blobs.objects.size, 'nothing made').toBe(0);
        }
        expect(req.remakeFailed, 'the mark gone with the ask').toBeUndefined();
        await expectMadeOnce(tw, at(30 * DAY + 60 * MIN));
      });
    }
  });
});

type Scenario = ReturnType<typeof scenarios>[number];
type Recovery = (typeof RECOVERIES)[number];

/** Scenario `s` in world `w`: the action with its fault, then, if the officer was shown an error and clicks again, the action once more a minute later. The first answer. */
async function strike<W extends World>(w: W, s: Scenario, recovery: Recovery, act: (w: W) => Promise<{ ok: boolean }>, now: number) {
  w.faults.arm({ at: s.k, when: s.when });
  const first = await act(w);
  w.faults.disarm();
  if (recovery === 'the officer clicks again' && !first.ok) {
    w.setTime(at(now + MIN));
    await act(w);
  }
  return first;
}

/** The action left nothing done: only an officer shown an error, who did not click again, sees that, and the requester was mailed nothing. */
function expectUndone(w: World, first: { ok: boolean }, recovery: Recovery) {
  expect(first.ok).toBe(false);
  expect(recovery).toBe('only the sweeper runs');
  expect(requesterMail(w)).toEqual([]);
}

/** The requester was mailed the one notice owed: once, or twice where the fault struck between SES and the write that records it; nothing left owed. */
function expectToldOnce(w: World, req: StoredRequest, s: Scenario) {
  const told = requesterMail(w);
  expect(told.length, 'the requester told').toBeGreaterThanOrEqual(1);
  expect(told.length).toBeLessThanOrEqual(s.copies);
  expect(new Set(told.map((e) => e.subject)).size).toBe(1);
  expect(req.outboxNotice, 'no notice left owed').toBeUndefined();
}

const QUESTION = 'Which of your two accounts do you mean: the shop or the marketplace?';
const stopClock = (tw: TaskWorld) => officer(tw).act((deps) => pause(tw.requestId, QUESTION, OFFICER, deps));

/**
 * The moments an officer stops (and restarts) the clock of a request for a copy: in progress, its task
 * out with PayNow; or waiting for an officer, its task escalated and its Escalate state waiting.
 */
const CLOCK_MOMENTS = [
  { name: 'in progress', status: 'in_progress', prepare: out },
  { name: 'waiting for an officer', status: 'awaiting_manual', prepare: escalated },
] as const;

/** A request waiting for an officer still does, as the clock's stop or restart found it: its task escalated, and the Escalate state waiting on the token the task records. */
async function expectStillEscalated(tw: TaskWorld) {
  const t = await tw.task();
  expect(['timed_out', 'failed'], 'its task still escalated').toContain(t.status);
  expect(tw.machine.waiting(), 'its Escalate still waits for the officer').toEqual([t.token]);
  expect(tw.machine.tokens.get(t.token ?? '')?.state).toBe('Escalate');
}

for (const m of CLOCK_MOMENTS) {
  describe(`stopping the clock for a clarification of a request ${m.name} survives a fault at every step`, async () => {
    const make = () => taskWorld('access');
    const calls = await boundaries(make, stopClock, m.prepare);

    it('makes the calls a fault is injected into', () => {
      expect(calls).toEqual(expect.arrayContaining(['dynamodb:Update', 'ses:SendEmail']));
    });

    for (const recovery of RECOVERIES) {
      for (const s of scenarios(calls)) it(`${recovery}: fault ${s.when} call ${s.k} (${s.name}): stopped once, the due date kept, the requester asked the question`, async () => {
        const tw = await make();
        await m.prepare(tw);
        const first = await strike(tw, s, recovery, stopClock, 10 * MIN);
        await tw.sweep(at(30 * MIN));

        const req = await tw.request();
        expect(req.status, `still ${m.status}`).toBe(m.status);
        if (m.status === 'awaiting_manual') await expectStillEscalated(tw);
        expect(req.dueDate, 'a stopped clock moves no date yet').toBe('2026-12-29');
        if (!req.pausedSince) return expectUndone(tw, first, recovery);
        expect(events(req.audit, 'pause'), 'stopped once on the trail').toHaveLength(1);
        expectToldOnce(tw, req, s);
        expect(requesterMail(tw)[0].text).toContain(QUESTION);
        // Mailed, the question is kept with the contact data only: the request record, kept as proof, holds none of it.
        expect(JSON.stringify(req)).not.toContain(QUESTION);
      });
    }
  });
}

/** Restarting the clock three days after it stopped: of a request never extended (the requester owed no email), or extended while stopped (owed the date, now that it stops moving). */
const RESTARTS = [
  { name: 'never extended', extendWhileStopped: false },
  { name: 'extended while stopped', extendWhileStopped: true },
] as const;
const RESUMED = 3 * DAY;

for (const m of CLOCK_MOMENTS) {
  for (const r of RESTARTS) {
    describe(`restarting the clock of a request ${m.name}, ${r.name}, survives a fault at every step`, async () => {
      const make = () => taskWorld('access');
      const stopped = async (tw: TaskWorld) => {
        await m.prepare(tw);
        expect((await stopClock(tw)).ok).toBe(true);
        if (r.extendWhileStopped) expect((await officer(tw).act((deps) => extend(tw.requestId, 'PayNow needs more time to search its archives.', OFFICER, deps))).ok).toBe(true);
        tw.mail.sent = [];
        tw.setTime(at(RESUMED));
      };
      const restart = (tw: TaskWorld) => officer(tw).act((deps) => resume(tw.requestId, OFFICER, deps));
      const calls = await boundaries(make, restart, stopped);

      it('makes the calls a fault is injected into', () => {
        expect(calls).toEqual(expect.arrayContaining(r.extendWhileStopped ? ['dynamodb:Update', 'ses:SendEmail'] : ['dynamodb:Update']));
      });

      for (const recovery of RECOVERIES) {
        for (const s of scenarios(calls)) it(`${recovery}: fault ${s.when} call ${s.k} (${s.name}): restarted once, the due date moved by the days stopped${r.extendWhileStopped ? ', the requester told the date' : ''}`, async () => {
          const tw = await make();
          await stopped(tw);
          const before = await tw.request();
          const first = await strike(tw, s, recovery, restart, RESUMED);
          await tw.sweep(at(RESUMED + 30 * MIN));

          const req = await tw.request();
          expect(req.status, `still ${m.status}`).toBe(m.status);
          if (m.status === 'awaiting_manual') await expectStillEscalated(tw);
          if (req.pausedSince) {
            expect(req.dueDate, 'a clock still stopped moved no date').toBe(before.dueDate);
            return expectUndone(tw, first, recovery);
          }
          const restarted = restartOn(before, '2026-11-28');
          expect(req.pausedDays, 'the days it was stopped, counted once').toBe(restarted.pausedDays);
          expect(req.dueDate).toBe(restarted.dueDate);
          expect(events(req.audit, 'resume'), 'restarted once on the trail').toHaveLength(1);
          if (!r.extendWhileStopped) return expect(requesterMail(tw), 'never told a date: nothing to tell').toEqual([]);
          expect(req.extended?.dueDate).toBe(restarted.extendedDueDate);
          expectToldOnce(tw, req, s);
        });
      }
    });
  }
}

describe('extending a deadline while the clarification asked is still owed survives a fault at every step', async () => {
  const make = () => taskWorld('access');
  // The clock was stopped for a clarification whose email SES refused: the question is still owed to the requester.
  const owingQuestion = async (tw: TaskWorld) => {
    await out(tw);
    tw.faults.arm({ match: (name) => name === 'ses:SendEmail', when: 'before' });
    const paused = await stopClock(tw);
    tw.faults.disarm();
    expect(paused).toMatchObject({ ok: true, value: { noticeOwed: true } });
    expect(requesterMail(tw)).toEqual([]);
  };
  const ext = (tw: TaskWorld) => officer(tw).act((deps) => extend(tw.requestId, 'PayNow needs more time to search its archives.', OFFICER, deps));
  const calls = await boundaries(make, ext, owingQuestion);
  const CLARIFICATION = 'Your request: we need a clarification';
  const EXTENSION = 'Your request: more time needed';

  it('makes the calls a fault is injected into: both emails, the question first', () => {
    expect(calls.filter((c) => c === 'ses:SendEmail')).toHaveLength(2);
  });

  for (const recovery of RECOVERIES) {
    for (const s of scenarios(calls)) it(`${recovery}: fault ${s.when} call ${s.k} (${s.name}): extended once, the requester sent the question, then the extension`, async () => {
      const tw = await make();
      await owingQuestion(tw);
      const first = await strike(tw, s, recovery, ext, 10 * MIN);
      await tw.sweep(at(30 * MIN));

      const req = await tw.request();
      const told = requesterMail(tw).map((m) => m.subject);
      expect(req.outboxNotice, 'no notice left owed').toBeUndefined();
      // At least once: a fault once SES took an email, before the write that strikes it off or clears it
      // (the "mail failed" mark's clearing comes between), mails that one email twice; none before.
      const mailed = s.k > calls.indexOf('ses:SendEmail') || (s.name === 'ses:SendEmail' && s.when === 'after');
      expect(told.length, 'a copy more only of an email the fault struck after SES took it').toBeLessThanOrEqual((req.extended ? 2 : 1) + (mailed ? 1 : 0));
      if (!req.extended) {
        // Only an officer shown an error, who did not click again, leaves the request unextended: the question still went.
        expect(first.ok).toBe(false);
        expect(recovery).toBe('only the sweeper runs');
        return expect(told).toEqual([CLARIFICATION]);
      }
      expect(events(req.audit, 'extend'), 'extended once on the trail').toHaveLength(1);
      expect(told.filter((t, i) => t !== told[i - 1]), 'the question, then the extension').toEqual([CLARIFICATION, EXTENSION]);
      expect(requesterMail(tw)[0].text).toContain(QUESTION);
    });
  }
});

describe('retrying the assembly of a copy survives a fault at every step', async () => {
  const make = () => taskWorld('access');
  // PayNow answered, then Assemble failed after its retries: the AssemblyFailed state holds the request for an officer with its token.
  const held = async (tw: TaskWorld) => {
    await answeredWithResults(tw);
    const token = tw.machine.wait('AssemblyFailed');
    expect(await holdAssembly({ token, requestId: tw.requestId, error: { Error: 'ResultsUnavailable' } }, { repo: tw.repo, mailer: tw.mail, clock: tw.clock, baseUrl: BASE, processors: [PAYNOW] })).toEqual({ held: true });
    tw.mail.sent = [];
    return token;
  };
  const retry = (tw: TaskWorld) => officer(tw).act((deps) => retryAssembly(tw.requestId, OFFICER, deps));
  const calls = await boundaries(make, retry, held);

  it('makes the calls a fault is injected into', () => {
    expect(calls).toEqual(expect.arrayContaining(['dynamodb:Update', 'states:SendTaskSuccess']));
  });

  for (const recovery of RECOVERIES) {
    for (const s of scenarios(calls)) it(`${recovery}: fault ${s.when} call ${s.k} (${s.name}): retried once on the trail, the AssemblyFailed state sent its token once`, async () => {
      const tw = await make();
      const token = await held(tw);
      const first = await strike(tw, s, recovery, retry, 10 * MIN);
      await tw.sweep(at(30 * MIN));

      const req = await tw.request();
      // Assemble has not run again here: the request still waits, with the mark that it owes the token until it has.
      expect(req.status).toBe('awaiting_manual');
      expect(req.assemblyFailed?.token).toBe(token);
      const wait = tw.machine.tokens.get(token);
      if (!req.assemblyFailed?.retriedAt) {
        expectUndone(tw, first, recovery);
        expect(tw.machine.waiting(), 'the AssemblyFailed state still waits for the officer').toEqual([token]);
        return expect(events(req.audit, 'retry_assembly')).toEqual([]);
      }
      expect(events(req.audit, 'retry_assembly'), 'retried once on the trail').toHaveLength(1);
      expect(wait?.answers, 'the state took the retry once').toEqual([{ success: { retry: true } }]);
      expect(tw.machine.waiting(), 'nothing left waiting').toEqual([]);
    });
  }
});

/**
 * What an officer approves once a confirmed request waited for them: a correction, whose free text they
 * read and turn into the corrected values; or an agent's erasure, whose declared proof of authority they checked.
 */
const REVIEWS = [
  {
    name: 'a correction',
    body: { type: 'rectification', rectification: { field: 'postal address', correction: 'It is 1 High St now.' } },
    corrections: { postal_address: '1 High St' },
    data: { fields: 'postal_address' },
  },
  {
    name: "an agent's request",
    body: { type: 'erasure', agent: { name: 'Bea Law', email: 'bea@law.example', relationship: 'solicitor', proof: 'signed_authority' } },
    corrections: undefined,
    data: { agent: 'solicitor', agentProof: 'signed_authority' },
  },
] as const;

for (const r of REVIEWS) {
  describe(`approving ${r.name} survives a fault at every step`, async () => {
    // The requester (or the agent, for them) asked, and the person confirmed it: it waits for an officer.
    const underReview = async (w: World) => {
      await w.submit(r.body as never);
      expect((await w.confirm(w.links()[0])).kind).toBe('confirmed');
      const [req] = await w.requests();
      expect(req.status).toBe('awaiting_review');
      w.mail.sent = [];
      w.setTime(at(10 * MIN));
      return req.id;
    };
    const approve = async (w: World) => {
      const [req] = await w.requests();
      return officer(w).act((deps) => approveCorrection(req.id, r.corrections, OFFICER, deps));
    };
    const calls = await boundaries(() => world(), approve, underReview);

    it('makes the calls a fault is injected into', () => {
      expect(calls).toEqual(expect.arrayContaining(['dynamodb:Update', 'states:StartExecution']));
    });

    for (const recovery of RECOVERIES) {
      for (const s of scenarios(calls)) it(`${recovery}: fault ${s.when} call ${s.k} (${s.name}): approved once, its personal data kept while it runs, its execution started`, async () => {
        const w = await world();
        const id = await underReview(w);
        const first = await strike(w, s, recovery, approve, 10 * MIN);
        await w.sweep(at(30 * MIN));

        const req = (await w.item(key.request(id))) as StoredRequest;
        // Kept from confirming until well after the deadline (120 days), approved or not: the answer goes to that address.
        const kept = Math.floor((Date.parse(`${req.dueDate}T00:00:00Z`) + 120 * DAY) / 1000);
        expect((await w.item(key.pii(id)))?.ttl, 'its personal data kept while it is open').toBe(kept);
        if (req.status === 'awaiting_review') {
          expectUndone(w, first, recovery);
          expect(w.machine.started.has(id), 'nothing started').toBe(false);
          return expect(events(req.audit, 'approve')).toEqual([]);
        }
        expect(req.status).toBe('verified');
        expect(events(req.audit, 'approve'), 'approved once on the trail').toHaveLength(1);
        expect(req.audit.find((e) => e.action === 'approve')?.data, "the fields or the agent's codes, never a value or a name").toEqual(r.data);
        if (r.corrections) expect(req.details?.corrections).toEqual(r.corrections);
        expect(w.machine.started.has(id), 'its execution started').toBe(true);
        expect(req.outboxTeam, 'no team email left owed for a review done').toBeUndefined();
      });
    }
  });
}

/**
 * Requests an officer logs, received by phone: a correction, which waits for an officer to approve its
 * corrected values (no team email: the officer logging it is the team), or an erasure, which runs at once.
 */
const LOGGED = [
  { name: 'a correction', request: { type: 'rectification', rectification: { field: 'postal address', correction: 'It is 1 High St now.' } }, to: 'awaiting_review' },
  { name: 'an erasure', request: { type: 'erasure' }, to: 'verified' },
] as const;

/**
 * How the officer logs: from the console, whose form sends one Idempotency-Key until it is answered
 * (so pressing Log again answers the request the first press logged), or as an API client without one.
 */
const LOGGERS = [
  { how: 'logged from the console (the form’s Idempotency-Key)', key: '0b6f2d5e-8c41-4a7f-b3e9-5d1c7a20f4e8' },
  { how: 'logged through the API without a key', key: undefined },
] as const;

for (const l of LOGGED) for (const by of LOGGERS) {
  describe(`logging ${l.name} received by phone survives a fault at every step, ${by.how}`, async () => {
    const body = LogBody.parse({ request: { email: 'ada@example.com', language: 'en', ...l.request }, channel: 'phone', identityCheck: 'account_questions' });
    const log = (w: World) => officer(w).act((deps) => logRequest(body, OFFICER, deps, by.key));
    // The whole sweep, its rotation over open requests included.
    const sweepAll = (w: World, when: Date) => sweep(when, { repo: w.repo, mailer: w.mail, workflow: w.machine, tokens: w.tokens, baseUrl: BASE, linksPerHour: 5, processors: [PAYNOW], blobs: w.blobs } as unknown as SweepDeps);
    const calls = await boundaries(() => world(), log);

    it('makes the calls a fault is injected into', () => {
      expect(calls).toEqual(expect.arrayContaining(['dynamodb:Put', 'dynamodb:Update']));
    });

    for (const recovery of RECOVERIES) {
      for (const s of scenarios(calls)) it(`${recovery}: fault ${s.when} call ${s.k} (${s.name}): an open request keeps its personal data until well after its deadline, a record the log left unconfirmed goes within 7 days`, async () => {
        const w = await world();
        const first = await strike(w, s, recovery, log, 0);
        await sweepAll(w, at(30 * MIN));

        const requests = await w.requests();
        const open = requests.filter((r) => r.status !== 'unverified');
        const again = recovery === 'the officer clicks again' && !first.ok;
        if (by.key) {
          // Pressed again under the form's key: the request the first press began, finished; never a second one.
          if (again) expect(open.length, 'one request open, whatever the first press left').toBe(1);
          expect(requests.length, 'one request record, no orphan beside it').toBeLessThanOrEqual(1);
        }
        if (!open.length) expectUndone(w, first, recovery);
        // Logged again without a key by a client shown an error after the first log's state change: two requests, as two logs make.
        else expect(open.length, 'logged once per click at most').toBeLessThanOrEqual(again && !by.key ? 2 : 1);
        for (const req of requests) {
          const pii = await w.item(key.pii(req.id));
          if (req.status === 'unverified') {
            // The log died before its state change: nobody acts on it, and the record and its personal data go as an unconfirmed request's.
            const week = Math.floor((Date.parse(req.receivedAt) + 7 * DAY) / 1000);
            expect((req as StoredRequest & { ttl?: number }).ttl).toBeLessThanOrEqual(week);
            expect(pii?.ttl, 'an orphan’s personal data').toBeLessThanOrEqual(week);
            continue;
          }
          expect(req.status).toBe(l.to);
          expect(events(req.audit, 'log_request'), 'logged once on its trail').toHaveLength(1);
          if (l.to === 'verified') expect(w.machine.started.has(req.id), 'its execution started').toBe(true);
          // Kept from logging until well after the deadline (120 days): the answer goes to that address.
          const kept = Math.floor((Date.parse(`${req.dueDate}T00:00:00Z`) + 120 * DAY) / 1000);
          expect(pii?.ttl, 'its personal data kept while it is open').toBe(kept);
        }
        // A week on, an open request still has the address its answer goes to.
        w.setTime(at(8 * DAY));
        for (const req of open) expect(await w.repo.getPii(req.id), 'its personal data 8 days after logging').toBeDefined();
      });
    }
  });
}

describe('resending the confirmation link survives a fault at every step', async () => {
  // The requester submitted and says the link never came: the request waits for them to confirm it.
  const unconfirmed = async (w: World) => {
    await w.submit();
    const [req] = await w.requests();
    w.mail.sent = [];
    w.setTime(at(10 * MIN));
    return req.id;
  };
  const again = async (w: World) => {
    const [req] = await w.requests();
    return officer(w).act((deps) => resend(req.id, OFFICER, { ...deps, tokens: w.tokens, baseUrl: BASE }));
  };
  const calls = await boundaries(() => world(), again, unconfirmed);

  it('makes the calls a fault is injected into', () => {
    expect(calls).toEqual(expect.arrayContaining(['dynamodb:Update', 'ses:SendEmail']));
  });

  for (const recovery of RECOVERIES) {
    for (const s of scenarios(calls)) it(`${recovery}: fault ${s.when} call ${s.k} (${s.name}): every resend on the trail mailed, its links working`, async () => {
      const w = await world();
      const id = await unconfirmed(w);
      const first = await strike(w, s, recovery, again, 10 * MIN);
      await w.sweep(at(30 * MIN));

      const req = (await w.item(key.request(id))) as StoredRequest;
      const resent = events(req.audit, 'resend');
      if (!resent.length) return expectUndone(w, first, recovery);
      const mailed = requesterMail(w);
      expect(mailed.length, 'each resend on the trail mailed').toBeGreaterThanOrEqual(resent.length);
      expect(mailed.length).toBeLessThanOrEqual(resent.length * s.copies);
      // The last link mailed carries the status token the record holds, and confirms the request.
      const last = mailed.at(-1)?.text ?? '';
      const status = /status\.html\?id=\w+&token=([\w-]{43})/.exec(last)?.[1];
      expect(status && sha256(status), 'its status link works').toBe(req.statusTokenHash);
      expect((await w.confirm(w.links().at(-1) ?? '')).kind, 'its link confirms the request').toBe('confirmed');
    });
  }
});

describe("resending a completed erasure's outcome survives a fault at every step", async () => {
  // PayNow erased, Notify completed the request and mailed its outcome; the requester says it never came.
  const completed = async (tw: TaskWorld) => {
    await tw.dispatch();
    tw.setTime(at(MIN));
    await tw.answer();
    await tw.complete(tw.requestId);
    expect(tw.outcomes()).toHaveLength(1);
    tw.mail.sent = [];
    tw.setTime(at(10 * MIN));
  };
  const again = (tw: TaskWorld) => officer(tw).act((deps) => resend(tw.requestId, OFFICER, { ...deps, tokens: tw.tokens, baseUrl: BASE }));
  const calls = await boundaries(taskWorld, again, completed);

  it('makes the calls a fault is injected into', () => {
    expect(calls).toEqual(expect.arrayContaining(['dynamodb:Update', 'ses:SendEmail']));
  });

  for (const recovery of RECOVERIES) {
    for (const s of scenarios(calls)) it(`${recovery}: fault ${s.when} call ${s.k} (${s.name}): every resend on the trail mailed, nothing left owed, the personal data's 30 days still counted from closing`, async () => {
      const tw = await taskWorld();
      await completed(tw);
      const before = await tw.request();
      const expiry = (await tw.item(key.pii(tw.requestId)))?.ttl;
      expect(expiry, "the 30 days count from closing").toBe(Math.floor((Date.parse(before.closedAt ?? '') + 30 * DAY) / 1000));
      const first = await strike(tw, s, recovery, again, 10 * MIN);
      await tw.sweep(at(30 * MIN));

      const req = await tw.request();
      expect(req.status).toBe('completed');
      expect(events(req.audit, 'complete'), 'completed once on the trail').toHaveLength(1);
      expect((await tw.item(key.pii(tw.requestId)))?.ttl, "a resend moves no clock on the requester's personal data").toBe(expiry);
      const resent = events(req.audit, 'resend');
      // A second click mails the resend owed rather than recording another, unless the first had done everything but answer.
      const answerLost = s.k === calls.length - 1 && s.when === 'after';
      expect(resent.length, 'one resend on the trail per resend asked for').toBeLessThanOrEqual(answerLost && recovery === 'the officer clicks again' ? 2 : 1);
      if (!resent.length) return expectUndone(tw, first, recovery);
      const mailed = requesterMail(tw);
      expect(mailed.length, 'each resend on the trail mailed').toBeGreaterThanOrEqual(resent.length);
      expect(mailed.length).toBeLessThanOrEqual(resent.length * s.copies);
      expect(tw.outcomes(), 'the outcome, nothing else').toEqual(mailed);
      expect(req.outboxOutcome, 'no outcome left owed').toBeUndefined();
      expect(req.mailFailed, 'no mail failure left marked').toBeUndefined();
    });
  }
});
