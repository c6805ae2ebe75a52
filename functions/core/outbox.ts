import { BeingSent } from './errors.ts';
import type { TeamAlert } from './alerts.ts';
import type { Language } from './model.ts';
import type { CancelReason, DenyReason, LiftReason } from './notices.ts';
import type { ReviewWait } from './team-review.ts';

/**
 * The outbox: every step of intake, verify and notify records what it still owes the outside world
 * (an email to send, an execution to start) in the same single-item conditional write as its state
 * change, delivers it afterwards, and clears it. Whoever finds an intent still there later (a retry,
 * the workflow running the state again, the sweeper) delivers it again. The rules are here; the
 * deliverers are in functions/shared/outbox.ts.
 *
 * On the request record:
 *   status `verified`       the execution named by the request id is to be started (StartExecution
 *                           with that name is idempotent, so delivering it twice starts it once);
 *   `outboxLink`            confirmation link number `seq` is to be mailed;
 *   `outboxOutcome`         the outcome email is to be mailed (`resend`: again, as an officer asked,
 *                           which their next click delivers rather than asking for it once more);
 *   `outboxNotice`          an officer's notice is to be mailed: a clarification asked (the clock
 *                           stops), an extension (or, restarting the clock of an extended request,
 *                           its moved date), a refusal, a cancellation, or a restriction to be
 *                           lifted (Art. 18(3), on a completed request). It carries what the email says, and
 *                           goes once mailed; a clarification's question moves to the contact data
 *                           as it is mailed, so the request record keeps none of its free text after.
 *                           A notice recorded while another is still owed queues behind it (`earlier`,
 *                           queueNotice), so that neither waits for the other; a refusal or a
 *                           cancellation, which closes the request, replaces them instead;
 *   `outboxTeam`            the compliance team is to be told the request waits for an officer (a
 *                           copy held for review, a correction or an agent's request to review, a
 *                           copy that could not be assembled, or whose package could not be made again),
 *                           recorded in the write that makes it wait. It carries only what waits.
 *                           One recorded while another is still owed queues behind it (`earlier`,
 *                           queueTeam), so that both are told, each once;
 *   `outboxAlert`           the compliance team is to be told of a flag the sweeper raised (a
 *                           deadline 7 or 2 days away, a deadline passed, a lost execution),
 *                           recorded in the flag's write with what the email says (core/alerts.ts),
 *                           and mailed by the sweeper right after; one a run left owed (it died, or
 *                           SES refused) is mailed by a later run, or dropped once the request is
 *                           closed. A later flag's alert replaces one still owed;
 *   `assemblyFailed.retriedAt`  an officer retried the copy: the AssemblyFailed state is to be sent
 *                           its token back. Nothing clears it: Assemble, run again, removes the
 *                           whole mark or replaces it (a new failure, a new token), so sending the
 *                           token again meanwhile only meets a token nothing waits on any more;
 *   `outboxStop`            an officer refused or cancelled the request while its execution ran: the
 *                           execution named by the request id is to be stopped (StopExecution, which
 *                           takes an execution already ended, or unknown, as done). Cleared once
 *                           stopped, in a write of its own, as `outboxToken` is. Until then the
 *                           workflow's functions find the request closed and act on nothing of it;
 *   `outboxRemake`          an officer asked for a held copy's package to be made again, once S3
 *                           deleted it (or would within the day): the sweeper makes it from the
 *                           processors' results and records it (`export_assembled`, from which its
 *                           30 days count) in the conditional write that clears the intent. Recorded
 *                           for anyone to claim at once (no owner); a run claims it under its lease,
 *                           so that two runs never make it at once, and one that dies leaves it for a
 *                           later run; each claim counts a try (`tries`). Dropped by the write that
 *                           closes the request; with `remake_dropped` on the trail, once the results
 *                           went since it was asked; or, with `remake_failed` and the team's email owed
 *                           (`outboxTeam`, `remakeFailed` on the request), once it has failed too
 *                           often or too long (core/remake.ts);
 *   `outboxRelease`         an officer released a held copy: the request is to be completed as Notify
 *                           completes it, its outcome email and download link owed then. Recorded in
 *                           the write that records the release, under the officer's lease; cleared by
 *                           the write that completes the request, or dropped by one that closes it
 *                           otherwise. The release completes it at once; the sweeper completes one
 *                           whose lease is over (the action died between the two writes: until
 *                           November 28, 2026 such a request waited for ever, since the console
 *                           offers no release of a copy already released);
 *   `purgeResults`          an access request was refused or cancelled: no copy will be made, so the
 *                           processors' export results it holds are to be deleted. The officer's
 *                           action deletes them; the sweeper deletes any left (a crash, or a callback
 *                           that found the request still open) and clears it once no callback can
 *                           write any more (core/export-results.ts).
 *
 * An email owed whose requester's contact data has expired (erased on schedule) can never go: it is
 * dropped, with its "mail failed" mark, in a write that says so on the audit trail.
 *
 * On a task record:
 *   `outboxToken`           an officer resolved the task: the workflow state waiting on the task's
 *                           `token` (its Escalate, or a manual processor's Dispatch) is to be sent
 *                           the resolution. Cleared once sent, in a write of its own (officers'
 *                           path only: a processor's callback records nothing of the kind).
 *   `outboxTeam`            a manual processor's task (no API: a person does the work): the team is
 *                           to be told it needs a person, recorded in the write that sends the task
 *                           (Dispatch), so that each such task of a request is told once, whichever
 *                           of them moved the request to wait. Cleared once mailed, in a write of its
 *                           own; dropped unsent once the task is finished or its request closed.
 *                           With `escalated`, the team's escalation email of a task an officer
 *                           retried, recorded in the sweeper's write that times it out (or fails it,
 *                           its webhook refused): nothing else tells them, since the workflow's
 *                           Escalate already waits. Once per such write, so once per retry; dropped
 *                           unsent once the task is no longer failed or timed out;
 *   `outboxWebhook`         an officer retried the task: its webhook, under the retry's own id
 *                           (`seq`, the retry's number), is to be sent. Recorded in the retry's
 *                           write, cleared once sent, in a write of its own, or by the write that
 *                           fails the task when the processor refuses it. The sweeper sends one whose
 *                           lease is over (the action died): a processor that had it dedupes by id.
 *
 * A token is the one intent that needs no lease: sending it twice is harmless, since Step Functions
 * takes the first and answers the second TaskTimedOut (or InvalidToken), which counts as delivered.
 * Nor does a stop: stopping an execution that has ended already changes nothing.
 */

