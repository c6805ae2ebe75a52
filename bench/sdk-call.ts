/**
 * What one DynamoDB call costs the calling thread: the AWS SDK's GetItem and PutItem against
 * dynalite, next to a bare HTTP request of the same GetItem (no SDK, no signing). dynalite runs in a
 * child process, so this process's CPU time is the client's alone. Each is measured twice: over the
 * first calls a fresh process makes, and again once V8 has compiled the SDK's hot paths (a function
 * worker that makes tens of thousands of calls in a bench run spends most of them warm).
 *
 *   node --import tsx bench/sdk-call.ts [calls]     (npm run bench:sdk-call)
 */
import { fork } from 'node:child_process';
import { Agent, request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { LOCAL_CREDENTIALS } from '../local/services/credentials.ts';

const N = Number(process.argv[2] ?? 3000);
const WIDTH = 16; // invocations a Lambda worker runs at once (local/lambda/pool.ts)
const dir = mkdtempSync(join(tmpdir(), 'lethe-sdk-call-'));
const port = 20_000 + Math.floor(Math.random() * 20_000);
const server = fork(createRequire(import.meta.url).resolve('dynalite/cli.js'), ['--port', String(port), '--path', dir, '--createTableMs', '0'], { stdio: 'ignore' });
const endpoint = `http://127.0.0.1:${port}`;
const client = new DynamoDBClient({ endpoint, region: 'eu-west-2', credentials: LOCAL_CREDENTIALS });
const agent = new Agent({ keepAlive: true, maxSockets: 50 });

async function measure(label: string, call: (i: number) => Promise<unknown>, quiet = false) {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: WIDTH }, async (_, w) => {
    for (let i = w; i < N; i += WIDTH) await call(i);
  }));
  const used = process.cpuUsage(cpu);
  if (!quiet) console.log(`${label.padEnd(30)} client CPU ${((used.user + used.system) / 1000 / N).toFixed(3)} ms/call, wall ${((performance.now() - t0) / N).toFixed(3)} ms/call`);
}

const bare = (body: string) =>
  new Promise<void>((resolve, reject) => {
    const headers = { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.GetItem', authorization: 'AWS4-HMAC-SHA256 Credential=x/20261125/eu-west-2/dynamodb/aws4_request, SignedHeaders=host, Signature=0', 'x-amz-date': '20261125T000000Z' };
    const r = request(endpoint, { method: 'POST', agent, headers }, (res) => res.resume().on('end', resolve));
    r.on('error', reject);
    r.end(body);
  });

try {
  for (let tries = 0; ; tries++) {
    try {
      await client.send(new CreateTableCommand({ TableName: 'bench', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }));
      break;
    } catch (e) {
      if (tries > 50) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const item = (i: number) => ({ pk: { S: `k${i}` }, v: { S: 'x'.repeat(200) }, n: { N: String(i) } });
  for (let i = 0; i < 300; i++) await client.send(new PutItemCommand({ TableName: 'bench', Item: item(i) })); // the table's first writes
  for (const phase of ['first calls', 'warm']) {
    if (phase === 'warm') for (let round = 0; round < 5; round++) await measure('(warming up)', (i) => (i % 2 ? client.send(new GetItemCommand({ TableName: 'bench', Key: { pk: { S: `k${i}` } } })) : client.send(new PutItemCommand({ TableName: 'bench', Item: item(i) }))), true);
    console.log(`${phase}:`);
    await measure('  SDK PutItem', (i) => client.send(new PutItemCommand({ TableName: 'bench', Item: item(i) })));
    await measure('  SDK GetItem', (i) => client.send(new GetItemCommand({ TableName: 'bench', Key: { pk: { S: `k${i}` } } })));
    await measure('  bare HTTP GetItem (no SDK)', (i) => bare(JSON.stringify({ TableName: 'bench', Key: { pk: { S: `k${i}` } } })));
  }
} finally {
  client.destroy();
  agent.destroy();
  server.kill();
  rmSync(dir, { recursive: true, force: true });
}
