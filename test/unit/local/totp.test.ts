import { describe, expect, it } from 'vitest';
import { base32, newTotpSecret, otpauthUri, totp, verifyTotp } from '../../../local/totp.ts';

describe('TOTP of the local sign-in stand-in', () => {
  // RFC 6238, appendix B: the SHA-1 secret "12345678901234567890"; 6 digits are the last six of the 8-digit values.
  const secret = base32(Buffer.from('12345678901234567890'));

  it('gives the RFC 6238 test vectors', () => {
    expect(totp(secret, 59_000)).toBe('287082');
    expect(totp(secret, 1_111_111_109_000)).toBe('081804');
    expect(totp(secret, 1_234_567_890_000)).toBe('005924');
    expect(totp(secret, 20_000_000_000_000)).toBe('353130');
  });

  it('accepts the current code and its neighbours only', () => {
    const s = newTotpSecret();
    const now = Date.now();
    expect(verifyTotp(s, totp(s, now), now)).toBe(true);
    expect(verifyTotp(s, totp(s, now - 30_000), now)).toBe(true);
    expect(verifyTotp(s, totp(s, now - 90_000), now)).toBe(false);
    expect(verifyTotp(s, '', now)).toBe(false);
    expect(otpauthUri('Lethe (local)', 'officer', s)).toMatch(/^otpauth:\/\/totp\/Lethe%20\(local\)%3Aofficer\?secret=[A-Z2-7]{32}&issuer=/);
  });
});
