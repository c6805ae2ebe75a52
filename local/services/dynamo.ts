import { mkdirSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { LOCAL_CREDENTIALS } from './credentials.ts';

/** dynalite: a real DynamoDB API server on loopback, persisted in LevelDB under the data dir, on its own thread. */
export async function startDynamo(dir: string, port = 0) {
  mkdirSync(dir, { recursive: true });
  // A small young generation: dynalite's garbage is short-lived, and each megabyte here is resident.
  const worker = new Worker(new URL('./dynamo-worker.mjs', import.meta.url), { workerData: { path: dir, port }, resourceLimits: { maxYoungGenerationSizeMb: 8 } });
  const next = <T>(key: string) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (m: Record<string, unknown>) => {
        if (key in m) {
          worker.off('message', onMessage);
          resolve(m[key] as T);
        }
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
  const endpoint = `http://127.0.0.1:${await next<number>('port')}`;
  return {
    endpoint,
    /** Operation counts by X-Amz-Target, for the bench's cost model. */
    async operations(): Promise<Record<string, number>> {
      const r = next<Record<string, number>>('operations');
      worker.postMessage('operations');
      return r;
    },
    /**
     * Request units as on-demand DynamoDB would bill them (see dynamo-worker.mjs): writes of table
     * items and of index entries, failed conditional writes, and reads by queries, gets and scans;
     * and writeItems, every item write requested (each of a batch's items, failed conditions included).
     */
    async units(): Promise<{ write: number; indexWrite: number; failedConditional: number; read: number; scanRead: number; writeItems: number }> {
      const r = next<{ write: number; indexWrite: number; failedConditional: number; read: number; scanRead: number; writeItems: number }>('units');
      worker.postMessage('units');
      return r;
    },
    async close() {
      const closed = next('closed');
      worker.postMessage('close');
      await closed;
      await worker.terminate();
    },
  };
}

/** The parts of an AWS::DynamoDB::Table / GlobalTable the embedded DynamoDB needs. */
export type TableDefinition = {
  KeySchema: { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[];
  AttributeDefinitions: { AttributeName: string; AttributeType: 'S' | 'N' | 'B' }[];
  GlobalSecondaryIndexes?: { IndexName: string; KeySchema: { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[]; Projection: { ProjectionType: 'ALL' | 'KEYS_ONLY' | 'INCLUDE'; NonKeyAttributes?: string[] } }[];
};

/** Creates a table from its definition in the template, if it is not there yet. */
export async function ensureTable(endpoint: string, tableName: string, def: TableDefinition) {
  const client = new DynamoDBClient({ endpoint, region: 'eu-west-2', credentials: LOCAL_CREDENTIALS });
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: def.AttributeDefinitions,
        KeySchema: def.KeySchema,
        GlobalSecondaryIndexes: def.GlobalSecondaryIndexes?.map((g) => ({ IndexName: g.IndexName, KeySchema: g.KeySchema, Projection: g.Projection })),
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
