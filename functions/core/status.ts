import { IllegalTransition } from './errors.ts';
import type { ProcessorEntry, RequestStatus, TaskStatus } from './model.ts';
import type { StoredRequest, StoredTask } from './ports.ts';

/**
 * The status models of DESIGN §5 as explicit tables: event → (from → to).
 * Anything not listed is illegal; apply* returns a typed error instead of guessing.
 */
export const REQUEST_TRANSITIONS = {
  verify: { unverified: 'verified' },
  /** A correction waits for an officer to read it: see the free text before any processor does. */
  review: { unverified: 'awaiting_review' },
  approve: { awaiting_review: 'verified' },
  start: { verified: 'in_progress' },
  escalate: { in_progress: 'awaiting_manual' },
  unblock: { awaiting_manual: 'in_progress' },
  complete: { in_progress: 'completed', awaiting_manual: 'completed' },
  deny: { unverified: 'denied', awaiting_review: 'denied', verified: 'denied', in_progress: 'denied', awaiting_manual: 'denied' },
  cancel: { unverified: 'cancelled', awaiting_review: 'cancelled', verified: 'cancelled', in_progress: 'cancelled', awaiting_manual: 'cancelled' },
  expire: { unverified: 'expired' },
} as const satisfies Record<string, Partial<Record<RequestStatus, RequestStatus>>>;
export type RequestEvent = keyof typeof REQUEST_TRANSITIONS;


export const TASK_TRANSITIONS = {
  /** First dispatch, or an officer's retry of a failed or timed-out task. */
  send: { pending: 'sent', failed: 'sent', timed_out: 'sent' },
  acknowledge: { sent: 'in_progress' },
  complete: { sent: 'completed', in_progress: 'completed' },
  not_found: { sent: 'not_found', in_progress: 'not_found' },
  retain: { sent: 'retained', in_progress: 'retained' },
  fail: { pending: 'failed', sent: 'failed', in_progress: 'failed' },
  time_out: { pending: 'timed_out', sent: 'timed_out', in_progress: 'timed_out' },
  /** A human closes a manual, failed or timed-out task with a recorded outcome. */
  resolve: { pending: 'resolved', sent: 'resolved', in_progress: 'resolved', failed: 'resolved', timed_out: 'resolved' },
} as const satisfies Record<string, Partial<Record<TaskStatus, TaskStatus>>>;
export type TaskEvent = keyof typeof TASK_TRANSITIONS;

export type Result<T> = { ok: true; to: T } | { ok: false; error: IllegalTransition };

export function nextRequestStatus(from: RequestStatus, event: RequestEvent): Result<RequestStatus> {
  const to = (REQUEST_TRANSITIONS[event] as Partial<Record<RequestStatus, RequestStatus>>)[from];
  return to ? { ok: true, to } : { ok: false, error: new IllegalTransition('request', from, event) };
}

export function nextTaskStatus(from: TaskStatus, event: TaskEvent): Result<TaskStatus> {
  const to = (TASK_TRANSITIONS[event] as Partial<Record<TaskStatus, TaskStatus>>)[from];
  return to ? { ok: true, to } : { ok: false, error: new IllegalTransition('task', from, event) };
}

/** Throwing variants, for code paths where an illegal transition is a 409 at the edge. */
export function requireRequestTransition(from: RequestStatus, event: RequestEvent): RequestStatus {
  const r = nextRequestStatus(from, event);
  if (!r.ok) throw r.error;
  return r.to;
}
export function requireTaskTransition(from: TaskStatus, event: TaskEvent): TaskStatus {
  const r = nextTaskStatus(from, event);
  if (!r.ok) throw r.error;
  return r.to;
}

export const OPEN_REQUEST_STATUSES: readonly RequestStatus[] = ['unverified', 'awaiting_review', 'verified', 'in_progress', 'awaiting_manual'];
/** Every request status, in the order the admin views read them (the status index has one partition each). */
export const ALL_STATUSES: readonly RequestStatus[] = [...OPEN_REQUEST_STATUSES, 'completed', 'denied', 'cancelled', 'expired'];
/** The open statuses with a deadline running: an unconfirmed request's clock has not started. */
export const DEADLINE_STATUSES: readonly RequestStatus[] = OPEN_REQUEST_STATUSES.filter((s) => s !== 'unverified');
export const FINISHED_TASK_STATUSES: readonly TaskStatus[] = ['completed', 'not_found', 'retained', 'resolved'];
export const ESCALATED_TASK_STATUSES: readonly TaskStatus[] = ['failed', 'timed_out'];
export const isOpenRequest = (s: RequestStatus) => OPEN_REQUEST_STATUSES.includes(s);

/**
 * A task that keeps its request waiting for a person: one escalated (failed or timed out), or a
 * manual processor's task handed to the team and not yet resolved, since a person does its work. A
 * processor no longer in the registry counts as manual, as the console shows it: nothing can call
 * back for it, and only an officer closes its task. A manual task not yet sent holds nothing: its
 * Dispatch puts the request to wait when it runs.
 */
export const waitsForPerson = (t: Pick<StoredTask, 'status' | 'processorId'>, processors: readonly Pick<ProcessorEntry, 'id' | 'mode'>[]) =>
  ESCALATED_TASK_STATUSES.includes(t.status) || ((t.status === 'sent' || t.status === 'in_progress') && processors.find((p) => p.id === t.processorId)?.mode !== 'automated');

/** The deadline a request runs to now: the extended one once it is extended. */
export const currentDue = (req: Pick<StoredRequest, 'extended' | 'dueDate'>) => req.extended?.dueDate ?? req.dueDate;
