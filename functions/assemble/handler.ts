import middy from '@middy/core';
import * as z from '../core/zod.ts';
import { S3Blobs } from '../adapters/blobs.ts';
import { config } from '../adapters/config.ts';
import { registry } from '../adapters/registry.ts';
import { controller } from '../shared/controller.ts';
import { repo, systemClock } from '../shared/deps.ts';
import { assemble } from './assemble.ts';

const Input = z.object({ requestId: z.string() });
const deps = { repo, blobs: new S3Blobs(), clock: systemClock, processors: registry.processors, baseUrl: config.PUBLIC_BASE_URL, controller };

/** The Assemble state: the copy of an access request's data, as one zip (see assemble.ts). */
export const handler = middy().handler(async (event: unknown) => assemble(Input.parse(event).requestId, deps));