/** An undelivered email: which one, and who may deliver it until when. */
export type Delivery = {
  seq: number;
  /** Until this instant only `owner` delivers; after it, anyone who claims it first (a conditional write). */
  until: string;
  /** The writer that recorded it (and is about to deliver it), or '' when it waits for `until` (a deferred link). */
  owner: string;
};

/** What an officer's notice to the requester says. */
export type Notice =
  /**
   * `extended`: whether the time limit it pauses was extended when it was asked, set once a later
   * notice queues behind it (queueNotice); without it, the request's own (it has not changed since).
   */
  | { notice: 'clarification'; needed: string; extended?: boolean }
  | { notice: 'refusal'; reason: DenyReason; note?: string }
  | { notice: 'cancellation'; reason: CancelReason }
  /**
   * No `dueDate` for an extension made while the clock is stopped (Art. 12A): the date depends on
   * when it restarts, and restarting it owes the requester the date (`restarted`). Restarting a
   * clock extended before it stopped owes them the date it moves to, and the one it replaces
   * (`previousDueDate`), which they were told.
   */
  | { notice: 'extension'; reason: string; dueDate?: string; restarted?: boolean; previousDueDate?: string }
  /** Art. 18(3): a restriction is lifted from `liftOn` (a London date), for `reason`, with the officer's words (`note`) when they gave any. */
  | { notice: 'lift'; reason: LiftReason; liftOn: string; note?: string };

/**
 * The notices owed to the requester: the last one recorded, and `earlier`, those recorded before it
 * and not yet mailed, oldest first, which are mailed first and struck off one by one as they go.
 * An intent recorded before November 27, 2026 has no `earlier`: one notice was owed at a time.
 */
