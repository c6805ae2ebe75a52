/**
 * What requests and tasks still owe, found through the `watch` index (adapters/table.ts) rather
 * than by reading every open request: the index lists the requests that record a team email, an
 * alert to the team a run left owed, a failed copy, a held copy's package to make again, a released
 * copy's completion, a closed request's execution to stop or a closed
 * copy's results to delete, the tasks that record a token owed, the tasks an officer retried whose
 * webhook is owed, and the tasks whose team email is owed (a manual processor's, an escalation). A
 * delivery that fails is left for the next sweep; the others go on.
 */
import { WATCH } from '../adapters/table.ts';
import { MailFailed } from '../core/errors.ts';
import type { StoredRequest, StoredTask } from '../core/ports.ts';
import { unblockRequest } from '../shared/escalation.ts';
import { deliverManualTask } from '../shared/manual-task.ts';
import { deliverOwedRetry } from '../dispatch/retry.ts';
import { deliverAssemblyRetry, deliverOrLeave, deliverPurge, deliverStop, deliverTeam, deliverToken } from '../shared/outbox.ts';
import { completeRequest } from '../notify/complete.ts';
import { takeDelivery } from '../core/outbox.ts';
import { type Run, sendAlert } from './run.ts';

/**
 * A token an officer's action recorded as owed to the waiting workflow state and did not send, or
 * a closed request's execution it did not stop (it died, or Step Functions refused for a moment).
 */
function release(run: Run, what: string, send: () => Promise<boolean>, sent: string[], id: string) {
  return deliverOrLeave(
    run.report,
    what,
    async () => {
      if (await send()) sent.push(id);
    },
    'workflow release failed; the next sweep tries again',
  );
}

/**
 * The team's email a task owes (core/outbox.ts): a manual processor's task, or an escalation. Either
 * SES refuses is marked on its request and stays owed, as an alert; any other failure is left for
 * the next sweep, in the report's `failed`.
 */
export function tellTeam(run: Run, t: StoredTask) {
  return deliverOrLeave(run.report, `team:${t.taskId}`, async () => {
    const sent = await deliverManualTask(t, await run.deps.repo.getRequest(t.requestId), run.owner, run.now, run.deps).catch((e) => {
      if (!(e instanceof MailFailed)) throw e;
      return false;
    });
    if (sent) run.report.teamEmailsSent.push(t.taskId);
  });
}

/** A refused or cancelled copy's export results and package. */
function purge(run: Run, req: StoredRequest) {
  return deliverOrLeave(
    run.report,
    `results:${req.id}`,
    async () => {
      for (const s of await deliverPurge(req, run.now, run.deps)) run.report.droppedResults.push(`${s.requestId}.${s.processorId}`);
    },
    'export results or package of a closed request not deleted; the next sweep tries again',
  );
}

/** The team's email that a request waits for an officer. One SES refuses is marked on the request and stays owed; any other failure is left for the next sweep. */
export function tellTeamOf(run: Run, req: StoredRequest) {
  return deliverOrLeave(run.report, `team:${req.id}`, async () => {
    const sent = await deliverTeam(req, run.owner, run.now, run.deps).catch((e) => {
      if (!(e instanceof MailFailed)) throw e;
      return false;
    });
    if (sent) run.report.teamEmailsSent.push(req.id);
  });
}

/**
 * A held copy an officer released whose action died before the request completed: completed as the
 * release would have (Notify's code: the outcome email and its download link owed in the completing
 * write), once the click's lease is over, under the run's claim, so that two runs never both do it.
 */
function finishRelease(run: Run, req: StoredRequest) {
  return deliverOrLeave(
    run.report,
    `release:${req.id}`,
    async () => {
      const owed = req.outboxRelease;
      if (!owed || !(await takeDelivery(owed, run.owner, run.now, (next) => run.deps.repo.claimDelivery(req.id, 'outboxRelease', next, run.now)))) return;
      const done = await completeRequest(req.id, { ...run.deps, clock: { now: () => run.now } });
      if (done.status === 'completed') run.report.releasesCompleted.push(req.id);
    },
    'released copy not completed; the next sweep tries again',
  );
}

/**
 * What a request still owes: the team's email that it waits for an officer, left owed by verify,
 * Notify, Escalate or the sweeper (or dropped if it no longer waits), the token of an officer's retry
 * of the copy that may not have reached the AssemblyFailed state, and a held copy's package an officer
 * asked to be made again, which the run's last pass makes (remake.ts), and a released copy's
 * completion. An email SES refuses is marked
 * on the request; any other failure (DynamoDB refusing the claim) is left for the next sweep, as the others.
 */
