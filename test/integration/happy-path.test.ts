import { sevenYearsFromToday } from '../support/dates.ts';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS } from '../../local/services/credentials.ts';
import { type Booted, boot, until } from './harness.ts';

let rt: Booted;
beforeAll(async () => {
  rt = await boot();
});
afterAll(async () => rt?.stopAndClean());

describe('the full happy path on the embedded runtime', () => {
  it('takes an erasure from the form to completed: email link, confirmation, signed webhooks and callbacks', async () => {
    const submitted = await rt.submit({ type: 'erasure', email: 'alice@example.com', language: 'fr' });
    expect(submitted.status).toBe(202);

    const links = await until(() => rt.links('alice@example.com').catch(() => undefined), 5000, 'confirmation email');
    const page = await fetch(links.verify);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post" action="/verify">');
    expect((await rt.confirm(links.token)).status).toBe(200);

    const done = await until(async () => {
      const s = await rt.status(links.requestId, links.statusToken);
      return s.status === 'completed' && s;
    }, 30_000, 'request completed');
    expect(done.categories.map((c) => c.category).sort()).toEqual(['analytics', 'collections', 'delivery', 'email', 'payments', 'shop', 'social']);
    // Alice's payment is an invoice, and the shop keeps her order and invoice: both under the accounting hold, the rest erased.
    expect(Object.fromEntries(done.categories.map((c) => [c.category, c.state]))).toEqual({ analytics: 'done', collections: 'done', delivery: 'done', email: 'done', payments: 'retained', shop: 'retained', social: 'done' });

    const tasks = await (await import('../../functions/shared/deps.ts')).repo.listTasks(links.requestId);
    expect(tasks).toHaveLength(rt.registry.processors.length);
    // Each processor answers from what it holds: the debt collector never had Alice's data, and the
    // payment provider restricts her invoice under the accounting hold instead of erasing it, for 7 years from today (the erasure closes her account).
    const byProcessor = Object.fromEntries(tasks.map((t) => [t.processorId, [t.status, Object.keys(t.receipts ?? {}).length]]));
    expect(byProcessor).toEqual({ offtek: ['retained', 1], paynow: ['retained', 1], parcelway: ['completed', 1], metricsly: ['completed', 1], mailwave: ['completed', 1], reviewly: ['completed', 1], recoverco: ['not_found', 1], socialapp: ['completed', 1] });
    expect(tasks.find((t) => t.processorId === 'paynow')?.outcome).toMatchObject({ request_status: 'retained', legal_basis: 'accounting', retained_until: sevenYearsFromToday().iso });
    expect(rt.processors.records('paynow', 'alice@example.com')).toEqual([{ table: 'records', record: { payment: 'PAY-1001', order: 'OT-10231', amount: '64.99 GBP', card: '**** 4242', date: '2026-02-03' }, restricted: true }]);
    expect(rt.processors.holds('parcelway', 'alice@example.com')).toBe(false);
    for (const p of rt.registry.processors) {
      // The shop's own entry is served by the demo account service, the others by the demo processors.
      const received = p.category === 'shop' ? (rt.directory?.received ?? []) : rt.processors.received(p.id);
      const got = received.filter((w) => w.body?.subject_request_id === links.requestId);
      expect(got).toHaveLength(1);
      expect(got[0].verified).toBe(true);
    }

    const sfn = new SFNClient({ endpoint: rt.urls.sfn, region: 'eu-west-2', credentials: LOCAL_CREDENTIALS });
    // Notify closes the request a moment before the execution reaches Done.
    const executionArn = `arn:aws:states:eu-west-2:000000000000:execution:lethe-privacy-requests:${links.requestId}`;
    const status = await until(async () => {
      const ex = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return ex.status !== 'RUNNING' && ex.status;
    }, 30_000, 'execution finished');
    expect(status).toBe('SUCCEEDED');

    const outcome = (await rt.mails('alice@example.com')).find((m) => /terminée/.test(m.subject));
    expect(outcome?.body.text).toContain(links.requestId);
  });
});
