import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoRepository } from '../../../functions/adapters/repository.ts';
import { key } from '../../../functions/adapters/table.ts';
import type { StoredTask } from '../../../functions/core/ports.ts';
import { MAX_HOURLY_LIMIT, PARTS, partOf } from '../../../functions/core/rate-limit.ts';

const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-2' }));
const ddb = mockClient(db);
afterEach(() => ddb.reset());

const TABLE = 'lethe-test';
const ids = (n: number) => Array.from({ length: n }, (_, i) => `01JQ${String(i).padStart(22, '0')}`);
const record = (id: string) => ({ ...key.request(id), id, status: 'cancelled', version: 3 });

describe('reading requests by id in batches (BatchGetItem)', () => {
  it('asks again for the keys DynamoDB left unprocessed, and returns every request', async () => {
    const [a, b, c] = ids(3);
    ddb
      .on(BatchGetCommand)
      .resolvesOnce({ Responses: { [TABLE]: [record(a)] }, UnprocessedKeys: { [TABLE]: { Keys: [key.request(b), key.request(c)] } } })
      .resolvesOnce({ Responses: { [TABLE]: [record(c)] }, UnprocessedKeys: { [TABLE]: { Keys: [key.request(b)] } } })
      .resolves({ Responses: { [TABLE]: [record(b)] } });
    const got = await new DynamoRepository(db, TABLE).getRequests([a, b, c], { consistent: true });
    expect(got.map((r) => r.id).sort()).toEqual([a, b, c]);
    expect(ddb.commandCalls(BatchGetCommand).map((call) => call.args[0].input.RequestItems?.[TABLE])).toEqual([
      { Keys: [key.request(a), key.request(b), key.request(c)], ConsistentRead: true },
      { Keys: [key.request(b), key.request(c)], ConsistentRead: true },
      { Keys: [key.request(b)], ConsistentRead: true },
    ]);
  });

  it('reads a hundred keys a call, and each id once', async () => {
    const all = ids(150);
    ddb.on(BatchGetCommand).callsFake((input: { RequestItems: Record<string, { Keys: { pk: string }[] }> }) => ({
      Responses: { [TABLE]: input.RequestItems[TABLE].Keys.map((k) => record(k.pk.slice('REQ#'.length))) },
    }));
    const got = await new DynamoRepository(db, TABLE).getRequests([...all, all[0]]);
    expect(got).toHaveLength(150);
    expect(ddb.commandCalls(BatchGetCommand).map((call) => call.args[0].input.RequestItems?.[TABLE].Keys?.length)).toEqual([100, 50]);
  });
});

describe('setting when the contact data expires', () => {
  it('keeps a correction’s note with the contact data in the same write, and writes only the expiry otherwise', async () => {
    ddb.on(UpdateCommand).resolves({});
    const repo = new DynamoRepository(db, TABLE);
    const [id] = ids(1);
    const at = new Date('2026-04-01T00:00:00Z');
    await repo.setPiiExpiry(id, at, { uncorrected: 'The old phone number stays.' });
    await repo.setPiiExpiry(id, at);
    const [withNote, without] = ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(withNote).toMatchObject({ Key: key.pii(id), UpdateExpression: 'SET #ttl = :t, #u = :u', ExpressionAttributeNames: { '#u': 'uncorrected' }, ExpressionAttributeValues: { ':u': 'The old phone number stays.' } });
    expect(without).toMatchObject({ Key: key.pii(id), UpdateExpression: 'SET #ttl = :t', ExpressionAttributeValues: { ':t': at.getTime() / 1000 } });
    expect(without?.ExpressionAttributeValues).not.toHaveProperty(':u');
  });
  it('removes the end altogether for contact data kept with no end (a restriction in place), only while it is still kept', async () => {
    ddb.on(UpdateCommand).resolves({});
    const repo = new DynamoRepository(db, TABLE);
    const [id] = ids(1);
    await repo.setPiiExpiry(id, null);
    const [input] = ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(input).toMatchObject({ Key: key.pii(id), UpdateExpression: 'REMOVE #ttl', ExpressionAttributeNames: { '#ttl': 'ttl' } });
    // Data past its end is erased, even if DynamoDB has not deleted it yet: no write gives it back.
    expect(input?.ConditionExpression).toBe('attribute_exists(pk) AND (attribute_not_exists(#ttl) OR #ttl >= :now)');
    expect(input?.ExpressionAttributeValues).toEqual({ ':now': expect.any(Number) });
  });
});

