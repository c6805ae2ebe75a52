import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
