import { SesMailer } from '../adapters/mailer.ts';
import middy from '@middy/core';
import { config } from '../adapters/config.ts';
import { VerificationTokens } from '../adapters/tokens.ts';
import { pickLanguage, validateSubmission } from '../core/intake.ts';
import { edgeRepo as repo, sleep, systemClock } from '../shared/deps.ts';
import { answerNoSoonerThan, clientAddress, fromCloudFront, httpErrors, type HttpEvent, type HttpResult, json, parseBody } from '../shared/http.ts';
import * as z from '../core/zod.ts';
import { submitRequest } from './submit.ts';
import { validateComplaint } from '../core/complaint-form.ts';
import { submitComplaint } from './complaint.ts';
import { NotFound } from '../core/errors.ts';

const mailer = new SesMailer();

const deps = {
  repo,
  tokens: new VerificationTokens(),
  mailer,
  clock: systemClock,
  baseUrl: config.PUBLIC_BASE_URL,
  limits: { perIpPerHour: config.RATE_LIMIT_IP_PER_HOUR, linksPerEmailPerHour: config.LINKS_PER_EMAIL_PER_HOUR },
};

/**
 * POST /requests: the privacy form; POST /complaints: the complaint form (DPA 2018 s.164A), also a
 * public submission, so one function (one worker, one cold start) serves both. Always 202 with the
 * same body, customer or not, and no sooner than ANSWER_FLOOR_MS: a repeat that joins an open
 * request and mails nothing would otherwise answer in a third of the time a new request takes.
 * Refusals (a bad form, the client address's limit) are decided before any address is looked up,
 * and go at once.
 */
export const handler = middy<HttpEvent, HttpResult>()
  .use(answerNoSoonerThan(config.ANSWER_FLOOR_MS, 202, { clock: systemClock, sleep }))
  .use(httpErrors())
  .use(fromCloudFront())
  .handler(async (event) => {
    // API Gateway routes `/requests/` here too, but CloudFront sends that path through `/requests/*`,
    // with every viewer header, a made-up CloudFront-Viewer-Address included: the forms' are the exact paths.
    if (`POST ${event.rawPath}` !== event.routeKey) throw new NotFound('no such route');
    const raw = parseBody(z.unknown(), event);
    if (event.routeKey === 'POST /complaints') {
      return json(202, await submitComplaint(validateComplaint(raw, pickLanguage(raw, event.headers?.['accept-language'])), clientAddress(event), deps));
    }
    const body = validateSubmission(raw, pickLanguage(raw, event.headers?.['accept-language']));
    return json(202, await submitRequest(body, clientAddress(event), deps));
  });
