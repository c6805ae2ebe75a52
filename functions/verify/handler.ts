import { StepFunctionsWorkflow } from '../adapters/workflow.ts';
import middy from '@middy/core';
import * as z from '../core/zod.ts';
import { VerificationTokens } from '../adapters/tokens.ts';
import { repo, systemClock } from '../shared/deps.ts';
import { type HttpEvent, type HttpResult, html, httpErrors, parse, parseBody } from '../shared/http.ts';
import { confirm, defaultCustomers, type Outcome, preview } from './confirm.ts';
import { confirmedPage, confirmPage, invalidPage, lockedPage, wrongPassword } from './pages.ts';

const workflow = new StepFunctionsWorkflow();

const deps = { repo, tokens: new VerificationTokens(), customers: defaultCustomers(), workflow, clock: systemClock };
const Token = z.string().check(z.regex(/^[\w-]{43}$/));

function render(o: Outcome, token: string): HttpResult {
  switch (o.kind) {
    case 'invalid':
      return html(410, invalidPage(o.lang));
    case 'locked':
      return html(403, lockedPage(o.lang));
    case 'ask':
      return html(o.error ? 401 : 200, confirmPage(o.lang, token, { type: o.type, askPassword: o.askPassword, error: o.error ? wrongPassword(o.lang) : undefined }));
    case 'confirmed':
      return html(200, confirmedPage(o.lang, o.due));
  }
}

/** GET /verify shows a confirmation page and changes nothing; POST /verify confirms. */
export const handler = middy<HttpEvent, HttpResult>()
  .use(httpErrors())
  .handler(async (event) => {
    if (event.requestContext.http.method === 'GET') {
      const token = parse(z.catch(Token, ''), event.queryStringParameters?.token);
      return render(token ? await preview(token, deps) : { kind: 'invalid', lang: 'fr' }, token);
    }
    const body = parseBody(z.object({ token: Token, password: z.optional(z.string().check(z.maxLength(200))) }), event);
    return render(await confirm(body.token, body.password, deps), body.token);
  });
