import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { londonDate } from '../../../functions/core/deadline.ts';
import { DEMO_CUSTOMERS, type ShopRecords } from '../../../local/directory/server.ts';
import { type Booted, boot, until } from '../harness.ts';

let rt: Booted;
let clock = Date.now();
beforeAll(async () => {
  // The TTL reaper follows this clock, so the test can let 31 days pass.
  rt = await boot({ now: () => new Date(clock) });
});
afterAll(async () => rt?.stopAndClean());

async function finished(email: string, body: Record<string, unknown>) {
  await rt.submit({ email, language: 'en', ...body });
  const links = await until(() => rt.links(email).catch(() => undefined));
  await rt.confirm(links.token);
  // 30 s: the first request of the suite waits for every function's cold start on a shared machine.
  await until(async () => (await rt.status(links.requestId, links.statusToken)).status === 'completed', 30_000, 'completion');
  return links;
}

describe('erasure with legal holds', () => {
  it('sends each processor the holds of its category, and tells the requester what was kept, why and until when', async () => {
    // Bob closed his account two years before this year's 15 March: the demo's 2024-03-15 gives a hold that runs out on
    // 2031-03-15, after which none is sent, so the directory is told a date whose 7 years have not run out whatever today is.
    const year = Number(londonDate(new Date()).slice(0, 4));
    const bob = DEMO_CUSTOMERS.find((c) => c.email === 'bob@example.com');
    rt.directory?.addCustomer('bob@example.com', bob?.password ?? '', { ...(rt.directory.recordsOf('bob@example.com') as ShopRecords), closedOn: `${year - 2}-03-15` });
    // No knob: the demo debt collector keeps Bob's case under the accounting hold it is sent, as a processor must.
    const links = await finished('bob@example.com', { type: 'erasure' });
    const webhook = rt.processors.received('recoverco').find((w) => w.body?.subject_request_id === links.requestId);
    // Accounting records are kept until 7 years after the closing.
    expect(webhook?.body?.legal_holds).toEqual([{ basis: 'accounting', until: `${year + 5}-03-15`, rule: 'account_closure_plus_7_years' }]);
    const email = await until(async () => (await rt.mails('bob@example.com')).find((m) => /complete/.test(m.subject)));
    expect(email.body.text?.split('\n')).toContain(`- RecoverCo Debt Collection (debt collection): kept some records instead of erasing them, for our legal duty to keep accounting records, until 15 March ${year + 5}.`);
    expect(email.body.text).toContain(`Our policy keeps your order and invoice records until 15 March ${year + 5}, to meet our legal duty to keep accounting records.`);
    // Restricted, not merely kept (Art. 17(3)): the requester is told so.
    expect(email.body.text).toContain('We keep those records only for the reasons given above, and use them for nothing else.');
    expect(email.body.text).toContain("https://ico.org.uk/make-a-complaint");
    const s = await rt.status(links.requestId, links.statusToken);
    expect(s.categories.find((c) => c.category === 'collections')?.state).toBe('retained');
    expect(rt.processors.records('recoverco', 'bob@example.com')).toEqual([{ table: 'records', record: { case: 'RC-301', balance: '0.00 GBP', closedOn: '2024-05-01' }, restricted: true }]);
  });

  it('erases lifetime-warranty records when the requester opted in, and warns that claims can no longer be honoured', async () => {
    const links = await finished('carol@example.com', { type: 'erasure', eraseWarranty: true });
    const delivery = rt.processors.received('parcelway').find((w) => w.body?.subject_request_id === links.requestId);
    expect(delivery?.body?.legal_holds).toEqual([]);
    const email = await until(async () => (await rt.mails('carol@example.com')).find((m) => /complete/.test(m.subject)));
    expect(email.body.text).toMatch(/can no longer honour warranty claims/);
  });

  it('keeps lifetime-warranty records of a buyer of such a product who did not opt in', async () => {
    rt.directory?.addCustomer('erin.buyer@example.com', 'erin’s own password', {
      account: { customer: 'C-9010', name: 'Erin Buyer' },
      orders: [{ order: 'OT-90010', date: '2024-04-02', items: '2 × 16 GB DDR4 (lifetime warranty)', total: '99.00 GBP' }],
      invoices: [],
      correspondence: [],
    });
    const links = await finished('erin.buyer@example.com', { type: 'erasure' });
    const delivery = rt.processors.received('parcelway').find((w) => w.body?.subject_request_id === links.requestId);
    expect(delivery?.body?.legal_holds).toEqual([{ basis: 'lifetime_warranty', until: null, rule: 'indefinite' }]);
  });

  it('takes one retained callback naming both holds, and tells the requester both reasons and both ends', async () => {
    // A buyer of a lifetime-warranty product with an invoice: the payment provider keeps the payment under both holds.
    rt.directory?.addCustomer('finn.both@example.com', 'finn’s own password', {
      account: { customer: 'C-9011', name: 'Finn Both' },
      orders: [{ order: 'OT-90011', date: '2024-05-02', items: '1 × 32 GB DDR5 (lifetime warranty)', total: '129.00 GBP' }],
      invoices: [{ invoice: 'INV-90011', order: 'OT-90011', date: '2024-05-02', total: '129.00 GBP' }],
      correspondence: [],
    });
    rt.processors.setBehaviour('paynow', {
      status: { request_status: 'retained', legal_basis: 'accounting', retained_until: '2033-05-02', additional_holds: [{ legal_basis: 'lifetime_warranty', retained_until: null }], receipt: 'PN-KEEP-2' },
    });
    try {
      const links = await finished('finn.both@example.com', { type: 'erasure' });
      const task = (await (await import('../../../functions/shared/deps.ts')).repo.listTasks(links.requestId)).find((t) => t.processorId === 'paynow');
      expect(task?.outcome).toMatchObject({ request_status: 'retained', legal_basis: 'accounting', retained_until: '2033-05-02', additional_holds: [{ legal_basis: 'lifetime_warranty', retained_until: null }] });
      const email = await until(async () => (await rt.mails('finn.both@example.com')).find((m) => /complete/.test(m.subject)));
      expect(email.body.text?.split('\n')).toContain(
        '- PayNow Payments (payments): kept some records instead of erasing them, for our legal duty to keep accounting records, until 2 May 2033, and for your lifetime warranty, which you chose to keep, for as long as the warranty runs.',
      );
      // The shop's own systems keep the invoice for the accountants and the warranty order past their 7 years: both named.
      expect(rt.directory?.callbacks.find((c) => c.taskId === `${links.requestId}.offtek`)).toMatchObject({
        code: 200,
        body: { request_status: 'retained', legal_basis: 'accounting', additional_holds: [{ legal_basis: 'lifetime_warranty', retained_until: null }] },
      });
      expect(email.body.text).toMatch(/- Offtek \(our own systems\): kept some records instead of erasing them, for our legal duty to keep accounting records, until \d+ \w+ \d{4}, and for your lifetime warranty, which you chose to keep, for as long as the warranty runs\./);
    } finally {
      rt.processors.setBehaviour('paynow', {});
    }
  });
});

