/**
 * Domain errors. Each carries its HTTP status so the edge maps it once (functions/shared/http.ts);
 * names are literals because bundles are minified and class names do not survive that.
 */
export class DomainError extends Error {
  readonly status: number = 500;
  /** Why it was refused, as a stable code (REFUSAL_REASONS) beside the English message; declared, so that an error without one has no such key. */
  declare readonly reason?: RefusalReason;
  constructor(message: string, options?: ErrorOptions & { reason?: RefusalReason }) {
    super(message, options);
    if (options?.reason) this.reason = options.reason;
  }
}

/**
 * Why the admin API refused an officer's action, one code per refusal. The answer carries it beside
 * its English `message`, which API clients keep: the console words it in the officer's language
 * (web/refusals.js), as the server's English would not be. A Conflict of a class of its own still
 * carries one (BeingSent's `being_sent`), so that every 409 an officer can meet is read the same way;
 * the other refusals it can meet (RetryFailed, MailFailed, Forbidden) are read by their name.
 */
export const REFUSAL_REASONS = [
  'request_status',
  'task_status',
  'concurrent_update',
  'extend_status',
  'extend_once',
  'extend_objection',
  'extend_late',
  'pause_status',
  'pause_not_copy',
  'pause_stopped',
  'pause_late',
  'resume_not_stopped',
  'resume_closed',
  'lift_not_restriction',
  'lift_not_in_place',
  'lift_once',
  'lift_no_contact',
  'resend_no_contact',
  'resend_copy_erased',
  'resend_status',
  'being_sent',
  'notes_full',
  'agent_none',
  'agent_status',
  'agent_no_contact',
  'reassemble_none',
  'release_none',
  'package_gone',
  'package_kept',
  'results_gone',
  'resolve_waiting',
  'resolve_closed',
  'retry_status',
  'retry_removed',
  'retry_manual',
  'retry_closed',
  'retry_closed_meanwhile',
  'complaint_acknowledged',
  'complaint_responded',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];
/** A field-level message; `messages` carries it in both languages where a page may switch language. */
export type Issue = { path: string; message: string; messages?: { fr: string; en: string } };

export class InvalidInput extends DomainError {
  override readonly name: string = 'InvalidInput';
  override readonly status: number = 400;
  constructor(
    message: string,
    readonly issues: Issue[],
  ) {
    super(message);
  }
}
/**
 * An Idempotency-Key sent again with another body: the key stands for the request its first body
 * logged (`requestId`, once that request is written), so this body is neither that request nor, under
 * this key, a new one. A 422, as draft-ietf-httpapi-idempotency-key-header answers a key reused with
 * another payload; the issue names the header.
 */
export class IdempotencyKeyReused extends InvalidInput {
  override readonly name = 'IdempotencyKeyReused';
  override readonly status = 422;
  /** Declared, so that a refusal naming no request has no such key. */
  declare readonly requestId?: string;
  constructor(requestId?: string) {
    const logged = requestId ? `request ${requestId} was logged under it` : 'a request is being logged under it';
    super('Idempotency-Key already used with another body', [
      { path: 'Idempotency-Key', message: `this key was sent with another body, and ${logged}: send the same body again to get that request, or a new key to log another` },
    ]);
    if (requestId) this.requestId = requestId;
  }
}
/**
 * A body under a media type its route does not read (a JSON route's body sent as text/plain, a form's
 * as JSON), or under none: refused before it is read. The issue names the header, as a bad
 * Idempotency-Key's does.
 */
export class UnsupportedMediaType extends InvalidInput {
  override readonly name = 'UnsupportedMediaType';
  override readonly status = 415;
  constructor(expected: string) {
    super('unsupported media type', [{ path: 'Content-Type', message: `send the body as ${expected} (UTF-8)` }]);
  }
}
export class Unauthorized extends DomainError {
  override readonly name = 'Unauthorized';
  override readonly status = 401;
}
export class Forbidden extends DomainError {
  override readonly name = 'Forbidden';
  override readonly status = 403;
}
export class NotFound extends DomainError {
  override readonly name = 'NotFound';
  override readonly status = 404;
}
/** The action is not legal in the current state, or lost a race. */
export class Conflict extends DomainError {
  override readonly name: string = 'Conflict';
  override readonly status = 409;
}
/**
 * An email an officer asked to resend is being sent right now by another deliverer (the sweeper, or
 * intake within its lease): a second send would race it. `until`: when its lease ends, after which a
 * resend mails it if it has not gone.
 */