describe('a share of a limit under a storm of simultaneous uses (takeShare)', () => {
  it('refuses a use that keeps losing its race at the limit, with a minute to wait, rather than failing the caller', async () => {
    const lost = Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
    // At its limit, every write loses to another writer, and each read finds room again (the oldest minute stopped counting).
    ddb.on(UpdateCommand).rejects(lost);
    ddb.on(PutCommand).rejects(lost);
    ddb.on(GetCommand).resolves({ Item: { ...key.rate('ip', 'h'), n: 5, s0: 5 } });
    const now = new Date('2026-03-20T10:00:00.000Z');
    const share = await new DynamoRepository(db, TABLE).takeShare('ip', 'h', [{ seconds: 3600, limit: 5 }], now);
    // No window is named full: the refusal is the storm's, not a count's.
    expect(share).toEqual({ allowed: false, retryAt: new Date('2026-03-20T10:01:00.000Z'), full: [] });
  });

  it('takes a use of an hourly and a daily share in one conditional write, reading nothing, while both counters are below their limits', async () => {
    ddb.on(UpdateCommand).resolves({});
    const now = new Date('2026-03-20T10:00:00.000Z');
    const share = await new DynamoRepository(db, TABLE).takeShare('link', 'h', [{ seconds: 3600, limit: 5 }, { seconds: 86_400, limit: 10 }], now);
    expect(share).toEqual({ allowed: true });
    expect(ddb.calls()).toHaveLength(1);
    const [input] = ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    const names = input?.ExpressionAttributeNames ?? {};
    const values = input?.ExpressionAttributeValues ?? {};
    const resolved = (e = '') => e.replace(/#\w+/g, (n) => names[n]).replace(/:\w+/g, (v) => String(values[v]));
    expect(input?.Key).toEqual(key.rate('link', 'h'));
    // The hour keeps the names a share had alone (n, s<minute>), so that an item written before the day's share counts on.
    const minute = partOf(now, 3600);
    const dayPart = partOf(now, 86_400);
    const ttl = Date.parse('2026-03-21T10:24:00.000Z') / 1000 + 60;
    expect(resolved(input?.UpdateExpression)).toBe(`ADD n 1, s${minute} 1, n1 1, s1_${dayPart} 1 SET ttl = ${ttl}`);
    expect(resolved(input?.ConditionExpression)).toBe('(attribute_not_exists(n) OR n < 5) AND (attribute_not_exists(n1) OR n1 < 10)');
  });

  /** The bytes DynamoDB counts for an item: each attribute's name, and a number's digits two to a byte, plus one. */
  const itemBytes = (item: Record<string, unknown>) =>
    Object.entries(item).reduce((n, [a, v]) => n + Buffer.byteLength(a) + (typeof v === 'number' ? Math.ceil(String(Math.abs(v)).replace(/^0+|\./g, '').length / 2) + 1 : Buffer.byteLength(String(v))), 0);

  it('counts a share at the highest limit the configuration takes in writes whose expressions stay within DynamoDB’s 4 KB, however many minutes stopped counting', async () => {
    const lost = Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
    const now = new Date('2026-03-20T10:00:00.000Z');
    const current = partOf(now, 3600);
    // The largest the limit lets the item grow: since its last count, a whole limit of uses, each in a minute of its own,
    // all but the last hour's stopped counting. (Until November 27, 2026 the count named each of those minutes in its
    // UpdateExpression, over 4 KB from about 500 of them: every use at a limit above that would have failed.)
    const minutes = Array.from({ length: MAX_HOURLY_LIMIT }, (_, i) => current - MAX_HOURLY_LIMIT + i);
    const item = { ...key.rate('ip', 'h'), n: MAX_HOURLY_LIMIT, v: 41, ttl: 1774004460, ...Object.fromEntries(minutes.map((p) => [`s${p}`, 1])) };
    expect(itemBytes(item)).toBeLessThan(400 * 1024 / 2);
    ddb.on(UpdateCommand).rejectsOnce(lost).resolves({});
    ddb.on(PutCommand).resolves({});
    ddb.on(GetCommand).resolves({ Item: item });
    const share = await new DynamoRepository(db, TABLE).takeShare('ip', 'h', [{ seconds: 3600, limit: MAX_HOURLY_LIMIT }], now);
    expect(share).toEqual({ allowed: true });
    const writes = [...ddb.commandCalls(UpdateCommand), ...ddb.commandCalls(PutCommand)].map((c) => c.args[0].input as { UpdateExpression?: string; ConditionExpression?: string; Item?: Record<string, unknown> });
    expect(writes).toHaveLength(2);
    for (const w of writes) for (const e of [w.UpdateExpression, w.ConditionExpression]) expect(Buffer.byteLength(e ?? '')).toBeLessThan(4096);
    // What the count writes holds the minutes that still count (the last 60, and this one's use) and no others.
    const [count] = ddb.commandCalls(PutCommand).map((c) => c.args[0].input.Item ?? {});
    const kept = Object.keys(count ?? {}).filter((a) => /^s\d+$/.test(a));
    expect(kept.sort()).toEqual([...minutes.slice(-PARTS), current].map((p) => `s${p}`).sort());
    expect(count).toMatchObject({ ...key.rate('ip', 'h'), n: PARTS + 1, v: 42, [`s${current}`]: 1 });
  });
});

describe('a page cursor sent back by the console', () => {
  const cursor = (k: Record<string, string>) => Buffer.from(JSON.stringify(k)).toString('base64url');
  const requests = (over: Record<string, string>, q: { dueFrom?: string; dueBefore?: string } = {}) =>
    new DynamoRepository(db, TABLE).listRequests({ status: 'in_progress', cursor: cursor({ pk: 'REQ#01JQ0000000000000000000000', sk: 'REQ', gsi1pk: 'STATUS#in_progress', gsi1sk: '2026-03-02#01JQ0000000000000000000000', ...over }), ...q });
  const complaints = (over: Record<string, string>) =>
    new DynamoRepository(db, TABLE).listComplaints({ cursor: cursor({ pk: 'COMPLAINT#01JQ0000000000000000000000', sk: 'COMPLAINT', gsi1pk: 'COMPLAINTS', gsi1sk: '2026-03-02T10:00:00.000Z', ...over }) });
  const refused = { name: 'InvalidInput', issues: [{ path: 'cursor', message: 'not a cursor from this list' }] };

  // Found by test/integration/edge/fuzz.test.ts: DynamoDB refuses such a start key (a ValidationException), which was a 500.
  it('is a field-level 400, never a query, when a key is empty or longer than DynamoDB takes', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });
    const overs: Record<string, string>[] = [{ pk: '' }, { sk: '' }, { gsi1sk: '' }, { pk: 'é'.repeat(1025) }, { sk: 'é'.repeat(513) }, { gsi1sk: '😀'.repeat(257) }];
    for (const over of overs) {
      await expect(requests(over), JSON.stringify(over).slice(0, 40)).rejects.toMatchObject(refused);
      await expect(complaints(over), JSON.stringify(over).slice(0, 40)).rejects.toMatchObject(refused);
    }
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it('is a field-level 400, never a query, when its place is outside the deadlines asked for', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });
    await expect(requests({ gsi1sk: '2026-05-01#x' }, { dueBefore: '2026-04-30' }), 'after dueBefore').rejects.toMatchObject(refused);
    await expect(requests({ gsi1sk: '2026-01-01#x' }, { dueFrom: '2026-02-01' }), 'before dueFrom').rejects.toMatchObject(refused);
    await expect(requests({ gsi1sk: '2026-05-01#x' }, { dueFrom: '2026-02-01', dueBefore: '2026-04-30' }), 'after the range').rejects.toMatchObject(refused);
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it('reads on from a key of the largest sizes DynamoDB takes, within the deadlines asked for', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });
    await requests({ pk: 'é'.repeat(1024), sk: 'é'.repeat(512), gsi1sk: '2026-04-30#~' }, { dueFrom: '2026-04-30', dueBefore: '2026-04-30' });
    await complaints({ gsi1sk: 'x'.repeat(1024) });
    expect(ddb.commandCalls(QueryCommand).map((c) => c.args[0].input.ExclusiveStartKey?.gsi1sk)).toEqual(['2026-04-30#~', 'x'.repeat(1024)]);
  });
});

