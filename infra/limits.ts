import { type IAspect, Stack } from 'aws-cdk-lib';
import { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';

/** Lambda refuses more than 4 KB of environment; half of it leaves room for what deploy-time values turn out to be. */
export const LAMBDA_ENVIRONMENT_BUDGET_BYTES = 2048;
// A deploy-time reference (Ref, Fn::GetAtt, …) counts 128 bytes: at least any name, id or domain Lethe passes (bucket ≤ 63, Cognito ids ≤ 128, generated table names ~40); 256 would put today's 8 references alone at the budget.
export const UNRESOLVED_VALUE_BYTES = 128;

/** A value as deployed, with every deploy-time reference replaced by a placeholder of its estimated size. */
function estimate(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] } | null)?.['Fn::Join'];
  if (join) return join[1].map(estimate).join(join[0]);
  return 'x'.repeat(UNRESOLVED_VALUE_BYTES);
}

/**
 * The bytes Lambda counts against its limit: it measures the variables as one JSON object (its
 * error quotes "String measured: {…}"), so quotes, separators and escapes count too.
 */
export function environmentBytes(variables: Record<string, unknown>): number {
  return Buffer.byteLength(JSON.stringify(Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, estimate(v)]))));
}

/**
 * Fails synthesis when a Lambda function's environment exceeds the budget, naming the function.
 * Measured at validation, after every addEnvironment() has run, not when the aspect visits.
 * Wire with `Aspects.of(app).add(new LambdaEnvironmentBudget())`.
 */
export class LambdaEnvironmentBudget implements IAspect {
  constructor(private readonly budgetBytes = LAMBDA_ENVIRONMENT_BUDGET_BYTES) {}

  visit(node: IConstruct): void {
    if (!(node instanceof CfnFunction)) return;
    node.node.addValidation({
      validate: () => {
        const env = Stack.of(node).resolve(node.environment) as { variables?: Record<string, unknown> } | undefined;
        const bytes = environmentBytes(env?.variables ?? {});
        if (bytes <= this.budgetBytes) return [];
        return [
          `Lambda function ${node.node.path} has ${bytes} bytes of environment variables (each deploy-time reference counted as ${UNRESOLVED_VALUE_BYTES}), over the budget of ${this.budgetBytes} (Lambda's limit is 4 KB); move large values to a file, parameter or table.`,
        ];
      },
    });
  }
}
