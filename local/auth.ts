import { keepIdleConnections } from './keep-alive.ts';
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider, { errors } from 'oidc-provider';
import { escapeHtml as esc } from '../functions/core/text.ts';
import type { CloudAssembly } from './assembly/assembly.ts';
import { newTotpSecret, verifyTotp } from './totp.ts';

/**
 * The compliance team's sign-in under `npm start`: a stand-in for the Cognito user pool and its
 * managed login, built on `oidc-provider` (a certified OpenID Provider). The console runs the same
 * authorization code + PKCE flow against it as against Cognito:
 *
 * - Cognito's endpoint paths: `/oauth2/authorize`, `/oauth2/token`, `/logout` (with Cognito's
 *   `client_id` and `logout_uri`), and the keys at `<issuer>/.well-known/jwks.json`;
 * - the app client as the template declares it (callback and sign-out URLs, scopes, token
 *   lifetimes), public, PKCE required;
 * - a password, then a TOTP code when the pool requires MFA, as managed login asks;
 * - access tokens shaped like Cognito's: RS256, `token_use: access`, `client_id`, `username`,
 *   `cognito:groups`, `scope`, and no `aud`.
 *
 * The users (officer, viewer), their passwords, TOTP secrets and the signing key persist in
 * `<dataDir>/auth.json`.
 */

export interface LocalUser {
  /** Stable id, a UUID as Cognito's `sub`. */
  readonly sub: string;
  readonly password: string;
  readonly groups: string[];
  /** Base32 TOTP secret, as an authenticator app takes it. */
  readonly totpSecret: string;
}

type Stored = { signingKey: JWK; cookieKeys: string[]; users: Record<string, LocalUser> };

/** What the stand-in takes from the template: the user pool and its app client. */
export interface PoolSettings {
  readonly clientId: string;
  readonly callbackUrls: string[];
  readonly logoutUrls: string[];
  readonly scopes: string[];
  readonly accessTokenSeconds: number;
  readonly idTokenSeconds: number;
  /** The pool requires a software token (TOTP) as second factor. */
  readonly mfa: boolean;
}

/** The resource the console's access tokens are for: the admin API (the indicator never shows in a token). */
const RESOURCE = 'urn:lethe:admin-api';

const pw = () => randomBytes(12).toString('base64url');
const DEMO_USERS: Record<string, string[]> = { officer: ['compliance-officer'], viewer: ['compliance-viewer'] };

async function load(file: string): Promise<Stored> {
  // A data dir from before this stand-in keeps its users' passwords; what is missing is added.
  const old = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<Stored> & { users?: Record<string, Partial<LocalUser>> }) : {};
  let changed = !existsSync(file);
  let signingKey = old.signingKey;
  if (!signingKey) {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    signingKey = { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: 'RS256', use: 'sig' };
    changed = true;
  }
  const cookieKeys = old.cookieKeys ?? [randomBytes(32).toString('base64url')];
  const users: Record<string, LocalUser> = {};
  for (const [name, groups] of Object.entries(DEMO_USERS)) {
    const u: Partial<LocalUser> = old.users?.[name] ?? {};
    users[name] = { sub: u.sub ?? randomUUID(), password: u.password ?? pw(), groups: u.groups ?? groups, totpSecret: u.totpSecret ?? newTotpSecret() };
    if (!u.sub || !u.totpSecret || !u.password) changed = true;
  }
  const stored: Stored = { signingKey, cookieKeys, users };
  if (changed || !old.cookieKeys) writeFileSync(file, JSON.stringify(stored), { mode: 0o600 });
  return stored;
}


