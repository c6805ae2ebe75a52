import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Booted, boot, until } from './harness.ts';

let rt: Booted;
beforeAll(async () => {
  // Issue 15's budget was set for the seven processors: the shop's own systems (a target since
  // issue 16) are left out here, so that the figure is compared with the budget it was set against.
  rt = await boot({ registry: (r) => ({ ...r, processors: r.processors.filter((p) => p.category !== 'shop') }) });
  // The schedule fires once at start (its sweep reads the table): let it finish before counting.
  await until(() => (rt.lambdas.invocations.get('sweeper') ?? 0) >= 1, 30_000, 'the start-up sweep');
  let last = -1;
  await until(async () => {
    await new Promise((r) => setTimeout(r, 1000));
    const ops = Object.values(await rt.dynamoOperations()).reduce((a, b) => a + b, 0);
    const still = ops === last;
    last = ops;
    return still;
  }, 30_000, 'the start-up sweep done');
});
afterAll(async () => rt?.stopAndClean());

const READS = ['GetItem', 'Query', 'Scan', 'BatchGetItem'];
const WRITES = ['PutItem', 'UpdateItem', 'DeleteItem'];

/** DynamoDB reads and item writes of everything the functions did so far (a batch write counts its items). */
async function counts() {
  const ops = await rt.dynamoOperations();
  const batchItems = rt.lambdas.calls
    .filter((c) => c.target?.endsWith('.BatchWriteItem'))
    .reduce((n, c) => n + Object.values((JSON.parse(c.body ?? '{}') as { RequestItems?: Record<string, unknown[]> }).RequestItems ?? {}).flat().length, 0);
  const sum = (names: string[]) => names.reduce((n, k) => n + (ops[k] ?? 0), 0);
  return { reads: sum(READS), writes: sum(WRITES) + batchItems };
}

/** One erasure from the form to the end of its execution, waited on through the engine (a status poll would read DynamoDB). */
async function erasure(email: string, address: string) {
  const before = await counts();
  expect((await rt.submit({ type: 'erasure', email, language: 'en' }, {}, address)).status).toBe(202);
  const links = await until(() => rt.links(email).catch(() => undefined), 5000, 'confirmation email');
  expect((await rt.confirm(links.token)).status).toBe(200);
  const arn = `arn:aws:states:eu-west-2:000000000000:execution:lethe-privacy-requests:${links.requestId}`;
  await until(() => rt.engine.listExecutions({ maxResults: 1_000_000 }).executions.find((e) => e.executionArn === arn && e.status === 'SUCCEEDED'), 15_000, 'execution succeeded');
  // Let any write after the last state settle: the counts must hold still for a moment.
  let last = await counts();
  await until(async () => {
    await new Promise((r) => setTimeout(r, 150));
    const now = await counts();
    const still = now.reads === last.reads && now.writes === last.writes;
    last = now;
    return still;
  }, 5000, 'DynamoDB quiet');
  return { reads: last.reads - before.reads, writes: last.writes - before.writes };
}

// Issue 15's budget, with the suppression record (issue 16: an erasure puts the address's HMAC on
// the suppression list, as the ICO advises) inside it. The outcome email's outbox needs no marker
// item (the request is listed in the sparse owed index by the write that owes the email), and
// confirming writes nothing to the link (a link is spent once its request is confirmed).
const WRITES_BUDGET = 35;

describe('DynamoDB round trips of an erasure (issue 15: ≤ 25 reads; ≤ 35 writes, with 7 processors)', () => {
  it('stays within budget once warm; a cold dispatch container adds one endpoint-state read per processor', async () => {
    expect(rt.registry.processors.filter((p) => p.mode === 'automated')).toHaveLength(7);
    const cold = await erasure('trips-1@example.com', '127.0.0.51');
    const warm = await erasure('trips-2@example.com', '127.0.0.52');
    expect(warm.reads).toBeLessThanOrEqual(25);
    expect(warm.writes).toBeLessThanOrEqual(WRITES_BUDGET);
    expect(cold.reads).toBeLessThanOrEqual(warm.reads + 7);
    expect(cold.writes).toBe(warm.writes);
  });
});
