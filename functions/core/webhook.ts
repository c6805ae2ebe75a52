import { IsoDate, LegalHold, PersonalField, type ProcessorEntry } from './model.ts';
import { currentDue } from './status.ts';
import { correctionsFor } from './plan.ts';
import type { Pii, StoredRequest, StoredTask } from './ports.ts';
import * as z from './zod.ts';

/** The outbound webhook body (DESIGN §5): OpenDSR names, plus the task and its legal holds. */
export const WebhookBody = z.object({
  task_id: z.string(),
  subject_request_id: z.string(),
  subject_request_type: z.enum(['erasure', 'access', 'rectification', 'objection', 'restrict']),
  action: z.enum(['erase', 'export', 'rectify', 'suppress', 'restrict']),
  subject_identities: z.array(z.object({ identity_type: z.enum(['email', 'name', 'order_number']), identity_value: z.string(), identity_format: z.literal('raw') })),
  submitted_time: z.string(),
  expected_completion_time: z.string(),
  status_callback_url: z.url(),
  legal_holds: z.array(LegalHold),
  /** The corrected value of each field the processor holds, as the officer approved it. */
  rectification: z.optional(z.partialRecord(PersonalField, z.string())),
  objections: z.optional(z.array(z.string())),
});
export type WebhookBody = z.infer<typeof WebhookBody>;

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
 * Only the identities this processor needs are included.
 */
export function webhookBody(req: StoredRequest, task: StoredTask, pii: Pii, processor: ProcessorEntry, baseUrl: string): WebhookBody {
  const values = { email: pii.email, name: pii.name, order_number: pii.orderNumber };
  return {
    task_id: task.taskId,
    subject_request_id: req.id,
    subject_request_type: req.type,
    action: task.action,
    subject_identities: processor.identities
      .filter((t) => values[t])
      .map((t) => ({ identity_type: t, identity_value: String(values[t]), identity_format: 'raw' as const })),
    submitted_time: req.verifiedAt ?? req.receivedAt,
    expected_completion_time: task.expectedCompletion ?? currentDue(req) ?? '',
    status_callback_url: `${baseUrl}/callbacks/${encodeURIComponent(task.taskId)}`,
    legal_holds: task.holds,
    ...(req.type === 'rectification' && req.details.corrections ? { rectification: correctionsFor(processor, req.details.corrections) } : {}),
    ...(req.type === 'objection' ? { objections: req.details.objections } : {}),
  };
}

/** One exported record: a flat object of scalar values (a cell each in the requester's CSV). */
const ExportRecord = z.record(z.string().check(z.minLength(1), z.maxLength(100)), z.union([z.string().check(z.maxLength(10_000)), z.number(), z.boolean(), z.null()]));
/**
 * An export's `results` (docs/processors.md): the records as one list, or as named tables (one CSV
 * each for the requester). Anything else is refused with the path at fault and escalated.
 */
const Records = z.strictObject({ records: z.array(ExportRecord).check(z.maxLength(100_000)) });
const Tables = z.strictObject({
  tables: z.record(z.string().check(z.regex(/^[a-z][a-z0-9_]{0,39}$/, 'a table name is lower-case letters, digits and _')), z.array(ExportRecord).check(z.maxLength(100_000))),
});
export type ExportResults = z.infer<typeof Records> | z.infer<typeof Tables>;
/** Checked against the shape it claims (`tables` or else `records`), so that the issues name the field at fault. */
export const parseExportResults = (v: unknown) => (v && typeof v === 'object' && 'tables' in v ? Tables : Records).safeParse(v);

/** An export's tables, whichever of the two shapes it came in. */
export const tablesOf = (r: ExportResults): Record<string, Record<string, string | number | boolean | null>[]> => ('records' in r ? { records: r.records } : r.tables);

/**
 * The processor's signed callback. `task_id` binds the signed bytes to the task they answer: the
 * signature covers the body, not the URL, so without it a callback captured on its way to one task
 * would verify on the callback URL of any other task at the same processor (receive.ts checks it).
 */
const receipt = z.optional(z.string().check(z.maxLength(2000)));
const task_id = z.string();
export const CallbackBody = z.discriminatedUnion('request_status', [
  z.strictObject({ task_id, request_status: z.literal('in_progress'), receipt }),
  z.strictObject({
    task_id,
    request_status: z.literal('completed'),
    results: z.optional(z.unknown()),
    /** Fetched at the assemble step through the SSRF guard, which takes only https and no credentials: refused here, not there. */
    results_url: z.optional(
      z.url({ protocol: /^https$/, error: 'an https URL' }).check(z.refine((u) => !URL.canParse(u) || !(new URL(u).username || new URL(u).password), { message: 'a URL without credentials' })),
    ),
    /** An export whose records also hold other people's data (Art. 15(4)): an officer reviews the copy before it goes out. */
    third_party_data: z.optional(z.boolean()),
    receipt,
  }),
  z.strictObject({ task_id, request_status: z.literal('not_found'), receipt }),
  z.strictObject({ task_id, request_status: z.literal('failed'), reason: z.string().check(z.minLength(1), z.maxLength(1000)), receipt }),
  z.strictObject({
    task_id,
    request_status: z.literal('retained'),
    legal_basis: LegalHold.shape.basis,
    retained_until: z.nullable(IsoDate),
    // Records kept under the other hold too (an invoice for accounting, a warranty purchase for the warranty).
    additional_holds: z.optional(
      z.array(z.strictObject({ legal_basis: LegalHold.shape.basis, retained_until: z.nullable(IsoDate) })).check(z.minLength(1), z.maxLength(1)),
    ),
    receipt,
  }).check(
    // Stryker disable next-line MethodExpression: the refinement runs only once additional_holds passed its bounds, so it holds exactly one hold, and some() and every() agree on one
    z.refine((b) => !b.additional_holds?.some((h) => h.legal_basis === b.legal_basis), { message: 'each hold is named once: an additional hold has another legal_basis', path: ['additional_holds'] }),
  ),
]);
export type CallbackBody = z.infer<typeof CallbackBody>;
