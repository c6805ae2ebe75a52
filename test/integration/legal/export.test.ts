import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Booted, boot, until } from '../harness.ts';
import { unzip } from '../unzip.ts';

let rt: Booted;
beforeAll(async () => {
  rt = await boot();
});
afterAll(async () => rt?.stopAndClean());

describe('an access request', () => {
  it('needs the account password, then delivers one zip whose JSON, CSV and HTML agree, to the verified mailbox only', async () => {
    await rt.submit({ type: 'access', email: 'alice@example.com', language: 'en' });
    const links = await until(() => rt.links('alice@example.com').catch(() => undefined));
    const page = await (await fetch(links.verify)).text();
    expect(page).toContain('type="password"');
    expect((await rt.confirm(links.token, { password: 'wrong guess' })).status).toBe(401);
    expect((await rt.confirm(links.token, { password: 'correct horse battery staple' })).status).toBe(200);

    const mail = await until(async () => (await rt.mails('alice@example.com')).find((m) => /complete/.test(m.subject)), 60_000, 'outcome email');
    const url = /https?:\/\/\S+\/exports\/\w+\?token=[\w-]+/.exec(mail.body.text ?? '')?.[0];
    expect(url).toBeDefined();
    const wrong = new URL(url as string);
    wrong.searchParams.set('token', 'A'.repeat(43));
    const refused = await fetch(wrong, { headers: { 'accept-language': 'en' } });
    expect(refused.status).toBe(404);
    expect(refused.headers.get('content-type')).toContain('text/html');
    const refusedPage = await refused.text();
    expect(refusedPage).toContain('This download link does not work');
    // A wrong secret says nothing of the request, not even its status link.
    expect(refusedPage).not.toContain('status.html');
    const shown = await fetch(url as string);
    expect(shown.status).toBe(200);

    const token = new URL(url as string).searchParams.get('token') ?? '';
    const dl = await rt.api(`/exports/${links.requestId}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${token}`, redirect: 'manual' });
    expect(dl.status).toBe(303);
    // The bucket is another origin: the page's form may only follow the redirect if its CSP names it.
    const formAction = /form-action ([^;]+)/.exec(shown.headers.get('content-security-policy') ?? '')?.[1].split(' ');
    expect(formAction).toEqual(["'self'", new URL(dl.headers.get('location') as string).origin]);
    const zip = Buffer.from(await (await fetch(dl.headers.get('location') as string)).arrayBuffer());
    const files = await unzip(zip);
    expect(Object.keys(files)).toEqual(expect.arrayContaining(['data.json', 'index.html', 'payments.csv', 'delivery.csv']));
    const data = JSON.parse(files['data.json']) as { format: string; processors: { id: string; tables: Record<string, Record<string, unknown>[]> }[] };
    expect(data.format).toBe('lethe-export/1');
    const paynow = data.processors.find((p) => p.id === 'paynow');
    expect(paynow?.tables.records[0]).toMatchObject({ payment: 'PAY-1001' });
    expect(files['payments.csv']).toContain('PAY-1001');
    expect(files['index.html']).toContain('PayNow Payments');
    expect(files['index.html']).toContain('UK–US data bridge (the provider is certified)'); // Metricsly, in the United States
    expect(files['index.html']).toContain('United States (Virginia)');
    expect(files['index.html']).toContain('Ireland (EU)');
    // The shop's own systems, by their registry entry's signed callback: Alice's order among them.
    expect(data.processors.find((p) => p.id === 'offtek')?.tables.orders).toEqual([{ order: 'OT-10231', date: '2026-02-03', items: '2 × 16 GB DDR4-3200 SO-DIMM', total: '64.99 GBP' }]);
    expect(files['shop-orders.csv']).toBe('processor,order,date,items,total\r\nofftek,OT-10231,2026-02-03,2 × 16 GB DDR4-3200 SO-DIMM,64.99 GBP\r\n');
    expect(files['index.html']).toContain('<th scope="col">Cookie id</th>'); // human column names

    const { repo } = await import('../../../functions/shared/deps.ts');
    const req = await repo.getRequest(links.requestId);
    expect(req?.audit.map((e) => e.action)).toEqual(expect.arrayContaining(['export_assembled', 'complete', 'download']));

    // 72 hours later the link gets a page in the request's language with the way forward, not JSON.
    const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
    const { ddb } = await import('../../../functions/adapters/clients/dynamodb.ts');
    const { key } = await import('../../../functions/adapters/table.ts');
    await ddb.send(new UpdateCommand({ TableName: rt.tableName, Key: key.request(links.requestId), UpdateExpression: 'SET downloadExpiresAt = :past', ExpressionAttributeValues: { ':past': '2020-01-01T00:00:00.000Z' } }));
    const expired = await fetch(url as string, { headers: { 'accept-language': 'fr' } });
    expect(expired.status).toBe(410);
    const expiredPage = await expired.text();
    expect(expiredPage).toContain('<html lang="en">');
    expect(expiredPage).toContain('This download link has expired');
    // The package is still kept: the way forward is a fresh link to the verified mailbox (export-renewal.test.ts).
    expect(expiredPage).toContain('Email me a new link');
    expect(expiredPage).toContain(`/status.html?id=${links.requestId}&#38;token=${links.statusToken}`);
    const late = await rt.api(`/exports/${links.requestId}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${token}`, redirect: 'manual' });
    expect(late.status).toBe(410);
  }, 120_000);
});
