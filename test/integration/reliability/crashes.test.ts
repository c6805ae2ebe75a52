import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Booted, boot, closedPort, until } from '../harness.ts';

/**
 * No request lost or doubled, on the deployed bundles: simultaneous duplicates through the real
 * HTTP front, and a function's sandbox killed at an exact AWS call (LambdaPool.crashOn) the way a
 * process dies between two steps. Each test here failed on the code before the outbox.
 */
let rt: Booted;
let officer: string;
beforeAll(async () => {
  // Dispatch's and Notify's retries after a crash come at once instead of after 2 s; a copy's assembly fails fast.
  rt = await boot({ retryIntervalOverrides: { Plan: 10, Dispatch: 10, Notify: 50, Assemble: 10, AssemblyFailed: 10 } });
  officer = await rt.signIn('officer');
}, 120_000);
afterAll(async () => rt?.stopAndClean());

const sweepIn = (ms: number) => rt.lambdas.invoke('sweeper', { time: new Date(Date.now() + ms).toISOString() }) as Promise<Record<string, string[]>>;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Request records for the same email and type as `requestId`'s, read from the table. */
async function requestsLike(requestId: string) {
  const { ScanCommand, GetCommand } = await import('@aws-sdk/lib-dynamodb');
  const { ddb } = await import('../../../functions/adapters/clients/dynamodb.ts');
  const one = (await ddb.send(new GetCommand({ TableName: rt.tableName, Key: { pk: `REQ#${requestId}`, sk: 'REQUEST' } }))).Item;
  const all = await ddb.send(
    new ScanCommand({ TableName: rt.tableName, FilterExpression: 'sk = :r AND emailHash = :h AND #t = :t', ExpressionAttributeNames: { '#t': 'type' }, ExpressionAttributeValues: { ':r': 'REQUEST', ':h': one?.emailHash, ':t': one?.type } }),
  );
  return all.Items ?? [];
}

const outcomes = async (email: string) => (await rt.mails(email)).filter((m) => /complete/.test(m.subject));

async function confirmedRequest(email: string, before?: (requestId: string) => void) {
  expect((await rt.submit({ type: 'erasure', email, language: 'en' })).status).toBe(202);
  const links = await until(() => rt.links(email).catch(() => undefined), 10_000, 'confirmation email');
  before?.(links.requestId);
  expect((await rt.confirm(links.token)).status).toBe(200);
  return links;
}

