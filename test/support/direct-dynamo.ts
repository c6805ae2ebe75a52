import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { LOCAL_CREDENTIALS } from '../../local/services/credentials.ts';

/** An Authorization header of SigV4's shape, as dynalite asks of every request; the signature is never checked. */
const UNSIGNED = {
  authorization: `AWS4-HMAC-SHA256 Credential=${LOCAL_CREDENTIALS.accessKeyId}/20261125/eu-west-2/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=unsigned`,
  'x-amz-date': '20261125T100000Z',
};

type Request = { method: string; path: string; headers: Record<string, string>; body?: string | Uint8Array };
type Listener = (req: EventEmitter, res: unknown) => void;

/**
 * dynalite (the embedded DynamoDB's engine: the same validation, conditional writes and indexes) in
 * this process, in memory, each SDK request handed to its request handler as it would arrive over
 * HTTP, with no socket: for tests that make thousands of calls and test the code above the client,
 * not the transport (the fault-injection worlds). About a third less CPU a call than the worker
 * behind loopback HTTP; `npm start` and the runtime's tests keep the worker.
 */
export function directDynamo(): DynamoDBClient {
  const [handle] = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }).listeners('request') as Listener[];
  const requestHandler = {
    handle: (request: Request) =>
      new Promise((resolve) => {
        const headers = { ...Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v])), ...UNSIGNED };
        const req = Object.assign(new EventEmitter(), { method: request.method, url: request.path, headers });
        const answer: Record<string, string> = {};
        const res = {
          statusCode: 200,
          setHeader: (k: string, v: unknown) => {
            answer[k.toLowerCase()] = String(v);
          },
          end: (body?: string) => resolve({ response: { statusCode: res.statusCode, headers: answer, body: Readable.from(body ? [Buffer.from(body)] : []) } }),
        };
        handle(req, res);
        // As a socket would: the body arrives after the handler has subscribed to it.
        queueMicrotask(() => {
          if (request.body) req.emit('data', typeof request.body === 'string' ? Buffer.from(request.body) : Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength));
          req.emit('end');
        });
      }),
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
  };
  const client = new DynamoDBClient({ endpoint: 'http://dynamodb.direct', region: 'eu-west-2', credentials: LOCAL_CREDENTIALS, requestHandler: requestHandler as never });
  // Nothing travels and nothing is in the way: no signature (dynalite checks that a request carries
  // one in SigV4's shape, never its value; the request handler adds that header), no retry (an engine
  // in this process never throttles, times out or drops a connection), and no user agent, trace header
  // or SDK log, which nothing reads. Signing and these steps were about a fifth of admin-faults' CPU.
  for (const m of ['httpSigningMiddleware', 'httpAuthSchemeMiddleware', 'retryMiddleware', 'getUserAgentMiddleware', 'recursionDetectionMiddleware', 'loggerMiddleware']) client.middlewareStack.remove(m);
  return client;
}
