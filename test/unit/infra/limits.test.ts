import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { environmentBytes, LAMBDA_ENVIRONMENT_BUDGET_BYTES, LambdaEnvironmentBudget, UNRESOLVED_VALUE_BYTES } from '../../../infra/limits.ts';

/** A stack of one function with this environment, checked by the aspect; returns the synth error, if any. */
function synthWith(environment: (stack: Stack) => Record<string, string>, addLater: Record<string, string> = {}): string | undefined {
  const app = new App();
  const stack = new Stack(app, 'Small');
  const f = new LambdaFunction(stack, 'Fn', { runtime: Runtime.NODEJS_22_X, handler: 'index.handler', code: Code.fromInline('export const handler = () => {};'), environment: environment(stack) });
  for (const [k, v] of Object.entries(addLater)) f.addEnvironment(k, v);
  Aspects.of(app).add(new LambdaEnvironmentBudget());
  try {
    app.synth();
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

// {"KEY":"…"} is the value plus 10 bytes.
const literal = (valueBytes: number) => ({ KEY: 'x'.repeat(valueBytes) });

describe('the Lambda environment budget', () => {
  it('measures the variables as the JSON object Lambda measures', () => {
    expect(environmentBytes({ A: 'b' })).toBe('{"A":"b"}'.length);
    expect(environmentBytes({ A: '"é"' })).toBe(Buffer.byteLength('{"A":"\\"é\\""}'));
  });

  it('lets a function synthesize at exactly the budget', () => {
    expect(synthWith(() => literal(LAMBDA_ENVIRONMENT_BUDGET_BYTES - 10))).toBeUndefined();
  });

  it('fails synthesis one byte over the budget, naming the function', () => {
    const error = synthWith(() => literal(LAMBDA_ENVIRONMENT_BUDGET_BYTES - 9));
    expect(error).toContain('Small/Fn/Resource');
    expect(error).toContain(`${LAMBDA_ENVIRONMENT_BUDGET_BYTES + 1} bytes`);
  });

  it('counts variables added after the function was created', () => {
    expect(synthWith(() => ({ FIRST: 'a' }), literal(LAMBDA_ENVIRONMENT_BUDGET_BYTES))).toContain('Small/Fn/Resource');
  });

  it('counts each deploy-time reference at its conservative estimate, not its short token', () => {
    const refs = Math.ceil(LAMBDA_ENVIRONMENT_BUDGET_BYTES / UNRESOLVED_VALUE_BYTES);
    const buckets = (stack: Stack) => Object.fromEntries(Array.from({ length: refs }, (_, i) => [`B${i}`, new Bucket(stack, `B${i}`).bucketName]));
    expect(synthWith(buckets)).toContain('Small/Fn/Resource');
    // The same references with a few literal characters around them in a Fn::Join count the literals too.
    const joined = (stack: Stack) => ({ URL: `https://${new Bucket(stack, 'Site').bucketDomainName}/x` });
    expect(synthWith(joined)).toBeUndefined();
    expect(environmentBytes({ URL: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': ['Site', 'DomainName'] }, '/x']] } })).toBe(
      '{"URL":"https:///x"}'.length + UNRESOLVED_VALUE_BYTES,
    );
  });
});
