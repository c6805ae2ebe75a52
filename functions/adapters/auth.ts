import { createRemoteJWKSet, jwtVerify } from 'jose';
import { Unauthorized } from '../core/errors.ts';
import { config } from './config.ts';

export type Officer = { sub: string; roles: ('viewer' | 'officer')[] };

// Cognito on AWS, the local issuer under npm start: only the issuer and its keys differ.
const jwks = config.ADMIN_JWKS_URL ? createRemoteJWKSet(new URL(config.ADMIN_JWKS_URL)) : undefined;

/** Verifies the bearer token in the handler too, as defence in depth behind API Gateway's authorizer. */
export async function authenticate(authorization: string | undefined): Promise<Officer> {
  const token = authorization?.replace(/^Bearer\s+/i, '');
  if (!token || !jwks) throw new Unauthorized('sign in first');
  try {
    const { payload } = await jwtVerify(token, jwks, {
      issuer: config.ADMIN_JWT_ISSUER,
      ...(config.ADMIN_JWT_AUDIENCE ? { audience: config.ADMIN_JWT_AUDIENCE } : {}),
    });
    const groups = (payload['cognito:groups'] as string[] | undefined) ?? [];
    const roles: Officer['roles'] = [];
    if (groups.includes('compliance-viewer') || groups.includes('compliance-officer')) roles.push('viewer');
    if (groups.includes('compliance-officer')) roles.push('officer');
    if (!roles.length) throw new Error('no compliance group');
    return { sub: String(payload['cognito:username'] ?? payload.sub), roles };
  } catch {
    throw new Unauthorized('sign in first');
  }
}
