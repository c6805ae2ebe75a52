import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, daysUntil, dueDate, isWorkingDay, londonDate } from '../../../functions/core/deadline.ts';
import { longDate } from '../../../functions/core/holds.ts';
import { type Booted, boot, until } from '../harness.ts';

/**
 * Art. 12A (stopping the clock for a clarification) and Art. 12(3) (the extension), through the
 * deployed bundles: the admin API, the console's list, dashboard and SLA report, and the sweeper.
 * Time is moved by dating the stored request back, as the days that pass would have.
 */
let rt: Booted;
let officer: string;
beforeAll(async () => {
  rt = await boot();
  officer = await rt.signIn('officer');
  // Processors hold their answers: every request stays open.
  for (const p of rt.registry.processors) rt.processors.setBehaviour(p.id, { never: true });
}, 120_000);
afterAll(async () => rt?.stopAndClean());

const DAY = 86_400_000;
const needed = 'Which orders or which years your request for a copy is about';
const call = (path: string, body?: unknown) => rt.admin(officer, path, body);
const json = async (path: string, body?: unknown) => (await call(path, body)).json();

/** A confirmed request for a copy, in progress, for an address of the test's own (no shop account). */
async function openCopy(email: string) {
  await rt.submit({ type: 'access', email, language: 'en' });
  const l = await until(() => rt.links(email).catch(() => undefined));
  await rt.confirm(l.token);
  await until(async () => (await json(`/requests/${l.requestId}`)).request?.status === 'in_progress', 30_000, 'in progress');
  return l.requestId;
}

/**
 * Midday UTC (the same London day in summer time and in winter) of the London day `n` days before today's. Not
 * `n` times 24 hours back: the clock counts London days, and late in the evening in the `n` days after a switch
 * to summer time that is `n + 1` London days back (on March 30, 2027 at 23:30 UTC, 5 days back was 6), after the
 * switch back `n - 1`.
 */
const daysAgo = (n: number) => `${addDays(londonDate(new Date()), -n)}T12:00:00.000Z`;

/** What the days since `at` do to a request confirmed now: received and confirmed then, due a month after; its clock stopped at `stoppedAt`. */
async function age(requestId: string, at: string, stoppedAt?: string) {
  const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
  const { ddb } = await import('../../../functions/adapters/clients/dynamodb.ts');
  const { key } = await import('../../../functions/adapters/table.ts');
  const due = dueDate(at);
  const values: Record<string, string> = { ':at': at, ':due': due, ':sk': `${due}#${requestId}` };
  if (stoppedAt !== undefined) values[':stopped'] = stoppedAt;
  await ddb.send(
    new UpdateCommand({
      TableName: rt.tableName,
      Key: key.request(requestId),
      UpdateExpression: `SET receivedAt = :at, verifiedAt = :at, dueDate = :due, gsi1sk = :sk${stoppedAt !== undefined ? ', pausedSince = :stopped' : ''}`,
      ExpressionAttributeValues: values,
    }),
  );
  return { at, received: londonDate(at), due };
}

describe('the question asked of the requester', () => {
  it('is not on the request’s trail, kept 6 years as proof, only its SHA-256: the console’s detail shows it from the contact data, and says nothing once that is gone', async () => {
    const email = 'asked-not-trailed@example.com';
    const id = await openCopy(email);
    const paused = await call(`/requests/${id}/pause`, { needed });
    expect(paused.status).toBe(200);
    await until(async () => (await rt.mails(email)).find((m) => m.subject === 'Your request: we need a clarification'), 30_000, 'clarification');
    const { GetCommand, DeleteCommand } = await import('@aws-sdk/lib-dynamodb');
    const { ddb } = await import('../../../functions/adapters/clients/dynamodb.ts');
    const { key } = await import('../../../functions/adapters/table.ts');
    const { sha256 } = await import('../../../functions/core/audit.ts');
    const record = (await ddb.send(new GetCommand({ TableName: rt.tableName, Key: key.request(id), ConsistentRead: true }))).Item;
    expect(record?.pausedSince).toBeDefined();
    // Nowhere on the request record (its trail included) once mailed: only that a clarification was asked, and the hash of what.
    expect(JSON.stringify(record)).not.toContain(needed);
    expect(record?.audit.find((e: { action: string }) => e.action === 'pause').data).toEqual({ ground: 'clarification', neededSha256: sha256(needed) });
    const detail = await json(`/requests/${id}`);
    expect(JSON.stringify(detail.audit)).not.toContain(needed);
    expect(detail.request.clarification).toBe(needed);
    // The contact data erased on schedule (DynamoDB's TTL), the question goes with it; the trail still says one was asked.
    await ddb.send(new DeleteCommand({ TableName: rt.tableName, Key: key.pii(id) }));
    const after = await json(`/requests/${id}`);
    expect(after.request).toMatchObject({ pausedSince: expect.any(String), clarification: null });
    expect(after.audit.find((e: { action: string }) => e.action === 'pause').data).toEqual({ ground: 'clarification', neededSha256: sha256(needed) });
  });
});

