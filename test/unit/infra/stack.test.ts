import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type CfnElement, type Stack, Stage } from 'aws-cdk-lib';
import { Role } from 'aws-cdk-lib/aws-iam';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { answerFloorMs, customerDirectoryUrl, LetheStack, MAIL_SENDERS } from '../../../infra/lethe-stack.ts';
import { letheFromContext } from '../../../infra/deployment.ts';
import { deploymentName } from '../../../infra/names.ts';
import { CloudAssembly } from '../../../local/assembly/assembly.ts';
import { ALL_FUNCTIONS, ROUTES } from '../../../infra/routes.ts';
import { ANSWER_FLOOR_MS, MAX_ANSWER_FLOOR_MS } from '../../../functions/core/edge.ts';
import { DISPATCH_ERRORS } from '../../../functions/dispatch/dispatch.ts';
import { RETRYABLE_DISPATCH_ERRORS } from '../../../workflows/privacy-workflow.ts';

let stack: Stack;
let template: Template;

/** An app that synthesizes templates only: bundles.test.ts checks the functions' bundles, in the assembly `cdk synth` made. */
const templateOnly = (context: Record<string, string> = {}) => new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
/** The stack `cdk synth -c key=value …` makes, in account 123456789012. */
const deployment = (context: Record<string, string>) => letheFromContext(templateOnly({ customerDirectory: 'https://accounts.offtek.example/lethe', ...context }), '123456789012');

