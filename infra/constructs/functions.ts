import { spawnSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { AssetHashType, DockerImage, Duration, type ILocalBundling } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFunction, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ALL_FUNCTIONS, type FunctionName } from '../routes.ts';

const ROOT = join(import.meta.dirname, '../..');

/** Bundles only from its options (never a closure), so everything it reads is in CDK's asset cache key. */
const bundleLocally: ILocalBundling = {
  tryBundle(outputDir, { environment }) {
    const name = environment?.LETHE_FUNCTION;
    if (!name) throw new Error('bundling needs LETHE_FUNCTION, the folder under functions/');
    // A variant of the stack synthesized for a test (another registry: local/assembly/synth.ts) takes each
    // function's bundle from the assembly of the same sources without that context: no context reaches the
    // bundler, so esbuild would make the same bytes again. A deploy never sets it.
    const from = (JSON.parse(process.env.LETHE_BUNDLES_FROM ?? '{}') as Record<string, string>)[name];
    if (from) {
      cpSync(from, outputDir, { recursive: true });
      return true;
    }
    const node = join(ROOT, 'node_modules/.bin/node');
    const r = spawnSync(node, ['--import', 'tsx', join(ROOT, 'infra/bundle-one.ts'), name, outputDir], { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`bundling ${name} failed`);
    return true;
  },
};

export interface FunctionsProps {
  /** Environment common to every function (names, endpoints of nothing: all AWS defaults). */
  readonly environment: Record<string, string>;
  /** Where the functions publish their custom metrics (Powertools reads it), one per deployment: the alarms watch it. */
  readonly metricsNamespace: string;
}

/**
 * One Lambda per folder of functions/, bundled on this machine by esbuild (no Docker), exactly as
 * the bench measures them: Node 22, arm64, ESM, minified, the AWS SDK bundled (infra/bundling.ts).
 */
export class Functions extends Construct {
  readonly fn: Record<FunctionName, LambdaFunction>;

  constructor(scope: Construct, id: string, props: FunctionsProps) {
    super(scope, id);
    this.fn = Object.fromEntries(
      ALL_FUNCTIONS.map((name) => {
        const logGroup = new LogGroup(this, `${name}Logs`, { retention: RetentionDays.SIX_MONTHS });
        // Its own log group only: the managed basic-execution policy would allow logs on every group.
        const role = new Role(this, `${name}Role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com'), description: `Lethe ${name} function` });
        logGroup.grantWrite(role);
        const f = new LambdaFunction(this, name, {
          runtime: Runtime.NODEJS_22_X,
          architecture: Architecture.ARM_64,
          handler: 'index.handler',
          code: Code.fromAsset(join(ROOT, 'functions'), {
            // Hashing the bundle, not the functions/ source, makes the S3 key follow the deployed bytes,
            // so a change to bundling.ts or a dependency redeploys too.
            assetHashType: AssetHashType.OUTPUT,
            bundling: {
              image: DockerImage.fromRegistry('public.ecr.aws/docker/library/busybox'), // never pulled: local bundling always succeeds
              // CDK caches staged assets by the JSON of these options, which drops tryBundle: the function
              // to bundle must be data here, or every function gets the first one's bundle.
              environment: { LETHE_FUNCTION: name },
              local: bundleLocally,
            },
          }),
          memorySize: 256,
          timeout: Duration.seconds(name === 'assemble' || name === 'sweeper' ? 120 : 20),
          tracing: Tracing.ACTIVE,
          loggingFormat: LoggingFormat.JSON,
          logGroup,
          role,
          environment: { ...props.environment, POWERTOOLS_SERVICE_NAME: `lethe-${name}`, POWERTOOLS_METRICS_NAMESPACE: props.metricsNamespace },
        });
        return [name, f];
      }),
    ) as Record<FunctionName, LambdaFunction>;
  }
}
