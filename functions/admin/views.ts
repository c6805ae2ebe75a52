import type { DynamoRepository } from '../adapters/repository.ts';
import { WATCH } from '../adapters/table.ts';
import type { StepFunctionsWorkflow } from '../adapters/workflow.ts';
import { addDays, clockStopped, daysUntil, londonDate } from '../core/deadline.ts';
import { sha256 } from '../core/audit.ts';
import { NotFound } from '../core/errors.ts';
import { questionOwed } from '../core/outbox.ts';
import { registry } from '../adapters/registry.ts';
import { deliveryHistory } from '../core/escalation.ts';
import type { Clock, StoredRequest, StoredTask } from '../core/ports.ts';
import { ALL_STATUSES, DEADLINE_STATUSES, ESCALATED_TASK_STATUSES, isOpenRequest, currentDue } from '../core/status.ts';
import { closedLate } from '../core/report.ts';
import { heldCopy, packageKeptUntil, releasableCopy } from '../core/completion.ts';
import { csvLines } from '../core/text.ts';
import { dueBy } from '../shared/due.ts';
import { withTasks } from '../shared/with-tasks.ts';

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
  // A refusal or a completion after the deadline: the report counts it late, and the console says so where it shows it.
  closedLate: closedLate(r),
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
 * A request as an officer's action answers it: the record without the workflow's token, the keyed
 * hashes, the counters or the intents the outbox keeps on it for itself, as taskShown leaves them
 * off a task. Until November 29, 2026 the actions answered the whole record.
 */
export const requestShown = <T extends StoredRequest>(r: T): T => {
  const shown = Object.fromEntries(Object.entries(r).filter(([k]) => !/^outbox|Hash$|Seq$|^purgeResults$/.test(k))) as T;
  if (r.assemblyFailed) shown.assemblyFailed = assemblyShown(r) as T['assemblyFailed'];
  return shown;
};

/**
 * A held copy's package as the console shows it: until when it is kept, whether it is kept long
 * enough to release, a remake asked (when, by whom) that the sweeper has not made yet, and the last
 * one it gave up (when, why, after how many tries, which providers, the ask) until an officer asks
 * again. Null once released (nothing is held), as for a copy never held.
 */
export const heldPackageShown = (req: StoredRequest, now: Date) => {
  if (!heldCopy(req) || req.exportRelease?.releasedAt) return null;
  const keptUntil = packageKeptUntil(req);
  return {
    keptUntil: keptUntil === undefined ? null : new Date(keptUntil).toISOString(),
    releasable: releasableCopy(req, now),
    remake: req.outboxRemake ? { at: req.outboxRemake.at, by: req.outboxRemake.by } : null,
    remakeFailed: req.remakeFailed ?? null,
  };
};

/**
 * A task as the admin API answers it (the request's detail, an officer's action on it): without the
 * token the workflow waits on, the processors' signed receipts (their bodies hold the processor's own
 * words), or what the outbox, the watch index and the results keep on it for themselves (the intents
 * still owed, the mark that nobody waits for it any more, its results' key), which say nothing an
 * officer reads and would become part of the API's answer if shown.
 */
export const taskShown = ({
  token: _token,
  receipts: _receipts,
  outboxToken: _owedToken,
  outboxTeam: _owedTeam,
  outboxWebhook: _owedWebhook,
  unwatchedAt: _unwatched,
  resultsHash: _resultsHash,
  hasResults: _hasResults,
  ...shown
}: StoredTask) => shown;

/** An escalated task as the console shows it: why, how many deliveries, and the last one. */
const escalation = (t: StoredTask) => {
  const deliveries = deliveryHistory(t);
  return { reason: t.outcome?.reason ?? null, attempts: deliveries.length, last: deliveries.at(-1) ?? null };
};

/**
 * The question a stopped clock waits on (Art. 12A): in the notice until it is mailed, then with the
 * contact data, and gone with it. The trail has only its hash: a text that is not the last pause's
 * question (one asked before the clock restarted) is not shown as it. Null while no clock is stopped.
 */
async function clarificationAsked(req: StoredRequest, repo: Deps['repo']) {
  if (!req.pausedSince || !isOpenRequest(req.status)) return null;
  const hashed = req.audit.filter((e) => e.action === 'pause').at(-1)?.data?.neededSha256;
  if (!hashed) return null;
  const asks = (q: string | undefined): q is string => q !== undefined && sha256(q) === hashed;
  const owed = questionOwed(req.outboxNotice);
  if (asks(owed)) return owed;
  const kept = (await repo.getPii(req.id))?.clarification;
  return asks(kept) ? kept : null;
}

