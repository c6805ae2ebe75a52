import type { RequestStatus, TaskOutcome, TaskStatus } from './model.ts';
import type { StoredTask } from './ports.ts';

/*
 * What Lethe tells a workflow state waiting on a token. Step Functions keeps it in the execution's
 * history for 90 days after the execution ends, and nobody can erase it there: so it never holds
 * free text a processor or an officer wrote (a failure's reason, a resolution's note), which may
 * name the person whatever the contract says. Those stay on the task record, which Lethe expires
 * and erases, and which the console and the emails read. The workflow routes on names alone.
 */

/** How a state waiting on a task fails when its processor answers `failed`: workflows/privacy-workflow.ts catches it by name, and the reason is on the task record. */
export const PROCESSOR_FAILURE = { error: 'ProcessorFailed', cause: 'the processor answered failed; its reason is on the task record' } as const;
export type WorkflowFailure = typeof PROCESSOR_FAILURE;

/** What an officer resolved a task as: a resolved task's `reason` is one of these codes, never their words. */
const RESOLVED_AS = ['completed', 'not_found', 'retained'] as const;

/** A task's outcome as the state waiting on it is told: no reason in words, no note (`never`, so that a stored outcome passed as it is does not compile). */
export type TaskAnswer = Pick<TaskOutcome, 'legal_basis' | 'retained_until' | 'additional_holds' | 'third_party_data'> & {
  request_status: TaskStatus;
  reason?: (typeof RESOLVED_AS)[number];
  note?: never;
};
/** Also: a closed request's state told to stop waiting, and the AssemblyFailed state told to assemble again. */
export type WorkflowAnswer = TaskAnswer | { closed: RequestStatus } | { retry: true };

/** The answer for a finished task: its status, and what was kept under which hold until when; a resolution's code, not its note. */
export function taskAnswer(task: Pick<StoredTask, 'status' | 'outcome'>): TaskAnswer {
  const o = task.outcome;
  if (!o) return { request_status: task.status };
  const resolvedAs = o.request_status === 'resolved' ? RESOLVED_AS.find((r) => r === o.reason) : undefined;
  return {
    request_status: o.request_status,
    ...(resolvedAs ? { reason: resolvedAs } : {}),
    ...(o.legal_basis ? { legal_basis: o.legal_basis } : {}),
    ...(o.retained_until !== undefined ? { retained_until: o.retained_until } : {}),
    ...(o.additional_holds ? { additional_holds: o.additional_holds } : {}),
    ...(o.third_party_data ? { third_party_data: true } : {}),
  };
}
