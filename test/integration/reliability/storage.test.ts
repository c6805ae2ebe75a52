import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startDynamo } from '../../../local/services/dynamo.ts';
import { until } from '../harness.ts';
import { freePort, mailsOf, npmStart, type Started } from '../npm-start.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'lethe-storage-'));
let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

const post = (url: string, type: string, body: string) => fetch(url, { method: 'POST', headers: { 'content-type': type }, body });

/** Submits and confirms an erasure; returns its id once it is in progress. */
async function inProgress(s: Started, email: string) {
  expect((await post(`${s.api}/requests`, 'application/json', JSON.stringify({ type: 'erasure', email, language: 'en' }))).status).toBe(202);
  const mail = await until(async () => (await mailsOf(s)).find((m) => m.destination.to.includes(email))?.body.text, 30_000, 'confirmation email');
  const token = /verify\?token=([\w-]+)/.exec(mail)?.[1] ?? '';
  const [, id = '', statusToken = ''] = /status\.html\?id=(\w+)&token=([\w-]+)/.exec(mail) ?? [];
  expect((await post(`${s.api}/verify`, 'application/x-www-form-urlencoded', `token=${token}`)).status).toBe(200);
  await until(async () => ((await (await fetch(`${s.api}/requests/${id}/status?token=${statusToken}`)).json()) as { status: string }).status === 'in_progress', 30_000, 'request in progress');
  return id;
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
});
