import { customerDirectory } from '../adapters/customers.ts';
import type { EdgeRepository } from '../adapters/repository.ts';
import type { VerificationTokens } from '../adapters/tokens.ts';
import { dueDate } from '../core/deadline.ts';
import type { Language } from '../core/model.ts';
import type { Asks } from '../core/emails.ts';
import type { RequestContext } from '../core/pages.ts';
import type { Clock, CustomerDirectory, Mailer, StoredRequest, Workflow } from '../core/ports.ts';
import { sha256 } from '../shared/crypto.ts';
import { randomUUID } from 'node:crypto';
import { lease } from '../core/outbox.ts';
import { retryOnRace } from '../core/errors.ts';
import type { ReviewWait } from '../core/team-review.ts';
import { deliverTeam, keepPiiWhileOpen, startVerified } from '../shared/outbox.ts';
import { logger } from '../adapters/powertools.ts';
import { requestContext, statusLinkLive } from '../shared/request-context.ts';

export const MAX_ATTEMPTS = 5;
/**
 * Wrong passwords an address may send in any 24 hours (a rolling window: a calendar day's edge
 * would let twice as many through either side of it), over all its links. A link locks after
 * MAX_ATTEMPTS, but sending the form again mails a fresh link every 10 minutes, each with tries of
 * its own: counted per link only, whoever holds the mailbox could try 25 passwords an hour.
 */
export const PASSWORDS_PER_ADDRESS_PER_DAY = 5;
const DAY_SECONDS = 86_400;

export type VerifyDeps = {
  repo: EdgeRepository;
  tokens: VerificationTokens;
  customers: Pick<CustomerDirectory, 'find' | 'authenticate'>;
  workflow: Workflow;
  clock: Clock;
  /** The team's email when a confirmed request waits for an officer. */
  mailer: Mailer;
  baseUrl: string;
};

export type Outcome =
  | { kind: 'invalid'; lang?: Language }
  | { kind: 'closed'; lang: Language }
  | { kind: 'locked'; lang: Language }
  | { kind: 'ask'; lang: Language; request: RequestContext; asks: Asks; askPassword: boolean; error?: boolean }
  | { kind: 'confirmed'; lang: Language; request: RequestContext }
  | { kind: 'already'; lang: Language; request: RequestContext };

/**
 * The link's record and its request, with what the link can still do. A link is spent once its
 * request has been confirmed, by it or by another of its links: that is read from the request, so
 * confirming writes nothing to the link. Its record outlives its expiry long enough (tokens.ts) for
 * reopening it to say "already confirmed" in the request's language.
 */
async function load(token: string, deps: VerifyDeps, now: Date) {
  const hash = sha256(token);
  const rec = await deps.tokens.get(hash);
  if (!rec) return undefined;
  // Whether its status link still works is read with it, for the pages that point at it.
  const [req, statusLink] = await Promise.all([deps.repo.getRequest(rec.requestId), statusLinkLive(rec.requestId, { repo: deps.repo, now })]);
  if (!req) return undefined;
  const state = req.verifiedAt ? 'used' : rec.attempts >= MAX_ATTEMPTS ? 'locked' : Date.parse(rec.expiresAt) <= now.getTime() ? 'expired' : 'live';
  return { hash, rec, req, state, statusLink };
}

/**
 * "Already confirmed", with the status page's link. The link's record is kept 30 days past its
 * 24 hours, which may outlast the requester's contact data (a request closed within a day of its
 * confirmation) and with it the status link: past that end it answers as an unknown link, so that
 * it says no more of the request than the status link does.
 */
const already = async (found: NonNullable<Awaited<ReturnType<typeof load>>>): Promise<Outcome> =>
  found.statusLink ? { kind: 'already', lang: found.req.language, request: await requestContext(found.req, true) } : { kind: 'invalid' };

/** A link that can no longer confirm: what it says instead, in the request's language. */
async function spent(found: NonNullable<Awaited<ReturnType<typeof load>>>): Promise<Outcome | undefined> {
  const lang = found.req.language;
  if (found.state === 'used') return already(found);
  if (found.state === 'locked') return { kind: 'locked', lang };
  if (found.state === 'expired') return { kind: 'invalid', lang };
  // Closed before it was ever confirmed (denied, cancelled, expired): opened, it offers nothing to
  // confirm (and asks no password), as posting it confirms nothing.
  if (found.req.status !== 'unverified') return { kind: 'closed', lang };
  return undefined;
}

/** Access requests by account holders also need the account password ("email and password"). */
async function needsPassword(req: { id: string; type: string }, deps: VerifyDeps) {
  if (req.type !== 'access') return { ask: false as const };
  const email = (await deps.repo.getPii(req.id))?.email;
  const c = email ? await deps.customers.find(email) : undefined;
  return email && c?.hasAccount ? { ask: true as const, email } : { ask: false as const };
}

/** What the request asks beyond its type, for the page to say: nothing else of the details (a correction's words) leaves here. */
const asksOf = (req: StoredRequest): Asks => ({ eraseWarranty: req.details.eraseWarranty, objections: req.details.objections });

/** GET /verify: reads, never writes; mail scanners prefetch links. */
export async function preview(token: string, deps: VerifyDeps): Promise<Outcome> {
  const found = await load(token, deps, deps.clock.now());
  if (!found) return { kind: 'invalid' };
  const over = await spent(found);
  if (over) return over;
  const pw = await needsPassword(found.req, deps);
  return { kind: 'ask', lang: found.req.language, request: await requestContext(found.req, found.statusLink), asks: asksOf(found.req), askPassword: pw.ask };
}

