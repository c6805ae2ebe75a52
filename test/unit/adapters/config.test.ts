import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../functions/adapters/env.ts';
import { MAX_ANSWER_FLOOR_MS } from '../../../functions/core/edge.ts';

const issuesOf = (env: NodeJS.ProcessEnv) => {
  try {
    loadConfig({ TABLE_NAME: 'lethe', ...env });
    return [];
  } catch (e) {
    return (e as { issues: { path: PropertyKey[]; message: string }[] }).issues.map((i) => [i.path.join('.'), i.message]);
  }
};

describe('the functions’ configuration', () => {
  it('refuses an answer floor longer than the intake function can hold, naming the setting and its limit', () => {
    expect(loadConfig({ TABLE_NAME: 'lethe', ANSWER_FLOOR_MS: String(MAX_ANSWER_FLOOR_MS) }).ANSWER_FLOOR_MS).toBe(MAX_ANSWER_FLOOR_MS);
    expect(issuesOf({ ANSWER_FLOOR_MS: String(MAX_ANSWER_FLOOR_MS + 1) })).toEqual([['ANSWER_FLOOR_MS', expect.stringContaining(`at most ${MAX_ANSWER_FLOOR_MS}`)]]);
    expect(issuesOf({ ANSWER_FLOOR_MS: '60000' })).toEqual([['ANSWER_FLOOR_MS', expect.stringContaining('milliseconds')]]);
  });
});
