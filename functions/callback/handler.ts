import middy from '@middy/core';
import { registry } from '../adapters/registry.ts';
import { StepFunctionsWorkflow } from '../adapters/workflow.ts';
import { repo, systemClock } from '../shared/deps.ts';
import { type HttpEvent, type HttpResult, httpErrors, json, rawBody } from '../shared/http.ts';
import { MAX_CALLBACK_BYTES, receiveCallback } from './receive.ts';

const deps = { repo, workflow: new StepFunctionsWorkflow(), clock: systemClock, processors: registry.processors };

/** POST /callbacks/{taskId}: a processor's signed answer (see receive.ts). */
export const handler = middy<HttpEvent, HttpResult>()
  .use(httpErrors())
  .handler(async (event) =>
    json(200, await receiveCallback(event.pathParameters?.taskId ?? '', rawBody(event, MAX_CALLBACK_BYTES), event.headers ?? {}, deps)),
  );
