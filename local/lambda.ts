import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

/** Just enough of the Lambda context for middy and Powertools. */
export function lambdaContext(fn: string, timeoutMs = 30_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `lethe-${fn}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-2:000000000000:function:lethe-${fn}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/lethe-${fn}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * Loads functions/<fn>/handler.ts on first use, in this process, exactly as bundled for Lambda,
 * and counts invocations (the bench prices them).
 */
export class LocalLambdas {
  readonly invocations = new Map<string, number>();
  private readonly loaded = new Map<string, Promise<LambdaHandler>>();

  load(fn: string): Promise<LambdaHandler> {
    let h = this.loaded.get(fn);
    if (!h) {
      h = import(`../functions/${fn}/handler.ts`).then((m) => m.handler as LambdaHandler);
      this.loaded.set(fn, h);
    }
    return h;
  }

  async invoke(fn: string, event: unknown): Promise<unknown> {
    this.invocations.set(fn, (this.invocations.get(fn) ?? 0) + 1);
    const handler = await this.load(fn);
    return handler(event, lambdaContext(fn));
  }
}
