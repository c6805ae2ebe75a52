import { plannedTaskExpiry } from '../core/completion.ts';
import { londonDate } from '../core/deadline.ts';
import { IllegalTransition, NotFound, retryOnRace, Unavailable } from '../core/errors.ts';
import type { ObjectionScope, Registry } from '../core/model.ts';
import { orderTasks, planTasks, suppressionScopes } from '../core/plan.ts';
import type { Clock, CustomerDirectory, Repository, StoredRequest } from '../core/ports.ts';

export type PlanDeps = {
  repo: Pick<Repository, 'getRequest' | 'getPii' | 'listTasks' | 'putTasksIfAbsent' | 'transitionRequest'>;
  customers: Pick<CustomerDirectory, 'find'>;
  clock: Clock;
  registry: Registry;
  suppression: { add(emailHash: string, scopes: readonly ObjectionScope[], at: string): Promise<void>; scopesOf(emailHash: string): Promise<ObjectionScope[]> };
  /** The keyed hash the suppression list is keyed by, of a corrected address. */
  emailHash: (email: string) => Promise<string>;
};

export type PlanOutput = {
  requestId: string;
  export: boolean;
  tasks: { taskId: string; heartbeatSeconds: number; timeoutSeconds: number }[];
};

/** Statuses in which a re-run of Plan (after a restart) returns the tasks it already wrote. */
const ALREADY_STARTED = ['in_progress', 'awaiting_manual', 'completed'];

/**
 * The Plan state. A verified request gets one task per processor and moves to in_progress.
 * Idempotent: a re-run finds the tasks it wrote and returns them unchanged, so no processor is
 * ever given a second, different instruction, even if the registry changed in between; a run that
 * wrote only some of them before it failed has the rest written by the next.
 */
export async function planRequest(requestId: string, deps: PlanDeps): Promise<PlanOutput> {
  // The sweeper or an officer may write the request at the same moment: reload and decide again.
  return retryOnRace(() => plan(requestId, deps));
}

async function plan(requestId: string, deps: PlanDeps): Promise<PlanOutput> {
  let req = await deps.repo.getRequest(requestId);
  if (!req) throw new NotFound(`request ${requestId} not found`);
  if (req.status !== 'verified' && !ALREADY_STARTED.includes(req.status)) throw new IllegalTransition('request', req.status, 'start');
  await suppress(req, deps);
  let tasks = await deps.repo.listTasks(requestId);
  if (req.status === 'verified') {
    // Holds depend on what the person bought and when the account closed, and a typed order number
    // is only the verified address's if the shop's directory says so: it knows. When it cannot be
    // asked, find throws Unavailable and the state machine retries.
    const pii = await deps.repo.getPii(requestId);
    const orderNumber = pii?.orderNumber;
    const asked = Boolean(pii && (orderNumber || req.type === 'erasure'));
    // An objection is honoured at once (Art. 21(3)): the order number only adds an identity to its tasks, so while the
    // directory is down it goes out unconfirmed, where until November 29, 2026 the objection waited up to 9 hours of retries.
    const type = req.type;
    const found = asked && pii ? await deps.customers.find(pii.email, orderNumber).catch((e: unknown) => {
      if (type === 'objection' && e instanceof Unavailable) return 'unchecked' as const;
      throw e;
    }) : undefined;
    const customer = found === 'unchecked' ? undefined : found;
    // Tasks may exist already: a previous run wrote them, all or (throttled, or stopped between two
    // batches) only some, and stopped before the transition. Those written stay as they are, so that
    // no processor is given a second, different instruction; the others are written now.
    const planned = planTasks(req, deps.registry.processors, { customer: req.type === 'erasure' ? customer : undefined, today: londonDate(deps.clock.now()) });
    const missing = planned.filter((t) => !tasks.some((w) => w.processorId === t.processorId));
    if (missing.length) {
      // The proof's retention: 7 years after the latest deadline the request can have (extended, from
      // verification); a request that closes later than a year after it extends them (keepTasksWithProof).
      await deps.repo.putTasksIfAbsent(missing, plannedTaskExpiry(req));
      tasks = [...tasks, ...missing];
    }
    const at = deps.clock.now().toISOString();
    // Whether the order number went to processors is on the trail; the number itself is not.
    const confirmed = Boolean(orderNumber && customer?.ownsOrder === true);
    const order: Record<string, string> = orderNumber ? { order: confirmed ? 'confirmed' : found === 'unchecked' ? 'unchecked' : 'not_confirmed' } : {};
    // Asked to erase lifetime-warranty purchases the shop has none of: the outcome must not say it erased them.
    const noWarranty = asked && req.type === 'erasure' && req.details.eraseWarranty && !customer?.lifetimeWarranty;
    req = await deps.repo.transitionRequest(
      req,
      'in_progress',
      { ...(confirmed ? { orderConfirmed: true } : {}), ...(noWarranty ? { noWarrantyPurchases: true as const } : {}) },
      { at, actor: 'workflow', action: 'start', subject: requestId, from: 'verified', to: 'in_progress', data: { tasks: tasks.length, registry: deps.registry.version, ...order } },
    );
  }
  const byId = new Map(deps.registry.processors.map((p) => [p.id, p]));
  return {
    requestId,
    export: req.type === 'access',
    tasks: orderTasks(tasks, req.type, deps.registry.processors).map((t) => {
      const p = byId.get(t.processorId);
      // A processor removed from the registry after planning keeps a default wait; a human resolves it.
      const timeoutSeconds = p?.timeoutSeconds ?? 604_800;
      // Only an automated processor's callbacks heartbeat its task: a manual one's is done by a person and
      // nothing heartbeats it, so it waits for its time-out only. The Dispatch state cannot leave the heartbeat
      // out per task, and Step Functions fails the whole execution if it is not smaller than the time-out: it
      // is a second short of it, and Escalate records its running out as the time-out (escalate.ts).
      const heartbeatSeconds = p?.mode === 'manual' ? timeoutSeconds - 1 : (p?.heartbeatSeconds ?? 86_400);
      return { taskId: t.taskId, heartbeatSeconds, timeoutSeconds };
    }),
  };
}

/**
 * An objection to marketing or review invitations is absolute (Art. 21(3)): the address goes on the
 * suppression list here, before any task is sent, for a request still going (one refused or
 * cancelled before Plan ran suppresses nothing). An erasure and a restriction put it there too, and
 * a corrected address gets whatever uses the old one was suppressed for, as the shop's flows will
 * check the new one. Adding a use again changes nothing, so a re-run may do it again.
 */
async function suppress(req: StoredRequest, deps: PlanDeps) {
  const at = deps.clock.now().toISOString();
  await deps.suppression.add(req.emailHash, suppressionScopes(req), at);
  const moved = req.type === 'rectification' ? req.details.corrections?.email : undefined;
  if (!moved) return;
  const kept = await deps.suppression.scopesOf(req.emailHash);
  if (kept.length) await deps.suppression.add(await deps.emailHash(moved), kept, at);
}
