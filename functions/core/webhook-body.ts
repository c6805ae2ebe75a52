import { LegalHold, PersonalField } from './model.ts';
import * as z from './zod.ts';

/**
 * The outbound webhook body (DESIGN §5): OpenDSR names, plus the task and its legal holds. No
 * function parses what it sends, so no bundle builds this schema: webhookBody (core/webhook.ts)
 * builds the body to its type, and the tests and the processor check (local/processor-check.ts)
 * hold what it builds to it.
 */
export const WebhookBody = z.object({
  task_id: z.string(),
  subject_request_id: z.string(),
  subject_request_type: z.enum(['erasure', 'access', 'rectification', 'objection', 'restrict']),
  action: z.enum(['erase', 'export', 'rectify', 'suppress', 'restrict']),
  /**
   * `verified`: the email (its link was followed) and an order number (the shop's directory confirmed
   * it is that address's) are; the name is as typed. Match on the email; the rest only narrows.
   */
  subject_identities: z.array(z.object({ identity_type: z.enum(['email', 'name', 'order_number']), identity_value: z.string(), identity_format: z.literal('raw'), verified: z.boolean() })),
  submitted_time: z.string(),
  expected_completion_time: z.string(),
  status_callback_url: z.url(),
  legal_holds: z.array(LegalHold),
  /** The corrected value of each field the processor holds, as the officer approved it. */
  rectification: z.optional(z.partialRecord(PersonalField, z.string())),
  objections: z.optional(z.array(z.string())),
});
export type WebhookBody = z.infer<typeof WebhookBody>;
