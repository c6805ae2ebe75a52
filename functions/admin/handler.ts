import middy from '@middy/core';
import { authenticate } from '../adapters/auth.ts';
import { SesMailer } from '../adapters/mailer.ts';
import { StepFunctionsWorkflow } from '../adapters/workflow.ts';
import { Forbidden, NotFound, retryOnRace } from '../core/errors.ts';
import { PersonalField, RequestStatus, RequestType } from '../core/model.ts';
import { CancelReason, DenyReason } from '../core/notices.ts';
import * as z from '../core/zod.ts';
import { repo, systemClock } from '../shared/deps.ts';
import { type HttpEvent, type HttpResult, httpErrors, json, parse, parseBody } from '../shared/http.ts';
import { approveCorrection, cancel, deny, extend, pause, requireReason, resend, resolveTask, resume, retryTask } from './actions.ts';
import { VerificationTokens } from '../adapters/tokens.ts';
import { config } from '../adapters/config.ts';
import { auditCsv } from './views.ts';
import { dashboard, detail, list } from './views.ts';

const workflow = new StepFunctionsWorkflow();
const deps = { repo, mailer: new SesMailer(), workflow, clock: systemClock };

const note = (max: number) => z.string().check(z.trim(), z.minLength(3), z.maxLength(max));
const Reason = z.strictObject({ reason: note(1000) });
const Deny = z.strictObject({ reason: DenyReason, note: z.optional(z.string().check(z.maxLength(1000))) });
const Cancel = z.strictObject({ reason: CancelReason });
/** What the requester must tell us: it is mailed to them as the question, and recorded as the pause's reason. */
const Pause = z.strictObject({ needed: z.string().check(z.trim(), z.minLength(10), z.maxLength(1000)) });
/** An officer's reading of a free-text correction: at least one field and its corrected value. */
const Corrected = z.string().check(z.trim(), z.minLength(1), z.maxLength(500));
const Approve = z.strictObject({
  corrections: z.partialRecord(PersonalField, Corrected).check(z.refine((c) => Object.keys(c).length > 0, { message: 'name at least one corrected field' })),
});
const Resolve = z.strictObject({ outcome: z.enum(['completed', 'not_found', 'retained']), note: note(2000) });
// A filter that cannot match (an unknown type, a date that is not one) is a mistake to say, not an empty list.
const ListQuery = z.object({ status: z.optional(RequestStatus), type: z.optional(RequestType), dueBefore: z.optional(z.iso.date()), overdue: z.optional(z.enum(['true', 'false'])), cursor: z.optional(z.string()) });
const AuditRange = z.object({ from: z.iso.date(), to: z.iso.date() }).check(z.refine((q) => q.from <= q.to, { path: ['to'], message: 'must be on or after from' }));

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
      const q = parse(AuditRange, event.queryStringParameters ?? {}, 'query');
      return { statusCode: 200, headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="lethe-audit-${q.from}-${q.to}.csv"`, 'cache-control': 'no-store' }, body: await auditCsv(q.from, q.to, deps) };
    }
    if (method === 'GET' && path === '/requests') return json(200, await list(parse(ListQuery, event.queryStringParameters ?? {}, 'query'), deps));
    if (method === 'GET' && (m = /^\/requests\/(\w{26})$/.exec(path))) return json(200, await detail(m[1], deps, workflow));
    if (method === 'POST' && (m = /^\/requests\/(\w{26})\/(extend|deny|cancel|pause|resume|resend|approve)$/.exec(path))) {
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
      if (m[2] === 'approve') {
        const { corrections } = parseBody(Approve, event);
        return json(200, await retryOnRace(() => approveCorrection(id, corrections, actor, deps)));
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
