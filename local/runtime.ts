import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { functionArn, renderAsl } from './asl.ts';
import { LocalLambdas } from './lambda.ts';
import { startHttpApi } from './http-api.ts';
import { startDemoProcessors } from './processors/server.ts';
import { demoSecrets, localRegistry } from './processors/registry.ts';
import { LOCAL_CREDENTIALS } from './services/credentials.ts';
import { ensureTable, startDynamo } from './services/dynamo.ts';
import { startS3 } from './services/s3.ts';
import { startSecrets } from './services/secrets.ts';
import { startSes } from './services/ses.ts';
import { startLocalAuth } from './auth.ts';
import type { Registry } from '../functions/core/model.ts';
import { startTtlReaper } from './services/ttl-reaper.ts';
import { seedDemoCustomers } from './seed.ts';
import { LocalStepFunctions } from './sfn/engine.ts';
import { startSfnServer } from './sfn/server.ts';

export const TABLE_NAME = 'lethe';
export const EXPORT_BUCKET = 'lethe-exports';
export const STATE_MACHINE_ARN = 'arn:aws:states:eu-west-2:000000000000:stateMachine:lethe-privacy-requests';

export interface RuntimeOptions {
  /** Where DynamoDB, S3, executions and secrets are persisted. */
  readonly dataDir: string;
  /** Port of the API and web pages; 0 picks a free one. */
  readonly port?: number;
  /** Port of the demo processors; 0 picks a free one. */
  readonly processorsPort?: number;
  readonly maxConcurrency?: number;
  /** The clock of the embedded services that expire things (TTL); tests move it. */
  readonly now?: () => Date;
  /** Intake limits per hour; the bench raises them since all its requests come from one address. */
  readonly rateLimits?: { perIp: number; perEmail: number };
  /** How often the sweeper runs. @default 5 minutes */
  readonly sweepEveryMs?: number;
  /** Adjusts the local registry (tests: a short timeout, a manual processor). */
  readonly registry?: (r: Registry) => Registry;
  /** Milliseconds between retries of a state, instead of the ASL's backoff (tests only). */
  readonly retryIntervalOverrides?: Record<string, number>;
}

export type Runtime = Awaited<ReturnType<typeof startRuntime>>;

/**
 * Boots the whole of Lethe on embedded services, in this process: the same handlers and the same
 * synthesized state machine as on AWS. Only endpoints and credentials differ, through the env.
 */
export async function startRuntime(opts: RuntimeOptions) {
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const now = opts.now ?? (() => new Date());
  const closers: (() => Promise<unknown> | unknown)[] = [];
  const stop = async () => {
    for (const c of closers.reverse()) await c();
  };
  try {
    const dynamo = await startDynamo(join(dataDir, 'dynamodb'));
    closers.push(dynamo.close);
    await ensureTable(dynamo.endpoint, TABLE_NAME);
    const ses = await startSes();
    closers.push(ses.close);
    const s3 = await startS3(join(dataDir, 's3'), EXPORT_BUCKET);
    closers.push(s3.close);

    const lambdas = new LocalLambdas();
    const extra: Parameters<typeof startHttpApi>[0]['extra'] = {};
    const api = await startHttpApi({ lambdas, webDir: resolve(import.meta.dirname, '../web'), port: opts.port ?? 0, extra });
    closers.push(api.close);
    // The compliance team's sign-in, standing in for Cognito on the same origin.
    const auth = await startLocalAuth(join(dataDir, 'auth.json'), `${api.url}/auth`);
    Object.assign(extra, auth.routes);

    // The registry names the demo processors' URLs, so they start first; their secrets persist.
    const secretsFile = join(dataDir, 'secrets.json');
    const secrets = await startSecrets(secretsFile, () => ({
      'lethe/app': { hmacKey: randomBytes(32).toString('base64url') },
      ...demoSecrets(),
    }));
    closers.push(secrets.close);
    const processors = await startDemoProcessors({
      port: opts.processorsPort ?? 0,
      secrets: (ref: string) => secrets.get(ref) as { secrets: string[] },
    });
    closers.push(processors.close);
    const registry = (opts.registry ?? ((r) => r))(localRegistry(processors.url));
    processors.setRegistry(registry);

    Object.assign(process.env, {
      AWS_REGION: 'eu-west-2',
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      TABLE_NAME,
      EXPORT_BUCKET,
      STATE_MACHINE_ARN,
      PUBLIC_BASE_URL: api.url,
      PROCESSOR_REGISTRY: JSON.stringify(registry),
      ALLOW_LOOPBACK_WEBHOOKS: 'true',
      ...auth.env,
      DDB_ENDPOINT: dynamo.endpoint,
      SES_ENDPOINT: ses.endpoint,
      S3_ENDPOINT: s3.endpoint,
      SECRETS_ENDPOINT: secrets.endpoint,
      RATE_LIMIT_IP_PER_HOUR: String(opts.rateLimits?.perIp ?? 20),
      RATE_LIMIT_EMAIL_PER_HOUR: String(opts.rateLimits?.perEmail ?? 5),
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    });

    const byArn = new Map<string, string>(['plan', 'dispatch', 'escalate', 'assemble', 'notify'].map((n) => [functionArn(n), n]));
    const engine = new LocalStepFunctions({
      definition: renderAsl(opts.maxConcurrency ?? 10),
      stateMachineArn: STATE_MACHINE_ARN,
      dataDir: join(dataDir, 'executions'),
      retryIntervalOverrides: opts.retryIntervalOverrides,
      resolveTask: (resource: string, parameters: unknown) => {
        const arn = resource.endsWith(':lambda:invoke.waitForTaskToken')
          ? String((parameters as { FunctionName?: string }).FunctionName)
          : resource;
        const fn = byArn.get(arn);
        return fn ? (input: unknown) => lambdas.invoke(fn, input) : undefined;
      },
    });
    closers.push(() => engine.close());
    const sfn = await startSfnServer(engine, { port: 0 });
    closers.push(sfn.close);
    process.env.SFN_ENDPOINT = sfn.url;
    // Only now is the environment complete: the first import of functions/ reads it once.
    await seedDemoCustomers();

    const reaper = startTtlReaper(dynamo.endpoint, TABLE_NAME, now);
    closers.push(reaper.stop);

    // EventBridge Scheduler's part: the sweeper runs every few minutes with the time as its event.
    const sweeper = setInterval(() => void lambdas.invoke('sweeper', { time: now().toISOString() }).catch(() => undefined), opts.sweepEveryMs ?? 5 * 60_000);
    sweeper.unref();
    closers.push(() => clearInterval(sweeper));

    // Executions that were running when the process died start again; every state is idempotent.
    await engine.resume();

    return {
      urls: {
        api: api.url,
        web: `${api.url}/`,
        console: `${api.url}/console.html`,
        mailbox: ses.mailbox,
        mailStore: `${ses.endpoint}/store`,
        processors: processors.url,
        sfn: sfn.url,
        dynamodb: dynamo.endpoint,
        s3: s3.endpoint,
      },
      registry,
      auth,
      processors,
      engine,
      lambdas,
      dynamoOperations: dynamo.operations,
      reaper,
      secrets,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
