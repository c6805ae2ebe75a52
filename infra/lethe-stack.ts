import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Aspects, CfnOutput, Duration, Fn, Lazy, RemovalPolicy, SecretValue, Stack, type StackProps, Token, Validations } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HttpVersion,
  OriginRequestCookieBehavior,
  OriginRequestHeaderBehavior,
  OriginRequestPolicy,
  OriginRequestQueryStringBehavior,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke as ScheduleLambda } from 'aws-cdk-lib/aws-scheduler-targets';
import { ConfigurationSet, ConfigurationSetTlsPolicy, EmailIdentity, Identity } from 'aws-cdk-lib/aws-ses';
import { PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { CfnElement } from 'aws-cdk-lib';
import { acknowledgeFindings } from './nag.ts';
import { API_FUNCTIONS } from './routes.ts';
import { LambdaEnvironmentBudget } from './limits.ts';
import { DeployableRegistry } from '../functions/core/deployable-registry.ts';
import type { Registry } from '../functions/core/registry-schema.ts';
import { Controller } from '../functions/core/controller.ts';
import { checkSettings } from '../functions/adapters/env.ts';
import { ANSWER_FLOOR_MS, ORIGIN_HEADER, VIEWER_ADDRESS_HEADER } from '../functions/core/edge.ts';
import { PrivacyWorkflow } from '../workflows/privacy-workflow.ts';
import { Api } from './constructs/api.ts';
import { ApiDomain } from './constructs/api-domain.ts';
import { CONSOLE_SCOPES, ComplianceAuth } from './constructs/auth.ts';
import { Data } from './constructs/data.ts';
import { Functions } from './constructs/functions.ts';
import { Monitoring } from './constructs/monitoring.ts';
import { ExportStore } from './constructs/storage.ts';
import { ProcessorRegistry } from './constructs/registry.ts';
import { SiteHeaders } from './constructs/site-headers.ts';
import { DEFAULT_NAME, deploymentName, deploymentNames } from './names.ts';

export interface LetheStackProps extends StackProps {
  /**
   * The deployment's name (`-c name=…`, infra/names.ts): every name the stack gives a resource derives
   * from it, so that a second deployment (a shop's staging) can stand beside the first in one account.
   * @default lethe, the names a stack had before the option existed
   */
  readonly name?: string;
  /** Domain the shop sends privacy mail from. @default offtek.example */
  readonly mailDomain?: string;
  /** Where the compliance team receives escalations. */
  readonly complianceEmail?: string;
  /** Who the alarms email (SNS email subscription). @default the compliance address */
  readonly alarmEmail?: string;
  /** The processor registry file. @default config/processors.json */
  readonly registryFile?: string;
  /**
   * The shop's customer directory (docs/customer-directory.md): the https URL of its account service,
   * or `none` where the shop keeps no customer accounts. Required: without it an access request by an
   * account holder would get an export on the strength of an emailed link alone.
   */
  readonly customerDirectory?: string;
  /** The API's custom domain, CloudFront's origin (the default execute-api endpoint is disabled). @default api.privacy.<mailDomain>, api-<name>.privacy.<mailDomain> for another name */
  readonly apiDomain?: string;
  /** A regional ACM certificate for apiDomain. @default a new certificate, validated by DNS during the deploy */
  readonly apiCertificateArn?: string;
  /** The origin secret's version CloudFront sends, after a rotation (docs/deploying.md); without it, the current one at the stack's first deploy. */
  readonly originSecretVersion?: string;
  /** Prefix of the console's sign-in domain, `<prefix>.auth.<region>.amazoncognito.com`. @default <name>-<account> */
  readonly authDomainPrefix?: string;
  /**
   * `existing` where the mail domain is already an SES identity in this account and region (the shop
   * sends mail from it): the stack then creates no identity, which SES would refuse as existing.
   * @default create
   */
  readonly mailIdentity?: string;
  /**
   * Milliseconds every 202 of the public forms is held to (`ANSWER_FLOOR_MS`, functions/core/edge.ts
   * says why): keep it above the intake function's p99 duration. Checked at synth, at most a tenth of
   * the function's timeout. @default 600
   */
  readonly answerFloorMs?: string | number;
}

const ROOT = join(import.meta.dirname, '..');
/** What the functions do to the table: every read is by key or key range, none a Scan. */
export const TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];
/** The functions that send email. */
export const MAIL_SENDERS = ['intake', 'notify', 'escalate', 'dispatch', 'admin', 'sweeper', 'verify', 'status'] as const;
/** How cdk-nag spells the account in a finding id: the number when known, the pseudo-parameter when not. */
export const nagAccount = (s: Stack) => (Token.isUnresolved(s.account) ? '<AWS::AccountId>' : s.account);

