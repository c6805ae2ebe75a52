import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll } from 'vitest';
import { EdgeRepository } from '../../../functions/adapters/repository.ts';
import { VerificationTokens } from '../../../functions/adapters/tokens.ts';
import type { SubmitBody } from '../../../functions/core/intake.ts';
import type { Mailer, StoredRequest } from '../../../functions/core/ports.ts';
import { submitRequest } from '../../../functions/intake/submit.ts';
import { completeRequest } from '../../../functions/notify/complete.ts';
import { sweeperOwner } from '../../../functions/core/outbox.ts';
import type { WorkflowFailure } from '../../../functions/core/workflow-answer.ts';
import { sweepOutbox } from '../../../functions/shared/outbox.ts';
import { confirm } from '../../../functions/verify/confirm.ts';
import { ensureTable } from '../../../local/services/dynamo.ts';
import { tableDefinition } from '../../support/assembly.ts';
import { directDynamo } from '../../support/direct-dynamo.ts';

/**
 * The machinery of the fault-injection tests (faults.test.ts, task-faults.test.ts, admin-faults.test.ts;
 * a task's branch of the workflow is in task-world.ts): the logic modules run on the embedded DynamoDB
 * (real conditional writes) with a mailbox, a state machine and an export bucket that record what went
 * out. Every port call (each DynamoDB command, each email, each Step Functions call, each webhook, each
 * object put in or deleted from the bucket) is numbered; scenario k makes call k fail before it takes effect, or kills the process
 * just after it took effect (its answer lost).
 */

/** Secrets Manager: the app key, as it would return it (derived tokens and email HMACs need it); a test adds its processors' secrets. */
export const secretsManager = mockClient(SecretsManagerClient);
secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ hmacKey: 'k'.repeat(64) }) });
// The mock replaces the client class's `send` in node_modules, which the worker keeps for the next
// test file (vitest.config.ts): that file's own app key must come from its runtime's secret again.
afterAll(() => secretsManager.restore());

type When = 'before' | 'after';
class Crash extends Error {
  override name = 'Crash';
}

/** The call to strike, and how: `run` instead of a fault, another actor's whole action there (a race). */
type Armed = { at?: number; match?: (name: string, detail: string) => boolean; when: When; run?: () => Promise<unknown> };

/** Numbers every port call and fails the armed one. */
export class Faults {
  private n = 0;
  private armed?: Armed;
  calls: string[] = [];
  /** What each call was about (a DynamoDB command's input, an email's subject), beside its name. */
  details: string[] = [];
  arm(a: Armed) {
    this.n = 0;
    this.calls = [];
    this.details = [];
    this.armed = a;
  }
  disarm() {
    this.armed = undefined;
  }
  async call<T>(name: string, detail: string, fn: () => Promise<T>): Promise<T> {
    const i = this.n++;
    this.calls.push(name);
    this.details.push(detail);
    const a = this.armed;
    const hit = a && (a.at === i || a.match?.(name, detail));
    if (hit) this.armed = undefined;
    const strike = async (crash: string) => {
      if (!a?.run) throw new Crash(crash);
      await a.run();
    };
    if (hit && a.when === 'before') await strike(`${name} (call ${i}) failed`);
    const r = await fn();
    if (hit && a.when === 'after') await strike(`killed after ${name} (call ${i}) took effect`);
    return r;
  }
}

class Mailbox implements Mailer {
  sent: Parameters<Mailer['send']>[0][] = [];
  constructor(private readonly faults: Faults) {}
  send(m: Parameters<Mailer['send']>[0]) {
    return this.faults.call('ses:SendEmail', m.subject, async () => {
      this.sent.push(m);
    });
  }
}

/** A task token a state waited on: the answers Step Functions took (one at most), how many were sent, and how its wait ended. */
type Wait = { state: string; sent: number; answers: ({ success: unknown } | { error: string })[]; ended?: 'answered' | 'failed' | 'timed_out' | 'stopped' };
const sfnError = (name: string) => Object.assign(new Error(name), { name });

/**
 * The state machine's side: the executions started and stopped, and every task token a state waited
 * on. As Step Functions does, a token takes one answer: one answered already, or whose state failed or
 * timed out, or whose execution was stopped, is refused with TaskTimedOut, and one it never issued
 * with InvalidToken. Each world runs one request, so a stop ends every wait.
 */