/** config/processors.json with each processor's secret under another deployment's name. */
const registryUnder = (name: string) => {
  const registry = JSON.parse(readFileSync(join(import.meta.dirname, '../../../config/processors.json'), 'utf8'));
  for (const p of registry.processors) if (p.secretRef) p.secretRef = p.secretRef.replace(/^lethe\//, `${name}/`);
  const file = join(mkdtempSync(join(tmpdir(), 'lethe-registry-')), 'processors.json');
  writeFileSync(file, JSON.stringify(registry));
  return file;
};

/**
 * A second deployment in the same account and region, beside the default one (a shop's staging): its
 * own registry, and the mail domain the first deployment already made an SES identity of.
 */
let stagingStack: Stack | undefined;
const staging = () => {
  stagingStack ??= deployment({ name: 'lethe-staging', registryFile: registryUnder('lethe-staging'), mailIdentity: 'existing' });
  return stagingStack;
};

beforeAll(() => {
  // The default deployment (no -c name), as `cdk synth` makes it.
  stack = deployment({});
  template = Template.fromStack(stack);
}, 120_000);

/**
 * The retrier Step Functions applies to an error: the first that matches it, by its name or a
 * wildcard. States.TaskFailed is taken to match every error, the embedded engine's reading
 * (aws-local-stepfunctions); AWS's leaves out States.Timeout, which this reading holds to more.
 */
const retrierOf = <R extends { ErrorEquals: string[] }>(retry: readonly R[], error: string) =>
  retry.find((r) => r.ErrorEquals.some((e) => e === error || e === 'States.ALL' || e === 'States.TaskFailed'));

const definition = () => {
  const machines = template.findResources('AWS::StepFunctions::StateMachine');
  const [m] = Object.values(machines);
  const parts = (m.Properties.DefinitionString['Fn::Join'][1] as unknown[]).map((p) => (typeof p === 'string' ? p : 'TOKEN'));
  return JSON.parse(parts.join('')) as { States: Record<string, { Type: string; ItemProcessor?: { States: Record<string, { Resource?: string; Catch?: unknown[] }> } }> };
};

describe('the CDK stack', () => {
  it('has a Map whose Dispatch task waits for a task token and escalates on any error', () => {
    const def = definition();
    expect(def.States.ForEachTask.Type).toBe('Map');
    const dispatch = def.States.ForEachTask.ItemProcessor?.States.Dispatch;
    expect(JSON.stringify(dispatch?.Resource)).toContain('lambda:invoke.waitForTaskToken');
    expect(dispatch?.Catch).toEqual([expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'Escalate' })]);
  });

  it('runs as many processors’ tasks at once as an inline Map can, 40: a task holds its place until its processor answers, times out or an officer acts, and a task past the limit tells its processor nothing meanwhile', () => {
    const map = definition().States.ForEachTask as unknown as { MaxConcurrency: number };
    // 10 until November 29, 2026: the eleventh processor of a larger registry could wait days, behind manual processors and escalations.
    expect(map.MaxConcurrency).toBe(40);
  });

  it('retries a Secrets Manager that could not be read, in Plan (the directory’s key) and in Dispatch (the processor’s)', () => {
    type R = { ErrorEquals: string[] };
    const def = definition() as unknown as { States: { Plan: { Retry: R[] }; ForEachTask: { ItemProcessor: { States: { Dispatch: { Retry: R[] } } } } } };
    expect(def.States.Plan.Retry.flatMap((r) => r.ErrorEquals)).toContain('SecretUnavailable');
    expect(def.States.ForEachTask.ItemProcessor.States.Dispatch.Retry.flatMap((r) => r.ErrorEquals)).toContain('SecretUnavailable');
  });

  it('runs Plan again after a crash, and still waits for an account service that is down', () => {
    type R = { ErrorEquals: string[]; MaxAttempts: number };
    const def = definition() as unknown as { States: { Plan: { Retry: R[] } } };
    const order = def.States.Plan.Retry.map((r) => r.ErrorEquals[0]);
    expect(order.indexOf('Unavailable')).toBeGreaterThanOrEqual(0);
    // The first retrier that matches wins, and States.TaskFailed matches Unavailable too.
    expect(order.indexOf('Unavailable')).toBeLessThan(order.indexOf('States.TaskFailed'));
    expect(def.States.Plan.Retry.find((r) => r.ErrorEquals.includes('States.TaskFailed'))?.MaxAttempts).toBe(3);
  });

  it('waits about 9 hours for an account service that is down before Plan gives up, so that a maintenance window does not fail the requests confirmed during it', () => {
    type R = { ErrorEquals: string[]; MaxAttempts: number; IntervalSeconds: number; BackoffRate: number; MaxDelaySeconds?: number };
    const def = definition() as unknown as { States: { Plan: { Retry: R[] } } };
    const r = def.States.Plan.Retry.find((x) => x.ErrorEquals.includes('Unavailable')) as R;
    // Step Functions' waits between the tries: the interval, times the backoff each time, never over MaxDelaySeconds.
    let wait = 0;
    for (let i = 0; i < r.MaxAttempts; i++) wait += Math.min(r.IntervalSeconds * r.BackoffRate ** i, r.MaxDelaySeconds ?? Number.POSITIVE_INFINITY);
    expect(wait / 3600).toBeGreaterThanOrEqual(8);
    expect(wait / 3600).toBeLessThan(12);
    expect(r.MaxDelaySeconds, 'a try every 15 minutes at most once the outage is long').toBe(900);
  });

  it('sends a webhook its processor did not take again after 5 s, 15 s and 45 s, as docs/processors.md promises, then escalates', () => {
    type R = { ErrorEquals: string[]; MaxAttempts: number; IntervalSeconds: number; BackoffRate: number; MaxDelaySeconds?: number; JitterStrategy?: string };
    const def = definition() as unknown as { States: { ForEachTask: { ItemProcessor: { States: { Dispatch: { Retry: R[] } } } } } };
    const r = def.States.ForEachTask.ItemProcessor.States.Dispatch.Retry.find((x) => x.ErrorEquals.includes('DispatchFailed')) as R;
    const waits = Array.from({ length: r.MaxAttempts }, (_, i) => Math.min(r.IntervalSeconds * r.BackoffRate ** i, r.MaxDelaySeconds ?? Infinity));
    expect(waits).toEqual([5, 15, 45]);
    expect(r.JitterStrategy ?? 'NONE').toBe('NONE');
    expect(readFileSync(join(import.meta.dirname, '../../../docs/processors.md'), 'utf8')).toContain('with backoff: after 5 s, 15 s, 45 s; then escalates');
  });

  it('runs a Dispatch whose sandbox died again, a few times, and escalates its deliberate refusals at once', () => {
    type R = { ErrorEquals: string[]; MaxAttempts: number; IntervalSeconds: number; BackoffRate: number };
    const def = definition() as unknown as { States: { ForEachTask: { ItemProcessor: { States: { Dispatch: { Retry: R[]; Catch: unknown[] } } } } } };
    const dispatch = def.States.ForEachTask.ItemProcessor.States.Dispatch;
    // As Lambda reports a sandbox that crashed, ran out of time or of memory (local/lambda/pool.ts reports the same).
    const crash = ['Runtime.ExitError', 'Sandbox.Timedout', 'Runtime.OutOfMemory', 'Runtime.Unknown', 'Lambda.Unknown'];
    const crashRetry = dispatch.Retry.find((r) => r.ErrorEquals.includes('Runtime.ExitError'));
    expect(crashRetry?.ErrorEquals.toSorted()).toEqual(crash.toSorted());
    expect(crashRetry).toMatchObject({ MaxAttempts: 3, IntervalSeconds: 2, BackoffRate: 2 });
    // What Dispatch throws on purpose (functions/dispatch/dispatch.ts, functions/core/errors.ts), the processor's own
    // failure (its callback's SendTaskFailure, or Dispatch finding the task failed by it) and the processor's
    // time-out go to the Catch untried: the wildcard retrier after them would retry them too.
    const refusals = ['DispatchRejected', 'EndpointGone', 'SecretNotConfigured', 'NotFound', 'ProcessorFailed', 'States.Timeout', 'States.HeartbeatTimeout'];
    const thrown = DISPATCH_ERRORS.filter((e) => !RETRYABLE_DISPATCH_ERRORS.includes(e));
    for (const refusal of [...refusals, ...thrown]) expect(retrierOf(dispatch.Retry, refusal)?.MaxAttempts ?? 0, refusal).toBe(0);
    expect(dispatch.Catch).toEqual([expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'Escalate' })]);
  });

  it('runs a Dispatch again, a few times with backoff, when DynamoDB throttles its write or the network fails, rather than asking an officer to act on a task nothing failed', () => {
    type R = { ErrorEquals: string[]; MaxAttempts: number; IntervalSeconds: number; BackoffRate: number };
    const def = definition() as unknown as { States: { ForEachTask: { ItemProcessor: { States: { Dispatch: { Retry: R[] } } } } } };
    const retry = def.States.ForEachTask.ItemProcessor.States.Dispatch.Retry;
    // The SDK's names for a throttled DynamoDB call, a network failure, and a race lost on every try (functions/core/errors.ts).
    for (const transient of ['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded', 'TimeoutError', 'ECONNRESET', 'ConcurrentUpdate']) {
      expect(retrierOf(retry, transient), transient).toMatchObject({ ErrorEquals: ['States.TaskFailed'], MaxAttempts: 3, IntervalSeconds: 2, BackoffRate: 2 });
    }
    // The named retriers before it keep their own schedules.
    expect(retrierOf(retry, 'DispatchFailed')?.ErrorEquals).toContain('DispatchFailed');
    expect(retrierOf(retry, 'Runtime.ExitError')?.ErrorEquals).toContain('Runtime.ExitError');
    expect(retrierOf(retry, 'Lambda.ServiceException')?.ErrorEquals).toContain('Lambda.ServiceException');
  });

  it('rides out Lambda throttling every workflow function for about half an hour before any state gives up: the execution, named by its request, could not be started again', () => {
    type R = { ErrorEquals: string[]; MaxAttempts: number; IntervalSeconds: number; BackoffRate: number; MaxDelaySeconds?: number; JitterStrategy?: string };
    const def = definition() as unknown as { States: Record<string, { Type: string; Retry?: R[]; ItemProcessor?: { States: Record<string, { Type: string; Retry?: R[] }> } }> };
    const states = [...Object.entries(def.States), ...Object.entries(def.States.ForEachTask.ItemProcessor?.States ?? {})].filter(([, st]) => st.Type === 'Task');
    expect(states.map(([name]) => name).sort()).toEqual(['Assemble', 'AssemblyFailed', 'Dispatch', 'Escalate', 'EscalateWithoutMail', 'Notify', 'Plan']);
    for (const [name, st] of states) {
      // The first retrier naming it is the one Step Functions applies: its own, whatever follows.
      const r = (st.Retry ?? []).find((x) => x.ErrorEquals.some((e) => ['Lambda.TooManyRequestsException', 'States.ALL', 'States.TaskFailed'].includes(e)));
      expect(r?.ErrorEquals, name).toEqual(['Lambda.TooManyRequestsException']);
      const waits = Array.from({ length: r?.MaxAttempts ?? 0 }, (_, i) => Math.min((r?.IntervalSeconds ?? 1) * (r?.BackoffRate ?? 2) ** i, r?.MaxDelaySeconds ?? Number.POSITIVE_INFINITY));
      const total = waits.reduce((a, b) => a + b, 0);
      expect(total, name).toBeGreaterThan(25 * 60);
      expect(r?.JitterStrategy, name).toBe('FULL');
    }
  });

  it('retries a mail failure in Escalate and Notify, then catches it instead of failing the execution', () => {
    type S = { Type: string; Next?: string; End?: boolean; Parameters?: { Payload?: Record<string, unknown> }; Retry?: { ErrorEquals: string[]; MaxAttempts: number }[]; Catch?: { ErrorEquals: string[]; Next: string; ResultPath?: string }[] };
    const def = definition() as unknown as { States: Record<string, S & { ItemProcessor?: { States: Record<string, S> } }> };
    const inMap = def.States.ForEachTask.ItemProcessor?.States ?? {};
    const escalate = inMap.Escalate;
    expect(escalate.Retry).toEqual(expect.arrayContaining([expect.objectContaining({ ErrorEquals: ['MailFailed'], MaxAttempts: 3 })]));
    expect(escalate.Catch).toEqual([
      { ErrorEquals: ['MailFailed'], Next: 'EscalateWithoutMail', ResultPath: '$.mailError' },
      { ErrorEquals: ['ProcessorFailed'], Next: 'Escalate', ResultPath: '$.error' },
    ]);
    // The fallback still escalates and waits for the officer, without mailing.
    expect(JSON.stringify(inMap.EscalateWithoutMail)).toContain('lambda:invoke.waitForTaskToken');
    expect(inMap.EscalateWithoutMail.Parameters?.Payload).toMatchObject({ mail: false });
    // A retried task its processor fails again escalates anew, never by the crash retrier, whose attempts run out.
    expect(inMap.EscalateWithoutMail.Catch).toEqual([{ ErrorEquals: ['ProcessorFailed'], Next: 'Escalate', ResultPath: '$.error' }]);
    for (const waiting of [escalate, inMap.EscalateWithoutMail]) {
      const order = (waiting.Retry ?? []).map((r) => r.ErrorEquals[0]);
      expect(order.indexOf('ProcessorFailed')).toBeLessThan(order.indexOf('States.TaskFailed'));
      expect(waiting.Retry?.find((r) => r.ErrorEquals.includes('ProcessorFailed'))?.MaxAttempts).toBe(0);
    }

    const notify = def.States.Notify;
    // The mail retrier comes first: the one with States.TaskFailed would otherwise take MailFailed too.
    expect(notify.Retry?.find((r) => r.ErrorEquals.includes('MailFailed') || r.ErrorEquals.includes('States.TaskFailed'))).toMatchObject({ ErrorEquals: ['MailFailed'], MaxAttempts: 3 });
    expect(notify.Catch).toEqual([{ ErrorEquals: ['MailFailed'], Next: 'DoneOutcomeMailOwed' }]);
    expect(def.States.DoneOutcomeMailOwed.Type).toBe('Succeed');
  });

  it('outputs the three DKIM records of the mail domain', () => {
    const [identityId] = Object.keys(template.findResources('AWS::SES::EmailIdentity'));
    const outputs = template.findOutputs('*');
    for (const n of [1, 2, 3]) {
      expect(outputs[`DkimRecord${n}`].Value).toEqual({
        'Fn::Join': [' CNAME ', [{ 'Fn::GetAtt': [identityId, `DkimDNSTokenName${n}`] }, { 'Fn::GetAtt': [identityId, `DkimDNSTokenValue${n}`] }]],
      });
    }
  });

  it('alarms on MailFailed, with the service dimension the functions emit', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'Lethe', MetricName: 'MailFailed', Dimensions: [{ Name: 'service', Value: 'lethe' }], Threshold: 1 });
  });

  it("forwards the viewer's address (CloudFront-Viewer-Address) to the intake, and never the Host header", () => {
    const [cdn] = Object.values(template.findResources('AWS::CloudFront::Distribution'));
    const behaviours = cdn.Properties.DistributionConfig.CacheBehaviors as { PathPattern: string; OriginRequestPolicyId: unknown }[];
    const requests = behaviours.find((b) => b.PathPattern === '/requests');
    const policyId = (requests?.OriginRequestPolicyId as { Ref: string } | undefined)?.Ref ?? "";
    expect(template.toJSON().Resources[policyId].Properties.OriginRequestPolicyConfig).toMatchObject({
      HeadersConfig: { HeaderBehavior: 'whitelist', Headers: ['content-type', 'accept-language', 'CloudFront-Viewer-Address'] },
      QueryStringsConfig: { QueryStringBehavior: 'all' },
      CookiesConfig: { CookieBehavior: 'none' },
    });
    // The other API paths keep all viewer headers but Host (API Gateway refuses CloudFront's Host): the
    // status page's Authorization header among them, which an allow-list policy cannot forward.
    expect(behaviours.map((b) => b.PathPattern).slice(0, 3)).toEqual(['/requests', '/complaints', '/requests/*']);
    // The complaint form is limited per viewer address too, so it gets the same policy.
    expect(behaviours.find((b) => b.PathPattern === '/complaints')?.OriginRequestPolicyId).toEqual(requests?.OriginRequestPolicyId);
    for (const b of behaviours.filter((x) => !['/requests', '/complaints'].includes(x.PathPattern))) expect(b.OriginRequestPolicyId).toBe('b689b0a8-53d0-40ab-baf2-68738e2966ac');
  });

  it('routes the complaint form (POST /complaints) to the intake function, with no twelfth function', () => {
    const routes = template.findResources('AWS::ApiGatewayV2::Route');
    const target = (key: string) => Object.values(routes).find((r) => r.Properties.RouteKey === key)?.Properties.Target;
    expect(target('POST /complaints')).toBeDefined();
    expect(target('POST /complaints')).toEqual(target('POST /requests'));
    expect(Object.values(routes).find((r) => r.Properties.RouteKey === 'POST /complaints')?.Properties.AuthorizationType).toBe('NONE');
    expect(Object.keys(template.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs22.x' } }))).toHaveLength(11);
  });

  it('keeps the table with point-in-time recovery, a customer-managed key, TTL and deletion protection', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      Replicas: Match.arrayWith([Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }, DeletionProtectionEnabled: true })]),
      SSESpecification: Match.objectLike({ SSEEnabled: true, SSEType: 'KMS' }),
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('indexes requests by the keyed hashes of their email address and order number, keys only', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      GlobalSecondaryIndexes: Match.arrayWith([
        { IndexName: 'byEmail', KeySchema: [{ AttributeName: 'emailHash', KeyType: 'HASH' }, { AttributeName: 'receivedAt', KeyType: 'RANGE' }], Projection: { ProjectionType: 'KEYS_ONLY' } },
        { IndexName: 'byOrder', KeySchema: [{ AttributeName: 'orderHash', KeyType: 'HASH' }, { AttributeName: 'receivedAt', KeyType: 'RANGE' }], Projection: { ProjectionType: 'KEYS_ONLY' } },
      ]),
    });
  });

  it('indexes what the sweeper and the dashboard watch (tasks out, escalated or answered; a team email owed) by when, with the keys and when a task was sent', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      GlobalSecondaryIndexes: Match.arrayWith([
        { IndexName: 'watch', KeySchema: [{ AttributeName: 'watch', KeyType: 'HASH' }, { AttributeName: 'watchAt', KeyType: 'RANGE' }], Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['sentAt'] } },
      ]),
    });
  });

  it('indexes the requests marked “mail failed” by when first marked, keys only', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      GlobalSecondaryIndexes: Match.arrayWith([
        { IndexName: 'failed', KeySchema: [{ AttributeName: 'failed', KeyType: 'HASH' }, { AttributeName: 'failedAt', KeyType: 'RANGE' }], Projection: { ProjectionType: 'KEYS_ONLY' } },
      ]),
    });
  });

  it('lets the sweeper list the state machine’s executions, and no other function', () => {
    const listers = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([, p]) =>
      p.Properties.PolicyDocument.Statement.some((s: { Action: string | string[] }) => [s.Action].flat().includes('states:ListExecutions')),
    );
    expect(listers.map(([id]) => id)).toEqual([expect.stringMatching(/^FunctionssweeperRoleDefaultPolicy/)]);
  });

  it('lets the admin function, the sweeper and Notify (an erasure takes the earlier copies) delete export packages, under exports/ only, and no other function', () => {
    const deleters = Object.entries(template.findResources('AWS::IAM::Policy')).flatMap(([id, p]) =>
      id.startsWith('Functions')
        ? p.Properties.PolicyDocument.Statement.filter((s: { Action: string | string[] }) => [s.Action].flat().some((a) => a.startsWith('s3:Delete'))).map((s: { Resource: unknown }) => [id.replace(/RoleDefaultPolicy.*/, ''), s.Resource])
        : [],
    );
    const packages = { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^Exports/), 'Arn'] }, '/exports/*']] };
    expect(deleters).toEqual([
      ['Functionsadmin', packages],
      ['Functionsnotify', packages],
      ['Functionssweeper', packages],
    ]);
  });

  it('lets Assemble only put export packages, under exports/: no legal hold, retention, tagging or abort, and nowhere else in the bucket', () => {
    const s3 = Object.entries(template.findResources('AWS::IAM::Policy')).flatMap(([id, p]) =>
      id.startsWith('FunctionsassembleRoleDefaultPolicy') ? p.Properties.PolicyDocument.Statement.filter((st: { Action: string | string[] }) => [st.Action].flat().some((a) => a.startsWith('s3:'))) : [],
    );
    const packages = { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^Exports/), 'Arn'] }, '/exports/*']] };
    expect(s3).toEqual([{ Effect: 'Allow', Action: 's3:PutObject', Resource: packages }]);
  });

  it('lets only Assemble and the sweeper (which makes a held copy’s package again) put export packages, under exports/ only: not the admin function', () => {
    const putters = Object.entries(template.findResources('AWS::IAM::Policy')).flatMap(([id, p]) =>
      id.startsWith('Functions')
        ? p.Properties.PolicyDocument.Statement.filter((s: { Action: string | string[] }) => [s.Action].flat().some((a) => a.startsWith('s3:Put'))).map((s: { Action: unknown; Resource: unknown }) => [id.replace(/RoleDefaultPolicy.*/, ''), s.Action, s.Resource])
        : [],
    );
    const packages = { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^Exports/), 'Arn'] }, '/exports/*']] };
    expect(putters.sort()).toEqual([
      ['Functionsassemble', 's3:PutObject', packages],
      ['Functionssweeper', 's3:PutObject', packages],
    ]);
  });

  it('alarms on the sweeper failing run after run, which the account-wide error alarm misses (a run makes at most three attempts, under its five)', () => {
    const [sweeperId] = Object.keys(template.findResources('AWS::Lambda::Function')).filter((id) => /^Functionssweeper[0-9A-F]{8}$/.test(id));
    const [topicId] = Object.keys(template.findResources('AWS::SNS::Topic'));
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: sweeperId } }],
      Period: 900,
      Threshold: 1,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      AlarmActions: [{ Ref: topicId }],
    });
  });

  it("alarms on SES's bounce and complaint rates before SES reviews or pauses the account's sending", () => {
    const [topicId] = Object.keys(template.findResources('AWS::SNS::Topic'));
    for (const [metric, threshold] of [
      ['Reputation.BounceRate', 0.05],
      ['Reputation.ComplaintRate', 0.001],
    ] as const) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SES',
        MetricName: metric,
        Dimensions: Match.absent(),
        Threshold: threshold,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [{ Ref: topicId }],
      });
    }
  });

  it('keeps the HMAC key when the stack goes, as it keeps the table whose suppression list and address index are keyed by it, but not when its first deploy rolls back (a kept lethe/app would fail the next: "already exists")', () => {
    template.hasResource('AWS::SecretsManager::Secret', { Properties: Match.objectLike({ Name: 'lethe/app' }), DeletionPolicy: 'RetainExceptOnCreate', UpdateReplacePolicy: 'Retain' });
  });

  it('grants no function a table scan or a stream read: every read is by key or by key range', () => {
    const policies = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([id]) => id.startsWith('Functions'));
    const actions = new Set(policies.flatMap(([, p]) => p.Properties.PolicyDocument.Statement.flatMap((s: { Action: string | string[] }) => [s.Action].flat())).filter((a: string) => a.startsWith('dynamodb:')));
    expect([...actions].sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
  });

  it('grants no function a wildcard DynamoDB action', () => {
    const policies = template.findResources('AWS::IAM::Policy');
    const actions = Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement.flatMap((s: { Action: string | string[] }) => [s.Action].flat()));
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((a: string) => a === 'dynamodb:*' || a === '*')).toEqual([]);
  });

  it('runs every function on Node 22, arm64, with tracing', () => {
    const fns = Object.entries(template.findResources('AWS::Lambda::Function'))
      .filter(([id]) => id.startsWith('Functions'))
      .map(([, f]) => f);
    expect(fns).toHaveLength(ALL_FUNCTIONS.length);
    for (const f of fns) {
      expect(f.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' } });
    }
  });

  it('routes every path of the shared route table, with JWT on /admin', () => {
    for (const r of ROUTES) template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: `${r.method} ${r.path}` });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'ANY /admin/{proxy+}', AuthorizationType: 'JWT' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { DefaultRouteSettings: { ThrottlingBurstLimit: 50, ThrottlingRateLimit: 20 } });
  });

  it('deletes export packages from a KMS-encrypted bucket 30 days after they are made, as long as a fresh link can be mailed', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }) })] },
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 30 })] },
    });
  });

  it('keeps no old version of an export package: a refused copy’s deleted package is gone, not kept as a noncurrent version', () => {
    const buckets = template.findResources('AWS::S3::Bucket', { Properties: { LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 30 })] } } });
    expect(Object.keys(buckets)).toHaveLength(1);
    for (const b of Object.values(buckets)) expect(b.Properties.VersioningConfiguration).toBeUndefined();
  });

  it('passes the AwsSolutions checks with only the acknowledged findings', () => {
    const result = new AwsSolutionsChecks(stack).validateScope(stack);
    expect(result.violations.map((v: { ruleName: string }) => v.ruleName)).toEqual([]);
  });

  it('acknowledges no nag finding for the stack as a whole, only on the constructs concerned', () => {
    expect(stack.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules')).toEqual([]);
    const scoped = stack.node.findAll().filter((c) => c.node.metadata.some((m) => m.type === 'aws:cdk:acknowledged-rules'));
    expect(scoped.length).toBeGreaterThan(5);
  });

  it("acknowledges on a function's role only the IAM wildcards its policies hold", () => {
    // As cdk-nag spells an action or a resource in a finding id.
    const spell = (v: unknown): string =>
      typeof v === 'string'
        ? v
        : 'Ref' in (v as object)
          ? `<${(v as { Ref: string }).Ref}>`
          : 'Fn::GetAtt' in (v as object)
            ? `<${(v as { 'Fn::GetAtt': string[] })['Fn::GetAtt'].join('.')}>`
            : (v as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1].map(spell).join((v as { 'Fn::Join': [string] })['Fn::Join'][0]);
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    const fnRoles = stack.node.findAll().filter((c) => c instanceof Role && c.node.scope?.node.id === 'Functions');
    expect(fnRoles.length).toBeGreaterThan(5);
    const stale: string[] = [];
    for (const role of fnRoles) {
      const roleId = stack.getLogicalId(role.node.defaultChild as CfnElement);
      const held = new Set(
        policies
          .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId))
          .flatMap((p) => p.Properties.PolicyDocument.Statement)
          .flatMap((st: { Action: unknown; Resource: unknown }) => [
            ...[st.Action].flat().map((a) => `AwsSolutions-IAM5[Action::${spell(a)}]`),
            ...[st.Resource].flat().map((r) => `AwsSolutions-IAM5[Resource::${spell(r)}]`),
          ]),
      );
      // Recorded with the plugin's namespace in front (`<namespace>::AwsSolutions-IAM5[…]`).
      const acknowledged = role.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules').flatMap((m) => Object.keys(m.data as object).map((id) => id.replace(/^[^[]*::/, '')));
      stale.push(...acknowledged.filter((id) => id.startsWith('AwsSolutions-IAM5[') && !held.has(id)).map((id) => `${role.node.id}: ${id}`));
    }
    expect(stale).toEqual([]);
  });

  it('lets each function write its own log group only, with no AWS managed policy on its role', () => {
    const fns = template.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs22.x' } });
    const roles = template.findResources('AWS::IAM::Role');
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    expect(Object.keys(fns)).toHaveLength(ALL_FUNCTIONS.length);
    for (const f of Object.values(fns)) {
      const roleId = f.Properties.Role['Fn::GetAtt'][0] as string;
      expect(roles[roleId].Properties.ManagedPolicyArns).toBeUndefined();
      const logGroupId = f.Properties.LoggingConfig.LogGroup.Ref as string;
      const statements = policies.filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId)).flatMap((p) => p.Properties.PolicyDocument.Statement);
      const logs = statements.filter((st: { Action: string | string[] }) => [st.Action].flat().some((a) => a.startsWith('logs:')));
      expect(logs).toEqual([{ Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] } }]);
    }
  });

  it('disables the default execute-api endpoint: the API answers on its own domain only, which CloudFront calls with a secret header', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { DisableExecuteApiEndpoint: true });
    const [domainId] = Object.keys(template.findResources('AWS::ApiGatewayV2::DomainName', { Properties: { DomainName: 'api.privacy.offtek.example' } }));
    expect(domainId).toBeDefined();
    template.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', { DomainName: { Ref: domainId }, Stage: '$default' });
    const [secretId] = Object.keys(template.findResources('AWS::SecretsManager::Secret', { Properties: { Name: 'lethe/origin' } }));
    const [cdn] = Object.values(template.findResources('AWS::CloudFront::Distribution'));
    const origins = cdn.Properties.DistributionConfig.Origins as { DomainName: unknown; S3OriginConfig?: unknown; OriginCustomHeaders?: { HeaderName: string; HeaderValue: unknown }[] }[];
    const apiOrigins = origins.filter((o) => !o.S3OriginConfig);
    expect(apiOrigins.map((o) => o.DomainName)).toEqual([{ Ref: domainId }]);
    // The value is a dynamic reference CloudFormation fills in at deploy: the secret is never in the template.
    expect(apiOrigins[0].OriginCustomHeaders).toEqual([
      { HeaderName: 'x-lethe-origin', HeaderValue: { 'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secretId }, ':SecretString:value::}}']] } },
    ]);
    const fns = Object.entries(template.findResources('AWS::Lambda::Function'));
    const env = (name: string) => fns.find(([id]) => new RegExp(`^Functions${name}[0-9A-F]{8}$`).test(id))?.[1].Properties.Environment.Variables as Record<string, unknown>;
    // The name the stack gives the secret.
    expect(secretId).toBeDefined();
    for (const fn of ['intake', 'status', 'verify', 'callback', 'admin']) expect(env(fn)?.ORIGIN_SECRET_ID, fn).toBe('lethe/origin');
    for (const fn of ['plan', 'dispatch', 'escalate', 'assemble', 'notify', 'sweeper']) expect(env(fn)?.ORIGIN_SECRET_ID, fn).toBeUndefined();
  });

  it('sends CloudFront the origin secret’s version named by -c originSecretVersion, so that a rotated value reaches it: CloudFormation reads a reference again only when the reference changes', () => {
    const rotated = Template.fromStack(deployment({ originSecretVersion: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111' }));
    const [secretId] = Object.keys(rotated.findResources('AWS::SecretsManager::Secret', { Properties: { Name: 'lethe/origin' } }));
    const [cdn] = Object.values(rotated.findResources('AWS::CloudFront::Distribution'));
    const headers = (cdn.Properties.DistributionConfig.Origins as { OriginCustomHeaders?: unknown[] }[]).flatMap((o) => o.OriginCustomHeaders ?? []);
    expect(headers).toEqual([
      { HeaderName: 'x-lethe-origin', HeaderValue: { 'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secretId }, ':SecretString:value::a1b2c3d4-5678-90ab-cdef-EXAMPLE11111}}']] } },
    ]);
  });

  it('gives the intake function the floor its 202s are held to, and a timeout far above it', () => {
    const [intake] = Object.entries(template.findResources('AWS::Lambda::Function')).filter(([id]) => /^Functionsintake[0-9A-F]{8}$/.test(id));
    const { Environment, Timeout } = intake[1].Properties as { Environment: { Variables: Record<string, unknown> }; Timeout: number };
    const floor = Number(Environment.Variables.ANSWER_FLOOR_MS);
    expect(floor).toBeGreaterThan(0);
    // The answer waits for the floor only after the work; the work itself must still have time to finish.
    expect(Timeout * 1000).toBeGreaterThanOrEqual(10 * floor);
    // So too for the highest floor the configuration takes.
    expect(Timeout * 1000).toBeGreaterThanOrEqual(10 * MAX_ANSWER_FLOOR_MS);
  });

  it('takes another floor from the deployment, and refuses at synth one too long for the intake function, naming the setting', () => {
    expect(answerFloorMs(undefined)).toBe(String(ANSWER_FLOOR_MS));
    expect(answerFloorMs('900')).toBe('900');
    expect(answerFloorMs(MAX_ANSWER_FLOOR_MS)).toBe(String(MAX_ANSWER_FLOOR_MS));
    const at = (value: string) => () => new LetheStack(templateOnly(), 'Floor', { env: { region: 'eu-west-2', account: '123456789012' }, customerDirectory: 'none', answerFloorMs: value });
    expect(at(String(MAX_ANSWER_FLOOR_MS + 1))).toThrow(/^ANSWER_FLOOR_MS \(-c answerFloorMs\): /);
    expect(at('6000')).toThrow(`at most ${MAX_ANSWER_FLOOR_MS}`);
    expect(at('0.5s')).toThrow(/^ANSWER_FLOOR_MS \(-c answerFloorMs\): /);
  });

  it('keeps no access log that records a query string, where the links carry their tokens', () => {
    const [cdn] = Object.values(template.findResources('AWS::CloudFront::Distribution'));
    expect(cdn.Properties.DistributionConfig.Logging).toBeUndefined();
    const [stage] = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'));
    const format = JSON.parse(stage.Properties.AccessLogSettings.Format) as Record<string, string>;
    expect(Object.values(format).sort()).toEqual(['$context.requestId', '$context.responseLatency', '$context.routeKey', '$context.status']);
  });

  it('throttles processor callbacks apart from the form, so form posts cannot starve them', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingBurstLimit: 50, ThrottlingRateLimit: 20 },
      RouteSettings: { 'POST /callbacks/{taskId}': { ThrottlingBurstLimit: 100, ThrottlingRateLimit: 50 } },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /callbacks/{taskId}' });
  });

  it('makes the callback route before the stage whose RouteSettings name it, which API Gateway refuses otherwise ("Unable to find Route by key")', () => {
    const [routeId] = Object.keys(template.findResources('AWS::ApiGatewayV2::Route', { Properties: { RouteKey: 'POST /callbacks/{taskId}' } }));
    const [stage] = Object.values(template.findResources('AWS::ApiGatewayV2::Stage')) as { DependsOn?: string[] }[];
    expect(stage.DependsOn).toContain(routeId);
  });

  it('sends the emails, which carry bearer links, only over TLS', () => {
    template.hasResourceProperties('AWS::SES::ConfigurationSet', { Name: 'lethe', DeliveryOptions: { TlsPolicy: 'REQUIRE' } });
  });

  it('tells processors, in the contract they build from, what the callbacks’ throttle answers and that it is to be sent again', async () => {
    const { openapi } = await import('../processors/openapi.ts');
    const [stage] = Object.values(template.findResources('AWS::ApiGatewayV2::Stage')) as { Properties: { RouteSettings: Record<string, unknown> } }[];
    expect(Object.keys(stage.Properties.RouteSettings)).toEqual(['POST /callbacks/{taskId}']);
    const op = openapi.paths['/callbacks/{taskId}'].post as { responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }> };
    expect(op.responses['429']?.description).toMatch(/same callback again, under the same webhook-id/);
    expect(op.responses['429']?.content?.['application/json'].schema).toMatchObject({ properties: { message: { const: 'Too Many Requests' } } });
    expect(readFileSync(join(import.meta.dirname, '../../../docs/processors.md'), 'utf8')).toMatch(/\| `429` `\{"message":"Too Many Requests"\}` \| the deployed API's throttle on callbacks \(50 a second, bursts of 100/);
  });
});

