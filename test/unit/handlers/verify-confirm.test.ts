import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { VerifyRecord } from '../../../functions/adapters/tokens.ts';
import type { AuditInput } from '../../../functions/core/audit.ts';
import type { RequestStatus } from '../../../functions/core/model.ts';
import type { StoredRequest } from '../../../functions/core/ports.ts';
import { FakeRepo, FakeTokens, fixedClock, REQUEST_ID, storedRequest } from '../processors/fakes.ts';

// The status link's token is derived from the app key and its purpose (Secrets Manager); here it says what it was derived from.
vi.mock('../../../functions/shared/crypto.ts', async (original) => ({ ...(await original<object>()), derivedToken: async (purpose: string, ...parts: string[]) => `${purpose}-${parts.join('-')}` }));
const { sha256 } = await import('../../../functions/shared/crypto.ts');
const { confirm, preview } = await import('../../../functions/verify/confirm.ts');
type VerifyDeps = import('../../../functions/verify/confirm.ts').VerifyDeps;
const { logger } = await import('../../../functions/adapters/powertools.ts');

// 2 March 2026, 10:00 UTC.
const NOW = '2026-03-02T10:00:00.000Z';
const TOKEN = 'link-token';
const STATUS_HREF = `/status.html?id=${REQUEST_ID}&token=status-${REQUEST_ID}`;

/** FakeRepo that also keeps the options of each request write (DynamoDB's TTL removal is not modelled by FakeRepo). */
class VerifyRepo extends FakeRepo {
  writeOptions: Record<string, unknown>[] = [];
  override async transitionRequest(prev: StoredRequest, to: RequestStatus, changes: Record<string, unknown>, event: AuditInput, opts: { ttl?: Date; remove?: string[]; removeTtl?: boolean } = {}) {
    this.writeOptions.push(opts);
    return super.transitionRequest(prev, to, changes, event, opts);
  }
}

let repo: VerifyRepo;
let tokens: FakeTokens;
let mailFails: boolean;
/** The team email's intent as it stood when the email went out. */
let owedWhenSent: unknown[];
let deps: VerifyDeps;

/** An unverified request (version 1) with its link, as intake leaves them; `statusTokenHash` matches the status link's token. */
function given(req: Partial<StoredRequest>, link: Partial<VerifyRecord> = {}) {
  repo.requests.set(REQUEST_ID, storedRequest({ status: 'unverified', verifiedAt: undefined, dueDate: undefined, version: 1, statusTokenHash: sha256(`status-${REQUEST_ID}`), ...req }));
  repo.pii.set(REQUEST_ID, { email: 'ada@example.com' });
  tokens.records.set(sha256(TOKEN), { requestId: REQUEST_ID, expiresAt: '2026-03-03T09:00:00.000Z', attempts: 0, ...link });
}
const request = () => repo.requests.get(REQUEST_ID) as StoredRequest;

