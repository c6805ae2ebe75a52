import { SesMailer } from '../adapters/mailer.ts';
import { allTasksSettled, outcomeEmail, PII_RETENTION_DAYS_AFTER_CLOSE, taskAnchors } from '../core/completion.ts';
import { NotFound } from '../core/errors.ts';
import type { Clock, Mailer, Repository } from '../core/ports.ts';
import { repo, systemClock } from '../shared/deps.ts';
import { logger } from '../shared/powertools.ts';

const mailer = new SesMailer();

export async function completeRequest(
  requestId: string,
  deps: { repo: Repository; mailer: Mailer; clock: Clock } = { repo, mailer, clock: systemClock },
) {
  const req = await deps.repo.getRequest(requestId);
  if (!req) throw new NotFound(`request ${requestId} not found`);
  // A re-run after a restart, or a request an officer already closed: nothing more to do.
  if (req.status !== 'in_progress' && req.status !== 'awaiting_manual') return { requestId, status: req.status };
  const tasks = await deps.repo.listTasks(requestId);
  if (!allTasksSettled(tasks)) throw new Error(`request ${requestId} has unsettled tasks`);
  const now = deps.clock.now();
  const done = await deps.repo.transitionRequest(
    req,
    'completed',
    { closedAt: now.toISOString(), outcome: tasks.map((t) => `${t.processorId}:${t.status}`).join(',') },
    { at: now.toISOString(), actor: 'workflow', action: 'complete', subject: requestId, from: req.status, to: 'completed', data: taskAnchors(tasks) },
  );
  const pii = await deps.repo.getPii(requestId);
  if (pii) {
    const mail = outcomeEmail(done, tasks);
    await deps.mailer.send({ to: pii.email, ...mail, kind: 'transactional' });
  }
  await deps.repo.setPiiExpiry(requestId, new Date(now.getTime() + PII_RETENTION_DAYS_AFTER_CLOSE * 86_400_000));
  logger.info('request completed', { requestId, tasks: tasks.length });
  return { requestId, status: done.status };
}