export type NoticeIntent = Delivery & Notice & { earlier?: Notice[] };

/**
 * The notices owed once an officer's action owes `next`, recorded under `delivery`: the ones still
 * owed (`owed`) go first, so that an action never waits for a notice SES refuses, nor drops it.
 * `extended`: whether the request is extended before this action; a clarification still owed says
 * the time limit it paused then, not the one an extension queued behind it brings.
 */
export function queueNotice(owed: NoticeIntent | undefined, extended: boolean, next: Notice, delivery: Delivery): NoticeIntent {
  if (!owed) return { ...delivery, ...next };
  const { seq: _seq, until: _until, owner: _owner, earlier = [], ...last } = owed;
  const asked = last.notice === 'clarification' ? { ...last, extended: last.extended ?? extended } : last;
  return { ...delivery, ...next, earlier: [...earlier, asked as Notice] };
}

/** The question of the last clarification among the notices owed (`earlier` included): delivering them moves it to the contact data. */
export const questionOwed = (owed: NoticeIntent | undefined) =>
  [...(owed?.earlier ?? []), ...(owed ? [owed] : [])].filter((n): n is Extract<Notice, { notice: 'clarification' }> => n.notice === 'clarification').at(-1)?.needed;

/** The outcome email owed; `resend` once an officer asked for it again (the trail has their resend). */
/** `uncorrected`: the officer's words on what a correction left undone, until delivering the outcome moves them to the contact data (the closed record keeps no free text). */
export type OutcomeIntent = Delivery & { resend?: true; uncorrected?: string };

/**
 * The team's email that a request waits for an officer: what waits, never who asked or what they
 * wrote; and `earlier`, what it waited for before and the team was not yet told, oldest first, which
 * is told first and struck off one by one as it goes (queueTeam).
 */
export type TeamIntent = Delivery & { waiting: ReviewWait; earlier?: ReviewWait[] };

/**
 * The team's emails owed once a write owes `next`, recorded under `delivery`: the ones still owed go
 * first, so that a write never drops one (the held copy's email SES refused, when the sweeper gives up
 * its package). One of the same kind is told once, by the latest: it says what the request records
 * when it is mailed.
 */
export function queueTeam(owed: TeamIntent | undefined, next: ReviewWait, delivery: Delivery): TeamIntent {
  const earlier = [...(owed?.earlier ?? []), ...(owed ? [owed.waiting] : [])].filter((w) => w !== next);
  return { ...delivery, waiting: next, ...(earlier.length ? { earlier } : {}) };
}

/**
 * Whether the team's email owed tells of `wait` alone: the write that makes that moot drops the
 * intent with it. One that owes others too is left: its delivery skips the moot one (deliverTeam).
 */
export const teamOwesOnly = (owed: TeamIntent | undefined, wait: ReviewWait) => owed?.waiting === wait && !owed.earlier?.length;

/** The team's alert of a flag the sweeper raised, and what it says. */
export type AlertIntent = Delivery & TeamAlert;

/** A workflow token still to be answered, and since when. */
export type TokenIntent = { at: string };

/** An execution still to be stopped, and since when. */
export type StopIntent = { at: string };

/** A held copy's package to make again: when and by whom it was asked (the console shows both), and the runs that took it (`tries`). */
export type RemakeIntent = Delivery & { at: string; by: string; tries?: number };

/** Step Functions' answers for a token nothing waits on any more: it was answered already, or its state timed out or stopped. */
export const SPENT_TOKEN_ERRORS: readonly string[] = ['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist'];

/** The statuses in which a request waits for an officer; a team email owed for a request that left them is dropped, not sent. */
export const REVIEW_STATUSES = ['awaiting_review', 'awaiting_manual'] as const;

/** An officer's action (the admin function) delivers its own notice first, as Notify does its outcome. */
export const ADMIN_OWNER = 'admin';
/**
 * An officer's resend delivers as an owner of its own click: two clicks (a double click, two
 * officers, two tabs) run in two invocations at once, and under one shared owner the second took
 * the first's lease for its own and mailed the email a second time.
 */
