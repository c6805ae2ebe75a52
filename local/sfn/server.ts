import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type LocalStepFunctions, SfnError } from './engine.ts';

const epoch = (d?: Date) => (d ? d.getTime() / 1000 : undefined);

/** Dates travel as epoch seconds in the AWS JSON protocol. */
function wire(value: unknown): unknown {
  if (value instanceof Date) return epoch(value);
  if (Array.isArray(value)) return value.map(wire);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, wire(v)]));
  return value;
}

type Body = Record<string, string | number | boolean | undefined>;

/**
 * A Step Functions endpoint (AWS JSON 1.0, X-Amz-Target: AWSStepFunctions.*) in front of the
 * embedded engine, so the unchanged @aws-sdk/client-sfn works against it with an endpoint override.
 */
export async function startSfnServer(engine: LocalStepFunctions, opts: { port?: number; host?: string } = {}) {
  const ops: Record<string, (b: Body) => unknown> = {
    StartExecution: (b) => engine.startExecution(String(b.name ?? crypto.randomUUID()), String(b.input ?? '{}')),
    DescribeExecution: (b) => engine.describeExecution(String(b.executionArn)),
    ListExecutions: (b) => engine.listExecutions({ statusFilter: b.statusFilter as never, maxResults: Number(b.maxResults ?? 0), nextToken: b.nextToken as string }),
    GetExecutionHistory: (b) => engine.getExecutionHistory(String(b.executionArn), { maxResults: Number(b.maxResults ?? 0), nextToken: b.nextToken as string, reverseOrder: Boolean(b.reverseOrder) }),
    SendTaskSuccess: (b) => (engine.sendTaskSuccess(String(b.taskToken), String(b.output ?? '{}')), {}),
    SendTaskFailure: (b) => (engine.sendTaskFailure(String(b.taskToken), b.error as string, b.cause as string), {}),
    SendTaskHeartbeat: (b) => (engine.sendTaskHeartbeat(String(b.taskToken)), {}),
    StopExecution: (b) => engine.stopExecution(String(b.executionArn), { error: b.error as string, cause: b.cause as string }),
  };
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => {
      raw += c;
    });
    req.on('end', () => {
      const reply = (status: number, body: unknown, type?: string) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', ...(type ? { 'x-amzn-errortype': type } : {}) });
        res.end(JSON.stringify(body));
      };
      const op = String(req.headers['x-amz-target'] ?? '').replace('AWSStepFunctions.', '');
      const fn = ops[op];
      if (!fn) return reply(400, { __type: 'UnknownOperationException', message: `unknown operation ${op}` }, 'UnknownOperationException');
      try {
        reply(200, wire(fn(JSON.parse(raw || '{}'))));
      } catch (e) {
        const code = e instanceof SfnError ? e.code : 'InvalidExecutionInput';
        reply(400, { __type: code, message: (e as Error).message }, code);
      }
    });
  });
  await new Promise<void>((r) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
