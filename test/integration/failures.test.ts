import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { type Booted, boot, until } from './harness.ts';

let rt: Booted;
beforeAll(async () => {
  rt = await boot({
    // The metrics processor gets a 1-second heartbeat (below a 2-second timeout) so a silent processor is caught quickly.
    registry: (r) => ({ ...r, processors: r.processors.map((p) => (p.id === 'metricsly' ? { ...p, heartbeatSeconds: 1, timeoutSeconds: 2 } : p)) }),
    retryIntervalOverrides: { Dispatch: 10, Escalate: 10 },
  });
});
afterAll(async () => rt?.stopAndClean());

async function confirmed(email: string) {
  expect((await rt.submit({ type: 'erasure', email, language: 'en' })).status).toBe(202);
  const links = await until(() => rt.links(email).catch(() => undefined), 5000, 'confirmation email');
  expect((await rt.confirm(links.token)).status).toBe(200);
  return links;
}

const repo = async () => (await import('../../functions/shared/deps.ts')).repo;

describe('processors that fail', () => {
  it('escalates a processor that never answers once its timeout passes, without losing the task', async () => {
    rt.processors.setBehaviour('metricsly', { never: true });
    const links = await confirmed('silent@example.com');
    const task = await until(async () => {
      const t = await (await repo()).getTask(links.requestId, 'metricsly');
      return t?.status === 'timed_out' && t;
    }, 10_000, 'task timed out');
    expect(task.outcome?.reason).toMatch(/Timeout/);
    const req = await until(async () => {
      const r = await (await repo()).getRequest(links.requestId);
      return r?.status === 'awaiting_manual' && r;
    });
    expect(req.audit.map((e) => e.action)).toContain('escalate');
    const alert = await until(async () => (await rt.mails('compliance@offtek.example')).find((m) => m.body.text?.includes(`${links.requestId}.metricsly`)));
    expect(alert.subject).toMatch(/did not answer/);
    rt.processors.setBehaviour('metricsly', {});
  });

  it('runs Escalate again when its sandbox dies: the task is escalated and the execution waits for an officer instead of failing', async () => {
    rt.processors.setBehaviour('metricsly', { never: true });
    onTestFinished(() => void rt.processors.setBehaviour('metricsly', {}));
    const email = 'escalate-crash@example.com';
    expect((await rt.submit({ type: 'erasure', email, language: 'en' })).status).toBe(202);
    const links = await until(() => rt.links(email).catch(() => undefined), 5000, 'confirmation email');
    // Killed once its task write took effect, before the alert: as a Lambda that crashed or ran out of time.
    rt.lambdas.crashOn('escalate', { service: 'dynamodb', action: 'UpdateItem', match: `REQ#${links.requestId}"},"sk":{"S":"TASK#metricsly"`, when: 'after' });
    expect((await rt.confirm(links.token)).status).toBe(200);
    const alert = await until(async () => (await rt.mails('compliance@offtek.example')).find((m) => m.body.text?.includes(`${links.requestId}.metricsly`)), 15_000, 'alert after the re-run');
    expect(alert.subject).toMatch(/did not answer/);
    const execution = rt.engine.describeExecution(`${rt.stateMachineArn.replace(':stateMachine:', ':execution:')}:${links.requestId}`);
    expect(execution.status).toBe('RUNNING');
    expect((await (await repo()).getRequest(links.requestId))?.status).toBe('awaiting_manual');
  });

  it('retries a processor that answers 500, then escalates it as failed', async () => {
    rt.processors.setBehaviour('parcelway', { fail: Number.POSITIVE_INFINITY });
    const links = await confirmed('flaky@example.com');
    const task = await until(async () => {
      const t = await (await repo()).getTask(links.requestId, 'parcelway');
      return t?.status === 'failed' && t;
    }, 10_000, 'task failed');
    expect(task.outcome?.reason).toBe('DispatchFailed');
    const attempts = rt.processors.received('parcelway').filter((w) => w.body?.subject_request_id === links.requestId);
    expect(attempts).toHaveLength(4); // the first try and the three retries of the ASL
    expect(new Set(attempts.map((a) => a.id)).size).toBe(1); // one webhook-id: the processor can deduplicate
    rt.processors.setBehaviour('parcelway', {});
  });

  it('completes a request whose processor recovers after a few 500s', async () => {
    rt.processors.setBehaviour('paynow', { fail: 2 });
    const links = await confirmed('recovers@example.com');
    const done = await until(async () => {
      const s = await rt.status(links.requestId, links.statusToken);
      return s.status === 'completed' && s;
    }, 10_000, 'request completed');
    expect(done.categories.find((c) => c.category === 'payments')?.state).toBe('done');
    rt.processors.setBehaviour('paynow', {});
  });
});
