import * as z from './zod.ts';

/**
 * The six processor categories named in the shop's privacy policy ("sous-traitants"), and `shop`:
 * the shop's own account and order service, a target of every request like any processor.
 */
export const Category = z.enum(['shop', 'payments', 'delivery', 'analytics', 'email', 'collections', 'social']);
export type Category = z.infer<typeof Category>;
export const CATEGORIES = Category.options;

export const RequestType = z.enum(['access', 'erasure', 'rectification', 'objection', 'restrict']);
export type RequestType = z.infer<typeof RequestType>;

export const Language = z.enum(['fr', 'en']);
export type Language = z.infer<typeof Language>;

export const RequestStatus = z.enum([
  'unverified',
  /** A correction, confirmed by the requester, waiting for an officer to read it before any processor gets it (Art. 16, 19). */
  'awaiting_review',
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
export type TaskAction = 'erase' | 'export' | 'rectify' | 'suppress' | 'restrict';

export const ObjectionScope = z.enum(['marketing', 'reviews', 'profiling']);
export type ObjectionScope = z.infer<typeof ObjectionScope>;
/** The uses a request's objection covers: its scopes, an empty list (a request stored without any) read as every use. */
export const objectedScopes = (objections: readonly ObjectionScope[]): readonly ObjectionScope[] => (objections.length ? objections : ObjectionScope.options);

/** The personal fields a correction may change; the registry says which of them each processor holds (Art. 19). */
export const PersonalField = z.enum(['email', 'name', 'postal_address', 'phone']);
export type PersonalField = z.infer<typeof PersonalField>;
/** An officer's reading of a free-text correction: the corrected value of each field it changes. */
export type Corrections = Partial<Record<PersonalField, string>>;

export const Ulid = z.string().check(z.regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'must be a ULID'));
/**
 * A day of the calendar: a processor's `2031-02-30` would reach the requester as 2 March, and a
 * `2031-13-01` would stop their outcome email from being written (no date to put in words).
 */
export const IsoDate = z.iso.date({ error: 'must be YYYY-MM-DD' });

export const LegalHold = z.object({
  basis: z.enum(['accounting', 'lifetime_warranty']),
  until: z.nullable(IsoDate),
  rule: z.string(),
});
export type LegalHold = z.infer<typeof LegalHold>;

/** Details the requester gave, by request type; bounded by the form's schema (core/intake.ts), as personal data. */
export type RequestDetails = {
  eraseWarranty: boolean;
  objections: ObjectionScope[];
  rectification?: { field: string; correction: string };
  /** What the officer approved from the free text; each processor receives only the fields it holds. */
  corrections?: Corrections;
  /** The officer's words on what the requester asked and was not corrected, and why (Art. 12(4)): mailed with the outcome, then dropped. */
  uncorrected?: string;
  /** The fields corrected, by name, never their values: all a closed correction keeps, for its outcome email. */
  corrected?: PersonalField[];
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
  /** The keyed HMAC of the inbox the address reaches (shared/crypto.ts inboxHash), which its confirmation links count against; absent on requests from before it, which count by `emailHash`. */
  inboxHash?: string;
  /** The keyed HMAC of the order number the requester gave, if any (the console's search by order number). */
  orderHash?: string;
  /**
   * The shop's customer directory confirmed, at Plan, that the order number the requester typed is
   * an order of the verified address: only then is it sent to processors (typed, it proves nothing).
   */
  orderConfirmed?: boolean;
  /**
   * An erasure that asked to erase lifetime-warranty purchases too, of someone the shop's directory
   * knew of no such purchase at Plan: the outcome email then says there was none, not that it was
   * erased. Absent when the directory was not asked (a re-run of Plan), which keeps the old words.
   */
  noWarrantyPurchases?: true;
  details: RequestDetails;
  receivedAt: string;
  verifiedAt?: string;
  dueDate?: string;
  extended?: { at: string; reason: string; dueDate: string };
  pausedDays: number;
  pausedSince?: string;
  closedAt?: string;
  outcome?: string;
  /** A request an officer logged (received by phone, post, chat or email): how it came and how the identity was checked. */
  logged?: { channel: Channel; identityCheck: IdentityCheck; by: string; agent?: Agent };
  /**
   * Made on the form by someone acting for the person (a solicitor, a parent): the relationship and
   * the kind of proof of authority they declared, as codes. Their name and email are personal data,
   * kept with the requester's in the PII record.
   */
  agent?: Agent;
  /** The keyed HMAC of the agent's address, as `emailHash` is the person's: only to tell one agent's repeat from another agent's request, never shown. */
  agentEmailHash?: string;
};

/**
 * Why records may be kept instead of erased (Art. 17(3)): the policy's two holds, which processors
 * answer with, and the two an officer may also record when resolving a task as retained.
 */
export const RetentionBasis = z.enum(['accounting', 'lifetime_warranty', 'legal_claims', 'legal_obligation']);
export type RetentionBasis = z.infer<typeof RetentionBasis>;
/** How a request reached the shop when it did not come through the form (the policy invites phone calls). */
export const Channel = z.enum(['phone', 'post', 'chat', 'email']);
export type Channel = z.infer<typeof Channel>;
/**
 * How the officer checked the identity before logging it; no personal data, only the method:
 * questions only the account holder can answer, a call back to the number on file, a signed letter
 * with an identity document seen, an email from the account's own address, a chat in a signed-in session.
 */
export const IdentityCheck = z.enum(['account_questions', 'call_back_on_file', 'signed_letter_with_id', 'email_from_address_on_file', 'signed_in_chat']);
export type IdentityCheck = z.infer<typeof IdentityCheck>;
/**
 * A request made for someone else (a solicitor for a client, a parent for a child): who the agent
 * is to the person, and which proof of authority the officer reviewed before logging it.
 */
export const AgentProof = z.enum(['signed_authority', 'power_of_attorney', 'parental_responsibility', 'court_order']);
export const Agent = z.strictObject({
  relationship: z.enum(['solicitor', 'parent', 'attorney', 'other']),
  proof: AgentProof,
});
export type Agent = z.infer<typeof Agent>;

/** A task's outcome: from a processor's callback (CallbackBody), a timeout, or an officer's resolution. */
export type TaskOutcome = {
  request_status: 'completed' | 'not_found' | 'retained' | 'failed' | 'timed_out' | 'resolved';
  reason?: string;
  legal_basis?: RetentionBasis;
  retained_until?: string | null;
  /** Further holds a processor kept records under (the callback's additional_holds). */
  additional_holds?: { legal_basis: LegalHold['basis']; retained_until: string | null }[];
  note?: string;
  /** The processor flagged its export as holding other people's data. */
  third_party_data?: boolean;
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
  /**
   * The officer's retries of this task once it failed or timed out. Each is a new message with its
   * own webhook-id (core/webhook.ts `webhookIdOf`), recorded in the write that records the retry.
   */
  retries?: number;
  /**
   * The deadline the message the task is now sent as told the processor (`expected_completion_time`),
   * fixed in the write that records its send, so that every re-delivery under the same webhook-id
   * carries the same bytes after an extension; an officer's retry, a new message, takes the deadline of its day.
   */
  expectedCompletion?: string;
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

/**
 * Standard Webhooks recommends keys of 24 to 64 bytes. A shorter key, which the standardwebhooks
 * package signs and verifies with as readily (it refuses only an empty one), is one an attacker
 * could guess and forge a processor's callbacks with. A longer one does no harm.
 */
export const WEBHOOK_KEY_MIN_BYTES = 24;
/** Padded, standard-alphabet base64: what the standardwebhooks package decodes without throwing. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const WebhookKey = z.string().check(
  z.refine((s) => s.startsWith('whsec_') && BASE64.test(s.slice(6)) && Buffer.from(s.slice(6), 'base64').length >= WEBHOOK_KEY_MIN_BYTES, {
    message: `expected whsec_ and the base64 of at least ${WEBHOOK_KEY_MIN_BYTES} bytes`,
  }),
);

/**
 * A processor's Secrets Manager value: its Standard Webhooks keys, newest first (two while rotating).
 * Every key must be long enough: a short one kept for a rotation would still verify a forged callback.
 */
export const ProcessorSecret = z.object({ secrets: z.array(WebhookKey).check(z.minLength(1)) });

/**
 * Whether a secret's value, refused by ProcessorSecret, still holds a whsec_ key: one the operator
 * did put in, too short or not base64, which deserves its own words rather than "not configured".
 */
export const holdsRefusedWebhookKey = (value: unknown) => {
  const keys = (value as { secrets?: unknown } | undefined)?.secrets;
  return Array.isArray(keys) && keys.some((k) => typeof k === 'string' && k.startsWith('whsec_'));
};

/*
 * The processor registry's schemas are core/registry-schema.ts, which the functions that never read
 * the registry (intake, verify) do not import; the deploy-time check, core/deployable-registry.ts, is
 * in no bundle.
 */
export type { ProcessorEntry, Registry, TransferSafeguard } from './registry-schema.ts';

/** Task ids embed the request id so that a callback finds its task with one GetItem. */
export const taskIdOf = (requestId: string, processorId: string) => `${requestId}.${processorId}`;
export function parseTaskId(taskId: string): { requestId: string; processorId: string } | undefined {
  const m = /^([0-9A-HJKMNP-TV-Z]{26})\.([a-z0-9][a-z0-9-]{1,40})$/.exec(taskId);
  return m ? { requestId: m[1], processorId: m[2] } : undefined;
}
