/**
 * Checks recorded AWS calls against the IAM the synthesized template gives each function.
 *
 * Test-only on purpose: @cloud-copilot/iam-simulate is AGPL-3.0, so nothing under functions/, infra/
 * or local/ may import this file.
 *
 * Scope: identity policies of the function's role only. No SCPs, no permission boundaries, and no
 * resource policies: the exports bucket's policy (TLS-only deny) and the KMS key policy are not
 * evaluated, and neither are the KMS calls AWS makes on the caller's behalf (SSE-KMS on the table,
 * bucket and secrets), since the runtime never sees them as HTTP calls.
 */
import { getDenialReasons, runSimulation, runUnsafeSimulation } from '@cloud-copilot/iam-simulate';
import type { CfnTemplate, Resolve } from './cfn-resolve.ts';

export type Service = 'dynamodb' | 'states' | 's3' | 'sesv2' | 'secretsmanager';

/** One AWS API call as the local runtime saw it on the wire. */
export interface CallRecord {
  /** Logical id of the AWS::Lambda::Function that made the call. */
  fn: string;
  service: Service;
  method: string;
  /** Path including the query string (S3 is path-style: /bucket/key?…). */
  path: string;
  /** x-amz-target, for the JSON-protocol services. */
  target?: string;
  /** Request body text when JSON. */
  body?: string;
}

export interface CheckContext {
  region: string;
  account: string;
  partition: string;
  stateMachineArn: string;
  resolve: Resolve;
}
export type MappingContext = CheckContext & { template: CfnTemplate };

export interface IamRequest {
  action: string;
  resource: string;
  /** Set when the call could not be turned into an IAM request; the check reports it with this reason. */
  unmapped?: string;
}
export interface IdentityPolicy {
  name: string;
  policy: unknown;
}
export interface Denial {
  fn: string;
  action: string;
  resource: string;
  reason: string;
}
export interface CheckResult {
  /** One entry per distinct (function, action, resource) that the role does not allow. */
  denied: Denial[];
  /** How many IAM requests the records turned into, repeats included. */
  checked: number;
}

const jsonBody = (r: CallRecord): Record<string, unknown> | undefined => {
  try {
    const v = JSON.parse(r.body ?? '');
    return v && typeof v === 'object' ? v : undefined;
  } catch {
    return undefined;
  }
};
const unmapped = (r: CallRecord, why: string): IamRequest[] => {
  const op = r.target?.split('.').pop() ?? `${r.method} ${r.path}`;
  return [{ action: `${r.service}:${op}`, resource: r.path, unmapped: why }];
};

export function toIamRequests(record: CallRecord, ctx: MappingContext): IamRequest[] {
  switch (record.service) {
    case 'dynamodb':
      return dynamodb(record, ctx);
    case 'states':
      return states(record, ctx);
    case 's3':
      return s3(record, ctx);
    case 'sesv2':
      return sesv2(record, ctx);
    case 'secretsmanager':
      return secretsmanager(record, ctx);
    default:
      return unmapped(record, `no mapping for service ${record.service}`);
  }
}

// Transactions are authorised item by item, as the single-item action on each item's table.
const TRANSACT_ACTIONS: Record<string, string> = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem', Get: 'GetItem' };

function dynamodb(r: CallRecord, ctx: MappingContext): IamRequest[] {
  const op = r.target?.match(/^DynamoDB_\d+\.(\w+)$/)?.[1];
  const body = jsonBody(r);
  if (!op || !body) return unmapped(r, 'no DynamoDB operation or JSON body');
  const table = (name: string) => (name.startsWith('arn:') ? name : `arn:${ctx.partition}:dynamodb:${ctx.region}:${ctx.account}:table/${name}`);
  const dedupe = (rs: IamRequest[]) => [...new Map(rs.map((x) => [`${x.action} ${x.resource}`, x])).values()];

  if (op === 'BatchGetItem' || op === 'BatchWriteItem') {
    return Object.keys((body.RequestItems as object) ?? {}).map((t) => ({ action: `dynamodb:${op}`, resource: table(t) }));
  }
  if (op === 'TransactWriteItems' || op === 'TransactGetItems') {
    return dedupe(
      ((body.TransactItems as Record<string, { TableName: string }>[]) ?? []).flatMap((item) =>
        Object.entries(item).map(([kind, v]) => ({ action: `dynamodb:${TRANSACT_ACTIONS[kind] ?? kind}`, resource: table(v.TableName) })),
      ),
    );
  }
  if (typeof body.TableName !== 'string') return unmapped(r, `DynamoDB ${op} names no table`);
  const index = (op === 'Query' || op === 'Scan') && typeof body.IndexName === 'string' ? `/index/${body.IndexName}` : '';
  // Any other single-table operation maps to the action of the same name; iam-simulate rejects names that are not actions.
  return [{ action: `dynamodb:${op}`, resource: table(body.TableName) + index }];
}

