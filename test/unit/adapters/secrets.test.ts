import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { appKeys, clearSecretCache, originSecret, previousOriginSecret, processorSecrets } from '../../../functions/adapters/secrets.ts';
import { SecretNotConfigured, Unavailable } from '../../../functions/core/errors.ts';
import { logger } from '../../../functions/adapters/powertools.ts';

const sm = mockClient(SecretsManagerClient);
afterEach(() => {
  sm.reset();
  clearSecretCache();
  vi.restoreAllMocks();
});

describe("CloudFront's origin secret", () => {
  const FIRST = 'first-origin-secret-0123456789abcdefghijklmnop';
  const ROTATED = 'rotated-origin-secret-0123456789abcdefghijklmn';

  it('is read once per container, then again after five minutes, so that a rotated secret reaches warm containers', async () => {
    sm.on(GetSecretValueCommand).resolvesOnce({ SecretString: JSON.stringify({ value: FIRST }) }).resolves({ SecretString: JSON.stringify({ value: ROTATED }) });
    const t0 = Date.parse('2026-11-25T12:00:00Z');
    expect(await originSecret(t0)).toBe(FIRST);
    expect(await originSecret(t0 + 4 * 60_000 + 59_000)).toBe(FIRST);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(await originSecret(t0 + 5 * 60_000)).toBe(ROTATED);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('is not kept when it cannot be read, so the next request tries again', async () => {
    sm.on(GetSecretValueCommand).rejectsOnce(new Error('throttled')).resolves({ SecretString: JSON.stringify({ value: FIRST }) });
    const t0 = Date.parse('2026-11-25T12:00:00Z');
    await expect(originSecret(t0)).rejects.toThrow('throttled');
    expect(await originSecret(t0 + 1000)).toBe(FIRST);
  });

  it('refuses a value too short to be a secret', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ value: 'short' }) });
    await expect(originSecret(Date.parse('2026-11-25T12:00:00Z'))).rejects.toThrow();
  });

  it('has its value before the last rotation read by its AWSPREVIOUS stage, none while never rotated, either answer kept five minutes', async () => {
    const previous = { SecretId: 'lethe/origin', VersionStage: 'AWSPREVIOUS' };
    const notFound = Object.assign(new Error("Secrets Manager can't find the specified secret value for staging label: AWSPREVIOUS"), { name: 'ResourceNotFoundException' });
    sm.on(GetSecretValueCommand, previous).rejectsOnce(notFound).resolves({ SecretString: JSON.stringify({ value: FIRST }) });
    const t0 = Date.parse('2026-11-25T12:00:00Z');
    expect(await previousOriginSecret(t0)).toBeUndefined();
    // However many requests come with a wrong header meanwhile, one read.
    expect(await previousOriginSecret(t0 + 4 * 60_000)).toBeUndefined();
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(await previousOriginSecret(t0 + 5 * 60_000)).toBe(FIRST);
    expect(sm.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input)).toEqual([previous, previous]);
  });

  it('has its previous value read again after a failure that says nothing of it', async () => {
    sm.on(GetSecretValueCommand).rejectsOnce(new Error('throttled')).resolves({ SecretString: JSON.stringify({ value: FIRST }) });
    const t0 = Date.parse('2026-11-25T12:00:00Z');
    await expect(previousOriginSecret(t0)).rejects.toThrow('throttled');
    expect(await previousOriginSecret(t0 + 1000)).toBe(FIRST);
  });
});

describe("a processor's signing secrets", () => {
  const OLD = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const NEW = 'whsec_dGhpcyBpcyB0aGUgbmV3IGtleSBvZiAyNCBi';

  it('are read again after five minutes, so that a key rotation reaches warm containers (both keys sign, then only the new one)', async () => {
    sm.on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: JSON.stringify({ secrets: [OLD] }) })
      .resolvesOnce({ SecretString: JSON.stringify({ secrets: [NEW, OLD] }) })
      .resolves({ SecretString: JSON.stringify({ secrets: [NEW] }) });
    const t0 = Date.parse('2026-11-25T12:00:00Z');
    expect(await processorSecrets('lethe/processors/paynow', t0)).toEqual([OLD]);
    expect(await processorSecrets('lethe/processors/paynow', t0 + 4 * 60_000)).toEqual([OLD]);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(await processorSecrets('lethe/processors/paynow', t0 + 5 * 60_000)).toEqual([NEW, OLD]);
    expect(await processorSecrets('lethe/processors/paynow', t0 + 10 * 60_000)).toEqual([NEW]);
  });
});

