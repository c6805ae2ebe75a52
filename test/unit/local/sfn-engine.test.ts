import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalStepFunctions } from '../../../local/sfn/engine.ts';

const ARN = 'arn:aws:states:eu-west-2:000000000000:stateMachine:engine-unit';
const FN = 'arn:aws:lambda:eu-west-2:000000000000:function:echo';
const dirs: string[] = [];
const engines: LocalStepFunctions[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function engineOf(definition: object, fn: (input: unknown) => Promise<unknown>) {
  const dataDir = mkdtempSync(join(tmpdir(), 'lethe-sfn-unit-'));
  dirs.push(dataDir);
  const engine = new LocalStepFunctions({ definition, stateMachineArn: ARN, dataDir, resolveTask: () => fn });
  engines.push(engine);
  return engine;
}

async function finished(engine: LocalStepFunctions, input: object) {
  const { executionArn } = engine.startExecution('x1', JSON.stringify(input));
  for (let i = 0; i < 800; i++) {
    const d = engine.describeExecution(executionArn);
    if (d.status !== 'RUNNING') return d;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the execution did not finish');
}

describe('the local Step Functions, against the States language', () => {
  it('gives a Task state without Parameters its whole input, as AWS does (until November 29, 2026 it was given {})', async () => {
    const seen: unknown[] = [];
    const engine = engineOf({ StartAt: 'T', States: { T: { Type: 'Task', Resource: FN, End: true } } }, async (input) => {
      seen.push(input);
      return input;
    });
    expect((await finished(engine, { requestId: 'r1' })).status).toBe('SUCCEEDED');
    expect(seen).toEqual([{ requestId: 'r1' }]);
  });

  it('refuses, naming it, a Task state without Parameters whose time-out it would have to carry in them', () => {
    const definition = { StartAt: 'T', States: { T: { Type: 'Task', Resource: FN, TimeoutSeconds: 30, End: true } } };
    expect(() => engineOf(definition, async (input) => input)).toThrow(/task state T has no Parameters/);
  });
});
