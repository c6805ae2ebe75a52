import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import S3rver from 's3rver';

/** s3rver: an S3 API server persisted on the file system under the data dir. */
export async function startS3(dir: string, buckets: string[], port = 0) {
  mkdirSync(dir, { recursive: true });
  const server = new S3rver({ port, address: '127.0.0.1', directory: dir, silent: true, configureBuckets: buckets.map((name) => ({ name })) });
  const addr = (await server.run()) as AddressInfo;
  // Requests by HTTP method, for the bench: S3 prices PUT, COPY, POST and LIST apart from GET and the rest.
  const requests = new Map<string, number>();
  server.httpServer?.on('request', (req) => requests.set(req.method ?? '?', (requests.get(req.method ?? '?') ?? 0) + 1));
  return { endpoint: `http://127.0.0.1:${addr.port}`, requests, close: () => server.close() };
}
