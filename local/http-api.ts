import { keepIdleConnections } from './keep-alive.ts';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, relative, sep } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import type { CloudAssembly } from './assembly/assembly.ts';

type Resolve = (v: unknown) => unknown;

/** An HTTP API route from the template: its route key, the function behind its integration, its JWT authorizer. */
export interface ApiRoute {
  readonly method: string;
  readonly path: string;
  readonly routeKey: string;
  /** The integration's function ARN. */
  readonly functionArn: string;
  readonly jwt?: { issuer: string; audience: string[] };
}

/** Reads every AWS::ApiGatewayV2::Route with its integration and authorizer, resolved to local values. */
export function apiRoutes(assembly: CloudAssembly, resolve: Resolve): ApiRoute[] {
  return assembly.resources('AWS::ApiGatewayV2::Route').map(([, r]) => {
    const p = r.Properties ?? {};
    const [method, path] = String(p.RouteKey).split(' ');
    const integrationId = String(resolve(p.Target)).replace(/^integrations\//, '');
    const integration = assembly.resource(integrationId).Properties ?? {};
    if (integration.IntegrationType !== 'AWS_PROXY' || integration.PayloadFormatVersion !== '2.0') throw new Error(`route ${p.RouteKey}: only Lambda proxy integrations (payload 2.0) run locally`);
    let jwt: ApiRoute['jwt'];
    if (p.AuthorizationType === 'JWT') {
      const c = resolve(assembly.resource(String(resolve(p.AuthorizerId))).Properties?.JwtConfiguration) as { Issuer: string; Audience: string[] };
      jwt = { issuer: c.Issuer, audience: c.Audience };
    }
    return { method, path, routeKey: String(p.RouteKey), functionArn: String(resolve(integration.IntegrationUri)), jwt };
  });
}

/** originHeaders: the origin's custom headers, which CloudFront adds over any viewer header of that name. */
type Behaviour = { pattern: RegExp; api: boolean; headers: Record<string, string>; forwarding: Forwarding; originHeaders: Record<string, string> };

/**
 * Which viewer headers CloudFront passes to the origin, by the behaviour's origin request policy,
 * and which of its own CloudFront-* headers it adds (the viewer's address, for one).
 */
type Forwarding = { allExcept: string[]; cloudFront: string[] } | { only: string[]; cloudFront: string[] };

/** The managed AllViewerExceptHostHeader policy's id (a managed policy is not in the template). */
const ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

function forwarding(assembly: CloudAssembly, resolve: Resolve, policyId: string | undefined): Forwarding {
  if (!policyId) return { only: [], cloudFront: [] };
  if (policyId === ALL_VIEWER_EXCEPT_HOST_HEADER) return { allExcept: ['host'], cloudFront: [] };
  const r = assembly.template.Resources[policyId];
  if (r?.Type !== 'AWS::CloudFront::OriginRequestPolicy') throw new Error(`origin request policy ${policyId} is neither in the template nor a managed policy the local front knows`);
  const h = resolve(r.Properties?.OriginRequestPolicyConfig?.HeadersConfig) as { HeaderBehavior: string; Headers?: string[] };
  const names = (h.Headers ?? []).map((x) => x.toLowerCase());
  const cloudFront = names.filter((x) => x.startsWith('cloudfront-'));
  const viewer = names.filter((x) => !x.startsWith('cloudfront-'));
  switch (h.HeaderBehavior) {
    case 'none':
      return { only: [], cloudFront: [] };
    case 'whitelist':
      return { only: viewer, cloudFront };
    case 'allViewer':
      return { allExcept: [], cloudFront: [] };
    case 'allViewerAndWhitelistCloudFront':
      return { allExcept: [], cloudFront };
    case 'allExcept':
      return { allExcept: viewer, cloudFront: [] };
    default:
      throw new Error(`origin request policy ${policyId}: header behaviour ${h.HeaderBehavior} is unknown`);
  }
}

/** The headers the origin receives: the viewer's, as the policy forwards them, and CloudFront's own. A viewer cannot set CloudFront's. */
function forwardedHeaders(req: IncomingMessage, f: Forwarding): Record<string, string> {
  const out = new Map<string, string>();
  // From the raw lines: Node's req.headers leaves out a header named __proto__. One sent twice is joined with commas, as API Gateway does.
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const [name, v] = [req.rawHeaders[i].toLowerCase(), req.rawHeaders[i + 1]];
    if (name.startsWith('cloudfront-')) continue;
    if ('allExcept' in f ? !f.allExcept.includes(name) : f.only.includes(name)) out.set(name, out.has(name) ? `${out.get(name)},${v}` : v);
  }
  if (f.cloudFront.includes('cloudfront-viewer-address')) out.set('cloudfront-viewer-address', `${req.socket.remoteAddress}:${req.socket.remotePort}`);
  return plainKeys(out);
}