describe("a processor's signing secrets that cannot be read", () => {
  const REF = 'lethe/processors/paynow';
  const sdkError = (name: string, fault: 'client' | 'server' = 'client') => Object.assign(new Error(name), { name, $fault: fault, $metadata: {} });

  it('are unavailable, a 503 that asks to come back, when Secrets Manager is throttled, times out or fails on its side: not "not configured"', async () => {
    for (const e of [sdkError('ThrottlingException'), sdkError('InternalServiceError', 'server'), Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }), sdkError('AccessDeniedException')]) {
      sm.reset();
      sm.on(GetSecretValueCommand).rejects(e);
      const error = await processorSecrets(REF, Date.parse('2026-11-25T12:00:00Z')).catch((x: unknown) => x);
      expect(error, e.name).toBeInstanceOf(Unavailable);
      expect(error, e.name).toMatchObject({ name: 'SecretUnavailable', status: 503 });
    }
  });

  it('are not configured when there is no secret there: none of that name, one scheduled for deletion, or one that holds no whsec_ key', async () => {
    const cases = [
      () => sm.on(GetSecretValueCommand).rejects(sdkError('ResourceNotFoundException')),
      () => sm.on(GetSecretValueCommand).rejects(sdkError('InvalidRequestException')),
      () => sm.on(GetSecretValueCommand).resolves({ SecretString: '{"secrets":[]}' }),
      () => sm.on(GetSecretValueCommand).resolves({ SecretBinary: new Uint8Array([1]) }),
    ];
    for (const [i, arrange] of cases.entries()) {
      sm.reset();
      clearSecretCache();
      arrange();
      await expect(processorSecrets(REF, Date.parse('2026-11-25T12:00:00Z')), String(i)).rejects.toBeInstanceOf(SecretNotConfigured);
    }
  });

  it('are not configured when a key is shorter than 24 bytes, and the log names the secret, never the key', async () => {
    const short = `whsec_${Buffer.from('sixteen byte key').toString('base64')}`;
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ secrets: [short] }) });
    const warned = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    await expect(processorSecrets(REF, Date.parse('2026-11-25T12:00:00Z'))).rejects.toBeInstanceOf(SecretNotConfigured);
    expect(warned).toHaveBeenCalledWith(expect.stringContaining('24 bytes'), { secretRef: REF });
    expect(JSON.stringify(warned.mock.calls)).not.toContain(short.slice(6, 14));
  });

  it('are read again on the next call after a failed read', async () => {
    sm.on(GetSecretValueCommand).rejectsOnce(sdkError('ThrottlingException')).resolves({ SecretString: JSON.stringify({ secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'] }) });
    const t0 = Date.parse('2026-11-25T12:00:00Z');
    await expect(processorSecrets(REF, t0)).rejects.toMatchObject({ name: 'SecretUnavailable' });
    expect(await processorSecrets(REF, t0 + 1000)).toEqual(['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw']);
  });
});

describe('a secret that is not the JSON Lethe writes (a value pasted by hand)', () => {
  // Node's JSON.parse quotes the start of what it could not read; a function outside the HTTP edge (Plan, Notify, the sweeper) that
  // throws it has its message logged by Lambda and kept in the execution's history.
  const PASTED = 'Zk3pQ9sLx7VbN2mR8tYw4hJc6gFd1aEo5uIy';

  it('fails for the app key naming the secret, never quoting its value', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: PASTED });
    const error = await appKeys().then(() => undefined, (e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error?.message).toContain('is not JSON');
    expect(`${error?.message} ${error?.stack}`).not.toContain(PASTED.slice(0, 6));
  });

  it('fails for the origin secret naming the secret, never quoting its value', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: `{"value": ${PASTED}}` });
    const error = await originSecret(Date.parse('2026-11-25T12:00:00Z')).then(() => undefined, (e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error?.message).toContain('is not JSON');
    expect(`${error?.message} ${error?.stack}`).not.toContain(PASTED.slice(0, 6));
  });
});
