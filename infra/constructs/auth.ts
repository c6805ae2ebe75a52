import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { CfnUserPoolGroup, FeaturePlan, Mfa, StandardThreatProtectionMode, UserPool } from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';

/** The compliance team's sign-in: Cognito, with a viewer and an officer group in the JWT. */
export class ComplianceAuth extends Construct {
  readonly pool: UserPool;
  readonly clientId: string;
  readonly issuer: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.pool = new UserPool(this, 'Pool', {
      selfSignUpEnabled: false,
      signInAliases: { username: true },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: { minLength: 14, requireDigits: true, requireLowercase: true, requireUppercase: true, requireSymbols: true },
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const client = this.pool.addClient('Console', { authFlows: { userSrp: true }, accessTokenValidity: Duration.hours(1), idTokenValidity: Duration.hours(1) });
    this.clientId = client.userPoolClientId;
    for (const g of ['compliance-viewer', 'compliance-officer']) new CfnUserPoolGroup(this, g, { userPoolId: this.pool.userPoolId, groupName: g });
    // The pool's provider URL (https://cognito-idp.<region>.amazonaws.com/<pool id>), as an attribute so a local runtime can resolve it.
    this.issuer = this.pool.userPoolProviderUrl;
    Validations.of(this.pool).acknowledge({ id: 'AwsSolutions-COG3', reason: 'Threat protection is enforced through the Plus feature plan (standard threat protection, full function).' });
  }
}
