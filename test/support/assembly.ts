import { CloudAssembly } from '../../local/assembly/assembly.ts';
import { ensureAssembly } from '../../local/assembly/synth.ts';
import type { TableDefinition } from '../../local/services/dynamo.ts';

/** The cloud assembly of this checkout (synthesized once by the global setup, then reused). */
export const assembly = () => new CloudAssembly(ensureAssembly({ log: () => undefined }));

/**
 * The same assembly deployed with `-c answerFloorMs=1` (docs/deploying.md): every 202 of the public
 * forms may go 1 ms after its invocation began, not 600 ms. The floor hides from a stranger how long
 * the work behind an answer took; no test but the floor's own times an answer, and each 202 of the
 * others waited it out, most of some files' time (docs/tests.md). The floor's own test
 * (requester.test.ts) runs the deployed default. Bundles are the default assembly's, byte for byte.
 */
export const QUICK_ANSWERS = { answerFloorMs: '1' };
export const quickAnswersAssembly = (log?: (line: string) => void) => ensureAssembly({ context: QUICK_ANSWERS, log });

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
