import middy from '@middy/core';
import { authenticate } from '../adapters/auth.ts';
import { S3Blobs } from '../adapters/blobs.ts';
import { SesMailer } from '../adapters/mailer.ts';
import { StepFunctionsWorkflow } from '../adapters/workflow.ts';
import { Forbidden, NotFound, retryOnRace } from '../core/errors.ts';
import { type PersonalField, RequestStatus, RequestType, RetentionBasis } from '../core/model.ts';
import { CancelReason, DenyReason, LiftReason } from '../core/notices.ts';
import { readable } from '../core/readable.ts';
import * as z from '../core/zod.ts';
import { repo, systemClock } from '../shared/deps.ts';
import { fromCloudFront, type HttpEvent, type HttpResult, httpErrors, json, parse, parseBody, parseHeader } from '../shared/http.ts';
import { addNote, agentContact, approveCorrection, assign, cancel, deny, extend, liftRestriction, MAX_NOTE, pause, resend, resolveTask, resume, retryAssembly, retryTask } from './actions.ts';
import { list, looksLikeEmail, looksLikeOrder, report, reportCsv, search } from './find.ts';
import { registry } from '../adapters/registry.ts';
import { MAX_DENY_NOTE, MAX_REASON, plainText } from '../core/notices.ts';
import { VerificationTokens } from '../adapters/tokens.ts';
import { config } from '../adapters/config.ts';
import { auditCsv } from './views.ts';
import { dashboard, detail } from './views.ts';
import { previewHeldExport, releaseExport, remakeExport } from './release.ts';
import { IdempotencyKey, LogBody, logRequest } from './log-request.ts';
import { acknowledgeComplaint, listComplaints, respondComplaint } from './complaints.ts';
import { MAX_OUTCOME } from '../core/complaints.ts';

const workflow = new StepFunctionsWorkflow();
const deps = { repo, mailer: new SesMailer(), workflow, clock: systemClock, blobs: new S3Blobs() };

// Every free text an officer types is stored and most are mailed: a lone surrogate is refused (core/readable.ts). Its
// 3 characters are counted as it is stored, cleaned (plainText), or control characters alone were stored empty.
const note = (max: number) => z.string().check(z.trim(), z.maxLength(max), readable(), z.overwrite((t) => plainText(t, max)), z.minLength(3));
const Reason = z.strictObject({ reason: note(MAX_REASON) });
/** `note`: the officer's own explanation, added to the refusal the requester gets. */
const Deny = z.strictObject({ reason: DenyReason, note: z.optional(z.string().check(z.trim(), z.maxLength(MAX_DENY_NOTE), readable())) });
/** A console user name (Cognito's username), or null to leave the request without an owner. */
const Owner = z.strictObject({ owner: z.nullable(z.string().check(z.trim(), z.regex(/^[\w.@+-]{1,64}$/, 'a user name: letters, digits and . _ @ + -, at most 64'))) });
const Note = z.strictObject({ text: note(MAX_NOTE) });
/** What an officer has in hand; sent in a POST body, so that an address never sits in a URL or an access log. */
const Search = z.strictObject({
  q: z.string().check(z.trim(), z.refine((q) => (looksLikeEmail(q) ? q.length <= 254 && z.safeParse(z.email(), q).success : looksLikeOrder(q)), 'a reference, an email address or an order number')),
});
const Cancel = z.strictObject({ reason: CancelReason });
/** What the requester must tell us: it is mailed to them as the question, then kept with their contact data; the trail has its SHA-256. */
const Pause = z.strictObject({ needed: z.string().check(z.trim(), z.minLength(10), z.maxLength(MAX_REASON), readable()) });
/** Art. 12A: the clock stops until the day the requester's answer was received, which an officer may record later. */
const Resume = z.strictObject({ answeredOn: z.optional(z.iso.date({ error: 'the day the requester’s answer was received, as YYYY-MM-DD' })) });
/**
 * Resolved as retained, a task says why (a basis from the list) and until when; the requester is told both.
 * A lifetime warranty has no end, so its proof of purchase may be kept with none: a date made up for it
 * would be told to the requester as if it were one.
 */
