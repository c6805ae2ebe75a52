import { createHash } from 'node:crypto';
import type { AuditEvent } from './model.ts';

export const GENESIS = '0'.repeat(64);

export type AuditInput = Omit<AuditEvent, 'seq' | 'prevHash' | 'hash'>;

// Stryker disable next-line EqualityOperator,ConditionalExpression: keys are unique and V8's sort only asks whether the comparator is negative, so `<=` for `<` and any change to the `a > b` branch cannot change the order (checked with 40 keys)
const byKey = ([a]: [string, unknown], [b]: [string, unknown]) => (a < b ? -1 : a > b ? 1 : 0);

/** Canonical JSON (sorted keys) so that a verifier recomputes exactly the same bytes. */
export function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(byKey);
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
}

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Appends to a hash chain: each event commits to the previous one's hash. */
export function chain(prev: Pick<AuditEvent, 'seq' | 'hash'> | undefined, input: AuditInput): AuditEvent {
  const seq = prev ? prev.seq + 1 : 0;
  const prevHash = prev ? prev.hash : GENESIS;
  const body = { ...input, seq, prevHash };
  return { ...body, hash: sha256(canonical(body)) };
}

/** Returns the index of the first event that breaks the chain, or -1 when the chain holds. */
export function firstBreak(events: readonly AuditEvent[]): number {
  let prev: AuditEvent | undefined;
  for (const [i, e] of events.entries()) {
    const { hash, ...body } = e;
    if (e.seq !== (prev ? prev.seq + 1 : 0)) return i;
    if (e.prevHash !== (prev ? prev.hash : GENESIS)) return i;
    if (sha256(canonical(body)) !== hash) return i;
    prev = e;
  }
  return -1;
}
