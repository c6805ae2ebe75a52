import { Category, ObjectionScope, PersonalField, RequestType } from './model.ts';
import * as z from './zod.ts';

export const Region = z.string().check(z.minLength(2));
/**
 * How data leaving the UK stays protected, in UK GDPR's terms: `none` (it stays in the UK), UK
 * adequacy regulations (the EEA among others), the IDTA, the EU clauses with the UK Addendum, or the
 * UK–US data bridge for a certified US recipient. The EU's own SCCs alone do not cover a UK transfer.
 */
export const TransferSafeguard = z.enum(['none', 'adequacy', 'idta', 'uk_addendum', 'uk_us_data_bridge']);
export type TransferSafeguard = z.infer<typeof TransferSafeguard>;

const Seconds = z.int().check(z.positive());

export const ProcessorEntry = z
  .object({
    id: z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{1,40}$/)),
    name: z.string().check(z.minLength(1)),
    category: Category,
    region: Region,
    transferSafeguard: TransferSafeguard,
    mode: z.enum(['automated', 'manual']),
    endpoint: z.optional(z.url()),
    secretRef: z.optional(z.string().check(z.minLength(1))),
    supports: z.array(RequestType).check(z.minLength(1)),
    /** What the processor receives about the person: data minimisation per processor. */
    identities: z.array(z.enum(['email', 'name', 'order_number'])).check(z.minLength(1)),
    /** The personal fields it holds, which a correction reaches (Art. 19); without it, the identities it receives. */
    fields: z.optional(z.array(PersonalField)),
    /**
     * The shop's uses it carries out that an objection reaches (core/plan.ts): the newsletter tool `marketing`, the review
     * provider `reviews`. An objection reaches it for those only; without it, for every use its category carries.
     */
    uses: z.optional(z.array(ObjectionScope).check(z.minLength(1))),
    /** The longest a task may go without a callback (`in_progress` heartbeats it). Not for a manual processor: nothing heartbeats a person's work, so its task waits for `timeoutSeconds` only (functions/plan/plan.ts). */
    heartbeatSeconds: Seconds,
    /** The longest a task may wait for its answer, whatever came in between. */
    timeoutSeconds: z.int().check(z.gte(2, 'timeoutSeconds must be at least 2, to leave room for a heartbeat below it')),
  })
  .check(
    z.refine((p) => p.mode === 'manual' || Boolean(p.endpoint && p.secretRef), {
      message: 'automated processors need an endpoint and a secretRef',
      path: ['endpoint'],
    }),
    // The States language: "the HeartbeatSeconds interval MUST be smaller than the TimeoutSeconds value". The
    // Dispatch state reads both from the task, so AWS can only check them as it enters the state, and then fails
    // it with States.Runtime, which no Catch matches: the whole execution would fail, not the one task.
    z.refine((p) => p.heartbeatSeconds < p.timeoutSeconds, {
      message: 'heartbeatSeconds must be smaller than timeoutSeconds: Step Functions fails the whole execution otherwise',
      path: ['heartbeatSeconds'],
    }),
  );
export type ProcessorEntry = z.infer<typeof ProcessorEntry>;

export const Registry = z
  .object({
    version: z.int().check(z.positive()),
    processors: z.array(ProcessorEntry).check(z.minLength(1)),
  })
  // Task ids, secrets and the disabled-endpoint flag are all keyed by processor id.
  .check(
    z.refine((r) => new Set(r.processors.map((p) => p.id)).size === r.processors.length, {
      message: 'processor ids must be unique',
      path: ['processors'],
    }),
  );
export type Registry = z.infer<typeof Registry>;
