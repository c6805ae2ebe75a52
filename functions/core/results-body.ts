import * as z from './zod.ts';

/**
 * A record's key that breaks its rule is one issue on that key, whose message is the record's own:
 * zod's would be "Invalid key in record", the key's own words nested out of the answer's `issues`,
 * so a processor sent a 422 could not tell what its table or column name should be (until
 * November 28, 2026).
 */
const keyRule = (message: string) => ({ error: (issue: { code?: string }) => (issue.code === 'invalid_key' ? message : undefined) });
export const COLUMN_NAME_RULE = 'a column name is 1 to 100 characters';
/**
 * The cells an export's tables make at most, all together: each table's records times the columns
 * found in any of them, as the requester's CSV and page lay them out. Records that each name other
 * columns made a table the square of their number: 70 KB of them made 360 MB of files, and Assemble
 * (256 MB) could never make the copy, whoever else had answered (until November 29, 2026).
 */
export const MAX_EXPORT_CELLS = 1_000_000;
export const CELLS_RULE = `at most ${MAX_EXPORT_CELLS.toLocaleString('en-GB')} cells in all (each table's records times the columns they use)`;
const cellsOf = (tables: readonly (readonly Record<string, unknown>[])[]) => tables.reduce((n, rows) => n + rows.length * new Set(rows.flatMap(Object.keys)).size, 0);
export const TABLE_NAME_RULE = 'a table name is a lower-case letter, then at most 39 lower-case letters, digits or _';

/** One exported record: a flat object of scalar values (a cell each in the requester's CSV). */
export const PROTO_COLUMN_RULE = 'a column is not named __proto__';
/**
 * A column named `__proto__` is no key zod's record keeps: it was parsed away without an issue, and the
 * processor was told its export was taken with that column missing from the copy (until November 29, 2026).
 * So the record is looked at as it came, before zod reads it.
 */
const noProtoColumn = z.unknown().check(z.refine((r) => !(r && typeof r === 'object' && Object.hasOwn(r, '__proto__')), { message: PROTO_COLUMN_RULE, path: ['__proto__'] }));
const ExportRecord = z.pipe(
  noProtoColumn,
  z.record(
    z.string().check(z.minLength(1), z.maxLength(100)),
    z.union([z.string().check(z.maxLength(10_000)), z.number(), z.boolean(), z.null()]),
    keyRule(COLUMN_NAME_RULE),
  ),
);
/**
 * An export's `results` (docs/processors.md): the records as one list, or as named tables (one CSV
 * each for the requester). Anything else is refused with the path at fault and escalated.
 */
const Records = z
  .strictObject({ records: z.array(ExportRecord).check(z.maxLength(100_000)) })
  .check(z.refine((r) => cellsOf([r.records]) <= MAX_EXPORT_CELLS, { message: CELLS_RULE, path: ['records'] }));
const Tables = z
  .strictObject({
    tables: z.record(z.string().check(z.regex(/^[a-z][a-z0-9_]{0,39}$/)), z.array(ExportRecord).check(z.maxLength(100_000)), keyRule(TABLE_NAME_RULE)),
  })
  .check(z.refine((r) => cellsOf(Object.values(r.tables)) <= MAX_EXPORT_CELLS, { message: CELLS_RULE, path: ['tables'] }));
export type ExportResults = z.infer<typeof Records> | z.infer<typeof Tables>;
/** Checked against the shape it claims (`tables` or else `records`), so that the issues name the field at fault. */
export const parseExportResults = (v: unknown) => (v && typeof v === 'object' && 'tables' in v ? Tables : Records).safeParse(v);

/** An export's tables, whichever of the two shapes it came in. */
export const tablesOf = (r: ExportResults): Record<string, Record<string, string | number | boolean | null>[]> => ('records' in r ? { records: r.records } : r.tables);