describe('the customer directory', () => {
  it('fails the synth with the way out when no directory is configured', () => {
    expect(() => new LetheStack(templateOnly(), 'NoDirectory', { env: { region: 'eu-west-2', account: '123456789012' } })).toThrow(
      'No customer directory is configured. Set the shop\'s customer directory: -c customerDirectory=https://… (its account service, see docs/customer-directory.md), or -c customerDirectory=none if the shop keeps no customer accounts.',
    );
  });

  it('accepts an https account service or the explicit no-accounts mode, and refuses plain http or a non-URL', () => {
    expect(customerDirectoryUrl('https://accounts.offtek.example/lethe')).toBe('https://accounts.offtek.example/lethe');
    expect(customerDirectoryUrl('none')).toBe('none');
    expect(() => customerDirectoryUrl('http://accounts.offtek.example/lethe')).toThrow('customerDirectory must be an https URL, not http:.');
    expect(() => customerDirectoryUrl('accounts')).toThrow('customerDirectory "accounts" is not a URL.');
  });

  it('gives the directory and its signing key to Verify and Plan only', () => {
    const fns = template.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs22.x' } });
    const withDirectory = Object.values(fns)
      .filter((f) => f.Properties.Environment.Variables.CUSTOMER_DIRECTORY_URL)
      .map((f) => f.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME);
    expect(withDirectory.sort()).toEqual(['lethe-plan', 'lethe-verify']);
    const [secretId] = Object.entries(template.findResources('AWS::SecretsManager::Secret')).find(([, r]) => r.Properties.Name === 'lethe/customer-directory') ?? [];
    expect(secretId).toBeDefined();
    const readers = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.PolicyDocument).includes(`"Ref":"${secretId}"`))
      .flatMap((p) => p.Properties.Roles.map((r: { Ref: string }) => r.Ref));
    const roleOf = (service: string) => Object.values(fns).find((f) => f.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME === service)?.Properties.Role['Fn::GetAtt'][0];
    expect(readers.sort()).toEqual([roleOf('lethe-plan'), roleOf('lethe-verify')].sort());
  });
});

