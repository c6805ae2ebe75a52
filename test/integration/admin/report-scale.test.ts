import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { key } from '../../../functions/adapters/table.ts';
import { addDays, londonDate } from '../../../functions/core/deadline.ts';
import type { StoredRequest } from '../../../functions/core/ports.ts';
import { type Booted, boot } from '../harness.ts';
import { bulkPut } from '../bulk.ts';

let rt: Booted;
beforeAll(async () => {
  rt = await boot();
}, 120_000);
afterAll(async () => {
  await rt?.stopAndClean();
});

const today = londonDate(new Date());
const plus = (days: number) => addDays(today, days);
const id = (n: number) => `01JR${String(n).padStart(22, '0')}`;
const PROCESSORS = ['paynow', 'parcelway', 'mailwave'];
const event = (at: string, subject: string, action: string) => ({ seq: 0, at, actor: 'workflow', action, subject, prevHash: 'p', hash: 'h' });

/**
 * A request received on `day` at 09:00 UTC, due a month on, with one task at one of three processors,
 * answered an hour later: each has one event of its own and one on its task. Written straight into
 * the table as the repository writes them, 25 a batch.
 */
function requestWithTask(n: number, day: string, status: StoredRequest['status']) {
  const receivedAt = `${day}T09:00:00.000Z`;
  const dueDate = addDays(day, 30);
  const processorId = PROCESSORS[n % PROCESSORS.length];
  const closed = status === 'completed' ? { closedAt: `${day}T11:00:00.000Z` } : {};
  return [
    {
      ...key.request(id(n)),
      gsi1pk: `STATUS#${status}`,
      gsi1sk: `${dueDate}#${id(n)}`,
      id: id(n),
      type: 'erasure',
      language: 'en',
      status,
      version: 3,
      emailHash: 'e'.repeat(64),
      details: { eraseWarranty: false, objections: [] },
      receivedAt,
      verifiedAt: receivedAt,
      dueDate,
      pausedDays: 0,
      statusTokenHash: 's'.repeat(64),
      audit: [event(receivedAt, id(n), 'submit')],
      ...closed,
    },
    {
      ...key.task(id(n), processorId),
      taskId: `${id(n)}.${processorId}`,
      requestId: id(n),
      processorId,
      category: 'payments',
      action: 'erase',
      status: 'completed',
      version: 3,
      attempts: 1,
      holds: [],
      sentAt: `${day}T09:00:00.000Z`,
      finishedAt: `${day}T10:00:00.000Z`,
      audit: [event(`${day}T10:00:00.000Z`, `${id(n)}.${processorId}`, 'complete')],
    },
  ];
}

describe('the SLA report and the audit export over a few thousand requests', () => {
  it('count every request received in the range and every task of theirs, and export every event of the range', { timeout: 180_000 }, async () => {
    // The range: 30 days that ended a month ago. In it, 2,400 requests, most of them answered; a year before it
    // 600, and after it 200 still open.
    const [from, to] = [plus(-60), plus(-31)];
    const items: Record<string, unknown>[] = [];
    for (let n = 0; n < 2400; n++) items.push(...requestWithTask(n, plus(-60 + (n % 30)), n % 8 === 0 ? 'in_progress' : 'completed'));
    for (let n = 2400; n < 3000; n++) items.push(...requestWithTask(n, plus(-425 + (n % 30)), 'completed'));
    for (let n = 3000; n < 3200; n++) items.push(...requestWithTask(n, plus(-20 + (n % 10)), 'in_progress'));
    await bulkPut(rt, items);

    const token = await rt.signIn('viewer');
    const get = (path: string) => rt.api(`/admin${path}`, { headers: { authorization: `Bearer ${token}` } });
    const r = await get(`/report?from=${from}&to=${to}`);
    expect(r.status).toBe(200);
    const report = (await r.json()) as { requests: number; byType: { type: string; requests: number; completed: number }[]; processors: { id: string; tasks: number; answered: number }[] };
    expect(report.requests).toBe(2400);
    expect(report.byType.find((t) => t.type === 'erasure')).toMatchObject({ requests: 2400, completed: 2100 });
    for (const p of PROCESSORS) expect(report.processors.find((x) => x.id === p)).toMatchObject({ tasks: 800, answered: 800 });

    const csv = await get(`/audit.csv?from=${from}&to=${to}`);
    expect(csv.status).toBe(200);
    const rows = (await csv.text()).split('\r\n').filter(Boolean).slice(1);
    expect(rows).toHaveLength(4800);
    const subjects = new Set(rows.map((l) => l.split(',')[2]));
    for (let n = 0; n < 2400; n++) expect(subjects.has(id(n)) && subjects.has(`${id(n)}.${PROCESSORS[n % 3]}`)).toBe(true);
  });
});
