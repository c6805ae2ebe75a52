import { londonDate } from '../../../functions/core/deadline.ts';
import { sevenYearsFromToday } from '../../support/dates.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Booted, boot, until } from '../harness.ts';
import { unzip } from '../unzip.ts';

let rt: Booted;
beforeAll(async () => {
  rt = await boot();
});
afterAll(async () => rt?.stopAndClean());

/** Today in London, as the erasure is dated, and the same day seven years on (no test runs on a 29 February). */
const today = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date());
const sevenYearsOn = (d: string) => `${Number(d.slice(0, 4)) + 7}${d.slice(4)}`;

async function finished(email: string, body: Record<string, unknown>, password?: string) {
  await rt.submit({ email, language: 'en', ...body });
  const links = await until(() => rt.links(email).catch(() => undefined));
  expect((await rt.confirm(links.token, password ? { password } : {})).status).toBe(200);
  await until(async () => (await rt.status(links.requestId, links.statusToken)).status === 'completed', 30_000, 'completion');
  return links;
}

const webhookTo = (requestId: string, processorId: string) => rt.processors.received(processorId).find((w) => w.body?.subject_request_id === requestId)?.body;
const shopWebhook = (requestId: string) => rt.directory?.received.find((w) => w.body?.subject_request_id === requestId);

