import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS } from '../../../local/services/credentials.ts';
import { ensureTable, startDynamo, type TableDefinition } from '../../../local/services/dynamo.ts';

let dataDir: string | undefined;
let dynamo: Awaited<ReturnType<typeof startDynamo>> | undefined;
afterEach(async () => {
  await dynamo?.close();
  dynamo = undefined;
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const base: TableDefinition = {
  KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
  AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
};
const withIndex: TableDefinition = {
  ...base,
  AttributeDefinitions: [...base.AttributeDefinitions, { AttributeName: 'emailHash', AttributeType: 'S' }],
  GlobalSecondaryIndexes: [{ IndexName: 'byEmail', KeySchema: [{ AttributeName: 'emailHash', KeyType: 'HASH' }], Projection: { ProjectionType: 'KEYS_ONLY' } }],
};

describe('a table kept under .lethe from an older template', () => {
  it('gets the index the new template declares, with the items it held, indexed', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'lethe-ddb-index-'));
    dynamo = await startDynamo(join(dataDir, 'dynamodb'), 0);
    const c = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'eu-west-2', credentials: LOCAL_CREDENTIALS });
    await ensureTable(dynamo.endpoint, 'kept', base);
    for (const pk of ['REQ#1', 'REQ#2']) await c.send(new PutItemCommand({ TableName: 'kept', Item: { pk: { S: pk }, emailHash: { S: 'h1' } } }));
    await c.send(new PutItemCommand({ TableName: 'kept', Item: { pk: { S: 'OTHER' } } }));

    await ensureTable(dynamo.endpoint, 'kept', withIndex);

    const r = await c.send(new QueryCommand({ TableName: 'kept', IndexName: 'byEmail', KeyConditionExpression: 'emailHash = :h', ExpressionAttributeValues: { ':h': { S: 'h1' } } }));
    expect((r.Items ?? []).map((i) => i.pk.S).sort()).toEqual(['REQ#1', 'REQ#2']);
    const other = await c.send(new QueryCommand({ TableName: 'kept', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'OTHER' } } }));
    expect(other.Items).toHaveLength(1);
    c.destroy();
  });
});