/**
 * An event's map of names to values as Lambda gives it, parsed from JSON: every name an own key, whatever
 * it is. Built by assignment on `{}`, `constructor` would read Object's own function and `__proto__` set
 * the prototype instead of a key; a Map holds any name, and Object.fromEntries defines each as a key.
 */
const plainKeys = (m: Map<string, string>): Record<string, string> => Object.fromEntries(m);

type SecurityHeadersConfig = {
  ContentSecurityPolicy?: { ContentSecurityPolicy: string };
  ContentTypeOptions?: object;
  FrameOptions?: { FrameOption: string };
  ReferrerPolicy?: { ReferrerPolicy: string };
  StrictTransportSecurity?: { AccessControlMaxAgeSec: number; IncludeSubdomains?: boolean; Preload?: boolean };
  XSSProtection?: { Protection: boolean; ModeBlock?: boolean };
};

/** The headers an AWS::CloudFront::ResponseHeadersPolicy of the template adds, as CloudFront sends them. */
function responseHeaders(assembly: CloudAssembly, resolve: Resolve, policyId: string | undefined): Record<string, string> {
  if (!policyId) return {};
  const r = assembly.template.Resources[policyId];
  if (r?.Type !== 'AWS::CloudFront::ResponseHeadersPolicy') throw new Error(`response headers policy ${policyId} is not in the template: a managed policy cannot be read back locally`);
  // Resolved: the CSP names deploy-time origins (the managed login domain the console fetches tokens from).
  const c = (resolve(r.Properties?.ResponseHeadersPolicyConfig?.SecurityHeadersConfig) ?? {}) as SecurityHeadersConfig;
  const h: Record<string, string> = {};
  if (c.ContentSecurityPolicy) h['content-security-policy'] = c.ContentSecurityPolicy.ContentSecurityPolicy;
  if (c.ContentTypeOptions) h['x-content-type-options'] = 'nosniff';
  if (c.FrameOptions) h['x-frame-options'] = c.FrameOptions.FrameOption;
  if (c.ReferrerPolicy) h['referrer-policy'] = c.ReferrerPolicy.ReferrerPolicy;
  const t = c.StrictTransportSecurity;
  if (t) h['strict-transport-security'] = [`max-age=${t.AccessControlMaxAgeSec}`, t.IncludeSubdomains && 'includeSubDomains', t.Preload && 'preload'].filter(Boolean).join('; ');
  if (c.XSSProtection) h['x-xss-protection'] = c.XSSProtection.Protection ? `1${c.XSSProtection.ModeBlock ? '; mode=block' : ''}` : '0';
  return h;
}

/** A CloudFront path pattern: `*` is any run of characters, `?` one, case-sensitive. */
const glob = (p: string) => new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.')}$`);

/**
 * The distribution's behaviours in CloudFront's order (first matching path pattern, then the
 * default), each either the HTTP API origin or the site bucket, and the files the site's
 * BucketDeployment puts into that bucket (the staged web/ asset and /config.json).
 */
