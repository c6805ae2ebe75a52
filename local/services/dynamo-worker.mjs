// dynalite on its own thread: the handlers, the engine and the servers keep the main thread,
// DynamoDB gets a core of its own. Plain JS so it loads the same under tsx, vitest and node.
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
// Each global secondary index entry put or deleted is a write of its own.
db.updateIndexes = (store, table, existingItem, item, cb) => {
  const { puts, deletes } = db.getIndexActions(table.GlobalSecondaryIndexes ?? [], existingItem, item, table);
  units.indexWrite += puts.reduce((a, p) => a + kb(p.item, 1024), 0) + deletes.length * kb(existingItem, 1024);
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
db.create = (options) => {
  const store = create(options);
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

const server = dynalite({ path: workerData.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
const operations = {};
server.on('request', (req) => {
  const op = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? 'unknown';
  operations[op] = (operations[op] ?? 0) + 1;
});
server.listen(workerData.port ?? 0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (m) => {
  if (m === 'operations') parentPort.postMessage({ operations: { ...operations } });
  if (m === 'units') parentPort.postMessage({ units: { ...units } });
  if (m === 'close') server.close(() => parentPort.postMessage({ closed: true }));
});