describe('a clock that has run out', () => {
  it('cannot be stopped: a 409 with the reason, no question mailed, nothing recorded', async () => {
    const id = await openCopy('run-out@example.com');
    const { due } = await age(id, daysAgo(40));
    const refused = await call(`/requests/${id}/pause`, { needed });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ error: 'Conflict', message: `the deadline (${due}) has passed: a clock that has run out cannot be stopped; answer the request, or refuse it` });
    const detail = await json(`/requests/${id}`);
    expect(detail.request.pausedSince).toBeNull();
    expect(detail.audit.map((e: { action: string }) => e.action)).not.toContain('pause');
    expect((await rt.mails('run-out@example.com')).map((m) => m.subject)).not.toContain('Your request: we need a clarification');
  });

  it('stopped after its deadline (before that was refused), is late in the list, on the dashboard, in the SLA report and for the sweeper', async () => {
    const id = await openCopy('stopped-late@example.com');
    // Confirmed 45 days ago, due about 15 days ago, stopped 3 days ago.
    const { received, due } = await age(id, daysAgo(45), daysAgo(3));
    const today = londonDate(new Date());
    const listed = await json('/requests?overdue=true&type=access');
    expect(listed.items.find((r: { id: string }) => r.id === id)).toMatchObject({ dueDate: due, daysLeft: Math.round((Date.parse(due) - Date.parse(today)) / DAY) });
    expect((await json('/dashboard')).overdue.map((r: { id: string }) => r.id)).toContain(id);
    expect(await json(`/report?from=${received}&to=${received}`)).toMatchObject({ requests: 1, onTime: 0, late: 1 });
    const swept = (await rt.lambdas.invoke('sweeper', { time: new Date().toISOString() })) as { overdue: string[] };
    expect(swept.overdue).toContain(id);
    // Restarting it moves nothing: the stop never counted.
    const resumed = await json(`/requests/${id}/resume`, {});
    expect(resumed).toMatchObject({ dueDate: due, pausedDays: 0 });
  });
});

describe('a clock stopped in time on the day a weekend added', () => {
  it('is neither overdue nor late while stopped, and restarts due today at the earliest, never already late', async () => {
    // A confirmation 40 to 80 days ago whose month ends on a Saturday, so due the Monday after (the day before it is due the Friday).
    // Not a London day another test of this file receives a request on (40 and 45 days ago), or the day's SLA report would count two.
    const taken = [40, 45].map((n) => londonDate(daysAgo(n)));
    const found = Array.from({ length: 40 }, (_, k) => daysAgo(40 + k)).find(
      (at) => !taken.includes(londonDate(at)) && new Date(dueDate(at)).getUTCDay() === 1 && daysUntil(dueDate(at), dueDate(new Date(Date.parse(at) - DAY).toISOString())) === 3,
    );
    expect(found).toBeDefined();
    const id = await openCopy('stopped-on-monday@example.com');
    // Stopped on that Monday, its last day: in time.
    const { received, due } = await age(id, found as string, `${dueDate(found as string)}T12:00:00.000Z`);
    expect((await json('/requests?overdue=true&type=access')).items.map((r: { id: string }) => r.id)).not.toContain(id);
    expect(await json(`/report?from=${received}&to=${received}`)).toMatchObject({ requests: 1, onTime: 0, late: 0, notYetDue: 1 });
    let today = londonDate(new Date());
    while (!isWorkingDay(today)) today = new Date(Date.parse(today) + DAY).toISOString().slice(0, 10);
    const resumed = await json(`/requests/${id}/resume`, {});
    expect(resumed.dueDate).toBe(today);
    expect(resumed.dueDate > due).toBe(true);
  });
});

