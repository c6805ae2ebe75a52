import middy from '@middy/core';
import * as z from '../core/zod.ts';
import { config } from '../adapters/config.ts';
import { SesMailer } from '../adapters/mailer.ts';
import { VerificationTokens } from '../adapters/tokens.ts';
import { StepFunctionsWorkflow } from '../adapters/workflow.ts';
import { askedLines } from '../core/emails.ts';
import type { Language } from '../core/model.ts';
import { pageLanguage } from '../core/pages.ts';
import { edgeRepo as repo, systemClock } from '../shared/deps.ts';
import { fromCloudFront, html, httpErrors, type HttpEvent, type HttpResult, parse, parseForm, problemPageOf } from '../shared/http.ts';
import { confirm, defaultCustomers, type Outcome, preview } from './confirm.ts';
import { alreadyPage, closedPage, confirmedPage, confirmPage, invalidPage, lockedPage, wrongPassword } from './pages.ts';

const workflow = new StepFunctionsWorkflow();

const deps = { repo, tokens: new VerificationTokens(), customers: defaultCustomers(), workflow, clock: systemClock, mailer: new SesMailer(), baseUrl: config.PUBLIC_BASE_URL };
const Token = z.string().check(z.regex(/^[\w-]{43}$/));
const Lang = z.catch(z.optional(z.enum(['fr', 'en'])), undefined);
/**
 * What the confirmation page's form posts (pages.ts): the link's token, the page's language, and the
 * account password when a copy goes to an account holder. Any other field is refused with the 400 page,
 * as unknown fields are everywhere: ignored, it would be taken for read, and the request confirmed all the same.
 */
const Confirmation = z.strictObject({ token: Token, password: z.optional(z.string().check(z.maxLength(200))), lang: Lang });

/**
 * `chosen` is the language switch's choice; otherwise the request's language, and for a link that
 * names no request, the browser's. The switch reopens the link with GET, which changes nothing.
 */
function render(o: Outcome, token: string, chosen: Language | undefined, acceptLanguage: string | undefined): HttpResult {
  const lang = chosen ?? o.lang ?? pageLanguage(undefined, acceptLanguage);
  const switchTo = (l: Language) => (token ? `/verify?token=${token}&lang=${l}` : `/verify?lang=${l}`);
  switch (o.kind) {
    case 'invalid':
      return html(410, invalidPage(lang, switchTo));
    case 'closed':
      return html(410, closedPage(lang, switchTo));
    case 'locked':
      return html(403, lockedPage(lang, switchTo));
    case 'ask':
      return html(o.error ? 401 : 200, confirmPage(lang, token, { request: o.request, asks: askedLines(lang, o.request.type, o.asks), askPassword: o.askPassword, error: o.error ? wrongPassword(lang) : undefined }, switchTo));
    case 'confirmed':
      return html(200, confirmedPage(lang, o.request, switchTo));
    case 'already':
      return html(200, alreadyPage(lang, o.request, switchTo));
  }
}

/** GET /verify shows a confirmation page and changes nothing; POST /verify confirms. */
export const handler = middy<HttpEvent, HttpResult>()
  .use(httpErrors({ page: problemPageOf }))
  .use(fromCloudFront())
  .handler(async (event) => {
    const accept = event.headers?.['accept-language'];
    if (event.requestContext.http.method === 'GET') {
      const q = event.queryStringParameters ?? {};
      const token = parse(z.catch(Token, ''), q.token);
      return render(token ? await preview(token, deps) : { kind: 'invalid' }, token, parse(Lang, q.lang), accept);
    }
    const body = parseForm(Confirmation, event);
    return render(await confirm(body.token, body.password, deps), body.token, body.lang, accept);
  });
