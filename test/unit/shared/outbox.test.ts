import { describe, expect, it, vi } from 'vitest';
import type { AuditInput } from '../../../functions/core/audit.ts';
import type { StoredComplaint } from '../../../functions/core/complaints.ts';
import type { Delivery } from '../../../functions/core/outbox.ts';
import type { MailFailure, StoredRequest } from '../../../functions/core/ports.ts';
import type { Share, Window } from '../../../functions/core/rate-limit.ts';
import { bump, complaintAcks, FakeBlobs, FakeMailer, FakeRepo, FakeWorkflow, IndexedRepo, REQUEST_ID, storedRequest } from '../processors/fakes.ts';

// Link secrets come from the app key in Secrets Manager; here they say what they are for.
vi.mock('../../../functions/shared/crypto.ts', async (orig) => ({ ...(await orig()), derivedToken: async (purpose: string, ...parts: string[]) => `${purpose}-${parts.join('-')}` }));
const { deliverAlert, deliverAssemblyRetry, deliverComplaintAck, deliverLink, deliverNotice, deliverOutcome, deliverPurge, deliverStop, deliverTeam, OUTBOX_PER_RUN, renewDownload, sweepOutbox } = await import('../../../functions/shared/outbox.ts');
const { ACKS_PER_EMAIL_PER_DAY, ACKS_PER_EMAIL_PER_HOUR } = await import('../../../functions/core/complaints.ts');
const { PII_RETENTION_DAYS_AFTER_CLOSE } = await import('../../../functions/core/completion.ts');
const { ConcurrentUpdate } = await import('../../../functions/core/errors.ts');
const { DELIVERY_LEASE_SECONDS, SWEEPER_LEASE_SECONDS, SWEEPER_OWNER, sweeperOwner } = await import('../../../functions/core/outbox.ts');
const RUN = sweeperOwner('run-1');
const { sha256 } = await import('../../../functions/core/audit.ts');

// Friday 20 March 2026, 10:00 in London (GMT).
const NOW = new Date('2026-03-20T10:00:00.000Z');
const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000).toISOString();
/** A delivery whose lease is over: anyone may claim it. */
const lapsed = (owner = 'workflow', seq = 1): Delivery => ({ seq, until: at(-1), owner });
/** A delivery leased to `owner` for another 30 seconds. */
const live = (owner: string, seq = 1): Delivery => ({ seq, until: at(30), owner });
const CLOSED_AT = '2026-03-19T10:00:00.000Z';
const COMPLAINT_ID = '01JQ2222222222222222222222';

type Transition = { to: string; changes: Partial<StoredComplaint>; event: AuditInput; opts: { remove?: string[] } };

/**
 * FakeRepo with the outbox's own bookkeeping kept: every claim's new lease, a link put off, the
 * address's hourly count, and complaints with their acknowledgement owed (as DynamoRepository does them).
 */
