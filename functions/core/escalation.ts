import type { StoredTask } from './ports.ts';

/** One delivery of a task's webhook: a failure with its HTTP status or network error, or the one that got through. */
export type Attempt = { at: string | null; status?: number; error?: string; accepted?: true };

/** What happened, in words a compliance officer reads without the code at hand. */
const WHY: Record<string, string> = {
  DispatchFailed: 'could not be reached, or answered with a server error, on every attempt',
  DispatchRejected: 'refused the webhook with a client error, which sending it again will not fix',
  EndpointGone: 'answered 410 Gone: its endpoint is disabled until the registry is corrected',
  ProcessorFailed: 'called back to say it could not do the work',
  'States.Timeout': 'did not call back before its time-out',
  // No callback and no in_progress within the heartbeat: most often a processor that never answered at all.
  'States.HeartbeatTimeout': 'neither called back nor reported progress within its heartbeat interval',
};
export const reasonInWords = (reason: string) => WHY[reason] ?? `stopped with an unexpected error (${reason})`;

const ACTION: Record<string, string> = { erase: 'erasure', export: 'copy of data (export)', rectify: 'correction', suppress: 'objection (suppression)', restrict: 'restriction of use' };

/**
 * The task's deliveries, from its audit trail. Failed deliveries are recorded one by one (dispatch);
 * the delivery that got through is known from what followed it (an acknowledgement, an answer, a
 * time-out), and its time only when it was the first.
 */
export function deliveryHistory(task: Pick<StoredTask, 'audit' | 'sentAt'>): Attempt[] {
  const attempts: Attempt[] = [];
  let accepted = false;
  for (const e of task.audit) {
    if (e.action === 'send' || e.action === 'retry') accepted = false;
    if (e.action === 'delivery_failed') {
      attempts.push({ at: e.at, ...(typeof e.data?.status === 'number' ? { status: e.data.status } : { error: String(e.data?.error ?? 'unknown') }) });
      accepted = false;
    }
    if (['acknowledge', 'time_out', 'completed', 'not_found', 'retained', 'failed'].includes(e.action) && !accepted) {
      accepted = true;
      const previous = attempts.at(-1);
      attempts.push({ at: previous ? null : (task.sentAt ?? null), accepted: true });
    }
  }
  return attempts;
}

const describe = (a: Attempt) => (a.accepted ? 'accepted (HTTP 2xx)' : a.status ? `HTTP ${a.status}` : `no answer: ${a.error}`);
const when = (at: string | null) => (at ? `${at.slice(0, 10)} ${at.slice(11, 19)} UTC` : 'time not recorded');
/** The webhook's deliveries, one line each, under their count. */
const deliveryLines = (attempts: Attempt[]) => [`Deliveries of the webhook (${attempts.length}):`, ...attempts.map((a, i) => `  ${i + 1}. ${when(a.at)}: ${describe(a)}`)];
/** The bases of the legal holds a task carries, as the team's emails list them. */
const holdBases = (task: Pick<StoredTask, 'holds'>) => task.holds.map((h) => h.basis).join(', ');

/** The compliance team's email about an escalated task: who, what, why, and each attempt with its time. */
export function escalationEmail(task: StoredTask, processorName: string, reason: string, consoleUrl: string) {
  const attempts = deliveryHistory(task);
  const timedOut = reason.startsWith('States.');
  return {
    subject: `Escalated: ${processorName} ${timedOut ? 'did not answer in time' : 'failed'} (request ${task.requestId})`,
    text: [
      `${processorName} (${task.category}) ${reasonInWords(reason)}.`,
      `Task: the ${ACTION[task.action] ?? task.action} for request ${task.requestId} (task ${task.taskId}).`,
      '',
      ...(attempts.length ? deliveryLines(attempts) : ['No delivery of the webhook was recorded.']),
      '',
      'The request waits for a person: retry the task or record how it was handled, in the console:',
      consoleUrl,
    ].join('\n'),
  };
}

