import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DynamoRepository } from '../adapters/repository.ts';
import { MailFailed } from '../core/errors.ts';
import type { MailFailure, Mailer, StoredRequest } from '../core/ports.ts';
import { metrics } from './metrics.ts';
import { logger } from './powertools.ts';

export type TrackedMailDeps = { repo: Pick<DynamoRepository, 'markMailFailed' | 'clearMailFailed'>; mailer: Mailer };

/**
 * Sends one of a request's emails. When the mail service refuses or cannot be reached, the request
 * is marked "mail failed" (the console shows it and offers a resend), the MailFailed metric feeds
 * its alarm, and MailFailed is thrown for the caller to retry or leave owed; the mark goes once an
 * email of that kind goes out. Recording is best effort: the failure to send is what matters.
 */
export async function sendTracked(
  req: Pick<StoredRequest, 'id' | 'mailFailed'>,
  kind: MailFailure['kind'],
  msg: Parameters<Mailer['send']>[0],
  now: Date,
  deps: TrackedMailDeps,
): Promise<void> {
  try {
    await deps.mailer.send(msg);
  } catch (e) {
    const error = (e as Error).name || 'Error';
    metrics.addMetric('MailFailed', MetricUnit.Count, 1);
    metrics.publishStoredMetrics();
    // The error's name only: an SES message may quote the address.
    logger.error('mail failed', { requestId: req.id, kind, error });
    await deps.repo.markMailFailed(req.id, { kind, at: now.toISOString(), error }).catch((w: Error) => logger.error('could not record the mail failure', { requestId: req.id, error: w.name }));
    throw new MailFailed(`the ${kind} email of request ${req.id} could not be sent`, { cause: e });
  }
  if (req.mailFailed?.kind === kind) {
    await deps.repo.clearMailFailed(req.id, kind).catch((w: Error) => logger.warn('could not clear the mail failure', { requestId: req.id, error: w.name }));
  }
}
