import { describe, expect, it } from 'vitest';
import { acknowledgeComplaint, complaintsReceivedBetween, complaintView, listComplaints, respondComplaint } from '../../../functions/admin/complaints.ts';
import type { AuditInput } from '../../../functions/core/audit.ts';
import type { StoredComplaint } from '../../../functions/core/complaints.ts';
import { Conflict, NotFound } from '../../../functions/core/errors.ts';
import { fixedClock } from '../processors/fakes.ts';

const ID = '01JQ2222222222222222222222';
const REF = '01JQ0000000000000000000000';

const complaint = (over: Partial<StoredComplaint> = {}): StoredComplaint => ({
  id: ID,
  status: 'received',
  version: 0,
  language: 'en',
  receivedAt: '2026-07-01T10:00:00.000Z',
  acknowledgeBy: '2026-07-30',
  email: 'ann@example.com',
  text: 'You kept my data after I asked you to erase it.',
  emailHash: 'h',
  audit: [],
  outboxAck: { seq: 1, until: '2026-07-01T10:01:00.000Z', owner: '' },
  ...over,
});

type Transition = { prev: StoredComplaint; to: string; changes: Partial<StoredComplaint>; event: AuditInput; opts: { ttl?: Date; remove?: string[] } };

/** The complaint reads and writes the console makes, in memory: each listing call and each write is kept. */
class ComplaintRepo {
  complaints = new Map<string, StoredComplaint>();
  transitions: Transition[] = [];
  queries: Record<string, unknown>[] = [];
  /** The pages listComplaints answers, in order; the last one has no cursor, and each other one's cursor is the next one's index. */
  pages: StoredComplaint[][] = [];
  constructor(...cs: StoredComplaint[]) {
    for (const c of cs) this.complaints.set(c.id, c);
  }
  async getComplaint(id: string) {
    return structuredClone(this.complaints.get(id));
  }
  async transitionComplaint(prev: StoredComplaint, to: StoredComplaint['status'], changes: Partial<StoredComplaint>, event: AuditInput, opts: { ttl?: Date; remove?: string[] } = {}) {
    this.transitions.push({ prev, to, changes, event, opts });
    const next = { ...prev, ...changes, status: to, version: prev.version + 1 };
    for (const k of opts.remove ?? []) delete (next as Record<string, unknown>)[k];
    this.complaints.set(prev.id, next);
    return structuredClone(next);
  }
  async listComplaints(q: Record<string, unknown>) {
    this.queries.push(q);
    // A cursor this fake did not give (none, or the console's own) starts at the first page.
    const n = Number(q.cursor);
    const at = Number.isInteger(n) ? n : 0;
    const items = this.pages[at] ?? [];
    return at + 1 < this.pages.length ? { items, cursor: String(at + 1) } : { items };
  }
}

const deps = (repo: ComplaintRepo, now: string) => ({ repo: repo as never, clock: fixedClock(now) });

describe('what the console shows of a complaint', () => {
  it('shows an open complaint with no name, request, acknowledgement or response as nulls, and its clock on the day given', () => {
    expect(complaintView(complaint(), '2026-07-10')).toEqual({
      id: ID,
      status: 'received',
      language: 'en',
      requestId: null,
      receivedAt: '2026-07-01T10:00:00.000Z',
      acknowledgedAt: null,
      acknowledgedBy: null,
      respondedAt: null,
      outcome: null,
      email: 'ann@example.com',
      name: null,
      text: 'You kept my data after I asked you to erase it.',
      ackEmailWithheld: false,
      clock: { receivedOn: '2026-07-01', acknowledgeBy: '2026-07-30', acknowledgedOn: null, respondedOn: null, daysToAcknowledge: 20, acknowledgedOnTime: true, daysOpen: 9 },
    });
  });

  it('says when the acknowledgement email was not sent (the address’s daily share was spent), with its days left to acknowledge by hand', () => {
    const withheld = complaint({
      outboxAck: undefined,
      audit: [{ seq: 1, at: '2026-07-01T10:00:00.000Z', actor: 'system', action: 'ack_email_withheld', subject: ID, from: 'received', to: 'received', data: { reason: 'address_daily_share' }, prevHash: '', hash: '' }],
    });
    expect(complaintView(withheld, '2026-07-10')).toMatchObject({ status: 'received', acknowledgedAt: null, ackEmailWithheld: true, clock: { acknowledgeBy: '2026-07-30', daysToAcknowledge: 20 } });
  });

  it('shows a responded complaint with the request it is about, the complainant’s name, who acknowledged it and the outcome', () => {
    const c = complaint({
      status: 'responded',
      language: 'fr',
      requestId: REF,
      name: 'Ann Lee',
      acknowledgedAt: '2026-07-01T10:00:01.000Z',
      acknowledgedBy: 'email',
      respondedAt: '2026-07-03T10:00:00.000Z',
      outcome: 'Data deleted; apology sent.',
    });
    expect(complaintView(c, '2026-07-10')).toMatchObject({
      status: 'responded',
      language: 'fr',
      requestId: REF,
      name: 'Ann Lee',
      acknowledgedAt: '2026-07-01T10:00:01.000Z',
      acknowledgedBy: 'email',
      respondedAt: '2026-07-03T10:00:00.000Z',
      outcome: 'Data deleted; apology sent.',
      clock: { acknowledgedOn: '2026-07-01', respondedOn: '2026-07-03', daysToAcknowledge: null, daysOpen: 2 },
    });
  });
});

