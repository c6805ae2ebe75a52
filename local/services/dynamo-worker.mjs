// dynalite on its own thread: the handlers, the engine and the servers keep the main thread,
// DynamoDB gets a core of its own. Plain JS so it loads the same under tsx, vitest and node.
import { existsSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import dynalite from 'dynalite';

// Request units as on-demand DynamoDB bills them, for the bench's cost model. dynalite computes
// an item's size as DynamoDB does but only when a caller asks for ConsumedCapacity, and it leaves
// out what a request costs besides the table item; the same module its actions call is wrapped.
const db = createRequire(import.meta.url)('dynalite/db');
const units = { write: 0, indexWrite: 0, failedConditional: 0, read: 0, scanRead: 0, writeItems: 0 };
const kb = (item, per) => (item ? Math.max(1, Math.ceil(db.itemSize(item) / per)) : 1);
const { addConsumedCapacity, checkConditional, updateIndexes, queryTable } = db;
// Put, Update, Delete (also inside BatchWriteItem): the larger of the old and new item, per 1 KB.
// GetItem (also inside BatchGetItem): per 4 KB, half for an eventually consistent read.
db.addConsumedCapacity = (data, isRead, newItem, oldItem) => {
  if (isRead) units.read += kb(newItem, 4096) / (data.ConsistentRead ? 1 : 2);
  else units.write += Math.max(kb(newItem, 1024), oldItem ? kb(oldItem, 1024) : 0);
  return addConsumedCapacity(data, isRead, newItem, oldItem);
};
// A write whose condition fails is billed all the same, for the size of the item it checked.
// Every item write checks its condition, a batch's items one by one: writeItems counts them all.
db.checkConditional = (data, existingItem) => {
  units.writeItems++;
  const failed = checkConditional(data, existingItem);
  if (failed) units.failedConditional += kb(existingItem, 1024);
  return failed;
};
// Each global secondary index entry put or deleted is a write of its own. An entry of an INCLUDE
// projection holds the included attributes the item has: dynalite lists the missing ones as
// undefined (and its store drops them), which its size count cannot read.
const present = (entry) => Object.fromEntries(Object.entries(entry).filter(([, v]) => v !== undefined));
db.updateIndexes = (store, table, existingItem, item, cb) => {
  const { puts, deletes } = db.getIndexActions(table.GlobalSecondaryIndexes ?? [], existingItem, item, table);
  units.indexWrite += puts.reduce((a, p) => a + kb(present(p.item), 1024), 0) + deletes.length * kb(existingItem, 1024);
  return updateIndexes(store, table, existingItem, item, cb);
};
// Query and Scan: the items read, together, per 4 KB (at least one unit), half when eventually
// consistent. Scans apart: the local TTL reaper scans, where DynamoDB's own TTL costs nothing.
db.queryTable = (store, table, data, opts, isLocal, fetchFromItemDb, startKeyNames, cb) => {
  const asked = data.ReturnConsumedCapacity;
  data.ReturnConsumedCapacity = 'TOTAL';
  return queryTable(store, table, data, opts, isLocal, fetchFromItemDb, startKeyNames, (err, result) => {
    data.ReturnConsumedCapacity = asked;
    if (result?.ConsumedCapacity) {
      units[data.KeyConditions ? 'read' : 'scanRead'] += Math.max(result.ConsumedCapacity.CapacityUnits, data.ConsistentRead ? 1 : 0.5);
      if (!asked) delete result.ConsumedCapacity;
    }
    cb(err, result);
  });
};

// dynalite reads and parses the table's description from LevelDB on every request, a third of
// its reads; an active table's description is kept instead, until anything writes it again.
const { create } = db;
let level;
// LevelDB iterators and snapshots open now (the test that every query closes what it opened).
const resources = new Set();
db.create = (options) => {
  const store = create(options);
  level = store.db;
  const { attachResource, detachResource } = level;
  level.attachResource = function (resource) {
    resources.add(resource);
    return attachResource.call(this, resource);
  };
  level.detachResource = function (resource) {
    resources.delete(resource);
    return detachResource.call(this, resource);
  };
  // dynalite 4's key and value streams end by calling their iterator's return(), which abstract-level
  // 3's iterators do not have (they close()): every Query and Scan left its LevelDB iterator open,
  // holding its read-ahead entries on this thread's heap and its LevelDB version (memtables, table
  // files) in native memory. The iterators the streams use get the return() dynalite expects.
  for (const method of ['keys', 'values']) {
    const open = level[method];
    level[method] = function (options) {
      const iterator = open.call(this, options);
      iterator.return ??= () => iterator.close();
      return iterator;
    };
  }
  const active = new Map();
  const { getTable, tableDb } = store;
  const { put, del } = tableDb;
  tableDb.put = (key, value, cb) => (active.delete(key), put(key, value, cb));
  tableDb.del = (key, cb) => (active.delete(key), del(key, cb));
  store.getTable = (name, checkStatus, cb) => {
    const callback = typeof checkStatus === 'function' ? checkStatus : cb;
    const known = active.get(name);
    if (known) return process.nextTick(callback, null, known);
    getTable(name, checkStatus, (err, table) => {
      if (!err && table.TableStatus === 'ACTIVE') active.set(name, table);
      callback(err, table);
    });
  };
  return store;
};

// A disk that fills up, for tests: while the file LETHE_DYNAMO_FAULT_FILE names exists, LevelDB's
// opens and writes fail as they do on a full disk.
function injectDiskFull(faultFile) {
  const full = () => Object.assign(new Error(`IO error: ${workerData.path}/LOG: No space left on device (injected: ${faultFile} exists)`), { code: 'LEVEL_IO_ERROR' });
  for (const method of ['_open', '_put', '_del', '_batch']) {
    const original = level[method].bind(level);
    level[method] = async (...args) => {
      if (existsSync(faultFile)) throw full();
      return original(...args);
    };
  }
}

const server = dynalite({ path: workerData.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
if (workerData.faultFile) injectDiskFull(workerData.faultFile);
const operations = {};
// Answers still owed, so that a storage failure can answer them instead of leaving them hanging.
const open = new Set();
let failure;
const [handle] = server.listeners('request');
server.removeAllListeners('request');
server.on('request', (req, res) => {
  if (failure) return unavailable(res);
  const op = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? 'unknown';
  operations[op] = (operations[op] ?? 0) + 1;
  open.add(res);
  res.once('close', () => open.delete(res));
  handle(req, res);
});

// 503 is retried by every AWS SDK; the main thread replaces this worker in the meantime.
function unavailable(res) {
  if (res.headersSent) return res.destroy();
  const type = 'com.amazonaws.dynamodb.v20120810#ServiceUnavailable';
  res.writeHead(503, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': type });
  res.end(JSON.stringify({ __type: type, message: `the local DynamoDB cannot use its store (${failure}); it is restarting, try again` }));
}

// dynalite throws a storage error it cannot map to a DynamoDB error (a full disk: LEVEL_IO_ERROR)
// out of its callback, which used to end this thread for good. It is caught here: every open
// request and every later one gets a retryable 503, and the main thread is told to replace the
// worker, whose new LevelDB handle starts clean (LevelDB refuses all writes after a failed one).
process.on('uncaughtException', (e) => {
  if (!failure) {
    failure = e?.message ?? String(e);
    parentPort.postMessage({ failed: failure });
  }
  for (const res of open) unavailable(res);
});

// How loaded this thread is, since it started (the bench's figures over its run): its event loop's
// busy time, its CPU time, and (Linux) the time it was ready to run but waited for a core.
function load() {
  const { active, idle } = performance.eventLoopUtilization();
  const cpu = process.threadCpuUsage();
  let waitedMs;
  try {
    waitedMs = Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[1]) / 1e6;
  } catch {}
  return { activeMs: active, idleMs: idle, cpuMs: (cpu.user + cpu.system) / 1000, waitedMs };
}

const describe = (e) => [e?.message, e?.cause?.message].filter(Boolean).join(': ');

// The store opens before the port does: a store that cannot open (a corrupt manifest) is said so at once.
const opened = await level.open().then(
  () => true,
  (e) => (parentPort.postMessage({ openFailed: describe(e), code: e?.cause?.code ?? e?.code }), false),
);
if (opened) {
  server.on('error', (e) => parentPort.postMessage({ openFailed: `cannot listen on port ${workerData.port}: ${e.message}`, code: e.code }));
  server.listen(workerData.port ?? 0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
}
parentPort.on('message', (m) => {
  if (m === 'operations') parentPort.postMessage({ operations: { ...operations } });
  if (m === 'units') parentPort.postMessage({ units: { ...units } });
  if (m === 'resources') parentPort.postMessage({ resources: resources.size });
  if (m === 'load') parentPort.postMessage({ load: load() });
  if (m === 'close') server.close(() => parentPort.postMessage({ closed: true }));
});
