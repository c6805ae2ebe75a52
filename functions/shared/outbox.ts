import type { ComplaintAckRepository, DynamoRepository } from '../adapters/repository.ts';
import { currentDue, DEADLINE_STATUSES } from '../core/status.ts';
import { alertEmail } from '../core/alerts.ts';
import type { VerificationTokens } from '../adapters/tokens.ts';
import { downloadTokenParts, nextDownloadLink, outcomeMessage, PII_RETENTION_DAYS_AFTER_CLOSE, type ProcessorNames, taskExpiryAtClose } from '../core/completion.ts';
import { confirmationEmail } from '../core/emails.ts';
import { londonDate } from '../core/deadline.ts';
import { cancellationNotice, clarificationNotice, extensionNotice, liftNotice, refusalNotice } from '../core/notices.ts';
import { ACK_DAY, ACK_WINDOWS, acknowledgementEmail, complaintFormUrl, type StoredComplaint } from '../core/complaints.ts';
import { ConcurrentUpdate } from '../core/errors.ts';
import type { S3Blobs } from '../adapters/blobs.ts';
import { exportKey, purgeFinished, type StoredResults } from '../core/export-results.ts';
import { config } from '../adapters/config.ts';
import { type AlertIntent, isSweeper, LINK_VALID_MS, linkWindows, nextOutcomeOwed, type Notice, type NoticeIntent, questionOwed, REVIEW_STATUSES, SWEEPER_OWNER, takeDelivery, type TeamIntent } from '../core/outbox.ts';
import { type ReviewWait, reviewEmail } from '../core/team-review.ts';
import type { MailFailure, Mailer, StoredRequest, Workflow, StoredTask } from '../core/ports.ts';
import { derivedToken, sha256 } from './crypto.ts';
import { answer } from './token.ts';
import { mailFailure } from './mail-failed.ts';
import { sendTrackedOwed, withIdentity } from './mail.ts';
import { logger } from '../adapters/powertools.ts';


export { deliverToken, type TokenDeps } from './token.ts';

/**
 * The deliverers of the outbox (functions/core/outbox.ts): each takes an intent recorded on the
 * request and carries it out, idempotently, whoever calls it (the writer that recorded it, a retry,
 * the workflow running a state again, or the sweeper). Each clears its intent only once delivered.
 */

const DAY = 86_400_000;
/** Personal data outlives the deadline by this much while the request is open; completion shortens it. */
export const PII_DAYS_AFTER_DUE = 120;

export type LinkDeps = {
  repo: DynamoRepository;
  tokens: VerificationTokens;
  mailer: Mailer;
  baseUrl: string;
  /**
   * Links mailed to one inbox in any hour (core/rate-limit.ts), over all its requests, and no more than
   * LINKS_PER_EMAIL_PER_DAY (or this, if higher) in any 24 hours; more wait until the shares have room.
   */
  linksPerHour: number;
};

export type LinkResult = { sent: boolean };

/** Takes the right to deliver: nothing to do when it is leased to a live writer, one conditional write when the lease is over. */
async function take(req: StoredRequest, kind: 'outboxLink' | 'outboxOutcome' | 'outboxNotice' | 'outboxTeam' | 'outboxAlert', owner: string, now: Date, repo: DynamoRepository) {
  const d = req[kind];
  if (!d) return undefined;
  return { d, taken: await takeDelivery(d, owner, now, (next) => repo.claimDelivery(req.id, kind, next, now)) };
}

/**
 * Mails confirmation link number `outboxLink.seq`. Its token is derived from the request id and the
 * number, so mailing it again mails the same link, and its record is written once. A link over the
 * inbox's hourly or daily share is put off until both have room again, for the sweeper or a later submission.
 * `email`: the address, when the caller has just written it (intake), which spares reading it back.
 */
