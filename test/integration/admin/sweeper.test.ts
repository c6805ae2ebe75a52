import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Booted, boot, until } from '../harness.ts';

let rt: Booted;
let requestId: string;
let due: string;

const sweepAt = (date: string) => rt.lambdas.invoke('sweeper', { time: `${date}T09:00:00Z` }) as Promise<{ overdue: string[]; reminders: string[]; escalatedTasks: string[]; lostExecutions: string[] }>;
const addDays = (d: string, n: number) => new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  rt = await boot();
  // The analytics processor accepts the webhook and never answers: the request stays open.
  rt.processors.setBehaviour('metricsly', { never: true });
  await rt.submit({ type: 'erasure', email: 'late@example.com', language: 'en' });
  const links = await until(() => rt.links('late@example.com').catch(() => undefined));
  await rt.confirm(links.token);
  requestId = links.requestId;
  // Every processor but the silent one has answered: only the analytics task is still out.
  const s = await until(async () => {
    const x = await rt.status(links.requestId, links.statusToken);
    return x.categories.length === 6 && x.categories.filter((c) => c.state !== 'done').map((c) => c.category).join() === 'analytics' && x;
  }, 10_000, 'all but analytics answered');
  due = s.dueDate;
});
afterAll(async () => rt?.stopAndClean());

describe('the sweeper, on a clock moved by its event', () => {
  it('does nothing today', async () => {
    const r = await sweepAt(new Date().toISOString().slice(0, 10));
    expect(r.overdue).toEqual([]);
    expect(r.reminders).toEqual([]);
  });

  it('reminds the compliance team 7 days before the deadline, once, and escalates the task stuck past its timeout', async () => {
    const r = await sweepAt(addDays(due, -7));
    expect(r.reminders).toEqual([`${requestId}:reminder-7`]);
    // No state machine event arrived (the local timers run on real time): the sweeper catches it anyway.
    expect(r.escalatedTasks).toEqual([`${requestId}.metricsly`]);
    expect((await sweepAt(addDays(due, -6))).reminders).toEqual([]);
    const mail = await until(async () => (await rt.mails('compliance@offtek.example')).find((m) => m.subject.includes(requestId) && /Due in 7 days/.test(m.subject)));
    expect(mail.body.text).toContain(due);
  });

  it('reminds again 2 days before, and does not escalate the same task twice', async () => {
    const r = await sweepAt(addDays(due, -2));
    expect(r.escalatedTasks).toEqual([]);
    expect(r.reminders).toEqual([`${requestId}:reminder-2`]);
  });

  it('flags the request as overdue once the deadline has passed', async () => {
    const r = await sweepAt(addDays(due, 1));
    expect(r.overdue).toEqual([requestId]);
    await until(async () => (await rt.mails('compliance@offtek.example')).find((m) => m.subject.startsWith('OVERDUE')));
  });

  it('reports a request whose execution was stopped behind its back', async () => {
    rt.engine.stopExecution(`arn:aws:states:eu-west-2:000000000000:execution:lethe-privacy-requests:${requestId}`);
    const r = await sweepAt(addDays(due, 2));
    expect(r.lostExecutions).toEqual([requestId]);
  });
});
