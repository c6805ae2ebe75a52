/**
 * One table for everything Lethe stores. The same definition creates the table in CDK (infra/)
 * and in the embedded DynamoDB (local/), so the two can never drift.
 *
 * Items (pk / sk):
 *   REQ#<id>      / REQUEST        the request: status, version, dates, hash of the email, its audit chain.
 *                                  No contact data and, once closed, no free text: it stays as the
 *                                  proof-of-compliance record, 6 years after closing (TTL).
 *                                  Its outbox (functions/core/outbox.ts): `outboxLink` and `outboxOutcome`,
 *                                  an email still to send, written in the same conditional write as the
 *                                  state change that owes it; `linkSeq` and `linkAt`, the last link;
 *                                  `outboxNotice`, an officer's notice (clarification, refusal, cancellation);
 *                                  `outboxTeam`, the team's email that the request waits for an officer;
 *                                  `outboxAlert`, the team's alert of a flag the sweeper raised (a reminder,
 *                                  overdue, a lost execution);
 *                                  `outboxRemake`, a held copy's package, gone, to make again (the sweeper's);
 *                                  `outboxStop`, the execution of a request refused or cancelled to stop;
 *                                  `purgeResults`, an access request refused or cancelled: its export
 *                                  results are to be deleted.
 *   REQ#<id>      / PII            email, name, order number, an agent's name and email; expires by TTL (7 days unverified,
 *                                  30 days after the request ends).
 *   REQ#<id>      / TASK#<proc>    one processor task: status, version, current task token, outcome,
 *                                  callback receipts and the task's own audit chain; TTL 7 years after the
 *                                  latest deadline the request can have.
 *   REQ#<id>      / RESULT#<proc>#<sha256 of the body>  an export callback's results and signed bytes
 *                                  (personal data), one item per callback; the task's winning write
 *                                  names the one it recorded (`resultsHash`); `writtenAt`, when put. TTL
 *                                  the download link's expiry once packaged, 120 days at most. One no
 *                                  task recorded is deleted by its callback once another writer finished
 *                                  the task, else by the sweeper once its task is finished or 15 minutes
 *                                  after `writtenAt`, and at completion. All of them once the request
 *                                  is refused or cancelled (`purgeResults`); a callback for a closed
 *                                  request keeps none. `RESULT#<proc>`: one per task, written before that.
 *   PROCESSOR#<id> / STATE         a processor endpoint disabled after a 410.
 *   RATE#<scope>#<hash> / SHARE    a limit over any window of its length (core/rate-limit.ts): the uses per
 *                                  part of the window (`s<part>`; the limit's and an hour's 61 at most, since
 *                                  the item is written anew with only the parts that still count once `n` reaches it),
 *                                  the uses written since they were last counted (`n`) and a version for the
 *                                  write that counts them (`v`); TTL a minute after its last use stops counting.
 *   RATE#<scope>#<hash> / ROLLING  a rolling-window counter: the instants of the uses still in the
 *                                  window (at most its limit), and a version for the conditional write.
 *   DEDUPE#<emailHash>#<type> / DEDUPE    the claim on that email and type: the request its submissions
 *                                  belong to. Intake's first write, conditional, so that of simultaneous
 *                                  submissions one creates the request and the others join it.
 *   LOGKEY#<sha256 of officer and key> / LOGKEY   an officer's Idempotency-Key on POST /admin/requests: the
 *                                  request id it reserves, the instant it was received, and a keyed hash (HMAC) of the body it came with,
 *                                  never the body. Written first, conditional, so that the form sent again
 *                                  answers (and finishes) that request, never a second one; TTL 24 hours.
 *   VERIFY#<tokenHash> / VERIFY      points a verification token (stored hashed) at its request, with its
 *                                  expiry (24 h) and its count of wrong passwords; TTL 30 days after that
 *                                  expiry, so that reopening a link whose request was confirmed says
 *                                  "already confirmed" (a link is spent once its request has `verifiedAt`).
 *   SUPPRESS#<hmac> / SUPPRESS     the suppression list, HMAC of the address: one attribute per use
 *                                  (marketing, reviews, profiling) with when it began; objections and erasures.
 *   CUSTOMER#<hmac> / CUSTOMER     the shop's customer directory (seeded locally; a real shop's API on AWS).
 *   SWEEPER       / ROTATION       where the sweeper's rotation over the open requests stopped: the status and
 *                                  the status index's page cursor its next run starts from.
 *   COMPLAINT#<id> / COMPLAINT     a complaint (DPA 2018 s.164A, functions/core/complaints.ts): its clock
 *                                  (received, acknowledge-by, acknowledged, responded), status, version, the
 *                                  request it is about if any, its own audit chain and, as personal data, the
 *                                  complainant's email, name and words. Its outbox: `outboxAck`, the
 *                                  acknowledgement email; `outboxAlert`, the team's email of a flag the sweeper
 *                                  raised on it not acknowledged (`flags`: reminder-7, reminder-2, overdue). TTL 2 years while open, 1 year after the response.
 *                                  gsi1pk = COMPLAINTS, gsi1sk = <receivedAt>#<id>: the console's list, newest first.
 *
 * GSI1 lists requests by status, ordered by due date: gsi1pk = STATUS#<status>,
 * gsi1sk = <deadline or received date>#<id>, the deadline being the extended one once extended (a
 * record extended before November 26, 2026 keeps its original one until its next write). The console
 * pages through it, and reads "due by a date" as a key range; nothing scans.
 * `owed` is sparse: a request is in it only while it owes an outcome email or an officer's notice
 * (owed = outcome | notice, owedAt = when the intent was recorded), the two emails the sweeper cannot
 * find by status (completed requests are never listed; a notice may close its request). The
 * attributes are written in the same conditional write as the intent and removed with it, so no
 * separate marker item is put or deleted. A request owing both (a notice still owed when it
 * completes) is listed under the one recorded last, and the write that clears or drops either lists
 * it under the other. Keys only: the sweeper reads each request by key.
 * `watch` is sparse too: what the sweeper and the dashboard find without reading every open
 * request (watch = partition, watchAt = its order; `watchOf` below). A task is in it while sent or
 * acknowledged (open#<processor>, by when it was sent, so that "past its timeout" is a key range),
 * escalated (failed or timed out: escalated, by when), and once answered (completed, not found,
 * retained: answered#<processor>, by when, read newest first for the dashboard's callback times);
 * a task waiting to be sent, or resolved by an officer, is in none, unless its resolution still owes
 * the waiting workflow state its token (token, until the token is sent). A manual processor's task
 * is in `team` while the team's email that it needs a person is owed (from the write that sends it,
 * by when it was sent, to the write that clears the email, which puts it where its status says);
 * so is a task whose escalation email the sweeper owes the team. A task an officer retried is in
 * `webhook` while its webhook is owed (from the retry's write to the one that clears it).
 * A request record is in it (request) from the write that records the team's email that it waits
 * for an officer, a sweeper's alert to the team (a reminder, overdue, a lost execution), a copy
 * that could not be assembled (whose retry's token the sweeper may owe), or a held copy's package to
 * make again (`outboxRemake`, from the officer's write to the sweeper's that records it), to the write that drops
 * the last of them, or to the sweeper's next run where an email went out (the outbox's bookkeeping
 * write cannot know whether the other remains). A request refused or cancelled that owes its
 * execution's stop (`outboxStop`) or, for a copy, its export results' deletion (`purgeResults`) is
 * in it (closed) from the closing write, which records both and moves it out of `request` (a closed
 * request owes no team email, and nothing waits on a retry of its copy), to the write that clears
 * the last of the two: each clearing write takes it out only when the other is not owed, so that
 * neither leaves the other unfound. The attributes are written in the same write as the status or
 * the intent, so no item write is added. Projected: the keys and `sentAt`. A task written before
 * the index (November 26, 2026) enters it at its next write, or when the sweeper's rotation visits
 * its request (`indexTasks`). The tasks of a request refused or cancelled leave it in the write that
 * marks them no longer waited for (`unwatchedAt`, unwatchTask): every later write of a marked task,
 * whatever its status, keeps it out of `open#` and `escalated` (watchOf), and one that read it before
 * the mark fails on its condition and reads it again. What a marked task still owes (a token, a team
 * email, a webhook) keeps it where the sweeper finds and drops it; an answer still goes in `answered#`.
 * Until November 28, 2026 a late failure put such a task in `escalated`, and an acknowledgement that
 * read the request just before its closing put it back in `open#<processor>`.
 * `failed` is sparse as well: a request record is in it (failed = mail, failedAt = when first marked)
 * exactly while it carries the "mail failed" mark (`mailFailed`), so that the dashboard lists every
 * marked request without reading every request. The attributes are set in the write that records
 * the mark and removed in the one that clears it: no item write is added. Keys only, so the index
 * is written as a request enters it and as it leaves it (one write unit each), and not when a mark
 * is recorded again over one (same keys). A mark recorded before November 26, 2026 enters it when
 * it is next recorded.
 * byEmail and byOrder find a request record by the keyed HMAC of its email address (`emailHash`) or
 * of the order number the requester typed (`orderHash`), newest first by `receivedAt`. Both project
 * the keys only: an index write happens when a request is created or deleted, not at each of its
 * status changes, and the console reads the few records it finds by key.
 *
 * Every state change is a single-item conditional write on (status, version): the embedded
 * DynamoDB has no transactions, and a write that loses a race must fail whole, not half-apply.
 */
