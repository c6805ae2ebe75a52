import { createHash } from 'node:crypto';
import middy from '@middy/core';
import { ZipFile } from 'yazl';
import * as z from '../core/zod.ts';
import { S3Blobs } from '../adapters/blobs.ts';
import { registry } from '../adapters/registry.ts';
// A results_url is fetched like a webhook is sent: SSRF-guarded at connect time, bounded, no redirects.
import { fetchResults } from '../adapters/webhook-sender.ts';
import { NotFound, retryOnRace } from '../core/errors.ts';
import { exportFiles, type ProcessorExport } from '../core/export-package.ts';
import { repo, systemClock } from '../shared/deps.ts';

const Input = z.object({ requestId: z.string() });
const blobs = new S3Blobs();

function zip(files: Record<string, string>): Promise<Buffer> {
  const z = new ZipFile();
  for (const [name, content] of Object.entries(files)) z.addBuffer(Buffer.from(content), name, { mtime: new Date(0) });
  z.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    z.outputStream.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks))).on('error', reject);
  });
}

export const exportKey = (requestId: string) => `exports/${requestId}.zip`;

/** Access requests only: gathers every processor's results into one zip in the export bucket. */
export const handler = middy().handler(async (event: unknown) => {
  const { requestId } = Input.parse(event);
  const req = await repo.getRequest(requestId);
  if (!req) throw new NotFound(`request ${requestId} not found`);
  const tasks = await repo.listTasks(requestId);
  const exports: ProcessorExport[] = [];
  for (const t of tasks) {
    const processor = registry.processors.find((p) => p.id === t.processorId);
    if (!processor) continue;
    const stored = await repo.getTaskResults(requestId, t.processorId);
    const raw = stored?.resultsUrl ? await fetchResults(stored.resultsUrl) : stored?.results;
    const records = Array.isArray((raw as { records?: unknown })?.records) ? (raw as { records: unknown[] }).records : raw === undefined ? [] : [raw];
    exports.push({ processor, records });
  }
  const body = await zip(exportFiles(req, exports, systemClock.now().toISOString()));
  await blobs.put(exportKey(requestId), body, 'application/zip');
  const at = systemClock.now().toISOString();
  await retryOnRace(async () => {
    const fresh = await repo.getRequest(requestId);
    if (fresh) await repo.transitionRequest(fresh, fresh.status, { exportKey: exportKey(requestId) }, { at, actor: 'workflow', action: 'export_assembled', subject: requestId, data: { sha256: createHash('sha256').update(body).digest('hex'), bytes: body.length } });
  });
  return { requestId, bytes: body.length };
});
