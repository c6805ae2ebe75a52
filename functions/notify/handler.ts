import { retryOnRace } from '../core/errors.ts';
import middy from '@middy/core';
import * as z from '../core/zod.ts';
import { config } from '../adapters/config.ts';
import { S3Blobs } from '../adapters/blobs.ts';
import { SesMailer } from '../adapters/mailer.ts';
import { registry } from '../adapters/registry.ts';
import { notifyRepo, systemClock } from '../shared/deps.ts';
import { completeRequest } from './complete.ts';
import { readForNotify } from './copies.ts';

// The registry names each provider in the outcome email.
const deps = { repo: notifyRepo, blobs: new S3Blobs(), mailer: new SesMailer(), clock: systemClock, baseUrl: config.PUBLIC_BASE_URL, processors: registry.processors };

const Input = z.object({ requestId: z.string() });

/** Last state of the workflow: records the outcome, tells the requester, starts the PII clock. */
export const handler = middy().handler(async (event: unknown) => {
  const { requestId } = Input.parse(event);
  return retryOnRace(async () => completeRequest(requestId, deps, await readForNotify(requestId, deps)));
});
