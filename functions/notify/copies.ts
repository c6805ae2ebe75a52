import type { S3Blobs } from '../adapters/blobs.ts';
import type { NotifyRepository } from '../adapters/repository.ts';
import { allTasksSettled, copiesToErase } from '../core/completion.ts';
import type { Clock, StoredRequest } from '../core/ports.ts';
import type { Read } from './complete.ts';

export type CopiesDeps = { repo: NotifyRepository; blobs: Pick<S3Blobs, 'delete'>; clock: Clock };

/**
 * Deletes the person's earlier copies (copiesToErase): each package, any processors' results still
 * stored for it, then the request's key to it, so that no link, renewal or resend reaches it, and its
 * link says the copy was deleted with the erasure. The ids, for the erasure's audit trail.
 */
async function eraseCopies(req: StoredRequest, deps: CopiesDeps): Promise<string[]> {
  const copies = copiesToErase(req, await deps.repo.otherRequestsOf(req.emailHash, req.id));
  for (const c of copies) {
    await deps.blobs.delete(c.exportKey as string);
    for (const s of await deps.repo.listTaskResults(c.id)) await deps.repo.deleteTaskResults({ ...s, writtenAt: undefined });
    await deps.repo.forgetErasedCopy(c.id, { at: deps.clock.now().toISOString(), by: req.id });
  }
  return copies.map((c) => c.id);
}

/**
 * What the Notify state reads before it completes: the request and its tasks in one read. An erasure
 * about to complete takes the person's earlier copies with it first (Art. 17: Lethe's own copy is
 * their data too). Each step can run again harmlessly, and the completing write comes after them: a
 * run that dies between them runs again (the state's retries, a restart) and completes only once they
 * are done. The read this saves pays for the erasure's look, so an erasure reads no more than before.
 */
export async function readForNotify(requestId: string, deps: CopiesDeps): Promise<Read> {
  const { req, tasks } = await deps.repo.requestAndTasks(requestId);
  const completing = req?.type === 'erasure' && (req.status === 'in_progress' || req.status === 'awaiting_manual') && allTasksSettled(tasks);
  if (!req || !completing) return { req, tasks };
  const erased = await eraseCopies(req, deps);
  return { req, tasks, data: erased.length ? { erasedCopies: erased.join(',') } : undefined };
}