beforeEach(() => {
  repo = new VerifyRepo();
  tokens = new FakeTokens();
  mailFails = false;
  owedWhenSent = [];
  deps = {
    repo: repo as unknown as VerifyDeps['repo'],
    tokens: tokens as unknown as VerifyDeps['tokens'],
    customers: { find: async () => undefined, authenticate: async () => false },
    workflow: { start: async (id: string) => `arn:execution:${id}`, taskSuccess: async () => {}, taskFailure: async () => {}, heartbeat: async () => {} },
    clock: fixedClock(NOW),
    mailer: {
      send: async () => {
        owedWhenSent.push(structuredClone(repo.requests.get(REQUEST_ID)?.outboxTeam));
        if (mailFails) {
          const e = new Error('rate exceeded');
          e.name = 'Throttling';
          throw e;
        }
      },
    },
    baseUrl: 'https://privacy.example',
  };
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('the link’s pages and the status page', () => {
  it('point at the status page with the token derived for the request’s status link', async () => {
    given({});
    expect(await preview(TOKEN, deps)).toEqual({
      kind: 'ask',
      lang: 'en',
      askPassword: false,
      asks: { eraseWarranty: false, objections: [] },
      request: { id: REQUEST_ID, type: 'erasure', status: 'unverified', receivedAt: '2026-03-01T09:00:00.000Z', verifiedAt: undefined, dueDate: undefined, closedAt: undefined, statusHref: STATUS_HREF },
    });
  });

  it('do not point at the status page once an officer’s resend gave the request another status token', async () => {
    given({ statusTokenHash: sha256('status-token-of-the-resend') });
    expect(((await preview(TOKEN, deps)) as { request: { statusHref?: string } }).request.statusHref).toBeUndefined();
  });
});

describe('a link that cannot be read', () => {
  it('is invalid, with no language, when unknown', async () => {
    expect(await preview('no-such-link', deps)).toEqual({ kind: 'invalid' });
    expect(await confirm('no-such-link', undefined, deps)).toEqual({ kind: 'invalid' });
  });

  it('is invalid, with no language, when its request is gone (erased at the end of its retention)', async () => {
    given({});
    repo.requests.delete(REQUEST_ID);
    expect(await preview(TOKEN, deps)).toEqual({ kind: 'invalid' });
    expect(await confirm(TOKEN, undefined, deps)).toEqual({ kind: 'invalid' });
  });
});

describe('a link whose request was confirmed (by it or by another of its links)', () => {
  it('says “already confirmed” once it has expired, at its very expiry included, rather than that it is invalid', async () => {
    for (const expiresAt of ['2026-03-02T10:00:00.000Z', '2026-03-01T10:00:00.000Z']) {
      given({ status: 'in_progress', verifiedAt: '2026-03-01T09:05:00.000Z', dueDate: '2026-04-01' }, { expiresAt });
      expect(await preview(TOKEN, deps)).toMatchObject({ kind: 'already', lang: 'en', request: { status: 'in_progress', statusHref: STATUS_HREF } });
    }
  });

  it('says “already confirmed” to a request left waiting for an officer, and sends the team email still owed (a crash after confirming)', async () => {
    given({ type: 'rectification', status: 'awaiting_review', version: 2, verifiedAt: NOW, dueDate: '2026-04-02', outboxTeam: { seq: 2, until: '2026-03-02T09:00:00.000Z', owner: 'an-earlier-invocation', waiting: 'correction' } });
    expect(await confirm(TOKEN, undefined, deps)).toMatchObject({ kind: 'already', lang: 'en', request: { status: 'awaiting_review' } });
    expect(owedWhenSent).toHaveLength(1);
    expect(request().outboxTeam).toBeUndefined();
    expect(request().version).toBe(2);
  });
});

describe('a link whose request was confirmed, once its requester’s contact data has ended', () => {
  it('answers as an unknown link, though DynamoDB has not deleted the data yet: the status page it would point at works no more, and it says nothing more of the request', async () => {
    // Refused two hours after it was confirmed: the contact data ends 30 days on, on 31 March, before this link's record (30 days past its 24 hours).
    given({ status: 'denied', verifiedAt: '2026-03-01T09:05:00.000Z', dueDate: '2026-04-01', closedAt: '2026-03-01T11:00:00.000Z' });
    repo.piiExpiry.set(REQUEST_ID, new Date('2026-03-31T11:00:00.000Z'));
    deps.clock = fixedClock('2026-03-31T11:00:00.000Z');
    expect(await preview(TOKEN, deps)).toMatchObject({ kind: 'already', request: { statusHref: STATUS_HREF } });
    deps.clock = fixedClock('2026-03-31T11:00:01.000Z');
    expect(await preview(TOKEN, deps)).toEqual({ kind: 'invalid' });
    expect(await confirm(TOKEN, undefined, deps)).toEqual({ kind: 'invalid' });
    repo.pii.delete(REQUEST_ID);
    expect(await preview(TOKEN, deps)).toEqual({ kind: 'invalid' });
    expect(await confirm(TOKEN, undefined, deps)).toEqual({ kind: 'invalid' });
  });
});

describe('the password asked of an account holder for a copy of data', () => {
  it('is not asked when the shop has no account for the address', async () => {
    given({ type: 'access' });
    expect(await preview(TOKEN, deps)).toMatchObject({ kind: 'ask', askPassword: false });
  });

  it('is not asked when the request’s personal data is gone', async () => {
    given({ type: 'access' });
    repo.pii.delete(REQUEST_ID);
    expect(await preview(TOKEN, deps)).toMatchObject({ kind: 'ask', askPassword: false });
  });
});

describe('confirming a request that waits for an officer', () => {
  it('records the team email owed with the request’s new version as its number, and drops the link still owed and the TTL in the same write', async () => {
    given({ type: 'rectification', outboxLink: { seq: 1, until: '2026-03-02T09:00:00.000Z', owner: '' } } as Partial<StoredRequest>);
    mailFails = true;
    vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    expect(await confirm(TOKEN, undefined, deps)).toMatchObject({ kind: 'confirmed' });
    expect(request()).toMatchObject({ status: 'awaiting_review', version: 2, outboxTeam: { seq: 2, waiting: 'correction' } });
    expect(request()).not.toHaveProperty('outboxLink');
    expect(repo.writeOptions).toEqual([{ removeTtl: true, remove: ['outboxLink'] }]);
  });

  it('still confirms when the team email cannot be sent, and logs it as left for the sweeper by the error’s name', async () => {
    given({ type: 'erasure', agent: { relationship: 'parent', proof: 'parental_responsibility' } });
    mailFails = true;
    const error = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    expect(await confirm(TOKEN, undefined, deps)).toMatchObject({ kind: 'confirmed', request: { status: 'awaiting_review' } });
    expect(error).toHaveBeenCalledWith('team email left owed for the sweeper', { requestId: REQUEST_ID, error: 'MailFailed' });
  });
});
