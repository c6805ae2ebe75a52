import middy from '@middy/core';
import { z } from 'zod';
import { SesMailer } from '../adapters/mailer.ts';
import { StepFunctionsWorkflow } from '../adapters/workflow.ts';
import { repo, systemClock } from '../shared/deps.ts';
import { sweep } from './sweep.ts';

const deps = { repo, mailer: new SesMailer(), workflow: new StepFunctionsWorkflow() };
// EventBridge Scheduler passes the scheduled time; without one, the sweep runs on the current time.
const Event = z.object({ time: z.iso.datetime({ offset: true }).optional() }).loose();

export const handler = middy().handler(async (event: unknown) => {
  const { time } = Event.parse(event ?? {});
  return sweep(time ? new Date(time) : systemClock.now(), deps);
});