export async function deliverLink(req: StoredRequest, owner: string, now: Date, deps: LinkDeps, email?: string): Promise<LinkResult> {
  const t = await take(req, 'outboxLink', owner, now, deps.repo);
  if (!t?.taken) return { sent: false };
  const { seq } = t.d;
  if (req.status !== 'unverified') {
    // Confirmed (or closed) meanwhile: a link is no use any more.
    await deps.repo.clearDelivery(req.id, 'outboxLink', seq);
    return { sent: false };
  }
  // Counted by the inbox, not the spelling (core/edge.ts inboxOf); a request from before that counts by its address.
  const share = await deps.repo.takeShare('link', req.inboxHash ?? req.emailHash, linkWindows(deps.linksPerHour), now);
  if (!share.allowed) {
    await deps.repo.deferDelivery(req.id, 'outboxLink', seq, share.retryAt.toISOString());
    return { sent: false };
  }
  const pii = email ? { email } : await deps.repo.getPii(req.id);
  let unmark: MailFailure['kind'] | undefined;
  if (pii) {
    const token = await derivedToken('verify', req.id, seq);
    await deps.tokens.issue(sha256(token), { requestId: req.id, expiresAt: new Date(now.getTime() + LINK_VALID_MS).toISOString() });
    const statusToken = await derivedToken('status', req.id);
    // An officer's resend may have replaced the status token; the page then asks for the newer one. The
    // language is named because a link past its end gets no request to take it from (docs/requester.md, step 5).
    const status = `${deps.baseUrl}/status.html?id=${req.id}${sha256(statusToken) === req.statusTokenHash ? `&token=${statusToken}` : ''}&lang=${req.language}`;
    unmark = await sendTrackedOwed(req, 'confirmation', { to: pii.email.trim(), ...confirmationEmail(req.language, req.type, { verify: `${deps.baseUrl}/verify?token=${token}`, status }, req.agent, req.details), kind: 'transactional' }, now, deps);
  }
  // Contact data gone (expired unconfirmed): the link can never go, so it is cleared, and not counted as sent.
  await deps.repo.clearDelivery(req.id, 'outboxLink', seq, { linkAt: now.toISOString() }, unmark);
  return { sent: Boolean(pii) };
}

/**
 * The hash a request keeps of its status link's token: derived from the request id, so every writer
 * (a submission, a request logged by an officer, an officer's resend) records the same one, and the
 * link mailed with a confirmation is the one the request was first sent.
 */
export const statusTokenHash = async (id: string) => sha256(await derivedToken('status', id));

export type StartDeps = { repo: Pick<DynamoRepository, 'setPiiExpiry'>; workflow: Pick<Workflow, 'start'> };

/**
 * What a `verified` request is owed: its personal data kept until well after the deadline, and its
 * execution, named by the request id (so starting it again starts nothing twice).
 */
export async function startVerified(req: Pick<StoredRequest, 'id' | 'dueDate' | 'extended'>, deps: StartDeps) {
  await keepPiiWhileOpen(req, deps);
  await deps.workflow.start(req.id, { requestId: req.id });
}

/**
 * A confirmed request's personal data (the address its answer goes to) is kept until well after the
 * deadline it runs to now (the extended one once extended, moved by the days its clock was stopped),
 * where an unconfirmed one's expires in days: whether it runs at once or waits for an officer's
 * review. Whatever moves the deadline calls it with the new one before recording it: a deadline
 * moved past the end set at confirmation would otherwise be answered with the address erased.
 */
export async function keepPiiWhileOpen(req: Pick<StoredRequest, 'id' | 'dueDate' | 'extended' | 'pausedSince'>, deps: { repo: Pick<DynamoRepository, 'setPiiExpiry'> }) {
  // A stopped clock has no deadline to count from: kept until it restarts, which counts an end again.
  if (req.pausedSince) return deps.repo.setPiiExpiry(req.id, null);
  const due = currentDue(req);
  if (due) await deps.repo.setPiiExpiry(req.id, keptUntil(due));
}

const keptUntil = (due: string) => new Date(Date.parse(`${due}T00:00:00Z`) + PII_DAYS_AFTER_DUE * DAY);

/** An unconfirmed request's personal data is kept this long from its creation (intake, an officer's log). */
const UNCONFIRMED_PII_DAYS = 7;

/**
 * Gives the personal data of a request waiting for review the end keepPiiWhileOpen gives, where it
 * has an earlier one (the sweeper's rotation). A correction an officer logs owes nothing a sweep
 * would find (no team email, no execution before its approval), so a log that died between its state
 * change and keepPiiWhileOpen left an open request's data the 7 days of an unconfirmed one. Only such
 * an end, at most 7 days from `now`, is repaired: the rotation's copy of the request comes from an
 * index that lags, and a request refused or cancelled meanwhile has 30 days from its closing, which
 * must stay. One read; a write only to repair, conditional on that bound and never shortening an end
 * moved later meanwhile. True when repaired.
 */
export async function restorePiiWhileOpen(req: Pick<StoredRequest, 'id' | 'dueDate' | 'extended'>, now: Date, deps: { repo: Pick<DynamoRepository, 'getPiiExpiry' | 'extendPiiExpiry'> }) {
  const due = currentDue(req);
  if (!due) return false;
  const until = keptUntil(due);
  const unconfirmed = new Date(now.getTime() + UNCONFIRMED_PII_DAYS * DAY);
  const end = await deps.repo.getPiiExpiry(req.id);
  // Gone (nothing brings it back), kept with no end, or kept past an unconfirmed record's days: nothing to restore.
  if (!end || end >= until || end > unconfirmed) return false;
  return deps.repo.extendPiiExpiry(req.id, until, unconfirmed);
}

