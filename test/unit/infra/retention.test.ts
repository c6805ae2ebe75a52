import { describe, expect, it } from 'vitest';
import { assembly } from '../../support/assembly.ts';

describe('retention of what Lethe stores, as deployed', () => {
  it('deletes export packages 3 days after they are made: the first midnight after their 72-hour link expires', () => {
    const buckets = assembly().resources('AWS::S3::Bucket').filter(([id]) => id.includes('Exports') && !id.includes('AccessLogs'));
    expect(buckets).toHaveLength(1);
    expect((buckets[0][1].Properties as { LifecycleConfiguration: unknown }).LifecycleConfiguration).toEqual({ Rules: [{ ExpirationInDays: 3, Status: 'Enabled' }] });
  });
});