type ManualTask = Pick<StoredTask, 'taskId' | 'requestId' | 'processorId' | 'category' | 'action' | 'holds'>;

const needsPerson = (task: ManualTask) => `Task ${task.taskId} needs a person: processor ${task.processorId} (${task.category}) has no API`;
const actionLine = (task: ManualTask) => `Action: ${task.action}${task.holds.length ? ` (legal holds: ${holdBases(task)})` : ''}.`;

/**
 * The compliance team's email about a manual processor's task (no API: a person does the work):
 * which task, the action and its legal holds, and the console's link. Ids only: the officer sees the
 * person's details behind the console's login.
 */
export function manualTaskEmail(task: ManualTask, consoleUrl: string) {
  return {
    subject: `Manual task: ${task.action} at ${task.processorId}`,
    text: [`${needsPerson(task)}.`, actionLine(task), `Do it in their system, then resolve the task in the console: ${consoleUrl}`].join('\n'),
  };
}

/**
 * The team's email about a manual processor's task escalated: its Dispatch failed (the team may
 * never have had the task's own email), or nobody resolved it before its time-out. Not the generic
 * alert, which says to retry the task: an officer's retry of a manual task is refused, since there
 * is no webhook to send. What manualTaskEmail says, and why it comes again; ids only.
 */
export function manualEscalationEmail(task: ManualTask, processorName: string, reason: string, consoleUrl: string) {
  const timedOut = reason.startsWith('States.');
  return {
    subject: `Escalated: manual task at ${processorName} ${timedOut ? 'not resolved in time' : 'stopped with an error'} (request ${task.requestId})`,
    text: [
      `${needsPerson(task)}, and ${timedOut ? 'it was not resolved in the console before its time-out' : `its dispatch stopped with an unexpected error (${reason})`}.`,
      actionLine(task),
      `It cannot be retried: do it in their system, then resolve the task in the console: ${consoleUrl}`,
    ].join('\n'),
  };
}

/**
 * The team's email about an escalated task whose processor has left the registry since Plan gave it
 * the task (a deploy took it out while the task was out): there is no endpoint to send its webhook
 * to and its callbacks are refused, so the generic alert's retry cannot work, and an officer's is
 * refused. What happened, then what the officer does by hand: have whoever now holds the data act,
 * and resolve the task with the outcome. The reason is left out when no webhook went: Dispatch's own
 * refusal of a processor it no longer knows is not something the processor said. Ids only.
 */
export function removedProcessorEmail(task: StoredTask, processorName: string, reason: string, consoleUrl: string) {
  const attempts = deliveryHistory(task);
  const action = ACTION[task.action] ?? task.action;
  const held = task.holds.length > 0;
  return {
    subject: `Escalated: ${processorName} is no longer in the processor registry (request ${task.requestId})`,
    text: [
      `${processorName} (${task.category}) is no longer in the processor registry: there is no endpoint to send its webhook to, and its callbacks are refused. The task cannot be retried.`,
      `Task: the ${action} for request ${task.requestId} (task ${task.taskId})${held ? `, with legal holds: ${holdBases(task)}` : ''}.`,
      ...(attempts.length
        ? [`${processorName} ${reasonInWords(reason)}.`, '', ...deliveryLines(attempts)]
        : ['Its webhook was never sent.']),
      '',
      'Resolve it by hand:',
      `  1. Find out who now holds the data ${processorName} held (the processor that took over its work, or ${processorName} itself, through its own contact), and ask them for the ${action}${held ? ', keeping what the legal holds cover' : ''}.`,
      // Kept under a legal hold answers an erasure only: the console offers, and the API takes, no other task kept.
      `  2. Resolve the task in the console with what they did: ${task.action === 'erase' ? 'done, no data held, or kept under a legal hold (with its basis and until-date)' : 'done, or no data held'}:`,
      consoleUrl,
    ].join('\n'),
  };
}
