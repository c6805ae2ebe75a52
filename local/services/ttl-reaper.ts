import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { TABLE } from '../../functions/adapters/table.ts';
import { LOCAL_CREDENTIALS } from './credentials.ts';

/**
 * DynamoDB deletes items whose TTL has passed; dynalite does not. This stands in for that one
 * service behaviour (it is not business logic), on the same clock the runtime uses.
 */
export function startTtlReaper(endpoint: string, tableName: string, now: () => Date, everyMs = 30_000) {
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint, region: 'eu-west-2', credentials: LOCAL_CREDENTIALS }));
  const reap = async () => {
    const cutoff = Math.floor(now().getTime() / 1000);
    let start: Record<string, unknown> | undefined;
    let deleted = 0;
    do {
      const page = await db.send(
        new ScanCommand({
          TableName: tableName,
          FilterExpression: '#t < :now',
          ExpressionAttributeNames: { '#t': TABLE.ttlAttribute },
          ExpressionAttributeValues: { ':now': cutoff },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) {
        await db.send(new DeleteCommand({ TableName: tableName, Key: { pk: item.pk, sk: item.sk } }));
        deleted++;
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return deleted;
  };
  const timer = setInterval(() => void reap().catch(() => undefined), everyMs);
  timer.unref();
  return { reap, stop: () => (clearInterval(timer), db.destroy()) };
}
