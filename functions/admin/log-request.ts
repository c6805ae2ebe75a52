import { ulid } from 'ulid';
import { addMonths, dueDate, londonDate, londonDayStart } from '../core/deadline.ts';
import { InvalidInput } from '../core/errors.ts';
import { SubmitBody } from '../core/intake.ts';
import { Agent, Channel, IdentityCheck } from '../core/model.ts';
import type { StoredRequest } from '../core/ports.ts';
import * as z from '../core/zod.ts';
import { emailHash, orderHash } from '../shared/crypto.ts';
import { keepPiiWhileOpen, startVerified, statusTokenHash } from '../shared/outbox.ts';
import { type AdminDeps, releaseWorkflow } from './actions.ts';

/**
 * What the officer types: the request as the form would have it, how it came, how the identity was
 * checked, and the London day it was received (a letter may be read days after it arrived; today when not given).
 */
export const LogBody = z.strictObject({
  request: SubmitBody,
  channel: Channel,
  identityCheck: IdentityCheck,
  agent: z.optional(Agent),
  receivedOn: z.optional(z.iso.date({ error: 'the day the request was received, as YYYY-MM-DD' })),
});
export type LogBody = z.output<typeof LogBody>;

/** An unverified record lives this long if the verify step below never runs (a crash between the two writes); no link is ever mailed for it. */
const ORPHAN_DAYS = 7;
/**
 * How far back a receipt may be dated: three months, the longest even an extended deadline runs. An
 * earlier day is most likely a slip of the month or the year; a receipt within it but past its
 * deadline is logged, and is overdue at once.
 */
const RECEIVED_WITHIN_MONTHS = 3;

/**
 * The instant the request was received: the start of `receivedOn` in London when that is an earlier
 * day, or now. Art. 12(3)'s month runs from receipt, so a letter read days after it arrived must not
 * gain those days; a day in the future, or before the bound above, is a field-level 400.
 */
function receiptInstant(now: Date, receivedOn: string | undefined): string {
  const today = londonDate(now);
  const earliest = addMonths(today, -RECEIVED_WITHIN_MONTHS);
  if (receivedOn !== undefined && (receivedOn < earliest || receivedOn > today)) {
    throw new InvalidInput('invalid body', [{ path: 'receivedOn', message: `the day the request was received: from ${earliest}, three months back, to ${today}, today (London dates)` }]);
  }
  return receivedOn !== undefined && receivedOn < today ? londonDayStart(receivedOn) : now.toISOString();
}

/**
 * A request received by phone, post, chat or email and logged by an officer who checked the
 * identity there and then (and, for an authorised agent, reviewed the proof of authority): no email
 * link, the clock starts on the day it was received (`receivedOn`; today when not given), and the
 * method, that day and the officer's name are on the audit trail, dated when it was logged. Then it runs like any verified request; a correction first waits in
 * `awaiting_review` for an officer to approve its corrected values, as one confirmed from the form does.
 */
export async function logRequest(b: LogBody, actor: string, deps: AdminDeps) {
  const now = deps.clock.now();
  // Received and confirmed at once (the officer checked the identity then): the clock starts on receipt, from which every view counts.
  const received = receiptInstant(now, b.receivedOn);
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
    receivedAt: received,
    pausedDays: 0,
    statusTokenHash: await statusTokenHash(id),
    audit: [],
  };
  await deps.repo.createRequest(req, { email: body.email.trim(), name: body.name, orderNumber: body.orderNumber }, new Date(now.getTime() + ORPHAN_DAYS * 86_400_000));
  const due = dueDate(received);
  // A correction's corrected values are approved by an officer (POST …/approve) before any processor is sent them, as for one confirmed from the form.
  const to = body.type === 'rectification' ? 'awaiting_review' : 'verified';
  const verified = await deps.repo.transitionRequest(
    req,
    to,
    { verifiedAt: received, dueDate: due, logged: { channel: b.channel, identityCheck: b.identityCheck, by: actor, ...(b.agent ? { agent: b.agent } : {}) } },
    {
      at,
      actor,
      action: 'log_request',
      subject: id,
      from: 'unverified',
      to,
      data: { channel: b.channel, identityCheck: b.identityCheck, dueDate: due, receivedOn: londonDate(received), ...(b.agent ? { agent: b.agent.relationship, agentProof: b.agent.proof } : {}) },
    },
    { removeTtl: true },
  );
  // `verified` is the intent: if this start fails, the sweeper starts the execution (named by the id, so once),
  // and the officer is told the request is logged, not a 500 that would have them log it a second time.
  const workflowOwed = to === 'verified' ? await releaseWorkflow(() => startVerified(verified, deps), { requestId: id }) : false;
  if (to !== 'verified') await keepPiiWhileOpen(verified, deps);
  return { id, status: verified.status, dueDate: due, workflowOwed };
}
