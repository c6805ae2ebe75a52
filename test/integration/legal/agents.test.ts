import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredRequest } from '../../../functions/core/ports.ts';
import { type Booted, boot, until } from '../harness.ts';

/**
 * Requests by an authorised agent through the form (issue 16, item 7): the confirmation link goes
 * to the person's own address, the person confirms, and the request then waits for an officer to
 * check the agent's proof of authority before anything is planned. The request record keeps codes;
 * the agent's name and email are personal data, kept with the person's.
 */
let rt: Booted;
let officer: string;
beforeAll(async () => {
  rt = await boot();
  officer = await rt.signIn('officer');
});
afterAll(async () => rt?.stopAndClean());

const repo = async () => (await import('../../../functions/shared/deps.ts')).repo;
const request = async (id: string) => (await (await repo()).getRequest(id)) as StoredRequest;
const admin = (path: string, body?: unknown) => rt.admin(officer, path, body);
const COMPLIANCE = 'compliance@offtek.example';

describe('a request made on the form by someone acting for the person', () => {
  it('mails the link to the person, not the agent; after the person confirms it waits for an officer, who sees the relationship and the declared proof and approves it', async () => {
    const person = 'lena.person@example.com';
    const agentEmail = 'sam@lawfirm.example';
    const r = await rt.submit({ type: 'erasure', email: person, language: 'en', agent: { name: 'Sam Solicitor', email: agentEmail, relationship: 'solicitor', proof: 'signed_authority' } });
    // The same answer as any submission: nothing says whether the address is a customer's, or that an agent was involved.
    expect(r.status).toBe(202);
    expect(await r.json()).toEqual({ status: 'check_your_email', message: 'Thank you. If this address is yours, you will receive an email with a link to confirm your request. We send one address at most one link every 10 minutes, and a few an hour: if none has arrived within the hour, send this form again.', messages: { en: 'Thank you. If this address is yours, you will receive an email with a link to confirm your request. We send one address at most one link every 10 minutes, and a few an hour: if none has arrived within the hour, send this form again.', fr: 'Merci. Si cette adresse est la vôtre, vous allez recevoir un e-mail avec un lien pour confirmer votre demande. Nous n’envoyons pas plus d’un lien toutes les 10 minutes à une même adresse, et quelques-uns par heure : s’il n’est pas arrivé dans l’heure, renvoyez ce formulaire.' } });
    const links = await until(() => rt.links(person).catch(() => undefined));
    expect(await rt.mails(agentEmail)).toEqual([]);
    const mail = (await rt.mails(person))[0];
    expect(mail.body.text).toContain('This request was made on your behalf by someone who says they are your solicitor. Confirm it only if you authorised them: a privacy officer then checks their proof of authority before anything is done.');
    // Nothing a stranger typed goes into the person's mailbox.
    expect(mail.body.text).not.toContain('Sam Solicitor');

    // The record keeps codes; the agent's name and email sit with the person's, in the record that expires.
    const created = await request(links.requestId);
    expect(created.agent).toEqual({ relationship: 'solicitor', proof: 'signed_authority' });
    expect(JSON.stringify(created)).not.toMatch(/Sam Solicitor|lawfirm/);
    expect(await (await repo()).getPii(links.requestId)).toEqual({ email: person, agentName: 'Sam Solicitor', agentEmail });

    expect((await rt.confirm(links.token)).status).toBe(200);
    const waiting = await request(links.requestId);
    expect(waiting.status).toBe('awaiting_review');
    expect(waiting.dueDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect((await rt.status(links.requestId, links.statusToken)).status).toBe('awaiting_review');
    // Nothing is planned yet: no processor and not the shop have heard of it.
    expect(rt.processors.received('paynow').some((w) => w.body?.subject_request_id === links.requestId)).toBe(false);
    const team = await until(async () => (await rt.mails(COMPLIANCE)).find((m) => m.subject === `Authorised agent to check (request ${links.requestId})`), 15_000, 'the team email');
    expect(team.body.text).toContain('was made by a solicitor acting for the person');
    expect(team.body.text).not.toMatch(/Sam Solicitor|lawfirm|lena\.person/);

    const detail = (await (await admin(`/requests/${links.requestId}`)).json()) as { request: { status: string; agent: unknown } };
    expect(detail.request).toMatchObject({ status: 'awaiting_review', agent: { relationship: 'solicitor', proof: 'signed_authority' } });
    // An erasure has no corrected values to approve: giving some is a field-level 400 that changes nothing.
    const wrong = await admin(`/requests/${links.requestId}/approve`, { corrections: { name: 'Lena' } });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ issues: [{ path: 'corrections', message: 'only a correction has fields to approve' }] });
    expect((await request(links.requestId)).status).toBe('awaiting_review');

    const approved = await admin(`/requests/${links.requestId}/approve`, {});
    expect(approved.status).toBe(200);
    await until(async () => (await rt.status(links.requestId, links.statusToken)).status === 'completed', 30_000, 'completion');
    const done = await request(links.requestId);
    expect(done.audit.find((e) => e.action === 'approve')).toMatchObject({ from: 'awaiting_review', to: 'verified', data: { agent: 'solicitor', agentProof: 'signed_authority' } });
  });

  it('is refused for want of authority: the person is told why and how to complain', async () => {
    const person = 'milo.person@example.com';
    await rt.submit({ type: 'access', email: person, language: 'en', agent: { name: 'Pat Parent', email: 'pat.parent@example.com', relationship: 'parent', proof: 'parental_responsibility' } });
    const links = await until(() => rt.links(person).catch(() => undefined));
    expect((await rt.confirm(links.token)).status).toBe(200);
    await until(async () => (await request(links.requestId)).status === 'awaiting_review', 10_000, 'waiting for review');
    const denied = await admin(`/requests/${links.requestId}/deny`, { reason: 'authority_not_shown' });
    expect(denied.status).toBe(200);
    const refusal = await until(async () => (await rt.mails(person)).find((m) => /refused/.test(m.subject)), 15_000, 'the refusal');
    expect(refusal.body.text).toContain('for this reason: it was made on your behalf by someone who has not shown us satisfactory proof that they may act for you; you, or they with that proof, may ask again.');
    expect(refusal.body.text).toContain('ico.org.uk/make-a-complaint');
    expect(await rt.mails('pat.parent@example.com')).toEqual([]);
  });

  it('shows an officer, and no viewer, how to reach the agent for their proof, while it waits to be checked, and records each look', async () => {
    const person = 'olga.person@example.com';
    const submitted = await rt.submit({ type: 'erasure', email: person, language: 'en', agent: { name: 'Quinn Attorney', email: 'quinn@attorneys.example', relationship: 'other', proof: 'power_of_attorney' } });
    expect(submitted.status).toBe(202);
    const links = await until(() => rt.links(person).catch(() => undefined));
    expect((await rt.confirm(links.token)).status).toBe(200);
    await until(async () => (await request(links.requestId)).status === 'awaiting_review', 10_000, 'waiting for review');

    const viewer = await rt.signIn('viewer');
    const refused = await rt.api(`/admin/requests/${links.requestId}/agent-contact`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${viewer}` }, body: '{}' });
    expect(refused.status).toBe(403);
    expect((await request(links.requestId)).audit.some((e) => e.action === 'agent_contact_viewed')).toBe(false);

    const shown = await admin(`/requests/${links.requestId}/agent-contact`, {});
    expect(shown.status).toBe(200);
    expect(await shown.json()).toEqual({ name: 'Quinn Attorney', email: 'quinn@attorneys.example' });
    const looked = await request(links.requestId);
    expect(looked.status).toBe('awaiting_review');
    expect(looked.audit.at(-1)).toMatchObject({ action: 'agent_contact_viewed', actor: expect.stringMatching(/^officer:/), subject: links.requestId });
    // The trail says who looked and when, never what they saw.
    expect(JSON.stringify(looked.audit)).not.toMatch(/Quinn|attorneys\.example/);

    expect((await admin(`/requests/${links.requestId}/deny`, { reason: 'authority_not_shown' })).status).toBe(200);
    const after = await admin(`/requests/${links.requestId}/agent-contact`, {});
    expect(after.status).toBe(409);
    expect(await after.json()).toMatchObject({ message: "an agent's contact details are shown only while their authority waits to be checked, not once the request is denied" });
  });

  it('refuses an agent who gives the person’s own address as theirs, naming the field, and writes nothing', async () => {
    const person = 'nora.person@example.com';
    const r = await rt.submit({ type: 'erasure', email: person, language: 'fr', agent: { name: 'Nora Herself', email: person, relationship: 'other', proof: 'signed_authority' } });
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({
      issues: [{ path: 'agent.email', message: 'Saisissez ici votre propre adresse e-mail. L’adresse ci-dessus est celle de la personne : c’est là que nous envoyons le lien de confirmation.' }],
    });
    await new Promise((res) => setTimeout(res, 300));
    expect(await rt.mails(person)).toEqual([]);
    expect(await (await repo()).findRequests('byEmail', await (await import('../../../functions/shared/crypto.ts')).emailHash(person))).toEqual([]);
  });
});
