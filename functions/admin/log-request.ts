import { ulid } from 'ulid';
import { canonical, sha256 } from '../core/audit.ts';
import { addMonths, dueDate, londonDate, londonDayStart } from '../core/deadline.ts';
import { ConcurrentUpdate, IdempotencyKeyReused, InvalidInput, retryOnRace } from '../core/errors.ts';
import { SubmitBody } from '../core/intake.ts';
import { Agent, Channel, IdentityCheck } from '../core/model.ts';
import type { StoredRequest } from '../core/ports.ts';
import * as z from '../core/zod.ts';
import { emailHash, hmac, orderHash } from '../shared/crypto.ts';
import { keepPiiWhileOpen, startVerified, statusTokenHash } from '../shared/outbox.ts';
import { type AdminDeps, releaseWorkflow } from './actions.ts';

/**
 * What the officer types: the request as the form would have it, how it came, how the identity was
 * checked, and the London day it was received (a letter may be read days after it arrived; today when not given).
 */
export const LogBody = z
  .strictObject({
    request: SubmitBody,
    channel: Channel,
    identityCheck: IdentityCheck,
    agent: z.optional(Agent),
    receivedOn: z.optional(z.iso.date({ error: 'the day the request was received, as YYYY-MM-DD' })),
  })
  // The form's agent (a name and an address the agent typed) is not what an officer records: the relationship and the proof
  // reviewed are, in `agent`. Taken and dropped until November 29, 2026, it read as recorded.
  .check(z.refine((b) => !b.request.agent, { path: ['request', 'agent'], message: 'the agent goes in agent: relationship and proof' }));
export type LogBody = z.output<typeof LogBody>;

/**
 * The console's form sends one random key until it is answered (a UUID; a structured-field string,
 * quoted, as draft-ietf-httpapi-idempotency-key-header writes it, is taken too).
 */
export const IdempotencyKey = z.pipe(
  z.string().check(z.overwrite((k) => k.replace(/^"(.*)"$/, '$1'))),
  z.string().check(z.regex(/^[A-Za-z0-9_-]{16,128}$/, 'a key of 16 to 128 letters, digits, - and _ (a UUID), one per request logged')),
);
/** How long a key answers the request it logged: a day covers an officer pressing Log again after a lost answer; past it, the key is free. */
const KEY_HOURS = 24;

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
 *
 * `key`, the form's Idempotency-Key: the first write claims it for the request's id (repo.claimLogKey),
 * as intake claims an address, so that the form sent again (its answer lost, a crash between the
 * writes) answers that request and finishes what the first attempt left undone, never a second one.
 * Without a key each call logs a request.
 */
export async function logRequest(b: LogBody, actor: string, deps: AdminDeps, key?: string) {
  const now = deps.clock.now();
  if (key === undefined) return finish(ulid(now.getTime()), receiptInstant(now, b.receivedOn), b, actor, deps);
  const keyHash = sha256(`${actor}\n${key}`);
  const bodyHash = await hmac(`log:${canonical(b)}`);
  // A press that loses a race to the other press of the same form reads again, and answers its request.
  return retryOnRace(async () => {
    const claim = await deps.repo.getLogKey(keyHash);
    if (claim && Date.parse(claim.expiresAt) > now.getTime()) {
      const existing = await deps.repo.getRequest(claim.requestId);
      if (claim.bodyHash !== bodyHash) throw new IdempotencyKeyReused(existing?.id);
      // The receipt the first attempt claimed the key with (or, for a claim without one, its record's): a retry after midnight must not move the deadline a day.
      return finish(claim.requestId, existing?.receivedAt ?? claim.receivedAt ?? receiptInstant(now, b.receivedOn), b, actor, deps, existing);
    }
    // Checked before the key is claimed: a form refused here, then corrected, is logged under the same key.
    const received = receiptInstant(now, b.receivedOn);
    const id = ulid(now.getTime());
    if (!(await deps.repo.claimLogKey(keyHash, { requestId: id, bodyHash, receivedAt: received }, now, new Date(now.getTime() + KEY_HOURS * 3_600_000)))) {
      throw new ConcurrentUpdate('the form was sent twice at once; read its key again');
    }
    return finish(id, received, b, actor, deps);
  });
}

/**
 * Writes the request `id` unverified, then verifies it, then starts it (a correction: keeps its personal
 * data while it waits for review), each step taken only where `existing` (the record as a first attempt
 * left it) has not taken it. A request already moved on (started, approved, closed) is answered as it is.
 */
async function finish(id: string, received: string, b: LogBody, actor: string, deps: AdminDeps, existing?: StoredRequest) {
  const now = deps.clock.now();
  const at = now.toISOString();
  const body = b.request;
  let req = existing;
  if (!req) {
    const fresh: StoredRequest = {
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
    const written = await deps.repo.createRequest(fresh, { email: body.email.trim(), name: body.name, orderNumber: body.orderNumber }, new Date(now.getTime() + ORPHAN_DAYS * 86_400_000));
    // The other press of the same form wrote it first: go on from the record as it is.
    req = written ? fresh : await deps.repo.getRequest(id);
    if (!req) throw new ConcurrentUpdate(`request ${id} changed concurrently; try again`);
  }
  // A correction's corrected values are approved by an officer (POST …/approve) before any processor is sent them, as for one confirmed from the form.
  const to = body.type === 'rectification' ? 'awaiting_review' : 'verified';
  // Received and confirmed at once (the officer checked the identity then): the clock starts on receipt, from which every view counts.
  if (req.status === 'unverified') {
    const due = dueDate(received);
    req = await deps.repo.transitionRequest(
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
  }
  const logged = req;
  // `verified` is the intent: if this start fails, the sweeper starts the execution (named by the id, so once),
  // and the officer is told the request is logged, not a 500 that would have them log it a second time.
  const workflowOwed = logged.status === 'verified' ? await releaseWorkflow(() => startVerified(logged, deps), { requestId: id }) : false;
  if (logged.status === 'awaiting_review') await keepPiiWhileOpen(logged, deps);
  return { id, status: logged.status, dueDate: logged.dueDate ?? dueDate(received), workflowOwed };
}