/**
 * A request that closed more than a year after its latest deadline would outlive its tasks, whose
 * end planning set: the closing's owed email (outcome or notice) moves their end to the proof's,
 * before it is cleared, so a crash leaves it to the next delivery. Any other closing writes nothing.
 */
async function keepTasksWithProof(req: StoredRequest, tasks: readonly StoredTask[] | undefined, repo: Pick<DynamoRepository, 'listTasks' | 'extendTaskExpiry'>) {
  const until = taskExpiryAtClose(req);
  if (!until) return;
  const ids = (tasks ?? (await repo.listTasks(req.id))).map((t) => t.processorId);
  await repo.extendTaskExpiry(req.id, ids, until);
}

/** `processors`: the registry's entries, for the providers' names in the email. */
export type OutcomeDeps = { repo: DynamoRepository; mailer: Mailer; baseUrl: string; processors: ProcessorNames };

/** The outcome email of a completed request, with the download link of a copy (derived, not stored, so it is the same link each time). */
export async function outcomeFor(req: StoredRequest, tasks: readonly StoredTask[], deps: Pick<OutcomeDeps, 'baseUrl' | 'processors'>, uncorrected?: string) {
  // The current link: a fresh one (renewDownload) replaces the last, so a resent outcome carries the live one.
  const download = req.type === 'access' && req.exportKey ? `${deps.baseUrl}/exports/${req.id}?token=${await derivedToken('download', ...downloadTokenParts(req.id, req.downloadLink))}` : undefined;
  return outcomeMessage(req, tasks, deps.processors, download, complaintFormUrl(deps.baseUrl, req.language, req.id), uncorrected);
}

/**
 * What a deliverer of a requester's email did: mailed it; or not (nothing owed, another deliverer's
 * to send, or a race left it owed for the next try), `dropped` when it cleared it unsent because it
 * can never go (see unsendable), so that it is owed no more and yet nobody was told.
 */
export type Delivered = { sent: true } | { sent: false; dropped?: true };

/** Mails the outcome of a completed request, starts its personal data's 30-day clock (a restriction's: none until it is lifted), then clears the intent (and with it the request's place in the owed index). */
export async function deliverOutcome(req: StoredRequest, owner: string, now: Date, deps: OutcomeDeps, settled?: readonly StoredTask[]): Promise<Delivered> {
  const t = await take(req, 'outboxOutcome', owner, now, deps.repo);
  if (!t?.taken) return { sent: false };
  // Settled tasks do not change any more: the caller that just read them passes them on (one Query less).
  const [tasks, pii] = await Promise.all([settled ?? deps.repo.listTasks(req.id), deps.repo.getPii(req.id)]);
  await keepTasksWithProof(req, tasks, deps.repo);
  const closedAt = Date.parse(req.closedAt ?? now.toISOString());
  // A correction's note moves from the intent to the contact data, in the write that sets its end, so
  // that a resend says it too; the closed request keeps no free text once the intent is cleared.
  const owed = req.outboxOutcome?.uncorrected;
  const uncorrected = owed ?? pii?.uncorrected;
  // A restriction in place keeps the address its requester is told at before it is lifted (Art. 18(3)), until an officer lifts it.
  const end = req.type === 'restrict' && !req.restrictionLift ? null : new Date(closedAt + PII_RETENTION_DAYS_AFTER_CLOSE * DAY);
  await deps.repo.setPiiExpiry(req.id, end, owed ? { uncorrected: owed } : {});
  if (!pii) return unsendable(req, 'outboxOutcome', owner, now, deps.repo);
  const unmark = await sendTrackedOwed(req, 'outcome', { to: pii.email, ...(await outcomeFor(req, tasks, deps, uncorrected)), kind: 'transactional' }, now, deps);
  await deps.repo.clearDelivery(req.id, 'outboxOutcome', t.d.seq, {}, unmark);
  return { sent: true };
}

/**
 * An email owed to a requester whose contact data has expired (erased on schedule, 30 days after
 * closing) can never go: its intent is dropped, with the "mail failed" mark it left (which would
 * ask for a resend nobody can make), in a write that puts on the audit trail that it was not sent
 * and why. The mark goes first: a crash before that write leaves the intent, and the next try finds
 * the contact data still gone. A write that loses a race leaves the intent to the next sweep.
 */
async function unsendable(req: StoredRequest, kind: 'outboxOutcome' | 'outboxNotice', owner: string, now: Date, repo: DynamoRepository): Promise<Delivered> {
  const notice = kind === 'outboxNotice' ? req.outboxNotice?.notice : undefined;
  const earlier = kind === 'outboxNotice' ? (req.outboxNotice?.earlier ?? []).map((e) => e.notice).join(' ') : '';
  await repo.clearMailFailed(req.id, notice ? 'notice' : 'outcome');
  // On the trail as the sweeper, as its other events are, not as the run.
  const event = { at: now.toISOString(), actor: isSweeper(owner) ? SWEEPER_OWNER : owner, action: notice ? 'notice_unsent' : 'outcome_unsent', subject: req.id, data: { ...(notice ? { notice } : {}), ...(earlier ? { earlier } : {}), reason: 'contact_data_erased' } };
  try {
    await repo.transitionRequest(req, req.status, {}, event, { remove: [kind] });
    return { sent: false, dropped: true };
  } catch (e) {
    if (e instanceof ConcurrentUpdate) return { sent: false };
    throw e;
  }
}

