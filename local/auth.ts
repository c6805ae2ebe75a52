import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';

/**
 * The compliance team's sign-in under `npm start`: a stand-in for the Cognito user pool. It issues
 * the same kind of JWT (issuer, audience, `cognito:groups`), so the admin handler runs the very same
 * check it runs on AWS; only the issuer and its keys come from configuration.
 */
type Stored = { privateJwk: JWK; publicJwk: JWK; users: Record<string, { password: string; groups: string[] }> };

export async function startLocalAuth(file: string, issuer: string, audience: string) {
  let stored: Stored;
  if (existsSync(file)) {
    stored = JSON.parse(readFileSync(file, 'utf8'));
  } else {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const pw = () => randomBytes(12).toString('base64url');
    stored = {
      privateJwk: await exportJWK(privateKey),
      publicJwk: { ...(await exportJWK(publicKey)), kid: 'local-1', alg: 'ES256', use: 'sig' },
      users: { officer: { password: pw(), groups: ['compliance-officer'] }, viewer: { password: pw(), groups: ['compliance-viewer'] } },
    };
    writeFileSync(file, JSON.stringify(stored), { mode: 0o600 });
  }
  const key = await importJWK(stored.privateJwk, 'ES256');
  const issue = (username: string, groups: string[]) =>
    new SignJWT({ 'cognito:groups': groups, 'cognito:username': username })
      .setProtectedHeader({ alg: 'ES256', kid: 'local-1' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject(username)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key);

  const routes = {
    [`${new URL(issuer).pathname}/.well-known/jwks.json`]: (_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [stored.publicJwk] }));
    },
    [`${new URL(issuer).pathname}/login`]: async (req: IncomingMessage, res: ServerResponse) => {
      let raw = '';
      for await (const c of req) raw += c;
      const { username = '', password = '' } = (() => {
        try {
          return JSON.parse(raw) as { username?: string; password?: string };
        } catch {
          return {};
        }
      })();
      const user = stored.users[username];
      const ok = user && password.length === user.password.length && timingSafeEqual(Buffer.from(password), Buffer.from(user.password));
      if (!ok) return res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"wrong username or password"}');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: await issue(username, user.groups), groups: user.groups }));
    },
  };
  return { routes, users: stored.users, issue };
}
