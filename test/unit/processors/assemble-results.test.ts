import { describe, expect, it } from 'vitest';
import { exportsOf, readExport, taskExport } from '../../../functions/assemble/results.ts';
import { planTasks } from '../../../functions/core/plan.ts';
import type { StoredTask } from '../../../functions/core/ports.ts';
import { FakeRepo, REQUEST_ID, processor, resultsId, storedRequest } from './fakes.ts';

const paynow = processor({ id: 'paynow', category: 'payments' });
const URL_ = 'https://files.paynow.example/export/1.json';
const failing = (name: string, extra: Record<string, unknown> = {}) => async () => Promise.reject(Object.assign(new Error(name), { name, ...extra }));

describe('an export’s results at the assemble step', () => {
  it('takes inline results, and results fetched from a results_url, as tables', async () => {
    await expect(readExport(REQUEST_ID, paynow, { results: { records: [{ id: 'PAY-1' }] } })).resolves.toEqual({ processor: paynow, tables: { records: [{ id: 'PAY-1' }] } });
    await expect(readExport(REQUEST_ID, paynow, { resultsUrl: URL_ }, async () => ({ tables: { orders: [{ id: 'O-1' }] } }))).resolves.toEqual({ processor: paynow, tables: { orders: [{ id: 'O-1' }] } });
  });

  it('marks fetched results outside the documented shape unreadable', async () => {
    await expect(readExport(REQUEST_ID, paynow, { resultsUrl: URL_ }, async () => ({ orders: [] }))).resolves.toEqual({ processor: paynow, tables: {}, unreadable: true });
  });

  it.each([
    ['not JSON', failing('ResultsNotJson')],
    ['refused by the SSRF guard', failing('UnsafeTarget')],
    ['too large', failing('ResponseTooLarge')],
    ['answered 404', failing('ResultsUnavailable', { status: 404 })],
    ['answered with a redirect', failing('ResultsUnavailable', { status: 302 })],
  ])('marks a results_url %s unreadable instead of failing the package (and the execution)', async (_, fetch) => {
    await expect(readExport(REQUEST_ID, paynow, { resultsUrl: URL_ }, fetch)).resolves.toEqual({ processor: paynow, tables: {}, unreadable: true });
  });

  it.each([
    ['a network error', failing('Error', { code: 'ECONNRESET' })],
    ['a time-out', failing('TimeoutError')],
    ['a 503', failing('ResultsUnavailable', { status: 503 })],
    ['a 429', failing('ResultsUnavailable', { status: 429 })],
  ])('throws on %s, which the workflow retries', async (_, fetch) => {
    await expect(readExport(REQUEST_ID, paynow, { resultsUrl: URL_ }, fetch)).rejects.toBeInstanceOf(Error);
  });
});

describe('which tasks’ results go in the package', () => {
  const HASH = 'a'.repeat(64);
  const stored = (status: StoredTask['status'], outcome?: StoredTask['outcome'], recorded: Partial<StoredTask> = { resultsHash: HASH }) => {
    const repo = new FakeRepo();
    const [t] = planTasks(storedRequest({ type: 'access', status: 'in_progress' }), [paynow], { customer: undefined, today: '2026-03-02' });
    const task = { ...t, status, outcome, ...recorded };
    const body = (note: string) => ({ signedBody: JSON.stringify({ request_status: 'completed', results: { records: [{ note }] }, third_party_data: true }), expiresAt: new Date('2026-06-30') });
    repo.results.set(resultsId({ requestId: task.requestId, processorId: 'paynow', bodyHash: HASH }), body('about the neighbour'));
    // Results written by a callback whose status change never landed (a crash, a race lost to another callback or to an officer).
    repo.results.set(resultsId({ requestId: task.requestId, processorId: 'paynow', bodyHash: 'b'.repeat(64) }), body('never accepted'));
    return { repo, task };
  };

  it('takes the results a completed task recorded, and no other callback’s', async () => {
    const { repo, task } = stored('completed', { request_status: 'completed', third_party_data: true });
    await expect(taskExport(task, paynow, repo)).resolves.toEqual({ processor: paynow, tables: { records: [{ note: 'about the neighbour' }] } });
  });

  it('takes a task’s one results item when it completed before results were keyed by their callback', async () => {
    const { repo, task } = stored('completed', { request_status: 'completed' }, { hasResults: true });
    repo.results.set(resultsId({ requestId: task.requestId, processorId: 'paynow' }), { signedBody: JSON.stringify({ results: { records: [{ note: 'legacy' }] } }), expiresAt: new Date('2026-06-30') });
    await expect(taskExport(task, paynow, repo)).resolves.toEqual({ processor: paynow, tables: { records: [{ note: 'legacy' }] } });
  });

  it('makes a provider’s part unreadable when the results its task recorded are no longer kept (120 days from the callback), never “no data about you”', async () => {
    const { repo, task } = stored('completed', { request_status: 'completed' });
    repo.results.clear();
    // Until November 29, 2026 a copy assembled after the results had gone said that provider held nothing of the requester.
    await expect(taskExport(task, paynow, repo)).resolves.toEqual({ processor: paynow, tables: {}, unreadable: true });
  });

  it('reads nothing for a completed task that recorded no results', async () => {
    const { repo, task } = stored('completed', { request_status: 'completed' }, {});
    await expect(taskExport(task, paynow, repo)).resolves.toEqual({ processor: paynow, tables: {} });
  });

  it.each([
    ['resolved by an officer', 'resolved', { request_status: 'resolved', reason: 'not_found' }],
    ['timed out', 'timed_out', { request_status: 'timed_out', reason: 'States.Timeout' }],
    ['failed', 'failed', { request_status: 'failed', reason: 'locked' }],
  ] as const)('leaves out results stored for a task that did not complete (%s): the outcome email says its data is not there, and no officer reviewed them', async (_, status, outcome) => {
    const { repo, task } = stored(status, outcome);
    await expect(taskExport(task, paynow, repo)).resolves.toEqual({ processor: paynow, tables: {} });
  });
});

