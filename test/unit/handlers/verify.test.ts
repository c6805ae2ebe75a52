import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { VerifyRecord } from '../../../functions/adapters/tokens.ts';
import type { StoredRequest } from '../../../functions/core/ports.ts';
import { sha256 } from '../../../functions/shared/crypto.ts';
import { confirm, preview, type VerifyDeps } from '../../../functions/verify/confirm.ts';
import { FakeRepo, FakeTokens, fixedClock, REQUEST_ID, storedRequest } from '../processors/fakes.ts';

// The clock of every test: 2 March 2026, 10:00 UTC. A link confirmed then is due 2 April 2026.
const NOW = '2026-03-02T10:00:00.000Z';

// The status link's token is derived from the app's key (Secrets Manager); a fixed one here.
vi.mock('../../../functions/shared/crypto.ts', async (original) => ({ ...(await original<object>()), derivedToken: async () => 'status-token' }));
const TOKEN = 'link-token';
const PASSWORD = 'correct horse battery staple';

/** FakeRepo with rolling-window counters, as DynamoRepository keeps them: past the limit nothing is written. */
class VerifyRepo extends FakeRepo {
  uses = new Map<string, number[]>();
  override async hitRolling(scope: string, hash: string, windowSeconds: number, limit: number, now: Date, by: 1 | -1 = 1) {
    const k = `${scope}|${hash}`;
    const t = now.getTime();
    const inWindow = (this.uses.get(k) ?? []).filter((u) => u > t - windowSeconds * 1000);
    if (by === 1 && inWindow.length >= limit) return { count: inWindow.length + 1 };
    const i = inWindow.lastIndexOf(t);
    const next = by === 1 ? [...inWindow, t] : i < 0 ? inWindow : inWindow.toSpliced(i, 1);
    this.uses.set(k, next);
    return { count: next.length };
  }
}
/** Each request's personal-data expiry as set, in ISO form. */
const piiExpiry = () => [...repo.piiExpiry].map(([id, at]) => ({ id, at: at?.toISOString() ?? null }));

let repo: VerifyRepo;
let tokens: FakeTokens;
let starts: string[];
/** The emails verify sent (the team's, when a confirmed request waits for an officer). */
let sent: { to: string; subject: string; text: string }[];
let owedWhenSent: { waiting?: string; status?: string }[];
/** What the shop's account service knows of the requester's address; it alone checks the password. */
let account: { hasAccount: boolean; closedOn: string | null; accountingRecords: boolean; lifetimeWarranty: boolean } | undefined;
let deps: VerifyDeps;

function given(req: Partial<StoredRequest>, link: Partial<VerifyRecord> = {}) {
  repo.requests.set(REQUEST_ID, storedRequest({ status: 'unverified', verifiedAt: undefined, dueDate: undefined, version: 1, ...req }));
  repo.pii.set(REQUEST_ID, { email: 'ada@example.com' });
  tokens.records.set(sha256(TOKEN), { requestId: REQUEST_ID, expiresAt: '2026-03-03T09:00:00.000Z', attempts: 0, ...link });
}
/** What the link says when opened again (GET, which never writes). */
const reopened = async () => (await preview(TOKEN, deps)).kind;
const request = () => repo.requests.get(REQUEST_ID) as StoredRequest;

beforeEach(() => {
  repo = new VerifyRepo();
  tokens = new FakeTokens();
  starts = [];
  sent = [];
  owedWhenSent = [];
  account = undefined;
  deps = {
    repo: repo as unknown as VerifyDeps['repo'],
    tokens: tokens as unknown as VerifyDeps['tokens'],
    customers: { find: async () => account, authenticate: async (_email: string, password: string) => Boolean(account?.hasAccount) && password === PASSWORD },
    workflow: {
      start: async (id: string) => {
        starts.push(id);
        return `arn:execution:${id}`;
      },
      taskSuccess: async () => {},
      taskFailure: async () => {},
      heartbeat: async () => {},
    },
    clock: fixedClock(NOW),
    mailer: {
      send: async (m) => {
        const r = repo.requests.get(REQUEST_ID);
        owedWhenSent.push({ waiting: r?.outboxTeam?.waiting, status: r?.status });
        sent.push({ to: m.to, subject: m.subject, text: m.text });
      },
    },
    baseUrl: 'https://privacy.example',
  };
});