describe('the processor registry', () => {
  it('ships as one layer, mounted in each function that reads it, with no S3 read', () => {
    // The other layer is the AWS CLI of CDK's BucketDeployment handler.
    const layers = Object.entries(template.findResources('AWS::Lambda::LayerVersion')).filter(([, l]) => /processor registry/.test(l.Properties.Description));
    expect(layers).toHaveLength(1);
    const [layerId, layer] = layers[0];
    const fns = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs22.x' } }));
    const readers = fns.filter((f) => f.Properties.Environment.Variables.REGISTRY_FILE);
    expect(readers.map((f) => f.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME.replace('lethe-', '')).sort()).toEqual(
      ['admin', 'assemble', 'callback', 'dispatch', 'escalate', 'notify', 'plan', 'status', 'sweeper'],
    );
    for (const f of readers) {
      expect(f.Properties.Environment.Variables.REGISTRY_FILE).toBe('/opt/lethe/processors.json');
      expect(f.Properties.Layers).toEqual([{ Ref: layerId }]);
    }
    for (const f of fns.filter((x) => !readers.includes(x))) expect(f.Properties.Layers).toBeUndefined();
    // The staged layer holds the registry the synth validated, at the path the functions are given.
    const outdir = (stack.node.root as App).outdir;
    const staged = join(outdir, `asset.${String(layer.Properties.Content.S3Key).replace(/\.zip$/, '')}`, 'lethe', 'processors.json');
    const registry = JSON.parse(readFileSync(staged, 'utf8'));
    expect(registry).toEqual(JSON.parse(readFileSync(join(import.meta.dirname, '../../../config/processors.json'), 'utf8')));
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).not.toMatch(/processors\.json/);
  });
});