describe('a task’s place in the watch index (transitionTask)', () => {
  const sent = { requestId: '01JQ0000000000000000000000', processorId: 'paynow', taskId: '01JQ0000000000000000000000.paynow', status: 'sent', version: 2, audit: [], sentAt: '2026-03-02T10:00:00.000Z' } as unknown as StoredTask;
  const ack = { at: '2026-03-03T10:00:00.000Z', actor: 'processor:paynow', action: 'acknowledge', subject: sent.taskId, from: 'sent', to: 'in_progress' };
  /** Its request refused or cancelled, the closing action marked it (unwatchTask). */
  const unwatched = { ...sent, unwatchedAt: '2026-03-02T12:00:00.000Z' } as StoredTask;
  const written = () => {
    const input = ddb.commandCalls(UpdateCommand)[0].args[0].input;
    const names = input.ExpressionAttributeNames ?? {};
    const [set, removed = ''] = String(input.UpdateExpression).split(' REMOVE ');
    return { set: set.split(/, |SET /).flatMap((s) => (s ? [names[s.split(' = ')[0]]] : [])), removed: removed.split(', ').filter(Boolean).map((n) => names[n]), values: input.ExpressionAttributeValues };
  };

  it('places an acknowledged task among its processor’s open tasks, by when it was sent, in the write that records its status', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: {} });
    await new DynamoRepository(db, TABLE).transitionTask(sent, 'in_progress', {}, ack);
    expect(written().set).toEqual(expect.arrayContaining(['status', 'watch', 'watchAt']));
    expect(written().values).toMatchObject({ ':to': 'in_progress' });
    expect(Object.values(written().values ?? {})).toEqual(expect.arrayContaining(['open#paynow', '2026-03-02T10:00:00.000Z']));
  });

  it('leaves out of the index, in that same write, a task whose request is refused or cancelled (unwatched)', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: {} });
    await new DynamoRepository(db, TABLE).transitionTask(unwatched, 'in_progress', {}, ack);
    expect(written().set).not.toContain('watch');
    expect(written().removed).toEqual(['watch', 'watchAt']);
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(1);
  });


  it.each([
    ['failed', 'fail'],
    ['timed_out', 'time_out'],
  ] as const)('leaves a task marked no longer waited for out of the escalated tasks when it is %s', async (to, action) => {
    ddb.on(UpdateCommand).resolves({ Attributes: {} });
    await new DynamoRepository(db, TABLE).transitionTask(unwatched, to, { finishedAt: '2026-03-03T10:00:00.000Z' }, { ...ack, action, to });
    expect(written().set).not.toContain('watch');
    expect(written().removed).toEqual(['watch', 'watchAt']);
  });

  it('places a task marked no longer waited for among its processor’s answers once answered, and where the sweeper finds a token it owes', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: {} });
    const repo = new DynamoRepository(db, TABLE);
    await repo.transitionTask(unwatched, 'completed', { finishedAt: '2026-03-03T10:00:00.000Z' }, { ...ack, action: 'completed', to: 'completed' });
    await repo.transitionTask({ ...unwatched, status: 'failed' } as StoredTask, 'completed', { finishedAt: '2026-03-03T10:00:00.000Z', outboxToken: { at: '2026-03-03T10:00:00.000Z' } }, { ...ack, action: 'completed', to: 'completed' });
    const places = ddb.commandCalls(UpdateCommand).map((c) => Object.values(c.args[0].input.ExpressionAttributeValues ?? {}));
    expect(places[0]).toEqual(expect.arrayContaining(['answered#paynow', '2026-03-03T10:00:00.000Z']));
    expect(places[1]).toEqual(expect.arrayContaining(['token', '2026-03-03T10:00:00.000Z']));
  });

  it('makes the status write of a task read before it was marked lose its race, so that its writer reads the mark', async () => {
    ddb.on(UpdateCommand).rejects(Object.assign(new Error('conditional'), { name: 'ConditionalCheckFailedException' }));
    await expect(new DynamoRepository(db, TABLE).transitionTask(sent, 'in_progress', {}, ack)).rejects.toMatchObject({ name: 'ConcurrentUpdate' });
    const input = ddb.commandCalls(UpdateCommand)[0].args[0].input;
    const mark = Object.entries(input.ExpressionAttributeNames ?? {}).find(([, v]) => v === 'unwatchedAt')?.[0];
    expect(input.ConditionExpression).toContain(`attribute_not_exists(${mark})`);
  });

  it('does not ask a marked task’s write for the mark’s absence (the mark is never removed)', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: {} });
    await new DynamoRepository(db, TABLE).transitionTask(unwatched, 'in_progress', {}, ack);
    expect(ddb.commandCalls(UpdateCommand)[0].args[0].input.ConditionExpression).toBe('#status = :from AND #version = :v');
  });
});

