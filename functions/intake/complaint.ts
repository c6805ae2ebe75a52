import { randomUUID } from 'node:crypto';
import type { EdgeRepository } from '../adapters/repository.ts';
import { chain, sha256 } from '../core/audit.ts';
import { COMPLAINT_RECEIVED, type ComplaintBody, complaintId } from '../core/complaint-form.ts';
import { acknowledgeBy, COMPLAINTS_PER_IP_PER_HOUR, OPEN_COMPLAINT_KEEP_DAYS, type StoredComplaint } from '../core/complaints.ts';
import { TooManyRequests } from '../core/errors.ts';
import { rateLimitAddress } from '../core/ip.ts';
import { retryAfterSeconds } from '../core/rate-limit.ts';
import { lease } from '../core/outbox.ts';
import type { Clock, Mailer } from '../core/ports.ts';
import { emailHash, hmac, inboxHash } from '../shared/crypto.ts';
import { deliverComplaintAck } from '../shared/outbox.ts';
import { logger } from '../adapters/powertools.ts';

const DAY = 86_400_000;

export type ComplaintDeps = { repo: EdgeRepository; mailer: Mailer; clock: Clock };

/**
 * Records a complaint (DPA 2018 s.164A) with its acknowledgement owed in the same write, then mails
 * it. Whether the address or the request reference belongs to anyone is never looked up, so the work
 * and the answer are the same for everyone. Only the client address's new complaints are refused
 * past their limit; past an address's hourly share of acknowledgements the complaint is recorded all
 * the same, and its email waits until that share has room again (deliverComplaintAck; the sweeper sends it); past
 * its daily share, the email is not sent and the team acknowledges the complaint by hand.
 */
export async function submitComplaint(body: ComplaintBody, sourceIp: string, deps: ComplaintDeps) {
  const now = deps.clock.now();
  const eh = await emailHash(body.email);
  // Keyed: the id is mailed to whoever typed the address, and must not let anyone test a guess of the words.
  const textSha256 = sha256(body.text);
  const id = complaintId(now.getTime(), await hmac(`complaint:${eh}:${body.requestId ?? ''}:${textSha256}`));
  const ip = await deps.repo.takeShare('complaint-ip', await hmac(`ip:${rateLimitAddress(sourceIp)}`), [{ seconds: 3600, limit: COMPLAINTS_PER_IP_PER_HOUR }], now);
  // A complaint recorded already (sent again within its minutes, after a lost answer) is no new one:
  // answered as the first was, though its client address has had its share since. Only whoever sent
  // these very words from this address within the minutes can meet it, so it tells nobody anything.
  if (!ip.allowed && !(await deps.repo.getComplaint(id))) throw new TooManyRequests('too many complaints', retryAfterSeconds(ip.retryAt, now));
  if (!ip.allowed) return COMPLAINT_RECEIVED[body.language];
  const me = randomUUID();
  const at = now.toISOString();
  const complaint: StoredComplaint = {
    id,
    status: 'received',
    version: 0,
    language: body.language,
    receivedAt: at,
    acknowledgeBy: acknowledgeBy(at),
    ...(body.requestId ? { requestId: body.requestId } : {}),
    email: body.email,
    ...(body.name ? { name: body.name } : {}),
    text: body.text,
    inboxHash: await inboxHash(body.email),
    // The ledger names no free text: the complaint's words are proved by their hash.
    audit: [chain(undefined, { at, actor: 'complainant', action: 'complaint', subject: id, to: 'received', data: { requestId: body.requestId ?? null, textSha256 } })],
    outboxAck: lease(1, me, now),
  };
  // Sent again within its minutes: recorded once, its acknowledgement already owed (delivered by its first sender or the sweeper).
  if (!(await deps.repo.createComplaint(complaint, new Date(now.getTime() + OPEN_COMPLAINT_KEEP_DAYS * DAY)))) return COMPLAINT_RECEIVED[body.language];
  // Recorded: from here on nothing is answered with an error; an acknowledgement not sent stays owed.
  try {
    await deliverComplaintAck(complaint, me, now, deps);
  } catch (e) {
    logger.error('complaint acknowledgement left owed for the sweeper', { complaintId: id, error: (e as Error).name });
  }
  return COMPLAINT_RECEIVED[body.language];
}
