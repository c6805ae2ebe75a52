import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { currentDue, DEADLINE_STATUSES } from '../core/status.ts';
import { config } from '../adapters/config.ts';
import { registry } from '../adapters/registry.ts';
import type { DynamoRepository } from '../adapters/repository.ts';
import { key, WATCH } from '../adapters/table.ts';
import type { StepFunctionsWorkflow } from '../adapters/workflow.ts';
import { addDays, clockStopped, daysUntil, londonDate } from '../core/deadline.ts';
import { ConcurrentUpdate, InvalidInput, MailFailed } from '../core/errors.ts';
import { droppableResults } from '../core/export-results.ts';
import type { ProcessorEntry } from '../core/model.ts';
import type { Mailer, StoredRequest } from '../core/ports.ts';
import { dueBy } from '../shared/due.ts';
import { sendTracked } from '../shared/mail.ts';
import { deliverAssemblyRetry, deliverPurge, deliverStop, deliverTeam, deliverToken, sweepOutbox, type SweepOutboxDeps } from '../shared/outbox.ts';
import { SWEEPER_OWNER } from '../core/outbox.ts';
import { metrics } from '../shared/metrics.ts';
import { logger } from '../shared/powertools.ts';

export type SweepDeps = SweepOutboxDeps & { repo: DynamoRepository; mailer: Mailer; workflow: StepFunctionsWorkflow };

const REMINDER_DAYS = [7, 2] as const;

/**
 * What one run does at most. The function has 120 s (infra/constructs/functions.ts) and runs every
 * 15 minutes; a run that met more (a thousand requests falling due on one day, a processor's outage
 * leaving thousands of tasks stuck) would be cut off mid-way and start again from the same point.
 * So a run sends at most `alerts` emails to the team (each a write and an email, and SES may allow
 * only a few a second) and escalates at most `escalations` tasks (two reads and a write each), and
 * says in its report what it left (`left`); whatever is left is still unflagged, or still sent, and
 * found first by the next run. The rotation visits `visits` open requests a run and goes on from
 * there the next run.
 */
export const PER_RUN = { alerts: 100, escalations: 200, visits: 200 } as const;
/** The rotation's page: where a run stops inside one, the next run visits the whole page again. */
const VISIT_PAGE = 25;
/** The statuses the rotation goes round: those whose requests have tasks, an execution, or a team email to get. */
const ROTATION = ['awaiting_review', 'in_progress', 'awaiting_manual'] as const satisfies readonly StoredRequest['status'][];
const ENDED_BADLY = ['FAILED', 'ABORTED', 'TIMED_OUT'];

type Flagged = StoredRequest & { flags?: string[] };

/**
 * The scheduled safety net. `now` comes from the schedule's event, so a test moves the clock by
 * the event it sends, never by editing data. Each finding is recorded once, on the audit trail.
 *
 * Nothing here reads every open request each run: the deadlines are a key range of the status
 * index (what is due within 7 days or overdue), stuck tasks a key range of the `watch` index (sent
 * before their processor's timeout), what a request or a resolved task still owes (the team's
 * email, a token for the workflow, a closed request's execution to stop or a refused or cancelled
 * copy's export results to delete) its `request`, `token` and `closed` partitions, and failed
 * executions Step Functions' own list. A missing execution cannot be listed, and export results no task
 * recorded sit in their request's partition: the rotation looks for both, a few hundred open
 * requests a run, all of them in turn.
 */
