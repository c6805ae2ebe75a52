import middy from '@middy/core';
import { config } from '../adapters/config.ts';
import { registry } from '../adapters/registry.ts';
import { processorSecrets } from '../adapters/secrets.ts';
import { SuppressionList } from '../adapters/suppression.ts';
import { StepFunctionsWorkflow } from '../adapters/workflow.ts';
import { workflowRepo as repo, systemClock } from '../shared/deps.ts';
import { fromCloudFront, httpErrors, type HttpEvent, type HttpResult, json, rawBody } from '../shared/http.ts';
import { emailHash } from '../shared/crypto.ts';
import { MAX_CALLBACK_BYTES } from '../core/callback-body.ts';
import { receiveCallback } from './receive.ts';
import { checkSuppression } from './suppression.ts';

const deps = { repo, workflow: new StepFunctionsWorkflow(), clock: systemClock, processors: registry.processors };

const list = new SuppressionList();
const suppression = { secretRef: config.SHOP_SECRET_ID, secrets: () => processorSecrets(config.SHOP_SECRET_ID), scopesOf: (h: string) => list.scopesOf(h), emailHash };

/**
 * Signed calls from outside: POST /callbacks/{taskId}, a processor's answer (see receive.ts), and
 * POST /suppression/check, the shop's flows asking whether an address may be used (suppression.ts).
 */
export const handler = middy<HttpEvent, HttpResult>()
  .use(httpErrors())
  .use(fromCloudFront())
  .handler(async (event) =>
    event.routeKey === 'POST /suppression/check'
      ? json(200, await checkSuppression(rawBody(event), event.headers ?? {}, suppression))
      : json(200, await receiveCallback(event.pathParameters?.taskId ?? '', rawBody(event, MAX_CALLBACK_BYTES), event.headers ?? {}, deps)),
  );
