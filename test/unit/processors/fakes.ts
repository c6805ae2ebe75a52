import type { ObjectionScope } from '../../../functions/core/model.ts';
import { type AuditInput, chain } from '../../../functions/core/audit.ts';
import { WATCH, watchOf } from '../../../functions/adapters/table.ts';
import { currentDue } from '../../../functions/core/status.ts';
import type { VerifyRecord } from '../../../functions/adapters/tokens.ts';
import { planTasks } from '../../../functions/core/plan.ts';
import { ConcurrentUpdate } from '../../../functions/core/errors.ts';
import type { StoredComplaint } from '../../../functions/core/complaints.ts';
import type { ResultsKey, StoredResults } from '../../../functions/core/export-results.ts';
import type { ProcessorEntry, Registry, RequestStatus, TaskStatus } from '../../../functions/core/model.ts';
import type { Clock, MailFailure, Mailer, Pii, StoredRequest, StoredTask, Workflow } from '../../../functions/core/ports.ts';
import type { Delivery } from '../../../functions/core/outbox.ts';
import type { WorkflowFailure } from '../../../functions/core/workflow-answer.ts';
import { countShare, countUses, partOf, type Share, type Window } from '../../../functions/core/rate-limit.ts';

/**
 * Shares of limits over any window of their length, as DynamoRepository keeps them
 * (core/rate-limit.ts): the uses per part of the window, a refusal not counted.
 */
export class Shares {
  /** Uses per part of each window, by scope, key and window length. */
  uses = new Map<string, Record<number, number>>();
  async takeShare(scope: string, hash: string, windows: readonly Window[], now: Date): Promise<Share> {
    const ks = windows.map((w) => `${scope}|${hash}|${w.seconds}`);
    const uses = ks.map((k) => this.uses.get(k) ?? {});
    const { share } = countShare(uses, now, windows);
    if (!share.allowed) return share;
    windows.forEach((w, i) => {
      const part = partOf(now, w.seconds);
      this.uses.set(ks[i], { ...uses[i], [part]: (uses[i][part] ?? 0) + 1 });
    });
    return { allowed: true };
  }
  /** The uses of a share that count at `now` in its window of `windowSeconds`. */
  counted(scope: string, hash: string, windowSeconds: number, now: Date) {
    return countUses(this.uses.get(`${scope}|${hash}|${windowSeconds}`) ?? {}, now, windowSeconds, Number.POSITIVE_INFINITY).used;
  }
}

/** The export bucket: the keys of the objects in it, and what was put; deleting a missing key is no error, as with S3's DeleteObject. */
export class FakeBlobs {
  objects = new Set<string>();
  bodies = new Map<string, Uint8Array>();
  async put(key: string, body: Uint8Array) {
    this.objects.add(key);
    this.bodies.set(key, body);
  }
  async delete(key: string) {
    this.objects.delete(key);
    this.bodies.delete(key);
  }
}

/**
 * An in-memory repository with the same optimistic-locking contract as DynamoRepository: every
 * change is conditional on (status, version) and appends to the record's audit chain.
 */
export class FakeRepo {
  requests = new Map<string, StoredRequest>();
  pii = new Map<string, Pii>();
  tasks = new Map<string, StoredTask>();
  items = new Map<string, Record<string, unknown>>();
  /** Stored export results by `<taskId>#<bodyHash>` (`<taskId>` alone: one written before results were keyed by body). */
  results = new Map<string, { signedBody: string; expiresAt: Date; writtenAt?: string }>();
  writes = 0;
  /** Makes the next task write lose a race, as a concurrent writer would. */
  loseNextTaskWrite = false;
  /** Runs once just before the next task / request write: another writer getting there first. */
  beforeTaskWrite?: (repo: FakeRepo) => void;
  beforeRequestWrite?: (repo: FakeRepo) => void;
  /** Every write, in order: `request:<status>` or `task:<processorId>:<status>:<token>`. */
  log: string[] = [];
  private once(k: 'beforeTaskWrite' | 'beforeRequestWrite') {
    const f = this[k];
    this[k] = undefined;
    f?.(this);
  }