describe('no request lost or doubled', () => {
  it('merges 10 simultaneous identical submissions into one request and one email', async () => {
    const email = 'tenfold@example.com';
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => rt.submit({ type: 'erasure', email, language: 'en' }, {}, `127.0.6.${i + 1}`)));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(202));
    const links = await until(() => rt.links(email).catch(() => undefined), 10_000, 'confirmation email');
    await pause(500);
    expect(await rt.mails(email)).toHaveLength(1);
    expect(await requestsLike(links.requestId)).toHaveLength(1);
  });

  it('mails the link that intake owed when it died just before sending it: the retry is not swallowed, the sweeper delivers', async () => {
    const email = 'intake-crash@example.com';
    rt.lambdas.crashOn('intake', { service: 'sesv2', action: 'SendEmail', when: 'before' });
    const first = await rt.submit({ type: 'erasure', email, language: 'en' });
    expect(first.status).toBe(500);
    const retry = await rt.submit({ type: 'erasure', email, language: 'en' });
    expect(retry.status).toBe(202);
    // The dead invocation's lease on the link runs a minute; the next sweep after it sends it.
    const report = await sweepIn(2 * 60_000);
    expect(await rt.mails(email)).toHaveLength(1);
    expect(report.linksSent).toHaveLength(1);
    const links = await rt.links(email);
    expect(await requestsLike(links.requestId)).toHaveLength(1);
    expect((await rt.confirm(links.token)).status).toBe(200);
  });

  it('starts the execution of a verified request whose verify died just before starting it, at the next sweep', async () => {
    const email = 'verify-crash@example.com';
    expect((await rt.submit({ type: 'erasure', email, language: 'en' })).status).toBe(202);
    const links = await until(() => rt.links(email).catch(() => undefined), 10_000, 'confirmation email');
    rt.lambdas.crashOn('verify', { service: 'states', action: 'StartExecution', when: 'before' });
    expect((await rt.confirm(links.token)).status).toBe(500);
    expect((await rt.status(links.requestId, links.statusToken)).status).toBe('verified');
    const report = await sweepIn(0);
    await until(async () => (await outcomes(email)).length > 0, 30_000, 'outcome email');
    expect(report.startedExecutions).toEqual([links.requestId]);
    expect((await rt.status(links.requestId, links.statusToken)).status).toBe('completed');
  });

  it('sends the outcome email once when Notify dies right after completing the request', async () => {
    const email = 'notify-crash@example.com';
    const links = await confirmedRequest(email, (id) => rt.lambdas.crashOn('notify', { service: 'dynamodb', action: 'UpdateItem', match: `REQ#${id}`, when: 'after' }));
    await until(async () => (await outcomes(email)).length > 0, 30_000, 'outcome email');
    expect((await rt.status(links.requestId, links.statusToken)).status).toBe('completed');
    await pause(500);
    expect(await outcomes(email)).toHaveLength(1);
  });

  it('runs Dispatch again when its sandbox dies: no task is escalated, each processor gets one webhook-id, and the request completes', async () => {
    const { workflowRepo: repo } = await import('../../../functions/shared/deps.ts');
    // Killed once PayNow's task is recorded as sent, before its webhook leaves: as a Lambda that crashed or ran out of time.
    const links = await confirmedRequest('dispatch-crash@example.com', (id) =>
      rt.lambdas.crashOn('dispatch', { service: 'dynamodb', action: 'UpdateItem', match: `REQ#${id}"},"sk":{"S":"TASK#paynow"`, when: 'after' }),
    );
    const req = await until(async () => {
      const r = await repo.getRequest(links.requestId);
      return (r?.status === 'completed' || r?.status === 'awaiting_manual') && r;
    }, 30_000, 'request completed or escalated');
    expect(req.audit.filter((e) => e.action === 'escalate').map((e) => e.data)).toEqual([]);
    expect(req.status).toBe('completed');
    expect((await rt.mails('compliance@offtek.example')).filter((m) => m.body.text?.includes(links.requestId))).toEqual([]);
    // One local worker serves the Map's concurrent Dispatches, so those in flight died with it (local/lambda/pool.ts) and ran again too.
    const tasks = await repo.listTasks(links.requestId);
    expect(tasks.find((t) => t.processorId === 'paynow')?.status, "PayNow's own answer: it holds nothing of this address").toBe('not_found');
    for (const t of tasks) {
      expect(t.audit.map((e) => e.action), t.taskId).not.toContain('fail');
      // Sent again, if at all, under the same webhook-id, which the processor deduplicates on.
      const ids = rt.processors.received(t.processorId).filter((w) => w.body?.subject_request_id === links.requestId).map((w) => w.id);
      expect(ids.filter((id) => id !== t.taskId), t.taskId).toEqual([]);
    }
    expect(rt.processors.received('paynow').some((w) => w.id === `${links.requestId}.paynow`)).toBe(true);
    // The sandbox did die, and the Retry ran Dispatch again.
    const execution = `${rt.stateMachineArn.replace(':stateMachine:', ':execution:')}:${links.requestId}`;
    const failed = rt.engine.getExecutionHistory(execution).events.filter((e) => e.type === 'TaskFailed');
    expect(failed.length).toBeGreaterThan(0);
    expect(new Set(failed.map((e) => (e.taskFailedEventDetails as { error?: string }).error))).toEqual(new Set(['Runtime.ExitError']));
  });

  it('releases the waiting state when a processor sends again the callback whose first delivery died after writing the task, before telling the workflow', async () => {
    const { workflowRepo: repo } = await import('../../../functions/shared/deps.ts');
    const { signWebhook } = await import('../../../functions/adapters/webhook-signing.ts');
    const email = 'callback-crash@example.com';
    // PayNow takes the webhook and stays silent: its callback is sent here, once nothing else is in flight.
    rt.processors.setBehaviour('paynow', { never: true });
    try {
      const links = await confirmedRequest(email);
      const id = links.requestId;
      await until(async () => {
        const tasks = await repo.listTasks(id);
        return tasks.length > 1 && tasks.every((t) => (t.processorId === 'paynow' ? t.status === 'sent' && t.token : ['completed', 'not_found', 'retained'].includes(t.status)));
      }, 30_000, 'every other task settled, PayNow waited on');
      // Their callbacks return just after their writes: a sandbox still busy with one would not be
      // retired, and would take PayNow's callback without the crash armed.
      await pause(1000);
      const raw = JSON.stringify({ task_id: `${id}.paynow`, request_status: 'completed' });
      const secrets = (rt.secrets.get('lethe/processors/paynow') as { secrets: string[] }).secrets;
      const headers = { 'content-type': 'application/json', ...signWebhook('cb_crash_once', raw, secrets) };
      const send = () => rt.api(`/callbacks/${id}.paynow`, { method: 'POST', headers, body: raw });
      rt.lambdas.crashOn('callback', { service: 'dynamodb', action: 'UpdateItem', match: 'TASK#paynow', when: 'after' });
      expect((await send()).status).toBe(500);
      expect(await repo.getTask(id, 'paynow')).toMatchObject({ status: 'completed' });
      // No 2xx: the processor sends the same callback again, as Standard Webhooks senders do.
      const again = await send();
      expect([again.status, await again.json()]).toEqual([200, { status: 'duplicate' }]);
      await until(async () => (await outcomes(email)).length > 0, 30_000, 'outcome email');
      expect((await rt.status(id, links.statusToken)).status).toBe('completed');
    } finally {
      rt.processors.setBehaviour('paynow', {});
    }
  });

  it('runs Plan again when its sandbox dies between writing the tasks and starting the request: the request completes, and no execution is lost', async () => {
    const { workflowRepo: repo } = await import('../../../functions/shared/deps.ts');
    const email = 'plan-crash@example.com';
    const links = await confirmedRequest(email, (id) => rt.lambdas.crashOn('plan', { service: 'dynamodb', action: 'UpdateItem', match: `REQ#${id}"},"sk":{"S":"REQUEST"`, when: 'before' }));
    await until(async () => (await outcomes(email)).length > 0, 30_000, 'outcome email');
    expect((await repo.getRequest(links.requestId))?.status).toBe('completed');
    // The sandbox did die, and the Retry ran Plan again.
    const execution = `${rt.stateMachineArn.replace(':stateMachine:', ':execution:')}:${links.requestId}`;
    // The outcome email goes before Notify's last write (its intent cleared), so the execution ends a moment after it.
    await until(() => rt.engine.describeExecution(execution).status !== 'RUNNING', 15_000, 'the execution’s end');
    expect(rt.engine.describeExecution(execution).status).toBe('SUCCEEDED');
    const failed = rt.engine.getExecutionHistory(execution).events.filter((e) => e.type === 'TaskFailed');
    expect(failed.map((e) => (e.taskFailedEventDetails as { error?: string }).error)).toEqual(['Runtime.ExitError']);
    expect((await sweepIn(0)).lostExecutions).not.toContain(links.requestId);
  });

  it('sends the outcome email once when Notify dies just before sending it', async () => {
    const email = 'notify-mail-crash@example.com';
    await confirmedRequest(email, () => rt.lambdas.crashOn('notify', { service: 'sesv2', action: 'SendEmail', match: email, when: 'before' }));
    await until(async () => (await outcomes(email)).length > 0, 30_000, 'outcome email');
    await pause(500);
    expect(await outcomes(email)).toHaveLength(1);
  });
});