export async function detail(id: string, deps: Deps, workflow: StepFunctionsWorkflow) {
  const req = await deps.repo.getRequest(id);
  if (!req) throw new NotFound('no such request');
  const today = londonDate(deps.clock.now());
  const [tasks, timeline, clarification] = await Promise.all([deps.repo.listTasks(id), workflow.timeline(id), clarificationAsked(req, deps.repo)]);
  return {
    request: { ...summary(req, today), clarification, verifiedAt: req.verifiedAt, details: { eraseWarranty: req.details.eraseWarranty, objections: req.details.objections, rectification: req.details.rectification, corrections: req.details.corrections }, extension: req.extended, restrictionLift: req.restrictionLift, notes: req.notes ?? [], exportRelease: req.exportRelease, heldPackage: heldPackageShown(req, deps.clock.now()), agent: req.agent, assemblyFailed: assemblyShown(req) },
    tasks: tasks.map((t) => {
      const p = registry.processors.find((r) => r.id === t.processorId);
      // A processor taken out of the registry is settled by hand, as a manual one is (no Retry), but its deliveries were real webhooks.
      return { ...taskShown(t), processorName: processorName(t.processorId), manual: p?.mode !== 'automated', removed: !p, deliveries: deliveryHistory(t), waiting: Boolean(t.token), receipts: Object.keys(t.receipts ?? {}).length };
    }),
    // The request's chain and each task's chain, merged in time order for reading.
    audit: [...req.audit, ...tasks.flatMap((t) => t.audit)].sort((a, b) => a.at.localeCompare(b.at)),
    timeline,
  };
}

/**
 * The open requests due on or before `until`, overdue ones included, most overdue first: a key range
 * of the status index (shared/due.ts), so it reads what is due, however many requests are open. A
 * stopped clock (Art. 12A) is neither due nor overdue: restarting it moves the deadline by the days
 * it was stopped (one stopped after its deadline had passed stopped nothing, and is overdue). A record
 * indexed under its original deadline though extended since is judged here by the deadline it runs to now.
 */
async function due(until: string, deps: Deps) {
  const found: { r: StoredRequest; d: string }[] = [];
  for await (const r of dueBy(until, deps.repo)) {
    const d = currentDue(r);
    if (d && d <= until && !clockStopped(r)) found.push({ r, d });
  }
  return found.sort((a, b) => a.d.localeCompare(b.d) || a.r.id.localeCompare(b.r.id));
}

/** Each processor's callback time is the median over its latest answers, this many (the `watch` index, newest first). */
export const RECENT_ANSWERS = 200;

