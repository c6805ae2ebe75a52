import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { expect } from 'vitest';
import { registry } from '../../../functions/adapters/registry.ts';
import { key, watchOf } from '../../../functions/adapters/table.ts';
import { signWebhook } from '../../../functions/adapters/webhook-signing.ts';
import { receiveCallback } from '../../../functions/callback/receive.ts';
import { retryOnRace } from '../../../functions/core/errors.ts';
import { planTasks } from '../../../functions/core/plan.ts';
import type { ProcessorEntry } from '../../../functions/core/model.ts';
import type { StoredRequest, StoredTask } from '../../../functions/core/ports.ts';
import { ESCALATED_TASK_STATUSES, FINISHED_TASK_STATUSES } from '../../../functions/core/status.ts';
import { webhookIdOf } from '../../../functions/core/webhook.ts';
import { taskAnswer } from '../../../functions/core/workflow-answer.ts';
import { dispatch, EndpointStates } from '../../../functions/dispatch/dispatch.ts';
import { escalate } from '../../../functions/escalate/escalate.ts';
import { type SweepDeps, sweep } from '../../../functions/sweeper/sweep.ts';
import { newWebhookSecret } from '../../../local/processors/registry.ts';
import { BASE, type Faults, inProgress, secretsManager, settle, world } from './fault-world.ts';

/**
 * A request in progress with one processor's task, and the states of its branch of the workflow run
 * as the state machine runs them (task-faults.test.ts, admin-faults.test.ts). The test file mocks the
 * registry to PayNow alone, as config/processors.json has it: the sweeper's pass over stuck tasks reads it.
 */

export const [PAYNOW] = registry.processors;
const SECRET = newWebhookSecret();
secretsManager.on(GetSecretValueCommand, { SecretId: PAYNOW.secretRef }).resolves({ SecretString: JSON.stringify({ secrets: [SECRET] }) });

/** PayNow's endpoint: each webhook it took (a numbered port call, answered 202), or refused while `answers` says so. */
class Processor {
  posts: { id: string; body: string }[] = [];
  answers = 202;
  /** The webhook-ids it acted on: once each, as the contract asks. */
  acted = new Set<string>();
  constructor(private readonly faults: Faults) {}
  post = (_url: string, id: string, body: string) =>
    this.faults.call('http:POST', id, async () => {
      if (this.answers !== 202) return this.answers;
      this.posts.push({ id, body });
      return 202;
    });
}

export type Answer = { request_status: string } & Record<string, unknown>;
/** A signed callback for the task, its bytes and headers fixed: a retry sends the very same. */
export const signed = (taskId: string, answer: Answer, webhookId: string) => {
  const raw = JSON.stringify({ task_id: taskId, ...answer });
  return { raw, headers: { 'content-type': 'application/json', ...signWebhook(webhookId, raw, [SECRET]) } };
};

/**
 * A processor with no API (a person does the work, told by the team's email): only the tests that
 * name it plan a task for it.
 */
export const LEDGER: ProcessorEntry = { ...PAYNOW, id: 'ledger-firm', name: 'Ledger & Co (paper records)', category: 'collections', mode: 'manual', endpoint: undefined, secretRef: undefined };

/**
 * A request in progress (with `changes`) with one processor's task planned (PayNow's unless
 * `processor` names another), and the states of its branch run as the state machine runs them.
 */
