import { Duration } from 'aws-cdk-lib';
import { HeadersFrameOption, HeadersReferrerPolicy, ResponseHeadersPolicy } from 'aws-cdk-lib/aws-cloudfront';
import { Construct } from 'constructs';

/**
 * The headers CloudFront adds to every static page (the form, the status page, the console): the
 * one definition of them. The local runtime reads this policy back from the template and sends the
 * same headers, so a page that breaks under this CSP breaks in the tests too.
 *
 * `connect` lists the other origins pages may fetch from: the console exchanges its sign-in code
 * at the token endpoint of Cognito's managed login, on a domain of its own.
 */
export function siteCsp(connect: string[] = []): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    ["connect-src 'self'", ...connect].join(' '),
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

const HSTS = { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true };

export interface SiteHeadersProps {
  /** Origins the pages may connect to besides their own (deploy-time values allowed). */
  readonly connect?: string[];
}

export class SiteHeaders extends Construct {
  readonly policy: ResponseHeadersPolicy;
  /**
   * The API paths' one header: HSTS, as the static pages have it. The functions set the rest
   * themselves, the confirmation and download pages with a CSP of their own (their forms post to the
   * API, and the download page's to the bucket), which this policy must not replace.
   */
  readonly api: ResponseHeadersPolicy;

  constructor(scope: Construct, id: string, props: SiteHeadersProps = {}) {
    super(scope, id);
    this.policy = new ResponseHeadersPolicy(this, 'Policy', {
      comment: 'Lethe pages: CSP, no framing, no sniffing, no referrer, HSTS',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: siteCsp(props.connect), override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: HSTS,
      },
    });
    this.api = new ResponseHeadersPolicy(this, 'ApiPolicy', { comment: 'Lethe API paths: HSTS (the functions send their own CSP)', securityHeadersBehavior: { strictTransportSecurity: HSTS } });
  }
}
