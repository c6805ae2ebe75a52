/**
 * Tasks past their processor's timeout with nobody waiting on them: an event was lost, so they are
 * escalated anyway. For each processor the `watch` index lists the tasks sent longer ago than its
 * timeout; a run escalates at most `PER_RUN.escalations` and leaves the rest to the next.
 */
import { registry } from '../adapters/registry.ts';
import type { ProcessorEntry } from '../core/model.ts';
import { DEADLINE_STATUSES } from '../core/status.ts';
import { WATCH } from '../adapters/table.ts';
import { escalateTask } from '../shared/escalation.ts';
import { claimLease } from '../core/outbox.ts';
import { tellTeam } from './owed.ts';
import { PER_RUN, raced, type Run } from './run.ts';

const REASON = 'sweeper: past timeout';

async function stuck(run: Run, p: ProcessorEntry, requestId: string) {
  const { deps, now, at } = run;
  const [t, req] = await Promise.all([deps.repo.getTask(requestId, p.id), deps.repo.getRequest(requestId)]);
  // The index lags its table a moment: a task answered since is no longer stuck.
  // A retry whose webhook is still owed has not reached its processor: the pass over what is owed sends it first.
  if (!t || !['sent', 'in_progress'].includes(t.status) || !t.sentAt || t.outboxWebhook || Date.parse(t.sentAt) + p.timeoutSeconds * 1000 >= now.getTime()) return;
  // A request refused or cancelled while the task was out (and whose cleanup did not happen): nobody waits for it.
  if (!req || !DEADLINE_STATUSES.includes(req.status)) return deps.repo.unwatchTask(requestId, p.id);
  // As Escalate does, the request goes to wait for an officer (the console and the dashboard show it;
  // a retried task nobody answered has no workflow timeout of its own to escalate it) before the task
  // is timed out (escalateTask): a run that dies between the two writes leaves the task stuck, and the
  // next run finishes (a request already waiting is left as it is). A task answered between the two
  // writes puts the request back in progress, and any write that loses a race to the workflow or a
  // callback landing at this very moment is looked at again on the next sweep.
  // A task an officer retried has its workflow's Escalate waiting already, which mailed the team for
  // the first time-out only: this one is owed its own email, recorded in the write that times it out
  // (once per retry), mailed from the run's share of team emails, or by a later run (owed.ts).
  const told = t.retries ? { outboxTeam: { ...claimLease(t.version + 1, run.owner, now), escalated: 'States.Timeout' } } : {};
  const escalated = await escalateTask(deps, t, { at, actor: 'sweeper', reason: REASON }, () =>
    deps.repo.transitionTask(t, 'timed_out', { finishedAt: at, outcome: { request_status: 'timed_out', reason: REASON }, ...told }, { at, actor: 'sweeper', action: 'time_out', subject: t.taskId, from: t.status, to: 'timed_out' }),
  ).catch(raced);
  if (escalated) run.report.escalatedTasks.push(t.taskId);
  if (escalated?.outboxTeam && run.spend()) await tellTeam(run, escalated);
}

export async function sweepStuckTasks(run: Run) {
  let escalations = PER_RUN.escalations;
  for (const p of registry.processors) {
    for (const w of await run.deps.repo.listWatch(WATCH.open(p.id), { before: new Date(run.now.getTime() - p.timeoutSeconds * 1000).toISOString() })) {
      if (escalations-- <= 0) run.report.left.escalations++;
      else await stuck(run, p, w.requestId);
    }
  }
}
