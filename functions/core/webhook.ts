import type { ProcessorEntry } from './model.ts';
import { currentDue } from './status.ts';
import { correctionsFor } from './plan.ts';
import type { Pii, StoredRequest, StoredTask } from './ports.ts';
import type { WebhookBody } from './webhook-body.ts';

export type { WebhookBody };

/**
 * The webhook-id of the message the task is now sent as (Standard Webhooks: the message's id). The
 * first message is the task id, and every re-delivery of it (the workflow's retries, a re-run after a
 * restart) keeps it, so the processor deduplicates on it. A retry the shop's team asks for after a
 * failure is a new message, which a processor that already answered must act on: it gets the task id
 * with its retry number, read from the task, so a re-run re-sends that same retry under the same id.
 */
export const webhookIdOf = (task: Pick<StoredTask, 'taskId' | 'retries'>) => (task.retries ? `${task.taskId}.retry-${task.retries}` : task.taskId);


/**
 * Built only from stored data, never from "now", so that a retry or a re-run after a restart sends
 * byte-for-byte the same instruction: the deadline is the one recorded on the task when its message
 * was first sent (an extension since reaches the processor with the next message, an officer's retry).
 * Only the identities this processor needs are included. The email is verified (the link mailed to
 * it was followed); the order number is sent only once the shop's directory confirmed it is an order
 * of that address (Plan), as anyone can type another's, from a parcel; the name is whatever was
 * typed, so it goes as an unverified hint.
 */
export function webhookBody(req: StoredRequest, task: StoredTask, pii: Pii, processor: ProcessorEntry, baseUrl: string): WebhookBody {
  const values = { email: pii.email, name: pii.name, order_number: req.orderConfirmed ? pii.orderNumber : undefined };
  const verified = { email: true, name: false, order_number: true };
  return {
    task_id: task.taskId,
    subject_request_id: req.id,
    subject_request_type: req.type,
    action: task.action,
    subject_identities: processor.identities
      .filter((t) => values[t])
      .map((t) => ({ identity_type: t, identity_value: String(values[t]), identity_format: 'raw' as const, verified: verified[t] })),
    submitted_time: req.verifiedAt ?? req.receivedAt,
    expected_completion_time: task.expectedCompletion ?? currentDue(req) ?? '',
    status_callback_url: `${baseUrl}/callbacks/${encodeURIComponent(task.taskId)}`,
    legal_holds: task.holds,
    ...(req.type === 'rectification' && req.details.corrections ? { rectification: correctionsFor(processor, req.details.corrections) } : {}),
    ...(req.type === 'objection' ? { objections: req.details.objections } : {}),
  };
}