function states(r: CallRecord, ctx: MappingContext): IamRequest[] {
  const op = r.target?.match(/^AWSStepFunctions\.(\w+)$/)?.[1];
  const body = jsonBody(r);
  if (!op || !body) return unmapped(r, 'no Step Functions operation or JSON body');
  // A task token does not name its machine; CDK's grantTaskResponse scopes these to the machine, so check against it.
  if (op === 'SendTaskSuccess' || op === 'SendTaskFailure' || op === 'SendTaskHeartbeat') return [{ action: `states:${op}`, resource: ctx.stateMachineArn }];
  if (op === 'StartExecution' || op === 'StartSyncExecution' || op === 'DescribeStateMachine' || op === 'ListExecutions') return [{ action: `states:${op}`, resource: String(body.stateMachineArn) }];
  if (op === 'DescribeExecution' || op === 'StopExecution' || op === 'GetExecutionHistory') return [{ action: `states:${op}`, resource: String(body.executionArn) }];
  return unmapped(r, `no mapping for Step Functions ${op}`);
}

// Query parameters that do not change which S3 action a request is: the SDK's x-id, presigned-URL
// signing parameters and response header overrides.
const ignoredS3Param = (k: string) => k === 'x-id' || /^x-amz-/i.test(k) || k.startsWith('response-');
const LIST_PARAMS = new Set(['list-type', 'prefix', 'delimiter', 'continuation-token', 'max-keys', 'start-after', 'encoding-type', 'fetch-owner', 'marker']);

function s3(r: CallRecord, ctx: MappingContext): IamRequest[] {
  const url = new URL(r.path, 'http://s3.local');
  const [, bucket, ...rest] = url.pathname.split('/');
  if (!bucket) return unmapped(r, 'S3 call names no bucket');
  const key = rest.map(decodeURIComponent).join('/');
  const params = [...url.searchParams.keys()].filter((k) => !ignoredS3Param(k));
  const only = (...ks: string[]) => params.length === ks.length && ks.every((k) => params.includes(k));
  const bucketArn = `arn:${ctx.partition}:s3:::${bucket}`;
  const m = r.method.toUpperCase();
  const to = (action: string, resource: string) => [{ action: `s3:${action}`, resource }];

  if (!key) {
    // HeadBucket is authorised as ListBucket.
    if ((m === 'GET' && params.every((k) => LIST_PARAMS.has(k))) || (m === 'HEAD' && only())) return to('ListBucket', bucketArn);
    return unmapped(r, `no mapping for S3 ${m} on a bucket with ${params.join(', ') || 'no parameters'}`);
  }
  const object = `${bucketArn}/${key}`;
  if ((m === 'GET' || m === 'HEAD') && only()) return to('GetObject', object);
  // A single PUT and every step of a multipart upload are authorised as PutObject.
  if ((m === 'PUT' && (only() || only('partNumber', 'uploadId'))) || (m === 'POST' && (only('uploads') || only('uploadId')))) return to('PutObject', object);
  if (m === 'DELETE' && only()) return to('DeleteObject', object);
  if (m === 'DELETE' && only('uploadId')) return to('AbortMultipartUpload', object);
  return unmapped(r, `no mapping for S3 ${m} on an object with ${params.join(', ')}`);
}