/**
 * A fresh download link for a completed access request whose package is still kept: it replaces the
 * last link (whose secret stops working) and goes out as the outcome email again, recorded as owed in
 * the same write. Undefined when there is no package to link to any more.
 */
export async function renewDownload(req: StoredRequest, actor: string, owner: string, now: Date, deps: OutcomeDeps): Promise<StoredRequest | undefined> {
  const next = req.type === 'access' && req.status === 'completed' ? nextDownloadLink(req, now) : undefined;
  if (!next) return undefined;
  const token = await derivedToken('download', ...downloadTokenParts(req.id, next.link));
  const done = await deps.repo.transitionRequest(
    req,
    req.status,
    { downloadLink: next.link, downloadTokenHash: sha256(token), downloadExpiresAt: next.expiresAt, outboxOutcome: nextOutcomeOwed(req, owner, now) },
    { at: now.toISOString(), actor, action: 'renew_download', subject: req.id, data: { link: next.link, until: next.expiresAt } },
  );
  await deliverOutcome(done, owner, now, deps);
  return done;
}

export type NoticeDeps = { repo: DynamoRepository; mailer: Mailer };

const noticeEmail = (req: StoredRequest, n: Notice, form = complaintFormUrl(config.PUBLIC_BASE_URL, req.language, req.id)) =>
  n.notice === 'clarification' ? clarificationNotice(req.language, req.id, n.needed, form, { extended: n.extended ?? Boolean(req.extended) })
  : n.notice === 'extension' ? extensionNotice(req.language, req.id, n, form)
  : n.notice === 'refusal' ? refusalNotice(req.language, req.id, n.reason, n.note, form)
  : n.notice === 'lift' ? liftNotice(req.language, req.id, n, form)
  : cancellationNotice(req.language, req.id, n.reason, form);

/**
 * Mails an officer's notice (a clarification asked, an extension, a refusal, a cancellation), built from the
 * intent recorded with the action, then clears the intent (and the clarification's text with it, moved
 * to the contact data first), which takes the request out of the owed index. Notices recorded before it and still owed (`earlier`)
 * go first, in order. A refusal or a cancellation replaces the notices still owed: it supersedes a question.
 */
export async function deliverNotice(req: StoredRequest, owner: string, now: Date, deps: NoticeDeps): Promise<Delivered> {
  const t = await take(req, 'outboxNotice', owner, now, deps.repo);
  if (!t?.taken) return { sent: false };
  const n = req.outboxNotice as NoticeIntent;
  // A refusal or a cancellation closes the request: a confirmed one's contact data then goes 30 days on, as a completed one's
  // (an unconfirmed one's expires sooner by itself). Written before the mail, so that a failure here leaves nothing sent
  // and the notice owed, where after the mail it would have left the notice owed and mailed a second time.
  if ((n.notice === 'refusal' || n.notice === 'cancellation') && req.verifiedAt) await deps.repo.setPiiExpiry(req.id, new Date(Date.parse(req.closedAt ?? now.toISOString()) + PII_RETENTION_DAYS_AFTER_CLOSE * DAY));
  if (n.notice === 'refusal' || n.notice === 'cancellation') await keepTasksWithProof(req, undefined, deps.repo);
  // A restriction's contact data was kept to tell the requester before it is lifted (Art. 18(3)): once told, it goes as a closed request's does, counted from the lift.
  if (n.notice === 'lift') await deps.repo.setPiiExpiry(req.id, new Date(Date.parse(`${n.liftOn}T00:00:00Z`) + PII_RETENTION_DAYS_AFTER_CLOSE * DAY));
  // The address the answer will go to is kept while the clock is stopped, however long the requester takes: its end was
  // counted from the deadline as it stood, and until November 29, 2026 a stop that outlasted it lost the address, and
  // the answer, once the clock restarted, was never mailed. Restarting it counts an end from the new deadline again.
  if (n.notice === 'clarification') await keepPiiWhileOpen(req, deps);
  const pii = await deps.repo.getPii(req.id);
  if (!pii) return unsendable(req, 'outboxNotice', owner, now, deps.repo);
  // The question goes where it expires with the requester's contact data, before the intent holding it is cleared:
  // the console shows it from there while the clock is stopped, and the audit trail, kept as proof, has only its hash.
  const asked = questionOwed(n);
  if (asked && asked !== pii.clarification) await deps.repo.keepWithPii(req.id, { clarification: asked });
  // A failure leaves the notice owed for the next sweep, marks the request "mail failed" with which notice, and is counted for the MailFailed alarm.
  const sent = await mailInOrder(req, n.earlier ?? [], n, {
    send: (e, marked) => sendTrackedOwed(marked, 'notice', { to: pii.email, ...noticeEmail(req, e), kind: 'transactional' }, now, deps, e.notice),
    strikeOff: (left, unmark) => deps.repo.strikeOffNotice(req.id, t.d.seq, left, unmark),
    clear: (unmark) => deps.repo.clearDelivery(req.id, 'outboxNotice', t.d.seq, {}, unmark),
  });
  return { sent };
}

