import { describe, expect, it } from 'vitest';
import { taskAnswer } from '../../../functions/core/workflow-answer.ts';

describe('what a waiting workflow state is told of a finished task', () => {
  it('is its status, and what was kept under which holds until when', () => {
    const kept = { request_status: 'retained' as const, legal_basis: 'accounting' as const, retained_until: '2031-03-15', additional_holds: [{ legal_basis: 'lifetime_warranty' as const, retained_until: null }] };
    expect(taskAnswer({ status: 'retained', outcome: kept })).toEqual(kept);
    expect(taskAnswer({ status: 'retained', outcome: { request_status: 'retained', legal_basis: 'lifetime_warranty', retained_until: null } })).toEqual({ request_status: 'retained', legal_basis: 'lifetime_warranty', retained_until: null });
    expect(taskAnswer({ status: 'completed', outcome: { request_status: 'completed', third_party_data: true } })).toEqual({ request_status: 'completed', third_party_data: true });
    expect(taskAnswer({ status: 'not_found' })).toEqual({ request_status: 'not_found' });
  });

  it('is an officer’s resolution by its code, never their note', () => {
    expect(taskAnswer({ status: 'resolved', outcome: { request_status: 'resolved', reason: 'retained', note: 'Jane Doe’s claim', legal_basis: 'legal_claims', retained_until: '2031-01-31' } })).toEqual({
      request_status: 'resolved',
      reason: 'retained',
      legal_basis: 'legal_claims',
      retained_until: '2031-01-31',
    });
  });

  it('never carries a reason in words: a processor’s failure, or a resolution’s reason that is no code', () => {
    expect(taskAnswer({ status: 'failed', outcome: { request_status: 'failed', reason: 'could not delete jane.doe@example.com' } })).toEqual({ request_status: 'failed' });
    expect(taskAnswer({ status: 'resolved', outcome: { request_status: 'resolved', reason: 'done for jane.doe@example.com' } })).toEqual({ request_status: 'resolved' });
  });
});
