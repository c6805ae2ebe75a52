import { describe, expect, it } from 'vitest';
import type { Delivery } from '../../../functions/core/outbox.ts';
import type { StoredTask } from '../../../functions/core/ports.ts';
import { deliverManualTask } from '../../../functions/shared/manual-task.ts';
import { resolvedTask, storedRequest } from '../processors/fakes.ts';

const NOW = new Date('2026-03-20T10:00:00.000Z');
const at = (s: number) => new Date(NOW.getTime() + s * 1000).toISOString();
const task = (over: Partial<StoredTask>): StoredTask => resolvedTask({ status: 'sent', outcome: undefined, token: 'tok-dispatch', ...over });
const req = storedRequest({ status: 'awaiting_manual' });

/** The repository's claim and clearing of the team's email, as DynamoRepository is asked them. */
function deps(claimed = true) {
  const claims: Delivery[] = [];
  const cleared: number[] = [];
  const sent: unknown[] = [];
  return {
    claims,
    cleared,
    sent,
    deps: {
      repo: {
        claimTaskTeam: async (_r: string, _p: string, next: Delivery) => {
          claims.push(next);
          return claimed;
        },
        clearOwedTeam: async (_t: StoredTask, seq: number) => {
          cleared.push(seq);
          return true;
        },
        markMailFailed: async () => {},
        clearMailFailed: async () => {},
      },
      mailer: { send: async (m: unknown) => void sent.push(m) },
    },
  };
}

describe('a manual processor’s task’s email to the team', () => {
  it('is not mailed, and reads as not mailed, for a task that owes none', async () => {
    const d = deps();
    expect(await deliverManualTask(task({}), req, 'sweeper', NOW, d.deps)).toBe(false);
    expect(d.sent).toEqual([]);
    expect(d.claims).toEqual([]);
    expect(d.cleared).toEqual([]);
  });

  it('taken over by the sweeper is claimed for the sweeper’s lease (180 s), by a writer for a writer’s (60 s)', async () => {
    const owed = { outboxTeam: { seq: 3, owner: 'workflow', until: at(-1) } };
    const sweeper = deps();
    expect(await deliverManualTask(task(owed), req, 'sweeper', NOW, sweeper.deps)).toBe(true);
    expect(sweeper.claims).toEqual([{ seq: 3, owner: 'sweeper', until: at(180) }]);
    const writer = deps();
    expect(await deliverManualTask(task(owed), req, 'workflow', NOW, writer.deps)).toBe(true);
    expect(writer.claims).toEqual([{ seq: 3, owner: 'workflow', until: at(60) }]);
  });

  it('is neither mailed nor cleared when another run claimed it first', async () => {
    const d = deps(false);
    expect(await deliverManualTask(task({ outboxTeam: { seq: 3, owner: 'workflow', until: at(-1) } }), req, 'sweeper', NOW, d.deps)).toBe(false);
    expect(d.sent).toEqual([]);
    expect(d.cleared).toEqual([]);
  });
});