/** The processor registry, validated at synth time: a bad entry fails the synth, not a request. */
export function loadRegistry(file = join(ROOT, 'config/processors.json')): Registry {
  return DeployableRegistry.parse(JSON.parse(readFileSync(file, 'utf8')));
}

/** The controller's identity and postal address, validated at synth: shown on the form and in every email to a requester. */
export function loadController(file = join(ROOT, 'config/controller.json')): Controller {
  return Controller.parse(JSON.parse(readFileSync(file, 'utf8')));
}

/** The directory setting, checked at synth: a missing or plain-http directory fails here, not on a request. */
export function customerDirectoryUrl(value: string | undefined): string {
  if (value === 'none') return value;
  const help = 'Set the shop\'s customer directory: -c customerDirectory=https://… (its account service, see docs/customer-directory.md), or -c customerDirectory=none if the shop keeps no customer accounts.';
  if (!value) throw new Error(`No customer directory is configured. ${help}`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`customerDirectory ${JSON.stringify(value)} is not a URL. ${help}`);
  }
  if (url.protocol !== 'https:') throw new Error(`customerDirectory must be an https URL, not ${url.protocol}. ${help}`);
  return value;
}

/** The floor of the intake function's 202s, checked at synth with the schema the function reads it with. */
export function answerFloorMs(value: string | number | undefined): string {
  const floor = String(value ?? ANSWER_FLOOR_MS);
  checkSettings({ ANSWER_FLOOR_MS: floor }, { ANSWER_FLOOR_MS: '-c answerFloorMs' });
  return floor;
}

/**
 * A named deployment's processor secrets, checked at synth: the registry names them (secretRef), and a
 * second deployment given the first one's registry would create secrets the first one holds.
 */
export function checkProcessorSecrets(name: string, registry: Registry) {
  if (name === DEFAULT_NAME) return;
  const outside = registry.processors.flatMap((p) => (p.secretRef && !p.secretRef.startsWith(`${name}/`) ? [p.secretRef] : []));
  if (!outside.length) return;
  const listed = outside.length > 3 ? `${outside.slice(0, 2).join(', ')} and ${outside.length - 2} more` : outside.join(', ');
  throw new Error(
    `-c name=${JSON.stringify(name)}: the registry names processor secrets outside ${name}/ (${listed}), which another deployment in the account may hold. Give this deployment a registry of its own (-c registryFile=…) whose secretRefs start with ${name}/ (docs/deploying.md).`,
  );
}

/** Whether the stack creates the mail domain's SES identity, checked at synth. */
export function mailIdentityMode(value: string | undefined): 'create' | 'existing' {
  if (value === undefined || value === 'create' || value === 'existing') return value ?? 'create';
  throw new Error(`mailIdentity must be "create" (the default) or "existing", not ${JSON.stringify(value)}.`);
}