describe('an extension made while the clock is stopped', () => {
  it('tells the requester no date while it is stopped, then the moved date once it restarts, recorded in the restart’s write', async () => {
    const email = 'extended-while-stopped@example.com';
    const id = await openCopy(email);
    expect((await call(`/requests/${id}/pause`, { needed })).status).toBe(200);
    // Confirmed 10 days ago, stopped 5 days ago.
    const { at } = await age(id, daysAgo(10), daysAgo(5));
    const extended = await call(`/requests/${id}/extend`, { reason: 'Several processors hold records of this account' });
    expect(extended.status).toBe(200);
    const told = await until(async () => (await rt.mails(email)).find((m) => m.subject === 'Your request: more time needed'), 30_000, 'extension notice');
    expect(told.body.text).toContain('Reason: Several processors hold records of this account\nThe time limit becomes three months instead of one, not counting the days it is paused. It is paused now, until we receive your answer to our question: we will write to tell you the new deadline once it starts again.');
    expect(told.body.text).not.toContain('New deadline');

    const resumed = await call(`/requests/${id}/resume`, {});
    expect(resumed.status).toBe(200);
    const moved = dueDate(at, { extended: true, pausedDays: 5 });
    expect(await resumed.json()).toMatchObject({ pausedDays: 5, extended: { dueDate: moved }, noticeOwed: false });
    const restarted = await until(async () => (await rt.mails(email)).find((m) => m.subject === 'Your request: the new deadline'), 30_000, 'restart notice');
    expect(restarted.body.text).toContain(`The time limit for your request (reference ${id}) has started again.\nAs we told you, we need more time to complete it.\nReason: Several processors hold records of this account\nNew deadline: ${longDate(moved, 'en')}.`);
    const audit = (await json(`/requests/${id}`)).audit.map((e: { action: string }) => e.action);
    expect(audit).toEqual(expect.arrayContaining(['pause', 'extend', 'resume']));
  });
});

describe('an extension while the clarification asked is still owed', () => {
  it('is recorded at once while SES refuses the requester’s mail (it was a 409); once SES takes it again, the sweeper mails the clarification, then the extension', async () => {
    const email = 'extended-while-owed@example.com';
    const id = await openCopy(email);
    const reason = 'Several processors hold records of this account';
    rt.ses.refuse((to) => to.includes(email));
    try {
      const paused = await call(`/requests/${id}/pause`, { needed });
      expect(paused.status).toBe(200);
      expect(await paused.json()).toMatchObject({ noticeOwed: true });
      const extended = await call(`/requests/${id}/extend`, { reason });
      expect(extended.status).toBe(200);
      expect(await extended.json()).toMatchObject({ noticeOwed: true, extended: { reason } });
      expect(await rt.mails(email)).toHaveLength(1);
    } finally {
      rt.ses.refuse(undefined);
    }
    // The officer's lease on the notices is 60 s; the sweep after it delivers both.
    const swept = (await rt.lambdas.invoke('sweeper', { time: new Date(Date.now() + 2 * 60_000).toISOString() })) as { noticesSent: string[] };
    expect(swept.noticesSent).toContain(id);
    const told = (await rt.mails(email)).filter((m) => m.subject.startsWith('Your request:'));
    expect(told.map((m) => m.subject)).toEqual(['Your request: we need a clarification', 'Your request: more time needed']);
    expect(told[0].body.text).toContain(`we need you to tell us:\n${needed}`);
    expect(told[1].body.text).toContain(`Reason: ${reason}`);
    const detail = await json(`/requests/${id}`);
    expect(detail.request.mailFailed).toBeNull();
    expect(detail.audit.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['pause', 'extend']));
    // Nothing left owed: the next sweep mails nothing more.
    await rt.lambdas.invoke('sweeper', { time: new Date(Date.now() + 4 * 60_000).toISOString() });
    expect((await rt.mails(email)).filter((m) => m.subject.startsWith('Your request:'))).toHaveLength(2);
  });
});

