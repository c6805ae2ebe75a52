/**
 * The two text formats Lethe writes by hand, pages and CSV files, each escaped in one place so that
 * a fix reaches every page and every file.
 */

/** Safe in HTML text and in a quoted attribute value. */
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** What a spreadsheet reads as the start of a formula in a text cell. */
const FORMULA = /^[=+\-@\t\r]/;

/**
 * One CSV cell (RFC 4180): empty for null and undefined, objects as JSON, quoted when it holds a
 * quote, a comma or a line break. Text that a spreadsheet would run as a formula (a processor's
 * record, an officer's words) gets a leading ' so it is shown as text (OWASP, CSV injection).
 */
export function csvCell(v: unknown): string {
  const text = v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  const s = typeof v === 'string' && FORMULA.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Rows of cells as CSV, each line CRLF-terminated as RFC 4180 writes them. */
export const csvLines = (rows: readonly (readonly unknown[])[]) => rows.map((r) => `${r.map(csvCell).join(',')}\r\n`).join('');