const COMPLIANCE = 'compliance@offtek.example';
const admin = (path: string, body: unknown) =>
  rt.api(`/admin${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${officer}` }, body: JSON.stringify(body) });

describe('an officer’s action that dies before the waiting workflow state gets its token', () => {
  it('resolving a task: the task is resolved, and the sweeper sends the state its token, so the request completes', async () => {
    const { workflowRepo: repo } = await import('../../../functions/shared/deps.ts');
    const email = 'resolve-crash@example.com';
    rt.processors.setBehaviour('paynow', { status: { request_status: 'failed', reason: 'account locked for review' } });
    try {
      const links = await confirmedRequest(email);
      const id = links.requestId;
      // The team's email goes once the Escalate state has recorded the token it waits on.
      await until(async () => (await rt.mails(COMPLIANCE)).find((m) => m.subject.endsWith(`failed (request ${id})`)), 30_000, 'the escalation');
      rt.lambdas.crashOn('admin', { service: 'states', action: 'SendTaskSuccess', when: 'before' });
      expect((await admin(`/requests/${id}/tasks/paynow/resolve`, { outcome: 'completed', note: 'Erased by hand in the PayNow portal' })).status).toBe(500);
      expect(await repo.getTask(id, 'paynow')).toMatchObject({ status: 'resolved' });
      // Pressed again, it is refused: only the sweeper can finish it.
      expect((await admin(`/requests/${id}/tasks/paynow/resolve`, { outcome: 'completed', note: 'Erased by hand in the PayNow portal' })).status).toBe(409);
      await pause(500);
      expect((await rt.status(id, links.statusToken)).status).not.toBe('completed');
      // Counted from here: another test of this file (in a shuffled order, before this one) has the sweeper send a token too.
      const before = rt.lambdas.calls.length;
      const report = await sweepIn(0);
      expect(report.tokensSent).toEqual([`${id}.paynow`]);
      // The sweeper's new call, checked against its role in the template (as every call is when the suite ends).
      const sweeper = rt.functions.find((f) => f.name === 'sweeper')?.logicalId;
      expect(rt.lambdas.calls.slice(before).filter((c) => c.fn === sweeper && c.target === 'AWSStepFunctions.SendTaskSuccess')).toHaveLength(1);
      expect((await rt.iam()).denied).toEqual([]);
      await until(async () => (await rt.status(id, links.statusToken)).status === 'completed', 30_000, 'the request completed');
      // Notify mails the outcome after the write that completes the request: under load, a moment later.
      await until(async () => (await outcomes(email)).length > 0, 30_000, 'outcome email');
      await pause(500);
      expect(await outcomes(email)).toHaveLength(1);
      expect((await repo.getTask(id, 'paynow'))?.outboxToken).toBeUndefined();
    } finally {
      rt.processors.setBehaviour('paynow', {});
    }
  }, 120_000);

  it('retrying the copy: the retry is recorded, and the sweeper sends the state its token, so the copy is assembled and sent', async () => {
    const { workflowRepo: repo } = await import('../../../functions/shared/deps.ts');
    const email = 'alice@example.com';
    rt.processors.setBehaviour('paynow', { resultsUrl: `https://127.0.0.1:${await closedPort()}/exports/alice.json` });
    try {
      expect((await rt.submit({ type: 'access', email, language: 'en' })).status).toBe(202);
      const links = await until(() => rt.links(email).catch(() => undefined), 10_000, 'confirmation email');
      const id = links.requestId;
      expect((await rt.confirm(links.token, { password: 'correct horse battery staple' })).status).toBe(200);
      await until(async () => {
        const r = await repo.getRequest(id);
        return r?.status === 'awaiting_manual' && r.assemblyFailed ? r : undefined;
      }, 60_000, 'the copy waiting for an officer');
      // The processor's results can be had now (stored as its callback stores them).
      const bodyHash = (await repo.getTask(id, 'paynow'))?.resultsHash as string;
      await repo.putTaskResults({ requestId: id, processorId: 'paynow', bodyHash }, JSON.stringify({ task_id: `${id}.paynow`, request_status: 'completed', results: { records: [{ payment: 'PAY-1001' }] } }), { writtenAt: new Date(), expiresAt: new Date(Date.now() + 86_400_000) });
      rt.lambdas.crashOn('admin', { service: 'states', action: 'SendTaskSuccess', when: 'before' });
      expect((await admin(`/requests/${id}/reassemble`, {})).status).toBe(500);
      expect(await repo.getRequest(id)).toMatchObject({ status: 'awaiting_manual', assemblyFailed: { retriedBy: expect.any(String) } });
      await pause(500);
      expect(await outcomes(email)).toEqual([]);
      const report = await sweepIn(0);
      expect(report.assemblyRetriesSent).toEqual([id]);
      const mail = await until(async () => (await outcomes(email))[0], 60_000, 'the outcome email with the copy');
      expect(mail.body.text).toMatch(/\/exports\/\w+\?token=/);
      expect(await repo.getRequest(id)).toMatchObject({ status: 'completed' });
    } finally {
      rt.processors.setBehaviour('paynow', {});
    }
  }, 180_000);
});