export async function dashboard(deps: Deps) {
  const today = londonDate(deps.clock.now());
  // Up to 500 a status are read: past that the tile says "at least" (500+), never a number nobody counted.
  const counts: Record<string, number | string> = {};
  const mailFailed: StoredRequest[] = [];
  for (const status of ['unverified', 'awaiting_review', 'verified', 'in_progress', 'awaiting_manual', 'completed', 'denied', 'cancelled', 'expired'] as const) {
    const page = await deps.repo.listRequests({ status, limit: 500 });
    counts[status] = page.cursor ? `${page.items.length}+` : page.items.length;
    mailFailed.push(...page.items.filter((r) => r.mailFailed));
  }
  // Every other marked request, however many share its status: the `failed` index holds each from the write
  // that records its mark to the one that clears it. A mark recorded before that index is found among the 500
  // above, or, on a request still owing its outcome or a notice, through the owed index. Read by key, a hundred a read.
  const listed = new Set(mailFailed.map((r) => r.id));
  const [marked, outcomes, notices] = await Promise.all([deps.repo.listMailFailed(), deps.repo.listOwed('outcome'), deps.repo.listOwed('notice')]);
  const more = [...new Set([...marked, ...[...outcomes, ...notices].map((o) => o.requestId)])].filter((id) => !listed.has(id));
  const found = new Map((await deps.repo.getRequests(more)).map((r) => [r.id, r]));
  // The index lags its table a moment: a mark cleared since is not listed.
  for (const id of more) if (found.get(id)?.mailFailed) mailFailed.push(found.get(id) as StoredRequest);
  // Every request due within the week or overdue, not only those among the 500 above.
  const within = await due(addDays(today, 7), deps);
  // Every escalated task of an open request, from the watch index, not only those of the 500 above. A task
  // whose escalation email is still owed to the team is in the `team` partition until it goes (with the
  // manual processors' tasks out), and is escalated all the same: both are read, longest waiting first.
  const waiting = (await Promise.all([deps.repo.listWatch(WATCH.escalated), deps.repo.listWatch(WATCH.team)])).flat();
  // Keyed by task: one index read a moment apart from the other may hold a task in both (BatchGetItem refuses a key twice).
  const since = new Map(waiting.flatMap((w) => (w.processorId ? [[`${w.requestId}.${w.processorId}`, { requestId: w.requestId, processorId: w.processorId, at: w.at }] as const] : [])));
  const refs = [...since.values()].map(({ requestId, processorId }) => ({ requestId, processorId }));
  const [tasks, requests] = await Promise.all([deps.repo.getTasks(refs), deps.repo.getRequests(refs.map((r) => r.requestId))]);
  // A request refused or cancelled has nobody waiting for its tasks (their entries go as it closes).
  const openIds = new Set(requests.filter((r) => DEADLINE_STATUSES.includes(r.status)).map((r) => r.id));
  // The index lags its table a moment: a task retried or resolved since is no longer escalated.
  const escalatedTasks = tasks
    .filter((t) => openIds.has(t.requestId) && ESCALATED_TASK_STATUSES.includes(t.status))
    .map((t) => ({ t, at: t.finishedAt ?? since.get(`${t.requestId}.${t.processorId}`)?.at ?? '' }))
    .sort((a, b) => a.at.localeCompare(b.at))
    .map(({ t }) => t);
  // A manual processor's task handed to the team is out as much while its email to the team is owed (in `team`, not `open#`).
  const outToTeam = tasks.filter((t) => openIds.has(t.requestId) && (t.status === 'sent' || t.status === 'in_progress'));
  const escalated = escalatedTasks.map((t) => ({ requestId: t.requestId, processorId: t.processorId, processorName: processorName(t.processorId), category: t.category, status: t.status, ...escalation(t) }));
  // Every processor in the registry has a row, open tasks or not (and one no longer in it, while a task of its waits); the report has the figures over all tasks.
  const ids = [...new Set([...registry.processors.map((p) => p.id), ...escalatedTasks.map((t) => t.processorId)])];
  const processors = await Promise.all(
    ids.map(async (id) => {
      // In flight: sent and not yet answered; answered: the latest, newest first, with when each was sent.
      const [inFlight, answered] = await Promise.all([deps.repo.listWatch(WATCH.open(id)), deps.repo.listWatch(WATCH.answered(id), { newest: RECENT_ANSWERS })]);
      const mine = escalatedTasks.filter((t) => t.processorId === id);
      // Keyed by request: one index read a moment apart from the other may hold a task in both.
      const open = new Set([...inFlight.map((w) => w.requestId), ...outToTeam.filter((t) => t.processorId === id).map((t) => t.requestId)]);
      return {
        id,
        name: processorName(id),
        open: open.size,
        failures: mine.filter((t) => t.status === 'failed').length,
        timeouts: mine.filter((t) => t.status === 'timed_out').length,
        medianCallbackMs: median(answered.flatMap((a) => (a.sentAt ? [Date.parse(a.at) - Date.parse(a.sentAt)] : []))),
      };
    }),
  );
  return {
    counts,
    dueSoon: within.filter(({ d }) => d >= today).map(({ r }) => summary(r, today)),
    overdue: within.filter(({ d }) => d < today).map(({ r }) => summary(r, today)),
    escalated,
    mailFailed: mailFailed.map((r) => summary(r, today)),
    processors,
  };
}

const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : null);

/**
 * Every audit event between two dates (inclusive), ids and hashes only, through the status index.
 * Every request is read, however old: an officer's note, a download or a late callback can come years
 * after it closed. A request received after the range has no event in it, so its tasks are not read.
 */
export async function auditCsv(from: string, to: string, deps: Deps) {
  const rows: unknown[][] = [['at', 'request', 'subject', 'actor', 'action', 'from', 'to', 'seq', 'prevHash', 'hash']];
  // The dates are London's, as the SLA report's: an event at 00:30 in summer is still yesterday in UTC.
  const inRange = (at: string) => {
    const d = londonDate(at);
    return d >= from && d <= to;
  };
  for await (const page of withTasks(deps.repo, ALL_STATUSES, (r) => londonDate(r.receivedAt) <= to)) {
    for (const { request: r, tasks } of page) {
      const events = [...r.audit, ...tasks.flatMap((t) => t.audit)].filter((e) => inRange(e.at));
      for (const e of events) rows.push([e.at, r.id, e.subject, e.actor, e.action, e.from, e.to, e.seq, e.prevHash, e.hash]);
    }
  }
  return csvLines(rows);
}