describe('taking a task out of the watch index (unwatchTask)', () => {
  const NOW = new Date('2026-03-04T09:00:00.000Z');
  const sets = (i: number) => {
    const input = ddb.commandCalls(UpdateCommand)[i].args[0].input;
    const names = input.ExpressionAttributeNames ?? {};
    const expr = String(input.UpdateExpression);
    const part = (kw: string) => (expr.split(new RegExp(`${kw} `))[1] ?? '').split(/ (?:SET|REMOVE) /)[0].split(/, (?=#)/).filter(Boolean).map((s) => names[s.split(' = ')[0]]);
    return { set: part('SET'), removed: part('REMOVE'), input };
  };

  it('marks the task no longer waited for (unwatchedAt, by when) and takes it out of the index in one write, no version change, conditional on the task being there', async () => {
    ddb.on(UpdateCommand).resolves({});
    await new DynamoRepository(db, TABLE, () => NOW).unwatchTask('01JQ0000000000000000000000', 'paynow');
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(1);
    const w = sets(0);
    expect(w.set).toEqual(['unwatchedAt']);
    expect(w.removed).toEqual(['watch', 'watchAt']);
    expect(Object.values(w.input.ExpressionAttributeValues ?? {})).toContain(NOW.toISOString());
    expect(Object.values(w.input.ExpressionAttributeNames ?? {})).not.toContain('version');
    expect(w.input.ConditionExpression).toMatch(/attribute_exists\(/);
  });

  it('marks a task that still owes the sweeper an intent (a token, a team email, a webhook) and leaves it where the sweeper finds it', async () => {
    ddb.on(UpdateCommand).rejectsOnce(Object.assign(new Error('conditional'), { name: 'ConditionalCheckFailedException' })).resolves({});
    await new DynamoRepository(db, TABLE, () => NOW).unwatchTask('01JQ0000000000000000000000', 'paynow');
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(2);
    const first = sets(0).input;
    const owed = Object.entries(first.ExpressionAttributeNames ?? {}).filter(([, v]) => ['outboxToken', 'outboxTeam', 'outboxWebhook'].includes(v)).map(([k]) => k);
    expect(owed).toHaveLength(3);
    for (const k of owed) expect(first.ConditionExpression).toContain(`attribute_not_exists(${k})`);
    expect(sets(1).set).toEqual(['unwatchedAt']);
    expect(sets(1).removed).toEqual([]);
  });
});

describe('listing a request’s tasks', () => {
  it('reads every page: tasks with long trails of receipts fill DynamoDB’s 1 MB page before the last of them', async () => {
    const task = (p: string) => ({ ...key.task('r1', p), requestId: 'r1', processorId: p, taskId: `r1.${p}`, status: 'completed' });
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [task('mailwave'), task('metricsly')], LastEvaluatedKey: key.task('r1', 'metricsly') })
      .resolves({ Items: [task('offtek'), task('paynow')] });
    const tasks = await new DynamoRepository(db, TABLE).listTasks('r1');
    expect(tasks.map((t) => t.processorId)).toEqual(['mailwave', 'metricsly', 'offtek', 'paynow']);
    expect(ddb.commandCalls(QueryCommand).map((c) => c.args[0].input.ExclusiveStartKey)).toEqual([undefined, key.task('r1', 'metricsly')]);
  });
});
