import { afterEach, describe, expect, it, vi } from 'vitest';
import { signWebhook } from '../../../functions/adapters/webhook-signing.ts';
import { checkSuppression } from '../../../functions/callback/suppression.ts';
import { SecretNotConfigured } from '../../../functions/core/errors.ts';
import { logger } from '../../../functions/adapters/powertools.ts';

const SHOP = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const OTHER = 'whsec_dGhpcyBpcyBub3QgdGhlIHNob3Agc2VjcmV0IQ==';
const deps = {
  secretRef: 'lethe/shop',
  secrets: async () => [SHOP],
  emailHash: async (e: string) => `h:${e.trim().toLowerCase()}`,
  scopesOf: async (h: string) => (h === 'h:dave@example.com' ? (['reviews'] as const).slice() : []),
};
const signed = (body: unknown, secret = SHOP) => {
  const raw = JSON.stringify(body);
  return { raw, headers: signWebhook('chk_1', raw, [secret]) };
};

describe('the shop’s signed suppression check (Art. 21(3))', () => {
  afterEach(() => vi.restoreAllMocks());

  it('answers that an objector’s address may not go to the review provider, and that it may go to marketing', async () => {
    const a = signed({ email: 'Dave@Example.com', purpose: 'reviews' });
    expect(await checkSuppression(a.raw, a.headers, deps)).toEqual({ purpose: 'reviews', suppressed: true });
    const b = signed({ email: 'dave@example.com', purpose: 'marketing' });
    expect(await checkSuppression(b.raw, b.headers, deps)).toEqual({ purpose: 'marketing', suppressed: false });
  });

  it('refuses a call not signed with the shop’s secret with 401, before reading the list', async () => {
    let read = false;
    const c = signed({ email: 'dave@example.com', purpose: 'reviews' }, OTHER);
    await expect(checkSuppression(c.raw, c.headers, { ...deps, scopesOf: async () => ((read = true), []) })).rejects.toMatchObject({ status: 401, message: 'signature not valid' });
    await expect(checkSuppression(c.raw, {}, deps)).rejects.toMatchObject({ status: 401 });
    expect(read).toBe(false);
  });

  it('refuses a webhook-timestamp that is not all digits with 401, before reading the list', async () => {
    let read = false;
    const c = signed({ email: 'dave@example.com', purpose: 'reviews' });
    const headers = { ...c.headers, 'webhook-timestamp': `${c.headers['webhook-timestamp']}abc` };
    await expect(checkSuppression(c.raw, headers, { ...deps, scopesOf: async () => ((read = true), []) })).rejects.toMatchObject({ status: 401, message: 'signature not valid' });
    expect(read).toBe(false);
  });

  it('answers a signed question that is not JSON with a field-level 400, not a 401', async () => {
    const raw = 'email=dave@example.com&purpose=reviews';
    await expect(checkSuppression(raw, signWebhook('chk_2', raw, [SHOP]), deps)).rejects.toMatchObject({ status: 400, issues: [{ path: '(body)', message: 'body is not valid JSON' }] });
  });

  it('answers a signed but malformed question with a field-level 400', async () => {
    const d = signed({ email: 'not an address', purpose: 'spam' });
    await expect(checkSuppression(d.raw, d.headers, deps)).rejects.toMatchObject({ status: 400, issues: [{ path: 'email' }, { path: 'purpose' }] });
  });

  it('answers 503 SecretNotConfigured, not a conflict, when the shop’s secret holds no key, before reading the list, and logs the secret’s name only', async () => {
    const warned = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    let read = false;
    const c = signed({ email: 'dave@example.com', purpose: 'reviews' });
    const unset = { ...deps, secrets: () => Promise.reject(new SecretNotConfigured('processor secret lethe/shop holds no usable whsec_ key')), scopesOf: async () => ((read = true), []) };
    await expect(checkSuppression(c.raw, c.headers, unset)).rejects.toMatchObject({ status: 503, name: 'SecretNotConfigured' });
    expect(read).toBe(false);
    expect(warned.mock.calls).toEqual([['suppression check refused: the shop secret is not configured', { secretRef: 'lethe/shop' }]]);
  });
});
