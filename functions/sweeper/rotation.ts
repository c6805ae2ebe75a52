/**
 * The rotation: a few hundred open requests a run, all of them in turn, for what no index lists. A
 * running request's missing execution cannot be listed, tasks written before the `watch` index are
 * not in it, and export results no task recorded sit in their request's partition.
 */
import { key } from '../adapters/table.ts';
import { InvalidInput } from '../core/errors.ts';
import { droppableResults } from '../core/export-results.ts';
import type { StoredRequest } from '../core/ports.ts';
import { ENDED_BADLY, lost } from './executions.ts';
import { restorePiiWhileOpen } from '../shared/outbox.ts';
import { owing } from './owed.ts';
import { PER_RUN, raced, type Run } from './run.ts';

/** The rotation's page: where a run stops inside one, the next run visits the whole page again. */
const VISIT_PAGE = 25;
/** The statuses the rotation goes round: those whose requests have tasks, an execution, or a team email to get. */
const ROTATION = ['awaiting_review', 'in_progress', 'awaiting_manual'] as const satisfies readonly StoredRequest['status'][];

/**
 * One open request in the rotation: its tasks written before the watch index are put in it, what
 * it owed from before the index is delivered, export results no task recorded are deleted (their
 * callback died before its task write and was never sent again: they go within a round of the
 * rotation of the 15 minutes, not at their 120-day expiry), and an execution that vanished is
 * reported (a running request's execution missing: lost after a restore, or, under `npm start`, a
 * damaged execution file). A request under review whose personal data has the 7 days of an unconfirmed
 * one gets back the end it is kept to while open (an officer's log that died before setting it).
 * False when the run has no alert left for it: the rotation stops there.
 */
async function visit(run: Run, req: StoredRequest) {
  const { deps, report, now } = run;
  await deps.repo.indexTasks(req.id);
  if (!run.owingDone.has(req.id)) await owing(run, req);
  if (req.type === 'access') {
    for (const s of droppableResults(await deps.repo.listTaskResults(req.id), await deps.repo.listTasks(req.id), now)) {
      if (await deps.repo.deleteTaskResults(s)) report.droppedResults.push(`${s.requestId}.${s.processorId}`);
    }
  }
  // A request waiting for review has no execution yet, by design; its personal data is kept as a running one's.
  if (req.status === 'awaiting_review' && (await restorePiiWhileOpen(req, now, deps))) report.piiRestored.push(req.id);
  if (req.status !== 'in_progress' && req.status !== 'awaiting_manual') return true;
  const ex = await deps.workflow.describe(req.id);
  if (ex && !ENDED_BADLY.includes(String(ex.status))) return true;
  // The rotation reads the index, which lags: decide on the record itself.
  const fresh = await deps.repo.getRequest(req.id);
  if (fresh?.status !== 'in_progress' && fresh?.status !== 'awaiting_manual') return true;
  return lost(run, fresh, ex ? String(ex.status) : 'missing').catch((e) => {
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
export async function rotate(run: Run) {
  const { deps } = run;
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
      if (!(await visit(run, req))) {
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
  await deps.repo.putItem({ ...key.rotation(), status: ROTATION[i], ...(cursor ? { cursor } : {}), at: run.at });
}
