import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS } from '../../../local/services/credentials.ts';
import { startDynamo } from '../../../local/services/dynamo.ts';
import { assembly, placement } from '../../support/assembly.ts';
import { until } from '../harness.ts';
import { freePort, mailsOf, npmStart } from '../npm-start.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'lethe-startup-'));
let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

const post = (url: string, type: string, body: string) => fetch(url, { method: 'POST', headers: { 'content-type': type }, body });

describe('starting again', () => {
  it('flags a deadline that passed while the system was stopped at once, not at the first scheduled sweep', async () => {
    const port = await freePort();
    // The processors take ten minutes to call back: the request is still open when the plug is pulled.
    const first = await npmStart(dataDir, port, 600_000);
    child = first.process;
    const email = 'while-stopped@example.com';
    expect((await post(`${first.api}/requests`, 'application/json', JSON.stringify({ type: 'erasure', email, language: 'en' }))).status).toBe(202);
    const mail = await until(async () => (await mailsOf(first)).find((m) => m.destination.to.includes(email))?.body.text, 30_000, 'confirmation email');
    const token = /verify\?token=([\w-]+)/.exec(mail)?.[1] ?? '';
    const [, id = '', statusToken = ''] = /status\.html\?id=(\w+)&token=([\w-]+)/.exec(mail) ?? [];
    expect((await post(`${first.api}/verify`, 'application/x-www-form-urlencoded', `token=${token}`)).status).toBe(200);
    await until(async () => ((await (await fetch(`${first.api}/requests/${id}/status?token=${statusToken}`)).json()) as { status: string }).status === 'in_progress', 30_000, 'request in progress');
    first.process.kill('SIGKILL');
    await new Promise((r) => first.process.once('exit', r));

    // Time passes while it is stopped: by the time it starts again, the deadline was yesterday.
    const dynamo = await startDynamo(join(dataDir, 'dynamodb'));
    const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'eu-west-2', credentials: LOCAL_CREDENTIALS }));
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const table = assembly().physicalId(assembly().resources('AWS::DynamoDB::GlobalTable')[0][0], placement);
    // The deadline and the status index's key with it, as the repository writes them: the sweeper reads what is due through the index.
    await db.send(new UpdateCommand({ TableName: table, Key: { pk: `REQ#${id}`, sk: 'REQUEST' }, UpdateExpression: 'SET dueDate = :d, gsi1sk = :k', ExpressionAttributeValues: { ':d': yesterday, ':k': `${yesterday}#${id}` } }));
    db.destroy();
    await dynamo.close();

    // The schedule's first tick is 15 minutes away: the sweep at start must not wait for it.
    const second = await npmStart(dataDir, port, 600_000);
    child = second.process;
    const alert = await until(async () => (await mailsOf(second)).find((m) => m.subject.startsWith('OVERDUE') && m.subject.includes(id)), 20_000, 'overdue alert');
    expect(alert.destination.to).toEqual(['compliance@offtek.example']);
    expect(alert.subject).toContain(yesterday);
    second.process.kill('SIGTERM');
    await new Promise((r) => second.process.once('exit', r));
  }, 120_000);
});
