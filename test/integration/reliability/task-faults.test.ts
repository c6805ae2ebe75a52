import { describe, expect, it, vi } from 'vitest';
import { at, boundaries, MIN, scenarios } from './fault-world.ts';
import { watchOf } from '../../../functions/adapters/table.ts';
import type { StoredTask } from '../../../functions/core/ports.ts';
import { answered, type Answer, CALLBACK_RECOVERIES, expectBranchSettled, LEDGER, PAYNOW, signed, strikeCallback, type TaskWorld, taskWorld } from './task-world.ts';

/**
 * Fault injection at every step boundary of a task's branch of the workflow (the machinery is in
 * fault-world.ts): Dispatch, which records the task as sent and posts the signed webhook; the
 * processor's callback, which records its answer and tells the waiting state (SendTaskSuccess or
 * SendTaskFailure); Escalate, which hands a task nobody answered to the team. Every port call (each
 * DynamoDB command, each Step Functions call, each webhook, each email) is numbered; scenario k makes
 * call k fail before it takes effect, or kills the process just after it took effect. Then the world
 * recovers as it would: the state's Retry runs it again with the same input (and a fresh token), or,
 * once the fault outlasts the retries (workflows/: a sandbox that died is retried three times), its
 * Catch escalates the task; the processor sends the same callback again (Standard Webhooks
 * senders retry a 5xx), or gives up; the sweeper runs; days pass and a Dispatch state still waiting
 * times out into Escalate. Then the invariants: one task record, one webhook-id, and a branch that
 * either moved on with the task's answer or waits for an officer, with the request saying which.
 */

// The sweeper's pass over stuck tasks reads the registry: PayNow alone, as config/processors.json has it.
vi.mock('../../../functions/adapters/registry.ts', async () => {
  const { loadRegistry } = await import('../../../local/processors/registry.ts');
  const all = loadRegistry();
  return { registry: { ...all, processors: all.processors.filter((p) => p.id === 'paynow') } };
});
describe('dispatch survives a fault at every step', async () => {
  const calls = await boundaries(taskWorld, (tw) => tw.dispatch());

  it('makes the calls a fault is injected into', () => {
    expect(calls).toEqual(expect.arrayContaining(['dynamodb:Update', 'http:POST']));
  });

  for (const recovery of ['the Retry runs Dispatch again', 'the Catch escalates the task'] as const) {
    for (const processor of ['answers at once', 'answers after the recovery'] as const) {
      for (const s of scenarios(calls)) it(`${recovery}, the processor ${processor}: fault ${s.when} call ${s.k} (${s.name}): one task, one webhook-id, the branch moves on or waits for an officer`, async () => {
        const tw = await taskWorld();
        tw.faults.arm({ at: s.k, when: s.when });
        const first = await tw.dispatch();
        tw.faults.disarm();
        if (processor === 'answers at once') await tw.answer();
        if (!first.ok) {
          tw.setTime(at(5000));
          if (recovery === 'the Retry runs Dispatch again') expect((await tw.dispatch()).ok, 'the re-run goes through').toBe(true);
          else expect((await tw.escalate(first.error.name)).ok, 'the escalation goes through').toBe(true);
        }
        await tw.answer();
        await tw.advance();
        await tw.sweep(at(20 * MIN));
        await tw.timeOut();

        await expectBranchSettled(tw);
        const t = await tw.task();
        if (tw.paynow.posts.length) {
          expect(tw.paynow.posts[0].id, 'the webhook-id is the task id').toBe(tw.taskId);
          expect(t.status, 'the processor that took the webhook did the work').toBe('completed');
          expect(answered(t, 'completed')).toHaveLength(1);
        } else {
          expect(recovery).toBe('the Catch escalates the task');
        }
      });
    }
  }
});

describe('a processor’s failure that lands between two Dispatch attempts', () => {
  it('stands: the Retry sends nothing again and the task goes to Escalate at once, with the processor’s words', async () => {
    const tw = await taskWorld();
    // The POST reached PayNow, and its answer was lost (a time-out after delivery): the state retries with backoff.
    tw.faults.arm({ match: (name) => name === 'http:POST', when: 'after' });
    expect((await tw.dispatch()).ok).toBe(false);
    tw.faults.disarm();
    tw.setTime(at(2000));
    expect((await tw.callback(signed(tw.taskId, { request_status: 'failed', reason: 'account locked' }, 'msg_failed'))).ok).toBe(true);
    tw.setTime(at(5000));
    const again = await tw.dispatch();
    expect(again.ok, 'the Retry fails the state, for its Catch').toBe(false);
    if (!again.ok) expect((await tw.escalate(again.error.name)).ok).toBe(true);

    await expectBranchSettled(tw);
    expect(tw.paynow.posts.map((p) => p.id), 'the webhook sent once').toEqual([tw.taskId]);
    expect(await tw.task()).toMatchObject({ status: 'failed', outcome: { request_status: 'failed', reason: 'account locked' } });
    expect(tw.alerts().map((m) => m.subject)).toEqual([expect.stringContaining('failed')]);
  });
});

