import { describe, expect, it } from 'vitest';
import { IllegalTransition, NotFound, Unavailable } from '../../../functions/core/errors.ts';
import { DirectoryUnavailable, NoCustomerDirectory } from '../../../functions/adapters/customers.ts';
import { objectionCategories, objectionReaches, planTasks, suppressionScopes } from '../../../functions/core/plan.ts';
import { planRequest } from '../../../functions/plan/plan.ts';
import { webhookBody } from '../../../functions/core/webhook.ts';
import { loadRegistry } from '../../../local/processors/registry.ts';
import { bump, FakeRepo, FakeSuppression, REQUEST_ID, fixedClock, processor, registryOf, storedRequest } from './fakes.ts';

const registry = loadRegistry();
/** The directory knows ada@example.com only, whose account closed on `closedOn` (or is open), with orders and a lifetime-warranty purchase. */
const customers = (closedOn: string | null = null) => ({
  find: async (email: string) => (email === 'ada@example.com' ? { hasAccount: !closedOn, closedOn, accountingRecords: true, lifetimeWarranty: true } : undefined),
  authenticate: async () => false,
});

function setup(over: Parameters<typeof storedRequest>[0] = {}, closedOn: string | null = null, reg = registry) {
  const repo = new FakeRepo();
  repo.requests.set(REQUEST_ID, storedRequest(over));
  repo.pii.set(REQUEST_ID, { email: 'ada@example.com' });
  const suppression = new FakeSuppression();
  return { repo, suppression, deps: { repo, customers: customers(closedOn), clock: fixedClock(), registry: reg, suppression, emailHash: FakeSuppression.hash } };
}