const UNTIL = 'a retained task needs the date it is kept until, as YYYY-MM-DD';
const Resolve = z.discriminatedUnion('outcome', [
  z.strictObject({ outcome: z.enum(['completed', 'not_found']), note: note(2000) }),
  z
    .strictObject({
      outcome: z.literal('retained'),
      note: note(2000),
      basis: z.enum(RetentionBasis.options, { error: `a retained task needs its legal basis, one of ${RetentionBasis.options.join(', ')}` }),
      until: z.optional(z.iso.date({ error: UNTIL })),
    })
    // Checked whatever else is wrong, so that a body missing both names both.
    .check(z.refine((b) => b.until !== undefined || b.basis === 'lifetime_warranty', { message: UNTIL, path: ['until'], when: () => true })),
]);
/** An officer's reading of a free-text correction: at least one field and its corrected value. */
const Corrected = z.string().check(z.trim(), z.minLength(1), z.maxLength(500), readable());
/** Art. 18(3): why and from what London date a restriction is lifted; `note`, the officer's words to the requester (needed for `other`). */
const Lift = z.strictObject({
  reason: LiftReason,
  liftOn: z.iso.date({ error: 'the London date the restriction is lifted from, as YYYY-MM-DD' }),
  note: z.optional(z.string().check(z.trim(), z.maxLength(MAX_DENY_NOTE), readable())),
});
// A correction's approval names the corrected fields; an agent's request (not a correction) is approved with an empty body.
const Approve = z.strictObject({
  corrections: z.optional(
    z
      .strictObject({
        // Sent to every processor holding it, and the old address's suppressions moved to it: an address, as the form takes
        // one (until November 29, 2026 any text was approved, "ada at example" among them).
        email: z.optional(z.email({ error: 'the corrected email address, as name@domain' }).check(z.maxLength(254))),
        name: z.optional(Corrected),
        postal_address: z.optional(Corrected),
        phone: z.optional(Corrected),
      } satisfies Record<PersonalField, unknown>)
      .check(z.refine((c) => Object.keys(c).length > 0, { message: 'name at least one corrected field' })),
  ),
  /** What the requester asked and is not corrected, and why: mailed to them with the outcome. */
  uncorrected: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(MAX_DENY_NOTE), readable())),
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
/**
 * The body of an action that takes none: empty, or `{}` as the console sends. Anything else is refused
 * as unknown fields are everywhere: ignored, a client's `{"reason": …}` to an action that records none
 * would be taken for recorded, and the action done all the same.
 */
const NoBody = z.strictObject({});
const AuditRange = z.object({ from: z.iso.date(), to: z.iso.date() }).check(z.refine((q) => q.from <= q.to, { path: ['to'], message: 'must be on or after from' }));

