import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { registry } from '../../../functions/adapters/registry.ts';
import { key, watchOf } from '../../../functions/adapters/table.ts';
import { signWebhook } from '../../../functions/adapters/webhook-signing.ts';
import { receiveCallback } from '../../../functions/callback/receive.ts';
import { retryOnRace } from '../../../functions/core/errors.ts';
import { planTasks } from '../../../functions/core/plan.ts';
import type { StoredRequest, StoredTask } from '../../../functions/core/ports.ts';
import { ESCALATED_TASK_STATUSES, FINISHED_TASK_STATUSES } from '../../../functions/core/status.ts';
import { dispatch, EndpointStates } from '../../../functions/dispatch/dispatch.ts';
import { escalate } from '../../../functions/escalate/escalate.ts';
import { type SweepDeps, sweep } from '../../../functions/sweeper/sweep.ts';
import { newWebhookSecret } from '../../../local/processors/registry.ts';
import { at, BASE, boundaries, closeWorlds, type Faults, inProgress, MIN, scenarios, secretsManager, settle, world } from './fault-world.ts';

/**
 * Fault injection at every step boundary of a task's branch of the workflow (the machinery is in
 * fault-world.ts): Dispatch, which records the task as sent and posts the signed webhook; the
 * processor's callback, which records its answer and tells the waiting state (SendTaskSuccess or
 * SendTaskFailure); Escalate, which hands a task nobody answered to the team. Every port call (each
 * DynamoDB command, each Step Functions call, each webhook, each email) is numbered; scenario k makes
 * call k fail before it takes effect, or kills the process just after it took effect. Then the world
 * recovers as it would: the state's Retry runs it again with the same input (and a fresh token), or
 * its Catch escalates the task; the processor sends the same callback again (Standard Webhooks
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
const [PAYNOW] = registry.processors;
const SECRET = newWebhookSecret();
secretsManager.on(GetSecretValueCommand, { SecretId: PAYNOW.secretRef }).resolves({ SecretString: JSON.stringify({ secrets: [SECRET] }) });

afterAll(closeWorlds);

/** PayNow's endpoint: each webhook it took (a numbered port call, answered 202). */
class Processor {
  posts: { id: string; body: string }[] = [];
  /** The webhook-ids it acted on: once each, as the contract asks. */
  acted = new Set<string>();
  constructor(private readonly faults: Faults) {}
  post = (_url: string, id: string, body: string) =>
    this.faults.call('http:POST', id, async () => {
      this.posts.push({ id, body });
      return 202;
    });
}

type Answer = { request_status: string } & Record<string, unknown>;
/** A signed callback for the task, its bytes and headers fixed: a retry sends the very same. */
const signed = (taskId: string, answer: Answer, webhookId: string) => {
  const raw = JSON.stringify({ task_id: taskId, ...answer });
  return { raw, headers: { 'content-type': 'application/json', ...signWebhook(webhookId, raw, [SECRET]) } };
};

/** A request in progress with PayNow's task planned, and the states of its branch run as the state machine runs them. */
async function taskWorld(type: 'erasure' | 'access' = 'erasure') {
  const w = await world();
  const req = await inProgress(w, type);
  const [planned] = planTasks(req, [PAYNOW], { customer: undefined, today: '2026-11-25' });
  await w.repo.putTasksIfAbsent([planned]);
  const { repo, machine, mail, clock } = w;
  const { taskId } = planned;
  const requestId = req.id;
  const paynow = new Processor(w.faults);
  // Kept for the container's life, as the handler keeps it.
  const endpoints = new EndpointStates();
  /** A waitForTaskToken state: its function runs with a fresh token, and a function that fails ends the wait. */
  const state = async (name: string, run: (token: string) => Promise<unknown>) => {
    const token = machine.wait(name);
    const r = await settle(run(token));
    if (!r.ok) machine.end(token, 'failed');
    return r;
  };
  const caught = new Set<string>();
  const sweepDeps = { repo, mailer: mail, workflow: machine, tokens: w.tokens, baseUrl: BASE, linksPerHour: 5, processors: [PAYNOW], blobs: { delete: async () => undefined } };
  const tw = {
    ...w,
    requestId,
    taskId,
    paynow,
    /** The Dispatch state, as its handler runs the function. */
    dispatch: () => state('Dispatch', (token) => retryOnRace(() => dispatch({ token, requestId, taskId }, { repo, workflow: machine, mailer: mail, clock, processors: [PAYNOW], post: paynow.post, endpoints }))),
    /** The Escalate state, after Dispatch failed with `error`. */
    escalate: (error: string) => state('Escalate', (token) => escalate({ token, requestId, taskId, error: { Error: error } }, { repo, workflow: machine, mailer: mail, clock, processorName: () => PAYNOW.name })),
    callback: (cb: ReturnType<typeof signed>) => settle(receiveCallback(taskId, cb.raw, cb.headers, { repo, workflow: machine, clock, processors: [PAYNOW] })),
    /** PayNow does the work of each webhook it has not acted on yet, and calls back once for it. */
    async answer() {
      for (const id of new Set(paynow.posts.map((p) => p.id))) {
        if (paynow.acted.has(id)) continue;
        paynow.acted.add(id);
        expect((await tw.callback(signed(taskId, { request_status: 'completed' }, `msg_${id}`))).ok).toBe(true);
      }
    },
    /** Step Functions goes on: a Dispatch state failed by the processor's answer is caught, and Escalate runs. */
    async advance() {
      for (const [token, t] of machine.tokens) {
        const failure = t.state === 'Dispatch' && t.answers.find((a) => 'error' in a);
        if (failure && !caught.has(token)) {
          caught.add(token);
          await tw.escalate(failure.error);
        }
      }
    },
    sweep: (when: Date) => sweep(when, sweepDeps as unknown as SweepDeps),
    /** Days pass: a Dispatch state still waiting times out, and Escalate runs for it, as its Catch says. */
    async timeOut() {
      for (const token of machine.waiting()) {
        if (machine.tokens.get(token)?.state !== 'Dispatch') continue;
        machine.end(token, 'timed_out');
        await tw.escalate('States.Timeout');
      }
    },
    task: async () => (await w.item(key.task(requestId, PAYNOW.id))) as StoredTask,
    request: async () => (await w.item(key.request(requestId))) as StoredRequest,
    alerts: () => mail.sent.filter((m) => m.subject.startsWith('Escalated:')),
  };
  return tw;
}
type TaskWorld = Awaited<ReturnType<typeof taskWorld>>;

