import { appendFileSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The embedded DynamoDB's writes land first in LevelDB's write-ahead log (`NNNNNN.log`). When a
 * disk fault cuts that file short, LevelDB replays what is whole, drops the rest without a word,
 * and then deletes the log: the last writes (items, audit events, outcomes) are gone and nothing
 * says so. So the log is read before LevelDB opens it, a cut-off one is copied to quarantine and
 * recorded in a register that `npm run audit:verify` reports.
 *
 * The log's format (leveldb/doc/log_format.md): 32 KiB blocks of physical records, each a 7-byte
 * header (CRC32C, length as uint16 LE, type) and its payload; a logical record is one FULL record
 * or FIRST, MIDDLE…, LAST; fewer than 7 bytes left in a block are zero padding.
 */
const BLOCK = 32 * 1024;
const HEADER = 7;
const [ZERO, FULL, FIRST, LAST] = [0, 1, 2, 4];

export type TornLog = { file: string; size: number; offset: number; reason: string };

type PhysicalRecord = { offset: number; type: number; length: number };

/** The log's physical records in order; `cut` describes the end if it falls inside one. */
export function records(log: Buffer): { records: PhysicalRecord[]; cut?: { offset: number; reason: string } } {
  const out: PhysicalRecord[] = [];
  let pos = 0;
  while (pos < log.length) {
    const left = BLOCK - (pos % BLOCK);
    if (left < HEADER) {
      pos += left;
      continue;
    }
    if (log.length - pos < HEADER) return { records: out, cut: { offset: pos, reason: `a record header at byte ${pos} is cut off after ${log.length - pos} of its ${HEADER} bytes` } };
    const length = log.readUInt16LE(pos + 4);
    const type = log[pos + 6];
    // Preallocated, never written: the log ends here.
    if (type === ZERO && length === 0) break;
    if (pos + HEADER + length > log.length) {
      return { records: out, cut: { offset: pos, reason: `the record at byte ${pos} declares ${length} bytes and ${log.length - pos - HEADER} are there` } };
    }
    out.push({ offset: pos, type, length });
    pos += HEADER + length;
  }
  return { records: out };
}

/** Where a log stops being whole, if it ends inside a (logical) record; undefined if it ends on a record's end. */
export function tornAt(log: Buffer): { offset: number; reason: string } | undefined {
  const { records: all, cut } = records(log);
  // Start of the logical record being assembled from FIRST/MIDDLE… fragments, if any.
  let open: number | undefined;
  for (const r of all) {
    if (r.type === FULL || r.type === LAST) open = undefined;
    else if (r.type === FIRST) open = r.offset;
  }
  if (cut) return { offset: open ?? cut.offset, reason: cut.reason };
  if (open !== undefined) return { offset: open, reason: `the record that starts at byte ${open} has no last fragment` };
  return undefined;
}

/** The register of cut-off logs found, next to the quarantined copies. */
export const damageRegister = (dynamoDir: string) => join(dirname(dynamoDir), 'quarantine', 'dynamodb', 'damage.jsonl');

/**
 * Checks every log of the LevelDB store in `dynamoDir` before it opens: each cut-off one is copied
 * to quarantine (LevelDB deletes it once replayed) and appended to the damage register.
 */
export function inspectLogs(dynamoDir: string, now = new Date()): (TornLog & { copy: string })[] {
  if (!existsSync(dynamoDir)) return [];
  const found: (TornLog & { copy: string })[] = [];
  for (const name of readdirSync(dynamoDir).filter((f) => /^\d+\.log$/.test(f)).sort()) {
    const file = join(dynamoDir, name);
    const torn = tornAt(readFileSync(file));
    if (!torn) continue;
    const dir = dirname(damageRegister(dynamoDir));
    mkdirSync(dir, { recursive: true });
    const copy = join(dir, `${now.toISOString().replaceAll(':', '-')}-${name}`);
    copyFileSync(file, copy);
    const entry = { file, size: statSync(file).size, ...torn, copy, foundAt: now.toISOString() };
    appendFileSync(damageRegister(dynamoDir), `${JSON.stringify(entry)}\n`);
    found.push(entry);
  }
  return found;
}

/** Every cut-off log recorded so far for the store in `dynamoDir`. */
export function recordedDamage(dynamoDir: string): (TornLog & { copy: string; foundAt: string })[] {
  const register = damageRegister(dynamoDir);
  if (!existsSync(register)) return [];
  return readFileSync(register, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

export const describeTornLog = (t: TornLog) =>
  `DynamoDB's log ${t.file} (${t.size} bytes) ends inside a record: ${t.reason}. LevelDB keeps the ${t.offset} bytes before byte ${t.offset} and drops what follows: the last writes (items, audit events, outcomes) are lost.`;
