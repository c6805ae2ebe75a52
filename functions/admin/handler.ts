import middy from '@middy/core';
import { z } from 'zod';
import { authenticate } from '../adapters/auth.ts';
import { SesMailer } from '../adapters/mailer.ts';
import { StepFunctionsWorkflow } from '../adapters/workflow.ts';
import { Forbidden, NotFound, retryOnRace } from '../core/errors.ts';
import { RequestStatus } from '../core/model.ts';
import { CancelReason, DenyReason } from '../core/notices.ts';
import { repo, systemClock } from '../shared/deps.ts';
import { type HttpEvent, type HttpResult, httpErrors, json, parse, parseBody } from '../shared/http.ts';
import { cancel, deny, extend, pause, requireReason, resend, resolveTask, resume, retryTask } from './actions.ts';
import { VerificationTokens } from '../adapters/tokens.ts';
import { config } from '../adapters/config.ts';
import { auditCsv } from './views.ts';
import { dashboard, detail, list } from './views.ts';

const workflow = new StepFunctionsWorkflow();
const deps = { repo, mailer: new SesMailer(), workflow, clock: systemClock };

const Reason = z.object({ reason: z.string().trim().min(3).max(1000) }).strict();
const Deny = z.object({ reason: DenyReason, note: z.string().max(1000).optional() }).strict();
const Cancel = z.object({ reason: CancelReason }).strict();
/** What the requester must tell us: it is mailed to them as the question, and recorded as the pause's reason. */
const Pause = z.object({ needed: z.string().trim().min(10).max(1000) }).strict();
const Resolve = z.object({ outcome: z.enum(['completed', 'not_found', 'retained']), note: z.string().trim().min(3).max(2000) }).strict();
const ListQuery = z.object({ status: RequestStatus.optional(), type: z.string().optional(), dueBefore: z.string().optional(), overdue: z.enum(['true', 'false']).optional(), cursor: z.string().optional() });

/** /admin/...: every read needs a compliance group, every action the officer group. */
export const handler = middy<HttpEvent, HttpResult>()
  .use(httpErrors())
  .handler(async (event) => {
    const who = await authenticate(event.headers?.authorization);
    const method = event.requestContext.http.method;
    const path = (event.rawPath ?? '').replace(/^\/admin/, '');
    const act = () => {
      if (!who.roles.includes('officer')) throw new Forbidden('only an officer can act');
      return `officer:${who.sub}`;
    };
    let m: RegExpExecArray | null;
    if (method === 'GET' && path === '/dashboard') return json(200, await dashboard(deps));
    if (method === 'GET' && path === '/audit.csv') {
      const q = parse(z.object({ from: z.iso.date(), to: z.iso.date() }), event.queryStringParameters ?? {}, 'query');
      return { statusCode: 200, headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="lethe-audit-${q.from}-${q.to}.csv"`, 'cache-control': 'no-store' }, body: await auditCsv(q.from, q.to, deps) };
    }
    if (method === 'GET' && path === '/requests') return json(200, await list(parse(ListQuery, event.queryStringParameters ?? {}, 'query'), deps));
    if (method === 'GET' && (m = /^\/requests\/(\w{26})$/.exec(path))) return json(200, await detail(m[1], deps, workflow));
    if (method === 'POST' && (m = /^\/requests\/(\w{26})\/(extend|deny|cancel|pause|resume|resend)$/.exec(path))) {
      const actor = act();
      const id = m[1];
      // The workflow may move the request at the same moment: reload and decide again.
      if (m[2] === 'extend') {
        const reason = requireReason(parseBody(Reason, event).reason);
        return json(200, await retryOnRace(() => extend(id, reason, actor, deps)));
      }
      if (m[2] === 'deny') {
        const { reason } = parseBody(Deny, event);
        return json(200, await retryOnRace(() => deny(id, reason, actor, deps)));
      }
      if (m[2] === 'pause') {
        const { needed } = parseBody(Pause, event);
        return json(200, await retryOnRace(() => pause(id, needed, actor, deps)));
      }
      if (m[2] === 'resume') return json(200, await retryOnRace(() => resume(id, actor, deps)));
      if (m[2] === 'resend') return json(200, await retryOnRace(() => resend(id, actor, { ...deps, tokens: new VerificationTokens(), baseUrl: config.PUBLIC_BASE_URL })));
      const { reason } = parseBody(Cancel, event);
      return json(200, await retryOnRace(() => cancel(id, reason, actor, deps)));
    }
    if (method === 'POST' && (m = /^\/requests\/(\w{26})\/tasks\/([a-z0-9-]+)\/(resolve|retry)$/.exec(path))) {
      const actor = act();
      if (m[3] === 'resolve') {
        const b = parseBody(Resolve, event);
        const [id, proc] = [m[1], m[2]];
        return json(200, await retryOnRace(() => resolveTask(id, proc, b.outcome, b.note, actor, deps)));
      }
      const [id, proc] = [m[1], m[2]];
      return json(200, await retryOnRace(() => retryTask(id, proc, actor, deps)));
    }
    throw new NotFound('no such admin route');
  });
