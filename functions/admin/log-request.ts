import { ulid } from 'ulid';
import { dueDate } from '../core/deadline.ts';
import { SubmitBody } from '../core/intake.ts';
import { Agent, Channel, IdentityCheck } from '../core/model.ts';
import type { StoredRequest } from '../core/ports.ts';
import * as z from '../core/zod.ts';
import { emailHash, orderHash } from '../shared/crypto.ts';
import { keepPiiWhileOpen, startVerified, statusTokenHash } from '../shared/outbox.ts';
import { type AdminDeps, releaseWorkflow } from './actions.ts';

/** What the officer types: the request as the form would have it, how it came, and how the identity was checked. */
export const LogBody = z.strictObject({ request: SubmitBody, channel: Channel, identityCheck: IdentityCheck, agent: z.optional(Agent) });
export type LogBody = z.output<typeof LogBody>;

/** An unverified record lives this long if the verify step below never runs (a crash between the two writes); no link is ever mailed for it. */
const ORPHAN_DAYS = 7;

/**
 * A request received by phone, post, chat or email and logged by an officer who checked the
 * identity there and then (and, for an authorised agent, reviewed the proof of authority): no email link, the clock starts now, and the method is on the audit
 * trail with the officer's name. Then it runs like any verified request; a correction first waits in
 * `awaiting_review` for an officer to approve its corrected values, as one confirmed from the form does.
 */
export async function logRequest(b: LogBody, actor: string, deps: AdminDeps) {
  const now = deps.clock.now();
  const at = now.toISOString();
  const id = ulid(now.getTime());
  const body = b.request;
  const req: StoredRequest = {
    id,
    type: body.type,
    language: body.language,
    status: 'unverified',
    version: 0,
    emailHash: await emailHash(body.email),
    // As intake stores it: the console's search by order number finds a logged request as it finds one from the form.
    ...(body.orderNumber ? { orderHash: await orderHash(body.orderNumber) } : {}),
    details: { eraseWarranty: body.eraseWarranty ?? false, objections: body.objections ?? [], rectification: body.rectification },
    receivedAt: at,
    pausedDays: 0,
    statusTokenHash: await statusTokenHash(id),
    audit: [],
  };
  await deps.repo.createRequest(req, { email: body.email.trim(), name: body.name, orderNumber: body.orderNumber }, new Date(now.getTime() + ORPHAN_DAYS * 86_400_000));
  const due = dueDate(at);
  // A correction's corrected values are approved by an officer (POST …/approve) before any processor is sent them, as for one confirmed from the form.
  const to = body.type === 'rectification' ? 'awaiting_review' : 'verified';
  const verified = await deps.repo.transitionRequest(
    req,
    to,
    { verifiedAt: at, dueDate: due, logged: { channel: b.channel, identityCheck: b.identityCheck, by: actor, ...(b.agent ? { agent: b.agent } : {}) } },
    {
      at,
      actor,
      action: 'log_request',
      subject: id,
      from: 'unverified',
      to,
      data: { channel: b.channel, identityCheck: b.identityCheck, dueDate: due, ...(b.agent ? { agent: b.agent.relationship, agentProof: b.agent.proof } : {}) },
    },
    { removeTtl: true },
  );
  // `verified` is the intent: if this start fails, the sweeper starts the execution (named by the id, so once),
  // and the officer is told the request is logged, not a 500 that would have them log it a second time.
  const workflowOwed = to === 'verified' ? await releaseWorkflow(() => startVerified(verified, deps), { requestId: id }) : false;
  if (to !== 'verified') await keepPiiWhileOpen(verified, deps);
  return { id, status: verified.status, dueDate: due, workflowOwed };
}