describe('the list of complaints', () => {
  it('passes the page asked for to the store, and dates each clock in London: at 23:30 UTC on 29 July it is already 30 July', async () => {
    const repo = new ComplaintRepo();
    repo.pages = [[complaint()]];
    const page = await listComplaints({ limit: 10, cursor: 'abc' }, deps(repo, '2026-07-29T23:30:00.000Z'));
    expect(repo.queries).toEqual([{ limit: 10, cursor: 'abc' }]);
    expect(page.cursor).toBeNull();
    expect(page.items).toHaveLength(1);
    expect(page.items[0].clock).toMatchObject({ daysToAcknowledge: 0, daysOpen: 29 });
  });

  it('gives the next page’s cursor when there is one', async () => {
    const repo = new ComplaintRepo();
    repo.pages = [[complaint()], [complaint({ id: '01JQ3333333333333333333333' })]];
    const page = await listComplaints({}, deps(repo, '2026-07-10T10:00:00.000Z'));
    expect(page.cursor).toBe('1');
    expect(page.items.map((c) => c.id)).toEqual([ID]);
  });
});

describe('an officer acknowledging a complaint another way', () => {
  it('records when and who, drops the owed email, audits the step and shows the complaint dated in London', async () => {
    const repo = new ComplaintRepo(complaint());
    const view = await acknowledgeComplaint(ID, 'officer:olivia', deps(repo, '2026-07-29T23:30:00.000Z'));
    expect(repo.transitions).toHaveLength(1);
    expect(repo.transitions[0]).toMatchObject({
      to: 'acknowledged',
      changes: { acknowledgedAt: '2026-07-29T23:30:00.000Z', acknowledgedBy: 'officer:olivia' },
      event: { at: '2026-07-29T23:30:00.000Z', actor: 'officer:olivia', action: 'acknowledge', subject: ID, from: 'received', to: 'acknowledged' },
      opts: { remove: ['outboxAck'] },
    });
    expect(repo.transitions[0].opts.ttl).toBeUndefined();
    expect(view).toMatchObject({ status: 'acknowledged', acknowledgedAt: '2026-07-29T23:30:00.000Z', acknowledgedBy: 'officer:olivia' });
    // 00:30 BST on 30 July, the last day: acknowledged on time.
    expect(view.clock).toMatchObject({ acknowledgedOn: '2026-07-30', acknowledgedOnTime: true, daysOpen: 29 });
    expect(repo.complaints.get(ID)).not.toHaveProperty('outboxAck');
  });

  it('refuses a complaint already acknowledged with a 409, writing nothing', async () => {
    const repo = new ComplaintRepo(complaint({ status: 'acknowledged', acknowledgedAt: '2026-07-01T10:00:01.000Z', acknowledgedBy: 'email' }));
    await expect(acknowledgeComplaint(ID, 'officer:olivia', deps(repo, '2026-07-10T10:00:00.000Z'))).rejects.toThrow(new Conflict('this complaint is already acknowledged', { reason: 'complaint_acknowledged' }));
    expect(repo.transitions).toEqual([]);
  });

  it('answers 404 for a complaint that does not exist', async () => {
    const repo = new ComplaintRepo();
    const e = await acknowledgeComplaint(ID, 'officer:olivia', deps(repo, '2026-07-10T10:00:00.000Z')).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NotFound);
    expect(e).toMatchObject({ message: 'no such complaint', status: 404 });
  });
});

