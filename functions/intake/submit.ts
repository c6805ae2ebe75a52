import { ulid } from 'ulid';
import type { VerificationTokens } from '../adapters/tokens.ts';
import { confirmationEmail } from '../core/emails.ts';
import { TooManyRequests } from '../core/errors.ts';
import type { SubmitBody } from '../core/intake.ts';
import type { Clock, Mailer } from '../core/ports.ts';
import { isOpenRequest } from '../core/status.ts';
import type { DynamoRepository } from '../adapters/repository.ts';
import { emailHash, hmac, newToken, sha256 } from '../shared/crypto.ts';

export const UNVERIFIED_TTL_DAYS = 7;
export const LINK_EVERY_MINUTES = 10;
const DAY = 86_400_000;

export type Limits = { perIpPerHour: number; perEmailPerHour: number };
export type SubmitDeps = { repo: DynamoRepository; tokens: VerificationTokens; mailer: Mailer; clock: Clock; baseUrl: string; limits: Limits };

/** The one answer intake ever gives, whoever the email belongs to. */
export const ACCEPTED = {
  fr: { status: 'check_your_email', message: 'Merci. Si cette adresse est la vôtre, vous allez recevoir un e-mail avec un lien pour confirmer votre demande.' },
  en: { status: 'check_your_email', message: 'Thank you. If this address is yours, you will receive an email with a link to confirm your request.' },
} as const;

/**
 * Records a request and emails its confirmation link. Whether the address belongs to a customer is
 * never looked up here, so the work, the answer and its timing are the same for everyone.
 */
export async function submitRequest(body: SubmitBody, sourceIp: string, deps: SubmitDeps) {
  const now = deps.clock.now();
  const [eh, ih] = await Promise.all([emailHash(body.email), hmac(`ip:${sourceIp}`)]);

  const [ip, mail] = await Promise.all([deps.repo.hit('ip', ih, 3600, now), deps.repo.hit('email', eh, 3600, now)]);
  const over = [ip.count > deps.limits.perIpPerHour && ip, mail.count > deps.limits.perEmailPerHour && mail].find(Boolean);
  if (over) throw new TooManyRequests('too many requests', Math.max(1, over.resetAt - Math.floor(now.getTime() / 1000)));

  const open = await deps.repo.getDedupe(eh, body.type);
  if (open) {
    const existing = await deps.repo.getRequest(open.requestId);
    if (existing && isOpenRequest(existing.status)) {
      const recent = now.getTime() - Date.parse(open.lastLinkAt) < LINK_EVERY_MINUTES * 60_000;
      if (recent || existing.status !== 'unverified') return ACCEPTED[body.language];
      // A fresh link for the same request; the conditional write lets only one concurrent resend through.
      const won = await deps.repo.putDedupe(eh, body.type, { requestId: existing.id, lastLinkAt: now.toISOString() }, open, new Date(now.getTime() + UNVERIFIED_TTL_DAYS * DAY));
      if (won) await sendLink(existing.id, existing.language, existing.type, body.email, now, deps, undefined);
      return ACCEPTED[body.language];
    }
  }

  const id = ulid(now.getTime());
  const statusToken = newToken();
  const expires = new Date(now.getTime() + UNVERIFIED_TTL_DAYS * DAY);
  await deps.repo.createRequest(
    {
      id,
      type: body.type,
      language: body.language,
      status: 'unverified',
      version: 0,
      emailHash: eh,
      details: { eraseWarranty: body.eraseWarranty ?? false, objections: body.objections ?? [], rectification: body.rectification },
      receivedAt: now.toISOString(),
      pausedDays: 0,
      statusTokenHash: sha256(statusToken),
      audit: [],
    },
    { email: body.email.trim(), name: body.name, orderNumber: body.orderNumber },
    expires,
  );
  await deps.repo.putDedupe(eh, body.type, { requestId: id, lastLinkAt: now.toISOString() }, open, expires);
  await sendLink(id, body.language, body.type, body.email, now, deps, statusToken);
  return ACCEPTED[body.language];
}

async function sendLink(id: string, lang: 'fr' | 'en', type: SubmitBody['type'], email: string, now: Date, deps: SubmitDeps, statusToken?: string) {
  const token = newToken();
  await deps.tokens.put(sha256(token), { requestId: id, expiresAt: new Date(now.getTime() + DAY).toISOString(), attempts: 0 });
  const verify = `${deps.baseUrl}/verify?token=${token}`;
  const status = statusToken ? `${deps.baseUrl}/status.html?id=${id}&token=${statusToken}` : `${deps.baseUrl}/status.html?id=${id}`;
  await deps.mailer.send({ to: email.trim(), ...confirmationEmail(lang, type, { verify, status }), kind: 'transactional' });
}
