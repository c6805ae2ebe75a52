import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ComplaintBody } from '../../../functions/core/complaint-form.ts';
import type { StoredComplaint } from '../../../functions/core/complaints.ts';
import type { Delivery } from '../../../functions/core/outbox.ts';
import type { Window } from '../../../functions/core/rate-limit.ts';
import { complaintAcks, FakeMailer, fixedClock, Shares } from '../processors/fakes.ts';

// Hashes come from the app key in Secrets Manager; here they say what they hash.
vi.mock('../../../functions/shared/crypto.ts', async (orig) => ({
  ...(await orig()),
  emailHash: async (e: string) => `email:${e.trim().toLowerCase()}`,
  inboxHash: async (e: string) => `inbox:${(await import('../../../functions/core/edge.ts')).inboxOf(e)}`,
  hmac: async (v: string) => `hmac:${v}`,
}));
const { submitComplaint } = await import('../../../functions/intake/complaint.ts');
const { logger } = await import('../../../functions/adapters/powertools.ts');
const { TooManyRequests } = await import('../../../functions/core/errors.ts');

/** The complaint writes intake and its acknowledgement make, in memory, as DynamoRepository does them. */
class ComplaintRepo {
  complaints = new Map<string, StoredComplaint>();
  created: { complaint: StoredComplaint; expires: Date }[] = [];
  hits: { scope: string; hash: string; windowSeconds: number }[] = [];
  shares = new Shares();
  async takeShare(scope: string, hash: string, windows: readonly Window[], now: Date) {
    for (const w of windows) this.hits.push({ scope, hash, windowSeconds: w.seconds });
    return this.shares.takeShare(scope, hash, windows, now);
  }
  /** The rolling counter, as DynamoRepository keeps it: the instants of the uses in the window, none written past the limit. */
  async hitRolling(scope: string, hash: string, windowSeconds: number, limit: number, now: Date) {
    this.hits.push({ scope, hash, windowSeconds });
    const k = `${scope}|${hash}|rolling`;
    const uses = (this.rolling.get(k) ?? []).filter((t) => t > now.getTime() - windowSeconds * 1000);
    if (uses.length < limit) this.rolling.set(k, [...uses, now.getTime()]);
    return { count: uses.length + 1 };
  }
  rolling = new Map<string, number[]>();
  /** Conditional on the id, as DynamoRepository's: false, and nothing written, when it is taken. */
  async createComplaint(c: StoredComplaint, expires: Date) {
    if (this.complaints.has(c.id)) return false;
    this.created.push({ complaint: structuredClone(c), expires });
    this.complaints.set(c.id, structuredClone(c));
    return true;
  }
  async getComplaint(id: string) {
    const c = this.complaints.get(id);
    return c && structuredClone(c);
  }
  async claimComplaintAck(id: string, next: Delivery, now: Date) {
    return complaintAcks.claim(this.complaints, id, next, now);
  }
  async deferComplaintAck(id: string, seq: number, until: string) {
    return complaintAcks.defer(this.complaints, id, seq, until);
  }
  async countComplaintAck(id: string, seq: number) {
    return complaintAcks.count(this.complaints, id, seq);
  }
  async clearComplaintAck(id: string, seq: number) {
    return complaintAcks.clear(this.complaints, id, seq);
  }
  async transitionComplaint(prev: StoredComplaint, to: StoredComplaint['status'], changes: Partial<StoredComplaint>, _event: unknown, opts: { remove?: string[] } = {}) {
    const next = { ...(this.complaints.get(prev.id) as StoredComplaint), ...changes, status: to, version: prev.version + 1 };
    for (const k of opts.remove ?? []) delete (next as Record<string, unknown>)[k];
    this.complaints.set(prev.id, next);
    return structuredClone(next);
  }
}

class FailingMailer extends FakeMailer {
  override async send(): Promise<void> {
    const e = new Error('the address was refused by SES: ann@example.com');
    e.name = 'MessageRejected';
    throw e;
  }
}