describe('plan', () => {
  it('creates one pending task per processor for an erasure and starts the request', async () => {
    const { repo, deps } = setup();
    const out = await planRequest(REQUEST_ID, deps);
    expect(out.export).toBe(false);
    expect(out.tasks.map((t) => t.taskId)).toEqual(registry.processors.map((p) => `${REQUEST_ID}.${p.id}`));
    const mailwave = registry.processors.find((p) => p.id === 'mailwave');
    expect(out.tasks.find((t) => t.taskId.endsWith('.mailwave'))).toEqual({ taskId: `${REQUEST_ID}.mailwave`, heartbeatSeconds: mailwave?.heartbeatSeconds, timeoutSeconds: mailwave?.timeoutSeconds });
    const tasks = await repo.listTasks(REQUEST_ID);
    expect(tasks.every((t) => t.status === 'pending' && t.action === 'erase' && t.attempts === 0)).toBe(true);
    const req = repo.requests.get(REQUEST_ID);
    expect(req?.status).toBe('in_progress');
    expect(req?.audit.at(-1)).toMatchObject({ action: 'start', from: 'verified', to: 'in_progress', data: { tasks: tasks.length, registry: registry.version } });
  });

  it('gives each erasure task its category’s legal holds, dated from the account’s closure', async () => {
    const { repo, deps } = setup({}, '2024-03-15');
    await planRequest(REQUEST_ID, deps);
    const holds = Object.fromEntries((await repo.listTasks(REQUEST_ID)).map((t) => [t.category, t.holds.map((h) => `${h.basis}:${h.until}`)]));
    expect(holds.payments).toEqual(['accounting:2031-03-15', 'lifetime_warranty:null']);
    expect(holds.collections).toEqual(['accounting:2031-03-15']);
    expect(holds.delivery).toEqual(['lifetime_warranty:null']);
    expect(holds.email).toEqual([]);
    expect(holds.analytics).toEqual([]);
  });

  it('drops the warranty hold when the requester asked to erase warranty records too', async () => {
    const { repo, deps } = setup({ details: { eraseWarranty: true, objections: [] } });
    await planRequest(REQUEST_ID, deps);
    const tasks = await repo.listTasks(REQUEST_ID);
    expect(tasks.flatMap((t) => t.holds).some((h) => h.basis === 'lifetime_warranty')).toBe(false);
  });

  it('puts no holds on access, rectification or objection tasks', async () => {
    for (const type of ['access', 'rectification', 'objection'] as const) {
      const { repo, deps } = setup({ type, details: { eraseWarranty: false, objections: ['marketing', 'reviews', 'profiling'] } });
      await planRequest(REQUEST_ID, deps);
      expect((await repo.listTasks(REQUEST_ID)).flatMap((t) => t.holds)).toEqual([]);
    }
  });

  it('marks an access request as an export, with export tasks', async () => {
    const { repo, deps } = setup({ type: 'access' });
    const out = await planRequest(REQUEST_ID, deps);
    expect(out.export).toBe(true);
    expect((await repo.listTasks(REQUEST_ID)).every((t) => t.action === 'export')).toBe(true);
  });

  it('sends rectifications only to processors that support them, the review provider among them', async () => {
    const { deps } = setup({ type: 'rectification' });
    const out = await planRequest(REQUEST_ID, deps);
    const expected = registry.processors.filter((p) => p.supports.includes('rectification')).map((p) => p.id);
    expect(out.tasks.map((t) => t.taskId.split('.')[1]).sort()).toEqual(expected.sort());
    expect(expected).toEqual(['mailwave', 'metricsly', 'offtek', 'parcelway', 'paynow', 'recoverco', 'reviewly', 'socialapp']);
  });

  it('sends an objection only to processors that market, profile or invite, email first', async () => {
    const { repo, deps } = setup({ type: 'objection', details: { eraseWarranty: false, objections: ['marketing', 'reviews', 'profiling'] } });
    const out = await planRequest(REQUEST_ID, deps);
    const tasks = await repo.listTasks(REQUEST_ID);
    expect(new Set(tasks.map((t) => t.category))).toEqual(new Set(['email', 'analytics', 'social']));
    expect(tasks.every((t) => t.action === 'suppress')).toBe(true);
    expect(out.tasks.slice(0, 2).map((t) => t.taskId.split('.')[1]).sort()).toEqual(['mailwave', 'reviewly']);
  });

  it('routes objections by scope', () => {
    // The ICO counts profiling for marketing as direct marketing: a marketing objection reaches analytics & advertising too.
    expect(objectionCategories(['marketing'])).toEqual(new Set(['email', 'social', 'analytics']));
    expect(objectionCategories(['reviews'])).toEqual(new Set(['email']));
    expect(objectionCategories(['profiling'])).toEqual(new Set(['analytics', 'social']));
    // Intake refuses an objection with no scope; were one to slip through, it is read as the broadest.
    expect(objectionCategories([])).toEqual(new Set(['email', 'social', 'analytics']));
  });

  it('suppresses an erased address for every use, and an objection to marketing for profiling too', () => {
    const details = (objections: ('marketing' | 'reviews' | 'profiling')[]) => ({ eraseWarranty: false, objections });
    expect(suppressionScopes({ type: 'erasure', details: details([]) })).toEqual(['marketing', 'reviews', 'profiling']);
    expect(suppressionScopes({ type: 'objection', details: details(['marketing']) })).toEqual(['marketing', 'profiling']);
    expect(suppressionScopes({ type: 'objection', details: details(['reviews']) })).toEqual(['reviews']);
    expect(suppressionScopes({ type: 'access', details: details([]) })).toEqual([]);
    expect(suppressionScopes({ type: 'rectification', details: details([]) })).toEqual([]);
  });

  it('puts an objector’s address on the suppression list before any task is planned, and a corrected address gets the old one’s uses', async () => {
    const objection = setup({ type: 'objection', details: { eraseWarranty: false, objections: ['marketing'] } });
    const hash = objection.repo.requests.get(REQUEST_ID)?.emailHash as string;
    await planRequest(REQUEST_ID, objection.deps);
    expect(await objection.suppression.scopesOf(hash)).toEqual(['marketing', 'profiling']);

    const correction = setup({ type: 'rectification', details: { eraseWarranty: false, objections: [], corrections: { email: 'ada@new.example' } } });
    await correction.suppression.add(hash, ['reviews']);
    await planRequest(REQUEST_ID, correction.deps);
    expect(await correction.suppression.scopesOf('h:ada@new.example')).toEqual(['reviews']);
  });

  it('puts no other address on the suppression list for a correction that leaves the address as it is', async () => {
    const correction = setup({ type: 'rectification', details: { eraseWarranty: false, objections: [], corrections: { name: 'Ada L.' } } as never });
    const hash = correction.repo.requests.get(REQUEST_ID)?.emailHash as string;
    await correction.suppression.add(hash, ['reviews']);
    await planRequest(REQUEST_ID, correction.deps);
    expect([...correction.suppression.uses.keys()]).toEqual([hash]);
  });

  it('writes nothing to the suppression list for a corrected address whose old one was on it for no use', async () => {
    const correction = setup({ type: 'rectification', details: { eraseWarranty: false, objections: [], corrections: { email: 'ada@new.example' } } });
    const added: [string, readonly string[]][] = [];
    const add = correction.suppression.add.bind(correction.suppression);
    correction.suppression.add = async (hash, scopes) => {
      added.push([hash, scopes]);
      return add(hash, scopes);
    };
    await planRequest(REQUEST_ID, correction.deps);
    expect(added.filter(([, scopes]) => scopes.length > 0)).toEqual([]);
    expect(added.map(([hash]) => hash)).not.toContain('h:ada@new.example');
  });

  it.each(['cancelled', 'denied', 'unverified'] as const)('puts nothing on the suppression list for a %s objection, which Plan refuses', async (status) => {
    const { deps, suppression } = setup({ type: 'objection', status, details: { eraseWarranty: false, objections: ['marketing'] } });
    await expect(planRequest(REQUEST_ID, deps)).rejects.toBeInstanceOf(IllegalTransition);
    expect(suppression.uses.size).toBe(0);
  });

  it('reaches only the review provider for a reviews objection, and only the newsletter tool of the two for a marketing one', async () => {
    const planned = async (objections: ('marketing' | 'reviews' | 'profiling')[]) => {
      const { repo, deps } = setup({ type: 'objection', details: { eraseWarranty: false, objections } });
      await planRequest(REQUEST_ID, deps);
      return (await repo.listTasks(REQUEST_ID)).map((t) => t.processorId).sort();
    };
    // Until November 29, 2026 both email processors got every objection.
    expect(await planned(['reviews'])).toEqual(['reviewly']);
    expect(await planned(['marketing'])).toEqual(['mailwave', 'metricsly', 'socialapp']);
    // Objecting to both reaches both (DESIGN: the newsletter and review invitations feed the two).
    expect(await planned(['marketing', 'reviews'])).toEqual(['mailwave', 'metricsly', 'reviewly', 'socialapp']);
    expect(await planned(['profiling'])).toEqual(['metricsly', 'socialapp']);
  });

  it('reaches a processor that names its uses only for those, and one that profiles for a marketing objection too', () => {
    const profiler = { category: 'analytics' as const, uses: ['profiling' as const] };
    expect(objectionReaches(profiler, ['marketing'])).toBe(true);
    expect(objectionReaches(profiler, ['reviews'])).toBe(false);
    expect(objectionReaches({ category: 'email', uses: ['marketing'] }, ['reviews'])).toBe(false);
    expect(objectionReaches({ category: 'email' }, ['reviews'])).toBe(true);
    expect(objectionReaches({ category: 'payments' }, ['marketing', 'reviews', 'profiling'])).toBe(false);
  });

  it('is idempotent: a re-run returns the same tasks and writes nothing', async () => {
    const { repo, deps } = setup();
    const first = await planRequest(REQUEST_ID, deps);
    const writes = repo.writes;
    const second = await planRequest(REQUEST_ID, deps);
    expect(second).toEqual(first);
    expect(repo.writes).toBe(writes);
  });

  it('returns the tasks it wrote, never new ones, even when the registry changed before a re-run', async () => {
    const { repo, deps } = setup();
    const first = await planRequest(REQUEST_ID, deps);
    const changed = registryOf(...registry.processors.slice(1), processor({ id: 'newcomer', category: 'payments' }));
    const again = await planRequest(REQUEST_ID, { ...deps, registry: changed });
    expect(again.tasks.map((t) => t.taskId).sort()).toEqual(first.tasks.map((t) => t.taskId).sort());
    expect(repo.tasks.has(`${REQUEST_ID}.newcomer`)).toBe(false);
  });

  it('finishes a run that wrote its tasks but stopped before starting the request, writing none again', async () => {
    const { repo, deps } = setup();
    await repo.putTasksIfAbsent(planTasks(storedRequest(), registry.processors, { customer: undefined, today: '2026-03-02' }));
    const written = [...repo.tasks.values()];
    const out = await planRequest(REQUEST_ID, deps);
    expect(out.tasks).toHaveLength(registry.processors.length);
    expect([...repo.tasks.values()]).toEqual(written);
    expect(repo.requests.get(REQUEST_ID)?.status).toBe('in_progress');
  });

  it('writes on a re-run the tasks a run that failed part-way never wrote, and leaves those it wrote as they were', async () => {
    const { repo, deps } = setup();
    const writeAll = repo.putTasksIfAbsent.bind(repo);
    // DynamoDB kept some of a BatchWrite's items unprocessed after every retry: the run fails with the first three written.
    repo.putTasksIfAbsent = async (tasks, expires) => {
      await writeAll(tasks.slice(0, 3), expires);
      throw new Error('DynamoDB kept tasks unprocessed after retries');
    };
    await expect(planRequest(REQUEST_ID, deps)).rejects.toThrow('unprocessed');
    const firstThree = [...repo.tasks.values()];
    expect(firstThree).toHaveLength(3);
    repo.putTasksIfAbsent = writeAll;
    // The state machine's retrier runs Plan again. Until November 29, 2026 it started the request with those three alone,
    // and the other processors were never told.
    const out = await planRequest(REQUEST_ID, deps);
    expect(out.tasks.map((t) => t.taskId).sort()).toEqual(registry.processors.map((p) => `${REQUEST_ID}.${p.id}`).sort());
    for (const t of firstThree) expect(repo.tasks.get(t.taskId)).toEqual(t);
    // Someone the directory knows: the tasks written late carry their holds as the first three do.
    expect(repo.tasks.get(`${REQUEST_ID}.recoverco`)?.holds.map((h) => h.basis)).toEqual(['accounting']);
    expect(repo.requests.get(REQUEST_ID)).toMatchObject({ status: 'in_progress' });
    expect(repo.requests.get(REQUEST_ID)?.audit.at(-1)).toMatchObject({ action: 'start', data: { tasks: registry.processors.length } });
  });

  it('returns the existing tasks for a request already awaiting a human', async () => {
    const { repo, deps } = setup();
    await planRequest(REQUEST_ID, deps);
    const req = repo.requests.get(REQUEST_ID);
    repo.requests.set(REQUEST_ID, { ...(req as NonNullable<typeof req>), status: 'awaiting_manual' });
    expect((await planRequest(REQUEST_ID, deps)).tasks).toHaveLength(registry.processors.length);
  });

  it('sends a correction to every processor that holds a corrected field, the review provider included, and to no other', async () => {
    const rectification = { field: 'my name', correction: 'It is Ada King, not Ada Lovelace' };
    const byName = setup({ type: 'rectification', details: { eraseWarranty: false, objections: [], rectification, corrections: { name: 'Ada King' } } });
    await planRequest(REQUEST_ID, byName.deps);
    expect((await byName.repo.listTasks(REQUEST_ID)).map((t) => t.processorId).sort()).toEqual(['mailwave', 'offtek', 'parcelway', 'paynow', 'recoverco', 'reviewly']);
    const byPhone = setup({ type: 'rectification', details: { eraseWarranty: false, objections: [], rectification, corrections: { phone: '+44 20 7946 0000' } } });
    await planRequest(REQUEST_ID, byPhone.deps);
    expect((await byPhone.repo.listTasks(REQUEST_ID)).map((t) => t.processorId).sort()).toEqual(['offtek', 'parcelway', 'recoverco']);
  });

  it('gives no hold to an erasure of someone the directory does not know', async () => {
    const { repo, deps } = setup();
    repo.pii.set(REQUEST_ID, { email: 'stranger@example.com' });
    await planRequest(REQUEST_ID, deps);
    expect((await repo.listTasks(REQUEST_ID)).flatMap((t) => t.holds)).toEqual([]);
  });

  it('records, for the outcome email, that someone who asked to erase their lifetime-warranty purchases too had none, in the write that starts the request', async () => {
    const ticked = { details: { eraseWarranty: true, objections: [] } };
    // Unknown to the directory, or known with no such purchase: nothing of the kind was there to erase.
    const stranger = setup(ticked);
    stranger.repo.pii.set(REQUEST_ID, { email: 'stranger@example.com' });
    await planRequest(REQUEST_ID, stranger.deps);
    expect(stranger.repo.requests.get(REQUEST_ID)).toMatchObject({ status: 'in_progress', noWarrantyPurchases: true });
    const plain = setup(ticked);
    plain.deps.customers.find = async () => ({ hasAccount: true, closedOn: null, accountingRecords: true, lifetimeWarranty: false });
    await planRequest(REQUEST_ID, plain.deps);
    expect(plain.repo.requests.get(REQUEST_ID)?.noWarrantyPurchases).toBe(true);
    // A buyer of one, a request that did not tick the box, and a request of another type record nothing.
    for (const over of [ticked, {}, { type: 'access' as const }]) {
      const { repo, deps } = setup(over);
      await planRequest(REQUEST_ID, deps);
      expect(repo.requests.get(REQUEST_ID)?.status).toBe('in_progress');
      expect(repo.requests.get(REQUEST_ID)).not.toHaveProperty('noWarrantyPurchases');
    }
  });

  it('does not guess the holds when the directory cannot be asked: it fails as Unavailable, for the state machine to retry, and writes no task', async () => {
    const { repo, deps } = setup();
    deps.customers.find = async () => {
      throw new DirectoryUnavailable('customer directory lookup answered 503');
    };
    await expect(planRequest(REQUEST_ID, deps)).rejects.toBeInstanceOf(Unavailable);
    expect(repo.tasks.size).toBe(0);
    expect(repo.requests.get(REQUEST_ID)?.status).toBe('verified');
  });

  it('does not hold up an objection while the directory cannot be asked about its order number: the tasks go out without it, and the trail says it went unchecked', async () => {
    const down = async () => {
      throw new DirectoryUnavailable('customer directory lookup answered 503');
    };
    const { repo, deps } = setup({ type: 'objection', details: { eraseWarranty: false, objections: ['marketing', 'reviews'] } });
    repo.pii.set(REQUEST_ID, { email: 'ada@example.com', orderNumber: 'OT-123456' });
    deps.customers.find = down;
    const out = await planRequest(REQUEST_ID, deps);
    expect(out.tasks.map((t) => t.taskId.split('.')[1])).toEqual(expect.arrayContaining(['mailwave', 'reviewly']));
    const req = repo.requests.get(REQUEST_ID);
    expect(req?.status).toBe('in_progress');
    expect(req?.audit.at(-1)?.data).toMatchObject({ order: 'unchecked' });
    expect(req).not.toHaveProperty('orderConfirmed');
    // The holds of an erasure, or an access request's order number, are still never guessed.
    for (const type of ['erasure', 'access'] as const) {
      const other = setup({ type });
      other.repo.pii.set(REQUEST_ID, { email: 'ada@example.com', orderNumber: 'OT-123456' });
      other.deps.customers.find = down;
      await expect(planRequest(REQUEST_ID, other.deps), type).rejects.toBeInstanceOf(Unavailable);
      expect(other.repo.tasks.size, type).toBe(0);
    }
  });

  it('refuses to plan a request that was never verified, or was closed', async () => {
    for (const status of ['unverified', 'awaiting_review', 'denied', 'cancelled', 'expired'] as const) {
      const { repo, deps } = setup({ status });
      await expect(planRequest(REQUEST_ID, deps)).rejects.toBeInstanceOf(IllegalTransition);
      expect(repo.tasks.size).toBe(0);
    }
  });

  it('refuses an unknown request', async () => {
    const { deps } = setup();
    await expect(planRequest('01JQ0000000000000000000001', deps)).rejects.toBeInstanceOf(NotFound);
  });

  it('includes a manual processor like any other', async () => {
    const manual = { ...processor({ id: 'ledger-firm', category: 'collections', mode: 'manual' }), endpoint: undefined, secretRef: undefined };
    const { repo, deps } = setup({}, null, registryOf(processor({ id: 'acme', category: 'payments' }), manual));
    await planRequest(REQUEST_ID, deps);
    expect(repo.tasks.get(`${REQUEST_ID}.ledger-firm`)?.status).toBe('pending');
  });

  it('has a manual processor’s task wait for its time-out only, give or take a second, as nothing heartbeats the work a person does', async () => {
    const manual = { ...processor({ id: 'ledger-firm', category: 'collections', mode: 'manual', heartbeatSeconds: 3600, timeoutSeconds: 604_800 }), endpoint: undefined, secretRef: undefined };
    const { deps } = setup({}, null, registryOf(processor({ id: 'acme', category: 'payments', heartbeatSeconds: 3600, timeoutSeconds: 86_400 }), manual));
    const out = await planRequest(REQUEST_ID, deps);
    // Its heartbeat one second short of its time-out: Step Functions fails the whole execution when a task's heartbeat is not smaller.
    expect(out.tasks.find((t) => t.taskId.endsWith('.ledger-firm'))).toEqual({ taskId: `${REQUEST_ID}.ledger-firm`, heartbeatSeconds: 604_799, timeoutSeconds: 604_800 });
    // An automated processor's callbacks heartbeat its task: it keeps its own heartbeat.
    expect(out.tasks.find((t) => t.taskId.endsWith('.acme'))).toEqual({ taskId: `${REQUEST_ID}.acme`, heartbeatSeconds: 3600, timeoutSeconds: 86_400 });
  });

  it('reloads and starts the request when the sweeper wrote it at the same moment', async () => {
    const { repo, deps } = setup();
    repo.beforeRequestWrite = (r) => bump(r.requests, REQUEST_ID, {});
    await planRequest(REQUEST_ID, deps);
    expect(repo.requests.get(REQUEST_ID)?.status).toBe('in_progress');
    expect(repo.tasks.size).toBe(registry.processors.length);
  });
});


