import middy from '@middy/core';
import { z } from 'zod';
import { NotFound } from '../core/errors.ts';
import { repo } from '../shared/deps.ts';

const Input = z.object({ requestId: z.string() });

// The export package (zip of JSON, CSV and HTML) is built here; see the legal-rules issue.
export const handler = middy().handler(async (event: unknown) => {
  const { requestId } = Input.parse(event);
  const req = await repo.getRequest(requestId);
  if (!req) throw new NotFound(`request ${requestId} not found`);
  throw new Error('export packages are not built yet');
});
