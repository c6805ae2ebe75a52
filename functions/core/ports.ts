import type { AuditInput } from './audit.ts';
import type { AuditEvent, PrivacyRequest, ProcessorTask, RequestStatus, TaskStatus } from './model.ts';
import type { AlertIntent, Delivery, NoticeIntent, OutcomeIntent, RemakeIntent, StopIntent, TeamIntent, TokenIntent } from './outbox.ts';
import type { PurgeIntent } from './export-results.ts';
import type { LiftReason } from './notices.ts';
import type { WorkflowAnswer, WorkflowFailure } from './workflow-answer.ts';

/** What core needs from the outside world. Adapters implement these; tests may fake them. */

export type StoredRequest = PrivacyRequest & {
  audit: AuditEvent[];
  /** SHA-256 of the status-page token; the token itself is only in the requester's email. */
  statusTokenHash: string;
  /** The outbox (core/outbox.ts): the confirmation link and the outcome email still to send. */
  outboxLink?: Delivery;
  outboxOutcome?: OutcomeIntent;
  /** The last email that could not be sent, until one of its kind goes out: shown in the console, which can resend it. */
  mailFailed?: MailFailure;
  /** A notice still to mail (a clarification asked, a refusal, a cancellation), with what it says. */
  outboxNotice?: NoticeIntent;
  /** The team's email that the request waits for an officer, still to send. */
  outboxTeam?: TeamIntent;
  /** The team's alert of a flag the sweeper raised (a reminder, overdue, a lost execution), still to send. */
  outboxAlert?: AlertIntent;
  noticeSeq?: number;
  /** The number of the last confirmation link, and when it went (or goes) out. */
  linkSeq?: number;
  linkAt?: string;
  /** The officer who looks after the request (their console user name), set and changed on the audit trail. */
  owner?: string;
  /** The team's internal notes: never sent to the requester; each added in the same write as its audit event. */
  notes?: InternalNote[];
  /** An access request's package in the export bucket, once assembled. */
  exportKey?: string;
  /** The package deleted, with its key, when the person's later erasure completed (notify/copies.ts): when, and which erasure. */
  copyErased?: { at: string; by: string };
  /** The current download link: SHA-256 of its secret, its end, and its number (a fresh link replaces the last). */
  downloadTokenHash?: string;
  downloadExpiresAt?: string;
  downloadLink?: number;
  /** A package a processor flagged as holding other people's data: it waits for an officer's release. */
  exportRelease?: { flaggedBy: string[]; since: string; releasedBy?: string; releasedAt?: string };
  /** That package, gone, to make again as an officer asked: the sweeper's to do (core/outbox.ts). */
  outboxRemake?: RemakeIntent;
  /** That copy, released by an officer: the request is to be completed, its outcome mailed (core/outbox.ts). */
  outboxRelease?: Delivery;
  /**
   * The sweeper gave that remake up (core/remake.ts): when, the error's name, its tries, the providers
   * whose results could not be fetched (registry ids), and the ask it answers. Recorded in the write
   * that drops the intent and owes the team's email; gone with the officer's next ask.
   */
  remakeFailed?: RemakeFailure;
  /**
   * The copy could not be assembled (Assemble failed after its retries): the request waits for an
   * officer, and the workflow's AssemblyFailed state waits on `token`. The officer's retry sends it
   * back (recorded first: `retriedAt`, `retriedBy`); Assemble removes the whole mark once it succeeds.
   */
  assemblyFailed?: AssemblyFailure;
  /**
   * Refused or cancelled while its execution ran: the execution is still to be stopped. Recorded in
   * the closing write, cleared once stopped (core/outbox.ts).
   */
  outboxStop?: StopIntent;
  /**
   * A completed restriction (`restrict`) an officer lifts from `on` (a London date), for `reason`:
   * recorded once, in the write that owes the requester the notice of it (Art. 18(3)).
   */
  restrictionLift?: RestrictionLift;
  /** An access request closed without a copy: its export results are to be deleted (core/export-results.ts). */
  purgeResults?: PurgeIntent;
};

/** `processors`: the providers whose results could not be fetched, by registry id (core/assembly.ts), when Assemble's error named them. */
export type AssemblyFailure = { token: string; at: string; error: string; processors?: string[]; retriedAt?: string; retriedBy?: string };

export type RemakeFailure = { at: string; error: string; tries: number; processors?: string[]; asked: { at: string; by: string } };

export type RestrictionLift = { at: string; by: string; on: string; reason: LiftReason };

export type InternalNote = { at: string; author: string; text: string };

export type StoredTask = ProcessorTask & {
  audit: AuditEvent[];
  /** The task token the state machine currently waits on (dispatch, or the escalation wait). */
  token?: string;
  /** webhook-id → SHA-256 of the callback body: replayed ids are answered, never applied again. */
  receipts?: Record<string, { bodyHash: string; signature: string; timestamp?: string; body?: string; at: string }>;
  /**
   * Completed by a callback that carried export results: the SHA-256 of its signed body, which keys
   * its RESULT item (kept apart from the task). Written in the task's winning conditional write, so
   * it names the callback that won, never one that lost the race.
   */
  resultsHash?: string;
  /** Completed with results before they were keyed by their callback's body: the task's one `RESULT#<proc>` item. */
  hasResults?: boolean;
  /**
   * The waiting workflow state is still to be sent `token` with the task's outcome: recorded in the
   * write that resolves the task, cleared once sent (core/outbox.ts).
   */
  outboxToken?: TokenIntent;
  /**
   * A manual processor's task: the team's email that it needs a person is still to send. Recorded
   * in the write that sends the task, cleared once mailed (core/outbox.ts). With `escalated` (the
   * reason, as Escalate names it), the team's escalation email instead: an officer's retry that the
   * sweeper timed out, whose webhook the processor refused when the sweeper sent it, or that the
   * processor failed again (its callback records it; the Escalate state the failure re-enters clears it once mailed).
   */
  outboxTeam?: Delivery & { escalated?: string };
  /**
   * An officer's retry: its webhook (number `seq`, the retry's) is still to send. Recorded in the
   * retry's write, cleared once sent (core/outbox.ts).
   */
  outboxWebhook?: Delivery;
  /**
   * When the task's request was refused or cancelled and the task taken out of the watch index
   * (`unwatchTask`): nobody waits for it any more. Never removed; every later write of the task
   * keeps it out of its processor's open tasks and the escalated ones (adapters/table.ts watchOf).
   */
  unwatchedAt?: string;
};

