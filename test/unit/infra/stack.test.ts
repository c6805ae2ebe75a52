import { App, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { LetheStack } from '../../../infra/lethe-stack.ts';
import { ALL_FUNCTIONS, ROUTES } from '../../../infra/routes.ts';

let stack: Stack;
let template: Template;

beforeAll(() => {
  // Bundles every function once, with the same esbuild build that deploys.
  stack = new LetheStack(new App(), 'Lethe', { env: { region: 'eu-west-2', account: '123456789012' } });
  template = Template.fromStack(stack);
}, 120_000);

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

  it('keeps the table with point-in-time recovery, a customer-managed key, TTL and deletion protection', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      Replicas: Match.arrayWith([Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }, DeletionProtectionEnabled: true })]),
      SSESpecification: Match.objectLike({ SSEEnabled: true, SSEType: 'KMS' }),
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
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

  it('deletes export packages after 7 days from a KMS-encrypted bucket', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }) })] },
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 7 })] },
    });
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

  it('throttles processor callbacks apart from the form, so form posts cannot starve them', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingBurstLimit: 50, ThrottlingRateLimit: 20 },
      RouteSettings: { 'POST /callbacks/{taskId}': { ThrottlingBurstLimit: 100, ThrottlingRateLimit: 50 } },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /callbacks/{taskId}' });
  });
});
