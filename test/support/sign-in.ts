import { createHash, randomBytes } from 'node:crypto';
import { totp } from '../../local/totp.ts';

/** The sign-in settings the site publishes at /config.json, as the console reads them. */
export type ConsoleConfig = {
  region: string;
  userPoolId: string;
  clientId: string;
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  logoutEndpoint: string;
  redirectUri: string;
  scope: string;
};

export type Tokens = { access_token: string; id_token?: string; token_type: string; expires_in: number };

/** A cookie jar for one user agent: name → value, whatever the path (the flow's cookies have distinct names). */
class Jar {
  private readonly cookies = new Map<string, string>();
  take(r: Response) {
    for (const line of r.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      const expired = attrs.some((a) => /^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]) < Date.now()) || attrs.some((a) => /^\s*max-age=0/i.test(a));
      if (!value || expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

const b64url = (b: Buffer) => b.toString('base64url');

export interface SignInOptions {
  readonly username: string;
  readonly password: string;
  /** The TOTP secret, when the pool requires MFA. */
  readonly totpSecret?: string;
  /** A code to type instead of the secret's current one (to see a wrong one refused). */
  readonly totpCode?: string;
  /** Skip the PKCE challenge (to see the stand-in refuse it). */
  readonly withoutPkce?: boolean;
}

/**
 * Signs in as the console does, without a browser: it reads /config.json from the site, sends the
 * user agent to the authorization endpoint with a PKCE challenge, fills in whatever form the
 * sign-in pages show (username and password, then the TOTP code), follows the redirects back to
 * the console's callback, and exchanges the code at the token endpoint. Works against any
 * standards-compliant sign-in whose pages have those fields: under the local runtime, oidc-provider.
 */
export async function signIn(siteUrl: string, o: SignInOptions): Promise<Tokens> {
  const config = (await (await fetch(`${siteUrl}/config.json`)).json()) as ConsoleConfig;
  const verifier = b64url(randomBytes(32));
  const state = b64url(randomBytes(16));
  const jar = new Jar();
  const query = new URLSearchParams({ response_type: 'code', client_id: config.clientId, redirect_uri: config.redirectUri, scope: config.scope, state });
  if (!o.withoutPkce) {
    query.set('code_challenge', b64url(createHash('sha256').update(verifier).digest()));
    query.set('code_challenge_method', 'S256');
  }
  let url = `${config.authorizationEndpoint}?${query}`;
  let init: RequestInit = {};
  for (let hops = 0; hops < 20; hops++) {
    const r = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as object), cookie: jar.header() } });
    jar.take(r);
    init = {};
    const location = r.headers.get('location');
    if (r.status >= 300 && r.status < 400 && location) {
      url = new URL(location, url).href;
      if (!url.startsWith(config.redirectUri)) continue;
      const back = new URL(url).searchParams;
      if (back.get('state') !== state) throw new Error('state mismatch');
      const code = back.get('code');
      if (!code) throw new Error(`sign-in refused: ${back.get('error')} ${back.get('error_description') ?? ''}`);
      const t = await fetch(config.tokenEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', client_id: config.clientId, code, redirect_uri: config.redirectUri, code_verifier: verifier }),
      });
      if (!t.ok) throw new Error(`token endpoint: HTTP ${t.status} ${await t.text()}`);
      return (await t.json()) as Tokens;
    }
    const html = await r.text();
    const form = /<form[^>]*method="post"[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
    const error = /role="alert">([^<]*)</.exec(html)?.[1];
    if (!form || error) throw new Error(`sign-in stopped at ${url} (HTTP ${r.status})${error ? `: ${error}` : ''}`);
    const fields = new URLSearchParams();
    for (const [, name] of form[2].matchAll(/<input[^>]*name="([^"]+)"/g)) {
      const value = name === 'username' ? o.username : name === 'password' ? o.password : name === 'code' ? (o.totpCode ?? totp(o.totpSecret ?? '')) : (new RegExp(`name="${name}"[^>]*value="([^"]*)"`).exec(form[2])?.[1] ?? '');
      fields.set(name, value);
    }
    url = new URL(form[1].replaceAll('&amp;', '&'), url).href;
    init = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: fields.toString() };
  }
  throw new Error('too many redirects');
}

/** A JWT's payload, unverified (tests look at the claims). */
export const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
