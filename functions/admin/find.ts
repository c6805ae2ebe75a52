import type { DynamoRepository } from '../adapters/repository.ts';
import { registry } from '../adapters/registry.ts';
import { addDays, clockStopped, londonDate } from '../core/deadline.ts';
import { InvalidInput } from '../core/errors.ts';
import type { RequestStatus, RequestType } from '../core/model.ts';
import type { Clock, StoredRequest } from '../core/ports.ts';
import { reportRows, slaReport } from '../core/report.ts';
import { complaintsReceivedBetween } from './complaints.ts';
import { ALL_STATUSES, isOpenRequest, OPEN_REQUEST_STATUSES, currentDue } from '../core/status.ts';
import { csvLines } from '../core/text.ts';
import { emailHash, orderHash } from '../shared/crypto.ts';
import { withTasks } from '../shared/with-tasks.ts';
import { summary } from './views.ts';

type Deps = { repo: DynamoRepository; clock: Clock };

const CLOSED_STATUSES = ALL_STATUSES.filter((s) => !isOpenRequest(s));
const GROUPS: Record<string, readonly RequestStatus[]> = { open: OPEN_REQUEST_STATUSES, closed: CLOSED_STATUSES, all: ALL_STATUSES };

export type ListQuery = {
  /** One status, or a group: open (the default), closed, all. */
  status?: RequestStatus | 'open' | 'closed' | 'all';
  type?: RequestType;
  /** Deadline between these dates, both inclusive (the extended deadline where there is one). */
  dueAfter?: string;
  dueBefore?: string;
  overdue?: 'true' | 'false';
  /** A processor had a task in the request (with `escalated`, that task was escalated). */
  processor?: string;
  escalated?: 'true' | 'false';
  cursor?: string;
  limit?: number;
};

const badCursor = () => new InvalidInput('invalid query', [{ path: 'cursor', message: 'not a cursor from this list' }]);

/**
 * The page cursor walks the statuses in turn, each through the status index in deadline order:
 * which status it is at and the index's own cursor within it (checked again by the repository).
 */
