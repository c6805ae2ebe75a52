import { describe, expect, it, vi } from 'vitest';
import type { StoredRequest } from '../../../functions/core/ports.ts';
import { FakeBlobs, FakeMailer, FakeRepo, FakeWorkflow, fixedClock, REQUEST_ID, storedRequest } from '../processors/fakes.ts';

// The admin actions read the processor registry at import: one automated processor is enough here.
vi.mock('../../../functions/adapters/registry.ts', async () => {
  const { processor } = await import('../processors/fakes.ts');
  return { registry: { version: 1, processors: [processor({ id: 'paynow', category: 'payments' })] } };
});
const { retryAssembly } = await import('../../../functions/admin/actions.ts');
const { holdAssembly, ASSEMBLY_FAILED_REASON } = await import('../../../functions/escalate/assembly.ts');
const { sweep } = await import('../../../functions/sweeper/sweep.ts');

const NOW = '2026-03-02T10:00:00.000Z';
const request = (repo: FakeRepo) => repo.requests.get(REQUEST_ID) as StoredRequest;

function setup(over: Partial<StoredRequest> = {}) {
  const repo = new FakeRepo();
  repo.requests.set(REQUEST_ID, storedRequest({ type: 'access', status: 'in_progress', ...over }));
  repo.pii.set(REQUEST_ID, { email: 'ann@example.com' });
  const mailer = new FakeMailer();
  const workflow = new FakeWorkflow();
  const deps = { repo: repo as never, mailer, workflow, clock: fixedClock(NOW), baseUrl: 'https://privacy.example', processors: [{ id: 'paynow', name: 'PayNow' }], secrets: async () => ['whsec_test'], post: async () => 202 };
  return { repo, mailer, workflow, deps };
}

