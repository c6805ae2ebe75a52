import { createHash } from 'node:crypto';

/**
 * A stand-in for the local runtime's intrinsic resolver, so the IAM check can be tested on its own.
 * It gives every resource a deterministic local name and ARN; the runtime's resolver replaces it,
 * and the only thing the check relies on is that both sides of a comparison (a policy's Resource
 * and a recorded call's ARN) come out of the same resolver.
 */

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
}
export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
}
export type Resolve = (value: unknown) => unknown;
export interface Env {
  region: string;
  account: string;
  partition: string;
}

export function localResolver(template: CfnTemplate, env: Env): Resolve {
  const { region, account, partition } = env;
  const pseudo: Record<string, string> = {
    'AWS::Region': region,
    'AWS::AccountId': account,
    'AWS::Partition': partition,
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': 'Lethe',
  };
  const arn = (service: string, rest: string) => `arn:${partition}:${service}:${region}:${account}:${rest}`;

  const resource = (id: string): CfnResource => {
    const r = template.Resources[id];
    if (!r) throw new Error(`no resource ${id} in the template`);
    return r;
  };
  const prop = (r: CfnResource, name: string, fallback: string) => {
    const v = r.Properties?.[name];
    return v === undefined ? fallback : String(resolve(v));
  };

  const ref = (id: string): string => {
    if (id in pseudo) return pseudo[id];
    const r = resource(id);
    switch (r.Type) {
      case 'AWS::S3::Bucket':
        return prop(r, 'BucketName', id.toLowerCase());
      case 'AWS::DynamoDB::Table':
      case 'AWS::DynamoDB::GlobalTable':
        return prop(r, 'TableName', id);
      case 'AWS::IAM::Role':
        return prop(r, 'RoleName', id);
      case 'AWS::SES::ConfigurationSet':
        return prop(r, 'Name', id);
      case 'AWS::SES::EmailIdentity':
        return prop(r, 'EmailIdentity', id);
      case 'AWS::StepFunctions::StateMachine':
        return arn('states', `stateMachine:${prop(r, 'StateMachineName', id)}`);
      // Secrets Manager appends six random characters to a secret's ARN; a hash of the id stands in.
      case 'AWS::SecretsManager::Secret':
        return arn('secretsmanager', `secret:${prop(r, 'Name', id)}-${createHash('sha256').update(id).digest('hex').slice(0, 6)}`);
      default:
        return id;
    }
  };

  const getAtt = (id: string, attr: string): string => {
    const r = resource(id);
    if (attr !== 'Arn') throw new Error(`test resolver: no ${id}.${attr}`);
    switch (r.Type) {
      case 'AWS::S3::Bucket':
        return `arn:${partition}:s3:::${ref(id)}`;
      case 'AWS::DynamoDB::Table':
      case 'AWS::DynamoDB::GlobalTable':
        return arn('dynamodb', `table/${ref(id)}`);
      case 'AWS::IAM::Role':
        return `arn:${partition}:iam::${account}:role/${ref(id)}`;
      case 'AWS::KMS::Key':
        return arn('kms', `key/${id}`);
      case 'AWS::Lambda::Function':
        return arn('lambda', `function:${prop(r, 'FunctionName', id)}`);
      case 'AWS::Logs::LogGroup':
        return arn('logs', `log-group:${prop(r, 'LogGroupName', id)}:*`);
      default:
        throw new Error(`test resolver: no Arn for ${r.Type}`);
    }
  };

  const sub = (text: string, vars: Record<string, unknown>) =>
    text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
      if (name.startsWith('!')) return `\${${name.slice(1)}}`;
      if (name in vars) return String(resolve(vars[name]));
      const [id, attr] = name.split('.');
      return attr ? getAtt(id, attr) : ref(id);
    });

  function resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(resolve);
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value);
    if (entries.length === 1) {
      const [k, v] = entries[0] as [string, unknown];
      if (k === 'Ref') return ref(v as string);
      if (k === 'Fn::GetAtt') return getAtt(...((typeof v === 'string' ? v.split('.') : v) as [string, string]));
      if (k === 'Fn::Join') {
        const [sep, parts] = v as [string, unknown[]];
        return (resolve(parts) as unknown[]).join(sep);
      }
      if (k === 'Fn::Sub') return typeof v === 'string' ? sub(v, {}) : sub((v as [string, Record<string, unknown>])[0], (v as [string, Record<string, unknown>])[1]);
      if (k === 'Fn::Select') {
        const [i, list] = v as [unknown, unknown];
        return (resolve(list) as unknown[])[Number(resolve(i))];
      }
      if (k === 'Fn::Split') {
        const [sep, s] = v as [string, unknown];
        return String(resolve(s)).split(sep);
      }
      if (k.startsWith('Fn::')) throw new Error(`test resolver: ${k} is not supported`);
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, resolve(v)]));
  }
  return resolve;
}
