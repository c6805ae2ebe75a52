import type { S3Blobs } from '../adapters/blobs.ts';
import type { NotifyRepository } from '../adapters/repository.ts';
import { allTasksSettled, copiesToErase } from '../core/completion.ts';
import type { Clock, StoredRequest } from '../core/ports.ts';
import type { Read } from './complete.ts';

export type CopiesDeps = { repo: NotifyRepository; blobs: Pick<S3Blobs, 'delete'>; clock: Clock };

/**
 * Deletes the person's earlier copies (copiesToErase): each package, any processors' results still
 * stored for it, then, in one audited write on the copy (`copy_erased`, naming the erasure), its key,
 * so that no link, renewal or resend reaches it and its link says the copy went with the erasure. The
 * ids, for the erasure's own trail: those a run that died after a copy's write had erased are named too.
 */
async function eraseCopies(req: StoredRequest, deps: CopiesDeps): Promise<string[]> {
  const found = await deps.repo.otherRequestsOf(req.emailHash, req.id);
  const copies = copiesToErase(found);
  for (const c of copies) {
    await deps.blobs.delete(c.exportKey as string);
    for (const s of await deps.repo.listTaskResults(c.id)) await deps.repo.deleteTaskResults(s);
    const at = deps.clock.now().toISOString();
    await deps.repo.transitionRequest(c, c.status, { copyErased: { at, by: req.id } }, { at, actor: 'workflow', action: 'copy_erased', subject: c.id, data: { erasure: req.id } }, { remove: ['exportKey'] });
  }
  return found.filter((r) => copies.includes(r) || r.copyErased?.by === req.id).map((r) => r.id);
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
