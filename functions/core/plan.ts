import { type HoldFacts, holdsFor } from './holds.ts';
import {
  type Category,
  type Corrections,
  ObjectionScope,
  objectedScopes,
  type PersonalField,
  type ProcessorEntry,
  type RequestType,
  type TaskAction,
  taskIdOf,
} from './model.ts';
import type { StoredRequest, StoredTask } from './ports.ts';

export const ACTION: Record<RequestType, TaskAction> = { access: 'export', erasure: 'erase', rectification: 'rectify', objection: 'suppress', restrict: 'restrict' };

/**
 * An objection reaches only the processors that market, profile or invite, by scope:
 * - marketing: the newsletter tool (email), the social apps' retargeting (social), and analytics &
 *   advertising, since the ICO counts profiling for direct marketing as direct marketing (Art. 21(2)-(3));
 * - reviews: the review-invitation provider, which sits in the email category;
 * - profiling: analytics & advertising, and the social apps' ad audiences.
 * Payments, delivery and collections never receive an objection: they neither market nor profile.
 */
export const OBJECTION_CATEGORIES: Record<ObjectionScope, Category[]> = {
  marketing: ['email', 'social', 'analytics'],
  reviews: ['email'],
  profiling: ['analytics', 'social'],
};

/**
 * The uses the address goes on the suppression list for, which the shop's marketing, review and
 * advertising flows check before using it (the signed check, functions/callback/suppression.ts):
 * - an objection: its scopes, and an objection to marketing covers profiling for marketing too;
 * - an erasure or a restriction: all of them. The ICO advises keeping this minimal record (an HMAC, never the
 *   address), or the erased address, still in some list of the shop's, would be mailed again.
 */
export function suppressionScopes(req: Pick<StoredRequest, 'type' | 'details'>): ObjectionScope[] {
  // A restricted address may only be stored (Art. 18(2)): no marketing, invitation or profiling either.
  if (req.type === 'erasure' || req.type === 'restrict') return [...ObjectionScope.options];
  if (req.type !== 'objection') return [];
  const s = new Set(objectedScopes(req.details.objections));
  if (s.has('marketing')) s.add('profiling');
  return ObjectionScope.options.filter((x) => s.has(x));
}

/**
 * Whether an objection to `scopes` reaches a processor: its category carries one of them and, where the registry names
 * the uses it carries out (`uses`), that use is among them; profiling for direct marketing being direct marketing, an
 * objection to marketing reaches a processor that profiles. Until November 29, 2026 every processor of a category was
 * reached: an objection to the newsletter alone went to the review provider, and the requester read that the review
 * provider had stopped using their data, while review invitations went on.
 */
export function objectionReaches(p: Pick<ProcessorEntry, 'category' | 'uses'>, scopes: readonly ObjectionScope[]): boolean {
  return objectedScopes(scopes).some((s) => OBJECTION_CATEGORIES[s].includes(p.category) && (!p.uses || p.uses.includes(s) || (s === 'marketing' && p.uses.includes('profiling'))));
}

/** Categories an objection reaches. No scope at all (intake refuses it) is read as the broadest objection. */
export function objectionCategories(scopes: readonly ObjectionScope[]): Set<Category> {
  return new Set(objectedScopes(scopes).flatMap((x) => OBJECTION_CATEGORIES[x]));
}

/**
 * The order tasks are dispatched in: for an objection, email processors first, because an
 * objection to direct marketing (Art. 21(3)) must take effect at once; otherwise registry order.
 */
export function orderTasks<T extends Pick<StoredTask, 'processorId' | 'category'>>(tasks: readonly T[], type: RequestType, processors: readonly ProcessorEntry[]): T[] {
  const rank = new Map(processors.map((p, i) => [p.id, i]));
  const emailFirst = (t: T) => (type === 'objection' && t.category === 'email' ? 0 : 1);
  return [...tasks].sort(
    (a, b) =>
      emailFirst(a) - emailFirst(b) ||
      (rank.get(a.processorId) ?? Number.MAX_SAFE_INTEGER) - (rank.get(b.processorId) ?? Number.MAX_SAFE_INTEGER) ||
      a.processorId.localeCompare(b.processorId),
  );
}

const PERSONAL: readonly string[] = ['email', 'name', 'postal_address', 'phone'] satisfies PersonalField[];
/** The personal fields a processor holds: as the registry declares, or else the identities it is sent. */
export const heldFields = (p: Pick<ProcessorEntry, 'fields' | 'identities'>): PersonalField[] => p.fields ?? (p.identities.filter((f) => PERSONAL.includes(f)) as PersonalField[]);

/** The part of a correction a processor holds: it receives those fields only (Art. 19, data minimisation). */
export const correctionsFor = (p: Pick<ProcessorEntry, 'fields' | 'identities'>, c: Corrections): Corrections =>
  Object.fromEntries(heldFields(p).filter((f) => c[f] !== undefined).map((f) => [f, c[f]]));

/**
 * One pending task per processor that supports the request type (objections: only the processors
 * they reach, above; a correction: only the processors that hold a field it corrects). Each erasure task carries its category's legal holds, so the processor restricts those
 * records instead of destroying them; other request types carry none.
 */
export function planTasks(req: StoredRequest, processors: readonly ProcessorEntry[], o: { customer: HoldFacts | undefined; today: string }): StoredTask[] {
  const corrections = req.type === 'rectification' ? req.details.corrections : undefined;
  const chosen = processors.filter(
    (p) =>
      p.supports.includes(req.type) &&
      (req.type !== 'objection' || objectionReaches(p, req.details.objections)) &&
      (!corrections || Object.keys(correctionsFor(p, corrections)).length > 0),
  );
  const tasks: StoredTask[] = chosen.map((p) => ({
    taskId: taskIdOf(req.id, p.id),
    requestId: req.id,
    processorId: p.id,
    category: p.category,
    action: ACTION[req.type],
    status: 'pending',
    version: 0,
    attempts: 0,
    holds:
      req.type === 'erasure'
        ? holdsFor(p.category, { eraseWarranty: req.details.eraseWarranty, customer: o.customer, today: o.today })
        : [],
    audit: [],
  }));
  return orderTasks(tasks, req.type, processors);
}