export class LetheStack extends Stack {
  constructor(scope: Construct, id: string, props: LetheStackProps = {}) {
    super(scope, id, props);
    const names = deploymentNames(deploymentName(props.name, { authDomainPrefix: props.authDomainPrefix, apiDomain: props.apiDomain }));
    const mailDomain = props.mailDomain ?? 'offtek.example';
    const registry = loadRegistry(props.registryFile);
    checkProcessorSecrets(names.name, registry);
    const directory = customerDirectoryUrl(props.customerDirectory);
    const createIdentity = mailIdentityMode(props.mailIdentity) === 'create';
    const floor = answerFloorMs(props.answerFloorMs);

    const data = new Data(this, 'Data');
    const exports = new ExportStore(this, 'Exports', { key: data.key });
    const auth = new ComplianceAuth(this, 'Auth', { domainPrefix: props.authDomainPrefix ?? names.authDomainPrefix(this.account) });
    // The console page on the distribution is the app client's callback; the distribution comes after
    // the API, whose authorizer needs the client, hence a value produced at synthesis.
    const consoleUrl = Lazy.string({ produce: () => `https://${cdn.distributionDomainName}/console.html` });
    const consoleClient = auth.addConsoleClient(consoleUrl);

    // Secrets: the app's HMAC key, and each processor's Standard Webhooks signing secrets.
    // Kept with the table, which it keys: the suppression list, the address and order indexes and the
    // dedupe items hold HMACs under it, and mean nothing without it.
    const appSecret = new Secret(this, 'AppKeys', {
      secretName: names.appSecret,
      encryptionKey: data.key,
      // Not kept when its stack's first deploy rolls back: a kept `lethe/app` would fail every later one ("already exists").
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      generateSecretString: { secretStringTemplate: '{}', generateStringKey: 'hmacKey', passwordLength: 64, excludePunctuation: true },
    });
    const processorSecrets = registry.processors
      .filter((p) => p.secretRef)
      .map((p) => {
        // Filled in with the key agreed with the processor (whsec_…); rotation appends a second one.
        const s = new Secret(this, `Processor-${p.id}`, { secretName: p.secretRef, encryptionKey: data.key, secretStringValue: SecretValue.unsafePlainText('{"secrets":[]}') });
        Validations.of(s).acknowledge({ id: 'AwsSolutions-SMG4', reason: 'Webhook secrets are exchanged with the processor and rotated by appending a key (multiple signatures), not by a Lambda rotation.' });
        return s;
      });
    // Lethe signs its calls to the shop's account service as it signs processor webhooks.
    const directorySecret = new Secret(this, 'CustomerDirectoryKey', { secretName: names.customerDirectorySecret, encryptionKey: data.key, secretStringValue: SecretValue.unsafePlainText('{"secrets":[]}') });
    Validations.of(directorySecret).acknowledge({ id: 'AwsSolutions-SMG4', reason: 'Agreed with the shop\'s account service and rotated by appending a key (multiple signatures), not by a Lambda rotation.' });
    // The shop's key for the suppression check its marketing, review and advertising flows call.
    const shopSecret = new Secret(this, 'ShopKeys', { secretName: names.shopSecret, encryptionKey: data.key, secretStringValue: SecretValue.unsafePlainText('{"secrets":[]}') });
    Validations.of(shopSecret).acknowledge({ id: 'AwsSolutions-SMG4', reason: 'A Standard Webhooks secret shared with the shop, rotated by appending a key (multiple signatures), not by a Lambda rotation.' });
    Validations.of(appSecret).acknowledge({ id: 'AwsSolutions-SMG4', reason: 'Rotating the HMAC key would orphan hashes of open requests; it is rotated by a planned migration.' });

    // Every email names this set (MAIL_CONFIGURATION_SET), so it applies to an identity the shop already
    // has without becoming the default for the shop's own mail from the domain.
    // Its emails carry bearer links (confirmation, status, a download of someone's data): never sent in clear to a server without TLS.
    const mailConfig = new ConfigurationSet(this, 'MailConfig', { configurationSetName: names.configurationSet, tlsPolicy: ConfigurationSetTlsPolicy.REQUIRE });
    const identity = createIdentity ? new EmailIdentity(this, 'MailIdentity', { identity: Identity.domain(mailDomain), configurationSet: mailConfig }) : undefined;

    // Web front: CloudFront serves web/ and proxies the API paths, so the form is same-origin.
    const site = new Bucket(this, 'Site', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: exports.accessLogs,
      serverAccessLogsPrefix: 'site/',
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: false,
    });

