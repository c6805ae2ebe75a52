import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { key } from '../../../functions/adapters/table.ts';
import { type Booted, boot, openErasure, until } from '../harness.ts';
import { bulkPut } from '../bulk.ts';

let rt: Booted;
beforeAll(async () => {
  rt = await boot();
  // The analytics processor accepts the webhook and never answers: its task stays sent.
  rt.processors.setBehaviour('metricsly', { never: true });
}, 120_000);
afterAll(async () => {
  await rt?.stopAndClean();
});

type Report = { overdue: string[]; reminders: string[]; escalatedTasks: string[]; lostExecutions: string[] };
const sweepAt = (date: string) => rt.lambdas.invoke('sweeper', { time: `${date}T09:00:00Z` }) as Promise<Report>;
const addDays = (d: string, n: number) => new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const about = (r: Report, requestId: string) =>
  Object.fromEntries((['overdue', 'reminders', 'escalatedTasks', 'lostExecutions'] as const).map((k) => [k, r[k].filter((x) => x.startsWith(requestId))])) as Report;
const id = (n: number) => `01JS${String(n).padStart(22, '0')}`;

/**
 * An open request record as the repository writes it, in the status index under its deadline.
 * Every deadline flag the sweeper sets is already set, and its lost execution already reported:
 * the sweeper has nothing left to do about it but list it.
 */
const record = (n: number, dueDate: string) => ({
  ...key.request(id(n)),
  gsi1pk: 'STATUS#in_progress',
  gsi1sk: `${dueDate}#${id(n)}`,
  id: id(n),
  type: 'erasure',
  language: 'en',
  status: 'in_progress',
  version: 5,
  emailHash: 'e'.repeat(64),
  details: { eraseWarranty: false, objections: [] },
  receivedAt: `${addDays(dueDate, -31)}T09:00:00.000Z`,
  verifiedAt: `${addDays(dueDate, -31)}T09:05:00.000Z`,
  dueDate,
  pausedDays: 0,
  statusTokenHash: 's'.repeat(64),
  flags: ['reminder-7', 'reminder-2', 'overdue', 'execution-lost'],
  audit: [],
});

describe('the sweeper and the dashboard with more open requests than one read of the status index returns', () => {
  it('reminds, escalates the stuck task, reports the lost execution and flags overdue a request behind 600 others due before it; the dashboard lists its escalated task', { timeout: 180_000 }, async () => {
    // A real erasure, through the API and the workflow, open with only the analytics task out.
    const { requestId, due } = await openErasure(rt, 'behind-600@example.com');
    // 600 requests in progress due 1 to 5 days before it: the status index, ordered by deadline, lists them first.
    await bulkPut(rt, Array.from({ length: 600 }, (_, n) => record(n, addDays(due, -1 - (n % 5)))));
    // Its execution stopped behind its back.
    rt.engine.stopExecution(`arn:aws:states:eu-west-2:000000000000:execution:lethe-privacy-requests:${requestId}`);

    // A week before its deadline, and past the analytics task's 7-day timeout.
    const week = about(await sweepAt(addDays(due, -7)), requestId);
    expect(week.reminders).toEqual([`${requestId}:reminder-7`]);
    expect(week.escalatedTasks).toEqual([`${requestId}.metricsly`]);
    expect(week.lostExecutions).toEqual([requestId]);
    await until(async () => (await rt.mails('compliance@offtek.example')).find((m) => m.subject === `Due in 7 days: request ${requestId}`));

    const token = await rt.signIn('viewer');
    const r = await rt.api('/admin/dashboard', { headers: { authorization: `Bearer ${token}` } });
    expect(r.status).toBe(200);
    const d = (await r.json()) as { escalated: { requestId: string; processorId: string; status: string }[]; processors: { id: string; timeouts: number }[] };
    expect(d.escalated.filter((e) => e.requestId === requestId).map((e) => [e.processorId, e.status])).toEqual([['metricsly', 'timed_out']]);
    expect(d.processors.find((p) => p.id === 'metricsly')?.timeouts).toBe(1);

    // The day after its deadline.
    const late = about(await sweepAt(addDays(due, 1)), requestId);
    expect(late.overdue).toEqual([requestId]);
    expect(late.reminders).toEqual([`${requestId}:overdue`]);
  });
});
