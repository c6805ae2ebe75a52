import { CloudAssembly } from '../../local/assembly/assembly.ts';
import { ensureAssembly } from '../../local/assembly/synth.ts';
import type { TableDefinition } from '../../local/services/dynamo.ts';

/** The cloud assembly of this checkout (synthesized once by the global setup, then reused). */
export const assembly = () => new CloudAssembly(ensureAssembly({ log: () => undefined }));

export const placement = { region: 'eu-west-2', account: '000000000000', siteUrl: 'http://127.0.0.1:1', issuer: 'http://127.0.0.1:2', loginUrl: 'http://127.0.0.1:2' };

/** The table as the template defines it. */
export function tableDefinition(a = assembly()): TableDefinition {
  const [[, table]] = a.resources('AWS::DynamoDB::GlobalTable');
  return table.Properties as TableDefinition;
}

/** The deployed state machine's definition, with each Lambda ARN resolved; and the ARN of each function by name. */
export function workflow(a = assembly()) {
  const resolve = a.resolver(placement);
  const [[, machine]] = a.resources('AWS::StepFunctions::StateMachine');
  const definition = JSON.parse(String(resolve(machine.Properties?.DefinitionString))) as Record<string, unknown>;
  const arns = Object.fromEntries(a.lambdas().map((f) => [f.name, a.attribute(f.logicalId, 'Arn', placement)]));
  return { definition, arns };
}
