import { CfnOutput, SecretValue, Validations } from 'aws-cdk-lib';
import { DomainName } from 'aws-cdk-lib/aws-apigatewayv2';
import { Certificate, CertificateValidation, type ICertificate } from 'aws-cdk-lib/aws-certificatemanager';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface ApiDomainProps {
  /** The API's own name, e.g. api.privacy.offtek.example: CloudFront's origin, never given to people. */
  readonly domainName: string;
  /** A regional ACM certificate for it; without one, a DNS-validated certificate is created. */
  readonly certificateArn?: string;
  readonly key: IKey;
  /** The origin secret's name, one per deployment (infra/names.ts). */
  readonly secretName: string;
  /**
   * The version of it CloudFront sends (-c originSecretVersion=<VersionId>). CloudFormation reads a dynamic reference
   * again only when the reference itself changes: a new value put in the secret reaches CloudFront with this.
   */
  readonly secretVersion?: string;
}

/**
 * The API's custom domain, which lets the stack disable the default execute-api endpoint, and the
 * secret CloudFront adds to every request it sends there: the domain is public, the secret is not,
 * so the functions can tell a request through CloudFront from one sent to the domain directly.
 */
export class ApiDomain extends Construct {
  readonly domain: DomainName;
  readonly originSecret: Secret;
  private readonly secretVersion?: string;

  constructor(scope: Construct, id: string, props: ApiDomainProps) {
    super(scope, id);
    this.secretVersion = props.secretVersion;
    const certificate: ICertificate = props.certificateArn
      ? Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn)
      : // The deploy waits until the validation record (shown in the stack's events) is in DNS.
        new Certificate(this, 'Certificate', { domainName: props.domainName, validation: CertificateValidation.fromDns() });
    this.domain = new DomainName(this, 'Domain', { domainName: props.domainName, certificate });
    this.originSecret = new Secret(this, 'OriginSecret', {
      secretName: props.secretName,
      encryptionKey: props.key,
      generateSecretString: { secretStringTemplate: '{}', generateStringKey: 'value', passwordLength: 48, excludePunctuation: true },
    });
    Validations.of(this.originSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'CloudFront reads it at deploy time: it is rotated by a new value, then a deploy naming its version (-c originSecretVersion); the functions accept the current and the previous value meanwhile.',
    });
    new CfnOutput(this, 'Target', {
      description: `DNS: point ${props.domainName} (CNAME) at this API Gateway domain`,
      value: this.domain.regionalDomainName,
    });
  }

  /** The header's value, as a dynamic reference: CloudFormation puts it in at deploy, it is never in the template. */
  get headerValue(): string {
    return SecretValue.secretsManager(this.originSecret.secretArn, { jsonField: 'value', versionId: this.secretVersion }).unsafeUnwrap();
  }
}
