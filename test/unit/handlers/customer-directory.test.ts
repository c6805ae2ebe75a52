import { beforeEach, describe, expect, it, vi } from 'vitest';

// The shop's account service, as verify and plan ask it: each call a signed POST through the webhook sender.
const h = vi.hoisted(() => ({ answer: { status: 200, body: '', headers: {} } as { status: number; body: string; headers: Record<string, string> }, sent: [] as { url: string; body: string }[] }));
vi.mock('../../../functions/adapters/webhook-sender.ts', () => ({
  safeRequest: async (_method: string, url: string, o: { body: string }) => {
    h.sent.push({ url, body: o.body });
    return h.answer;
  },
}));
vi.mock('../../../functions/adapters/secrets.ts', () => ({ processorSecrets: async () => [`whsec_${Buffer.alloc(32, 1).toString('base64')}`] }));

const { DirectoryUnavailable, HttpsCustomerDirectory } = await import('../../../functions/adapters/customers.ts');
const { statusOf } = await import('../../../functions/shared/http.ts');

const directory = new HttpsCustomerDirectory('https://accounts.shop.example', 'lethe/directory');

beforeEach(() => {
  h.answer = { status: 200, body: '', headers: {} };
  h.sent = [];
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

describe('the shop’s account service asked whether an order is the address’s', () => {
  const found = { exists: true, closedOn: null, accountingRecords: true, lifetimeWarranty: false };

  it('asks lookup about the order number only when one is given', async () => {
    h.answer = { status: 200, body: JSON.stringify(found), headers: {} };
    await directory.find('ada@example.com');
    await directory.find('ada@example.com', 'OT-1');
    expect(h.sent.map((s) => [s.url, JSON.parse(s.body)])).toEqual([
      ['https://accounts.shop.example/lookup', { email: 'ada@example.com' }],
      ['https://accounts.shop.example/lookup', { email: 'ada@example.com', orderNumber: 'OT-1' }],
    ]);
  });

  it('reads orderNumber true as an order of the address, and false or no answer as not', async () => {
    for (const [orderNumber, owns] of [[true, true], [false, false], [undefined, false]] as const) {
      h.answer = { status: 200, body: JSON.stringify({ ...found, orderNumber }), headers: {} };
      expect((await directory.find('ada@example.com', 'OT-1'))?.ownsOrder, String(orderNumber)).toBe(owns);
    }
  });

  it('says nothing of an order it was not asked about', async () => {
    h.answer = { status: 200, body: JSON.stringify({ ...found, orderNumber: true }), headers: {} };
    expect(await directory.find('ada@example.com')).not.toHaveProperty('ownsOrder');
  });

  it('is unavailable when orderNumber is not a boolean', async () => {
    h.answer = { status: 200, body: JSON.stringify({ ...found, orderNumber: 'yes' }), headers: {} };
    await expect(directory.find('ada@example.com', 'OT-1')).rejects.toBeInstanceOf(DirectoryUnavailable);
  });
});
