import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { signWebhook } from '../../../functions/adapters/webhook-signing.ts';
import { key } from '../../../functions/adapters/table.ts';
import { addDays, londonDate } from '../../../functions/core/deadline.ts';
import type { StoredRequest } from '../../../functions/core/ports.ts';
import { type Booted, boot, until } from '../harness.ts';

let rt: Booted;
beforeAll(async () => {
  rt = await boot();
});
afterAll(async () => rt?.stopAndClean());

describe('a restriction request (Art. 18, "cesser de les utiliser")', () => {
  it('fans out a signed restrict to every processor, completes on their callbacks, and tells the requester what was restricted', async () => {
    // alice@example.com is the demo customer the payments, delivery, analytics, email and social processors hold records of.
    const sent = await rt.submit({ type: 'restrict', email: 'alice@example.com', language: 'en' });
    expect(sent.status).toBe(202);
    const links = await until(() => rt.links('alice@example.com').catch(() => undefined));
    await rt.confirm(links.token);
    await until(async () => (await rt.status(links.requestId, links.statusToken)).status === 'completed', 20_000, 'completion');

    for (const id of ['paynow', 'parcelway', 'metricsly', 'mailwave', 'reviewly', 'recoverco', 'socialapp']) {
      const w = rt.processors.received(id).find((x) => x.body?.subject_request_id === links.requestId);
      expect(w?.verified, id).toBe(true);
      expect(w?.body, id).toMatchObject({ subject_request_type: 'restrict', action: 'restrict', legal_holds: [] });
    }
    // The records are kept (not erased), marked as restricted, where the processor held any.
    expect(rt.processors.holds('paynow', 'alice@example.com')).toBe(true);
    expect(rt.processors.restricts('paynow', 'alice@example.com')).toBe(true);
    expect(rt.processors.restricts('recoverco', 'alice@example.com')).toBe(false);

    const mail = await until(async () => (await rt.mails('alice@example.com')).find((m) => /complete/.test(m.subject)));
    expect(mail.body.text).toContain('Your request (restriction of the use of your data, reference');
    expect(mail.body.text).toContain('- Offtek (our own systems): now only stores your data, and uses it for nothing else.');
    expect(mail.body.text).toContain('- PayNow Payments (payments): now only stores your data, and uses it for nothing else.');
    expect(mail.body.text).toContain('- RecoverCo Debt Collection (debt collection): held no data about you.');
    expect(mail.body.text).toContain('The recipients above that held your data now keep it without using it.');
    expect(mail.body.text).toContain('We will tell you before this restriction is lifted.');
    // Every email to a requester says who the company is and where (config/controller.json).
    expect(mail.body.text).toContain('Offtek, a company registered in the United Kingdom, number 03148866\nRegistered office: Claremont House, Broad Lane, Tanworth in Arden, B94 5DY, United Kingdom');

    // Restricted data may only be stored: the shop's own flows are told not to use the address either.
    const raw = JSON.stringify({ email: 'alice@example.com', purpose: 'marketing' });
    const r = await fetch(`${rt.urls.web}suppression/check`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signWebhook('chk_alice', raw, (rt.secrets.get('lethe/shop') as { secrets: string[] }).secrets) },
      body: raw,
    });
    expect(await r.json()).toEqual({ purpose: 'marketing', suppressed: true });
  });

  it('marks the shop’s own records of the customer as restricted, keeps them whole, and names the shop’s own systems in the outcome email', async () => {
    const email = 'rosa.restrict@example.com';
    const held = {
      account: { customer: 'C-9030', name: 'Rosa Restrict', email, postal_address: '5 Canal Street, Manchester', marketingConsent: true },
      orders: [{ order: 'OT-90030', date: '2026-01-09', items: '1 × 16 GB DDR5 SO-DIMM', total: '49.99 GBP' }],
      invoices: [{ invoice: 'INV-90030', order: 'OT-90030', date: '2026-01-09', total: '49.99 GBP' }],
      correspondence: [{ date: '2026-01-10', channel: 'email', subject: 'Invoice copy, please' }],
    };
    rt.directory?.addCustomer(email, 'rosa’s own password', held);
    expect(rt.directory?.restrictedSince(email)).toBeUndefined();
    await rt.submit({ type: 'restrict', email, language: 'en' });
    const links = await until(() => rt.links(email).catch(() => undefined));
    await rt.confirm(links.token);
    await until(async () => (await rt.status(links.requestId, links.statusToken)).status === 'completed', 20_000, 'completion');

    const hook = rt.directory?.received.find((w) => w.body?.subject_request_id === links.requestId);
    expect(hook?.verified).toBe(true);
    expect(hook?.body).toMatchObject({ action: 'restrict', task_id: `${links.requestId}.offtek`, legal_holds: [] });
    // Kept, not erased or changed: the account, orders, invoices and correspondence are all still there, marked restricted from today (London).
    expect(rt.directory?.recordsOf(email)).toEqual(held);
    expect(rt.directory?.restrictedSince(email)).toBe(new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date()));
    expect(rt.directory?.callbacks.find((c) => c.taskId === `${links.requestId}.offtek`)).toMatchObject({ code: 200, body: { request_status: 'completed' } });
    const mail = await until(async () => (await rt.mails(email)).find((m) => /complete/.test(m.subject)));
    expect(mail.body.text).toContain('- Offtek (our own systems): now only stores your data, and uses it for nothing else.');
  });

  it('leaves nothing marked at the shop for an address it does not know, and says it held nothing', async () => {
    const email = 'nobody.restrict@example.com';
    await rt.submit({ type: 'restrict', email, language: 'en' });
    const links = await until(() => rt.links(email).catch(() => undefined));
    await rt.confirm(links.token);
    await until(async () => (await rt.status(links.requestId, links.statusToken)).status === 'completed', 20_000, 'completion');
    expect(rt.directory?.restrictedSince(email)).toBeUndefined();
    const mail = await until(async () => (await rt.mails(email)).find((m) => /complete/.test(m.subject)));
    expect(mail.body.text).toContain('- Offtek (our own systems): held no data about you.');
  });

  it('names a restriction in the French confirmation email, signed with the company’s identity and postal address', async () => {
    await rt.submit({ type: 'restrict', email: 'rhea-restrict@example.com', language: 'fr' });
    const links = await until(() => rt.links('rhea-restrict@example.com').catch(() => undefined));
    const mail = (await rt.mails('rhea-restrict@example.com'))[0];
    expect(mail.body.text).toContain("Nous avons reçu une demande concernant la limitation de l’utilisation de vos données pour cette adresse e-mail.");
    expect(mail.body.text).toContain('Offtek, société immatriculée au Royaume-Uni sous le numéro 03148866\nSiège social : Claremont House, Broad Lane, Tanworth in Arden, B94 5DY, Royaume-Uni');
    expect(links.requestId).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
  });

  it('is lifted by an officer only, once, after the requester is told from what date and why; their address is kept until then', async () => {
    const email = 'lena-lift@example.com';
    await rt.submit({ type: 'restrict', email, language: 'en' });
    const links = await until(() => rt.links(email).catch(() => undefined));
    await rt.confirm(links.token);
    await until(async () => (await rt.status(links.requestId, links.statusToken)).status === 'completed', 20_000, 'completion');
    await until(async () => (await rt.mails(email)).find((m) => /complete/.test(m.subject)), 15_000, 'outcome email');
    const { ddb } = await import('../../../functions/adapters/clients/dynamodb.ts');
    const pii = async () => (await ddb.send(new GetCommand({ TableName: rt.tableName, Key: key.pii(links.requestId), ConsistentRead: true }))).Item;
    // A restriction in place keeps the address the requester is told at before it is lifted (Art. 18(3)).
    expect(await pii()).toMatchObject({ email });
    expect((await pii())?.ttl).toBeUndefined();

    const post = (token: string, body: unknown) => rt.api(`/admin/requests/${links.requestId}/lift-restriction`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
    const liftOn = addDays(londonDate(new Date()), 14);
    expect((await post(await rt.signIn('viewer'), { reason: 'accuracy_verified', liftOn })).status).toBe(403);
    const officer = await rt.signIn('officer');
    const today = await post(officer, { reason: 'accuracy_verified', liftOn: londonDate(new Date()) });
    expect(today.status).toBe(400);
    expect((await today.json()).issues[0].path).toBe('liftOn');

    const lifted = await post(officer, { reason: 'accuracy_verified', liftOn });
    expect(lifted.status).toBe(200);
    expect(await lifted.json()).toMatchObject({ noticeOwed: false, restrictionLift: { on: liftOn, reason: 'accuracy_verified', by: expect.stringMatching(/^officer:/) } });
    const notice = await until(async () => (await rt.mails(email)).find((m) => /will be lifted/.test(m.subject)), 15_000, 'lift notice');
    expect(notice.subject).toBe('Your request: the restriction of your data will be lifted');
    expect(notice.body.text).toContain(`reference ${links.requestId}`);
    expect(notice.body.text).toContain('Reason: we have finished checking the accuracy of the data you contested.');
    expect(notice.body.text).toContain('If you disagree, tell us before');
    expect(notice.body.text).toContain('ico.org.uk/make-a-complaint');
    expect(notice.body.text).toContain('Registered office: Claremont House');

    const again = await post(officer, { reason: 'requester_asked', liftOn });
    expect(again.status).toBe(409);
    expect((await again.json()).message).toBe(`this restriction is already being lifted, from ${liftOn}`);
    const { repo } = await import('../../../functions/shared/deps.ts');
    const req = (await repo.getRequest(links.requestId)) as StoredRequest;
    expect(req.status).toBe('completed');
    expect(req.audit.filter((e) => e.action === 'lift_restriction')).toEqual([expect.objectContaining({ actor: expect.stringMatching(/^officer:/), data: { reason: 'accuracy_verified', liftOn } })]);
    expect((await rt.mails(email)).filter((m) => /will be lifted/.test(m.subject))).toHaveLength(1);
    // The status page says it; the address goes 30 days after the lift.
    expect(await rt.status(links.requestId, links.statusToken)).toMatchObject({ status: 'completed', restrictionLiftedOn: liftOn });
    expect((await pii())?.ttl).toBe(Date.parse(`${addDays(liftOn, 30)}T00:00:00Z`) / 1000);
  });

  it('refuses with a 409 saying why to lift anything but a restriction', async () => {
    const email = 'omar-erase@example.com';
    await rt.submit({ type: 'erasure', email, language: 'en' });
    const links = await until(() => rt.links(email).catch(() => undefined));
    const r = await rt.api(`/admin/requests/${links.requestId}/lift-restriction`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${await rt.signIn('officer')}` }, body: JSON.stringify({ reason: 'requester_asked', liftOn: addDays(londonDate(new Date()), 1) }) });
    expect(r.status).toBe(409);
    expect((await r.json()).message).toBe('only a restriction can be lifted, not this erasure request');
  });
});
