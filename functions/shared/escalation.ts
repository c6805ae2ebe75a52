import type { DynamoRepository } from '../adapters/repository.ts';
import { ConcurrentUpdate, retryOnRace } from '../core/errors.ts';
import type { ProcessorEntry } from '../core/model.ts';
import { waitsForPerson } from '../core/status.ts';

/**
 * A request in progress goes to wait for an officer, with `escalate` on its trail naming the task
 * and why: as Escalate records it, and as an officer's refused retry and the sweeper's timing out of
 * a stuck task do. A request already waiting for an officer, or closed, is left as it is. A write
 * that loses a race throws ConcurrentUpdate: the caller retries (retryOnRace) or leaves it.
 */
export async function escalateRequest(repo: Pick<DynamoRepository, 'getRequest' | 'transitionRequest'>, requestId: string, e: { at: string; actor: string; task: string; reason: string }) {
  const req = await repo.getRequest(requestId);
  if (req?.status !== 'in_progress') return;
  await repo.transitionRequest(req, 'awaiting_manual', {}, { at: e.at, actor: e.actor, action: 'escalate', subject: req.id, from: 'in_progress', to: 'awaiting_manual', data: { task: e.task, reason: e.reason } });
}

/**
 * Puts a request waiting for an officer back in progress once no task of it waits for a person (none
 * escalated, no manual processor's task still out: the registry says which processors are manual):
 * after an officer's resolution or retry, or, where that action died after its task write, the
 * sweeper. The task settled may already have let the workflow complete the request: a race lost here
 * is read again (and is then no longer awaiting_manual), never thrown, since the officer's handler
 * would run the whole action again and answer 409 for a resolve that was done.
 */
export async function unblockRequest(
  deps: { repo: Pick<DynamoRepository, 'getRequest' | 'listTasks' | 'transitionRequest'>; processors: readonly Pick<ProcessorEntry, 'id' | 'mode'>[] },
  id: string,
  e: { at: string; actor: string },
) {
  const { repo } = deps;
  await retryOnRace(async () => {
    const [req, tasks] = await Promise.all([repo.getRequest(id), repo.listTasks(id)]);
    // A copy that could not be assembled still waits for the officer's retry of the copy itself, and a
    // copy held for release (Notify, once every task settled) for its release: a token's mark left by a
    // sender that died after the state took it is delivered again after the workflow went on to hold it.
    if (req?.status === 'awaiting_manual' && !req.assemblyFailed && !req.exportRelease && !tasks.some((t) => waitsForPerson(t, deps.processors))) {
      await repo.transitionRequest(req, 'in_progress', {}, { at: e.at, actor: e.actor, action: 'unblock', subject: id, from: 'awaiting_manual', to: 'in_progress' });
    }
  });
}

type UnblockDeps = Parameters<typeof unblockRequest>[0];

/**
 * A task that needs an officer again (its processor failed or refused a retry, or nobody answered it
 * in time): the request goes to wait for one first, as Escalate does, then `writeTask` records the
 * task. Dying between the two writes leaves a request waiting with its task still out, which the
 * sweeper times out; the other way round would leave a failed task that nothing puts in front of an
 * officer. A task write lost to another writer of the task (an officer resolving it, its processor
 * answering, at this very moment) leaves the request waiting for nothing: it goes back in progress
 * unless a task still waits for a person, and the loss is thrown for the caller to look again.
 */
export async function escalateTask<T>(deps: UnblockDeps & { repo: Pick<DynamoRepository, 'getRequest' | 'transitionRequest'> }, task: { requestId: string; taskId: string }, e: { at: string; actor: string; reason: string }, writeTask: () => Promise<T>): Promise<T> {
  await retryOnRace(() => escalateRequest(deps.repo, task.requestId, { ...e, task: task.taskId }));
  try {
    return await writeTask();
  } catch (err) {
    if (err instanceof ConcurrentUpdate) await unblockRequest(deps, task.requestId, e);
    throw err;
  }
}
