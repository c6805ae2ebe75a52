import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Booted, boot, until } from '../harness.ts';

let rt: Booted;
let officer: string;
beforeAll(async () => {
  rt = await boot();
  officer = await rt.signIn('officer');
});
afterAll(async () => rt?.stopAndClean());

const admin = (path: string, body?: unknown) => rt.admin(officer, path, body);

async function confirmedCorrection(email: string, rectification: { field: string; correction: string }) {
  await rt.submit({ type: 'rectification', email, language: 'en', rectification });
  const links = await until(() => rt.links(email).catch(() => undefined));
  expect((await rt.confirm(links.token)).status).toBe(200);
  return links;
}

const webhookTo = (requestId: string, processorId: string) => rt.processors.received(processorId).find((w) => w.body?.subject_request_id === requestId)?.body;

describe('a correction (Art. 16, 19)', () => {
  it('waits for an officer, who reads the requester’s words before any processor is sent anything', async () => {
    const links = await confirmedCorrection('gail.review@example.com', { field: 'My surname', correction: 'It is Review-Smith since June' });
    const detail = (await (await admin(`/requests/${links.requestId}`)).json()) as { request: { status: string; details: { rectification?: unknown } }; tasks: unknown[] };
    expect(detail.request.status).toBe('awaiting_review');
    expect(detail.request.details.rectification).toEqual({ field: 'My surname', correction: 'It is Review-Smith since June' });
    expect(detail.tasks).toEqual([]);
    // Nothing went out: no processor and not the shop's own systems have heard of it.
    await new Promise((r) => setTimeout(r, 500));
    for (const id of ['paynow', 'parcelway', 'mailwave', 'reviewly', 'recoverco']) expect(webhookTo(links.requestId, id)).toBeUndefined();
    expect(rt.directory?.received.some((w) => w.body?.subject_request_id === links.requestId)).toBe(false);
    expect((await rt.status(links.requestId, links.statusToken)).status).toBe('awaiting_review');
  });

  it('once approved, reaches every processor holding a corrected field, the review provider included, each with only the fields it holds', async () => {
    const email = 'hana.fix@example.com';
    rt.directory?.addCustomer(email, 'hana’s own password', {
      account: { customer: 'C-9020', name: 'Hana Fixx', email, postal_address: '3 Old Road, York' },
      orders: [],
      invoices: [],
      correspondence: [],
    });
    const links = await confirmedCorrection(email, { field: 'My name is misspelt and I moved', correction: 'Hana Fix, 4 New Road, York' });
    const approved = await admin(`/requests/${links.requestId}/approve`, { corrections: { name: 'Hana Fix', postal_address: '4 New Road, York' } });
    expect(approved.status).toBe(200);
    await until(async () => (await rt.status(links.requestId, links.statusToken)).status === 'completed', 30_000, 'completion');
    expect(webhookTo(links.requestId, 'reviewly')).toMatchObject({ action: 'rectify', rectification: { name: 'Hana Fix' } });
    expect(webhookTo(links.requestId, 'mailwave')?.rectification).toEqual({ name: 'Hana Fix' });
    expect(webhookTo(links.requestId, 'paynow')?.rectification).toEqual({ name: 'Hana Fix', postal_address: '4 New Road, York' });
    expect(webhookTo(links.requestId, 'parcelway')?.rectification).toEqual({ name: 'Hana Fix', postal_address: '4 New Road, York' });
    // Analytics and the social app hold only the email address, which this correction does not change.
    expect(webhookTo(links.requestId, 'metricsly')).toBeUndefined();
    expect(webhookTo(links.requestId, 'socialapp')).toBeUndefined();
    // The shop's own systems corrected the account.
    expect(rt.directory?.recordsOf(email)?.account).toEqual({ customer: 'C-9020', name: 'Hana Fix', email, postal_address: '4 New Road, York' });
    const detail = (await (await admin(`/requests/${links.requestId}`)).json()) as { audit: { action: string; data?: Record<string, unknown> }[] };
    expect(detail.audit.find((e) => e.action === 'approve')?.data).toEqual({ fields: 'name,postal_address' });
    expect(JSON.stringify(detail.audit)).not.toContain('New Road');
  });

  it('refuses an approval without any corrected field, or with a field that is not one, with a field-level 400, and changes nothing', async () => {
    const links = await confirmedCorrection('ivan.empty@example.com', { field: 'name', correction: 'Ivan' });
    const empty = await admin(`/requests/${links.requestId}/approve`, { corrections: {} });
    expect(empty.status).toBe(400);
    expect(JSON.stringify(await empty.json())).toContain('corrections');
    const unknown = await admin(`/requests/${links.requestId}/approve`, { corrections: { shoe_size: '44' } });
    expect(unknown.status).toBe(400);
    const detail = (await (await admin(`/requests/${links.requestId}`)).json()) as { request: { status: string } };
    expect(detail.request.status).toBe('awaiting_review');
  });
});

describe('a corrected email address (Art. 16, 21(3))', () => {
  it('keeps the objections made from the old address: the new one is suppressed for the same uses, so the shop’s flows do not market to it', async () => {
    const { SuppressionList } = await import('../../../functions/adapters/suppression.ts');
    const { emailHash } = await import('../../../functions/shared/crypto.ts');
    const list = new SuppressionList();
    const [old, moved] = ['ines.old@example.com', 'ines.new@example.com'];
    await rt.submit({ type: 'objection', email: old, objections: ['marketing'], language: 'en' });
    const objection = await until(() => rt.links(old).catch(() => undefined));
    await rt.confirm(objection.token);
    await until(async () => (await list.scopesOf(await emailHash(old))).length > 0, 10_000, 'the objection’s suppression');

    const links = await confirmedCorrection(old, { field: 'My email address', correction: moved });
    expect((await admin(`/requests/${links.requestId}/approve`, { corrections: { email: moved } })).status).toBe(200);
    await until(async () => (await list.scopesOf(await emailHash(moved))).length > 0, 10_000, 'the new address’s suppression');
    // The same uses as the objection (marketing, and profiling for it), not review invitations, which were not objected to.
    expect(await list.scopesOf(await emailHash(moved))).toEqual(['marketing', 'profiling']);
    expect(await list.scopesOf(await emailHash(old))).toEqual(['marketing', 'profiling']);
  });

  it('suppresses nothing for the new address of someone who objected to nothing', async () => {
    const { SuppressionList } = await import('../../../functions/adapters/suppression.ts');
    const { emailHash } = await import('../../../functions/shared/crypto.ts');
    const [old, moved] = ['jon.old@example.com', 'jon.new@example.com'];
    const links = await confirmedCorrection(old, { field: 'My email address', correction: moved });
    expect((await admin(`/requests/${links.requestId}/approve`, { corrections: { email: moved } })).status).toBe(200);
    await until(async () => (await rt.status(links.requestId, links.statusToken)).status !== 'verified', 30_000, 'planned');
    expect(await new SuppressionList().scopesOf(await emailHash(moved))).toEqual([]);
  });
});
