import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assembly, placement } from '../support/assembly.ts';
import { until } from './harness.ts';
import { freePort, npmStart } from './npm-start.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'lethe-restart-'));
let child: ChildProcess | undefined;

async function start(port: number, delayMs: number) {
  const s = await npmStart(dataDir, port, delayMs);
  child = s.process;
  return s;
}

afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('restart safety', () => {
  it('finishes every in-flight request after a SIGKILL, applying each task exactly once', async () => {
    const port = await freePort();
    const first = await start(port, 60_000); // processors accept but would call back only after a minute
    const emails = ['r1@example.com', 'r2@example.com'];
    const requests: { id: string; token: string }[] = [];
    for (const email of emails) {
      const r = await fetch(`${first.api}/requests`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'erasure', email, language: 'en' }) });
      expect(r.status).toBe(202);
      const mail = await until(async () => {
        const store = (await (await fetch(first.mailStore)).json()) as { emails: { destination: { to: string[] }; body: { text: string } }[] };
        return store.emails.find((m) => m.destination.to.includes(email))?.body.text;
      });
      const token = /verify\?token=([\w-]+)/.exec(mail)?.[1] ?? '';
      const status = /status\.html\?id=(\w+)&token=([\w-]+)/.exec(mail);
      requests.push({ id: status?.[1] ?? '', token: status?.[2] ?? '' });
      await fetch(`${first.api}/verify`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${token}` });
    }
    const statusOf = async (api: string, r: { id: string; token: string }) =>
      (await (await fetch(`${api}/requests/${r.id}/status?token=${r.token}`)).json()) as { status: string; categories: { state: string }[] };
    // Every task sent, none answered: the moment to pull the plug.
    for (const r of requests) {
      await until(async () => {
        const s = await statusOf(first.api, r);
        return s.categories.length === 7 && s.categories.every((c) => c.state === 'in_progress');
      });
    }
    first.process.kill('SIGKILL');
    await new Promise((r) => first.process.once('exit', r));

    const second = await start(port, 5);
    for (const r of requests) {
      const s = await until(async () => {
        const x = await statusOf(second.api, r);
        return x.status === 'completed' && x;
      }, 30_000, 'request completed after restart');
      expect(s.categories.every((c) => c.state === 'done')).toBe(true);
    }
    second.process.kill('SIGTERM');
    await new Promise((r) => second.process.once('exit', r));

    // Read the persisted table directly: one outcome and one receipt per task, never two.
    const { startDynamo } = await import('../../local/services/dynamo.ts');
    const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
    const { DynamoDBDocumentClient, QueryCommand } = await import('@aws-sdk/lib-dynamodb');
    const dynamo = await startDynamo(join(dataDir, 'dynamodb'));
    const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'eu-west-2', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }));
    for (const r of requests) {
      const items = (await db.send(new QueryCommand({ TableName: assembly().physicalId(assembly().resources('AWS::DynamoDB::GlobalTable')[0][0], placement), KeyConditionExpression: 'pk = :p AND begins_with(sk, :t)', ExpressionAttributeValues: { ':p': `REQ#${r.id}`, ':t': 'TASK#' } }))).Items ?? [];
      expect(items).toHaveLength(8); // the shop's own systems and the seven processors
      for (const t of items) {
        expect(Object.keys(t.receipts ?? {})).toHaveLength(1);
        const outcomes = (t.audit as { action: string }[]).filter((e) => ['completed', 'not_found', 'retained', 'failed'].includes(e.action));
        expect(outcomes).toHaveLength(1);
        expect((t.audit as { action: string }[]).filter((e) => e.action === 'send')).toHaveLength(1);
      }
    }
    await dynamo.close();
  }, 120_000);
});
