import { identityLines } from '../core/controller.ts';
import type { Language } from '../core/model.ts';
import type { MailFailure, Mailer, StoredRequest } from '../core/ports.ts';
import { controller } from './controller.ts';
import { sendMarked, sendOwed, type TrackedMailDeps } from './mail-failed.ts';

const REQUESTER_MAIL: readonly MailFailure['kind'][] = ['confirmation', 'outcome', 'notice'];

/** Every email to a requester says who the company is and where (from configuration, in their language). */
export const withIdentity = <T extends { text: string }>(msg: T, lang: Language): T =>
  controller ? { ...msg, text: [msg.text, '', ...identityLines(controller, lang)].join('\n') } : msg;

const signed = (req: Partial<Pick<StoredRequest, 'language'>>, kind: MailFailure['kind'], msg: Parameters<Mailer['send']>[0]) =>
  req.language && REQUESTER_MAIL.includes(kind) ? withIdentity(msg, req.language) : msg;

/** A request (its language, for a requester's signature), which of its emails, the email, when, and for a notice which. */
type TrackedSend = [
  req: Pick<StoredRequest, 'id' | 'mailFailed'> & Partial<Pick<StoredRequest, 'language'>>,
  kind: MailFailure['kind'],
  msg: Parameters<Mailer['send']>[0],
  now: Date,
  deps: TrackedMailDeps,
  notice?: MailFailure['notice'],
];

/**
 * Sends one of a request's emails, one to a requester signed with who the company is (withIdentity),
 * marking the request "mail failed" when the mail service refuses it (sendMarked, mail-failed.ts).
 */
export async function sendTracked(...[req, kind, msg, now, deps, notice]: TrackedSend): Promise<void> {
  await sendMarked(req, kind, signed(req, kind, msg), now, deps, notice);
}

/**
 * As sendTracked, for an email an outbox intent owes: the "mail failed" mark its going clears is
 * returned for the write that records it sent to clear with it (sendOwed, mail-failed.ts).
 */
export function sendTrackedOwed(...[req, kind, msg, now, deps, notice]: TrackedSend): Promise<MailFailure['kind'] | undefined> {
  return sendOwed(req, kind, signed(req, kind, msg), now, deps, notice);
}
