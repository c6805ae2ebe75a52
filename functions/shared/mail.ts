import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DynamoRepository } from '../adapters/repository.ts';
import { config } from '../adapters/config.ts';
import { Controller, identityLines } from '../core/controller.ts';
import { MailFailed } from '../core/errors.ts';
import type { Language } from '../core/model.ts';
import type { MailFailure, Mailer, StoredRequest } from '../core/ports.ts';
import { metrics } from './metrics.ts';
import { logger } from './powertools.ts';

/**
 * The controller, once per cold start of a function that mails (a malformed value fails its start,
 * not an email); read here, not with the rest of the configuration, so that a function that never
 * mails never parses it.
 */
const controller: Controller | undefined = config.CONTROLLER ? Controller.parse(JSON.parse(config.CONTROLLER)) : undefined;

const REQUESTER_MAIL: readonly MailFailure['kind'][] = ['confirmation', 'outcome', 'notice'];

/** Every email to a requester says who the company is and where (from configuration, in their language). */
export const withIdentity = <T extends { text: string }>(msg: T, lang: Language): T =>
  controller ? { ...msg, text: [msg.text, '', ...identityLines(controller, lang)].join('\n') } : msg;

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
 * Sends one of a request's emails. When the mail service refuses or cannot be reached, the request
 * is marked "mail failed" (the console shows it, and offers a resend of a confirmation or an
 * outcome), the MailFailed metric feeds its alarm, and MailFailed is thrown for the caller to retry
 * or leave owed; the mark goes once an email of that kind goes out (for a notice, whichever notice:
 * the notices owed go in order, each marked when it fails). `notice`: which
 * notice, for the mark. Recording is best effort: the failure to send is what matters.
 */
export async function sendTracked(
  req: Pick<StoredRequest, 'id' | 'mailFailed'> & Partial<Pick<StoredRequest, 'language'>>,
  kind: MailFailure['kind'],
  msg: Parameters<Mailer['send']>[0],
  now: Date,
  deps: TrackedMailDeps,
  notice?: MailFailure['notice'],
): Promise<void> {
  const signed = req.language && REQUESTER_MAIL.includes(kind) ? withIdentity(msg, req.language) : msg;
  try {
    await deps.mailer.send(signed);
  } catch (e) {
    const failed = mailFailure({ requestId: req.id }, kind, `the ${notice ? `${notice} notice` : `${kind} email`} of request ${req.id} could not be sent`, e);
    await deps.repo.markMailFailed(req.id, { kind, ...(notice ? { notice } : {}), at: now.toISOString(), error: failed.error }).catch((w: Error) => logger.error('could not record the mail failure', { requestId: req.id, error: w.name }));
    throw failed.thrown;
  }
  if (req.mailFailed?.kind === kind) {
    await deps.repo.clearMailFailed(req.id, kind).catch((w: Error) => logger.warn('could not clear the mail failure', { requestId: req.id, error: w.name }));
  }
}
