import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// The admin handler's check of the console's tokens (functions/adapters/auth.ts), against an issuer
// that serves its keys over plain http as the local stand-in does, with tokens shaped as Cognito's.
let server: Server;
let issuer: string;
let sign: (claims: JWTPayload, opts?: { kid?: string; iss?: string }) => Promise<string>;
let authenticate: (typeof import('../../../functions/adapters/auth.ts'))['authenticate'];
const CLIENT = 'console-client-id';

beforeAll(async () => {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  server = createServer((req, res) => {
    if (req.url === '/pool/.well-known/jwks.json') return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/pool`;
  sign = (claims, opts = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: opts.kid ?? 'k1' })
      .setIssuer(opts.iss ?? issuer)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(privateKey);
  vi.stubEnv('ADMIN_JWT_ISSUER', issuer);
  vi.stubEnv('ADMIN_CLIENT_ID', CLIENT);
  vi.resetModules();
  ({ authenticate } = await import('../../../functions/adapters/auth.ts'));
});
afterAll(() => {
  vi.unstubAllEnvs();
  server?.close();
});

/** A Cognito access token: `client_id`, `token_use`, `username`, `cognito:groups`, `scope`, and no `aud`. */
const access = (extra: JWTPayload = {}) =>
  sign({ sub: '6f1c2d3e-uuid', token_use: 'access', client_id: CLIENT, username: 'officer', 'cognito:groups': ['compliance-officer'], scope: 'openid profile email', ...extra });

describe('the admin API’s token check', () => {
  it('accepts a Cognito access token (no aud) and names the user by its username claim', async () => {
    await expect(authenticate(`Bearer ${await access()}`)).resolves.toEqual({ sub: 'officer', roles: ['viewer', 'officer'] });
    await expect(authenticate(`Bearer ${await access({ username: 'viewer', 'cognito:groups': ['compliance-viewer'] })}`)).resolves.toEqual({ sub: 'viewer', roles: ['viewer'] });
  });

  it('refuses an ID token, even one for the console (aud = the client)', async () => {
    const id = await sign({ sub: 'x', token_use: 'id', aud: CLIENT, 'cognito:username': 'officer', 'cognito:groups': ['compliance-officer'] });
    await expect(authenticate(`Bearer ${id}`)).rejects.toThrow('sign in first');
  });

  it('refuses another app client’s token, a token without a compliance group, one from another issuer or signed by another key', async () => {
    for (const token of [
      await access({ client_id: 'another-client' }),
      await access({ 'cognito:groups': ['shop-staff'] }),
      await access({ 'cognito:groups': undefined }),
      await sign({ token_use: 'access', client_id: CLIENT, username: 'officer', 'cognito:groups': ['compliance-officer'] }, { iss: `${issuer}-other` }),
      await sign({ token_use: 'access', client_id: CLIENT, username: 'officer', 'cognito:groups': ['compliance-officer'] }, { kid: 'unknown' }),
    ]) {
      await expect(authenticate(`Bearer ${token}`)).rejects.toThrow('sign in first');
    }
    await expect(authenticate(undefined)).rejects.toThrow('sign in first');
    await expect(authenticate('Bearer not.a.jwt')).rejects.toThrow('sign in first');
  });
});
