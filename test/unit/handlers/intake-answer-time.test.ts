import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/*
 * The intake function's answers through its handler, on fake timers: a 202 takes as long whichever
 * path produced it (a new request mailing its link, a repeat joining an open one and mailing nothing,
 * a link SES refused, a complaint), so its time cannot tell a stranger that an address has a request open.
 */
const FLOOR = 750;
vi.stubEnv('ANSWER_FLOOR_MS', String(FLOOR));
vi.stubEnv('RATE_LIMIT_IP_PER_HOUR', '3');

const h = vi.hoisted(() => ({ repo: undefined as unknown, mailer: undefined as unknown }));
vi.mock('../../../functions/shared/deps.ts', async (orig) => (await import('./intake-fakes.ts')).intakeHandlerFakes(h).deps(orig));
vi.mock('../../../functions/shared/crypto.ts', async (orig) => ({ ...(await orig()), ...(await import('./intake-fakes.ts')).sayingCrypto }));
vi.mock('../../../functions/adapters/secrets.ts', async (orig) => ({ ...(await orig()), originSecret: async () => 'origin' }));
vi.mock('../../../functions/adapters/tokens.ts', async (orig) => ({ ...(await orig()), VerificationTokens: (await import('./intake-fakes.ts')).Tokens }));
vi.mock('../../../functions/adapters/mailer.ts', async () => (await import('./intake-fakes.ts')).intakeHandlerFakes(h).mailer());

const { handler } = await import('../../../functions/intake/handler.ts');
const { ORIGIN_HEADER } = await import('../../../functions/core/edge.ts');
const { logger } = await import('../../../functions/adapters/powertools.ts');
type Repo = InstanceType<typeof import('./intake-fakes.ts').IntakeRepo>;
type Mailer = InstanceType<typeof import('../processors/fakes.ts').FakeMailer>;
const repo = () => h.repo as Repo;
const mailer = () => h.mailer as Mailer;

type Answer = { statusCode: number; body?: string };
function post(route: '/requests' | '/complaints', body: unknown, sourceIp = '203.0.113.7'): Promise<Answer> {
  const event = {
    routeKey: `POST ${route}`,
    rawPath: route,
    headers: { [ORIGIN_HEADER]: 'origin', 'content-type': 'application/json' },
    body: JSON.stringify(body),
    requestContext: { http: { method: 'POST', sourceIp } },
  };
  return (handler as unknown as (e: unknown, c: unknown) => Promise<Answer>)(event, {});
}

/** Whether the answer had come 1 ms before the floor, and whether it had at the floor. */
async function timed(answer: Promise<Answer>) {
  let answered = false;
  const result = answer.then((r) => {
    answered = true;
    return r;
  });
  await vi.advanceTimersByTimeAsync(FLOOR - 1);
  const before = answered;
  await vi.advanceTimersByTimeAsync(1);
  return { before, at: answered, result: await result };
}

/** Whether the answer came without any time passing. */
async function atOnce(answer: Promise<Answer>) {
  let answered = false;
  const result = answer.then((r) => {
    answered = true;
    return r;
  });
  await vi.advanceTimersByTimeAsync(0);
  const now = answered;
  await vi.advanceTimersByTimeAsync(FLOOR);
  return { now, result: await result };
}

const erasure = (email: string) => ({ type: 'erasure', email, language: 'en' });

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-03-20T10:00:00.000Z') });
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});
afterAll(() => {
  vi.unstubAllEnvs();
});

describe('how long intake takes to answer', () => {
  it('answers a new request, which writes and mails its link, and a repeat joining it, which mails nothing, each no sooner than the configured floor', async () => {
    // The fakes live as long as the module: the other tests' requests and mail may be there already, in any order.
    const [requests, sent] = [repo().requests.size, mailer().sent.length];
    const fresh = await timed(post('/requests', erasure('ann@example.com')));
    const repeat = await timed(post('/requests', erasure('ann@example.com')));
    // Two kinds of work: one request written, one link mailed, for the two submissions.
    expect(repo().requests.size - requests).toBe(1);
    expect(mailer().sent.length - sent).toBe(1);
    for (const t of [fresh, repeat]) {
      expect(t.result.statusCode).toBe(202);
      expect(t.before).toBe(false);
      expect(t.at).toBe(true);
    }
    expect(repeat.result.body).toBe(fresh.result.body);
  });

  it('answers no sooner than the floor when the link could not be mailed and is left owed for the sweeper', async () => {
    vi.spyOn(logger, 'error').mockImplementation(() => {});
    vi.spyOn(mailer(), 'send').mockRejectedValueOnce(Object.assign(new Error('throttled'), { name: 'TooManyRequestsException' }));
    const t = await timed(post('/requests', erasure('bea@example.com')));
    expect(t.result.statusCode).toBe(202);
    expect(t.before).toBe(false);
    expect([...repo().requests.values()].find((r) => r.emailHash === 'email:bea@example.com')?.outboxLink).toBeDefined();
  });

  it('answers the complaint form no sooner than the floor either', async () => {
    const t = await timed(post('/complaints', { email: 'cy@example.com', text: 'You never answered my erasure request.', language: 'en' }));
    expect(t.result.statusCode).toBe(202);
    expect(t.before).toBe(false);
    expect(t.at).toBe(true);
  });

  it('answers a form error at once: it is decided before any address is looked up, so it tells nothing about one', async () => {
    const t = await atOnce(post('/requests', { type: 'forget-me', email: 'not-an-email', language: 'en' }));
    expect(t.result.statusCode).toBe(400);
    expect(t.now).toBe(true);
  });

  it('answers a client address past its hourly limit at once: the limit is counted before any address is looked up', async () => {
    const ip = '198.51.100.9';
    for (let i = 0; i < 3; i++) expect((await timed(post('/requests', erasure(`limit-${i}@example.com`), ip))).result.statusCode).toBe(202);
    const t = await atOnce(post('/requests', erasure('limit-3@example.com'), ip));
    expect(t.result.statusCode).toBe(429);
    expect(t.now).toBe(true);
  });
});
