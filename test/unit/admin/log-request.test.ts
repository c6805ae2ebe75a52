import { SFNClient, SFNServiceException, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { decodeTime } from 'ulid';
import { describe, expect, it, vi } from 'vitest';
import { StepFunctionsWorkflow } from '../../../functions/adapters/workflow.ts';
import { logger } from '../../../functions/adapters/powertools.ts';
import type { Pii, StoredRequest } from '../../../functions/core/ports.ts';
import { FakeBlobs, FakeMailer, FakeRepo, FakeWorkflow, fixedClock } from '../processors/fakes.ts';

// The hashes and the status link's secret come from the app key in Secrets Manager; their values do not matter here.
vi.mock('../../../functions/shared/crypto.ts', async (orig) => ({
  ...(await orig()),
  emailHash: async (e: string) => `hash:${e.trim().toLowerCase()}`,
  orderHash: async (o: string) => `order:${o.trim().toUpperCase()}`,
  derivedToken: async (purpose: string, id: string) => `${purpose}-token-${id}`,
  // Keyed in production; any one-way function shows here that the claim keeps no body in clear.
  hmac: async (v: string) => `hmac:${(await import('node:crypto')).createHash('sha256').update(v).digest('hex')}`,
}));
vi.mock('../../../functions/adapters/registry.ts', () => ({ registry: { version: 1, processors: [] } }));
const { logRequest, LogBody } = await import('../../../functions/admin/log-request.ts');
const { search } = await import('../../../functions/admin/find.ts');
const { sha256 } = await import('../../../functions/core/audit.ts');
const { summary } = await import('../../../functions/admin/views.ts');

/** FakeRepo with the create the intake's and the officer's paths use: the record, its personal data and that data's first expiry. */
class Repo extends FakeRepo {
  created: { req: StoredRequest; pii: Pii; piiExpiresAt: Date }[] = [];
  /** The options of each request write (FakeRepo does not model DynamoDB's TTL removal). */
  writeOptions: Record<string, unknown>[] = [];
  override async transitionRequest(...args: Parameters<FakeRepo['transitionRequest']>) {
    this.writeOptions.push({ ...(args[4] ?? {}) });
    return super.transitionRequest(...args);
  }
  /** Every write of a log, in order, as its kind. */
  order: string[] = [];
  /** Conditional, as DynamoDB's put: false when the record exists already. */
  async createRequest(req: StoredRequest, pii: Pii, piiExpiresAt: Date) {
    if (this.requests.has(req.id)) return false;
    this.order.push('request');
    this.created.push({ req: structuredClone(req), pii, piiExpiresAt });
    this.requests.set(req.id, structuredClone(req));
    this.pii.set(req.id, pii);
    return true;
  }
  /** The Idempotency-Key claims, by the key's hash, as the table keeps them. */
  keys = new Map<string, Record<string, unknown> & { requestId: string; bodyHash: string; expiresAt: Date }>();
  async getLogKey(keyHash: string) {
    const k = this.keys.get(keyHash);
    return k ? { requestId: k.requestId, bodyHash: k.bodyHash, receivedAt: k.receivedAt as string, expiresAt: k.expiresAt.toISOString() } : undefined;
  }
  /** Conditional, as DynamoDB's put: only where no claim is, or the one there has expired. */
  async claimLogKey(keyHash: string, claim: { requestId: string; bodyHash: string; receivedAt: string }, now: Date, expiresAt: Date) {
    const k = this.keys.get(keyHash);
    if (k && k.expiresAt > now) return false;
    this.order.push('key');
    this.keys.set(keyHash, { ...claim, expiresAt });
    return true;
  }
  /** The address and order-number indexes as DynamoDB keeps them: the records that carry the hash. */
  async findRequests(by: 'byEmail' | 'byOrder', hash: string) {
    return [...this.requests.values()].filter((r) => (by === 'byOrder' ? r.orderHash : r.emailHash) === hash).map((r) => structuredClone(r));
  }
}

class Workflow extends FakeWorkflow {
  started: { name?: string; input: unknown }[] = [];
  override async start(name?: string, input?: unknown) {
    this.started.push({ name, input });
    return 'arn';
  }
}

// Tuesday 10 March 2026, 11:00 in London (GMT).
const NOW = '2026-03-10T11:00:00.000Z';

function setup() {
  const repo = new Repo();
  const workflow = new Workflow();
  return { repo, workflow, deps: { repo: repo as never, mailer: new FakeMailer(), workflow, clock: fixedClock(NOW), blobs: new FakeBlobs() } };
}

const phoned = LogBody.parse({
  request: { type: 'erasure', email: 'Carol@Example.com', language: 'en', name: 'Carol Jones', orderNumber: 'OT-777' },
  channel: 'phone',
  identityCheck: 'account_questions',
});

describe('a request logged by an officer (phone, post, chat, email)', () => {
  it('is recorded verified at once, with its deadline one month on, the channel and the identity check on the audit trail', async () => {
    const { repo, deps } = setup();
    const out = await logRequest(phoned, 'officer:olivia', deps);
    expect(out).toEqual({ id: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/), status: 'verified', dueDate: '2026-04-10', workflowOwed: false });
    // The id is a ULID of the moment the officer logged it: the console lists requests in that order.
    expect(decodeTime(out.id)).toBe(Date.parse(NOW));
    const req = repo.requests.get(out.id);
    expect(req).toMatchObject({
      id: out.id,
      type: 'erasure',
      language: 'en',
      status: 'verified',
      emailHash: 'hash:carol@example.com',
      details: { eraseWarranty: false, objections: [] },
      receivedAt: NOW,
      verifiedAt: NOW,
      dueDate: '2026-04-10',
      pausedDays: 0,
      statusTokenHash: sha256(`status-token-${out.id}`),
      logged: { channel: 'phone', identityCheck: 'account_questions', by: 'officer:olivia' },
    });
    expect(req?.logged).not.toHaveProperty('agent');
    expect(req?.audit).toHaveLength(1);
    expect(req?.audit[0]).toMatchObject({
      at: NOW,
      actor: 'officer:olivia',
      action: 'log_request',
      subject: out.id,
      from: 'unverified',
      to: 'verified',
      data: { channel: 'phone', identityCheck: 'account_questions', dueDate: '2026-04-10', receivedOn: '2026-03-10' },
    });
    expect(req?.audit[0].data).not.toHaveProperty('agent');
  });

  it('creates the record unverified first, with no audit yet, its address as given, and its personal data kept 7 days should the verification never follow', async () => {
    const { repo, deps } = setup();
    const out = await logRequest(phoned, 'officer:olivia', deps);
    expect(repo.created).toHaveLength(1);
    expect(repo.created[0].req).toMatchObject({ id: out.id, status: 'unverified', version: 0, audit: [], receivedAt: NOW });
    expect(repo.created[0].req).not.toHaveProperty('verifiedAt');
    expect(repo.created[0].pii).toEqual({ email: 'Carol@Example.com', name: 'Carol Jones', orderNumber: 'OT-777' });
    expect(repo.created[0].piiExpiresAt).toEqual(new Date('2026-03-17T11:00:00.000Z'));
  });

  it('is found by the console’s search by its order number, case and spaces aside, as one from the form is; one logged without an order number carries no order hash', async () => {
    const { repo, deps } = setup();
    const out = await logRequest(phoned, 'officer:olivia', deps);
    const none = await logRequest(LogBody.parse({ request: { type: 'erasure', email: 'dan@example.com', language: 'en' }, channel: 'post', identityCheck: 'account_questions' }), 'officer:olivia', deps);
    expect((await search(' ot-777 ', deps)).items.map((r) => r.id)).toEqual([out.id]);
    expect(repo.requests.get(none.id)).not.toHaveProperty('orderHash');
    expect((await search('dan@example.com', deps)).items.map((r) => r.id)).toEqual([none.id]);
  });

  it('removes the record’s TTL in the verifying write, so that the record stays once verified', async () => {
    const { repo, deps } = setup();
    await logRequest(phoned, 'officer:olivia', deps);
    expect(repo.writeOptions).toEqual([{ removeTtl: true }]);
  });

  it('starts its execution, named by the request id, and keeps its personal data 120 days past the deadline', async () => {
    const { repo, workflow, deps } = setup();
    const out = await logRequest(phoned, 'officer:olivia', deps);
    expect(workflow.started).toEqual([{ name: out.id, input: { requestId: out.id } }]);
    // 10 April 2026 + 120 days.
    expect(repo.piiExpiry.get(out.id)).toEqual(new Date('2026-08-08T00:00:00.000Z'));
  });

  it('is answered logged, its execution started by the next sweep, when Step Functions refuses to start it for a moment: never a 500 that invites logging it twice', async () => {
    const sfn = mockClient(SFNClient);
    try {
      sfn.on(StartExecutionCommand).rejects(new SFNServiceException({ name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'Rate exceeded' }));
      const { repo, deps } = setup();
      const warn = vi.spyOn(logger, 'warn');
      const workflow = new StepFunctionsWorkflow(new SFNClient({ region: 'eu-west-2' }), 'arn:aws:states:eu-west-2:123456789012:stateMachine:lethe');
      const out = await logRequest(phoned, 'officer:olivia', { ...deps, workflow });
      expect(out).toEqual({ id: out.id, status: 'verified', dueDate: '2026-04-10', workflowOwed: true });
      expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
      // `verified` is the intent the sweeper starts the execution from.
      expect(repo.requests.get(out.id)?.status).toBe('verified');
      expect(warn.mock.calls.map((c) => c[1])).toContainEqual(expect.objectContaining({ requestId: out.id, error: 'ThrottlingException' }));
      expect(JSON.stringify(warn.mock.calls)).not.toMatch(/Carol|OT-777/i);
    } finally {
      sfn.restore();
      vi.restoreAllMocks();
    }
  });

  it('keeps what the requester asked for: warranty records erased, objections, the correction', async () => {
    const { repo, deps } = setup();
    const erasure = await logRequest(LogBody.parse({ request: { type: 'erasure', email: 'd@example.com', eraseWarranty: true }, channel: 'post', identityCheck: 'signed_letter_with_id' }), 'officer:o', deps);
    expect(repo.requests.get(erasure.id)?.details).toEqual({ eraseWarranty: true, objections: [] });
    expect(repo.requests.get(erasure.id)?.language).toBe('fr');
    const objection = await logRequest(LogBody.parse({ request: { type: 'objection', email: 'e@example.com', objections: ['marketing', 'reviews'] }, channel: 'chat', identityCheck: 'signed_in_chat' }), 'officer:o', deps);
    expect(repo.requests.get(objection.id)?.details).toEqual({ eraseWarranty: false, objections: ['marketing', 'reviews'] });
    const rectification = { field: 'postal address', correction: '2 Low Road, Leeds' };
    const correction = await logRequest(LogBody.parse({ request: { type: 'rectification', email: 'f@example.com', rectification }, channel: 'email', identityCheck: 'email_from_address_on_file' }), 'officer:o', deps);
    expect(repo.requests.get(correction.id)?.details).toEqual({ eraseWarranty: false, objections: [], rectification });
  });

  it('holds a logged correction for the corrected values to be approved, as a confirmed one is: its clock runs, nothing starts, its personal data is kept past the deadline', async () => {
    const { repo, workflow, deps } = setup();
    const rectification = { field: 'postal address', correction: '2 Low Road, Leeds' };
    const out = await logRequest(LogBody.parse({ request: { type: 'rectification', email: 'f@example.com', rectification }, channel: 'phone', identityCheck: 'account_questions' }), 'officer:o', deps);
    // Started now, Plan would send every processor a correction with no corrected field in it.
    expect(out).toEqual({ id: out.id, status: 'awaiting_review', dueDate: '2026-04-10', workflowOwed: false });
    expect(repo.requests.get(out.id)).toMatchObject({ status: 'awaiting_review', verifiedAt: NOW, dueDate: '2026-04-10' });
    expect(repo.requests.get(out.id)?.audit[0]).toMatchObject({ action: 'log_request', from: 'unverified', to: 'awaiting_review' });
    expect(workflow.started).toEqual([]);
    expect(repo.piiExpiry.get(out.id)).toEqual(new Date('2026-08-08T00:00:00.000Z'));
  });

  it('records an authorised agent and the proof of authority the officer reviewed', async () => {
    const { repo, deps } = setup();
    const body = LogBody.parse({
      request: { type: 'access', email: 'g@example.com' },
      channel: 'post',
      identityCheck: 'signed_letter_with_id',
      agent: { relationship: 'solicitor', proof: 'signed_authority' },
    });
    const out = await logRequest(body, 'officer:o', deps);
    const req = repo.requests.get(out.id);
    expect(req?.logged).toEqual({ channel: 'post', identityCheck: 'signed_letter_with_id', by: 'officer:o', agent: { relationship: 'solicitor', proof: 'signed_authority' } });
    expect(req?.audit[0].data).toEqual({ channel: 'post', identityCheck: 'signed_letter_with_id', dueDate: '2026-04-10', receivedOn: '2026-03-10', agent: 'solicitor', agentProof: 'signed_authority' });
  });

  it('dates a letter read days after it arrived from the day it arrived: received, confirmed and due a month from that day; the audit event is the logging, by the officer, and says both days', async () => {
    const { repo, deps } = setup();
    // Received Saturday 7 March, read and logged Tuesday 10 March: due Tuesday 7 April, where logging would have made it 10 April.
    const out = await logRequest(LogBody.parse({ ...phoned, channel: 'post', identityCheck: 'signed_letter_with_id', receivedOn: '2026-03-07' }), 'officer:olivia', deps);
    expect(out).toEqual({ id: out.id, status: 'verified', dueDate: '2026-04-07', workflowOwed: false });
    // The start of that day in London (GMT in March): every view dates the receipt by its London day.
    expect(repo.requests.get(out.id)).toMatchObject({ receivedAt: '2026-03-07T00:00:00.000Z', verifiedAt: '2026-03-07T00:00:00.000Z', dueDate: '2026-04-07' });
    expect(repo.created[0].req.receivedAt).toBe('2026-03-07T00:00:00.000Z');
    expect(repo.requests.get(out.id)?.audit).toEqual([
      expect.objectContaining({ at: NOW, actor: 'officer:olivia', action: 'log_request', data: expect.objectContaining({ receivedOn: '2026-03-07', dueDate: '2026-04-07' }) }),
    ]);
    // The console's list counts down from that deadline.
    expect(summary(repo.requests.get(out.id) as StoredRequest, '2026-03-10')).toMatchObject({ receivedAt: '2026-03-07T00:00:00.000Z', dueDate: '2026-04-07', daysLeft: 28 });
    // Its personal data is kept 120 days past that deadline, not the one logging would have given.
    expect(repo.piiExpiry.get(out.id)).toEqual(new Date('2026-08-05T00:00:00.000Z'));
  });

  it('dates a receipt in summer from London’s midnight, an hour before UTC’s', async () => {
    const repo = new Repo();
    const deps = { repo: repo as never, mailer: new FakeMailer(), workflow: new Workflow(), clock: fixedClock('2026-06-10T09:00:00.000Z'), blobs: new FakeBlobs() };
    const out = await logRequest(LogBody.parse({ ...phoned, receivedOn: '2026-06-08' }), 'officer:o', deps);
    expect(repo.requests.get(out.id)).toMatchObject({ receivedAt: '2026-06-07T23:00:00.000Z', verifiedAt: '2026-06-07T23:00:00.000Z', dueDate: '2026-07-08' });
  });

  it('logs as received now a request received today, whether or not the officer gives the day', async () => {
    const { repo, deps } = setup();
    const out = await logRequest(LogBody.parse({ ...phoned, receivedOn: '2026-03-10' }), 'officer:o', deps);
    expect(repo.requests.get(out.id)).toMatchObject({ receivedAt: NOW, verifiedAt: NOW, dueDate: '2026-04-10' });
    expect(repo.requests.get(out.id)?.audit[0].data).toMatchObject({ receivedOn: '2026-03-10' });
  });

  it('logs a letter that arrived more than a month before, already past its deadline: it is overdue at once', async () => {
    const { repo, deps } = setup();
    // Received 10 December 2025, three months back to the day (the earliest allowed): due 12 January 2026 (10 January is a Saturday).
    const out = await logRequest(LogBody.parse({ ...phoned, receivedOn: '2025-12-10' }), 'officer:o', deps);
    expect(out.dueDate).toBe('2026-01-12');
    expect(summary(repo.requests.get(out.id) as StoredRequest, '2026-03-10')).toMatchObject({ dueDate: '2026-01-12', daysLeft: -57 });
  });

  it.each([
    ['tomorrow', '2026-03-11'],
    ['a day more than three months back', '2025-12-09'],
  ])('refuses with a field-level 400 a receipt dated %s, writing nothing', async (_, receivedOn) => {
    const { repo, workflow, deps } = setup();
    await expect(logRequest(LogBody.parse({ ...phoned, receivedOn }), 'officer:o', deps)).rejects.toMatchObject({
      name: 'InvalidInput',
      status: 400,
      issues: [{ path: 'receivedOn', message: 'the day the request was received: from 2025-12-10, three months back, to 2026-03-10, today (London dates)' }],
    });
    expect(repo.created).toEqual([]);
    expect(repo.requests.size).toBe(0);
    expect(workflow.started).toEqual([]);
  });

  it('takes "today" in London: at 00:30 BST a receipt dated that London day is not in the future', async () => {
    const repo = new Repo();
    const deps = { repo: repo as never, mailer: new FakeMailer(), workflow: new Workflow(), clock: fixedClock('2026-06-09T23:30:00.000Z'), blobs: new FakeBlobs() };
    const out = await logRequest(LogBody.parse({ ...phoned, receivedOn: '2026-06-10' }), 'officer:o', deps);
    expect(repo.requests.get(out.id)).toMatchObject({ receivedAt: '2026-06-09T23:30:00.000Z', dueDate: '2026-07-10' });
  });

  it.each([['2026-02-30'], ['7 March'], ['2026-3-7'], ['2026-03-07T00:00:00Z'], [20260307]])('refuses a receipt date %s that is not a day of the calendar as YYYY-MM-DD, naming the field', (receivedOn) => {
    const r = LogBody.safeParse({ ...phoned, receivedOn });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['receivedOn', 'the day the request was received, as YYYY-MM-DD']]);
  });

  it('refuses a body with an undocumented channel, identity check or extra field', () => {
    const ok = (v: unknown) => LogBody.safeParse(v).success;
    const request = { type: 'erasure', email: 'h@example.com' };
    expect(ok({ request, channel: 'fax', identityCheck: 'account_questions' })).toBe(false);
    expect(ok({ request, channel: 'phone', identityCheck: 'trust_me' })).toBe(false);
    expect(ok({ request, channel: 'phone', identityCheck: 'account_questions', note: 'x' })).toBe(false);
    expect(ok({ request, channel: 'phone', identityCheck: 'account_questions' })).toBe(true);
  });
});

