import { createHash } from 'node:crypto';
import type { DynamoRepository } from '../adapters/repository.ts';
import { zip } from '../adapters/zip.ts';
import { complaintFormUrl } from '../core/complaints.ts';
import type { Controller } from '../core/controller.ts';
import { NotFound, retryOnRace } from '../core/errors.ts';
import { exportFiles } from '../core/export-package.ts';
import { exportKey } from '../core/export-results.ts';
import type { ProcessorEntry } from '../core/model.ts';
import { teamOwesOnly } from '../core/outbox.ts';
import type { Clock, StoredRequest, StoredTask } from '../core/ports.ts';
import { isOpenRequest } from '../core/status.ts';
import { exportsOf } from './results.ts';

/** `controller`: who the shop is and where, for the copy's ways to reach it (config/controller.json). */
export type PackageDeps = { repo: Pick<DynamoRepository, 'getTaskResults'>; clock: Clock; processors: readonly ProcessorEntry[]; baseUrl: string; controller?: Controller };
export type AssembleDeps = PackageDeps & {
  repo: DynamoRepository;
  blobs: { put(key: string, body: Buffer, contentType: string): Promise<unknown> };
};

/**
 * A request's copy as one zip, made now from the results its tasks (`tasks`) recorded: Assemble's,
 * and the sweeper's when it makes a held copy's package again (sweeper/remake.ts).
 */
export async function packageOf(req: StoredRequest, tasks: readonly StoredTask[], deps: PackageDeps): Promise<Buffer> {
  const exports = await exportsOf(tasks, deps.processors, deps.repo);
  // The shop's own systems are among them: its registry entry answers the export like a processor.
  const generatedAt = deps.clock.now();
  return zip(exportFiles(req, exports, generatedAt.toISOString(), complaintFormUrl(deps.baseUrl, req.language, req.id), deps.controller), generatedAt);
}

/** What the trail records of a package made (`export_assembled`): its bytes' SHA-256 and their number. */
export const packageFacts = (body: Buffer) => ({ sha256: createHash('sha256').update(body).digest('hex'), bytes: body.length });

/**
 * Access requests only: gathers every processor's results into one zip in the export bucket. A
 * request refused or cancelled while its execution still runs (its stop owed) gets no package: the
 * person's data is not gathered for a request we closed.
 */
export async function assemble(requestId: string, deps: AssembleDeps) {
  const { repo } = deps;
  const req = await repo.getRequest(requestId);
  if (!req) throw new NotFound(`request ${requestId} not found`);
  if (!isOpenRequest(req.status)) return { requestId, closed: req.status };
  const body = await packageOf(req, await repo.listTasks(requestId), deps);
  await deps.blobs.put(exportKey(requestId), body, 'application/zip');
  const at = deps.clock.now().toISOString();
  await retryOnRace(async () => {
    const fresh = await repo.getRequest(requestId);
    // Closed while the package was made: it is not recorded; the closing's owed deletion (deliverPurge) deletes it.
    if (!fresh || !isOpenRequest(fresh.status)) return;
    // Assembled after an officer's retry: the request waited for that alone, and goes back in progress
    // in the same write that records the package (the mark goes, and the team's email if it owes only that).
    const wasHeld = Boolean(fresh.assemblyFailed);
    const to = wasHeld && fresh.status === 'awaiting_manual' ? 'in_progress' : fresh.status;
    const remove = wasHeld ? ['assemblyFailed', ...(teamOwesOnly(fresh.outboxTeam, 'assembly') ? ['outboxTeam'] : [])] : [];
    await repo.transitionRequest(
      fresh,
      to,
      { exportKey: exportKey(requestId) },
      { at, actor: 'workflow', action: 'export_assembled', subject: requestId, ...(to !== fresh.status ? { from: fresh.status, to } : {}), data: packageFacts(body) },
      remove.length ? { remove } : {},
    );
  });
  return { requestId, bytes: body.length };
}
