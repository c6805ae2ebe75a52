import type { DynamoRepository } from '../adapters/repository.ts';
import type { StepFunctionsWorkflow } from '../adapters/workflow.ts';
import { addDays, clockStopped, daysUntil, londonDate } from '../core/deadline.ts';
import { NotFound } from '../core/errors.ts';
import { registry } from '../adapters/registry.ts';
import { deliveryHistory } from '../core/escalation.ts';
import type { Clock, StoredRequest, StoredTask } from '../core/ports.ts';
import { ESCALATED_TASK_STATUSES, isOpenRequest, OPEN_REQUEST_STATUSES, currentDue } from '../core/status.ts';
import { csvLines } from '../core/text.ts';

type Deps = { repo: DynamoRepository; clock: Clock };


/**
 * What the console lists: ids, dates and statuses; the email is never shown, only its hash exists here. A closed request has no
 * countdown, nor has one whose clock is stopped (Art. 12A): restarting it moves the deadline by the days it was stopped. One
 * stopped after its deadline had passed counts down, overdue: that stop moved nothing.
 */
export const summary = (r: StoredRequest, today: string) => ({
  id: r.id,
  type: r.type,
  status: r.status,
  language: r.language,
  receivedAt: r.receivedAt,
  dueDate: currentDue(r) ?? null,
  daysLeft: currentDue(r) && isOpenRequest(r.status) && !clockStopped(r) ? daysUntil(currentDue(r) as string, today) : null,
  closedAt: r.closedAt ?? null,
  extended: Boolean(r.extended),
  owner: r.owner ?? null,
  pausedSince: r.pausedSince ?? null,
  // Which email failed and when; the error's name only (never the address).
  mailFailed: r.mailFailed ?? null,
});

const processorName = (id: string) => registry.processors.find((p) => p.id === id)?.name ?? id;

/** A copy that could not be assembled, as the console shows it: when, why, the last retry; never the workflow's token. */
export const assemblyShown = (req: Pick<StoredRequest, 'assemblyFailed'>) => {
  if (!req.assemblyFailed) return null;
  const { token: _token, ...shown } = req.assemblyFailed;
  return shown;
};

/**
 * A task as an officer's action on it answers: as the request's detail shows it, without the token
 * the workflow waits on, the processors' signed receipts (their bodies hold the processor's own
 * words) or the outbox's bookkeeping.
 */
export const taskShown = ({ token: _token, receipts: _receipts, outboxToken: _owed, ...shown }: StoredTask) => shown;

/** An escalated task as the console shows it: why, how many deliveries, and the last one. */
const escalation = (t: StoredTask) => {
  const deliveries = deliveryHistory(t);
  return { reason: t.outcome?.reason ?? null, attempts: deliveries.length, last: deliveries.at(-1) ?? null };
};

export async function detail(id: string, deps: Deps, workflow: StepFunctionsWorkflow) {
  const req = await deps.repo.getRequest(id);
  if (!req) throw new NotFound('no such request');
  const today = londonDate(deps.clock.now());
  const [tasks, timeline] = await Promise.all([deps.repo.listTasks(id), workflow.timeline(id)]);
  return {
    request: { ...summary(req, today), verifiedAt: req.verifiedAt, details: { eraseWarranty: req.details.eraseWarranty, objections: req.details.objections, rectification: req.details.rectification, corrections: req.details.corrections }, extension: req.extended, notes: req.notes ?? [], exportRelease: req.exportRelease, agent: req.agent, assemblyFailed: assemblyShown(req) },
    tasks: tasks.map(({ token, receipts, ...t }) => ({ ...t, processorName: processorName(t.processorId), manual: registry.processors.find((p) => p.id === t.processorId)?.mode !== 'automated', deliveries: deliveryHistory(t), waiting: Boolean(token), receipts: Object.keys(receipts ?? {}).length })),
    // The request's chain and each task's chain, merged in time order for reading.
    audit: [...req.audit, ...tasks.flatMap((t) => t.audit)].sort((a, b) => a.at.localeCompare(b.at)),
    timeline,
  };
}

/** The statuses whose requests have a deadline running: an unconfirmed request's clock has not started. */
const RUNNING = OPEN_REQUEST_STATUSES.filter((s) => s !== 'unverified');

/**
 * The open requests due on or before `until`, overdue ones included, most overdue first. The status
 * index is ordered by deadline, so this is a key range read to its last page: it reads what is due
 * (and the stopped clocks among it), however many requests are open. A stopped clock (Art. 12A) is
 * neither due nor overdue: restarting it moves the deadline by the days it was stopped (one stopped
 * after its deadline had passed stopped nothing, and is overdue). A record
 * indexed under its original deadline though extended since (see the repository) is in the range
 * too, and judged here by the deadline it runs to now.
 */
