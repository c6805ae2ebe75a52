import { holdsFor } from './holds.ts';
import { type Category, type ObjectionScope, type ProcessorEntry, type RequestType, type TaskAction, taskIdOf } from './model.ts';
import type { StoredRequest, StoredTask } from './ports.ts';

const ACTION: Record<RequestType, TaskAction> = { access: 'export', erasure: 'erase', rectification: 'rectify', objection: 'suppress' };

/**
 * An objection reaches only the processors that market, profile or invite, by scope: marketing
 * emails (newsletter tool, social apps' retargeting), review invitations (the review provider is in
 * the email category) and profiling for advertising (analytics & advertising, social apps).
 */
const OBJECTION_CATEGORIES: Record<ObjectionScope, Category[]> = {
  marketing: ['email', 'social'],
  reviews: ['email'],
  profiling: ['analytics', 'social'],
};

/** One task per processor that supports the request; objections go to email processors first. */
export function planTasks(req: StoredRequest, processors: readonly ProcessorEntry[], o: { accountClosedOn: string | null }): StoredTask[] {
  const wanted =
    req.type === 'objection' ? new Set(req.details.objections.flatMap((s) => OBJECTION_CATEGORIES[s])) : undefined;
  const chosen = processors
    .filter((p) => p.supports.includes(req.type) && (!wanted || wanted.has(p.category)))
    .sort((a, b) => (req.type === 'objection' ? Number(b.category === 'email') - Number(a.category === 'email') : 0));
  return chosen.map((p) => ({
    taskId: taskIdOf(req.id, p.id),
    requestId: req.id,
    processorId: p.id,
    category: p.category,
    action: ACTION[req.type],
    status: 'pending',
    version: 0,
    attempts: 0,
    holds: req.type === 'erasure' ? holdsFor(p.category, { eraseWarranty: req.details.eraseWarranty, accountClosedOn: o.accountClosedOn }) : [],
    audit: [],
  }));
}
