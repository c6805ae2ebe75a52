import { describe, expect, it } from 'vitest';
import type { StoredTask } from '../../../functions/core/ports.ts';
import { deliverToken } from '../../../functions/shared/token.ts';
import { FakeWorkflow, REQUEST_ID, resolvedTask } from '../processors/fakes.ts';

const task = (over: Partial<StoredTask>): StoredTask => resolvedTask({ token: 'tok-escalate', finishedAt: '2026-03-20T09:58:00.000Z', ...over });

/** The owed mark's clearing, as DynamoRepository is asked it: the answer's time keeps the task in the watch index's `answered` partition. */
function repo() {
  const cleared: [string, string, string | undefined][] = [];
  return { cleared, repo: { clearOwedToken: async (requestId: string, processorId: string, answeredAt?: string) => void cleared.push([requestId, processorId, answeredAt]) } };
}

describe('a workflow token owed', () => {
  it('is sent only by a task that owes it: a task with a token but nothing owed, or owed with no token, answers no state and clears nothing', async () => {
    const { cleared, repo: r } = repo();
    const workflow = new FakeWorkflow();
    expect(await deliverToken(task({ status: 'sent' }), { repo: r, workflow })).toBe(false);
    expect(await deliverToken(task({ outboxToken: { at: '2026-03-20T09:58:00.000Z' }, token: undefined }), { repo: r, workflow })).toBe(false);
    expect(workflow.calls).toEqual([]);
    expect(cleared).toEqual([]);
  });

  it('sent for an officer’s resolution takes the task out of the watch index; for a processor’s late answer, keeps it there under the answer’s time', async () => {
    const { cleared, repo: r } = repo();
    const workflow = new FakeWorkflow();
    const owed = { outboxToken: { at: '2026-03-20T09:58:00.000Z' } };
    expect(await deliverToken(task({ ...owed, status: 'resolved' }), { repo: r, workflow })).toBe(true);
    expect(await deliverToken(task({ ...owed, status: 'completed', finishedAt: '2026-03-20T09:59:00.000Z' }), { repo: r, workflow })).toBe(true);
    expect(cleared).toEqual([
      [REQUEST_ID, 'paynow', undefined],
      [REQUEST_ID, 'paynow', '2026-03-20T09:59:00.000Z'],
    ]);
    expect(workflow.calls.map((c) => c.token)).toEqual(['tok-escalate', 'tok-escalate']);
  });
});
