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

/*
 * Records this code writes itself and reads back (requests, tasks, audit events) are plain types:
 * what they hold was validated where it came in (the form, a callback, an officer's action), and
 * a schema nobody parses with would only look like a check.
 */
export type TaskStatus = 'pending' | 'sent' | 'in_progress' | 'completed' | 'not_found' | 'retained' | 'failed' | 'timed_out' | 'resolved';

/** What a processor is asked to do; derived from the request type. */
export type TaskAction = 'erase' | 'export' | 'rectify' | 'suppress';

export const ObjectionScope = z.enum(['marketing', 'reviews', 'profiling']);
export type ObjectionScope = z.infer<typeof ObjectionScope>;

export const Ulid = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'must be a ULID');
export const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD');

export const LegalHold = z.object({
  basis: z.enum(['accounting', 'lifetime_warranty']),
  until: IsoDate.nullable(),
  rule: z.string(),
});
export type LegalHold = z.infer<typeof LegalHold>;

/** Details the requester gave, by request type; bounded by the form's schema (core/intake.ts), as personal data. */
export type RequestDetails = {
  eraseWarranty: boolean;
  objections: ObjectionScope[];
  rectification?: { field: string; correction: string };
};

/**
 * The request record. It holds no personal data: the email, name and order number live in a
 * separate PII record that expires by TTL, so that this record can stay as proof of compliance.
 * Instants are ISO 8601 with an offset; dates are YYYY-MM-DD.
 */
export type PrivacyRequest = {
  /** A ULID. */
  id: string;
  type: RequestType;
  language: Language;
  status: RequestStatus;
  version: number;
  emailHash: string;
  details: RequestDetails;
  receivedAt: string;
  verifiedAt?: string;
  dueDate?: string;
  extended?: { at: string; reason: string; dueDate: string };
  pausedDays: number;
  pausedSince?: string;
  closedAt?: string;
  outcome?: string;
};

/** A task's outcome: from a processor's callback (CallbackBody), a timeout, or an officer's resolution. */
export type TaskOutcome = {
  request_status: 'completed' | 'not_found' | 'retained' | 'failed' | 'timed_out' | 'resolved';
  reason?: string;
  legal_basis?: LegalHold['basis'];
  retained_until?: string | null;
  note?: string;
};

export type ProcessorTask = {
  taskId: string;
  requestId: string;
  processorId: string;
  category: Category;
  action: TaskAction;
  status: TaskStatus;
  version: number;
  attempts: number;
  holds: LegalHold[];
  outcome?: TaskOutcome;
  sentAt?: string;
  finishedAt?: string;
};

/** An audit event names ids and hashes, never an email address or a name. */
export type AuditEvent = {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  from?: string;
  to?: string;
  data?: Record<string, string | number | boolean | null>;
  prevHash: string;
  hash: string;
};

export const Region = z.string().min(2);
export const TransferSafeguard = z.enum(['adequacy', 'sccs', 'none']);

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