    const controller = loadController();
    const functions = new Functions(this, 'Functions', {
      metricsNamespace: names.metricsNamespace,
      environment: {
        TABLE_NAME: data.table.tableName,
        EXPORT_BUCKET: exports.bucket.bucketName,
        MAIL_FROM: `privacy@${mailDomain}`,
        COMPLIANCE_EMAIL: props.complianceEmail ?? `compliance@${mailDomain}`,
        // The names, not the secrets' secretName: CDK parses that out of the ARN, one deploy-time reference
        // per hyphen-separated part, each counted 128 bytes by the environment budget (infra/limits.ts),
        // which a hyphenated deployment name put two functions over.
        APP_SECRET_ID: names.appSecret,
        CONTROLLER: JSON.stringify(controller),
      },
    });
    const fn = functions.fn;
    // Every 202 of the public forms waits for it (functions/core/edge.ts), far inside the function's timeout.
    fn.intake.addEnvironment('ANSWER_FLOOR_MS', floor);
    // The admin handler verifies the console's Cognito access tokens itself too (issuer, client_id, token_use).
    fn.admin.addEnvironment('ADMIN_JWT_ISSUER', auth.issuer);
    fn.admin.addEnvironment('ADMIN_CLIENT_ID', consoleClient.userPoolClientId);
    // Verify asks the directory whether an access request needs the account's password; Plan, what
    // the person bought and when the account closed (the holds). The shop's own data in a copy comes
    // from its registry entry's signed callback, like any processor's, so Assemble does not call it.
    for (const n of ['verify', 'plan'] as const) {
      fn[n].addEnvironment('CUSTOMER_DIRECTORY_URL', directory);
      fn[n].addEnvironment('CUSTOMER_DIRECTORY_SECRET_ID', names.customerDirectorySecret);
      if (directory !== 'none') directorySecret.grantRead(fn[n]);
    }
    const processorRegistry = new ProcessorRegistry(this, 'Registry', { registry });
    // Notify names each provider in the outcome email; Status mails that email again with a fresh download link (reading the registry only then).
    for (const n of ['plan', 'dispatch', 'callback', 'escalate', 'admin', 'sweeper', 'assemble', 'notify', 'status'] as const) processorRegistry.readBy(fn[n]);

