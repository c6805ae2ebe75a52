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
const id = (n: number) => `01JS${String(n).padStart(22, '0')}`;

/**
 * A request record as the repository writes it, in the status index under `indexedDue` (the
 * deadline it was keyed by when written). Written straight into the table, 25 a batch: the API
 * would take minutes to make a thousand.
 */
const record = (n: number, status: StoredRequest['status'], dueDate: string, over: Partial<StoredRequest> = {}, indexedDue = dueDate) => ({
  ...key.request(id(n)),
  gsi1pk: `STATUS#${status}`,
  gsi1sk: `${indexedDue}#${id(n)}`,
  id: id(n),
  type: 'erasure',
  language: 'en',
  status,
  version: 3,
  emailHash: 'e'.repeat(64),
  details: { eraseWarranty: false, objections: [] },
  receivedAt: `${plus(-40)}T09:00:00.000Z`,
  verifiedAt: `${plus(-40)}T09:05:00.000Z`,
  dueDate,
  pausedDays: 0,
  statusTokenHash: 's'.repeat(64),
  audit: [],
  ...over,
});

describe('the dashboard with more open requests than one read of the status index returns', () => {
  it('lists every overdue request and every one due within 7 days, past the 500 it used to read a status, and no stopped clock', { timeout: 120_000 }, async () => {
    const items: Record<string, unknown>[] = [];
    // 620 overdue in progress, from 1 to 60 days late, and 5 waiting for an officer.
    for (let n = 0; n < 620; n++) items.push(record(n, 'in_progress', plus(-1 - (n % 60))));
    for (let n = 620; n < 625; n++) items.push(record(n, 'awaiting_manual', plus(-3)));
    // 16 due from today to 7 days on, 600 due later.
    for (let n = 625; n < 641; n++) items.push(record(n, 'in_progress', plus(n % 8)));
    for (let n = 641; n < 1241; n++) items.push(record(n, 'in_progress', plus(8 + (n % 40))));
    // Stopped clocks (Art. 12A) with past deadlines: neither overdue nor due.
    for (let n = 1241; n < 1251; n++) items.push(record(n, 'in_progress', plus(-5), { pausedSince: `${plus(-10)}T10:00:00.000Z` }));
    // Extended long ago, indexed under their original deadlines (as written before the index followed the extension):
    // one due again in 3 days, one in 30.
    items.push(record(1251, 'in_progress', plus(-20), { extended: { at: `${plus(-25)}T10:00:00.000Z`, reason: 'complex', dueDate: plus(3) } }));
    items.push(record(1252, 'in_progress', plus(-20), { extended: { at: `${plus(-25)}T10:00:00.000Z`, reason: 'complex', dueDate: plus(30) } }));
    // Unconfirmed requests have no deadline; closed ones are never due.
    for (let n = 1253; n < 1263; n++) items.push(record(n, 'unverified', undefined as never, { verifiedAt: undefined }, plus(-2)));
    for (let n = 1263; n < 1273; n++) items.push(record(n, 'completed', plus(-30), { closedAt: `${plus(-31)}T10:00:00.000Z` }));
    await bulkPut(rt, items);

    const token = await rt.signIn('viewer');
    const r = await rt.api('/admin/dashboard', { headers: { authorization: `Bearer ${token}` } });
    expect(r.status).toBe(200);
    const d = (await r.json()) as { overdue: { id: string; dueDate: string; daysLeft: number }[]; dueSoon: { id: string; daysLeft: number }[] };

    const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => id(from + i));
    expect(d.overdue.map((x) => x.id).sort()).toEqual(range(0, 625).sort());
    expect(d.overdue.every((x) => x.daysLeft < 0)).toBe(true);
    // Most overdue first.
    expect(d.overdue[0].dueDate).toBe(plus(-60));
    expect(d.dueSoon.map((x) => x.id).sort()).toEqual([...range(625, 641), id(1251)].sort());
    expect(d.dueSoon.every((x) => x.daysLeft >= 0 && x.daysLeft <= 7)).toBe(true);
  });
});

describe('the dashboard’s Mail failed list with more requests in a status than it reads', () => {
  it('lists a request whose email failed beyond the 500 it reads a status, found through the index its mark enters', { timeout: 120_000 }, async () => {
    // 600 requests waiting for confirmation, all received the day before: the status index orders them before today's.
    const yesterday = plus(-1);
    await bulkPut(rt, Array.from({ length: 600 }, (_, i) => record(2000 + i, 'unverified', undefined as never, { receivedAt: `${yesterday}T09:00:00.000Z`, verifiedAt: undefined }, yesterday)));
    // Today's request, whose confirmation link SES refuses: intake marks it "mail failed".
    const email = 'refused.at.scale@example.com';
    rt.ses.refuse((to) => to.includes(email));
    try {
      expect((await rt.submit({ type: 'erasure', email, language: 'en' }, {}, '127.0.0.41')).status).toBe(202);
    } finally {
      rt.ses.refuse(undefined);
    }

    const token = await rt.signIn('viewer');
    const r = await rt.api('/admin/dashboard', { headers: { authorization: `Bearer ${token}` } });
    expect(r.status).toBe(200);
    const d = (await r.json()) as { counts: Record<string, number | string>; mailFailed: { id: string; status: string; mailFailed: { kind: string } }[] };
    expect(d.counts.unverified).toBe('500+');
    const marked = d.mailFailed.filter((x) => x.status === 'unverified');
    expect(marked).toHaveLength(1);
    expect(marked[0]).toMatchObject({ mailFailed: { kind: 'confirmation', error: 'MessageRejected' } });
    expect(marked[0].id.startsWith('01JS')).toBe(false);
  });
});
