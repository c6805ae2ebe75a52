import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { Webhook } from 'standardwebhooks';
import { firstBreak } from '../functions/core/audit.ts';
import type { AuditEvent } from '../functions/core/model.ts';

export type Break = { record: string; position: number; reason: string };

/**
 * Re-checks every audit chain (the request's and each task's) and every stored callback receipt:
 * the receipt's body must hash to what the chain recorded and carry a valid signature by one of
 * the processor's secrets. Returns the breaks found, first one first.
 */
export async function verifyLedger(db: DynamoDBDocumentClient, table: string, secretsOf: (processorId: string) => string[]): Promise<{ records: number; receipts: number; breaks: Break[] }> {
  const breaks: Break[] = [];
  let records = 0;
  let receipts = 0;
  let start: Record<string, unknown> | undefined;
  const { createHash } = await import('node:crypto');
  // Export callbacks keep their signed bytes apart (REQ#<id>/RESULT#<processor>): they hold personal data and expire.
  const items: Record<string, unknown>[] = [];
  do {
    const page = await db.send(new ScanCommand({ TableName: table, FilterExpression: 'begins_with(pk, :r)', ExpressionAttributeValues: { ':r': 'REQ#' }, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  const signedBodies = new Map(items.filter((i) => String(i.sk).startsWith('RESULT#')).map((i) => [`${i.pk}/${String(i.sk).slice(7)}`, i.signedBody as string | undefined]));
    for (const item of items) {
      if (!Array.isArray(item.audit)) continue;
      records++;
      const name = `${item.pk}/${item.sk}`;
      const at = firstBreak(item.audit as AuditEvent[]);
      if (at >= 0) breaks.push({ record: name, position: at, reason: 'hash chain broken' });
      for (const [id, r] of Object.entries((item.receipts ?? {}) as Record<string, { body?: string; bodyHash: string; signature: string; timestamp: string }>)) {
        receipts++;
        const body = r.body ?? signedBodies.get(`${item.pk}/${item.processorId}`);
        // An export's signed bytes expire with the personal data in them; the hash on the chain remains.
        if (body === undefined) continue;
        if (createHash('sha256').update(body).digest('hex') !== r.bodyHash) breaks.push({ record: name, position: -1, reason: `receipt ${id}: body does not match its hash` });
        const signed = secretsOf(String(item.processorId)).some((s) => {
          const expected = new Webhook(s).sign(id, new Date(Number(r.timestamp) * 1000), body).split(',')[1];
          return r.signature.split(' ').some((sig) => sig.split(',')[1] === expected);
        });
        if (!signed) breaks.push({ record: name, position: -1, reason: `receipt ${id}: signature does not verify` });
      }
    }
  return { records, receipts, breaks };
}

// `npm run audit:verify`: against the data dir of `npm start` (stopped), read through its own dynalite.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { join, resolve } = await import('node:path');
  const { readFileSync } = await import('node:fs');
  const { startDynamo } = await import('./services/dynamo.ts');
  const { loadRegistry } = await import('./processors/registry.ts');
  const dataDir = resolve(process.env.LETHE_DATA_DIR ?? '.lethe');
  const endpoint = process.env.DDB_ENDPOINT;
  const dynamo = endpoint ? undefined : await startDynamo(join(dataDir, 'dynamodb'));
  const secrets = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')) as Record<string, { secrets: string[] }>;
  const registry = loadRegistry();
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: endpoint ?? dynamo?.endpoint, region: 'eu-west-2', credentials: { accessKeyId: 'LOCAL', secretAccessKey: 'LOCAL' } }));
  const r = await verifyLedger(db, process.env.TABLE_NAME ?? 'lethe', (id) => secrets[registry.processors.find((p) => p.id === id)?.secretRef ?? '']?.secrets ?? []);
  await dynamo?.close();
  console.log(`checked ${r.records} audit chains and ${r.receipts} signed receipts`);
  if (r.breaks.length) {
    console.log(`FIRST BREAK: ${r.breaks[0].record} at event ${r.breaks[0].position}: ${r.breaks[0].reason}`);
    process.exit(1);
  }
  console.log('every chain and every receipt holds');
}
