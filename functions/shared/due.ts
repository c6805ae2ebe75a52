import type { DynamoRepository } from '../adapters/repository.ts';
import type { StoredRequest } from '../core/ports.ts';
import { DEADLINE_STATUSES } from '../core/status.ts';

/**
 * The open requests indexed as due on or before `until`, overdue ones included, status by status. The
 * status index is ordered by the deadline a request runs to now, so this is a key range read to its
 * last page: it reads what is due, however many requests are open. The caller judges each by its
 * current deadline: a stopped clock (Art. 12A) is in the range by its old one, and a record indexed
 * under its original deadline though extended since (see the repository) by an earlier one.
 */
export async function* dueBy(until: string, repo: Pick<DynamoRepository, 'listRequests'>): AsyncGenerator<StoredRequest> {
  for (const status of DEADLINE_STATUSES) yield* everyPage((cursor) => repo.listRequests({ status, dueBefore: until, cursor, limit: 500 }));
}

/** Every item of a paged listing (a key range of an index), page after page to its last. */
export async function* everyPage<T>(read: (cursor: string | undefined) => Promise<{ items: T[]; cursor?: string }>): AsyncGenerator<T> {
  let cursor: string | undefined;
  do {
    const page = await read(cursor);
    yield* page.items;
    cursor = page.cursor;
  } while (cursor);
}
