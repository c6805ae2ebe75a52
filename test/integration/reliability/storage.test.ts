import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startDynamo } from '../../../local/services/dynamo.ts';
import { records } from '../../../local/services/leveldb-log.ts';
import { until } from '../harness.ts';
import { freePort, mailsOf, npmStart, type Started } from '../npm-start.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'lethe-storage-'));
let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

const post = (url: string, type: string, body: string) => fetch(url, { method: 'POST', headers: { 'content-type': type }, body });

/** Submits and confirms an erasure; returns its id and status token once it is in progress. */
async function inProgress(s: Started, email: string) {
  return (await confirmed(s, email)).id;
}

async function confirmed(s: Started, email: string) {
  expect((await post(`${s.api}/requests`, 'application/json', JSON.stringify({ type: 'erasure', email, language: 'en' }))).status).toBe(202);
  const mail = await until(async () => (await mailsOf(s)).find((m) => m.destination.to.includes(email))?.body.text, 30_000, 'confirmation email');
  const token = /verify\?token=([\w-]+)/.exec(mail)?.[1] ?? '';
  const [, id = '', statusToken = ''] = /status\.html\?id=(\w+)&token=([\w-]+)/.exec(mail) ?? [];
  expect((await post(`${s.api}/verify`, 'application/x-www-form-urlencoded', `token=${token}`)).status).toBe(200);
  await until(async () => ['in_progress', 'completed'].includes(((await (await fetch(`${s.api}/requests/${id}/status?token=${statusToken}`)).json()) as { status: string }).status), 30_000, 'request in progress');
  return { id, statusToken };
}

