import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ROUTES } from '../infra/routes.ts';
import type { LocalLambdas } from './lambda.ts';

type Compiled = { method: string; re: RegExp; names: string[]; fn: string; routeKey: string };

const compile = (): Compiled[] =>
  ROUTES.map((r) => {
    const names: string[] = [];
    const re = new RegExp(
      `^${r.path.replace(/\{(\w+)(\+?)\}/g, (_, n: string, plus: string) => {
        names.push(n === 'proxy' && plus ? 'proxy' : n);
        return plus ? '(.+)' : '([^/]+)';
      })}$`,
    );
    return { method: r.method, re, names, fn: r.fn, routeKey: `${r.method} ${r.path}` };
  });

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

/** Turns a node request into the API Gateway HTTP API (v2) event the handlers get on AWS. */
function toEvent(req: IncomingMessage, url: URL, body: Buffer, route: Compiled, params: Record<string, string>): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = query[k] ? `${query[k]},${v}` : v;
  const textual = /json|text|x-www-form-urlencoded/.test(headers['content-type'] ?? 'text');
  const now = new Date();
  return {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    queryStringParameters: Object.keys(query).length ? query : undefined,
    pathParameters: Object.keys(params).length ? params : undefined,
    body: body.length ? (textual ? body.toString('utf8') : body.toString('base64')) : undefined,
    isBase64Encoded: body.length > 0 && !textual,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: url.host,
      domainPrefix: 'local',
      http: { method: req.method ?? 'GET', path: url.pathname, protocol: 'HTTP/1.1', sourceIp: req.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
      requestId: `${now.getTime()}`,
      routeKey: route.routeKey,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
  };
}

const MAX_BODY = 10 * 1024 * 1024; // API Gateway's own payload limit

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * The local API Gateway: the shared route table mapped onto the same handlers, plus the static
 * web/ pages (CloudFront's job on AWS), so the form and the API share one origin as they do there.
 */
export async function startHttpApi(opts: { lambdas: LocalLambdas; webDir: string; port?: number; extra?: Record<string, (req: IncomingMessage, res: ServerResponse) => unknown> }) {
  const routes = compile();
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
      const method = req.method ?? 'GET';
      for (const r of routes) {
        const m = r.re.exec(url.pathname);
        if (!m || (r.method !== 'ANY' && r.method !== method)) continue;
        const params = Object.fromEntries(r.names.map((n, i) => [n, decodeURIComponent(m[i + 1])]));
        const body = await readBody(req);
        if (!body) {
          res.writeHead(413, { 'content-type': 'application/json' }).end('{"message":"Request Entity Too Large"}');
          return;
        }
        const result = (await opts.lambdas.invoke(r.fn, toEvent(req, url, body, r, params))) as APIGatewayProxyStructuredResultV2;
        const headers = { ...(result.headers ?? {}) } as Record<string, string>;
        if (result.cookies?.length) (headers as Record<string, unknown>)['set-cookie'] = result.cookies;
        res.writeHead(result.statusCode ?? 200, headers);
        res.end(result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : (result.body ?? ''));
        return;
      }
      const extra = opts.extra?.[url.pathname];
      if (extra) return extra(req, res);
      if (method !== 'GET' && method !== 'HEAD') {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}');
        return;
      }
      const rel = normalize(url.pathname === '/' ? '/index.html' : url.pathname).replace(/^(\.\.[/\\])+/, '');
      const file = join(opts.webDir, rel);
      if (!file.startsWith(opts.webDir)) {
        res.writeHead(403).end();
        return;
      }
      const data = await readFile(file).catch(() => undefined);
      if (!data) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
        return;
      }
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
      res.end(method === 'HEAD' ? undefined : data);
    } catch (e) {
      // API Gateway answers 500 when an integration throws; the body never carries the error.
      console.error('local api: integration error', (e as Error).message);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"message":"Internal Server Error"}');
    }
  });
  await new Promise<void>((r) => server.listen(opts.port ?? 0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
