import { describe, expect, it } from 'vitest';
import { canonical, chain, firstBreak, GENESIS } from '../../../functions/core/audit.ts';

const ev = (action: string, at = '2026-11-25T10:00:00.000Z') => ({ at, actor: 'workflow', action, subject: '01JABCDEFGHJKMNPQRSTVWXYZ0' });

describe('audit hash chain', () => {
  const a = chain(undefined, ev('create'));
  const b = chain(a, ev('verify'));
  const c = chain(b, ev('start'));

  it('starts from the genesis hash and links each event to the previous one', () => {
    expect(a).toMatchObject({ seq: 0, prevHash: GENESIS });
    expect(b.prevHash).toBe(a.hash);
    expect(c).toMatchObject({ seq: 2, prevHash: b.hash });
    expect(firstBreak([a, b, c])).toBe(-1);
  });

  it('detects an edited event at its position', () => {
    expect(firstBreak([a, { ...b, actor: 'mallory' }, c])).toBe(1);
  });

  it('detects a removed event', () => {
    expect(firstBreak([a, c])).toBe(1);
  });

  it('detects a recomputed hash that no longer matches the next link', () => {
    const forged = chain(a, ev('deny'));
    expect(firstBreak([a, forged, c])).toBe(2);
  });

  it('hashes canonical JSON, independent of key order', () => {
    expect(canonical({ b: 1, a: [2, { d: 1, c: null }] })).toBe('{"a":[2,{"c":null,"d":1}],"b":1}');
  });
});
