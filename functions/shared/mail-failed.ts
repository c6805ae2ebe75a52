import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DynamoRepository } from '../adapters/repository.ts';
import { MailFailed } from '../core/errors.ts';
import type { MailFailure, Mailer, StoredRequest } from '../core/ports.ts';
import { metrics } from './metrics.ts';
import { logger } from '../adapters/powertools.ts';

/*
 * Apart from mail.ts, which reads the controller's identity for the requesters' emails at its load:
 * Dispatch, which mails only the team, bundles this without it.
 */

/**
 * An email the mail service refused or could not be reached for: the MailFailed metric feeds its
 * alarm, the log names what it was for and the error only (an SES message may quote the address),
 * and the MailFailed to throw (`message`) is for the caller to retry or leave owed.
 */
export function mailFailure(about: { requestId: string } | { complaintId: string }, kind: string, message: string, e: unknown) {
  const error = (e as Error).name || 'Error';
  metrics.addMetric('MailFailed', MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
  logger.error('mail failed', { ...about, kind, error });
  return { error, thrown: new MailFailed(message, { cause: e }) };
}

export type TrackedMailDeps = { repo: Pick<DynamoRepository, 'markMailFailed' | 'clearMailFailed'>; mailer: Mailer };

/**
 * Sends one of a request's emails as it is (mail.ts sendTracked signs a requester's first). When the
 * mail service refuses or cannot be reached, the request is marked "mail failed" (the console shows
 * it, and offers a resend of a confirmation or an outcome), the MailFailed metric feeds its alarm,
 * and MailFailed is thrown for the caller to retry or leave owed; the mark goes once an email of that
 * kind goes out (for a notice, whichever notice: the notices owed go in order, each marked when it
 * fails). `notice`: which notice, for the mark. Recording is best effort: the failure to send is what matters.
 */
export async function sendMarked(
  req: Pick<StoredRequest, 'id' | 'mailFailed'>,
  kind: MailFailure['kind'],
  msg: Parameters<Mailer['send']>[0],
  now: Date,
  deps: TrackedMailDeps,
  notice?: MailFailure['notice'],
): Promise<void> {
  if (await sendOwed(req, kind, msg, now, deps, notice)) {
    await deps.repo.clearMailFailed(req.id, kind).catch((w: Error) => logger.warn('could not clear the mail failure', { requestId: req.id, error: w.name }));
  }
}

/**
 * Sends an email an outbox intent owes, as sendMarked does, but leaves the mark its going clears to
 * the write that records it sent (the repository's `unmark`), so that one write follows the email:
 * the kind of mark to clear, or undefined when the request carries none of that kind (that write
 * then stays as it is).
 */
export async function sendOwed(
  req: Pick<StoredRequest, 'id' | 'mailFailed'>,
  kind: MailFailure['kind'],
  msg: Parameters<Mailer['send']>[0],
  now: Date,
  deps: Pick<TrackedMailDeps, 'mailer'> & { repo: Pick<DynamoRepository, 'markMailFailed'> },
  notice?: MailFailure['notice'],
): Promise<MailFailure['kind'] | undefined> {
  try {
    await deps.mailer.send(msg);
  } catch (e) {
    const failed = mailFailure({ requestId: req.id }, kind, `the ${notice ? `${notice} notice` : `${kind} email`} of request ${req.id} could not be sent`, e);
    await deps.repo.markMailFailed(req.id, { kind, ...(notice ? { notice } : {}), at: now.toISOString(), error: failed.error }).catch((w: Error) => logger.error('could not record the mail failure', { requestId: req.id, error: w.name }));
    throw failed.thrown;
  }
  return req.mailFailed?.kind === kind ? kind : undefined;
}
