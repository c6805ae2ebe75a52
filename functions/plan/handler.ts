import middy from '@middy/core';
import { z } from 'zod';
import { config } from '../adapters/config.ts';
import { DynamoCustomerDirectory } from '../adapters/customers.ts';
import { repo, systemClock } from '../shared/deps.ts';
import { logger } from '../shared/powertools.ts';
import { planRequest } from './plan.ts';

const Input = z.object({ requestId: z.string() });
const deps = { repo, customers: new DynamoCustomerDirectory(), clock: systemClock, registry: config.registry };

/** First state: one task per processor (see plan.ts). */
export const handler = middy().handler(async (event: unknown) => {
  const out = await planRequest(Input.parse(event).requestId, deps);
  logger.info('planned', { requestId: out.requestId, tasks: out.tasks.length });
  return out;
});
