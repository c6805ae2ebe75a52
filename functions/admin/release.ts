import { S3Blobs } from '../adapters/blobs.ts';
import { Conflict, NotFound, PackageGone, ResultsGone } from '../core/errors.ts';
import { heldCopy, type ProcessorNames, RELEASE_MIN_LINK_HOURS, releasableCopy } from '../core/completion.ts';
import type { StoredRequest } from '../core/ports.ts';
import { ADMIN_OWNER, lease, teamOwesOnly } from '../core/outbox.ts';
import { goneResults } from '../shared/gone-results.ts';
import { completeRequest } from '../notify/complete.ts';
import type { AdminDeps } from './actions.ts';

const blobs = new S3Blobs();
/** The officer's look at a held copy: a link that lives minutes, like the requester's own. */
const PREVIEW_SECONDS = 300;

async function held(id: string, deps: AdminDeps) {
  const req = await deps.repo.getRequest(id);
  if (!req) throw new NotFound('no such request');
  if (!heldCopy(req)) throw new Conflict('no copy of data is waiting for release on this request', { reason: 'release_none' });
  return req;
}

/** A short-lived link to a held copy, so that the officer can see what would go out; each look is audited. */
export async function previewHeldExport(id: string, actor: string, deps: AdminDeps) {
  const req = await held(id, deps);
  await deps.repo.transitionRequest(req, req.status, {}, { at: deps.clock.now().toISOString(), actor, action: 'preview_export', subject: id, data: { key: req.exportKey ?? '' } });
  return { url: await blobs.presign(req.exportKey as string, PREVIEW_SECONDS), flaggedBy: req.exportRelease?.flaggedBy ?? [] };
}

/**
 * Releases a held copy: the release is recorded (who, when) with the completion it owes
 * (`outboxRelease`, core/outbox.ts), then the request completes as Notify would have, with the outcome
 * email and its download link owed in the same write. A release that stopped between the two is
 * finished by the sweeper once the click's lease is over, or by releasing again. A copy held so long that its package is
 * gone, or nearly, is not released, nor a recorded release finished: the outcome email would carry a
 * link that does not work.
 */
export async function releaseExport(id: string, actor: string, deps: AdminDeps & { baseUrl: string; processors: ProcessorNames }) {
  const req = await held(id, deps);
  const now = deps.clock.now();
  if (!releasableCopy(req, now)) {
    throw new PackageGone(`this copy's package is no longer kept, or will not be within ${RELEASE_MIN_LINK_HOURS} hours (it is deleted 30 days after it is made): releasing it would mail a link that does not work; make it again first (remake)`);
  }
  const at = now.toISOString();
  if (!req.exportRelease?.releasedAt) {
    const release = { ...req.exportRelease, flaggedBy: req.exportRelease?.flaggedBy ?? [], since: req.exportRelease?.since ?? at, releasedBy: actor, releasedAt: at };
    await deps.repo.transitionRequest(req, req.status, { exportRelease: release, outboxRelease: lease(req.version + 1, ADMIN_OWNER, now) }, { at, actor, action: 'release_export', subject: id, data: { processors: release.flaggedBy.join(',') } });
  }
  return completeRequest(id, { repo: deps.repo, mailer: deps.mailer, clock: deps.clock, baseUrl: deps.baseUrl, processors: deps.processors });
}

/** What a remake asked for answers: when and by whom, and what happens next. */
const remakeAsked = (req: StoredRequest) => ({
  requestId: req.id,
  status: req.status,
  remake: { at: req.outboxRemake?.at, by: req.outboxRemake?.by },
  message: 'the package is made again from the processors’ results by the sweeper’s next run, within 15 minutes: then look at it and release it',
});

/**
 * Asks for a held copy's package to be made again once S3 has deleted it (or will within a day, too
 * soon to release it), from the processors' results, kept 120 days from their callback. The officer's
 * write records who asked and owes the making (`outboxRemake`) to the sweeper, which makes it as
 * Assemble does (sweeper/remake.ts): the admin function gathers no personal data and writes nothing to
 * the bucket. A copy whose results are gone too is never made again, nor made without them: the
 * requester must ask again. A click while one is owed answers what was asked, and records nothing more.
 * One the sweeper gave up (`remakeFailed`) is asked for afresh: the mark goes in the write that owes
 * it again, with the team's email about it if that alone is still owed (the officer asking knows; one
 * queued with others is skipped when they go).
 */
export async function remakeExport(id: string, actor: string, deps: AdminDeps) {
  const req = await held(id, deps);
  if (req.outboxRemake) return remakeAsked(req);
  const now = deps.clock.now();
  if (releasableCopy(req, now)) throw new Conflict("this copy's package is still kept: look at it and release it", { reason: 'package_kept' });
  const gone = await goneResults(await deps.repo.listTasks(id), deps.repo);
  if (gone.length) {
    throw new ResultsGone(`this copy cannot be made again: the processors' results it was made from are no longer kept (${gone.join(', ')}; 120 days after they were sent). Tell the requester to ask again for a copy`);
  }
  const at = now.toISOString();
  const outboxRemake = { seq: req.version + 1, until: at, owner: '', at, by: actor };
  const remove = req.remakeFailed ? ['remakeFailed', ...(teamOwesOnly(req.outboxTeam, 'remake') ? ['outboxTeam'] : [])] : [];
  return remakeAsked(await deps.repo.transitionRequest(req, req.status, { outboxRemake }, { at, actor, action: 'remake_export', subject: id, data: { key: req.exportKey ?? '' } }, remove.length ? { remove } : {}));
}