export const clickOwner = (clickId: string) => `${ADMIN_OWNER}:${clickId}`;

/**
 * How long the writer that records an email (intake, Notify) alone may deliver it: longer than
 * those functions may run (20 s, infra/constructs/functions.ts), so that when the lease ends its
 * owner has finished or is dead, and a second delivery never overlaps a live first one.
 */
export const DELIVERY_LEASE_SECONDS = 60;
/** The sweeper's lease on what it takes over: longer than the sweeper may run (120 s). */
export const SWEEPER_LEASE_SECONDS = 180;

/** The workflow's Notify state: a re-run of the state (a retry, a restart) may finish its own delivery. */
export const WORKFLOW_OWNER = 'workflow';
/** The owner every sweeper run shared until November 27, 2026; a claim recorded under it is claimable once its lease is over, as any. */
export const SWEEPER_OWNER = 'sweeper';

/**
 * Each sweeper run delivers as an owner of its own: the schedule and Lambda invoke at least once and
 * the function has no reserved concurrency, so two runs may overlap, and a run must not take another's
 * claim, whose email is maybe on its way, for its own.
 */
export const sweeperOwner = (runId: string) => `${SWEEPER_OWNER}:${runId}`;
export const isSweeper = (owner: string) => owner === SWEEPER_OWNER || owner.startsWith(`${SWEEPER_OWNER}:`);

/** The lease `owner` takes on an email it claims: a sweeper's outlasts its run. */
export const claimLease = (seq: number, owner: string, now: Date) => lease(seq, owner, now, isSweeper(owner) ? SWEEPER_LEASE_SECONDS : DELIVERY_LEASE_SECONDS);

export const lease = (seq: number, owner: string, now: Date, seconds = DELIVERY_LEASE_SECONDS): Delivery => ({
  seq,
  until: new Date(now.getTime() + seconds * 1000).toISOString(),
  owner,
});

/** `mine`: the owner within its lease, no claim needed. `claimable`: the lease is over; claim it first. */
export function deliveryRight(d: Delivery, owner: string, now: Date): 'mine' | 'claimable' | 'leased' {
  if (Date.parse(d.until) <= now.getTime()) return 'claimable';
  return d.owner === owner && owner !== '' ? 'mine' : 'leased';
}

/**
 * What an officer's resend (`owner`, its click's own) does with an email already owed: `mail` it as
 * it is (its lease is over), or `take_over` under a new number, when it was put off by the address's hourly
 * share (which an officer is not held to) or its holder marked it failed after claiming it (the
 * holder gave up; waiting out its lease would leave the click doing nothing). Held by a deliverer
 * still sending it, an earlier click among them: BeingSent (409), rather than a click that silently
 * does nothing, or that mails it a second time.
 */
export function officerResendRight(d: Delivery, owner: string, failed: { kind: string; at: string } | undefined, kind: 'confirmation' | 'outcome', now: Date): 'mail' | 'take_over' {
  if (deliveryRight(d, owner, now) !== 'leased') return 'mail';
  if (d.owner === '') return 'take_over';
  const claimedAt = Date.parse(d.until) - (isSweeper(d.owner) ? SWEEPER_LEASE_SECONDS : DELIVERY_LEASE_SECONDS) * 1000;
  if (failed?.kind === kind && Date.parse(failed.at) >= claimedAt) return 'take_over';
  throw new BeingSent(d.until);
}

/**
 * Whether `owner` may deliver `d` now: its own, within its lease; or, once the lease is over, after
 * `claim` (one conditional write of the fresh lease) wins it. A live writer's lease is left alone.
 */
export async function takeDelivery(d: Delivery, owner: string, now: Date, claim: (next: Delivery) => Promise<boolean>): Promise<boolean> {
  const right = deliveryRight(d, owner, now);
  if (right === 'leased') return false;
  return right === 'mine' || claim(claimLease(d.seq, owner, now));
}