/** Makes the next call of `method` fail before it takes effect, or take effect and then fail (the process killed, its answer lost). */
function dieOnce(o: object, method: string, when: 'before' | 'after') {
  const target = o as Record<string, (...a: unknown[]) => Promise<unknown>>;
  const real = target[method].bind(o);
  target[method] = async (...a: unknown[]) => {
    target[method] = real;
    if (when === 'before') throw new Error(`crash before ${method}`);
    await real(...a);
    throw new Error(`crash after ${method}`);
  };
}

const KEY = '3f1d2c9a-5b7e-4e0a-9c61-2b8f4d7a1e55';
const correction = LogBody.parse({ request: { type: 'rectification', email: 'f@example.com', rectification: { field: 'postal address', correction: '2 Low Road, Leeds' } }, channel: 'phone', identityCheck: 'account_questions' });

describe('a request logged again under the same Idempotency-Key (the console’s form pressed again after its answer was lost)', () => {
  it('answers the same request, logged once on its trail, and writes no second one', async () => {
    const { repo, deps } = setup();
    const first = await logRequest(phoned, 'officer:olivia', deps, KEY);
    const again = await logRequest(phoned, 'officer:olivia', deps, KEY);
    expect(again).toEqual(first);
    expect(first).toEqual({ id: expect.any(String), status: 'verified', dueDate: '2026-04-10', workflowOwed: false });
    expect([...repo.requests.keys()]).toEqual([first.id]);
    expect(repo.created).toHaveLength(1);
    expect(repo.requests.get(first.id)?.audit.map((e) => e.action)).toEqual(['log_request']);
  });

  it('claims the key before the record is written: the request id it reserves, its receipt and a keyed hash of the body, kept 24 hours, never the address or the name', async () => {
    const { repo, deps } = setup();
    const out = await logRequest(phoned, 'officer:olivia', deps, KEY);
    expect(repo.order).toEqual(['key', 'request']);
    const [claim] = [...repo.keys.values()];
    expect(claim).toEqual({ requestId: out.id, bodyHash: expect.stringMatching(/^hmac:[0-9a-f]{64}$/), receivedAt: NOW, expiresAt: new Date('2026-03-11T11:00:00.000Z') });
    // The key itself is kept hashed with the officer's name, and neither the body nor the officer in clear.
    expect(JSON.stringify([...repo.keys])).not.toMatch(/carol|OT-777|olivia|3f1d2c9a/i);
  });

  for (const [step, method, when] of [
    ['after claiming the key, before the record', 'createRequest', 'before'],
    ['with the record written unconfirmed', 'transitionRequest', 'before'],
    ['with the record verified, before its execution started', 'transitionRequest', 'after'],
  ] as const) {
    it(`finishes a first attempt that died ${step}: one request, verified, its execution started and its personal data kept past the deadline`, async () => {
      const { repo, workflow, deps } = setup();
      dieOnce(repo, method, when);
      await expect(logRequest(phoned, 'officer:olivia', deps, KEY)).rejects.toThrow(/crash/);
      const out = await logRequest(phoned, 'officer:olivia', deps, KEY);
      expect(out).toEqual({ id: expect.any(String), status: 'verified', dueDate: '2026-04-10', workflowOwed: false });
      expect([...repo.requests.keys()]).toEqual([out.id]);
      expect(repo.requests.get(out.id)?.audit.map((e) => e.action)).toEqual(['log_request']);
      expect(workflow.started).toEqual([{ name: out.id, input: { requestId: out.id } }]);
      expect(repo.piiExpiry.get(out.id)).toEqual(new Date('2026-08-08T00:00:00.000Z'));
    });
  }

  it('finishes a correction whose first attempt died once it waited for review: its personal data kept past the deadline, nothing started', async () => {
    const { repo, workflow, deps } = setup();
    dieOnce(repo, 'transitionRequest', 'after');
    await expect(logRequest(correction, 'officer:o', deps, KEY)).rejects.toThrow(/crash/);
    expect(repo.piiExpiry.size).toBe(0);
    const out = await logRequest(correction, 'officer:o', deps, KEY);
    expect(out).toEqual({ id: expect.any(String), status: 'awaiting_review', dueDate: '2026-04-10', workflowOwed: false });
    expect(repo.requests.size).toBe(1);
    expect(repo.piiExpiry.get(out.id)).toEqual(new Date('2026-08-08T00:00:00.000Z'));
    expect(workflow.started).toEqual([]);
  });

  it('dates a finished request as its record was written: a letter logged at 23:59 and finished after midnight keeps its day', async () => {
    const repo = new Repo();
    let now = '2026-03-10T23:59:00.000Z';
    const deps = { repo: repo as never, mailer: new FakeMailer(), workflow: new Workflow(), clock: { now: () => new Date(now) }, blobs: new FakeBlobs() };
    const body = LogBody.parse({ ...phoned, receivedOn: '2026-03-10' });
    dieOnce(repo, 'transitionRequest', 'before');
    await expect(logRequest(body, 'officer:o', deps, KEY)).rejects.toThrow(/crash/);
    now = '2026-03-11T00:01:00.000Z';
    const out = await logRequest(body, 'officer:o', deps, KEY);
    expect(repo.requests.get(out.id)).toMatchObject({ receivedAt: '2026-03-10T23:59:00.000Z', verifiedAt: '2026-03-10T23:59:00.000Z', dueDate: '2026-04-10' });
  });

  it('dates a request whose first attempt died before its record was written as that attempt received it: a call logged at 23:59 and finished after midnight keeps its day and its deadline', async () => {
    const repo = new Repo();
    let now = '2026-03-10T23:59:00.000Z';
    const deps = { repo: repo as never, mailer: new FakeMailer(), workflow: new Workflow(), clock: { now: () => new Date(now) }, blobs: new FakeBlobs() };
    dieOnce(repo, 'createRequest', 'before');
    await expect(logRequest(phoned, 'officer:o', deps, KEY)).rejects.toThrow(/crash/);
    now = '2026-03-11T00:01:00.000Z';
    const out = await logRequest(phoned, 'officer:o', deps, KEY);
    expect(out.dueDate).toBe('2026-04-10');
    expect(repo.requests.get(out.id)).toMatchObject({ receivedAt: '2026-03-10T23:59:00.000Z', verifiedAt: '2026-03-10T23:59:00.000Z', dueDate: '2026-04-10' });
  });

  it('logs one request when the form is sent twice at once', async () => {
    const { repo, deps } = setup();
    const [a, b] = await Promise.all([logRequest(phoned, 'officer:o', deps, KEY), logRequest(phoned, 'officer:o', deps, KEY)]);
    expect(a.id).toBe(b.id);
    expect(repo.requests.size).toBe(1);
    expect(repo.requests.get(a.id)?.audit.map((e) => e.action)).toEqual(['log_request']);
  });

  it('refuses the same key with another body with a 422 naming the key and the request logged under it, and writes nothing', async () => {
    const { repo, deps } = setup();
    const first = await logRequest(phoned, 'officer:o', deps, KEY);
    const edited = LogBody.parse({ ...phoned, request: { ...phoned.request, name: 'Carole Jones' } });
    await expect(logRequest(edited, 'officer:o', deps, KEY)).rejects.toMatchObject({
      name: 'IdempotencyKeyReused',
      status: 422,
      requestId: first.id,
      issues: [{ path: 'Idempotency-Key', message: expect.stringContaining(first.id) }],
    });
    expect(repo.requests.size).toBe(1);
    expect(repo.requests.get(first.id)?.version).toBe(1);
  });

  it('refuses another body under a key whose request was never written without naming one', async () => {
    const { repo, deps } = setup();
    dieOnce(repo, 'createRequest', 'before');
    await expect(logRequest(phoned, 'officer:o', deps, KEY)).rejects.toThrow(/crash/);
    const err = await logRequest(correction, 'officer:o', deps, KEY).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'IdempotencyKeyReused', status: 422, issues: [{ path: 'Idempotency-Key' }] });
    expect(err).not.toHaveProperty('requestId');
    expect(repo.requests.size).toBe(0);
  });

  it('claims nothing for a form the server refuses (a receipt dated tomorrow): the corrected form is then logged under the same key', async () => {
    const { repo, deps } = setup();
    await expect(logRequest(LogBody.parse({ ...phoned, receivedOn: '2026-03-11' }), 'officer:o', deps, KEY)).rejects.toMatchObject({ status: 400 });
    expect(repo.keys.size).toBe(0);
    const out = await logRequest(LogBody.parse({ ...phoned, receivedOn: '2026-03-10' }), 'officer:o', deps, KEY);
    expect(repo.requests.get(out.id)?.status).toBe('verified');
  });

  it('keeps each officer’s keys apart: another officer’s form under the same key logs its own request', async () => {
    const { repo, deps } = setup();
    const a = await logRequest(phoned, 'officer:olivia', deps, KEY);
    const b = await logRequest(phoned, 'officer:oscar', deps, KEY);
    expect(a.id).not.toBe(b.id);
    expect(repo.requests.size).toBe(2);
  });

  it('forgets a key after 24 hours: the same form sent a day later logs a new request', async () => {
    const repo = new Repo();
    let now = NOW;
    const deps = { repo: repo as never, mailer: new FakeMailer(), workflow: new Workflow(), clock: { now: () => new Date(now) }, blobs: new FakeBlobs() };
    const first = await logRequest(phoned, 'officer:o', deps, KEY);
    now = '2026-03-11T10:59:59.000Z';
    expect((await logRequest(phoned, 'officer:o', deps, KEY)).id).toBe(first.id);
    now = '2026-03-11T11:00:01.000Z';
    const later = await logRequest(phoned, 'officer:o', deps, KEY);
    expect(later.id).not.toBe(first.id);
    expect(repo.requests.size).toBe(2);
  });

  it('without a key logs each post as a request of its own, as API clients have it', async () => {
    const { repo, deps } = setup();
    await logRequest(phoned, 'officer:o', deps);
    await logRequest(phoned, 'officer:o', deps);
    expect(repo.requests.size).toBe(2);
    expect(repo.keys.size).toBe(0);
  });

});

describe('an agent in the logged request’s form body', () => {
  it('is refused with a 400 naming request.agent, since an officer records the relationship and the proof reviewed in agent, and the form’s agent was dropped', () => {
    const body = {
      request: { type: 'access', email: 'carol@example.com', language: 'en', agent: { name: 'Sam Solicitor', email: 'sam@law.example', relationship: 'solicitor', proof: 'signed_authority' } },
      channel: 'post',
      identityCheck: 'signed_letter_with_id',
    };
    const parsed = LogBody.safeParse(body);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['request.agent', 'the agent goes in agent: relationship and proof']]);
    const { agent: _agent, ...request } = body.request;
    expect(LogBody.safeParse({ ...body, request, agent: { relationship: 'solicitor', proof: 'signed_authority' } }).success).toBe(true);
    // No request, or not an object: refused on its fields, the agent's check never reached (a TypeError would answer 500).
    for (const bad of [null, 'a letter', undefined]) expect(LogBody.safeParse({ ...body, request: bad }).error?.issues.map((i) => i.path.join('.'))).toEqual(['request']);
  });
});