describe('records kept against the requester’s choice', () => {
  it('escalates a processor that keeps lifetime-warranty records the requester asked to erase too, and mails no outcome that calls them kept at their choice', async () => {
    rt.processors.setBehaviour('parcelway', { status: { request_status: 'retained', legal_basis: 'lifetime_warranty', retained_until: null, receipt: 'PW-KEEP-3' } });
    try {
      const email = 'gina.erase@example.com';
      await rt.submit({ email, language: 'en', type: 'erasure', eraseWarranty: true });
      const links = await until(() => rt.links(email).catch(() => undefined));
      await rt.confirm(links.token);
      await until(async () => (await rt.status(links.requestId, links.statusToken)).status === 'awaiting_manual', 30_000, 'escalation');
      const { repo } = await import('../../../functions/shared/deps.ts');
      const task = (await repo.listTasks(links.requestId)).find((t) => t.processorId === 'parcelway');
      expect(task).toMatchObject({ status: 'failed', outcome: { request_status: 'failed', reason: expect.stringContaining('asked to erase their lifetime-warranty purchase records too') } });
      expect((await rt.mails(email)).map((m) => m.subject)).not.toContain('Your privacy request is complete');
    } finally {
      rt.processors.setBehaviour('parcelway', {});
    }
  });
});

describe('after completion', () => {
  it('removes the personal data 30 days later and keeps a proof-of-compliance record without it', async () => {
    const links = await finished('frank@example.com', { type: 'erasure' });
    const { repo } = await import('../../../functions/shared/deps.ts');
    expect(await repo.getPii(links.requestId)).toMatchObject({ email: 'frank@example.com' });
    clock += 29 * 86_400_000;
    await rt.reaper.reap();
    expect(await repo.getPii(links.requestId)).toBeDefined();
    clock += 2 * 86_400_000;
    await rt.reaper.reap();
    expect(await repo.getPii(links.requestId)).toBeUndefined();
    const proof = await repo.getRequest(links.requestId);
    expect(proof).toMatchObject({ status: 'completed', type: 'erasure' });
    expect(proof?.emailHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(proof)).not.toContain('frank@example.com');
    expect(proof?.audit.at(-1)?.action).toBe('complete');
  });
});
