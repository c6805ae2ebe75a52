import type { StoredTask } from './ports.ts';

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
