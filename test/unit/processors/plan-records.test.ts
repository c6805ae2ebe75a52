import { describe, expect, it } from 'vitest';
import { IllegalTransition, NotFound } from '../../../functions/core/errors.ts';
import type { StoredTask } from '../../../functions/core/ports.ts';
import { planRequest } from '../../../functions/plan/plan.ts';
import { loadRegistry } from '../../../local/processors/registry.ts';
import { FakeRepo, FakeSuppression, fixedClock, REQUEST_ID, storedRequest } from './fakes.ts';

const registry = loadRegistry();

/** FakeRepo that also keeps the expiry each task write was given (DynamoDB's TTL). */
class PlanRepo extends FakeRepo {
  taskExpiries: Date[] = [];
  override async putTasksIfAbsent(tasks: StoredTask[], expires?: Date) {
    if (expires) this.taskExpiries.push(expires);
    return super.putTasksIfAbsent(tasks);
  }
}

/** The shop's directory, counting the addresses it is asked about; `down` makes it fail as when it cannot be reached. */
function directory(down = false) {
  const asked: string[] = [];
  return {
    asked,
    find: async (email: string) => {
      asked.push(email);
      if (down) throw new Error('the directory cannot be reached');
      return { hasAccount: true, closedOn: null, accountingRecords: true, lifetimeWarranty: true };
    },
    authenticate: async () => false,
  };
}

function setup(over: Parameters<typeof storedRequest>[0] = {}, customers = directory()) {
  const repo = new PlanRepo();
  repo.requests.set(REQUEST_ID, storedRequest(over));
  repo.pii.set(REQUEST_ID, { email: 'ada@example.com' });
  return { repo, customers, deps: { repo, customers, clock: fixedClock('2026-03-02T10:00:00.000Z'), registry, suppression: new FakeSuppression(), emailHash: FakeSuppression.hash } };
}

describe('the tasks’ retention, from the latest deadline the request can have', () => {
  it('keeps the tasks 7 years after the extended deadline counted from verification, not from receipt', async () => {
    // Received on Friday 27 February, verified on Monday 2 March 2026: extended by two months, due Tuesday 2 June 2026.
    const { repo, deps } = setup({ receivedAt: '2026-02-27T18:00:00.000Z', verifiedAt: '2026-03-02T09:05:00.000Z' });
    await planRequest(REQUEST_ID, deps);
    expect(repo.taskExpiries.map((d) => d.toISOString())).toEqual(['2033-06-02T00:00:00.000Z']);
  });

  it('counts from receipt when the request records no verification time', async () => {
    const { repo, deps } = setup({ receivedAt: '2026-02-27T18:00:00.000Z', verifiedAt: undefined });
    await planRequest(REQUEST_ID, deps);
    expect(repo.taskExpiries.map((d) => d.toISOString())).toEqual(['2033-05-27T00:00:00.000Z']);
  });
});

describe('asking the shop’s directory', () => {
  it('asks it about the address of an erasure, to date its holds', async () => {
    const erasure = setup();
    await planRequest(REQUEST_ID, erasure.deps);
    expect(erasure.customers.asked).toEqual(['ada@example.com']);
  });

  it('plans a copy of data without asking it, even while it cannot be reached', async () => {
    const { customers, deps, repo } = setup({ type: 'access' }, directory(true));
    const out = await planRequest(REQUEST_ID, deps);
    expect(out.export).toBe(true);
    expect(customers.asked).toEqual([]);
    expect(repo.requests.get(REQUEST_ID)?.status).toBe('in_progress');
  });

  it('plans an erasure whose personal data is gone without asking it, with no hold', async () => {
    const { customers, deps, repo } = setup();
    repo.pii.delete(REQUEST_ID);
    await planRequest(REQUEST_ID, deps);
    expect(customers.asked).toEqual([]);
    expect((await repo.listTasks(REQUEST_ID)).flatMap((t) => t.holds)).toEqual([]);
  });
});

describe('the start of a request, as the ledger and the errors say it', () => {
  it('records the workflow as the actor of the start', async () => {
    const { repo, deps } = setup();
    await planRequest(REQUEST_ID, deps);
    expect(repo.requests.get(REQUEST_ID)?.audit.at(-1)).toMatchObject({ at: '2026-03-02T10:00:00.000Z', actor: 'workflow', action: 'start', subject: REQUEST_ID });
  });

  it('returns the tasks it wrote when run again for a request already completed', async () => {
    const { repo, deps } = setup();
    const first = await planRequest(REQUEST_ID, deps);
    repo.requests.set(REQUEST_ID, { ...(repo.requests.get(REQUEST_ID) as ReturnType<typeof storedRequest>), status: 'completed' });
    expect(await planRequest(REQUEST_ID, deps)).toEqual(first);
  });

  it('names the unknown request, and says which status cannot start', async () => {
    const unknown = setup();
    unknown.repo.requests.clear();
    await expect(planRequest(REQUEST_ID, unknown.deps)).rejects.toThrow(new NotFound(`request ${REQUEST_ID} not found`));
    const { deps } = setup({ status: 'unverified' });
    const e = await planRequest(REQUEST_ID, deps).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(IllegalTransition);
    expect(e).toMatchObject({ message: "request in status 'unverified' cannot 'start'", entity: 'request', from: 'unverified', event: 'start' });
  });
});
