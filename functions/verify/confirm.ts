import { customerDirectory } from '../adapters/customers.ts';
import type { DynamoRepository } from '../adapters/repository.ts';
import type { VerificationTokens } from '../adapters/tokens.ts';
import { dueDate } from '../core/deadline.ts';
import type { Language } from '../core/model.ts';
import type { Clock, CustomerDirectory, Workflow } from '../core/ports.ts';
import { sha256 } from '../shared/crypto.ts';
import { startVerified } from '../shared/outbox.ts';

export const MAX_ATTEMPTS = 5;

export type VerifyDeps = { repo: DynamoRepository; tokens: VerificationTokens; customers: Pick<CustomerDirectory, 'find' | 'authenticate'>; workflow: Workflow; clock: Clock };

export type Outcome =
  | { kind: 'invalid'; lang: Language }
  | { kind: 'locked'; lang: Language }
  | { kind: 'ask'; lang: Language; type: import('../core/model.ts').RequestType; askPassword: boolean; error?: boolean }
  | { kind: 'confirmed'; lang: Language; due: string };

async function load(token: string, deps: VerifyDeps, now: Date) {
  const hash = sha256(token);
  const rec = await deps.tokens.get(hash);
  if (!rec || Date.parse(rec.expiresAt) <= now.getTime() || rec.attempts >= MAX_ATTEMPTS) return undefined;
  const req = await deps.repo.getRequest(rec.requestId);
  return req ? { hash, rec, req } : undefined;
}

/** Access requests by account holders also need the account password ("email and password"). */
async function needsPassword(req: { id: string; type: string }, deps: VerifyDeps) {
  if (req.type !== 'access') return { ask: false as const };
  const email = (await deps.repo.getPii(req.id))?.email;
  const c = email ? await deps.customers.find(email) : undefined;
  return email && c?.hasAccount ? { ask: true as const, email } : { ask: false as const };
}

/** GET /verify: reads, never writes; mail scanners prefetch links. */
export async function preview(token: string, deps: VerifyDeps): Promise<Outcome> {
  const found = await load(token, deps, deps.clock.now());
  if (!found) return { kind: 'invalid', lang: 'fr' };
  const pw = await needsPassword(found.req, deps);
  return { kind: 'ask', lang: found.req.language, type: found.req.type, askPassword: pw.ask };
}

/** POST /verify: proves control of the mailbox (and of the account, for exports), then starts the work. */
export async function confirm(token: string, password: string | undefined, deps: VerifyDeps): Promise<Outcome> {
  const now = deps.clock.now();
  const found = await load(token, deps, now);
  if (!found) return { kind: 'invalid', lang: 'fr' };
  let { req } = found;
  const lang = req.language;
  if (req.status === 'unverified') {
    const pw = await needsPassword(req, deps);
    if (pw.ask && !(password && (await deps.customers.authenticate(pw.email, password)))) {
      const attempts = await deps.tokens.failAttempt(found.hash);
      if (attempts >= MAX_ATTEMPTS) {
        await deps.tokens.burn(found.hash);
        return { kind: 'locked', lang };
      }
      return { kind: 'ask', lang, type: req.type, askPassword: true, error: true };
    }
    const verifiedAt = now.toISOString();
    const due = dueDate(verifiedAt);
    req = await deps.repo.transitionRequest(
      req,
      'verified',
      { verifiedAt, dueDate: due },
      { at: verifiedAt, actor: 'requester', action: 'verify', subject: req.id, from: 'unverified', to: 'verified', data: { dueDate: due, accountChecked: pw.ask } },
      // A link still owed is no use once confirmed.
      { removeTtl: true, remove: ['outboxLink'] },
    );
  } else if (!['verified', 'in_progress', 'awaiting_manual', 'completed'].includes(req.status)) {
    return { kind: 'invalid', lang };
  }
  // `verified` is the intent: until Plan moves the request on, its execution is owed. Delivered here,
  // and again by a retry with the same link or by the sweeper if this fails or dies; the execution
  // is named by the request id, so a double click, a retry or the sweeper starts nothing twice.
  if (req.status === 'verified') await startVerified(req, deps);
  // Single use: burnt only once the work has started, so a crash in between can be retried with the same link.
  await deps.tokens.burn(found.hash);
  return { kind: 'confirmed', lang, due: req.dueDate ?? '' };
}

export const defaultCustomers = customerDirectory;