describe('the console’s sign-in (Cognito managed login)', () => {
  const one = (type: string) => {
    const found = Object.entries(template.findResources(type));
    expect(found).toHaveLength(1);
    return found[0] as [string, { Properties: Record<string, unknown> }];
  };
  const consoleUrl = () => ({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [one('AWS::CloudFront::Distribution')[0], 'DomainName'] }, '/console.html']] });

  it('has a managed login domain and a public app client with the code grant only, back to the console page', () => {
    const [poolId] = one('AWS::Cognito::UserPool');
    const [domainId, domain] = one('AWS::Cognito::UserPoolDomain');
    expect(domain.Properties).toEqual({ Domain: 'lethe-123456789012', ManagedLoginVersion: 2, UserPoolId: { Ref: poolId } });
    const [clientId, client] = one('AWS::Cognito::UserPoolClient');
    expect(client.Properties).toMatchObject({
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: ['openid', 'profile', 'email'],
      GenerateSecret: false,
      CallbackURLs: [consoleUrl()],
      LogoutURLs: [consoleUrl()],
      SupportedIdentityProviders: ['COGNITO'],
    });
    template.hasResourceProperties('AWS::Cognito::ManagedLoginBranding', { ClientId: { Ref: clientId }, UserPoolId: { Ref: poolId }, UseCognitoProvidedValues: true });
    expect(domainId).toBeTruthy();
  });

  it('recovers a forgotten password by the verified email only, as the pool sends no SMS', () => {
    const [, pool] = one('AWS::Cognito::UserPool');
    expect(pool.Properties.AccountRecoverySetting).toEqual({ RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] });
  });

  it('issues refresh tokens that live no longer than the access token, as the console never uses one', () => {
    const [, client] = one('AWS::Cognito::UserPoolClient');
    expect(client.Properties).toMatchObject({ AccessTokenValidity: 60, IdTokenValidity: 60, RefreshTokenValidity: 60, TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'minutes' } });
  });

  it('publishes /config.json with the controller, the endpoints, the client id, the issuer and the region, filled in at deploy time', () => {
    const [poolId] = one('AWS::Cognito::UserPool');
    const [domainId] = one('AWS::Cognito::UserPoolDomain');
    const [clientId] = one('AWS::Cognito::UserPoolClient');
    const [, deploy] = Object.entries(template.findResources('Custom::CDKBucketDeployment')).find(([id]) => id.startsWith('SiteDeploy')) ?? [];
    const p = deploy?.Properties as { SourceObjectKeys: string[]; SourceMarkers: Record<string, unknown>[]; SourceMarkersConfig: { jsonEscape?: boolean }[] };
    const i = p.SourceMarkers.findIndex((m) => Object.keys(m).length > 0);
    expect(p.SourceMarkersConfig[i]).toEqual({ jsonEscape: true });
    const staged = new CloudAssembly(Stage.of(stack)?.synth().directory ?? '').assetDir(p.SourceObjectKeys[i]);
    // The staged file with each marker shown as the template value the deployment substitutes (JSON-escaped, as jsonEscape does).
    let text = readFileSync(join(staged, 'config.json'), 'utf8');
    for (const [marker, value] of Object.entries(p.SourceMarkers[i])) text = text.replaceAll(marker, JSON.stringify(`{${JSON.stringify(value)}}`).slice(1, -1));
    const domain = `https://{${JSON.stringify({ Ref: domainId })}}.auth.eu-west-2.amazoncognito.com`;
    expect(JSON.parse(text)).toEqual({
      // The form shows the controller from config/controller.json.
      controller: { name: 'Offtek', companyNumber: '03148866', address: ['Claremont House', 'Broad Lane', 'Tanworth in Arden', 'B94 5DY'], country: { en: 'United Kingdom', fr: 'Royaume-Uni' } },
      region: 'eu-west-2',
      userPoolId: `{${JSON.stringify({ Ref: poolId })}}`,
      clientId: `{${JSON.stringify({ Ref: clientId })}}`,
      issuer: `{${JSON.stringify({ 'Fn::GetAtt': [poolId, 'ProviderURL'] })}}`,
      authorizationEndpoint: `${domain}/oauth2/authorize`,
      tokenEndpoint: `${domain}/oauth2/token`,
      logoutEndpoint: `${domain}/logout`,
      redirectUri: `{${JSON.stringify(consoleUrl())}}`,
      scope: 'openid profile email',
    });
  });

  /** The response headers policy of the site's pages: the distribution's default behaviour's. */
  const sitePolicy = () => {
    const [cdn] = Object.values(template.findResources('AWS::CloudFront::Distribution'));
    return template.toJSON().Resources[(cdn.Properties.DistributionConfig.DefaultCacheBehavior.ResponseHeadersPolicyId as { Ref: string }).Ref];
  };

  it('sends HSTS on every API path too, whose confirmation and download pages the functions serve with their own CSP', () => {
    const [cdn] = Object.values(template.findResources('AWS::CloudFront::Distribution'));
    const behaviours = cdn.Properties.DistributionConfig.CacheBehaviors as { PathPattern: string; ResponseHeadersPolicyId?: { Ref: string } }[];
    expect(behaviours.length).toBeGreaterThan(0);
    for (const b of behaviours) {
      const policy = template.toJSON().Resources[b.ResponseHeadersPolicyId?.Ref ?? ''];
      expect(policy?.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig, b.PathPattern).toEqual({
        StrictTransportSecurity: { AccessControlMaxAgeSec: 31536000, IncludeSubdomains: true, Override: true },
      });
    }
  });

  it('lets the pages connect to the managed login domain (the token endpoint) besides their own origin', () => {
    const [domainId] = one('AWS::Cognito::UserPoolDomain');
    const policy = sitePolicy();
    const csp = (policy.Properties.ResponseHeadersPolicyConfig as { SecurityHeadersConfig: { ContentSecurityPolicy: { ContentSecurityPolicy: { 'Fn::Join': [string, unknown[]] } } } }).SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy;
    const text = csp['Fn::Join'][1].map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join('');
    expect(text).toContain(`connect-src 'self' https://${JSON.stringify({ Ref: domainId })}.auth.eu-west-2.amazoncognito.com;`);
  });

  it('has the API authorizer and the admin function check the same issuer and app client', () => {
    const [poolId] = one('AWS::Cognito::UserPool');
    const [clientId] = one('AWS::Cognito::UserPoolClient');
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { JwtConfiguration: { Audience: [{ Ref: clientId }], Issuer: { 'Fn::GetAtt': [poolId, 'ProviderURL'] } } });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'lethe-admin', ADMIN_JWT_ISSUER: { 'Fn::GetAtt': [poolId, 'ProviderURL'] }, ADMIN_CLIENT_ID: { Ref: clientId } }) },
    });
  });

  it('has no dependency cycle (the client needs the distribution, which needs the API, whose authorizer needs the client)', () => {
    const resources = template.toJSON().Resources as Record<string, { Properties?: unknown; DependsOn?: string | string[] }>;
    const refs = (v: unknown, out: Set<string>): Set<string> => {
      if (Array.isArray(v)) for (const x of v) refs(x, out);
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (k === 'Ref' && typeof x === 'string' && x in resources) out.add(x);
          else if (k === 'Fn::GetAtt') out.add(Array.isArray(x) ? String(x[0]) : String(x).split('.')[0]);
          else if (k === 'Fn::Sub') for (const [, name] of String(Array.isArray(x) ? x[0] : x).matchAll(/\$\{([^}.!]+)/g)) if (name in resources) out.add(name);
          refs(x, out);
        }
      }
      return out;
    };
    const deps = new Map(Object.entries(resources).map(([id, r]) => [id, new Set([...refs(r.Properties, new Set()), ...[r.DependsOn ?? []].flat()])]));
    const state = new Map<string, 'visiting' | 'done'>();
    const cycle: string[] = [];
    const visit = (id: string, path: string[]): boolean => {
      if (state.get(id) === 'done') return false;
      if (state.get(id) === 'visiting') return cycle.push(...path.slice(path.indexOf(id)), id) > 0;
      state.set(id, 'visiting');
      for (const d of deps.get(id) ?? []) if (visit(d, [...path, id])) return true;
      state.set(id, 'done');
      return false;
    };
    for (const id of deps.keys()) if (visit(id, [])) break;
    expect(cycle).toEqual([]);
  });
});