describe('an officer’s refusal that dies before it stops the request’s execution', () => {
  it('the request is refused, and the sweeper stops the execution that still waits on a processor, under its own role', async () => {
    const { workflowRepo: repo } = await import('../../../functions/shared/deps.ts');
    const email = 'deny-crash@example.com';
    // PayNow takes the webhook and stays silent: the execution waits on its Dispatch.
    rt.processors.setBehaviour('paynow', { never: true });
    try {
      const links = await confirmedRequest(email);
      const id = links.requestId;
      const execution = `arn:aws:states:eu-west-2:000000000000:execution:lethe-privacy-requests:${id}`;
      await until(async () => (await repo.getTask(id, 'paynow'))?.status === 'sent', 30_000, 'PayNow waited on');
      rt.lambdas.crashOn('admin', { service: 'states', action: 'StopExecution', when: 'before' });
      expect((await admin(`/requests/${id}/deny`, { reason: 'excessive' })).status).toBe(500);
      // Refused, with the stop owed from the refusing write; pressed again, it is a 409.
      expect(await repo.getRequest(id)).toMatchObject({ status: 'denied', outboxStop: { at: expect.any(String) } });
      expect((await admin(`/requests/${id}/deny`, { reason: 'excessive' })).status).toBe(409);
      expect(rt.engine.describeExecution(execution).status).toBe('RUNNING');
      const before = rt.lambdas.calls.length;
      const report = await sweepIn(0);
      expect(report.executionsStopped).toEqual([id]);
      expect(rt.engine.describeExecution(execution).status).toBe('ABORTED');
      const sweeper = rt.functions.find((f) => f.name === 'sweeper')?.logicalId;
      expect(rt.lambdas.calls.slice(before).filter((c) => c.fn === sweeper && c.target === 'AWSStepFunctions.StopExecution')).toHaveLength(1);
      expect((await rt.iam()).denied).toEqual([]);
      expect((await repo.getRequest(id))?.outboxStop).toBeUndefined();
      expect((await sweepIn(0)).executionsStopped).toEqual([]);
      // The refusal itself is mailed by the sweeper once the dead action's lease on it is over.
      await sweepIn(2 * 60_000);
      await until(async () => (await rt.mails(email)).find((m) => m.subject === 'Your privacy request has been refused'), 10_000, 'the refusal');
    } finally {
      rt.processors.setBehaviour('paynow', {});
    }
  }, 120_000);
});