describe('an officer recording the response', () => {
  it('records the outcome without control characters, acknowledges it too, audits the outcome’s hash and keeps it a year', async () => {
    const repo = new ComplaintRepo(complaint());
    const view = await respondComplaint(ID, '  Phoned Ann; data deleted;\u0007 apology sent.\n', 'officer:olivia', deps(repo, '2026-07-03T10:00:00.000Z'));
    expect(repo.transitions).toHaveLength(1);
    const t = repo.transitions[0];
    expect(t).toMatchObject({
      to: 'responded',
      changes: { respondedAt: '2026-07-03T10:00:00.000Z', outcome: 'Phoned Ann; data deleted;  apology sent.', acknowledgedAt: '2026-07-03T10:00:00.000Z', acknowledgedBy: 'officer:olivia' },
      // SHA-256 of the outcome as recorded, in hex (sha256sum).
      event: { at: '2026-07-03T10:00:00.000Z', actor: 'officer:olivia', action: 'respond', subject: ID, from: 'received', to: 'responded', data: { outcomeSha256: 'c7d05a2568a53a9a6a3ce675d46220153dacf790df25738f372f86d299d11fdd' } },
      opts: { remove: ['outboxAck'] },
    });
    expect(t.opts.ttl?.toISOString()).toBe('2027-07-03T10:00:00.000Z');
    expect(view).toMatchObject({ status: 'responded', outcome: 'Phoned Ann; data deleted;  apology sent.', clock: { respondedOn: '2026-07-03', daysOpen: 2 } });
  });

  it('keeps an earlier acknowledgement as it was', async () => {
    const repo = new ComplaintRepo(complaint({ status: 'acknowledged', acknowledgedAt: '2026-07-01T10:00:01.000Z', acknowledgedBy: 'email' }));
    await respondComplaint(ID, 'Data deleted.', 'officer:olivia', deps(repo, '2026-07-03T10:00:00.000Z'));
    expect(repo.transitions[0].changes).toEqual({ respondedAt: '2026-07-03T10:00:00.000Z', outcome: 'Data deleted.', acknowledgedAt: '2026-07-01T10:00:01.000Z', acknowledgedBy: 'email' });
    expect(repo.transitions[0].event).toMatchObject({ from: 'acknowledged', to: 'responded' });
  });

  it('cuts the outcome at 500 characters', async () => {
    const repo = new ComplaintRepo(complaint());
    await respondComplaint(ID, 'a'.repeat(600), 'officer:olivia', deps(repo, '2026-07-03T10:00:00.000Z'));
    expect(repo.transitions[0].changes.outcome).toHaveLength(500);
  });

  it('refuses a second response with a 409, and answers 404 for a complaint that does not exist', async () => {
    const repo = new ComplaintRepo(complaint({ status: 'responded', respondedAt: '2026-07-03T10:00:00.000Z' }));
    await expect(respondComplaint(ID, 'Again.', 'officer:olivia', deps(repo, '2026-07-04T10:00:00.000Z'))).rejects.toThrow(new Conflict('this complaint has already been responded to', { reason: 'complaint_responded' }));
    await expect(respondComplaint('01JQ9999999999999999999999', 'Again.', 'officer:olivia', deps(repo, '2026-07-04T10:00:00.000Z'))).rejects.toThrow(new NotFound('no such complaint'));
    expect(repo.transitions).toEqual([]);
  });
});

describe('the complaints received in a period, for the SLA report', () => {
  it('asks the store for a day either side in UTC, 200 at a time, and keeps those received on a London day of the period, first and last included', async () => {
    const repo = new ComplaintRepo();
    const at = (id: string, receivedAt: string) => complaint({ id, receivedAt });
    repo.pages = [
      // Newest first. 23:00 UTC on 31 July is midnight in London: 1 August, outside.
      [at('A', '2026-07-31T23:00:00.000Z'), at('B', '2026-07-31T22:59:59.000Z')],
      [at('C', '2026-07-15T12:00:00.000Z')],
      // 23:00 UTC on 30 June is midnight in London: 1 July, inside; a second before is 30 June.
      [at('D', '2026-06-30T23:00:00.000Z'), at('E', '2026-06-30T22:59:59.000Z')],
    ];
    const found = await complaintsReceivedBetween('2026-07-01', '2026-07-31', { repo: repo as never });
    expect(found.map((c) => c.id)).toEqual(['B', 'C', 'D']);
    expect(repo.queries).toEqual([
      { receivedFrom: '2026-06-30T00:00:00.000Z', receivedTo: '2026-08-02T00:00:00.000Z', cursor: undefined, limit: 200 },
      { receivedFrom: '2026-06-30T00:00:00.000Z', receivedTo: '2026-08-02T00:00:00.000Z', cursor: '1', limit: 200 },
      { receivedFrom: '2026-06-30T00:00:00.000Z', receivedTo: '2026-08-02T00:00:00.000Z', cursor: '2', limit: 200 },
    ]);
  });

  it('finds none in a period with no complaint, after one query', async () => {
    const repo = new ComplaintRepo();
    expect(await complaintsReceivedBetween('2026-07-01', '2026-07-31', { repo: repo as never })).toEqual([]);
    expect(repo.queries).toHaveLength(1);
  });
});
