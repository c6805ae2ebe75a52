import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { DockerImage, Duration, Validations } from 'aws-cdk-lib';
import { Architecture, Code, Function as LambdaFunction, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ALL_FUNCTIONS, type FunctionName } from '../routes.ts';

const ROOT = join(import.meta.dirname, '../..');

export interface FunctionsProps {
  /** Environment common to every function (names, endpoints of nothing: all AWS defaults). */
  readonly environment: Record<string, string>;
}

/**
 * One Lambda per folder of functions/, bundled on this machine by esbuild (no Docker), exactly as
 * the bench measures them: Node 22, arm64, ESM, minified, the SDK from the runtime.
 */
export class Functions extends Construct {
  readonly fn: Record<FunctionName, LambdaFunction>;

  constructor(scope: Construct, id: string, props: FunctionsProps) {
    super(scope, id);
    this.fn = Object.fromEntries(
      ALL_FUNCTIONS.map((name) => {
        const logGroup = new LogGroup(this, `${name}Logs`, { retention: RetentionDays.SIX_MONTHS });
        const f = new LambdaFunction(this, name, {
          runtime: Runtime.NODEJS_22_X,
          architecture: Architecture.ARM_64,
          handler: 'index.handler',
          code: Code.fromAsset(join(ROOT, 'functions'), {
            assetHash: undefined,
            bundling: {
              image: DockerImage.fromRegistry('public.ecr.aws/docker/library/busybox'), // never pulled: local bundling always succeeds
              local: {
                tryBundle(outputDir: string) {
                  const node = join(ROOT, 'node_modules/.bin/node');
                  const r = spawnSync(node, ['--import', 'tsx', join(ROOT, 'infra/bundle-one.ts'), name, outputDir], { cwd: ROOT, stdio: 'inherit' });
                  if (r.status !== 0) throw new Error(`bundling ${name} failed`);
                  return true;
                },
              },
            },
          }),
          memorySize: 256,
          timeout: Duration.seconds(name === 'assemble' || name === 'sweeper' ? 120 : 20),
          tracing: Tracing.ACTIVE,
          loggingFormat: LoggingFormat.JSON,
          logGroup,
          environment: { ...props.environment, POWERTOOLS_SERVICE_NAME: `lethe-${name}`, POWERTOOLS_METRICS_NAMESPACE: 'Lethe' },
        });
        // The basic execution role's managed policy only writes this function's own log group.
        Validations.of(f).acknowledge({
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
          reason: 'AWS managed basic execution policy: CloudWatch Logs for this function only.',
        });
        return [name, f];
      }),
    ) as Record<FunctionName, LambdaFunction>;
  }
}
