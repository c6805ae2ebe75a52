import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Booted, boot, until } from '../harness.ts';

/**
 * An officer retries a task whose processor keeps answering `failed`, as a processor whose account
 * stays locked does. The retry goes out under the Escalate state's token (the task's Dispatch state
 * is over), so each such answer reaches that state: the task must wait for an officer again, the team
 * be told again, however many times the officer tries, and the request still be answerable by hand.
 */
let rt: Booted;
let officer: string;

type Detail = { request: { status: string }; tasks: { processorId: string; status: string; retries?: number }[] };
const call = (path: string, body?: unknown) => rt.admin(officer, path, body);
const detail = async (id: string) => (await (await call(`/requests/${id}`)).json()) as Detail;
const paynow = (d: Detail) => d.tasks.find((t) => t.processorId === 'paynow');
const escalations = async (id: string) => (await rt.mails('compliance@offtek.example')).filter((m) => m.subject.startsWith('Escalated:') && m.body.text?.includes(`${id}.paynow`)).length;

beforeAll(async () => {
  rt = await boot();
  officer = await rt.signIn('officer');
}, 120_000);
afterAll(async () => rt?.stopAndClean());

describe('a task its processor fails again after each retry', () => {
  it('waits for an officer again, and tells the team, after every retry, and completes once the officer resolves it', async () => {
    rt.processors.setBehaviour('paynow', { status: { request_status: 'failed', reason: 'account locked for review' } });
    await rt.submit({ type: 'erasure', email: 'locked@example.com', language: 'en' });
    const links = await until(() => rt.links('locked@example.com').catch(() => undefined));
    await rt.confirm(links.token);
    const id = links.requestId;
    const waitsAgain = (retries: number) =>
      until(
        async () => {
          const d = await detail(id);
          return d.request.status === 'awaiting_manual' && paynow(d)?.status === 'failed' && (paynow(d)?.retries ?? 0) === retries && (await escalations(id)) === retries + 1;
        },
        60_000,
        `the task waiting for an officer again after ${retries} retries`,
      );
    await waitsAgain(0);
    // More retries than the Escalate state's own retrier has attempts (3).
    for (let retries = 1; retries <= 4; retries++) {
      expect((await call(`/requests/${id}/tasks/paynow/retry`, {})).status).toBe(200);
      await waitsAgain(retries);
    }
    expect((await call(`/requests/${id}/tasks/paynow/resolve`, { outcome: 'completed', note: 'Erased by hand once the account was unlocked' })).status).toBe(200);
    await until(async () => (await detail(id)).request.status === 'completed', 30_000, 'completion');
    expect(rt.processors.received('paynow').filter((w) => w.body?.subject_request_id === id).map((w) => w.id)).toEqual([`${id}.paynow`, ...[1, 2, 3, 4].map((n) => `${id}.paynow.retry-${n}`)]);
  }, 240_000);
});
