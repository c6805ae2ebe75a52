import { describe, expect, it } from 'vitest';
import { closedWithoutCopy, droppableResults, isRecorded, purgeFinished, recordedResults } from '../../../functions/core/export-results.ts';
import type { StoredTask } from '../../../functions/core/ports.ts';

const R = '01JQ0000000000000000000000';
const [A, B] = ['a'.repeat(64), 'b'.repeat(64)];
const task = (status: StoredTask['status'], over: Partial<StoredTask> = {}): StoredTask =>
  ({ taskId: `${R}.paynow`, requestId: R, processorId: 'paynow', category: 'payments', action: 'export', status, version: 2, attempts: 1, holds: [], audit: [], ...over }) as StoredTask;
const T = '2026-03-02T10:00:00.000Z';
const minutesAfter = (m: number) => new Date(Date.parse(T) + m * 60_000);

describe('which stored export results a task recorded', () => {
  it('is the item of the hash its winning write recorded, for a completed task only', () => {
    expect(recordedResults(task('completed', { resultsHash: A }))).toEqual({ requestId: R, processorId: 'paynow', bodyHash: A });
    expect(recordedResults(task('completed'))).toBeUndefined();
    expect(recordedResults(task('resolved', { resultsHash: A }))).toBeUndefined();
    // Completed before results were keyed by their callback: the task's one item.
    expect(recordedResults(task('completed', { hasResults: true }))).toEqual({ requestId: R, processorId: 'paynow' });
  });

  it('matches a stored item by request, processor and hash', () => {
    const tasks = [task('completed', { resultsHash: A })];
    expect(isRecorded({ requestId: R, processorId: 'paynow', bodyHash: A }, tasks)).toBe(true);
    expect(isRecorded({ requestId: R, processorId: 'paynow', bodyHash: B }, tasks)).toBe(false);
    expect(isRecorded({ requestId: R, processorId: 'paynow' }, tasks)).toBe(false);
    expect(isRecorded({ requestId: R, processorId: 'parcelway', bodyHash: A }, tasks)).toBe(false);
    expect(isRecorded({ requestId: 'other', processorId: 'paynow', bodyHash: A }, tasks)).toBe(false);
  });
});

describe('which stored export results no task can record any more', () => {
  const stored = (bodyHash: string, writtenAt: string | null = T) => ({ requestId: R, processorId: 'paynow', bodyHash, ...(writtenAt ? { writtenAt } : {}) });

  it.each([
    ['its task recorded it', task('completed', { resultsHash: A }), stored(A), 60, false],
    ['another callback’s write finished the task', task('completed', { resultsHash: B }), stored(A), 0, true],
    ['the task finished without results', task('not_found'), stored(A), 0, true],
    ['an officer resolved the task', task('resolved'), stored(A), 0, true],
    ['the task is still open, written under 15 minutes ago: its callback may still record it', task('sent'), stored(A), 14.9, false],
    ['the task is still open, written 15 minutes ago: no callback runs that long', task('sent'), stored(A), 15, true],
    ['a failed task a late answer may still complete, written under 15 minutes ago', task('failed'), stored(A), 1, false],
    ['an open task, an item from before the time written was kept', task('in_progress'), stored(A, null), 600, false],
  ] as const)('%s', (_, t, s, minutes, dropped) => {
    expect(droppableResults([s], [t], minutesAfter(minutes))).toEqual(dropped ? [s] : []);
  });

  it('drops results whose task is gone', () => {
    expect(droppableResults([stored(A)], [], minutesAfter(0))).toEqual([stored(A)]);
  });
});

describe('the export results of an access request that closes without a copy', () => {
  it.each([
    ['access', 'denied', true],
    ['access', 'cancelled', true],
    ['access', 'expired', true],
    ['access', 'completed', false],
    ['access', 'in_progress', false],
    ['access', 'awaiting_manual', false],
    ['erasure', 'denied', false],
  ] as const)('an %s request %s is given no copy: %s', (type, status, closed) => {
    expect(closedWithoutCopy({ type, status })).toBe(closed);
  });

  it('may still be written by a callback that found the request open for 15 minutes after the closing, and by none after', () => {
    const intent = { at: T };
    expect(purgeFinished(intent, minutesAfter(14.9))).toBe(false);
    expect(purgeFinished(intent, minutesAfter(15))).toBe(true);
  });
});
