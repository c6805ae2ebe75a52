import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation properties are free-form JSON, read as CloudFormation reads them
export type Resource = { Type: string; Properties?: Record<string, any>; Metadata?: Record<string, unknown>; DependsOn?: unknown };
export type Template = { Resources: Record<string, Resource>; Outputs?: Record<string, { Value: unknown }> };

/** Where the local stand-ins live: what Ref and Fn::GetAtt resolve to on this machine. */
export interface LocalPlacement {
  readonly region: string;
  readonly account: string;
  /** The local site's origin (CloudFront's distribution), e.g. http://127.0.0.1:3000. */
  readonly siteUrl: string;
  /** The OIDC issuer standing in for the Cognito user pool (its ProviderURL). */
  readonly issuer: string;
  /**
   * The origin standing in for the pool's managed login domain: every
   * https://<prefix>.auth.<region>.amazoncognito.com in a resolved value becomes this.
   */
  readonly loginUrl: string;
}

export interface LambdaSpec {
  readonly logicalId: string;
  /** The construct's name under Lethe/Functions/<name> (the folder under functions/). */
  readonly name: string;
  readonly handler: string;
  readonly runtime: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** The key its code is uploaded under (`<hash>.zip`): one per function, or they would share a bundle. */
  readonly s3Key: string;
  /** The staged asset directory: the files `cdk deploy` zips and uploads as this function's code. */
  readonly assetDir: string;
  /** The template's Environment.Variables, unresolved. */
  readonly environment: Record<string, unknown>;
  /** The staged directories of its layers, in the template's order: what Lambda extracts under /opt. */
  readonly layerDirs: string[];
}

const CDK_PATH = 'aws:cdk:path';

/** A synthesized cloud assembly: the stack template and its staged assets, read as CloudFormation would. */
export class CloudAssembly {
  readonly template: Template;
  readonly stackName: string;
  private readonly assetPaths: Map<string, string>;

  constructor(readonly dir: string) {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { artifacts: Record<string, { type: string; properties?: { templateFile?: string } }> };
    const [stackName, stack] = Object.entries(manifest.artifacts).find(([, a]) => a.type === 'aws:cloudformation:stack') ?? [];
    if (!stackName || !stack?.properties?.templateFile) throw new Error(`no stack in the cloud assembly ${dir}`);
    this.stackName = stackName;
    this.template = JSON.parse(readFileSync(join(dir, stack.properties.templateFile), 'utf8'));
    const assets = JSON.parse(readFileSync(join(dir, `${stackName}.assets.json`), 'utf8')) as { files: Record<string, { source: { path: string } }> };
    this.assetPaths = new Map(Object.entries(assets.files).map(([hash, f]) => [hash, join(dir, f.source.path)]));
  }

  resources(type: string): [string, Resource][] {
    return Object.entries(this.template.Resources).filter(([, r]) => r.Type === type);
  }

  resource(logicalId: string): Resource {
    const r = this.template.Resources[logicalId];
    if (!r) throw new Error(`no resource ${logicalId} in the template`);
    return r;
  }

  /** The staged directory of the asset uploaded under this S3 key (`<hash>.zip`). */
  assetDir(s3Key: string): string {
    const path = this.assetPaths.get(s3Key.replace(/\.zip$/, ''));
    if (!path || !existsSync(path)) throw new Error(`asset ${s3Key} is not staged in ${this.dir}`);
    return path;
  }

  /** The application's functions: every Node.js Lambda (the CDK's own Python custom-resource handlers are emulated instead). */
  lambdas(): LambdaSpec[] {
    return this.resources('AWS::Lambda::Function')
      .filter(([, r]) => String(r.Properties?.Runtime ?? '').startsWith('nodejs'))
      .map(([logicalId, r]) => {
        const p = r.Properties ?? {};
        const path = String(r.Metadata?.[CDK_PATH] ?? logicalId).split('/');
        return {
          logicalId,
          name: path.at(-2) ?? logicalId,
          handler: String(p.Handler),
          runtime: String(p.Runtime),
          timeoutSeconds: Number(p.Timeout ?? 3),
          memoryMb: Number(p.MemorySize ?? 128),
          s3Key: String(p.Code?.S3Key),
          assetDir: this.assetDir(String(p.Code?.S3Key)),
          environment: (p.Environment?.Variables ?? {}) as Record<string, unknown>,
          layerDirs: ((p.Layers ?? []) as unknown[]).map((l) => this.layerDir(l)),
        };
      });
  }

