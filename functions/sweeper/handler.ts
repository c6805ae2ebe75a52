import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import * as z from '../core/zod.ts';
import { S3Blobs } from '../adapters/blobs.ts';
import { config } from '../adapters/config.ts';
import { registry } from '../adapters/registry.ts';
import { SesMailer } from '../adapters/mailer.ts';
import { VerificationTokens } from '../adapters/tokens.ts';
import { StepFunctionsWorkflow } from '../adapters/workflow.ts';
import { controller } from '../shared/controller.ts';
import { sweeperRepo, systemClock } from '../shared/deps.ts';
import { sweep } from './sweep.ts';

const deps = {
  repo: sweeperRepo,
  mailer: new SesMailer(),
  workflow: new StepFunctionsWorkflow(),
  blobs: new S3Blobs(),
  tokens: new VerificationTokens(),
  baseUrl: config.PUBLIC_BASE_URL,
  linksPerHour: config.LINKS_PER_EMAIL_PER_HOUR,
  processors: registry.processors,
  controller,
};
// The schedule sends no input of its own (a test or an operator's run may give `time`): without one, the sweep runs on the current time.
const Event = z.looseObject({ time: z.optional(z.iso.datetime({ offset: true })) });

export const handler = middy().handler(async (event: unknown, context: Context) => {
  const { time } = Event.parse(event ?? {});
  return sweep(time ? new Date(time) : systemClock.now(), deps, context.awsRequestId);
});
