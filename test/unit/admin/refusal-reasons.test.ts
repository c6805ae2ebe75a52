import { describe, expect, it, vi } from 'vitest';
import { BeingSent, ConcurrentUpdate, PackageGone, REFUSAL_REASONS, ResultsGone } from '../../../functions/core/errors.ts';
import { nextComplaintStatus } from '../../../functions/core/complaints.ts';
import type { StoredRequest, StoredTask } from '../../../functions/core/ports.ts';
import { FakeBlobs, FakeMailer, FakeRepo, FakeWorkflow, fixedClock, REQUEST_ID, storedRequest } from '../processors/fakes.ts';

// The admin actions load the processor registry from S3 at import: here one automated processor and one manual firm.
vi.mock('../../../functions/adapters/registry.ts', async () => {
  const { processor } = await import('../processors/fakes.ts');
  return {
    registry: {
      version: 1,
      processors: [processor({ id: 'paynow', category: 'payments' }), { ...processor({ id: 'ledger-firm', category: 'collections', mode: 'manual' }), endpoint: undefined, secretRef: undefined }],
    },
  };
});
vi.mock('../../../functions/adapters/blobs.ts', () => ({ S3Blobs: class {} }));
const { addNote, agentContact, extend, liftRestriction, pause, resend, resolveTask, resume, retryAssembly, retryTask, deny } = await import('../../../functions/admin/actions.ts');
const { previewHeldExport, releaseExport, remakeExport } = await import('../../../functions/admin/release.ts');

const ACTOR = 'officer:o';
const AGENT = { relationship: 'solicitor', proof: 'signed_authority' } as const;

/** A request as `over` says, with its requester's address kept unless `pii` is false, and a task of `processorId` in `taskStatus`. */
function setup(over: Partial<StoredRequest> = {}, { pii = true, task }: { pii?: boolean; task?: [string, StoredTask['status']] } = {}) {
  const repo = new FakeRepo();
  repo.requests.set(REQUEST_ID, storedRequest({ status: 'in_progress', ...over }));
  if (pii) repo.pii.set(REQUEST_ID, { email: 'ann@example.com' });
  if (task) {
    const [processorId, status] = task;
    repo.tasks.set(`${REQUEST_ID}.${processorId}`, { taskId: `${REQUEST_ID}.${processorId}`, requestId: REQUEST_ID, processorId, category: 'payments', action: 'erase', status, version: 2, attempts: 1, holds: [], audit: [] } as StoredTask);
  }
  const workflow = Object.assign(new FakeWorkflow(), { stop: async () => undefined });
  return { repo: repo as never, mailer: new FakeMailer(), workflow, clock: fixedClock(), blobs: new FakeBlobs(), baseUrl: 'http://shop.example', processors: [], tokens: undefined as never };
}
/** A request waiting on a failed task, cancelled once the retry has recorded its webhook owed and before it goes. */
function cancelledOnRetry() {
  const deps = setup({ status: 'awaiting_manual' }, { task: ['paynow', 'failed'] });
  const repo = deps.repo as FakeRepo;
  const write = repo.transitionTask.bind(repo);
  repo.transitionTask = async (...a: Parameters<FakeRepo['transitionTask']>) => {
    const t = await write(...a);
    repo.requests.set(REQUEST_ID, storedRequest({ status: 'cancelled', closedAt: '2026-03-02T10:00:00.000Z' }));
    return t;
  };
  return deps;
}
const done = { completed: { status: 'completed', closedAt: '2026-03-01T12:00:00.000Z' } } as const;
const restriction = { type: 'restrict', ...done.completed } as const;
const lift = { reason: 'accuracy_verified', liftOn: '2026-03-10' } as const;
const needed = 'Which of your two accounts do you mean?';
const thrown = (f: () => unknown) => Promise.resolve().then(f);