describe('confirming a link', () => {
  it('verifies the request, starts its clock and its execution, keeps its personal data 120 days past the deadline, and burns the link', async () => {
    given({});
    await expect(confirm(TOKEN, undefined, deps)).resolves.toMatchObject({ kind: 'confirmed', lang: 'en', request: { id: REQUEST_ID, dueDate: '2026-04-02' } });
    expect(request()).toMatchObject({ status: 'verified', verifiedAt: NOW, dueDate: '2026-04-02', version: 2 });
    expect(request().audit.at(-1)).toMatchObject({ actor: 'requester', action: 'verify', from: 'unverified', to: 'verified', data: { dueDate: '2026-04-02', accountChecked: false } });
    expect(piiExpiry()).toEqual([{ id: REQUEST_ID, at: '2026-07-31T00:00:00.000Z' }]);
    expect(starts).toEqual([REQUEST_ID]);
    expect(await reopened()).toBe('already');
    // Confirming again starts nothing twice (the execution is named by the request) and verifies nothing again.
    await expect(confirm(TOKEN, undefined, deps)).resolves.toMatchObject({ kind: 'already', request: { dueDate: '2026-04-02' } });
    expect(request().version).toBe(2);
  });

  it.each([
    ['2026-03-02T10:00:00.000Z', 'expiring this very moment'],
    ['2026-03-02T09:59:59.999Z', 'expired a millisecond ago'],
    ['2026-02-28T10:00:00.000Z', 'expired two days ago'],
  ])('refuses a link %s (%s) and changes nothing', async (expiresAt) => {
    given({}, { expiresAt });
    // Said in the request's language.
    await expect(confirm(TOKEN, undefined, deps)).resolves.toEqual({ kind: 'invalid', lang: 'en' });
    await expect(preview(TOKEN, deps)).resolves.toEqual({ kind: 'invalid', lang: 'en' });
    expect(request()).toMatchObject({ status: 'unverified', version: 1 });
    expect(starts).toEqual([]);
  });

  it('holds a confirmed correction for an officer to review: its clock starts, its execution does not', async () => {
    given({ type: 'rectification', details: { eraseWarranty: false, objections: [], rectification: { field: 'my name', correction: 'Ada King' } } });
    await expect(confirm(TOKEN, undefined, deps)).resolves.toMatchObject({ kind: 'confirmed' });
    expect(request()).toMatchObject({ status: 'awaiting_review', verifiedAt: NOW, dueDate: '2026-04-02' });
    expect(request().audit.at(-1)).toMatchObject({ action: 'verify', from: 'unverified', to: 'awaiting_review' });
    expect(starts).toEqual([]);
    expect(await reopened()).toBe('already');
    // Confirmed again, the link says it was confirmed.
    await expect(confirm(TOKEN, undefined, deps)).resolves.toMatchObject({ kind: 'already' });
  });

  it('tells the compliance team a correction waits for review, by reference only, and clears the intent it recorded with the status change', async () => {
    given({ type: 'rectification', details: { eraseWarranty: false, objections: [], rectification: { field: 'my name', correction: 'Ada King' } } });
    await confirm(TOKEN, undefined, deps);
    expect(sent).toEqual([
      {
        to: 'compliance@offtek.example',
        subject: `Correction to review (request ${REQUEST_ID})`,
        text: [
          `A confirmed correction, request ${REQUEST_ID}, waits for an officer (Art. 16, 19).`,
          "Read the requester's words in the console and approve the corrected value of each field, or refuse it. No provider is sent anything until then.",
          'The answer is due by 2026-04-02; the clock runs while it waits.',
          '',
          'In the console:',
          `https://privacy.example/console.html#/requests/${REQUEST_ID}`,
        ].join('\n'),
      },
    ]);
    // Never the requester's address or words.
    expect(JSON.stringify(sent)).not.toMatch(/ada@example\.com|Ada King|my name/);
    // Recorded as owed in the write that made it wait, and cleared once sent.
    expect(owedWhenSent).toEqual([{ waiting: 'correction', status: 'awaiting_review' }]);
    expect(request().outboxTeam).toBeUndefined();
  });

  it('keeps the team email owed when the mail service fails, and still confirms the requester', async () => {
    given({ type: 'rectification', details: { eraseWarranty: false, objections: [], rectification: { field: 'my name', correction: 'Ada King' } } });
    deps.mailer = { send: async () => Promise.reject(Object.assign(new Error('throttled'), { name: 'Throttling' })) };
    await expect(confirm(TOKEN, undefined, deps)).resolves.toMatchObject({ kind: 'confirmed' });
    expect(request()).toMatchObject({ status: 'awaiting_review', outboxTeam: { waiting: 'correction' }, mailFailed: { kind: 'review', error: 'Throttling' } });
  });


  it('answers the requester confirmed when Step Functions refuses the start for a moment, and leaves the execution to the sweeper', async () => {
    given({});
    deps.workflow.start = async () => Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    // The confirmation is recorded: an error page would read as nothing done, and the next press already says it was.
    await expect(confirm(TOKEN, undefined, deps)).resolves.toMatchObject({ kind: 'confirmed', request: { dueDate: '2026-04-02' } });
    expect(request()).toMatchObject({ status: 'verified', verifiedAt: NOW });
    await expect(confirm(TOKEN, undefined, deps)).resolves.toMatchObject({ kind: 'already' });
  });
  it('holds a confirmed request made by an authorised agent for an officer to check the proof of authority, and tells the team', async () => {
    given({ type: 'erasure', agent: { relationship: 'solicitor', proof: 'power_of_attorney' } });
    await expect(confirm(TOKEN, undefined, deps)).resolves.toMatchObject({ kind: 'confirmed' });
    expect(request()).toMatchObject({ status: 'awaiting_review', verifiedAt: NOW, dueDate: '2026-04-02' });
    expect(request().audit.at(-1)).toMatchObject({ action: 'verify', from: 'unverified', to: 'awaiting_review' });
    expect(starts).toEqual([]);
    expect(sent.map((m) => [m.to, m.subject])).toEqual([['compliance@offtek.example', `Authorised agent to check (request ${REQUEST_ID})`]]);
    expect(sent[0].text).toContain('was made by a solicitor acting for the person');
    expect(sent[0].text).toContain('The agent declares they hold a power of attorney.');
    expect(owedWhenSent).toEqual([{ waiting: 'agent', status: 'awaiting_review' }]);
  });

  it.each([
    ['a correction', { type: 'rectification', details: { eraseWarranty: false, objections: [], rectification: { field: 'my name', correction: 'Ada King' } } }],
    ['an agent’s request', { type: 'erasure', agent: { relationship: 'solicitor', proof: 'power_of_attorney' } }],
  ] as const)('keeps the personal data of %s waiting for an officer 120 days past the deadline, not the 7 days of an unconfirmed one', async (_, req) => {
    given(req as Partial<StoredRequest>);
    await confirm(TOKEN, undefined, deps);
    expect(request().status).toBe('awaiting_review');
    // Due 2 April 2026: the outcome (or a refusal) is mailed to that address after the officer's review.
    expect(piiExpiry()).toEqual([{ id: REQUEST_ID, at: '2026-07-31T00:00:00.000Z' }]);
  });

  it('owes no team email for a request that does not wait for an officer', async () => {
    given({});
    await confirm(TOKEN, undefined, deps);
    expect(sent).toEqual([]);
    expect(request().outboxTeam).toBeUndefined();
  });

  it('accepts a link that expires a millisecond from now', async () => {
    given({}, { expiresAt: '2026-03-02T10:00:00.001Z' });
    await expect(confirm(TOKEN, undefined, deps)).resolves.toMatchObject({ kind: 'confirmed' });
  });

  it('refuses an unknown link', async () => {
    given({});
    // No request to take a language from: the page uses the browser's.
    await expect(confirm('another-token', undefined, deps)).resolves.toEqual({ kind: 'invalid' });
    expect(request().status).toBe('unverified');
  });

  it.each(['denied', 'cancelled', 'expired'] as const)('refuses a link to a %s request, saying the request is closed, starts nothing and leaves the link as it was', async (status) => {
    given({ status });
    await expect(confirm(TOKEN, undefined, deps)).resolves.toEqual({ kind: 'closed', lang: 'en' });
    expect(request()).toMatchObject({ status, version: 1 });
    expect(starts).toEqual([]);
    expect(piiExpiry()).toEqual([]);
  });

  it.each(['denied', 'cancelled', 'expired'] as const)('says a link to a request %s before it was confirmed is of a closed request when it is opened (GET), rather than offer to confirm it, and asks the account service nothing', async (status) => {
    given({ status, type: 'access' });
    account = { hasAccount: true, closedOn: null, accountingRecords: false, lifetimeWarranty: false };
    const asked: string[] = [];
    deps.customers = { ...deps.customers, find: async (email: string) => (asked.push(email), account) };
    await expect(preview(TOKEN, deps)).resolves.toEqual({ kind: 'closed', lang: 'en' });
    expect(asked).toEqual([]);
  });

  it('answers a second press of the button whose write lost the race to the first (a double click) as already confirmed, and starts the execution once', async () => {
    given({});
    // The first press's confirmation lands between this one's read and its write.
    repo.beforeRequestWrite = (r) => {
      const first = r.requests.get(REQUEST_ID) as StoredRequest;
      r.requests.set(REQUEST_ID, { ...first, status: 'verified', verifiedAt: '2026-03-02T09:59:59.000Z', dueDate: '2026-04-02', version: first.version + 1 });
    };
    await expect(confirm(TOKEN, undefined, deps)).resolves.toMatchObject({ kind: 'already', lang: 'en', request: { status: 'verified', dueDate: '2026-04-02' } });
    expect(request()).toMatchObject({ status: 'verified', verifiedAt: '2026-03-02T09:59:59.000Z', version: 2 });
    expect(starts).toEqual([REQUEST_ID]);
  });

  it('still confirms when another write to the unconfirmed request (a fresh link recorded) lands between its read and its write', async () => {
    given({});
    repo.beforeRequestWrite = (r) => {
      const was = r.requests.get(REQUEST_ID) as StoredRequest;
      r.requests.set(REQUEST_ID, { ...was, linkSeq: 2, version: was.version + 1 });
    };
    await expect(confirm(TOKEN, undefined, deps)).resolves.toMatchObject({ kind: 'confirmed', lang: 'en' });
    expect(request()).toMatchObject({ status: 'verified', verifiedAt: NOW, linkSeq: 2, version: 3 });
    expect(starts).toEqual([REQUEST_ID]);
  });

  it('starts the execution again, without a second verification, when a confirmation died after verifying (the same link, retried), and says it was confirmed already', async () => {
    given({ status: 'verified', verifiedAt: '2026-03-02T09:00:00.000Z', dueDate: '2026-04-02', version: 2 });
    await expect(confirm(TOKEN, undefined, deps)).resolves.toMatchObject({ kind: 'already', lang: 'en', request: { dueDate: '2026-04-02' } });
    expect(request()).toMatchObject({ status: 'verified', verifiedAt: '2026-03-02T09:00:00.000Z', version: 2 });
    expect(request().audit).toEqual([]);
    expect(starts).toEqual([REQUEST_ID]);
    expect(piiExpiry()).toEqual([{ id: REQUEST_ID, at: '2026-07-31T00:00:00.000Z' }]);
  });

  it.each(['in_progress', 'awaiting_manual', 'completed', 'denied'] as const)('answers a link to a confirmed request that is now %s as already confirmed, starting nothing and writing nothing', async (status) => {
    given({ status, verifiedAt: '2026-03-02T09:00:00.000Z', dueDate: '2026-04-02', version: 3 });
    await expect(confirm(TOKEN, undefined, deps)).resolves.toMatchObject({ kind: 'already', lang: 'en', request: { dueDate: '2026-04-02', status } });
    await expect(preview(TOKEN, deps)).resolves.toMatchObject({ kind: 'already', lang: 'en', request: { status } });
    expect(starts).toEqual([]);
    expect(piiExpiry()).toEqual([]);
    expect(request().version).toBe(3);
  });

  it('answers a link mailed before another that confirmed the request as already confirmed, even once it has expired', async () => {
    given({ status: 'in_progress', verifiedAt: '2026-03-01T09:00:00.000Z', dueDate: '2026-04-01', version: 3 }, { expiresAt: '2026-03-01T08:00:00.000Z' });
    await expect(confirm(TOKEN, undefined, deps)).resolves.toMatchObject({ kind: 'already', lang: 'en' });
  });
});

