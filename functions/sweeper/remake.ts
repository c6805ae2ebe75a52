/**
 * A held copy's package made again, as an officer asked once S3 had deleted it (admin/release.ts
 * remakeExport): from the processors' results, with Assemble's own code, by the run that claims it.
 */
import { goneResults } from '../shared/gone-results.ts';
import { packageFacts, packageOf } from '../assemble/assemble.ts';
import { retryOnRace } from '../core/errors.ts';
import { exportKey } from '../core/export-results.ts';
import { takeDelivery } from '../core/outbox.ts';
import type { StoredRequest } from '../core/ports.ts';
import type { Run } from './run.ts';

const held = (r: StoredRequest | undefined): r is StoredRequest => Boolean(r?.exportRelease && r.exportKey && r.status === 'awaiting_manual');

/**
 * Claims the intent under the run's lease (two runs never make it at once; one that dies leaves it
 * for a run after the lease), makes the package, puts it, and records it (`export_assembled`, from
 * which its 30 days count) in the conditional write that clears the intent: a run that dies before
 * that write leaves it owed, and the next one puts the package again over the same key, so it is
 * recorded once, naming the bytes in the bucket. Results gone since the officer asked make no package
 * without them: the intent is dropped, and the trail says why (`remake_dropped`). A results_url that
 * cannot give its results just now throws (ResultsNotFetched), and leaves it for a later run.
 */
export async function remake(run: Run, req: StoredRequest) {
  const { repo, blobs, processors, baseUrl } = run.deps;
  const owed = req.outboxRemake;
  if (!owed || !(await takeDelivery(owed, run.owner, run.now, (next) => repo.claimDelivery(req.id, 'outboxRemake', next, run.now)))) return;
  // Read again: the rotation's copy comes from an index that lags.
  const fresh = await repo.getRequest(req.id);
  // Closed since (which drops the intent): nothing to make.
  if (!held(fresh) || fresh.outboxRemake?.seq !== owed.seq) return;
  const tasks = await repo.listTasks(req.id);
  const gone = await goneResults(tasks, repo);
  if (gone.length) {
    await repo.transitionRequest(fresh, fresh.status, {}, { at: run.at, actor: 'sweeper', action: 'remake_dropped', subject: req.id, data: { reason: 'results_gone', processors: gone.join(',') } }, { remove: ['outboxRemake'] });
    run.report.remakesDropped.push(req.id);
    return;
  }
  const body = await packageOf(fresh, tasks, { repo, processors, baseUrl, clock: { now: () => run.now } });
  const key = exportKey(req.id);
  await blobs.put(key, body, 'application/zip');
  await retryOnRace(async () => {
    const now = await repo.getRequest(req.id);
    if (!held(now) || now.outboxRemake?.seq !== owed.seq) {
      // Refused or cancelled while it was made: the package goes with the rest of the copy (as the closing's owed deletion would).
      if (now && !held(now)) await blobs.delete(key);
      return;
    }
    await repo.transitionRequest(now, now.status, { exportKey: key }, { at: run.at, actor: 'sweeper', action: 'export_assembled', subject: req.id, data: packageFacts(body) }, { remove: ['outboxRemake'] });
    run.report.packagesRemade.push(req.id);
  });
}