    const workflow = new PrivacyWorkflow(this, 'Workflow', { functions: fn, stateMachineName: names.stateMachine });
    const apiDomain = new ApiDomain(this, 'ApiDomain', { domainName: props.apiDomain ?? names.apiDomain(mailDomain), certificateArn: props.apiCertificateArn, key: data.key, secretName: names.originSecret, secretVersion: props.originSecretVersion });
    const api = new Api(this, 'Api', { functions: fn, jwtIssuer: auth.issuer, jwtAudience: [consoleClient.userPoolClientId], domain: apiDomain.domain });
    // Every API function refuses a request without CloudFront's secret header (shared/http.ts fromCloudFront).
    for (const n of API_FUNCTIONS) {
      fn[n].addEnvironment('ORIGIN_SECRET_ID', names.originSecret);
      apiDomain.originSecret.grantRead(fn[n]);
    }
    const apiOrigin = new HttpOrigin(apiDomain.domain.name, { customHeaders: { [ORIGIN_HEADER]: apiDomain.headerValue } });
    // To API Gateway the client is CloudFront's edge; the intake's per-address limit keys on the viewer's
    // address, which CloudFront sends in CloudFront-Viewer-Address only when a policy asks for it. A
    // list of headers (the managed policies cannot add a CloudFront header without forwarding Host,
    // which API Gateway refuses): what the form needs, and the viewer's address.
    const intakeRequests = new OriginRequestPolicy(this, 'IntakeRequests', {
      comment: 'Lethe POST /requests and /complaints: the form headers, and the viewer address for the per-address limit',
      headerBehavior: OriginRequestHeaderBehavior.allowList('content-type', 'accept-language', VIEWER_ADDRESS_HEADER),
      queryStringBehavior: OriginRequestQueryStringBehavior.all(),
      cookieBehavior: OriginRequestCookieBehavior.none(),
    });
    const headers = new SiteHeaders(this, 'SiteHeaders', { connect: [auth.loginUrl] });
    const cdn = new Distribution(this, 'Cdn', {
      defaultRootObject: 'index.html',
      httpVersion: HttpVersion.HTTP2_AND_3,
      defaultBehavior: { origin: S3BucketOrigin.withOriginAccessControl(site), viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS, responseHeadersPolicy: headers.policy },
      additionalBehaviors: Object.fromEntries(
        // `/requests` (the form's POST) apart from `/requests/*` (the status page's GET): an allow-list
        // policy cannot forward Authorization, which carries the status token.
        ['/requests', '/complaints', '/requests/*', '/verify*', '/callbacks/*', '/suppression/*', '/exports/*', '/admin/*'].map((path) => [
          path,
          {
            origin: apiOrigin,
            allowedMethods: AllowedMethods.ALLOW_ALL,
            cachePolicy: CachePolicy.CACHING_DISABLED,
            // The complaint form is limited per viewer address like the privacy form.
            originRequestPolicy: path === '/requests' || path === '/complaints' ? intakeRequests : OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
            responseHeadersPolicy: headers.api,
            viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          },
        ]),
      ),
    });
    Validations.of(cdn).acknowledge({
      id: 'AwsSolutions-CFR3',
      reason:
        "No standard logs: they record every query string, where the confirmation, status and download links carry their tokens, and the fields of the S3 logs are fixed (logging v2 can choose them, but only from us-east-1, outside this stack). The API's access log records every API request without it.",
    });
    Validations.of(cdn).acknowledge({ id: 'AwsSolutions-CFR1', reason: 'The shop serves UK and EU customers and others; no geo restriction is wanted.' });
    Validations.of(cdn).acknowledge({ id: 'AwsSolutions-CFR2', reason: 'WAF is attached by the shop account-wide (Firewall Manager); the API has its own rate limits.' });
    Validations.of(cdn).acknowledge({ id: 'AwsSolutions-CFR4', reason: 'Default CloudFront certificate until the shop attaches its own domain and ACM certificate.' });
    // The pages, and the sign-in settings the console reads (/config.json): deploy-time values, filled in by the deployment.
    const consoleConfig = {
      // The form shows who the controller is and where (Art. 13(1)(a)).
      controller,
      region: this.region,
      userPoolId: auth.pool.userPoolId,
      clientId: consoleClient.userPoolClientId,
      issuer: auth.issuer,
      authorizationEndpoint: `${auth.loginUrl}/oauth2/authorize`,
      tokenEndpoint: `${auth.loginUrl}/oauth2/token`,
      logoutEndpoint: `${auth.loginUrl}/logout`,
      redirectUri: consoleUrl,
      scope: CONSOLE_SCOPES.map((s) => s.scopeName).join(' '),
    };
    new BucketDeployment(this, 'SiteDeploy', { sources: [Source.asset(join(ROOT, 'web')), Source.jsonData('config.json', consoleConfig)], destinationBucket: site, distribution: cdn });
    const publicBase = `https://${cdn.distributionDomainName}`;
    // By name, not by reference: the machine already depends on these functions (a cycle otherwise).
    const machineArn = `arn:${this.partition}:states:${this.region}:${this.account}:stateMachine:${names.stateMachine}`;
    const executionArn = (id: string) => `arn:${this.partition}:states:${this.region}:${this.account}:execution:${names.stateMachine}:${id}`;
    for (const f of Object.values(fn)) {
      f.addEnvironment('PUBLIC_BASE_URL', publicBase);
      f.addEnvironment('STATE_MACHINE_ARN', machineArn);
    }