describe('the account password of an access request', () => {
  beforeEach(() => {
    account = { hasAccount: true, closedOn: null, accountingRecords: true, lifetimeWarranty: false };
  });

  it('asks an account holder for the password on GET, and not for an erasure', async () => {
    given({ type: 'access' });
    await expect(preview(TOKEN, deps)).resolves.toMatchObject({ kind: 'ask', lang: 'en', request: { type: 'access' }, askPassword: true });
    given({ type: 'erasure' });
    await expect(preview(TOKEN, deps)).resolves.toMatchObject({ kind: 'ask', lang: 'en', request: { type: 'erasure' }, askPassword: false });
  });

  it('confirms with the right password and records that the account was checked', async () => {
    given({ type: 'access' });
    await expect(confirm(TOKEN, PASSWORD, deps)).resolves.toMatchObject({ kind: 'confirmed' });
    expect(request().audit.at(-1)?.data).toEqual({ dueDate: '2026-04-02', accountChecked: true });
  });

  it('asks again after a wrong password, counting the attempt, and keeps the link', async () => {
    given({ type: 'access' });
    await expect(confirm(TOKEN, 'wrong', deps)).resolves.toMatchObject({ kind: 'ask', lang: 'en', request: { type: 'access' }, askPassword: true, error: true });
    expect(tokens.records.get(sha256(TOKEN))?.attempts).toBe(1);
    expect(request()).toMatchObject({ status: 'unverified', version: 1 });
    expect(starts).toEqual([]);
  });

  it('locks the link at the fifth wrong password, so that even the right one no longer works', async () => {
    given({ type: 'access' });
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push((await confirm(TOKEN, `guess-${i}`, deps)).kind);
    expect(answers).toEqual(['ask', 'ask', 'ask', 'ask', 'locked']);
    expect(tokens.records.get(sha256(TOKEN))?.attempts).toBe(5);
    await expect(confirm(TOKEN, PASSWORD, deps)).resolves.toEqual({ kind: 'locked', lang: 'en' });
    expect(request()).toMatchObject({ status: 'unverified', version: 1 });
    expect(starts).toEqual([]);
  });

  it('refuses a link that already has 5 wrong attempts on it, and confirms one with 4', async () => {
    given({ type: 'access' }, { attempts: 5 });
    await expect(confirm(TOKEN, PASSWORD, deps)).resolves.toEqual({ kind: 'locked', lang: 'en' });
    given({ type: 'access' }, { attempts: 4 });
    await expect(confirm(TOKEN, PASSWORD, deps)).resolves.toMatchObject({ kind: 'confirmed' });
  });

  it('tries no more than 5 passwords on one link, even when they all arrive at once', async () => {
    given({ type: 'access' });
    const tried: string[] = [];
    const check = deps.customers.authenticate;
    deps.customers.authenticate = async (email, password) => {
      tried.push(password);
      return check(email, password);
    };
    const guesses = [...Array.from({ length: 9 }, (_, i) => `guess-${i}`), PASSWORD];
    const answers = await Promise.all(guesses.map((g) => confirm(TOKEN, g, deps)));
    expect(tried.length).toBeLessThanOrEqual(5);
    expect(answers.filter((a) => a.kind === 'confirmed')).toEqual([]);
    // Those past the count are told the link is locked, in the request's language.
    expect(answers.slice(tried.length).every((a) => a.kind === 'ask' || (a.kind === 'locked' && a.lang === 'en'))).toBe(true);
    expect(answers.filter((a) => a.kind === 'locked').length).toBeGreaterThan(0);
    expect(request()).toMatchObject({ status: 'unverified', version: 1 });
    await expect(confirm(TOKEN, PASSWORD, deps)).resolves.toEqual({ kind: 'locked', lang: 'en' });
  });

  it('counts the day’s wrong passwords by inbox, so that another spelling of the same address (ann+1@) gets no tries of its own', async () => {
    given({ type: 'access', emailHash: 'hash-of-ann', inboxHash: 'inbox-of-ann' });
    for (let i = 0; i < 5; i++) await confirm(TOKEN, `guess-${i}`, deps);
    const OTHER = '01JQ0000000000000000000009';
    repo.requests.set(OTHER, storedRequest({ id: OTHER, type: 'access', status: 'unverified', verifiedAt: undefined, dueDate: undefined, version: 1, emailHash: 'hash-of-ann+1', inboxHash: 'inbox-of-ann' }));
    repo.pii.set(OTHER, { email: 'ada+1@example.com' });
    tokens.records.set(sha256('other-link'), { requestId: OTHER, expiresAt: '2026-03-03T09:00:00.000Z', attempts: 0 });
    const tried: string[] = [];
    deps.customers.authenticate = async (_email, password) => {
      tried.push(password);
      return false;
    };
    await expect(confirm('other-link', 'guess-5', deps)).resolves.toEqual({ kind: 'locked', lang: 'en' });
    expect(tried).toEqual([]);
  });

  it('does not count a password the account service could not check', async () => {
    given({ type: 'access' });
    deps.customers.authenticate = async () => {
      throw new Error('directory down');
    };
    await expect(confirm(TOKEN, PASSWORD, deps)).rejects.toThrow('directory down');
    expect(tokens.records.get(sha256(TOKEN))?.attempts).toBe(0);
    // Nor against the address's tries of the day: an outage of the account service locks nobody out.
    expect([...repo.uses.values()]).toEqual([[]]);
  });

  it('gives another link of the address no tries once 5 passwords were tried on its links that day, and asks the account service nothing more', async () => {
    given({ type: 'access', emailHash: 'hash-of-ada' });
    for (let i = 0; i < 5; i++) await confirm(TOKEN, `guess-${i}`, deps);
    // A fresh link, as sending the form again 10 minutes later mails one: a record of its own, with no wrong password on it.
    tokens.records.set(sha256('fresh-link'), { requestId: REQUEST_ID, expiresAt: '2026-03-03T10:10:00.000Z', attempts: 0 });
    const tried: string[] = [];
    deps.customers.authenticate = async (_email, password) => {
      tried.push(password);
      return password === PASSWORD;
    };
    await expect(confirm('fresh-link', 'guess-5', deps)).resolves.toEqual({ kind: 'locked', lang: 'en' });
    await expect(confirm('fresh-link', PASSWORD, deps)).resolves.toEqual({ kind: 'locked', lang: 'en' });
    expect(tried).toEqual([]);
    expect(tokens.records.get(sha256('fresh-link'))?.attempts).toBe(0);
    expect(request()).toMatchObject({ status: 'unverified', version: 1 });
    // A day after those tries the address has its tries again.
    deps.clock = fixedClock('2026-03-03T10:00:01.000Z');
    await expect(confirm('fresh-link', PASSWORD, deps)).resolves.toMatchObject({ kind: 'confirmed' });
  });

  it('gives an address no more than 5 tries in any 24 hours, so that midnight does not bring 5 more', async () => {
    given({ type: 'access', emailHash: 'hash-of-ada' });
    deps.clock = fixedClock('2026-03-02T23:50:00.000Z');
    for (let i = 0; i < 5; i++) await confirm(TOKEN, `guess-${i}`, deps);
    tokens.records.set(sha256('fresh-link'), { requestId: REQUEST_ID, expiresAt: '2026-03-03T23:55:00.000Z', attempts: 0 });
    const tried: string[] = [];
    deps.customers.authenticate = async (_email, password) => {
      tried.push(password);
      return password === PASSWORD;
    };
    // Twenty minutes later, past midnight in London and in UTC alike.
    deps.clock = fixedClock('2026-03-03T00:10:00.000Z');
    await expect(confirm('fresh-link', 'guess-5', deps)).resolves.toEqual({ kind: 'locked', lang: 'en' });
    await expect(confirm('fresh-link', PASSWORD, deps)).resolves.toEqual({ kind: 'locked', lang: 'en' });
    expect(tried).toEqual([]);
    deps.clock = fixedClock('2026-03-03T23:50:01.000Z');
    await expect(confirm('fresh-link', PASSWORD, deps)).resolves.toMatchObject({ kind: 'confirmed' });
  });

  it('confirms nothing for an account holder who sends no password: it asks for it, and the request stays unverified', async () => {
    given({ type: 'access' });
    await expect(confirm(TOKEN, undefined, deps)).resolves.toMatchObject({ kind: 'ask', askPassword: true, error: true });
    await expect(confirm(TOKEN, '', deps)).resolves.toMatchObject({ kind: 'ask', askPassword: true, error: true });
    expect(request()).toMatchObject({ status: 'unverified', version: 1 });
    expect(starts).toEqual([]);
  });

  it('says a link locked by 5 wrong passwords is locked when it is opened again (GET), not that it asks for the password', async () => {
    given({ type: 'access' }, { attempts: 5 });
    await expect(preview(TOKEN, deps)).resolves.toEqual({ kind: 'locked', lang: 'en' });
    given({ type: 'access' }, { attempts: 4 });
    await expect(preview(TOKEN, deps)).resolves.toMatchObject({ kind: 'ask', askPassword: true });
  });

  it('asks no password of a former customer whose account is closed', async () => {
    account = { hasAccount: false, closedOn: '2025-01-01', accountingRecords: true, lifetimeWarranty: false };
    given({ type: 'access' });
    await expect(confirm(TOKEN, undefined, deps)).resolves.toMatchObject({ kind: 'confirmed' });
  });
});