export async function taskWorld(type: 'erasure' | 'access' = 'erasure', changes?: (id: string) => Partial<StoredRequest>, processor: ProcessorEntry = PAYNOW) {
  const w = await world();
  const req = await inProgress(w, type, changes);
  // Someone the shop keeps invoices of: an erasure's payments task carries the accounting hold, under which PayNow may answer `retained`.
  const [planned] = planTasks(req, [processor], { customer: { closedOn: null, accountingRecords: true, lifetimeWarranty: false }, today: '2026-11-25' });
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
  // The sweeper sends an officer's retry whose action died before its webhook went: to PayNow's endpoint, as the officer's action would have.
  const sweepDeps = { repo, mailer: mail, workflow: machine, tokens: w.tokens, baseUrl: BASE, linksPerHour: 5, processors: [processor], blobs: w.blobs, post: paynow.post };
  const tw = {
    ...w,
    requestId,
    taskId,
    paynow,
    /** The Dispatch state, as its handler runs the function. */
    dispatch: () => state('Dispatch', (token) => retryOnRace(() => dispatch({ token, requestId, taskId }, { repo, workflow: machine, mailer: mail, clock, processors: [processor], post: paynow.post, endpoints }))),
    /** The Escalate state, after Dispatch failed with `error`. */
    escalate: (error: string) => state('Escalate', (token) => escalate({ token, requestId, taskId, error: { Error: error } }, { repo, workflow: machine, mailer: mail, clock, processorName: () => processor.name, manual: () => processor.mode === 'manual' })),
    callback: (cb: ReturnType<typeof signed>) => settle(receiveCallback(taskId, cb.raw, cb.headers, { repo, workflow: machine, clock, processors: [processor] })),
    /** PayNow does the work of each webhook it has not acted on yet, and calls back once for it. */
    async answer() {
      for (const id of new Set(paynow.posts.map((p) => p.id))) {
        if (paynow.acted.has(id)) continue;
        paynow.acted.add(id);
        expect((await tw.callback(signed(taskId, { request_status: 'completed' }, `msg_${id}`))).ok).toBe(true);
      }
    },
    /**
     * Step Functions goes on: a Dispatch state failed by the processor's answer is caught, and Escalate
     * runs; so is an Escalate state an officer's retry was sent under, which enters Escalate anew.
     */
    async advance() {
      for (const [token, t] of machine.tokens) {
        const failure = t.answers.find((a) => 'error' in a);
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
    task: async () => (await w.item(key.task(requestId, processor.id))) as StoredTask,
    request: async () => (await w.item(key.request(requestId))) as StoredRequest,
    alerts: () => mail.sent.filter((m) => m.subject.startsWith('Escalated:')),
    /** The team's emails that a manual processor's task needs a person. */
    manualTasks: () => mail.sent.filter((m) => m.subject.startsWith('Manual task:')),
  };
  return tw;
}
export type TaskWorld = Awaited<ReturnType<typeof taskWorld>>;

/** How the processor recovers from a callback that got no 2xx: Standard Webhooks senders retry a 5xx, or it gives up. */
export const CALLBACK_RECOVERIES = ['the processor sends it again', 'the processor gives up'] as const;

/**
 * The processor's callback `cb`, struck at the scenario's call, then Step Functions goes on; unless
 * the processor gives up, the very same callback is sent again at `again` when the first got no 2xx,
 * which must be answered 2xx. The first delivery's answer.
 */
export async function strikeCallback(tw: TaskWorld, cb: ReturnType<typeof signed>, s: { k: number; when: 'before' | 'after' }, recovery: (typeof CALLBACK_RECOVERIES)[number], again: Date) {
  tw.faults.arm({ at: s.k, when: s.when });
  const first = await tw.callback(cb);
  tw.faults.disarm();
  await tw.advance();
  if (recovery === 'the processor sends it again' && !first.ok) {
    tw.setTime(again);
    expect((await tw.callback(cb)).ok, 'the same callback, sent again, is answered 2xx').toBe(true);
    await tw.advance();
  }
  return first;
}

/** The processor's events for its answer on the task's audit trail. */
export const answered = (t: StoredTask, status: string) => t.audit.filter((e) => e.actor === `processor:${t.processorId}` && e.action === status);

/**
 * Once the world has recovered: one task record, every webhook under an id the task records (its
 * first message's, or an officer's retry's) with the same bytes each time, and
 * a branch that either moved on with the task's answer (the last state it ran took it, and nothing
 * waits on the task any more; the request may still wait for an officer if the task was escalated on
 * the way, until the workflow's Notify completes it) or waits for an officer (the task failed or timed
 * out, the request awaiting_manual, the team told, and the state waiting on it the Escalate whose
 * token the task records, which the officer's resolution or a late answer releases). Never a request
 * in progress with an escalated task, nor an answered task whose state still waits.
 */
export async function expectBranchSettled(tw: TaskWorld) {
  expect(await tw.items(tw.requestId, 'TASK#'), 'one task record per processor').toHaveLength(1);
  const t = await tw.task();
  // The first message, and each officer's retry recorded on the task, each under its own id.
  const ids = [tw.taskId, ...Array.from({ length: t.retries ?? 0 }, (_, i) => webhookIdOf({ taskId: tw.taskId, retries: i + 1 }))];
  for (const p of tw.paynow.posts) expect(ids, 'every webhook-id one the task records').toContain(p.id);
  for (const id of ids) expect(new Set(tw.paynow.posts.filter((p) => p.id === id).map((p) => p.body)).size, 'the same bytes each time').toBeLessThanOrEqual(1);
  const req = await tw.request();
  expect(t.outboxToken, 'no token left owed').toBeUndefined();
  const raw = t as StoredTask & { watch?: string; watchAt?: string };
  expect({ watch: raw.watch, watchAt: raw.watchAt }, 'its place in the watch index is the one its status gives').toEqual(watchOf(t, '') ?? { watch: undefined, watchAt: undefined });
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
  expect([...tw.machine.tokens.values()].at(-1)?.answers, "the branch's last state took the task's answer (as the workflow is told it: codes, never a note), once").toEqual([{ success: taskAnswer(t) }]);
  expect(['in_progress', 'awaiting_manual']).toContain(req.status);
}