    // Least privilege, function by function.
    const rw = ['intake', 'verify', 'status', 'callback', 'admin', 'plan', 'dispatch', 'escalate', 'assemble', 'notify', 'sweeper'] as const;
    // The calls the adapters make (repository.ts, tokens.ts, suppression.ts): by key, by key range and in
    // batches. Not grantReadWriteData, which adds Scan, DescribeTable and stream reads of a table without a
    // stream. Every function may still read any item and query any index (the status index lists requests):
    // a public function taken over could read the table key by key, which per-function keys and actions would narrow.
    for (const n of rw) {
      data.table.grant(fn[n], ...TABLE_ACTIONS);
      data.table.grantOnKey(fn[n], 'kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*');
    }
    // notify derives the export's download link from the app key (shared/crypto.ts derivedToken).
    // callback hashes the address the shop's suppression check asks about.
    // Not assemble, which fetches processors' results_url: the function most exposed to what others send reads no key it does not use.
    for (const n of ['intake', 'verify', 'status', 'plan', 'admin', 'sweeper', 'notify', 'callback'] as const) appSecret.grantRead(fn[n]);
    shopSecret.grantRead(fn.callback);
    fn.callback.addEnvironment('SHOP_SECRET_ID', names.shopSecret);
    // The sweeper signs an officer's retry whose action died before its webhook went (functions/dispatch/retry.ts).
    for (const s of processorSecrets) for (const n of ['dispatch', 'callback', 'admin', 'sweeper'] as const) s.grantRead(fn[n]);
    // The sweeper starts the execution a verified request is still owed (verify failed or died before starting it).
    // Admin starts the execution of a request an officer logged (received by phone, post, chat or email), and of a correction an officer approved.
    for (const n of ['verify', 'sweeper', 'admin'] as const) fn[n].addToRolePolicy(new PolicyStatement({ actions: ['states:StartExecution'], resources: [machineArn] }));
    for (const n of ['dispatch', 'callback', 'escalate', 'admin'] as const) {
      fn[n].addToRolePolicy(new PolicyStatement({ actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'], resources: [machineArn] }));
    }
    // The sweeper sends the token an officer's resolution or retry of a copy recorded as owed and did
    // not send (functions/core/outbox.ts): success only. A task token names no execution, and Step
    // Functions authorises a callback-pattern token against the machine that issued it, so this is
    // the narrowest resource that works (an execution ARN would be refused).
    fn.sweeper.addToRolePolicy(new PolicyStatement({ actions: ['states:SendTaskSuccess'], resources: [machineArn] }));
    for (const n of ['admin', 'sweeper'] as const) {
      fn[n].addToRolePolicy(new PolicyStatement({ actions: ['states:DescribeExecution', 'states:GetExecutionHistory'], resources: [executionArn('*')] }));
    }
    // Admin stops the execution of a request it refuses or cancels; the sweeper, one that admin's stop
    // did not reach (recorded as owed in the closing write: functions/core/outbox.ts).
    for (const n of ['admin', 'sweeper'] as const) fn[n].addToRolePolicy(new PolicyStatement({ actions: ['states:StopExecution'], resources: [executionArn('*')] }));
    // The sweeper lists the executions that failed, timed out or were stopped, rather than describing every open request's.
    fn.sweeper.addToRolePolicy(new PolicyStatement({ actions: ['states:ListExecutions'], resources: [machineArn] }));
    // SES authorizes SendEmail against every identity the email involves. In the sandbox, where every
    // new account starts, the recipients are identities too (verified addresses), so a grant on the
    // sender's domain alone is refused there: the grant covers this account's identities in this region.
    const mailIdentities = `arn:${this.partition}:ses:${this.region}:${this.account}:identity/*`;
    for (const n of MAIL_SENDERS) {
      fn[n].addEnvironment('MAIL_CONFIGURATION_SET', mailConfig.configurationSetName);
      fn[n].addToRolePolicy(new PolicyStatement({ actions: ['ses:SendEmail'], resources: [mailIdentities, `arn:${this.partition}:ses:${this.region}:${this.account}:configuration-set/${mailConfig.configurationSetName}`] }));
    }
    // Assemble writes each package with one PutObject under exports/ (core/export-results.ts exportKey), encrypted
    // by the bucket's default with the data key it already uses for the table. Not grantPut: it adds legal
    // hold, retention and tagging, and the whole bucket.
    // The sweeper too: it makes a held copy's package again, as an officer asked once the bucket deleted it (sweeper/remake.ts).
    for (const n of ['assemble', 'sweeper'] as const) fn[n].addToRolePolicy(new PolicyStatement({ actions: ['s3:PutObject'], resources: [exports.bucket.arnForObjects('exports/*')] }));
    // Status only presigns downloads of export packages: GetObject on them, and the key to decrypt them.
    fn.status.addToRolePolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: [exports.bucket.arnForObjects('exports/*')] }));
    data.key.grantDecrypt(fn.status);
    // Admin presigns an officer's look at a copy held for review (other people's data in it), and nothing else.
    fn.admin.addToRolePolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: [exports.bucket.arnForObjects('exports/*')] }));
    data.key.grantDecrypt(fn.admin);
    // A copy refused or cancelled loses its package: the officer's action deletes it, the sweeper whatever is left (deliverPurge).
    // An erasure's Notify deletes the person's earlier copies (notify/copies.ts).
    for (const n of ['admin', 'sweeper', 'notify'] as const) fn[n].addToRolePolicy(new PolicyStatement({ actions: ['s3:DeleteObject'], resources: [exports.bucket.arnForObjects('exports/*')] }));

    const schedule = new Schedule(this, 'SweeperSchedule', {
      schedule: ScheduleExpression.rate(Duration.minutes(15)),
      target: new ScheduleLambda(fn.sweeper, {}),
      description: 'Deadlines, stuck tasks and reconciliation',
    });

    const logical = (c: Construct) => this.getLogicalId(c.node.defaultChild as CfnElement);
    acknowledgeFindings(
      this,
      { table: logical(data.table), exports: logical(exports.bucket), site: logical(site), stateMachine: names.stateMachine },
      {
        functions,
        exportPackages: (['assemble', 'status', 'admin', 'sweeper', 'notify'] as const).map((n) => fn[n].role as Role),
        workflow: workflow.machine,
        workflowFns: (['plan', 'dispatch', 'escalate', 'assemble', 'notify'] as const).map((n) => logical(fn[n])),
        scheduler: schedule,
        sweeper: logical(fn.sweeper),
        executionReaders: [fn.admin.role as Role, fn.sweeper.role as Role],
        mailSenders: MAIL_SENDERS.map((n) => fn[n].role as Role),
      },
    );

    // Lambda refuses an environment over 4 KB at deploy time; fail the synth well before that.
    Aspects.of(this).add(new LambdaEnvironmentBudget());

    const monitoring = new Monitoring(this, 'Monitoring', { namespace: names.metricsNamespace, dashboardName: names.dashboard, machine: workflow.machine, api: api.api, sweeper: fn.sweeper, alarmEmail: props.alarmEmail ?? props.complianceEmail ?? `compliance@${mailDomain}` });
    new CfnOutput(this, 'FormUrl', { value: publicBase });
    new CfnOutput(this, 'ApiUrl', { value: `https://${apiDomain.domain.name}`, description: 'The API on its own domain: it answers only requests that come through CloudFront (FormUrl)' });
    new CfnOutput(this, 'AlarmTopic', { value: monitoring.topic.topicArn });
    // SES signs with Easy DKIM once these three CNAMEs are in the mail domain's DNS; it verifies the domain then.
    // An existing identity has its DKIM records in DNS already.
    identity?.dkimRecords.forEach((r, i) => {
      new CfnOutput(this, `DkimRecord${i + 1}`, { value: Fn.join(' CNAME ', [r.name, r.value]), description: `DKIM record ${i + 1} of 3 for ${mailDomain}` });
    });
  }
}