  async getRequest(id: string) {
    return structuredClone(this.requests.get(id));
  }
  async markMailFailed(id: string, failure: MailFailure) {
    const cur = this.requests.get(id);
    if (cur) this.requests.set(id, { ...cur, mailFailed: failure });
  }
  async clearMailFailed(id: string, kind: MailFailure['kind']) {
    const cur = this.requests.get(id);
    if (cur?.mailFailed?.kind === kind) this.requests.set(id, { ...cur, mailFailed: undefined });
  }
  async getPii(id: string) {
    return structuredClone(this.pii.get(id));
  }
  /** The TTL each request's last write set (DynamoDB's `ttl`), as an instant. */
  requestTtl = new Map<string, Date>();
  async transitionRequest(prev: StoredRequest, to: RequestStatus, changes: Record<string, unknown>, event: AuditInput, opts: { ttl?: Date; remove?: string[] } = {}) {
    if (opts.ttl) this.requestTtl.set(prev.id, opts.ttl);
    this.once('beforeRequestWrite');
    const cur = this.requests.get(prev.id);
    if (!cur || cur.status !== prev.status || cur.version !== prev.version) throw new ConcurrentUpdate(`request ${prev.id} changed concurrently`);
    // As DynamoRepository's: a write that queues emails behind those owed as read holds only while none of them was mailed since.
    for (const k of ['outboxNotice', 'outboxTeam'] as const) {
      const [was, now] = [prev[k], cur[k]];
      if (was && (changes[k] as { earlier?: unknown[] } | undefined)?.earlier?.length && (now?.seq !== was.seq || now.earlier?.length !== was.earlier?.length)) throw new ConcurrentUpdate(`request ${prev.id} changed concurrently`);
    }
    const next = { ...cur, ...changes, status: to, version: cur.version + 1, audit: [...cur.audit, chain(cur.audit.at(-1), event)] } as StoredRequest;
    for (const k of opts.remove ?? []) delete (next as Record<string, unknown>)[k];
    this.requests.set(prev.id, next);
    this.log.push(`request:${to}`);
    this.writes++;
    return structuredClone(next);
  }
  /** The TTL of each task (DynamoDB's `ttl`), as an instant; none: kept for good. */
  taskTtl = new Map<string, Date>();
  async putTasksIfAbsent(tasks: StoredTask[], expiresAt?: Date) {
    for (const t of tasks) {
      if (this.tasks.has(t.taskId)) continue;
      this.tasks.set(t.taskId, structuredClone(t));
      if (expiresAt) this.taskTtl.set(t.taskId, expiresAt);
    }
    this.writes += tasks.length;
  }
  async extendTaskExpiry(requestId: string, processorIds: readonly string[], until: Date) {
    for (const p of processorIds) {
      const ttl = this.taskTtl.get(`${requestId}.${p}`);
      if (!ttl || ttl >= until) continue;
      this.taskTtl.set(`${requestId}.${p}`, until);
      this.writes++;
    }
  }
  /** NotifyRepository's one read of the request and its tasks. */
  async requestAndTasks(id: string) {
    return { req: await this.getRequest(id), tasks: await this.listTasks(id) };
  }
  /** NotifyRepository's: the other requests with this email address's hash (the byEmail index). */
  async otherRequestsOf(emailHash: string, except: string) {
    return [...this.requests.values()].filter((r) => r.emailHash === emailHash && r.id !== except).map((r) => structuredClone(r));
  }
  async listTasks(requestId: string) {
    return [...this.tasks.values()].filter((t) => t.requestId === requestId).sort((a, b) => a.processorId.localeCompare(b.processorId)).map((t) => structuredClone(t));
  }
  async getTask(requestId: string, processorId: string) {
    return structuredClone(this.tasks.get(`${requestId}.${processorId}`));
  }
  async getTaskWithRequest(requestId: string, processorId: string) {
    return { task: await this.getTask(requestId, processorId), request: await this.getRequest(requestId), pii: await this.getPii(requestId) };
  }
  /**
   * As DynamoRepository's: the write places the task in the watch index by its status (listWatch), none
   * of open and escalated once marked (`unwatchedAt`), and loses its race to the mark written since its read.
   */
  async transitionTask(prev: StoredTask, to: TaskStatus, changes: Record<string, unknown>, event: AuditInput, remove: (keyof StoredTask)[] = []) {
    this.once('beforeTaskWrite');
    const cur = this.tasks.get(prev.taskId);
    if (this.loseNextTaskWrite) {
      this.loseNextTaskWrite = false;
      throw new ConcurrentUpdate(`task ${prev.taskId} changed concurrently`);
    }
    if (!cur || cur.status !== prev.status || cur.version !== prev.version || (cur.unwatchedAt && !prev.unwatchedAt)) throw new ConcurrentUpdate(`task ${prev.taskId} changed concurrently`);
    const defined = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
    const next = { ...cur, ...defined, status: to, version: cur.version + 1, audit: [...cur.audit, chain(cur.audit.at(-1), event)] } as StoredTask;
    for (const k of remove) delete next[k];
    this.tasks.set(prev.taskId, next);
    this.log.push(`task:${next.processorId}:${to}:${next.token ?? ''}`);
    this.writes++;
    return structuredClone(next);
  }
  /** Drops the mark that a task's token is owed to the workflow, as DynamoRepository does: bookkeeping, no version bump. */
  async clearOwedToken(requestId: string, processorId: string) {
    const cur = this.tasks.get(`${requestId}.${processorId}`);
    if (cur) delete cur.outboxToken;
  }
  /** Takes over a manual task's team email past its lease, conditional on the intent's number as in DynamoRepository; no version bump. */
  async claimTaskTeam(requestId: string, processorId: string, next: { seq: number; until: string; owner: string }, now: Date) {
    const d = this.tasks.get(`${requestId}.${processorId}`)?.outboxTeam;
    if (!d || d.seq !== next.seq || Date.parse(d.until) > now.getTime()) return false;
    Object.assign(d, { until: next.until, owner: next.owner });
    return true;
  }
  /** Drops a manual task's team email, as DynamoRepository does: bookkeeping, no version bump. */
  async clearOwedTeam(task: StoredTask, seq: number) {
    const cur = this.tasks.get(task.taskId);
    if (cur?.outboxTeam?.seq !== seq) return false;
    delete cur.outboxTeam;
    return true;
  }
  /** Takes over an officer's retry's webhook past its lease, as claimTaskTeam its email. */
  async claimTaskWebhook(requestId: string, processorId: string, next: { seq: number; until: string; owner: string }, now: Date) {
    const d = this.tasks.get(`${requestId}.${processorId}`)?.outboxWebhook;
    if (!d || d.seq !== next.seq || Date.parse(d.until) > now.getTime()) return false;
    Object.assign(d, { until: next.until, owner: next.owner });
    return true;
  }
  /** Drops an officer's retry's webhook, as DynamoRepository does: bookkeeping, no version bump. */
  async clearOwedWebhook(task: StoredTask, seq: number) {
    const cur = this.tasks.get(task.taskId);
    if (cur?.outboxWebhook?.seq !== seq) return false;
    delete cur.outboxWebhook;
    return true;
  }
  /** Drops the mark that a closed request's execution is owed a stop, as DynamoRepository does: bookkeeping, no version bump. */
  async clearOwedStop(id: string) {
    const cur = this.requests.get(id);
    if (cur) delete cur.outboxStop;
  }
  /** An event only: the task keeps its place in the watch index, as DynamoRepository's. */
  async appendTaskEvent(prev: StoredTask, event: AuditInput) {
    return this.transitionTask(prev, prev.status, {}, event);
  }
  async setTaskToken(prev: StoredTask, token: string) {
    this.once('beforeTaskWrite');
    const cur = this.tasks.get(prev.taskId);
    if (!cur || cur.status !== prev.status || cur.version !== prev.version) throw new ConcurrentUpdate(`task ${prev.taskId} changed concurrently`);
    const next = { ...cur, token, version: cur.version + 1 };
    this.tasks.set(prev.taskId, next);
    this.log.push(`task:${next.processorId}:${next.status}:${token}`);
    this.writes++;
    return structuredClone(next);
  }
  async getItem(k: { pk: string; sk: string }) {
    return structuredClone(this.items.get(`${k.pk}|${k.sk}`));
  }
  async putItem(item: Record<string, unknown>) {
    this.items.set(`${item.pk}|${item.sk}`, structuredClone(item));
    this.writes++;
    return true;
  }
  async listRequests(q: { status: RequestStatus }) {
    return { items: [...this.requests.values()].filter((r) => r.status === q.status).map((r) => structuredClone(r)) };
  }
  /** No complaint in these tests: the sweeper's pass over owed acknowledgements finds none. */
  async listComplaints(): Promise<{ items: StoredComplaint[]; cursor?: string }> {
    return { items: [] };
  }
  async listPendingLinks() {
    return [...this.requests.values()].filter((r) => r.status === 'unverified' && r.outboxLink).map((r) => structuredClone(r));
  }
  /** `null`: kept with no end. */
  piiExpiry = new Map<string, Date | null>();
  async setPiiExpiry(id: string, at: Date | null, keep: Pick<Pii, 'uncorrected'> = {}) {
    this.piiExpiry.set(id, at);
    const pii = this.pii.get(id);
    if (pii && keep.uncorrected) this.pii.set(id, { ...pii, ...keep });
  }
  /** Contact data with no end recorded here counts as kept with none. */
  async getPiiExpiry(id: string) {
    return this.pii.has(id) ? (this.piiExpiry.get(id) ?? null) : undefined;
  }
  async extendPiiExpiry(id: string, until: Date, endingBy: Date) {
    const end = await this.getPiiExpiry(id);
    if (!end || end >= until || end > endingBy) return false;
    this.piiExpiry.set(id, until);
    return true;
  }
  async keepWithPii(id: string, keep: Pick<Pii, 'clarification'>) {
    const pii = this.pii.get(id);
    if (pii && keep.clarification) this.pii.set(id, { ...pii, ...keep });
  }
  async getTaskResults(k: ResultsKey) {
    const r = this.results.get(resultsId(k));
    if (!r) return undefined;
    const body = JSON.parse(r.signedBody) as { results?: unknown; results_url?: string };
    return { results: body.results, resultsUrl: body.results_url };
  }
  async expireTaskResults(k: ResultsKey, at: Date) {
    const r = this.results.get(resultsId(k));
    if (r) r.expiresAt = at;
  }
  async listTaskResults(requestId: string): Promise<StoredResults[]> {
    return [...this.results]
      .filter(([id]) => id.startsWith(`${requestId}.`))
      .map(([id, r]) => {
        const [taskId, bodyHash] = id.split('#');
        return { requestId, processorId: taskId.slice(requestId.length + 1), ...(bodyHash ? { bodyHash } : {}), ...(r.writtenAt ? { writtenAt: r.writtenAt } : {}) };
      });
  }
  /** The owed index, as DynamoRepository keeps it: the requests recording an outcome email or a notice still owed; any other key lists nothing. */
  async listOwed(kind: 'outcome' | 'notice') {
    const intent = ({ outcome: 'outboxOutcome', notice: 'outboxNotice' } as const)[kind];
    if (!intent) return [];
    return [...this.requests.values()].filter((r) => r[intent]).map((r) => ({ requestId: r.id, at: r[intent]!.until }));
  }
  /** The `failed` index, as DynamoRepository keeps it: every request carrying the "mail failed" mark. */
  async listMailFailed() {
    return [...this.requests.values()].filter((r) => r.mailFailed).map((r) => r.id);
  }
  /** Tasks taken out of the watch index (their request refused or cancelled): unwatchTask's calls. */
  unwatched = new Set<string>();
  /**
   * The watch index as DynamoRepository keeps it (functions/adapters/table.ts): tasks by status,
   * under their processor where it says so, or owing a token, requests owing the team's email or an
   * alert, with a copy that could not be assembled or a held copy's package to make again, and closed requests whose execution is owed a stop or
   * whose export results are owed deletion, in order.
   */
  async listWatch(partition: string, q: { before?: string; newest?: number } = {}) {
    const tasks = [...this.tasks.values()].flatMap((t) => {
      const w = watchOf(t, t.sentAt ?? '');
      return w?.watch === partition ? [{ requestId: t.requestId, processorId: t.processorId, at: w.watchAt, ...(t.sentAt ? { sentAt: t.sentAt } : {}) }] : [];
    });
    const requests =
      partition === WATCH.request
        ? [...this.requests.values()]
            .filter((r) => (r.outboxTeam || r.outboxAlert || r.assemblyFailed || r.outboxRemake || r.outboxRelease) && !r.outboxStop && !r.purgeResults)
            .map((r) => ({ requestId: r.id, at: r.outboxTeam?.until ?? r.outboxAlert?.until ?? r.assemblyFailed?.at ?? r.outboxRemake?.at ?? r.outboxRelease?.until ?? '' }))
        : partition === WATCH.closed
          ? [...this.requests.values()].filter((r) => r.outboxStop || r.purgeResults).map((r) => ({ requestId: r.id, at: r.outboxStop?.at ?? r.purgeResults?.at ?? '' }))
          : [];
    const all = [...tasks, ...requests].filter((e) => !q.before || e.at < q.before).sort((a, b) => a.at.localeCompare(b.at));
    return q.newest ? all.reverse().slice(0, q.newest) : all;
  }
  /** Marks the task nobody waits for any more, as DynamoRepository does: bookkeeping, no version bump; listWatch reads the mark. */
  async unwatchTask(requestId: string, processorId: string) {
    this.unwatched.add(`${requestId}.${processorId}`);
    const cur = this.tasks.get(`${requestId}.${processorId}`);
    if (cur && !cur.unwatchedAt) cur.unwatchedAt = new Date().toISOString();
  }
  /** Here a request owing nothing is in no partition to begin with. */
  async unwatchRequest() {}
  /** Drops a closed request's owed deletion of its export results, as DynamoRepository does: bookkeeping, no version bump. */
  async clearPurge(id: string) {
    const cur = this.requests.get(id);
    if (cur) delete cur.purgeResults;
  }
  /** Drops a closed request's package key, as DynamoRepository does: bookkeeping, no version bump. */
  async forgetExport(id: string) {
    const cur = this.requests.get(id);
    if (cur) delete cur.exportKey;
  }
  /** Every task here is in the watch index already: none written before it. */
  async indexTasks() {
    return 0;
  }
  async getRequests(ids: readonly string[]) {
    return [...new Set(ids)].flatMap((id) => (this.requests.has(id) ? [structuredClone(this.requests.get(id) as StoredRequest)] : []));
  }
  async getTasks(refs: readonly { requestId: string; processorId: string }[]) {
    return refs.flatMap((r) => {
      const t = this.tasks.get(`${r.requestId}.${r.processorId}`);
      return t ? [structuredClone(t)] : [];
    });
  }
  /** A share of a limit: the tests using this fake never reach one. */
  async takeShare(_scope: string, _hash: string, _windows: readonly Window[], _now: Date): Promise<Share> {
    return { allowed: true };
  }
  /** A rolling counter: the same, never at its limit. */
  async hitRolling(_scope: string, _hash: string, _windowSeconds: number, _limit: number, _now: Date) {
    return { count: 1 };
  }
  /** Outbox bookkeeping, conditional on the intent's number as in DynamoRepository; no version bump. */
  async claimDelivery(requestId: string, kind: string, next: { seq: number; until: string; owner: string }, now: Date) {
    const cur = this.requests.get(requestId) as Record<string, { seq: number; until: string } | undefined> | undefined;
    const d = cur?.[kind];
    if (!d || d.seq !== next.seq || Date.parse(d.until) > now.getTime()) return false;
    Object.assign(d, { until: next.until, owner: next.owner });
    return true;
  }
  /** Puts an email off until `until`, for anyone to deliver then, as DynamoRepository does. */
  async deferDelivery(requestId: string, kind: string, seq: number, until: string) {
    const d = (this.requests.get(requestId) as Record<string, { seq: number; until: string; owner: string } | undefined> | undefined)?.[kind];
    if (!d || d.seq !== seq) return false;
    Object.assign(d, { until, owner: '' });
    return true;
  }
  /** As claimDelivery, counting the try. */
  async claimRemake(requestId: string, next: { seq: number; until: string; owner: string }, now: Date) {
    if (!(await this.claimDelivery(requestId, 'outboxRemake', next, now))) return false;
    const d = this.requests.get(requestId)?.outboxRemake as { tries?: number };
    d.tries = (d.tries ?? 0) + 1;
    return true;
  }
  /** `unmark`: the "mail failed" mark of that kind goes in the same write, and goes whether the intent was still that one or not (the email went), as in DynamoRepository. */
  async clearDelivery(requestId: string, kind: string, seq: number, set: Record<string, unknown> = {}, unmark?: MailFailure['kind']) {
    this.unmark(requestId, unmark);
    const cur = this.requests.get(requestId) as Record<string, unknown> | undefined;
    if ((cur?.[kind] as { seq?: number } | undefined)?.seq !== seq) return false;
    delete cur?.[kind];
    Object.assign(cur as object, set);
    return true;
  }
  async strikeOffNotice(requestId: string, seq: number, left: number, unmark?: MailFailure['kind']) {
    this.unmark(requestId, unmark);
    return this.strikeOff(this.requests.get(requestId)?.outboxNotice, seq, left);
  }
  async strikeOffTeam(requestId: string, seq: number, left: number, unmark?: MailFailure['kind']) {
    this.unmark(requestId, unmark);
    return this.strikeOff(this.requests.get(requestId)?.outboxTeam, seq, left);
  }
  private unmark(requestId: string, kind: MailFailure['kind'] | undefined) {
    const cur = this.requests.get(requestId);
    if (cur && kind && cur.mailFailed?.kind === kind) delete cur.mailFailed;
  }
  private strikeOff(n: { seq: number; earlier?: unknown[] } | undefined, seq: number, left: number) {
    if (n?.seq !== seq || n.earlier?.length !== left) return false;
    if (left > 1) n.earlier = n.earlier.slice(1);
    else delete n.earlier;
    return true;
  }
  async putTaskResults(k: Required<ResultsKey>, signedBody: string, at: { writtenAt: Date; expiresAt: Date }) {
    this.results.set(resultsId(k), { signedBody, expiresAt: at.expiresAt, writtenAt: at.writtenAt.toISOString() });
    this.writes++;
  }
  /** Conditional on the time written, as in DynamoRepository. */
  async deleteTaskResults(k: StoredResults) {
    this.writes++;
    if (k.writtenAt && this.results.get(resultsId(k))?.writtenAt !== k.writtenAt) return false;
    return this.results.delete(resultsId(k));
  }
  /** The results stored for one task, whoever wrote them. */
  resultsOf(taskId: string) {
    return [...this.results].filter(([id]) => id.split('#')[0] === taskId).map(([, r]) => r);
  }
}