class Machine {
  started = new Set<string>();
  /** Each StopExecution that took effect, by request id (one already stopped is no error, as the adapter makes it). */
  stops: string[] = [];
  tokens = new Map<string, Wait>();
  constructor(private readonly faults: Faults) {}
  start(id: string) {
    return this.faults.call('states:StartExecution', id, async () => {
      this.started.add(id);
      return `arn:aws:states:eu-west-2:000000000000:execution:lethe-privacy-requests:${id}`;
    });
  }
  describe(id: string) {
    return this.faults.call('states:DescribeExecution', id, async () => (this.started.has(id) ? { status: this.stops.includes(id) ? 'ABORTED' : 'RUNNING' } : undefined));
  }
  async unsuccessful() {
    return [];
  }
  stop(id: string) {
    return this.faults.call('states:StopExecution', id, async () => {
      this.stops.push(id);
      for (const token of this.waiting()) this.end(token, 'stopped');
    });
  }
  /** A state starts waiting: its fresh token. */
  wait(state: string) {
    const token = `${state}-${this.tokens.size + 1}`;
    this.tokens.set(token, { state, sent: 0, answers: [] });
    return token;
  }
  /** A state stops waiting without an answer: its function failed, or its time-out passed. */
  end(token: string, how: 'failed' | 'timed_out' | 'stopped') {
    const t = this.tokens.get(token);
    if (t && !t.ended) t.ended = how;
  }
  /** The tokens still waited on, oldest first. */
  waiting() {
    return [...this.tokens].filter(([, t]) => !t.ended).map(([token]) => token);
  }
  taskSuccess(token: string, output: unknown) {
    return this.faults.call('states:SendTaskSuccess', token, async () => this.answer(token, { success: output }));
  }
  taskFailure(token: string, failure: WorkflowFailure) {
    return this.faults.call('states:SendTaskFailure', token, async () => this.answer(token, { error: failure.error }));
  }
  heartbeat(token: string) {
    return this.faults.call('states:SendTaskHeartbeat', token, async () => {
      if (this.tokens.get(token)?.ended) throw sfnError('TaskTimedOut');
    });
  }
  private answer(token: string, a: Wait['answers'][number]) {
    const t = this.tokens.get(token);
    if (!t) throw sfnError('InvalidToken');
    t.sent++;
    if (t.ended) throw sfnError('TaskTimedOut');
    t.ended = 'answered';
    t.answers.push(a);
  }
}

// One embedded DynamoDB per test file, in this process and in memory (a file makes some 100,000
// calls: no socket between the code and the engine), used while its scenarios are collected (their
// step boundaries are counted from a clean run); each scenario gets a table of its own.
const client = directDynamo();
const db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
const definition = tableDefinition();
let tables = 0;

export const BASE = 'https://privacy.offtek.example';
const T0 = Date.parse('2026-11-25T10:00:00.000Z');
export const at = (ms: number) => new Date(T0 + ms);
export const MIN = 60_000;

/** A world of its own per scenario: a fresh table, mailbox and state machine, all behind one fault injector. */
export async function world(limits = { perIpPerHour: 1000, linksPerEmailPerHour: 5 }) {
  const table = `faults-${++tables}`;
  await ensureTable(client, table, definition);
  const faults = new Faults();
  const faulty = {
    send: (cmd: { constructor: { name: string }; input: unknown }) => faults.call(`dynamodb:${cmd.constructor.name.replace(/Command$/, '')}`, JSON.stringify(cmd.input), () => db.send(cmd as never)),
  } as unknown as DynamoDBDocumentClient;
  let now = at(0);
  let runs = 0;
  const clock = { now: () => now };
  // Expiry is judged on the scenario's clock, not the wall clock.
  const repo = new EdgeRepository(faulty, table, clock.now);
  const tokens = new VerificationTokens(faulty, table, clock.now);
  const mail = new Mailbox(faults);
  const machine = new Machine(faults);
  /** The export bucket: each object deleted, and the objects put (a held copy's package made again), by key. */
  const deleted: string[] = [];
  const objects = new Map<string, Uint8Array>();
  const blobs = {
    deleted,
    objects,
    delete: (k: string) =>
      faults.call('s3:DeleteObject', k, async () => {
        deleted.push(k);
        objects.delete(k);
      }),
    put: (k: string, body: Uint8Array) => faults.call('s3:PutObject', k, async () => void objects.set(k, body)),
  };
  const w = {
    table,
    faults,
    repo,
    tokens,
    mail,
    machine,
    blobs,
    clock,
    setTime: (d: Date) => {
      now = d;
    },
    submit: (body: Partial<SubmitBody> = {}, ip = '203.0.113.7') =>
      submitRequest({ type: 'erasure', email: 'ada@example.com', language: 'en', ...body } as SubmitBody, ip, { repo, tokens, mailer: mail, clock, baseUrl: BASE, limits }),
    confirm: (token: string) => confirm(token, undefined, { repo, tokens, customers: { find: async () => undefined, authenticate: async () => false }, workflow: machine, clock, mailer: mail, baseUrl: BASE }),
    complete: (id: string) => completeRequest(id, { repo, mailer: mail, clock, baseUrl: BASE, processors: [] }),
    // Each sweep a run of its own, as the sweeper's are.
    sweep: (when: Date) => sweepOutbox(when, { repo, tokens, mailer: mail, baseUrl: BASE, linksPerHour: limits.linksPerEmailPerHour, workflow: machine, processors: [] }, sweeperOwner(`run-${++runs}`)),
    limits,
    /** Every item in the table, read around the fault injector. */
    async everything() {
      const items: Record<string, unknown>[] = [];
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const r = await db.send(new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey }));
        items.push(...(r.Items ?? []));
        ExclusiveStartKey = r.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      return items;
    },
    /** Every request record in the table, read around the fault injector. */
    async requests(): Promise<StoredRequest[]> {
      const r = await db.send(new ScanCommand({ TableName: table, FilterExpression: 'sk = :r', ExpressionAttributeValues: { ':r': 'REQUEST' } }));
      return (r.Items ?? []) as StoredRequest[];
    },
    /** One item, read around the fault injector. */
    async item(k: { pk: string; sk: string }) {
      return (await db.send(new GetCommand({ TableName: table, Key: k, ConsistentRead: true }))).Item;
    },
    /** Every item of a request's partition whose sort key starts with `prefix`, read around the fault injector. */
    async items(requestId: string, prefix: string) {
      const r = await db.send(new ScanCommand({ TableName: table, FilterExpression: 'pk = :pk AND begins_with(sk, :p)', ExpressionAttributeValues: { ':pk': `REQ#${requestId}`, ':p': prefix } }));
      return r.Items ?? [];
    },
    /** The verification tokens of the confirmation emails, one per email sent. */
    links: () => mail.sent.flatMap((m) => /verify\?token=([\w-]{43})/.exec(m.text)?.[1] ?? []),
    outcomes: () => mail.sent.filter((m) => /complete/i.test(m.subject) || /terminée/.test(m.subject)),
  };
  return w;
}
export type World = Awaited<ReturnType<typeof world>>;

