import { retryOnRace } from '../core/errors.ts';
import middy from '@middy/core';
import * as z from '../core/zod.ts';
import { completeRequest } from './complete.ts';

const Input = z.object({ requestId: z.string() });

/** Last state of the workflow: records the outcome, tells the requester, starts the PII clock. */
export const handler = middy().handler(async (event: unknown) => {
  const { requestId } = Input.parse(event);
  return retryOnRace(() => completeRequest(requestId));
});
