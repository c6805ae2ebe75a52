import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableDefinition } from '../../support/assembly.ts';
import { EdgeRepository, SweeperRepository } from '../../../functions/adapters/repository.ts';
import { key, WATCH } from '../../../functions/adapters/table.ts';
import { firstBreak } from '../../../functions/core/audit.ts';
import { partOf } from '../../../functions/core/rate-limit.ts';
import { ACKS_PER_EMAIL_PER_DAY, type StoredComplaint } from '../../../functions/core/complaints.ts';
import type { Mailer } from '../../../functions/core/ports.ts';
import { deliverComplaintAck } from '../../../functions/shared/outbox.ts';
import { Conflict, ConcurrentUpdate } from '../../../functions/core/errors.ts';
import { queueNotice, queueTeam } from '../../../functions/core/outbox.ts';
import type { StoredRequest, StoredTask } from '../../../functions/core/ports.ts';
import { LOCAL_CREDENTIALS } from '../../../local/services/credentials.ts';
import { ensureTable, startDynamo } from '../../../local/services/dynamo.ts';

let dir: string;
let dynamo: Awaited<ReturnType<typeof startDynamo>>;
let repo: EdgeRepository;
let repoDb: DynamoDBDocumentClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lethe-repo-'));
  dynamo = await startDynamo(dir);
  await ensureTable(dynamo.endpoint, 'lethe-test', tableDefinition());
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'eu-west-2', credentials: LOCAL_CREDENTIALS }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  repoDb = db;
  // Expiry is judged on this file's clock: its items expire in December 2026.
  repo = new EdgeRepository(db, 'lethe-test', () => new Date(at));
});
afterAll(async () => {
  await dynamo?.close();
  rmSync(dir, { recursive: true, force: true });
});

const at = '2026-11-25T10:00:00.000Z';
let n = 0;
const newRequest = (): StoredRequest => ({
  id: `01JD${String(++n).padStart(22, '0')}`,
  type: 'erasure',
  language: 'fr',
  status: 'unverified',
  version: 0,
  emailHash: 'h'.repeat(64),
  details: { eraseWarranty: false, objections: [] },
  receivedAt: at,
  pausedDays: 0,
  statusTokenHash: 's'.repeat(64),
  audit: [],
});

