import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { key } from '../../../functions/adapters/table.ts';
import { plannedTaskExpiry, PROOF_RETENTION_YEARS, yearsAfter } from '../../../functions/core/completion.ts';
import { type Booted, boot, openErasure, until } from '../harness.ts';

/**
 * A request's tasks are its proof of what each processor was asked and answered. Planning gives them
 * an end 7 years after the latest deadline the request can have; one that closes more than a year
 * after that deadline (long pauses, a copy held, a late resolution) must keep them until its proof's
 * end, 6 years after it closed. Here through the deployed bundles, on the embedded DynamoDB.
 */
let rt: Booted;
const ddb = async () => (await import('../../../functions/adapters/clients/dynamodb.ts')).ddb;

beforeAll(async () => {
  rt = await boot();
  // The analytics processor accepts the webhook and never answers: the request stays open.
  rt.processors.setBehaviour('metricsly', { never: true });
});
afterAll(async () => rt?.stopAndClean());

async function officer(path: string, body: unknown) {
  const token = await rt.signIn('officer');
  return rt.api(`/admin/requests${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

async function request(id: string) {
  return (await (await ddb()).send(new GetCommand({ TableName: rt.tableName, Key: key.request(id), ConsistentRead: true }))).Item as Record<string, string>;
}

/** Each task's end, in epoch seconds, by processor. */
async function taskEnds(id: string) {
  const r = await (await ddb()).send(
    new QueryCommand({ TableName: rt.tableName, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :t)', ExpressionAttributeValues: { ':pk': `REQ#${id}`, ':t': 'TASK#' }, ConsistentRead: true }),
  );
  return Object.fromEntries((r.Items ?? []).map((t) => [String(t.sk).slice(5), t.ttl as number]));
}

/**
 * Moves an open request's verification back two years, and its tasks' ends to what planning would
 * have given them then: as if it had stayed open (paused, held) that long.
 */
async function verifiedTwoYearsAgo(id: string) {
  const req = await request(id);
  const at = new Date(Date.parse(req.verifiedAt) - 730 * 86_400_000).toISOString();
  const db = await ddb();
  await db.send(new UpdateCommand({ TableName: rt.tableName, Key: key.request(id), UpdateExpression: 'SET verifiedAt = :v, receivedAt = :v', ExpressionAttributeValues: { ':v': at } }));
  const planned = Math.floor(plannedTaskExpiry({ verifiedAt: at, receivedAt: at }).getTime() / 1000);
  for (const p of Object.keys(await taskEnds(id))) {
    await db.send(new UpdateCommand({ TableName: rt.tableName, Key: key.task(id, p), UpdateExpression: 'SET #ttl = :t', ExpressionAttributeNames: { '#ttl': 'ttl' }, ExpressionAttributeValues: { ':t': planned } }));
  }
  return planned;
}

const proofEnd = (closedAt: string) => Math.floor(yearsAfter(closedAt, PROOF_RETENTION_YEARS).getTime() / 1000);

describe('task records kept as long as the request’s proof', () => {
  it('a request cancelled two years after it was verified keeps every task until 6 years after it closed', async () => {
    const { requestId } = await openErasure(rt, 'late.cancel@example.com');
    const planned = await verifiedTwoYearsAgo(requestId);
    expect((await officer(`/${requestId}/cancel`, { reason: 'withdrawn_by_requester' })).status).toBe(200);
    const closed = await until(async () => {
      const r = await request(requestId);
      return r.status === 'cancelled' && !r.outboxNotice && r;
    }, 15_000, 'the cancellation notice delivered');
    const ends = await taskEnds(requestId);
    expect(Object.keys(ends)).toHaveLength(8);
    expect(proofEnd(closed.closedAt)).toBeGreaterThan(planned);
    for (const end of Object.values(ends)) expect(end).toBe(proofEnd(closed.closedAt));
  });

  it('a request completed two years after it was verified keeps every task until 6 years after it closed', async () => {
    const { requestId, due } = await openErasure(rt, 'late.outcome@example.com');
    await verifiedTwoYearsAgo(requestId);
    // The sweeper times out the task nobody answers; the officer resolves it, and the workflow ends the request.
    await rt.lambdas.invoke('sweeper', { time: `${new Date(Date.parse(`${due}T00:00:00Z`) - 7 * 86_400_000).toISOString().slice(0, 10)}T09:00:00Z` });
    expect((await officer(`/${requestId}/tasks/metricsly/resolve`, { outcome: 'completed', note: 'Erased by hand in their console' })).status).toBe(200);
    const closed = await until(async () => {
      const r = await request(requestId);
      return r.status === 'completed' && !r.outboxOutcome && r;
    }, 30_000, 'the outcome delivered');
    const ends = await taskEnds(requestId);
    expect(Object.keys(ends)).toHaveLength(8);
    for (const end of Object.values(ends)) expect(end).toBe(proofEnd(closed.closedAt));
  });

  it('a request cancelled in time leaves its tasks on the end planning gave them', async () => {
    const { requestId } = await openErasure(rt, 'in.time.cancel@example.com');
    const before = await taskEnds(requestId);
    expect((await officer(`/${requestId}/cancel`, { reason: 'duplicate_request' })).status).toBe(200);
    await until(async () => {
      const r = await request(requestId);
      return r.status === 'cancelled' && !r.outboxNotice;
    }, 15_000, 'the cancellation notice delivered');
    expect(await taskEnds(requestId)).toEqual(before);
  });
});
