import * as z from './zod.ts';

/** The six processor categories named in the shop's privacy policy ("sous-traitants"). */
export const Category = z.enum(['payments', 'delivery', 'analytics', 'email', 'collections', 'social']);
export type Category = z.infer<typeof Category>;
export const CATEGORIES = Category.options;

export const RequestType = z.enum(['access', 'erasure', 'rectification', 'objection']);
export type RequestType = z.infer<typeof RequestType>;

export const Language = z.enum(['fr', 'en']);
export type Language = z.infer<typeof Language>;

export const RequestStatus = z.enum([
  'unverified',
  'verified',
  'in_progress',
  'awaiting_manual',
  'completed',
  'denied',
  'cancelled',
  'expired',
]);
export type RequestStatus = z.infer<typeof RequestStatus>;

export const TaskStatus = z.enum([
  'pending',
  'sent',
  'in_progress',
  'completed',
  'not_found',
  'retained',
  'failed',
  'timed_out',
  'resolved',
]);
export type TaskStatus = z.infer<typeof TaskStatus>;

/** What a processor is asked to do; derived from the request type. */
export const TaskAction = z.enum(['erase', 'export', 'rectify', 'suppress']);
export type TaskAction = z.infer<typeof TaskAction>;

export const ObjectionScope = z.enum(['marketing', 'reviews', 'profiling']);
export type ObjectionScope = z.infer<typeof ObjectionScope>;

export const Ulid = z.string().check(z.regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'must be a ULID'));
export const IsoDate = z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD'));
export const Instant = z.iso.datetime({ offset: true });
const Count = z.int().check(z.nonnegative());

export const LegalHold = z.object({
  basis: z.enum(['accounting', 'lifetime_warranty']),
  until: z.nullable(IsoDate),
  rule: z.string(),
});
export type LegalHold = z.infer<typeof LegalHold>;

/** Details the requester gave, by request type. Free text is bounded: it is personal data. */
export const RequestDetails = z.object({
  eraseWarranty: z._default(z.boolean(), false),
  objections: z._default(z.array(ObjectionScope), []),
  rectification: z.optional(
    z.object({ field: z.string().check(z.minLength(1), z.maxLength(200)), correction: z.string().check(z.minLength(1), z.maxLength(2000)) }),
  ),
});
export type RequestDetails = z.infer<typeof RequestDetails>;

/**
 * The request record. It holds no personal data: the email, name and order number live in a
 * separate PII record that expires by TTL, so that this record can stay as proof of compliance.
 */
export const PrivacyRequest = z.object({
  id: Ulid,
  type: RequestType,
  language: Language,
  status: RequestStatus,
  version: Count,
  emailHash: z.string(),
  details: RequestDetails,
  receivedAt: Instant,
  verifiedAt: z.optional(Instant),
  dueDate: z.optional(IsoDate),
  extended: z.optional(z.object({ at: Instant, reason: z.string(), dueDate: IsoDate })),
  pausedDays: z._default(Count, 0),
  pausedSince: z.optional(Instant),
  closedAt: z.optional(Instant),
  outcome: z.optional(z.string()),
});
export type PrivacyRequest = z.infer<typeof PrivacyRequest>;

export const TaskOutcome = z.object({
  request_status: z.enum(['completed', 'not_found', 'retained', 'failed', 'timed_out', 'resolved']),
  reason: z.optional(z.string().check(z.maxLength(1000))),
  legal_basis: z.optional(LegalHold.shape.basis),
  retained_until: z.optional(z.nullable(IsoDate)),
  note: z.optional(z.string().check(z.maxLength(2000))),
});
export type TaskOutcome = z.infer<typeof TaskOutcome>;

export const ProcessorTask = z.object({
  taskId: z.string(),
  requestId: Ulid,
  processorId: z.string(),
  category: Category,
  action: TaskAction,
  status: TaskStatus,
  version: Count,
  attempts: Count,
  holds: z.array(LegalHold),
  outcome: z.optional(TaskOutcome),
  sentAt: z.optional(Instant),
  finishedAt: z.optional(Instant),
});
export type ProcessorTask = z.infer<typeof ProcessorTask>;

/** An audit event names ids and hashes, never an email address or a name. */
export const AuditEvent = z.object({
  seq: Count,
  at: Instant,
  actor: z.string(),
  action: z.string(),
  subject: z.string(),
  from: z.optional(z.string()),
  to: z.optional(z.string()),
  data: z.optional(z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditEvent = z.infer<typeof AuditEvent>;

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
    heartbeatSeconds: Seconds,
    timeoutSeconds: Seconds,
  })
  .check(
    z.refine((p) => p.mode === 'manual' || Boolean(p.endpoint && p.secretRef), {
      message: 'automated processors need an endpoint and a secretRef',
      path: ['endpoint'],
    }),
    z.refine((p) => p.heartbeatSeconds <= p.timeoutSeconds, {
      message: 'heartbeatSeconds must not exceed timeoutSeconds',
      path: ['heartbeatSeconds'],
    }),
  );
export type ProcessorEntry = z.infer<typeof ProcessorEntry>;

/** A processor's Secrets Manager value: its Standard Webhooks keys, newest first (two while rotating). */
export const ProcessorSecret = z.object({ secrets: z.array(z.string().check(z.startsWith('whsec_'))).check(z.minLength(1)) });

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

/** Task ids embed the request id so that a callback finds its task with one GetItem. */
export const taskIdOf = (requestId: string, processorId: string) => `${requestId}.${processorId}`;
export function parseTaskId(taskId: string): { requestId: string; processorId: string } | undefined {
  const m = /^([0-9A-HJKMNP-TV-Z]{26})\.([a-z0-9][a-z0-9-]{1,40})$/.exec(taskId);
  return m ? { requestId: m[1], processorId: m[2] } : undefined;
}