describe("a manual processor's dispatch survives a fault at every step", async () => {
  // No webhook: Dispatch records the task as sent, moves the request to wait for an officer and emails the team.
  const manualWorld = () => taskWorld('erasure', undefined, LEDGER);
  const calls = await boundaries(manualWorld, (tw) => tw.dispatch());

  it('makes the calls a fault is injected into', () => {
    expect(calls).toEqual(expect.arrayContaining(['dynamodb:Update', 'ses:SendEmail']));
    expect(calls).not.toContain('http:POST');
  });

  for (const recovery of ['the Retry runs Dispatch again', 'the Catch escalates the task'] as const) {
    for (const s of scenarios(calls)) it(`${recovery}: fault ${s.when} call ${s.k} (${s.name}): the team told of the task once, the request waiting for an officer`, async () => {
      const tw = await manualWorld();
      tw.faults.arm({ at: s.k, when: s.when });
      const first = await tw.dispatch();
      tw.faults.disarm();
      if (!first.ok) {
        tw.setTime(at(5000));
        if (recovery === 'the Retry runs Dispatch again') expect((await tw.dispatch()).ok, 'the re-run goes through').toBe(true);
        else expect((await tw.escalate(first.error.name)).ok, 'the escalation goes through').toBe(true);
      }
      // Past the dead run's lease on the email.
      await tw.sweep(at(20 * MIN));
      await tw.sweep(at(40 * MIN));

      const t = await tw.task();
      const told = tw.manualTasks();
      expect((await tw.request()).status).toBe('awaiting_manual');
      if (!t.audit.some((e) => e.action === 'send')) {
        // A run that failed before recording the task sent recorded nothing owed either: the task was
        // escalated without being sent, and it is Escalate's alert that tells the team: to do the task
        // and resolve it, since an officer's retry of a manual processor's task is refused.
        expect(recovery).toBe('the Catch escalates the task');
        expect(told).toEqual([]);
        expect(tw.alerts()).toHaveLength(1);
        expect(tw.alerts()[0].text).toContain(`Task ${tw.taskId} needs a person`);
        expect(tw.alerts()[0].text).toContain('It cannot be retried: do it in their system, then resolve the task in the console:');
        expect(tw.machine.waiting()).toEqual([t.token]);
        return;
      }
      expect(told.length, 'the team told of the task').toBeGreaterThanOrEqual(1);
      expect(told.length, 'once, twice only where SES took it and the run died before recording it').toBeLessThanOrEqual(s.copies);
      expect(new Set(told.map((m) => m.text)).size, 'the same email each time').toBe(1);
      expect(told[0].text).toContain(tw.taskId);
      expect(told[0].text, 'ids and a link, never the person').not.toContain('ada@example.com');
      expect(t.outboxTeam, 'nothing left owed').toBeUndefined();
      const raw = t as StoredTask & { watch?: string; watchAt?: string };
      expect({ watch: raw.watch, watchAt: raw.watchAt }, 'its place in the watch index is the one its status gives').toEqual(watchOf(t, ''));
      // The state waiting on the task is the one it names: its Dispatch's, or once escalated its Escalate's.
      expect(tw.machine.waiting()).toEqual([t.token]);
      expect(tw.machine.tokens.get(t.token ?? '')?.state).toBe(first.ok || recovery === 'the Retry runs Dispatch again' ? 'Dispatch' : 'Escalate');
    });
  }
});

