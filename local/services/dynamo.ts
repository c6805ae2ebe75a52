import { mkdirSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { BatchWriteItemCommand, CreateTableCommand, DeleteTableCommand, DescribeTableCommand, DynamoDBClient, ResourceInUseException, ScanCommand } from '@aws-sdk/client-dynamodb';
import { LOCAL_CREDENTIALS } from './credentials.ts';
import { describeTornLog, inspectLogs } from './leveldb-log.ts';

/** The embedded DynamoDB cannot use its data directory; the message says why and what to do. */
export class StoreFault extends Error {
  override name = 'StoreFault';
}

type Units = { write: number; indexWrite: number; failedConditional: number; read: number; scanRead: number; writeItems: number };

// Restarts after a storage failure wait 0.2 s, then twice as long each time, up to 10 s; a worker
// that served 30 s without failing starts the count again.
const FIRST_DELAY_MS = 200;
const MAX_DELAY_MS = 10_000;
const STABLE_MS = 30_000;

function openFault(dir: string, reason: string, code: string | undefined) {
  const what =
    code === 'LEVEL_LOCKED'
      ? 'Another process has it open: stop the other `npm start` (or `npm run audit:verify`) that uses this data directory.'
      : code === 'LEVEL_CORRUPTION'
        ? `Nothing in it was changed. Restore ${dir} from a backup, or move it aside (mv ${dir} ${dir}.damaged) to start with an empty table, which loses every request, task and audit event it held.`
        : 'Nothing in it was changed. Fix the cause (free disk space, permissions), then start again.';
  return new StoreFault(`The embedded DynamoDB cannot open its data in ${dir}: ${reason}.\n${what}`);
}

/**
 * dynalite: a real DynamoDB API server on loopback, persisted in LevelDB under the data dir, on its
 * own thread. A storage failure (a full disk) makes the worker answer a retryable 503 while it is
 * replaced by a new one on the same port, with backoff, until the store opens and serves again.
 * `faultFile` (or LETHE_DYNAMO_FAULT_FILE): while that file exists, the store fails as on a full disk (tests).
 */
export async function startDynamo(dir: string, port = 0, opts: { faultFile?: string } = {}) {
  mkdirSync(dir, { recursive: true });
  for (const t of inspectLogs(dir)) {
    console.error(`local DynamoDB: ${describeTornLog(t)} The cut log is copied to ${t.copy}; \`npm run audit:verify\` reports it.`);
  }
  const faultFile = opts.faultFile ?? process.env.LETHE_DYNAMO_FAULT_FILE;
  let closing = false;
  let restarting = false;
  let failures = 0;
  let readyAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let worker!: Worker;
  let healthy = false;

  const spawn = (listenOn: number) =>
    new Promise<number>((resolve, reject) => {
      // A small young generation: dynalite's garbage is short-lived, and each megabyte here is resident.
      const w = new Worker(new URL('./dynamo-worker.mjs', import.meta.url), { workerData: { path: dir, port: listenOn, faultFile }, execArgv: process.env.LETHE_CPU_PROF_DIR ? ['--cpu-prof', '--cpu-prof-dir', process.env.LETHE_CPU_PROF_DIR] : undefined, resourceLimits: { maxYoungGenerationSizeMb: 8 } });
      worker = w;
      healthy = false;
      w.on('message', (m: Record<string, unknown>) => {
        if ('port' in m) {
          healthy = true;
          readyAt = Date.now();
          resolve(m.port as number);
        } else if ('openFailed' in m) {
          reject(Object.assign(new Error(String(m.openFailed)), { code: m.code }));
          void w.terminate();
        } else if ('failed' in m) {
          healthy = false;
          restart(w, `its store failed: ${m.failed}`);
        }
      });
      w.on('error', (e) => reject(e));
      w.on('exit', (code) => {
        reject(new Error(`the worker exited with code ${code}`));
        if (readyAt && worker === w && healthy) {
          healthy = false;
          restart(w, `its worker exited with code ${code}`);
        }
      });
    });

  const restart = (w: Worker, why: string) => {
    if (closing || restarting || worker !== w) return;
    restarting = true;
    if (readyAt && Date.now() - readyAt > STABLE_MS) failures = 0;
    readyAt = 0;
    const delay = Math.min(FIRST_DELAY_MS * 2 ** failures++, MAX_DELAY_MS);
    console.error(`local DynamoDB (${dir}): ${why}. Requests get a retryable error until it is back; restarting it in ${delay} ms.`);
    timer = setTimeout(async () => {
      await w.terminate();
      if (closing) return;
      try {
        await spawn(listening);
        restarting = false;
        console.error(`local DynamoDB (${dir}): restarted, serving again on port ${listening}.`);
      } catch (e) {
        restarting = false;
        restart(worker, `it could not start again: ${(e as Error).message}`);
      }
    }, delay);
  };

  const listening = await spawn(port).catch((e: Error & { code?: string }) => {
    closing = true;
    throw openFault(dir, e.message, e.code);
  });

  const next = <T>(key: string) =>
    new Promise<T>((resolve, reject) => {
      const w = worker;
      const onMessage = (m: Record<string, unknown>) => {
        if (key in m) {
          w.off('message', onMessage);
          resolve(m[key] as T);
        }
      };
      w.on('message', onMessage);
      w.once('error', reject);
    });
  return {
    endpoint: `http://127.0.0.1:${listening}`,
    /** Operation counts by X-Amz-Target, for the bench's cost model (since the worker last started). */
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
    async units(): Promise<Units> {
      const r = next<Units>('units');
      worker.postMessage('units');
      return r;
    },
    /** LevelDB iterators and snapshots open in the store now: none once every request is answered. */
    async openResources(): Promise<number> {
      const r = next<number>('resources');
      worker.postMessage('resources');
      return r;
    },
    /** How busy dynalite's thread has been since it started (see dynamo-worker.mjs), for the bench. */
    async load(): Promise<DynamoLoad> {
      const r = next<DynamoLoad>('load');
      worker.postMessage('load');
      return r;
    },
    /** dynalite's V8 heap, in bytes (the bench's memory breakdown). */
    async heapBytes(): Promise<number> {
      return (await worker.getHeapStatistics()).total_heap_size;
    },
    async close() {
      closing = true;
      clearTimeout(timer);
      // A failed store is not closed cleanly: ending the thread releases it.
      if (healthy) {
        const closed = next('closed');
        worker.postMessage('close');
        await closed;
      }
      await worker.terminate();
    },
  };
}

/** Milliseconds since dynalite's thread started: its event loop busy and idle, its CPU, and (Linux only) waiting for a core. */
export type DynamoLoad = { activeMs: number; idleMs: number; cpuMs: number; waitedMs?: number };

/** The parts of an AWS::DynamoDB::Table / GlobalTable the embedded DynamoDB needs. */
export type TableDefinition = {
  KeySchema: { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[];
  AttributeDefinitions: { AttributeName: string; AttributeType: 'S' | 'N' | 'B' }[];
  GlobalSecondaryIndexes?: { IndexName: string; KeySchema: { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[]; Projection: { ProjectionType: 'ALL' | 'KEYS_ONLY' | 'INCLUDE'; NonKeyAttributes?: string[] } }[];
};

/**
 * Creates a table from its definition in the template, if it is not there yet. A table kept under
 * `.lethe/` from an older template may lack an index the new one declares: DynamoDB builds a new
 * index over existing items, but dynalite cannot add one to a table, so the table is rebuilt with
 * its items.
 */
export async function ensureTable(endpoint: string | DynamoDBClient, tableName: string, def: TableDefinition) {
  const client = typeof endpoint === 'string' ? new DynamoDBClient({ endpoint, region: 'eu-west-2', credentials: LOCAL_CREDENTIALS }) : endpoint;
  const create = () =>
    client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: def.AttributeDefinitions,
        KeySchema: def.KeySchema,
        GlobalSecondaryIndexes: def.GlobalSecondaryIndexes?.map((g) => ({ IndexName: g.IndexName, KeySchema: g.KeySchema, Projection: g.Projection })),
      }),
    );
  // dynalite makes a new table ACTIVE on a timer of its own, at once here: asked again within a few
  // milliseconds, then every 20 ms, for a second at most (test worlds create a thousand tables).
  const active = async () => {
    for (let i = 0, waited = 0; waited < 1000; i++) {
      const d = await client.send(new DescribeTableCommand({ TableName: tableName }));
      if (d.Table?.TableStatus === 'ACTIVE') return d.Table;
      const ms = Math.min(20, 2 ** i);
      await new Promise((r) => setTimeout(r, ms));
      waited += ms;
    }
  };
  try {
    await create();
  } catch (e) {
    if (!(e instanceof ResourceInUseException)) throw e;
  }
  const table = await active();
  const has = new Set((table?.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName));
  if ((def.GlobalSecondaryIndexes ?? []).some((g) => !has.has(g.IndexName))) {
    const items = [];
    let start: Record<string, never> | undefined;
    do {
      const r = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }));
      items.push(...(r.Items ?? []));
      start = r.LastEvaluatedKey as typeof start;
    } while (start);
    await client.send(new DeleteTableCommand({ TableName: tableName }));
    for (let i = 0; i < 50; i++) {
      const gone = await client.send(new DescribeTableCommand({ TableName: tableName })).then(() => false, () => true);
      if (gone) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await create();
    await active();
    for (let i = 0; i < items.length; i += 25) {
      let batch = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
      while (batch.length) {
        const r = await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: batch } }));
        batch = (r.UnprocessedItems?.[tableName] ?? []) as typeof batch;
      }
    }
  }
  client.destroy();
}