export async function sweep(now: Date, deps: SweepDeps) {
  // Deadlines are London dates: between midnight and 1 a.m. in summer the UTC date is still yesterday.
  const today = londonDate(now);
  const at = now.toISOString();
  // First, whatever intake, verify or notify recorded as owed and did not deliver: links, executions, outcome emails.
  const outbox = await sweepOutbox(now, deps);
  const report = {
    overdue: [] as string[],
    reminders: [] as string[],
    escalatedTasks: [] as string[],
    lostExecutions: [] as string[],
    teamEmailsSent: [] as string[],
    droppedResults: [] as string[],
    tokensSent: [] as string[],
    assemblyRetriesSent: [] as string[],
    executionsStopped: [] as string[],
    /** What this run left for the next ones (see PER_RUN). */
    left: { alerts: 0, escalations: 0 },
    ...outbox,
  };
  let alerts = PER_RUN.alerts;
  const spend = () => {
    if (alerts > 0) {
      alerts--;
      return true;
    }
    report.left.alerts++;
    return false;
  };
  // The requests whose debts the pass over the watch index handled: the rotation need not again.
  const owingDone = new Set<string>();
  // A request the workflow moves at this very moment is looked at again on the next sweep.
  const raced = (e: unknown) => {
    if (!(e instanceof ConcurrentUpdate)) throw e;
  };

  /**
   * The team's reminders and alerts: one that cannot be mailed is marked on its request ("mail
   * failed", in the console), counted for the MailFailed alarm, and the sweep goes on to the others.
   */
  async function alert(req: StoredRequest, msg: { subject: string; text: string }) {
    await sendTracked(req, 'reminder', { to: config.COMPLIANCE_EMAIL, kind: 'compliance', ...msg }, now, deps).catch((e) => {
      if (!(e instanceof MailFailed)) throw e;
    });
  }

  /**
   * A token an officer's action recorded as owed to the waiting workflow state and did not send, or
   * a closed request's execution it did not stop (it died, or Step Functions refused for a moment).
   * One that fails is logged and left for the next sweep; the rest of the sweep goes on.
   */
  async function owed(what: string, send: () => Promise<boolean>, sent: string[], id: string) {
    try {
      if (await send()) sent.push(id);
    } catch (e) {
      report.failed.push(what);
      logger.error('workflow release failed; the next sweep tries again', { what, error: (e as Error).name });
    }
  }

  /**
   * What a request still owes: the team's email that it waits for an officer, left owed by verify,
   * Notify or Escalate (or dropped if it no longer waits), and the token of an officer's retry of the
   * copy that may not have reached the AssemblyFailed state.
   */
  async function owing(req: StoredRequest) {
    if (req.outboxTeam) {
      const sent = await deliverTeam(req, SWEEPER_OWNER, now, deps).catch((e) => {
        if (!(e instanceof MailFailed)) throw e;
        return false;
      });
      if (sent) report.teamEmailsSent.push(req.id);
    }
    if (req.assemblyFailed?.retriedAt) await owed(`assembly:${req.id}`, () => deliverAssemblyRetry(req, deps), report.assemblyRetriesSent, req.id);
  }

  /** A refused or cancelled copy's export results; a failure is logged and left for the next sweep. */
  async function purge(req: StoredRequest) {
    try {
      for (const s of await deliverPurge(req, now, deps)) report.droppedResults.push(`${s.requestId}.${s.processorId}`);
    } catch (e) {
      report.failed.push(`results:${req.id}`);
      logger.error('export results of a closed request not deleted; the next sweep tries again', { requestId: req.id, error: (e as Error).name });
    }
  }

  async function deadline(req: Flagged) {
    // A stopped clock (Art. 12A) has no deadline running: restarting it moves the deadline by the days it was stopped. One stopped once it had run out is late.
    const d = clockStopped(req) ? undefined : currentDue(req);
    if (!d) return;
    const left = daysUntil(d, today);
    if (left < 0) report.overdue.push(req.id);
    const flags = new Set(req.flags ?? []);
    for (const n of REMINDER_DAYS) {
      const flag = left < 0 ? 'overdue' : `reminder-${n}`;
      if ((left <= n || left < 0) && !flags.has(flag)) {
        if (!spend()) return;
        flags.add(flag);
        const done = await deps.repo.transitionRequest(req, req.status, { flags: [...flags] }, { at, actor: 'sweeper', action: flag, subject: req.id, data: { dueDate: d, daysLeft: left } });
        await alert(done, { subject: left < 0 ? `OVERDUE: request ${req.id} was due ${d}` : `Due in ${left} days: request ${req.id}`, text: `Request ${req.id} (${req.type}) is due ${d}.\n${config.PUBLIC_BASE_URL}/console.html#/requests/${req.id}` });
        report.reminders.push(`${req.id}:${flag}`);
        return;
      }
    }
  }

  /** Flags a request whose execution ended badly or is missing, once; false when this run has no alert left for it. */
  async function lost(req: Flagged, execution: string) {
    if (!report.lostExecutions.includes(req.id)) report.lostExecutions.push(req.id);
    const flags = new Set(req.flags ?? []);
    if (flags.has('execution-lost')) return true;
    if (!spend()) return false;
    flags.add('execution-lost');
    await deps.repo.transitionRequest(req, req.status, { flags: [...flags] }, { at, actor: 'sweeper', action: 'execution-lost', subject: req.id, data: { execution } });
    const shown = execution === 'missing' ? 'is missing' : execution.toLowerCase();
    await alert(req, { subject: `Request ${req.id}: its workflow ${shown}`, text: `Request ${req.id} is ${req.status} but its execution is ${execution}. Check it in the console.` });
    return true;
  }

  // A task past its timeout with nobody waiting on it: an event was lost. Escalate it anyway.
  async function stuck(p: ProcessorEntry, requestId: string) {
    const [t, req] = await Promise.all([deps.repo.getTask(requestId, p.id), deps.repo.getRequest(requestId)]);
    // The index lags its table a moment: a task answered since is no longer stuck.
    if (!t || !['sent', 'in_progress'].includes(t.status) || !t.sentAt || Date.parse(t.sentAt) + p.timeoutSeconds * 1000 >= now.getTime()) return;
    // A request refused or cancelled while the task was out (and whose cleanup did not happen): nobody waits for it.
    if (!req || !DEADLINE_STATUSES.includes(req.status)) return deps.repo.unwatchTask(requestId, p.id);
    // A callback landing at this very moment wins; the next sweep looks again.
    const escalated = await deps.repo
      .transitionTask(t, 'timed_out', { finishedAt: at, outcome: { request_status: 'timed_out', reason: 'sweeper: past timeout' } }, { at, actor: 'sweeper', action: 'time_out', subject: t.taskId, from: t.status, to: 'timed_out' })
      .catch(raced);
    if (escalated) report.escalatedTasks.push(t.taskId);
  }

  /**
   * One open request in the rotation: its tasks written before the watch index are put in it, what
   * it owed from before the index is delivered, export results no task recorded are deleted (their
   * callback died before its task write and was never sent again: they go within a round of the
   * rotation of the 15 minutes, not at their 120-day expiry), and an execution that vanished is
   * reported (a running request's execution missing: lost after a restore, or, under `npm start`, a
   * damaged execution file). False when the run has no alert left for it: the rotation stops there.
   */
  async function visit(req: StoredRequest) {
    await deps.repo.indexTasks(req.id);
    if (!owingDone.has(req.id)) await owing(req);
    if (req.type === 'access') {
      for (const s of droppableResults(await deps.repo.listTaskResults(req.id), await deps.repo.listTasks(req.id), now)) {
        if (await deps.repo.deleteTaskResults(s)) report.droppedResults.push(`${s.requestId}.${s.processorId}`);
      }
    }
    // A request waiting for review has no execution yet, by design.
    if (req.status !== 'in_progress' && req.status !== 'awaiting_manual') return true;
    const ex = await deps.workflow.describe(req.id);
    if (ex && !ENDED_BADLY.includes(String(ex.status))) return true;
    // The rotation reads the index, which lags: decide on the record itself.
    const fresh = await deps.repo.getRequest(req.id);
    if (fresh?.status !== 'in_progress' && fresh?.status !== 'awaiting_manual') return true;
    return lost(fresh, ex ? String(ex.status) : 'missing').catch((e) => {
      raced(e);
      return true;
    });
  }

  /**
   * Goes round the open requests, `PER_RUN.visits` a run, from where the last run stopped (kept in
   * the table), status by status in the status index's order; a run that completes the round stops
   * there, and the next one starts a new round. Each open request is visited once a round; one whose
   * deadline moves across the point reached may wait for the next round.
   */
  async function rotate() {
    const saved = await deps.repo.getItem(key.rotation());
    let i = Math.max(0, ROTATION.indexOf(saved?.status as (typeof ROTATION)[number]));
    let cursor = typeof saved?.cursor === 'string' ? saved.cursor : undefined;
    for (let visits = 0; visits < PER_RUN.visits; ) {
      const page = await deps.repo.listRequests({ status: ROTATION[i], cursor, limit: Math.min(VISIT_PAGE, PER_RUN.visits - visits) }).catch((e) => {
        // A cursor the index no longer takes (its key layout changed): the round starts again.
        if (!(e instanceof InvalidInput)) throw e;
        return undefined;
      });
      if (!page) {
        [i, cursor] = [0, undefined];
        break;
      }
      let whole = true;
      for (const req of page.items) {
        visits++;
        if (!(await visit(req))) {
          whole = false;
          break;
        }
      }
      if (!whole) break;
      cursor = page.cursor;
      if (!cursor && ++i === ROTATION.length) {
        i = 0;
        break;
      }
    }
    // A round that fits in one run ends where it began: nothing to write (no saved place reads as the start).
    const savedCursor = typeof saved?.cursor === 'string' ? saved.cursor : undefined;
    if (ROTATION[i] === (saved?.status ?? ROTATION[0]) && cursor === savedCursor) return;
    await deps.repo.putItem({ ...key.rotation(), status: ROTATION[i], ...(cursor ? { cursor } : {}), at });
  }

  // What requests and resolved tasks still owe: the watch index lists the requests that record a team
  // email, a failed copy or a closed copy's results to delete, and the tasks that record a token
  // owed. A request that owes nothing any more (its team email went) leaves it here.
  for (const w of await deps.repo.listWatch(WATCH.request)) {
    const req = await deps.repo.getRequest(w.requestId);
    owingDone.add(w.requestId);
    if (req?.outboxTeam || req?.assemblyFailed) await owing(req);
    else await deps.repo.unwatchRequest(w.requestId);
  }
  for (const w of await deps.repo.listWatch(WATCH.token)) {
    const t = w.processorId ? await deps.repo.getTask(w.requestId, w.processorId) : undefined;
    if (t?.outboxToken) await owed(`token:${t.taskId}`, () => deliverToken(t, deps), report.tokensSent, t.taskId);
  }
  // What requests refused or cancelled still owe, which the officer's action did not do: their execution's
  // stop (nothing else ends one waiting on a processor or an officer) and a copy's export results'
  // deletion (whatever the action left, or a callback that had found the request open wrote since).
  // The stop goes first: the results' deletion may take the request out of the index, never while a stop is owed.
  for (const w of await deps.repo.listWatch(WATCH.closed)) {
    const req = await deps.repo.getRequest(w.requestId);
    if (req?.outboxStop) await owed(`stop:${req.id}`, () => deliverStop(req, deps), report.executionsStopped, req.id);
    if (req?.purgeResults) await purge(req);
    // Both cleared, in two writes, by two runs that each found the other still owed: nothing is left to do.
    if (!req?.outboxStop && !req?.purgeResults) await deps.repo.unwatchRequest(w.requestId);
  }
  // Reminders 7 and 2 days before a deadline, and overdue flags: only what is due within 7 days or overdue is read.
  for await (const req of dueBy(addDays(today, 7), deps.repo)) await deadline(req).catch(raced);
  // Stuck tasks: for each processor, the tasks it was sent longer ago than its timeout.
  let escalations = PER_RUN.escalations;
  for (const p of registry.processors) {
    for (const w of await deps.repo.listWatch(WATCH.open(p.id), { before: new Date(now.getTime() - p.timeoutSeconds * 1000).toISOString() })) {
      if (escalations-- <= 0) report.left.escalations++;
      else await stuck(p, w.requestId);
    }
  }
  // Executions that failed, timed out or were stopped while their request is still open. (A verified
  // request without an execution is owed one, which the outbox pass above started.)
  const ended = await deps.workflow.unsuccessful();
  const endedAs = new Map(ended.map((e) => [e.requestId, e.status]));
  for (const req of await deps.repo.getRequests([...endedAs.keys()], { consistent: true })) {
    if (DEADLINE_STATUSES.includes(req.status)) await lost(req, endedAs.get(req.id) as string).catch(raced);
  }
  await rotate();

  if (report.left.alerts || report.left.escalations) logger.warn('sweep left work for the next run', report.left);
  metrics.addMetric('OverdueRequests', MetricUnit.Count, report.overdue.length);
  metrics.addMetric('TasksTimedOut', MetricUnit.Count, report.escalatedTasks.length);
  metrics.publishStoredMetrics();
  return report;
}