/**
 * Mails what an intent owes in order: what it queued before (`earlier`, an officer's notices, the
 * team's emails), each struck off once mailed, so that a crash or a refusal further on does not mail
 * it again; then its own, clearing the intent. The "mail failed" mark an email's going clears goes in
 * the write that strikes it off or clears the intent, and only once. False when one was not struck
 * off: another deliverer did (a lease ran out), or a write queued it again behind a newer one; the
 * rest is theirs.
 */
async function mailInOrder<W>(
  req: StoredRequest,
  earlier: readonly W[],
  last: W,
  write: {
    send: (w: W, marked: StoredRequest) => Promise<MailFailure['kind'] | undefined>;
    strikeOff: (left: number, unmark: MailFailure['kind'] | undefined) => Promise<boolean>;
    clear: (unmark: MailFailure['kind'] | undefined) => Promise<boolean>;
  },
): Promise<boolean> {
  let marked = req;
  for (const [i, w] of earlier.entries()) {
    const unmark = await write.send(w, marked);
    if (!(await write.strikeOff(earlier.length - i, unmark))) return false;
    if (unmark) marked = { ...marked, mailFailed: undefined };
  }
  await write.clear(await write.send(last, marked));
  return true;
}

export type PurgeDeps = { repo: Pick<DynamoRepository, 'listTaskResults' | 'deleteTaskResults' | 'clearPurge' | 'forgetExport'>; blobs: Pick<S3Blobs, 'delete'> };

/**
 * Deletes the export results of an access request refused or cancelled (`purgeResults`, recorded in
 * the closing write): no copy will be made of them, recorded by a task or not; and its package, if
 * one was assembled (a copy held for review, Art. 15(4)). The officer's action calls it after that
 * write, the sweeper at each run until the intent is cleared: once every result and the package are
 * gone and no callback that found the request open can still write one (core/export-results.ts).
 * Returns the results it deleted. A failure throws and leaves the intent for the next sweep.
 */
export async function deliverPurge(req: Pick<StoredRequest, 'id' | 'purgeResults' | 'exportKey'>, now: Date, deps: PurgeDeps): Promise<StoredResults[]> {
  if (!req.purgeResults) return [];
  const dropped: StoredResults[] = [];
  let kept = 0;
  // Conditional on the time written: one written again since it was listed (a callback's retry) waits for the next run.
  for (const s of await deps.repo.listTaskResults(req.id)) {
    if (await deps.repo.deleteTaskResults(s)) dropped.push(s);
    else kept++;
  }
  // Deleted by its key whether recorded or not: an Assemble that found the request open puts its package
  // within a Lambda's 15 minutes and records no key on a closed request. The key goes once the object has.
  await deps.blobs.delete(req.exportKey ?? exportKey(req.id));
  if (req.exportKey) await deps.repo.forgetExport(req.id);
  // Cleared, the request leaves the watch index with it unless its execution's stop is still owed.
  if (!kept && purgeFinished(req.purgeResults, now)) await deps.repo.clearPurge(req.id);
  return dropped;
}

export type ComplaintAckDeps = { repo: ComplaintAckRepository; mailer: Mailer };

/**
 * Settles a complaint's owed acknowledgement in one conditional write that also clears the intent:
 * acknowledged by the email just mailed, or left received with the email withheld. An officer who
 * acted meanwhile leaves only the intent to clear.
 */
async function settleComplaintAck(c: StoredComplaint, seq: number, to: StoredComplaint['status'], changes: Record<string, unknown>, event: { action: string; at: string; data: Record<string, string> }, deps: ComplaintAckDeps) {
  try {
    await deps.repo.transitionComplaint(c, to, changes, { at: event.at, actor: 'system', action: event.action, subject: c.id, from: c.status, to, data: event.data }, { remove: ['outboxAck'] });
  } catch (e) {
    if (!(e instanceof ConcurrentUpdate)) throw e;
    await deps.repo.clearComplaintAck(c.id, seq);
  }
}

