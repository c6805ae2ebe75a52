import middy from '@middy/core';
import * as z from '../core/zod.ts';
import { registry } from '../adapters/registry.ts';
import { customerDirectory } from '../adapters/customers.ts';
import { SuppressionList } from '../adapters/suppression.ts';
import { emailHash } from '../shared/crypto.ts';
import { repo, systemClock } from '../shared/deps.ts';
import { logger } from '../shared/powertools.ts';
import { suppressionScopes } from '../core/plan.ts';
import { planRequest } from './plan.ts';

const Input = z.object({ requestId: z.string() });
const deps = { repo, customers: customerDirectory(), clock: systemClock, registry };

const suppression = new SuppressionList();

/**
 * First state: one task per processor (see plan.ts). An objection to marketing or review
 * invitations is absolute (Art. 21(3)): the address goes on the suppression list here, before any
 * task is sent, and the email processors' tasks are dispatched first. An erasure puts it there too,
 * and a corrected email address is put there for whatever the old one was.
 */
export const handler = middy().handler(async (event: unknown) => {
  const { requestId } = Input.parse(event);
  const req = await repo.getRequest(requestId);
  const scopes = req ? suppressionScopes(req) : [];
  if (req && scopes.length) await suppression.add(req.emailHash, scopes, systemClock.now().toISOString());
  const out = await planRequest(requestId, deps);
  // A corrected address keeps the old one's objections (Art. 21(3)): the shop's flows will check the new one.
  const moved = req?.type === 'rectification' ? req.details.corrections?.email : undefined;
  if (req && moved) {
    const kept = await suppression.scopesOf(req.emailHash);
    if (kept.length) await suppression.add(await emailHash(moved), kept, systemClock.now().toISOString());
  }
  logger.info('planned', { requestId: out.requestId, tasks: out.tasks.length });
  return out;
});
