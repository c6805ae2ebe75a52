import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LOCAL_CREDENTIALS } from '../../../local/services/credentials.ts';
import { ensureTable, StoreFault, startDynamo } from '../../../local/services/dynamo.ts';
import { recordedDamage } from '../../../local/services/leveldb-log.ts';
import { until } from '../harness.ts';

let dataDir: string;
let dir: string;
let dynamo: Awaited<ReturnType<typeof startDynamo>> | undefined;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'lethe-ddb-'));
  dir = join(dataDir, 'dynamodb');
});
afterEach(async () => {
  await dynamo?.close();
  dynamo = undefined;
  rmSync(dataDir, { recursive: true, force: true });
});

const TABLE = 'faults';
// One attempt: the test sees each answer, not the SDK's retries.
const clientOf = (endpoint: string) => new DynamoDBClient({ endpoint, region: 'eu-west-2', credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
const put = (c: DynamoDBClient, pk: string) => c.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: pk } } }));
const has = async (c: DynamoDBClient, pk: string) => Boolean((await c.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: pk } }, ConsistentRead: true }))).Item);

async function withItems(pks: string[], opts: { faultFile?: string } = {}) {
  dynamo = await startDynamo(dir, 0, opts);
  await ensureTable(dynamo.endpoint, TABLE, { KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }] });
  const c = clientOf(dynamo.endpoint);
  for (const pk of pks) await put(c, pk);
  return c;
}

const quietly = async <T>(f: () => Promise<T>) => {
  const logged: string[] = [];
  const spy = vi.spyOn(console, 'error').mockImplementation((m: string) => void logged.push(m));
  try {
    return { result: await f(), logged };
  } finally {
    spy.mockRestore();
  }
};

describe('the embedded DynamoDB under storage faults', () => {
  it('answers a retryable error while the disk is full and serves again, data intact, once space is freed', async () => {
    const faultFile = join(dataDir, 'disk-full');
    const { result: c, logged } = await quietly(async () => {
      const client = await withItems(['before'], { faultFile });
      writeFileSync(faultFile, '');
      const failed = await put(client, 'during').then(
        () => undefined,
        (e) => e,
      );
      expect(failed?.$metadata?.httpStatusCode).toBe(503);
      expect(failed?.name).toBe('ServiceUnavailable');
      // While the worker is replaced and its store cannot open, every answer is an error the SDK retries.
      for (let i = 0; i < 5; i++) {
        const e = await put(client, `during-${i}`).then(
          () => undefined,
          (x) => x,
        );
        expect(e?.$metadata?.httpStatusCode === 503 || e?.code === 'ECONNREFUSED' || e?.name === 'TimeoutError').toBe(true);
        await new Promise((r) => setTimeout(r, 100));
      }
      unlinkSync(faultFile);
      await until(
        () => put(client, 'after').then(() => true, () => false),
        20_000,
        'DynamoDB serving again',
      );
      return client;
    });
    expect(await has(c, 'before')).toBe(true);
    expect(await has(c, 'after')).toBe(true);
    expect(logged[0]).toContain(`local DynamoDB (${dir}): its store failed: IO error`);
    expect(logged.at(-1)).toContain(`local DynamoDB (${dir}): restarted, serving again`);
  });

  it('refuses to open a store whose manifest is corrupt, names it and what to do, and changes nothing', async () => {
    await withItems(['a']);
    await dynamo?.close();
    dynamo = undefined;
    const manifest = readdirSync(dir).find((f) => f.startsWith('MANIFEST-')) ?? '';
    const bytes = readFileSync(join(dir, manifest));
    bytes.write('garbage', 5);
    writeFileSync(join(dir, manifest), bytes);
    // Its data files, not LevelDB's own diagnostics (LOG, rotated at each open).
    const data = () =>
      readdirSync(dir)
        .filter((f) => !f.startsWith('LOG'))
        .map((f) => [f, readFileSync(join(dir, f)).toString('base64')]);
    const before = data();
    const failure = await startDynamo(dir).then(
      () => undefined,
      (e) => e,
    );
    expect(failure).toBeInstanceOf(StoreFault);
    expect(failure.message).toContain(`The embedded DynamoDB cannot open its data in ${dir}: `);
    expect(failure.message).toContain('Corruption');
    expect(failure.message).toContain(`Restore ${dir} from a backup, or move it aside (mv ${dir} ${dir}.damaged)`);
    expect(data()).toEqual(before);
  });

  it('records a write-ahead log cut off inside a record, with its file and offset, before LevelDB drops the rest', async () => {
    await withItems(['a', 'b', 'c']);
    await dynamo?.close();
    dynamo = undefined;
    const log = join(dir, readdirSync(dir).find((f) => f.endsWith('.log')) ?? '');
    const size = readFileSync(log).length;
    truncateSync(log, size - 10);
    const { result, logged } = await quietly(() => startDynamo(dir));
    dynamo = result;
    const [damage, ...more] = recordedDamage(dir);
    expect(more).toEqual([]);
    expect(damage.file).toBe(log);
    expect(damage.size).toBe(size - 10);
    expect(damage.offset).toBeLessThan(size - 10);
    expect(readFileSync(damage.copy).length).toBe(size - 10);
    expect(logged[0]).toContain(`DynamoDB's log ${log} (${size - 10} bytes) ends inside a record`);
    expect(logged[0]).toContain(`before byte ${damage.offset}`);
    // What LevelDB dropped is gone: the last item written.
    const c = clientOf(result.endpoint);
    expect([await has(c, 'a'), await has(c, 'b'), await has(c, 'c')]).toEqual([true, true, false]);
  });
});

