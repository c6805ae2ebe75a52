import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FrontOptions, startFront } from '../../../local/http-api.ts';

/*
 * API Gateway hands a function every query parameter and header as a plain key of the event, its
 * name whatever it is. The local front builds the same event: a name that is also one of a plain
 * object's built-ins (`constructor`, `toString`) or `__proto__` must reach the function as given.
 */
let front: Awaited<ReturnType<typeof startFront>>;
const events: { queryStringParameters?: Record<string, string>; headers: Record<string, string> }[] = [];

beforeAll(async () => {
  front = await startFront();
  const options: FrontOptions = {
    routes: [{ method: 'GET', path: '/echo', routeKey: 'GET /echo', functionArn: 'arn:aws:lambda:eu-west-2:000000000000:function:echo' }],
    site: {
      behaviours: [{ pattern: /^\/echo$/, api: true, headers: {}, forwarding: { allExcept: ['host'], cloudFront: [] }, originHeaders: {} }],
      siteFiles: new Map(),
      rootObject: '',
    },
    invoke: async (_arn, event) => {
      // As the local runtime passes it on to a worker: a structured clone.
      events.push(structuredClone(event) as (typeof events)[number]);
      return { statusCode: 204 };
    },
  };
  front.serve(options);
});
afterAll(() => front?.close());

async function sent(query: string) {
  events.length = 0;
  expect((await fetch(`${front.url}/echo${query}`)).status).toBe(204);
  return events[0];
}

/** A GET of /echo with these header lines as written (fetch leaves out a header named __proto__). */
async function sentWith(headerLines: string[]) {
  events.length = 0;
  const { port } = new URL(front.url);
  const answer = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(Number(port), '127.0.0.1', () => socket.end(['GET /echo HTTP/1.1', `Host: 127.0.0.1:${port}`, ...headerLines, 'Connection: close', '', ''].join('\r\n')));
    socket.on('data', (c) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks).toString())).on('error', reject);
  });
  expect(answer).toMatch(/^HTTP\/1\.1 204/);
  return events[0];
}

describe('the local front’s event', () => {
  it('gives each query parameter as a plain key, a built-in’s name or __proto__ included', async () => {
    const e = await sent('?constructor=a&toString=b&__proto__=c&hasOwnProperty=d&valueOf=');
    expect(Object.entries(e.queryStringParameters ?? {})).toEqual([
      ['constructor', 'a'],
      ['toString', 'b'],
      ['__proto__', 'c'],
      ['hasOwnProperty', 'd'],
      ['valueOf', ''],
    ]);
  });

  it('joins a parameter given twice with a comma, as API Gateway does, a built-in’s name too', async () => {
    const e = await sent('?constructor=a&constructor=b&lang=fr&lang=en');
    expect(Object.entries(e.queryStringParameters ?? {})).toEqual([
      ['constructor', 'a,b'],
      ['lang', 'fr,en'],
    ]);
  });

  it('gives each header as a plain key, a built-in’s name or __proto__ included, one sent twice joined with a comma', async () => {
    const e = await sentWith(['Constructor: a', '__proto__: b', 'X-Plain: c', 'x-plain: d']);
    expect(Object.entries(e.headers).filter(([k]) => ['constructor', '__proto__', 'x-plain'].includes(k))).toEqual([
      ['constructor', 'a'],
      ['__proto__', 'b'],
      ['x-plain', 'c,d'],
    ]);
  });
});
