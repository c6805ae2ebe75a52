import type { DynamoRepository } from '../adapters/repository.ts';
import { recordedResults } from '../core/export-results.ts';
import type { StoredTask } from '../core/ports.ts';

// Apart from assemble/results.ts, whose results schemas the admin function, which only asks whether they are kept, would otherwise build at every cold start.
/**
 * The processors whose recorded results are no longer kept (their 120 days from the callback are
 * over): a package made now would silently lack their part, so none is made.
 */
export async function goneResults(tasks: readonly StoredTask[], repo: Pick<DynamoRepository, 'getTaskResults'>): Promise<string[]> {
  const gone: string[] = [];
  for (const t of tasks) {
    const recorded = recordedResults(t);
    if (recorded && !(await repo.getTaskResults(recorded))) gone.push(t.processorId);
  }
  return gone;
}
