import validator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { assembly, placement } from '../../support/assembly.ts';

type Definition = { StartAt: string; States: Record<string, Record<string, unknown>> };

/** Every state machine the cloud assembly deploys, its DefinitionString's Lambda ARNs resolved as the local runtime resolves them. */
const machines = () => {
  const a = assembly();
  const resolve = a.resolver(placement);
  return a.resources('AWS::StepFunctions::StateMachine').map(([id, m]) => [id, JSON.parse(String(resolve(m.Properties?.DefinitionString))) as Definition] as const);
};

// The validator writes a default QueryLanguage into each state it reads, so it is given a copy.
const validate = (definition: Definition) => validator(structuredClone(definition), { checkPaths: true, checkArn: true });

describe('the deployed state machine', () => {
  const deployed = machines();

  it('is valid Amazon States Language, its JSONPaths and ARNs included', () => {
    expect(deployed.length).toBeGreaterThan(0);
    for (const [id, definition] of deployed) {
      const { isValid, errorsText } = validate(definition);
      expect(isValid, `${id}:\n${errorsText('\n')}`).toBe(true);
    }
  });

  it('would be refused with a transition to a state that does not exist', () => {
    const [[, definition]] = deployed;
    const broken = structuredClone(definition);
    broken.States[broken.StartAt].Next = 'NoSuchState';
    const { isValid, errors } = validate(broken);
    expect(isValid).toBe(false);
    expect(errors).toContainEqual({ 'Error code': 'MISSING_TRANSITION_TARGET', Message: "Missing 'StartAt'|'Next'|'Default' target: NoSuchState" });
  });

  it('would be refused with a ResultPath that is not a JSONPath', () => {
    const [[, definition]] = deployed;
    const broken = structuredClone(definition);
    broken.States[broken.StartAt].ResultPath = 'requestId';
    const { isValid, errorsText } = validate(broken);
    expect(isValid).toBe(false);
    expect(errorsText()).toContain(`/States/${broken.StartAt}/ResultPath is invalid`);
  });
});
