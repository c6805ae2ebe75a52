import { createHash } from 'node:crypto';
import middy from '@middy/core';
import { ZipFile } from 'yazl';
import * as z from '../core/zod.ts';
import { S3Blobs } from '../adapters/blobs.ts';
import { config } from '../adapters/config.ts';
import { registry } from '../adapters/registry.ts';
import { complaintFormUrl } from '../core/complaints.ts';
import { NotFound, retryOnRace } from '../core/errors.ts';
import { exportFiles } from '../core/export-package.ts';
import { exportKey } from '../core/export-results.ts';
import { isOpenRequest } from '../core/status.ts';
import { repo, systemClock } from '../shared/deps.ts';
import { exportsOf } from './results.ts';

const Input = z.object({ requestId: z.string() });
const blobs = new S3Blobs();

function zip(files: Record<string, string>, at: Date): Promise<Buffer> {
  const z = new ZipFile();
  // Dated when the package was made; one date for every entry, so that the same data zips to the same bytes.
  for (const [name, content] of Object.entries(files)) z.addBuffer(Buffer.from(content), name, { mtime: at });
  z.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    z.outputStream.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks))).on('error', reject);
  });
}

/**
 * Access requests only: gathers every processor's results into one zip in the export bucket. A
 * request refused or cancelled while its execution still runs (its stop owed) gets no package: the
 * person's data is not gathered for a request we closed.
 */
export const handler = middy().handler(async (event: unknown) => {
  const { requestId } = Input.parse(event);
  const req = await repo.getRequest(requestId);
  if (!req) throw new NotFound(`request ${requestId} not found`);
  if (!isOpenRequest(req.status)) return { requestId, closed: req.status };
  const exports = await exportsOf(await repo.listTasks(requestId), registry.processors, repo);
  // The shop's own systems are among them: its registry entry answers the export like a processor.
  const generatedAt = systemClock.now();
  const body = await zip(exportFiles(req, exports, generatedAt.toISOString(), complaintFormUrl(config.PUBLIC_BASE_URL, req.language, req.id)), generatedAt);
  await blobs.put(exportKey(requestId), body, 'application/zip');
  const at = systemClock.now().toISOString();
  await retryOnRace(async () => {
    const fresh = await repo.getRequest(requestId);
    // Closed while the package was made: it is not recorded; the closing's owed deletion (deliverPurge) deletes it.
    if (!fresh || !isOpenRequest(fresh.status)) return;
    // Assembled after an officer's retry: the request waited for that alone, and goes back in progress
    // in the same write that records the package (the mark goes, and the team's email if still owed).
    const wasHeld = Boolean(fresh.assemblyFailed);
    const to = wasHeld && fresh.status === 'awaiting_manual' ? 'in_progress' : fresh.status;
    const remove = wasHeld ? ['assemblyFailed', ...(fresh.outboxTeam?.waiting === 'assembly' ? ['outboxTeam'] : [])] : [];
    await repo.transitionRequest(
      fresh,
      to,
      { exportKey: exportKey(requestId) },
      { at, actor: 'workflow', action: 'export_assembled', subject: requestId, ...(to !== fresh.status ? { from: fresh.status, to } : {}), data: { sha256: createHash('sha256').update(body).digest('hex'), bytes: body.length } },
      remove.length ? { remove } : {},
    );
  });
  return { requestId, bytes: body.length };
});
