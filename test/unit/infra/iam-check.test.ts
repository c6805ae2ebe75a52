import { App, type CfnElement, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { Construct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { LetheStack, MAIL_SENDERS } from '../../../infra/lethe-stack.ts';
import { DEFAULT_NAME, deploymentNames } from '../../../infra/names.ts';
import type { FunctionName } from '../../../infra/routes.ts';
import { type CfnTemplate, localResolver } from '../../support/cfn-resolve.ts';
import { type CallRecord, type CheckContext, checkCalls, policiesOf, toIamRequests } from '../../support/iam-check.ts';

const env = { region: 'eu-west-2', account: '000000000000', partition: 'aws' };
const { stateMachine } = deploymentNames(DEFAULT_NAME);
const MACHINE = `arn:aws:states:eu-west-2:000000000000:stateMachine:${stateMachine}`;
const EXECUTION = `arn:aws:states:eu-west-2:000000000000:execution:${stateMachine}:01JREQUEST`;

let stack: Stack;
let template: CfnTemplate;
let ctx: CheckContext;
let table: string;
let exportsBucket: string;

/** A resource's logical id by its construct path, as the runtime knows its functions. */
const idOf = (path: string) => stack.getLogicalId(path.split('/').reduce((c, id) => c.node.findChild(id), stack as Construct) as CfnElement);
const fnId = (name: FunctionName) => idOf(`Functions/${name}/Resource`);

beforeAll(() => {
  // The template only: bundles.test.ts checks the functions' bundles, in the assembly `cdk synth` made.
  stack = new LetheStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Lethe', { env: { region: env.region, account: env.account }, customerDirectory: 'https://accounts.offtek.example/lethe' });
  template = Template.fromStack(stack).toJSON() as CfnTemplate;
  const resolve = localResolver(template, env);
  ctx = { ...env, stateMachineArn: MACHINE, resolve };
  table = String(resolve({ Ref: idOf('Data/Table/Resource') }));
  exportsBucket = String(resolve({ Ref: idOf('Exports/Exports/Resource') }));
}, 120_000);

const ddb = (fn: FunctionName, op: string, body: Record<string, unknown>): CallRecord => ({
  fn: fnId(fn),
  service: 'dynamodb',
  method: 'POST',
  path: '/',
  target: `DynamoDB_20120810.${op}`,
  body: JSON.stringify({ TableName: table, ...body }),
});
const sfn = (fn: FunctionName, op: string, body: Record<string, unknown>): CallRecord => ({
  fn: fnId(fn),
  service: 'states',
  method: 'POST',
  path: '/',
  target: `AWSStepFunctions.${op}`,
  body: JSON.stringify(body),
});
const secret = (fn: FunctionName, secretId: string): CallRecord => ({
  fn: fnId(fn),
  service: 'secretsmanager',
  method: 'POST',
  path: '/',
  target: 'secretsmanager.GetSecretValue',
  body: JSON.stringify({ SecretId: secretId }),
});
const s3 = (fn: FunctionName, method: string, path: string): CallRecord => ({ fn: fnId(fn), service: 's3', method, path });
const mail = (fn: FunctionName, extra: Record<string, unknown> = {}): CallRecord => ({
  fn: fnId(fn),
  service: 'sesv2',
  method: 'POST',
  path: '/v2/email/outbound-emails',
  body: JSON.stringify({ FromEmailAddress: 'privacy@offtek.example', Destination: { ToAddresses: ['jo@example.com'] }, Content: {}, ...extra }),
});
const taskToken = { taskToken: 'AQB8AAAAKgAAAAMAAAAA', output: '{}' };

describe('turning recorded calls into IAM requests', () => {
  const map = (r: CallRecord) => toIamRequests(r, { ...ctx, template }).map(({ action, resource }) => ({ action, resource }));

  it('checks a query on an index against the index ARN', () => {
    expect(map(ddb('sweeper', 'Query', { IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :p' }))).toEqual([
      { action: 'dynamodb:Query', resource: `arn:aws:dynamodb:eu-west-2:000000000000:table/${table}/index/gsi1` },
    ]);
  });

  it('checks a batch write once per table it writes to', () => {
    const r = ddb('admin', 'BatchWriteItem', { RequestItems: { [table]: [], other: [] } });
    expect(map(r)).toEqual([
      { action: 'dynamodb:BatchWriteItem', resource: `arn:aws:dynamodb:eu-west-2:000000000000:table/${table}` },
      { action: 'dynamodb:BatchWriteItem', resource: 'arn:aws:dynamodb:eu-west-2:000000000000:table/other' },
    ]);
  });

  it('checks each transaction item as its single-item action', () => {
    const r = ddb('admin', 'TransactWriteItems', { TransactItems: [{ Put: { TableName: table } }, { ConditionCheck: { TableName: table } }, { Put: { TableName: table } }] });
    expect(map(r).map((x) => x.action)).toEqual(['dynamodb:PutItem', 'dynamodb:ConditionCheckItem']);
  });

  it('checks task responses against the state machine and execution calls against the execution', () => {
    expect(map(sfn('callback', 'SendTaskSuccess', taskToken))).toEqual([{ action: 'states:SendTaskSuccess', resource: MACHINE }]);
    expect(map(sfn('admin', 'StopExecution', { executionArn: EXECUTION }))).toEqual([{ action: 'states:StopExecution', resource: EXECUTION }]);
    expect(map(sfn('sweeper', 'ListExecutions', { stateMachineArn: MACHINE, statusFilter: 'FAILED' }))).toEqual([{ action: 'states:ListExecutions', resource: MACHINE }]);
  });

  it('reads S3 path-style calls as object or bucket actions', () => {
    expect(map(s3('status', 'GET', `/${exportsBucket}/exports/01J%20X.zip?x-id=GetObject`))).toEqual([{ action: 's3:GetObject', resource: `arn:aws:s3:::${exportsBucket}/exports/01J X.zip` }]);
    expect(map(s3('assemble', 'PUT', `/${exportsBucket}/exports/a.zip?partNumber=1&uploadId=u`))).toEqual([{ action: 's3:PutObject', resource: `arn:aws:s3:::${exportsBucket}/exports/a.zip` }]);
    expect(map(s3('status', 'GET', `/${exportsBucket}?list-type=2&prefix=exports%2F`))).toEqual([{ action: 's3:ListBucket', resource: `arn:aws:s3:::${exportsBucket}` }]);
  });

  it('checks an email against the From domain identity, each recipient identity (as the SES sandbox does) and, when named, the configuration set', () => {
    expect(map(mail('notify', { FromEmailAddress: 'Lethe <privacy@offtek.example>', ConfigurationSetName: 'lethe' }))).toEqual([
      { action: 'ses:SendEmail', resource: 'arn:aws:ses:eu-west-2:000000000000:identity/offtek.example' },
      { action: 'ses:SendEmail', resource: 'arn:aws:ses:eu-west-2:000000000000:identity/jo@example.com' },
      { action: 'ses:SendEmail', resource: 'arn:aws:ses:eu-west-2:000000000000:configuration-set/lethe' },
    ]);
  });

  it('finds a secret named in the call by its full ARN in the template', () => {
    const [req] = map(secret('dispatch', 'lethe/processors/paynow'));
    expect(req.resource).toBe(ctx.resolve({ Ref: idOf('Processor-paynow/Resource') }));
    expect(req.resource).toMatch(/^arn:aws:secretsmanager:eu-west-2:000000000000:secret:lethe\/processors\/paynow-\w{6}$/);
  });
});

describe('the roles in the synthesized template', () => {
  it('give a function its own default policy, resolved, and no managed policy', () => {
    const names = policiesOf(template, fnId('intake'), ctx.resolve).map((p) => p.name);
    expect(names).toEqual([idOf('Functions/intakeRole/DefaultPolicy/Resource')]);
    expect(JSON.stringify(policiesOf(template, fnId('intake'), ctx.resolve))).not.toMatch(/"Ref"|"Fn::/);
  });

  it('allow the calls each function makes', async () => {
    const records = [
      ddb('intake', 'PutItem', { Item: {} }),
      ddb('intake', 'Query', { IndexName: 'gsi1' }),
      secret('intake', 'lethe/app'),
      mail('intake'),
      mail('intake', { ConfigurationSetName: 'lethe' }),
      sfn('verify', 'StartExecution', { stateMachineArn: MACHINE, name: '01JREQUEST', input: '{}' }),
      ddb('verify', 'UpdateItem', { Key: {} }),
      ddb('status', 'GetItem', { Key: {} }),
      s3('status', 'GET', `/${exportsBucket}/exports/01JREQUEST.zip?x-id=GetObject`),
      s3('status', 'HEAD', `/${exportsBucket}/exports/01JREQUEST.zip`),
      ddb('plan', 'BatchWriteItem', { RequestItems: { [table]: [] } }),
      secret('dispatch', 'lethe/processors/paynow'),
      sfn('dispatch', 'SendTaskHeartbeat', { taskToken: taskToken.taskToken }),
      sfn('callback', 'SendTaskSuccess', taskToken),
      secret('callback', 'lethe/processors/reviewly'),
      sfn('escalate', 'SendTaskFailure', { taskToken: taskToken.taskToken, error: 'Escalated' }),
      s3('assemble', 'PUT', `/${exportsBucket}/exports/01JREQUEST.zip?x-id=PutObject`),
      sfn('admin', 'DescribeExecution', { executionArn: EXECUTION }),
      sfn('admin', 'StopExecution', { executionArn: EXECUTION }),
      sfn('sweeper', 'GetExecutionHistory', { executionArn: EXECUTION, maxResults: 1000 }),
      sfn('sweeper', 'SendTaskSuccess', taskToken),
      // The sweeper stops the execution of a request refused or cancelled that the officer's action could not stop.
      sfn('sweeper', 'StopExecution', { executionArn: EXECUTION }),
      sfn('sweeper', 'ListExecutions', { stateMachineArn: MACHINE, statusFilter: 'ABORTED', maxResults: 1000 }),
      ddb('sweeper', 'Query', { IndexName: 'gsi1' }),
      ddb('sweeper', 'Query', { IndexName: 'watch' }),
      ddb('sweeper', 'BatchGetItem', { RequestItems: { [table]: { Keys: [] } } }),
      ddb('admin', 'Query', { IndexName: 'watch' }),
      mail('sweeper'),
    ];
    const result = await checkCalls(template, records, ctx);
    expect(result.denied).toEqual([]);
    // Each email is also checked against its recipient's identity (3), the configuration-set send against the set too (1).
    expect(result.checked).toBe(records.length + 3 + 1);
  });

  it('deny calls a role was not given', async () => {
    const result = await checkCalls(
      template,
      [
        sfn('intake', 'StartExecution', { stateMachineArn: MACHINE, name: 'x', input: '{}' }),
        s3('status', 'PUT', `/${exportsBucket}/exports/01JREQUEST.zip?x-id=PutObject`),
        secret('plan', 'lethe/processors/paynow'),
        sfn('notify', 'SendTaskSuccess', taskToken),
        // The sweeper only finishes an officer's action: it never fails a task or keeps one alive.
        sfn('sweeper', 'SendTaskFailure', { taskToken: taskToken.taskToken, error: 'x' }),
        sfn('sweeper', 'SendTaskHeartbeat', { taskToken: taskToken.taskToken }),
        sfn('admin', 'ListExecutions', { stateMachineArn: MACHINE, statusFilter: 'FAILED' }),
        // An identity of another account: the grant covers this account's identities only.
        mail('notify', { FromEmailAddressIdentityArn: 'arn:aws:ses:eu-west-2:999999999999:identity/elsewhere.example' }),
        // Notify mails a link to the export page; it never reads the package itself.
        s3('notify', 'GET', `/${exportsBucket}/exports/01JREQUEST.zip?x-id=GetObject`),
        // Assemble, which fetches processors' results_url, hashes nothing: it has no read of the app key.
        secret('assemble', 'lethe/app'),
      ],
      ctx,
    );
    expect(result.denied.map((d) => [d.fn, d.action])).toEqual([
      [fnId('intake'), 'states:StartExecution'],
      [fnId('status'), 's3:PutObject'],
      [fnId('plan'), 'secretsmanager:GetSecretValue'],
      [fnId('notify'), 'states:SendTaskSuccess'],
      [fnId('sweeper'), 'states:SendTaskFailure'],
      [fnId('sweeper'), 'states:SendTaskHeartbeat'],
      [fnId('admin'), 'states:ListExecutions'],
      [fnId('notify'), 'ses:SendEmail'],
      [fnId('notify'), 's3:GetObject'],
      [fnId('assemble'), 'secretsmanager:GetSecretValue'],
    ]);
    expect(result.denied.every((d) => d.reason === 'no statement of the role allows it')).toBe(true);
  });

  it('report calls they cannot map or that are not IAM actions instead of allowing them', async () => {
    const result = await checkCalls(
      template,
      [
        { ...ddb('admin', 'GetItem', {}), body: undefined },
        s3('status', 'PUT', `/${exportsBucket}/exports/a.zip?acl`),
        { ...secret('admin', 'lethe/app'), target: 'secretsmanager.Frobnicate' },
        secret('admin', 'lethe/processors/nobody'),
      ],
      ctx,
    );
    expect(result.denied.map((d) => [d.action, d.reason])).toEqual([
      ['dynamodb:GetItem', 'no DynamoDB operation or JSON body'],
      [`s3:PUT /${exportsBucket}/exports/a.zip?acl`, 'no mapping for S3 PUT on an object with acl'],
      ['secretsmanager:Frobnicate', 'iam-simulate refused the request: invalid.action'],
      ['secretsmanager:GetSecretValue', 'no AWS::SecretsManager::Secret named lethe/processors/nobody in the template'],
    ]);
  });

  it('allow every mail-sending function to mail an address that is not the sender domain, as the SES sandbox requires', async () => {
    const calls = MAIL_SENDERS.map((fn) => mail(fn, { Destination: { ToAddresses: ['new.customer@example.net'] }, ConfigurationSetName: 'lethe' }));
    const result = await checkCalls(template, calls, ctx);
    expect(result.checked).toBe(MAIL_SENDERS.length * 3);
    expect(result.denied).toEqual([]);
  });

  it('deny a call once the grant it relied on is removed from the template', async () => {
    const start = sfn('verify', 'StartExecution', { stateMachineArn: MACHINE, name: '01JREQUEST', input: '{}' });
    const others = [ddb('verify', 'UpdateItem', { Key: {} }), mail('verify')];
    expect((await checkCalls(template, [start, ...others], ctx)).denied).toEqual([]);

    const broken = structuredClone(template);
    const policy = broken.Resources[idOf('Functions/verifyRole/DefaultPolicy/Resource')];
    const doc = policy.Properties?.PolicyDocument as { Statement: { Action: string | string[] }[] };
    const before = doc.Statement.length;
    doc.Statement = doc.Statement.filter((s) => ![s.Action].flat().includes('states:StartExecution'));
    expect(doc.Statement).toHaveLength(before - 1);

    const result = await checkCalls(broken, [start, ...others], { ...ctx, resolve: localResolver(broken, env) });
    expect(result.denied).toEqual([{ fn: fnId('verify'), action: 'states:StartExecution', resource: MACHINE, reason: 'no statement of the role allows it' }]);
  });

  it('name the statement that explicitly denies a call', async () => {
    const withDeny = structuredClone(template);
    const policyId = idOf('Functions/assembleRole/DefaultPolicy/Resource');
    const doc = withDeny.Resources[policyId].Properties?.PolicyDocument as { Statement: unknown[] };
    doc.Statement.push({ Effect: 'Deny', Action: 's3:PutObject', Resource: '*' });

    const result = await checkCalls(withDeny, [s3('assemble', 'PUT', `/${exportsBucket}/exports/01JREQUEST.zip?x-id=PutObject`)], { ...ctx, resolve: localResolver(withDeny, env) });
    expect(result.denied.map((d) => d.reason)).toEqual([`explicitly denied by ${policyId} statement ${doc.Statement.length}`]);
  });
});
