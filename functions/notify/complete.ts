import { SesMailer } from '../adapters/mailer.ts';
import { allTasksSettled, outcomeEmail, PII_RETENTION_DAYS_AFTER_CLOSE, taskAnchors } from '../core/completion.ts';
import { config } from '../adapters/config.ts';
import { NotFound } from '../core/errors.ts';
import { describeHold, warrantyWarning } from '../core/holds.ts';
import type { LegalHold } from '../core/model.ts';
import { newToken, sha256 } from '../shared/crypto.ts';
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
  const extra: string[] = [];
  const changes: Record<string, unknown> = {};
  for (const h of keptRecords(tasks)) extra.push('', describeHold(h, req.language));
  if (req.type === 'erasure' && req.details.eraseWarranty) extra.push('', warrantyWarning(req.language));
  const exportKey = (req as { exportKey?: string }).exportKey;
  if (req.type === 'access' && exportKey) {
    // The package goes only to the verified mailbox: a link that needs this secret, for 72 hours.
    const token = newToken();
    Object.assign(changes, { downloadTokenHash: sha256(token), downloadExpiresAt: new Date(now.getTime() + DOWNLOAD_HOURS * 3_600_000).toISOString() });
    extra.push('', downloadLine(req.language, `${config.PUBLIC_BASE_URL}/exports/${requestId}?token=${token}`));
  }
  const done = await deps.repo.transitionRequest(
    req,
    'completed',
    { closedAt: now.toISOString(), outcome: tasks.map((t) => `${t.processorId}:${t.status}`).join(','), ...changes },
    { at: now.toISOString(), actor: 'workflow', action: 'complete', subject: requestId, from: req.status, to: 'completed', data: taskAnchors(tasks) },
  );
  const pii = await deps.repo.getPii(requestId);
  if (pii) {
    const mail = outcomeEmail(done, tasks, extra);
    await deps.mailer.send({ to: pii.email, ...mail, kind: 'transactional' });
  }
  await deps.repo.setPiiExpiry(requestId, new Date(now.getTime() + PII_RETENTION_DAYS_AFTER_CLOSE * 86_400_000));
  logger.info('request completed', { requestId, tasks: tasks.length });
  return { requestId, status: done.status };
}

export const DOWNLOAD_HOURS = 72;

/** What was kept, from the processors' `retained` answers (basis and until-date), once per basis. */
function keptRecords(tasks: readonly import('../core/ports.ts').StoredTask[]): Pick<LegalHold, 'basis' | 'until'>[] {
  const seen = new Map<string, Pick<LegalHold, 'basis' | 'until'>>();
  for (const t of tasks) {
    if (t.status === 'retained' && t.outcome?.legal_basis) seen.set(t.outcome.legal_basis, { basis: t.outcome.legal_basis, until: t.outcome.retained_until ?? null });
  }
  return [...seen.values()];
}

const downloadLine = (lang: 'fr' | 'en', url: string) =>
  lang === 'fr'
    ? `Vos données sont prêtes. Téléchargez-les ici (lien valable 72 heures) :\n${url}`
    : `Your data is ready. Download it here (the link works for 72 hours):\n${url}`;
