import { createHash, randomBytes } from 'node:crypto';
import { type AttributeValue, DynamoDBClient, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { signWebhook } from '../../../functions/adapters/webhook-signing.ts';
import { addDays, londonDate } from '../../../functions/core/deadline.ts';
import type { ProcessorEntry } from '../../../functions/core/model.ts';
import { webhookIdOf } from '../../../functions/core/webhook.ts';
import { LOCAL_CREDENTIALS } from '../../../local/services/credentials.ts';
import { type Booted, boot, until } from '../harness.ts';

/**
 * A request's life cycle as its actors live it, checked against a model of what the docs promise.
 * Each run starts one or two requests (erasure, copy, restriction, objection; most confirmed at once,
 * some left for the requester to confirm later) and applies a random sequence of what real actors do,
 * in any order, the refused ones included: processors' signed callbacks (each outcome, sent again
 * under the same webhook-id, an id reused with other content, late ones, ones posted to the wrong
 * task or signed with another key), an officer's actions from the console's admin API (extend, deny,
 * cancel, retry and resolve a task, resend, pause and resume the clock, lift a restriction; a viewer
 * trying one), the sweeper as its schedule invokes it (its clock moved forward by the event), the
 * requester confirming and reading their status page; and two of these at once on one task (the same
 * callback twice, a callback and the officer's resolution, retry, refusal or extension, the sweeper).
 * The demo processors take every webhook and never call back: every callback is one the test sends.
 *
 * After every command the runtime is let settle, then: no 5xx; the answer the model expects; a
 * refused action (a 4xx) changed nothing (table, mailbox, the functions' write calls), but for a
 * conflicting callback, which the docs put on the task's trail; each request's and task's status is
 * the model's, and the request's agrees with its tasks (completed once every task is finished,
 * waiting for an officer exactly while a task waits for a person); each email to the requester
 * was sent as many times as the actions that owe it (one outcome, one notice per accepted action);
 * the deadline never moves back; each accepted officer action is on the audit trail once; the
 * execution runs exactly while the request is open; every webhook a processor received is one the
 * request owes it (its first message and one per officer's retry), once, and none after a refusal or
 * a cancellation; each task and request is in the partition of the sparse `watch` index that its status,
 * its intents and its request's closing give it, and in no other (watched, below). Two actions at once
 * must end as one order or the other would, each answered as in it.
 *
 * LIFE_SEED=<seed> replays a run (fast-check prints it with its path: LIFE_PATH); LIFE_RUNS=<n>
 * searches longer (default 3 runs); LIFE_COMMANDS=<n> is the longest sequence a run draws (default 28);
 * LIFE_SHRINK=1 shrinks a counterexample (each try a run: minutes); LIFE_VERBOSE=1 prints each run's
 * commands and how often each kind met each state (a case never met was not tested).
 */
const SEED = Number(process.env.LIFE_SEED ?? 20_261_128);
const RUNS = Math.max(1, Number(process.env.LIFE_RUNS ?? 3));
const COMMANDS = Math.max(1, Number(process.env.LIFE_COMMANDS ?? 28));
vi.setConfig({ testTimeout: 60_000 + RUNS * COMMANDS * 1_500 });

const AUTOMATED = ['paynow', 'metricsly', 'mailwave'] as const;
// A processor with no API: an officer resolves its task, and its callbacks, having no key, are refused. Only a
// restriction reaches it, so that the other requests complete on their processors' answers alone.
const PAPER: ProcessorEntry = {
  id: 'paper-firm',
  name: 'Paper Records Ltd',
  category: 'collections',
  region: 'eu-west-2',
  transferSafeguard: 'adequacy',
  mode: 'manual',
  supports: ['restrict'],
  identities: ['email'],
  heartbeatSeconds: 1_209_599,
  timeoutSeconds: 1_209_600,
};
const PROCESSORS = [...AUTOMATED, PAPER.id];
const TIMEOUT_S: Record<string, number> = {};

let rt: Booted;
let ddb: DynamoDBClient;
let officer: string;
let viewer: string;
let commandsRun = 0;

beforeAll(async () => {
  rt = await boot({
    registry: (r) => ({ ...r, processors: [...r.processors.filter((p) => (AUTOMATED as readonly string[]).includes(p.id)), PAPER] }),
    // A retry comes at once rather than seconds later: "settled" then means nothing is left to run.
    retryIntervalOverrides: Object.fromEntries(['Plan', 'Dispatch', 'Escalate', 'EscalateWithoutMail', 'Assemble', 'AssemblyFailed', 'Notify'].map((s) => [s, 10])),
  });
  for (const p of rt.registry.processors) TIMEOUT_S[p.id] = p.timeoutSeconds;
  for (const p of AUTOMATED) rt.processors.setBehaviour(p, { never: true });
  ddb = new DynamoDBClient({ endpoint: rt.urls.dynamodb, region: 'eu-west-2', credentials: LOCAL_CREDENTIALS });
  [officer, viewer] = await Promise.all([rt.signIn('officer'), rt.signIn('viewer')]);
  await settle();
  console.info(`life-model seed ${SEED} (LIFE_SEED), ${RUNS} runs (LIFE_RUNS) of up to ${COMMANDS} commands (LIFE_COMMANDS)`);
}, 120_000);
afterAll(async () => {
  console.info(`life-model: ${commandsRun} commands run (${timing.settle} ms waiting for the runtime to settle, ${timing.world} ms reading the table and the mailbox)`);
  if (process.env.LIFE_VERBOSE) console.info([...stats].sort().map(([k, n]) => `stat ${String(n).padStart(4)}  ${k}`).join('\n'));
  ddb?.destroy();
  await rt?.stopAndClean();
});

// ---------------------------------------------------------------------------------------------
// The world: the table, the mailbox, the calls the functions make, the workflow and the processors.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Where the file's time goes, for whoever tunes it. */
const timing = { settle: 0, world: 0 };

/** Waits until no function runs and none has run for a while: whatever a command set going has finished. */
async function settle() {
  const t0 = Date.now();
  const end = Date.now() + 30_000;
  let last = '';
  let still = 0;
  // Quiet for 50 ms: a workflow's next state starts within a few (its retries wait 10 ms here).
  while (still < 5) {
    await sleep(10);
    const now = `${rt.lambdas.inFlight()}:${rt.lambdas.calls.length}:${[...rt.lambdas.invocations.values()].reduce((a, b) => a + b, 0)}`;
    still = rt.lambdas.inFlight() === 0 && now === last ? still + 1 : 0;
    last = now;
    if (Date.now() > end) throw new Error('the runtime never settled');
  }
  timing.settle += Date.now() - t0;
}

type Item = Record<string, unknown>;
type World = { raw: Map<string, string>; items: Map<string, Item>; mails: { to: string; subject: string }[] };

/** The whole table (a Scan), or only the partitions of the requests given (a Query each), and the mailbox. */
async function world(only?: readonly { id: string }[]): Promise<World> {
  const t0 = Date.now();
  const raw = new Map<string, string>();
  const items = new Map<string, Item>();
  const keep = (page: { Items?: Record<string, AttributeValue>[] }) => {
    for (const i of page.Items ?? []) {
      const k = `${i.pk.S}|${i.sk.S}`;
      raw.set(k, JSON.stringify(i));
      items.set(k, unmarshall(i));
    }
  };
  const pages = async (send: (start: Record<string, AttributeValue> | undefined) => Promise<{ Items?: Record<string, AttributeValue>[]; LastEvaluatedKey?: Record<string, AttributeValue> }>) => {
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await send(start);
      keep(page);
      start = page.LastEvaluatedKey;
    } while (start);
  };
  const TableName = rt.tableName;
  if (only) await Promise.all(only.map((r) => pages((start) => ddb.send(new QueryCommand({ TableName, ConsistentRead: true, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: `REQ#${r.id}` } }, ExclusiveStartKey: start })))));
  else await pages((start) => ddb.send(new ScanCommand({ TableName, ConsistentRead: true, ExclusiveStartKey: start })));
  const mails = (await rt.mails()).map((m) => ({ to: m.destination.to[0], subject: m.subject }));
  timing.world += Date.now() - t0;
  return { raw, items, mails };
}