// Friday 20 March 2026, 10:00:00 UTC (London is on GMT).
const T0 = '2026-03-20T10:00:00.000Z';
const IP = '203.0.113.7';
const REF = '01JQ0000000000000000000000';
const TEXT = 'You kept my data after I asked you to erase it.';
/** SHA-256 of TEXT, in hex (sha256sum). */
const TEXT_SHA256 = '3e941e85cf4ccf30ca82fdb2b8f20f74538f57044bf37230e7cf177597ce0f23';
const RECEIVED = { en: 'Thank you. Your complaint is recorded. We are emailing you an acknowledgement, and will answer you without undue delay.', fr: 'Merci. Votre réclamation est enregistrée. Nous vous envoyons un accusé de réception par e-mail, puis nous vous répondrons sans retard injustifié.' };
const RECEIVED_EN = { status: 'received', message: RECEIVED.en, messages: RECEIVED };
const RECEIVED_FR = { status: 'received', message: RECEIVED.fr, messages: RECEIVED };

let repo: ComplaintRepo;
let mailer: FakeMailer;
const deps = (now = T0) => ({ repo: repo as never, mailer, clock: fixedClock(now) });
const body = (over: Partial<ComplaintBody> = {}): ComplaintBody => ({ email: 'ann@example.com', text: TEXT, language: 'en', ...over });

