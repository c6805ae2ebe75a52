import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProcessorEntry } from '../../functions/core/model.ts';
import type { StoredRequest, StoredTask } from '../../functions/core/ports.ts';
import { type Booted, boot, until } from './harness.ts';

/**
 * SES refusing mail (the stand-in answers MessageRejected, as SES does for an unverified recipient
 * in the sandbox): no request is lost, no execution fails, the request shows "mail failed" in the
 * console, and the officer can resend.
 */
// A processor with no API (a person does its work) that only a restriction reaches, so the other tests never meet it.
const paperFirm: ProcessorEntry = {
  id: 'paper-firm',
  name: 'Paper Records Ltd',
  category: 'collections',
  region: 'eu-west-2',
  transferSafeguard: 'adequacy',
  mode: 'manual',
  supports: ['restrict'],
  identities: ['email'],
  heartbeatSeconds: 86_400,
  timeoutSeconds: 1_209_600,
};

let rt: Booted;
beforeAll(async () => {
  rt = await boot({ registry: (r) => ({ ...r, processors: [...r.processors, paperFirm] }), retryIntervalOverrides: { Dispatch: 10, Escalate: 10, Notify: 10 } });
});
afterAll(async () => rt?.stopAndClean());

const repo = async () => (await import('../../functions/shared/deps.ts')).repo;
const request = async (id: string) => (await (await repo()).getRequest(id)) as StoredRequest;
const execution = (id: string) => rt.engine.describeExecution(`${rt.stateMachineArn.replace(':stateMachine:', ':execution:')}:${id}`);
const COMPLIANCE = 'compliance@offtek.example';