/** POST /verify: proves control of the mailbox (and of the account, for exports), then starts the work. */
export async function confirm(token: string, password: string | undefined, deps: VerifyDeps): Promise<Outcome> {
  const now = deps.clock.now();
  const found = await load(token, deps, now);
  if (!found) return { kind: 'invalid' };
  // This invocation's name on the team email it records: a retry or the sweeper waits for its lease.
  const me = randomUUID();
  // Confirmed already (a double click, a retry after a crash, another of its links): what the
  // confirmation owes is delivered again, idempotently, in case the first confirmation died before it.
  if (found.state === 'used') {
    await deliverOwed(found.req, me, now, deps);
    return already(found);
  }
  const over = await spent(found);
  if (over) return over;
  let { req } = found;
  const lang = req.language;
  const pw = await needsPassword(req, deps);
  if (pw.ask) {
    // Counted before it is checked, for the address and for the link: passwords sent all at once cannot each find a count still low.
    // By inbox: the shop's account service may take `ann+1@` for `ann@`, and each spelling's own five tries
    // (ten links a day) made some fifty a day against one account until November 29, 2026.
    const inbox = req.inboxHash ?? req.emailHash;
    const day = await deps.repo.hitRolling('password', inbox, DAY_SECONDS, PASSWORDS_PER_ADDRESS_PER_DAY, now);
    if (day.count > PASSWORDS_PER_ADDRESS_PER_DAY) return { kind: 'locked', lang };
    const attempts = await deps.tokens.countAttempt(found.hash);
    if (attempts > MAX_ATTEMPTS) return { kind: 'locked', lang };
    const ok = password ? await deps.customers.authenticate(pw.email, password).catch(async (e) => {
      await deps.tokens.countAttempt(found.hash, -1);
      await deps.repo.hitRolling('password', inbox, DAY_SECONDS, PASSWORDS_PER_ADDRESS_PER_DAY, now, -1);
      throw e;
    }) : false;
    // The record stays, locked by its count, so that reopening the link says so.
    if (!ok && attempts >= MAX_ATTEMPTS) return { kind: 'locked', lang };
    if (!ok && day.count >= PASSWORDS_PER_ADDRESS_PER_DAY) return { kind: 'locked', lang };
    if (!ok) return { kind: 'ask', lang, request: await requestContext(req, found.statusLink), asks: asksOf(req), askPassword: true, error: true };
  }
  const verifiedAt = now.toISOString();
  const due = dueDate(verifiedAt);
  // A correction's free text is read by an officer before any processor is sent it, and an agent's
  // proof of authority is checked before anything is planned; the clock runs meanwhile.
  const review: ReviewWait | undefined = req.agent ? 'agent' : req.type === 'rectification' ? 'correction' : undefined;
  const to = review ? 'awaiting_review' : 'verified';
  // Written since it was read: by the first press of a double click (the browser showed the second's
  // answer, a 409 page saying the form was incomplete), answered as a confirmation again is; or by a
  // fresh link recorded, and then confirmed over it. A lost race reads the request again.
  let read: StoredRequest | undefined = req;
  const won = await retryOnRace(async () => {
    const cur = read ?? (await deps.repo.getRequest(req.id));
    read = undefined;
    if (cur?.status !== 'unverified') return { lost: cur };
    const written = await deps.repo.transitionRequest(
      cur,
      to,
      // Waiting for an officer: the team's email is owed from this same write (the outbox).
      { verifiedAt, dueDate: due, ...(review ? { outboxTeam: { ...lease(cur.version + 1, me, now), waiting: review } } : {}) },
      { at: verifiedAt, actor: 'requester', action: 'verify', subject: cur.id, from: 'unverified', to, data: { dueDate: due, accountChecked: pw.ask } },
      // A link still owed is no use once confirmed.
      { removeTtl: true, remove: ['outboxLink'] },
    );
    return { written };
  }, 3);
  if (!won.written) {
    if (!won.lost?.verifiedAt) return { kind: 'closed', lang };
    await deliverOwed(won.lost, me, now, deps);
    return already({ ...found, req: won.lost });
  }
  req = won.written;
  await deliverOwed(req, me, now, deps);
  // Its contact data, read as the link was, is kept from now on until well after the deadline.
  return { kind: 'confirmed', lang, request: await requestContext(req, found.statusLink) };
}

/**
 * What a confirmed request is owed, delivered by whoever confirms it (again). `verified` is the
 * intent: until Plan moves the request on, its execution is owed. Delivered here, and again by a
 * retry with a link or by the sweeper if this fails or dies; the execution is named by the request
 * id, so a double click, a retry or the sweeper starts nothing twice. A failure is logged, never
 * answered: the confirmation is recorded, and an error page would read as nothing done (the
 * sweeper starts the execution, keeps the contact data, and tells the team).
 */
async function deliverOwed(req: StoredRequest, me: string, now: Date, deps: VerifyDeps) {
  try {
    if (req.status === 'verified') await startVerified(req, deps);
    // Waiting for an officer, its personal data is kept as a running request's: the answer is mailed to that address.
    if (req.status === 'awaiting_review') await keepPiiWhileOpen(req, deps);
  } catch (e) {
    logger.error('confirmed request left to the sweeper', { requestId: req.id, error: (e as Error).name });
    return;
  }
  // The team's email never holds up the requester's confirmation: one not sent now waits for the sweeper.
  if (req.status === 'awaiting_review' && req.outboxTeam) {
    await deliverTeam(req, me, now, deps).catch((e: Error) => logger.error('team email left owed for the sweeper', { requestId: req.id, error: e.name }));
  }
}

export const defaultCustomers = customerDirectory;