beforeEach(() => {
  repo = new ComplaintRepo();
  mailer = new FakeMailer();
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('a complaint sent with the form', () => {
  it('is recorded received, with its 30-day clock, its hashes and its acknowledgement owed, in one write kept 730 days', async () => {
    expect(await submitComplaint(body({ requestId: REF, name: 'Ann Lee' }), IP, deps())).toEqual(RECEIVED_EN);
    expect(repo.created).toHaveLength(1);
    const { complaint, expires } = repo.created[0];
    expect(complaint).toMatchObject({
      status: 'received',
      version: 0,
      language: 'en',
      receivedAt: T0,
      acknowledgeBy: '2026-04-18',
      requestId: REF,
      email: 'ann@example.com',
      name: 'Ann Lee',
      text: TEXT,
    });
    // Not the address's hash: that attribute keys the requests' byEmail index, where a complaint would crowd out requests.
    expect(complaint).not.toHaveProperty('emailHash');
    // A ULID starts with its time: 10:00 UTC on 20 March 2026 is 01KM5B0080 (Crockford base 32 of 1,774,000,800,000 ms).
    expect(complaint.id).toMatch(/^01KM5B0080[0-9A-HJKMNP-TV-Z]{16}$/);
    expect(complaint.outboxAck).toEqual({ seq: 1, until: '2026-03-20T10:01:00.000Z', owner: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(complaint.audit).toHaveLength(1);
    expect(complaint.audit[0]).toMatchObject({
      seq: 0,
      at: T0,
      actor: 'complainant',
      action: 'complaint',
      subject: complaint.id,
      to: 'received',
      data: { requestId: REF, textSha256: TEXT_SHA256 },
    });
    expect(expires.toISOString()).toBe('2028-03-19T10:00:00.000Z');
  });

  it('records the same complaint sent again minutes later (a double click, a retry after a lost answer) once, with one acknowledgement, and answers both alike', async () => {
    expect(await submitComplaint(body({ requestId: REF }), IP, deps())).toEqual(RECEIVED_EN);
    expect(await submitComplaint(body({ requestId: REF }), IP, deps('2026-03-20T10:04:59.000Z'))).toEqual(RECEIVED_EN);
    expect(repo.created).toHaveLength(1);
    expect(mailer.sent).toHaveLength(1);
    // Other words, another request, another address, or the next ten minutes: another complaint.
    await submitComplaint(body({ requestId: REF, text: `${TEXT} Again.` }), IP, deps('2026-03-20T10:05:00.000Z'));
    await submitComplaint(body(), IP, deps('2026-03-20T10:05:00.000Z'));
    await submitComplaint(body({ requestId: REF, email: 'bea@example.com' }), IP, deps('2026-03-20T10:05:00.000Z'));
    await submitComplaint(body({ requestId: REF }), IP, deps('2026-03-20T10:10:00.000Z'));
    expect(repo.created).toHaveLength(5);
    expect(new Set(repo.created.map((c) => c.complaint.id)).size).toBe(5);
  });

  it('keeps no request reference and no name when none was given, and says so in the ledger', async () => {
    await submitComplaint(body(), IP, deps());
    const { complaint } = repo.created[0];
    expect(complaint).not.toHaveProperty('requestId');
    expect(complaint).not.toHaveProperty('name');
    expect(complaint.audit[0].data).toEqual({ requestId: null, textSha256: TEXT_SHA256 });
  });

  it('mails the acknowledgement to the address given at once, and marks the complaint acknowledged by email', async () => {
    await submitComplaint(body(), IP, deps());
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0]).toMatchObject({ to: 'ann@example.com', subject: 'We have received your complaint', kind: 'transactional' });
    const [stored] = repo.complaints.values();
    expect(stored).toMatchObject({ status: 'acknowledged', acknowledgedAt: T0, acknowledgedBy: 'email' });
    expect(stored).not.toHaveProperty('outboxAck');
  });

  it('is answered and acknowledged in French for a French complainant', async () => {
    expect(await submitComplaint(body({ language: 'fr' }), IP, deps())).toEqual(RECEIVED_FR);
    expect(mailer.sent[0].subject).toBe('Nous avons bien reçu votre réclamation');
  });

  it('is still recorded and answered when the acknowledgement cannot be mailed, which stays owed and is logged by its name only', async () => {
    mailer = new FailingMailer();
    const error = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    expect(await submitComplaint(body(), IP, deps())).toEqual(RECEIVED_EN);
    const [stored] = repo.complaints.values();
    expect(stored.status).toBe('received');
    expect(stored.outboxAck).toMatchObject({ seq: 1 });
    expect(error).toHaveBeenCalledWith('complaint acknowledgement left owed for the sweeper', { complaintId: stored.id, error: 'MailFailed' });
  });
});

describe('an acknowledgement SES refuses for hours', () => {
  it('stays owed and counts once against its address’s share, so that it goes once SES takes mail again, rather than being withheld as one too many', async () => {
    const refusing = new FailingMailer();
    await submitComplaint(body(), IP, { repo: repo as never, mailer: refusing, clock: fixedClock(T0) });
    const { deliverComplaintAck } = await import('../../../functions/shared/outbox.ts');
    const { sweeperOwner } = await import('../../../functions/core/outbox.ts');
    vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    // The sweeper tries every 15 minutes for six hours while SES refuses.
    for (let m = 15; m <= 6 * 60; m += 15) {
      const now = new Date(Date.parse(T0) + m * 60_000);
      for (const c of [...repo.complaints.values()].filter((x) => x.outboxAck)) {
        await deliverComplaintAck(structuredClone(c), sweeperOwner(`run-${m}`), now, { repo: repo as never, mailer: refusing }).catch((e: Error) => expect(e.name).toBe('MailFailed'));
      }
    }
    const [owed] = repo.complaints.values();
    expect(owed.status).toBe('received');
    expect(owed.outboxAck, 'still owed, counted once').toMatchObject({ seq: 1, counted: true });
    expect(repo.hits.filter((h) => h.scope === 'complaint-ack' && h.windowSeconds === 86_400), 'the share taken once').toHaveLength(1);
    // SES takes mail again.
    const back = new Date(Date.parse(T0) + 6 * 60 * 60_000 + 15 * 60_000);
    expect(await deliverComplaintAck(structuredClone(owed), sweeperOwner('run-back'), back, { repo: repo as never, mailer })).toEqual({ sent: true });
    expect(mailer.sent.map((m) => m.to)).toEqual(['ann@example.com']);
    expect([...repo.complaints.values()][0]).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'email' });
  });
});