/** Each refusal an officer's action can meet, with the reason its answer carries. */
const CASES: [reason: string, refusal: () => Promise<unknown>][] = [
  ['request_status', () => deny(REQUEST_ID, 'excessive', ACTOR, setup(done.completed))],
  ['task_status', () => resolveTask(REQUEST_ID, 'paynow', { outcome: 'completed', note: 'Erased' }, ACTOR, setup({}, { task: ['paynow', 'resolved'] }))],
  ['concurrent_update', () => thrown(() => { throw new ConcurrentUpdate('request changed concurrently; reload and retry'); })],
  ['extend_status', () => extend(REQUEST_ID, 'Several processors', ACTOR, setup({ status: 'unverified' }))],
  ['extend_once', () => extend(REQUEST_ID, 'Several processors', ACTOR, setup({ extended: { at: '2026-03-01T10:00:00.000Z', reason: 'Archives', dueDate: '2026-06-01' } }))],
  ['extend_objection', () => extend(REQUEST_ID, 'Several processors', ACTOR, setup({ type: 'objection', details: { eraseWarranty: false, objections: ['marketing'] } }))],
  ['extend_late', () => extend(REQUEST_ID, 'Several processors', ACTOR, setup({ dueDate: '2026-03-01', verifiedAt: '2026-02-01T09:05:00.000Z' }))],
  ['pause_status', () => pause(REQUEST_ID, needed, ACTOR, setup({ type: 'access', status: 'unverified' }))],
  ['pause_not_copy', () => pause(REQUEST_ID, needed, ACTOR, setup({ type: 'erasure' }))],
  ['pause_stopped', () => pause(REQUEST_ID, needed, ACTOR, setup({ type: 'access', pausedSince: '2026-03-01T10:00:00.000Z' }))],
  ['pause_late', () => pause(REQUEST_ID, needed, ACTOR, setup({ type: 'access', dueDate: '2026-03-01' }))],
  ['resume_not_stopped', () => resume(REQUEST_ID, ACTOR, setup({ type: 'access' }))],
  ['resume_closed', () => resume(REQUEST_ID, ACTOR, setup({ type: 'access', pausedSince: '2026-02-20T10:00:00.000Z', ...done.completed }))],
  ['lift_not_restriction', () => liftRestriction(REQUEST_ID, lift, ACTOR, setup({ type: 'erasure', ...done.completed }))],
  ['lift_not_in_place', () => liftRestriction(REQUEST_ID, lift, ACTOR, setup({ type: 'restrict' }))],
  ['lift_once', () => liftRestriction(REQUEST_ID, lift, ACTOR, setup({ ...restriction, restrictionLift: { at: '2026-03-01T12:00:00.000Z', by: ACTOR, on: '2026-03-05', reason: 'accuracy_verified' } }))],
  ['lift_no_contact', () => liftRestriction(REQUEST_ID, lift, ACTOR, setup(restriction, { pii: false }))],
  ['resend_no_contact', () => resend(REQUEST_ID, ACTOR, setup(done.completed, { pii: false }))],
  ['resend_copy_erased', () => resend(REQUEST_ID, ACTOR, setup({ type: 'access', ...done.completed, copyErased: { at: '2026-03-02T10:00:00.000Z', by: '01JQERASURE000000000000000' } }))],
  ['resend_status', () => resend(REQUEST_ID, ACTOR, setup())],
  ['being_sent', () => thrown(() => { throw new BeingSent('2026-03-02T10:02:30.000Z'); })],
  ['notes_full', () => addNote(REQUEST_ID, 'One more', ACTOR, setup({ notes: Array.from({ length: 50 }, () => ({ at: '2026-03-01T10:00:00.000Z', author: ACTOR, text: 'A note' })) }))],
  ['agent_none', () => agentContact(REQUEST_ID, ACTOR, setup({ status: 'awaiting_review' }))],
  ['agent_status', () => agentContact(REQUEST_ID, ACTOR, setup({ agent: AGENT }))],
  ['agent_no_contact', () => agentContact(REQUEST_ID, ACTOR, setup({ status: 'awaiting_review', agent: AGENT }))],
  ['reassemble_none', () => retryAssembly(REQUEST_ID, ACTOR, setup({ type: 'access' }))],
  ['release_none', () => releaseExport(REQUEST_ID, ACTOR, setup({ type: 'access' }))],
  ['release_none', () => previewHeldExport(REQUEST_ID, ACTOR, setup({ type: 'access' }))],
  ['package_gone', () => thrown(() => { throw new PackageGone('this copy’s package is no longer kept'); })],
  // A copy held for review whose package was made an hour ago: kept, so there is nothing to make again.
  ['package_kept', () => remakeExport(REQUEST_ID, ACTOR, setup({ type: 'access', status: 'awaiting_manual', exportKey: `exports/${REQUEST_ID}.zip`, exportRelease: { flaggedBy: ['paynow'], since: '2026-03-02T09:00:00.000Z' }, audit: [{ at: '2026-03-02T09:00:00.000Z', actor: 'workflow', action: 'export_assembled', subject: REQUEST_ID }] as never }))],
  ['results_gone', () => thrown(() => { throw new ResultsGone('this copy cannot be made again'); })],
  ['resolve_waiting', () => resolveTask(REQUEST_ID, 'paynow', { outcome: 'completed', note: 'Erased' }, ACTOR, setup({}, { task: ['paynow', 'sent'] }))],
  ['resolve_closed', () => resolveTask(REQUEST_ID, 'paynow', { outcome: 'completed', note: 'Erased' }, ACTOR, setup(done.completed, { task: ['paynow', 'failed'] }))],
  ['retry_status', () => retryTask(REQUEST_ID, 'paynow', ACTOR, setup({}, { task: ['paynow', 'sent'] }))],
  ['retry_removed', () => retryTask(REQUEST_ID, 'gone-firm', ACTOR, setup({}, { task: ['gone-firm', 'failed'] }))],
  ['retry_manual', () => retryTask(REQUEST_ID, 'ledger-firm', ACTOR, setup({}, { task: ['ledger-firm', 'failed'] }))],
  ['retry_closed', () => retryTask(REQUEST_ID, 'paynow', ACTOR, setup(done.completed, { task: ['paynow', 'failed'] }))],
  ['retry_closed_meanwhile', () => retryTask(REQUEST_ID, 'paynow', ACTOR, cancelledOnRetry())],
  ['complaint_acknowledged', () => thrown(() => nextComplaintStatus('acknowledged', 'acknowledge'))],
  ['complaint_responded', () => thrown(() => nextComplaintStatus('responded', 'respond'))],
];

describe('the reason each refusal of an officer’s action carries, beside its English message', () => {
  it.each(CASES)('%s', async (reason, refusal) => {
    const e = await refusal().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(e).toMatchObject({ reason });
    expect((e as Error).message).not.toBe('');
  });

  it('is tried here for every reason of the list, so that a reason added is one a test provokes', () => {
    expect([...new Set(CASES.map(([r]) => r))].sort()).toEqual([...REFUSAL_REASONS].sort());
  });
});