  /** Lethe's own functions, those under <stack>/Functions/ (the folders of functions/), without the CDK's helpers. Needs path metadata. */
  applicationLambdas(): LambdaSpec[] {
    const prefix = `${this.stackName}/Functions/`;
    return this.lambdas().filter((f) => String(this.resource(f.logicalId).Metadata?.[CDK_PATH] ?? '').startsWith(prefix));
  }

  /** A layer of this stack, named by `Ref` to its AWS::Lambda::LayerVersion: its staged asset directory. */
  private layerDir(layer: unknown): string {
    const id = (layer as { Ref?: string } | null)?.Ref;
    const r = id ? this.resource(id) : undefined;
    if (r?.Type !== 'AWS::Lambda::LayerVersion') throw new Error(`the local runtime runs only this stack's own layers, not ${JSON.stringify(layer)}`);
    return this.assetDir(String(r.Properties?.Content?.S3Key));
  }

  /** The value `Ref` gives for a resource, named the way CloudFormation would but fixed, so data survives restarts. */
  physicalId(logicalId: string, at: LocalPlacement): string {
    const r = this.resource(logicalId);
    const p = r.Properties ?? {};
    const { region, account } = at;
    switch (r.Type) {
      case 'AWS::DynamoDB::Table':
      case 'AWS::DynamoDB::GlobalTable':
        return p.TableName ?? `${this.stackName}-${logicalId}`;
      case 'AWS::S3::Bucket':
        return p.BucketName ?? `${this.stackName}-${logicalId}`.toLowerCase().slice(0, 63);
      case 'AWS::SecretsManager::Secret':
        // Secrets Manager appends six random characters to a secret's name in its ARN.
        return `arn:aws:secretsmanager:${region}:${account}:secret:${p.Name ?? logicalId}-local0`;
      case 'AWS::Lambda::Function':
        return p.FunctionName ?? `${this.stackName}-${logicalId}`;
      case 'AWS::StepFunctions::StateMachine':
        return `arn:aws:states:${region}:${account}:stateMachine:${p.StateMachineName ?? logicalId}`;
      case 'AWS::Cognito::UserPool':
        return `${region}_local`;
      case 'AWS::Cognito::UserPoolDomain':
        return typeof p.Domain === 'string' ? p.Domain : `${this.stackName}-${logicalId}`.toLowerCase();
      case 'AWS::SES::EmailIdentity':
        return p.EmailIdentity;
      case 'AWS::SES::ConfigurationSet':
        return p.Name ?? logicalId;
      case 'AWS::SNS::Topic':
        return `arn:aws:sns:${region}:${account}:${p.TopicName ?? logicalId}`;
      case 'AWS::ApiGatewayV2::DomainName':
        return p.DomainName;
      default:
        return logicalId;
    }
  }

