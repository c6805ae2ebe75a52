import type { Category } from './model.ts';
import { howToComplain } from './notices.ts';
import type { StoredRequest, StoredTask } from './ports.ts';
import { isOpenRequest, currentDue } from './status.ts';

export type CategoryProgress = { category: Category; state: 'not_started' | 'in_progress' | 'done' | 'retained'; reason?: string };

const rank = { not_started: 0, in_progress: 1, retained: 2, done: 3 } as const;

/** Per-category progress for the requester: no processor names, no personal data. */
export function categoryProgress(tasks: readonly StoredTask[]): CategoryProgress[] {
  const by = new Map<Category, CategoryProgress>();
  for (const t of tasks) {
    const state: CategoryProgress['state'] =
      t.status === 'pending' ? 'not_started'
      // An officer's "kept" is kept too: the page says what the outcome email says.
      : t.status === 'retained' || (t.status === 'resolved' && t.outcome?.reason === 'retained') ? 'retained'
      : ['completed', 'not_found', 'resolved'].includes(t.status) ? 'done'
      : 'in_progress';
    const prev = by.get(t.category);
    // A category is only as far along as its slowest processor.
    if (!prev || rank[state] < rank[prev.state]) {
      by.set(t.category, { category: t.category, state, ...(state === 'retained' && t.outcome?.legal_basis ? { reason: t.outcome.legal_basis } : {}) });
    }
  }
  return [...by.values()];
}

export function requesterView(req: StoredRequest, tasks: readonly StoredTask[]) {
  return {
    id: req.id,
    type: req.type,
    status: req.status,
    language: req.language,
    receivedAt: req.receivedAt,
    verifiedAt: req.verifiedAt ?? null,
    dueDate: currentDue(req) ?? null,
    extended: Boolean(req.extended),
    closedAt: req.closedAt ?? null,
    /** Art. 12A: the clock is stopped while we wait for the clarification we asked for by email; a closed request has no clock, though it keeps when it was stopped. */
    paused: Boolean(req.pausedSince) && isOpenRequest(req.status),
    categories: categoryProgress(tasks),
    complain: howToComplain(req.language),
  };
}
