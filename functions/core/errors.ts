/** Domain errors. The HTTP edge maps them to status codes once (see functions/shared/http.ts). */
export class DomainError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}
/** 404 */
export class NotFound extends DomainError {}
/** 409: the action is not legal in the current state, or lost a race. */
export class Conflict extends DomainError {}
/** 401 */
export class Unauthorized extends DomainError {}
/** 403 */
export class Forbidden extends DomainError {}
/** 410 */
export class Gone extends DomainError {}
/** 429 */
export class TooManyRequests extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}
/** 400 with field-level issues, built from zod or from a domain rule on one field. */
export class InvalidInput extends DomainError {
  constructor(
    message: string,
    readonly issues: { path: string; message: string }[],
  ) {
    super(message);
  }
}

export class IllegalTransition extends Conflict {
  constructor(
    readonly entity: 'request' | 'task',
    readonly from: string,
    readonly event: string,
  ) {
    super(`${entity} in status '${from}' cannot '${event}'`);
  }
}
