import type { DynamoRepository } from '../adapters/repository.ts';
import type { RequestStatus } from '../core/model.ts';
import type { StoredRequest, StoredTask } from '../core/ports.ts';

/**
 * How many requests' tasks are read at once. One after another, a few thousand Queries overran the
 * admin function's timeout (20 s, behind the HTTP API's 30 s); all at once, a few thousand would
 * be throttled and hold as many sockets.
 */
export const TASK_READS_IN_FLIGHT = 16;

/** `fn` over every item, at most `limit` at a time; the results in the items' order, whatever order they end in. */
export async function mapConcurrent<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * The requests of these statuses that `keep` keeps, each with its tasks, a page of the status index
 * at a time, in the index's order: status by status, by deadline. `dueFrom`: the index is read from
 * that date on (a key range), where the caller knows no request it wants is keyed before it. Each
 * kept request's tasks are one Query, `TASK_READS_IN_FLIGHT` at a time. A request is given once, as
 * first read: one that moved to a status read later in the same call (confirmed, then in progress once
 * Plan ran) is read again there. Until November 28, 2026 it was given twice, so the SLA report counted
 * it twice and the audit export wrote its events twice (the console's list has the same rule, find.ts).
 * In progress, the one status a request can move back into from one read after it (an officer's
 * unblock, from awaiting a person: test/unit/core/status.test.ts checks it is the only one), is read
 * once more at the end, for a request that made that move between the two reads; until the same day
 * it was missed. One that moves back and forth again meanwhile can still be missed.
 */
export async function* withTasks(
  repo: Pick<DynamoRepository, 'listRequests' | 'listTasks'>,
  statuses: readonly RequestStatus[],
  keep: (r: StoredRequest) => boolean,
  dueFrom?: string,
): AsyncGenerator<{ request: StoredRequest; tasks: StoredTask[] }[]> {
  const given = new Set<string>();
  for (const status of statuses.includes('awaiting_manual') ? [...statuses, 'in_progress' as const] : statuses) {
    let cursor: string | undefined;
    do {
      const page = await repo.listRequests({ status, ...(dueFrom ? { dueFrom } : {}), cursor, limit: 200 });
      const kept = page.items.filter((r) => !given.has(r.id) && keep(r));
      for (const r of kept) given.add(r.id);
      const tasks = await mapConcurrent(kept, TASK_READS_IN_FLIGHT, (r) => repo.listTasks(r.id));
      yield kept.map((request, i) => ({ request, tasks: tasks[i] }));
      cursor = page.cursor;
    } while (cursor);
  }
}