describe('the parts of every provider, at the assemble step', () => {
  const parcelway = processor({ id: 'parcelway', category: 'delivery' });
  const metricsly = processor({ id: 'metricsly', category: 'analytics' });
  const req = storedRequest({ type: 'access', status: 'in_progress' });
  const setup = () => {
    const repo = new FakeRepo();
    // Each completed with its results recorded (under its callback's body hash).
    const tasks = planTasks(req, [paynow, parcelway, metricsly], { customer: undefined, today: '2026-03-02' }).map((t) => ({ ...t, status: 'completed' as const, resultsHash: `hash-${t.processorId}` }));
    for (const t of tasks) {
      const body = t.processorId === 'parcelway' ? { results: { records: [{ id: 'P-1' }] } } : { results_url: `https://files.${t.processorId}.example/alice@example.com.json` };
      repo.results.set(resultsId({ requestId: REQUEST_ID, processorId: t.processorId, bodyHash: t.resultsHash }), { signedBody: JSON.stringify({ task_id: t.taskId, request_status: 'completed', ...body }), expiresAt: new Date('2026-06-01') });
    }
    return { repo, tasks: tasks as StoredTask[] };
  };

  it('reads every part, and fails naming each provider whose results_url cannot give results just now, by registry id only, under the first one’s error', async () => {
    const { repo, tasks } = setup();
    const fetched: string[] = [];
    const fetch = async (url: string) => {
      fetched.push(url);
      throw Object.assign(new Error(`connect ECONNREFUSED for ${url}`), { name: url.includes('paynow') ? 'TimeoutError' : 'ResultsUnavailable', status: 503 });
    };
    const e = (await exportsOf(tasks, [paynow, parcelway, metricsly], repo, fetch).catch((x: unknown) => x)) as Error;
    // Both results_urls were tried: one that failed does not hide the other.
    expect(fetched).toHaveLength(2);
    expect(e.name).toBe('TimeoutError');
    expect(e.message).toBe('results could not be fetched from: paynow, metricsly');
    expect(e.message).not.toContain('example');
  });

  it('gives the parts in the registry’s order, the shop’s own systems first, whatever order the tasks are listed in', async () => {
    const { repo, tasks } = setup();
    const shop = processor({ id: 'offtek', category: 'shop' });
    const shopTask = { ...tasks[0], taskId: `${REQUEST_ID}.offtek`, processorId: 'offtek', category: 'shop' as const, resultsHash: undefined };
    // DynamoDB lists a request's tasks by their sort key, the processor's id: metricsly, offtek, parcelway, paynow.
    const listed = [...tasks, shopTask].sort((a, b) => a.processorId.localeCompare(b.processorId));
    const parts = await exportsOf(listed, [shop, paynow, parcelway, metricsly], repo, async () => ({ records: [{ id: 'R-1' }] }));
    expect(parts.map((p) => p.processor.id)).toEqual(['offtek', 'paynow', 'parcelway', 'metricsly']);
  });

  it('gives every part when each can be read, and passes any other error on at once', async () => {
    const { repo, tasks } = setup();
    await expect(exportsOf(tasks, [paynow, parcelway, metricsly], repo, async () => ({ records: [{ id: 'R-1' }] }))).resolves.toHaveLength(3);
    repo.getTaskResults = async () => Promise.reject(Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' }));
    await expect(exportsOf(tasks, [paynow, parcelway, metricsly], repo, async () => ({}))).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' });
  });
});