describe('the shop’s own systems, a target of every request', () => {
  it('close and anonymise the account on an erasure, keeping only the orders and invoices the accounting hold requires until closure + 7 years', async () => {
    const email = 'dora.shop@example.com';
    rt.directory?.addCustomer(email, 'dora’s own password', {
      account: { customer: 'C-9001', name: 'Dora Shop', email, postal_address: '9 Mill Lane, Leeds' },
      orders: [{ order: 'OT-90001', date: '2025-06-01', items: '1 × 8 GB DDR4 SO-DIMM', total: '24.99 GBP' }],
      invoices: [{ invoice: 'INV-90001', order: 'OT-90001', date: '2025-06-01', total: '24.99 GBP' }],
      correspondence: [{ date: '2025-06-03', channel: 'email', subject: 'Where is my parcel?' }],
    });
    const links = await finished(email, { type: 'erasure' });
    const day = today();
    const hook = shopWebhook(links.requestId);
    expect(hook?.verified).toBe(true);
    expect(hook?.body).toMatchObject({ action: 'erase', task_id: `${links.requestId}.offtek` });
    // Her account was open: the erasure closes it, so the 7 years run from today. She bought no lifetime-warranty product.
    expect(hook?.body?.legal_holds).toEqual([{ basis: 'accounting', until: sevenYearsOn(day), rule: 'account_closure_plus_7_years' }]);
    expect(rt.directory?.recordsOf(email)).toEqual({
      account: { customer: 'C-9001', closedOn: day },
      orders: [{ order: 'OT-90001', date: '2025-06-01', items: '1 × 8 GB DDR4 SO-DIMM', total: '24.99 GBP' }],
      invoices: [{ invoice: 'INV-90001', order: 'OT-90001', date: '2025-06-01', total: '24.99 GBP' }],
      correspondence: [],
    });
    // The shop's answer came back signed and was accepted like a processor's.
    expect(rt.directory?.callbacks.find((c) => c.taskId === `${links.requestId}.offtek`)).toMatchObject({ code: 200, body: { request_status: 'retained', legal_basis: 'accounting' } });
    const s = await rt.status(links.requestId, links.statusToken);
    expect(s.categories.find((c) => c.category === 'shop')?.state).toBe('retained');
    expect(webhookTo(links.requestId, 'parcelway')?.legal_holds).toEqual([]);
    const mail = await until(async () => (await rt.mails(email)).find((m) => /complete/.test(m.subject)));
    expect(mail.body.text).toContain(`- Offtek (our own systems): kept some records instead of erasing them, for our legal duty to keep accounting records, until ${sevenYearsFromToday().words}.`);
  });

  it('send no warranty or accounting hold for someone who is not a customer, and the shop answers it holds nothing', async () => {
    const links = await finished('nobody.shop@example.com', { type: 'erasure' });
    for (const id of ['paynow', 'parcelway', 'recoverco']) expect(webhookTo(links.requestId, id)?.legal_holds).toEqual([]);
    expect(shopWebhook(links.requestId)?.body?.legal_holds).toEqual([]);
    expect(rt.directory?.callbacks.find((c) => c.taskId === `${links.requestId}.offtek`)).toMatchObject({ code: 200, body: { request_status: 'not_found' } });
  });

  it('answer a copy for someone who is not a customer with not_found, as every processor holding nothing does, and the outcome email says each held nothing', async () => {
    const links = await finished('nobody.copy@example.com', { type: 'access' });
    expect(rt.directory?.callbacks.find((c) => c.taskId === `${links.requestId}.offtek`)).toMatchObject({ code: 200, body: { request_status: 'not_found' } });
    const mail = await until(async () => (await rt.mails('nobody.copy@example.com')).find((m) => /complete/.test(m.subject)));
    expect(mail.body.text).toContain('- Offtek (our own systems): held no data about you.');
    expect(mail.body.text).toContain('- RecoverCo Debt Collection (debt collection): held no data about you.');
    // Not "sent us your data: it is in your download", of a provider whose part of the download says it holds none.
    expect(mail.body.text).not.toContain('sent us your data');
  });

  it('keep lifetime-warranty purchase records only for someone who bought such a product', async () => {
    const email = 'ewan.warranty@example.com';
    // Closed three years before this year's 10 May, so that its 7 years have not run out whatever today is (a fixed 2023 would have from 10 May 2030).
    const closedOn = `${Number(londonDate(new Date()).slice(0, 4)) - 3}-05-10`;
    rt.directory?.addCustomer(email, 'ewan’s own password', {
      closedOn,
      account: { customer: 'C-9002', name: 'Ewan Warranty', email },
      orders: [{ order: 'OT-90002', date: '2022-01-15', items: '2 × 32 GB DDR4 ECC (lifetime warranty)', total: '189.00 GBP' }],
      invoices: [],
      correspondence: [],
    });
    const links = await finished(email, { type: 'erasure' });
    expect(webhookTo(links.requestId, 'parcelway')?.legal_holds).toEqual([{ basis: 'lifetime_warranty', until: null, rule: 'indefinite' }]);
    // His account closed three years ago: the accounting hold runs from then, not from the erasure.
    expect(webhookTo(links.requestId, 'paynow')?.legal_holds).toEqual([
      { basis: 'accounting', until: `${Number(closedOn.slice(0, 4)) + 7}-05-10`, rule: 'account_closure_plus_7_years' },
      { basis: 'lifetime_warranty', until: null, rule: 'indefinite' },
    ]);
  });

  it('export the account, orders, invoices and correspondence once, by the shop’s signed callback, in the package', async () => {
    const email = 'fern.copy@example.com';
    const password = 'fern’s own password';
    rt.directory?.addCustomer(email, password, {
      account: { customer: 'C-9003', name: 'Fern Copy', email },
      orders: [{ order: 'OT-90003', date: '2026-01-20', items: '1 × 16 GB DDR5 SO-DIMM', total: '49.99 GBP' }],
      invoices: [{ invoice: 'INV-90003', order: 'OT-90003', date: '2026-01-20', total: '49.99 GBP' }],
      correspondence: [{ date: '2026-01-22', channel: 'chat', subject: 'Is DDR5 right for me?' }],
    });
    const from = rt.directory?.calls.length ?? 0;
    const links = await finished(email, { type: 'access' }, password);
    const mail = await until(async () => (await rt.mails(email)).find((m) => /complete/.test(m.subject)), 30_000, 'outcome email');
    const url = /https?:\/\/\S+\/exports\/\w+\?token=[\w-]+/.exec(mail.body.text ?? '')?.[0] as string;
    const token = new URL(url).searchParams.get('token') ?? '';
    const dl = await rt.api(`/exports/${links.requestId}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${token}`, redirect: 'manual' });
    const files = await unzip(Buffer.from(await (await fetch(dl.headers.get('location') as string)).arrayBuffer()));
    const data = JSON.parse(files['data.json']) as { shop?: unknown; processors: { id: string; category: string; tables: Record<string, unknown[]> }[] };
    expect(data.shop).toBeUndefined();
    expect(data.processors.filter((p) => p.category === 'shop')).toEqual([
      expect.objectContaining({
        id: 'offtek',
        tables: {
          account: [{ customer: 'C-9003', name: 'Fern Copy', email }],
          orders: [{ order: 'OT-90003', date: '2026-01-20', items: '1 × 16 GB DDR5 SO-DIMM', total: '49.99 GBP' }],
          invoices: [{ invoice: 'INV-90003', order: 'OT-90003', date: '2026-01-20', total: '49.99 GBP' }],
          correspondence: [{ date: '2026-01-22', channel: 'chat', subject: 'Is DDR5 right for me?' }],
        },
      }),
    ]);
    expect(files['shop-invoices.csv']).toBe('processor,invoice,order,date,total\r\nofftek,INV-90003,OT-90003,2026-01-20,49.99 GBP\r\n');
    expect(files['shop-correspondence.csv']).toBe('processor,date,channel,subject\r\nofftek,2026-01-22,chat,Is DDR5 right for me?\r\n');
    // One path only: the directory is asked about the password, never for an export of its own.
    expect((rt.directory?.calls ?? []).slice(from).map((c) => c.path)).not.toContain('export');
  });
});
