import type { PrivacyRequest } from './model.ts';
import type { StoredTask } from './ports.ts';
import { FINISHED_TASK_STATUSES } from './status.ts';

/**
 * One export callback's stored results: its task, and the SHA-256 of its signed body. Keyed by the
 * body, not only by the task: two `completed` callbacks racing for one task each write their own
 * item before their conditional task write, and only the winner's write names its item
 * (`resultsHash`), so the loser's bytes can never stand in for the winner's. No `bodyHash`: the one
 * item per task that a task completed before this change (`hasResults`) still points to.
 */
export type ResultsKey = { requestId: string; processorId: string; bodyHash?: string };

/** The results a task recorded as its answer, the only ones Assemble reads; none for a task that recorded none. */
export function recordedResults(task: Pick<StoredTask, 'requestId' | 'processorId' | 'status' | 'resultsHash' | 'hasResults'>): ResultsKey | undefined {
  if (task.status !== 'completed') return undefined;
  if (task.resultsHash) return { requestId: task.requestId, processorId: task.processorId, bodyHash: task.resultsHash };
  return task.hasResults ? { requestId: task.requestId, processorId: task.processorId } : undefined;
}

/** Whether these stored results are the ones a task of the request recorded. */
export function isRecorded(stored: ResultsKey, tasks: readonly StoredTask[]): boolean {
  return tasks.some((t) => {
    const r = recordedResults(t);
    return r !== undefined && r.requestId === stored.requestId && r.processorId === stored.processorId && r.bodyHash === stored.bodyHash;
  });
}

/**
 * No Lambda invocation runs longer than 15 minutes: a callback still between its results write and
 * its task write wrote its results less than this long ago.
 */
export const RESULTS_WRITE_WINDOW_MS = 15 * 60_000;

/** Stored results as listed, with when their callback wrote them (none on items from before that was kept). */
export type StoredResults = ResultsKey & { writtenAt?: string };

/**
 * Stored results that no task recorded and that none can record any more, to delete: their task is
 * finished (a final status, which keeps the results it recorded) or gone, or they were written longer
 * ago than any callback runs, so the callback that wrote them died before its task write and was never
 * sent again. A processor's retry of that callback writes the same item afresh before its task write.
 */
export function droppableResults(stored: readonly StoredResults[], tasks: readonly StoredTask[], now: Date): StoredResults[] {
  return stored.filter((s) => {
    if (isRecorded(s, tasks)) return false;
    const task = tasks.find((t) => t.requestId === s.requestId && t.processorId === s.processorId);
    if (!task || FINISHED_TASK_STATUSES.includes(task.status)) return true;
    return s.writtenAt !== undefined && now.getTime() - Date.parse(s.writtenAt) >= RESULTS_WRITE_WINDOW_MS;
  });
}

/**
 * Where Assemble puts a request's package in the export bucket: one key per request, so that a closed
 * request's package can be deleted whether or not the request recorded it.
 */
export const exportKey = (requestId: string) => `exports/${requestId}.zip`;

/**
 * An access request refused, cancelled or expired is given no copy: the export results it holds are
 * personal data kept for nothing (Art. 5(1)(e)), to delete however their task stands.
 */
export const closedWithoutCopy = (req: Pick<PrivacyRequest, 'type' | 'status'>) => req.type === 'access' && (['denied', 'cancelled', 'expired'] as const).some((s) => s === req.status);

/**
 * The deletion of a closed request's export results, recorded in the write that closes it (`at`:
 * then). A callback reads the request before it writes results and keeps none for a closed one, but
 * one that read it just before the closing may still write its results within a Lambda's 15 minutes.
 */
export type PurgeIntent = { at: string };

/** Whether no callback can still write results for the closed request: the deletion may be cleared once done after this. */
export const purgeFinished = (intent: PurgeIntent, now: Date) => now.getTime() - Date.parse(intent.at) >= RESULTS_WRITE_WINDOW_MS;