  /** `Fn::GetAtt`, for the attributes this stack reads. */
  attribute(logicalId: string, attr: string, at: LocalPlacement): string {
    const r = this.resource(logicalId);
    const id = this.physicalId(logicalId, at);
    const { region, account } = at;
    const key = `${r.Type}.${attr}`;
    switch (key) {
      case 'AWS::DynamoDB::Table.Arn':
      case 'AWS::DynamoDB::GlobalTable.Arn':
        return `arn:aws:dynamodb:${region}:${account}:table/${id}`;
      case 'AWS::S3::Bucket.Arn':
        return `arn:aws:s3:::${id}`;
      case 'AWS::S3::Bucket.RegionalDomainName':
      case 'AWS::S3::Bucket.DomainName':
        return `${id}.s3.${region}.amazonaws.com`;
      case 'AWS::Lambda::Function.Arn':
        return `arn:aws:lambda:${region}:${account}:function:${id}`;
      case 'AWS::IAM::Role.Arn':
        return `arn:aws:iam::${account}:role/${logicalId}`;
      case 'AWS::KMS::Key.Arn':
        return `arn:aws:kms:${region}:${account}:key/${id}`;
      case 'AWS::Logs::LogGroup.Arn':
        return `arn:aws:logs:${region}:${account}:log-group:${r.Properties?.LogGroupName ?? logicalId}:*`;
      case 'AWS::StepFunctions::StateMachine.Arn':
      case 'AWS::SecretsManager::Secret.Arn':
      case 'AWS::SNS::Topic.TopicArn':
        return id;
      case 'AWS::StepFunctions::StateMachine.Name':
        return id.split(':').at(-1) as string;
      case 'AWS::Cognito::UserPool.ProviderURL':
        return at.issuer;
      case 'AWS::Cognito::UserPool.Arn':
        return `arn:aws:cognito-idp:${region}:${account}:userpool/${id}`;
      case 'AWS::CloudFront::Distribution.DomainName':
        return new URL(at.siteUrl).host;
      case 'AWS::ApiGatewayV2::Api.ApiEndpoint':
        return at.siteUrl;
      default:
        if (attr === 'Id') return id;
        throw new Error(`the local runtime cannot resolve Fn::GetAtt ${logicalId}.${attr} (${r.Type})`);
    }
  }

  /**
   * Resolves CloudFormation intrinsics to this machine's resources. The CloudFront domain is the
   * local site, served over plain HTTP: it has no certificate, so its https:// becomes http://. The
   * user pool's managed login domain is the local sign-in stand-in. Both rewrites apply to every
   * resolved string, so a plain string (a deployed file once its markers are filled in) can be
   * passed through too.
   */
  resolver(at: LocalPlacement): (v: unknown) => unknown {
    const pseudo: Record<string, string> = {
      'AWS::Partition': 'aws',
      'AWS::Region': at.region,
      'AWS::AccountId': at.account,
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': this.stackName,
      'AWS::NoValue': '',
    };
    const site = new URL(at.siteUrl);
    const login = new RegExp(`https://[a-z0-9-]+\\.auth(?:-fips)?\\.${at.region}\\.amazoncognito\\.com`, 'g');
    const ref = (name: string) => pseudo[name] ?? this.physicalId(name, at);
    const sub = (text: string, vars: Record<string, unknown>) =>
      text.replace(/\$\{([^}!][^}]*)\}/g, (_, name: string) => {
        if (name in vars) return String(vars[name]);
        const [res, attr] = name.split('.');
        return attr ? this.attribute(res, attr, at) : ref(res);
      });
    const resolve = (v: unknown): unknown => {
      if (typeof v === 'string') return v.replaceAll(`https://${site.host}`, site.origin).replace(login, at.loginUrl);
      if (Array.isArray(v)) return v.map(resolve);
      if (!v || typeof v !== 'object') return v;
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o);
      if (keys.length === 1) {
        const [k] = keys;
        // biome-ignore lint/suspicious/noExplicitAny: an intrinsic's argument takes a different shape per function
        const arg = o[k] as any;
        if (k === 'Ref') return resolve(ref(arg));
        if (k === 'Fn::GetAtt') {
          const [res, attr] = Array.isArray(arg) ? arg : String(arg).split('.');
          return resolve(this.attribute(res, attr, at));
        }
        if (k === 'Fn::Join') return resolve((resolve(arg[1]) as unknown[]).join(arg[0]));
        if (k === 'Fn::Select') return resolve((resolve(arg[1]) as unknown[])[Number(resolve(arg[0]))]);
        if (k === 'Fn::Split') return String(resolve(arg[1])).split(arg[0]);
        if (k === 'Fn::Sub') {
          const [text, vars] = Array.isArray(arg) ? arg : [arg, {}];
          return resolve(sub(text, resolve(vars) as Record<string, unknown>));
        }
        if (k.startsWith('Fn::')) throw new Error(`the local runtime cannot resolve ${k}`);
      }
      return Object.fromEntries(Object.entries(o).map(([key, x]) => [key, resolve(x)]));
    };
    return resolve;
  }
}
