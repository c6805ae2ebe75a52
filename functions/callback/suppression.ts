import { signedWith } from '../adapters/webhook-signing.ts';
import { SecretNotConfigured, Unauthorized } from '../core/errors.ts';
import { ObjectionScope } from '../core/model.ts';
import { parse, parseJson } from '../shared/http.ts';
import { logger } from '../adapters/powertools.ts';
import * as z from '../core/zod.ts';

/** What the shop asks before it uses an address for a purpose: marketing mail, a review invitation, an ad audience. */
export const SuppressionQuery = z.strictObject({ email: z.email().check(z.maxLength(254)), purpose: ObjectionScope });

export type SuppressionDeps = {
  /** The name of the shop's secret, the only thing logged about it. */
  secretRef: string;
  /** The shop's Standard Webhooks secrets (lethe/shop), newest first. */
  secrets: () => Promise<string[]>;
  scopesOf: (emailHash: string) => Promise<ObjectionScope[]>;
  emailHash: (email: string) => Promise<string>;
};

/**
 * No shop key yet: the answer is SecretNotConfigured's 503 (our set-up, not the caller's request), and
 * the operator's log names the secret to fill in.
 */
async function shopSecrets(deps: SuppressionDeps): Promise<string[]> {
  try {
    return await deps.secrets();
  } catch (e) {
    if (e instanceof SecretNotConfigured || (e as Error).name === 'SecretNotConfigured') logger.warn('suppression check refused: the shop secret is not configured', { secretRef: deps.secretRef });
    throw e;
  }
}

/**
 * POST /suppression/check: the shop's marketing, review-invitation and advertising flows ask,
 * signed with the shop's secret, whether an address may be used for a purpose (Art. 21(3): an
 * objection to direct marketing must take effect wherever the shop markets). The answer is only
 * yes or no; the list itself never leaves Lethe, and unsigned callers learn nothing.
 */
export async function checkSuppression(raw: string, headers: Record<string, string | undefined>, deps: SuppressionDeps) {
  if (!signedWith(raw, headers, await shopSecrets(deps))) throw new Unauthorized('signature not valid');
  const q = parse(SuppressionQuery, parseJson(raw));
  return { purpose: q.purpose, suppressed: (await deps.scopesOf(await deps.emailHash(q.email))).includes(q.purpose) };
}
