import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Booted, boot, closedPort, until } from '../harness.ts';

/**
 * A copy whose assembly keeps failing (a processor's results_url refuses every connection, so
 * Assemble throws for its retries and fails after them) reaches a person: the request waits for an
 * officer, the team is emailed, and the officer's "retry the copy" runs the assembly again. Before,
 * the execution failed: no copy, no email, the request stuck in progress.
 */
const COMPLIANCE = 'compliance@offtek.example';
const EMAIL = 'alice@example.com';
let rt: Booted;
let officer: string;

const call = (path: string, body?: unknown) => rt.admin(officer, path, body);


beforeAll(async () => {
  rt = await boot({ retryIntervalOverrides: { Assemble: 10, AssemblyFailed: 10 } });
  officer = await rt.signIn('officer');
}, 120_000);
afterAll(async () => rt?.stopAndClean());

describe('a copy of data that cannot be assembled', () => {
  it('waits for an officer, tells the team, and is assembled and sent once the officer retries it', async () => {
    const { workflowRepo: repo } = await import('../../../functions/shared/deps.ts');
    rt.processors.setBehaviour('paynow', { resultsUrl: `https://127.0.0.1:${await closedPort()}/exports/alice.json` });
    let requestId = '';
    try {
      await rt.submit({ type: 'access', email: EMAIL, language: 'en' });
      const links = await until(() => rt.links(EMAIL).catch(() => undefined));
      requestId = links.requestId;
      expect((await rt.confirm(links.token, { password: 'correct horse battery staple' })).status).toBe(200);

      const held = await until(async () => {
        const r = await repo.getRequest(requestId);
        return r?.status === 'awaiting_manual' && r.assemblyFailed ? r : undefined;
      }, 60_000, 'the request waiting for an officer');
      expect(held.audit.map((e) => e.action)).toContain('assembly_failed');
      expect(held.audit.find((e) => e.action === 'assembly_failed')?.data).toMatchObject({ reason: 'the copy could not be assembled', processors: 'paynow' });
      // Which provider's results could not be fetched, by its registry id: never its results_url.
      expect(held.assemblyFailed?.processors).toEqual(['paynow']);
      expect(JSON.stringify(held)).not.toContain('/exports/alice.json');
      const alert = await until(async () => (await rt.mails(COMPLIANCE)).find((m) => m.subject === `Copy could not be assembled (request ${requestId})`), 30_000, 'the team email');
      expect(alert.body.text).toContain(`/console.html#/requests/${requestId}`);
      // The team is told which provider, by the registry's name, as the console says it; never its results_url.
      expect(alert.body.text).toContain('the results of PayNow Payments could not be fetched');
      expect(alert.body.text).not.toContain('/exports/alice.json');
      expect((await rt.mails(EMAIL)).filter((m) => /complete/.test(m.subject))).toEqual([]);

      // The console shows why, never the workflow's token.
      const detail = (await (await call(`/requests/${requestId}`)).json()) as { request: { status: string; assemblyFailed: Record<string, unknown> | null } };
      expect(detail.request.status).toBe('awaiting_manual');
      expect(detail.request.assemblyFailed).toMatchObject({ error: expect.any(String), processors: ['paynow'] });
      expect(detail.request.assemblyFailed).not.toHaveProperty('token');

      // A retry while the results still cannot be fetched holds it again, and tells the team again.
      const first = held.assemblyFailed?.token;
      expect((await call(`/requests/${requestId}/reassemble`, {})).status).toBe(200);
      const again = await until(async () => {
        const r = await repo.getRequest(requestId);
        return r?.status === 'awaiting_manual' && r.assemblyFailed && r.assemblyFailed.token !== first ? r : undefined;
      }, 60_000, 'held again');
      expect(again.audit.map((e) => e.action).filter((a) => ['assembly_failed', 'retry_assembly'].includes(a))).toEqual(['assembly_failed', 'retry_assembly', 'assembly_failed']);
      await until(async () => (await rt.mails(COMPLIANCE)).filter((m) => m.subject === `Copy could not be assembled (request ${requestId})`).length === 2, 30_000, 'the second team email');

      // The processor's results can be had now (stored where its callback stored them, under the hash the task recorded): the retry assembles the copy and it goes out.
      const bodyHash = (await repo.getTask(requestId, 'paynow'))?.resultsHash as string;
      await repo.putTaskResults({ requestId, processorId: 'paynow', bodyHash }, JSON.stringify({ task_id: `${requestId}.paynow`, request_status: 'completed', results: { records: [{ payment: 'PAY-1001' }] } }), { writtenAt: new Date(), expiresAt: new Date(Date.now() + 86_400_000) });
      expect((await call(`/requests/${requestId}/reassemble`, {})).status).toBe(200);
      const mail = await until(async () => (await rt.mails(EMAIL)).find((m) => /complete/.test(m.subject)), 60_000, 'outcome email');
      expect(mail.body.text).toMatch(/\/exports\/\w+\?token=/);
      const done = await repo.getRequest(requestId);
      expect(done?.status).toBe('completed');
      expect(done?.assemblyFailed).toBeUndefined();
      expect(done?.audit.map((e) => e.action)).toEqual(expect.arrayContaining(['retry_assembly', 'export_assembled', 'complete']));
      // Nothing waits for a retry any more.
      expect((await call(`/requests/${requestId}/reassemble`, {})).status).toBe(409);
    } finally {
      rt.processors.setBehaviour('paynow', {});
    }
  }, 240_000);
});
