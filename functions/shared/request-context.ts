import type { DynamoRepository } from '../adapters/repository.ts';
import type { RequestContext } from '../core/pages.ts';
import type { StoredRequest } from '../core/ports.ts';
import { statusLinkWorks } from '../core/requester-status.ts';
import { currentDue } from '../core/status.ts';
import { derivedToken, sameHash, sha256 } from './crypto.ts';

/** Whether the request's status link still works: as long as its requester's contact data is kept, read from that data's end (core's statusLinkWorks). */
export async function statusLinkLive(id: string, deps: { repo: Pick<DynamoRepository, 'getPiiExpiry'>; now: Date }): Promise<boolean> {
  return statusLinkWorks(await deps.repo.getPiiExpiry(id), deps.now);
}

/**
 * What a requester's page shows of its request (the confirmation link's, the download link's). The
 * status page's link is the one in the requester's email (its token is derived, shared/crypto.ts);
 * whoever holds either link holds that email too. After an officer's resend the email carries
 * another token, and the page then only points at it. `live`: whether that link still works
 * (statusLinkLive); once it does not, no page points at it.
 */
export async function requestContext(req: StoredRequest, live: boolean): Promise<RequestContext> {
  const token = await derivedToken('status', req.id);
  const statusHref = live && sameHash(req.statusTokenHash, sha256(token)) ? `/status.html?id=${req.id}&token=${token}` : undefined;
  const { id, type, status, receivedAt, verifiedAt, closedAt } = req;
  return { id, type, status, receivedAt, verifiedAt, dueDate: currentDue(req), closedAt, statusHref };
}
