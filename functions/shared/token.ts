import type { DynamoRepository } from '../adapters/repository.ts';
import { SPENT_TOKEN_ERRORS } from '../core/outbox.ts';
import type { StoredTask, Workflow } from '../core/ports.ts';
import { taskAnswer, type WorkflowAnswer } from '../core/workflow-answer.ts';

/** Sends a workflow token its answer: true when the state took it, false when nothing waits on it any more (it was answered already). */
export async function answer(workflow: Pick<Workflow, 'taskSuccess'>, token: string, output: WorkflowAnswer): Promise<boolean> {
  try {
    await workflow.taskSuccess(token, output);
    return true;
  } catch (e) {
    if (SPENT_TOKEN_ERRORS.includes((e as Error).name)) return false;
    throw e;
  }
}

export type TokenDeps = { repo: Pick<DynamoRepository, 'clearOwedToken'>; workflow: Pick<Workflow, 'taskSuccess'> };

/**
 * Sends the state waiting on a task its outcome, as codes without the officer's note (`outboxToken`:
 * recorded by an officer's resolution, or by a processor's late answer to an escalated task), then
 * clears the mark. A token nothing waits on any more was answered already, or its state gave up:
 * delivered either way. Any other failure leaves the mark for the sweeper. True when the state took
 * the token just now. Kept apart from the outbox module so that the callback function, which sends
 * one, does not bundle the emails.
 */
export async function deliverToken(task: StoredTask, deps: TokenDeps): Promise<boolean> {
  if (!task.outboxToken || !task.token) return false;
  const sent = await answer(deps.workflow, task.token, taskAnswer(task));
  await deps.repo.clearOwedToken(task.requestId, task.processorId, task.status === 'resolved' ? undefined : task.finishedAt);
  return sent;
}
