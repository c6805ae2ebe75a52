import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Registry } from '../functions/core/model.ts';
import { type CloudAssembly, type LocalPlacement, CloudAssembly as Assembly } from './assembly/assembly.ts';
import { ensureAssembly } from './assembly/synth.ts';
import { poolSettings, startLocalAuth } from './auth.ts';
import { apiRoutes, bucketDeployments, distribution, startFront } from './http-api.ts';
import { mountLayers } from './lambda/layers.ts';
import { LambdaPool, type LocalFunction } from './lambda/pool.ts';
import { startDemoProcessors } from './processors/server.ts';
import { newWebhookSecret } from './processors/registry.ts';
import { startDemoDirectory } from './directory/server.ts';
import { LOCAL_CREDENTIALS } from './services/credentials.ts';
import { ensureTable, startDynamo, type TableDefinition } from './services/dynamo.ts';
import { startS3 } from './services/s3.ts';
import { startSecrets } from './services/secrets.ts';
import { startSes } from './services/ses.ts';
import { startSns } from './services/sns.ts';
import { startTtlReaper } from './services/ttl-reaper.ts';
import { LocalStepFunctions } from './sfn/engine.ts';
import { startSfnServer } from './sfn/server.ts';

export const LOCAL_REGION = 'eu-west-2';
export const LOCAL_ACCOUNT = '000000000000';

export interface RuntimeOptions {
  /** Where DynamoDB, S3, executions, secrets and function logs are persisted. */
  readonly dataDir: string;
  /** The cloud assembly to run. @default the cached synthesis of this checkout (see assembly/synth.ts) */
  readonly assemblyDir?: string;
  /** Port of the site and API (the local CloudFront); 0 picks a free one. */
  readonly port?: number;
  /** Port of the demo processors; 0 picks a free one. */
  readonly processorsPort?: number;
  /** Port of the sign-in stand-in (the user pool's issuer and managed login); 0 picks a free one. */
  readonly authPort?: number;
  /** The clock of the embedded services that expire things (TTL); tests move it. */
  readonly now?: () => Date;
  /** How often the sweeper runs. @default the template's schedule */
  readonly sweepEveryMs?: number;
  /** Adjusts the deployed registry object (tests: a short timeout, a manual processor). */
  readonly registry?: (r: Registry) => Registry;
  /** Milliseconds between retries of a state, instead of the ASL's backoff (tests only). */
  readonly retryIntervalOverrides?: Record<string, number>;
  /** Record every AWS call each function makes, for the IAM check. */
  readonly recordCalls?: boolean;
  /**
   * Delete expired items as DynamoDB's TTL does. Off, expired items stay readable, as they do on AWS
   * for up to about two days: tests check that every read treats them as gone. @default true
   */
  readonly ttlReaper?: boolean;
}

export type Runtime = Awaited<ReturnType<typeof startRuntime>>;

/** Lambda's reserved variables, which the service sets in every function's environment. */
const lambdaVariables = (f: { name: string; handler: string; memoryMb: number; assetDir: string }, functionName: string) => ({
  AWS_REGION: LOCAL_REGION,
  AWS_DEFAULT_REGION: LOCAL_REGION,
  AWS_LAMBDA_FUNCTION_NAME: functionName,
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(f.memoryMb),
  AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
  _HANDLER: f.handler,
  LAMBDA_TASK_ROOT: f.assetDir,
});

/** EventBridge Scheduler's rate expressions, the only kind this stack uses. */
function rateMs(expression: string): number {
  const m = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (!m) throw new Error(`the local runtime runs rate() schedules only, not ${expression}`);
  return Number(m[1]) * { minute: 60_000, hour: 3_600_000, day: 86_400_000 }[m[2].replace(/s$/, '') as 'minute'];
}

/**
 * Boots Lethe on embedded services by running the synthesized cloud assembly: each function's
 * bundled asset with the template's handler, environment and timeout, in a worker of its own; the
 * template's state machine definition; its HTTP API routes and CloudFront behaviours; its schedule.
 * On top of the template, only endpoints and credentials are added.
 */
