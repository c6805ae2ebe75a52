import { afterAll, describe, expect, it, vi } from 'vitest';
import { type AdminDeps, cancel, deny, extend, resolveTask, retryTask } from '../../../functions/admin/actions.ts';
import { releaseExport } from '../../../functions/admin/release.ts';
import { retryOnRace } from '../../../functions/core/errors.ts';
import type { StoredRequest } from '../../../functions/core/ports.ts';
import { at, BASE, boundaries, closeWorlds, MIN, scenarios, settle } from './fault-world.ts';
import { answered, expectBranchSettled, PAYNOW, signed, type TaskWorld, taskWorld } from './task-world.ts';

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

// The sweeper's pass over stuck tasks and the officer's actions read the registry: PayNow alone, as config/processors.json has it.
vi.mock('../../../functions/adapters/registry.ts', async () => {
  const { loadRegistry } = await import('../../../local/processors/registry.ts');
  const all = loadRegistry();
  return { registry: { ...all, processors: all.processors.filter((p) => p.id === 'paynow') } };
});

afterAll(closeWorlds);

const OFFICER = 'officer:ada';
const DAY = 24 * 60 * MIN;

/** The officer's side of a task world: their actions, run as the admin handler runs them (retryOnRace), with PayNow's endpoint for a retry's webhook. */
const officer = (tw: TaskWorld) => {
  const deps = { repo: tw.repo, mailer: tw.mail, workflow: tw.machine, clock: tw.clock, blobs: tw.blobs, post: tw.paynow.post } as unknown as AdminDeps;
  return {
    deps,
    act: (fn: (deps: AdminDeps) => Promise<unknown>) => settle(retryOnRace(() => fn(deps))),
  };
};
/** What the requester was mailed. */
const requesterMail = (tw: TaskWorld) => tw.mail.sent.filter((m) => m.to === 'ada@example.com');
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
      tw.faults.arm({ at: s.k, when: s.when });
      const first = await resolve(tw);
      tw.faults.disarm();
      if (recovery === 'the officer clicks again' && !first.ok) {
        tw.setTime(at(11 * MIN));
        await resolve(tw);
      }
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
        await tw.sweep(at(30 * MIN));
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
        tw.faults.arm({ at: s.k, when: s.when });
        const first = await close(tw);
        tw.faults.disarm();
        if (recovery === 'the officer clicks again' && !first.ok) {
          tw.setTime(at(11 * MIN));
          await close(tw);
        }
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
      tw.faults.arm({ at: s.k, when: s.when });
      const first = await ext(tw);
      tw.faults.disarm();
      if (recovery === 'the officer clicks again' && !first.ok) {
        tw.setTime(at(11 * MIN));
        await ext(tw);
      }
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

describe('releasing a held copy survives a fault at every step', async () => {
  // PayNow's results hold other people's data: Notify held the assembled copy for an officer.
  const held = async (tw: TaskWorld) => {
    await tw.dispatch();
    tw.setTime(at(MIN));
    const cb = signed(tw.taskId, { request_status: 'completed', third_party_data: true, results: { records: [{ id: 'PAY-1', payer: 'someone else' }] } }, 'msg_answer');
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
      tw.faults.arm({ at: s.k, when: s.when });
      const first = await release(tw);
      tw.faults.disarm();
      if (recovery === 'the officer clicks again' && !first.ok) {
        tw.setTime(at(11 * MIN));
        await release(tw);
      }
      await tw.sweep(at(30 * MIN));

      const req = await tw.request();
      expect(events(req.audit, 'release_export').length, 'released once on the trail').toBeLessThanOrEqual(1);
      if (req.status !== 'completed') {
        // Released or not, a copy not yet completed still waits for the officer, who is shown it held.
        expect(first.ok).toBe(false);
        expect(recovery).toBe('only the sweeper runs');
        expect(req.status).toBe('awaiting_manual');
        expect(requesterMail(tw)).toEqual([]);
        return;
      }
      expect(events(req.audit, 'release_export'), 'released once on the trail').toHaveLength(1);
      expect(events(req.audit, 'complete'), 'completed once on the trail').toHaveLength(1);
      const told = tw.outcomes();
      expect(told.length, 'the requester sent the copy').toBeGreaterThanOrEqual(1);
      expect(told.length).toBeLessThanOrEqual(s.copies);
      expect(req.outboxOutcome, 'no outcome left owed').toBeUndefined();
    });
  }
});
