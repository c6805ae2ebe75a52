import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LambdaPool, type LocalFunction } from '../../../local/lambda/pool.ts';

let dir: string;
let pool: LambdaPool | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lethe-pool-'));
});
afterEach(async () => {
  await pool?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A function whose asset is the given module source, as a staged asset directory holds it. */
function fn(name: string, source: string, over: Partial<LocalFunction> = {}): LocalFunction {
  const assetDir = join(dir, `asset.${name}`);
  mkdirSync(assetDir);
  writeFileSync(join(assetDir, 'index.mjs'), source);
  return { logicalId: `Fn${name}`, name, arn: `arn:aws:lambda:eu-west-2:000000000000:function:${name}`, handler: 'index.handler', assetDir, timeoutSeconds: 3, memoryMb: 128, environment: { WHO: name }, ...over };
}

const start = (...fns: LocalFunction[]) => {
  pool = new LambdaPool(fns, { services: {}, logDir: join(dir, 'logs') });
  return pool;
};

describe('the local Lambda runtime', () => {
  it('gives each function its own module state and its own environment', async () => {
    const counter = `let n = 0; export const handler = async () => ({ n: ++n, who: process.env.WHO, other: globalThis.__seen ?? null, set: (globalThis.__seen = process.env.WHO) });`;
    const p = start(fn('a', counter), fn('b', counter));
    expect(await p.invoke('a', {})).toEqual({ n: 1, who: 'a', other: null, set: 'a' });
    expect(await p.invoke('a', {})).toEqual({ n: 2, who: 'a', other: 'a', set: 'a' });
    // b runs in another worker: a's module counter and globals are not there.
    expect(await p.invoke('b', {})).toEqual({ n: 1, who: 'b', other: null, set: 'b' });
    expect(p.invocations.get('a')).toBe(2);
  });

  it('finds a function by name, logical id or ARN, and returns what JSON serialization of the result gives', async () => {
    const p = start(fn('c', `export const handler = async (e) => ({ got: e, when: new Date(0), skip: undefined });`));
    expect(await p.invoke('c', { x: 1 })).toEqual({ got: { x: 1 }, when: '1970-01-01T00:00:00.000Z' });
    expect(await p.invoke('Fnc', null)).toEqual({ got: null, when: '1970-01-01T00:00:00.000Z' });
    expect(await p.invoke('arn:aws:lambda:eu-west-2:000000000000:function:c', 2)).toMatchObject({ got: 2 });
    await expect(p.invoke('nope', {})).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('records the time Lambda would bill: each init phase and each invocation, failed ones too, rounded up to the millisecond', async () => {
    // The init phase sleeps 200 ms at top level; each invocation sleeps its event's ms.
    const source = `await new Promise((r) => setTimeout(r, 200)); export const handler = async (e) => { await new Promise((r) => setTimeout(r, e.ms)); if (e.fail) throw new Error('no'); return {}; };`;
    const p = start(fn('g', source));
    await p.invoke('g', { ms: 100 });
    await expect(p.invoke('g', { ms: 50, fail: true })).rejects.toMatchObject({ message: 'no' });
    const billed = p.billed.get('g');
    expect(billed).toMatchObject({ inits: 1, invocations: 2 });
    expect(billed?.initMs).toBeGreaterThanOrEqual(200);
    expect(billed?.invocationMs).toBeGreaterThanOrEqual(150);
  });

  it('reports a thrown error by its name, as Lambda reports errorType', async () => {
    const p = start(fn('d', `export const handler = async () => { throw Object.assign(new Error('processor said no'), { name: 'DispatchFailed' }); };`));
    await expect(p.invoke('d', {})).rejects.toMatchObject({ name: 'DispatchFailed', message: 'processor said no' });
  });

  it('stops an invocation that overruns the timeout with Sandbox.Timedout, and starts a fresh environment after it', async () => {
    const source = `let n = 0; export const handler = async (e, ctx) => { n++; if (e.hang) await new Promise(() => setInterval(() => {}, 1000)); return { n, left: ctx.getRemainingTimeInMillis() }; };`;
    const p = start(fn('e', source, { timeoutSeconds: 1 }));
    expect(await p.invoke('e', {})).toMatchObject({ n: 1 });
    const began = Date.now();
    await expect(p.invoke('e', { hang: true })).rejects.toMatchObject({ name: 'Sandbox.Timedout', message: expect.stringContaining('Task timed out after 1.00 seconds') });
    expect(Date.now() - began).toBeGreaterThanOrEqual(1000);
    // The old sandbox is gone: module state starts again, as after a cold start.
    const after = (await p.invoke('e', {})) as { n: number; left: number };
    expect(after.n).toBe(1);
    expect(after.left).toBeGreaterThan(0);
    expect(after.left).toBeLessThanOrEqual(1000);
  });

  it('fails every invocation of a function whose module cannot load, naming the error', async () => {
    const p = start(fn('f', `throw new Error('boom at init');`), fn('g', `export const other = 1;`));
    await expect(p.invoke('f', {})).rejects.toMatchObject({ name: 'Runtime.ImportModuleError', message: 'boom at init' });
    await expect(p.invoke('g', {})).rejects.toMatchObject({ name: 'Runtime.HandlerNotFound' });
  });

  it('crashes the next invocation at the armed call even when a sandbox is busy as the crash is armed: the busy one finishes its work and takes no more', async () => {
    // A stand-in for DynamoDB: the crash is armed on the call as the service would receive it.
    const service = createServer((_req, res) => res.end('{}'));
    await new Promise<void>((r) => service.listen(0, '127.0.0.1', r));
    const host = `127.0.0.1:${(service.address() as AddressInfo).port}`;
    try {
      const source = `import http from 'node:http';
export const handler = async (e) => {
  await new Promise((r) => setTimeout(r, e.wait ?? 0));
  await new Promise((resolve, reject) => {
    const r = http.request({ host: '127.0.0.1', port: ${JSON.stringify(host.split(':')[1])}, method: 'POST', path: '/', headers: { host: ${JSON.stringify(host)}, 'x-amz-target': 'DynamoDB_20120810.UpdateItem' } }, (res) => { res.resume(); res.on('end', resolve); });
    r.on('error', reject);
    r.end('{"sk":"TASK#x"}');
  });
  return { done: true };
};`;
      pool = new LambdaPool([fn('h', source)], { services: { [host]: 'dynamodb' }, logDir: join(dir, 'logs') });
      const busy = pool.invoke('h', { wait: 300 });
      // Let the sandbox take the slow invocation before the crash is armed.
      await new Promise((r) => setTimeout(r, 100));
      pool.crashOn('h', { service: 'dynamodb', action: 'UpdateItem', when: 'before', match: 'TASK#x' });
      await expect(pool.invoke('h', {})).rejects.toMatchObject({ name: 'Runtime.ExitError' });
      expect(await busy).toEqual({ done: true });
      // One-shot: the sandbox after it runs the call.
      expect(await pool.invoke('h', {})).toEqual({ done: true });
    } finally {
      service.close();
    }
  });
});
