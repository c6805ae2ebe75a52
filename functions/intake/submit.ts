import { randomUUID } from 'node:crypto';
import { ulid } from 'ulid';
import type { EdgeRepository } from '../adapters/repository.ts';
import type { VerificationTokens } from '../adapters/tokens.ts';
import { ConcurrentUpdate, TooManyRequests } from '../core/errors.ts';
import { joins, type SubmitBody } from '../core/intake.ts';
import { rateLimitAddress } from '../core/ip.ts';
import { retryAfterSeconds } from '../core/rate-limit.ts';
import { ACCEPTED, type Accepted, LINK_VALID_MS, nextLink, nextLinkOwed } from '../core/outbox.ts';
import type { Clock, Mailer, StoredRequest } from '../core/ports.ts';
import { isOpenRequest } from '../core/status.ts';
import { emailHash, hmac, inboxHash, orderHash } from '../shared/crypto.ts';
import { deliverLink, statusTokenHash } from '../shared/outbox.ts';
import { logger } from '../adapters/powertools.ts';

export const UNVERIFIED_TTL_DAYS = 7;
const DAY = 86_400_000;

export type Limits = {
  /** Submissions from one client address in any hour (core/rate-limit.ts), repeats of an open request included. */
  perIpPerHour: number;
  /** Confirmation links mailed to one email address in any hour; more are sent once the share has room again, never refused. */
  linksPerEmailPerHour: number;
};
export type SubmitDeps = { repo: EdgeRepository; tokens: VerificationTokens; mailer: Mailer; clock: Clock; baseUrl: string; limits: Limits };

/**
 * Records a request and emails its confirmation link. Whether the address belongs to a customer is
 * never looked up here, so the work and the answer are the same for everyone.
 *
 * The first write is the claim on (email, type) (repo.claimDedupe): of simultaneous submissions one
 * wins, and the others join its request. A submission that asks more than the open request (another
 * objection, another correction, the warranty purchases erased too) is no repeat: it starts its own.
 * The request is then written with its link recorded as owed (`outboxLink`) in the same write, and
 * the link is mailed; a crash anywhere leaves either nothing the requester was told about, or an
 * owed link that a retry or the sweeper delivers.
 */
