import { App, Stack } from 'aws-cdk-lib';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { StateGraph } from 'aws-cdk-lib/aws-stepfunctions';
import { buildDefinition, type WorkflowFunctions } from '../workflows/privacy-workflow.ts';

export const LOCAL_REGION = 'eu-west-2';
export const LOCAL_ACCOUNT = '000000000000';
export { WORKFLOW_FUNCTIONS } from '../infra/routes.ts';
import { WORKFLOW_FUNCTIONS } from '../infra/routes.ts';
export const functionArn = (name: string) => `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:lethe-${name}`;

/** Resolves the few intrinsic functions CDK leaves in a state machine definition. */
function resolveIntrinsics(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(resolveIntrinsics);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('Ref' in o && o.Ref === 'AWS::Partition') return 'aws';
    if ('Ref' in o && o.Ref === 'AWS::Region') return LOCAL_REGION;
    if ('Ref' in o && o.Ref === 'AWS::AccountId') return LOCAL_ACCOUNT;
    if ('Fn::Join' in o) {
      const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
      return parts.map(resolveIntrinsics).join(sep);
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, resolveIntrinsics(x)]));
  }
  return v;
}

/**
 * The state machine's ASL, rendered in-process from the same construct code that CDK deploys.
 * Lambda ARNs are stable local names, which the embedded engine maps back to functions/<name>.
 */
export function renderAsl(maxConcurrency = 10): Record<string, unknown> {
  const stack = new Stack(new App(), 'LetheLocal', { env: { region: LOCAL_REGION, account: LOCAL_ACCOUNT } });
  const fns = Object.fromEntries(
    WORKFLOW_FUNCTIONS.map((n) => [n, LambdaFunction.fromFunctionArn(stack, n, functionArn(n))]),
  ) as unknown as WorkflowFunctions;
  const graph = new StateGraph(buildDefinition(stack, fns, maxConcurrency).startState, 'LetheLocal');
  return resolveIntrinsics(stack.resolve(graph.toGraphJson())) as Record<string, unknown>;
}
