import { TASK_RETENTION_YEARS, yearsAfter } from '../core/completion.ts';
import { dueDate, londonDate } from '../core/deadline.ts';
import { IllegalTransition, NotFound, retryOnRace } from '../core/errors.ts';
import type { Registry } from '../core/model.ts';
import { orderTasks, planTasks } from '../core/plan.ts';
import type { Clock, CustomerDirectory, Repository } from '../core/ports.ts';

export type PlanDeps = {
  repo: Pick<Repository, 'getRequest' | 'getPii' | 'listTasks' | 'putTasksIfAbsent' | 'transitionRequest'>;
  customers: Pick<CustomerDirectory, 'find'>;
  clock: Clock;
  registry: Registry;
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
 * ever given a second, different instruction, even if the registry changed in between.
 */
export async function planRequest(requestId: string, deps: PlanDeps): Promise<PlanOutput> {
  // The sweeper or an officer may write the request at the same moment: reload and decide again.
  return retryOnRace(() => plan(requestId, deps));
}

async function plan(requestId: string, deps: PlanDeps): Promise<PlanOutput> {
  let req = await deps.repo.getRequest(requestId);
  if (!req) throw new NotFound(`request ${requestId} not found`);
  if (req.status !== 'verified' && !ALREADY_STARTED.includes(req.status)) throw new IllegalTransition('request', req.status, 'start');
  let tasks = await deps.repo.listTasks(requestId);
  if (req.status === 'verified') {
    // Tasks may exist already when a previous run wrote them and stopped before the transition.
    if (!tasks.length) {
      // Holds depend on what the person bought and when the account closed: the shop's directory
      // knows. When it cannot be asked, find throws Unavailable and the state machine retries.
      const email = req.type === 'erasure' ? (await deps.repo.getPii(requestId))?.email : undefined;
      const customer = email ? await deps.customers.find(email) : undefined;
      tasks = planTasks(req, deps.registry.processors, { customer, today: londonDate(deps.clock.now()) });
      // The proof's retention: 7 years after the latest deadline the request can have (extended, from verification).
      const latest = dueDate(req.verifiedAt ?? req.receivedAt, { extended: true });
      await deps.repo.putTasksIfAbsent(tasks, yearsAfter(`${latest}T00:00:00Z`, TASK_RETENTION_YEARS));
    }
    const at = deps.clock.now().toISOString();
    req = await deps.repo.transitionRequest(
      req,
      'in_progress',
      {},
      { at, actor: 'workflow', action: 'start', subject: requestId, from: 'verified', to: 'in_progress', data: { tasks: tasks.length, registry: deps.registry.version } },
    );
  }
  const byId = new Map(deps.registry.processors.map((p) => [p.id, p]));
  return {
    requestId,
    export: req.type === 'access',
    tasks: orderTasks(tasks, req.type, deps.registry.processors).map((t) => {
      const p = byId.get(t.processorId);
      // A processor removed from the registry after planning keeps a default wait; a human resolves it.
      return { taskId: t.taskId, heartbeatSeconds: p?.heartbeatSeconds ?? 86_400, timeoutSeconds: p?.timeoutSeconds ?? 604_800 };
    }),
  };
}
