import { SesMailer } from '../adapters/mailer.ts';
import { StepFunctionsWorkflow } from '../adapters/workflow.ts';
import middy from '@middy/core';
import { z } from 'zod';
import { config } from '../adapters/config.ts';
import { repo, systemClock } from '../shared/deps.ts';
import { dispatch } from './dispatch.ts';

const mailer = new SesMailer();
const workflow = new StepFunctionsWorkflow();

const Input = z.object({ token: z.string().min(1), requestId: z.string(), taskId: z.string() });
const deps = { repo, workflow, mailer, clock: systemClock, processors: config.registry.processors };

/** lambda:invoke.waitForTaskToken: returns once the webhook is out; the callback completes the state. */
export const handler = middy().handler(async (event: unknown) => {
  await dispatch(Input.parse(event), deps);
  return {};
});
