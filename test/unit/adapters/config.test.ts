import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../functions/adapters/env.ts';
import { MAX_ANSWER_FLOOR_MS } from '../../../functions/core/edge.ts';
import { MAX_HOURLY_LIMIT } from '../../../functions/core/rate-limit.ts';

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

  it('refuses an hourly limit above what a share’s record can count, naming the setting and its limit', () => {
    for (const setting of ['RATE_LIMIT_IP_PER_HOUR', 'LINKS_PER_EMAIL_PER_HOUR'] as const) {
      expect(loadConfig({ TABLE_NAME: 'lethe', [setting]: String(MAX_HOURLY_LIMIT) })[setting], setting).toBe(MAX_HOURLY_LIMIT);
      expect(issuesOf({ [setting]: String(MAX_HOURLY_LIMIT + 1) }), setting).toEqual([[setting, expect.stringContaining(`at most ${MAX_HOURLY_LIMIT} an hour`)]]);
    }
  });
});
