import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { Webhook } from 'standardwebhooks';
import { firstBreak } from '../functions/core/audit.ts';
import { receiptWebhookId } from '../functions/core/receipts.ts';
import type { AuditEvent } from '../functions/core/model.ts';

export type Break = { record: string; position: number; reason: string };

/** A workflow that ran to its end: its Notify state recorded the outcome and mailed it. */
export type Finished = { requestId: string; at: string };

const CLOSED = ['completed', 'denied', 'cancelled', 'expired'];

/**
 * Re-checks every audit chain (the request's and each task's) and every stored callback receipt:
 * the receipt's body must hash to what the chain recorded and carry a valid signature by one of
 * the processor's secrets. Each request in `finished` must have a closed ledger: a chain that
 * holds together but ends before the outcome its requester was told about has lost its end.
 * Returns the breaks found, first one first.
 */
export async function verifyLedger(
  db: DynamoDBDocumentClient,
  table: string,
  secretsOf: (processorId: string) => string[],
  finished: Finished[] = [],
): Promise<{ records: number; receipts: number; breaks: Break[] }> {
  const breaks: Break[] = [];
  let records = 0;
  let receipts = 0;
  let start: Record<string, unknown> | undefined;
  const { createHash } = await import('node:crypto');
  // Export callbacks keep their signed bytes apart (REQ#<id>/RESULT#<processor>#<body hash>, or
  // RESULT#<processor> when written before results were keyed by body): they hold personal data and expire.
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
      for (const [key, r] of Object.entries((item.receipts ?? {}) as Record<string, { body?: string; bodyHash: string; signature: string; timestamp: string }>)) {
        const id = receiptWebhookId(key);
        receipts++;
        const body = r.body ?? signedBodies.get(`${item.pk}/${item.processorId}#${r.bodyHash}`) ?? signedBodies.get(`${item.pk}/${item.processorId}`);
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
  const requests = new Map(items.filter((i) => i.sk === 'REQUEST').map((i) => [String(i.pk).slice(4), i]));
  for (const f of finished) {
    const req = requests.get(f.requestId);
    const audit = (req?.audit ?? []) as AuditEvent[];
    if (req && CLOSED.includes(String(req.status)) && audit.some((e) => CLOSED.includes(String(e.to)))) continue;
    const last = audit.at(-1);
    breaks.push({
      record: `REQ#${f.requestId}/REQUEST`,
      position: audit.length - 1,
      reason: req
        ? `its workflow finished at ${f.at}, outcome recorded and mailed, but the ledger ends before it: status ${String(req.status)}, last event ${last ? `"${last.action}" at ${last.at}` : 'none'}`
        : `its workflow finished at ${f.at}, outcome recorded and mailed, but the request is missing from the table`,
    });
  }
  return { records, receipts, breaks };
}

/** The executions of a stopped `npm start` that succeeded, read from their files (damaged ones are skipped: the engine quarantines them). */
export function finishedExecutions(executionsDir: string): Finished[] {
  if (!existsSync(executionsDir)) return [];
  return readdirSync(executionsDir)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => {
      try {
        const e = JSON.parse(readFileSync(join(executionsDir, f), 'utf8')) as { name?: string; status?: string; stopDate?: string };
        return e.status === 'SUCCEEDED' && e.name ? [{ requestId: e.name, at: String(e.stopDate) }] : [];
      } catch {
        return [];
      }
    });
}

// `npm run audit:verify`: against the data dir of `npm start` (stopped), read through its own dynalite.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { resolve } = await import('node:path');
  const { startDynamo } = await import('./services/dynamo.ts');
  const { recordedDamage, describeTornLog } = await import('./services/leveldb-log.ts');
  const { loadRegistry } = await import('./processors/registry.ts');
  const dataDir = resolve(process.env.LETHE_DATA_DIR ?? '.lethe');
  const endpoint = process.env.DDB_ENDPOINT;
  // Opening the store records a write-ahead log cut off since the last start, as npm start does.
  const dynamo = endpoint ? undefined : await startDynamo(join(dataDir, 'dynamodb'));
  const secrets = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')) as Record<string, { secrets: string[] }>;
  const registry = loadRegistry();
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: endpoint ?? dynamo?.endpoint, region: 'eu-west-2', credentials: { accessKeyId: 'LOCAL', secretAccessKey: 'LOCAL' } }));
  const finished = finishedExecutions(join(dataDir, 'executions'));
  // The table's physical name comes from the template; the local store holds that one table.
  const table = process.env.TABLE_NAME ?? (await db.send(new ListTablesCommand({}))).TableNames?.[0] ?? 'lethe';
  const r = await verifyLedger(db, table, (id) => secrets[registry.processors.find((p) => p.id === id)?.secretRef ?? '']?.secrets ?? [], finished);
  await dynamo?.close();
  // A cut-off log explains the breaks it causes, so it comes first.
  const damage = recordedDamage(join(dataDir, 'dynamodb')).map((t) => ({ record: t.file, position: t.offset, reason: `${describeTornLog(t)} Found ${t.foundAt}; the cut log is kept at ${t.copy}.` }));
  const breaks = [...damage, ...r.breaks];
  console.log(`checked ${r.records} audit chains, ${r.receipts} signed receipts and ${finished.length} finished workflows`);
  if (breaks.length) {
    console.log(`FIRST BREAK: ${breaks[0].record} at ${breaks[0] === damage[0] ? 'byte' : 'event'} ${breaks[0].position}: ${breaks[0].reason}`);
    for (const b of breaks.slice(1, 20)) console.log(`ALSO: ${b.record} at ${damage.includes(b) ? 'byte' : 'event'} ${b.position}: ${b.reason}`);
    if (breaks.length > 20) console.log(`… and ${breaks.length - 20} more`);
    process.exit(1);
  }
  console.log('every chain, every receipt and every finished workflow holds');
}
