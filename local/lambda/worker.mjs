// One Lambda execution environment: loads a function's bundled asset once (its init phase), then
// serves invocations. Plain JS, so the bundle runs as Lambda runs it: no tsx, no source files.
import diagnostics from 'node:diagnostics_channel';
import { existsSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

const { fn, assetDir, handler, functionArn, memoryMb, services, record, logFile } = workerData;

// The function's log stream: stdout and stderr go straight to its file from this thread, as
// Lambda's runtime takes a sandbox's output. Through the worker's own stdout, every line would
// cross to the main thread as a message and be written there, on the thread the engine and the
// local front share.
if (logFile) {
  const fd = openSync(logFile, 'a');
  for (const stream of [process.stdout, process.stderr]) {
    stream.write = (chunk, encoding, cb) => {
      writeSync(fd, typeof chunk === 'string' ? chunk : Buffer.from(chunk));
      (typeof encoding === 'function' ? encoding : cb)?.();
      return true;
    };
  }
}

// Crashes armed by the tests (LambdaPool.crashOn): the sandbox dies at one exact AWS call, before
// the call leaves or once its answer arrives, as a process killed at that step boundary would.
const crashes = [...(workerData.crashes ?? [])];
const crashAt = (when, call) => {
  const i = crashes.findIndex((c) => c.when === when && c.service === call.service && call.action === c.action && (!c.match || (call.body ?? '').includes(c.match)));
  if (i < 0) return;
  crashes.splice(i, 1);
  process.exit(86);
};
const actionOf = (request) => {
  const target = request.getHeader('x-amz-target');
  if (target) return String(target).split('.').pop();
  const route = `${request.method} ${String(request.path).split('?')[0]}`;
  // SES v2 is a REST API: this route is its SendEmail.
  return route === 'POST /v2/email/outbound-emails' ? 'SendEmail' : route;
};

// Every AWS call the function makes, seen at the HTTP layer as the service receives it: the
// runtime checks each one against the function's IAM policy.
if (record || crashes.length) {
  diagnostics.subscribe('http.client.request.created', ({ request }) => {
    const service = services[String(request.getHeader('host') ?? '')];
    if (!service) return;
    const chunks = [];
    const keep = (c) => c && chunks.push(typeof c === 'string' ? Buffer.from(c) : Buffer.from(c));
    const write = request.write.bind(request);
    const end = request.end.bind(request);
    request.write = (c, ...rest) => (keep(c), write(c, ...rest));
    request.end = (c, ...rest) => {
      if (typeof c !== 'function') keep(c);
      const target = request.getHeader('x-amz-target');
      const body = Buffer.concat(chunks);
      const text = body.length < 65536 ? body.toString('utf8') : undefined;
      const call = { service, action: actionOf(request), body: text };
      crashAt('before', call);
      if (record) parentPort.postMessage({ call: { fn, service, method: request.method, path: request.path, target: target ? String(target) : undefined, body: text } });
      if (crashes.length) request.once('response', () => crashAt('after', call));
      return end(c, ...rest);
    };
  });
}

// Lambda's handler string is "<file>.<export>", the file being .js, .mjs or .cjs.
const dot = handler.lastIndexOf('.');
const base = handler.slice(0, dot);
const exportName = handler.slice(dot + 1);
const file = ['.js', '.mjs', '.cjs'].map((ext) => join(assetDir, base + ext)).find(existsSync);

// Lambda's REPORT line: the init phase and each invocation's duration, which Lambda bills (the
// init phase too, since August 2025), reported with the ready message and with each result.
const initStart = performance.now();
let entry;
try {
  if (!file) throw Object.assign(new Error(`Cannot find module '${base}'`), { name: 'Runtime.ImportModuleError' });
  const mod = await import(pathToFileURL(file).href);
  entry = mod[exportName];
  if (typeof entry !== 'function') throw Object.assign(new Error(`${base}.${exportName} is undefined or not exported`), { name: 'Runtime.HandlerNotFound' });
  parentPort.postMessage({ ready: true, initMs: performance.now() - initStart });
} catch (e) {
  parentPort.postMessage({ ready: false, error: { errorType: e.name === 'Error' ? 'Runtime.ImportModuleError' : e.name, errorMessage: e.message } });
}

parentPort.on('message', async ({ id, event, deadline, requestId }) => {
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn,
    functionVersion: '$LATEST',
    invokedFunctionArn: functionArn,
    memoryLimitInMB: String(memoryMb),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${fn}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {},
    fail() {},
    succeed() {},
  };
  const start = performance.now();
  try {
    const result = await entry(event, context);
    // Lambda returns the JSON serialization of the result, never the object itself.
    parentPort.postMessage({ id, payload: JSON.stringify(result ?? null), durationMs: performance.now() - start });
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    parentPort.postMessage({ id, error: { errorType: err.name || 'Error', errorMessage: err.message }, durationMs: performance.now() - start });
  }
});
