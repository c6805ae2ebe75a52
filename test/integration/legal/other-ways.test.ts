import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { addDays, addMonths, daysUntil, dueDate, londonDate } from '../../../functions/core/deadline.ts';
import { type Booted, boot, until } from '../harness.ts';

/** The policy invites phone calls: an officer logs a request that came another way, with how the identity was checked. */
let rt: Booted;
let officer: string;
let viewer: string;
beforeAll(async () => {
  rt = await boot();
  [officer, viewer] = await Promise.all([rt.signIn('officer'), rt.signIn('viewer')]);
});
afterAll(async () => rt?.stopAndClean());

const log = (body: unknown, token = officer) =>
  rt.api('/admin/requests', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });

describe('a request received by phone', () => {
  it('is logged by an officer without any email link, runs to completion, and keeps the channel and the identity check on the audit trail', async () => {
    const r = await log({ request: { type: 'erasure', email: 'tom-phone@example.com', language: 'en' }, channel: 'phone', identityCheck: 'account_questions' });
    expect(r.status).toBe(201);
    const { id } = (await r.json()) as { id: string; status: string; dueDate: string };
    const { repo } = await import('../../../functions/shared/deps.ts');
    const done = await until(async () => {
      const q = await repo.getRequest(id);
      return q?.status === 'completed' ? q : undefined;
    }, 30_000, 'completion');
    expect(done.logged).toEqual({ channel: 'phone', identityCheck: 'account_questions', by: 'officer:officer' });
    expect(done.audit.find((e) => e.action === 'log_request')).toMatchObject({ actor: 'officer:officer', from: 'unverified', to: 'verified', data: { channel: 'phone', identityCheck: 'account_questions' } });
    // The outcome email leaves just after the completing write.
    const mails = await until(async () => ((await rt.mails('tom-phone@example.com')).length ? rt.mails('tom-phone@example.com') : undefined), 15_000, 'outcome email');
    // No confirmation link: the officer checked the identity on the call. The outcome is mailed as usual.
    expect(mails.some((m) => /verify\?token=/.test(m.body.text ?? ''))).toBe(false);
    expect(mails.map((m) => m.subject)).toEqual(['Your privacy request is complete']);
  });

  it('records an authorised agent and the proof of authority the officer reviewed', async () => {
    const r = await log({ request: { type: 'access', email: 'vera-client@example.com', language: 'fr' }, channel: 'post', identityCheck: 'signed_letter_with_id', agent: { relationship: 'solicitor', proof: 'signed_authority' } });
    expect(r.status).toBe(201);
    const { id } = (await r.json()) as { id: string };
    const { repo } = await import('../../../functions/shared/deps.ts');
    const req = await repo.getRequest(id);
    expect(req?.logged).toEqual({ channel: 'post', identityCheck: 'signed_letter_with_id', by: 'officer:officer', agent: { relationship: 'solicitor', proof: 'signed_authority' } });
    expect(req?.audit.find((e) => e.action === 'log_request')?.data).toMatchObject({ agent: 'solicitor', agentProof: 'signed_authority' });
    // A proof the schema does not know is a field-level 400.
    const bad = await log({ request: { type: 'access', email: 'vera-client@example.com' }, channel: 'post', identityCheck: 'signed_letter_with_id', agent: { relationship: 'solicitor', proof: 'a phone call' } });
    expect(((await bad.json()) as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual(['agent.proof']);
  });

  it('is refused to a viewer, and a malformed one gets field-level errors and writes nothing', async () => {
    expect((await log({ request: { type: 'erasure', email: 'uma-phone@example.com' }, channel: 'phone', identityCheck: 'account_questions' }, viewer)).status).toBe(403);
    const bad = await log({ request: { type: 'erasure', email: 'not an address' }, channel: 'fax', identityCheck: 'account_questions' });
    expect(bad.status).toBe(400);
    const paths = ((await bad.json()) as { issues: { path: string }[] }).issues.map((i) => i.path).sort();
    expect(paths).toEqual(['channel', 'request.email']);
    const { emailHash } = await import('../../../functions/shared/crypto.ts');
    const { repo } = await import('../../../functions/shared/deps.ts');
    const all = await repo.listRequests({ status: 'unverified', limit: 100 });
    const uma = await emailHash('uma-phone@example.com');
    expect(all.items.filter((q) => q.emailHash === uma)).toEqual([]);
  });
});

describe('a letter read some days after it arrived', () => {
  const admin = async (path: string) => (await rt.api(`/admin${path}`, { headers: { authorization: `Bearer ${officer}` } })).json();
  const today = () => londonDate(new Date());
  type Listed = { id: string; dueDate: string; daysLeft: number | null; receivedAt: string };

  it('is dated from the day it arrived, not from its logging: its deadline in the answer, the list and the request, its day in the SLA report, and both days with the officer on the audit trail', async () => {
    // Processors hold their answers: the request stays open, counted down in the list.
    for (const p of rt.registry.processors) rt.processors.setBehaviour(p.id, { never: true });
    onTestFinished(() => {
      for (const p of rt.registry.processors) rt.processors.setBehaviour(p.id, {});
    });
    // A few days back, and one whose deadline is not today's: around a holiday two days' deadlines can fall on
    // the same working day (received on 25 or 28 November 2026, both due on 29 December), and then the test
    // could not tell the day it arrived from the day it was logged.
    const receivedOn = [3, 4, 5, 6, 7, 8, 9, 10].map((k) => addDays(today(), -k)).find((d) => dueDate(d) !== dueDate(today())) ?? '';
    const due = dueDate(receivedOn);
    expect(due).not.toBe(dueDate(today()));
    const r = await log({ request: { type: 'erasure', email: 'wanda-letter@example.com', language: 'en' }, channel: 'post', identityCheck: 'signed_letter_with_id', receivedOn });
    expect(r.status).toBe(201);
    const { id, dueDate: answered } = (await r.json()) as { id: string; dueDate: string };
    expect(answered).toBe(due);
    const listed = ((await admin('/requests?type=erasure')) as { items: Listed[] }).items.find((x) => x.id === id);
    expect(listed).toMatchObject({ dueDate: due, daysLeft: daysUntil(due, today()) });
    expect(londonDate(listed?.receivedAt ?? '')).toBe(receivedOn);
    const detail = await admin(`/requests/${id}`);
    expect(londonDate(detail.request.verifiedAt)).toBe(receivedOn);
    expect(detail.audit.find((e: { action: string }) => e.action === 'log_request')).toMatchObject({ actor: 'officer:officer', data: { channel: 'post', receivedOn, dueDate: due } });
    expect(londonDate(detail.audit.find((e: { action: string }) => e.action === 'log_request').at)).toBe(today());
    // The SLA report counts it on the day it was received, among the requests of that day.
    expect((await admin(`/report?from=${receivedOn}&to=${receivedOn}`)).requests).toBe(1);
  });

  it('logged once its deadline has passed, is overdue at once: in the list, on the dashboard and for the sweeper', async () => {
    for (const p of rt.registry.processors) rt.processors.setBehaviour(p.id, { never: true });
    onTestFinished(() => {
      for (const p of rt.registry.processors) rt.processors.setBehaviour(p.id, {});
    });
    const receivedOn = addDays(today(), -45);
    const r = await log({ request: { type: 'access', email: 'xavier-letter@example.com', language: 'en' }, channel: 'post', identityCheck: 'signed_letter_with_id', receivedOn });
    expect(r.status).toBe(201);
    const { id } = (await r.json()) as { id: string };
    const due = dueDate(receivedOn);
    const listed = ((await admin('/requests?overdue=true')) as { items: Listed[] }).items.find((x) => x.id === id);
    expect(listed).toMatchObject({ dueDate: due, daysLeft: daysUntil(due, today()) });
    expect(listed?.daysLeft).toBeLessThan(0);
    expect((await admin('/dashboard')).overdue.map((x: { id: string }) => x.id)).toContain(id);
    const swept = (await rt.lambdas.invoke('sweeper', { time: new Date().toISOString() })) as { overdue: string[] };
    expect(swept.overdue).toContain(id);
  });

  it('refuses a receipt day that is not one, is in the future or is more than three months back with a field-level 400, and writes nothing', async () => {
    const body = (receivedOn: unknown) => ({ request: { type: 'erasure', email: 'yusuf-letter@example.com', language: 'en' }, channel: 'post', identityCheck: 'signed_letter_with_id', receivedOn });
    const earliest = addMonths(today(), -3);
    for (const [receivedOn, message] of [
      ['2026-02-30', 'the day the request was received, as YYYY-MM-DD'],
      [addDays(today(), 1), `the day the request was received: from ${earliest}, three months back, to ${today()}, today (London dates)`],
      [addDays(today(), -100), `the day the request was received: from ${earliest}, three months back, to ${today()}, today (London dates)`],
    ]) {
      const bad = await log(body(receivedOn));
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { issues: unknown[] }).issues).toEqual([{ path: 'receivedOn', message }]);
    }
    const { emailHash } = await import('../../../functions/shared/crypto.ts');
    const { repo } = await import('../../../functions/shared/deps.ts');
    const hash = await emailHash('yusuf-letter@example.com');
    for (const status of ['unverified', 'verified', 'in_progress'] as const) expect((await repo.listRequests({ status, limit: 100 })).items.filter((q) => q.emailHash === hash)).toEqual([]);
  });
});
