/**
 * Executions that failed, timed out or were stopped while their request is still open: Step
 * Functions' own list of them, read once a run. The request is flagged, and the team told, once. (A
 * verified request without an execution is owed one, which the outbox pass starts; a running
 * request's missing execution cannot be listed, and the rotation looks for it.)
 */
import { DEADLINE_STATUSES } from '../core/status.ts';
import { type Flagged, raced, raise, type Run } from './run.ts';

export const ENDED_BADLY = ['FAILED', 'ABORTED', 'TIMED_OUT'];

/** Flags a request whose execution ended badly or is missing, once; false when this run has no alert left for it. */
export async function lost(run: Run, req: Flagged, execution: string) {
  const { report } = run;
  if (!report.lostExecutions.includes(req.id)) report.lostExecutions.push(req.id);
  if (req.flags?.includes('execution-lost')) return true;
  if (!run.spend()) return false;
  await raise(run, req, { alert: 'execution-lost', execution });
  return true;
}

export async function sweepEndedExecutions(run: Run) {
  const ended = await run.deps.workflow.unsuccessful();
  const endedAs = new Map(ended.map((e) => [e.requestId, e.status]));
  for (const req of await run.deps.repo.getRequests([...endedAs.keys()], { consistent: true })) {
    if (DEADLINE_STATUSES.includes(req.status)) await lost(run, req, endedAs.get(req.id) as string).catch(raced);
  }
}
