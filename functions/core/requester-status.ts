import { Category, type Language, type RetentionBasis } from './model.ts';
import { howToComplain, ICO } from './notices.ts';
import type { StoredRequest, StoredTask } from './ports.ts';
import { clockStopped } from './deadline.ts';
import { isOpenRequest, currentDue } from './status.ts';

/** One ground a category's records are kept on, and until when (null: open-ended, or until the account closes). */
export type KeptFor = { basis: RetentionBasis; until: string | null };
export type CategoryProgress = {
  category: Category;
  state: 'not_started' | 'in_progress' | 'done' | 'retained';
  /** The first of `kept`'s bases, for a status page loaded before `kept` existed. */
  reason?: RetentionBasis;
  /** Every distinct basis and end date a processor of the category kept records under (Art. 12, 17(3)). */
  kept?: KeptFor[];
  /** A kept category in which another processor did erase: "kept" alone would say nothing was. */
  someDone?: true;
};

type State = CategoryProgress['state'];
const rank = { not_started: 0, in_progress: 1, retained: 2, done: 3 } as const;

const kept = (t: StoredTask) => t.status === 'retained' || (t.status === 'resolved' && t.outcome?.reason === 'retained');
function stateOf(t: StoredTask): State {
  if (t.status === 'pending') return 'not_started';
  // An officer's "kept" is kept too: the page says what the outcome email says.
  if (kept(t)) return 'retained';
  return ['completed', 'not_found', 'resolved'].includes(t.status) ? 'done' : 'in_progress';
}
/** The holds a kept task names: its legal basis, then any further holds the processor reported. */
const holdsOf = (o: StoredTask['outcome']): KeptFor[] =>
  o?.legal_basis ? [{ basis: o.legal_basis, until: o.retained_until ?? null }, ...(o.additional_holds ?? []).map((h) => ({ basis: h.legal_basis, until: h.retained_until }))] : [];

/**
 * Per-category progress for the requester: no processor names, no personal data. In the policy's
 * order, the shop's own systems first, as the outcome email and the copy list their holders: the tasks
 * come listed by processor id, which put "Emails" first and the shop's own systems third.
 */
export function categoryProgress(tasks: readonly StoredTask[]): CategoryProgress[] {
  const by = new Map<Category, StoredTask[]>();
  for (const t of tasks) by.set(t.category, [...(by.get(t.category) ?? []), t]);
  const order = (c: Category) => Category.options.indexOf(c);
  return [...by].sort(([a], [b]) => order(a) - order(b)).map(([category, ts]) => {
    // A category is only as far along as its slowest processor.
    const state = ts.map(stateOf).reduce((a, b) => (rank[b] < rank[a] ? b : a));
    if (state !== 'retained') return { category, state };
    // Every processor's grounds, each once: two processors keeping on different bases are two answers to give.
    const holds = ts.filter(kept).flatMap((t) => holdsOf(t.outcome));
    const distinct = holds.filter((h, i) => holds.findIndex((o) => o.basis === h.basis && o.until === h.until) === i);
    return {
      category,
      state,
      ...(distinct.length ? { reason: distinct[0].basis, kept: distinct } : {}),
      ...(ts.some((t) => stateOf(t) === 'done') ? { someDone: true as const } : {}),
    };
  });
}

/**
 * Whether a request's status link still works, and so its download link (status/download.ts): for
 * exactly as long as its requester's contact data is kept, whose end (`contactEnd`, the `PII` item's
 * own, set with it: null while it has none, a restriction in place; undefined once it is gone) is the
 * only retention rule it follows. Past it, either link would go on telling whoever holds an old email that this person made this request, and
 * how it ended. Judged from that end, not from the data's deletion, which DynamoDB's TTL makes up to
 * two days late, and to the second, as every read of the contact data judges it (adapters' `expired`).
 */
export function statusLinkWorks(contactEnd: Date | null | undefined, now: Date): boolean {
  if (contactEnd === null) return true;
  return contactEnd !== undefined && Math.floor(now.getTime() / 1000) <= Math.floor(contactEnd.getTime() / 1000);
}

/** How to complain, with the ICO's web address apart too, as `ico` writes it, so that the page can link it within the sentence. */
export const complainOn = (lang: Language) => ({ ...howToComplain(lang), icoWeb: ICO.web });

export function requesterView(req: StoredRequest, tasks: readonly StoredTask[]) {
  return {
    id: req.id,
    type: req.type,
    status: req.status,
    language: req.language,
    receivedAt: req.receivedAt,
    verifiedAt: req.verifiedAt ?? null,
    // A stopped clock (Art. 12A) has no date yet: restarting it moves the deadline by the days it stood still. Until
    // November 29, 2026 the page showed the date it had when stopped, beside the notice that it was paused.
    dueDate: clockStopped(req) ? null : (currentDue(req) ?? null),
    extended: Boolean(req.extended),
    closedAt: req.closedAt ?? null,
    /** Art. 12A: the clock is stopped while we wait for the clarification we asked for by email; a closed request has no clock, though it keeps when it was stopped. */
    paused: Boolean(req.pausedSince) && isOpenRequest(req.status),
    /** Art. 18(3): the London date a restriction is lifted from, once an officer has set it (the requester is emailed it too). */
    restrictionLiftedOn: req.restrictionLift?.on ?? null,
    categories: categoryProgress(tasks),
    complain: complainOn(req.language),
    /** The same in each language, for a page the requester switches to the other. */
    complainIn: { fr: complainOn('fr'), en: complainOn('en') },
  };
}