export type Pii = {
  email: string;
  name?: string;
  orderNumber?: string;
  /** Someone acting for the person (the form's agent): their name and email, kept as long as the person's. */
  agentName?: string;
  agentEmail?: string;
  /** The officer's words on what a correction left undone: mailed with every outcome email, the first or a resend, while the address is kept (Art. 12(4)). */
  uncorrected?: string;
  /**
   * The question of the last clarification asked (Art. 12A), moved here from the notice once it is mailed: the officer's
   * words, often quoting the requester's own data, go with the contact data; the audit trail, kept as proof, has their SHA-256.
   */
  clarification?: string;
};

export type RequestPage = { items: StoredRequest[]; cursor?: string };

export interface Repository {
  /** False when the request record exists already (another writer created it). */
  createRequest(req: StoredRequest, pii: Pii, piiExpiresAt: Date): Promise<boolean>;
  getRequest(id: string): Promise<StoredRequest | undefined>;
  getPii(id: string): Promise<Pii | undefined>;
  setPiiExpiry(id: string, expiresAt: Date, keep?: Pick<Pii, 'uncorrected'>): Promise<void>;
  /** Writes onto contact data still kept, leaving its end as it is; onto none past its end or gone. */
  keepWithPii(id: string, keep: Pick<Pii, 'clarification'>): Promise<void>;
  transitionRequest(
    prev: StoredRequest,
    to: RequestStatus,
    changes: Partial<StoredRequest> & Record<string, unknown>,
    event: AuditInput,
    opts?: { removeTtl?: boolean; ttl?: Date; remove?: string[] },
  ): Promise<StoredRequest>;
  /** `expiresAt`: when DynamoDB's TTL removes them (the proof's stated retention). */
  putTasksIfAbsent(tasks: StoredTask[], expiresAt?: Date): Promise<void>;
  listTasks(requestId: string): Promise<StoredTask[]>;
  getTask(requestId: string, processorId: string): Promise<StoredTask | undefined>;
  transitionTask(
    prev: StoredTask,
    to: TaskStatus,
    changes: Partial<StoredTask> & Record<string, unknown>,
    event: AuditInput,
  ): Promise<StoredTask>;
  setTaskToken(prev: StoredTask, token: string): Promise<StoredTask>;
  listRequests(q: { status: RequestStatus; dueFrom?: string; dueBefore?: string; limit?: number; cursor?: string }): Promise<RequestPage>;
}

export interface Clock {
  now(): Date;
}

/** Waits `ms`: timers the tests can fake. */
export type Sleep = (ms: number) => Promise<void>;

/**
 * Which email of a request failed: the confirmation link, the outcome, an officer's notice to the
 * requester (which one in `notice`), or the team's escalation alert, deadline reminder or review notice.
 */
export type MailFailure = { kind: 'confirmation' | 'outcome' | 'notice' | 'escalation' | 'reminder' | 'review'; notice?: NoticeIntent['notice']; at: string; error: string };

export type MailKind = 'transactional' | 'marketing' | 'compliance';
export interface Mailer {
  send(msg: { to: string; subject: string; text: string; html?: string; kind: MailKind }): Promise<void>;
}

/** What it is told goes into the execution's history, which nobody can erase: names and codes only (workflow-answer.ts). */
export interface Workflow {
  start(requestId: string, input: Record<string, unknown>): Promise<string>;
  taskSuccess(token: string, output: WorkflowAnswer): Promise<void>;
  taskFailure(token: string, failure: WorkflowFailure): Promise<void>;
  heartbeat(token: string): Promise<void>;
  /** Stops the request's execution (deny, cancel, and the sweeper for them); one already ended, or unknown, is no error. */
  stop?(requestId: string): Promise<void>;
}

/** What the shop's account service knows of an address (docs/customer-directory.md). */
export interface Customer {
  /** An open account: access requests then also need the account's password. */
  hasAccount: boolean;
  /** When the account was closed (YYYY-MM-DD), from which the accounting hold runs. */
  closedOn: string | null;
  /** The shop keeps orders or invoices of this person: only then is there an accounting hold. */
  accountingRecords: boolean;
  /** The person bought a lifetime-warranty product: only then is there a warranty hold. */
  lifetimeWarranty: boolean;
  /** Asked about an order number: it is an order of this address. Absent when not asked. */
  ownsOrder?: boolean;
}

/**
 * The shop's customer directory: its own account service, behind a signed HTTPS contract
 * (docs/customer-directory.md), or none at all where the shop keeps no customer accounts.
 */
export interface CustomerDirectory {
  /**
   * Undefined when the shop has no record of the address. With an order number, it also says
   * whether that order is one of this address's (`ownsOrder`).
   */
  find(email: string, orderNumber?: string): Promise<Customer | undefined>;
  /** Checks the account's password with the shop, which alone holds it. */
  authenticate(email: string, password: string): Promise<boolean>;
}
