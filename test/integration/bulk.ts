import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LOCAL_CREDENTIALS } from '../../local/services/credentials.ts';
import type { Booted } from './harness.ts';

/**
 * Writes items straight into the runtime's table, 25 a batch, until DynamoDB has taken them all:
 * the scale tests' crowd of requests, which going through the API would take minutes to build.
 */
export async function bulkPut(rt: Booted, items: Record<string, unknown>[]) {
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: rt.urls.dynamodb, region: 'eu-west-2', credentials: LOCAL_CREDENTIALS }));
  try {
    for (let i = 0; i < items.length; i += 25) {
      let batch: unknown[] = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
      while (batch.length) {
        const r = await db.send(new BatchWriteCommand({ RequestItems: { [rt.tableName as string]: batch as never } }));
        batch = r.UnprocessedItems?.[rt.tableName as string] ?? [];
      }
    }
  } finally {
    db.destroy();
  }
}