async function dueBy(until: string, deps: Deps) {
  const due: { r: StoredRequest; d: string }[] = [];
  for (const status of RUNNING) {
    let cursor: string | undefined;
    do {
      const page = await deps.repo.listRequests({ status, dueBefore: until, cursor, limit: 500 });
      for (const r of page.items) {
        const d = currentDue(r);
        if (d && d <= until && !clockStopped(r)) due.push({ r, d });
      }
      cursor = page.cursor;
    } while (cursor);
  }
  return due.sort((a, b) => a.d.localeCompare(b.d) || a.r.id.localeCompare(b.r.id));
}

export async function dashboard(deps: Deps) {
  const today = londonDate(deps.clock.now());
  // Up to 500 a status are read: past that the tile says "at least" (500+), never a number nobody counted.
  const counts: Record<string, number | string> = {};
  const open: StoredRequest[] = [];
  const mailFailed: StoredRequest[] = [];
  for (const status of ['unverified', 'awaiting_review', 'verified', 'in_progress', 'awaiting_manual', 'completed', 'denied', 'cancelled', 'expired'] as const) {
    const page = await deps.repo.listRequests({ status, limit: 500 });
    counts[status] = page.cursor ? `${page.items.length}+` : page.items.length;
    if (OPEN_REQUEST_STATUSES.includes(status)) open.push(...page.items);
    mailFailed.push(...page.items.filter((r) => r.mailFailed));
  }
  // A closed request still owing its outcome or a notice is found through the owed index: among years of
  // closed requests it need not be in the 500 above, and its mark is the one that tells the team the requester was not told.
  const listed = new Set(mailFailed.map((r) => r.id));
  for (const kind of ['outcome', 'notice'] as const) {
    for (const { requestId } of await deps.repo.listOwed(kind)) {
      if (listed.has(requestId)) continue;
      listed.add(requestId);
      const r = await deps.repo.getRequest(requestId);
      if (r?.mailFailed) mailFailed.push(r);
    }
  }
  // Every request due within the week or overdue, not only those among the 500 above.
  const due = await dueBy(addDays(today, 7), deps);
  const escalated = [];
  // Every processor has a row, open requests or not; the report has the figures over all tasks.
  const byProcessor = new Map<string, { open: number; failures: number; timeouts: number; callbackMs: number[] }>(registry.processors.map((p) => [p.id, { open: 0, failures: 0, timeouts: 0, callbackMs: [] }]));
  for (const r of open.filter((x) => x.status !== 'unverified')) {
    for (const t of await deps.repo.listTasks(r.id)) {
      const s = byProcessor.get(t.processorId) ?? { open: 0, failures: 0, timeouts: 0, callbackMs: [] };
      if (['pending', 'sent', 'in_progress'].includes(t.status)) s.open++;
      if (t.status === 'failed') s.failures++;
      if (t.status === 'timed_out') s.timeouts++;
      if (t.sentAt && t.finishedAt) s.callbackMs.push(Date.parse(t.finishedAt) - Date.parse(t.sentAt));
      byProcessor.set(t.processorId, s);
      if (ESCALATED_TASK_STATUSES.includes(t.status)) escalated.push({ requestId: r.id, processorId: t.processorId, processorName: processorName(t.processorId), category: t.category, status: t.status, ...escalation(t) });
    }
  }
  const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : null);
  return {
    counts,
    dueSoon: due.filter(({ d }) => d >= today).map(({ r }) => summary(r, today)),
    overdue: due.filter(({ d }) => d < today).map(({ r }) => summary(r, today)),
    escalated,
    mailFailed: mailFailed.map((r) => summary(r, today)),
    processors: [...byProcessor].map(([id, s]) => ({ id, name: processorName(id), open: s.open, failures: s.failures, timeouts: s.timeouts, medianCallbackMs: median(s.callbackMs) })),
  };
}

/** Every audit event between two dates (inclusive), ids and hashes only, through the status index. */
export async function auditCsv(from: string, to: string, deps: Deps) {
  const rows: unknown[][] = [['at', 'request', 'subject', 'actor', 'action', 'from', 'to', 'seq', 'prevHash', 'hash']];
  for (const status of ['unverified', 'awaiting_review', 'verified', 'in_progress', 'awaiting_manual', 'completed', 'denied', 'cancelled', 'expired'] as const) {
    let cursor: string | undefined;
    do {
      const page = await deps.repo.listRequests({ status, cursor, limit: 200 });
      for (const r of page.items) {
        const events = [...r.audit, ...(await deps.repo.listTasks(r.id)).flatMap((t) => t.audit)].filter((e) => e.at.slice(0, 10) >= from && e.at.slice(0, 10) <= to);
        for (const e of events) rows.push([e.at, r.id, e.subject, e.actor, e.action, e.from, e.to, e.seq, e.prevHash, e.hash]);
      }
      cursor = page.cursor;
    } while (cursor);
  }
  return csvLines(rows);
}