describe('an extension made before the clock stopped', () => {
  it('was told a date, which restarting the clock moves: the requester is mailed the new date and the one it replaces', async () => {
    const email = 'extended-then-stopped@example.com';
    const id = await openCopy(email);
    const reason = 'Several processors hold records of this account';
    expect((await call(`/requests/${id}/extend`, { reason })).status).toBe(200);
    await until(async () => (await rt.mails(email)).find((m) => m.subject === 'Your request: more time needed'), 30_000, 'extension notice');
    expect((await call(`/requests/${id}/pause`, { needed })).status).toBe(200);
    await until(async () => (await rt.mails(email)).find((m) => m.subject === 'Your request: we need a clarification'), 30_000, 'clarification');
    // Confirmed 10 days ago, extended 7 days ago (told the date three months on), stopped 5 days ago.
    const { at } = await age(id, daysAgo(10), daysAgo(5));
    const told = dueDate(at, { extended: true });
    const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
    const { ddb } = await import('../../../functions/adapters/clients/dynamodb.ts');
    const { key } = await import('../../../functions/adapters/table.ts');
    await ddb.send(
      new UpdateCommand({
        TableName: rt.tableName,
        Key: key.request(id),
        UpdateExpression: 'SET #extended = :e, gsi1sk = :sk',
        ExpressionAttributeNames: { '#extended': 'extended' },
        ExpressionAttributeValues: { ':e': { at: daysAgo(7), reason, dueDate: told }, ':sk': `${told}#${id}` },
      }),
    );

    const resumed = await call(`/requests/${id}/resume`, {});
    expect(resumed.status).toBe(200);
    const moved = dueDate(at, { extended: true, pausedDays: 5 });
    expect(moved > told).toBe(true);
    expect(await resumed.json()).toMatchObject({ pausedDays: 5, extended: { dueDate: moved }, noticeOwed: false });
    const restarted = await until(async () => (await rt.mails(email)).find((m) => m.subject === 'Your request: the new deadline'), 30_000, 'restart notice');
    expect(restarted.body.text).toContain(
      `Reason: ${reason}\nNew deadline: ${longDate(moved, 'en')}.\nIt replaces the deadline of ${longDate(told, 'en')} that we gave you: the days the time limit was paused, waiting for your answer, do not count.`,
    );
    expect((await rt.mails(email)).filter((m) => m.subject === 'Your request: the new deadline')).toHaveLength(1);
  });
});

describe('a clock restarted some days after the answer came in', () => {
  it('counts the days stopped up to the day the answer was received, as the officer records it, not up to the restart; a day outside the stop is a field-level 400', async () => {
    const id = await openCopy('answered-earlier@example.com');
    expect((await call(`/requests/${id}/pause`, { needed })).status).toBe(200);
    // Confirmed 10 days ago, stopped 6 days ago, answered 4 days ago, restarted today.
    const { at } = await age(id, daysAgo(10), daysAgo(6));
    const [stoppedOn, answeredOn, today] = [londonDate(daysAgo(6)), londonDate(daysAgo(4)), londonDate(new Date())];

    const early = await call(`/requests/${id}/resume`, { answeredOn: londonDate(daysAgo(7)) });
    expect(early.status).toBe(400);
    expect((await early.json()).issues).toEqual([{ path: 'answeredOn', message: `the day the requester’s answer was received: from ${stoppedOn}, when the clock stopped, to ${today}, today (London dates)` }]);
    const garbled = await call(`/requests/${id}/resume`, { answeredOn: '4 March' });
    expect(garbled.status).toBe(400);
    expect((await garbled.json()).issues).toEqual([{ path: 'answeredOn', message: 'the day the requester’s answer was received, as YYYY-MM-DD' }]);
    expect((await json(`/requests/${id}`)).request.pausedSince).not.toBeNull();

    const resumed = await call(`/requests/${id}/resume`, { answeredOn });
    expect(resumed.status).toBe(200);
    const days = daysUntil(answeredOn, stoppedOn);
    expect(await resumed.json()).toMatchObject({ pausedDays: days, dueDate: dueDate(at, { pausedDays: days }) });
    const audit = (await json(`/requests/${id}`)).audit;
    expect(audit.find((e: { action: string }) => e.action === 'resume')).toMatchObject({ data: { pausedDays: days, answeredOn } });
  });
});
