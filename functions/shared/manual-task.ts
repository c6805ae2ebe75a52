import { config } from '../adapters/config.ts';
import type { DynamoRepository } from '../adapters/repository.ts';
import { escalationEmail, manualTaskEmail } from '../core/escalation.ts';
import { takeDelivery } from '../core/outbox.ts';
import type { Mailer, StoredRequest, StoredTask } from '../core/ports.ts';
import type { ProcessorEntry } from '../core/model.ts';
import { ESCALATED_TASK_STATUSES, FINISHED_TASK_STATUSES, isOpenRequest } from '../core/status.ts';
import { sendMarked } from './mail-failed.ts';

/** `processors`: the registry's names, for an escalation email (its processor's id otherwise). */
export type ManualTaskDeps = {
  repo: Pick<DynamoRepository, 'claimTaskTeam' | 'clearOwedTeam' | 'markMailFailed' | 'clearMailFailed'>;
  mailer: Mailer;
  processors?: readonly Pick<ProcessorEntry, 'id' | 'name'>[];
};

/**
 * Tells the compliance team that a manual processor's task needs a person, from the intent its
 * Dispatch recorded on the task (`outboxTeam`), then clears the intent: Dispatch delivers it, as does
 * the Dispatch run again within its lease (a crash's Retry); the sweeper, once the lease is over. A
 * task finished meanwhile (an officer resolved it) or of a request closed is owed nothing: the intent
 * goes unsent. A request not found is no reason to keep quiet. The same intent with `escalated` is
 * the escalation email of a task an officer retried that the sweeper escalated (Escalate's words,
 * core/escalation.ts), owed while the task waits for an officer. SES refusing either marks its
 * request "mail failed" and throws MailFailed. True when mailed just now. Kept apart
 * from the outbox module so that Dispatch does not bundle the requesters' emails.
 */
export async function deliverManualTask(task: StoredTask, req: StoredRequest | undefined, owner: string, now: Date, deps: ManualTaskDeps): Promise<boolean> {
  const d = task.outboxTeam;
  if (!d) return false;
  if (!(await takeDelivery(d, owner, now, (next) => deps.repo.claimTaskTeam(task.requestId, task.processorId, next, now)))) return false;
  const why = d.escalated;
  // An escalation is owed while the task waits for an officer: one retried or resolved since needs no telling.
  const waits = why ? ESCALATED_TASK_STATUSES.includes(task.status) : !FINISHED_TASK_STATUSES.includes(task.status);
  const owed = waits && (!req || isOpenRequest(req.status));
  const consoleUrl = `${config.PUBLIC_BASE_URL}/console.html#/requests/${task.requestId}`;
  const name = deps.processors?.find((p) => p.id === task.processorId)?.name ?? task.processorId;
  // Either email SES refuses is marked on its request and counted for the MailFailed alarm, as
  // Escalate's is (MailFailed is thrown: the intent stays owed); the one that goes clears that mark.
  // The manual task's is the team's email that the request waits for a person ('review'); Dispatch
  // leaves the task with the team when it fails, since nothing failed at the processor's side.
  const marked = { id: task.requestId, mailFailed: req?.mailFailed };
  if (owed && why) await sendMarked(marked, 'escalation', { to: config.COMPLIANCE_EMAIL, kind: 'compliance', ...escalationEmail(task, name, why, consoleUrl) }, now, deps);
  else if (owed) await sendMarked(marked, 'review', { to: config.COMPLIANCE_EMAIL, kind: 'compliance', ...manualTaskEmail(task, consoleUrl) }, now, deps);
  await deps.repo.clearOwedTeam(task, d.seq);
  return owed;
}