class Repo extends FakeRepo {
  claims: { kind: string; next: Delivery }[] = [];
  /** Every claim loses to another deliverer that got there first. */
  loseClaims = false;
  /** How many emails of the scope the address has had in the window, this one included. */
  count = 1;
  /** When an hourly share refused has room again: an hour after the minute its oldest use counted was made in (09:40). */
  freeAt = new Date('2026-03-20T10:41:00.000Z');
  /** The same, for the scopes given here (by scope name); `count` for the others. */
  counts: Record<string, number> = {};
  /** Every hit on a counter, with what it added (-1: given back). */
  hits: { scope: string; windowSeconds: number; by: number }[] = [];
  complaints = new Map<string, StoredComplaint>();
  transitions: Transition[] = [];
  /** Thrown, once, by the next complaint write. */
  failNextComplaintWrite?: Error;
  override async claimDelivery(requestId: string, kind: string, next: Delivery, now: Date) {
    this.claims.push({ kind, next });
    return !this.loseClaims && super.claimDelivery(requestId, kind, next, now);
  }
  override async takeShare(scope: string, _hash: string, windows: readonly Window[], _now: Date): Promise<Share> {
    for (const w of windows) this.hits.push({ scope, windowSeconds: w.seconds, by: 1 });
    // A window's count with this use: `counts['<scope>@<seconds>']`, else the scope's, else `count`.
    const full = windows.flatMap((w, i) => ((this.counts[`${scope}@${w.seconds}`] ?? this.counts[scope] ?? this.count) > w.limit ? [i] : []));
    return full.length ? { allowed: false, retryAt: this.freeAt, full } : { allowed: true };
  }
  override async hitRolling(scope: string, _hash: string, windowSeconds: number, _limit: number, _now: Date, by: 1 | -1 = 1) {
    this.hits.push({ scope, windowSeconds, by });
    return { count: this.counts[scope] ?? this.count };
  }
  async claimComplaintAck(id: string, next: Delivery, now: Date) {
    this.claims.push({ kind: 'outboxAck', next });
    return !this.loseClaims && complaintAcks.claim(this.complaints, id, next, now);
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
  async transitionComplaint(prev: StoredComplaint, to: StoredComplaint['status'], changes: Partial<StoredComplaint>, event: AuditInput, opts: { remove?: string[] } = {}) {
    const failure = this.failNextComplaintWrite;
    this.failNextComplaintWrite = undefined;
    if (failure) throw failure;
    this.transitions.push({ to, changes, event, opts });
    const next = { ...(this.complaints.get(prev.id) as StoredComplaint), ...changes, status: to, version: prev.version + 1 };
    for (const k of opts.remove ?? []) delete (next as Record<string, unknown>)[k];
    this.complaints.set(prev.id, next);
    return structuredClone(next);
  }
  /** A page of one at a time, in id order, the cursor the last id read; `owed`: only those whose acknowledgement is still to mail. */
  override async listComplaints(q: { owed?: boolean; cursor?: string } = {}) {
    const after = [...this.complaints.values()].filter((c) => (!q.owed || c.outboxAck) && c.id > (q.cursor ?? '')).sort((a, b) => a.id.localeCompare(b.id));
    return { items: after.slice(0, 1).map((c) => structuredClone(c)), ...(after.length > 1 ? { cursor: after[0].id } : {}) };
  }
}

/** The links VerificationTokens records as mailed, by hash. */
class Tokens {
  put: string[] = [];
  async issue(hash: string) {
    this.put.push(hash);
  }
}

function setup(over: Partial<StoredRequest> = {}, pii = true) {
  const repo = new Repo();
  const req = storedRequest(over);
  repo.requests.set(req.id, req);
  if (pii) repo.pii.set(req.id, { email: 'ann@example.com' });
  const mailer = new FakeMailer();
  const workflow = new FakeWorkflow();
  const tokens = new Tokens();
  const deps = { repo: repo as never, mailer, workflow, tokens: tokens as never, baseUrl: 'http://x', linksPerHour: 5, processors: [] };
  return { repo, mailer, workflow, tokens, deps, req: structuredClone(req) };
}

const complaint = (over: Partial<StoredComplaint> = {}): StoredComplaint => ({
  id: COMPLAINT_ID,
  status: 'received',
  version: 0,
  language: 'en',
  receivedAt: at(-120),
  acknowledgeBy: '2026-04-17',
  email: 'ann@example.com',
  text: 'You kept my data after I asked you to erase it.',
  emailHash: 'h',
  audit: [],
  outboxAck: lapsed('intake'),
  ...over,
});
function complaintSetup(over: Partial<StoredComplaint> = {}) {
  const s = setup();
  const c = complaint(over);
  s.repo.complaints.set(c.id, structuredClone(c));
  return { ...s, c };
}

describe('a deliverer with nothing owed', () => {
  it('mails nothing, claims nothing, stops and deletes nothing, and says it delivered nothing', async () => {
    const { repo, mailer, workflow, deps } = setup({ status: 'unverified' });
    const blobs = new FakeBlobs();
    blobs.objects.add(`exports/${REQUEST_ID}.zip`);
    repo.results.set(`${REQUEST_ID}.paynow`, { signedBody: '{}', expiresAt: new Date('2026-07-01T00:00:00.000Z'), writtenAt: CLOSED_AT });
    expect(await deliverLink(storedRequest({ status: 'unverified' }), SWEEPER_OWNER, NOW, deps)).toEqual({ sent: false });
    expect(await deliverOutcome(storedRequest({ status: 'completed', closedAt: CLOSED_AT }), SWEEPER_OWNER, NOW, deps)).toEqual({ sent: false });
    expect(await deliverNotice(storedRequest({ status: 'in_progress' }), SWEEPER_OWNER, NOW, deps)).toEqual({ sent: false });
    expect(await deliverTeam(storedRequest({ status: 'awaiting_review' }), SWEEPER_OWNER, NOW, deps)).toBe(false);
    expect(await deliverComplaintAck(complaint({ outboxAck: undefined }), SWEEPER_OWNER, NOW, deps)).toEqual({ sent: false });
    expect(await deliverStop(storedRequest({ status: 'in_progress' }), { repo, workflow })).toBe(false);
    expect(await deliverPurge(storedRequest({ type: 'access', status: 'completed', closedAt: CLOSED_AT, exportKey: `exports/${REQUEST_ID}.zip` }), NOW, { repo, blobs })).toEqual([]);
    expect(mailer.sent).toEqual([]);
    expect(repo.claims).toEqual([]);
    expect(workflow.stopped).toEqual([]);
    expect([...blobs.objects]).toEqual([`exports/${REQUEST_ID}.zip`]);
    expect(repo.results.size).toBe(1);
  });
});

describe('a delivery leased to a live writer', () => {
  it('is left to that writer: nothing mailed or claimed, a link put off by its share included', async () => {
    const { repo, mailer, deps } = setup({ status: 'completed', closedAt: CLOSED_AT, outboxOutcome: live('workflow'), outboxNotice: { ...live('admin'), notice: 'refusal', reason: 'excessive' } });
    expect(await deliverOutcome(repo.requests.get(REQUEST_ID) as StoredRequest, SWEEPER_OWNER, NOW, deps)).toEqual({ sent: false });
    expect(await deliverNotice(repo.requests.get(REQUEST_ID) as StoredRequest, SWEEPER_OWNER, NOW, deps)).toEqual({ sent: false });
    expect(await deliverLink(storedRequest({ status: 'unverified', outboxLink: live('intake-1') }), SWEEPER_OWNER, NOW, deps)).toEqual({ sent: false });
    expect(await deliverLink(storedRequest({ status: 'unverified', outboxLink: live('') }), SWEEPER_OWNER, NOW, deps)).toEqual({ sent: false });
    repo.complaints.set(COMPLAINT_ID, complaint({ outboxAck: live('intake-1') }));
    expect(await deliverComplaintAck(complaint({ outboxAck: live('intake-1') }), SWEEPER_OWNER, NOW, deps)).toEqual({ sent: false });
    expect(mailer.sent).toEqual([]);
    expect(repo.claims).toEqual([]);
  });
});

describe('a delivery whose lease is over', () => {
  it('is claimed by the sweeper for longer than a sweep runs, and by any other writer for longer than a function runs', async () => {
    const sweeper = setup({ status: 'completed', closedAt: CLOSED_AT, outboxOutcome: lapsed('workflow', 3) });
    expect(await deliverOutcome(sweeper.req, SWEEPER_OWNER, NOW, sweeper.deps)).toEqual({ sent: true });
    const officer = setup({ status: 'completed', closedAt: CLOSED_AT, outboxOutcome: lapsed('workflow', 3) });
    expect(await deliverOutcome(officer.req, 'admin', NOW, officer.deps)).toEqual({ sent: true });
    expect([...sweeper.repo.claims, ...officer.repo.claims]).toEqual([
      { kind: 'outboxOutcome', next: { seq: 3, until: at(SWEEPER_LEASE_SECONDS), owner: SWEEPER_OWNER } },
      { kind: 'outboxOutcome', next: { seq: 3, until: at(DELIVERY_LEASE_SECONDS), owner: 'admin' } },
    ]);
    const acks = [complaintSetup(), complaintSetup()];
    expect(await deliverComplaintAck(acks[0].c, SWEEPER_OWNER, NOW, acks[0].deps)).toEqual({ sent: true });
    expect(await deliverComplaintAck(acks[1].c, 'intake-2', NOW, acks[1].deps)).toEqual({ sent: true });
    expect(acks.flatMap((a) => a.repo.claims)).toEqual([
      { kind: 'outboxAck', next: { seq: 1, until: at(SWEEPER_LEASE_SECONDS), owner: SWEEPER_OWNER } },
      { kind: 'outboxAck', next: { seq: 1, until: at(DELIVERY_LEASE_SECONDS), owner: 'intake-2' } },
    ]);
  });

  it('mails nothing when another deliverer claims it first', async () => {
    const { repo, mailer, tokens, deps, req } = setup({ status: 'unverified', outboxLink: lapsed('intake-1', 2) });
    repo.loseClaims = true;
    expect(await deliverLink(req, SWEEPER_OWNER, NOW, deps)).toEqual({ sent: false });
    const { c } = complaintSetup();
    repo.complaints.set(c.id, structuredClone(c));
    expect(await deliverComplaintAck(c, SWEEPER_OWNER, NOW, deps)).toEqual({ sent: false });
    expect(repo.claims.map((k) => k.kind)).toEqual(['outboxLink', 'outboxAck']);
    expect(mailer.sent).toEqual([]);
    expect(tokens.put).toEqual([]);
    expect(repo.requests.get(REQUEST_ID)?.outboxLink).toEqual(lapsed('intake-1', 2));
    expect(repo.complaints.get(COMPLAINT_ID)?.outboxAck).toEqual(lapsed('intake'));
  });
});

describe('a confirmation link owed', () => {
  it('is not mailed to a request confirmed since it was owed: the link is cleared unsent', async () => {
    const { repo, mailer, tokens, deps, req } = setup({ status: 'verified', outboxLink: live('admin', 2) });
    expect(await deliverLink(req, 'admin', NOW, deps)).toEqual({ sent: false });
    expect(mailer.sent).toEqual([]);
    expect(tokens.put).toEqual([]);
    expect(repo.requests.get(REQUEST_ID)?.outboxLink).toBeUndefined();
  });

  it('is cleared unsent once the requester’s contact data has expired, and not reported as sent', async () => {
    const { repo, mailer, tokens, deps, req } = setup({ status: 'unverified', outboxLink: lapsed('intake-1', 2) }, false);
    expect(await deliverLink(req, SWEEPER_OWNER, NOW, deps)).toEqual({ sent: false });
    expect(mailer.sent).toEqual([]);
    expect(tokens.put).toEqual([]);
    expect(repo.requests.get(REQUEST_ID)?.outboxLink).toBeUndefined();
  });

  it('carries the status page’s token only while it is the request’s own: a request whose status token was replaced gets the page without one', async () => {
    const own = setup({ status: 'unverified', outboxLink: lapsed('intake-1', 2), statusTokenHash: sha256(`status-${REQUEST_ID}`) });
    expect(await deliverLink(own.req, SWEEPER_OWNER, NOW, own.deps)).toEqual({ sent: true });
    expect(own.mailer.sent[0].text).toContain(`http://x/status.html?id=${REQUEST_ID}&token=status-${REQUEST_ID}&lang=en\n`);
    const replaced = setup({ status: 'unverified', outboxLink: lapsed('intake-1', 2), statusTokenHash: 's'.repeat(64) });
    expect(await deliverLink(replaced.req, SWEEPER_OWNER, NOW, replaced.deps)).toEqual({ sent: true });
    expect(replaced.mailer.sent[0].text).toContain(`http://x/status.html?id=${REQUEST_ID}&lang=en\n`);
  });

  it('names the requester’s language in the status link, so that a link that no longer works says so in it, not in both', async () => {
    const fr = setup({ status: 'unverified', outboxLink: lapsed('intake-1', 2), language: 'fr', statusTokenHash: sha256(`status-${REQUEST_ID}`) });
    expect(await deliverLink(fr.req, SWEEPER_OWNER, NOW, fr.deps)).toEqual({ sent: true });
    expect(fr.mailer.sent[0].text).toContain(`http://x/status.html?id=${REQUEST_ID}&token=status-${REQUEST_ID}&lang=fr\n`);
  });

  it('put off to the next hour and mailed then, counts as sent then: the next link waits its turn from the mailing, not from the request for it', async () => {
    const { repo, mailer, deps, req } = setup({ status: 'unverified', linkSeq: 2, linkAt: at(-3600), outboxLink: lapsed('', 2) });
    expect(await deliverLink(req, SWEEPER_OWNER, NOW, deps)).toEqual({ sent: true });
    expect(mailer.sent).toHaveLength(1);
    expect(repo.requests.get(REQUEST_ID)).toMatchObject({ linkAt: NOW.toISOString() });
    expect(repo.requests.get(REQUEST_ID)?.outboxLink).toBeUndefined();
  });
});

describe('an outcome email owed', () => {
  it('carries a download link for a copy of data whose package is kept, and none for a copy without a package or for an erasure', async () => {
    const kept = setup({ type: 'access', status: 'completed', closedAt: CLOSED_AT, exportKey: `exports/${REQUEST_ID}.zip`, outboxOutcome: lapsed() });
    expect(await deliverOutcome(kept.req, SWEEPER_OWNER, NOW, kept.deps)).toEqual({ sent: true });
    expect(kept.mailer.sent[0].text).toContain(`http://x/exports/${REQUEST_ID}?token=download-${REQUEST_ID}`);
    for (const type of ['access', 'erasure'] as const) {
      const none = setup({ type, status: 'completed', closedAt: CLOSED_AT, outboxOutcome: lapsed() });
      expect(await deliverOutcome(none.req, SWEEPER_OWNER, NOW, none.deps)).toEqual({ sent: true });
      expect(none.mailer.sent).toHaveLength(1);
      expect(none.mailer.sent[0].text).not.toContain('/exports/');
    }
  });

  it('is dropped as the outcome’s once the contact data has expired: it clears the outcome’s “mail failed” mark, and leaves a notice still owed with its own', async () => {
    const failed = { kind: 'notice' as const, notice: 'extension' as const, at: CLOSED_AT, error: 'MessageRejected' };
    const notice = { ...lapsed('admin', 4), notice: 'extension' as const, reason: 'Several processors hold records', dueDate: '2026-06-01' };
    const { repo, mailer, req, deps } = setup({ status: 'completed', closedAt: CLOSED_AT, outboxOutcome: lapsed(), outboxNotice: notice, mailFailed: failed }, false);
    expect(await deliverOutcome(req, SWEEPER_OWNER, NOW, deps)).toEqual({ sent: false, dropped: true });
    const after = repo.requests.get(REQUEST_ID);
    expect(after?.outboxOutcome).toBeUndefined();
    expect(after).toMatchObject({ outboxNotice: { notice: 'extension' }, mailFailed: failed });
    expect(after?.audit.at(-1)).toMatchObject({ actor: SWEEPER_OWNER, action: 'outcome_unsent', data: { reason: 'contact_data_erased' } });
    expect(after?.audit.at(-1)?.data).not.toHaveProperty('notice');
    expect(mailer.sent).toEqual([]);
  });

  it('that cannot go is left owed for the next sweep when the write that drops it loses a race, and any other failure of that write is thrown', async () => {
    const raced = setup({ status: 'completed', closedAt: CLOSED_AT, outboxOutcome: lapsed() }, false);
    raced.repo.beforeRequestWrite = (r) => bump(r.requests, REQUEST_ID, {});
    expect(await deliverOutcome(raced.req, SWEEPER_OWNER, NOW, raced.deps)).toEqual({ sent: false });
    expect(raced.repo.requests.get(REQUEST_ID)?.outboxOutcome).toMatchObject({ seq: 1 });
    const broken = setup({ status: 'completed', closedAt: CLOSED_AT, outboxOutcome: lapsed() }, false);
    broken.repo.transitionRequest = async () => {
      throw Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' });
    };
    await expect(deliverOutcome(broken.req, SWEEPER_OWNER, NOW, broken.deps)).rejects.toThrow('throttled');
  });
});

describe('an outcome email owed again once the last one owed was cleared', () => {
  it('has a number of its own: a deliverer of an earlier one that clears late leaves it owed, and the sweeper mails it', async () => {
    const { repo, deps, req } = setup({ type: 'access', status: 'completed', closedAt: CLOSED_AT, exportKey: `exports/${REQUEST_ID}.zip`, downloadLink: 1 });
    // Three clicks of an officer's resend, each a fresh link (the admin function's invocations share one owner):
    // SES holds the first click's email, takes the second's, and refuses the third's.
    const sent: string[] = [];
    let held!: () => void;
    let release!: () => void;
    const holding = new Promise<void>((r) => {
      held = r;
    });
    const mailer = {
      async send(m: { text: string }) {
        const n = sent.push(m.text);
        if (n === 1) {
          held();
          await new Promise<void>((r) => {
            release = r;
          });
        }
        if (n === 3) throw Object.assign(new Error('refused'), { name: 'MessageRejected' });
      },
    };
    const officer = { ...deps, mailer };
    const first = renewDownload(req, 'officer:o', 'admin', NOW, officer);
    await holding;
    expect(await renewDownload((await repo.getRequest(REQUEST_ID)) as StoredRequest, 'officer:o', 'admin', NOW, officer)).toMatchObject({ downloadLink: 3 });
    expect(repo.requests.get(REQUEST_ID)?.outboxOutcome).toBeUndefined();
    await expect(renewDownload((await repo.getRequest(REQUEST_ID)) as StoredRequest, 'officer:o', 'admin', NOW, officer)).rejects.toThrow('could not be sent');
    const owed = repo.requests.get(REQUEST_ID)?.outboxOutcome;
    expect(owed).toBeDefined();
    // SES takes the first click's email at last: its deliverer clears what it owed, and nothing else.
    release();
    await first;
    expect(repo.requests.get(REQUEST_ID)).toMatchObject({ downloadLink: 4, outboxOutcome: owed });
    const report = await sweepOutbox(new Date(NOW.getTime() + (DELIVERY_LEASE_SECONDS + 1) * 1000), officer as never, RUN);
    expect(report.outcomesSent).toEqual([REQUEST_ID]);
    expect(sent.at(-1)).toContain(`http://x/exports/${REQUEST_ID}?token=download-${REQUEST_ID}-4`);
    expect(repo.requests.get(REQUEST_ID)?.outboxOutcome).toBeUndefined();
  });
});

describe('an officer’s notice owed', () => {
  it('starts the contact data’s 30 days after closing only when it closes the request: a refusal does, an extension does not', async () => {
    const extension = setup({ status: 'in_progress', outboxNotice: { ...live('admin'), notice: 'extension', reason: 'Several processors hold records', dueDate: '2026-06-01' } });
    expect(await deliverNotice(extension.req, 'admin', NOW, extension.deps)).toEqual({ sent: true });
    expect(extension.mailer.sent).toHaveLength(1);
    expect(extension.repo.piiExpiry.size).toBe(0);
    const refusal = setup({ status: 'denied', closedAt: CLOSED_AT, outboxNotice: { ...live('admin'), notice: 'refusal', reason: 'excessive' } });
    expect(await deliverNotice(refusal.req, 'admin', NOW, refusal.deps)).toEqual({ sent: true });
    expect(refusal.repo.piiExpiry.get(REQUEST_ID)).toEqual(new Date(Date.parse(CLOSED_AT) + PII_RETENTION_DAYS_AFTER_CLOSE * 86_400_000));
  });
});

describe('a fresh download link', () => {
  it('is never made for a copy that was refused, though its package is still kept for deletion', async () => {
    const { repo, mailer, deps, req } = setup({ type: 'access', status: 'denied', closedAt: CLOSED_AT, exportKey: `exports/${REQUEST_ID}.zip`, purgeResults: { at: CLOSED_AT } });
    expect(await renewDownload(req, 'requester', 'requester', NOW, deps)).toBeUndefined();
    expect(mailer.sent).toEqual([]);
    expect(repo.requests.get(REQUEST_ID)).toEqual(req);
  });
});

describe('a complaint’s acknowledgement owed', () => {
  it('is not mailed to a complaint an officer acknowledged another way meanwhile: the intent is cleared unsent, and not reported as sent', async () => {
    const { repo, mailer, deps, c } = complaintSetup({ status: 'acknowledged', acknowledgedAt: at(-60), acknowledgedBy: 'officer:o' });
    expect(await deliverComplaintAck(c, SWEEPER_OWNER, NOW, deps)).toEqual({ sent: false });
    expect(mailer.sent).toEqual([]);
    expect(repo.complaints.get(COMPLAINT_ID)?.outboxAck).toBeUndefined();
    expect(repo.transitions).toEqual([]);
  });

  it('over the address’s hourly share is put off until the share has room again, for anyone then, and mailed nothing; the share’s last one goes', async () => {
    const over = complaintSetup();
    over.repo.count = ACKS_PER_EMAIL_PER_HOUR + 1;
    expect(await deliverComplaintAck(over.c, SWEEPER_OWNER, NOW, over.deps)).toEqual({ sent: false });
    expect(over.mailer.sent).toEqual([]);
    expect(over.repo.complaints.get(COMPLAINT_ID)).toMatchObject({ status: 'received', outboxAck: { seq: 1, until: '2026-03-20T10:41:00.000Z', owner: '' } });
    const last = complaintSetup();
    last.repo.count = ACKS_PER_EMAIL_PER_HOUR;
    expect(await deliverComplaintAck(last.c, SWEEPER_OWNER, NOW, last.deps)).toEqual({ sent: true });
    expect(last.mailer.sent).toHaveLength(1);
  });

  it('beyond the address’s daily share is not mailed: the complaint stays received, for an officer to acknowledge, and its trail says why, in the write that clears the intent', async () => {
    const over = complaintSetup();
    over.repo.counts['complaint-ack@86400'] = ACKS_PER_EMAIL_PER_DAY + 1;
    expect(await deliverComplaintAck(over.c, SWEEPER_OWNER, NOW, over.deps)).toEqual({ sent: false, dropped: true });
    expect(over.mailer.sent).toEqual([]);
    expect(over.repo.transitions).toEqual([
      {
        to: 'received',
        changes: {},
        event: { at: NOW.toISOString(), actor: 'system', action: 'ack_email_withheld', subject: COMPLAINT_ID, from: 'received', to: 'received', data: { reason: 'address_daily_share' } },
        opts: { remove: ['outboxAck'] },
      },
    ]);
    expect(over.repo.complaints.get(COMPLAINT_ID)).toMatchObject({ status: 'received', acknowledgeBy: '2026-04-17' });
    expect(over.repo.complaints.get(COMPLAINT_ID)?.outboxAck).toBeUndefined();
    // The day's last one goes, within the hour's share.
    const last = complaintSetup();
    last.repo.counts['complaint-ack@86400'] = ACKS_PER_EMAIL_PER_DAY;
    expect(await deliverComplaintAck(last.c, SWEEPER_OWNER, NOW, last.deps)).toEqual({ sent: true });
    expect(last.mailer.sent).toHaveLength(1);
  });

  it('beyond the daily share is not put off hour after hour: it is settled at once, even past the hourly share', async () => {
    const { repo, mailer, deps, c } = complaintSetup();
    repo.count = ACKS_PER_EMAIL_PER_HOUR + 1;
    repo.counts['complaint-ack@86400'] = ACKS_PER_EMAIL_PER_DAY + 1;
    expect(await deliverComplaintAck(c, SWEEPER_OWNER, NOW, deps)).toEqual({ sent: false, dropped: true });
    expect(mailer.sent).toEqual([]);
    expect(repo.transitions.map((t) => t.event.action)).toEqual(['ack_email_withheld']);
    expect(repo.complaints.get(COMPLAINT_ID)?.outboxAck).toBeUndefined();
  });

  it('takes the address’s hourly and daily shares in one use, whether put off or mailed, and counts nothing else: a refused take counts nothing, so only the acknowledgements mailed use the day up', async () => {
    const { repo, mailer, deps, c } = complaintSetup();
    repo.count = ACKS_PER_EMAIL_PER_HOUR + 1;
    expect(await deliverComplaintAck(c, SWEEPER_OWNER, NOW, deps)).toEqual({ sent: false });
    expect(repo.complaints.get(COMPLAINT_ID)?.outboxAck).toMatchObject({ until: '2026-03-20T10:41:00.000Z' });
    repo.count = 1;
    const roomAgain = new Date('2026-03-20T10:41:00.000Z');
    expect(await deliverComplaintAck(structuredClone(repo.complaints.get(COMPLAINT_ID) as StoredComplaint), SWEEPER_OWNER, roomAgain, deps)).toEqual({ sent: true });
    expect(mailer.sent).toHaveLength(1);
    const take = [
      { scope: 'complaint-ack', windowSeconds: 3600, by: 1 },
      { scope: 'complaint-ack', windowSeconds: 86_400, by: 1 },
    ];
    expect(repo.hits).toEqual([...take, ...take]);
  });

  it('withheld while an officer acted on the complaint, has only its intent cleared; any other failure of that write is thrown, the intent kept', async () => {
    const raced = complaintSetup();
    raced.repo.counts['complaint-ack@86400'] = ACKS_PER_EMAIL_PER_DAY + 1;
    raced.repo.failNextComplaintWrite = new ConcurrentUpdate('complaint changed concurrently');
    expect(await deliverComplaintAck(raced.c, SWEEPER_OWNER, NOW, raced.deps)).toEqual({ sent: false, dropped: true });
    expect(raced.mailer.sent).toEqual([]);
    expect(raced.repo.complaints.get(COMPLAINT_ID)?.outboxAck).toBeUndefined();
    const broken = complaintSetup();
    broken.repo.counts['complaint-ack@86400'] = ACKS_PER_EMAIL_PER_DAY + 1;
    broken.repo.failNextComplaintWrite = new Error('throttled');
    await expect(deliverComplaintAck(broken.c, SWEEPER_OWNER, NOW, broken.deps)).rejects.toThrow('throttled');
    expect(broken.mailer.sent).toEqual([]);
    expect(broken.repo.complaints.get(COMPLAINT_ID)?.outboxAck).toMatchObject({ seq: 1 });
  });

  it('mailed, records the complaint acknowledged by email, and when, on its trail, in the write that clears the intent', async () => {
    const { repo, mailer, deps, c } = complaintSetup();
    expect(await deliverComplaintAck(c, SWEEPER_OWNER, NOW, deps)).toEqual({ sent: true });
    expect(mailer.sent.map((m) => m.to)).toEqual(['ann@example.com']);
    expect(repo.transitions).toEqual([
      {
        to: 'acknowledged',
        changes: { acknowledgedAt: NOW.toISOString(), acknowledgedBy: 'email' },
        event: { at: NOW.toISOString(), actor: 'system', action: 'acknowledge', subject: COMPLAINT_ID, from: 'received', to: 'acknowledged', data: { by: 'email' } },
        opts: { remove: ['outboxAck'] },
      },
    ]);
  });

  it('mailed while an officer acted on the complaint, has only its intent cleared; any other failure of that write is thrown', async () => {
    const raced = complaintSetup();
    raced.repo.failNextComplaintWrite = new ConcurrentUpdate('complaint changed concurrently');
    expect(await deliverComplaintAck(raced.c, SWEEPER_OWNER, NOW, raced.deps)).toEqual({ sent: true });
    expect(raced.mailer.sent).toHaveLength(1);
    expect(raced.repo.complaints.get(COMPLAINT_ID)).toMatchObject({ status: 'received' });
    expect(raced.repo.complaints.get(COMPLAINT_ID)?.outboxAck).toBeUndefined();
    const broken = complaintSetup();
    broken.repo.failNextComplaintWrite = new Error('throttled');
    await expect(deliverComplaintAck(broken.c, SWEEPER_OWNER, NOW, broken.deps)).rejects.toThrow('throttled');
    expect(broken.repo.complaints.get(COMPLAINT_ID)?.outboxAck).toMatchObject({ seq: 1 });
  });
});

describe('the team’s email that a request waits for an officer', () => {
  it('is not sent once what the request waited for is over (a held copy released, a copy assembled since), and is cleared; a copy failing after a release still is', async () => {
    const released = setup({ type: 'access', status: 'awaiting_manual', outboxTeam: { ...live('workflow'), waiting: 'held_copy' }, exportRelease: { flaggedBy: ['paynow'], since: at(-600), releasedBy: 'officer:o', releasedAt: at(-60) } });
    expect(await deliverTeam(released.req, 'workflow', NOW, released.deps)).toBe(false);
    const assembled = setup({ type: 'access', status: 'awaiting_manual', outboxTeam: { ...live('workflow'), waiting: 'assembly' } });
    expect(await deliverTeam(assembled.req, 'workflow', NOW, assembled.deps)).toBe(false);
    for (const s of [released, assembled]) {
      expect(s.mailer.sent).toEqual([]);
      expect(s.repo.requests.get(REQUEST_ID)?.outboxTeam).toBeUndefined();
    }
    const failing = setup({
      type: 'access',
      status: 'awaiting_manual',
      outboxTeam: { ...live('workflow'), waiting: 'assembly' },
      exportRelease: { flaggedBy: ['paynow'], since: at(-600), releasedBy: 'officer:o', releasedAt: at(-300) },
      assemblyFailed: { token: 'tok-assembly', at: at(-60), error: 'ResultsUnavailable' },
    });
    expect(await deliverTeam(failing.req, 'workflow', NOW, failing.deps)).toBe(true);
    expect(failing.mailer.sent.map((m) => m.to)).toEqual(['compliance@offtek.example']);
  });

  it('names the providers by the registry’s names, by id one that has left the registry or with no registry at hand, and “a provider” when none is named', async () => {
    const held = (flaggedBy?: string[]) => ({ type: 'access' as const, status: 'awaiting_manual' as const, outboxTeam: { ...live('workflow'), waiting: 'held_copy' as const }, ...(flaggedBy ? { exportRelease: { flaggedBy, since: at(-600) } } : {}) });
    const firstLine = async (s: ReturnType<typeof setup>, processors?: { id: string; name: string }[]) => {
      await deliverTeam(s.req, 'workflow', NOW, { ...s.deps, processors });
      return s.mailer.sent[0].text.split('\n')[0];
    };
    const registry = [
      { id: 'parcelway', name: 'Parcelway Delivery' },
      { id: 'paynow', name: 'PayNow Payments' },
    ];
    expect(await firstLine(setup(held(['paynow', 'gone'])), registry)).toBe(`A copy of data for request ${REQUEST_ID} is held: PayNow Payments, gone flagged other people's data in it (Art. 15(4)).`);
    expect(await firstLine(setup(held(['paynow'])))).toBe(`A copy of data for request ${REQUEST_ID} is held: paynow flagged other people's data in it (Art. 15(4)).`);
    expect(await firstLine(setup(held()), registry)).toBe(`A copy of data for request ${REQUEST_ID} is held: a provider flagged other people's data in it (Art. 15(4)).`);
  });
});

describe('the retry of a copy that could not be assembled', () => {
  it('sends the waiting state its token back only once an officer has retried the copy, and only while the request still waits for it', async () => {
    const failure = { token: 'tok-assembly', at: at(-600), error: 'ResultsUnavailable' };
    const send = async (over: Partial<StoredRequest>) => {
      const workflow = new FakeWorkflow();
      const sent = await deliverAssemblyRetry(storedRequest({ type: 'access', ...over }), { workflow });
      return [sent, workflow.calls];
    };
    expect(await send({ status: 'awaiting_manual' })).toEqual([false, []]);
    expect(await send({ status: 'awaiting_manual', assemblyFailed: failure })).toEqual([false, []]);
    expect(await send({ status: 'cancelled', closedAt: CLOSED_AT, assemblyFailed: { ...failure, retriedAt: at(-60), retriedBy: 'officer:o' } })).toEqual([false, []]);
    expect(await send({ status: 'awaiting_manual', assemblyFailed: { ...failure, retriedAt: at(-60), retriedBy: 'officer:o' } })).toEqual([true, [{ op: 'success', token: 'tok-assembly', output: { retry: true } }]]);
  });
});

describe('the sweeper’s pass over the outbox', () => {
  it('starts the execution of every confirmed request that has none, page after page, and none that has one', async () => {
    const repo = new IndexedRepo();
    const ids = Array.from({ length: 101 }, (_, i) => `01JQ${String(i).padStart(22, '0')}`);
    for (const id of ids) repo.requests.set(id, storedRequest({ id, status: 'verified' }));
    const started: string[] = [];
    const workflow = {
      start: async (id: string) => {
        started.push(id);
        return 'arn';
      },
      describe: async (id: string) => (id === ids[0] ? { status: 'RUNNING' } : undefined),
    };
    const report = await sweepOutbox(NOW, { repo, mailer: new FakeMailer(), workflow, tokens: new Tokens(), baseUrl: 'http://x', linksPerHour: 5, processors: [] } as never, RUN);
    expect(started).toEqual(ids.slice(1));
    expect(report.startedExecutions).toEqual(ids.slice(1));
  });

  it('mails the confirmation links still owed and lists them, and leaves one its writer still holds', async () => {
    const { repo, mailer, deps } = setup({ status: 'unverified', outboxLink: lapsed('intake-1', 2) });
    const held = '01JQ1111111111111111111111';
    repo.requests.set(held, storedRequest({ id: held, status: 'unverified', outboxLink: live('intake-2') }));
    repo.pii.set(held, { email: 'bob@example.com' });
    const report = await sweepOutbox(NOW, deps as never, RUN);
    expect(report.linksSent).toEqual([REQUEST_ID]);
    expect(mailer.sent.map((m) => m.to)).toEqual(['ann@example.com']);
    expect(report.failed).toEqual([]);
  });

  it('tries both emails of a request owing an outcome and a notice, whichever the owed index lists it under, and one SES refuses does not keep the other back', async () => {
    const extension = { ...lapsed('admin', 4), notice: 'extension' as const, reason: 'Several processors hold records', dueDate: '2026-06-01' };
    const subjects = { outcome: 'Your privacy request is complete', notice: 'Your request: more time needed' };
    for (const listed of ['outcome', 'notice'] as const) {
      const other = listed === 'outcome' ? 'notice' : 'outcome';
      const { repo, mailer, deps } = setup({ status: 'completed', closedAt: CLOSED_AT, outboxOutcome: lapsed('workflow', 5), outboxNotice: extension });
      // The owed index has one key: a request owing both is listed under one kind only (test/integration/data/repository.test.ts › keeps a request owing both…).
      repo.listOwed = async (kind) => (kind === listed ? [{ requestId: REQUEST_ID, at: CLOSED_AT }] : []);
      // SES keeps refusing the email the request is listed under.
      const send = mailer.send.bind(mailer);
      mailer.send = async (m) => {
        if (m.subject === subjects[listed]) throw Object.assign(new Error('rejected'), { name: 'MessageRejected' });
        await send(m);
      };
      const report = await sweepOutbox(NOW, deps as never, RUN);
      expect(mailer.sent.map((m) => m.subject), listed).toEqual([subjects[other]]);
      expect(report.failed, listed).toEqual([`${listed}:${REQUEST_ID}`]);
      expect(listed === 'outcome' ? report.noticesSent : report.outcomesSent, listed).toEqual([REQUEST_ID]);
      const after = repo.requests.get(REQUEST_ID);
      expect(after?.[listed === 'outcome' ? 'outboxOutcome' : 'outboxNotice'], listed).toBeDefined();
      expect(after?.[listed === 'outcome' ? 'outboxNotice' : 'outboxOutcome'], listed).toBeUndefined();
    }
  });

  it('tries at most its share of deliveries a run, so that an outage of the mail service cannot keep the passes after it from running; the rest wait for the next run', async () => {
    const { repo, mailer, deps } = setup({ status: 'unverified', outboxLink: lapsed('intake-1', 2) });
    const ids = Array.from({ length: OUTBOX_PER_RUN + 10 }, (_, i) => `01JQ${String(i + 1).padStart(22, '0')}`);
    for (const id of ids) {
      repo.requests.set(id, storedRequest({ id, status: 'unverified', outboxLink: lapsed('intake-1', 2) }));
      repo.pii.set(id, { email: `p${id.slice(-4)}@example.com` });
    }
    // SES refuses everything.
    let tried = 0;
    mailer.send = async () => {
      tried++;
      throw Object.assign(new Error('sending paused'), { name: 'AccountSendingPausedException' });
    };
    const report = await sweepOutbox(NOW, deps as never, RUN);
    expect(tried).toBe(OUTBOX_PER_RUN);
    expect(report.failed).toHaveLength(OUTBOX_PER_RUN);
    expect(report.deliveriesLeft).toBe(ids.length + 1 - OUTBOX_PER_RUN);
  });

  it('spends no try on a link put off until its inbox’s share has room, so that hundreds of them leave the emails after them their turn', async () => {
    const { repo, mailer, deps } = setup({ status: 'completed', closedAt: CLOSED_AT });
    // A stranger's submissions for one inbox (victim+1@, victim+2@…): more links put off than a run has tries.
    for (let i = 1; i <= OUTBOX_PER_RUN + 100; i++) {
      const id = `01JQ${String(i).padStart(22, '0')}`;
      repo.requests.set(id, storedRequest({ id, status: 'unverified', outboxLink: { seq: 1, until: at(20 * 60), owner: '' } }));
      repo.pii.set(id, { email: `victim+${i}@example.com` });
    }
    repo.complaints.set(COMPLAINT_ID, complaint());
    const report = await sweepOutbox(NOW, deps as never, RUN);
    // Until November 29, 2026, an hour after the budget came in, the links spent every try and the acknowledgement never went.
    expect(report.complaintAcksSent).toEqual([COMPLAINT_ID]);
    expect(mailer.sent.map((m) => m.to)).toEqual(['ann@example.com']);
    expect(report.deliveriesLeft).toBe(0);
  });

  it('acknowledges every complaint still owed, page after page', async () => {
    const { repo, mailer, deps } = setup({ status: 'completed', closedAt: CLOSED_AT });
    const ids = ['01JQ3333333333333333333333', '01JQ4444444444444444444444', '01JQ5555555555555555555555'];
    for (const [i, id] of ids.entries()) repo.complaints.set(id, complaint({ id, email: `c${i}@example.com`, ...(i === 1 ? { status: 'acknowledged', outboxAck: undefined } : {}) }));
    const report = await sweepOutbox(NOW, deps as never, RUN);
    expect(report.complaintAcksSent).toEqual([ids[0], ids[2]]);
    expect(mailer.sent.map((m) => m.to)).toEqual(['c0@example.com', 'c2@example.com']);
  });

  it('lists a complaint whose acknowledgement it withheld past the address’s daily share as withheld, not sent', async () => {
    const { repo, mailer, deps } = setup({ status: 'completed', closedAt: CLOSED_AT });
    repo.complaints.set(COMPLAINT_ID, complaint());
    repo.counts['complaint-ack@86400'] = ACKS_PER_EMAIL_PER_DAY + 1;
    const report = await sweepOutbox(NOW, deps as never, RUN);
    expect(mailer.sent).toEqual([]);
    expect([report.complaintAcksSent, report.complaintAcksWithheld]).toEqual([[], [COMPLAINT_ID]]);
    expect(report.failed).toEqual([]);
  });
});

describe('the team email of a request waiting for review, delivered by the sweeper', () => {
  const owed = { status: 'awaiting_review', type: 'rectification', dueDate: '2026-04-20', outboxTeam: { ...lapsed('verify'), waiting: 'correction' } } as const;
  const day = (n: number) => new Date(NOW.getTime() + n * 86_400_000);

  it('gives the contact data its open end where confirming died before keeping it, leaving them the 7 days of an unconfirmed record', async () => {
    const { repo, deps, req } = setup(owed);
    repo.piiExpiry.set(REQUEST_ID, day(5));
    expect(await deliverTeam(req, SWEEPER_OWNER, NOW, deps)).toBe(true);
    expect(repo.piiExpiry.get(REQUEST_ID)).toEqual(new Date('2026-08-18T00:00:00.000Z'));
  });

  it('never lengthens the 30 days a refusal gave them in the moment after the sweeper took the email', async () => {
    const { repo, deps, req } = setup(owed);
    repo.piiExpiry.set(REQUEST_ID, day(30));
    await deliverTeam(req, SWEEPER_OWNER, NOW, deps);
    expect(repo.piiExpiry.get(REQUEST_ID)).toEqual(day(30));
  });
});

describe('an email owed to a request marked “mail failed”', () => {
  const failed = (kind: MailFailure['kind']): MailFailure => ({ kind, at: at(-900), error: 'LimitExceededException' });
  /** The repository's writes after each email SES takes, one list an email (reads left out: a write is what a crash can fall between). */
  function writesAfterEachEmail(s: ReturnType<typeof setup>) {
    const writes: string[][] = [];
    const send = s.mailer.send.bind(s.mailer);
    s.mailer.send = async (m) => {
      await send(m);
      writes.push([]);
    };
    const repo = s.repo;
    s.deps.repo = new Proxy(repo, {
      get(target, name, receiver) {
        const v = Reflect.get(target, name, receiver);
        if (typeof v !== 'function' || typeof name !== 'string' || /^(get|list)/.test(name)) return v;
        return (...args: unknown[]) => {
          writes.at(-1)?.push(name);
          return v.apply(target, args);
        };
      },
    }) as never;
    return writes;
  }
  const deliveries = [
    { what: 'a confirmation link', kind: 'confirmation', over: { status: 'unverified', outboxLink: lapsed('intake') }, deliver: deliverLink, emails: 1 },
    { what: 'an outcome', kind: 'outcome', over: { status: 'completed', closedAt: CLOSED_AT, outboxOutcome: lapsed() }, deliver: deliverOutcome, emails: 1 },
    {
      what: 'an extension queued behind a question',
      kind: 'notice',
      over: { status: 'in_progress', outboxNotice: { ...lapsed('admin'), notice: 'extension', reason: 'Several processors hold records', dueDate: '2026-06-01', earlier: [{ notice: 'clarification', needed: 'Which account?' }] } },
      deliver: deliverNotice,
      emails: 2,
    },
    {
      what: 'the team’s email of a copy given up queued behind its held copy’s',
      kind: 'review',
      over: { type: 'access', status: 'awaiting_manual', outboxTeam: { ...lapsed('sweeper:run-0'), waiting: 'remake', earlier: ['held_copy'] }, exportRelease: { flaggedBy: ['paynow'], since: at(-86_400) }, remakeFailed: { at: at(-60), error: 'ResultsUnavailable', tries: 2, asked: { at: at(-86_400), by: 'officer:o' } } },
      deliver: deliverTeam,
      emails: 2,
    },
    { what: 'the team’s reminder', kind: 'reminder', over: { status: 'in_progress', dueDate: '2026-03-27', outboxAlert: { ...lapsed('sweeper:run-0'), alert: 'reminder-7', dueDate: '2026-03-27', daysLeft: 7 } }, deliver: deliverAlert, emails: 1 },
  ] as const;

  it('clears the mark in the one write that records each email sent or strikes it off its queue, so that no crash falls between the two: a confirmation, an outcome, a notice, the team’s', async () => {
    for (const d of deliveries) {
      const s = setup(structuredClone({ ...d.over, mailFailed: failed(d.kind) }) as Partial<StoredRequest>);
      const writes = writesAfterEachEmail(s);
      await (d.deliver as (r: StoredRequest, o: string, n: Date, deps: unknown) => Promise<unknown>)(s.req, RUN, NOW, s.deps);
      expect.soft(writes.map((w) => w.length), `${d.what}: one write after each email`).toEqual(Array(d.emails).fill(1));
      const after = s.repo.requests.get(REQUEST_ID) as StoredRequest;
      expect(after.mailFailed, `${d.what}: the mark gone`).toBeUndefined();
      expect([after.outboxLink, after.outboxOutcome, after.outboxNotice, after.outboxTeam, after.outboxAlert], `${d.what}: nothing left owed`).toEqual([undefined, undefined, undefined, undefined, undefined]);
    }
  });

  it('keeps a mark of another kind, and writes once after each email all the same', async () => {
    for (const d of deliveries) {
      const other = failed(d.kind === 'outcome' ? 'confirmation' : 'outcome');
      const s = setup(structuredClone({ ...d.over, mailFailed: other }) as Partial<StoredRequest>);
      const writes = writesAfterEachEmail(s);
      await (d.deliver as (r: StoredRequest, o: string, n: Date, deps: unknown) => Promise<unknown>)(s.req, RUN, NOW, s.deps);
      expect(writes.map((w) => w.length), d.what).toEqual(Array(d.emails).fill(1));
      expect(s.repo.requests.get(REQUEST_ID)?.mailFailed, d.what).toEqual(other);
    }
  });
});
