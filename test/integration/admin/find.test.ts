import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { londonDate } from '../../../functions/core/deadline.ts';
import { type Booted, boot, until } from '../harness.ts';

let rt: Booted;
let officer: string;
let viewer: string;

const call = (path: string, token?: string, body?: unknown) => rt.admin(token, path, body);
const json = async (path: string, token: string, body?: unknown) => {
  const r = await call(path, token, body);
  expect(r.status, `${path}: ${r.status}`).toBe(200);
  return r.json();
};
type Summary = { id: string; status: string; type: string; owner: string | null };

async function submitted(body: Record<string, unknown>) {
  await rt.submit({ language: 'en', ...body });
  return until(() => rt.links(String(body.email)).catch(() => undefined));
}
async function confirmed(body: Record<string, unknown>) {
  const links = await submitted(body);
  await rt.confirm(links.token);
  return links.requestId;
}
const detail = (id: string, token = officer) => json(`/requests/${id}`, token);

beforeAll(async () => {
  // The social network never answers, and its heartbeat runs out after a second: each erasure escalates there.
  rt = await boot({ registry: (r) => ({ ...r, processors: r.processors.map((p) => (p.id === 'socialapp' ? { ...p, heartbeatSeconds: 1, timeoutSeconds: 2 } : p)) }) });
  rt.processors.setBehaviour('socialapp', { never: true });
  [officer, viewer] = await Promise.all([rt.signIn('officer'), rt.signIn('viewer')]);
}, 120_000);
afterAll(async () => rt?.stopAndClean());