/**
 * Mails a complaint's acknowledgement, then records the complaint as acknowledged by that email (the
 * acknowledgement s.164A(3) asks for) in one conditional write that also clears the intent. A
 * complaint an officer has acknowledged another way, or answered, owes nothing any more: its intent
 * is cleared unsent, and so is one past its address's daily share (ACKS_PER_EMAIL_PER_DAY), for the
 * team to acknowledge by hand. A mail failure leaves the email owed for the sweeper, counted for the
 * MailFailed alarm. Sent when it mailed the acknowledgement, dropped when it withheld it past the daily share.
 */
export async function deliverComplaintAck(c: StoredComplaint, owner: string, now: Date, deps: ComplaintAckDeps): Promise<Delivered> {
  const d = c.outboxAck;
  if (!d) return { sent: false };
  if (!(await takeDelivery(d, owner, now, (next) => deps.repo.claimComplaintAck(c.id, next, now)))) return { sent: false };
  if (c.status !== 'received') {
    await deps.repo.clearComplaintAck(c.id, d.seq);
    return { sent: false };
  }
  // Anyone can type any address into the form: an address gets a few acknowledgements in any hour, the
  // rest once its share has room again, and no more than its share of any 24 hours, both taken in one
  // write that counts nothing when either is full. Once the day's is spent the rest are settled at once
  // rather than put off hour after hour. An acknowledgement counts once, however many tries SES refuses.
  const share = d.counted ? { allowed: true as const } : await deps.repo.takeShare('complaint-ack', c.inboxHash ?? (c.emailHash as string), ACK_WINDOWS, now);
  if (!share.allowed && share.full.includes(ACK_DAY)) {
    // Spent: the complaint stays received, owing nothing, its trail saying the email was not sent, for the console to show it to acknowledge by hand.
    await settleComplaintAck(c, d.seq, c.status, {}, { at: now.toISOString(), action: 'ack_email_withheld', data: { reason: 'address_daily_share' } }, deps);
    return { sent: false, dropped: true };
  }
  if (!share.allowed) {
    await deps.repo.deferComplaintAck(c.id, d.seq, share.retryAt.toISOString());
    return { sent: false };
  }
  try {
    await deps.mailer.send(withIdentity({ to: c.email, ...acknowledgementEmail(c), kind: 'transactional' as const }, c.language));
  } catch (e) {
    // Counted, not sent: the next try does not count it again (a lost mark counts it once more, no worse).
    if (!d.counted) await deps.repo.countComplaintAck(c.id, d.seq).catch(() => false);
    throw mailFailure({ complaintId: c.id }, 'complaint_ack', `the acknowledgement of complaint ${c.id} could not be sent`, e).thrown;
  }
  // An officer who acted meanwhile: the email went, so only the intent is left to clear.
  const at = now.toISOString();
  await settleComplaintAck(c, d.seq, 'acknowledged', { acknowledgedAt: at, acknowledgedBy: 'email' }, { at, action: 'acknowledge', data: { by: 'email' } }, deps);
  return { sent: true };
}

export type TeamDeps = { repo: DynamoRepository; mailer: Mailer; baseUrl: string; processors?: ProcessorNames };

/**
 * Tells the compliance team that a request waits for an officer (functions/core/team-review.ts),
 * from the intent recorded in the write that made it wait, then clears the intent: what it waited
 * for before and was not yet told (`earlier`) first, each struck off once mailed, so that a failure
 * further on mails none of them again. What no longer waits (an officer was quicker) is owed
 * nothing: it goes unsent. A failure to mail is marked on the request and thrown; the rest of the
 * intent stays for the sweeper. True when an email went.
 */
export async function deliverTeam(req: StoredRequest, owner: string, now: Date, deps: TeamDeps): Promise<boolean> {
  const t = await take(req, 'outboxTeam', owner, now, deps.repo);
  if (!t?.taken) return false;
  const n = req.outboxTeam as TeamIntent;
  const earlier = n.earlier ?? [];
  const waits = (w: ReviewWait) =>
    (REVIEW_STATUSES as readonly string[]).includes(req.status) &&
    !(w === 'held_copy' && req.exportRelease?.releasedAt) &&
    !(w === 'assembly' && !req.assemblyFailed) &&
    // Asked for again since: the team's officer knows.
    !(w === 'remake' && !req.remakeFailed);
  // Confirming records this email in the write that makes the request wait, then keeps the contact data for the
  // deadline: the sweeper finding the email owed does that too, in case confirming died between the two. Only
  // that repair: a refusal in the moment after the email was taken gave them 30 days, which must stay.
  if (req.status === 'awaiting_review' && isSweeper(owner) && [...earlier, n.waiting].some(waits)) await restorePiiWhileOpen(req, now, deps);
  let told = false;
  await mailInOrder(req, earlier, n.waiting, {
    send: async (w, marked) => {
      if (!waits(w)) return undefined;
      const unmark = await sendTrackedOwed(marked, 'review', { to: config.COMPLIANCE_EMAIL, kind: 'compliance', ...teamEmail(req, w, deps) }, now, deps);
      told = true;
      return unmark;
    },
    strikeOff: (left, unmark) => deps.repo.strikeOffTeam(req.id, t.d.seq, left, unmark),
    clear: (unmark) => deps.repo.clearDelivery(req.id, 'outboxTeam', t.d.seq, {}, unmark),
  });
  return told;
}

