import { describe, expect, it, vi } from 'vitest';
import { sha256 } from '../../../functions/core/audit.ts';
import { derivedToken, emailHash, hmac, newToken, orderHash, sameHash } from '../../../functions/shared/crypto.ts';

vi.mock('../../../functions/adapters/secrets.ts', () => ({ appKeys: async () => ({ hmacKey: 'k'.repeat(32) }) }));

describe('tokens and hashes', () => {
  it('a new token is 32 random bytes, URL-safe, never the same twice', () => {
    const a = newToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(newToken()).not.toBe(a);
  });

  it('two hashes of different lengths are unequal, not an error (a download link whose request kept no token hash)', () => {
    expect(sameHash('', sha256('tok'))).toBe(false);
    expect(sameHash(sha256('tok').slice(1), sha256('tok'))).toBe(false);
    expect(sameHash(sha256('tok'), sha256('tok'))).toBe(true);
  });

  // Stored hashes and mailed links depend on these exact values: a change would orphan every stored email hash and every link already mailed.
  it('an email address is hashed with the app key, case and surrounding spaces aside, to the same value as before', async () => {
    const stored = '3f658177407409ab8e95873bd928886468c459f006b41a9581a4309d639c7e42';
    expect(await emailHash('ann.lee@example.com')).toBe(stored);
    expect(await emailHash('  Ann.Lee@Example.COM ')).toBe(stored);
  });

  it('an order number is hashed as typed, case and surrounding spaces aside, apart from an email address with the same text', async () => {
    const stored = '65220ee49376063a0c4f9af7092ac81ad627d440fd26204e82ef355944b1fc85';
    expect(await orderHash('AB-1234')).toBe(stored);
    expect(await orderHash(' ab-1234 ')).toBe(stored);
    expect(await emailHash('ab-1234')).not.toBe(await orderHash('ab-1234'));
    expect(await hmac('ab-1234')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a link’s token is the same whenever it is derived again, and differs by purpose and by each part', async () => {
    const verify = await derivedToken('verify', 'r1', '1');
    expect(verify).toBe('vOE27WzK_xq4WPF7VTgRbPMtlyGFow3kGY4ZEd8XBkY');
    expect(await derivedToken('verify', 'r1', '1')).toBe(verify);
    expect(await derivedToken('status', 'r1', '1')).not.toBe(verify);
    expect(await derivedToken('verify', 'r1', '2')).not.toBe(verify);
    expect(await derivedToken('verify', 'r1', '12')).not.toBe(await derivedToken('verify', 'r11', '2'));
  });
});