describe('a copy that could not be assembled', () => {
  it('waits for an officer: the request is held with the token in one write, and the team is emailed, never the requester', async () => {
    const { repo, mailer, deps } = setup();
    await expect(holdAssembly({ token: 'tok-1', requestId: REQUEST_ID, error: { Error: 'ResultsUnavailable', Cause: 'https://x' } }, deps)).resolves.toEqual({ held: true });
    const held = request(repo);
    expect(held).toMatchObject({ status: 'awaiting_manual', assemblyFailed: { token: 'tok-1', at: NOW, error: 'ResultsUnavailable' } });
    expect(held.audit.at(-1)).toMatchObject({ actor: 'workflow', action: 'assembly_failed', from: 'in_progress', to: 'awaiting_manual', data: { reason: ASSEMBLY_FAILED_REASON, error: 'ResultsUnavailable' } });
    expect(held.outboxTeam).toBeUndefined();
    expect(mailer.sent.map((m) => m.kind)).toEqual(['compliance']);
    expect(mailer.sent[0].to).not.toBe('ann@example.com');
  });

  it('names the providers whose results could not be fetched, by registry id only, on the record and the audit trail', async () => {
    const { repo, deps } = setup();
    // As Step Functions passes a Lambda error on AWS: the error's JSON, its message naming the providers.
    const cause = JSON.stringify({ errorType: 'TimeoutError', errorMessage: 'results could not be fetched from: paynow, https://files.example/ann@example.com.json', trace: [] });
    await holdAssembly({ token: 'tok-1', requestId: REQUEST_ID, error: { Error: 'TimeoutError', Cause: cause } }, deps);
    expect(request(repo).assemblyFailed).toEqual({ token: 'tok-1', at: NOW, error: 'TimeoutError', processors: ['paynow'] });
    expect(request(repo).audit.at(-1)?.data).toEqual({ reason: ASSEMBLY_FAILED_REASON, error: 'TimeoutError', processors: 'paynow' });
    expect(JSON.stringify(request(repo))).not.toContain('ann@example.com');
  });

  it('tells the team which providers’ results could not be fetched, by the registry’s names: never a results_url or the requester', async () => {
    const { mailer, deps } = setup();
    const cause = JSON.stringify({ errorType: 'TimeoutError', errorMessage: 'results could not be fetched from: paynow, https://files.example/ann@example.com.json', trace: [] });
    await holdAssembly({ token: 'tok-1', requestId: REQUEST_ID, error: { Error: 'TimeoutError', Cause: cause } }, deps);
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0].text).toContain(`The copy of data for request ${REQUEST_ID} could not be assembled: the results of PayNow could not be fetched, even after the retries.`);
    expect(mailer.sent[0].text).not.toMatch(/files\.example|ann@example\.com|tok-1/);
  });

  it('names the providers in the team’s email the sweeper sends when the first one failed', async () => {
    const { repo, mailer, deps } = setup();
    const cause = JSON.stringify({ errorType: 'TimeoutError', errorMessage: 'results could not be fetched from: paynow', trace: [] });
    await holdAssembly({ token: 'tok-1', requestId: REQUEST_ID, error: { Error: 'TimeoutError', Cause: cause } }, { ...deps, mailer: { send: async () => Promise.reject(Object.assign(new Error('down'), { name: 'ServiceUnavailable' })) } });
    expect(request(repo).outboxTeam).toMatchObject({ waiting: 'assembly' });
    const sweeper = Object.assign(new FakeWorkflow(), { describe: async () => ({ status: 'RUNNING' }) });
    // The team email's lease (60 s) is over by the next sweep.
    const report = await sweep(new Date('2026-03-02T10:15:00.000Z'), { repo, mailer, workflow: sweeper, tokens: {}, baseUrl: 'http://x', linksPerHour: 5, processors: [{ id: 'paynow', name: 'PayNow' }], blobs: new FakeBlobs() } as never);
    expect(report.teamEmailsSent).toEqual([REQUEST_ID]);
    expect(mailer.sent.map((m) => m.text.split('\n')[0])).toEqual([`The copy of data for request ${REQUEST_ID} could not be assembled: the results of PayNow could not be fetched, even after the retries.`]);
  });

  it('leaves a request an officer closed meanwhile as it is, and mails nobody', async () => {
    const { repo, mailer, deps } = setup({ status: 'denied' });
    const before = structuredClone(request(repo));
    await expect(holdAssembly({ token: 'tok-1', requestId: REQUEST_ID, error: {} }, deps)).resolves.toEqual({ held: false });
    expect(request(repo)).toEqual(before);
    expect(mailer.sent).toEqual([]);
  });

  it('is retried by an officer: the retry is on the trail, the waiting state gets its token back, and no answer shows the token', async () => {
    const { repo, workflow, deps } = setup({ status: 'awaiting_manual', assemblyFailed: { token: 'tok-1', at: NOW, error: 'ResultsUnavailable' } } as Partial<StoredRequest>);
    const answer = await retryAssembly(REQUEST_ID, 'officer:o', deps as never);
    expect(workflow.calls).toEqual([{ op: 'success', token: 'tok-1', output: { retry: true } }]);
    expect(request(repo).audit.at(-1)).toMatchObject({ actor: 'officer:o', action: 'retry_assembly', data: { error: 'ResultsUnavailable' } });
    expect(request(repo).assemblyFailed).toMatchObject({ token: 'tok-1', retriedAt: NOW, retriedBy: 'officer:o' });
    expect(JSON.stringify(answer)).not.toContain('tok-1');
  });

  it('is retried again without an error when the state no longer waits on the token (a retry that stopped after sending it)', async () => {
    const { workflow, deps } = setup({ status: 'awaiting_manual', assemblyFailed: { token: 'tok-1', at: NOW, error: 'ResultsUnavailable' } } as Partial<StoredRequest>);
    workflow.dead.add('tok-1');
    await expect(retryAssembly(REQUEST_ID, 'officer:o', deps as never)).resolves.toMatchObject({ status: 'awaiting_manual' });
  });

  it('is finished by the sweeper when the function dies between recording the retry and sending the token back', async () => {
    const { repo, mailer, workflow, deps } = setup({ status: 'awaiting_manual', assemblyFailed: { token: 'tok-1', at: NOW, error: 'ResultsUnavailable' } } as Partial<StoredRequest>);
    // The process dies at the step boundary: the SendTaskSuccess call never returns, and nothing after it runs.
    let reached: () => void = () => {};
    const atSend = new Promise<void>((r) => (reached = r));
    workflow.taskSuccess = () => {
      reached();
      return new Promise(() => {});
    };
    void retryAssembly(REQUEST_ID, 'officer:o', deps as never);
    await atSend;
    expect(request(repo).assemblyFailed).toMatchObject({ token: 'tok-1', retriedAt: NOW, retriedBy: 'officer:o' });
    const sweeper = Object.assign(new FakeWorkflow(), { describe: async () => ({ status: 'RUNNING' }) });
    const report = await sweep(new Date('2026-03-02T10:15:00.000Z'), { repo, mailer, workflow: sweeper, tokens: {}, baseUrl: 'http://x', linksPerHour: 5, processors: [], blobs: new FakeBlobs() } as never);
    expect(report.assemblyRetriesSent).toEqual([REQUEST_ID]);
    expect(sweeper.calls).toEqual([{ op: 'success', token: 'tok-1', output: { retry: true } }]);
  });

  it('refuses with a 409 a retry of the copy when none waits, and changes nothing', async () => {
    for (const over of [{ status: 'awaiting_manual' }, { status: 'in_progress', assemblyFailed: { token: 'tok-1', at: NOW, error: 'x' } }] as Partial<StoredRequest>[]) {
      const { repo, workflow, deps } = setup(over);
      const before = structuredClone(request(repo));
      await expect(retryAssembly(REQUEST_ID, 'officer:o', deps as never)).rejects.toMatchObject({ status: 409 });
      expect(request(repo)).toEqual(before);
      expect(workflow.calls).toEqual([]);
    }
  });
});
