import { fetchResults } from '../adapters/webhook-sender.ts';
import type { ProcessorExport } from '../core/export-package.ts';
import { recordedResults } from '../core/export-results.ts';
import type { ProcessorEntry } from '../core/model.ts';
import type { StoredTask } from '../core/ports.ts';
import type { DynamoRepository } from '../adapters/repository.ts';
import { unfetchedMessage } from '../core/assembly.ts';
import { parseExportResults, tablesOf } from '../core/results-body.ts';
import { logger } from '../adapters/powertools.ts';

/**
 * Why a results_url can never give usable results, however often it is fetched: refused by the
 * SSRF guard, too large, not JSON, or answered with anything but 200 that is not a server's
 * passing trouble. Network errors and 5xx, 408, 429 are thrown, for the workflow's retries.
 */
const lasting = (e: Error & { status?: number }) =>
  ['UnsafeTarget', 'ResponseTooLarge', 'ResultsNotJson'].includes(e.name) ||
  (e.name === 'ResultsUnavailable' && e.status !== undefined && e.status < 500 && e.status !== 408 && e.status !== 429);

/**
 * A results_url that could not give results just now (a network error, a time-out, a 5xx, 408, 429),
 * for the workflow's retries. It keeps the name of what went wrong, which the console says in words,
 * and its message names the providers by registry id only: the original error is not kept, as its
 * message may quote the address, which may name the person.
 */
export class ResultsNotFetched extends Error {
  constructor(
    readonly processorIds: readonly string[],
    name: string,
  ) {
    super(unfetchedMessage(processorIds));
    this.name = name;
  }
}

/**
 * One processor's part of the package. Inline results were checked at the callback; fetched ones
 * are checked here. Results that break the shape, or a results_url that cannot give any, make the
 * processor's part `unreadable` (the team is told): one processor's bad answer never stops the
 * package, nor the request's execution.
 */
export async function readExport(
  requestId: string,
  processor: ProcessorEntry,
  stored: { results?: unknown; resultsUrl?: string } | undefined,
  fetch: (url: string) => Promise<unknown> = fetchResults,
): Promise<ProcessorExport> {
  let raw: unknown;
  try {
    raw = stored?.resultsUrl ? await fetch(stored.resultsUrl) : stored?.results;
  } catch (e) {
    if (!lasting(e as Error)) throw new ResultsNotFetched([processor.id], (e as Error).name);
    logger.warn('export results_url gave no results', { requestId, processorId: processor.id, error: (e as Error).name });
    return { processor, tables: {}, unreadable: true };
  }
  const shape = raw === undefined ? undefined : parseExportResults(raw);
  if (shape && !shape.success) logger.warn('export results not in the documented shape', { requestId, processorId: processor.id });
  return { processor, tables: shape?.success ? tablesOf(shape.data) : {}, ...(shape && !shape.success ? { unreadable: true } : {}) };
}

/**
 * A task's part of the package: the results its winning callback recorded, for a completed task
 * only. A callback writes its results before the task's status, so results may be stored that no
 * task recorded (the status write never landed, lost to another callback's or to an officer's
 * resolution): they were never accepted, and are never read. A task that did not complete has none:
 * the outcome email says that provider's data is not in the download, and a third-party flag a
 * callback carried never held the copy for review.
 */
export async function taskExport(task: StoredTask, processor: ProcessorEntry, repo: Pick<DynamoRepository, 'getTaskResults'>, fetch?: (url: string) => Promise<unknown>): Promise<ProcessorExport> {
  const recorded = recordedResults(task);
  const stored = recorded ? await repo.getTaskResults(recorded) : undefined;
  // Recorded, and gone since (kept 120 days from the callback, a copy assembled later than that): unreadable, as a
  // results_url that gives nothing. Until November 29, 2026 the copy said that provider held no data about them.
  if (recorded && !stored) {
    logger.warn('export results recorded and no longer kept', { requestId: task.requestId, processorId: processor.id });
    return { processor, tables: {}, unreadable: true };
  }
  return readExport(task.requestId, processor, stored, fetch);
}

/**
 * Every task's part of the package, in the registry's order, the shop's own systems first, as the
 * outcome email lists them: the tasks come listed by processor id, which put the shop's account and
 * orders third. A task whose processor left the registry has no part. A results_url that cannot give results just
 * now does not keep the others from being read: Assemble then fails naming every provider it could
 * not fetch from, under the first failure's name. Any other error (reading a task's results) fails at once.
 */
export async function exportsOf(tasks: readonly StoredTask[], processors: readonly ProcessorEntry[], repo: Pick<DynamoRepository, 'getTaskResults'>, fetch?: (url: string) => Promise<unknown>): Promise<ProcessorExport[]> {
  const exports: ProcessorExport[] = [];
  const failed: ResultsNotFetched[] = [];
  const byProcessor = new Map(tasks.map((t) => [t.processorId, t]));
  for (const processor of processors) {
    const t = byProcessor.get(processor.id);
    if (!t) continue;
    try {
      exports.push(await taskExport(t, processor, repo, fetch));
    } catch (e) {
      if (!(e instanceof ResultsNotFetched)) throw e;
      failed.push(e);
    }
  }
  if (failed.length) throw new ResultsNotFetched(failed.flatMap((f) => f.processorIds), failed[0].name);
  return exports;
}
