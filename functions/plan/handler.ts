import middy from '@middy/core';
import { z } from 'zod';
import { config } from '../adapters/config.ts';
import { DynamoCustomerDirectory } from '../adapters/customers.ts';
import { NotFound } from '../core/errors.ts';
import { planTasks } from '../core/plan.ts';
import { repo, systemClock } from '../shared/deps.ts';
import { logger } from '../shared/powertools.ts';

const Input = z.object({ requestId: z.string() });
const customers = new DynamoCustomerDirectory();

/**
 * First state: one task per processor. Idempotent: a re-run after a restart finds the tasks it
 * wrote and returns them, so no processor is ever given a second, different instruction.
 */
export const handler = middy().handler(async (event: unknown) => {
  const { requestId } = Input.parse(event);
  let req = await repo.getRequest(requestId);
  if (!req) throw new NotFound(`request ${requestId} not found`);
  let tasks = await repo.listTasks(requestId);
  if (req.status === 'verified') {
    if (!tasks.length) {
      const customer = await customers.find(req.emailHash);
      tasks = planTasks(req, config.registry.processors, { accountClosedOn: customer?.closedOn ?? null });
      await repo.putTasksIfAbsent(tasks);
    }
    const at = systemClock.now().toISOString();
    req = await repo.transitionRequest(req, 'in_progress', {}, { at, actor: 'workflow', action: 'start', subject: requestId, from: 'verified', to: 'in_progress', data: { tasks: tasks.length, registry: config.registry.version } });
  }
  const byId = new Map(config.registry.processors.map((p) => [p.id, p]));
  logger.info('planned', { requestId, tasks: tasks.length });
  return {
    requestId,
    export: req.type === 'access',
    tasks: tasks.map((t) => ({
      taskId: t.taskId,
      heartbeatSeconds: byId.get(t.processorId)?.heartbeatSeconds ?? 86_400,
      timeoutSeconds: byId.get(t.processorId)?.timeoutSeconds ?? 604_800,
    })),
  };
});