describe('the embedded DynamoDB over many requests', () => {
  it('closes the LevelDB iterator of every query and scan once it has answered, read to the end or cut short by a limit', async () => {
    dynamo = await startDynamo(dir, 0);
    await ensureTable(dynamo.endpoint, 'reads', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'owed', AttributeType: 'S' },
      ],
      GlobalSecondaryIndexes: [{ IndexName: 'byOwed', KeySchema: [{ AttributeName: 'owed', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } }],
    });
    const c = clientOf(dynamo.endpoint);
    for (let i = 0; i < 20; i++) await c.send(new PutItemCommand({ TableName: 'reads', Item: { pk: { S: 'REQ#1' }, sk: { S: `T#${i}` }, owed: { S: 'yes' } } }));
    const query = { TableName: 'reads', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'REQ#1' } } };
    const byIndex = { TableName: 'reads', IndexName: 'byOwed', KeyConditionExpression: 'owed = :o', ExpressionAttributeValues: { ':o': { S: 'yes' } } };
    for (let i = 0; i < 5; i++) {
      expect((await c.send(new QueryCommand(query))).Count).toBe(20);
      expect((await c.send(new QueryCommand({ ...query, Limit: 3 }))).Count).toBe(3);
      expect((await c.send(new QueryCommand(byIndex))).Count).toBe(20);
      expect((await c.send(new ScanCommand({ TableName: 'reads', Limit: 5 }))).Count).toBe(5);
    }
    // An open iterator holds its LevelDB version (memtables, table files) and its read-ahead: every one left open stays.
    await until(async () => (await dynamo?.openResources()) === 0, 2_000, 'no LevelDB iterator left open').catch(() => undefined);
    expect(await dynamo.openResources()).toBe(0);
  });

  it('tells the bench how busy its thread was: the time its loop worked and its CPU grow with the requests it serves', async () => {
    const c = await withItems(['a']);
    const before = await dynamo?.load();
    for (let i = 0; i < 200; i++) await has(c, 'a');
    const after = await dynamo?.load();
    if (!before || !after) throw new Error('no embedded DynamoDB');
    expect(after.activeMs).toBeGreaterThan(before.activeMs);
    expect(after.cpuMs).toBeGreaterThan(before.cpuMs);
    // Linux says how long the thread waited for a core; never less than before.
    expect(after.waitedMs).toBeGreaterThanOrEqual(before.waitedMs ?? Number.NaN);
  });
});