describe('escalate survives a fault at every step', async () => {
  // PayNow took the webhook and went silent; the Dispatch state timed out.
  const silent = async (tw: TaskWorld) => {
    await tw.dispatch();
    for (const token of tw.machine.waiting()) tw.machine.end(token, 'timed_out');
    tw.setTime(at(MIN));
  };
  const calls = await boundaries(taskWorld, (tw) => tw.escalate('States.Timeout'), silent);

  it('makes the calls a fault is injected into', () => {
    expect(calls).toEqual(expect.arrayContaining(['dynamodb:Update', 'ses:SendEmail']));
  });

  for (const late of ['nobody answers', 'the processor answers before the retry', 'the processor answers after it'] as const) {
    for (const s of scenarios(calls)) it(`the Retry runs Escalate again, ${late}: fault ${s.when} call ${s.k} (${s.name}): the task timed out once, the team told, its Escalate waiting`, async () => {
      const tw = await taskWorld();
      await silent(tw);
      tw.faults.arm({ at: s.k, when: s.when });
      const first = await tw.escalate('States.Timeout');
      tw.faults.disarm();
      if (late === 'the processor answers before the retry') await tw.answer();
      if (!first.ok) {
        tw.setTime(at(MIN + 2000));
        expect((await tw.escalate('States.Timeout')).ok, 'the re-run goes through').toBe(true);
      }
      if (late === 'the processor answers after it') await tw.answer();
      await tw.sweep(at(20 * MIN));

      await expectBranchSettled(tw);
      const t = await tw.task();
      expect(t.audit.filter((e) => e.action === 'time_out').length).toBeLessThanOrEqual(1);
      if (late === 'nobody answers') {
        expect(t.status).toBe('timed_out');
        expect(tw.alerts().length).toBeLessThanOrEqual(s.copies);
      } else {
        expect(t.status).toBe('completed');
        expect(answered(t, 'completed')).toHaveLength(1);
      }
    });
  }
});

/** The processor's answers, each through the callback's whole path; the last one comes after its task was escalated. */
const CALLBACKS: { name: string; type: 'erasure' | 'access'; body: Answer; escalated?: true }[] = [
  { name: 'completed', type: 'erasure', body: { request_status: 'completed' } },
  { name: 'not_found', type: 'erasure', body: { request_status: 'not_found' } },
  { name: 'retained', type: 'erasure', body: { request_status: 'retained', legal_basis: 'accounting', retained_until: '2033-11-25' } },
  { name: 'failed', type: 'erasure', body: { request_status: 'failed', reason: 'account locked' } },
  { name: 'completed with export results', type: 'access', body: { request_status: 'completed', results: { records: [{ id: 'PAY-1', amount: 12.5 }] } } },
  { name: 'completed, late, once its task timed out', type: 'erasure', body: { request_status: 'completed' }, escalated: true },
];

for (const c of CALLBACKS) {
  describe(`a processor's ${c.name} callback survives a fault at every step`, async () => {
    // PayNow took the webhook (and, for the late answer, its Dispatch state timed out into Escalate).
    const sent = async (tw: TaskWorld) => {
      await tw.dispatch();
      if (c.escalated) await tw.timeOut();
      tw.setTime(at(MIN));
    };
    const callback = (tw: TaskWorld) => signed(tw.taskId, c.body, 'msg_answer');
    const calls = await boundaries(() => taskWorld(c.type), (tw) => tw.callback(callback(tw)), sent);

    it('makes the calls a fault is injected into', () => {
      expect(calls).toEqual(expect.arrayContaining(['dynamodb:Update', c.body.request_status === 'failed' ? 'states:SendTaskFailure' : 'states:SendTaskSuccess']));
    });

    for (const recovery of CALLBACK_RECOVERIES) {
      for (const s of scenarios(calls)) it(`${recovery}: fault ${s.when} call ${s.k} (${s.name}): the task answered once, and its waiting state told`, async () => {
        const tw = await taskWorld(c.type);
        await sent(tw);
        const first = await strikeCallback(tw, callback(tw), s, recovery, at(2 * MIN));
        // Results no task recorded wait 15 minutes for their callback's retry; this sweep is after.
        await tw.sweep(at(20 * MIN));
        await tw.timeOut();

        await expectBranchSettled(tw);
        const t = await tw.task();
        const status = c.body.request_status;
        const landed = answered(t, status);
        if (landed.length === 0) {
          // The answer never landed: only a processor that gave up on a 5xx leaves its task timed out, with an officer.
          expect(recovery).toBe('the processor gives up');
          expect(first.ok).toBe(false);
          expect(t.status).toBe('timed_out');
        } else {
          expect(landed, 'the answer once on the trail').toHaveLength(1);
          expect(t.status).toBe(status);
        }
        const results = await tw.items(tw.requestId, 'RESULT#');
        if (t.resultsHash) expect(results.map((r) => r.sk)).toEqual([`RESULT#${PAYNOW.id}#${t.resultsHash}`]);
        else expect(results, 'no export results kept that no task records').toEqual([]);
        if (c.body.results) expect(Boolean(t.resultsHash)).toBe(t.status === 'completed');
      });
    }
  });
}