export function distribution(assembly: CloudAssembly, resolve: Resolve, secretReferences: (value: string) => string = (v) => v) {
  const [[, cdn] = []] = assembly.resources('AWS::CloudFront::Distribution');
  if (!cdn) throw new Error('no CloudFront distribution in the template');
  const config = resolve(cdn.Properties?.DistributionConfig) as {
    Origins: { Id: string; DomainName: string; S3OriginConfig?: unknown; OriginCustomHeaders?: { HeaderName: string; HeaderValue: string }[] }[];
    DefaultCacheBehavior: { TargetOriginId: string; ResponseHeadersPolicyId?: string; OriginRequestPolicyId?: string };
    CacheBehaviors?: { PathPattern: string; TargetOriginId: string; ResponseHeadersPolicyId?: string; OriginRequestPolicyId?: string }[];
    DefaultRootObject?: string;
  };
  const origin = (id: string) => config.Origins.find((o) => o.Id === id);
  const behaviour = (b: { TargetOriginId: string; ResponseHeadersPolicyId?: string; OriginRequestPolicyId?: string }, pattern: string): Behaviour => {
    const o = origin(b.TargetOriginId);
    if (!o) throw new Error(`CloudFront origin ${b.TargetOriginId} is missing`);
    return {
      pattern: glob(pattern),
      // Two origins: the site bucket, and the API's custom domain.
      api: !o.S3OriginConfig,
      originHeaders: Object.fromEntries((o.OriginCustomHeaders ?? []).map((h) => [h.HeaderName.toLowerCase(), secretReferences(h.HeaderValue)])),
      headers: responseHeaders(assembly, resolve, b.ResponseHeadersPolicyId),
      forwarding: forwarding(assembly, resolve, b.OriginRequestPolicyId),
    };
  };
  const behaviours = [...(config.CacheBehaviors ?? []).map((b) => behaviour(b, b.PathPattern)), behaviour(config.DefaultCacheBehavior, '*')];
  // The site bucket: the default origin's bucket, filled by the BucketDeployment that targets it.
  const siteOrigin = origin(config.DefaultCacheBehavior.TargetOriginId);
  const siteBucket = siteOrigin?.DomainName.split('.s3.')[0];
  const siteFiles = new Map(
    bucketDeployments(assembly, resolve)
      .filter((d) => d.bucket === siteBucket)
      .flatMap((d) => d.files.map((f) => [f.key, f.body] as const)),
  );
  return { behaviours, siteFiles, rootObject: config.DefaultRootObject ?? '' };
}

function* filesUnder(dir: string): Generator<string> {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) yield* filesUnder(p);
    else yield p;
  }
}

type MarkersConfig = { jsonEscape?: boolean | string; markerEncodings?: Record<string, string> };

/** A marker's value as the deployment handler writes it in place of the marker (CDK's encode_marker_value). */
function encodeMarker(name: string, value: unknown, config: MarkersConfig): string {
  const json = String(config.jsonEscape ?? 'false').toLowerCase() === 'true';
  const encoding = config.markerEncodings?.[name] ?? (json ? 'UNQUOTED_JSON_VALUE' : 'LITERAL');
  switch (encoding) {
    case 'LITERAL':
      return String(value);
    case 'UNQUOTED_JSON_VALUE': {
      const s = JSON.stringify(value);
      return s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s;
    }
    case 'JSON_VALUE':
      return JSON.stringify(value);
    case 'YAML_STRING':
      return /^[A-Za-z][A-Za-z0-9._-]*$/.test(String(value)) && !['y', 'n', 'yes', 'no', 'true', 'false', 'on', 'off', 'null'].includes(String(value).toLowerCase()) ? String(value) : JSON.stringify(value);
    default:
      throw new Error(`unknown marker encoding ${encoding}`);
  }
}

/**
 * What each Custom::CDKBucketDeployment puts where: every file of its staged sources, under its key
 * in the destination bucket. Deploy-time values (`Source.jsonData` with tokens) are markers in the
 * staged files; as the deployment's handler does, each is replaced by its value (here, resolved
 * locally), and the filled-in text is resolved once more so that the AWS URLs it now holds (the
 * distribution, the managed login domain) are the local ones.
 */