/** FakeRepo's key for stored results. */
export const resultsId = (k: ResultsKey) => `${k.requestId}.${k.processorId}${k.bodyHash ? `#${k.bodyHash}` : ''}`;


/**
 * FakeRepo whose status index behaves as DynamoDB's: ordered by deadline (the extended one once
 * extended), `dueBefore` an inclusive bound on it, a page of `limit` items with a cursor for the rest.
 */
export class IndexedRepo extends FakeRepo {
  override async listRequests(q: { status: RequestStatus; dueBefore?: string; limit?: number; cursor?: string }) {
    const keyOf = (r: StoredRequest) => `${currentDue(r) ?? r.receivedAt.slice(0, 10)}#${r.id}`;
    const all = [...this.requests.values()].filter((r) => r.status === q.status && (!q.dueBefore || keyOf(r) < `${q.dueBefore}#~`)).sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
    const from = Number(q.cursor ?? 0);
    const end = from + (q.limit ?? 50);
    return { items: all.slice(from, end).map((r) => structuredClone(r)), cursor: end < all.length ? String(end) : undefined };
  }
}
export class FakeWorkflow implements Workflow {
  calls: { op: 'success' | 'failure' | 'heartbeat'; token: string; output?: unknown; error?: string; cause?: string }[] = [];
  /** Tokens the state machine no longer waits on: calls with them fail as Step Functions would. */
  dead = new Set<string>();
  async start() {
    return 'arn';
  }
  /** Step Functions' list of the executions that ended without succeeding: none here. */
  async unsuccessful() {
    return [] as { requestId: string; status: string }[];
  }
  private check(token: string) {
    if (this.dead.has(token)) throw Object.assign(new Error('Task Timed Out'), { name: 'TaskTimedOut' });
  }
  async taskSuccess(token: string, output: unknown) {
    this.check(token);
    this.calls.push({ op: 'success', token, output });
  }
  async taskFailure(token: string, failure: WorkflowFailure) {
    this.check(token);
    this.calls.push({ op: 'failure', token, ...failure });
  }
  async heartbeat(token: string) {
    this.check(token);
    this.calls.push({ op: 'heartbeat', token });
  }
  /** The requests whose execution was stopped. */
  stopped: string[] = [];
  async stop(requestId: string) {
    this.stopped.push(requestId);
  }
}

