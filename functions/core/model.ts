import { z } from 'zod';

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

export const Ulid = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'must be a ULID');
export const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD');
export const Instant = z.iso.datetime({ offset: true });

export const LegalHold = z.object({
  basis: z.enum(['accounting', 'lifetime_warranty']),
  until: IsoDate.nullable(),
  rule: z.string(),
});
export type LegalHold = z.infer<typeof LegalHold>;

/** Details the requester gave, by request type. Free text is bounded: it is personal data. */
export const RequestDetails = z.object({
  eraseWarranty: z.boolean().default(false),
  objections: z.array(ObjectionScope).default([]),
  rectification: z
    .object({ field: z.string().min(1).max(200), correction: z.string().min(1).max(2000) })
    .optional(),
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
  version: z.number().int().nonnegative(),
  emailHash: z.string(),
  details: RequestDetails,
  receivedAt: Instant,
  verifiedAt: Instant.optional(),
  dueDate: IsoDate.optional(),
  extended: z.object({ at: Instant, reason: z.string(), dueDate: IsoDate }).optional(),
  pausedDays: z.number().int().nonnegative().default(0),
  pausedSince: Instant.optional(),
  closedAt: Instant.optional(),
  outcome: z.string().optional(),
});
export type PrivacyRequest = z.infer<typeof PrivacyRequest>;

export const TaskOutcome = z.object({
  request_status: z.enum(['completed', 'not_found', 'retained', 'failed', 'timed_out', 'resolved']),
  reason: z.string().max(1000).optional(),
  legal_basis: LegalHold.shape.basis.optional(),
  retained_until: IsoDate.nullable().optional(),
  note: z.string().max(2000).optional(),
});
export type TaskOutcome = z.infer<typeof TaskOutcome>;

export const ProcessorTask = z.object({
  taskId: z.string(),
  requestId: Ulid,
  processorId: z.string(),
  category: Category,
  action: TaskAction,
  status: TaskStatus,
  version: z.number().int().nonnegative(),
  attempts: z.number().int().nonnegative(),
  holds: z.array(LegalHold),
  outcome: TaskOutcome.optional(),
  sentAt: Instant.optional(),
  finishedAt: Instant.optional(),
});
export type ProcessorTask = z.infer<typeof ProcessorTask>;

/** An audit event names ids and hashes, never an email address or a name. */
export const AuditEvent = z.object({
  seq: z.number().int().nonnegative(),
  at: Instant,
  actor: z.string(),
  action: z.string(),
  subject: z.string(),
  from: z.string().optional(),
  to: z.string().optional(),
  data: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditEvent = z.infer<typeof AuditEvent>;

export const Region = z.string().min(2);
/**
 * How data leaving the UK stays protected, in UK GDPR's terms: `none` (it stays in the UK), UK
 * adequacy regulations (the EEA among others), the IDTA, the EU clauses with the UK Addendum, or the
 * UK–US data bridge for a certified US recipient. The EU's own SCCs alone do not cover a UK transfer.
 */
export const TransferSafeguard = z.enum(['none', 'adequacy', 'idta', 'uk_addendum', 'uk_us_data_bridge']);
export type TransferSafeguard = z.infer<typeof TransferSafeguard>;

export const ProcessorEntry = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,40}$/),
    name: z.string().min(1),
    category: Category,
    region: Region,
    transferSafeguard: TransferSafeguard,
    mode: z.enum(['automated', 'manual']),
    endpoint: z.url().optional(),
    secretRef: z.string().min(1).optional(),
    supports: z.array(RequestType).min(1),
    /** What the processor receives about the person: data minimisation per processor. */
    identities: z.array(z.enum(['email', 'name', 'order_number'])).min(1),
    heartbeatSeconds: z.number().int().positive(),
    timeoutSeconds: z.number().int().positive(),
  })
  .refine((p) => p.mode === 'manual' || (p.endpoint && p.secretRef), {
    message: 'automated processors need an endpoint and a secretRef',
    path: ['endpoint'],
  })
  .refine((p) => p.heartbeatSeconds <= p.timeoutSeconds, {
    message: 'heartbeatSeconds must not exceed timeoutSeconds',
    path: ['heartbeatSeconds'],
  });
export type ProcessorEntry = z.infer<typeof ProcessorEntry>;

/** A processor's Secrets Manager value: its Standard Webhooks keys, newest first (two while rotating). */
export const ProcessorSecret = z.object({ secrets: z.array(z.string().startsWith('whsec_')).min(1) });

export const Registry = z
  .object({
    version: z.number().int().positive(),
    processors: z.array(ProcessorEntry).min(1),
  })
  // Task ids, secrets and the disabled-endpoint flag are all keyed by processor id.
  .refine((r) => new Set(r.processors.map((p) => p.id)).size === r.processors.length, {
    message: 'processor ids must be unique',
    path: ['processors'],
  });
export type Registry = z.infer<typeof Registry>;

/** Task ids embed the request id so that a callback finds its task with one GetItem. */
export const taskIdOf = (requestId: string, processorId: string) => `${requestId}.${processorId}`;
export function parseTaskId(taskId: string): { requestId: string; processorId: string } | undefined {
  const m = /^([0-9A-HJKMNP-TV-Z]{26})\.([a-z0-9][a-z0-9-]{1,40})$/.exec(taskId);
  return m ? { requestId: m[1], processorId: m[2] } : undefined;
}
