import { JwtVerifier } from 'aws-jwt-verify';
import { validateCognitoJwtFields } from 'aws-jwt-verify/cognito-verifier';
import type { Fetcher } from 'aws-jwt-verify/https';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { Unauthorized } from '../core/errors.ts';
import { config } from './config.ts';

export type Officer = { sub: string; roles: ('viewer' | 'officer')[] };

const GROUPS = ['compliance-viewer', 'compliance-officer'];

/**
 * Fetches the issuer's keys with fetch(): the library's default fetcher speaks https only, and the
 * local stand-in for Cognito serves plain http. The same fetcher runs on AWS.
 */
const fetcher: Fetcher = {
  async fetch(uri) {
    const r = await fetch(uri, { signal: AbortSignal.timeout(3000) });
    if (!r.ok) throw new Error(`JWKS ${uri}: HTTP ${r.status}`);
    return r.arrayBuffer();
  },
};

/**
 * The console's Cognito access tokens, verified with aws-jwt-verify as AWS documents it for a
 * generic issuer: signature and expiry against the issuer's keys, then Cognito's own claims
 * (`token_use` is `access`, `client_id` is the console's app client; access tokens have no `aud`).
 * On AWS the issuer is the user pool's; under `npm start` it is the local stand-in's. Only the issuer
 * and the client id, both from the environment, differ.
 */
const verifier = config.ADMIN_JWT_ISSUER
  ? JwtVerifier.create(
      {
        issuer: config.ADMIN_JWT_ISSUER,
        audience: null,
        customJwtCheck: ({ payload }) => validateCognitoJwtFields(payload, { tokenUse: 'access', clientId: config.ADMIN_CLIENT_ID, groups: GROUPS }),
      },
      { jwksCache: new SimpleJwksCache({ fetcher }) },
    )
  : undefined;

/** Verifies the bearer token in the handler too, as defence in depth behind API Gateway's authorizer. */
export async function authenticate(authorization: string | undefined): Promise<Officer> {
  const token = authorization?.replace(/^Bearer\s+/i, '');
  if (!token || !verifier || !config.ADMIN_CLIENT_ID) throw new Unauthorized('sign in first');
  try {
    const payload = await verifier.verify(token);
    const groups = (payload['cognito:groups'] as string[] | undefined) ?? [];
    const roles: Officer['roles'] = ['viewer'];
    if (groups.includes('compliance-officer')) roles.push('officer');
    // An access token names its user in `username` (`cognito:username` is an ID token's claim).
    if (typeof payload.username !== 'string' || !payload.username) throw new Error('no username');
    return { sub: payload.username, roles };
  } catch {
    throw new Unauthorized('sign in first');
  }
}