export async function startRuntime(opts: RuntimeOptions) {
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const now = opts.now ?? (() => new Date());
  const closers: (() => Promise<unknown> | unknown)[] = [];
  let front: Awaited<ReturnType<typeof startFront>> | undefined;
  const stop = async () => {
    // No new requests first, then everything behind them.
    await front?.close();
    for (const c of closers.reverse()) await c();
    closers.length = 0;
  };
  try {
    const assembly: CloudAssembly = new Assembly(opts.assemblyDir ?? ensureAssembly());

    // The site's origin must be known before anything resolves the CloudFront domain, and the
    // sign-in stand-in's before anything resolves the user pool's issuer or its managed login domain.
    front = await startFront(opts.port ?? 0);
    const auth = await startLocalAuth(join(dataDir, 'auth.json'), opts.authPort ?? 0);
    closers.push(auth.close);
    const at: LocalPlacement = { region: LOCAL_REGION, account: LOCAL_ACCOUNT, siteUrl: front.url, issuer: auth.url, loginUrl: auth.url };
    const resolveValue = assembly.resolver(at);

    // DynamoDB: every table the template declares, with its keys, indexes and TTL.
    const dynamo = await startDynamo(join(dataDir, 'dynamodb'));
    closers.push(dynamo.close);
    const tables = [...assembly.resources('AWS::DynamoDB::GlobalTable'), ...assembly.resources('AWS::DynamoDB::Table')].map(([id, r]) => ({
      name: assembly.physicalId(id, at),
      def: r.Properties as TableDefinition & { TimeToLiveSpecification?: { AttributeName: string; Enabled: boolean } },
    }));
    for (const t of tables) await ensureTable(dynamo.endpoint, t.name, t.def);

    const ses = await startSes();
    closers.push(ses.close);
    // SNS: the template's topics and their subscriptions, each email one waiting for its confirmation.
    const sns = await startSns(
      assembly.resources('AWS::SNS::Topic').map(([id]) => String(resolveValue({ Ref: id }))),
      assembly.resources('AWS::SNS::Subscription').map(([, r]) => {
        const p = resolveValue(r.Properties) as { TopicArn: string; Protocol: string; Endpoint: string };
        return { topicArn: p.TopicArn, protocol: p.Protocol, endpoint: p.Endpoint, confirmed: p.Protocol !== 'email' };
      }),
      LOCAL_ACCOUNT,
    );
    closers.push(sns.close);
    const buckets = assembly.resources('AWS::S3::Bucket').map(([id]) => assembly.physicalId(id, at));
    const s3 = await startS3(join(dataDir, 's3'), buckets);
    closers.push(s3.close);

    // Secrets: generated or literal as the template says; the processors' keys are the demo processors' own.
    const secretsFile = join(dataDir, 'secrets.json');
    const secrets = await startSecrets(secretsFile, () => {
      const out: Record<string, unknown> = {};
      for (const [id, r] of assembly.resources('AWS::SecretsManager::Secret')) {
        const p = r.Properties ?? {};
        const name = String(p.Name ?? id);
        if (p.GenerateSecretString) {
          const g = p.GenerateSecretString;
          const value = randomBytes(g.PasswordLength ?? 32).toString('base64url').slice(0, g.PasswordLength ?? 32);
          out[name] = g.GenerateStringKey ? { ...JSON.parse(g.SecretStringTemplate ?? '{}'), [g.GenerateStringKey]: value } : value;
        } else {
          const value = JSON.parse(String(p.SecretString ?? '""'));
          // A processor's signing keys are agreed with it; here, each demo processor gets a fresh one.
          out[name] = Array.isArray(value?.secrets) && value.secrets.length === 0 ? { secrets: [newWebhookSecret()] } : value;
        }
      }
      return out;
    });
    closers.push(secrets.close);

    const processors = await startDemoProcessors({ port: opts.processorsPort ?? 0, secrets: (ref: string) => secrets.get(ref) as { secrets: string[] } });
    closers.push(processors.close);

    const endpoints = {
      DDB_ENDPOINT: dynamo.endpoint,
      SES_ENDPOINT: ses.endpoint,
      S3_ENDPOINT: s3.endpoint,
      SECRETS_ENDPOINT: secrets.endpoint,
      SFN_ENDPOINT: '', // set once the engine listens, before any function starts
      // The demo processors listen on loopback, which the webhook sender's SSRF guard refuses on AWS.
      ALLOW_LOOPBACK_WEBHOOKS: 'true',
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    };

    // Step Functions: the template's definition, its Lambda ARNs resolved to the local functions.
    const [[machineId, machine] = []] = assembly.resources('AWS::StepFunctions::StateMachine');
    if (!machineId || !machine) throw new Error('no state machine in the template');
    const stateMachineArn = String(resolveValue({ Ref: machineId }));
    const definition = JSON.parse(String(resolveValue(machine.Properties?.DefinitionString)));

    const optRoot = join(dataDir, 'opt');
    rmSync(optRoot, { recursive: true, force: true });
    const functions: LocalFunction[] = assembly.lambdas().map((spec) => {
      const functionName = assembly.physicalId(spec.logicalId, at);
      const opt = mountLayers(optRoot, spec.layerDirs);
      const environment = Object.fromEntries(Object.entries(resolveValue(spec.environment) as Record<string, unknown>).map(([k, v]) => [k, opt(String(v))]));
      return {
        logicalId: spec.logicalId,
        name: spec.name,
        arn: assembly.attribute(spec.logicalId, 'Arn', at),
        handler: spec.handler,
        assetDir: spec.assetDir,
        timeoutSeconds: spec.timeoutSeconds,
        memoryMb: spec.memoryMb,
        environment: { ...environment, ...lambdaVariables(spec, functionName), ...endpoints },
      };
    });
    // The shop's account service: its demo twin here, called by the same signed HTTPS adapter.
    const directoryUser = functions.find((f) => f.environment.CUSTOMER_DIRECTORY_URL && f.environment.CUSTOMER_DIRECTORY_URL !== 'none');
    const directory = directoryUser
      ? await startDemoDirectory({
          secrets: () => (secrets.get(directoryUser.environment.CUSTOMER_DIRECTORY_SECRET_ID) as { secrets: string[] }).secrets,
          webhookSecrets: (ref: string) => (secrets.get(ref) as { secrets: string[] }).secrets,
        })
      : undefined;
    if (directory) {
      closers.push(directory.close);
      for (const f of functions) if (f.environment.CUSTOMER_DIRECTORY_URL && f.environment.CUSTOMER_DIRECTORY_URL !== 'none') f.environment.CUSTOMER_DIRECTORY_URL = directory.url;
    }
    const services = Object.fromEntries(
      Object.entries({ dynamodb: dynamo.endpoint, sesv2: ses.endpoint, s3: s3.endpoint, secretsmanager: secrets.endpoint }).map(([k, v]) => [new URL(v).host, k]),
    );
    const lambdas = new LambdaPool(functions, { services, record: opts.recordCalls, logDir: join(dataDir, 'logs') });
    closers.push(() => lambdas.close());

    const engine = new LocalStepFunctions({
      definition,
      stateMachineArn,
      dataDir: join(dataDir, 'executions'),
      retryIntervalOverrides: opts.retryIntervalOverrides,
      resolveTask: (resource: string, parameters: unknown) => {
        const arn = resource.endsWith(':lambda:invoke.waitForTaskToken') ? String((parameters as { FunctionName?: string }).FunctionName) : resource;
        const fn = functions.find((f) => f.arn === arn);
        return fn ? (input: unknown) => lambdas.invoke(fn.arn, input) : undefined;
      },
    });
    closers.push(() => engine.close());
    const sfn = await startSfnServer(engine, { port: 0 });
    closers.push(sfn.close);
    services[new URL(sfn.url).host] = 'states';
    for (const f of functions) f.environment.SFN_ENDPOINT = sfn.url;

    // What `cdk deploy`'s BucketDeployments copy into their buckets (the site's pages).
    const s3client = new S3Client({ endpoint: s3.endpoint, region: LOCAL_REGION, forcePathStyle: true, credentials: LOCAL_CREDENTIALS });
    closers.push(() => s3client.destroy());
    for (const d of bucketDeployments(assembly, resolveValue)) {
      for (const f of d.files) await s3client.send(new PutObjectCommand({ Bucket: d.bucket, Key: f.key, Body: f.body }));
    }
    // The deployed registry layer, with each automated processor's endpoint pointed at its demo twin
    // here; the shop's own systems are the demo shop's account service.
    const registryFiles = [...new Set(functions.map((f) => f.environment.REGISTRY_FILE).filter(Boolean))];
    if (registryFiles.length === 0) throw new Error('no function reads the processor registry');
    const deployed = JSON.parse(readFileSync(registryFiles[0], 'utf8')) as Registry;
    const localRegistry: Registry = {
      ...deployed,
      processors: deployed.processors.map((p) =>
        p.mode !== 'automated' ? p : { ...p, endpoint: p.category === 'shop' && directory ? directory.requestsUrl : `${processors.url}/${p.id}` },
      ),
    };
    const registry = (opts.registry ?? ((r) => r))(localRegistry);
    directory?.serve(registry.processors.filter((p) => p.category === 'shop'));
    for (const file of registryFiles) writeFileSync(file, JSON.stringify(registry));
    processors.setRegistry(registry);
    if (directory) processors.showShop(directory.view);

    // The compliance team's sign-in, standing in for the Cognito user pool, its managed login and its app client.
    auth.serve(poolSettings(assembly, resolveValue));

    const routes = apiRoutes(assembly, resolveValue);
    front.serve({ routes, site: distribution(assembly, resolveValue, secrets.references), invoke: (arn, event) => lambdas.invoke(arn, event) });

    // Local tools (tests reading the table) use the adapters with a function's own settings.
    // Stopping puts back what they replaced: a later runtime in this process, or a process it spawns, never meets this one's endpoints.
    const toolEnv = { ...(functions.find((f) => f.name === 'admin') ?? functions[0]).environment };
    const replaced = Object.keys(toolEnv).map((k) => [k, process.env[k]] as const);
    Object.assign(process.env, toolEnv);
    closers.push(() => {
      for (const [k, v] of replaced) if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    });

    const ttlTables = opts.ttlReaper === false ? [] : tables.filter((t) => t.def.TimeToLiveSpecification?.Enabled);
    const reapers = ttlTables.map((t) =>
      startTtlReaper(dynamo.endpoint, { name: t.name, ttlAttribute: t.def.TimeToLiveSpecification?.AttributeName as string, keys: t.def.KeySchema.map((k) => k.AttributeName) }, now),
    );
    for (const r of reapers) closers.push(r.stop);

    // EventBridge Scheduler: each schedule invokes its target with the schedule's input.
    const scheduled: (() => void)[] = [];
    for (const [, s] of assembly.resources('AWS::Scheduler::Schedule')) {
      const p = resolveValue(s.Properties) as { ScheduleExpression: string; State?: string; Target: { Arn: string; Input?: string } };
      if (p.State === 'DISABLED') continue;
      const event = p.Target.Input ? JSON.parse(p.Target.Input) : {};
      const fire = () => void lambdas.invoke(p.Target.Arn, event).catch(() => undefined);
      const timer = setInterval(fire, opts.sweepEveryMs ?? rateMs(p.ScheduleExpression));
      timer.unref();
      closers.push(() => clearInterval(timer));
      scheduled.push(fire);
    }

    // Executions that were running when the process died start again; every state is idempotent.
    await engine.resume();
    // Then each schedule fires once now: this process may have been stopped for days, and deadlines
    // that passed meanwhile, or links and emails left owed, must not wait for the first tick. On AWS
    // nothing stops: the schedule keeps firing every 15 minutes, and fires within 15 minutes of a deploy.
    for (const fire of scheduled) fire();

    return {
      assembly,
      urls: {
        api: front.url,
        web: `${front.url}/`,
        console: `${front.url}/console.html`,
        signIn: auth.url,
        mailbox: ses.mailbox,
        mailStore: `${ses.endpoint}/store`,
        ses: ses.endpoint,
        secrets: secrets.endpoint,
        sns: sns.endpoint,
        processors: processors.url,
        sfn: sfn.url,
        dynamodb: dynamo.endpoint,
        s3: s3.endpoint,
      },
      stateMachineArn,
      tableName: tables[0]?.name,
      registry,
      routes,
      auth,
      processors,
      /** The demo shop's account service (absent in the "no customer accounts" mode). */
      directory,
      engine,
      lambdas,
      functions,
      resolve: resolveValue,
      placement: at,
      dynamoOperations: dynamo.operations,
      dynamoUnits: dynamo.units,
      dynamoHeapBytes: dynamo.heapBytes,
      dynamoLoad: dynamo.load,
      /** Requests the HTTP API received, by route key. */
      apiRequests: front.received,
      /** Requests S3 received, by HTTP method. */
      s3Requests: s3.requests,
      reaper: { reap: async () => (await Promise.all(reapers.map((r) => r.reap()))).reduce((a, b) => a + b, 0) },
      /** The SES stand-in: make sending fail (tests), or describe the account to preflight. */
      ses,
      /** The SNS stand-in: the alarm topic's subscriptions, for preflight. */
      sns,
      secrets,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