export function bucketDeployments(assembly: CloudAssembly, resolve: Resolve) {
  return assembly.resources('Custom::CDKBucketDeployment').map(([id, r]) => {
    const p = r.Properties ?? {};
    if (p.DestinationBucketKeyPrefix) throw new Error(`${id}: key prefixes are not emulated locally`);
    const files = (p.SourceObjectKeys as string[]).flatMap((key, i) => {
      const dir = assembly.assetDir(key);
      const markers = Object.entries((resolve(p.SourceMarkers?.[i]) ?? {}) as Record<string, unknown>);
      const config = (p.SourceMarkersConfig?.[i] ?? {}) as MarkersConfig;
      return [...filesUnder(dir)].map((file) => {
        let body = readFileSync(file);
        if (markers.length) {
          let text = body.toString('utf8');
          for (const [name, value] of markers) text = text.replaceAll(name, encodeMarker(name, value, config));
          body = Buffer.from(String(resolve(text)));
        }
        return { key: relative(dir, file).split(sep).join('/'), body };
      });
    });
    return { id, bucket: String(resolve(p.DestinationBucketName)), files };
  });
}

type Compiled = ApiRoute & { re: RegExp; names: string[] };

const compile = (routes: ApiRoute[]): Compiled[] =>
  routes
    .map((r) => {
      const names: string[] = [];
      const re = new RegExp(
        `^${r.path.replace(/\{(\w+)(\+?)\}/g, (_, n: string, plus: string) => {
          names.push(n);
          return plus ? '(.+)' : '([^/]+)';
        })}$`,
      );
      return { ...r, re, names };
    })
    // API Gateway prefers the most specific route: fewer variables, greedy ones last.
    .sort((a, b) => Number(a.path.includes('+}')) - Number(b.path.includes('+}')) || a.names.length - b.names.length);

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

