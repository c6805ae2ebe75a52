import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Booted, boot, until } from '../harness.ts';

/**
 * An officer retries a task, and the admin function dies right after the retry's write, before the
 * webhook goes: the console cannot retry a sent task, so the sweeper sends it (the write recorded it
 * owed), under the retry's own webhook-id. The processor takes it and never answers: the sweeper
 * times the task out past the processor's time-out, and the team is told, once, as Escalate tells them.
 */
let rt: Booted;
let officer: string;

type Detail = { request: { status: string }; tasks: { processorId: string; status: string; retries?: number }[] };
const call = (path: string, body?: unknown) => rt.admin(officer, path, body);
const detail = async (id: string) => (await (await call(`/requests/${id}`)).json()) as Detail;
const paynow = (d: Detail) => d.tasks.find((t) => t.processorId === 'paynow');
const escalations = async (id: string) => (await rt.mails('compliance@offtek.example')).filter((m) => m.subject.startsWith('Escalated:') && m.body.text?.includes(`${id}.paynow`));
const sweepAt = (ms: number) => rt.lambdas.invoke('sweeper', { time: new Date(ms).toISOString() }) as Promise<{ retriesSent: string[]; escalatedTasks: string[] }>;
const retried = (id: string) => rt.processors.received('paynow').filter((w) => w.id === `${id}.paynow.retry-1`);
const DAY = 86_400_000;

/**
 * An erasure whose PayNow task failed and was escalated; PayNow then takes webhooks and never calls
 * back, and the officer's retry dies right after its write, its webhook owed.
 */
async function retryDiedAfterItsWrite(email: string) {
  rt.processors.setBehaviour('paynow', { status: { request_status: 'failed', reason: 'account locked for review' } });
  await rt.submit({ type: 'erasure', email, language: 'en' });
  const links = await until(() => rt.links(email).catch(() => undefined));
  await rt.confirm(links.token);
  const id = links.requestId;
  await until(async () => (await detail(id)).request.status === 'awaiting_manual' && paynow(await detail(id))?.status === 'failed' && (await escalations(id)).length === 1, 60_000, 'the task escalated');
  rt.processors.setBehaviour('paynow', { never: true });
  rt.lambdas.crashOn('admin', { service: 'dynamodb', action: 'UpdateItem', match: `REQ#${id}"},"sk":{"S":"TASK#paynow"`, when: 'after' });
  expect((await call(`/requests/${id}/tasks/paynow/retry`, {})).status).toBeGreaterThanOrEqual(500);
  return id;
}

beforeAll(async () => {
  rt = await boot();
  officer = await rt.signIn('officer');
}, 120_000);
afterAll(async () => rt?.stopAndClean());

describe('an officer’s retry whose admin function died before the webhook went, then unanswered', () => {
  it('is sent by the next sweep, and once timed out the team is told, once', async () => {
    const id = await retryDiedAfterItsWrite('retry-died@example.com');
    expect(paynow(await detail(id))).toMatchObject({ status: 'sent', retries: 1 });
    expect(retried(id)).toEqual([]);

    const now = Date.now();
    expect((await sweepAt(now + 2 * 60_000)).retriesSent).toContain(`${id}.paynow`);
    await until(() => retried(id).length === 1, 15_000, 'the retry’s webhook at PayNow');
    expect((await sweepAt(now + 4 * 60_000)).retriesSent).not.toContain(`${id}.paynow`);

    // Past PayNow's time-out (7 days), nobody having answered.
    expect((await sweepAt(now + 8 * DAY)).escalatedTasks).toContain(`${id}.paynow`);
    await until(async () => (await escalations(id)).length === 2, 15_000, 'the team told');
    expect((await escalations(id)).at(-1)?.subject).toBe(`Escalated: PayNow Payments did not answer in time (request ${id})`);
    await sweepAt(now + 8 * DAY + 15 * 60_000);
    expect(await escalations(id)).toHaveLength(2);
    expect(await detail(id)).toMatchObject({ request: { status: 'awaiting_manual' } });
    expect(retried(id)).toHaveLength(1);
  }, 240_000);
});

describe('an officer’s retry left owed when its request is cancelled by an action that died before marking its tasks', () => {
  it('is never sent: the sweeper finds the request closed and drops the webhook', async () => {
    const id = await retryDiedAfterItsWrite('retry-cancelled@example.com');
    // The cancellation dies after closing the request, before marking the task.
    rt.lambdas.crashOn('admin', { service: 'dynamodb', action: 'UpdateItem', match: `REQ#${id}"},"sk":{"S":"REQUEST"`, when: 'after' });
    expect((await call(`/requests/${id}/cancel`, { reason: 'withdrawn_by_requester' })).status).toBeGreaterThanOrEqual(500);
    expect((await detail(id)).request.status).toBe('cancelled');
    expect(paynow(await detail(id))).toMatchObject({ status: 'sent', retries: 1 });

    // Past the retry's lease: the webhook owed is found, and the request read closed.
    const now = Date.now();
    expect((await sweepAt(now + 2 * 60_000)).retriesSent).not.toContain(`${id}.paynow`);
    expect((await sweepAt(now + 4 * 60_000)).retriesSent).not.toContain(`${id}.paynow`);
    expect(retried(id)).toEqual([]);
  }, 240_000);
});