/** A call that writes: DynamoDB's writes, SES's sends, S3's puts and deletes, Step Functions' starts, stops and answers. */
const writes = (c: { service: string; method: string; target?: string }) =>
  (c.service === 'dynamodb' && /\.(PutItem|UpdateItem|DeleteItem|BatchWriteItem|TransactWriteItems)$/.test(c.target ?? '')) ||
  (c.service === 'states' && !/\.(Describe|List|Get)\w*$/.test(c.target ?? '')) ||
  (['sesv2', 's3'].includes(c.service) && !['GET', 'HEAD'].includes(c.method));

const execution = (id: string) => {
  try {
    return rt.engine.describeExecution(`${rt.stateMachineArn.replace(':stateMachine:', ':execution:')}:${id}`).status;
  } catch {
    return undefined;
  }
};

// ---------------------------------------------------------------------------------------------
// The model.

type Kind = 'completed' | 'not_found' | 'retained' | 'failed' | 'in_progress';
type TaskStatus = 'sent' | 'in_progress' | 'completed' | 'not_found' | 'retained' | 'failed' | 'timed_out' | 'resolved';
const FINISHED: readonly TaskStatus[] = ['completed', 'not_found', 'retained', 'resolved'];
const ESCALATED: readonly TaskStatus[] = ['failed', 'timed_out'];
type TaskM = {
  proc: string;
  manual: boolean;
  status: TaskStatus;
  /** What it finished with: a processor's outcome, or the officer's resolution. */
  outcome?: string;
  retries: number;
  /** The webhook-ids whose callbacks it keeps, with their bytes' hash. */
  kept: Map<string, string>;
  /** The bytes of each failure on its trail. */
  failures: Set<string>;
  further: number;
};
const MAIL_KINDS = ['confirmation', 'outcome', 'refusal', 'cancellation', 'extension', 'deadline', 'clarification', 'lift'] as const;
type MailKind = (typeof MAIL_KINDS)[number];
const SUBJECTS: [MailKind, RegExp][] = [
  ['confirmation', /^Confirm your privacy request$/],
  ['outcome', /^Your privacy request is complete$/],
  ['refusal', /^Your privacy request has been refused$/],
  ['cancellation', /^Your privacy request has been cancelled$/],
  ['extension', /^Your request: more time needed$/],
  ['deadline', /^Your request: the new deadline$/],
  ['clarification', /^Your request: we need a clarification$/],
  ['lift', /^Your request: the restriction of your data will be lifted$/],
];
type RequestType = 'erasure' | 'access' | 'restrict' | 'objection';
type ReqM = {
  label: string;
  id: string;
  email: string;
  type: RequestType;
  statusToken: string;
  confirmed: boolean;
  closed?: 'completed' | 'denied' | 'cancelled';
  tasks: Map<string, TaskM>;
  extended: boolean;
  paused: boolean;
  /** An extension made while the clock was stopped told no date: restarting it owes the date. */
  extendedWhilePaused: boolean;
  lifted: boolean;
  owned: boolean;
  mails: Record<MailKind, number>;
  /** Accepted officer actions, by the action the audit trail names. */
  acts: Record<string, number>;
  due?: string;
};
type Sent = { ri: number; proc: string; id: string; raw: string };
/** `clock`: the sweeper's, which moves forward in a run from the moment it began (each run is a world of its own: the last leaves nothing open). */
type Model = { reqs: ReqM[]; sent: Sent[]; log: string[]; clock: number };
type Real = Record<string, never>;