describe('the order number the requester typed', () => {
  /** The directory knows ada@example.com, whose only order is OT-1; it records what it was asked. */
  const directory = () => {
    const asked: [string, string | undefined][] = [];
    return {
      asked,
      find: async (email: string, orderNumber?: string) => {
        asked.push([email, orderNumber]);
        if (email !== 'ada@example.com') return undefined;
        return { hasAccount: true, closedOn: null, accountingRecords: true, lifetimeWarranty: false, ...(orderNumber ? { ownsOrder: orderNumber === 'OT-1' } : {}) };
      },
      authenticate: async () => false,
    };
  };
  const reviews = processor({ id: 'reviewly', category: 'email', identities: ['email', 'name', 'order_number'], supports: ['access', 'erasure', 'rectification', 'objection', 'restrict'] });

  async function planned(type: 'erasure' | 'access', orderNumber: string | undefined, customers: Parameters<typeof planRequest>[1]['customers'] = directory()) {
    const { repo, deps } = setup({ type }, null, registryOf(reviews));
    repo.pii.set(REQUEST_ID, { email: 'ada@example.com', name: 'Ada King', ...(orderNumber ? { orderNumber } : {}) });
    await planRequest(REQUEST_ID, { ...deps, customers });
    const req = repo.requests.get(REQUEST_ID);
    const task = repo.tasks.get(`${REQUEST_ID}.reviewly`);
    const pii = repo.pii.get(REQUEST_ID);
    if (!req || !task || !pii) throw new Error('not planned');
    return { req, body: webhookBody(req, task, pii, reviews, 'https://privacy.offtek.example') };
  }
  const types = (b: { subject_identities: { identity_type: string }[] }) => b.subject_identities.map((i) => i.identity_type);

  it('reaches the processors once the shop’s directory confirmed it is an order of the verified address', async () => {
    for (const type of ['erasure', 'access'] as const) {
      const customers = directory();
      const { req, body } = await planned(type, 'OT-1', customers);
      expect(customers.asked, type).toEqual([['ada@example.com', 'OT-1']]);
      expect(types(body), type).toEqual(['email', 'name', 'order_number']);
      expect(req.audit.at(-1)?.data, type).toMatchObject({ order: 'confirmed' });
    }
  });

  it('reaches no processor when it is not an order of the verified address, and the audit trail says so without the number', async () => {
    for (const type of ['erasure', 'access'] as const) {
      const { req, body } = await planned(type, 'OT-999');
      expect(types(body), type).toEqual(['email', 'name']);
      expect(JSON.stringify(body), type).not.toContain('OT-999');
      expect(req.audit.at(-1)?.data, type).toMatchObject({ order: 'not_confirmed' });
      expect(JSON.stringify(req), type).not.toContain('OT-999');
    }
  });

  it('reaches no processor when the shop runs without a customer directory', async () => {
    const { req, body } = await planned('erasure', 'OT-1', new NoCustomerDirectory());
    expect(types(body)).toEqual(['email', 'name']);
    expect(req.audit.at(-1)?.data).toMatchObject({ order: 'not_confirmed' });
  });

  it('reaches no processor when the directory does not answer about it (one that predates the question)', async () => {
    const silent = { find: async () => ({ hasAccount: true, closedOn: null, accountingRecords: true, lifetimeWarranty: false }), authenticate: async () => false };
    const { body } = await planned('erasure', 'OT-1', silent);
    expect(types(body)).toEqual(['email', 'name']);
  });

  it('asks the directory nothing more, and records nothing, when no order number was typed', async () => {
    const customers = directory();
    const { req } = await planned('access', undefined, customers);
    expect(customers.asked).toEqual([]);
    expect(req.audit.at(-1)?.data).not.toHaveProperty('order');
  });
});
