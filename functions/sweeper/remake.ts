/**
 * A held copy's package made again, as an officer asked once S3 had deleted it (admin/release.ts
 * remakeExport): from the processors' results, with Assemble's own code, by the run that claims it.
 */
import { ResultsNotFetched } from '../assemble/results.ts';
import { goneResults } from '../shared/gone-results.ts';
import { packageFacts, packageOf } from '../assemble/assemble.ts';
import { retryOnRace } from '../core/errors.ts';
import { heldCopy } from '../core/completion.ts';
import { exportKey } from '../core/export-results.ts';
import { claimLease, deliveryRight, queueTeam, type RemakeIntent, takeDelivery } from '../core/outbox.ts';
import { REMAKE_TRIES, REMAKES_PER_RUN, remakeGivenUp } from '../core/remake.ts';
import type { RemakeFailure, StoredRequest } from '../core/ports.ts';
import { deliverOrLeave } from '../shared/outbox.ts';
import { tellTeamOf } from './owed.ts';
import type { Run } from './run.ts';

/**
 * Gives the remake up, in one conditional write: the intent goes, the request records why
 * (`remakeFailed`, shown in the console) and owes the team's email (`outboxTeam`, which the watch
 * index keeps for the next run should this one die before mailing it), behind any the team is still
 * owed (the held copy's, SES refusing it since), and the trail says so (`remake_failed`). The request still waits for an officer, who asks again or tells the requester.
 */
async function giveUp(run: Run, id: string, owed: RemakeIntent, why: Pick<RemakeFailure, 'error' | 'tries' | 'processors'>) {
  const { repo } = run.deps;
  const done = await retryOnRace(async () => {
    const now = await repo.getRequest(id);
    if (!heldCopy(now) || now.outboxRemake?.seq !== owed.seq) return undefined;
    const remakeFailed: RemakeFailure = { at: run.at, ...why, asked: { at: owed.at, by: owed.by } };
    const outboxTeam = queueTeam(now.outboxTeam, 'remake', claimLease(now.version + 1, run.owner, run.now));
    const data = { error: why.error, tries: why.tries, ...(why.processors ? { processors: why.processors.join(',') } : {}) };
    return repo.transitionRequest(now, now.status, { remakeFailed, outboxTeam }, { at: run.at, actor: 'sweeper', action: 'remake_failed', subject: id, data }, { remove: ['outboxRemake'] });
  });
  if (!done) return;
  run.report.remakesFailed.push(id);
  if (run.spend()) await tellTeamOf(run, done);
}

/**
 * Claims the intent under the run's lease, counting the try (two runs never make it at once; one that
 * dies leaves it for a run after the lease), makes the package, puts it, and records it
 * (`export_assembled`, from which its 30 days count) in the conditional write that clears the intent:
 * a run that dies before that write leaves it owed, and the next one puts the package again over the
 * same key, so it is recorded once, naming the bytes in the bucket. Results gone since the officer
 * asked make no package without them: the intent is dropped, and the trail says why
 * (`remake_dropped`). A try that fails (a results_url that cannot give its results just now) leaves it
 * for a later run, until it is given up (core/remake.ts); so are the tries of runs that never finished.
 */
async function remake(run: Run, req: StoredRequest) {
  const { repo, blobs, processors, baseUrl, controller } = run.deps;
  const owed = req.outboxRemake;
  if (!owed || !(await takeDelivery(owed, run.owner, run.now, (next) => repo.claimRemake(req.id, next, run.now)))) return;
  // Read again: the rotation's copy comes from an index that lags.
  const fresh = await repo.getRequest(req.id);
  // Closed since (which drops the intent): nothing to make.
  if (!heldCopy(fresh) || fresh.outboxRemake?.seq !== owed.seq) return;
  const tries = fresh.outboxRemake.tries ?? 1;
  // The runs that took it before all stopped before they could say why: none will do better.
  if (tries > REMAKE_TRIES) return giveUp(run, req.id, owed, { error: 'Interrupted', tries: tries - 1 });
  const tasks = await repo.listTasks(req.id);
  const gone = await goneResults(tasks, repo);
  if (gone.length) {
    await repo.transitionRequest(fresh, fresh.status, {}, { at: run.at, actor: 'sweeper', action: 'remake_dropped', subject: req.id, data: { reason: 'results_gone', processors: gone.join(',') } }, { remove: ['outboxRemake'] });
    run.report.remakesDropped.push(req.id);
    return;
  }
  const key = exportKey(req.id);
  let body: Buffer;
  try {
    body = await packageOf(fresh, tasks, { repo, processors, baseUrl, controller, clock: { now: () => run.now } });
    await blobs.put(key, body, 'application/zip');
  } catch (e) {
    if (!remakeGivenUp(tries, owed.at, run.now)) throw e;
    return giveUp(run, req.id, owed, { error: (e as Error).name || 'Error', tries, ...(e instanceof ResultsNotFetched ? { processors: [...e.processorIds] } : {}) });
  }
  await retryOnRace(async () => {
    const now = await repo.getRequest(req.id);
    if (!heldCopy(now) || now.outboxRemake?.seq !== owed.seq) {
      // Refused or cancelled while it was made: the package goes with the rest of the copy (as the closing's owed deletion would).
      if (now && !heldCopy(now)) await blobs.delete(key);
      return;
    }
    await repo.transitionRequest(now, now.status, { exportKey: key }, { at: run.at, actor: 'sweeper', action: 'export_assembled', subject: req.id, data: packageFacts(body) }, { remove: ['outboxRemake'] });
    run.report.packagesRemade.push(req.id);
  });
}

/**
 * The run's last pass: the held copies the passes before found owing their package made again, at
 * most REMAKES_PER_RUN of them (core/remake.ts), in the order found (the watch index's, those asked
 * first); one another run is making is skipped, and the others are counted as left for the next runs.
 * A try that fails is left for a later run, in the report's `failed`, as any delivery.
 */
export async function sweepRemakes(run: Run) {
  let share = REMAKES_PER_RUN;
  for (const req of run.remakesOwed.values()) {
    if (!req.outboxRemake || deliveryRight(req.outboxRemake, run.owner, run.now) === 'leased') continue;
    if (share-- <= 0) run.report.left.remakes++;
    else await deliverOrLeave(run.report, `remake:${req.id}`, () => remake(run, req), "held copy's package not made again; the next sweep tries again");
  }
}
