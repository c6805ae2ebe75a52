import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { LOCAL_CREDENTIALS } from './credentials.ts';

/**
 * DynamoDB deletes items whose TTL has passed; dynalite does not. This stands in for that one
 * service behaviour (it is not business logic), on the same clock the runtime uses.
 */
export function startTtlReaper(endpoint: string, table: { name: string; ttlAttribute: string; keys: string[] }, now: () => Date, everyMs = 30_000) {
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint, region: 'eu-west-2', credentials: LOCAL_CREDENTIALS }));
  const reap = async () => {
    const cutoff = Math.floor(now().getTime() / 1000);
    let start: Record<string, unknown> | undefined;
    let deleted = 0;
    do {
      const page = await db.send(
        new ScanCommand({
          TableName: table.name,
          FilterExpression: '#t < :now',
          ExpressionAttributeNames: { '#t': table.ttlAttribute },
          ExpressionAttributeValues: { ':now': cutoff },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) {
        await db.send(new DeleteCommand({ TableName: table.name, Key: { pk: item.pk, sk: item.sk } }));
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
