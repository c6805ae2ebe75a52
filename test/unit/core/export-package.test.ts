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
  const shipit = processor({ id: 'shipit', name: 'ShipIt', category: 'delivery' });

  it('puts the records of two processors of one category in one CSV, each row naming its processor', () => {
    const a = processor({ id: 'mailer', category: 'email' });
    const b = processor({ id: 'reviews', category: 'email' });
    const files = exportFiles(req, [{ processor: a, tables: { records: [{ list: 'news' }] } }, { processor: b, tables: { records: [{ list: 'reviews' }] } }], '2026-03-20T10:00:00.000Z');
    expect(files['email.csv']).toBe('processor,list\r\nmailer,news\r\nreviews,reviews\r\n');
  });

  it('names the provider in the provider column, and keeps a record’s own processor field beside it, not over it', () => {
    const paynow = processor({ id: 'paynow', category: 'payments' });
    const files = exportFiles(req, [{ processor: paynow, tables: { records: [{ processor: 'CardCo', amount: '1' }, { amount: '2' }] } }], '2026-03-20T10:00:00.000Z');
    // Until November 29, 2026 the record's own field won: the row read as CardCo's, and PayNow was named nowhere.
    expect(files['payments.csv']).toBe('processor,record_processor,amount\r\npaynow,CardCo,1\r\npaynow,,2\r\n');
  });

  it('escapes the records and the providers\' names in the report', () => {
    const files = exportFiles(req, [{ processor: processor({ id: 'x', name: 'PayNow <Ltd>', category: 'payments' }), tables: { records: [] } }, { processor: shipit, tables: { records: [{ note: `<script>alert('x')</script> & "q"` }] } }], '2026-03-20T10:00:00.000Z');
    expect(files['index.html']).toContain('<td>&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62; &#38; &#34;q&#34;</td>');
    expect(files['index.html']).toContain('PayNow &#60;Ltd&#62;');
    expect(files['index.html']).not.toContain('<script>');
    expect(files['index.html']).not.toContain('<Ltd>');
  });
});