export class FakeMailer implements Mailer {
  sent: Parameters<Mailer['send']>[0][] = [];
  async send(msg: Parameters<Mailer['send']>[0]) {
    this.sent.push(msg);
  }
}

export const fixedClock = (iso = '2026-03-02T10:00:00.000Z'): Clock => ({ now: () => new Date(iso) });

export const REQUEST_ID = '01JQ0000000000000000000000';

export function storedRequest(over: Partial<StoredRequest> = {}): StoredRequest {
  return {
    id: REQUEST_ID,
    type: 'erasure',
    language: 'en',
    status: 'verified',
    version: 2,
    emailHash: 'e'.repeat(64),
    details: { eraseWarranty: false, objections: [] },
    receivedAt: '2026-03-01T09:00:00.000Z',
    verifiedAt: '2026-03-01T09:05:00.000Z',
    dueDate: '2026-04-01',
    pausedDays: 0,
    audit: [],
    statusTokenHash: 's'.repeat(64),
    ...over,
  };
}

export const processor = (over: Partial<ProcessorEntry> & Pick<ProcessorEntry, 'id' | 'category'>): ProcessorEntry => ({
  name: over.id,
  region: 'eu-west-2',
  transferSafeguard: 'adequacy',
  mode: 'automated',
  endpoint: `https://privacy-api.${over.id}.example/lethe`,
  secretRef: `lethe/processors/${over.id}`,
  supports: ['access', 'erasure', 'rectification', 'objection'],
  identities: ['email'],
  heartbeatSeconds: 3600,
  timeoutSeconds: 86400,
  ...over,
});

