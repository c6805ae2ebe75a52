import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS } from '../../../local/services/credentials.ts';
import { totp } from '../../../local/totp.ts';
import { claims, signIn } from '../../support/sign-in.ts';
import { type Booted, boot } from '../harness.ts';

// The console's sign-in under the local runtime: the published /config.json, and the stand-in for
// Cognito's managed login (oidc-provider) that the console and the tests sign in through.
let rt: Booted;
let site: string;
beforeAll(async () => {
  rt = await boot();
  site = rt.urls.web.replace(/\/$/, '');
});
afterAll(async () => rt?.stopAndClean());

const officer = () => ({ username: 'officer', password: rt.auth.users.officer.password, totpSecret: rt.auth.users.officer.totpSecret });
const admin = (token: string) => rt.api('/admin/dashboard', { headers: { authorization: `Bearer ${token}` } });

describe('the console’s sign-in under the local runtime', () => {
  it('publishes /config.json from the site bucket, its deploy-time values filled in with the local ones', async () => {
    const r = await rt.api('/config.json');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json');
    const config = await r.json();
    const [[clientId]] = rt.assembly.resources('AWS::Cognito::UserPoolClient');
    expect(config).toEqual({
      region: 'eu-west-2',
      userPoolId: 'eu-west-2_local',
      clientId,
      issuer: rt.urls.signIn,
      authorizationEndpoint: `${rt.urls.signIn}/oauth2/authorize`,
      tokenEndpoint: `${rt.urls.signIn}/oauth2/token`,
      logoutEndpoint: `${rt.urls.signIn}/logout`,
      redirectUri: rt.urls.console,
      scope: 'openid profile email',
      // The form's footer names the controller (config/controller.json).
      controller: { name: 'Offtek', companyNumber: '03148866', address: ['Claremont House', 'Broad Lane', 'Tanworth in Arden', 'B94 5DY'], country: { en: 'United Kingdom', fr: 'Royaume-Uni' } },
    });
    // The very bytes the deployment wrote into the site bucket.
    const [[siteId]] = rt.assembly.resources('AWS::S3::Bucket').filter(([id]) => id.startsWith('Site'));
    const s3 = new S3Client({ endpoint: rt.urls.s3, region: 'eu-west-2', forcePathStyle: true, credentials: LOCAL_CREDENTIALS });
    const object = await s3.send(new GetObjectCommand({ Bucket: rt.assembly.physicalId(siteId, rt.placement), Key: 'config.json' }));
    expect(JSON.parse(await object.Body!.transformToString())).toEqual(config);
    s3.destroy();
  });

  it('is an OpenID provider at the pool’s issuer, with Cognito’s endpoint paths and PKCE', async () => {
    const d = await (await fetch(`${rt.urls.signIn}/.well-known/openid-configuration`)).json();
    expect(d).toMatchObject({
      issuer: rt.urls.signIn,
      authorization_endpoint: `${rt.urls.signIn}/oauth2/authorize`,
      token_endpoint: `${rt.urls.signIn}/oauth2/token`,
      jwks_uri: `${rt.urls.signIn}/.well-known/jwks.json`,
      code_challenge_methods_supported: ['S256'],
    });
  });

  it('signs in with the password and a TOTP code, and issues an access token shaped like Cognito’s, which the admin API accepts', async () => {
    const tokens = await signIn(site, officer());
    const header = JSON.parse(Buffer.from(tokens.access_token.split('.')[0], 'base64url').toString());
    expect(header.alg).toBe('RS256');
    const at = claims(tokens.access_token);
    expect(at).toMatchObject({ iss: rt.urls.signIn, token_use: 'access', client_id: rt.resolve({ Ref: rt.assembly.resources('AWS::Cognito::UserPoolClient')[0][0] }), username: 'officer', 'cognito:groups': ['compliance-officer'], scope: 'openid profile email', sub: rt.auth.users.officer.sub });
    expect(at).not.toHaveProperty('aud');
    expect(Number(at.exp) - Number(at.iat)).toBe(3600); // the client's AccessTokenValidity
    expect(claims(tokens.id_token ?? '')).toMatchObject({ token_use: 'id', aud: at.client_id, 'cognito:username': 'officer' });
    expect((await admin(tokens.access_token)).status).toBe(200);
  });

  it('refuses an ID token at the admin API, although API Gateway’s authorizer lets it through (its aud is the client)', async () => {
    const { id_token } = await signIn(site, officer());
    const r = await admin(id_token ?? '');
    expect(r.status).toBe(401);
    expect(await r.json()).toMatchObject({ message: 'sign in first' });
  });

  it('refuses a wrong password, a wrong TOTP code and an authorization request without PKCE', async () => {
    await expect(signIn(site, { ...officer(), password: 'not-the-password' })).rejects.toThrow('Incorrect username or password.');
    await expect(signIn(site, { ...officer(), username: 'nobody' })).rejects.toThrow('Incorrect username or password.');
    const now = Date.now();
    const valid = [-1, 0, 1].map((step) => totp(officer().totpSecret, now + step * 30_000));
    const wrong = ['000000', '111111', '222222'].find((c) => !valid.includes(c));
    await expect(signIn(site, { ...officer(), totpCode: wrong })).rejects.toThrow(/Invalid code/);
    await expect(signIn(site, { ...officer(), withoutPkce: true })).rejects.toThrow(/invalid_request .*requires PKCE/);
  });

  it('gives a viewer the viewer group only', async () => {
    const u = rt.auth.users.viewer;
    const { access_token } = await signIn(site, { username: 'viewer', password: u.password, totpSecret: u.totpSecret });
    expect(claims(access_token)).toMatchObject({ username: 'viewer', 'cognito:groups': ['compliance-viewer'] });
  });

  it('signs out only to a registered sign-out URL, as Cognito’s /logout', async () => {
    const [[clientId]] = rt.assembly.resources('AWS::Cognito::UserPoolClient');
    const ok = await fetch(`${rt.urls.signIn}/logout?${new URLSearchParams({ client_id: clientId, logout_uri: rt.urls.console })}`, { redirect: 'manual' });
    expect(ok.status).toBe(302);
    const bad = await fetch(`${rt.urls.signIn}/logout?${new URLSearchParams({ client_id: clientId, logout_uri: 'https://evil.example/' })}`, { redirect: 'manual' });
    expect(bad.status).toBe(400);
  });
});
