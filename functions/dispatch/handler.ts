import { retryOnRace } from '../core/errors.ts';
import middy from '@middy/core';
import * as z from '../core/zod.ts';
import { registry } from '../adapters/registry.ts';
import { SesMailer } from '../adapters/mailer.ts';
import { StepFunctionsWorkflow } from '../adapters/workflow.ts';
import { repo, systemClock } from '../shared/deps.ts';
import { dispatch, EndpointStates } from './dispatch.ts';

const Input = z.object({ token: z.string().check(z.minLength(1)), requestId: z.string(), taskId: z.string() });
// Kept for the container's life: a warm dispatch reads each processor's endpoint state about once a minute.
const deps = { repo, workflow: new StepFunctionsWorkflow(), mailer: new SesMailer(), clock: systemClock, processors: registry.processors, endpoints: new EndpointStates() };

/** lambda:invoke.waitForTaskToken: returns once the webhook is out; the callback completes the state. */
export const handler = middy().handler(async (event: unknown) => {
  const input = Input.parse(event);
  await retryOnRace(() => dispatch(input, deps));
  return {};
});