/** The stand-in's own pages: plain HTML, no script (except the sign-out hand-off), and an empty icon, or the browser asks for a /favicon.ico the provider answers 404. */
function page(title: string, body: string) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${esc(title)} — Lethe sign-in (local)</title>
<style>
  body{font:16px/1.5 system-ui,sans-serif;background:#eef1f5;color:#1d2733;margin:0;padding:3rem 1rem}
  main{max-width:24rem;margin:auto;background:#fff;border-radius:8px;box-shadow:0 1px 4px #0002;padding:2rem}
  h1{font-size:1.4rem;margin:0 0 .25rem} .note{color:#5a6673;font-size:.85rem;margin:0 0 1.5rem}
  label{display:block;font-weight:600;margin:1rem 0 .25rem}
  input{box-sizing:border-box;width:100%;padding:.55rem;font:inherit;border:1px solid #9aa5b1;border-radius:4px}
  button{margin-top:1.5rem;width:100%;padding:.65rem;font:inherit;font-weight:600;color:#fff;background:#1f5fa8;border:0;border-radius:4px;cursor:pointer}
  .error{color:#b00020;font-weight:600} code{font-size:.85rem}
</style></head>
<body><main>${body}</main></body></html>`;
}

const header = '<p class="note">Local stand-in for Cognito managed login · Lethe</p>';

function loginPage(uid: string, error?: string, username = '') {
  return page(
    'Sign in',
    `<h1>Sign in</h1>${header}
<form method="post" action="/interaction/${uid}/login" autocomplete="off">
  <label for="username">Username</label>
  <input id="username" name="username" autocomplete="username" required autofocus value="${esc(username)}">
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required${error ? ' aria-invalid="true" aria-describedby="error"' : ''}>
  ${error ? `<p id="error" class="error" role="alert">${esc(error)}</p>` : ''}
  <button type="submit">Sign in</button>
</form>`,
  );
}

function mfaPage(uid: string, error?: string) {
  return page(
    'Multi-factor authentication',
    `<h1>Multi-factor authentication</h1>${header}
<form method="post" action="/interaction/${uid}/mfa" autocomplete="off">
  <label for="code">Code from your authenticator app</label>
  <input id="code" name="code" inputmode="numeric" pattern="[0-9 ]{6,7}" autocomplete="one-time-code" required autofocus${error ? ' aria-invalid="true" aria-describedby="error"' : ''}>
  ${error ? `<p id="error" class="error" role="alert">${esc(error)}</p>` : ''}
  <button type="submit">Sign in</button>
</form>`,
  );
}

async function form(req: IncomingMessage): Promise<URLSearchParams> {
  let raw = '';
  for await (const c of req) {
    raw += c;
    if (raw.length > 16_384) break;
  }
  return new URLSearchParams(raw);
}

const sameSecret = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

type Entry = { payload: Record<string, unknown>; expires: number };

/**
 * oidc-provider's store, in memory (sessions and codes need not outlive the process): like its own
 * in-memory adapter, without the start-up warning that it is one.
 */
class MemoryAdapter {
  constructor(
    private readonly model: string,
    private readonly store: Map<string, Entry>,
  ) {}
  private get(key: string) {
    const e = this.store.get(key);
    if (!e || e.expires >= Date.now()) return e?.payload;
    this.store.delete(key);
    return undefined;
  }
  async upsert(id: string, payload: Record<string, unknown>, expiresIn?: number) {
    const expires = expiresIn ? Date.now() + expiresIn * 1000 : Number.POSITIVE_INFINITY;
    this.store.set(`${this.model}:${id}`, { payload, expires });
    if (this.model === 'Session' && typeof payload.uid === 'string') this.store.set(`sessionUid:${payload.uid}`, { payload: { id }, expires });
    if (typeof payload.grantId === 'string') {
      const k = `grant:${payload.grantId}`;
      const keys = (this.get(k)?.keys as string[] | undefined) ?? [];
      this.store.set(k, { payload: { keys: [...keys, `${this.model}:${id}`] }, expires: Number.POSITIVE_INFINITY });
    }
  }
  async find(id: string) {
    return this.get(`${this.model}:${id}`);
  }
  async findByUid(uid: string) {
    const ref = this.get(`sessionUid:${uid}`);
    return ref ? this.find(String(ref.id)) : undefined;
  }
  async findByUserCode() {
    return undefined;
  }
  async consume(id: string) {
    const p = this.get(`${this.model}:${id}`);
    if (p) p.consumed = Math.floor(Date.now() / 1000);
  }
  async destroy(id: string) {
    this.store.delete(`${this.model}:${id}`);
  }
  async revokeByGrantId(grantId: string) {
    for (const k of (this.get(`grant:${grantId}`)?.keys as string[] | undefined) ?? []) this.store.delete(k);
    this.store.delete(`grant:${grantId}`);
  }
}

function configure(issuer: string, s: PoolSettings, stored: Stored) {
  const byName = stored.users;
  const bySub = (sub: string) => Object.entries(byName).find(([, u]) => u.sub === sub);
  const scope = s.scopes.join(' ');
  const store = new Map<string, Entry>();
  return new Provider(issuer, {
    adapter: (model: string) => new MemoryAdapter(model, store),
    clients: [
      {
        client_id: s.clientId,
        client_name: 'Lethe compliance console',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: s.callbackUrls,
        post_logout_redirect_uris: s.logoutUrls,
        scope,
      },
    ],
    jwks: { keys: [stored.signingKey] },
    cookies: { keys: stored.cookieKeys },
    // ID tokens as Cognito's: `aud` is the client, `token_use` is `id`, the user is `cognito:username`.
    claims: { openid: ['sub', 'cognito:username', 'token_use'], profile: [], email: [] },
    findAccount: async (_ctx: unknown, sub: string) => {
      const found = bySub(sub);
      return found && { accountId: sub, claims: async (use: string) => ({ sub, 'cognito:username': found[0], ...(use === 'id_token' ? { token_use: 'id' } : {}) }) };
    },
    features: {
      devInteractions: { enabled: false },
      // Access tokens as JWTs need a resource server; there is one, and it is implied.
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => RESOURCE,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx: unknown, indicator: string) => {
          if (indicator !== RESOURCE) throw new errors.InvalidTarget();
          return { scope, accessTokenFormat: 'jwt', accessTokenTTL: s.accessTokenSeconds, jwt: { sign: { alg: 'RS256' } } };
        },
      },
      rpInitiatedLogout: {
        enabled: true,
        // Cognito's /logout asks nothing: the confirmation form submits itself.
        logoutSource: async (ctx: { body: string }, formHtml: string) => {
          ctx.body = page(
            'Signing out',
            `<h1>Signing out…</h1>${formHtml}<input type="hidden" form="op.logoutForm" name="logout" value="yes"><noscript><button type="submit" form="op.logoutForm">Sign out</button></noscript><script>document.getElementById('op.logoutForm').submit()</script>`,
          );
        },
        postLogoutSuccessSource: async (ctx: { body: string }) => {
          ctx.body = page('Signed out', '<h1>Signed out</h1>');
        },
      },
    },
    pkce: { required: () => true },
    extraTokenClaims: async (_ctx: unknown, token: { kind: string; accountId?: string }) => {
      const found = token.kind === 'AccessToken' && token.accountId ? bySub(token.accountId) : undefined;
      if (!found) return undefined;
      return { token_use: 'access', username: found[0], 'cognito:groups': found[1].groups, version: 2 };
    },
    formats: {
      customizers: {
        // Cognito access tokens have no `aud` (the client is in `client_id`). oidc-provider insists on
        // one before signing, so it stays, but out of the serialized payload.
        jwt: async (_ctx: unknown, _token: unknown, jwt: { header?: Record<string, unknown>; payload: Record<string, unknown> }) => {
          Object.defineProperty(jwt.payload, 'aud', { value: jwt.payload.aud, enumerable: false, writable: true, configurable: true });
          jwt.header = { typ: undefined };
        },
      },
    },
    interactions: { url: async (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    routes: {
      authorization: '/oauth2/authorize',
      token: '/oauth2/token',
      userinfo: '/oauth2/userInfo',
      revocation: '/oauth2/revoke',
      jwks: '/.well-known/jwks.json',
      end_session: '/session/end',
    },
    ttl: { AccessToken: s.accessTokenSeconds, IdToken: s.idTokenSeconds, AuthorizationCode: 300, Interaction: 600, Session: 3600, Grant: 3600 },
    // The console's origin (its callback's) may call the token endpoint from the page.
    clientBasedCORS: (_ctx: unknown, origin: string, client: { redirectUris: string[] }) => client.redirectUris.some((u) => new URL(u).origin === origin),
    renderError: async (ctx: { type: string; body: string }, out: Record<string, string>) => {
      ctx.type = 'html';
      ctx.body = page('Sign-in error', `<h1>Sign-in error</h1><p class="error" role="alert">${esc(out.error ?? 'error')}</p><p>${esc(out.error_description ?? '')}</p>`);
    },
  });
}

export type LocalAuth = Awaited<ReturnType<typeof startLocalAuth>>;

/**
 * Listens first (its origin is the issuer and the managed login domain the template's values
 * resolve to), then serves once `serve()` gets the pool's settings from the template.
 */
export async function startLocalAuth(file: string, port = 0) {
  const stored = await load(file);
  let provider: Provider | undefined;
  let settings: PoolSettings | undefined;
  let handle: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  // The user who gave the right password, per interaction, until the TOTP code comes.
  const passed = new Map<string, string>();

  const html = (res: ServerResponse, status: number, body: string) => res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(body);

  async function interaction(req: IncomingMessage, res: ServerResponse, uid: string, step: string | undefined) {
    const p = provider as Provider;
    const details = await p.interactionDetails(req, res);
    if (details.uid !== uid) return html(res, 400, page('Sign-in error', '<h1>Sign-in error</h1><p>This sign-in page has expired.</p>'));
    if (details.prompt.name === 'consent') {
      // The console is the pool's own app: like managed login, no consent screen.
      const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
      const grant = details.grantId ? await p.Grant.find(details.grantId) : new p.Grant({ accountId: String(details.session?.accountId), clientId: String(details.params.client_id) });
      if (!grant) throw new Error('grant not found');
      if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
      if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
      const grantId = await grant.save();
      return p.interactionFinished(req, res, { consent: details.grantId ? {} : { grantId } }, { mergeWithLastSubmission: true });
    }
    if (req.method === 'GET') return html(res, 200, passed.has(uid) ? mfaPage(uid) : loginPage(uid));
    const body = await form(req);
    if (step === 'login') {
      const name = body.get('username') ?? '';
      const user = stored.users[name];
      if (!user || !sameSecret(body.get('password') ?? '', user.password)) return html(res, 200, loginPage(uid, 'Incorrect username or password.', name));
      if (!settings?.mfa) return p.interactionFinished(req, res, { login: { accountId: user.sub, amr: ['pwd'] } }, { mergeWithLastSubmission: false });
      passed.set(uid, name);
      setTimeout(() => passed.delete(uid), 600_000).unref();
      return res.writeHead(303, { location: `/interaction/${uid}` }).end();
    }
    const name = passed.get(uid);
    if (step === 'mfa' && name) {
      const user = stored.users[name];
      if (!verifyTotp(user.totpSecret, body.get('code') ?? '')) return html(res, 200, mfaPage(uid, 'Invalid code. Enter the current code from your authenticator app.'));
      passed.delete(uid);
      return p.interactionFinished(req, res, { login: { accountId: user.sub, amr: ['pwd', 'mfa'] } }, { mergeWithLastSubmission: false });
    }
    return res.writeHead(303, { location: `/interaction/${uid}` }).end();
  }

  /** Cognito's sign-out endpoint: `client_id` and a registered `logout_uri`; oidc-provider's end_session does the rest. */
  function logout(res: ServerResponse, url: URL) {
    const clientId = url.searchParams.get('client_id') ?? '';
    const to = url.searchParams.get('logout_uri') ?? '';
    if (clientId !== settings?.clientId || !settings.logoutUrls.includes(to)) return html(res, 400, page('Sign-out error', '<h1>Sign-out error</h1><p class="error">Unknown client or sign-out URL.</p>'));
    res.writeHead(302, { location: `/session/end?${new URLSearchParams({ client_id: clientId, post_logout_redirect_uri: to })}` }).end();
  }

  const server = createServer(async (req, res) => {
    try {
      if (!handle) return res.writeHead(503).end();
      const url = new URL(req.url ?? '/', 'http://local');
      const m = /^\/interaction\/([\w-]+)(?:\/(login|mfa))?$/.exec(url.pathname);
      if (m) return await interaction(req, res, m[1], m[2]);
      if (url.pathname === '/logout' && req.method === 'GET') return logout(res, url);
      handle(req, res);
    } catch (e) {
      const expired = e instanceof errors.SessionNotFound;
      if (!res.headersSent) html(res, expired ? 400 : 500, page('Sign-in error', `<h1>Sign-in error</h1><p class="error" role="alert">${expired ? 'This sign-in page has expired. Start again from the console.' : 'Something went wrong.'}</p>`));
      else res.end();
      if (!expired) console.error('local sign-in:', (e as Error).message);
    }
  });
  keepIdleConnections(server);
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    /** The issuer and the managed login origin, in one. */
    url,
    users: stored.users,
    serve(s: PoolSettings) {
      settings = s;
      provider = configure(url, s, stored);
      handle = provider.callback();
    },
    close: () =>
      new Promise<void>((r) => {
        if (!server.listening) return r();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const UNIT_SECONDS: Record<string, number> = { seconds: 1, minutes: 60, hours: 3600, days: 86_400 };

/** The user pool and its app client as the template declares them, resolved to local values. */
export function poolSettings(assembly: CloudAssembly, resolve: (v: unknown) => unknown): PoolSettings {
  const [[, pool] = []] = assembly.resources('AWS::Cognito::UserPool');
  const clients = assembly.resources('AWS::Cognito::UserPoolClient');
  if (!pool || clients.length !== 1) throw new Error('the local sign-in stands in for one user pool with one app client');
  const [[clientId, client]] = clients;
  const c = resolve(client.Properties ?? {}) as {
    AllowedOAuthFlows?: string[];
    AllowedOAuthScopes?: string[];
    CallbackURLs?: string[];
    LogoutURLs?: string[];
    GenerateSecret?: boolean | string;
    AccessTokenValidity?: number;
    IdTokenValidity?: number;
    TokenValidityUnits?: { AccessToken?: string; IdToken?: string };
  };
  if (!c.AllowedOAuthFlows?.includes('code') || String(c.GenerateSecret) === 'true') throw new Error(`app client ${clientId}: only a public client with the authorization code grant runs locally`);
  const p = pool.Properties ?? {};
  return {
    clientId: String(resolve({ Ref: clientId })),
    callbackUrls: c.CallbackURLs ?? [],
    logoutUrls: c.LogoutURLs ?? [],
    scopes: c.AllowedOAuthScopes ?? ['openid'],
    // Cognito's defaults: one hour, counted in hours unless TokenValidityUnits says otherwise.
    accessTokenSeconds: (c.AccessTokenValidity ?? 1) * UNIT_SECONDS[c.TokenValidityUnits?.AccessToken ?? 'hours'],
    idTokenSeconds: (c.IdTokenValidity ?? 1) * UNIT_SECONDS[c.TokenValidityUnits?.IdToken ?? 'hours'],
    mfa: p.MfaConfiguration === 'ON' && (p.EnabledMfas ?? []).includes('SOFTWARE_TOKEN_MFA'),
  };
}