export const registryOf = (...processors: ProcessorEntry[]): Registry => ({ version: 3, processors });

/** What a concurrent writer does: changes the record and bumps its version. */
export function bump<T extends { version: number }>(map: Map<string, T>, id: string, changes: Partial<T>) {
  const cur = map.get(id) as T;
  map.set(id, { ...cur, ...changes, version: cur.version + 1 });
}

/** What Escalate finds: one request in progress whose analytics task (`metricsly`) was sent and waits, with its token. */
export function escalationFixture(clock: Clock = fixedClock()) {
  const repo = new FakeRepo();
  const workflow = new FakeWorkflow();
  const mailer = new FakeMailer();
  const req = storedRequest({ status: 'in_progress' });
  repo.requests.set(REQUEST_ID, req);
  const [t] = planTasks(req, [processor({ id: 'metricsly', category: 'analytics' })], { customer: undefined, today: '2026-03-02' });
  repo.tasks.set(`${REQUEST_ID}.metricsly`, { ...t, status: 'sent', token: 'tok-dispatch', version: 1 });
  return { repo, workflow, mailer, deps: { repo, workflow, mailer, clock } };
}

/** Verification links as VerificationTokens keeps them: read by hash, and a count of wrong passwords. */
export class FakeTokens {
  records = new Map<string, VerifyRecord>();
  async get(hash: string) {
    return structuredClone(this.records.get(hash));
  }
  async countAttempt(hash: string, by: 1 | -1 = 1) {
    const r = this.records.get(hash) as VerifyRecord;
    r.attempts += by;
    return r.attempts;
  }
}

