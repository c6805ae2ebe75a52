import { afterEach, describe, expect, it, vi } from 'vitest';

/**
 * The status page (web/status.js, plain browser JavaScript) on a stand-in document: every element
 * by id, and fetch answering as the queue says. The page polls its request every 3 seconds while
 * its answer keeps changing, less often once it does not (web/poll.js), until it is closed.
 */
type El = { id: string; lang?: string; textContent: string; hidden: boolean; dataset: Record<string, string>; href: string; children: unknown[]; replaceChildren: (...c: unknown[]) => void; append: (...c: unknown[]) => void };
const el = (id = ''): El => {
  const e: El = { id, textContent: '', hidden: true, dataset: {}, href: '', children: [], replaceChildren: (...c) => void (e.children = c), append: () => {} };
  return e;
};
/** What a screen reader reads of an element: its text, each piece in its own language (undefined: the page's). */
const spoken = (e: El | undefined) => (e?.children.length ? e.children.map((c) => (typeof c === 'string' ? [c, undefined] : [(c as El).textContent, (c as El).lang])) : [[e?.textContent, undefined]]);

function boot(answers: (() => Promise<unknown>)[]) {
  const byId = new Map<string, El>();
  vi.stubGlobal('document', {
    documentElement: { lang: 'fr' },
    title: '',
    getElementById: (id: string) => byId.get(id) ?? byId.set(id, el(id)).get(id),
    querySelector: () => null,
    querySelectorAll: () => [],
    createElement: () => el(),
    visibilityState: 'visible',
    addEventListener: () => {},
  });
  vi.stubGlobal('location', { search: '?id=01JQ0000000000000000000000&token=the-status-token' });
  const calls: string[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      calls.push(url);
      const next = answers.shift();
      if (!next) return new Promise(() => {});
      return next();
    }),
  );
  return { byId, calls };
}

const ok = (status: string) => async () => ({ ok: true, status: 200, json: async () => ({ id: '01JQ0000000000000000000000', type: 'erasure', status, language: 'en', receivedAt: '2026-03-02T10:00:00.000Z', verifiedAt: '2026-03-02T10:05:00.000Z', dueDate: '2026-04-02', extended: false, closedAt: null, paused: false, categories: [], complain: { title: 't', us: 'u', ico: 'i', court: 'c' } }) });
const refused = (status: number) => async () => ({ ok: false, status, json: async () => ({}) });

afterEach(() => {
  vi.useRealTimers();
  // Node's own fetch back, not none: the next test file in this worker may need it.
  vi.unstubAllGlobals();
  vi.resetModules();
});

describe('the status page while it follows a request', () => {
  it('keeps following it through a moment the API is busy or out of reach, and never says the link does not work', async () => {
    vi.useFakeTimers();
    const { byId, calls } = boot([ok('in_progress'), refused(503), async () => Promise.reject(new TypeError('Failed to fetch')), ok('completed')]);
    await import('../../../web/status.js' as string);
    for (let i = 0; i < 4; i++) await vi.advanceTimersByTimeAsync(3_000);
    expect(calls).toHaveLength(4);
    expect(byId.get('error')?.hidden ?? true).toBe(true);
    expect(byId.get('status')?.textContent).toBe('Completed');
  });

  it('says the link has expired or does not work when the API says so, in both languages, the English half marked lang="en" in the French page, and asks again no more', async () => {
    vi.useFakeTimers();
    const { byId, calls } = boot([refused(404)]);
    await import('../../../web/status.js' as string);
    await vi.advanceTimersByTimeAsync(0);
    expect(byId.get('error')?.hidden).toBe(false);
    expect(spoken(byId.get('error'))).toEqual([
      ['Ce lien de suivi a expiré ou ne fonctionne pas.', 'fr'],
      [' / ', undefined],
      ['This status link has expired or does not work.', 'en'],
    ]);
    // How to ask again, in each language, each part marked with its own.
    expect(byId.get('gone')?.hidden).toBe(false);
    expect((byId.get('gone')?.children as El[] | undefined)?.map((c) => c.lang)).toEqual(['fr', 'en']);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls.filter((c) => c.includes('/status'))).toHaveLength(1);
  });
});

describe('the status page’s dates', () => {
  it('writes the first of the month as French does, “1er”, for the deadline and the days received and confirmed', async () => {
    vi.useFakeTimers();
    const french = async () => ({ ok: true, status: 200, json: async () => ({ ...(await (await ok('in_progress')()).json()), language: 'fr', receivedAt: '2026-05-01T10:00:00.000Z', verifiedAt: '2026-05-01T10:05:00.000Z', dueDate: '2026-06-01' }) });
    const { byId } = boot([french]);
    await import('../../../web/status.js' as string);
    await vi.advanceTimersByTimeAsync(0);
    expect([byId.get('received')?.textContent, byId.get('verified')?.textContent, byId.get('due')?.textContent]).toEqual(['1er mai 2026', '1er mai 2026', '1er juin 2026']);
  });
});