/** A request's next confirmation link, owed by `owner` from the write that records these fields (a repeated submission, an officer's resend). */
export function nextLinkOwed(linkSeq: number | undefined, owner: string, now: Date) {
  const seq = (linkSeq ?? 0) + 1;
  return { linkSeq: seq, linkAt: now.toISOString(), outboxLink: lease(seq, owner, now) };
}

/**
 * A completed request's outcome email owed again by `owner` (with a fresh download link, or at an
 * officer's resend), from the write that records it, conditional on `prev`'s version: it replaces one
 * still owed, whose deliverer then finds another number and clears nothing. Its number is the version
 * that write gives the request, as the team's email's is, so no two outcomes owed share one (completing
 * records number 1, below any later write's version): a deliverer of an earlier one that clears it late,
 * once it was cleared and another recorded, leaves the other owed. Numbered from the one owed, a number
 * came round again once that was cleared.
 */
export const nextOutcomeOwed = (prev: { version: number }, owner: string, now: Date) => lease(prev.version + 1, owner, now);

/** One request gets a new confirmation link at most this often. */
export const LINK_EVERY_MINUTES = 10;

/** How long a confirmation link works, from the mail that carries it (the email says so). */
export const LINK_VALID_MS = 86_400_000;

/**
 * Confirmation links mailed to one inbox in any 24 hours, on top of its hourly share
 * (`LINKS_PER_EMAIL_PER_HOUR`): anyone can type anyone's address into the form, and strangers
 * submitting from many client addresses could otherwise have it mailed the hourly share every hour,
 * 120 links a day at 5 an hour. A real requester needs one or two; past it a link is put off, not
 * dropped, so one who asked still gets it once the share has room.
 */
export const LINKS_PER_EMAIL_PER_DAY = 10;

/**
 * An inbox's share of confirmation links, both windows taken in one use (core/rate-limit.ts): so many
 * in any hour, and LINKS_PER_EMAIL_PER_DAY in any 24 hours, never below the hour's, so that an
 * officer's resend, held to no hourly share (an infinite one), is held to no daily one either.
 */
export const linkWindows = (linksPerHour: number) => [
  { seconds: 3600, limit: linksPerHour },
  { seconds: 86_400, limit: Math.max(linksPerHour, LINKS_PER_EMAIL_PER_DAY) },
];

/** What a repeated submission does for an unverified request that has no link in flight. */
export function nextLink(linkAt: string | undefined, now: Date): { ok: true } | { ok: false; waitSeconds: number } {
  const next = (linkAt ? Date.parse(linkAt) : 0) + LINK_EVERY_MINUTES * 60_000;
  return next <= now.getTime() ? { ok: true } : { ok: false, waitSeconds: Math.ceil((next - now.getTime()) / 1000) };
}

/**
 * Intake's answer, in the request's language and, as `messages`, in both: the form keeps it on show
 * across a language switch, as it does the field-level issues.
 */
export type Accepted = { status: 'check_your_email'; message: string; messages: Record<Language, string> };

const answered = (lang: Language, messages: Record<Language, string>) => ({ status: 'check_your_email' as const, message: messages[lang], messages });

const LINK_MAILED = {
  fr: 'Merci. Si cette adresse est la vôtre, vous allez recevoir un e-mail avec un lien pour confirmer votre demande. Nous n’envoyons pas plus d’un lien toutes les 10 minutes à une même adresse, et quelques-uns par heure : s’il n’est pas arrivé dans l’heure, renvoyez ce formulaire.',
  en: 'Thank you. If this address is yours, you will receive an email with a link to confirm your request. We send one address at most one link every 10 minutes, and a few an hour: if none has arrived within the hour, send this form again.',
};

/**
 * The one answer intake gives, whoever the email belongs to and whatever is open for it: a link mailed
 * now, one mailed a moment ago, one put off past the hourly share, or none for a request confirmed already.
 * Anyone can type any address, so an answer that said which (a wait in minutes, "a link was sent a
 * moment ago") told a stranger that the address had a request open.
 */
export const ACCEPTED: Record<Language, Accepted> = { fr: answered('fr', LINK_MAILED), en: answered('en', LINK_MAILED) };
