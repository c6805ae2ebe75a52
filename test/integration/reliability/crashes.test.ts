import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Booted, boot, until } from '../harness.ts';

/**
 * No request lost or doubled, on the deployed bundles: simultaneous duplicates through the real
 * HTTP front, and a function's sandbox killed at an exact AWS call (LambdaPool.crashOn) the way a
 * process dies between two steps. Each test here failed on the code before the outbox.
 */
let rt: Booted;
beforeAll(async () => {
  // Notify's retry after a crash comes at once instead of after 2 s.
  rt = await boot({ retryIntervalOverrides: { Notify: 50 } });
});
afterAll(async () => rt?.stopAndClean());

const sweepIn = (ms: number) => rt.lambdas.invoke('sweeper', { time: new Date(Date.now() + ms).toISOString() }) as Promise<Record<string, string[]>>;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Request records for the same email and type as `requestId`'s, read from the table. */
async function requestsLike(requestId: string) {
  const { ScanCommand, GetCommand } = await import('@aws-sdk/lib-dynamodb');
  const { ddb } = await import('../../../functions/adapters/clients/dynamodb.ts');
  const one = (await ddb.send(new GetCommand({ TableName: rt.tableName, Key: { pk: `REQ#${requestId}`, sk: 'REQUEST' } }))).Item;
  const all = await ddb.send(
    new ScanCommand({ TableName: rt.tableName, FilterExpression: 'sk = :r AND emailHash = :h AND #t = :t', ExpressionAttributeNames: { '#t': 'type' }, ExpressionAttributeValues: { ':r': 'REQUEST', ':h': one?.emailHash, ':t': one?.type } }),
  );
  return all.Items ?? [];
}

const outcomes = async (email: string) => (await rt.mails(email)).filter((m) => /complete/.test(m.subject));

async function confirmedRequest(email: string, before?: (requestId: string) => void) {
  expect((await rt.submit({ type: 'erasure', email, language: 'en' })).status).toBe(202);
  const links = await until(() => rt.links(email).catch(() => undefined), 10_000, 'confirmation email');
  before?.(links.requestId);
  expect((await rt.confirm(links.token)).status).toBe(200);
  return links;
}

describe('no request lost or doubled', () => {
  it('merges 10 simultaneous identical submissions into one request and one email', async () => {
    const email = 'tenfold@example.com';
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => rt.submit({ type: 'erasure', email, language: 'en' }, {}, `127.0.6.${i + 1}`)));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(202));
    const links = await until(() => rt.links(email).catch(() => undefined), 10_000, 'confirmation email');
    await pause(500);
    expect(await rt.mails(email)).toHaveLength(1);
    expect(await requestsLike(links.requestId)).toHaveLength(1);
  });

  it('mails the link that intake owed when it died just before sending it: the retry is not swallowed, the sweeper delivers', async () => {
    const email = 'intake-crash@example.com';
    rt.lambdas.crashOn('intake', { service: 'sesv2', action: 'SendEmail', when: 'before' });
    const first = await rt.submit({ type: 'erasure', email, language: 'en' });
    expect(first.status).toBe(500);
    const retry = await rt.submit({ type: 'erasure', email, language: 'en' });
    expect(retry.status).toBe(202);
    // The dead invocation's lease on the link runs a minute; the next sweep after it sends it.
    const report = await sweepIn(2 * 60_000);
    expect(await rt.mails(email)).toHaveLength(1);
    expect(report.linksSent).toHaveLength(1);
    const links = await rt.links(email);
    expect(await requestsLike(links.requestId)).toHaveLength(1);
    expect((await rt.confirm(links.token)).status).toBe(200);
  });

  it('starts the execution of a verified request whose verify died just before starting it, at the next sweep', async () => {
    const email = 'verify-crash@example.com';
    expect((await rt.submit({ type: 'erasure', email, language: 'en' })).status).toBe(202);
    const links = await until(() => rt.links(email).catch(() => undefined), 10_000, 'confirmation email');
    rt.lambdas.crashOn('verify', { service: 'states', action: 'StartExecution', when: 'before' });
    expect((await rt.confirm(links.token)).status).toBe(500);
    expect((await rt.status(links.requestId, links.statusToken)).status).toBe('verified');
    const report = await sweepIn(0);
    await until(async () => (await outcomes(email)).length > 0, 30_000, 'outcome email');
    expect(report.startedExecutions).toEqual([links.requestId]);
    expect((await rt.status(links.requestId, links.statusToken)).status).toBe('completed');
  });

  it('sends the outcome email once when Notify dies right after completing the request', async () => {
    const email = 'notify-crash@example.com';
    const links = await confirmedRequest(email, (id) => rt.lambdas.crashOn('notify', { service: 'dynamodb', action: 'UpdateItem', match: `REQ#${id}`, when: 'after' }));
    await until(async () => (await outcomes(email)).length > 0, 30_000, 'outcome email');
    expect((await rt.status(links.requestId, links.statusToken)).status).toBe('completed');
    await pause(500);
    expect(await outcomes(email)).toHaveLength(1);
  });

  it('sends the outcome email once when Notify dies just before sending it', async () => {
    const email = 'notify-mail-crash@example.com';
    await confirmedRequest(email, () => rt.lambdas.crashOn('notify', { service: 'sesv2', action: 'SendEmail', match: email, when: 'before' }));
    await until(async () => (await outcomes(email)).length > 0, 30_000, 'outcome email');
    await pause(500);
    expect(await outcomes(email)).toHaveLength(1);
  });
});