export async function owing(run: Run, req: StoredRequest) {
  if (req.outboxTeam) await tellTeamOf(run, req);
  if (req.assemblyFailed?.retriedAt) await release(run, `assembly:${req.id}`, () => deliverAssemblyRetry(req, run.deps), run.report.assemblyRetriesSent, req.id);
  if (req.outboxRemake && !run.remakesOwed.has(req.id)) run.remakesOwed.set(req.id, req);
  if (req.outboxRelease) await finishRelease(run, req);
}

/** An index partition's requests by id, read a hundred at a time, consistently as one read each would be; undefined for one gone. */
async function watchedRequests(run: Run, partition: string) {
  const watched = await run.deps.repo.listWatch(partition);
  const found = await run.deps.repo.getRequests(watched.map((w) => w.requestId), { consistent: true });
  const byId = new Map(found.map((r) => [r.id, r]));
  return watched.map((w) => ({ id: w.requestId, req: byId.get(w.requestId) }));
}

/** The `request`, `token`, `webhook`, `team` and `closed` partitions, in that order. */
export async function sweepOwed(run: Run) {
  const { repo } = run.deps;
  // A request that owes nothing any more (its team email or alert went) leaves the index here.
  for (const { id, req } of await watchedRequests(run, WATCH.request)) {
    run.owingDone.add(id);
    // An alert a run raised and did not mail (it died, or SES refused): before this run raises others, from the same share.
    if (req?.outboxAlert && run.spend()) await sendAlert(run, req, run.report.alertsSent);
    if (req?.outboxTeam || req?.assemblyFailed || req?.outboxRemake || req?.outboxRelease) await owing(run, req);
    else if (!req?.outboxAlert) await repo.unwatchRequest(id);
  }
  for (const w of await repo.listWatch(WATCH.token)) {
    const t = w.processorId ? await repo.getTask(w.requestId, w.processorId) : undefined;
    if (!t?.outboxToken) continue;
    // An officer's resolution, or a processor's late answer, that died after its write: the request goes
    // back in progress before the workflow moves on, as the action or the callback would have done.
    const deliver = async () => {
      await unblockRequest(run.deps, t.requestId, { at: run.at, actor: 'sweeper' });
      return deliverToken(t, run.deps);
    };
    await release(run, `token:${t.taskId}`, deliver, run.report.tokensSent, t.taskId);
  }
  // An officer's retry whose action died before its webhook went: sent once the action's lease is
  // over, before the pass over stuck tasks, which does not time out a task still owed its webhook.
  for (const w of await repo.listWatch(WATCH.webhook)) {
    const t = w.processorId ? await repo.getTask(w.requestId, w.processorId) : undefined;
    if (!t?.outboxWebhook) continue;
    await deliverOrLeave(run.report, `webhook:${t.taskId}`, async () => {
      const r = await deliverOwedRetry(t, run.owner, run.now, { ...run.deps, clock: { now: () => run.now } });
      if (r.sent) run.report.retriesSent.push(t.taskId);
      // Refused, the task waits for an officer again: the team is told, as Escalate tells them.
      if (r.refused) await tellTeam(run, r.refused);
    });
  }
  // A manual processor's task whose Dispatch died before the team's email went, or failed to mail it;
  // or an escalation email of a retried task a run recorded and did not mail.
  for (const w of await repo.listWatch(WATCH.team)) {
    const t = w.processorId ? await repo.getTask(w.requestId, w.processorId) : undefined;
    if (t?.outboxTeam) await tellTeam(run, t);
  }
  // What requests refused or cancelled still owe, which the officer's action did not do: their execution's
  // stop (nothing else ends one waiting on a processor or an officer) and a copy's export results'
  // deletion (whatever the action left, or a callback that had found the request open wrote since).
  // The stop goes first: the results' deletion may take the request out of the index, never while a stop is owed.
  for (const { id, req } of await watchedRequests(run, WATCH.closed)) {
    if (req?.outboxStop) await release(run, `stop:${req.id}`, () => deliverStop(req, run.deps), run.report.executionsStopped, req.id);
    if (req?.purgeResults) await purge(run, req);
    // Both cleared, in two writes, by two runs that each found the other still owed: nothing is left to do.
    if (!req?.outboxStop && !req?.purgeResults) await repo.unwatchRequest(id);
  }
}
