// dynalite on its own thread: the handlers, the engine and the servers keep the main thread,
// DynamoDB gets the second core. Plain JS so it loads the same under tsx, vitest and node.
import { parentPort, workerData } from 'node:worker_threads';
import dynalite from 'dynalite';

const server = dynalite({ path: workerData.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
const operations = {};
server.on('request', (req) => {
  const op = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? 'unknown';
  operations[op] = (operations[op] ?? 0) + 1;
});
server.listen(workerData.port ?? 0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (m) => {
  if (m === 'operations') parentPort.postMessage({ operations });
  if (m === 'close') server.close(() => parentPort.postMessage({ closed: true }));
});
