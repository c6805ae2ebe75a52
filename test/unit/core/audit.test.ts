import { describe, expect, it } from 'vitest';
import { canonical, chain, firstBreak, GENESIS, sha256 } from '../../../functions/core/audit.ts';

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

  it('detects an event whose sequence number skips, even with its hash recomputed', () => {
    const { hash: _, ...body } = { ...b, seq: 5 };
    const renumbered = { ...body, hash: sha256(canonical(body)) };
    expect(firstBreak([a, renumbered])).toBe(1);
  });

  it('detects a first event that does not start at 0, even with its hash recomputed', () => {
    const { hash: _, ...body } = { ...a, seq: 1 };
    expect(firstBreak([{ ...body, hash: sha256(canonical(body)) }])).toBe(0);
  });

  it('detects an event linked to the wrong previous hash, even with its own hash recomputed', () => {
    const { hash: _, ...body } = { ...b, prevHash: GENESIS };
    expect(firstBreak([a, { ...body, hash: sha256(canonical(body)) }])).toBe(1);
  });

  it('hashes the event with its sequence number and link: the same action twice gives different hashes', () => {
    const again = chain(b, ev('verify'));
    expect(again).toMatchObject({ seq: 2, prevHash: b.hash });
    expect(again.hash).not.toBe(b.hash);
    expect(b.hash).toBe(sha256(canonical({ ...ev('verify'), seq: 1, prevHash: a.hash })));
  });

  it.each([
    [{ c: 1, a: 2, b: 3 }, '{"a":2,"b":3,"c":1}'],
    [{ c: 1, b: 2, a: 3 }, '{"a":3,"b":2,"c":1}'],
    [{ b: 1, a: 2, d: 3, c: 4 }, '{"a":2,"b":1,"c":4,"d":3}'],
    [{ a: 1, b: undefined, c: 'x' }, '{"a":1,"c":"x"}'],
    [[3, 'x', null, true], '[3,"x",null,true]'],
  ])('writes %j in canonical form as %s', (value, expected) => {
    expect(canonical(value)).toBe(expected);
  });

  it('hashes canonical JSON, independent of key order', () => {
    expect(canonical({ b: 1, a: [2, { d: 1, c: null }] })).toBe('{"a":[2,{"c":null,"d":1}],"b":1}');
  });
});
