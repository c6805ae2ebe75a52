import { beforeEach, describe, expect, it, vi } from 'vitest';

// The shop's account service, as verify and plan ask it: each call a signed POST through the webhook sender.
const h = vi.hoisted(() => ({ answer: { status: 200, body: '', headers: {} } as { status: number; body: string; headers: Record<string, string> } }));
vi.mock('../../../functions/adapters/webhook-sender.ts', () => ({ safeRequest: async () => h.answer }));
vi.mock('../../../functions/adapters/secrets.ts', () => ({ processorSecrets: async () => [`whsec_${Buffer.alloc(32, 1).toString('base64')}`] }));

const { DirectoryUnavailable, HttpsCustomerDirectory } = await import('../../../functions/adapters/customers.ts');
const { statusOf } = await import('../../../functions/shared/http.ts');

const directory = new HttpsCustomerDirectory('https://accounts.shop.example', 'lethe/directory');

beforeEach(() => {
  h.answer = { status: 200, body: '', headers: {} };
});

describe('the shop’s account service answering outside its contract', () => {
  it('is unavailable (a 503 to the requester, a retry in Plan) when its answer is not JSON, and names none of it', async () => {
    h.answer = { status: 200, body: '<html>maintenance for ada@example.com</html>', headers: {} };
    for (const call of [() => directory.find('ada@example.com'), () => directory.authenticate('ada@example.com', 'pw')]) {
      const e = await call().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(DirectoryUnavailable);
      expect(statusOf(e)).toBe(503);
      expect((e as Error).message).not.toContain('ada@');
    }
  });

  it('reads a JSON answer in the contract', async () => {
    h.answer = { status: 200, body: JSON.stringify({ ok: true }), headers: {} };
    await expect(directory.authenticate('ada@example.com', 'pw')).resolves.toBe(true);
  });
});
