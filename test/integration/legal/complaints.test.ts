import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { key } from '../../../functions/adapters/table.ts';
import { ACK_WINDOWS, ACKS_PER_EMAIL_PER_DAY } from '../../../functions/core/complaints.ts';
import { countsUntil, partOf } from '../../../functions/core/rate-limit.ts';
import { LOCAL_CREDENTIALS } from '../../../local/services/credentials.ts';
import { type Booted, boot, from, until } from '../harness.ts';

/** The complaints channel (DPA 2018 s.164A) through the deployed bundles: the form's route, the acknowledgement, the console. */
let rt: Booted;
let officer: string;
let viewer: string;
let db: DynamoDBDocumentClient;
beforeAll(async () => {
  rt = await boot();
  [officer, viewer] = await Promise.all([rt.signIn('officer'), rt.signIn('viewer')]);
  db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: rt.urls.dynamodb, region: 'eu-west-2', credentials: LOCAL_CREDENTIALS }));
});
afterAll(async () => {
  db?.destroy();
  await rt?.stopAndClean();
});

const complain = (body: unknown, address = '127.0.0.71') =>
  from(address)(`${rt.urls.api}/complaints`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const admin = (path: string, token: string, body?: unknown) => rt.admin(token, path, body);
const repo = async () => (await import('../../../functions/shared/deps.ts')).repo;
/** A share of an hourly limit, as if `uses` had just been taken from it. */
async function spent(scope: string, hash: string, uses: number) {
  const part = partOf(new Date(), 3600);
  await db.send(new PutCommand({ TableName: rt.tableName, Item: { ...key.rate(scope, hash), n: uses, [`s${part}`]: uses, ttl: countsUntil(part, 3600).getTime() / 1000 + 60 } }));
}
/** The complaint's reference, read from its acknowledgement as the complainant would. */
const referenceIn = (text: string) => /Its reference is (\w{26})\.|Sa référence : (\w{26})\./.exec(text)?.slice(1).find(Boolean) ?? '';
const RECEIVED = {
  en: 'Thank you. Your complaint is recorded. We are emailing you an acknowledgement, and will answer you without undue delay.',
  fr: 'Merci. Votre réclamation est enregistrée. Nous vous envoyons un accusé de réception par e-mail, puis nous vous répondrons sans retard injustifié.',
};
const SAME_ANSWER = { status: 'received', message: RECEIVED.en, messages: RECEIVED };

describe('the complaint form', () => {
  it('records a complaint tied to a request with its clock, answers the same 202 for any address, and acknowledges it by email in the same run', async () => {
    const before = Date.now();
    const tied = await complain({ email: 'clara-complains@example.com', name: 'Clara', requestId: '01jq0000000000000000000000', text: 'You kept sending me offers after I objected.', language: 'en' });
    expect(tied.status).toBe(202);
    expect(await tied.json()).toEqual(SAME_ANSWER);
    // An address nobody knows gets exactly the same answer.
    const stranger = await complain({ email: 'nobody-at-all@example.com', text: 'I never shopped here and got an email.', language: 'en' });
    expect(stranger.status).toBe(202);
    expect(await stranger.json()).toEqual(SAME_ANSWER);

    const [mail] = await until(async () => {
      const m = await rt.mails('clara-complains@example.com');
      return m.length ? m : undefined;
    }, 15_000, 'acknowledgement');
    expect(mail.subject).toBe('We have received your complaint');
    // The complainant's words never go out by email: anyone can type any address into the form.
    expect(mail.body.text).not.toContain('offers');
    expect(mail.body.text).toContain('(about your request 01JQ0000000000000000000000)');
    const id = referenceIn(mail.body.text ?? '');
    const c = await until(async () => {
      const x = await (await repo()).getComplaint(id);
      return x?.status === 'acknowledged' ? x : undefined;
    }, 10_000, 'acknowledged');
    const london = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' });
    const received = london.format(new Date(c.receivedAt));
    expect(Date.parse(c.receivedAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(c).toMatchObject({ requestId: '01JQ0000000000000000000000', email: 'clara-complains@example.com', name: 'Clara', text: 'You kept sending me offers after I objected.', acknowledgedBy: 'email', language: 'en' });
    expect(c.acknowledgeBy).toBe(london.format(new Date(Date.parse(`${received}T12:00:00Z`) + 29 * 86_400_000)));
    expect(c.outboxAck).toBeUndefined();
    expect(c.audit.map((e) => [e.actor, e.action, e.to])).toEqual([
      ['complainant', 'complaint', 'received'],
      ['system', 'acknowledge', 'acknowledged'],
    ]);
    // The ledger names no free text.
    expect(JSON.stringify(c.audit)).not.toContain('offers');
  });

  it('records a complaint sent twice in a row (a double click) once, with one acknowledgement, and answers both alike', async () => {
    const sent = { email: 'ella-twice@example.com', text: 'I pressed send twice by mistake.', language: 'en' };
    const answers = await Promise.all([complain(sent, '127.0.0.74'), complain(sent, '127.0.0.74')]);
    expect(answers.map((r) => r.status)).toEqual([202, 202]);
    expect(await Promise.all(answers.map((r) => r.json()))).toEqual([SAME_ANSWER, SAME_ANSWER]);
    await until(async () => ((await rt.mails('ella-twice@example.com')).length ? true : undefined), 15_000, 'acknowledgement');
    const mine = (await (await repo()).listComplaints()).items.filter((c) => c.email === 'ella-twice@example.com');
    expect(mine).toHaveLength(1);
    expect(await rt.mails('ella-twice@example.com')).toHaveLength(1);
  });

  it('answers bad input with field-level 400s in the person’s language and writes nothing', async () => {
    const r = await complain({ email: 'not an address', requestId: 'ORDER-42', text: 'short', language: 'fr', extra: true });
    expect(r.status).toBe(400);
    const body = (await r.json()) as { issues: { path: string; message: string }[] };
    expect(body.issues.map((i) => i.path).sort()).toEqual(['email', 'extra', 'requestId', 'text']);
    expect(body.issues.find((i) => i.path === 'requestId')?.message).toBe('Une référence de demande compte 26 lettres et chiffres, comme dans nos e-mails (par exemple 01JD3Q8Z7X5V2N4M6K8H0G1F2E).');
    const all = await (await repo()).listComplaints();
    expect(all.items.filter((c) => c.email === 'not an address' || c.text === 'short')).toEqual([]);
    expect(await rt.mails('not an address')).toEqual([]);
  });

  it('refuses new complaints from one client address past 20 an hour with 429 and Retry-After, and lets another address through', async () => {
    const { hmac } = await import('../../../functions/shared/crypto.ts');
    await spent('complaint-ip', await hmac('ip:127.0.0.72'), 20);
    const limited = await complain({ email: 'dan-complains@example.com', text: 'One complaint too many this hour.' }, '127.0.0.72');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await complain({ email: 'dan-complains@example.com', text: 'The same complaint from elsewhere.' }, '127.0.0.73')).status).toBe(202);
  });

  it('records a fourth complaint from one address in an hour but mails its acknowledgement once the hourly share has room again, which the sweeper delivers', async () => {
    const email = 'eve-complains@example.com';
    for (const n of [1, 2, 3, 4]) expect((await complain({ email, text: `Complaint number ${n} about my data.`, language: 'fr' }, '127.0.0.74')).status).toBe(202);
    await until(async () => (await rt.mails(email)).length === 3 || undefined, 15_000, 'three acknowledgements');
    const owed = (await (await repo()).listComplaints({ owed: true })).items.filter((c) => c.email === email);
    expect(owed.map((c) => [c.text, c.status, c.outboxAck?.owner])).toEqual([['Complaint number 4 about my data.', 'received', '']]);
    // The sweep once the share has room again sends it, once.
    const nextHour = new Date(Date.parse(owed[0].outboxAck?.until ?? '') + 1000).toISOString();
    const report = (await rt.lambdas.invoke('sweeper', { time: nextHour })) as { complaintAcksSent: string[] };
    expect(report.complaintAcksSent).toContain(owed[0].id);
    const mails = await rt.mails(email);
    expect(mails.map((m) => m.subject)).toEqual(Array(4).fill('Nous avons bien reçu votre réclamation'));
    expect((await (await repo()).getComplaint(owed[0].id))?.status).toBe('acknowledged');
    const again = (await rt.lambdas.invoke('sweeper', { time: nextHour })) as { complaintAcksSent: string[] };
    expect(again.complaintAcksSent).not.toContain(owed[0].id);
  });

  it('records a complaint past the address’s ten acknowledgements in 24 hours but mails it none; the console shows it to acknowledge by hand', async () => {
    const email = 'ida-complains@example.com';
    // Counted by the inbox the address reaches (core/edge.ts inboxOf), however it is spelled.
    const { inboxHash } = await import('../../../functions/shared/crypto.ts');
    // Ten mailed over the last 20 hours, none in the last hour: the address's share of any 24 hours spent, its hour's not.
    const hash = await inboxHash(email);
    for (let i = 0; i < ACKS_PER_EMAIL_PER_DAY; i++) expect(await (await repo()).takeShare('complaint-ack', hash, ACK_WINDOWS, new Date(Date.now() - (20 - 2 * i) * 3_600_000))).toEqual({ allowed: true });
    expect(await (await complain({ email, text: 'Yet another complaint about my data.', language: 'en' }, '127.0.0.78')).json()).toEqual(SAME_ANSWER);
    const c = await until(async () => (await (await repo()).listComplaints()).items.find((x) => x.email === email && !x.outboxAck), 10_000, 'complaint settled');
    expect(c.status).toBe('received');
    expect(c.audit.map((e) => e.action)).toEqual(['complaint', 'ack_email_withheld']);
    expect(await rt.mails(email)).toEqual([]);
    const listed = (await (await admin('/complaints', officer)).json()) as { items: { id: string; status: string; ackEmailWithheld: boolean; clock: { acknowledgeBy: string; daysToAcknowledge: number } }[] };
    expect(listed.items.find((x) => x.id === c.id)).toMatchObject({ status: 'received', ackEmailWithheld: true, clock: { acknowledgeBy: c.acknowledgeBy, daysToAcknowledge: expect.any(Number) } });
    const sweep = (await rt.lambdas.invoke('sweeper', { time: new Date(Date.now() + 3_700_000).toISOString() })) as { complaintAcksSent: string[] };
    expect(sweep.complaintAcksSent).not.toContain(c.id);
    expect(await rt.mails(email)).toEqual([]);
  });

  it('reminds the team of a complaint whose acknowledgement was withheld, 7 days before its last day and once overdue, by its reference alone, until an officer acknowledges it', async () => {
    const email = 'jo-complains@example.com';
    const { inboxHash } = await import('../../../functions/shared/crypto.ts');
    const hash = await inboxHash(email);
    for (let i = 0; i < ACKS_PER_EMAIL_PER_DAY; i++) await (await repo()).takeShare('complaint-ack', hash, ACK_WINDOWS, new Date(Date.now() - (20 - 2 * i) * 3_600_000));
    expect((await complain({ email, name: 'Jo Marsh', text: 'My order history is still online.', language: 'en' }, '127.0.0.79')).status).toBe(202);
    const c = await until(async () => (await (await repo()).listComplaints()).items.find((x) => x.email === email && !x.outboxAck), 10_000, 'complaint settled');
    expect(c.status).toBe('received');
    const sweepOn = async (day: string) =>
      (await rt.lambdas.invoke('sweeper', { time: `${day}T12:00:00.000Z` })) as { complaintReminders: string[]; overdueComplaints: string[] };
    const aboutIt = async () => (await rt.mails('compliance@offtek.example')).filter((m) => m.subject.includes(c.id));
    const day = (n: number) => new Date(Date.parse(`${c.acknowledgeBy}T12:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

    expect((await sweepOn(day(-8))).complaintReminders).not.toContain(`${c.id}:reminder-7`);
    expect((await sweepOn(day(-7))).complaintReminders).toContain(`${c.id}:reminder-7`);
    expect((await sweepOn(day(-7))).complaintReminders).not.toContain(`${c.id}:reminder-7`);
    const [mail] = await aboutIt();
    expect(mail.subject).toBe(`Complaint ${c.id}: 7 days left to acknowledge it`);
    expect(mail.body.text).toContain(`acknowledge it by ${c.acknowledgeBy}: 7 days left.`);
    for (const pii of [email, 'Jo Marsh', 'order history']) expect(JSON.stringify(mail)).not.toContain(pii);

    const late = await sweepOn(day(1));
    expect(late).toMatchObject({ complaintReminders: expect.arrayContaining([`${c.id}:overdue`]), overdueComplaints: expect.arrayContaining([c.id]) });
    expect((await aboutIt()).map((m) => m.subject)).toEqual([`Complaint ${c.id}: 7 days left to acknowledge it`, `OVERDUE: complaint ${c.id} was to be acknowledged by ${c.acknowledgeBy}`]);
    const stored = await (await repo()).getComplaint(c.id);
    expect(stored?.audit.map((e) => [e.actor, e.action])).toEqual([['complainant', 'complaint'], ['system', 'ack_email_withheld'], ['sweeper', 'reminder-7'], ['sweeper', 'overdue']]);
    expect(stored?.outboxAlert).toBeUndefined();

    expect((await admin(`/complaints/${c.id}/acknowledge`, officer, {})).status).toBe(200);
    expect((await sweepOn(day(2))).overdueComplaints).not.toContain(c.id);
    expect(await aboutIt()).toHaveLength(2);
  });
});

describe('the way to the complaint form', () => {
  it('puts the shop’s complaint form, tied to the request, before the ICO in a real outcome email', async () => {
    const email = 'hugo-outcome@example.com';
    expect((await rt.submit({ type: 'objection', email, language: 'en', objections: ['marketing'] }, {}, '127.0.0.77')).status).toBe(202);
    const links = await until(() => rt.links(email).catch(() => undefined), 10_000, 'confirmation email');
    expect((await rt.confirm(links.token)).status).toBe(200);
    const outcome = await until(async () => (await rt.mails(email)).find((m) => m.subject === 'Your privacy request is complete'), 30_000, 'outcome email');
    const lines = (outcome.body.text ?? '').split('\n');
    const at = lines.indexOf('How to complain:');
    expect(lines[at + 1]).toBe(
      `If you are not satisfied with our answer, you can first complain to us with our complaint form: ${rt.urls.web}complaint.html?ref=${links.requestId}&lang=en (or by replying to any of our emails about this request).`,
    );
    expect(lines[at + 2]).toMatch(/^You have the right to complain to the UK’s supervisory authority, the Information Commissioner’s Office \(ICO\)/);
    // The link opens the form, served by the site like the privacy form.
    const page = await fetch(`${rt.urls.web}complaint.html?ref=${links.requestId}&lang=en`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form id="complaint" novalidate>');
  });
});

describe('complaints in the console', () => {
  it('lists them with their clock and request, lets an officer record the response once, refuses viewers, and counts them in the SLA report', async () => {
    const email = 'fay-complains@example.com';
    expect((await complain({ email, requestId: '01JQ0000000000000000000000', text: 'My erasure took far too long.', language: 'en' }, '127.0.0.75')).status).toBe(202);
    const mail = await until(async () => (await rt.mails(email)).at(0), 15_000, 'acknowledgement');
    const id = referenceIn(mail.body.text ?? '');
    await until(async () => (await (await repo()).getComplaint(id))?.status === 'acknowledged' || undefined, 10_000, 'acknowledged');

    const list = await admin('/complaints', viewer);
    expect(list.status).toBe(200);
    const item = ((await list.json()) as { items: Record<string, unknown>[] }).items.find((c) => c.id === id) as Record<string, unknown> & { clock: Record<string, unknown> };
    expect(item).toMatchObject({ status: 'acknowledged', requestId: '01JQ0000000000000000000000', email, text: 'My erasure took far too long.', acknowledgedBy: 'email', respondedAt: null });
    expect(item.clock).toMatchObject({ daysToAcknowledge: null, acknowledgedOnTime: true, respondedOn: null, daysOpen: 0 });

    expect((await admin(`/complaints/${id}/respond`, viewer, { outcome: 'Apologised; the erasure is done.' })).status).toBe(403);
    // Acknowledged by its email already: acknowledging again is impossible.
    const twice = await admin(`/complaints/${id}/acknowledge`, officer, {});
    expect(twice.status).toBe(409);
    expect(((await twice.json()) as { message: string }).message).toBe('this complaint is already acknowledged');
    expect((await admin(`/complaints/${id}/respond`, officer, { outcome: 'x' })).status).toBe(400);
    const responded = await admin(`/complaints/${id}/respond`, officer, { outcome: 'Apologised; the erasure is done.' });
    expect(responded.status).toBe(200);
    expect(await responded.json()).toMatchObject({ id, status: 'responded', outcome: 'Apologised; the erasure is done.' });
    expect((await admin(`/complaints/${id}/respond`, officer, { outcome: 'Again.' })).status).toBe(409);
    const stored = await (await repo()).getComplaint(id);
    expect(stored?.audit.map((e) => [e.actor, e.action, e.from ?? null, e.to])).toEqual([
      ['complainant', 'complaint', null, 'received'],
      ['system', 'acknowledge', 'received', 'acknowledged'],
      ['officer:officer', 'respond', 'acknowledged', 'responded'],
    ]);
    // Its own hash chain, which npm run audit:verify re-checks like a request's.
    const { firstBreak } = await import('../../../functions/core/audit.ts');
    expect(firstBreak(stored?.audit ?? [])).toBe(-1);

    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date());
    const report = (await (await admin(`/report?from=${today}&to=${today}`, viewer)).json()) as { complaints: { complaints: number; responded: number; acknowledgedLate: number } };
    expect(report.complaints.complaints).toBeGreaterThanOrEqual(1);
    expect(report.complaints.responded).toBeGreaterThanOrEqual(1);
    expect(report.complaints.acknowledgedLate).toBe(0);
    const csv = await (await admin(`/report.csv?from=${today}&to=${today}`, viewer)).text();
    expect(csv).toMatch(/complaints,,acknowledged_on_time_rate,1\.000\r\n/);
  });

  it('lets an officer acknowledge a complaint another way, which drops the owed email; a viewer cannot', async () => {
    const email = 'gus-complains@example.com';
    // Three acknowledgements this hour already: the next complaint's email waits for the next hour.
    const { inboxHash } = await import('../../../functions/shared/crypto.ts');
    await spent('complaint-ack', await inboxHash(email), 3);
    expect((await complain({ email, text: 'Please call me about my data.', language: 'en' }, '127.0.0.76')).status).toBe(202);
    const c = await until(async () => (await (await repo()).listComplaints({ owed: true })).items.find((x) => x.email === email), 10_000, 'owed complaint');
    expect((await admin(`/complaints/${c.id}/acknowledge`, viewer, {})).status).toBe(403);
    const ack = await admin(`/complaints/${c.id}/acknowledge`, officer, {});
    expect(ack.status).toBe(200);
    expect(await ack.json()).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'officer:officer' });
    const stored = await (await repo()).getComplaint(c.id);
    expect(stored?.outboxAck).toBeUndefined();
    const sweep = (await rt.lambdas.invoke('sweeper', { time: new Date(Date.now() + 3_700_000).toISOString() })) as { complaintAcksSent: string[] };
    expect(sweep.complaintAcksSent).not.toContain(c.id);
    expect(await rt.mails(email)).toEqual([]);
  });
});
