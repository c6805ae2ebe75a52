import { retryOnRace } from '../core/errors.ts';
import { StepFunctionsWorkflow } from '../adapters/workflow.ts';
import middy from '@middy/core';
import { config } from '../adapters/config.ts';
import { repo, systemClock } from '../shared/deps.ts';
import { type HttpEvent, type HttpResult, httpErrors, json, rawBody } from '../shared/http.ts';
import { receiveCallback } from './receive.ts';

const workflow = new StepFunctionsWorkflow();

const deps = { repo, workflow, clock: systemClock, processors: config.registry.processors };

export const handler = middy<HttpEvent, HttpResult>()
  .use(httpErrors())
  .handler(async (event) =>
    json(200, await retryOnRace(() => receiveCallback(event.pathParameters?.taskId ?? '', rawBody(event), event.headers ?? {}, deps))),
  );
