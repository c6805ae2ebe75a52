import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dueDate, londonDate } from '../../../functions/core/deadline.ts';
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
const call = (path: string, body?: unknown) =>
  rt.api(`/admin${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${officer}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
const json = async (path: string, body?: unknown) => (await call(path, body)).json();

/** A confirmed request for a copy, in progress, for an address of the test's own (no shop account). */
async function openCopy(email: string) {
  await rt.submit({ type: 'access', email, language: 'en' });
  const l = await until(() => rt.links(email).catch(() => undefined));
  await rt.confirm(l.token);
  await until(async () => (await json(`/requests/${l.requestId}`)).request?.status === 'in_progress', 30_000, 'in progress');
  return l.requestId;
}

/** What `daysAgo` days do to a request confirmed now: received and confirmed then, due a month after; stopped `stoppedDaysAgo` days ago. */
async function age(requestId: string, daysAgo: number, stoppedDaysAgo?: number) {
  const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
  const { ddb } = await import('../../../functions/adapters/clients/dynamodb.ts');
  const { key } = await import('../../../functions/adapters/table.ts');
  const at = new Date(Date.now() - daysAgo * DAY).toISOString();
  const due = dueDate(at);
  const values: Record<string, string> = { ':at': at, ':due': due, ':sk': `${due}#${requestId}` };
  if (stoppedDaysAgo !== undefined) values[':stopped'] = new Date(Date.now() - stoppedDaysAgo * DAY).toISOString();
  await ddb.send(
    new UpdateCommand({
      TableName: rt.tableName,
      Key: key.request(requestId),
      UpdateExpression: `SET receivedAt = :at, verifiedAt = :at, dueDate = :due, gsi1sk = :sk${stoppedDaysAgo !== undefined ? ', pausedSince = :stopped' : ''}`,
      ExpressionAttributeValues: values,
    }),
  );
  return { at, received: londonDate(at), due };
}

describe('a clock that has run out', () => {
  it('cannot be stopped: a 409 with the reason, no question mailed, nothing recorded', async () => {
    const id = await openCopy('run-out@example.com');
    const { due } = await age(id, 40);
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
    const { received, due } = await age(id, 45, 3);
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

describe('an extension made while the clock is stopped', () => {
  it('tells the requester no date while it is stopped, then the moved date once it restarts, recorded in the restart’s write', async () => {
    const email = 'extended-while-stopped@example.com';
    const id = await openCopy(email);
    expect((await call(`/requests/${id}/pause`, { needed })).status).toBe(200);
    // Confirmed 10 days ago, stopped 5 days ago.
    const { at } = await age(id, 10, 5);
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