async function admin(path: string, init: { method?: string; body?: unknown } = {}) {
  const token = await rt.signIn('officer');
  const r = await rt.api(`/admin${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> & { request?: { mailFailed: unknown } } };
}

describe('a confirmation link SES refuses', () => {
  it('still answers 202, leaves the link owed and marked, and the sweeper mails it once SES accepts again', async () => {
    const email = 'refused.link@example.com';
    rt.ses.refuse((to) => to.includes(email));
    const r = await rt.submit({ type: 'erasure', email, language: 'en' }, {}, '127.0.0.21');
    expect(r.status).toBe(202);
    expect(await r.json()).toMatchObject({ status: 'check_your_email' });
    const [owed] = (await (await repo()).listPendingLinks()).filter((x) => x.mailFailed);
    expect(owed).toMatchObject({ status: 'unverified', outboxLink: { seq: 1 }, mailFailed: { kind: 'confirmation', error: 'MessageRejected' } });
    expect(await rt.mails(email)).toEqual([]);

    rt.ses.refuse(undefined);
    // The intake's lease on the link is 60 s; the sweep after it delivers.
    await rt.lambdas.invoke('sweeper', { time: new Date(Date.now() + 2 * 60_000).toISOString() });
    const links = await until(() => rt.links(email).catch(() => undefined), 10_000, 'confirmation email');
    expect(links.requestId).toBe(owed.id);
    const after = await request(owed.id);
    expect(after.outboxLink).toBeUndefined();
    expect(after.mailFailed).toBeUndefined();
  });
});

describe('an outcome email SES refuses', () => {
  it('completes the request, the execution succeeds, the console shows "mail failed", and the officer resends it', async () => {
    const email = 'refused.outcome@example.com';
    expect((await rt.submit({ type: 'erasure', email, language: 'en' }, {}, '127.0.0.22')).status).toBe(202);
    const links = await until(() => rt.links(email).catch(() => undefined), 10_000, 'confirmation email');
    rt.ses.refuse((to) => to.includes(email));
    expect((await rt.confirm(links.token)).status).toBe(200);

    const done = await until(() => execution(links.requestId).status !== 'RUNNING' && execution(links.requestId), 30_000, 'execution finished');
    expect(done.status).toBe('SUCCEEDED');
    const req = await request(links.requestId);
    expect(req.status).toBe('completed');
    expect(req.mailFailed).toMatchObject({ kind: 'outcome', error: 'MessageRejected' });
    expect(req.outboxOutcome).toBeDefined();

    const detail = await admin(`/requests/${links.requestId}`);
    expect(detail.body.request?.mailFailed).toMatchObject({ kind: 'outcome' });
    const dashboard = await admin('/dashboard');
    expect((dashboard.body.mailFailed as { id: string }[]).map((x) => x.id)).toContain(links.requestId);

    // Still refused: the officer is told, and the mark stays.
    const refused = await admin(`/requests/${links.requestId}/resend`, { method: 'POST', body: {} });
    expect(refused.status).toBe(502);
    expect(refused.body).toMatchObject({ error: 'MailFailed' });

    rt.ses.refuse(undefined);
    const resent = await admin(`/requests/${links.requestId}/resend`, { method: 'POST', body: {} });
    expect(resent.status).toBe(200);
    const outcome = await until(async () => (await rt.mails(email)).find((m) => /complete/i.test(m.subject)), 10_000, 'outcome email');
    expect(outcome.body.text).toContain(links.requestId);
    const after = await request(links.requestId);
    expect(after.mailFailed).toBeUndefined();
    // Resent, so no longer owed: the sweeper will not send it a second time.
    expect(after.outboxOutcome).toBeUndefined();
    // The refused resend stayed owed: the second click mailed it, rather than recording another.
    expect(after.audit.filter((e) => e.action === 'resend').map((e) => [e.actor, e.data?.email])).toEqual([['officer:officer', 'outcome']]);
  });
});

describe('an escalation alert SES refuses', () => {
  it('escalates the task all the same and keeps the execution waiting for the officer, who resolves it', async () => {
    const email = 'refused.alert@example.com';
    rt.processors.setBehaviour('parcelway', { fail: Number.POSITIVE_INFINITY });
    rt.ses.refuse((to) => to.includes(COMPLIANCE));
    expect((await rt.submit({ type: 'erasure', email, language: 'en' }, {}, '127.0.0.23')).status).toBe(202);
    const links = await until(() => rt.links(email).catch(() => undefined), 10_000, 'confirmation email');
    expect((await rt.confirm(links.token)).status).toBe(200);

    const req = await until(async () => {
      const r = await request(links.requestId);
      return r.status === 'awaiting_manual' && r.mailFailed && r;
    }, 30_000, 'escalated with mail failed');
    expect(req.mailFailed).toMatchObject({ kind: 'escalation', error: 'MessageRejected' });
    const task = await until(async () => {
      const t = await (await repo()).getTask(links.requestId, 'parcelway');
      return t?.status === 'failed' && Boolean(t.token) && t;
    }, 10_000, 'task waiting on the fallback escalation');
    expect(task.outcome?.reason).toBe('DispatchFailed');
    expect(execution(links.requestId).status).toBe('RUNNING');

    rt.ses.refuse(undefined);
    rt.processors.setBehaviour('parcelway', {});
    const resolved = await admin(`/requests/${links.requestId}/tasks/parcelway/resolve`, { method: 'POST', body: { outcome: 'completed', note: 'erased by hand in their console' } });
    expect(resolved.status, JSON.stringify(resolved.body)).toBe(200);
    const done = await until(() => execution(links.requestId).status !== 'RUNNING' && execution(links.requestId), 30_000, 'execution finished');
    expect(done.status).toBe('SUCCEEDED');
    expect((await request(links.requestId)).status).toBe('completed');
  });
});

describe('a manual processor’s team email SES refuses', () => {
  it('leaves the task with the team, not escalated as failed, and the sweeper mails the team once SES accepts again', async () => {
    const email = 'refused.manual@example.com';
    expect((await rt.submit({ type: 'restrict', email, language: 'en' }, {}, '127.0.0.24')).status).toBe(202);
    const links = await until(() => rt.links(email).catch(() => undefined), 10_000, 'confirmation email');
    rt.ses.refuse((to) => to.includes(COMPLIANCE));
    expect((await rt.confirm(links.token)).status).toBe(200);
    const taskId = `${links.requestId}.paper-firm`;
    // Every automated processor answers; only the manual task is left, with the team.
    await until(async () => {
      const tasks = await (await repo()).listTasks(links.requestId);
      return tasks.length > 1 && tasks.every((t) => t.processorId === 'paper-firm' || ['completed', 'not_found'].includes(t.status)) && tasks;
    }, 30_000, 'the automated processors answered');
    const req = await until(async () => {
      const r = await request(links.requestId);
      return r.status === 'awaiting_manual' && r.mailFailed && r;
    }, 30_000, 'waiting for a person with mail failed');
    expect(req.mailFailed).toMatchObject({ kind: 'review', error: 'MessageRejected' });
    const owed = (await (await repo()).getTask(links.requestId, 'paper-firm')) as StoredTask;
    expect(owed).toMatchObject({ status: 'sent', outboxTeam: { owner: 'workflow' } });
    expect(owed.audit.map((e) => e.action)).toEqual(['send']);
    expect(execution(links.requestId).status).toBe('RUNNING');
    // The console shows the task out to the team, not a failed processor.
    const detail = await admin(`/requests/${links.requestId}`);
    expect((detail.body.tasks as { processorId: string; status: string }[]).find((t) => t.processorId === 'paper-firm')?.status).toBe('sent');
    expect((await rt.mails(COMPLIANCE)).filter((m) => m.body.text?.includes(taskId))).toEqual([]);

    rt.ses.refuse(undefined);
    // Dispatch's lease on the email is 60 s; the sweep after it mails the team.
    await rt.lambdas.invoke('sweeper', { time: new Date(Date.now() + 2 * 60_000).toISOString() });
    const mails = await until(async () => {
      const m = (await rt.mails(COMPLIANCE)).filter((x) => x.body.text?.includes(taskId));
      return m.length > 0 && m;
    }, 10_000, 'the team’s email');
    expect(mails.map((m) => m.subject)).toEqual(['Manual task: restrict at paper-firm']);
    const after = (await (await repo()).getTask(links.requestId, 'paper-firm')) as StoredTask;
    expect(after.status).toBe('sent');
    expect(after.outboxTeam).toBeUndefined();
    expect((await request(links.requestId)).mailFailed).toBeUndefined();
    expect(execution(links.requestId).status).toBe('RUNNING');
  });
});