export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'ttl',
  gsi1: { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  owed: { name: 'owed', partitionKey: 'owed', sortKey: 'owedAt' },
  watch: { name: 'watch', partitionKey: 'watch', sortKey: 'watchAt', include: ['sentAt'] },
  failed: { name: 'failed', partitionKey: 'failed', sortKey: 'failedAt' },
  byEmail: { name: 'byEmail', partitionKey: 'emailHash', sortKey: 'receivedAt' },
  byOrder: { name: 'byOrder', partitionKey: 'orderHash', sortKey: 'receivedAt' },
} as const;

export const key = {
  request: (id: string) => ({ pk: `REQ#${id}`, sk: 'REQUEST' }),
  pii: (id: string) => ({ pk: `REQ#${id}`, sk: 'PII' }),
  task: (requestId: string, processorId: string) => ({ pk: `REQ#${requestId}`, sk: `TASK#${processorId}` }),
  results: (k: { requestId: string; processorId: string; bodyHash?: string }) => ({ pk: `REQ#${k.requestId}`, sk: `RESULT#${k.processorId}${k.bodyHash ? `#${k.bodyHash}` : ''}` }),
  rate: (scope: string, hash: string) => ({ pk: `RATE#${scope}#${hash}`, sk: 'SHARE' }),
  rolling: (scope: string, hash: string) => ({ pk: `RATE#${scope}#${hash}`, sk: 'ROLLING' }),
  dedupe: (emailHash: string, type: string) => ({ pk: `DEDUPE#${emailHash}#${type}`, sk: 'DEDUPE' }),
  logKey: (keyHash: string) => ({ pk: `LOGKEY#${keyHash}`, sk: 'LOGKEY' }),
  verify: (tokenHash: string) => ({ pk: `VERIFY#${tokenHash}`, sk: 'VERIFY' }),
  suppress: (hmac: string) => ({ pk: `SUPPRESS#${hmac}`, sk: 'SUPPRESS' }),
  customer: (hmac: string) => ({ pk: `CUSTOMER#${hmac}`, sk: 'CUSTOMER' }),
  complaint: (id: string) => ({ pk: `COMPLAINT#${id}`, sk: 'COMPLAINT' }),
  /** Where the sweeper's rotation over the open requests stopped (functions/sweeper/sweep.ts). */
  rotation: () => ({ pk: 'SWEEPER', sk: 'ROTATION' }),
};

/** The partition of the `failed` index that holds the requests marked "mail failed". */
export const FAILED_MAIL = 'mail';

/** The statuses whose partitions (open#<processor>, escalated) say that someone waits for the task: a marked task (`unwatchedAt`) is in none of them. */
export const WAITED_FOR: readonly string[] = ['sent', 'in_progress', 'failed', 'timed_out'];

/** The partitions of the `watch` index. */
export const WATCH = {
  open: (processorId: string) => `open#${processorId}`,
  escalated: 'escalated',
  answered: (processorId: string) => `answered#${processorId}`,
  request: 'request',
  token: 'token',
  team: 'team',
  webhook: 'webhook',
  closed: 'closed',
} as const;

/**
 * A task's place in the `watch` index, from the status it is written with (`at`: the write's
 * time, for a task without the date its place is ordered by); none while it waits to be sent or
 * once an officer resolved it, except while that resolution's token is owed. What a task owes
 * comes before its status: the sweeper finds it there. A task nobody waits for any more
 * (`unwatchedAt`: its request was refused or cancelled) is in no partition of a status that asks
 * for someone (open, escalated), whatever it is written with; an answer is still counted.
 */
export function watchOf(
  t: { status: string; processorId: string; sentAt?: string; finishedAt?: string; outboxToken?: { at: string }; outboxTeam?: object; outboxWebhook?: object; unwatchedAt?: string },
  at: string,
): { watch: string; watchAt: string } | undefined {
  if (t.outboxToken) return { watch: WATCH.token, watchAt: t.outboxToken.at };
  if (t.outboxTeam) return { watch: WATCH.team, watchAt: t.sentAt ?? at };
  if (t.outboxWebhook) return { watch: WATCH.webhook, watchAt: t.sentAt ?? at };
  if (t.unwatchedAt && WAITED_FOR.includes(t.status)) return undefined;
  if (t.status === 'sent' || t.status === 'in_progress') return { watch: WATCH.open(t.processorId), watchAt: t.sentAt ?? at };
  if (t.status === 'failed' || t.status === 'timed_out') return { watch: WATCH.escalated, watchAt: t.finishedAt ?? at };
  if (t.status === 'completed' || t.status === 'not_found' || t.status === 'retained') return { watch: WATCH.answered(t.processorId), watchAt: t.finishedAt ?? at };
  return undefined;
}

/**
 * DynamoDB deletes an item whose `ttl` has passed only lazily, up to about two days later, and until
 * then every read still returns it. Whatever expires (an unverified request, personal data, a
 * claim, export results) is therefore treated as gone from `ttl < now` on, by every read; and
 * contact data past its end is given no later one (setPiiExpiry), which would bring it back.
 */
export const expired = (item: Record<string, unknown> | undefined, now: Date) => typeof item?.ttl === 'number' && item.ttl < Math.floor(now.getTime() / 1000);