describe('finding any request in the console', () => {
  it('finds every request of an email address, closed ones included, through its keyed hash, and nobody else’s', async () => {
    const closed = await confirmed({ type: 'objection', email: 'Find.Me@example.com', objections: ['marketing'] });
    expect((await call(`/requests/${closed}/cancel`, officer, { reason: 'duplicate_request' })).status).toBe(200);
    const open = (await submitted({ type: 'erasure', email: 'find.me@example.com' })).requestId;
    await submitted({ type: 'erasure', email: 'someone-else@example.com' });
    // A viewer may search: it reads. The address travels in the body, never in the URL.
    const found = await json('/search', viewer, { q: ' FIND.me@example.com ' });
    expect(found.items.map((r: Summary) => [r.id, r.status]).sort()).toEqual([[closed, 'cancelled'], [open, 'unverified']].sort());
    expect(JSON.stringify(found).toLowerCase()).not.toContain('find.me');
    expect((await json('/search', viewer, { q: 'nobody-here@example.com' })).items).toEqual([]);
  });

  it('finds a request by its reference, in any case, and by the order number typed on the form', async () => {
    const { requestId } = await submitted({ type: 'erasure', email: 'order-search@example.com', orderNumber: 'OT-2026-99871' });
    expect((await json('/search', officer, { q: requestId.toLowerCase() })).items.map((r: Summary) => r.id)).toEqual([requestId]);
    expect((await json('/search', officer, { q: 'ot-2026-99871' })).items.map((r: Summary) => r.id)).toEqual([requestId]);
    expect((await json('/search', officer, { q: 'OT-2026-00000' })).items).toEqual([]);
  });

  it('answers a search that is neither a reference, an address nor an order number with a field-level 400', async () => {
    for (const body of [{ q: '' }, { q: 'not an order #1' }, { q: 'half@' }, { q: 'x'.repeat(255) }, {}]) {
      const r = await call('/search', officer, body);
      expect(r.status).toBe(400);
      expect(((await r.json()) as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual(['q']);
    }
  });

  it('lists all requests, closed ones included, a page at a time, each exactly once', async () => {
    const mine: string[] = [];
    for (const n of [1, 2, 3]) mine.push((await submitted({ type: 'rectification', email: `page-${n}@example.com`, rectification: { field: 'name', correction: `Page ${n}` } })).requestId);
    const denied = await confirmed({ type: 'rectification', email: 'page-4@example.com', rectification: { field: 'name', correction: 'Page 4' } });
    expect((await call(`/requests/${denied}/deny`, officer, { reason: 'excessive' })).status).toBe(200);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await json(`/requests?status=all&type=rectification&limit=2${cursor ? `&cursor=${cursor}` : ''}`, viewer);
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((r: Summary) => r.id));
      cursor = page.cursor;
      pages++;
    } while (cursor && pages < 20);
    expect(seen.filter((id) => [...mine, denied].includes(id)).sort()).toEqual([...mine, denied].sort());
    expect(new Set(seen).size).toBe(seen.length);
    const closed = await json('/requests?status=closed&type=rectification', viewer);
    expect(closed.items.map((r: Summary) => r.id)).toContain(denied);
    expect(closed.items.map((r: Summary) => r.id)).not.toContain(mine[0]);
  });

  it('filters by processor and by escalation, and by a due-date range', async () => {
    const id = await confirmed({ type: 'erasure', email: 'escalated-filter@example.com' });
    await until(async () => (await detail(id)).request.status === 'awaiting_manual', 60_000, 'escalation');
    const due = (await detail(id)).request.dueDate as string;
    const ids = async (q: string) => (await json(`/requests?${q}`, viewer)).items.map((r: Summary) => r.id);
    expect(await ids('status=all&processor=socialapp&escalated=true')).toContain(id);
    expect(await ids('status=all&processor=paynow&escalated=true')).not.toContain(id);
    expect(await ids('status=all&escalated=true')).toContain(id);
    expect(await ids('status=all&escalated=false')).not.toContain(id);
    expect(await ids(`status=open&dueAfter=${due}&dueBefore=${due}`)).toContain(id);
    expect(await ids('status=open&dueAfter=2999-01-01')).not.toContain(id);
  });

  it('answers list filters that cannot match with field-level 400s', async () => {
    const cases: [string, string][] = [
      ['/requests?processor=nobody', 'processor'],
      ['/requests?escalated=maybe', 'escalated'],
      ['/requests?status=everything', 'status'],
      ['/requests?dueAfter=2026-05-01&dueBefore=2026-04-01', 'dueBefore'],
      ['/requests?dueAfter=soon', 'dueAfter'],
      ['/requests?limit=0', 'limit'],
      ['/requests?status=all&cursor=garbage', 'cursor'],
      [`/requests?status=all&cursor=${Buffer.from('{"s":"nothing"}').toString('base64url')}`, 'cursor'],
    ];
    for (const [path, field] of cases) {
      const r = await call(path, viewer);
      expect(r.status, path).toBe(400);
      expect(((await r.json()) as { issues: { path: string }[] }).issues.map((i) => i.path), path).toEqual([field]);
    }
  });
});

