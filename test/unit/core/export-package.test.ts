import { describe, expect, it } from 'vitest';
import { exportFiles, toCsv } from '../../../functions/core/export-package.ts';
import { processor, storedRequest } from '../processors/fakes.ts';

describe('CSV of exported records', () => {
  it('has a column per key seen, in order of first appearance, CRLF line ends', () => {
    expect(toCsv([{ id: 1, total: 9.5 }, { id: 2, note: 'ok' }])).toBe('id,total,note\r\n1,9.5,\r\n2,,ok\r\n');
  });

  it('quotes commas, quotes and line breaks, and writes objects as JSON', () => {
    expect(toCsv([{ a: 'x,y', b: 'say "hi"', c: 'l1\nl2', d: { k: [1] }, e: null }])).toBe('a,b,c,d,e\r\n"x,y","say ""hi""","l1\nl2","{""k"":[1]}",\r\n');
  });

  it('puts a bare value in a "value" column', () => {
    expect(toCsv(['x', 3])).toBe('value\r\nx\r\n3\r\n');
  });
});

describe('the export package', () => {
  const req = storedRequest({ type: 'access', language: 'en' });
  const paynow = processor({ id: 'paynow', name: 'PayNow <Ltd>', category: 'payments', region: 'us-east-1', transferSafeguard: 'sccs' });
  const shipit = processor({ id: 'shipit', name: 'ShipIt', category: 'delivery' });

  it('has the data as JSON, one CSV per category and a readable report', () => {
    const files = exportFiles(req, [{ processor: paynow, records: [{ order: 'A-1', amount: 12 }] }, { processor: shipit, records: [] }], '2026-03-20T10:00:00.000Z');
    expect(Object.keys(files).sort()).toEqual(['data.json', 'delivery.csv', 'index.html', 'payments.csv']);
    expect(JSON.parse(files['data.json'])).toEqual({
      request: { id: '01JQ0000000000000000000000', type: 'access', receivedAt: '2026-03-01T09:00:00.000Z', verifiedAt: '2026-03-01T09:05:00.000Z', generatedAt: '2026-03-20T10:00:00.000Z' },
      processors: [
        { id: 'paynow', name: 'PayNow <Ltd>', category: 'payments', region: 'us-east-1', transferSafeguard: 'sccs', records: [{ order: 'A-1', amount: 12 }] },
        { id: 'shipit', name: 'ShipIt', category: 'delivery', region: 'eu-west-2', transferSafeguard: 'adequacy', records: [] },
      ],
    });
    expect(files['payments.csv']).toBe('processor,order,amount\r\npaynow,A-1,12\r\n');
    expect(files['delivery.csv']).toBe('\r\n');
    expect(files['index.html']).toContain('<h1>Your data at Offtek and its providers</h1><p>Request 01JQ0000000000000000000000, prepared on 2026-03-20.</p>');
    expect(files['index.html']).toContain('<tr><td>PayNow &#60;Ltd&#62;</td><td>us-east-1</td><td>standard contractual clauses</td><td>to take your payments</td><td>1</td></tr>');
    expect(files['index.html']).toContain('<tr><td>ShipIt</td><td>eu-west-2</td><td>adequacy decision</td><td>to deliver your orders</td><td>no data</td></tr>');
    expect(files['index.html']).not.toContain('<Ltd>');
  });

  it('puts the records of two processors of one category in one CSV, each row naming its processor', () => {
    const a = processor({ id: 'mailer', category: 'email' });
    const b = processor({ id: 'reviews', category: 'email' });
    const files = exportFiles(req, [{ processor: a, records: [{ list: 'news' }] }, { processor: b, records: [{ list: 'reviews' }] }], '2026-03-20T10:00:00.000Z');
    expect(files['email.csv']).toBe('processor,list\r\nmailer,news\r\nreviews,reviews\r\n');
  });

  it('escapes the records in the report', () => {
    const files = exportFiles(req, [{ processor: shipit, records: [{ note: `<script>alert('x')</script> & "q"` }] }], '2026-03-20T10:00:00.000Z');
    expect(files['index.html']).toContain('&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62; &#38; \\&#34;q\\&#34;');
    expect(files['index.html']).not.toContain('<script>');
  });

  it('writes the report in French for a French requester', () => {
    const files = exportFiles(storedRequest({ type: 'access', language: 'fr' }), [{ processor: paynow, records: [] }], '2026-03-20T10:00:00.000Z');
    expect(files['index.html']).toContain('<html lang="fr">');
    expect(files['index.html']).toContain('<h1>Vos données chez Offtek et ses prestataires</h1><p>Demande 01JQ0000000000000000000000, préparée le 2026-03-20.</p>');
    expect(files['index.html']).toContain('<th>Prestataire</th><th>Où</th><th>Garantie de transfert</th><th>Pourquoi</th><th>Enregistrements</th>');
    expect(files['index.html']).toContain('<td>clauses contractuelles types</td><td>pour encaisser vos paiements</td><td>aucune donnée</td>');
  });
});