describe('an officer’s refusal of a copy that dies right after its write', () => {
  it('leaves the request refused, and the sweeper deletes the results its processors gave', async () => {
    const { workflowRepo: repo } = await import('../../../functions/shared/deps.ts');
    const { signWebhook } = await import('../../../functions/adapters/webhook-signing.ts');
    const { QueryCommand } = await import('@aws-sdk/lib-dynamodb');
    const { ddb } = await import('../../../functions/adapters/clients/dynamodb.ts');
    const results = async (id: string) =>
      (await ddb.send(new QueryCommand({ TableName: rt.tableName, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :r)', ExpressionAttributeValues: { ':pk': `REQ#${id}`, ':r': 'RESULT#' }, ConsistentRead: true }))).Items ?? [];
    const email = 'deny-crash@example.com';
    // PayNow and ParcelWay take the webhook and stay silent: PayNow's answer is sent here, ParcelWay keeps the request open.
    for (const p of ['paynow', 'parcelway']) rt.processors.setBehaviour(p, { never: true });
    try {
      expect((await rt.submit({ type: 'access', email, language: 'en' })).status).toBe(202);
      const links = await until(() => rt.links(email).catch(() => undefined), 10_000, 'confirmation email');
      const id = links.requestId;
      expect((await rt.confirm(links.token)).status).toBe(200);
      await until(async () => (await repo.listTasks(id)).filter((t) => ['paynow', 'parcelway'].includes(t.processorId) && t.status === 'sent').length === 2, 30_000, 'PayNow and ParcelWay sent');
      const raw = JSON.stringify({ task_id: `${id}.paynow`, request_status: 'completed', results: { records: [{ payment: 'PAY-1001' }] } });
      const secrets = (rt.secrets.get('lethe/processors/paynow') as { secrets: string[] }).secrets;
      const answered = await rt.api(`/callbacks/${id}.paynow`, { method: 'POST', headers: { 'content-type': 'application/json', ...signWebhook('cb_before_refusal', raw, secrets) }, body: raw });
      expect(answered.status).toBe(200);
      // The other processors' exports are stored too, PayNow's among them.
      const given = (await results(id)).map((i) => String(i.sk).split('#')[1]);
      expect(given).toContain('paynow');

      // The admin function dies just after the write that refuses the request.
      rt.lambdas.crashOn('admin', { service: 'dynamodb', action: 'UpdateItem', match: `REQ#${id}`, when: 'after' });
      expect((await admin(`/requests/${id}/deny`, { reason: 'excessive' })).status).toBe(500);
      expect(await repo.getRequest(id)).toMatchObject({ status: 'denied', purgeResults: expect.any(Object) });
      // Nothing deleted yet (a processor still answering may add its own meanwhile).
      expect((await results(id)).map((i) => String(i.sk).split('#')[1])).toEqual(expect.arrayContaining(given));

      const report = await sweepIn(16 * 60_000);
      // The refusal's write owed its execution's stop as well: the sweep does both.
      expect(report.executionsStopped).toEqual([id]);
      expect(report.droppedResults).toContain(`${id}.paynow`);
      expect(await results(id)).toEqual([]);
      expect(await repo.getRequest(id)).not.toHaveProperty('purgeResults');
      expect(await repo.getRequest(id)).not.toHaveProperty('outboxStop');
    } finally {
      for (const p of ['paynow', 'parcelway']) rt.processors.setBehaviour(p, {});
    }
  }, 120_000);
});