describe('DynamoDB repository on the embedded DynamoDB', () => {
  it('stores a request apart from its personal data and refuses to create it twice', async () => {
    const req = newRequest();
    await expect(repo.createRequest(req, { email: 'alice@example.com' }, new Date('2026-12-02T10:00:00Z'))).resolves.toBe(true);
    const stored = await repo.getRequest(req.id);
    expect(stored).toMatchObject({ id: req.id, status: 'unverified', version: 0 });
    expect(JSON.stringify(stored)).not.toContain('alice@example.com');
    expect(await repo.getPii(req.id)).toMatchObject({ email: 'alice@example.com' });
    // A second writer (intake finishing a claimed request) learns it lost, and changes nothing.
    await expect(repo.createRequest(req, { email: 'x@example.com' }, new Date())).resolves.toBe(false);
    expect(await repo.getPii(req.id)).toMatchObject({ email: 'alice@example.com' });
  });

  it('never brings back contact data whose expiry has passed, though DynamoDB has not deleted it yet: a later end is set only on data still kept', async () => {
    const gone = newRequest();
    // Expired a minute ago on this file's clock: DynamoDB deletes such an item up to two days late, and reads treat it as gone.
    await repo.createRequest(gone, { email: 'erased@example.com' }, new Date(Date.parse(at) - 60_000));
    expect(await repo.getPii(gone.id)).toBeUndefined();
    // Completing it, refusing it or restarting its clock sets a later end: none may make the erased address readable again.
    await repo.setPiiExpiry(gone.id, new Date('2026-12-25T10:00:00Z'), { uncorrected: 'The name is spelled as on the order.' });
    expect(await repo.getPii(gone.id)).toBeUndefined();
    const item = (await repoDb.send(new GetCommand({ TableName: 'lethe-test', Key: { pk: `REQ#${gone.id}`, sk: 'PII' } }))).Item;
    expect(item?.ttl).toBe(Math.floor(Date.parse(at) / 1000) - 60);
    expect(item).not.toHaveProperty('uncorrected');
    const kept = newRequest();
    await repo.createRequest(kept, { email: 'kept@example.com' }, new Date(Date.parse(at) + 60_000));
    await repo.setPiiExpiry(kept.id, new Date('2026-12-25T10:00:00Z'));
    expect((await repoDb.send(new GetCommand({ TableName: 'lethe-test', Key: { pk: `REQ#${kept.id}`, sk: 'PII' } }))).Item?.ttl).toBe(Date.parse('2026-12-25T10:00:00Z') / 1000);
  });

  it('reads when contact data ends, and moves that end later only: never earlier, never past a bound, never onto data kept with no end or already past its end', async () => {
    const ttlOf = async (id: string) => (await repoDb.send(new GetCommand({ TableName: 'lethe-test', Key: { pk: `REQ#${id}`, sk: 'PII' } }))).Item?.ttl;
    const week = new Date('2026-12-02T10:00:00Z');
    const later = new Date('2027-04-28T00:00:00Z');
    const short = newRequest();
    await repo.createRequest(short, { email: 'short@example.com' }, week);
    expect(await repo.getPiiExpiry(short.id)).toEqual(week);
    expect(await repo.extendPiiExpiry(short.id, later, week)).toBe(true);
    expect(await repo.getPiiExpiry(short.id)).toEqual(later);
    // Another writer moved it later meanwhile (an extension): a repair from an older reading does not shorten it.
    expect(await repo.extendPiiExpiry(short.id, week, later)).toBe(false);
    expect(await ttlOf(short.id)).toBe(later.getTime() / 1000);
    // A closing gave it 30 days meanwhile: a repair of a 7-day end read before does not lengthen that.
    const closed = newRequest();
    const month = new Date('2026-12-25T10:00:00Z');
    await repo.createRequest(closed, { email: 'closed@example.com' }, month);
    expect(await repo.extendPiiExpiry(closed.id, later, week)).toBe(false);
    expect(await ttlOf(closed.id)).toBe(month.getTime() / 1000);
    const unending = newRequest();
    await repo.createRequest(unending, { email: 'restricted@example.com' }, week);
    await repo.setPiiExpiry(unending.id, null);
    expect(await repo.getPiiExpiry(unending.id)).toBeNull();
    expect(await repo.extendPiiExpiry(unending.id, later, week)).toBe(false);
    expect(await ttlOf(unending.id)).toBeUndefined();
    const gone = newRequest();
    await repo.createRequest(gone, { email: 'erased@example.com' }, new Date(Date.parse(at) - 60_000));
    expect(await repo.getPiiExpiry(gone.id)).toBeUndefined();
    expect(await repo.extendPiiExpiry(gone.id, later, week)).toBe(false);
    expect(await repo.getPii(gone.id)).toBeUndefined();
    expect(await repo.getPiiExpiry(newRequest().id), 'no contact data at all').toBeUndefined();
  });

  it('keeps a clarification’s question with contact data still kept, leaving its end as it is, and never on contact data past its end or gone', async () => {
    const question = 'Which orders your request for a copy is about';
    const item = async (id: string) => (await repoDb.send(new GetCommand({ TableName: 'lethe-test', Key: { pk: `REQ#${id}`, sk: 'PII' } }))).Item;
    const kept = newRequest();
    await repo.createRequest(kept, { email: 'kept@example.com' }, new Date('2026-12-25T10:00:00Z'));
    await repo.keepWithPii(kept.id, { clarification: question });
    expect(await repo.getPii(kept.id)).toEqual({ email: 'kept@example.com', clarification: question });
    expect((await item(kept.id))?.ttl).toBe(Date.parse('2026-12-25T10:00:00Z') / 1000);
    const gone = newRequest();
    await repo.createRequest(gone, { email: 'erased@example.com' }, new Date(Date.parse(at) - 60_000));
    await repo.keepWithPii(gone.id, { clarification: question });
    expect(await item(gone.id)).not.toHaveProperty('clarification');
    // No contact data at all: the write creates no item of its own.
    const never = newRequest();
    await repo.keepWithPii(never.id, { clarification: question });
    expect(await item(never.id)).toBeUndefined();
  });

  it('lets one writer claim an (email, type) pair, and replace a claim only as it read it, or once expired', async () => {
    const h = 'd'.repeat(64);
    const now = new Date('2026-11-25T10:00:00Z');
    const week = new Date('2026-12-02T10:00:00Z');
    const won = await Promise.all(['A', 'B', 'C'].map((id) => repo.claimDedupe(h, 'erasure', id, now, week)));
    expect(won.filter(Boolean)).toHaveLength(1);
    const first = (await repo.getDedupe(h, 'erasure'))?.requestId ?? '';
    expect(await repo.getDedupe(h, 'erasure')).toEqual({ requestId: first, expiresAt: week.toISOString() });
    // Replacing a claim (its request closed) succeeds only for the writer that read that claim.
    expect(await repo.claimDedupe(h, 'erasure', 'D', now, week, 'someone-else')).toBe(false);
    expect(await repo.claimDedupe(h, 'erasure', 'D', now, week, first)).toBe(true);
    expect(await repo.claimDedupe(h, 'erasure', 'E', now, week, first)).toBe(false);
    // An expired claim is free, even before DynamoDB's TTL deletes it.
    expect(await repo.claimDedupe(h, 'erasure', 'F', new Date('2026-12-03T10:00:00Z'), new Date('2026-12-10T10:00:00Z'))).toBe(true);
  });

  it('applies a status change and its audit event in one conditional write', async () => {
    const req = newRequest();
    await repo.createRequest(req, { email: 'bob@example.com' }, new Date('2026-12-02T10:00:00Z'));
    const v = await repo.transitionRequest(req, 'verified', { verifiedAt: at, dueDate: '2026-12-29' }, { at, actor: 'requester', action: 'verify', subject: req.id }, { removeTtl: true });
    expect(v).toMatchObject({ status: 'verified', version: 1, dueDate: '2026-12-29' });
    expect(v.audit).toHaveLength(1);
    const s = await repo.transitionRequest(v, 'in_progress', {}, { at, actor: 'workflow', action: 'start', subject: req.id });
    expect(s.audit.map((e) => e.action)).toEqual(['verify', 'start']);
    expect(firstBreak(s.audit)).toBe(-1);
  });

  it('makes the loser of a race fail whole, leaving the winner’s write intact', async () => {
    const req = newRequest();
    await repo.createRequest(req, { email: 'carol@example.com' }, new Date('2026-12-02T10:00:00Z'));
    const results = await Promise.allSettled([
      repo.transitionRequest(req, 'verified', {}, { at, actor: 'a', action: 'verify', subject: req.id }),
      repo.transitionRequest(req, 'cancelled', {}, { at, actor: 'b', action: 'cancel', subject: req.id }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(lost.reason).toBeInstanceOf(Conflict);
    const after = await repo.getRequest(req.id);
    expect(after?.version).toBe(1);
    expect(after?.audit).toHaveLength(1);
  });

  it('lists requests by status in due-date order through the index', async () => {
    const a = { ...newRequest(), status: 'in_progress' as const, dueDate: '2027-01-05' };
    const b = { ...newRequest(), status: 'in_progress' as const, dueDate: '2026-12-20' };
    await repo.createRequest(a, { email: 'a@example.com' }, new Date('2027-02-01'));
    await repo.createRequest(b, { email: 'b@example.com' }, new Date('2027-02-01'));
    const page = await repo.listRequests({ status: 'in_progress' });
    const ids = page.items.map((r) => r.id);
    expect(ids.indexOf(b.id)).toBeLessThan(ids.indexOf(a.id));
    const early = await repo.listRequests({ status: 'in_progress', dueBefore: '2026-12-31' });
    expect(early.items.map((r) => r.id)).toContain(b.id);
    expect(early.items.map((r) => r.id)).not.toContain(a.id);
  });

  it('lists requests by status from a deadline on, and between two deadlines, both inclusive', async () => {
    const made: string[] = [];
    for (const dueDate of ['2027-04-01', '2027-04-02', '2027-04-03', '2027-04-04']) {
      const r = { ...newRequest(), status: 'cancelled' as const, dueDate };
      await repo.createRequest(r, { email: 'range@example.com' }, new Date('2027-06-01'));
      made.push(r.id);
    }
    const ids = async (q: { dueFrom?: string; dueBefore?: string }) => (await repo.listRequests({ status: 'cancelled', limit: 100, ...q })).items.map((r) => r.id).filter((id) => made.includes(id));
    expect(await ids({ dueFrom: '2027-04-02' })).toEqual(made.slice(1));
    expect(await ids({ dueFrom: '2027-04-02', dueBefore: '2027-04-03' })).toEqual(made.slice(1, 3));
    // A page cursor carries on within the range.
    const first = await repo.listRequests({ status: 'cancelled', dueFrom: '2027-04-02', limit: 1 });
    expect(first.items.map((r) => r.id)).toEqual([made[1]]);
    const next = await repo.listRequests({ status: 'cancelled', dueFrom: '2027-04-02', limit: 1, cursor: first.cursor });
    expect(next.items.map((r) => r.id)).toEqual([made[2]]);
  });

  it('moves an extended request in the due-date index to its extended deadline, so that a range on the deadline finds it there', async () => {
    const req = { ...newRequest(), status: 'awaiting_manual' as const, dueDate: '2026-12-21' };
    await repo.createRequest(req, { email: 'ext@example.com' }, new Date('2027-02-01'));
    const before = await repo.listRequests({ status: 'awaiting_manual', dueBefore: '2026-12-21' });
    expect(before.items.map((r) => r.id)).toContain(req.id);
    await repo.transitionRequest(req, req.status, { extended: { at, reason: 'complex', dueDate: '2027-03-22' } }, { at, actor: 'officer:o', action: 'extend', subject: req.id });
    const ids = async (dueBefore: string) => (await repo.listRequests({ status: 'awaiting_manual', dueBefore, limit: 100 })).items.map((r) => r.id);
    expect(await ids('2027-03-21')).not.toContain(req.id);
    expect(await ids('2027-03-22')).toContain(req.id);
  });

  it('lists a request in the owed index exactly while it owes an outcome email or a notice, with no item of its own', async () => {
    const done = { ...newRequest(), status: 'in_progress' as const, verifiedAt: at, dueDate: '2026-12-25' };
    const closing = { ...newRequest(), status: 'in_progress' as const, verifiedAt: at, dueDate: '2026-12-26' };
    await repo.createRequest(done, { email: 'owed1@example.com' }, new Date('2027-02-01'));
    await repo.createRequest(closing, { email: 'owed2@example.com' }, new Date('2027-02-01'));
    const ids = async (kind: 'outcome' | 'notice') => (await repo.listOwed(kind)).map((m) => m.requestId).filter((id) => id === done.id || id === closing.id);
    expect(await ids('outcome')).toEqual([]);

    const lease = { seq: 1, until: '2026-11-25T10:01:00.000Z', owner: 'workflow' };
    const completed = await repo.transitionRequest(done, 'completed', { closedAt: at, outboxOutcome: lease }, { at, actor: 'workflow', action: 'complete', subject: done.id });
    await repo.transitionRequest(closing, 'denied', { outboxNotice: { ...lease, notice: 'refusal', reason: 'manifestly_unfounded' } }, { at: '2026-11-25T10:00:05.000Z', actor: 'officer', action: 'deny', subject: closing.id });
    expect(await ids('outcome')).toEqual([done.id]);
    expect(await ids('notice')).toEqual([closing.id]);
    expect((await repo.listOwed('outcome')).find((m) => m.requestId === done.id)?.at).toBe(at);
    // The index's attributes are bookkeeping: a request read back does not carry them.
    expect(Object.keys(completed)).not.toContain('owed');
    expect(Object.keys((await repo.getRequest(closing.id)) ?? {})).not.toContain('owedAt');

    // A stale clear (another intent's number) leaves it listed; the right one takes it out.
    await expect(repo.clearDelivery(done.id, 'outboxOutcome', 2)).resolves.toBe(false);
    expect(await ids('outcome')).toEqual([done.id]);
    await expect(repo.clearDelivery(done.id, 'outboxOutcome', 1)).resolves.toBe(true);
    await expect(repo.clearDelivery(closing.id, 'outboxNotice', 1)).resolves.toBe(true);
    expect(await ids('outcome')).toEqual([]);
    expect(await ids('notice')).toEqual([]);
    expect(await repo.getRequest(done.id)).toMatchObject({ status: 'completed', closedAt: at });
  });

  it('lists a request in the failed index exactly while it carries the "mail failed" mark, by when it was first marked, with no item of its own', async () => {
    const req = { ...newRequest(), status: 'in_progress' as const, verifiedAt: at, dueDate: '2026-12-27' };
    await repo.createRequest(req, { email: 'failed@example.com' }, new Date('2027-02-01'));
    const listed = async () => (await repo.listMailFailed()).includes(req.id);
    const indexed = async () => (await repoDb.send(new GetCommand({ TableName: 'lethe-test', Key: { pk: `REQ#${req.id}`, sk: 'REQUEST' } }))).Item;
    expect(await listed()).toBe(false);

    await repo.markMailFailed(req.id, { kind: 'reminder', at, error: 'Throttling' });
    expect(await listed()).toBe(true);
    expect(await indexed()).toMatchObject({ failed: 'mail', failedAt: at });
    // Marked again (another failure): the index keeps its keys, so it is not written again.
    await repo.markMailFailed(req.id, { kind: 'escalation', at: '2026-11-25T11:00:00.000Z', error: 'Throttling' });
    expect(await indexed()).toMatchObject({ failed: 'mail', failedAt: at, mailFailed: { kind: 'escalation' } });
    // The index's attributes are bookkeeping: a request read back does not carry them.
    expect(Object.keys((await repo.getRequest(req.id)) ?? {})).not.toContain('failedAt');

    // A clear of another kind leaves the mark and the entry; the mark's own kind takes both out.
    await repo.clearMailFailed(req.id, 'reminder');
    expect(await listed()).toBe(true);
    await repo.clearMailFailed(req.id, 'escalation');
    expect(await listed()).toBe(false);
    const after = await indexed();
    expect(after?.mailFailed).toBeUndefined();
    expect(after?.failedAt).toBeUndefined();
  });

  it('keeps a request owing both an outcome and a notice in the owed index, under the one still owed, until both are cleared', async () => {
    // An extension's notice still owed (SES refused it) when the request completes, which owes the outcome too.
    const both = { ...newRequest(), status: 'in_progress' as const, verifiedAt: at, dueDate: '2026-12-28' };
    await repo.createRequest(both, { email: 'both@example.com' }, new Date('2027-02-01'));
    const ids = async (kind: 'outcome' | 'notice') => (await repo.listOwed(kind)).map((m) => m.requestId).filter((id) => id === both.id);
    const lease = { seq: 1, until: '2026-11-25T10:01:00.000Z', owner: 'admin' };
    const extended = await repo.transitionRequest(both, 'in_progress', { outboxNotice: { ...lease, notice: 'extension', reason: 'complex', dueDate: '2027-02-28' } }, { at, actor: 'officer', action: 'extend', subject: both.id });
    await repo.transitionRequest(extended, 'completed', { closedAt: at, outboxOutcome: { ...lease, owner: 'workflow' } }, { at, actor: 'workflow', action: 'complete', subject: both.id });
    expect([...(await ids('outcome')), ...(await ids('notice'))]).toEqual([both.id]);
    // The outcome goes first: the notice is still owed, so the request stays listed, as owing it.
    await expect(repo.clearDelivery(both.id, 'outboxOutcome', 1)).resolves.toBe(true);
    expect(await ids('notice')).toEqual([both.id]);
    expect(await ids('outcome')).toEqual([]);
    await expect(repo.clearDelivery(both.id, 'outboxNotice', 1)).resolves.toBe(true);
    expect([...(await ids('outcome')), ...(await ids('notice'))]).toEqual([]);

    // The other way round: a notice delivered while the outcome is still owed leaves it listed as owing the outcome.
    const other = { ...newRequest(), status: 'in_progress' as const, verifiedAt: at, dueDate: '2026-12-29' };
    await repo.createRequest(other, { email: 'other@example.com' }, new Date('2027-02-01'));
    const paused = await repo.transitionRequest(other, 'in_progress', { outboxNotice: { ...lease, notice: 'extension', reason: 'complex', dueDate: '2027-02-28' } }, { at, actor: 'officer', action: 'extend', subject: other.id });
    await repo.transitionRequest(paused, 'completed', { closedAt: at, outboxOutcome: { ...lease, owner: 'workflow' } }, { at, actor: 'workflow', action: 'complete', subject: other.id });
    await expect(repo.clearDelivery(other.id, 'outboxNotice', 1)).resolves.toBe(true);
    expect((await repo.listOwed('outcome')).map((m) => m.requestId)).toContain(other.id);
    // A stale clear (another number) changes nothing.
    await expect(repo.clearDelivery(other.id, 'outboxOutcome', 2)).resolves.toBe(false);
    expect((await repo.listOwed('outcome')).map((m) => m.requestId)).toContain(other.id);

    // The outcome dropped as one that can never go (its contact data expired) leaves the notice listed as owed.
    const dropped = { ...newRequest(), status: 'in_progress' as const, verifiedAt: at, dueDate: '2026-12-30' };
    await repo.createRequest(dropped, { email: 'dropped@example.com' }, new Date('2027-02-01'));
    const owing = await repo.transitionRequest(dropped, 'in_progress', { outboxNotice: { ...lease, notice: 'extension', reason: 'complex', dueDate: '2027-02-28' } }, { at, actor: 'officer', action: 'extend', subject: dropped.id });
    const closed = await repo.transitionRequest(owing, 'completed', { closedAt: at, outboxOutcome: { ...lease, owner: 'workflow' } }, { at, actor: 'workflow', action: 'complete', subject: dropped.id });
    await repo.transitionRequest(closed, 'completed', {}, { at, actor: 'sweeper', action: 'outcome_unsent', subject: dropped.id }, { remove: ['outboxOutcome'] });
    expect((await repo.listOwed('notice')).map((m) => m.requestId)).toContain(dropped.id);
    expect((await repo.listOwed('outcome')).map((m) => m.requestId)).not.toContain(dropped.id);
  });

  it('strikes off the notices owed before the last one, oldest first, once each, and only under the intent’s number', async () => {
    const r = { ...newRequest(), status: 'in_progress' as const, verifiedAt: at, dueDate: '2026-12-26' };
    await repo.createRequest(r, { email: 'queued@example.com' }, new Date('2027-02-01'));
    const earlier = [
      { notice: 'clarification' as const, needed: 'Which orders?', extended: false },
      { notice: 'extension' as const, reason: 'complex' },
    ];
    await repo.transitionRequest(r, 'in_progress', { outboxNotice: { seq: 3, until: '2026-11-25T10:01:00.000Z', owner: 'admin', notice: 'clarification', needed: 'Which years?', earlier } }, { at, actor: 'officer', action: 'pause', subject: r.id });
    const owed = async () => (await repo.getRequest(r.id))?.outboxNotice;
    await expect(repo.strikeOffNotice(r.id, 2, 2)).resolves.toBe(false);
    await expect(repo.strikeOffNotice(r.id, 3, 2)).resolves.toBe(true);
    expect((await owed())?.earlier).toEqual([earlier[1]]);
    // A second deliverer that mailed the same one (a lease run out) strikes off nothing more.
    await expect(repo.strikeOffNotice(r.id, 3, 2)).resolves.toBe(false);
    await expect(repo.strikeOffNotice(r.id, 3, 1)).resolves.toBe(true);
    expect(await owed()).toMatchObject({ seq: 3, notice: 'clarification', needed: 'Which years?' });
    expect((await owed())?.earlier).toBeUndefined();
    await expect(repo.strikeOffNotice(r.id, 3, 1)).resolves.toBe(false);
    // Still owed, the last notice keeps the request in the owed index.
    expect((await repo.listOwed('notice')).map((m) => m.requestId)).toContain(r.id);
  });

  it('strikes off the team’s emails owed before the last one, oldest first, once each, and only under the intent’s number', async () => {
    const r = { ...newRequest(), status: 'awaiting_manual' as const, verifiedAt: at, dueDate: '2026-12-26' };
    await repo.createRequest(r, { email: 'team-queued@example.com' }, new Date('2027-02-01'));
    await repo.transitionRequest(r, 'awaiting_manual', { outboxTeam: { seq: 4, until: '2026-11-25T10:03:00.000Z', owner: 'sweeper:run-1', waiting: 'remake', earlier: ['assembly', 'held_copy'] } }, { at, actor: 'sweeper', action: 'remake_failed', subject: r.id });
    const owed = async () => (await repo.getRequest(r.id))?.outboxTeam;
    await expect(repo.strikeOffTeam(r.id, 3, 2)).resolves.toBe(false);
    await expect(repo.strikeOffTeam(r.id, 4, 2)).resolves.toBe(true);
    expect((await owed())?.earlier).toEqual(['held_copy']);
    // A second deliverer that mailed the same one (a lease run out) strikes off nothing more.
    await expect(repo.strikeOffTeam(r.id, 4, 2)).resolves.toBe(false);
    await expect(repo.strikeOffTeam(r.id, 4, 1)).resolves.toBe(true);
    expect(await owed()).toEqual({ seq: 4, until: '2026-11-25T10:03:00.000Z', owner: 'sweeper:run-1', waiting: 'remake' });
    await expect(repo.strikeOffTeam(r.id, 4, 1)).resolves.toBe(false);
    // Still owed, the last one keeps the request in the watch index, for the sweeper.
    expect((await repo.listWatch(WATCH.request)).map((w) => w.requestId)).toContain(r.id);
  });

  it('refuses a write that queues an email behind those owed as it read them once one of them was mailed since (struck off, or the intent cleared), and takes one that replaces them', async () => {
    const lease = { until: '2026-11-25T10:03:00.000Z', owner: 'sweeper:run-2' };
    const r = { ...newRequest(), status: 'awaiting_manual' as const, verifiedAt: at, dueDate: '2026-12-26' };
    await repo.createRequest(r, { email: 'team-stale@example.com' }, new Date('2027-02-01'));
    await repo.transitionRequest(r, 'awaiting_manual', { outboxTeam: { seq: 1, ...lease, owner: 'workflow', waiting: 'held_copy', earlier: ['assembly'] } }, { at, actor: 'workflow', action: 'hold_export', subject: r.id });
    // The give-up's read: both owed. Another run then mails the first and strikes it off (no version change).
    const read = (await repo.getRequest(r.id)) as StoredRequest;
    const giveUp = (from: StoredRequest) => repo.transitionRequest(from, from.status, { outboxTeam: queueTeam(from.outboxTeam, 'remake', { seq: from.version + 1, ...lease }) }, { at, actor: 'sweeper', action: 'remake_failed', subject: r.id });
    await repo.strikeOffTeam(r.id, 1, 1);
    await expect(giveUp(read)).rejects.toThrow(ConcurrentUpdate);
    // Mailed the last too, and cleared.
    await repo.clearDelivery(r.id, 'outboxTeam', 1);
    await expect(giveUp(read)).rejects.toThrow(ConcurrentUpdate);
    expect((await repo.getRequest(r.id))?.outboxTeam).toBeUndefined();
    // Read again, nothing is queued again.
    expect((await giveUp((await repo.getRequest(r.id)) as StoredRequest)).outboxTeam).toEqual({ seq: 2, ...lease, waiting: 'remake' });

    // An officer's notice behind a question mailed since: the requester would get the question twice.
    const q = { ...newRequest(), status: 'in_progress' as const, verifiedAt: at, dueDate: '2026-12-26' };
    await repo.createRequest(q, { email: 'notice-stale@example.com' }, new Date('2027-02-01'));
    const asked = await repo.transitionRequest(q, 'in_progress', { outboxNotice: { seq: 1, ...lease, owner: 'admin', notice: 'clarification', needed: 'Which orders?' } }, { at, actor: 'officer', action: 'pause', subject: q.id });
    await repo.clearDelivery(q.id, 'outboxNotice', 1);
    const extension = { notice: 'extension', reason: 'complex', dueDate: '2027-02-26' } as const;
    await expect(repo.transitionRequest(asked, 'in_progress', { outboxNotice: queueNotice(asked.outboxNotice, false, extension, { seq: 2, ...lease }) }, { at, actor: 'officer', action: 'extend', subject: q.id })).rejects.toThrow(ConcurrentUpdate);
    // A cancellation replaces the notices owed, carrying none: its write holds on the same read.
    const cancelled = await repo.transitionRequest(asked, 'cancelled', { outboxNotice: queueNotice(undefined, false, { notice: 'cancellation', reason: 'duplicate_request' }, { seq: 2, ...lease }) }, { at, actor: 'officer', action: 'cancel', subject: q.id });
    expect(cancelled.outboxNotice).toMatchObject({ seq: 2, notice: 'cancellation' });
  });

  it('clears the "mail failed" mark of an email’s kind in the write that records it sent, or strikes it off its queue, and the request leaves the failed index with it; a mark of another kind stays', async () => {
    const r = { ...newRequest(), status: 'awaiting_manual' as const, verifiedAt: at, dueDate: '2026-12-26' };
    await repo.createRequest(r, { email: 'marked@example.com' }, new Date('2027-02-01'));
    await repo.transitionRequest(r, 'awaiting_manual', { outboxTeam: { seq: 5, until: '2026-11-25T10:03:00.000Z', owner: 'sweeper:run-1', waiting: 'remake', earlier: ['held_copy'] } }, { at, actor: 'sweeper', action: 'remake_failed', subject: r.id });
    const listed = async () => (await repo.listMailFailed()).includes(r.id);
    const item = async () => (await repoDb.send(new GetCommand({ TableName: 'lethe-test', Key: { pk: `REQ#${r.id}`, sk: 'REQUEST' } }))).Item;
    await repo.markMailFailed(r.id, { kind: 'review', at, error: 'LimitExceededException' });

    await expect(repo.strikeOffTeam(r.id, 5, 1, 'review')).resolves.toBe(true);
    expect(await item()).not.toHaveProperty('mailFailed');
    expect(await item()).not.toHaveProperty('failedAt');
    expect(await listed()).toBe(false);
    expect((await repo.getRequest(r.id))?.outboxTeam).toEqual({ seq: 5, until: '2026-11-25T10:03:00.000Z', owner: 'sweeper:run-1', waiting: 'remake' });

    // A mark of another kind since (the deliverer read a "review" one): the email is recorded sent, the mark stays.
    await repo.markMailFailed(r.id, { kind: 'reminder', at, error: 'Throttling' });
    await expect(repo.clearDelivery(r.id, 'outboxTeam', 5, {}, 'review')).resolves.toBe(true);
    expect(await item()).toMatchObject({ mailFailed: { kind: 'reminder' }, failed: 'mail' });
    expect(await item()).not.toHaveProperty('outboxTeam');

    // An outcome with a notice still owed: the request stays in the owed index, as owing the notice, and leaves the failed one.
    const both = { ...newRequest(), status: 'in_progress' as const, verifiedAt: at, dueDate: '2026-12-28' };
    await repo.createRequest(both, { email: 'marked-both@example.com' }, new Date('2027-02-01'));
    const lease = { seq: 1, until: '2026-11-25T10:01:00.000Z', owner: 'workflow' };
    const extended = await repo.transitionRequest(both, 'in_progress', { outboxNotice: { ...lease, notice: 'extension', reason: 'complex', dueDate: '2027-02-28' } }, { at, actor: 'officer', action: 'extend', subject: both.id });
    await repo.transitionRequest(extended, 'completed', { closedAt: at, outboxOutcome: lease }, { at, actor: 'workflow', action: 'complete', subject: both.id });
    await repo.markMailFailed(both.id, { kind: 'outcome', at, error: 'Throttling' });
    await expect(repo.clearDelivery(both.id, 'outboxOutcome', 1, {}, 'outcome')).resolves.toBe(true);
    expect((await repo.listOwed('notice')).map((m) => m.requestId)).toContain(both.id);
    expect((await repo.listMailFailed()).includes(both.id)).toBe(false);

    // A clear that is not its own (another deliverer's number) records nothing, but the email went: its mark goes still.
    await repo.markMailFailed(both.id, { kind: 'notice', notice: 'extension', at, error: 'Throttling' });
    await expect(repo.clearDelivery(both.id, 'outboxNotice', 2, {}, 'notice')).resolves.toBe(false);
    expect(await repoDb.send(new GetCommand({ TableName: 'lethe-test', Key: { pk: `REQ#${both.id}`, sk: 'REQUEST' } })).then((o) => o.Item)).toMatchObject({ outboxNotice: { seq: 1 } });
    expect((await repo.getRequest(both.id))?.mailFailed).toBeUndefined();
    expect((await repo.listMailFailed()).includes(both.id)).toBe(false);
  });

  it('takes a request out of the owed index in the write that drops an email that can never go', async () => {
    const r = { ...newRequest(), status: 'in_progress' as const, verifiedAt: at, dueDate: '2026-12-27' };
    await repo.createRequest(r, { email: 'unsendable@example.com' }, new Date('2027-02-01'));
    const lease = { seq: 1, until: '2026-11-25T10:01:00.000Z', owner: 'admin' };
    const denied = await repo.transitionRequest(r, 'denied', { outboxNotice: { ...lease, notice: 'refusal', reason: 'excessive' } }, { at, actor: 'officer', action: 'deny', subject: r.id });
    const listed = async () => (await repo.listOwed('notice')).some((m) => m.requestId === r.id);
    expect(await listed()).toBe(true);
    await repo.transitionRequest(denied, 'denied', {}, { at, actor: 'sweeper', action: 'notice_unsent', subject: r.id }, { remove: ['outboxNotice'] });
    expect(await listed()).toBe(false);
  });

  it('still lists a request owing an email through a marker item written before the owed index existed, until the marker expires', async () => {
    const old = { ...newRequest(), status: 'completed' as const, verifiedAt: at, closedAt: at, outboxOutcome: { seq: 1, until: at, owner: 'workflow' } };
    await repo.createRequest(old, { email: 'legacy@example.com' }, new Date('2027-02-01'));
    const marker = (requestId: string, ttl: number) => ({ pk: 'OUTBOX', sk: `outcome#${requestId}`, requestId, at, ttl });
    const gone = newRequest();
    await repoDb.send(new PutCommand({ TableName: 'lethe-test', Item: marker(old.id, Date.parse('2027-02-23T10:00:00Z') / 1000) }));
    await repoDb.send(new PutCommand({ TableName: 'lethe-test', Item: marker(gone.id, Date.parse('2026-11-01T10:00:00Z') / 1000) }));
    const ids = (await repo.listOwed('outcome')).map((m) => m.requestId);
    expect(ids).toContain(old.id);
    // An expired marker is gone, whether or not DynamoDB has deleted it yet.
    expect(ids).not.toContain(gone.id);
    expect((await repo.listOwed('notice')).map((m) => m.requestId)).not.toContain(old.id);
  });

  it('writes tasks once and moves them with their own audit chain', async () => {
    const req = newRequest();
    const task: StoredTask = {
      taskId: `${req.id}.stripe`,
      requestId: req.id,
      processorId: 'stripe',
      category: 'payments',
      action: 'erase',
      status: 'pending',
      version: 0,
      attempts: 0,
      holds: [],
      audit: [],
    };
    await repo.putTasksIfAbsent([task]);
    const [t] = await repo.listTasks(req.id);
    const sent = await repo.transitionTask(t, 'sent', { token: 'tok-1', attempts: 1 }, { at, actor: 'workflow', action: 'send', subject: task.taskId });
    expect(sent).toMatchObject({ status: 'sent', token: 'tok-1', version: 1 });
    const again = await repo.setTaskToken(sent, 'tok-2');
    expect(again).toMatchObject({ status: 'sent', token: 'tok-2', version: 2 });
    await expect(repo.setTaskToken(sent, 'tok-3')).rejects.toBeInstanceOf(Conflict);
  });

  it('keeps a task in the watch index by its status, in the write that changes it: out under its processor by when sent, escalated, answered; in none while pending or once resolved', async () => {
    const req = newRequest();
    const task: StoredTask = { taskId: `${req.id}.watched`, requestId: req.id, processorId: 'watched', category: 'payments', action: 'erase', status: 'pending', version: 0, attempts: 0, holds: [], audit: [] };
    const where = async () => {
      const found = [];
      for (const w of ['open#watched', 'escalated', 'answered#watched']) for (const e of await repo.listWatch(w)) if (e.requestId === req.id) found.push([w, e.at, e.processorId, e.sentAt]);
      return found;
    };
    await repo.putTasksIfAbsent([task]);
    expect(await where()).toEqual([]);
    const ev = (action: string, when = at) => ({ at: when, actor: 'workflow', action, subject: task.taskId });
    const sent = await repo.transitionTask((await repo.listTasks(req.id))[0], 'sent', { token: 't', sentAt: '2026-11-25T10:00:00.000Z', attempts: 1 }, ev('send'));
    expect(await where()).toEqual([['open#watched', '2026-11-25T10:00:00.000Z', 'watched', '2026-11-25T10:00:00.000Z']]);
    // Past its timeout is a key range: sent before the instant asked.
    expect((await repo.listWatch('open#watched', { before: '2026-11-25T10:00:00.001Z' })).map((e) => e.requestId)).toContain(req.id);
    expect((await repo.listWatch('open#watched', { before: '2026-11-25T10:00:00.000Z' })).map((e) => e.requestId)).not.toContain(req.id);
    const acked = await repo.transitionTask(sent, 'in_progress', {}, ev('acknowledge', '2026-11-25T11:00:00.000Z'));
    expect(await where()).toEqual([['open#watched', '2026-11-25T10:00:00.000Z', 'watched', '2026-11-25T10:00:00.000Z']]);
    const late = await repo.transitionTask(acked, 'timed_out', { finishedAt: '2026-12-02T10:00:00.000Z' }, ev('time_out', '2026-12-02T10:00:00.000Z'));
    expect(await where()).toEqual([['escalated', '2026-12-02T10:00:00.000Z', 'watched', '2026-11-25T10:00:00.000Z']]);
    const retried = await repo.transitionTask(late, 'sent', { sentAt: '2026-12-03T10:00:00.000Z' }, ev('retry', '2026-12-03T10:00:00.000Z'));
    expect(await where()).toEqual([['open#watched', '2026-12-03T10:00:00.000Z', 'watched', '2026-12-03T10:00:00.000Z']]);
    const answered = await repo.transitionTask(retried, 'completed', { finishedAt: '2026-12-03T10:00:02.000Z' }, ev('completed', '2026-12-03T10:00:02.000Z'));
    expect(await where()).toEqual([['answered#watched', '2026-12-03T10:00:02.000Z', 'watched', '2026-12-03T10:00:00.000Z']]);
    expect((await repo.listWatch('answered#watched', { newest: 1 }))[0]).toMatchObject({ requestId: req.id });
    // The index's attributes are bookkeeping: a task read back does not carry them.
    expect(Object.keys(answered)).not.toContain('watch');
    expect(Object.keys((await repo.getTask(req.id, 'watched')) ?? {})).not.toContain('watchAt');

    const other: StoredTask = { ...task, taskId: `${req.id}.resolvedone`, processorId: 'resolvedone' };
    await repo.putTasksIfAbsent([other]);
    const failed = await repo.transitionTask((await repo.getTask(req.id, 'resolvedone')) as StoredTask, 'failed', {}, ev('fail'));
    expect((await repo.listWatch('escalated')).filter((e) => e.requestId === req.id).map((e) => [e.processorId, e.at])).toEqual([['resolvedone', at]]);
    await repo.transitionTask(failed, 'resolved', { finishedAt: at }, ev('resolve'));
    expect((await repo.listWatch('escalated')).filter((e) => e.requestId === req.id)).toEqual([]);
  });

  it('lists a request in the watch index from the write that records its team email or a failed copy to the write that drops the last, or until the sweeper finds it owes neither', async () => {
    const [a, b, c] = [newRequest(), newRequest(), newRequest()];
    for (const r of [a, b, c]) await repo.createRequest(r, { email: 'team@example.com' }, new Date('2027-02-01'));
    const listed = async () => (await repo.listWatch('request')).map((e) => e.requestId).filter((id) => [a.id, b.id, c.id].includes(id)).sort();
    const owed = { seq: 1, until: '2026-11-25T10:01:00.000Z', owner: 'verify', waiting: 'correction' as const };
    const ev = (r: StoredRequest, action = 'verify') => ({ at, actor: 'workflow', action, subject: r.id });
    await repo.transitionRequest(a, 'awaiting_review', { outboxTeam: owed }, ev(a));
    const waiting = await repo.transitionRequest(b, 'awaiting_review', { outboxTeam: owed }, ev(b));
    // (The repository checks versions, not which transitions are legal: the workflow would have gone through in progress.)
    await repo.transitionRequest(c, 'awaiting_manual', { assemblyFailed: { token: 't', at, error: 'ResultsUnavailable' }, outboxTeam: { ...owed, waiting: 'assembly' } }, ev(c, 'assembly_failed'));
    expect(await listed()).toEqual([a.id, b.id, c.id].sort());
    expect(Object.keys(waiting)).not.toContain('watch');
    // The email going out is bookkeeping that cannot know whether a failed copy remains: the entry stays for the sweeper.
    await expect(repo.clearDelivery(a.id, 'outboxTeam', 1)).resolves.toBe(true);
    await expect(repo.clearDelivery(c.id, 'outboxTeam', 1)).resolves.toBe(true);
    expect(await listed()).toEqual([a.id, b.id, c.id].sort());
    await repo.unwatchRequest(a.id);
    await repo.unwatchRequest(c.id);
    expect(await listed()).toEqual([b.id, c.id].sort());
    // A status change that drops the last of them takes it out in the same write.
    await repo.transitionRequest(waiting, 'verified', {}, ev(b, 'approve'), { remove: ['outboxTeam'] });
    const again = (await repo.getRequest(c.id)) as StoredRequest;
    expect(again.assemblyFailed).toBeDefined();
    await repo.transitionRequest(again, 'in_progress', {}, ev(c, 'assembled'), { remove: ['assemblyFailed'] });
    expect(await listed()).toEqual([]);
  });

  it('lists a held copy in the watch index from the write that asks for its package again to the write that records it made, one run claiming it at a time, and keeps it there while the sweeper finds it owed', async () => {
    const req = { ...newRequest(), type: 'access' as const };
    await repo.createRequest(req, { email: 'remake@example.com' }, new Date('2027-02-01'));
    const listed = async () => (await repo.listWatch('request')).filter((e) => e.requestId === req.id).map((e) => e.at);
    const asked = '2026-11-25T12:00:00.000Z';
    const owed = await repo.transitionRequest(req, 'awaiting_manual', { exportKey: `exports/${req.id}.zip`, outboxRemake: { seq: req.version + 1, until: asked, owner: '', at: asked, by: 'officer:ada' } }, { at: asked, actor: 'officer:ada', action: 'remake_export', subject: req.id });
    expect(await listed()).toEqual([asked]);
    // The sweeper finding nothing else owed leaves it there: the package is still to be made.
    await repo.unwatchRequest(req.id);
    expect(await listed()).toEqual([asked]);
    const now = new Date('2026-11-25T12:10:00.000Z');
    const lease = { seq: req.version + 1, until: '2026-11-25T12:13:00.000Z', owner: 'sweeper:run-1' };
    await expect(repo.claimDelivery(req.id, 'outboxRemake', lease, now)).resolves.toBe(true);
    await expect(repo.claimDelivery(req.id, 'outboxRemake', { ...lease, owner: 'sweeper:run-2' }, now)).resolves.toBe(false);
    // The claim is bookkeeping: the write that records the package, conditional on the version, still holds.
    const claimed = (await repo.getRequest(req.id)) as StoredRequest;
    expect(claimed.version).toBe(owed.version);
    expect(claimed.outboxRemake).toMatchObject({ owner: 'sweeper:run-1', at: asked, by: 'officer:ada' });
    await repo.transitionRequest(claimed, 'awaiting_manual', {}, { at: now.toISOString(), actor: 'sweeper', action: 'export_assembled', subject: req.id }, { remove: ['outboxRemake'] });
    expect(await listed()).toEqual([]);
    expect((await repo.getRequest(req.id))?.outboxRemake).toBeUndefined();
  });

  it('lists a request in the watch index from the write that raises a sweeper’s flag with its alert owed, until the sweeper finds the alert gone', async () => {
    const r = { ...newRequest(), status: 'in_progress' as const, verifiedAt: at, dueDate: '2026-11-30' };
    await repo.createRequest(r, { email: 'alert@example.com' }, new Date('2027-02-01'));
    const listed = async () => (await repo.listWatch('request')).some((e) => e.requestId === r.id);
    const alert = { seq: 1, until: '2026-11-25T10:03:00.000Z', owner: 'sweeper', alert: 'reminder-7' as const, dueDate: '2026-11-30', daysLeft: 5 };
    await repo.transitionRequest(r, 'in_progress', { flags: ['reminder-7'], outboxAlert: alert }, { at, actor: 'sweeper', action: 'reminder-7', subject: r.id, data: { dueDate: '2026-11-30', daysLeft: 5 } });
    expect(await listed()).toBe(true);
    // Owed still: it stays.
    await repo.unwatchRequest(r.id);
    expect(await listed()).toBe(true);
    await expect(repo.clearDelivery(r.id, 'outboxAlert', 1)).resolves.toBe(true);
    expect((await repo.getRequest(r.id))?.outboxAlert).toBeUndefined();
    await repo.unwatchRequest(r.id);
    expect(await listed()).toBe(false);
  });

  it('lists a refused copy in the watch index’s closed partition from the write that records its export results’ deletion until that is cleared', async () => {
    const r = { ...newRequest(), type: 'access' as const, status: 'in_progress' as const, verifiedAt: at, dueDate: '2026-12-25' };
    await repo.createRequest(r, { email: 'purge@example.com' }, new Date('2027-02-01'));
    const listed = async () => (await repo.listWatch('closed')).some((e) => e.requestId === r.id);
    await repo.transitionRequest(r, 'denied', { closedAt: at, purgeResults: { at } }, { at, actor: 'officer', action: 'deny', subject: r.id });
    expect(await listed()).toBe(true);
    // Owed still: it stays.
    await repo.unwatchRequest(r.id);
    expect(await listed()).toBe(true);
    await repo.clearPurge(r.id);
    expect((await repo.getRequest(r.id))?.purgeResults).toBeUndefined();
    await repo.unwatchRequest(r.id);
    expect(await listed()).toBe(false);
  });

  it('lists a resolved task in the watch index while its resolution owes the workflow its token', async () => {
    const req = newRequest();
    const task: StoredTask = { taskId: `${req.id}.owing`, requestId: req.id, processorId: 'owing', category: 'payments', action: 'erase', status: 'timed_out', version: 0, attempts: 1, holds: [], audit: [], token: 'tok', finishedAt: at };
    await repo.putTasksIfAbsent([task]);
    const resolved = await repo.transitionTask((await repo.getTask(req.id, 'owing')) as StoredTask, 'resolved', { outboxToken: { at: '2026-11-25T11:00:00.000Z' }, finishedAt: at }, { at, actor: 'officer', action: 'resolve', subject: task.taskId });
    expect((await repo.listWatch('token')).filter((e) => e.requestId === req.id).map((e) => [e.processorId, e.at])).toEqual([['owing', '2026-11-25T11:00:00.000Z']]);
    expect((await repo.listWatch('escalated')).filter((e) => e.requestId === req.id)).toEqual([]);
    await repo.clearOwedToken(req.id, 'owing');
    expect((await repo.listWatch('token')).filter((e) => e.requestId === req.id)).toEqual([]);
    expect(await repo.getTask(req.id, 'owing')).toMatchObject({ status: 'resolved', version: resolved.version });
  });

  it('lists a manual processor’s task in the watch index’s team partition while its team email is owed, and puts it back where its status says once cleared', async () => {
    const req = newRequest();
    const task: StoredTask = { taskId: `${req.id}.ledger`, requestId: req.id, processorId: 'ledger', category: 'collections', action: 'erase', status: 'pending', version: 0, attempts: 0, holds: [], audit: [] };
    await repo.putTasksIfAbsent([task]);
    const where = async () =>
      (await Promise.all(['team', 'open#ledger', 'escalated'].map(async (w) => (await repo.listWatch(w)).filter((e) => e.requestId === req.id).map((e) => [w, e.at])))).flat();
    const owed = { seq: 1, until: '2026-11-25T10:01:00.000Z', owner: 'workflow' };
    const sent = await repo.transitionTask((await repo.getTask(req.id, 'ledger')) as StoredTask, 'sent', { token: 'tok', sentAt: at, attempts: 1, outboxTeam: owed }, { at, actor: 'workflow', action: 'send', subject: task.taskId });
    expect(await where()).toEqual([['team', at]]);
    // Past its lease, one claimant takes it over.
    const next = { seq: 1, until: '2026-11-25T10:05:00.000Z', owner: 'sweeper' };
    await expect(repo.claimTaskTeam(req.id, 'ledger', next, new Date('2026-11-25T10:00:30.000Z'))).resolves.toBe(false);
    await expect(repo.claimTaskTeam(req.id, 'ledger', next, new Date('2026-11-25T10:02:00.000Z'))).resolves.toBe(true);
    await expect(repo.claimTaskTeam(req.id, 'ledger', { ...next, owner: 'workflow' }, new Date('2026-11-25T10:02:00.000Z'))).resolves.toBe(false);
    // Escalated while owed (the Catch after a crash): still found in team; the clear, from the task it was
    // given (written since), reads it again and puts it with the escalated tasks, at when it was escalated.
    const failedAt = '2026-11-25T10:03:00.000Z';
    await repo.transitionTask(sent, 'failed', { finishedAt: failedAt }, { at: failedAt, actor: 'workflow', action: 'fail', subject: task.taskId });
    expect(await where()).toEqual([['team', at]]);
    await expect(repo.clearOwedTeam(sent, 2)).resolves.toBe(false);
    await expect(repo.clearOwedTeam(sent, 1)).resolves.toBe(true);
    expect(await where()).toEqual([['escalated', failedAt]]);
    const t = (await repo.getTask(req.id, 'ledger')) as StoredTask;
    expect(t.outboxTeam).toBeUndefined();
    expect(t).toMatchObject({ status: 'failed', version: sent.version + 1 });
    // Cleared twice (Dispatch run again and the sweeper): no error, nothing moved.
    await expect(repo.clearOwedTeam(sent, 1)).resolves.toBe(false);
    expect(await where()).toEqual([['escalated', failedAt]]);
  });

  it('puts a manual processor’s task cleared in the very write that sends it back among its processor’s tasks out', async () => {
    const req = newRequest();
    const task: StoredTask = { taskId: `${req.id}.paper`, requestId: req.id, processorId: 'paper', category: 'collections', action: 'erase', status: 'pending', version: 0, attempts: 0, holds: [], audit: [] };
    await repo.putTasksIfAbsent([task]);
    const sent = await repo.transitionTask(task, 'sent', { token: 'tok', sentAt: at, attempts: 1, outboxTeam: { seq: 1, until: at, owner: 'workflow' } }, { at, actor: 'workflow', action: 'send', subject: task.taskId });
    await expect(repo.clearOwedTeam(sent, 1)).resolves.toBe(true);
    expect((await repo.listWatch('team')).filter((e) => e.requestId === req.id)).toEqual([]);
    expect((await repo.listWatch('open#paper')).filter((e) => e.requestId === req.id)).toMatchObject([{ processorId: 'paper', at, sentAt: at }]);
  });

  it('lists a closed request in the watch index while its execution is owed a stop, out of the partition of what waits for an officer, and in none once stopped', async () => {
    const req = newRequest();
    await repo.createRequest(req, { email: 'stop@example.com' }, new Date('2027-02-01'));
    const waiting = await repo.transitionRequest(req, 'awaiting_manual', { assemblyFailed: { token: 't', at, error: 'ResultsUnavailable' }, outboxTeam: { seq: 1, until: at, owner: 'workflow', waiting: 'assembly' } }, { at, actor: 'workflow', action: 'assembly_failed', subject: req.id });
    const where = async () => (await Promise.all(['request', 'closed'].map(async (w) => (await repo.listWatch(w)).filter((e) => e.requestId === req.id).map((e) => [w, e.at])))).flat();
    expect(await where()).toEqual([['request', at]]);
    const closing = '2026-11-25T12:00:00.000Z';
    const denied = await repo.transitionRequest(waiting, 'denied', { outboxStop: { at: closing } }, { at: closing, actor: 'officer', action: 'deny', subject: req.id }, { remove: ['outboxTeam'] });
    expect(await where()).toEqual([['closed', closing]]);
    await repo.clearOwedStop(req.id);
    expect(await where()).toEqual([]);
    expect(await repo.getRequest(req.id)).toMatchObject({ status: 'denied', version: denied.version });
    expect((await repo.getRequest(req.id))?.outboxStop).toBeUndefined();
    // Cleared twice (the officer's action and the sweeper both stopped it): no error.
    await repo.clearOwedStop(req.id);
  });

  it('keeps a refused copy in the watch index while it owes its execution’s stop or its export results’ deletion, whichever is cleared first', async () => {
    const closing = '2026-11-25T12:00:00.000Z';
    const refused = async () => {
      const r = { ...newRequest(), type: 'access' as const, status: 'in_progress' as const, verifiedAt: at, dueDate: '2026-12-25' };
      await repo.createRequest(r, { email: 'stop-purge@example.com' }, new Date('2027-02-01'));
      await repo.transitionRequest(r, 'denied', { closedAt: closing, outboxStop: { at: closing }, purgeResults: { at: closing } }, { at: closing, actor: 'officer', action: 'deny', subject: r.id });
      return r.id;
    };
    const where = async (id: string) => (await Promise.all(['request', 'closed'].map(async (w) => (await repo.listWatch(w)).filter((e) => e.requestId === id).map(() => w)))).flat();
    const purged = async (id: string) => {
      await repo.clearPurge(id);
      await repo.unwatchRequest(id);
    };

    // Stopped first: the deletion still owed keeps it in.
    const a = await refused();
    expect(await where(a)).toEqual(['closed']);
    await repo.clearOwedStop(a);
    expect(await where(a)).toEqual(['closed']);
    await purged(a);
    expect(await where(a)).toEqual([]);

    // Deleted first: the stop still owed keeps it in.
    const b = await refused();
    await purged(b);
    expect(await where(b)).toEqual(['closed']);
    await repo.clearOwedStop(b);
    expect(await where(b)).toEqual([]);
    expect(await repo.getRequest(b)).toMatchObject({ status: 'denied' });
  });

  it('places in the watch index a task in flight or escalated written before the index, once, and nothing else', async () => {
    const req = newRequest();
    const raw = (processorId: string, status: string, extra: Record<string, unknown> = {}) => ({ pk: `REQ#${req.id}`, sk: `TASK#${processorId}`, taskId: `${req.id}.${processorId}`, requestId: req.id, processorId, category: 'payments', action: 'erase', status, version: 3, attempts: 1, holds: [], audit: [], ...extra });
    for (const item of [
      raw('oldsent', 'sent', { sentAt: '2026-11-01T10:00:00.000Z' }),
      raw('oldfailed', 'failed', { sentAt: '2026-11-01T10:00:00.000Z', finishedAt: '2026-11-02T10:00:00.000Z' }),
      raw('olddone', 'completed', { sentAt: '2026-11-01T10:00:00.000Z', finishedAt: '2026-11-01T10:00:05.000Z' }),
      raw('oldpending', 'pending'),
    ])
      await repoDb.send(new PutCommand({ TableName: 'lethe-test', Item: item }));
    expect((await repo.listWatch('open#oldsent')).filter((e) => e.requestId === req.id)).toEqual([]);
    await expect(repo.indexTasks(req.id)).resolves.toBe(2);
    expect((await repo.listWatch('open#oldsent')).filter((e) => e.requestId === req.id).map((e) => e.at)).toEqual(['2026-11-01T10:00:00.000Z']);
    expect((await repo.listWatch('escalated')).filter((e) => e.requestId === req.id).map((e) => [e.processorId, e.at])).toEqual([['oldfailed', '2026-11-02T10:00:00.000Z']]);
    expect((await repo.listWatch('answered#olddone')).filter((e) => e.requestId === req.id)).toEqual([]);
    await expect(repo.indexTasks(req.id)).resolves.toBe(0);
    // And takes one out for good when its request closes.
    await repo.unwatchTask(req.id, 'oldsent');
    await repo.unwatchTask(req.id, 'oldsent');
    expect((await repo.listWatch('open#oldsent')).filter((e) => e.requestId === req.id)).toEqual([]);
    expect(await repo.getTask(req.id, 'oldsent')).toMatchObject({ status: 'sent', version: 3 });
    // A task that does not exist is not made by it.
    await repo.unwatchTask(req.id, 'nobody');
    expect(await repo.getTask(req.id, 'nobody')).toBeUndefined();
  });

  it('keeps a task of a closed request out of its status partitions whatever it is written with, and makes a write that read it before the mark lose its race', async () => {
    const req = newRequest();
    const task = (processorId: string, extra: Partial<StoredTask> = {}): StoredTask => ({ taskId: `${req.id}.${processorId}`, requestId: req.id, processorId, category: 'payments', action: 'erase', status: 'sent', version: 2, attempts: 1, holds: [], audit: [], sentAt: '2026-11-01T10:00:00.000Z', ...extra });
    await repo.putTasksIfAbsent([task('racer'), task('teamed', { outboxTeam: { seq: 2, until: '2026-11-01T10:05:00.000Z', owner: 'workflow' } })]);
    const mine = async (partition: string) => (await repo.listWatch(partition)).filter((e) => e.requestId === req.id).map((e) => e.processorId);
    expect(await mine('open#racer')).toEqual(['racer']);
    // A callback reads the task; the officer closes the request and its tasks are taken out; then the callback writes.
    const stale = (await repo.getTask(req.id, 'racer')) as StoredTask;
    await repo.unwatchTask(req.id, 'racer');
    const ack = { at, actor: 'processor:racer', action: 'acknowledge', subject: stale.taskId, from: 'sent', to: 'in_progress' };
    await expect(repo.transitionTask(stale, 'in_progress', {}, ack)).rejects.toMatchObject({ name: 'ConcurrentUpdate' });
    // Read again, it carries the mark, and every write of it keeps it out of open# and escalated, in the write itself.
    const fresh = (await repo.getTask(req.id, 'racer')) as StoredTask;
    expect(fresh).toMatchObject({ status: 'sent', version: 2, unwatchedAt: expect.any(String) });
    const acked = await repo.transitionTask(fresh, 'in_progress', {}, ack);
    expect(await mine('open#racer')).toEqual([]);
    await repo.transitionTask(acked, 'failed', { finishedAt: at }, { ...ack, action: 'failed', from: 'in_progress', to: 'failed' });
    expect(await mine(WATCH.escalated)).toEqual([]);
    expect(await repo.getTask(req.id, 'racer')).toMatchObject({ status: 'failed', unwatchedAt: fresh.unwatchedAt });
    // A task owing the team its email stays where the sweeper finds the email (to drop it), and once dropped goes nowhere.
    await repo.unwatchTask(req.id, 'teamed');
    expect(await mine(WATCH.team)).toEqual(['teamed']);
    const teamed = (await repo.getTask(req.id, 'teamed')) as StoredTask;
    expect(teamed.unwatchedAt).toEqual(expect.any(String));
    await expect(repo.clearOwedTeam(teamed, 2)).resolves.toBe(true);
    expect(await mine(WATCH.team)).toEqual([]);
    expect(await mine('open#teamed')).toEqual([]);
    // And the rotation's placing of tasks written before the index does not put it back.
    await expect(repo.indexTasks(req.id)).resolves.toBe(0);
    expect(await mine('open#teamed')).toEqual([]);
  });

  it('reads requests and tasks by key, past a hundred, leaving out those that do not exist', async () => {
    const reqs = Array.from({ length: 130 }, () => newRequest());
    for (const r of reqs) await repo.createRequest(r, { email: 'many@example.com' }, new Date('2027-02-01'));
    const got = await repo.getRequests([...reqs.map((r) => r.id), reqs[0].id, '01JDNOTHERE0000000000000000'], { consistent: true });
    expect(got.map((r) => r.id).sort()).toEqual(reqs.map((r) => r.id).sort());
    expect(JSON.stringify(got[0])).not.toMatch(/"(pk|sk|gsi1pk|ttl)"/);
    const task = (r: StoredRequest): StoredTask => ({ taskId: `${r.id}.p`, requestId: r.id, processorId: 'p', category: 'payments', action: 'erase', status: 'pending', version: 0, attempts: 0, holds: [], audit: [] });
    await repo.putTasksIfAbsent(reqs.slice(0, 110).map(task));
    const tasks = await repo.getTasks(reqs.map((r) => ({ requestId: r.id, processorId: 'p' })));
    expect(tasks.map((t) => t.requestId).sort()).toEqual(reqs.slice(0, 110).map((r) => r.id).sort());
  });

  it('reads a task, its request and the contact data in one Query, past other tasks and large export results', async () => {
    const req = newRequest();
    await repo.createRequest(req, { email: 'bob@example.com' }, new Date('2026-12-02T10:00:00Z'));
    const task = (processorId: string): StoredTask => ({ taskId: `${req.id}.${processorId}`, requestId: req.id, processorId, category: 'payments', action: 'erase', status: 'pending', version: 0, attempts: 0, holds: [], audit: [] });
    await repo.putTasksIfAbsent(['aardvark', 'mailwave', 'zulu'].map(task));
    // Three results of ~380 KB sort between REQUEST and TASK#: the Query's 1 MB pages end before the tasks.
    for (const p of ['a', 'b', 'c']) await repo.putTaskResults({ requestId: req.id, processorId: p, bodyHash: 'f'.repeat(64) }, JSON.stringify({ results: 'x'.repeat(380_000) }), { writtenAt: new Date(at), expiresAt: new Date('2027-01-01T00:00:00Z') });
    const sent: string[] = [];
    const counting = new EdgeRepository(
      { send: (c: { constructor: { name: string } }) => (sent.push(c.constructor.name), (repoDb as { send: (c: unknown) => unknown }).send(c)) } as never,
      'lethe-test',
      () => new Date(at),
    );
    const got = await counting.getTaskWithRequest(req.id, 'mailwave');
    expect(got.task).toMatchObject({ taskId: `${req.id}.mailwave`, status: 'pending' });
    expect(got.request).toMatchObject({ id: req.id, status: 'unverified' });
    expect(got.pii).toEqual({ email: 'bob@example.com' });
    expect(JSON.stringify(got.task)).not.toMatch(/"(pk|sk|ttl)"/);
    expect(new Set(sent)).toEqual(new Set(['QueryCommand']));
    expect(sent.length).toBeGreaterThan(1); // paged past the results

    const none = await counting.getTaskWithRequest(req.id, 'nobody');
    expect(none.task).toBeUndefined();
    expect(none.request).toMatchObject({ id: req.id });
  });

  it('keeps each export callback’s results under its own key, lists them by key and time written without their bytes, and forgets expired ones', async () => {
    const req = newRequest();
    const k = (processorId: string, bodyHash?: string) => ({ requestId: req.id, processorId, ...(bodyHash ? { bodyHash } : {}) });
    const kept = { writtenAt: new Date(at), expiresAt: new Date('2027-01-01T00:00:00Z') };
    await repo.putTaskResults({ requestId: req.id, processorId: 'paynow', bodyHash: 'a'.repeat(64) }, JSON.stringify({ results: { records: [{ payment: 'PAY-A' }] } }), kept);
    await repo.putTaskResults({ requestId: req.id, processorId: 'paynow', bodyHash: 'b'.repeat(64) }, JSON.stringify({ results: { records: [{ payment: 'PAY-B' }] } }), kept);
    // A task's one item from before results were keyed by their callback, and one already expired.
    await repoDb.send(new PutCommand({ TableName: 'lethe-test', Item: { pk: `REQ#${req.id}`, sk: 'RESULT#mailwave', signedBody: JSON.stringify({ results_url: 'https://mailwave.example/x.json' }), ttl: kept.expiresAt.getTime() / 1000 } }));
    await repo.putTaskResults({ requestId: req.id, processorId: 'parcelway', bodyHash: 'c'.repeat(64) }, '{}', { writtenAt: new Date(at), expiresAt: new Date('2026-11-01T00:00:00Z') });
    const listed = await repo.listTaskResults(req.id);
    expect(listed).toEqual([k('mailwave'), { ...k('paynow', 'a'.repeat(64)), writtenAt: at }, { ...k('paynow', 'b'.repeat(64)), writtenAt: at }]);
    await expect(repo.getTaskResults(k('paynow', 'b'.repeat(64)))).resolves.toEqual({ results: { records: [{ payment: 'PAY-B' }] } });
    await expect(repo.getTaskResults(k('mailwave'))).resolves.toEqual({ resultsUrl: 'https://mailwave.example/x.json' });
    // Written again since it was listed (a retry of its callback, about to record it): not deleted.
    await repo.putTaskResults({ requestId: req.id, processorId: 'paynow', bodyHash: 'b'.repeat(64) }, JSON.stringify({ results: { records: [{ payment: 'PAY-B' }] } }), { ...kept, writtenAt: new Date('2026-11-25T10:20:00.000Z') });
    await expect(repo.deleteTaskResults(listed[2])).resolves.toBe(false);
    await expect(repo.deleteTaskResults({ ...listed[2], writtenAt: '2026-11-25T10:20:00.000Z' })).resolves.toBe(true);
    await repo.expireTaskResults(k('paynow', 'a'.repeat(64)), new Date('2026-11-20T00:00:00Z'));
    // Expiring what is gone already changes nothing.
    await repo.expireTaskResults(k('paynow', 'd'.repeat(64)), new Date('2026-11-20T00:00:00Z'));
    expect(await repo.listTaskResults(req.id)).toEqual([k('mailwave')]);
  });

  it('finds a person’s request by email however many complaints name the same address, and lists no complaint in the requests’ email index', async () => {
    const hash = 'e'.repeat(64);
    const req = { ...newRequest(), emailHash: hash, receivedAt: '2026-11-01T10:00:00.000Z' };
    await repo.createRequest(req, { email: 'victim@example.com' }, new Date('2026-12-31T10:00:00Z'));
    // 150 newer complaints naming the address, as recorded before November 28, 2026: each with the index's key.
    for (let i = 0; i < 150; i++) {
      const id = `01JDCOMPLAINT${String(i).padStart(13, '0')}`;
      const receivedAt = new Date(Date.parse('2026-11-20T10:00:00.000Z') + i * 1000).toISOString();
      await repoDb.send(new PutCommand({ TableName: 'lethe-test', Item: { pk: `COMPLAINT#${id}`, sk: 'COMPLAINT', id, status: 'received', version: 0, receivedAt, emailHash: hash, email: 'victim@example.com', text: 'About my data.', audit: [] } }));
    }
    expect((await repo.findRequests('byEmail', hash)).map((r) => r.id)).toEqual([req.id]);
    // One recorded now keeps no email hash: it never enters the index.
    const c: StoredComplaint = { id: '01JDCOMPLAINTNEW0000000000', status: 'received', version: 0, language: 'en', receivedAt: at, acknowledgeBy: '2026-12-24', email: 'victim@example.com', text: 'About my data.', emailHash: hash, inboxHash: 'i'.repeat(64), audit: [] };
    await repo.createComplaint(c, new Date('2027-01-01T00:00:00Z'));
    const item = (await repoDb.send(new GetCommand({ TableName: 'lethe-test', Key: { pk: `COMPLAINT#${c.id}`, sk: 'COMPLAINT' } }))).Item;
    expect(item).toBeDefined();
    expect(item).not.toHaveProperty('emailHash');
  });

  it('claims a complaint’s alert to the team only under its number once its lease is over, and clears it only under its number', async () => {
    const sweeper = new SweeperRepository(repoDb, 'lethe-test', () => new Date(at));
    const c: StoredComplaint = { id: '01JDALERT00000000000000000', status: 'received', version: 0, language: 'en', receivedAt: at, acknowledgeBy: '2026-12-24', email: 'a@example.com', text: 'About my data.', emailHash: 'h', audit: [] };
    await expect(repo.createComplaint(c, new Date('2027-01-01T00:00:00Z'))).resolves.toBe(true);
    // The same id again (the same complaint sent twice within its minutes) writes nothing.
    await expect(repo.createComplaint({ ...c, text: 'Something else.' }, new Date('2027-01-01T00:00:00Z'))).resolves.toBe(false);
    expect((await repo.getComplaint(c.id))?.text).toBe('About my data.');
    const owed = { seq: 1, until: '2026-11-25T10:03:00.000Z', owner: 'sweeper:one', alert: 'reminder-7' as const, acknowledgeBy: '2026-12-24', daysLeft: 7 };
    const flagged = await repo.transitionComplaint(c, 'received', { flags: ['reminder-7'], outboxAlert: owed }, { at, actor: 'sweeper', action: 'reminder-7', subject: c.id });
    expect(flagged).toMatchObject({ version: 1, flags: ['reminder-7'], outboxAlert: owed });
    const next = { seq: 1, until: '2026-11-25T10:10:00.000Z', owner: 'sweeper:two' };
    expect(await sweeper.claimComplaintAlert(c.id, next, new Date('2026-11-25T10:02:59.000Z'))).toBe(false);
    expect(await sweeper.claimComplaintAlert(c.id, { ...next, seq: 2 }, new Date('2026-11-25T10:03:00.000Z'))).toBe(false);
    expect(await sweeper.claimComplaintAlert(c.id, next, new Date('2026-11-25T10:03:00.000Z'))).toBe(true);
    expect((await repo.getComplaint(c.id))?.outboxAlert).toEqual({ ...owed, until: next.until, owner: 'sweeper:two' });
    expect(await sweeper.clearComplaintAlert(c.id, 2)).toBe(false);
    expect(await sweeper.clearComplaintAlert(c.id, 1)).toBe(true);
    expect(await repo.getComplaint(c.id)).toMatchObject({ version: 1, status: 'received', flags: ['reminder-7'] });
    expect((await repo.getComplaint(c.id))?.outboxAlert).toBeUndefined();
  });

  it('mails one address at most ten complaint acknowledgements in any 24 hours, midnight or not', async () => {
    const sent: Parameters<Mailer['send']>[0][] = [];
    const deps = { repo, mailer: { send: async (m: (typeof sent)[number]) => void sent.push(m) } };
    const deliverAt = async (i: number, instant: string) => {
      const c: StoredComplaint = {
        id: `01JDACK${String(i).padStart(19, '0')}`,
        status: 'received',
        version: 0,
        language: 'en',
        receivedAt: instant,
        acknowledgeBy: '2026-12-26',
        email: 'flooded@example.com',
        text: 'A complaint typed by somebody else.',
        emailHash: 'f'.repeat(64),
        audit: [],
        outboxAck: { seq: 1, until: instant, owner: 'intake' },
      };
      await repo.createComplaint(c, new Date('2027-12-01T00:00:00Z'));
      return deliverComplaintAck(c, 'intake', new Date(instant), deps);
    };
    // Three in any hour (the hourly share) from 20:10 to 23:40 on one evening (London is on UTC in November).
    const evening = ['20:10', '20:20', '20:30', '21:20', '21:30', '21:40', '22:30', '22:40', '22:50', '23:40'];
    for (const [i, hm] of evening.entries()) expect(await deliverAt(i, `2026-11-25T${hm}:00.000Z`)).toEqual({ sent: true });
    expect(sent).toHaveLength(ACKS_PER_EMAIL_PER_DAY);
    // Ten minutes past midnight is a new calendar day, but the same 24 hours: withheld.
    expect(await deliverAt(10, '2026-11-26T00:10:00.000Z')).toEqual({ sent: false, dropped: true });
    // The day counts in 24-minute parts: the first, made at 20:10, counts until 24 hours after its part ends at 20:24.
    expect(await deliverAt(11, '2026-11-26T20:23:59.000Z')).toEqual({ sent: false, dropped: true });
    expect(await deliverAt(12, '2026-11-26T20:24:00.000Z')).toEqual({ sent: true });
    expect(sent).toHaveLength(ACKS_PER_EMAIL_PER_DAY + 1);
  });

  it('counts uses in a rolling window, writes nothing past its limit, and gives back a use taken at an instant', async () => {
    const first = new Date('2026-11-25T10:00:00Z');
    const second = new Date('2026-11-25T11:00:00Z');
    expect(await repo.hitRolling('test-rolling', 'abc', 3600 * 2, 2, first)).toEqual({ count: 1 });
    expect(await repo.hitRolling('test-rolling', 'abc', 3600 * 2, 2, second)).toEqual({ count: 2 });
    expect(await repo.hitRolling('test-rolling', 'abc', 3600 * 2, 2, second)).toEqual({ count: 3 });
    expect((await repoDb.send(new GetCommand({ TableName: 'lethe-test', Key: { pk: 'RATE#test-rolling#abc', sk: 'ROLLING' } }))).Item?.at).toEqual([first.getTime(), second.getTime()]);
    expect(await repo.hitRolling('test-rolling', 'abc', 3600 * 2, 2, second, -1)).toEqual({ count: 1 });
    expect(await repo.hitRolling('test-rolling', 'abc', 3600 * 2, 2, second)).toEqual({ count: 2 });
    // Two hours after the first use, it has left the window.
    expect(await repo.hitRolling('test-rolling', 'abc', 3600 * 2, 2, new Date('2026-11-25T12:00:00Z'))).toEqual({ count: 2 });
  });

  it('mails an address no more acknowledgements at the start of an hour than its hourly share left after the end of the one before', async () => {
    const sent: Parameters<Mailer['send']>[0][] = [];
    const deps = { repo, mailer: { send: async (m: (typeof sent)[number]) => void sent.push(m) } };
    const deliverAt = async (i: number, instant: string) => {
      const c: StoredComplaint = {
        id: `01JDHOUR${String(i).padStart(18, '0')}`,
        status: 'received',
        version: 0,
        language: 'en',
        receivedAt: instant,
        acknowledgeBy: '2026-12-26',
        email: 'edge@example.com',
        text: 'A complaint filed just before the hour.',
        emailHash: 'e'.repeat(64),
        audit: [],
        outboxAck: { seq: 1, until: instant, owner: 'intake' },
      };
      await repo.createComplaint(c, new Date('2027-12-01T00:00:00Z'));
      return { out: await deliverComplaintAck(c, 'intake', new Date(instant), deps), id: c.id };
    };
    for (const [i, s] of ['10:59:10', '10:59:20', '10:59:30'].entries()) expect((await deliverAt(i, `2026-11-25T${s}.000Z`)).out).toEqual({ sent: true });
    // 11:00 is a new clock hour, but the same 60 minutes: put off until the first of the three stops counting.
    const put = await deliverAt(3, '2026-11-25T11:00:00.000Z');
    expect(put.out).toEqual({ sent: false });
    expect((await repo.getComplaint(put.id))?.outboxAck).toMatchObject({ until: '2026-11-25T12:00:00.000Z', owner: '' });
    expect(sent).toHaveLength(3);
  });

  it('takes a share of a limit over any window of its length: the whole allowance at the end of one hour leaves none at the start of the next', async () => {
    const t = (hm: string) => new Date(`2026-11-25T${hm}Z`);
    for (const s of ['10:59:00', '10:59:10', '10:59:20']) expect(await repo.takeShare('test-share', 'edge', [{ seconds: 3600, limit: 3 }], t(s))).toEqual({ allowed: true });
    expect(await repo.takeShare('test-share', 'edge', [{ seconds: 3600, limit: 3 }], t('11:00:00'))).toEqual({ allowed: false, retryAt: t('12:00:00'), full: [0] });
    expect(await repo.takeShare('test-share', 'edge', [{ seconds: 3600, limit: 3 }], t('11:59:59'))).toEqual({ allowed: false, retryAt: t('12:00:00'), full: [0] });
    // A refusal is not counted: at 12:00 the three of 10:59 have stopped counting, and the refusals never did.
    for (const s of ['12:00:00', '12:00:01', '12:00:02']) expect(await repo.takeShare('test-share', 'edge', [{ seconds: 3600, limit: 3 }], t(s))).toEqual({ allowed: true });
    expect(await repo.takeShare('test-share', 'edge', [{ seconds: 3600, limit: 3 }], t('12:00:03'))).toEqual({ allowed: false, retryAt: t('13:01:00'), full: [0] });
    // Another key has its own share; so does another scope.
    expect(await repo.takeShare('test-share', 'other', [{ seconds: 3600, limit: 3 }], t('12:00:03'))).toEqual({ allowed: true });
    expect(await repo.takeShare('test-other', 'edge', [{ seconds: 3600, limit: 3 }], t('12:00:03'))).toEqual({ allowed: true });
  });

  it('keeps a share to its limit under simultaneous uses, drops the minutes that stopped counting, and keeps its item until its last use stops counting', async () => {
    const now = new Date('2026-11-25T15:30:20Z');
    const answers = await Promise.all(Array.from({ length: 12 }, () => repo.takeShare('test-share', 'crowd', [{ seconds: 3600, limit: 5 }], now)));
    expect(answers.filter((a) => a.allowed)).toHaveLength(5);
    // Once the five have stopped counting, simultaneous uses drop them once, and five go.
    const later = new Date('2026-11-25T16:31:00Z');
    const again = await Promise.all(Array.from({ length: 12 }, () => repo.takeShare('test-share', 'crowd', [{ seconds: 3600, limit: 5 }], later)));
    expect(again.filter((a) => a.allowed)).toHaveLength(5);
    expect(again.filter((a) => !a.allowed)).toEqual(Array(7).fill({ allowed: false, retryAt: new Date('2026-11-25T17:32:00Z'), full: [0] }));
    const item = (await repoDb.send(new GetCommand({ TableName: 'lethe-test', Key: { pk: 'RATE#test-share#crowd', sk: 'SHARE' } }))).Item ?? {};
    // Only 16:31's minute is left, and the item outlives it by a minute.
    expect(Object.keys(item).filter((a) => /^s\d+$/.test(a))).toEqual([`s${Math.floor(later.getTime() / 60_000)}`]);
    expect(item.ttl).toBe(Date.parse('2026-11-25T17:32:00Z') / 1000 + 60);
  });

  /** A confirmation link's shares: 5 in any hour, 10 in any 24 hours. */
  const LINKS = [{ seconds: 3600, limit: 5 }, { seconds: 86_400, limit: 10 }];

  it('mails one inbox at most ten links in any 24 hours across its hours, puts the eleventh off until the first stops counting, and writes once per link, as the hourly share alone did', async () => {
    // Every request the repository sends, and whether DynamoDB took it.
    const sent: { write: boolean; ok: boolean }[] = [];
    const counting = {
      send: async (c: { constructor: { name: string } }) => {
        const write = /^(Put|Update)Command$/.test(c.constructor.name);
        try {
          const r = await repoDb.send(c as never);
          sent.push({ write, ok: true });
          return r;
        } catch (e) {
          sent.push({ write, ok: false });
          throw e;
        }
      },
    } as unknown as DynamoDBDocumentClient;
    const shares = new EdgeRepository(counting, 'lethe-test');
    const take = async (hash: string, windows: typeof LINKS, at: string) => {
      const from = sent.length;
      const share = await shares.takeShare('test-links', hash, windows, new Date(at));
      const writes = sent.slice(from).filter((r) => r.write);
      return { share, written: writes.filter((r) => r.ok).length, tried: writes.length };
    };
    // Five in the morning's first hour and five in its third: the hourly share has room each time, the day's fills.
    for (const hm of ['08:00', '08:10', '08:20', '08:30', '08:40', '10:00', '10:10', '10:20', '10:30', '10:40']) {
      const at = `2026-11-25T${hm}:00.000Z`;
      const both = await take('inbox', LINKS, at);
      const hourOnly = await take('hour-only', LINKS.slice(0, 1), at);
      expect(both, hm).toMatchObject({ share: { allowed: true }, written: 1 });
      // No request the hourly share alone did not make: one write, and at the first use past its counter (10:00) the failed one before its count.
      expect(both.tried, hm).toBe(hourOnly.tried);
    }
    // 12:00: the hour has room, the day none. The first was counted in the day's part from 08:00 to 08:24, and counts until 24 hours after it ends.
    expect(await take('inbox', LINKS, '2026-11-25T12:00:00.000Z')).toMatchObject({ share: { allowed: false, retryAt: new Date('2026-11-26T08:24:00.000Z'), full: [1] }, written: 0 });
    expect(await take('inbox', LINKS, '2026-11-26T08:23:59.000Z')).toMatchObject({ share: { allowed: false, retryAt: new Date('2026-11-26T08:24:00.000Z') }, written: 0 });
    expect(await take('inbox', LINKS, '2026-11-26T08:24:00.000Z')).toEqual({ share: { allowed: true }, written: 1, tried: 2 });
  });

  it('counts on an inbox’s share written before the day’s share: its minutes still count against the hour, and the day counts from its next use', async () => {
    const t = (hm: string) => new Date(`2026-11-25T${hm}:00.000Z`);
    // As the hourly share alone left it: five links at 14:05.
    await repoDb.send(new PutCommand({ TableName: 'lethe-test', Item: { ...key.rate('test-links', 'older'), n: 5, [`s${partOf(t('14:05'), 3600)}`]: 5, ttl: t('15:07').getTime() / 1000 } }));
    expect(await repo.takeShare('test-links', 'older', LINKS, t('14:30'))).toEqual({ allowed: false, retryAt: t('15:06'), full: [0] });
    expect(await repo.takeShare('test-links', 'older', LINKS, t('15:06'))).toEqual({ allowed: true });
    const item = (await repoDb.send(new GetCommand({ TableName: 'lethe-test', Key: key.rate('test-links', 'older') }))).Item;
    expect(item).toMatchObject({ n: 1, n1: 1, [`s${partOf(t('15:06'), 3600)}`]: 1, [`s1_${partOf(t('15:06'), 86_400)}`]: 1 });
    expect(Object.keys(item ?? {}).filter((a) => /^s/.test(a) && a !== 'sk')).toHaveLength(2);
  });

  it('counts a use no limit applies to, so that it still counts against the others', async () => {
    const now = new Date('2026-11-25T18:00:00Z');
    for (let i = 0; i < 3; i++) expect(await repo.takeShare('test-share', 'officer', [{ seconds: 3600, limit: Number.POSITIVE_INFINITY }], now)).toEqual({ allowed: true });
    expect(await repo.takeShare('test-share', 'officer', [{ seconds: 3600, limit: 3 }], now)).toEqual({ allowed: false, retryAt: new Date('2026-11-25T19:01:00Z'), full: [0] });
  });
});