describe('the mail identity', () => {
  const sendGrants = (t: Template) =>
    Object.entries(t.findResources('AWS::IAM::Policy')).flatMap(([id, p]) =>
      p.Properties.PolicyDocument.Statement.filter((st: { Action: string | string[] }) => [st.Action].flat().includes('ses:SendEmail')).map((st: { Resource: unknown }) => [
        id.replace(/RoleDefaultPolicy.*/, '').replace(/^Functions/, ''),
        st.Resource,
      ]),
    );
  const setOf = (t: Template, name = 'lethe') => {
    const sets = Object.entries(t.findResources('AWS::SES::ConfigurationSet'));
    expect(sets.map(([, s]) => s.Properties.Name)).toEqual([name]);
    return sets[0][0];
  };
  const configurationSetBySender = (t: Template) =>
    Object.fromEntries(
      Object.values(t.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs22.x' } }))
        .filter((f) => f.Properties.Environment.Variables.MAIL_CONFIGURATION_SET)
        .map((f) => [f.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME.replace('lethe-', ''), f.Properties.Environment.Variables.MAIL_CONFIGURATION_SET]),
    );
  const everySender = (value: unknown) => Object.fromEntries([...MAIL_SENDERS].map((n) => [n, value]));
  const identityArns = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ses:eu-west-2:123456789012:identity/*']] };
  const setArn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ses:eu-west-2:123456789012:configuration-set/', { Ref: expect.stringMatching(/^MailConfig/) }]] };

  it("creates the mail domain's identity by default, and every sender names Lethe's configuration set on each email", () => {
    const setId = setOf(template);
    template.resourceCountIs('AWS::SES::EmailIdentity', 1);
    template.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'offtek.example', ConfigurationSetAttributes: { ConfigurationSetName: { Ref: setId } } });
    expect(configurationSetBySender(template)).toEqual(everySender({ Ref: setId }));
  });

  describe('with -c mailIdentity=existing (the shop already sends from the domain through SES; here, a second deployment beside the first)', () => {
    let existing: Template;
    beforeAll(() => {
      existing = Template.fromStack(staging());
    }, 120_000);

    it('creates no identity and outputs no DKIM records, which the existing identity has', () => {
      existing.resourceCountIs('AWS::SES::EmailIdentity', 0);
      expect(Object.keys(existing.findOutputs('*')).filter((k) => k.startsWith('DkimRecord'))).toEqual([]);
    });

    it("still sends through Lethe's configuration set, named on each email, and lets every sender send from the domain's identity", () => {
      const setId = setOf(existing, 'lethe-staging');
      expect(configurationSetBySender(existing)).toEqual(everySender({ Ref: setId }));
      expect(Object.fromEntries(sendGrants(existing))).toEqual(everySender([identityArns, setArn]));
    });
  });

  it('refuses any other mailIdentity value at synth, with the two it takes', () => {
    expect(() => new LetheStack(templateOnly(), 'Typo', { env: { region: 'eu-west-2', account: '123456789012' }, customerDirectory: 'none', mailIdentity: 'exisiting' })).toThrow(
      'mailIdentity must be "create" (the default) or "existing", not "exisiting".',
    );
  });
});

/**
 * What a deployment names by a fixed string, where another deployment in the same account could name
 * the same: every `…Name`-like property of its resources, the names its functions are given, and the
 * ARNs its policies spell out. A value that reads one of the stack's own resources (Ref, GetAtt) is
 * its own by construction and is left out.
 */
function fixedNames(t: Template): Map<string, string[]> {
  const PSEUDO = ['AWS::Partition', 'AWS::Region', 'AWS::AccountId', 'AWS::URLSuffix'];
  const text = (v: unknown): string | undefined => {
    if (typeof v === 'string') return v;
    const o = (v ?? {}) as { Ref?: string; 'Fn::Join'?: [string, unknown[]] };
    if (o.Ref && PSEUDO.includes(o.Ref)) return `<${o.Ref}>`;
    if (o['Fn::Join']) {
      const parts = o['Fn::Join'][1].map(text);
      return parts.every((p) => p !== undefined) ? parts.join(o['Fn::Join'][0]) : undefined;
    }
    return undefined;
  };
  // Names that live inside their resource (an index of its table, a group of its pool, a metric of its
  // namespace…), or that AWS does not hold unique (an HTTP API's name).
  const SCOPED = ['AttributeName', 'IndexName', 'GroupName', 'PolicyName', 'StageName', 'MetricName', 'HeaderName', 'AWS::ApiGatewayV2::Api Name', 'AWS::ApiGatewayV2::Authorizer Name', 'Dimensions.Name', 'RecoveryMechanisms.Name'];
  // Settings every deployment may share: none names a resource.
  const SETTINGS = ['MAIL_FROM', 'COMPLIANCE_EMAIL', 'CONTROLLER', 'POWERTOOLS_SERVICE_NAME', 'ANSWER_FLOOR_MS', 'REGISTRY_FILE', 'CUSTOMER_DIRECTORY_URL', 'AWS_CA_BUNDLE'];
  // Shared by design: the account's SES identities (every sender may send from any), and CDK's bootstrap bucket.
  const SHARED = [/:ses:eu-west-2:123456789012:identity\/\*$/, /:s3:::cdk-hnb659fds-assets-123456789012-eu-west-2(\/\*)?$/];
  const names = new Map<string, string[]>();
  const add = (value: string | undefined, where: string) => {
    if (value === undefined || value === '*' || value.startsWith('AWS/') || SHARED.some((r) => r.test(value))) return;
    names.set(value, [...(names.get(value) ?? []), where]);
  };
  const walk = (v: unknown, type: string, path: string[]) => {
    if (Array.isArray(v)) for (const x of v) walk(x, type, path);
    else if (v && typeof v === 'object' && text(v) === undefined) {
      for (const [k, x] of Object.entries(v)) {
        const at = [...path, k];
        const scoped = [k, `${type} ${at.join('.')}`, at.slice(-2).join('.')].some((s) => SCOPED.includes(s));
        if (/Name$|^Domain$|^EmailIdentity$|^Namespace$/.test(k) && !scoped) add(text(x), `${type} ${at.join('.')}`);
        walk(x, type, at);
      }
    }
  };
  for (const r of Object.values(t.toJSON().Resources as Record<string, { Type: string; Properties?: Record<string, unknown> }>)) {
    const p = r.Properties ?? {};
    walk(p, r.Type, []);
    if (r.Type === 'AWS::Lambda::Function') {
      for (const [k, v] of Object.entries((p.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {})) if (!SETTINGS.includes(k)) add(text(v), `environment ${k}`);
    }
    if (r.Type === 'AWS::IAM::Policy') {
      for (const st of (p.PolicyDocument as { Statement: { Resource: unknown }[] }).Statement) for (const res of [st.Resource].flat()) add(text(res), 'IAM policy');
    }
  }
  return names;
}

/** The names a deployment had before -c name existed (CloudFront's policy names derive from the stack's id, `Lethe`): an existing stack must keep each. */
const TODAYS_NAMES = [
  'Lethe',
  'LetheCdnOrigin1S3OriginAccessControl779B9EC7',
  'LetheIntakeRequests01E89773',
  'LetheSiteHeadersApiPolicyD16814F5',
  'LetheSiteHeadersPolicy9B1C7C5D',
  'api.privacy.offtek.example',
  'arn:<AWS::Partition>:states:eu-west-2:123456789012:execution:lethe-privacy-requests:*',
  'arn:<AWS::Partition>:states:eu-west-2:123456789012:stateMachine:lethe-privacy-requests',
  'lethe',
  'lethe-123456789012',
  'lethe-privacy-requests',
  'lethe/app',
  'lethe/customer-directory',
  'lethe/origin',
  'lethe/processors/mailwave',
  'lethe/processors/metricsly',
  'lethe/processors/offtek',
  'lethe/processors/parcelway',
  'lethe/processors/paynow',
  'lethe/processors/recoverco',
  'lethe/processors/reviewly',
  'lethe/processors/socialapp',
  'lethe/shop',
  'offtek.example',
];

describe('the deployment name (-c name), for a second stack in the same account and region', () => {
  it('keeps, without the option, the stack and every name a deployment had before the option existed', () => {
    expect(stack.stackName).toBe('Lethe');
    expect([...fixedNames(template).keys()].sort()).toEqual(TODAYS_NAMES);
  });

  it('gives a second deployment a stack, names and named ARNs of its own: none the first one has', () => {
    const second = staging();
    expect(second.stackName).toBe('Lethe-staging');
    const first = fixedNames(template);
    const shared = [...fixedNames(Template.fromStack(second))].filter(([name]) => first.has(name)).map(([name, where]) => `${name} (${where[0]})`);
    expect(shared).toEqual([]);
  });

  it.each([
    ['Lethe-Staging', 'is lowercase letters, digits and hyphens'],
    ['lethe_staging', 'is lowercase letters, digits and hyphens'],
    ['2nd', 'is lowercase letters, digits and hyphens'],
    ['staging-', 'is lowercase letters, digits and hyphens'],
    ['', 'is lowercase letters, digits and hyphens'],
    ['staging-for-the-shop-s-brand-new-checkout-and-search', "makes the console's sign-in domain prefix"],
    ['laws-staging', 'Cognito refuses'],
  ])('refuses -c name=%j at synth, naming the option and what is wrong', (name, why) => {
    expect(() => deployment({ name, registryFile: registryUnder(name) })).toThrow(`-c name=${JSON.stringify(name)}`);
    expect(() => deployment({ name, registryFile: registryUnder(name) })).toThrow(why);
  });

  it('takes a name of up to 50 characters, which keeps the sign-in domain prefix <name>-<account> within the 63 Cognito allows', () => {
    expect(deploymentName('a'.repeat(50))).toBe('a'.repeat(50));
    expect(() => deploymentName('a'.repeat(51))).toThrow("makes the console's sign-in domain prefix (Cognito) aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-<account>, 64 characters, over the 63 allowed: choose a name of at most 50 characters.");
    // Given its own prefix, the next limit is the API domain's first label, api-<name>.
    expect(() => deploymentName('a'.repeat(60), { authDomainPrefix: 'shop-console' })).toThrow('choose a name of at most 59 characters.');
  });

  it("refuses a second deployment whose registry names the first one's processor secrets", () => {
    expect(() => deployment({ name: 'lethe-staging' })).toThrow(
      '-c name="lethe-staging": the registry names processor secrets outside lethe-staging/ (lethe/processors/offtek, lethe/processors/paynow and 6 more), which another deployment in the account may hold. Give this deployment a registry of its own (-c registryFile=…) whose secretRefs start with lethe-staging/ (docs/deploying.md).',
    );
  });
});
