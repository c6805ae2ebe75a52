import middy from '@middy/core';
import * as z from '../core/zod.ts';
import { SesMailer } from '../adapters/mailer.ts';
import { registry } from '../adapters/registry.ts';
import { StepFunctionsWorkflow } from '../adapters/workflow.ts';
import { repo, systemClock } from '../shared/deps.ts';
import { escalate } from './escalate.ts';
import { config } from '../adapters/config.ts';
import { holdAssembly } from './assembly.ts';

const Input = z.object({
  token: z.string().check(z.minLength(1)),
  requestId: z.string(),
  taskId: z.string(),
  error: z._default(z.partial(z.object({ Error: z.string(), Cause: z.string() })), {}),
  mail: z.optional(z.boolean()),
});
/** The AssemblyFailed state: the copy could not be assembled, and the request waits for an officer (assembly.ts). */
const AssemblyInput = z.object({
  token: z.string().check(z.minLength(1)),
  requestId: z.string(),
  stage: z.literal('assemble'),
  error: z._default(z.partial(z.object({ Error: z.string(), Cause: z.string() })), {}),
});
const deps = {
  repo,
  workflow: new StepFunctionsWorkflow(),
  mailer: new SesMailer(),
  clock: systemClock,
  processorName: (id: string) => registry.processors.find((p) => p.id === id)?.name ?? id,
  manual: (id: string) => registry.processors.some((p) => p.id === id && p.mode === 'manual'),
  removed: (id: string) => !registry.processors.some((p) => p.id === id),
  processors: registry.processors,
};

/** Flags a task the processor did not complete and waits for a human (see escalate.ts). */
export const handler = middy().handler(async (event: unknown) => {
  if ((event as { stage?: unknown } | null)?.stage === 'assemble') {
    await holdAssembly(AssemblyInput.parse(event), { repo: deps.repo, mailer: deps.mailer, clock: deps.clock, baseUrl: config.PUBLIC_BASE_URL, processors: registry.processors });
    return {};
  }
  await escalate(Input.parse(event), deps);
  return {};
});