const planned = (type: RequestType) => (type === 'objection' ? ['metricsly', 'mailwave'] : type === 'restrict' ? PROCESSORS : [...AUTOMATED]);
const isOpen = (r: ReqM) => !r.closed;
const waitsForPerson = (t: TaskM) => ESCALATED.includes(t.status) || (t.manual && (t.status === 'sent' || t.status === 'in_progress'));
/** What the request's status must be, from its tasks: the docs' status model (DESIGN §5). */
function expectedStatus(r: ReqM) {
  if (r.closed) return r.closed;
  if (!r.confirmed) return 'unverified';
  return [...r.tasks.values()].some(waitsForPerson) ? 'awaiting_manual' : 'in_progress';
}
/** Once every task is finished, the workflow completes an open request, and owes its outcome email once. */
function advance(r: ReqM) {
  if (r.confirmed && !r.closed && [...r.tasks.values()].every((t) => FINISHED.includes(t.status))) {
    r.closed = 'completed';
    r.mails.outcome++;
  }
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const secretOf = (proc: string) => (rt.secrets.get(`lethe/processors/${proc}`) as { secrets: string[] } | undefined)?.secrets ?? [`whsec_${randomBytes(24).toString('base64')}`];

// ---------------------------------------------------------------------------------------------
// One step: predict, act, settle, check.

type Prediction = {
  codes: readonly number[];
  /** On a 2xx: the model's change. */
  apply?: () => void;
  /** Answered without changing anything (a duplicate, an in_progress that moves nothing, a read). */
  still?: boolean;
  /** A conflicting callback: only its task's trail may gain the attempt. */
  conflict?: { requestId: string; proc: string };
  /** What the command met, for the statistics (LIFE_VERBOSE). */
  met?: string;
};

/**
 * One actor's action: what it expects of a model (given the run's partitions as they are just before,
 * which the sweeper's pass over stuck tasks reads), and the call it makes. Requests are named by their
 * place in the run, so that one plan can be predicted on copies of the model (two orders of a race).
 */
type Plan = { what: string; predict: (m: Model, w: World) => Prediction; act: () => Promise<Response> };

/** How often each kind of command met each state, and what it was answered (LIFE_VERBOSE prints it: a search that never met a case did not test it). */
const stats = new Map<string, number>();
const tally = (what: string, p: Prediction, code: number) => {
  const key = `${what.replace(/ cb_\w+/, '').replace(/ (for )?R\d+\.\d+\([^)]*\)(\.[\w-]+)?/g, '').replace(/ (posted to|signed with) .*/, ' misdirected').replace(/ at \S+ \((now|\+\d+ days)\)/, ' $1')}${p.met ? ` @${p.met}` : ''} → ${code}`;
  stats.set(key, (stats.get(key) ?? 0) + 1);
};
const history = (m: Model) => `after:\n  ${m.log.slice(0, -1).join('\n  ')}`;

async function step(m: Model, plan: Plan) {
  commandsRun++;
  m.log.push(plan.what);
  const p = plan.predict(m, await world(m.reqs));
  // What a refusal, a duplicate or a read must leave as it was (an action expected to be accepted and refused fails anyway).
  const before = p.still || p.codes.every((c) => c >= 400) ? await world() : undefined;
  const calls = rt.lambdas.calls.length;
  const r = await plan.act();
  const text = await r.text();
  const said = `${plan.what} answered ${r.status} ${text.slice(0, 300)}\n${history(m)}`;
  expect(r.status, said).toBeLessThan(500);
  expect(p.codes, said).toContain(r.status);
  tally(plan.what, p, r.status);
  if (r.status < 300) p.apply?.();
  for (const q of m.reqs) advance(q);
  await settle();
  const after = await world(before ? undefined : m.reqs);
  const refused = r.status >= 400;
  if (before && (refused || p.still)) {
    const changed = [...new Set([...before.raw.keys(), ...after.raw.keys()])].filter((k) => before.raw.get(k) !== after.raw.get(k));
    const task = p.conflict && r.status === 409 ? `REQ#${p.conflict.requestId}|TASK#${p.conflict.proc}` : undefined;
    expect(changed.filter((k) => k !== task), `${said}\nchanged the table`).toEqual([]);
    if (task && changed.includes(task)) {
      const [a, b] = [before.items.get(task), after.items.get(task)] as Item[];
      const rest = (i: Item) => ({ ...i, audit: undefined, version: undefined });
      expect(rest(b), `${said}\na conflicting callback changed more than its task's trail`).toEqual(rest(a));
      const added = (b.audit as Item[]).slice((a.audit as Item[]).length);
      expect(added.map((e) => e.action), `${said}\nits trail`).toEqual(['conflicting_callback']);
    }
    expect(after.mails.length - before.mails.length, `${said}\nmailed`).toBe(0);
    const made = rt.lambdas.calls.slice(calls).filter(writes).filter((c) => c.service !== 'states' || refused);
    // A conflicting callback appends its attempt to the task's trail, as the docs say: that one write.
    const allowed = task ? made.filter((c) => !(c.service === 'dynamodb' && (c.body ?? '').includes(`TASK#${p.conflict?.proc}`))) : made;
    expect(allowed.map((c) => `${c.fn}: ${c.target ?? `${c.method} ${c.path}`}`), `${said}\nmade write calls`).toEqual([]);
  }
  check(m, after, said);
}

/**
 * Two actors at once (a callback landing while an officer resolves its task, a refusal while the last
 * task is answered, the sweeper in the middle): whatever the runtime interleaves, the outcome must be
 * that of one order or the other, each answer the one that order gives, and every invariant holds.
 */
async function race(m: Model, a: Plan, b: Plan) {
  commandsRun += 2;
  const what = `at once: ${a.what} | ${b.what}`;
  m.log.push(what);
  const w = await world(m.reqs);
  const [ra, rb] = await Promise.all([a.act(), b.act()]);
  const [ta, tb] = await Promise.all([ra.text(), rb.text()]);
  const said = `${what} answered ${ra.status} ${ta.slice(0, 200)} | ${rb.status} ${tb.slice(0, 200)}\n${history(m)}`;
  expect([ra.status, rb.status].every((c) => c < 500), said).toBe(true);
  await settle();
  const after = await world(m.reqs);
  const failures: string[] = [];
  for (const [x, y, cx, cy] of [[a, b, ra.status, rb.status], [b, a, rb.status, ra.status]] as const) {
    const c = structuredClone(m);
    const px = x.predict(c, w);
    if (!px.codes.includes(cx)) {
      failures.push(`${x.what} first: it would answer ${px.codes.join('|')}, not ${cx}`);
      continue;
    }
    if (cx < 300) px.apply?.();
    for (const q of c.reqs) advance(q);
    const py = y.predict(c, w);
    if (!py.codes.includes(cy)) {
      failures.push(`${x.what} first: ${y.what} would answer ${py.codes.join('|')}, not ${cy}`);
      continue;
    }
    if (cy < 300) py.apply?.();
    for (const q of c.reqs) advance(q);
    try {
      check(c, after, said);
      tally(`${x.what} (raced)`, px, cx);
      tally(`${y.what} (raced)`, py, cy);
      Object.assign(m, { reqs: c.reqs, sent: c.sent });
      return;
    } catch (e) {
      failures.push(`${x.what} first: ${(e as Error).message}\n${(e as { diff?: string }).diff ?? ""}`);
    }
  }
  expect.fail(`${said}\nneither order explains the outcome:\n${failures.join('\n\n')}`);
}

/** Every request of the run against the model, and the invariants that hold whatever the model says. */
function check(m: Model, w: World, said: string) {
  const met: string[] = [];
  for (const r of m.reqs) {
    const at = `${said}\n${r.label}`;
    const req = w.items.get(`REQ#${r.id}|REQUEST`) as Placed & { status: string; audit: Item[]; dueDate?: string; extended?: { dueDate: string } };
    expect(req, at).toBeDefined();
    const tasks = [...w.items.entries()].filter(([k]) => k.startsWith(`REQ#${r.id}|TASK#`)).map(([, v]) => v as WatchedTask & { audit: Item[] });
    // The request's status agrees with its tasks, as the model derives it.
    expect({ request: req.status, tasks: Object.fromEntries(tasks.map((t) => [t.processorId, t.status]).sort()) }, `${at}: statuses`).toEqual({
      request: expectedStatus(r),
      tasks: Object.fromEntries([...r.tasks.values()].map((t) => [t.proc, t.status]).sort()),
    });
    // Completed once, and only with every task finished; closed at most once.
    const trail = [req.audit, ...tasks.map((t) => t.audit)].flat() as { actor: string; action: string }[];
    const closings = req.audit.filter((e) => ['complete', 'deny', 'cancel'].includes(e.action as string)).map((e) => e.action);
    expect(closings, `${at}: closing events`).toEqual(r.closed ? [r.closed === 'completed' ? 'complete' : r.closed === 'denied' ? 'deny' : 'cancel'] : []);
    // Each email the requester is owed, as many times as the actions that owe it.
    const mine = w.mails.filter((x) => x.to === r.email);
    const counts = Object.fromEntries(MAIL_KINDS.map((k) => [k, 0])) as Record<MailKind | 'other', number>;
    for (const x of mine) counts[SUBJECTS.find(([, re]) => re.test(x.subject))?.[0] ?? 'other']++;
    expect(counts, `${at}: emails to the requester: ${JSON.stringify(counts)}, where the model has ${JSON.stringify(r.mails)}`).toEqual({ ...r.mails, ...(counts.other ? { other: 0 } : {}) });
    // The deadline never moves back.
    const due = (req.extended?.dueDate ?? req.dueDate) as string | undefined;
    if (r.due !== undefined) expect(due !== undefined && due >= r.due, `${at}: the deadline moved from ${r.due} to ${due}`).toBe(true);
    r.due = due;
    // Each accepted officer action on the trail once.
    const officers = trail.filter((e) => e.actor.startsWith('officer:') && e.action !== 'unblock');
    const acted: Record<string, number> = {};
    for (const e of officers) acted[e.action === 'renew_download' ? 'resend' : e.action] = (acted[e.action === 'renew_download' ? 'resend' : e.action] ?? 0) + 1;
    expect(acted, `${at}: officers' actions on the trail`).toEqual(r.acts);
    // The execution runs exactly while the request is open (none before it is confirmed).
    const ran = execution(r.id);
    if (!r.confirmed) expect(ran, `${at}: execution`).toBeUndefined();
    else expect(ran === 'RUNNING', `${at}: execution ${ran} for a request ${req.status}`).toBe(isOpen(r));
    if (r.closed === 'completed') expect(ran, `${at}: execution`).toBe('SUCCEEDED');
    // Every webhook a processor received is one the request owes it, once: none after a refusal or a cancellation.
    for (const p of AUTOMATED) {
      const t = r.tasks.get(p);
      const got = rt.processors.received(p).filter((x) => x.body?.subject_request_id === r.id).map((x) => x.id);
      const owed = t ? [`${r.id}.${p}`, ...Array.from({ length: t.retries }, (_, i) => webhookIdOf({ taskId: `${r.id}.${p}`, retries: i + 1 }))] : [];
      expect(got.sort(), `${at}: webhooks to ${p}`).toEqual(owed.sort());
    }
    met.push(...watched(r, req, tasks, at));
  }
  for (const k of met) stats.set(k, (stats.get(k) ?? 0) + 1);
}

type Placed = Item & { watch?: string; watchAt?: string };
type WatchedTask = Placed & { processorId: string; status: string; sentAt?: string; finishedAt?: string; unwatchedAt?: string; outboxToken?: { at: string }; outboxTeam?: object; outboxWebhook?: object };

/**
 * The sparse `watch` index (functions/adapters/table.ts, the comment above TABLE), as the stored items
 * place them: what the dashboard's open tasks per processor, its escalated list and the sweeper's
 * time-outs and owed intents read. Written from that comment and the model, not from watchOf, so that
 * a watchOf that placed a task wrongly would be caught. Returns what it met, for the statistics.
 *
 * Read after the runtime settled, so that every action has run to its end. The design allows states
 * this model does not make, which would fail here: a closing action that died between its write and
 * the one marking its tasks (unwatchTasks; the sweeper's time-out pass drops such a task from
 * open#<processor> and the dashboard passes over a closed request's), and a task written before the
 * index existed (November 26, 2026), placed at its next write or by the sweeper's rotation.
 */
function watched(r: ReqM, req: Placed, tasks: WatchedTask[], at: string): string[] {
  const met: string[] = [];
  // Refused or cancelled: nobody waits for its tasks any more.
  const given = r.closed === 'denied' || r.closed === 'cancelled';
  for (const t of tasks) {
    const of = `${at}.${t.processorId}: ${t.status} task ${t.watch ? `in ${t.watch}` : 'in no partition'} of a ${r.closed ?? 'open'} request`;
    // An intent still owed keeps the task where the sweeper finds it (token first: it comes before the rest), whatever its status or its request's.
    const owes = t.outboxToken ? 'token' : t.outboxTeam ? 'team' : t.outboxWebhook ? 'webhook' : undefined;
    const place = owes
      ? owes
      : ['sent', 'in_progress'].includes(t.status)
        ? given
          ? undefined
          : `open#${t.processorId}`
        : ['failed', 'timed_out'].includes(t.status)
          ? given
            ? undefined
            : 'escalated'
          : ['completed', 'not_found', 'retained'].includes(t.status)
            ? `answered#${t.processorId}`
            : // Waiting to be sent, or resolved by an officer (its token sent): in none.
              undefined;
    expect(t.watch, `${of}: where its status and intents place it`).toBe(place);
    // In order where the readers need it: open by when sent (the sweeper's "past its time-out" is a key range), a token by when owed, an answer or an escalation by when.
    const order = owes === 'token' ? t.outboxToken?.at : place === `open#${t.processorId}` || owes ? t.sentAt : place ? t.finishedAt : undefined;
    if (order) expect(t.watchAt, `${of}: its order in the partition`).toBe(order);
    // The mark that keeps a task out of open# and escalated is on every task of a refused or cancelled request still out or
    // escalated once its closing has run (else a later write puts it back), and on no other request's.
    if (given && ['sent', 'in_progress', 'failed', 'timed_out'].includes(t.status)) expect(t.unwatchedAt, `${of}: marked no longer waited for`).toBeDefined();
    if (!given) expect(t.unwatchedAt, `${of}: marked no longer waited for`).toBeUndefined();
    met.push(`watch: ${t.status}${owes ? ` owing ${owes}` : ''} of ${r.closed ?? 'open'} → ${t.watch?.replace(/#.*/, '#') ?? 'none'}`);
  }
  // The request record: in `closed` while a refused or cancelled request owes its execution's stop or its copy's results'
  // deletion, else in `request` while an open one owes the team's email, an alert, a failed copy or a package to make again.
  // In no other partition, `closed` only once refused or cancelled. Owing nothing, it may stay in either until the
  // sweeper's next run (an outbox's bookkeeping write, or two clearing writes at once, cannot know whether the other remains).
  const of = `${at}: the ${r.closed ?? 'open'} request ${req.watch ? `in ${req.watch}` : 'in no partition'}`;
  expect([undefined, 'request', 'closed'], `${of}: a request's partitions`).toContain(req.watch);
  if (req.watch === 'closed') expect(given, `${of}: only a refused or cancelled one`).toBe(true);
  if (req.outboxStop || req.purgeResults) expect(req.watch, `${of}: owing ${req.outboxStop ? 'a stop' : 'a purge'}`).toBe('closed');
  else if (!r.closed && ['outboxTeam', 'outboxAlert', 'assemblyFailed', 'outboxRemake'].some((k) => req[k])) expect(req.watch, `${of}: owing the team`).toBe('request');
  met.push(`watch: request ${r.closed ?? 'open'}${req.outboxStop ? ' owing its stop' : ''}${req.purgeResults ? ' owing its purge' : ''} → ${req.watch ?? 'none'}`);
  return met;
}

// ---------------------------------------------------------------------------------------------
// What the actors do.

const taskOf = (r: ReqM, proc: string) => (r.confirmed ? r.tasks.get(proc) : undefined);
const bodyOf = (taskId: string, k: Kind, receipt: string | undefined, access: boolean) =>
  JSON.stringify({
    task_id: taskId,
    request_status: k,
    ...(k === 'completed' && access ? { results: { records: [{ order: 'OT-1001', total: '64.99 GBP' }] } } : {}),
    ...(k === 'retained' ? { legal_basis: 'accounting', retained_until: '2032-11-30' } : {}),
    ...(k === 'failed' ? { reason: receipt ? 'Our records are locked for an audit' : 'Account not reachable' } : {}),
    ...(receipt ? { receipt } : {}),
  });
const kindOf = (raw: string) => (JSON.parse(raw) as { request_status: Kind }).request_status;

/** What Lethe answers a callback, by the docs (processors.md §3), and what it changes. */
function predictCallback(r: ReqM, proc: string, id: string, raw: string): Prediction {
  const t = taskOf(r, proc);
  const p = predictOn(r, t, proc, id, raw);
  return { ...p, met: `${t?.status ?? 'no task'}${r.closed && t ? ` of ${r.closed}` : ''}` };
}
function predictOn(r: ReqM, t: TaskM | undefined, proc: string, id: string, raw: string): Prediction {
  if (proc === PAPER.id) return { codes: [401] };
  if (!t) return { codes: [404] };
  const hash = sha256(raw);
  const k = kindOf(raw);
  const seen = t.kept.get(id);
  const conflict = { requestId: r.id, proc };
  if (seen !== undefined) return seen === hash ? { codes: [200], still: true } : { codes: [409], conflict };
  // Records kept under a legal hold answer an erasure alone (every task of a request has its type's action).
  if (k === 'retained' && r.type !== 'erasure') return { codes: [400] };
  if (k === 'in_progress') {
    if (t.status !== 'sent') return { codes: [200], still: true };
    return { codes: [200], apply: () => ((t.status = 'in_progress'), t.kept.set(id, hash)) };
  }
  if (FINISHED.includes(t.status)) return t.outcome === k ? { codes: [200], still: true } : { codes: [409], conflict };
  if (ESCALATED.includes(t.status) && k === 'failed') {
    if (t.failures.has(hash)) return { codes: [200], still: true };
    if (t.further >= 5) return { codes: [200], still: true };
    return { codes: [200], apply: () => (t.kept.set(id, hash), t.failures.add(hash), t.further++) };
  }
  return {
    codes: [200],
    apply: () => {
      t.status = k;
      t.kept.set(id, hash);
      if (k === 'failed') t.failures.add(hash);
      else t.outcome = k;
    },
  };
}

/** A processor's callback for the task of request `ri` at `proc`; `how` misdirects it (another task's URL, another processor's key). */
function callback(ri: number, label: string, requestId: string, proc: string, id: string, raw: string, how: { secretOf?: string; to?: string } = {}): Plan {
  const to = how.to ?? proc;
  return {
    what: `callback ${kindOf(raw)} ${id} for ${label}.${proc}${how.to ? ` posted to ${to}` : ''}${how.secretOf ? ` signed with ${how.secretOf}'s key` : ''}`,
    predict: (m) => {
      if (how.secretOf && how.secretOf !== proc) return { codes: [401] };
      // The signed body names another task than the URL's: refused before the task is read.
      if (how.to && how.to !== proc) return { codes: to === PAPER.id ? [401] : [400] };
      const r = m.reqs[ri];
      // Any callback that reached its task may be sent again: a processor retrying it, or someone replaying it.
      if (!m.sent.some((s) => s.id === id && s.raw === raw && s.ri === ri && s.proc === proc)) m.sent.push({ ri, proc, id, raw });
      return predictCallback(r, proc, id, raw);
    },
    act: () => rt.api(`/callbacks/${requestId}.${to}`, { method: 'POST', headers: { 'content-type': 'application/json', ...signWebhook(id, raw, secretOf(how.secretOf ?? to)) }, body: raw }),
  };
}

const today = () => londonDate(new Date());
type OfficerAct = 'extend' | 'deny' | 'deny-accurate' | 'cancel' | 'resend' | 'lift' | 'pause' | 'resume' | 'note' | 'owner' | 'no-owner' | 'approve' | 'agent-contact' | 'reassemble' | 'release' | 'remake';
const count = (r: ReqM, action: string) => (r.acts[action] = (r.acts[action] ?? 0) + 1);

function officerAct(ri: number, r0: ReqM, act: OfficerAct, token = officer): Plan {
  const bodies: Record<OfficerAct, [string, unknown]> = {
    extend: ['extend', { reason: 'Several processors hold records of this account' }],
    deny: ['deny', { reason: 'excessive', note: 'Asked five times this week.' }],
    'deny-accurate': ['deny', { reason: 'data_accurate' }],
    cancel: ['cancel', { reason: 'withdrawn_by_requester' }],
    resend: ['resend', {}],
    lift: ['lift-restriction', { reason: 'requester_asked', liftOn: addDays(today(), 1) }],
    pause: ['pause', { needed: 'Which of your two accounts do you mean?' }],
    resume: ['resume', {}],
    note: ['notes', { text: 'Called the requester back.' }],
    owner: ['owner', { owner: 'officer' }],
    'no-owner': ['owner', { owner: null }],
    // None of the requests here waits for review, was made by an agent, or holds a copy: each is refused.
    approve: ['approve', {}],
    'agent-contact': ['agent-contact', {}],
    reassemble: ['reassemble', {}],
    release: ['release', {}],
    remake: ['remake', {}],
  };
  const [path, body] = bodies[act];
  const predict = (r: ReqM): Prediction => {
    if (token !== officer) return { codes: [403] };
    const open = isOpen(r);
    const started = r.confirmed && open;
    switch (act) {
      case 'extend':
        return started && r.type !== 'objection' && !r.extended
          ? { codes: [200], apply: () => ((r.extended = true), (r.extendedWhilePaused = r.paused), r.mails.extension++, count(r, 'extend')) }
          : { codes: [409] };
      case 'deny':
      case 'cancel':
        return open
          ? { codes: [200], apply: () => ((r.closed = act === 'deny' ? 'denied' : 'cancelled'), r.mails[act === 'deny' ? 'refusal' : 'cancellation']++, count(r, act)) }
          : { codes: [409] };
      case 'deny-accurate':
        return { codes: open ? [400] : [409] };
      case 'resend':
        if (!r.confirmed && open) return { codes: [200], apply: () => (r.mails.confirmation++, count(r, 'resend')) };
        if (r.closed === 'completed') return { codes: [200], apply: () => (r.mails.outcome++, count(r, 'resend')) };
        return { codes: [409] };
      case 'lift':
        return r.type === 'restrict' && r.closed === 'completed' && !r.lifted ? { codes: [200], apply: () => ((r.lifted = true), r.mails.lift++, count(r, 'lift_restriction')) } : { codes: [409] };
      case 'pause':
        return started && r.type === 'access' && !r.paused ? { codes: [200], apply: () => ((r.paused = true), r.mails.clarification++, count(r, 'pause')) } : { codes: [409] };
      case 'resume':
        return r.paused && open
          ? {
              codes: [200],
              apply: () => {
                r.paused = false;
                if (r.extendedWhilePaused) r.mails.deadline++;
                r.extendedWhilePaused = false;
                count(r, 'resume');
              },
            }
          : { codes: [409] };
      case 'note':
        return { codes: [200], apply: () => count(r, 'note') };
      case 'owner':
      case 'no-owner':
        // Giving the owner it has records nothing.
        return { codes: [200], apply: () => (r.owned !== (act === 'owner') && count(r, 'assign'), (r.owned = act === 'owner')) };
      default:
        return { codes: [409] };
    }
  };
  return {
    what: `${token === officer ? 'officer' : 'viewer'} ${act} ${r0.label}`,
    predict: (m) => {
      const r = m.reqs[ri];
      return { ...predict(r), met: `${expectedStatus(r)}${r.paused ? ' paused' : ''}${r.extended ? ' extended' : ''}` };
    },
    act: () => rt.admin(token, `/requests/${r0.id}/${path}`, body),
  };
}

function taskAct(ri: number, r0: ReqM, proc: string, act: 'retry' | 'resolve', outcome: 'completed' | 'not_found' | 'retained'): Plan {
  // Kept for years from today, whatever today is: the API refuses a day that is not after it (a fixed 2032-11-30 would from that day on).
  const body = act === 'retry' ? {} : outcome === 'retained' ? { outcome, note: 'Kept for the accounts.', basis: 'accounting', until: addDays(today(), 7 * 365) } : { outcome, note: 'Done by phone with them.' };
  const predict = (r: ReqM): Prediction => {
    const t = taskOf(r, proc);
    if (!t) return { codes: [404] };
    if (act === 'retry') {
      return ESCALATED.includes(t.status) && !t.manual && isOpen(r) ? { codes: [200], apply: () => ((t.status = 'sent'), t.retries++, count(r, 'retry')) } : { codes: [409] };
    }
    // Kept under a legal hold answers an erasure alone, whatever the task's state (checked before it, as a processor's retained is).
    if (outcome === 'retained' && r.type !== 'erasure') return { codes: [400] };
    if (FINISHED.includes(t.status) || (!t.manual && !ESCALATED.includes(t.status)) || !isOpen(r)) return { codes: [409] };
    return { codes: [200], apply: () => ((t.status = 'resolved'), (t.outcome = outcome), count(r, 'resolve')) };
  };
  return {
    what: `officer ${act}${act === 'resolve' ? ` as ${outcome}` : ''} ${r0.label}.${proc}`,
    predict: (m) => {
      const r = m.reqs[ri];
      return { ...predict(r), met: `${taskOf(r, proc)?.status ?? 'no task'}${r.closed ? ` of ${r.closed}` : ''}` };
    },
    act: () => rt.admin(officer, `/requests/${r0.id}/tasks/${proc}/${act}`, body),
  };
}

/** The requester follows the latest link they were mailed. */
function confirm(ri: number, r0: ReqM): Plan {
  return {
    what: `requester confirms ${r0.label}`,
    predict: (m) => {
      const r = m.reqs[ri];
      return r.confirmed || !isOpen(r) ? { codes: [200, 400, 404, 409, 410], still: true } : { codes: [200], apply: () => start(r) };
    },
    act: async () => rt.confirm((await rt.links(r0.email)).token),
  };
}
/** Confirmed: Plan gives a task to each processor the request type reaches, and Dispatch sends each. */
function start(r: ReqM) {
  r.confirmed = true;
  for (const proc of planned(r.type)) r.tasks.set(proc, { proc, manual: proc === PAPER.id, status: 'sent', retries: 0, kept: new Map(), failures: new Set(), further: 0 });
}

/** The requester reads their status page: what the model says, and nothing changed by reading it. */
function statusRead(m: Model, ri: number): Plan {
  const r = m.reqs[ri];
  return {
    what: `requester reads the status of ${r.label}`,
    predict: () => ({ codes: [200], still: true }),
    act: async () => {
      const res = await rt.api(`/requests/${r.id}/status?token=${r.statusToken}`);
      const body = (await res.clone().json()) as { status: string; dueDate: string | null };
      expect(body.status, `status page of ${r.label}`).toBe(expectedStatus(m.reqs[ri]));
      if (m.reqs[ri].due) expect(body.dueDate, `status page's deadline of ${r.label}`).toBe(m.reqs[ri].due);
      return res;
    },
  };
}

/**
 * The sweeper, invoked as its schedule does, with the scheduled time: a later one each time (days
 * later, so that tasks time out). `now`: at the functions' own time, as the one racing an action runs:
 * a sweeper ahead of the clock the others read would take their 60-second leases for over, which
 * no real one can (every other function runs 20 s at most).
 */
function sweep(m: Model, days: number | 'now'): Plan {
  if (days !== 'now') m.clock += days * 86_400_000 + 60_000;
  const when = days === 'now' ? new Date() : new Date(m.clock);
  return {
    what: `sweeper at ${when.toISOString()} (${days === 'now' ? 'now' : `+${days} days`})`,
    predict: (mm, w) => ({
      codes: [200],
      apply: () => {
        // A task sent longer ago than its processor's time-out is timed out, its request (if open) set to wait for an officer.
        for (const r of mm.reqs) {
          for (const t of r.tasks.values()) {
            const item = w.items.get(`REQ#${r.id}|TASK#${t.proc}`) as { sentAt?: string; outboxWebhook?: unknown; retries?: number } | undefined;
            // Retried in the same instant (a race): sent now.
            const sentAt = (item?.retries ?? 0) === t.retries ? item?.sentAt : new Date().toISOString();
            if ((t.status === 'sent' || t.status === 'in_progress') && isOpen(r) && sentAt && !item?.outboxWebhook && Date.parse(sentAt) + TIMEOUT_S[t.proc] * 1000 < when.getTime()) t.status = 'timed_out';
          }
        }
      },
    }),
    act: async () => {
      await rt.lambdas.invoke('sweeper', { time: when.toISOString() });
      return new Response('{}', { status: 200 });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The commands, as fast-check runs them.

type Cmd = fc.AsyncCommand<Model, Real>;
const pick = <T>(xs: readonly T[], i: number) => xs[i % xs.length];
/** A plan made on the model as it is when the command runs (the requests of this run); none when it makes no sense here. */
type Make = (m: Model) => Plan | undefined;
const single = (name: string, make: Make): Cmd => ({
  check: () => true,
  run: async (m) => {
    const plan = make(m);
    if (plan) await step(m, plan);
  },
  toString: () => name,
});
const pair = (a: [string, Make], b: [string, Make]): Cmd => ({
  check: () => true,
  run: async (m) => {
    const [x, y] = [a[1](m), b[1](m)];
    if (x && y) await race(m, x, y);
  },
  toString: () => `race(${a[0]}, ${b[0]})`,
});

const kind = fc.constantFrom<Kind>('completed', 'failed', 'not_found', 'retained', 'failed', 'in_progress');
/** A processor of the request, mostly one it has a task at (an objection reaches two), now and then any. */
const proc = fc.nat(11);
const procOf = (r: ReqM, n: number) => (n >= 10 ? pick(PROCESSORS, n) : pick(planned(r.type), n));
/** A processor that calls back: one with an API, but for the odd callback for the paper firm (which has no key). */
const callerOf = (r: ReqM, n: number) => (n >= 10 ? pick(PROCESSORS, n) : pick(planned(r.type).filter((p) => p !== PAPER.id), n));
const nth = fc.nat(7);
let ids = 0;
const freshId = () => `cb_${(++ids).toString(36)}_${randomBytes(3).toString('hex')}`;
const ri = (m: Model, i: number) => i % m.reqs.length;

const callbackCmd = fc.tuple(nth, proc, kind, fc.boolean()).map(([i, p, k, receipt]): [string, Make] => [
  `callback(${i},${p},${k},${receipt})`,
  (m) => {
    const r = m.reqs[ri(m, i)];
    const to = callerOf(r, p);
    return callback(ri(m, i), r.label, r.id, to, freshId(), bodyOf(`${r.id}.${to}`, k, receipt ? `R-${ids}` : undefined, r.type === 'access'));
  },
]);
// The same callback again, under its webhook-id: a processor that got no 2xx, or a replay.
const replayCmd = nth.map((i): [string, Make] => [
  `replay(${i})`,
  (m) => {
    if (!m.sent.length) return undefined;
    const s = pick(m.sent, i);
    const r = m.reqs[s.ri];
    return callback(s.ri, r.label, r.id, s.proc, s.id, s.raw);
  },
]);
// A webhook-id used again with other content.
const reuseCmd = fc.tuple(nth, kind).map(([i, k]): [string, Make] => [
  `reuse(${i},${k})`,
  (m) => {
    if (!m.sent.length) return undefined;
    const s = pick(m.sent, i);
    const r = m.reqs[s.ri];
    return callback(s.ri, r.label, r.id, s.proc, s.id, bodyOf(`${r.id}.${s.proc}`, k, `R-other-${ids}`, r.type === 'access'));
  },
]);
// Signed bytes for one task posted to another's URL, or signed with another processor's key.
const misdirectedCmd = fc.tuple(nth, proc, fc.nat(3), kind, fc.boolean()).map(([i, p, other, k, wrongKey]): [string, Make] => [
  `misdirected(${i},${p},${other},${k},${wrongKey ? 'key' : 'url'})`,
  (m) => {
    const r = m.reqs[ri(m, i)];
    const [a, b] = [procOf(r, p), pick(PROCESSORS, other)];
    if (a === b) return undefined;
    return callback(ri(m, i), r.label, r.id, a, freshId(), bodyOf(`${r.id}.${a}`, k, undefined, r.type === 'access'), wrongKey ? { secretOf: b } : { to: b });
  },
]);
const officerCmd = fc
  .tuple(
    nth,
    fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom<OfficerAct>('extend', 'deny', 'deny-accurate', 'cancel', 'resend', 'lift', 'pause', 'resume') },
      { weight: 1, arbitrary: fc.constantFrom<OfficerAct>('note', 'owner', 'no-owner', 'approve', 'agent-contact', 'reassemble', 'release', 'remake') },
    ),
  )
  .map(([i, a]): [string, Make] => [`officer(${i},${a})`, (m) => officerAct(ri(m, i), m.reqs[ri(m, i)], a)]);
const taskCmd = fc
  .tuple(nth, proc, fc.constantFrom<'retry' | 'resolve'>('retry', 'resolve'), fc.constantFrom<'completed' | 'not_found' | 'retained'>('completed', 'not_found', 'retained'))
  .map(([i, p, a, o]): [string, Make] => [`task(${i},${p},${a},${o})`, (m) => taskAct(ri(m, i), m.reqs[ri(m, i)], procOf(m.reqs[ri(m, i)], p), a, o)]);
const viewerCmd = fc.tuple(nth, fc.constantFrom<OfficerAct>('extend', 'cancel', 'resend')).map(([i, a]): [string, Make] => [`viewer(${i},${a})`, (m) => officerAct(ri(m, i), m.reqs[ri(m, i)], a, viewer)]);
const confirmCmd = nth.map((i): [string, Make] => [`confirm(${i})`, (m) => confirm(ri(m, i), m.reqs[ri(m, i)])]);
const statusCmd = nth.map((i): [string, Make] => [`status(${i})`, (m) => statusRead(m, ri(m, i))]);
const sweepCmd = fc.constantFrom(0, 1, 3, 8, 16).map((d): [string, Make] => [`sweep(+${d}d)`, (m) => sweep(m, d)]);
const sweepNowCmd = fc.constant<[string, Make]>(['sweep(now)', (m) => sweep(m, 'now')]);

/**
 * Two actors on the same task at once: its processor's answer, and the same answer again (a processor
 * that got no 2xx in time), another answer, an officer's resolution or retry of the task, a refusal,
 * a cancellation or an extension of its request, or the sweeper.
 */
const onOneTask = fc
  .tuple(nth, proc, kind, fc.constantFrom('same', 'other', 'resolve', 'retry', 'deny', 'cancel', 'extend', 'sweep'), kind, fc.constantFrom<'completed' | 'not_found' | 'retained'>('completed', 'not_found', 'retained'))
  .map(([i, p, k, with_, k2, o]): Cmd => {
    const name = `race(callback(${i},${p},${k}), ${with_}${with_ === 'other' ? `(${k2})` : with_ === 'resolve' ? `(${o})` : ''})`;
    return {
      check: () => true,
      toString: () => name,
      run: async (m) => {
        // A task still out or with the team where there is one: a race over a settled task only meets answers the model knows already.
        const open = m.reqs.flatMap((q, n) => (isOpen(q) && q.confirmed ? [n] : []));
        const at = open.length ? pick(open, i) : ri(m, i);
        const r = m.reqs[at];
        const live = [...r.tasks.values()].filter((t) => !t.manual && !FINISHED.includes(t.status)).map((t) => t.proc);
        const to = live.length ? pick(live, p) : callerOf(r, p);
        const id = freshId();
        const raw = bodyOf(`${r.id}.${to}`, k, undefined, r.type === 'access');
        const first = callback(at, r.label, r.id, to, id, raw);
        const second =
          with_ === 'same'
            ? callback(at, r.label, r.id, to, id, raw)
            : with_ === 'other'
              ? callback(at, r.label, r.id, to, freshId(), bodyOf(`${r.id}.${to}`, k2, `R-${ids}`, r.type === 'access'))
              : with_ === 'resolve' || with_ === 'retry'
                ? taskAct(at, r, to, with_, o)
                : with_ === 'sweep'
                  ? sweep(m, 'now')
                  : officerAct(at, r, with_);
        await race(m, first, second);
      },
    };
  });
/**
 * What a careful officer does next, mostly: an action the request can take now (the random ones above
 * are mostly refused once a request is closed), so that runs reach a clock stopped and restarted, an
 * extension while stopped, a restriction lifted.
 */
const sensibleCmd = fc.tuple(nth, fc.nat(20)).map(([i, n]): [string, Make] => [
  `sensible(${i},${n})`,
  (m) => {
    const at = ri(m, i);
    const r = m.reqs[at];
    const fits = (['extend', 'pause', 'resume', 'lift', 'resend', 'note', 'pause', 'resume', 'lift'] as const).filter((a) => officerAct(at, r, a).predict(structuredClone(m), { raw: new Map(), items: new Map(), mails: [] }).codes[0] === 200);
    return fits.length ? officerAct(at, r, pick(fits, n)) : undefined;
  },
]);
/** What moves a request on: a processor's answer to a task still out or with the team, or the officer resolving the paper firm's. */
const progressCmd = fc.tuple(nth, fc.nat(20), fc.constantFrom<Kind>('completed', 'not_found', 'retained')).map(([i, n, k]): [string, Make] => [
  `progress(${i},${n},${k})`,
  (m) => {
    const at = ri(m, i);
    const r = m.reqs[at];
    const live = [...r.tasks.values()].filter((t) => !FINISHED.includes(t.status));
    if (!live.length) return undefined;
    const t = pick(live, n);
    if (t.manual) return taskAct(at, r, t.proc, 'resolve', k === 'retained' ? 'retained' : 'completed');
    return callback(at, r.label, r.id, t.proc, freshId(), bodyOf(`${r.id}.${t.proc}`, k, undefined, r.type === 'access'));
  },
]);
/** What races: a processor's answer, an officer's action on the request or its task, the sweeper. */
const racer = fc.oneof({ weight: 3, arbitrary: callbackCmd }, { weight: 1, arbitrary: replayCmd }, { weight: 2, arbitrary: officerCmd }, { weight: 3, arbitrary: taskCmd }, { weight: 1, arbitrary: sweepNowCmd });
const commands = fc.oneof(
  ...(
    [
      [10, callbackCmd],
      [3, replayCmd],
      [1, reuseCmd],
      [1, misdirectedCmd],
      [7, officerCmd],
      [6, taskCmd],
      [1, viewerCmd],
      [2, confirmCmd],
      [1, statusCmd],
      [2, sweepCmd],
      [3, sensibleCmd],
      [3, progressCmd],
    ] as const
  ).map(([weight, a]) => ({ weight, arbitrary: a.map(([name, make]) => single(name, make)) })),
  { weight: 1, arbitrary: fc.tuple(racer, racer).map(([a, b]) => pair(a, b)) },
  { weight: 4, arbitrary: onOneTask },
);

const requestSpec = fc.record({ type: fc.constantFrom<RequestType>('erasure', 'access', 'restrict', 'objection'), confirmed: fc.nat(99).map((n) => n < 80) });

let runs = 0;
/** The run's requests, submitted and (most) confirmed, each of its tasks sent. */
async function begin(specs: { type: RequestType; confirmed: boolean }[]): Promise<Model> {
  const run = ++runs;
  const nonce = randomBytes(3).toString('hex');
  const reqs = await Promise.all(
    specs.map(async (s, i): Promise<ReqM> => {
      const email = `life.${run}.${i}.${nonce}@example.com`;
      const sent = await rt.submit({ type: s.type, email, language: 'en', ...(s.type === 'objection' ? { objections: ['marketing'] } : {}) });
      expect(sent.status).toBe(202);
      const links = await until(() => rt.links(email).catch(() => undefined));
      const acts = {};
      const mails = { ...(Object.fromEntries(MAIL_KINDS.map((k) => [k, 0])) as Record<MailKind, number>), confirmation: 1 };
      return { label: `R${run}.${i}(${s.type})`, id: links.requestId, email, type: s.type, statusToken: links.statusToken, confirmed: false, tasks: new Map(), extended: false, paused: false, extendedWhilePaused: false, lifted: false, owned: false, mails, acts };
    }),
  );
  for (const [i, r] of reqs.entries()) {
    if (!specs[i].confirmed) continue;
    expect((await rt.confirm((await rt.links(r.email)).token)).status).toBe(200);
    start(r);
  }
  await settle();
  const m: Model = { reqs, sent: [], clock: Date.now(), log: [`begin ${reqs.map((r) => `${r.label}${r.confirmed ? '' : ' unconfirmed'}`).join(', ')}`] };
  check(m, await world(m.reqs), m.log[0]);
  return m;
}

describe('a request’s life cycle, against a model of its actors and the docs', () => {
  it('keeps every promise whatever its actors do, in any order or at once, the refused actions included', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(requestSpec, { minLength: 1, maxLength: 2 }), fc.commands([commands], { maxCommands: COMMANDS, size: 'max' }), async (specs, cmds) => {
        const m = await begin(specs);
        await fc.asyncModelRun(() => ({ model: m, real: {} as Real }), cmds);
        // The officer cancels what is left open, so that the next run's sweeps, on a clock of their own, meet none of it.
        for (const [i, r] of m.reqs.entries()) if (isOpen(r)) await step(m, officerAct(i, r, 'cancel'));
        if (process.env.LIFE_VERBOSE) console.info(m.log.join('\n  '));
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: process.env.LIFE_SHRINK !== '1', ...(process.env.LIFE_PATH ? { path: process.env.LIFE_PATH } : {}) },
    );
  });
});