function sesv2(r: CallRecord, ctx: MappingContext): IamRequest[] {
  const body = jsonBody(r);
  if (r.method.toUpperCase() !== 'POST' || new URL(r.path, 'http://ses.local').pathname !== '/v2/email/outbound-emails' || !body) {
    return unmapped(r, 'only SESv2 SendEmail is mapped');
  }
  const from = String(body.FromEmailAddress ?? '');
  const address = from.match(/<([^>]+)>/)?.[1] ?? from.trim();
  const domain = address.split('@').pop();
  if (!domain) return unmapped(r, 'SendEmail without a From address');
  const ses = (rest: string) => `arn:${ctx.partition}:ses:${ctx.region}:${ctx.account}:${rest}`;
  const identity = typeof body.FromEmailAddressIdentityArn === 'string' ? body.FromEmailAddressIdentityArn : ses(`identity/${domain}`);
  // As in the SES sandbox, where every account starts: each recipient is an identity SendEmail is authorized against too.
  const destination = (body.Destination ?? {}) as Record<string, string[] | undefined>;
  const recipients = [...(destination.ToAddresses ?? []), ...(destination.CcAddresses ?? []), ...(destination.BccAddresses ?? [])];
  const requests = [{ action: 'ses:SendEmail', resource: identity }, ...recipients.map((to) => ({ action: 'ses:SendEmail', resource: ses(`identity/${to}`) }))];
  if (typeof body.ConfigurationSetName === 'string') requests.push({ action: 'ses:SendEmail', resource: ses(`configuration-set/${body.ConfigurationSetName}`) });
  return requests;
}

function secretsmanager(r: CallRecord, ctx: MappingContext): IamRequest[] {
  const op = r.target?.match(/^secretsmanager\.(\w+)$/)?.[1];
  const id = jsonBody(r)?.SecretId;
  if (!op || typeof id !== 'string') return unmapped(r, 'no Secrets Manager operation or SecretId');
  const arn = id.startsWith('arn:') ? id : secretArnByName(ctx, id);
  if (!arn) return unmapped(r, `no AWS::SecretsManager::Secret named ${id} in the template`);
  return [{ action: `secretsmanager:${op}`, resource: arn }];
}

/** Policies grant a secret by its full ARN (name plus random suffix), so a name is looked up in the template. */
function secretArnByName(ctx: MappingContext, name: string): string | undefined {
  for (const [id, r] of Object.entries(ctx.template.Resources)) {
    if (r.Type === 'AWS::SecretsManager::Secret' && ctx.resolve(r.Properties?.Name) === name) return String(ctx.resolve({ Ref: id }));
  }
  return undefined;
}

// The managed policy CDK attaches to every Lambda role. AWS managed policies are not in the template;
// this one is written out (CloudWatch Logs only), and any other AWS managed policy is taken to grant
// nothing. That can only make the check stricter than AWS, never looser.
const BASIC_EXECUTION = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' }],
};

const isIntrinsic = (v: unknown) => {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
};
/** Resolves every intrinsic inside a document, whether or not the given resolver itself recurses. */
const resolveDeep = (v: unknown, resolve: Resolve): unknown => {
  if (isIntrinsic(v)) return resolve(v);
  if (Array.isArray(v)) return v.map((x) => resolveDeep(x, resolve));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolveDeep(x, resolve)]));
  return v;
};