/** `npm run audit:verify` on a stopped data dir: its exit code and what it printed. */
async function auditVerify(dir: string) {
  // As an operator runs it: the table named by the store, not by the unit tests' setting.
  const { TABLE_NAME, ...env } = process.env;
  void TABLE_NAME;
  const p = spawn(join(process.cwd(), 'node_modules/.bin/node'), ['--import', 'tsx', 'local/audit-verify.ts'], { env: { ...env, LETHE_DATA_DIR: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout?.on('data', (c) => {
    out += c;
  });
  p.stderr?.on('data', (c) => {
    out += c;
  });
  const code = await new Promise((r) => p.once('exit', r));
  return { code, out };
}

describe('storage faults under npm start', () => {
  it('starts despite a cut-off and an emptied execution file, names both files and reports both requests', async () => {
    const port = await freePort();
    // The processors take ten minutes to call back: both requests are open when the plug is pulled.
    const first = await npmStart(dataDir, port, 600_000);
    child = first.process;
    const cut = await inProgress(first, 'cut@example.com');
    const emptied = await inProgress(first, 'emptied@example.com');
    first.process.kill('SIGKILL');
    await new Promise((r) => first.process.once('exit', r));

    const file = (id: string) => join(dataDir, 'executions', `${id}.json`);
    const whole = readFileSync(file(cut), 'utf8');
    writeFileSync(file(cut), whole.slice(0, whole.length - 20));
    writeFileSync(file(emptied), '');

    const second = await npmStart(dataDir, port, 600_000);
    child = second.process;
    expect(second.printed()).toContain(`execution file ${file(cut)} is damaged`);
    expect(second.printed()).toContain(`execution file ${file(emptied)} is damaged (the file is empty)`);
    // The sweep at start tells the compliance team about each request that lost its workflow.
    for (const id of [cut, emptied]) {
      const alert = await until(async () => (await mailsOf(second)).find((m) => m.subject === `Request ${id}: its workflow is missing`), 20_000, `alert for ${id}`);
      expect(alert.destination.to).toEqual(['compliance@offtek.example']);
    }
    second.process.kill('SIGTERM');
    await new Promise((r) => second.process.once('exit', r));
  }, 180_000);

  it('stops with a message naming the DynamoDB data and what to do when its manifest is corrupt', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lethe-manifest-'));
    let p: ChildProcess | undefined;
    try {
      const dynamo = await startDynamo(join(dir, 'dynamodb'));
      await dynamo.close();
      const ddb = join(dir, 'dynamodb');
      const manifest = join(ddb, readdirSync(ddb).find((f) => f.startsWith('MANIFEST-')) ?? '');
      writeFileSync(manifest, Buffer.concat([readFileSync(manifest).subarray(0, 5), Buffer.from('garbage'), readFileSync(manifest).subarray(12)]));
      p = spawn(join(process.cwd(), 'node_modules/.bin/node'), ['--import', 'tsx', 'local/start.ts'], {
        env: { ...process.env, LETHE_DATA_DIR: dir, LETHE_PORT: String(await freePort()) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let err = '';
      p.stderr?.on('data', (c) => {
        err += c;
      });
      const code = await new Promise((r) => p?.once('exit', r));
      expect(code).toBe(1);
      expect(err).toContain(`Lethe cannot start.\nThe embedded DynamoDB cannot open its data in ${ddb}: `);
      expect(err).toContain(`Restore ${ddb} from a backup, or move it aside (mv ${ddb} ${ddb}.damaged)`);
    } finally {
      if (p?.exitCode === null) p.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('audit:verify reports a ledger cut off before an outcome the requester was told about, with the log file and offset', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lethe-ledger-'));
    const data = join(dir, 'data');
    try {
      const s = await npmStart(data, await freePort(), 5);
      child = s.process;
      const email = 'told@example.com';
      const { id, statusToken } = await confirmed(s, email);
      await until(async () => ((await (await fetch(`${s.api}/requests/${id}/status?token=${statusToken}`)).json()) as { status: string }).status === 'completed', 30_000, 'request completed');
      await until(async () => (await mailsOf(s)).filter((m) => m.destination.to.includes(email)).length === 2, 20_000, 'outcome email');
      // The workflow's end is on disk: the witness audit:verify holds the ledger against.
      await until(() => readFileSync(join(data, 'executions', `${id}.json`), 'utf8').includes('"status":"SUCCEEDED"'), 20_000, 'execution succeeded');
      s.process.kill('SIGTERM');
      await new Promise((r) => s.process.once('exit', r));

      // Two copies of the stopped data dir, each losing the end of its write-ahead log from the
      // write that completed the request on: one cut inside that record, one exactly before it.
      const cutCopy = (name: string, into: number) => {
        const copy = join(dir, name);
        cpSync(data, copy, { recursive: true });
        const ddb = join(copy, 'dynamodb');
        const log = join(ddb, readdirSync(ddb).filter((f) => f.endsWith('.log')).sort().at(-1) ?? '');
        const bytes = readFileSync(log);
        const at = bytes.indexOf('closedAt');
        const { records: all } = records(bytes);
        let i = all.findLastIndex((r) => r.offset <= at);
        while (all[i].type === 3 || all[i].type === 4) i--; // back to the record's first fragment
        truncateSync(log, all[i].offset + into);
        return { copy, log, offset: all[i].offset };
      };
      const inside = cutCopy('copy-inside', 20);
      const before = cutCopy('copy-before', 0);

      const whole = await auditVerify(data);
      expect(whole.out).toContain('every chain, every receipt and every finished workflow holds');
      expect(whole.code).toBe(0);

      const a = await auditVerify(inside.copy);
      expect(a.code).toBe(1);
      expect(a.out).toContain(`FIRST BREAK: ${inside.log} at byte ${inside.offset}: DynamoDB's log ${inside.log} (${inside.offset + 20} bytes) ends inside a record`);
      expect(a.out).toContain(`ALSO: REQ#${id}/REQUEST at event`);
      expect(a.out).toContain('outcome recorded and mailed, but the ledger ends before it: status in_progress');

      // Cut on a record's end, the log looks whole: the finished workflow still shows the loss.
      const b = await auditVerify(before.copy);
      expect(b.code).toBe(1);
      expect(b.out).toContain(`FIRST BREAK: REQ#${id}/REQUEST at event`);
      expect(b.out).toContain('outcome recorded and mailed, but the ledger ends before it: status in_progress');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
