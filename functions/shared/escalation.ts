import type { DynamoRepository } from '../adapters/repository.ts';

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