/**
 * A request as the workflow finds it once Plan ran: submitted, confirmed (personal data kept past the
 * deadline) and in progress, with `changes` on that last write. Its confirmation email is forgotten.
 *
 * No scenario injects a fault here: this is where its action starts. So the first world of a file to
 * ask for a given request (type, changes, limits) makes it through intake and the repository, and each
 * later one is handed a copy of what that left in the table, item for item (its indexes built from them
 * as DynamoDB builds them), and the execution it started: the same request, id and tokens included, for
 * a tenth of the calls. A section's scenarios then start from the very state its boundaries were counted on.
 */
export async function inProgress(w: World, type: SubmitBody['type'], changes: (id: string) => Partial<StoredRequest> = () => ({})) {
  const key = JSON.stringify([type, changes('<id>'), w.limits, w.clock.now()]);
  const made = madeBefore.get(key);
  if (made) {
    for (let i = 0; i < made.items.length; i += 25) {
      await db.send(new BatchWriteCommand({ RequestItems: { [w.table]: made.items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item: structuredClone(Item) } })) } }));
    }
    w.machine.started.add(made.request.id);
    return structuredClone(made.request);
  }
  await w.submit({ type });
  const [req] = await w.requests();
  w.mail.sent = [];
  const v = await w.repo.transitionRequest(req, 'verified', { verifiedAt: at(0).toISOString(), dueDate: '2026-12-29' }, { at: at(0).toISOString(), actor: 'requester', action: 'verify', subject: req.id }, { removeTtl: true });
  await w.repo.setPiiExpiry(req.id, new Date(Date.parse('2026-12-29') + 30 * 86_400_000));
  w.machine.started.add(req.id);
  const request = await w.repo.transitionRequest(v, 'in_progress', changes(req.id), { at: at(0).toISOString(), actor: 'workflow', action: 'start', subject: req.id });
  madeBefore.set(key, { items: await w.everything(), request: structuredClone(request) });
  return request;
}
const madeBefore = new Map<string, { items: Record<string, unknown>[]; request: StoredRequest }>();

export const settle = <T>(p: Promise<T>) => p.then((value) => ({ ok: true as const, value }), (error: Error) => ({ ok: false as const, error }));

/** How many port calls a clean run of `fn` makes in a world `make` builds: the step boundaries to break. */
export async function boundaries<W extends { faults: Faults }>(make: () => Promise<W>, fn: (w: W) => Promise<unknown>, prepare: (w: W) => Promise<unknown> = async () => undefined) {
  const w = await make();
  await prepare(w);
  w.faults.arm({ when: 'before' });
  await fn(w);
  return w.faults.calls;
}

/**
 * Each boundary, broken both ways. `copies`: a second copy of the very same email is the one thing a
 * fault may cause, and only when it strikes between SES accepting the email and the write that
 * records it as sent: no mailer offers more than at-least-once.
 */
export const scenarios = (calls: string[]) =>
  calls.flatMap((name, k) =>
    (['before', 'after'] as const).map((when) => ({ k, when, name, copies: (name === 'ses:SendEmail' && when === 'after') || (calls[k - 1] === 'ses:SendEmail' && when === 'before') ? 2 : 1 })),
  );