/** Turns a node request into the API Gateway HTTP API (v2) event the handlers get on AWS. */
function toEvent(req: IncomingMessage, url: URL, body: Buffer, route: Compiled, params: Record<string, string>, headers: Record<string, string>, claims?: JWTPayload): APIGatewayProxyEventV2 {
  // A name given twice is one key, its values joined with commas, as API Gateway passes them.
  const query = new Map<string, string>();
  for (const [k, v] of url.searchParams) query.set(k, query.has(k) ? `${query.get(k)},${v}` : v);
  const textual = /json|text|x-www-form-urlencoded/.test(headers['content-type'] ?? 'text');
  const now = new Date();
  return {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    queryStringParameters: query.size ? plainKeys(query) : undefined,
    pathParameters: Object.keys(params).length ? params : undefined,
    body: body.length ? (textual ? body.toString('utf8') : body.toString('base64')) : undefined,
    isBase64Encoded: body.length > 0 && !textual,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: url.host,
      domainPrefix: 'local',
      // To API Gateway the client is CloudFront's edge: here, this server's own address.
      http: { method: req.method ?? 'GET', path: url.pathname, protocol: 'HTTP/1.1', sourceIp: req.socket.localAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
      requestId: `${now.getTime()}`,
      routeKey: route.routeKey,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
      ...(claims ? { authorizer: { jwt: { claims: claims as Record<string, string>, scopes: [] } } } : {}),
    },
  } as APIGatewayProxyEventV2;
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

/** API Gateway's JWT authorizer: issuer, signature, expiry, and `aud` or `client_id` among the audiences. */
function authorizer() {
  const sets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
  return async (jwt: NonNullable<ApiRoute['jwt']>, header: string | undefined): Promise<JWTPayload | undefined> => {
    const token = header?.replace(/^Bearer\s+/i, '');
    if (!token) return undefined;
    let keys = sets.get(jwt.issuer);
    if (!keys) {
      keys = createRemoteJWKSet(new URL(`${jwt.issuer}/.well-known/jwks.json`));
      sets.set(jwt.issuer, keys);
    }
    try {
      const { payload } = await jwtVerify(token, keys, { issuer: jwt.issuer });
      const aud = [payload.aud ?? [], payload.client_id ?? []].flat().map(String);
      return aud.some((a) => jwt.audience.includes(a)) ? payload : undefined;
    } catch {
      return undefined;
    }
  };
}

export interface FrontOptions {
  readonly routes: ApiRoute[];
  readonly site: ReturnType<typeof distribution>;
  readonly invoke: (functionArn: string, event: unknown) => Promise<unknown>;
}

/**
 * The local CloudFront + API Gateway: the distribution's behaviours send API paths to the template's
 * routes (API Gateway v2 events, to the same bundles) and everything else to the deployed site files.
 */
export async function startFront(port = 0) {
  // It listens first: its origin is the CloudFront domain the functions' environment refers to.
  let opts: FrontOptions | undefined;
  let closing = false;
  let routes: Compiled[] = [];
  // Requests the HTTP API received, by route key (API Gateway bills each one, unmatched ones too).
  const received = new Map<string, number>();
  const authorize = authorizer();
  const json = (res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}) =>
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify({ message }));

  async function api(req: IncomingMessage, res: ServerResponse, url: URL, b: Behaviour) {
    const method = req.method ?? 'GET';
    for (const r of routes) {
      const m = r.re.exec(url.pathname);
      if (!m || (r.method !== 'ANY' && r.method !== method)) continue;
      received.set(r.routeKey, (received.get(r.routeKey) ?? 0) + 1);
      let params: Record<string, string>;
      try {
        params = Object.fromEntries(r.names.map((n, i) => [n, decodeURIComponent(m[i + 1])]));
      } catch {
        return json(res, 400, 'Bad Request', b.headers); // malformed percent-encoding never reaches a function
      }
      let claims: JWTPayload | undefined;
      if (r.jwt) {
        claims = await authorize(r.jwt, req.headers.authorization);
        if (!claims) return json(res, 401, 'Unauthorized', b.headers);
      }
      const body = await readBody(req);
      if (!body) return json(res, 413, 'Request Entity Too Large', b.headers);
      let result: APIGatewayProxyStructuredResultV2;
      try {
        result = (await (opts as FrontOptions).invoke(r.functionArn, toEvent(req, url, body, r, params, { ...forwardedHeaders(req, b.forwarding), ...b.originHeaders }, claims))) as APIGatewayProxyStructuredResultV2;
      } catch (e) {
        // API Gateway answers 500 when the integration fails; the body never carries the error.
        if (!closing) console.error(`local api: ${r.routeKey} failed: ${(e as Error).name}`);
        return json(res, 500, 'Internal Server Error', b.headers);
      }
      // The behaviour's response headers policy: each of its headers overrides the origin's, as ours all say.
      const headers = { ...(result.headers ?? {}), ...b.headers } as Record<string, string | string[]>;
      if (result.cookies?.length) headers['set-cookie'] = result.cookies;
      res.writeHead(result.statusCode ?? 200, headers);
      res.end(result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : (result.body ?? ''));
      return;
    }
    received.set('(no route)', (received.get('(no route)') ?? 0) + 1);
    json(res, 404, 'Not Found', b.headers);
  }

  async function site(req: IncomingMessage, res: ServerResponse, url: URL, headers: Record<string, string>) {
    if (!opts) return;
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') return res.writeHead(403, headers).end();
    let path: string;
    try {
      path = url.pathname === '/' ? `/${opts.site.rootObject}` : decodeURIComponent(url.pathname);
    } catch {
      // Malformed percent-encoding: CloudFront refuses the request itself.
      return json(res, 400, 'Bad Request');
    }
    const key = normalize(path).slice(1);
    const data = opts.site.siteFiles.get(key);
    if (data) {
      res.writeHead(200, { 'content-type': TYPES[extname(key)] ?? 'application/octet-stream', ...headers });
      return res.end(method === 'HEAD' ? undefined : data);
    }
    // An S3 origin behind origin access control answers 403 for a missing key.
    res.writeHead(403, { 'content-type': 'application/xml', ...headers }).end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>');
  }

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
      if (!opts) return json(res, 503, 'Starting');
      const b = opts.site.behaviours.find((x) => x.pattern.test(url.pathname));
      if (b?.api) return await api(req, res, url, b);
      return await site(req, res, url, b?.headers ?? {});
    } catch (e) {
      console.error('local front: unexpected error', (e as Error).message);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"message":"Internal Server Error"}');
    }
  });
  keepIdleConnections(server);
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    /** Requests the HTTP API received, by route key. */
    received,
    serve(o: FrontOptions) {
      opts = o;
      routes = compile(o.routes);
    },
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        closing = true;
        if (!server.listening) return r();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