export async function submitRequest(body: SubmitBody, sourceIp: string, deps: SubmitDeps): Promise<Accepted> {
  const now = deps.clock.now();
  const lang = body.language;
  const eh = await emailHash(body.email);
  // Which agent, keyed as the person's address is: another agent of the same kind is another request.
  const agentEmailHash = body.agent ? await emailHash(body.agent.email) : undefined;
  // This invocation's name on a link it records: anyone else (a retry, the sweeper) waits for its lease.
  const me = randomUUID();
  const linkDeps = { ...deps, linksPerHour: deps.limits.linksPerEmailPerHour };

  /**
   * The request is written and its link recorded as owed: from here on nothing is answered with an
   * error. A link that could not go out stays owed, and the sweeper (or the person's next try once
   * this invocation's lease is over) delivers it; a 5xx would only make the person try again. A link
   * put off (the address had its share in the last hour, or another writer is mailing it) is answered as one
   * mailed: the answer never says what is open for the address.
   */
  async function deliver(req: StoredRequest, email?: string): Promise<Accepted> {
    try {
      await deliverLink(req, me, now, linkDeps, email);
    } catch (e) {
      logger.error('confirmation link left owed for the sweeper', { requestId: req.id, error: (e as Error).name });
    }
    return ACCEPTED[lang];
  }

  /** A submission for an open request: it joins it, and mails a link only when one is owed or due. */
  async function repeat(req: StoredRequest): Promise<Accepted> {
    // Confirmed already: nothing to mail, and nothing to tell anyone who is not the requester.
    if (req.status !== 'unverified') return ACCEPTED[lang];
    // A link is owed: delivered here only if whoever owes it has run out of time.
    if (req.outboxLink) return deliver(req);
    // One went out less than 10 minutes ago: the person has it, or will find it in their spam.
    if (!nextLink(req.linkAt ?? req.receivedAt, now).ok) return ACCEPTED[lang];
    const link = nextLinkOwed(req.linkSeq, me, now);
    let owed: StoredRequest;
    try {
      owed = await deps.repo.transitionRequest(req, 'unverified', link, { at: now.toISOString(), actor: 'requester', action: 'link', subject: req.id, data: { link: link.linkSeq } });
    } catch (e) {
      // Another submission recorded a new link at this very moment: that one goes out.
      if (e instanceof ConcurrentUpdate) return ACCEPTED[lang];
      throw e;
    }
    return deliver(owed);
  }

  /**
   * Writes the claimed request with its first link owed. Two writers may race here; the request
   * record's conditional put picks one. Undefined when the other wrote it asking less, or made
   * another way: this one then starts its own, as it would have had it read that request first.
   */
  async function create(id: string, expires: Date): Promise<Accepted | undefined> {
    const req: StoredRequest = {
      id,
      type: body.type,
      language: lang,
      status: 'unverified',
      version: 0,
      emailHash: eh,
      // Its links count against the inbox, however the address was spelled (a +tag, a Gmail address's dots).
      inboxHash: await inboxHash(body.email),
      ...(body.orderNumber ? { orderHash: await orderHash(body.orderNumber) } : {}),
      details: { eraseWarranty: body.eraseWarranty ?? false, objections: body.objections ?? [], rectification: body.rectification },
      // An agent's relationship and declared proof, as codes; their name and email go with the person's, in the PII record.
      ...(body.agent ? { agent: { relationship: body.agent.relationship, proof: body.agent.proof }, agentEmailHash } : {}),
      receivedAt: now.toISOString(),
      pausedDays: 0,
      statusTokenHash: await statusTokenHash(id),
      audit: [],
      ...nextLinkOwed(undefined, me, now),
    };
    const agent = body.agent ? { agentName: body.agent.name, agentEmail: body.agent.email.trim() } : {};
    if (await deps.repo.createRequest(req, { email: body.email.trim(), name: body.name, orderNumber: body.orderNumber, ...agent }, expires)) {
      // The address this submission typed (its hash is the request's): no need to read it back.
      return deliver(req, body.email.trim());
    }
    const existing = await deps.repo.getRequest(id);
    if (!existing) throw new ConcurrentUpdate(`request ${id} changed concurrently; try again`);
    // A simultaneous submission that asked less, or was made another way, wrote it: joining would drop what this one adds.
    if (!joins(existing, body)) return undefined;
    return repeat(existing);
  }

  // Every submission counts against the client address, a repeat included, and before anything is
  // looked up: past the limit the answer is then the same whether or not the email address has a
  // request open (a repeat answered 202 where a new request got 429 told whoever spent the hour's
  // limit which addresses have one), and asking again cannot mail links past it either.
  const ip = await deps.repo.takeShare('ip', await hmac(`ip:${rateLimitAddress(sourceIp)}`), [{ seconds: 3600, limit: deps.limits.perIpPerHour }], now);
  if (!ip.allowed) throw new TooManyRequests('too many requests', retryAfterSeconds(ip.retryAt, now));
  for (let attempt = 0; attempt < 3; attempt++) {
    const claim = await deps.repo.getDedupe(eh, body.type);
    const live = claim && Date.parse(claim.expiresAt) > now.getTime() ? claim : undefined;
    if (live) {
      const req = await deps.repo.getRequest(live.requestId);
      // Claimed but not written yet: its writer is still at it, or died before writing. Writing it
      // is idempotent, so this submission writes it too, and the conditional put decides who mails.
      if (!req) {
        const answer = await create(live.requestId, new Date(live.expiresAt));
        if (answer) return answer;
        continue; // the other wrote it, and it is not this one: read again, and start this one's own
      }
      // A repeat joins the open request; one that asks more, or is made another way (by an agent, by the person), starts its own, and takes the claim.
      // So does one for a request left unconfirmed that ends within the day a fresh link is valid: that link would die with
      // it, hours after it was mailed "valid 24 hours" (until November 29, 2026).
      const ending = req.status === 'unverified' && Date.parse(live.expiresAt) - now.getTime() < LINK_VALID_MS;
      if (isOpenRequest(req.status) && joins(req, body, agentEmailHash) && !ending) return repeat(req);
    }
    const id = ulid(now.getTime());
    const expires = new Date(now.getTime() + UNVERIFIED_TTL_DAYS * DAY);
    if (await deps.repo.claimDedupe(eh, body.type, id, now, expires, claim?.requestId)) {
      const answer = await create(id, expires);
      if (answer) return answer;
      // Written meanwhile by a submission it does not join: read again, and start its own.
    }
    // Otherwise another submission claimed the pair first: read again, and join its request.
  }
  throw new ConcurrentUpdate('the request for this address changed concurrently; try again');
}
