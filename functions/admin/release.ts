import { S3Blobs } from '../adapters/blobs.ts';
import { Conflict, PackageGone } from '../core/errors.ts';
import { type ProcessorNames, RELEASE_MIN_LINK_HOURS, releasableCopy } from '../core/completion.ts';
import { completeRequest } from '../notify/complete.ts';
import type { AdminDeps } from './actions.ts';

const blobs = new S3Blobs();
/** The officer's look at a held copy: a link that lives minutes, like the requester's own. */
const PREVIEW_SECONDS = 300;

async function held(id: string, deps: AdminDeps) {
  const req = await deps.repo.getRequest(id);
  if (!req?.exportRelease || !req.exportKey || req.status !== 'awaiting_manual') throw new Conflict('no copy of data is waiting for release on this request', { reason: 'release_none' });
  return req;
}

/** A short-lived link to a held copy, so that the officer can see what would go out; each look is audited. */
export async function previewHeldExport(id: string, actor: string, deps: AdminDeps) {
  const req = await held(id, deps);
  await deps.repo.transitionRequest(req, req.status, {}, { at: deps.clock.now().toISOString(), actor, action: 'preview_export', subject: id, data: { key: req.exportKey ?? '' } });
  return { url: await blobs.presign(req.exportKey as string, PREVIEW_SECONDS), flaggedBy: req.exportRelease?.flaggedBy ?? [] };
}

/**
 * Releases a held copy: the release is recorded (who, when), then the request completes as Notify
 * would have, with the outcome email and its download link owed in the same write. A release that
 * stopped between the two is finished by releasing again. A copy held so long that its package is
 * gone, or nearly, is not released, nor a recorded release finished: the outcome email would carry a
 * link that does not work.
 */
export async function releaseExport(id: string, actor: string, deps: AdminDeps & { baseUrl: string; processors: ProcessorNames }) {
  const req = await held(id, deps);
  const now = deps.clock.now();
  if (!releasableCopy(req, now)) {
    throw new PackageGone(`this copy's package is no longer kept, or will not be within ${RELEASE_MIN_LINK_HOURS} hours (it is deleted 30 days after it is made): releasing it would mail a link that does not work`);
  }
  const at = now.toISOString();
  if (!req.exportRelease?.releasedAt) {
    const release = { ...req.exportRelease, flaggedBy: req.exportRelease?.flaggedBy ?? [], since: req.exportRelease?.since ?? at, releasedBy: actor, releasedAt: at };
    await deps.repo.transitionRequest(req, req.status, { exportRelease: release }, { at, actor, action: 'release_export', subject: id, data: { processors: release.flaggedBy.join(',') } });
  }
  return completeRequest(id, { repo: deps.repo, mailer: deps.mailer, clock: deps.clock, baseUrl: deps.baseUrl, processors: deps.processors });
}