/** A task an officer resolved while its Escalate state waited: the token it holds is that state's. */
export const resolvedTask = (over: Partial<StoredTask> = {}): StoredTask => ({
  taskId: `${REQUEST_ID}.paynow`,
  requestId: REQUEST_ID,
  processorId: 'paynow',
  category: 'payments',
  action: 'erase',
  status: 'resolved',
  version: 4,
  attempts: 1,
  holds: [],
  audit: [],
  token: 'tok-escalation',
  outcome: { request_status: 'resolved' },
  ...over,
});

/** A complaint's acknowledgement owed, claimed, put off and cleared on a map of complaints, as DynamoRepository does it. */
export const complaintAcks = {
  claim(complaints: Map<string, StoredComplaint>, id: string, next: Delivery, now: Date) {
    const d = complaints.get(id)?.outboxAck;
    if (!d || d.seq !== next.seq || Date.parse(d.until) > now.getTime()) return false;
    Object.assign(d, { until: next.until, owner: next.owner });
    return true;
  },
  defer(complaints: Map<string, StoredComplaint>, id: string, seq: number, until: string) {
    const d = complaints.get(id)?.outboxAck;
    if (d?.seq !== seq) return false;
    Object.assign(d, { until, owner: '' });
    return true;
  },
  count(complaints: Map<string, StoredComplaint>, id: string, seq: number) {
    const d = complaints.get(id)?.outboxAck;
    if (d?.seq !== seq) return false;
    d.counted = true;
    return true;
  },
  clear(complaints: Map<string, StoredComplaint>, id: string, seq: number) {
    const c = complaints.get(id);
    if (c?.outboxAck?.seq !== seq) return false;
    delete c.outboxAck;
    return true;
  },
};

/** The suppression list, by address hash; an address's hash is `h:<address>`. */
export class FakeSuppression {
  static readonly hash = async (email: string) => `h:${email}`;
  readonly uses = new Map<string, Set<string>>();
  async add(hash: string, scopes: readonly ObjectionScope[]) {
    for (const s of scopes) this.uses.set(hash, (this.uses.get(hash) ?? new Set()).add(s));
  }
  async scopesOf(hash: string) {
    return [...(this.uses.get(hash) ?? [])] as ObjectionScope[];
  }
}
