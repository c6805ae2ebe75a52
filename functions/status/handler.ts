import middy from '@middy/core';
import * as z from '../core/zod.ts';
import { NotFound } from '../core/errors.ts';
import { Ulid } from '../core/model.ts';
import { pageLanguage } from '../core/pages.ts';
import { requesterView } from '../core/requester-status.ts';
import { sameHash, sha256 } from '../shared/crypto.ts';
import { repo, systemClock } from '../shared/deps.ts';
import { statusLinkLive } from '../shared/request-context.ts';
import { fromCloudFront, httpErrors, type HttpEvent, type HttpResult, json, parse, parseForm, problemPageOf } from '../shared/http.ts';
import { download, exportPage } from './download.ts';

const Lang = z.catch(z.optional(z.enum(['fr', 'en'])), undefined);
const Params = z.object({ id: Ulid, token: z.string().check(z.minLength(20), z.maxLength(100)) });

/**
 * GET /requests/{id}/status: the requester's view, behind the status token from their email, for as
 * long as their contact data is kept (statusLinkWorks). A wrong token, an unknown id and a link past
 * that end answer the same 404, so that neither ids nor whether a request existed can be probed; the
 * two reads are made for each, at once, so the answer's time does not tell them apart either.
 */
async function status(event: HttpEvent) {
  const bearer = event.headers?.authorization?.replace(/^Bearer\s+/i, '');
  const p = Params.safeParse({ id: event.pathParameters?.id, token: event.queryStringParameters?.token ?? bearer });
  if (!p.success) throw new NotFound('no such request');
  const [req, live] = await Promise.all([repo.getRequest(p.data.id), statusLinkLive(p.data.id, { repo, now: systemClock.now() })]);
  if (!req || !sameHash(req.statusTokenHash, sha256(p.data.token)) || !live) throw new NotFound('no such request');
  return json(200, requesterView(req, await repo.listTasks(req.id)));
}

export const handler = middy<HttpEvent, HttpResult>()
  .use(httpErrors({ page: (e, status) => (e.routeKey?.includes('/exports/') ? problemPageOf(e, status) : undefined) }))
  .use(fromCloudFront())
  .handler(async (event) => {
    if (event.routeKey?.includes('/exports/')) {
      const { id } = parse(z.object({ id: Ulid }), event.pathParameters ?? {}, 'path');
      const q = event.queryStringParameters ?? {};
      const fallback = pageLanguage(undefined, event.headers?.['accept-language']);
      if (event.requestContext.http.method === 'GET') return exportPage(id, q.token ?? '', parse(Lang, q.lang), fallback);
      // Strict, as the confirmation form: the page's two forms send these fields only, and a form that sends others was not made by them.
      const body = parseForm(z.strictObject({ token: z.string().check(z.maxLength(100)), renew: z.optional(z.literal('1')) }), event);
      return download(id, body.token, fallback, body.renew === '1');
    }
    return status(event);
  });
