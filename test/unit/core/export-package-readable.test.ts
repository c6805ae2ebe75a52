import { describe, expect, it } from 'vitest';
import { columnName, exportFiles } from '../../../functions/core/export-package.ts';
import { processor, REQUEST_ID, storedRequest } from '../processors/fakes.ts';

const paynow = processor({ id: 'paynow', name: 'PayNow Payments', category: 'payments', region: 'eu-west-1', transferSafeguard: 'adequacy' });
const metricsly = processor({ id: 'metricsly', name: 'Metricsly Analytics', category: 'analytics', region: 'us-east-1', transferSafeguard: 'uk_us_data_bridge' });
const socialapp = processor({ id: 'socialapp', name: 'SocialApp', category: 'social', region: 'us-east-1', transferSafeguard: 'uk_addendum' });
const offtek = processor({ id: 'offtek', name: 'Offtek', category: 'shop', region: 'eu-west-2', transferSafeguard: 'none' });
const AT = '2026-03-20T12:00:00.000Z';

describe('the export package', () => {
  it('opens with a summary of who holds what, where in words and under which UK safeguard, the shop first', () => {
    const files = exportFiles(
      storedRequest({ type: 'access' }),
      [
        { processor: offtek, tables: { account: [{ name: 'Ada' }], orders: [{ order: 'OT-1' }], invoices: [], correspondence: [] } },
        { processor: paynow, tables: { records: [{ payment: 'PAY-1' }] } },
        { processor: metricsly, tables: { records: [] } },
      ],
      AT,
    );
    const html = files['index.html'];
    const summary = html.slice(html.indexOf('<h2>Summary</h2>'), html.indexOf('</table>', html.indexOf('<h2>Summary</h2>')));
    const rows = [...summary.matchAll(/<tr><th scope="row">([^<]+)<\/th><td>([^<]+)<\/td><td>([^<]+)<\/td><td>([^<]+)<\/td><td>([^<]+)<\/td><\/tr>/g)].map((m) => m.slice(1));
    expect(rows).toEqual([
      ['Offtek', 'London (United Kingdom)', 'no transfer: the data stays in the United Kingdom', 'to run your account and your orders, invoice you and answer your messages', '2'],
      ['PayNow Payments', 'Ireland (EU)', 'UK adequacy regulations', 'to take your payments', '1'],
      ['Metricsly Analytics', 'United States (Virginia)', 'UK–US data bridge (the provider is certified)', 'to measure our website and advertise', 'no data about you'],
    ]);
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
  });

  it('speaks French to a French request', () => {
    const html = exportFiles(storedRequest({ type: 'access', language: 'fr' }), [{ processor: socialapp, tables: { records: [{ login: 'friendbook' }] } }], AT)['index.html'];
    expect(html).toContain('<html lang="fr">');
    expect(html).toContain('Vos données chez Offtek et ses prestataires');
    expect(html).toContain('clauses contractuelles types de l&#39;UE avec l&#39;avenant britannique (UK Addendum)');
    expect(html).toContain('États-Unis (Virginie)');
  });

  it('shows each table with readable column names, and writes one CSV with a header row per table that has rows', () => {
    const files = exportFiles(
      storedRequest({ type: 'access' }),
      [{ processor: paynow, tables: { orders: [{ order_number: 'OT-1', paidOn: '2026-02-03' }], refunds: [] } }],
      AT,
    );
    expect(files['index.html']).toContain('<h3>Orders</h3>');
    expect(files['index.html']).toContain('<th scope="col">Order number</th><th scope="col">Paid on</th>');
    expect(files['payments-orders.csv']).toBe('processor,order_number,paidOn\r\npaynow,OT-1,2026-02-03\r\n');
    expect(Object.keys(files).sort()).toEqual(['data.json', 'index.html', 'payments-orders.csv']);
  });

  it('says when a provider’s answer could not be read, rather than showing nothing', () => {
    const files = exportFiles(storedRequest({ type: 'access' }), [{ processor: paynow, tables: {}, unreadable: true }], AT);
    expect(files['index.html']).toContain('answer unreadable: our team has been told');
    expect(JSON.parse(files['data.json']).processors[0]).toMatchObject({ id: 'paynow', unreadable: true, tables: {} });
  });

  it('keeps everything in data.json under a stated format, the request first', () => {
    const data = JSON.parse(exportFiles(storedRequest({ type: 'access' }), [], AT)['data.json']);
    expect(data).toEqual({
      format: 'lethe-export/1',
      request: { id: REQUEST_ID, type: 'access', receivedAt: '2026-03-01T09:00:00.000Z', verifiedAt: '2026-03-01T09:05:00.000Z', generatedAt: AT },
      processors: [],
    });
  });

  it('turns record keys into words', () => {
    expect(columnName('cookieId')).toBe('Cookie id');
    expect(columnName('order_number')).toBe('Order number');
    expect(columnName('amount')).toBe('Amount');
    expect(columnName('retained-until')).toBe('Retained until');
  });
});