function decodeCursor(cursor: string | undefined, statuses: readonly RequestStatus[]): { at: number; inner?: string } {
  if (!cursor) return { at: 0 };
  let c: unknown;
  try {
    c = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  if (!c || typeof c !== 'object' || Array.isArray(c)) throw badCursor();
  const { s, c: inner } = c as { s?: unknown; c?: unknown };
  const at = statuses.indexOf(s as RequestStatus);
  if (at < 0 || (inner !== undefined && typeof inner !== 'string')) throw badCursor();
  return { at, inner: inner as string | undefined };
}
const encodeCursor = (s: RequestStatus, inner?: string) => Buffer.from(JSON.stringify({ s, c: inner })).toString('base64url');

/**
 * The console's list: every request, closed ones included, filtered and a page at a time. Status,
 * type and the deadline are on the request record; whether a request was escalated is on its own
 * ledger; a processor's part needs that one task, read by key. Never a scan: the status index is
 * read a page at a time until the page is full, at most ten reads a call (the cursor carries on).
 */
export async function list(q: ListQuery, deps: Deps) {
  const today = londonDate(deps.clock.now());
  const statuses = q.status ? (GROUPS[q.status] ?? [q.status as RequestStatus]) : OPEN_REQUEST_STATUSES;
  const limit = q.limit ?? 50;
  const matches = async (r: StoredRequest) => {
    const d = currentDue(r);
    if (q.type && r.type !== q.type) return false;
    if ((q.dueAfter || q.dueBefore) && !d) return false;
    if (q.dueAfter && d && d < q.dueAfter) return false;
    if (q.dueBefore && d && d > q.dueBefore) return false;
    // A stopped clock (Art. 12A) is not late by its old deadline: restarting it moves the deadline by the days it was stopped. One stopped once it had run out is.
    const late = Boolean(isOpenRequest(r.status) && d && d < today && !clockStopped(r));
    if (q.overdue && late !== (q.overdue === 'true')) return false;
    if (q.processor) {
      const task = await deps.repo.getTask(r.id, q.processor);
      if (!task) return false;
      if (q.escalated && task.audit.some((e) => e.to === 'failed' || e.to === 'timed_out') !== (q.escalated === 'true')) return false;
    } else if (q.escalated && r.audit.some((e) => e.action === 'escalate') !== (q.escalated === 'true')) return false;
    return true;
  };
  let { at, inner } = decodeCursor(q.cursor, statuses);
  // By id: a request that moved to a status read later in this call (confirmed, then in progress once
  // Plan ran) is read twice, and shown once, as last read, in the place it was first found. Until
  // November 28, 2026 it was listed twice, once with each status.
  const items = new Map<string, StoredRequest>();
  for (let reads = 0; at < statuses.length && items.size < limit && reads < 10; reads++) {
    // The index is ordered by the current deadline, or by an earlier one (a record extended before the
    // index followed extensions), never a later one: it can stop at the upper bound; the exact test is `matches`.
    const upper = q.overdue === 'true' ? today : q.dueBefore;
    const page = await deps.repo.listRequests({ status: statuses[at], dueBefore: upper, cursor: inner, limit: limit - items.size });
    for (const r of page.items) if ((items.get(r.id)?.version ?? -1) < r.version && (await matches(r))) items.set(r.id, r);
    if (page.cursor) inner = page.cursor;
    else [at, inner] = [at + 1, undefined];
  }
  return { items: [...items.values()].map((r) => summary(r, today)), cursor: at < statuses.length ? encodeCursor(statuses[at], inner) : undefined };
}

/** An email address (found through its keyed HMAC), a request's reference, or an order number. */
export const looksLikeEmail = (q: string) => q.includes('@');
export const looksLikeOrder = (q: string) => /^[A-Za-z0-9-]{1,40}$/.test(q);
const looksLikeId = (q: string) => /^[0-9A-Za-z]{26}$/.test(q);

/**
 * Finds requests by what an officer has in hand. The address and the order number are never
 * stored or logged: they are turned into the same keyed HMAC intake stored, and looked up in its
 * index. A 26-character text may be a reference or an order number: both are tried.
 */
export async function search(text: string, deps: Deps) {
  const q = text.trim();
  const today = londonDate(deps.clock.now());
  const found = new Map<string, StoredRequest>();
  const add = (rs: (StoredRequest | undefined)[]) => {
    for (const r of rs) if (r) found.set(r.id, r);
  };
  if (looksLikeEmail(q)) add(await deps.repo.findRequests('byEmail', await emailHash(q)));
  else {
    if (looksLikeId(q)) add([await deps.repo.getRequest(q.toUpperCase())]);
    add(await deps.repo.findRequests('byOrder', await orderHash(q)));
  }
  return { by: looksLikeEmail(q) ? 'email' : 'reference or order number', items: [...found.values()].sort((a, b) => b.receivedAt.localeCompare(a.receivedAt)).map((r) => summary(r, today)) };
}

/**
 * Every request received between two London dates (inclusive), with its tasks: through the status
 * index, never a scan, from the day before `from` on. The index orders a request by its deadline (a
 * month after it was confirmed, or later), or by the UTC date it was received where it has none, the
 * London date or the day before: no request received in the range is keyed earlier.
 */
async function receivedBetween(from: string, to: string, deps: Deps) {
  const inRange = (r: StoredRequest) => londonDate(r.receivedAt) >= from && londonDate(r.receivedAt) <= to;
  const out = [];
  for await (const page of withTasks(deps.repo, ALL_STATUSES, inRange, addDays(from, -1))) out.push(...page);
  return out;
}

export async function report(from: string, to: string, deps: Deps) {
  const names = new Map(registry.processors.map((p) => [p.id, p.name]));
  return slaReport(from, to, londonDate(deps.clock.now()), await receivedBetween(from, to, deps), names, await complaintsReceivedBetween(from, to, deps));
}

export const reportCsv = async (from: string, to: string, deps: Deps) => csvLines(reportRows(await report(from, to, deps)));