/** The team's email of what `req` waits for, with the facts its record holds now. */
function teamEmail(req: StoredRequest, waiting: ReviewWait, deps: TeamDeps) {
  // Providers by the registry's names, as the console says them (their ids, should one have left the registry).
  const named = (ids: readonly string[] | undefined) => (ids ?? []).map((id) => deps.processors?.find((p) => p.id === id)?.name ?? id);
  const gaveUp = waiting === 'remake' ? req.remakeFailed : undefined;
  const facts = {
    requestId: req.id,
    type: req.type,
    dueDate: currentDue(req),
    flaggedBy: named(req.exportRelease?.flaggedBy),
    unfetched: named(gaveUp ? gaveUp.processors : req.assemblyFailed?.processors),
    agent: req.agent,
    ...(gaveUp ? { remake: { tries: gaveUp.tries, askedOn: londonDate(gaveUp.asked.at) } } : {}),
  };
  return reviewEmail(waiting, facts, `${deps.baseUrl}/console.html#/requests/${req.id}`);
}

/**
 * Mails the compliance team the alert of a flag the sweeper raised (a reminder, an overdue request,
 * a lost execution), from the intent recorded in the flag's write, then clears the intent. A request
 * closed since is owed nothing: the intent goes unsent. A failure to mail is marked on the request
 * ("mail failed", as a reminder) and thrown; the intent stays for the next sweep. True when mailed.
 */
export async function deliverAlert(req: StoredRequest, owner: string, now: Date, deps: { repo: DynamoRepository; mailer: Mailer }): Promise<boolean> {
  const t = await take(req, 'outboxAlert', owner, now, deps.repo);
  if (!t?.taken) return false;
  const open = DEADLINE_STATUSES.includes(req.status);
  let unmark: MailFailure['kind'] | undefined;
  if (open) {
    const msg = alertEmail(req.outboxAlert as AlertIntent, req, `${config.PUBLIC_BASE_URL}/console.html#/requests/${req.id}`);
    unmark = await sendTrackedOwed(req, 'reminder', { to: config.COMPLIANCE_EMAIL, kind: 'compliance', ...msg }, now, deps);
  }
  await deps.repo.clearDelivery(req.id, 'outboxAlert', t.d.seq, {}, unmark);
  return open;
}

export type StopDeps = { repo: Pick<DynamoRepository, 'clearOwedStop'>; workflow: Required<Pick<Workflow, 'stop'>> };

/**
 * Stops the execution of a request refused or cancelled while it ran (`outboxStop`), then clears the
 * mark. An execution that ended already, or never was, is stopped as far as it will be. Any other
 * failure leaves the mark for the sweeper. True when a stop was owed and is made.
 */
export async function deliverStop(req: Pick<StoredRequest, 'id' | 'outboxStop'>, deps: StopDeps): Promise<boolean> {
  if (!req.outboxStop) return false;
  await deps.workflow.stop(req.id);
  await deps.repo.clearOwedStop(req.id);
  return true;
}

/**
 * Sends the AssemblyFailed state its token back once an officer has retried the copy
 * (`assemblyFailed.retriedAt`), so that Assemble runs again. Nothing to clear: Assemble then removes
 * or replaces the mark, and until it has, the token sent again is one nothing waits on (false).
 */
export async function deliverAssemblyRetry(req: Pick<StoredRequest, 'status' | 'assemblyFailed'>, deps: { workflow: Pick<Workflow, 'taskSuccess'> }): Promise<boolean> {
  const held = req.assemblyFailed;
  if (req.status !== 'awaiting_manual' || !held?.retriedAt) return false;
  return answer(deps.workflow, held.token, { retry: true });
}

export type SweepOutboxDeps = LinkDeps &
  OutcomeDeps &
  ComplaintAckDeps & { workflow: Pick<Workflow, 'start'> & { describe(requestId: string): Promise<{ status?: string } | undefined> } };

/**
 * One delivery the sweeper owes, named by `what` (its kind and ids: `stop:<request id>`). One that
 * throws is left for the next sweep: counted in the report's `failed`, logged by `what` and the
 * error's name alone (an error's message may quote an address or a token), and the sweep goes on.
 */
export async function deliverOrLeave(report: { failed: string[] }, what: string, deliver: () => Promise<unknown>, message = 'outbox delivery failed; the next sweep tries again') {
  try {
    await deliver();
  } catch (e) {
    report.failed.push(what);
    logger.error(message, { what, error: (e as Error).name });
  }
}

