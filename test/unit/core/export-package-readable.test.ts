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
    expect(html).toContain('clauses contractuelles types de l’UE avec l’avenant britannique (UK Addendum)');
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

describe('what the copy says about each holder and about the person’s rights (Art. 15(1)-(2))', () => {
  const FORM = `https://privacy.offtek.example/complaint.html?ref=${REQUEST_ID}&lang=en`;
  const html = exportFiles(
    storedRequest({ type: 'access' }),
    [
      { processor: offtek, tables: { account: [{ name: 'Ada' }] } },
      { processor: metricsly, tables: { records: [{ cookie: 'c-1' }] } },
      { processor: socialapp, tables: { records: [] } },
    ],
    AT,
    FORM,
  )['index.html'];
  /** Each holder's statements, as term → description, from its own section. */
  const about = (name: string) => {
    const section = html.slice(html.indexOf(`<h2>${name}</h2>`));
    const dl = section.slice(0, section.indexOf('</dl>'));
    return Object.fromEntries([...dl.matchAll(/<dt>([^<]+)<\/dt><dd>([^<]+)<\/dd>/g)].map((m) => [m[1], m[2]]));
  };

  it('gives the shop’s purpose, place, source, retention with both exceptions, and no profiling', () => {
    expect(about('Offtek')).toEqual({
      Why: 'to run your account and your orders, invoice you and answer your messages',
      Where: 'London (United Kingdom)',
      'Where it came from': 'from you: when you registered, ordered, filled in our forms or contacted us by phone, email or live chat',
      'How long it is kept':
        'while you are a customer, then only as long as the law requires; order and accounting records up to seven years after your account is closed, to meet our legal duty to keep accounting records; the proof of purchase of a lifetime-warranty product with no end date, so the warranty can be honoured, unless you asked us to erase it',
      Profiling: 'No profiling.',
    });
  });

  it('says the analytics provider profiles for advertising, that the person can object, and where its data came from', () => {
    expect(about('Metricsly Analytics')).toMatchObject({
      'Where it came from': 'collected automatically when you used our website (IP address, device and event data, location)',
      'How long it is kept': 'while you are a customer, then only as long as the law requires',
      Profiling: 'Yes: your visits are used to build an advertising profile. You can object to it at any time. No decision with legal or similar effect on you is made from it.',
    });
  });

  it('states a holder with no data about the person all the same', () => {
    expect(about('SocialApp')['Where it came from']).toBe('from the social network you signed in or shared with, and from you');
  });

  it('ends with the person’s rights and how to complain: the shop’s form first, then the ICO, then the court', () => {
    const rights = html.slice(html.indexOf('<h2>Your rights</h2>'));
    expect(rights).toContain('to correct your data, to erase it, to restrict its use (we then only store it), to stop using it (including for direct marketing and profiling, which stops at once)');
    const complain = rights.indexOf(`complaint form: <a href="${FORM.replaceAll('&', '&#38;')}">${FORM.replaceAll('&', '&#38;')}</a>`);
    const ico = rights.indexOf('Wycliffe House, Water Lane, Wilmslow, Cheshire SK9 5AF');
    const court = rights.indexOf('the right to go to court');
    expect(complain).toBeGreaterThan(0);
    expect(ico).toBeGreaterThan(complain);
    expect(court).toBeGreaterThan(ico);
  });
});