describe('the limit on complaints from one client address', () => {
  it('acknowledges one inbox no more than 3 times an hour, however its address is spelled: a +tag is no share of its own', async () => {
    for (const email of ['ann@example.com', 'ann+1@example.com', 'Ann+2@example.com', 'ann+3@example.com']) {
      expect(await submitComplaint(body({ email }), IP, deps())).toEqual(RECEIVED_EN);
    }
    expect(mailer.sent.map((m) => m.to)).toEqual(['ann@example.com', 'ann+1@example.com', 'Ann+2@example.com']);
    expect([...repo.complaints.values()].filter((c) => c.outboxAck)).toHaveLength(1);
  });

  it('counts each complaint against the HMAC of the client address, over any hour', async () => {
    await submitComplaint(body(), IP, deps());
    expect(repo.hits[0]).toEqual({ scope: 'complaint-ip', hash: 'hmac:ip:203.0.113.7', windowSeconds: 3600 });
  });

  it('takes 20 complaints an hour from one address, refuses the 21st with the seconds to wait, and takes another address’s', async () => {
    for (let i = 0; i < 20; i++) await submitComplaint(body({ text: `${TEXT} (${i})` }), IP, deps());
    expect(repo.created).toHaveLength(20);
    // 10:15 UTC: the 20 of 10:00 count until 11:01, 2,760 seconds later.
    const refused = await submitComplaint(body(), IP, deps('2026-03-20T10:15:00.000Z')).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TooManyRequests);
    expect(refused).toMatchObject({ message: 'too many complaints', retryAfterSeconds: 2760, status: 429 });
    expect(repo.created).toHaveLength(20);
    await submitComplaint(body(), '198.51.100.9', deps('2026-03-20T10:15:00.000Z'));
    expect(repo.created).toHaveLength(21);
  });

  it('answers a complaint sent again within its minutes as it answered the first, though its client address has had its 20 since, recording and mailing nothing more', async () => {
    await submitComplaint(body(), IP, deps());
    for (let i = 0; i < 19; i++) await submitComplaint(body({ text: `${TEXT} (${i})` }), IP, deps());
    const mailed = mailer.sent.length;
    // The first answer was lost: the complainant sends the same words again, five minutes on.
    expect(await submitComplaint(body(), IP, deps('2026-03-20T10:05:00.000Z'))).toEqual(RECEIVED_EN);
    expect(repo.created).toHaveLength(20);
    expect(mailer.sent).toHaveLength(mailed);
    // Other words from the same address are a new complaint, and refused.
    await expect(submitComplaint(body({ text: `${TEXT} Again.` }), IP, deps('2026-03-20T10:05:00.000Z'))).rejects.toBeInstanceOf(TooManyRequests);
  });

  it('refuses at the start of an hour an address that filed its 20 at the end of the one before, until an hour after it did', async () => {
    for (let i = 0; i < 20; i++) await submitComplaint(body({ text: `${TEXT} (${i})` }), IP, deps('2026-03-20T10:59:30.000Z'));
    const refused = await submitComplaint(body(), IP, deps('2026-03-20T11:00:00.000Z')).catch((e: unknown) => e);
    expect(refused).toMatchObject({ message: 'too many complaints', retryAfterSeconds: 3600, status: 429 });
    expect(repo.created).toHaveLength(20);
    await submitComplaint(body(), IP, deps('2026-03-20T12:00:00.000Z'));
    expect(repo.created).toHaveLength(21);
  });

  it('counts an IPv6 client by its /64, whatever address of it each complaint comes from', async () => {
    for (let i = 0; i < 20; i++) await submitComplaint(body({ text: `${TEXT} (${i})` }), `2001:db8:5:6::${i.toString(16)}`, deps());
    await expect(submitComplaint(body(), '2001:db8:5:6:1:2:3:4', deps())).rejects.toBeInstanceOf(TooManyRequests);
    expect(repo.created).toHaveLength(20);
  });

  it('asks for at least a second’s wait at the very end of the hour the 20 count for', async () => {
    for (let i = 0; i < 20; i++) await submitComplaint(body(), IP, deps());
    const refused = await submitComplaint(body(), IP, deps('2026-03-20T11:00:59.900Z')).catch((e: unknown) => e);
    expect(refused).toMatchObject({ retryAfterSeconds: 1 });
  });
});
