import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { londonDate } from '../../../functions/core/deadline.ts';
import { type Booted, boot, until } from '../harness.ts';

let rt: Booted;
let officer: string;
let viewer: string;
let escalated: string;

const call = (path: string, token?: string, body?: unknown) => rt.admin(token, path, body);

async function confirmed(email: string) {
  await rt.submit({ type: 'erasure', email, language: 'en' });
  const links = await until(() => rt.links(email).catch(() => undefined));
  await rt.confirm(links.token);
  return links.requestId;
}

beforeAll(async () => {
  // Generous waits: the machine running the suite may be busy; nothing here is a timing assertion.
  rt = await boot({ registry: (r) => ({ ...r, processors: r.processors.map((p) => (p.id === 'socialapp' ? { ...p, heartbeatSeconds: 1, timeoutSeconds: 2 } : p)) }) });
  // Both sign in as the console does (code + PKCE, password, TOTP) through the local stand-in.
  [officer, viewer] = await Promise.all([rt.signIn('officer'), rt.signIn('viewer')]);
  rt.processors.setBehaviour('socialapp', { never: true });
  escalated = await confirmed('stuck@example.com');
  // Escalated, and every other processor has answered: nothing moves under the tests any more.
  await until(
    async () => {
      const d = (await (await call(`/requests/${escalated}`, officer)).json()) as { request?: { status: string }; tasks: { processorId: string; status: string }[] };
      return d.request?.status === 'awaiting_manual' && d.tasks.every((t) => t.processorId === 'socialapp' || ['completed', 'not_found', 'retained'].includes(t.status));
    },
    60_000,
    'escalation with the other tasks settled',
  );
}, 120_000);
afterAll(async () => rt?.stopAndClean());

