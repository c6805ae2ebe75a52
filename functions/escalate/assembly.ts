import { unfetchedProcessors } from '../core/assembly.ts';
import type { ProcessorNames } from '../core/completion.ts';
import { NotFound, retryOnRace } from '../core/errors.ts';
import { lease, queueTeam, WORKFLOW_OWNER } from '../core/outbox.ts';
import type { Clock, Mailer } from '../core/ports.ts';
import type { DynamoRepository } from '../adapters/repository.ts';
import { deliverTeam } from '../shared/outbox.ts';
import { logger } from '../adapters/powertools.ts';

/** `processors`: the registry, whose ids alone are kept from Assemble's error. */
export type AssemblyHoldDeps = { repo: DynamoRepository; mailer: Mailer; clock: Clock; baseUrl: string; processors: ProcessorNames };

export type AssemblyHoldInput = { token: string; requestId: string; error: { Error?: string; Cause?: string } };

/** What the console, the audit trail and the team's email say. */
export const ASSEMBLY_FAILED_REASON = 'the copy could not be assembled';

/**
 * The AssemblyFailed state (waitForTaskToken): Assemble failed after its retries (a processor's
 * results_url keeps timing out or answering 5xx). The request waits for an officer (awaiting_manual),
 * with the token this state waits on and the team's email owed (outboxTeam), in one conditional
 * write; the email goes out after, or the sweeper sends it. Run again (a retry of this state, or
 * Assemble failing again after the officer's retry), it records the new token and owes a new email.
 * The record names the providers whose results could not be fetched, when Assemble's error did.
 * A request an officer already closed is left alone: closing it stopped this execution.
 */
export async function holdAssembly(input: AssemblyHoldInput, deps: AssemblyHoldDeps) {
  const error = input.error.Error ?? 'unknown';
  const processors = unfetchedProcessors(input.error.Cause, deps.processors.map((p) => p.id));
  const named = processors.length ? { processors } : {};
  const now = deps.clock.now();
  const held = await retryOnRace(async () => {
    const req = await deps.repo.getRequest(input.requestId);
    if (!req) throw new NotFound(`request ${input.requestId} not found`);
    if (req.status !== 'in_progress' && req.status !== 'awaiting_manual') return undefined;
    const at = now.toISOString();
    return deps.repo.transitionRequest(
      req,
      'awaiting_manual',
      { assemblyFailed: { token: input.token, at, error, ...named }, outboxTeam: queueTeam(req.outboxTeam, 'assembly', lease(req.version + 1, WORKFLOW_OWNER, now)) },
      { at, actor: 'workflow', action: 'assembly_failed', subject: req.id, from: req.status, to: 'awaiting_manual', data: { reason: ASSEMBLY_FAILED_REASON, error, ...(processors.length ? { processors: processors.join(',') } : {}) } },
    );
  });
  if (!held) {
    logger.warn('copy not assembled; the request is closed', { requestId: input.requestId, error });
    return { held: false };
  }
  logger.warn('copy not assembled; the request waits for an officer', { requestId: held.id, error });
  await deliverTeam(held, WORKFLOW_OWNER, now, deps).catch((e: Error) => logger.error('team email left owed for the sweeper', { requestId: held.id, error: e.name }));
  return { held: true };
}