describe('acting on a request', () => {
  it('adds the officer’s own words to a refusal, without control characters, and keeps them off the closed record', async () => {
    const id = await confirmed({ type: 'erasure', email: 'deny-text@example.com' });
    const tooLong = await call(`/requests/${id}/deny`, officer, { reason: 'excessive', note: 'x'.repeat(1001) });
    expect(tooLong.status).toBe(400);
    expect(((await tooLong.json()) as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual(['note']);
    const words = 'You asked us the same question on 3, 10 and 17 March;\u0007 we answered on 20 March.\nSubject: fake';
    expect((await call(`/requests/${id}/deny`, officer, { reason: 'excessive', note: words })).status).toBe(200);
    const mail = await until(async () => (await rt.mails('deny-text@example.com')).find((m) => m.subject === 'Your privacy request has been refused'));
    expect(mail.body.text).toContain('In our team’s words:\nYou asked us the same question on 3, 10 and 17 March;  we answered on 20 March.\nSubject: fake\n');
    expect(mail.body.text).toContain('Wycliffe House, Water Lane, Wilmslow, Cheshire SK9 5AF, telephone 0303 123 1113, https://ico.org.uk/make-a-complaint');
    const d = await detail(id);
    expect(JSON.stringify(d)).not.toContain('same question');
    expect(d.audit.find((e: { action: string }) => e.action === 'deny').data).toEqual({ reason: 'excessive', noteSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('assigns an owner and keeps internal notes with author and time, on the audit trail, never mailed to the requester', async () => {
    const { requestId: id } = await submitted({ type: 'erasure', email: 'owned@example.com' });
    expect((await call(`/requests/${id}/owner`, viewer, { owner: 'viewer' })).status).toBe(403);
    expect((await call(`/requests/${id}/owner`, officer, { owner: 'not a name!' })).status).toBe(400);
    expect((await json(`/requests/${id}/owner`, officer, { owner: 'officer' })).owner).toBe('officer');
    expect((await call(`/requests/${id}/notes`, officer, { text: 'x'.repeat(2001) })).status).toBe(400);
    expect((await call(`/requests/${id}/notes`, viewer, { text: 'Viewers only read.' })).status).toBe(403);
    await json(`/requests/${id}/notes`, officer, { text: 'Called the shop: two accounts, same address.' });
    const d = await detail(id, viewer);
    expect(d.request.owner).toBe('officer');
    expect(d.request.notes).toEqual([{ at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), author: 'officer:officer', text: 'Called the shop: two accounts, same address.' }]);
    const audit = d.audit.filter((e: { action: string }) => ['assign', 'note'].includes(e.action));
    expect(audit.map((e: { action: string; actor: string; data: unknown }) => [e.action, e.actor, e.data])).toEqual([
      ['assign', 'officer:officer', { from: null, to: 'officer' }],
      ['note', 'officer:officer', { sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }],
    ]);
    expect((await json(`/requests/${id}/owner`, officer, { owner: null })).owner).toBeUndefined();
    expect((await rt.mails('owned@example.com')).some((m) => (m.body.text ?? '').includes('two accounts'))).toBe(false);
  });
});

describe('the SLA report', () => {
  it('reports on-time rate, times by type and every processor over all tasks of a range, as JSON and as CSV', async () => {
    // Refused the day it came: answered on time, and not completed, so no time to complete.
    const id = await confirmed({ type: 'objection', email: 'report@example.com', objections: ['reviews'] });
    expect((await call(`/requests/${id}/deny`, officer, { reason: 'manifestly_unfounded' })).status).toBe(200);
    // London's today, as the range's dates are: UTC's is still yesterday an hour after a summer midnight.
    const today = londonDate(new Date());
    const r = await json(`/report?from=${today}&to=${today}`, viewer);
    expect(r.requests).toBeGreaterThanOrEqual(1);
    expect(r.onTime).toBeGreaterThanOrEqual(1);
    expect(r.byType.map((t: { type: string }) => t.type)).toEqual(['access', 'erasure', 'rectification', 'objection', 'restrict']);
    // Every processor of the registry has its row, with or without an open request.
    expect(r.processors.map((p: { id: string }) => p.id).sort()).toEqual(rt.registry.processors.map((p) => p.id).sort());
    const csv = await call(`/report.csv?from=${today}&to=${today}`, viewer);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-disposition')).toBe(`attachment; filename="lethe-sla-${today}-${today}.csv"`);
    const lines = (await csv.text()).split('\r\n');
    expect(lines.slice(0, 3)).toEqual(['scope,name,measure,value', `range,,from,${today}`, `range,,to,${today}`]);
    expect(lines.some((l) => /^processor,Friendbook Social Login & Share,timeouts,\d+$/.test(l))).toBe(true);
    for (const bad of [`from=${today}`, 'from=2026-12-01&to=2026-01-01', 'from=last-week&to=today']) expect((await call(`/report?${bad}`, viewer)).status).toBe(400);
  });

  it('lists every processor on the dashboard’s scorecard, whether or not a request is open', async () => {
    const d = await json('/dashboard', viewer);
    expect(d.processors.map((p: { id: string }) => p.id).sort()).toEqual(rt.registry.processors.map((p) => p.id).sort());
  });
});
