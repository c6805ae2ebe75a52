import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { key } from '../../../functions/adapters/table.ts';
import { type Booted, boot, openErasure, until } from '../harness.ts';

let rt: Booted;

type Report = { overdue: string[]; reminders: string[]; escalatedTasks: string[]; lostExecutions: string[] };
const sweepAt = (date: string) => rt.lambdas.invoke('sweeper', { time: `${date}T09:00:00Z` }) as Promise<Report>;
const addDays = (d: string, n: number) => new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
/** A sweep looks at every open request: each test reads only what it found about its own. */
const about = (r: Report, requestId: string) =>
  Object.fromEntries(Object.entries(r).filter(([k]) => ['overdue', 'reminders', 'escalatedTasks', 'lostExecutions'].includes(k)).map(([k, v]) => [k, (v as string[]).filter((x) => x.startsWith(requestId))])) as Report;

/** A record as the table holds it, read around the functions (the client reads its endpoint once the runtime set it). */
async function stored(k: { pk: string; sk: string }) {
  const [{ GetCommand }, { ddb }] = await Promise.all([import('@aws-sdk/lib-dynamodb'), import('../../../functions/adapters/clients/dynamodb.ts')]);
  return (await ddb.send(new GetCommand({ TableName: rt.tableName, Key: k, ConsistentRead: true }))).Item;
}

beforeAll(async () => {
  rt = await boot();
  // The analytics processor accepts the webhook and never answers: every request stays open.
  rt.processors.setBehaviour('metricsly', { never: true });
});
afterAll(async () => rt?.stopAndClean());

describe('the sweeper, on a clock moved by its event', () => {
  it('neither reminds nor flags a request due in a month', async () => {
    const { requestId } = await openErasure(rt, 'today@example.com');
    const r = about(await sweepAt(new Date().toISOString().slice(0, 10)), requestId);
    expect(r.overdue).toEqual([]);
    expect(r.reminders).toEqual([]);
  });

  it('reminds the compliance team 7 days before the deadline, once, and escalates the task stuck past its timeout', async () => {
    const { requestId, due } = await openErasure(rt, 'seven-days@example.com');
    const r = about(await sweepAt(addDays(due, -7)), requestId);
    expect(r.reminders).toEqual([`${requestId}:reminder-7`]);
    // No state machine event arrived (the local timers run on real time): the sweeper catches it anyway.
    expect(r.escalatedTasks).toEqual([`${requestId}.metricsly`]);
    expect(about(await sweepAt(addDays(due, -6)), requestId).reminders).toEqual([]);
    const mail = await until(async () => (await rt.mails('compliance@offtek.example')).find((m) => m.subject === `Due in 7 days: request ${requestId}`));
    expect(mail.body.text).toContain(`is due ${due}.`);
  });

  it('reminds again 2 days before, and does not escalate the same task twice', async () => {
    const { requestId, due } = await openErasure(rt, 'two-days@example.com');
    expect(about(await sweepAt(addDays(due, -7)), requestId).escalatedTasks).toEqual([`${requestId}.metricsly`]);
    const r = about(await sweepAt(addDays(due, -2)), requestId);
    expect(r.escalatedTasks).toEqual([]);
    expect(r.reminders).toEqual([`${requestId}:reminder-2`]);
  });

  it('flags the request as overdue once the deadline has passed, and mails the compliance team', async () => {
    const { requestId, due } = await openErasure(rt, 'overdue@example.com');
    expect(about(await sweepAt(addDays(due, 1)), requestId).overdue).toEqual([requestId]);
    await until(async () => (await rt.mails('compliance@offtek.example')).find((m) => m.subject === `OVERDUE: request ${requestId} was due ${due}`));
  });

  // Timing a task out and sending its request to wait for an officer are two writes: a sweeper that
  // dies between them must leave the next sweep something to finish, whichever write it lost.
  for (const [between, sk] of [['the request', 'REQUEST'], ['the task', 'TASK#metricsly']] as const) {
    it(`finishes, at the next sweep, the escalation of a stuck task when it died right after writing ${between}`, async () => {
      const { requestId } = await openErasure(rt, `stuck-crash-${sk.length}@example.com`);
      const tenDaysOn = addDays(new Date().toISOString().slice(0, 10), 10);
      rt.lambdas.crashOn('sweeper', { service: 'dynamodb', action: 'UpdateItem', match: `REQ#${requestId}"},"sk":{"S":"${sk}"`, when: 'after' });
      await expect(sweepAt(tenDaysOn)).rejects.toThrow();
      await sweepAt(tenDaysOn);
      const [req, task] = await Promise.all([stored(key.request(requestId)), stored(key.task(requestId, 'metricsly'))]);
      expect({ request: req?.status, task: task?.status }).toEqual({ request: 'awaiting_manual', task: 'timed_out' });
      const trail = ((req?.audit ?? []) as { action: string; data?: { task?: string } }[]).filter((e) => e.action === 'escalate');
      expect(trail.map((e) => e.data?.task)).toEqual([`${requestId}.metricsly`]);
    });
  }

  // Raising a reminder's flag and mailing it are a write and an email: a sweeper that dies between the
  // two must leave the email owed, for the next sweep to send.
  it('mails, at the next sweep, the reminder of a sweeper that died right after raising its flag, before the email left', async () => {
    const { requestId, due } = await openErasure(rt, 'reminder-crash@example.com');
    const subject = `Due in 7 days: request ${requestId}`;
    rt.lambdas.crashOn('sweeper', { service: 'sesv2', action: 'SendEmail', match: subject, when: 'before' });
    await expect(sweepAt(addDays(due, -7))).rejects.toThrow();
    expect((await stored(key.request(requestId)))?.flags).toEqual(['reminder-7']);
    const reminders = async () => (await rt.mails('compliance@offtek.example')).filter((m) => m.subject === subject);
    expect(await reminders()).toEqual([]);
    // The next run, 15 minutes later.
    const next = (await rt.lambdas.invoke('sweeper', { time: `${addDays(due, -7)}T09:15:00Z` })) as Report & { alertsSent: string[] };
    const [mail] = await until(async () => ((await reminders()).length ? reminders() : undefined));
    expect(mail.body.text).toContain(`is due ${due}.`);
    expect(about(next, requestId).reminders).toEqual([]);
    expect(next.alertsSent).toContain(`${requestId}:reminder-7`);
    await rt.lambdas.invoke('sweeper', { time: `${addDays(due, -7)}T09:30:00Z` });
    expect(await reminders()).toHaveLength(1);
    const trail = ((await stored(key.request(requestId)))?.audit ?? []) as { action: string }[];
    expect(trail.filter((e) => e.action === 'reminder-7')).toHaveLength(1);
  });

  it('reports a request whose execution was stopped behind its back', async () => {
    const { requestId, due } = await openErasure(rt, 'stopped@example.com');
    rt.engine.stopExecution(`arn:aws:states:eu-west-2:000000000000:execution:lethe-privacy-requests:${requestId}`);
    expect(about(await sweepAt(addDays(due, 2)), requestId).lostExecutions).toEqual([requestId]);
  });
});
