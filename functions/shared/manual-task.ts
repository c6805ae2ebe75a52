import { config } from '../adapters/config.ts';
import type { DynamoRepository } from '../adapters/repository.ts';
import { manualTaskEmail } from '../core/escalation.ts';
import { takeDelivery } from '../core/outbox.ts';
import type { Mailer, StoredRequest, StoredTask } from '../core/ports.ts';
import { FINISHED_TASK_STATUSES, isOpenRequest } from '../core/status.ts';

export type ManualTaskDeps = { repo: Pick<DynamoRepository, 'claimTaskTeam' | 'clearOwedTeam'>; mailer: Pick<Mailer, 'send'> };

/**
 * Tells the compliance team that a manual processor's task needs a person, from the intent its
 * Dispatch recorded on the task (`outboxTeam`), then clears the intent: Dispatch delivers it, as does
 * the Dispatch run again within its lease (a crash's Retry); the sweeper, once the lease is over. A
 * task finished meanwhile (an officer resolved it) or of a request closed is owed nothing: the intent
 * goes unsent. A request not found is no reason to keep quiet. True when mailed just now. Kept apart
 * from the outbox module so that Dispatch does not bundle the requesters' emails.
 */
export async function deliverManualTask(task: StoredTask, req: StoredRequest | undefined, owner: string, now: Date, deps: ManualTaskDeps): Promise<boolean> {
  const d = task.outboxTeam;
  if (!d) return false;
  if (!(await takeDelivery(d, owner, now, (next) => deps.repo.claimTaskTeam(task.requestId, task.processorId, next, now)))) return false;
  const owed = !FINISHED_TASK_STATUSES.includes(task.status) && (!req || isOpenRequest(req.status));
  if (owed) await deps.mailer.send({ to: config.COMPLIANCE_EMAIL, kind: 'compliance', ...manualTaskEmail(task, `${config.PUBLIC_BASE_URL}/console.html#/requests/${task.requestId}`) });
  await deps.repo.clearOwedTeam(task, d.seq);
  return owed;
}