/**
 * The deliveries the sweeper's outbox pass tries in one run at most: each is a few calls, one that SES
 * refuses about eight, and an outage of the mail service can leave thousands owed. Unbounded, they were
 * all tried every run, and the run spent its 120 s here before the passes after it (the tokens the
 * workflow waits on, the deadlines, the stuck tasks) ever ran. Those left wait for the next run.
 */
export const OUTBOX_PER_RUN = 500;

/**
 * The sweeper's pass over the outbox: whatever a crashed or failed writer left undelivered is
 * delivered here, within one sweep, as `owner` (the run's, core/outbox.ts sweeperOwner). Each item
 * stands alone: one that fails is logged and looked at again on the next sweep, and the others go on.
 * At most OUTBOX_PER_RUN are tried; the report counts those left (`deliveriesLeft`).
 */
export async function sweepOutbox(now: Date, deps: SweepOutboxDeps, owner: string) {
  const report = {
    startedExecutions: [] as string[],
    linksSent: [] as string[],
    outcomesSent: [] as string[],
    noticesSent: [] as string[],
    /** Emails dropped unsent: their requester's contact data was erased on schedule (the audit trail says so). */
    outcomesDropped: [] as string[],
    noticesDropped: [] as string[],
    complaintAcksSent: [] as string[],
    /** Acknowledgements not mailed: past their address's daily share, for the team to give by hand (`ack_email_withheld`). */
    complaintAcksWithheld: [] as string[],
    failed: [] as string[],
    deliveriesLeft: 0,
  };
  const tally = (r: Delivered, sent: string[], dropped: string[], id: string) => (r.sent ? sent : r.dropped ? dropped : []).push(id);
  // A try is an item that did something: started, sent, dropped, withheld or failed. One not due yet (a link put off
  // until its inbox's share has room, a delivery another writer holds) costs nothing, or hundreds of links put off
  // by one inbox's share would spend every run's tries before the emails after them.
  const done = () => Object.values(report).reduce((n: number, v) => n + (Array.isArray(v) ? v.length : 0), 0);
  let tries = OUTBOX_PER_RUN;
  const each = async (what: string, fn: () => Promise<void>) => {
    if (tries <= 0) return void report.deliveriesLeft++;
    const before = done();
    await deliverOrLeave(report, what, fn);
    if (done() > before) tries--;
  };

  // A verified request owes an execution: verify's start failed, or it died before it.
  let cursor: string | undefined;
  do {
    const page = await deps.repo.listRequests({ status: 'verified', limit: 100, cursor });
    for (const req of page.items) {
      await each(`execution:${req.id}`, async () => {
        if (await deps.workflow.describe(req.id)) return;
        await startVerified(req, deps);
        report.startedExecutions.push(req.id);
      });
    }
    cursor = page.cursor;
  } while (cursor);

  for (const req of await deps.repo.listPendingLinks()) {
    await each(`link:${req.id}`, async () => {
      if ((await deliverLink(req, owner, now, deps)).sent) report.linksSent.push(req.id);
    });
  }

  // Outcome emails and officers' notices still owed: the owed index lists exactly the requests that
  // record one (eventually consistent: an intent recorded a moment ago is found at the next run). It
  // has one key, so a request owing both is listed under one kind only: each request listed is tried
  // for both, each on its own, so that one SES keeps refusing does not keep the other from going.
  const owed = new Set([...(await deps.repo.listOwed('outcome')), ...(await deps.repo.listOwed('notice'))].map((m) => m.requestId));
  for (const id of owed) {
    let read: StoredRequest | undefined;
    await each(`outcome:${id}`, async () => {
      read = await deps.repo.getRequest(id);
      if (read?.outboxOutcome) tally(await deliverOutcome(read, owner, now, deps), report.outcomesSent, report.outcomesDropped, id);
    });
    await each(`notice:${id}`, async () => {
      // Read again where the outcome's delivery may have changed the record (or the first read failed).
      const req = read && !read.outboxOutcome ? read : await deps.repo.getRequest(id);
      if (req?.outboxNotice) tally(await deliverNotice(req, owner, now, deps), report.noticesSent, report.noticesDropped, id);
    });
  }
  // Complaints whose acknowledgement is still owed: a crash, a mail failure, or over the address's hourly share.
  let page: string | undefined;
  do {
    const owed = await deps.repo.listComplaints({ owed: true, cursor: page });
    for (const c of owed.items) {
      await each(`complaint:${c.id}`, async () => {
        tally(await deliverComplaintAck(c, owner, now, deps), report.complaintAcksSent, report.complaintAcksWithheld, c.id);
      });
    }
    page = owed.cursor;
  } while (page);
  return report;
}