describe('the admin API', () => {
  it('answers a page cursor it never handed out with a field-level 400, and pages with one it did', async () => {
    for (const cursor of ['garbage', Buffer.from('{"pk":1}').toString('base64url'), Buffer.from('{"pk":"a","sk":"b","gsi1pk":"STATUS#completed","gsi1sk":"c"}').toString('base64url')]) {
      const r = await call(`/requests?status=awaiting_manual&cursor=${cursor}`, officer);
      expect(r.status).toBe(400);
      expect(await r.json()).toMatchObject({ issues: [{ path: 'cursor', message: 'not a cursor from this list' }] });
    }
    const first = await call('/requests?status=awaiting_manual', officer);
    expect(first.status).toBe(200);
  });

  it('answers list and export filters that cannot match with field-level 400s, not an empty answer', async () => {
    const cases: [string, { path: string; message: string }][] = [
      ['/requests?type=garbage', { path: 'type', message: 'Invalid option: expected one of "access"|"erasure"|"rectification"|"objection"|"restrict"' }],
      ['/requests?status=in_progress&dueBefore=garbage', { path: 'dueBefore', message: 'Invalid ISO date' }],
      ['/audit.csv?from=2026-12-01&to=2026-01-01', { path: 'to', message: 'must be on or after from' }],
    ];
    for (const [path, issue] of cases) {
      const r = await call(path, officer);
      expect(r.status).toBe(400);
      expect(await r.json()).toEqual({ error: 'InvalidInput', message: 'invalid query', issues: [issue] });
    }
    expect((await call('/requests?type=erasure&dueBefore=2999-12-31', officer)).status).toBe(200);
  });

  it('refuses anyone without a valid token with 401', async () => {
    expect((await call('/requests')).status).toBe(401);
    expect((await call('/requests', 'not.a.jwt')).status).toBe(401);
    const forged = `${officer.slice(0, -4)}AAAA`;
    expect((await call('/requests', forged)).status).toBe(401);
  });

  it('lets a viewer read and refuses a viewer who acts with 403, changing nothing', async () => {
    const list = await call('/requests?status=awaiting_manual', viewer);
    expect(list.status).toBe(200);
    expect(((await list.json()) as { items: { id: string }[] }).items.map((r) => r.id)).toContain(escalated);
    const before = (await (await call(`/requests/${escalated}`, viewer)).json()).audit.length;
    expect((await call(`/requests/${escalated}/extend`, viewer, { reason: 'complex request' })).status).toBe(403);
    expect((await (await call(`/requests/${escalated}`, viewer)).json()).audit.length).toBe(before);
  });

  it('shows the escalated task on the dashboard, with its timeline and an audit trail free of personal data', async () => {
    const dash = (await (await call('/dashboard', viewer)).json()) as { escalated: { requestId: string; processorId: string }[]; counts: Record<string, number> };
    expect(dash.escalated).toContainEqual(expect.objectContaining({ requestId: escalated, processorId: 'socialapp' }));
    const detail = await (await call(`/requests/${escalated}`, viewer)).json();
    expect(detail.timeline.some((e: { state?: string }) => e.state === 'Escalate')).toBe(true);
    expect(JSON.stringify(detail)).not.toContain('stuck@example.com');
  });

  it('extends a deadline once, with a reason and a notice to the requester, and refuses a second time', async () => {
    const id = await confirmed('extend@example.com');
    expect((await call(`/requests/${id}/extend`, officer, {})).status).toBe(400);
    const first = await call(`/requests/${id}/extend`, officer, { reason: 'Several processors hold records of this account' });
    expect(first.status).toBe(200);
    const body = (await first.json()) as { extended: { dueDate: string }; dueDate: string };
    expect(body.extended.dueDate > body.dueDate).toBe(true);
    await until(async () => (await rt.mails('extend@example.com')).find((m) => /more time/.test(m.subject)));
    const again = await call(`/requests/${id}/extend`, officer, { reason: 'once more' });
    expect(again.status).toBe(409);
  });

  it('answers an illegal action with 409 and its reason, and changes nothing', async () => {
    const id = await confirmed('cancel@example.com');
    // Cancelling asks why, from a closed list (the requester is told it): without one it is a field-level 400, and nothing changes.
    const bare = await call(`/requests/${id}/cancel`, officer, {});
    expect(bare.status).toBe(400);
    expect(((await bare.json()) as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual(['reason']);
    expect((await call(`/requests/${id}/cancel`, officer, { reason: 'withdrawn_by_requester' })).status).toBe(200);
    // The request's own chain: processors may still answer tasks that were already out.
    const own = async () => (await (await call(`/requests/${id}`, officer)).json()).audit.filter((e: { subject: string }) => e.subject === id).length;
    const before = await own();
    const r = await call(`/requests/${id}/cancel`, officer, { reason: 'withdrawn_by_requester' });
    expect(r.status).toBe(409);
    expect(((await r.json()) as { message: string }).message).toMatch(/cancelled/);
    expect((await call(`/requests/${id}/deny`, officer, { reason: 'excessive' })).status).toBe(409);
    expect(await own()).toBe(before);
  });

  it('refuses to retry a task that did not fail', async () => {
    const id = await confirmed('retry@example.com');
    await until(async () => (await (await call(`/requests/${id}`, officer)).json()).tasks.find((t: { processorId: string; status: string }) => t.processorId === 'paynow' && ['completed', 'not_found'].includes(t.status)));
    const r = await call(`/requests/${id}/tasks/paynow/retry`, officer, {});
    expect(r.status).toBe(409);
  });

  it('re-sends a task its processor answered failed as a new message, under a new webhook-id, which the processor acts on', async () => {
    // The demo processors act once per webhook-id, as docs/processors.md asks: under the first id, the retry would be acknowledged and ignored.
    rt.processors.setBehaviour('paynow', { status: { request_status: 'failed', reason: 'account locked for review' } });
    const own = await confirmed('failed-then-retried@example.com');
    const paynow = async () => ((await (await call(`/requests/${own}`, officer)).json()) as { tasks: { processorId: string; status: string }[] }).tasks.find((t) => t.processorId === 'paynow');
    await until(async () => (await paynow())?.status === 'failed', 30_000, 'paynow failed');
    rt.processors.setBehaviour('paynow', {});
    expect((await call(`/requests/${own}/tasks/paynow/retry`, officer, {})).status).toBe(200);
    await until(async () => ['completed', 'not_found', 'retained'].includes((await paynow())?.status ?? ''), 30_000, 'paynow answered the retry');
    const received = rt.processors.received('paynow').filter((w) => w.body?.subject_request_id === own);
    expect(received.map((w) => w.id)).toEqual([`${own}.paynow`, `${own}.paynow.retry-1`]);
    // The same task: its id in the body, and its callback URL.
    expect(new Set(received.map((w) => w.body?.task_id))).toEqual(new Set([`${own}.paynow`]));
    expect(new Set(received.map((w) => w.body?.status_callback_url))).toEqual(new Set([received[0].body?.status_callback_url]));
  });

  it('lets an officer resolve an escalated task, after which the request completes', async () => {
    // A request of its own (socialapp never answers, so it escalates too): the shared one stays escalated for the other tests, in any order.
    const own = await confirmed('stuck-resolved@example.com');
    await until(async () => (await (await call(`/requests/${own}`, officer)).json()).request?.status === 'awaiting_manual', 60_000, 'escalation');
    const r = await call(`/requests/${own}/tasks/socialapp/resolve`, officer, { outcome: 'completed', note: 'Erased by hand in the partner portal' });
    expect(r.status).toBe(200);
    await until(async () => (await (await call(`/requests/${own}`, officer)).json()).request.status === 'completed', 30_000, 'completion');
    const detail = await (await call(`/requests/${own}`, officer)).json();
    expect(detail.audit.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['escalate', 'unblock', 'complete']));
  });

  it('resolves a task as retained only with a basis from the list and a future until-date, and the outcome email states both, with each provider by name', async () => {
    const own = await confirmed('kept-by-officer@example.com');
    await until(async () => (await (await call(`/requests/${own}`, officer)).json()).request?.status === 'awaiting_manual', 60_000, 'escalation');
    const resolve = (body: unknown) => call(`/requests/${own}/tasks/socialapp/resolve`, officer, body);
    const note = 'Friendbook keeps the login record for a pending claim';
    const missing = await resolve({ outcome: 'retained', note });
    expect(missing.status).toBe(400);
    expect((await missing.json()).issues).toEqual([
      { path: 'basis', message: 'a retained task needs its legal basis, one of accounting, lifetime_warranty, legal_claims, legal_obligation' },
      { path: 'until', message: 'a retained task needs the date it is kept until, as YYYY-MM-DD' },
    ]);
    const past = await resolve({ outcome: 'retained', note, basis: 'legal_claims', until: '2020-01-31' });
    expect(past.status).toBe(400);
    expect((await past.json()).issues).toEqual([{ path: 'until', message: 'must be a date after today' }]);
    const notADate = await resolve({ outcome: 'retained', note, basis: 'legal_claims', until: '2041-02-30' });
    expect(notADate.status).toBe(400);
    expect((await notADate.json()).issues).toEqual([{ path: 'until', message: 'a retained task needs the date it is kept until, as YYYY-MM-DD' }]);
    // Refused three times, written nothing: the task still waits.
    expect((await (await call(`/requests/${own}`, officer)).json()).tasks.find((t: { processorId: string }) => t.processorId === 'socialapp').status).toMatch(/^(timed_out|failed)$/);

    expect((await resolve({ outcome: 'retained', note, basis: 'legal_claims', until: '2041-01-31' })).status).toBe(200);
    await until(async () => (await (await call(`/requests/${own}`, officer)).json()).request.status === 'completed', 30_000, 'completion');
    const email = await until(async () => (await rt.mails('kept-by-officer@example.com')).find((m) => /complete/.test(m.subject)), 30_000, 'outcome email');
    const lines = (email.body.text ?? '').split('\n');
    expect(lines).toContain('- Friendbook Social Login & Share (social networks): kept some records instead of erasing them, for the establishment, exercise or defence of legal claims, until 31 January 2041 (checked by our privacy team).');
    // An address the demo processors do not know: each says it held nothing, by name, never by id.
    expect(lines).toContain('- PayNow Payments (payments): held no data about you.');
    expect(email.body.text).not.toMatch(/\b(paynow|socialapp|recoverco)\b/);
  });

  it('stops the clock of a request for a copy while a clarification is awaited, telling the requester, and refuses it for an erasure', async () => {
    const erasure = await confirmed('pause-erasure@example.com');
    const needed = 'Which orders or which years your request for a copy is about';
    expect((await call(`/requests/${erasure}/pause`, officer, { needed })).status).toBe(409);
    // A copy for someone with no shop account: no password asked. Processors hold their answers, so the request stays open.
    for (const p of rt.registry.processors) rt.processors.setBehaviour(p.id, { never: true });
    await rt.submit({ type: 'access', email: 'pause@example.com', language: 'en' });
    const links = await until(() => rt.links('pause@example.com').catch(() => undefined));
    await rt.confirm(links.token);
    const id = links.requestId;
    await until(async () => (await (await call(`/requests/${id}`, officer)).json()).request.status === 'in_progress');
    expect((await call(`/requests/${id}/resume`, officer, {})).status).toBe(409);
    const bad = await call(`/requests/${id}/pause`, officer, { reason: 'no question' });
    expect(bad.status).toBe(400);
    const paused = await call(`/requests/${id}/pause`, officer, { needed });
    expect(paused.status).toBe(200);
    expect(((await paused.json()) as { pausedSince?: string }).pausedSince).toBeDefined();
    const mail = await until(async () => (await rt.mails('pause@example.com')).find((m) => m.subject === 'Your request: we need a clarification'));
    expect(mail.body.text).toContain(needed);
    expect(mail.body.text).toContain('The one-month time limit is paused until we receive your answer');
    expect((await rt.status(id, links.statusToken)) as unknown as { paused: boolean }).toMatchObject({ paused: true });
    expect((await call(`/requests/${id}/pause`, officer, { needed })).status).toBe(409);
    const resumed = (await (await call(`/requests/${id}/resume`, officer, {})).json()) as { pausedSince?: string; pausedDays: number };
    expect(resumed.pausedSince).toBeUndefined();
    expect(resumed.pausedDays).toBe(0); // restarted the same day: the deadline does not move
    const audit = (await (await call(`/requests/${id}`, officer)).json()).audit;
    expect(audit.find((e: { action: string }) => e.action === 'pause').data).toEqual({ ground: 'clarification', neededSha256: createHash('sha256').update(needed).digest('hex') });
    expect(audit.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['pause', 'resume']));
    for (const p of rt.registry.processors) rt.processors.setBehaviour(p.id, p.id === 'socialapp' ? { never: true } : {});
  });

  it('tells a refused requester why and how to complain to the ICO', async () => {
    const id = await confirmed('refused@example.com');
    expect((await call(`/requests/${id}/deny`, officer, { reason: 'manifestly_unfounded' })).status).toBe(200);
    const mail = await until(async () => (await rt.mails('refused@example.com')).find((m) => m.subject === 'Your privacy request has been refused'));
    expect(mail.body.text).toContain('for this reason: the request is manifestly unfounded');
    expect(mail.body.text).toContain('Wycliffe House, Water Lane, Wilmslow, Cheshire SK9 5AF, telephone 0303 123 1113, https://ico.org.uk/make-a-complaint');
  });

  it('exports the audit trail of a date range as CSV, with ids and hashes only', async () => {
    // London's today, as the range's dates are: UTC's is still yesterday an hour after a summer midnight.
    const today = londonDate(new Date());
    const r = await call(`/audit.csv?from=${today}&to=${today}`, viewer);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('text/csv');
    const csv = await r.text();
    expect(csv.split('\r\n')[0]).toBe('at,request,subject,actor,action,from,to,seq,prevHash,hash');
    expect(csv).toContain(escalated);
    expect(csv).not.toContain('@');
    expect((await call('/audit.csv?from=yesterday&to=today', viewer)).status).toBe(400);
  });

  it('closes an unconfirmed request whose link then says, opened or pressed, that the request is closed, and confirms nothing', async () => {
    await rt.submit({ type: 'access', email: 'changed-mind@example.com', language: 'en' });
    const links = await until(() => rt.links('changed-mind@example.com').catch(() => undefined));
    expect((await call(`/requests/${links.requestId}/cancel`, officer, { reason: 'withdrawn_by_requester' })).status).toBe(200);
    for (const r of [await fetch(links.verify), await rt.confirm(links.token)]) {
      expect(r.status).toBe(410);
      const page = await r.text();
      expect(page).toContain('<h1>This request is closed</h1>');
      expect(page).not.toContain('password');
    }
    const d = (await (await call(`/requests/${links.requestId}`, officer)).json()) as { request: { status: string; verifiedAt?: string } };
    expect(d.request).toMatchObject({ status: 'cancelled' });
    expect(d.request.verifiedAt).toBeUndefined();
  });

  it('resends the requester’s last email: a new link while unverified, the outcome once completed', async () => {
    await rt.submit({ type: 'erasure', email: 'lost-mail@example.com' });
    const first = await until(() => rt.links('lost-mail@example.com').catch(() => undefined));
    const r = await call(`/requests/${first.requestId}/resend`, officer, {});
    expect(r.status).toBe(200);
    const second = await until(async () => {
      const l = await rt.links('lost-mail@example.com');
      return l.token !== first.token && l;
    });
    expect((await rt.confirm(second.token)).status).toBe(200);
    expect((await call(`/requests/${first.requestId}/resend`, viewer, {})).status).toBe(403);
  });
});