export class BeingSent extends Conflict {
  override readonly name = 'BeingSent';
  constructor(readonly until: string) {
    super(`this email is being sent automatically right now; if it has not gone by ${until}, resend it then`, { reason: 'being_sent' });
  }
}
/**
 * A held copy whose package S3 has deleted, or will within a day: releasing it would tell the
 * requester their copy is ready with a link that does not work (core/completion.ts releasableCopy).
 */
export class PackageGone extends Conflict {
  override readonly name = 'PackageGone';
  constructor(message: string) {
    super(message, { reason: 'package_gone' });
  }
}
/**
 * A held copy whose package is gone, and so are the processors' results it was made from (they are
 * kept 120 days from their callback): it can never be made again, and the requester must ask again.
 */
export class ResultsGone extends Conflict {
  override readonly name = 'ResultsGone';
  constructor(message: string) {
    super(message, { reason: 'results_gone' });
  }
}
export class Gone extends DomainError {
  override readonly name = 'Gone';
  override readonly status = 410;
}
export class PayloadTooLarge extends DomainError {
  override readonly name = 'PayloadTooLarge';
  override readonly status = 413;
}
export class TooManyRequests extends DomainError {
  override readonly name = 'TooManyRequests';
  override readonly status = 429;
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}
/** A system Lethe depends on (the shop's account service) did not answer: try again shortly. */
export class Unavailable extends DomainError {
  override readonly name: string = 'Unavailable';
  override readonly status = 503;
}

/**
 * An email could not be handed to the mail service. The request records it ("mail failed"), the
 * alarm fires, and the outbox or the officer's resend delivers it later: never a lost request, and
 * never a failed execution (the workflow retries, then catches exactly this name).
 */
export class MailFailed extends DomainError {
  override readonly name = 'MailFailed';
  override readonly status = 502;
}

/**
 * A webhook an officer sent again did not get through. The task is failed again (the delivery on its
 * trail), so the officer can retry or resolve it: a clear answer, not a 500 that reads as nothing done.
 */
export class RetryFailed extends DomainError {
  override readonly name = 'RetryFailed';
  override readonly status = 502;
}

/**
 * A processor's signing secret holds no key yet (it is created empty; the operator fills it after
 * the deploy, and `npm run preflight` says so). Nothing can be signed or verified for it: its
 * webhooks escalate with the reason "secret not configured", its callbacks get a 401. Anywhere else
 * it is a 503: the server is not set up, which is nothing the caller's request conflicts with. No
 * Retry-After, unlike SecretUnavailable: waiting cures nothing until the operator puts a key in.
 */
export class SecretNotConfigured extends DomainError {
  override readonly name = 'SecretNotConfigured';
  override readonly status = 503;
}

/**
 * A secret is there but could not be read (Secrets Manager throttled, timed out, failed on its side,
 * or refused access): nothing is refused for it, the caller comes back (a callback's 503 with
 * Retry-After, Dispatch's retry), unlike SecretNotConfigured, which no retry cures.
 */
export class SecretUnavailable extends Unavailable {
  override readonly name = 'SecretUnavailable';
}

/** How an escalation names the error that caused it, where the state machine's error name is cryptic. */
export const ESCALATION_REASONS: Record<string, string> = { SecretNotConfigured: 'secret not configured', SecretUnavailable: 'secret could not be read' };

export class IllegalTransition extends Conflict {
  override readonly name = 'IllegalTransition';
  constructor(
    readonly entity: 'request' | 'task',
    readonly from: string,
    readonly event: string,
  ) {
    super(`${entity} in status '${from}' cannot '${event}'`, { reason: `${entity}_status` });
  }
}

/** A conditional write lost a race: reload and try again (the edge answers 409 if it keeps losing). */
export class ConcurrentUpdate extends Conflict {
  override readonly name = 'ConcurrentUpdate';
  constructor(message: string) {
    super(message, { reason: 'concurrent_update' });
  }
}

/** Runs a read-decide-write step again when it loses a race, a few times. */
export async function retryOnRace<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (!(e instanceof ConcurrentUpdate) || i >= attempts) throw e;
      await new Promise((r) => setTimeout(r, 10 * i));
    }
  }
}