/** The processor's events for its answer on the task's audit trail. */
const answered = (t: StoredTask, status: string) => t.audit.filter((e) => e.actor === `processor:${t.processorId}` && e.action === status);

/**
 * Once the world has recovered: one task record, every webhook under one id with the same bytes, and
 * a branch that either moved on with the task's answer (the last state it ran took it, and nothing
 * waits on the task any more; the request may still wait for an officer if the task was escalated on
 * the way, until the workflow's Notify completes it) or waits for an officer (the task failed or timed
 * out, the request awaiting_manual, the team told, and the state waiting on it the Escalate whose
 * token the task records, which the officer's resolution or a late answer releases). Never a request
 * in progress with an escalated task, nor an answered task whose state still waits.
 */
async function expectBranchSettled(tw: TaskWorld) {
  expect(await tw.items(tw.requestId, 'TASK#'), 'one task record per processor').toHaveLength(1);
  expect(new Set(tw.paynow.posts.map((p) => p.id)).size, 'one webhook-id').toBeLessThanOrEqual(1);
  expect(new Set(tw.paynow.posts.map((p) => p.body)).size, 'the same bytes each time').toBeLessThanOrEqual(1);
  const t = await tw.task();
  const req = await tw.request();
  expect(t.outboxToken, 'no token left owed').toBeUndefined();
  const raw = t as StoredTask & { watch?: string; watchAt?: string };
  expect({ watch: raw.watch, watchAt: raw.watchAt }, 'its place in the watch index is the one its status gives').toEqual(watchOf(t, ''));
  const waiting = tw.machine.waiting();
  if (ESCALATED_TASK_STATUSES.includes(t.status)) {
    expect(req.status, 'an escalated task: the request waits for an officer').toBe('awaiting_manual');
    expect(waiting, 'the state waiting is the one the task names').toEqual([t.token]);
    expect(tw.machine.tokens.get(t.token ?? '')?.state).toBe('Escalate');
    expect(tw.alerts().length, 'the team was told').toBeGreaterThanOrEqual(1);
    expect(req.mailFailed, 'not marked "mail failed" once the alert went').toBeUndefined();
    return;
  }
  expect(FINISHED_TASK_STATUSES).toContain(t.status);
  expect(waiting, 'no state left waiting on an answered task').toEqual([]);
  expect([...tw.machine.tokens.values()].at(-1)?.answers, "the branch's last state took the task's answer, once").toEqual([{ success: t.outcome }]);
  expect(['in_progress', 'awaiting_manual']).toContain(req.status);
}

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

    for (const recovery of ['the processor sends it again', 'the processor gives up'] as const) {
      for (const s of scenarios(calls)) it(`${recovery}: fault ${s.when} call ${s.k} (${s.name}): the task answered once, and its waiting state told`, async () => {
        const tw = await taskWorld(c.type);
        await sent(tw);
        const cb = callback(tw);
        tw.faults.arm({ at: s.k, when: s.when });
        const first = await tw.callback(cb);
        tw.faults.disarm();
        await tw.advance();
        if (recovery === 'the processor sends it again' && !first.ok) {
          tw.setTime(at(2 * MIN));
          expect((await tw.callback(cb)).ok, 'the same callback, sent again, is answered 2xx').toBe(true);
          await tw.advance();
        }
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
