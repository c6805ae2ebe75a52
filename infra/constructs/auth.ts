import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  AccountRecovery,
  CfnManagedLoginBranding,
  CfnUserPoolGroup,
  FeaturePlan,
  ManagedLoginVersion,
  Mfa,
  OAuthScope,
  StandardThreatProtectionMode,
  UserPool,
  type UserPoolClient,
  UserPoolClientIdentityProvider,
  type UserPoolDomain,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';

export interface ComplianceAuthProps {
  /** The prefix of the managed login domain, `https://<prefix>.auth.<region>.amazoncognito.com` (unique per region). */
  readonly domainPrefix: string;
}

/** The scopes the console asks for; the access token carries them in `scope`. */
export const CONSOLE_SCOPES = [OAuthScope.OPENID, OAuthScope.PROFILE, OAuthScope.EMAIL];

/**
 * The compliance team's sign-in: a Cognito user pool (TOTP MFA required) with its managed login on
 * a Cognito prefix domain, and a viewer and an officer group, which Cognito puts in the access
 * token's `cognito:groups`.
 */
export class ComplianceAuth extends Construct {
  readonly pool: UserPool;
  readonly domain: UserPoolDomain;
  /** The pool's OIDC issuer (https://cognito-idp.<region>.amazonaws.com/<pool id>), as an attribute so a local runtime can resolve it. */
  readonly issuer: string;
  /** The managed login's origin: its /oauth2/authorize, /oauth2/token and /logout are where the browser signs in. */
  readonly loginUrl: string;

  constructor(scope: Construct, id: string, props: ComplianceAuthProps) {
    super(scope, id);
    this.pool = new UserPool(this, 'Pool', {
      selfSignUpEnabled: false,
      signInAliases: { username: true },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: { minLength: 14, requireDigits: true, requireLowercase: true, requireUppercase: true, requireSymbols: true },
      // A forgotten password is reset by a code to the user's verified email: the pool sends no SMS,
      // and CDK's default tries a phone number first.
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Managed login asks for the password, then the TOTP code (and, at a user's first sign-in, sets up the authenticator app).
    this.domain = this.pool.addDomain('Domain', { cognitoDomain: { domainPrefix: props.domainPrefix }, managedLoginVersion: ManagedLoginVersion.NEWER_MANAGED_LOGIN });
    this.loginUrl = this.domain.baseUrl();
    for (const g of ['compliance-viewer', 'compliance-officer']) new CfnUserPoolGroup(this, g, { userPoolId: this.pool.userPoolId, groupName: g });
    this.issuer = this.pool.userPoolProviderUrl;
    Validations.of(this.pool).acknowledge({ id: 'AwsSolutions-COG3', reason: 'Threat protection is enforced through the Plus feature plan (standard threat protection, full function).' });
  }

  /**
   * The console's app client: a public client (no secret, the page cannot keep one) with the
   * authorization code grant, PKCE, and the console page as its only callback and sign-out URL.
   */
  addConsoleClient(consoleUrl: string): UserPoolClient {
    const client = this.pool.addClient('Console', {
      generateSecret: false,
      authFlows: { userSrp: true },
      oAuth: { flows: { authorizationCodeGrant: true }, scopes: CONSOLE_SCOPES, callbackUrls: [consoleUrl], logoutUrls: [consoleUrl] },
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      // The console keeps the access token only and signs in again when it expires: a refresh token
      // would serve only whoever took it from the token endpoint's answer. Cognito's shortest.
      refreshTokenValidity: Duration.hours(1),
    });
    // Managed login (v2) shows its pages only to clients with a style; Cognito's default one.
    new CfnManagedLoginBranding(this, 'ConsoleLoginStyle', { userPoolId: this.pool.userPoolId, clientId: client.userPoolClientId, useCognitoProvidedValues: true });
    return client;
  }
}
