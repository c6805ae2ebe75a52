import middy from '@middy/core';
import { authenticate } from '../adapters/auth.ts';
import { S3Blobs } from '../adapters/blobs.ts';
import { SesMailer } from '../adapters/mailer.ts';
import { StepFunctionsWorkflow } from '../adapters/workflow.ts';
import { Forbidden, NotFound, retryOnRace } from '../core/errors.ts';
import { PersonalField, RequestStatus, RequestType, RetentionBasis } from '../core/model.ts';
import { CancelReason, DenyReason } from '../core/notices.ts';
import * as z from '../core/zod.ts';
import { repo, systemClock } from '../shared/deps.ts';
import { fromCloudFront, type HttpEvent, type HttpResult, httpErrors, json, parse, parseBody } from '../shared/http.ts';
import { addNote, agentContact, approveCorrection, assign, cancel, deny, extend, MAX_NOTE, pause, resend, resolveTask, resume, retryAssembly, retryTask } from './actions.ts';
import { list, looksLikeEmail, looksLikeOrder, report, reportCsv, search } from './find.ts';
import { registry } from '../adapters/registry.ts';
import { MAX_DENY_NOTE, MAX_REASON } from '../core/notices.ts';
import { VerificationTokens } from '../adapters/tokens.ts';
import { config } from '../adapters/config.ts';
import { auditCsv } from './views.ts';
import { dashboard, detail } from './views.ts';
import { previewHeldExport, releaseExport } from './release.ts';
import { LogBody, logRequest } from './log-request.ts';
import { acknowledgeComplaint, listComplaints, respondComplaint } from './complaints.ts';
import { MAX_OUTCOME } from '../core/complaints.ts';

const workflow = new StepFunctionsWorkflow();
const deps = { repo, mailer: new SesMailer(), workflow, clock: systemClock, blobs: new S3Blobs() };

const note = (max: number) => z.string().check(z.trim(), z.minLength(3), z.maxLength(max));
const Reason = z.strictObject({ reason: note(MAX_REASON) });
/** `note`: the officer's own explanation, added to the refusal the requester gets. */
const Deny = z.strictObject({ reason: DenyReason, note: z.optional(z.string().check(z.trim(), z.maxLength(MAX_DENY_NOTE))) });
/** A console user name (Cognito's username), or null to leave the request without an owner. */
const Owner = z.strictObject({ owner: z.nullable(z.string().check(z.trim(), z.regex(/^[\w.@+-]{1,64}$/, 'a user name: letters, digits and . _ @ + -, at most 64'))) });
const Note = z.strictObject({ text: note(MAX_NOTE) });
/** What an officer has in hand; sent in a POST body, so that an address never sits in a URL or an access log. */
const Search = z.strictObject({
  q: z.string().check(z.trim(), z.refine((q) => (looksLikeEmail(q) ? q.length <= 254 && z.safeParse(z.email(), q).success : looksLikeOrder(q)), 'a reference, an email address or an order number')),
});
const Cancel = z.strictObject({ reason: CancelReason });
/** What the requester must tell us: it is mailed to them as the question, and recorded as the pause's reason. */
const Pause = z.strictObject({ needed: z.string().check(z.trim(), z.minLength(10), z.maxLength(MAX_REASON)) });
/** Resolved as retained, a task says why (a basis from the list) and until when; the requester is told both. */
const Resolve = z.discriminatedUnion('outcome', [
  z.strictObject({ outcome: z.enum(['completed', 'not_found']), note: note(2000) }),
  z.strictObject({
    outcome: z.literal('retained'),
    note: note(2000),
    basis: z.enum(RetentionBasis.options, { error: `a retained task needs its legal basis, one of ${RetentionBasis.options.join(', ')}` }),
    until: z.iso.date({ error: 'a retained task needs the date it is kept until, as YYYY-MM-DD' }),
  }),
]);
/** An officer's reading of a free-text correction: at least one field and its corrected value. */
const Corrected = z.string().check(z.trim(), z.minLength(1), z.maxLength(500));
// A correction's approval names the corrected fields; an agent's request (not a correction) is approved with an empty body.
const Approve = z.strictObject({
  corrections: z.optional(z.partialRecord(PersonalField, Corrected).check(z.refine((c) => Object.keys(c).length > 0, { message: 'name at least one corrected field' }))),
});
// A filter that cannot match (an unknown type, a date that is not one) is a mistake to say, not an empty list.
const Bool = z.optional(z.enum(['true', 'false']));
export const ListQuery = z.object({
  status: z.optional(z.union([RequestStatus, z.enum(['open', 'closed', 'all'])])),
  type: z.optional(RequestType),
  dueAfter: z.optional(z.iso.date()),
  dueBefore: z.optional(z.iso.date()),
  overdue: Bool,
  processor: z.optional(z.string().check(z.refine((id) => registry.processors.some((p) => p.id === id), 'no such processor in the registry'))),
  escalated: Bool,
  cursor: z.optional(z.string()),
  limit: z.optional(z.string().check(z.regex(/^([1-9]\d?|100)$/, 'a whole number from 1 to 100'))),
}).check(z.refine((q) => !q.dueAfter || !q.dueBefore || q.dueAfter <= q.dueBefore, { path: ['dueBefore'], message: 'must be on or after dueAfter' }));
/** The response to a complaint, in a few words for the register (the reply itself goes to the complainant). */
const Respond = z.strictObject({ outcome: note(MAX_OUTCOME) });
const ComplaintList = z.strictObject({ cursor: z.optional(z.string()), limit: z.optional(z.string().check(z.regex(/^([1-9]\d?|100)$/, 'a whole number from 1 to 100'))) });
const AuditRange = z.object({ from: z.iso.date(), to: z.iso.date() }).check(z.refine((q) => q.from <= q.to, { path: ['to'], message: 'must be on or after from' }));

