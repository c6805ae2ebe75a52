import middy from '@middy/core';
import * as z from '../core/zod.ts';
import { registry } from '../adapters/registry.ts';
import { customerDirectory } from '../adapters/customers.ts';
import { SuppressionList } from '../adapters/suppression.ts';
import { emailHash } from '../shared/crypto.ts';
import { workflowRepo as repo, systemClock } from '../shared/deps.ts';
import { logger } from '../adapters/powertools.ts';
import { planRequest } from './plan.ts';

const Input = z.object({ requestId: z.string() });
const deps = { repo, customers: customerDirectory(), clock: systemClock, registry, suppression: new SuppressionList(), emailHash };

/** First state: the request's tasks, one per processor, and its address's suppressions (see plan.ts). */
export const handler = middy().handler(async (event: unknown) => {
  const out = await planRequest(Input.parse(event).requestId, deps);
  logger.info('planned', { requestId: out.requestId, tasks: out.tasks.length });
  return out;
});