/** The role's ARN and every identity policy document that applies to a function, intrinsics resolved. */
export function rolePolicies(template: CfnTemplate, functionLogicalId: string, resolve: Resolve): { roleArn: string; policies: IdentityPolicy[] } {
  const fn = template.Resources[functionLogicalId];
  if (fn?.Type !== 'AWS::Lambda::Function') throw new Error(`${functionLogicalId} is not an AWS::Lambda::Function in the template`);
  const roleId = (fn.Properties?.Role as { 'Fn::GetAtt'?: [string, string] })?.['Fn::GetAtt']?.[0];
  const role = roleId ? template.Resources[roleId] : undefined;
  if (!roleId || role?.Type !== 'AWS::IAM::Role') throw new Error(`${functionLogicalId}'s role is not an AWS::IAM::Role of this template`);
  // A boundary could only take permissions away; it is not modelled, so refuse rather than over-allow.
  if (role.Properties?.PermissionsBoundary) throw new Error(`${roleId} has a permissions boundary, which this check does not evaluate`);

  const roleRef = resolve({ Ref: roleId });
  const isThisRole = (x: unknown) => (x as { Ref?: string })?.Ref === roleId || resolve(x) === roleRef;
  const found: IdentityPolicy[] = [];
  for (const p of (role.Properties?.Policies as { PolicyName: string; PolicyDocument: unknown }[]) ?? []) {
    found.push({ name: `${roleId}/${p.PolicyName}`, policy: p.PolicyDocument });
  }
  const managedArns = (role.Properties?.ManagedPolicyArns as unknown[]) ?? [];
  if (managedArns.some((a) => String(resolve(a)).endsWith(':iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'))) {
    found.push({ name: 'AWSLambdaBasicExecutionRole', policy: BASIC_EXECUTION });
  }
  for (const [id, r] of Object.entries(template.Resources)) {
    const attached = ((r.Properties?.Roles as unknown[]) ?? []).some(isThisRole);
    if (r.Type === 'AWS::IAM::Policy' && attached) found.push({ name: id, policy: r.Properties?.PolicyDocument });
    if (r.Type === 'AWS::IAM::ManagedPolicy' && (attached || managedArns.some((a) => resolve(a) === resolve({ Ref: id })))) {
      found.push({ name: id, policy: r.Properties?.PolicyDocument });
    }
  }
  return {
    roleArn: String(resolve({ 'Fn::GetAtt': [roleId, 'Arn'] })),
    policies: found.map((p) => ({ name: p.name, policy: resolveDeep(p.policy, resolve) })),
  };
}

export function policiesOf(template: CfnTemplate, functionLogicalId: string, resolve: Resolve): IdentityPolicy[] {
  return rolePolicies(template, functionLogicalId, resolve).policies;
}

// The Service Authorization Reference lists these as "*"-only, so iam-simulate refuses any other
// resource; but AWS authorises a callback-pattern token against the machine that issued it, which is
// why CDK's grantTaskResponse (and this stack) scope them to the machine. They skip input validation.
const SCOPED_IN_PRACTICE = new Set(['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat']);

/** Why the role does not allow the request, or undefined when it does. */
async function denialReason(request: IamRequest, role: { roleArn: string; policies: IdentityPolicy[] }, ctx: CheckContext): Promise<string | undefined> {
  const simulation = {
    request: {
      principal: role.roleArn,
      action: request.action,
      resource: { resource: request.resource, accountId: ctx.account },
      contextVariables: { 'aws:SecureTransport': 'true', 'aws:PrincipalArn': role.roleArn, 'aws:PrincipalAccount': ctx.account, 'aws:RequestedRegion': ctx.region },
    },
    identityPolicies: role.policies,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  };
  if (SCOPED_IN_PRACTICE.has(request.action)) {
    return runUnsafeSimulation(simulation, {}) === 'Allowed' ? undefined : 'no statement of the role allows it';
  }
  const r = await runSimulation(simulation, {});
  if (r.resultType === 'error') return `iam-simulate refused the request: ${r.errors.message}`;
  if (r.overallResult === 'Allowed') return undefined;
  if (r.overallResult === 'ExplicitlyDenied' && r.resultType === 'single') {
    return `explicitly denied by ${getDenialReasons(r.result.analysis)
      .map((d) => ('statementIndex' in d ? `${d.policyIdentifier} statement ${d.statementIndex}` : d.policyType))
      .join(', ')}`;
  }
  return r.overallResult === 'ExplicitlyDenied' ? 'explicitly denied' : 'no statement of the role allows it';
}

export async function checkCalls(template: CfnTemplate, records: CallRecord[], ctx: CheckContext): Promise<CheckResult> {
  const mapping = { ...ctx, template };
  const roles = new Map<string, { roleArn: string; policies: IdentityPolicy[] }>();
  const seen = new Set<string>();
  const denied: Denial[] = [];
  let checked = 0;
  for (const record of records) {
    for (const request of toIamRequests(record, mapping)) {
      checked++;
      const key = `${record.fn} ${request.action} ${request.resource}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (!roles.has(record.fn)) roles.set(record.fn, rolePolicies(template, record.fn, ctx.resolve));
      const reason = request.unmapped ?? (await denialReason(request, roles.get(record.fn)!, ctx));
      if (reason) denied.push({ fn: record.fn, action: request.action, resource: request.resource, reason });
    }
  }
  return { denied, checked };
}