/** /admin/...: every read needs a compliance group, every action the officer group. */
export const handler = middy<HttpEvent, HttpResult>()
  .use(httpErrors())
  .use(fromCloudFront())
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
    if (method === 'POST' && path === '/search') return json(200, await search(parseBody(Search, event).q, deps));
    if (method === 'GET' && (path === '/report' || path === '/report.csv')) {
      const q = parse(AuditRange, event.queryStringParameters ?? {}, 'query');
      if (path === '/report') return json(200, await report(q.from, q.to, deps));
      return { statusCode: 200, headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="lethe-sla-${q.from}-${q.to}.csv"`, 'cache-control': 'no-store' }, body: await reportCsv(q.from, q.to, deps) };
    }
    if (method === 'GET' && path === '/requests') {
      const q = parse(ListQuery, event.queryStringParameters ?? {}, 'query');
      return json(200, await list({ ...q, limit: q.limit ? Number(q.limit) : undefined }, deps));
    }
    if (method === 'GET' && (m = /^\/requests\/(\w{26})$/.exec(path))) return json(200, await detail(m[1], deps, workflow));
    if (method === 'POST' && (m = /^\/requests\/(\w{26})\/(extend|deny|cancel|pause|resume|resend|owner|notes|approve|agent-contact|reassemble)$/.exec(path))) {
      const actor = act();
      const id = m[1];
      // The workflow may move the request at the same moment: reload and decide again.
      if (m[2] === 'extend') {
        const { reason } = parseBody(Reason, event);
        return json(200, await retryOnRace(() => extend(id, reason, actor, deps)));
      }
      if (m[2] === 'deny') {
        const { reason, note: text } = parseBody(Deny, event);
        return json(200, await retryOnRace(() => deny(id, reason, actor, deps, text)));
      }
      if (m[2] === 'owner') {
        const { owner } = parseBody(Owner, event);
        return json(200, await retryOnRace(() => assign(id, owner, actor, deps)));
      }
      if (m[2] === 'notes') {
        const { text } = parseBody(Note, event);
        return json(200, await retryOnRace(() => addNote(id, text, actor, deps)));
      }
      if (m[2] === 'pause') {
        const { needed } = parseBody(Pause, event);
        return json(200, await retryOnRace(() => pause(id, needed, actor, deps)));
      }
      if (m[2] === 'approve') {
        const { corrections } = parseBody(Approve, event);
        return json(200, await retryOnRace(() => approveCorrection(id, corrections, actor, deps)));
      }
      if (m[2] === 'agent-contact') return json(200, await retryOnRace(() => agentContact(id, actor, deps)));
      if (m[2] === 'reassemble') return json(200, await retryOnRace(() => retryAssembly(id, actor, deps)));
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
        return json(200, await retryOnRace(() => resolveTask(id, proc, b, actor, deps)));
      }
      const [id, proc] = [m[1], m[2]];
      return json(200, await retryOnRace(() => retryTask(id, proc, actor, deps)));
    }
    // Complaints (DPA 2018 s.164A): the list with each one's clock, and the two steps an officer records.
    if (method === 'GET' && path === '/complaints') {
      const q = parse(ComplaintList, event.queryStringParameters ?? {}, 'query');
      return json(200, await listComplaints({ cursor: q.cursor, limit: q.limit ? Number(q.limit) : undefined }, deps));
    }
    if (method === 'POST' && (m = /^\/complaints\/(\w{26})\/(acknowledge|respond)$/.exec(path))) {
      const [actor, id] = [act(), m[1]];
      if (m[2] === 'acknowledge') return json(200, await retryOnRace(() => acknowledgeComplaint(id, actor, deps)));
      const { outcome } = parseBody(Respond, event);
      return json(200, await retryOnRace(() => respondComplaint(id, outcome, actor, deps)));
    }
    // A request received by phone, post, chat or email, logged by an officer who checked the identity.
    if (method === 'POST' && path === '/requests') {
      const actor = act();
      return json(201, await logRequest(parseBody(LogBody, event), actor, deps));
    }
    // A copy flagged as holding other people's data: the officer looks at it, then releases it.
    if ((m = /^\/requests\/(\w{26})\/(export|release)$/.exec(path)) && method === (m[2] === 'export' ? 'GET' : 'POST')) {
      const [actor, id] = [act(), m[1]];
      if (m[2] === 'export') return json(200, await retryOnRace(() => previewHeldExport(id, actor, deps)));
      return json(200, await retryOnRace(() => releaseExport(id, actor, { ...deps, baseUrl: config.PUBLIC_BASE_URL, processors: registry.processors })));
    }
    throw new NotFound('no such admin route');
  });
