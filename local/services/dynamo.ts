import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { TABLE } from '../../functions/adapters/table.ts';
import { LOCAL_CREDENTIALS } from './credentials.ts';

/** dynalite: a real DynamoDB API server on loopback, persisted in LevelDB under the data dir. */
export async function startDynamo(dir: string, port = 0) {
  mkdirSync(dir, { recursive: true });
  const server = dynalite({ path: dir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((res, rej) => server.listen(port, '127.0.0.1', (e?: Error) => (e ? rej(e) : res())));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Operation counts, by X-Amz-Target, for the bench's cost model.
  const operations = new Map<string, number>();
  server.on('request', (req) => {
    const op = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? 'unknown';
    operations.set(op, (operations.get(op) ?? 0) + 1);
  });
  return {
    endpoint,
    operations,
    close: () => new Promise<void>((res) => server.close(() => res())),
  };
}

/** Creates the table from the same definition infra/ deploys (TABLE), if it is not there yet. */
export async function ensureTable(endpoint: string, tableName: string) {
  const client = new DynamoDBClient({ endpoint, region: 'eu-west-2', credentials: LOCAL_CREDENTIALS });
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: TABLE.partitionKey, AttributeType: 'S' },
          { AttributeName: TABLE.sortKey, AttributeType: 'S' },
          { AttributeName: TABLE.gsi1.partitionKey, AttributeType: 'S' },
          { AttributeName: TABLE.gsi1.sortKey, AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: TABLE.gsi1.name,
            KeySchema: [
              { AttributeName: TABLE.gsi1.partitionKey, KeyType: 'HASH' },
              { AttributeName: TABLE.gsi1.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
  } catch (e) {
    if (!(e instanceof ResourceInUseException)) throw e;
  }
  for (let i = 0; i < 50; i++) {
    const d = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (d.Table?.TableStatus === 'ACTIVE') break;
    await new Promise((r) => setTimeout(r, 20));
  }
  client.destroy();
}