const csv = (name: string, body: string): HttpResult => ({ statusCode: 200, headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${name}"`, 'cache-control': 'no-store' }, body });
const ok = async (status: number, work: Promise<unknown>) => json(status, await work);

/** What a route's call is given: the event, its path's captured parts, and the officer acting (403 for anyone else). */
type Call = { event: HttpEvent; params: string[]; act: () => string };
type Route = readonly [method: 'GET' | 'POST', path: RegExp, call: (c: Call) => Promise<HttpResult>];
// The workflow may move a request at the same moment as an officer's action: each action reloads and decides again (retryOnRace).
const action = (run: (id: string, actor: string, event: HttpEvent) => Promise<unknown>, status = 200) => ({ event, params: [id], act }: Call) => {
  const actor = act();
  return ok(status, retryOnRace(() => run(id, actor, event)));
};
/** An action without a body: its body is checked to be none before anything is read. */
const bare = (run: (id: string, actor: string) => Promise<unknown>, status = 200) =>
  action((id, actor, e) => {
    parseBody(NoBody, e);
    return run(id, actor);
  }, status);
const REQUEST = String.raw`\/requests\/(\w{26})`;
const on = (suffix: string) => new RegExp(`^${REQUEST}\\/${suffix}$`);

/**
 * Every admin route, by method and path under /admin: reads need a compliance group, actions the
 * officer group. The stack deploys one catch-all route for them (infra/routes.ts); the OpenAPI test
 * asks the handler each of these.
 */
export const ROUTES: readonly Route[] = [
  ['GET', /^\/dashboard$/, () => ok(200, dashboard(deps))],
  ['GET', /^\/audit\.csv$/, async ({ event }) => {
    const q = parse(AuditRange, event.queryStringParameters ?? {}, 'query');
    return csv(`lethe-audit-${q.from}-${q.to}.csv`, await auditCsv(q.from, q.to, deps));
  }],
  ['POST', /^\/search$/, ({ event }) => ok(200, search(parseBody(Search, event).q, deps))],
  ['GET', /^\/report$/, ({ event }) => {
    const q = parse(AuditRange, event.queryStringParameters ?? {}, 'query');
    return ok(200, report(q.from, q.to, deps));
  }],
  ['GET', /^\/report\.csv$/, async ({ event }) => {
    const q = parse(AuditRange, event.queryStringParameters ?? {}, 'query');
    return csv(`lethe-sla-${q.from}-${q.to}.csv`, await reportCsv(q.from, q.to, deps));
  }],
  ['GET', /^\/requests$/, ({ event }) => {
    const q = parse(ListQuery, event.queryStringParameters ?? {}, 'query');
    return ok(200, list({ ...q, limit: q.limit ? Number(q.limit) : undefined }, deps));
  }],
  // A request received by phone, post, chat or email, logged by an officer who checked the identity.
  ['POST', /^\/requests$/, ({ event, act }) => {
    const actor = act();
    const body = parseBody(LogBody, event);
    const key = event.headers?.['idempotency-key'];
    return ok(201, logRequest(body, actor, deps, key === undefined ? undefined : parseHeader(IdempotencyKey, 'Idempotency-Key', key)));
  }],
  ['GET', new RegExp(`^${REQUEST}$`), ({ params: [id] }) => ok(200, detail(id, deps, workflow))],
  ['POST', on('extend'), action((id, actor, e) => extend(id, parseBody(Reason, e).reason, actor, deps))],
  ['POST', on('deny'), action((id, actor, e) => {
    const { reason, note: text } = parseBody(Deny, e);
    return deny(id, reason, actor, deps, text);
  })],
  ['POST', on('cancel'), action((id, actor, e) => cancel(id, parseBody(Cancel, e).reason, actor, deps))],
  ['POST', on('owner'), action((id, actor, e) => assign(id, parseBody(Owner, e).owner, actor, deps))],
  ['POST', on('notes'), action((id, actor, e) => addNote(id, parseBody(Note, e).text, actor, deps))],
  ['POST', on('pause'), action((id, actor, e) => pause(id, parseBody(Pause, e).needed, actor, deps))],
  ['POST', on('resume'), action((id, actor, e) => resume(id, actor, deps, parseBody(Resume, e).answeredOn))],
  ['POST', on('approve'), action((id, actor, e) => {
    const b = parseBody(Approve, e);
    return approveCorrection(id, b.corrections, actor, deps, b.uncorrected);
  })],
  ['POST', on('lift-restriction'), action((id, actor, e) => liftRestriction(id, parseBody(Lift, e), actor, deps))],
  ['POST', on('agent-contact'), bare((id, actor) => agentContact(id, actor, deps))],
  ['POST', on('reassemble'), bare((id, actor) => retryAssembly(id, actor, deps))],
  ['POST', on('resend'), bare((id, actor) => resend(id, actor, { ...deps, tokens: new VerificationTokens(), baseUrl: config.PUBLIC_BASE_URL }))],
  ['POST', on(String.raw`tasks\/([a-z0-9-]+)\/resolve`), ({ event, params: [id, proc], act }) => {
    const actor = act();
    const b = parseBody(Resolve, event);
    return ok(200, retryOnRace(() => resolveTask(id, proc, b, actor, deps)));
  }],
  ['POST', on(String.raw`tasks\/([a-z0-9-]+)\/retry`), ({ event, params: [id, proc], act }) => {
    const actor = act();
    parseBody(NoBody, event);
    return ok(200, retryOnRace(() => retryTask(id, proc, actor, deps)));
  }],
  // A copy flagged as holding other people's data: the officer looks at it, then releases it.
  ['GET', on('export'), action((id, actor) => previewHeldExport(id, actor, deps))],
  ['POST', on('release'), bare((id, actor) => releaseExport(id, actor, { ...deps, baseUrl: config.PUBLIC_BASE_URL, processors: registry.processors }))],
  // Its package gone (S3 deletes it 30 days after it is made): asked for again, the sweeper makes it (202), then it is looked at and released.
  ['POST', on('remake'), bare((id, actor) => remakeExport(id, actor, deps), 202)],
  // Complaints (DPA 2018 s.164A): the list with each one's clock, and the two steps an officer records.
  ['GET', /^\/complaints$/, ({ event }) => {
    const q = parse(ComplaintList, event.queryStringParameters ?? {}, 'query');
    return ok(200, listComplaints({ cursor: q.cursor, limit: q.limit ? Number(q.limit) : undefined }, deps));
  }],
  ['POST', /^\/complaints\/(\w{26})\/acknowledge$/, bare((id, actor) => acknowledgeComplaint(id, actor, deps))],
  ['POST', /^\/complaints\/(\w{26})\/respond$/, action((id, actor, e) => respondComplaint(id, parseBody(Respond, e).outcome, actor, deps))],
];

/** /admin/...: the route that matches the method and the path, for a signed-in compliance user. */
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
    for (const [verb, pattern, call] of ROUTES) {
      const m = verb === method ? pattern.exec(path) : null;
      if (m) return call({ event, params: m.slice(1), act });
    }
    throw new NotFound('no such admin route');
  });
