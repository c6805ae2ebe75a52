import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { type AuditInput, chain } from '../core/audit.ts';
import { ConcurrentUpdate, InvalidInput, retryOnRace } from '../core/errors.ts';
import type { Delivery } from '../core/outbox.ts';
import type { ComplaintStatus, StoredComplaint } from '../core/complaints.ts';
import type { ResultsKey, StoredResults } from '../core/export-results.ts';
import type { AuditEvent, PrivacyRequest, ProcessorTask, RequestStatus, TaskStatus } from '../core/model.ts';
import type { MailFailure, Pii, Repository, RequestPage, StoredRequest, StoredTask } from '../core/ports.ts';
import { countShare, countsUntil, partOf, type Share, type Window } from '../core/rate-limit.ts';
import { currentDue } from '../core/status.ts';
import { ddb } from './clients/dynamodb.ts';
import { config } from './config.ts';
import { expired, FAILED_MAIL, key, TABLE, WAITED_FOR, WATCH, watchOf } from './table.ts';

const strip = <T extends Record<string, unknown>>(item: T) => {
  const { pk, sk, gsi1pk, gsi1sk, owed, owedAt, watch, watchAt, failed, failedAt, ttl, ...rest } = item;
  void pk, sk, gsi1pk, gsi1sk, owed, owedAt, watch, watchAt, failed, failedAt, ttl;
  return rest;
};

/**
 * The status index's keys: a request sits under its status, ordered by the deadline it runs to now
 * (the extended one once extended), so that "due by a date" is a key range. A record written before
 * the index followed an extension keeps its original deadline, an earlier one, until its next write:
 * such a range finds it as well, and the caller judges it by its current deadline.
 */
const gsi1 = (status: RequestStatus, r: Pick<PrivacyRequest, 'dueDate' | 'extended' | 'receivedAt' | 'id'>) => ({
  gsi1pk: `STATUS#${status}`,
  gsi1sk: `${currentDue(r) ?? r.receivedAt.slice(0, 10)}#${r.id}`,
});

/** A request's intents delivered under a lease (core/outbox.ts Delivery): the emails, and a held copy's package to make again. */
export type OutboxKind = 'outboxLink' | 'outboxOutcome' | 'outboxNotice' | 'outboxTeam' | 'outboxAlert' | 'outboxRemake' | 'outboxRelease';
/** A search by email or order number: the requests it answers at most, and the index pages it reads for them at most. */
const FIND_LIMIT = 100;
const FIND_PAGES = 5;
/** The console's list of complaints, newest first, in the status index under a partition of its own. */
const COMPLAINTS = 'COMPLAINTS';
/**
 * The emails the sweeper finds through the sparse `owed` index rather than by status: an outcome
 * (completed requests are kept for years and never listed) and an officer's notice (the notice may
 * close the request). A request is in the index exactly while it owes one: the attributes are set in
 * the write that records the intent and removed in the one that clears it.
 */
export type OwedKind = 'outcome' | 'notice';
const OWED_BY: Partial<Record<OutboxKind, OwedKind>> = { outboxOutcome: 'outcome', outboxNotice: 'notice' };
/**
 * The index has one key, so a request owing both (a notice still owed when the request completes)
 * is listed under the one recorded last; clearing or dropping either lists it under the other.
 */
const otherOwed = (kind: string) => (kind in OWED_BY ? (Object.keys(OWED_BY) as OutboxKind[]).find((k) => k !== kind) : undefined);

const epoch = (d: Date) => Math.floor(d.getTime() / 1000);
const WATCH_KEYS = [TABLE.watch.partitionKey, TABLE.watch.sortKey];
/** A task's mark that nobody waits for it any more (StoredTask.unwatchedAt). */
const UNWATCHED = 'unwatchedAt';
/** The watch index's key attributes, named #w and #a in an expression. */
const WATCH_NAMES = { '#w': TABLE.watch.partitionKey, '#a': TABLE.watch.sortKey };
/**
 * What a request owes that keeps it in each partition of the `watch` index: in `request`, the team's
 * email, a sweeper's alert, a failed copy, a held copy's package to make again, a released copy's
 * completion; in `closed`, its
 * execution's stop and its copy's results' deletion. The write that records one puts it in, the write
 * that drops the last takes it out, and unwatchRequest's condition reads the same lists.
 */
const WATCHED_BY = { request: ['outboxTeam', 'outboxAlert', 'assemblyFailed', 'outboxRemake', 'outboxRelease'], closed: ['outboxStop', 'purgeResults'] } as const satisfies Record<string, readonly (keyof StoredRequest)[]>;
const owesAny = (r: Partial<StoredRequest>, keys: readonly (keyof StoredRequest)[]) => keys.some((k) => r[k]);
/** The `failed` index's key attributes, named #f and #fa in an expression. */
const FAILED_NAMES = { '#f': TABLE.failed.partitionKey, '#fa': TABLE.failed.sortKey };
/** What an outbox write adds to clear the request's "mail failed" mark (see unmarking): the mark and its `failed` index keys, on condition that it is of the kind given. */
type Unmark = { remove: string; condition?: string; names: Record<string, string>; values: Record<string, unknown> };
const KEEP_MARK: Unmark = { remove: '', names: {}, values: {} };
const unmarkOf = (kind: MailFailure['kind']): Unmark => ({ remove: ', #mf, #f, #fa', condition: '#mf.#mk = :mk', names: { '#mf': 'mailFailed', '#mk': 'kind', ...FAILED_NAMES }, values: { ':mk': kind } });
const and = (a: string | undefined, b: string | undefined) => (a && b ? `${a} AND ${b}` : (a ?? b));

/** An entry of the `watch` index (table.ts): the request, the processor for a task's, its order, and the task's `sentAt`. */
export type Watched = { requestId: string; processorId?: string; at: string; sentAt?: string };


const lostRace = (e: unknown) => e instanceof ConditionalCheckFailedException || (e as Error)?.name === 'ConditionalCheckFailedException';

/**
 * A write that queues an email behind those owed as it read them (`earlier`: an officer's notices, the
 * team's emails) holds only while they are still owed as read: its version alone does not say so,
 * since mailing them strikes them off, then clears the intent, in bookkeeping writes that leave it
 * alone. Until November 28, 2026 a write from a read made before such a write queued them again, and
 * they were mailed twice. The write that loses reads them again (retryOnRace), as on any race.
 */
function queuedAsRead(prev: StoredRequest, changes: Record<string, unknown>, u: { ConditionExpression: string; ExpressionAttributeNames: Record<string, string>; ExpressionAttributeValues: Record<string, unknown> }) {
  const carried = (['outboxNotice', 'outboxTeam'] as const).filter((k) => prev[k] && (changes[k] as { earlier?: unknown[] } | undefined)?.earlier?.length);
  if (!carried.length) return {};
  const names = { ...u.ExpressionAttributeNames, '#qseq': 'seq', '#qe': 'earlier' };
  const values = { ...u.ExpressionAttributeValues };
  const held = carried.map((k, i) => {
    const { seq, earlier = [] } = prev[k] as { seq: number; earlier?: unknown[] };
    Object.assign(names, { [`#q${i}`]: k });
    Object.assign(values, { [`:q${i}`]: seq, ...(earlier.length ? { [`:q${i}n`]: earlier.length } : {}) });
    return `#q${i}.#qseq = :q${i} AND ${earlier.length ? `size(#q${i}.#qe) = :q${i}n` : `attribute_not_exists(#q${i}.#qe)`}`;
  });
  return { ConditionExpression: [u.ConditionExpression, ...held].join(' AND '), ExpressionAttributeNames: names, ExpressionAttributeValues: values };
}

/** Updates of a record's status: one conditional write that also appends the audit event. */
function statusUpdate(
  prev: { status: string; version: number; audit: AuditEvent[] },
  to: string,
  changes: Record<string, unknown>,
  remove: string[],
  event: AuditInput,
) {
  const ev = chain(prev.audit.at(-1), event);
  const names: Record<string, string> = { '#status': 'status', '#version': 'version', '#audit': 'audit' };
  const values: Record<string, unknown> = { ':from': prev.status, ':v': prev.version, ':to': to, ':v1': prev.version + 1, ':ev': [ev] };
  const sets = ['#status = :to', '#version = :v1', '#audit = list_append(#audit, :ev)'];
  for (const [i, [k, v]] of Object.entries(changes).entries()) {
    if (v === undefined) continue;
    names[`#c${i}`] = k;
    values[`:c${i}`] = v;
    sets.push(`#c${i} = :c${i}`);
  }
  const removes = remove.map((k, i) => {
    names[`#r${i}`] = k;
    return `#r${i}`;
  });
  return {
    UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
    ConditionExpression: '#status = :from AND #version = :v',
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
    ReturnValues: 'ALL_NEW' as const,
    event: ev,
  };
}

export class DynamoRepository implements Omit<Repository, 'putTasksIfAbsent'> {
  constructor(
    protected readonly db: DynamoDBDocumentClient = ddb,
    protected readonly table: string = config.TABLE_NAME,
    /** The clock expiry is judged by (see `expired`). */
    protected readonly now: () => Date = () => new Date(),
  ) {}

  /** The item, unless it has expired: DynamoDB's TTL deletion may not have caught up yet. */
  protected live<T extends Record<string, unknown>>(item: T | undefined): T | undefined {
    return item && !expired(item, this.now()) ? item : undefined;
  }

  /**
   * Writes a new request and its personal data; false when the request record exists already.
   * Intake calls it for an id it has claimed (see claimDedupe), possibly from two writers at once
   * (the claimer and a retry finishing a claim whose writer died): the request record's conditional
   * put decides which of them delivers the link. The PII goes first, so a request record never
   * points at missing contact data; a second writer finds it written and leaves it.
   */
  async createRequest(req: StoredRequest, pii: Pii, piiExpiresAt: Date): Promise<boolean> {
    await this.db
      .send(
        new PutCommand({
          TableName: this.table,
          Item: { ...key.pii(req.id), ...pii, ttl: epoch(piiExpiresAt) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      )
      .catch((e) => {
        if (!lostRace(e)) throw e;
      });
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...key.request(req.id), ...gsi1(req.status, req), ...req, ttl: epoch(piiExpiresAt) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (e) {
      if (lostRace(e)) return false;
      throw e;
    }
  }

  async getRequest(id: string): Promise<StoredRequest | undefined> {
    const r = await this.db.send(new GetCommand({ TableName: this.table, Key: key.request(id), ConsistentRead: true }));
    const item = this.live(r.Item);
    return item ? (strip(item) as StoredRequest) : undefined;
  }

  async getPii(id: string): Promise<Pii | undefined> {
    const r = await this.db.send(new GetCommand({ TableName: this.table, Key: key.pii(id) }));
    const item = this.live(r.Item);
    return item ? (strip(item) as Pii) : undefined;
  }

  /**
   * `keep`: what the contact data keeps from now on, in the same write (a correction's note, for every
   * outcome email). `null`: kept with no end (a restriction in place, until it is lifted). Only
   * contact data still kept gets a new end: data whose end has passed is erased, though DynamoDB may
   * delete it up to two days late, and a later end (or none) would make it readable again.
   */
  async setPiiExpiry(id: string, expiresAt: Date | null, keep: Pick<Pii, 'uncorrected'> = {}): Promise<void> {
    const names: Record<string, string> = { '#ttl': 'ttl', ...(keep.uncorrected ? { '#u': 'uncorrected' } : {}) };
    const values: Record<string, unknown> = { ...(expiresAt ? { ':t': epoch(expiresAt) } : {}), ':now': epoch(this.now()), ...(keep.uncorrected ? { ':u': keep.uncorrected } : {}) };
    const set = [...(expiresAt ? ['#ttl = :t'] : []), ...(keep.uncorrected ? ['#u = :u'] : [])];
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: key.pii(id),
        UpdateExpression: [set.length ? `SET ${set.join(', ')}` : '', expiresAt ? '' : 'REMOVE #ttl'].filter(Boolean).join(' '),
        ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(#ttl) OR #ttl >= :now)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    ).catch((e) => {
      if (!lostRace(e)) throw e; // erased already, or past its end: nothing left to expire
    });
  }

  /** When the contact data ends: null when it is kept with no end, undefined when it is gone or past its end. */
  async getPiiExpiry(id: string): Promise<Date | null | undefined> {
    const r = await this.db.send(new GetCommand({ TableName: this.table, Key: key.pii(id), ProjectionExpression: 'pk, #ttl', ExpressionAttributeNames: { '#ttl': 'ttl' } }));
    const item = this.live(r.Item);
    if (!item) return undefined;
    return typeof item.ttl === 'number' ? new Date(item.ttl * 1000) : null;
  }

  /**
   * Moves the contact data's end to `until` where it is earlier, not yet passed, and no later than
   * `endingBy`: a repair from an older reading never shortens an end another writer moved later
   * meanwhile, nor lengthens one a closing gave it since, nor gives one to data kept with no end.
   * False when nothing changed.
   */
  async extendPiiExpiry(id: string, until: Date, endingBy: Date): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key.pii(id),
          UpdateExpression: 'SET #ttl = :t',
          ConditionExpression: 'attribute_exists(pk) AND #ttl >= :now AND #ttl < :t AND #ttl <= :by',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':t': epoch(until), ':now': epoch(this.now()), ':by': epoch(endingBy) },
        }),
      );
      return true;
    } catch (e) {
      if (lostRace(e)) return false;
      throw e;
    }
  }

  /** Text that goes with the contact data (a clarification's question), written only onto contact data still kept, as setPiiExpiry's `keep`, and without moving its end. */
  async keepWithPii(id: string, keep: Pick<Pii, 'clarification'>): Promise<void> {
    if (!keep.clarification) return;
    await this.db
      .send(
        new UpdateCommand({
          TableName: this.table,
          Key: key.pii(id),
          UpdateExpression: 'SET #c = :c',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(#ttl) OR #ttl >= :now)',
          ExpressionAttributeNames: { '#c': 'clarification', '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':c': keep.clarification, ':now': epoch(this.now()) },
        }),
      )
      .catch((e) => {
        if (!lostRace(e)) throw e; // erased already, or past its end: the question goes with it
      });
  }

  async transitionRequest(
    prev: StoredRequest,
    to: RequestStatus,
    changes: Partial<StoredRequest> & Record<string, unknown>,
    event: AuditInput,
    opts: { removeTtl?: boolean; ttl?: Date; remove?: string[] } = {},
  ): Promise<StoredRequest> {
    const next = { ...prev, ...changes, status: to };
    const extra: Record<string, unknown> = { ...changes, ...gsi1(to, next) };
    for (const [intent, owed] of Object.entries(OWED_BY)) if (changes[intent]) Object.assign(extra, { [TABLE.owed.partitionKey]: owed, [TABLE.owed.sortKey]: event.at });
    // Recording the team's email, a sweeper's alert, a failed copy or a held copy's package to make again
    // puts the request in the watch index, in the same write; the write that drops the last of them takes
    // it out. A closing write that owes the execution's stop or a copy's results' deletion puts it in its
    // own partition instead (one place for both; a closed request owes none of the others).
    const owes = (r: Partial<StoredRequest>) => owesAny(r, WATCHED_BY.request) || owesAny(r, WATCHED_BY.closed);
    const after = { ...next } as Partial<StoredRequest> & Record<string, unknown>;
    for (const k of opts.remove ?? []) delete after[k];
    const watch = owesAny(changes, WATCHED_BY.closed) ? WATCH.closed : owesAny(changes, WATCHED_BY.request) ? WATCH.request : undefined;
    if (watch) Object.assign(extra, { [TABLE.watch.partitionKey]: watch, [TABLE.watch.sortKey]: event.at });
    if (opts.ttl) extra.ttl = epoch(opts.ttl);
    // Likewise the write that drops the last email owed (one that can never go) takes it out of the owed index.
    const owesMail = (r: Record<string, unknown>) => Object.keys(OWED_BY).some((k) => r[k]);
    // One that drops an email while the other is still owed lists the request under the other's kind.
    const dropped = (opts.remove ?? []).find((k) => OWED_BY[k as OutboxKind] && prev[k as keyof StoredRequest]);
    const left = dropped && otherOwed(dropped);
    if (left && after[left] && !Object.keys(OWED_BY).some((k) => changes[k])) extra[TABLE.owed.partitionKey] = OWED_BY[left];
    const remove = [
      ...(opts.removeTtl ? ['ttl'] : []),
      ...(opts.remove ?? []),
      ...(owes(prev) && !owes(after) && !watch ? WATCH_KEYS : []),
      ...(owesMail(prev) && !owesMail(after) ? [TABLE.owed.partitionKey, TABLE.owed.sortKey] : []),
    ];
    const { event: _ev, ...u } = statusUpdate(prev, to, extra, remove, event);
    try {
      const r = await this.db.send(new UpdateCommand({ TableName: this.table, Key: key.request(prev.id), ...u, ...queuedAsRead(prev, changes, u) }));
      return strip(r.Attributes ?? {}) as StoredRequest;
    } catch (e) {
      if (lostRace(e)) throw new ConcurrentUpdate(`request ${prev.id} changed concurrently; reload and retry`);
      throw e;
    }
  }

  /**
   * Moves the end of a closed request's tasks to `until` where theirs is earlier: one write a task,
   * made only for a request that closed late (core's taskExpiryAtClose). A task kept for good, or
   * already kept longer, or gone, is left as it is, so doing it again changes nothing.
   */
  async extendTaskExpiry(requestId: string, processorIds: readonly string[], until: Date): Promise<void> {
    for (const p of processorIds) {
      try {
        await this.db.send(
          new UpdateCommand({
            TableName: this.table,
            Key: key.task(requestId, p),
            UpdateExpression: 'SET #ttl = :t',
            ConditionExpression: 'attribute_exists(pk) AND #ttl < :t',
            ExpressionAttributeNames: { '#ttl': 'ttl' },
            ExpressionAttributeValues: { ':t': epoch(until) },
          }),
        );
      } catch (e) {
        if (!lostRace(e)) throw e;
      }
    }
  }

  /** Every page: a task with a long trail of receipts can be hundreds of KB, and a page stops at 1 MB. */
  async listTasks(requestId: string): Promise<StoredTask[]> {
    const items = await this.queryAll({ KeyConditionExpression: 'pk = :pk AND begins_with(sk, :t)', ExpressionAttributeValues: { ':pk': `REQ#${requestId}`, ':t': 'TASK#' }, ConsistentRead: true });
    return items.map((i) => strip(i) as StoredTask);
  }

  async getTask(requestId: string, processorId: string): Promise<StoredTask | undefined> {
    const r = await this.db.send(
      new GetCommand({ TableName: this.table, Key: key.task(requestId, processorId), ConsistentRead: true }),
    );
    return r.Item ? (strip(r.Item) as StoredTask) : undefined;
  }

  /**
   * A task with its request and the request's contact data, in one strongly consistent Query of
   * the request's partition instead of three GetItems. A Query cannot filter on the sort key, so
   * it reads the one range from the lowest of the three keys to the highest and keeps those three;
   * the items in between (the request's other tasks, an export's results) are read too, and paged
   * through, since results can be large.
   */
  async getTaskWithRequest(requestId: string, processorId: string): Promise<{ task?: StoredTask; request?: StoredRequest; pii?: Pii }> {
    const wanted = [key.task(requestId, processorId), key.request(requestId), key.pii(requestId)];
    const [lo, , hi] = wanted.map((k) => k.sk).sort();
    const found = new Map<string, Record<string, unknown>>();
    let start: Record<string, unknown> | undefined;
    do {
      const r = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
          ExpressionAttributeValues: { ':pk': wanted[0].pk, ':lo': lo, ':hi': hi },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of r.Items ?? []) if (wanted.some((k) => k.sk === item.sk)) found.set(String(item.sk), item);
      start = r.LastEvaluatedKey;
    } while (start && found.size < wanted.length);
    const item = (k: { sk: string }) => {
      const i = this.live(found.get(k.sk));
      return i && strip(i);
    };
    return { task: item(wanted[0]) as StoredTask | undefined, request: item(wanted[1]) as StoredRequest | undefined, pii: item(wanted[2]) as Pii | undefined };
  }

  async transitionTask(
    prev: StoredTask,
    to: TaskStatus,
    changes: Partial<StoredTask> & Record<string, unknown>,
    event: AuditInput,
    /** Attributes the same write removes (an intent it settles). */
    remove: (keyof StoredTask)[] = [],
  ): Promise<StoredTask> {
    // Its place in the watch index follows its status, in the same write; a task nobody waits for
    // (unwatchedAt) stays out of the open and escalated partitions (watchOf).
    const defined = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
    const kept = Object.fromEntries(Object.entries(prev).filter(([k]) => !remove.includes(k as keyof StoredTask))) as StoredTask;
    const watch = watchOf({ ...kept, ...defined, status: to }, event.at);
    const { event: _ev, ...u } = statusUpdate(prev, to, { ...changes, ...watch }, [...remove, ...(watch ? [] : WATCH_KEYS)], event);
    // The place was worked out from the task as read: read before its request's closing marked it
    // (unwatchTask, which changes no version), the write fails as on any race, and its writer reads
    // the mark, rather than putting the task back among the open or escalated ones.
    const unmarked = prev.unwatchedAt ? {} : { ConditionExpression: `${u.ConditionExpression} AND attribute_not_exists(#unwatched)`, ExpressionAttributeNames: { ...u.ExpressionAttributeNames, '#unwatched': UNWATCHED } };
    try {
      const r = await this.db.send(new UpdateCommand({ TableName: this.table, Key: key.task(prev.requestId, prev.processorId), ...u, ...unmarked }));
      return strip(r.Attributes ?? {}) as StoredTask;
    } catch (e) {
      if (lostRace(e)) throw new ConcurrentUpdate(`task ${prev.taskId} changed concurrently; reload and retry`);
      throw e;
    }
  }

  /** Records a fresh task token on an unchanged status (a re-run after a restart, an escalation wait). */
  async setTaskToken(prev: StoredTask, token: string): Promise<StoredTask> {
    try {
      const r = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key.task(prev.requestId, prev.processorId),
          UpdateExpression: 'SET #token = :t, #version = :v1',
          ConditionExpression: '#status = :s AND #version = :v',
          ExpressionAttributeNames: { '#token': 'token', '#version': 'version', '#status': 'status' },
          ExpressionAttributeValues: { ':t': token, ':v': prev.version, ':v1': prev.version + 1, ':s': prev.status },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return strip(r.Attributes ?? {}) as StoredTask;
    } catch (e) {
      if (lostRace(e)) throw new ConcurrentUpdate(`task ${prev.taskId} changed concurrently; reload and retry`);
      throw e;
    }
  }

  /**
   * A bookkeeping write that removes attributes while `condition` holds: no version change, no audit
   * event. A condition no longer true (done already, or an intent recorded meanwhile) is no error.
   * `set`: assignments made in the same write.
   */
  /** True when the condition held and the attributes were removed. */
  protected removeWhen(Key: Record<string, string>, remove: string[], condition: string, names: Record<string, string>, values?: Record<string, unknown>, set?: string): Promise<boolean> {
    return this.updateWhen(Key, `REMOVE ${remove.join(', ')}${set ? ` SET ${set}` : ''}`, condition, names, values);
  }

  /** A bookkeeping update made while `condition` holds, as removeWhen; true when it held. */
  private async updateWhen(Key: Record<string, string>, update: string, condition: string, names: Record<string, string>, values?: Record<string, unknown>): Promise<boolean> {
    return this.db.send(new UpdateCommand({ TableName: this.table, Key, UpdateExpression: update, ConditionExpression: condition, ExpressionAttributeNames: names, ExpressionAttributeValues: values })).then(
      () => true,
      (e) => {
        if (!lostRace(e)) throw e;
        return false;
      },
    );
  }

  /**
   * Drops the mark that a task's token is owed to the workflow, once sent. Bookkeeping like the
   * outbox's: no version change and no audit event, so it never makes a processor's callback or
   * the sweeper lose a race. A mark already gone (the sweeper and the officer's action both sent it) is no error.
   * The task leaves the `token` partition of the watch index for the place its status gives it: none
   * for a resolved task; for one its processor answered late (receive.ts), its processor's answers, at
   * `answeredAt`, where the console's figures of the processor's answers read it.
   */
  async clearOwedToken(requestId: string, processorId: string, answeredAt?: string): Promise<void> {
    const names = { '#o': 'outboxToken', ...WATCH_NAMES };
    if (answeredAt) await this.removeWhen(key.task(requestId, processorId), ['#o'], 'attribute_exists(#o)', names, { ':w': WATCH.answered(processorId), ':a': answeredAt }, '#w = :w, #a = :a');
    else await this.removeWhen(key.task(requestId, processorId), ['#o', '#w', '#a'], 'attribute_exists(#o)', names);
  }

  /**
   * Takes over a manual processor's task's team email whose lease has run out (the Dispatch that
   * recorded it died): only one claimant wins, as claimDelivery for a request's.
   */
  async claimTaskTeam(requestId: string, processorId: string, next: Delivery, now: Date): Promise<boolean> {
    return this.claimTaskIntent(requestId, processorId, 'outboxTeam', next, now);
  }

  /** A task's intent whose lease has run out, taken over by one claimant only. */
  private claimTaskIntent(requestId: string, processorId: string, intent: 'outboxTeam' | 'outboxWebhook', next: Delivery, now: Date): Promise<boolean> {
    return this.updateDelivery(key.task(requestId, processorId), intent, next.seq, 'SET #k.#until = :until, #k.#owner = :owner', '#k.#until <= :now', {
      ':until': next.until,
      ':owner': next.owner,
      ':now': now.toISOString(),
    });
  }

  /**
   * Drops a task's team email `seq` once mailed (or owed no more), and puts the task back where its
   * status places it in the watch index. Bookkeeping: no version change, no audit event. A task
   * written since is read again (clearTaskIntent). False when the intent is gone or another.
   */
  async clearOwedTeam(task: StoredTask, seq: number): Promise<boolean> {
    return this.clearTaskIntent(task, 'outboxTeam', seq);
  }

  /**
   * Takes over an officer's retry's webhook whose lease has run out (the action that recorded it
   * died): only one claimant wins, as claimTaskTeam.
   */
  async claimTaskWebhook(requestId: string, processorId: string, next: Delivery, now: Date): Promise<boolean> {
    return this.claimTaskIntent(requestId, processorId, 'outboxWebhook', next, now);
  }

  /** Drops an officer's retry's webhook `seq` once sent (or owed no more), as clearOwedTeam its email. */
  async clearOwedWebhook(task: StoredTask, seq: number): Promise<boolean> {
    return this.clearTaskIntent(task, 'outboxWebhook', seq);
  }

  /**
   * The place is worked out from the task as read, so the write holds only while the task is still
   * that one: its version, and the other marks written without one (a token, a team email, a webhook,
   * the mark that nobody waits for it).
   */
  private async clearTaskIntent(task: StoredTask, kind: 'outboxTeam' | 'outboxWebhook', seq: number): Promise<boolean> {
    let t: StoredTask | undefined = task;
    for (let round = 0; round < 3 && t?.[kind]?.seq === seq; round++) {
      const { [kind]: _owed, ...rest } = t;
      const place = watchOf(rest, this.now().toISOString());
      const marks = (['outboxToken', 'outboxTeam', 'outboxWebhook'] as const).filter((m) => m !== kind);
      const names = { '#k': kind, '#seq': 'seq', '#v': 'version', '#m0': marks[0], '#m1': marks[1], '#u': UNWATCHED, ...WATCH_NAMES };
      const held = t;
      // The mark that nobody waits for the task is written without a version: a task read before it is read again.
      const condition = ['#k.#seq = :seq AND #v = :v', ...marks.map((m, i) => (held[m] ? `attribute_exists(#m${i})` : `attribute_not_exists(#m${i})`)), held.unwatchedAt ? 'attribute_exists(#u)' : 'attribute_not_exists(#u)'].join(' AND ');
      const values = { ':seq': seq, ':v': t.version, ...(place ? { ':w': place.watch, ':a': place.watchAt } : {}) };
      if (await this.removeWhen(key.task(t.requestId, t.processorId), place ? ['#k'] : ['#k', '#w', '#a'], condition, names, values, place ? '#w = :w, #a = :a' : undefined)) return true;
      t = await this.getTask(task.requestId, task.processorId);
    }
    return false;
  }

  /**
   * Drops the mark that a closed request's execution is owed a stop, once stopped. Bookkeeping, as
   * clearOwedToken: no version change, no audit event; a mark already gone is no error.
   */
  async clearOwedStop(id: string): Promise<void> {
    await this.clearClosing(id, 'outboxStop', 'purgeResults');
  }

  /**
   * Drops a closed request's owed deletion of its export results, once done and no callback can
   * write any more. Bookkeeping, as clearOwedStop.
   */
  async clearPurge(id: string): Promise<void> {
    await this.clearClosing(id, 'purgeResults', 'outboxStop');
  }

  /**
   * Drops a closed request's package key once the package is deleted, so that nothing presigns a link
   * to it. Bookkeeping, as clearPurge; a key already gone is no error.
   */
  async forgetExport(id: string): Promise<void> {
    await this.removeWhen(key.request(id), ['#e'], 'attribute_exists(#e)', { '#e': 'exportKey' });
  }

  /**
   * A closed request is in the watch index's `closed` partition while it owes its execution's stop
   * or its export results' deletion: clearing one takes it out of the index in the same write when
   * the other is not owed, and leaves it in when it is (a second write, once the first found it).
   */
  private async clearClosing(id: string, intent: 'outboxStop' | 'purgeResults', other: 'outboxStop' | 'purgeResults'): Promise<void> {
    const names = { '#i': intent, '#x': other, ...WATCH_NAMES };
    if (await this.removeWhen(key.request(id), ['#i', '#w', '#a'], 'attribute_exists(#i) AND attribute_not_exists(#x)', names)) return;
    await this.removeWhen(key.request(id), ['#i'], 'attribute_exists(#i)', { '#i': intent });
  }

  /**
   * Takes one use of a share of `limit` uses in any `seconds`, for each of `windows` at once (core/rate-limit.ts),
   * or says from when one is allowed. The item keeps, for each window, the uses per part of it and a
   * counter of the uses written since they were last counted: the first window `n` and `s<part>`, the
   * names a share had when it had only one, so that its items count on; the next `n1` and `s1_<part>`,
   * and so on. While every counter is below its limit, one more use is within them all whatever
   * their windows, so the use is one conditional write and nothing is read: a daily share costs no
   * request the hourly one did not make. At a limit, the item is read and written again whole, with
   * the parts that still count and this use, in one put conditional on the item as read (`n`, which
   * every use changes, and `v`, which every count does), or nothing is written when any window is
   * full: a refusal is not counted. A put, not an update that removes the parts that stopped counting
   * by name: those can be as many as the limit, and an expression naming each grew past DynamoDB's
   * 4 KB from about 500 of them; the put's expressions are the same at any limit.
   * An infinite `limit` (an officer's resend) is counted all the same, so that it counts against the rest.
   */
  async takeShare(scope: string, hash: string, windows: readonly Window[], now: Date): Promise<Share> {
    const k = key.rate(scope, hash);
    const at = windows.map((w, i) => ({ ...w, n: `n${i || ''}`, s: `s${i ? `${i}_` : ''}`, part: partOf(now, w.seconds) }));
    const added = at.flatMap((w) => [w.n, w.s + w.part]);
    // The item is kept until its last use stops counting in every window.
    const ttl = Math.ceil(Math.max(...at.map((w) => countsUntil(w.part, w.seconds).getTime())) / 1000) + 60;
    // Another use between the read and the write: try again, which after a count is most often the one write.
    // Still losing after every try, the share is at its limit under a storm of uses: this one is refused for
    // a minute, as a limit may be (a ConcurrentUpdate would reach a public form as a 409, which it never answers).
    return retryOnRace(async (): Promise<Share> => {
      try {
        await this.db.send(
          new UpdateCommand({
            TableName: this.table,
            Key: k,
            UpdateExpression: `ADD ${added.map((a) => `#${a} :one`).join(', ')} SET #ttl = :ttl`,
            // No limit (an officer's resend) is a limit no counter reaches: DynamoDB takes no Infinity.
            ConditionExpression: at.map(({ n }) => `(attribute_not_exists(#${n}) OR #${n} < :${n})`).join(' AND '),
            ExpressionAttributeNames: Object.fromEntries(['ttl', ...added].map((a) => [`#${a}`, a])),
            ExpressionAttributeValues: Object.fromEntries([[':one', 1], [':ttl', ttl], ...at.map((w) => [`:${w.n}`, Math.min(w.limit, Number.MAX_SAFE_INTEGER)])]),
          }),
        );
        return { allowed: true };
      } catch (e) {
        if (!lostRace(e)) throw e;
      }
      const item = (await this.db.send(new GetCommand({ TableName: this.table, Key: k, ConsistentRead: true }))).Item ?? {};
      const uses = at.map((w) => Object.fromEntries(Object.entries(item).flatMap(([a, n]) => (a.startsWith(w.s) && /^\d+$/.test(a.slice(w.s.length)) ? [[a.slice(w.s.length), Number(n)]] : []))));
      const { counts, share } = countShare(uses, now, windows);
      if (!share.allowed) return share;
      const next: Record<string, unknown> = { ...k, v: Number(item.v ?? 0) + 1, ttl };
      at.forEach((w, i) => {
        const stale = new Set(counts[i].stale);
        for (const [p, n] of Object.entries(uses[i])) if (!stale.has(Number(p))) next[w.s + p] = n;
        next[w.s + w.part] = (uses[i][w.part] ?? 0) + 1;
        next[w.n] = counts[i].used + 1;
      });
      try {
        await this.db.send(
          new PutCommand({
            TableName: this.table,
            Item: next,
            ConditionExpression: `#n = :read AND ${item.v === undefined ? 'attribute_not_exists(#v)' : '#v = :v'}`,
            ExpressionAttributeNames: { '#n': 'n', '#v': 'v' },
            ExpressionAttributeValues: { ':read': item.n ?? 0, ...(item.v === undefined ? {} : { ':v': item.v }) },
          }),
        );
      } catch (e) {
        throw lostRace(e) ? new ConcurrentUpdate(`share ${scope} kept changing`) : e;
      }
      return { allowed: true };
    }).catch((e: unknown) => {
      if (e instanceof ConcurrentUpdate) return { allowed: false, retryAt: new Date(now.getTime() + 60_000), full: [] } satisfies Share;
      throw e;
    });
  }



  /** An officer's Idempotency-Key (hashed with their name): the request it reserved, its receipt and its body's hash, until it expires (returned expired too, with its expiry). */
  async getLogKey(keyHash: string): Promise<{ requestId: string; bodyHash: string; receivedAt?: string; expiresAt: string } | undefined> {
    const r = await this.db.send(new GetCommand({ TableName: this.table, Key: key.logKey(keyHash), ConsistentRead: true }));
    if (!r.Item) return undefined;
    return { requestId: r.Item.requestId, bodyHash: r.Item.bodyHash, ...(r.Item.receivedAt ? { receivedAt: r.Item.receivedAt } : {}), expiresAt: new Date(Number(r.Item.ttl ?? 0) * 1000).toISOString() };
  }

  /**
   * A log's first write: claims the key for a new request id, the instant it was received (from which
   * its deadline runs, however late a retry writes the record) and the body it came with. It succeeds
   * only where no claim exists or the one there has expired (DynamoDB's TTL deletes late); of two
   * presses at once one wins, and the other finishes and answers its request.
   */
  async claimLogKey(keyHash: string, claim: { requestId: string; bodyHash: string; receivedAt: string }, now: Date, expiresAt: Date): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...key.logKey(keyHash), ...claim, claimedAt: now.toISOString(), ttl: epoch(expiresAt) },
          ConditionExpression: 'attribute_not_exists(pk) OR #ttl < :now',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':now': epoch(now) },
        }),
      );
      return true;
    } catch (e) {
      if (lostRace(e)) return false;
      throw e;
    }
  }

  /**
   * Takes over an undelivered email whose lease has run out (its writer finished badly or died):
   * only one claimant wins. See functions/core/outbox.ts.
   */
  async claimDelivery(requestId: string, kind: OutboxKind, next: Delivery, now: Date): Promise<boolean> {
    return this.claimOn(key.request(requestId), kind, next, now);
  }

  /** Takes over an item's delivery of `kind` whose lease has run out, under `next`: only one claimant wins. */
  protected claimOn(itemKey: { pk: string; sk: string }, kind: OutboxKind | 'outboxAck', next: Delivery, now: Date): Promise<boolean> {
    return this.updateDelivery(itemKey, kind, next.seq, 'SET #k.#until = :until, #k.#owner = :owner', '#k.#until <= :now', { ':until': next.until, ':owner': next.owner, ':now': now.toISOString() });
  }

  /** Puts an undelivered email off until `until`, for anyone to deliver then (a link over the address's hourly share). */
  async deferDelivery(requestId: string, kind: OutboxKind, seq: number, until: string): Promise<boolean> {
    return this.updateDelivery(key.request(requestId), kind, seq, 'SET #k.#until = :until, #k.#owner = :owner', undefined, { ':until': until, ':owner': '' });
  }

  /**
   * Marks an email delivered (removes its intent), with any bookkeeping in the same write; false if it was not that one.
   * `unmark`: the kind of the request's "mail failed" mark the email clears, in the same write (unmarking).
   */
  async clearDelivery(requestId: string, kind: OutboxKind, seq: number, set: Record<string, unknown> = {}, unmark?: MailFailure['kind']): Promise<boolean> {
    const names = Object.keys(set);
    const sets = names.map((_, i) => `#s${i} = :s${i}`);
    const setting = sets.length ? ` SET ${sets.join(', ')}` : '';
    // Out of the owed index with the intent, in the same write. (A request in the watch index for its
    // team email may still owe a failed copy's retry: the sweeper takes it out once it owes neither.)
    const values = Object.fromEntries(names.map((n, i) => [`:s${i}`, set[n]]));
    const setNames = Object.fromEntries(names.map((n, i) => [`#s${i}`, n]));
    const other = otherOwed(kind);
    return this.unmarking(requestId, unmark, async (m) => {
      if (!other) return this.updateDelivery(key.request(requestId), kind, seq, `REMOVE #k${m.remove}${setting}`, m.condition, { ...values, ...m.values }, { ...setNames, ...m.names });
      const index = { ...setNames, ...m.names, '#o': other, '#i0': TABLE.owed.partitionKey };
      // The other email, still owed, keeps the request listed, under its kind. Two rounds: the other
      // cleared between this clear's two writes fails both, and the second round's first one holds. A
      // stale clear (another number) fails all four, as it failed its one write before.
      for (let round = 0; round < 2; round++) {
        if (await this.updateDelivery(key.request(requestId), kind, seq, `REMOVE #k, #i0, #i1${m.remove}${setting}`, and('attribute_not_exists(#o)', m.condition), { ...values, ...m.values }, { ...index, '#i1': TABLE.owed.sortKey })) return true;
        if (await this.updateDelivery(key.request(requestId), kind, seq, `REMOVE #k${m.remove} SET ${['#i0 = :owed', ...sets].join(', ')}`, and('attribute_exists(#o)', m.condition), { ...values, ...m.values, ':owed': OWED_BY[other] }, index)) return true;
      }
      return false;
    });
  }

  /**
   * Strikes off the oldest of the notices owed before notice `seq` (`outboxNotice.earlier`), once
   * mailed: only while `left` of them are still there, so that two deliverers (a lease run out)
   * never strike off two for one mailed. False if it was not there to strike off. `unmark`: as clearDelivery's.
   */
  async strikeOffNotice(requestId: string, seq: number, left: number, unmark?: MailFailure['kind']): Promise<boolean> {
    return this.strikeOff(requestId, 'outboxNotice', seq, left, unmark);
  }

  /** Strikes off the oldest of the team's emails owed before email `seq` (`outboxTeam.earlier`), once mailed, as strikeOffNotice does. */
  async strikeOffTeam(requestId: string, seq: number, left: number, unmark?: MailFailure['kind']): Promise<boolean> {
    return this.strikeOff(requestId, 'outboxTeam', seq, left, unmark);
  }

  private strikeOff(requestId: string, kind: 'outboxNotice' | 'outboxTeam', seq: number, left: number, unmark: MailFailure['kind'] | undefined) {
    return this.unmarking(requestId, unmark, (m) =>
      this.updateDelivery(key.request(requestId), kind, seq, `${left > 1 ? 'REMOVE #k.#e[0]' : 'REMOVE #k.#e'}${m.remove}`, and('size(#k.#e) = :left', m.condition), { ':left': left, ...m.values }, { '#e': 'earlier', ...m.names }),
    );
  }

  /**
   * An outbox write that records an email sent (`write`), which clears the request's "mail failed"
   * mark of `unmark`'s kind with it: one write after the email, so that no crash between the mark's
   * clearing and the email's recording leaves it owed to be mailed again. No `unmark` (the request
   * read carried no mark of that kind): the write as it is. A mark changed since it was read (cleared,
   * or another email's) fails the write, which is made again without it; one that fails again was not
   * this deliverer's to record (another deliverer took it over, or a newer one is owed), but its email
   * went, so the mark of its kind goes all the same.
   */
  private async unmarking(requestId: string, unmark: MailFailure['kind'] | undefined, write: (m: Unmark) => Promise<boolean>): Promise<boolean> {
    if (!unmark) return write(KEEP_MARK);
    if ((await write(unmarkOf(unmark))) || (await write(KEEP_MARK))) return true;
    await this.clearMailFailed(requestId, unmark);
    return false;
  }

  /**
   * Outbox bookkeeping changes no status and appends no audit event, so it leaves the version alone:
   * a requester confirming at that very moment must not lose a race against their own email.
   */
  protected async updateDelivery(
    itemKey: { pk: string; sk: string },
    kind: OutboxKind | 'outboxAck' | 'outboxWebhook',
    seq: number,
    update: string,
    extraCondition: string | undefined,
    values: Record<string, unknown>,
    names: Record<string, string> = {},
  ): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: itemKey,
          UpdateExpression: update,
          ConditionExpression: `#k.#seq = :seq${extraCondition ? ` AND ${extraCondition}` : ''}`,
          ExpressionAttributeNames: { '#k': kind, '#seq': 'seq', ...(update.includes('#until') ? { '#until': 'until', '#owner': 'owner' } : {}), ...names },
          ExpressionAttributeValues: { ':seq': seq, ...values },
        }),
      );
      return true;
    } catch (e) {
      if (lostRace(e)) return false;
      throw e;
    }
  }

  /**
   * Records on the request that an email could not be sent. Bookkeeping like the outbox's: no
   * version change, so it never makes a requester's confirmation or the workflow lose a race. The
   * same write puts the request in the `failed` index, keyed by when it was first marked: a mark
   * recorded again (the sweeper retries every run) leaves the index's keys, and the index, alone.
   */
  async markMailFailed(requestId: string, failure: MailFailure): Promise<void> {
    await this.db
      .send(
        new UpdateCommand({
          TableName: this.table,
          Key: key.request(requestId),
          UpdateExpression: 'SET #m = :m, #f = :f, #fa = if_not_exists(#fa, :at)',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#m': 'mailFailed', ...FAILED_NAMES },
          ExpressionAttributeValues: { ':m': failure, ':f': FAILED_MAIL, ':at': failure.at },
        }),
      )
      .catch((e) => {
        if (!lostRace(e)) throw e;
      });
  }

  /** Clears the "mail failed" mark once an email of that kind has gone out; the request leaves the `failed` index with it. */
  async clearMailFailed(requestId: string, kind: MailFailure['kind']): Promise<void> {
    await this.removeWhen(key.request(requestId), ['#m', '#f', '#fa'], '#m.#k = :k', { '#m': 'mailFailed', '#k': 'kind', ...FAILED_NAMES }, { ':k': kind });
  }

  /**
   * The requests marked "mail failed" (the `failed` index, keys only), first marked first. The
   * index lags its table a moment: the caller reads each request and judges it by its mark.
   */
  async listMailFailed(): Promise<string[]> {
    const items = await this.queryAll({ IndexName: TABLE.failed.name, KeyConditionExpression: '#f = :f', ExpressionAttributeNames: { '#f': TABLE.failed.partitionKey }, ExpressionAttributeValues: { ':f': FAILED_MAIL } });
    return items.map((i) => String(i.pk).slice('REQ#'.length));
  }

  /** Unverified requests with a confirmation link still to mail (they expire after 7 days, so the list stays short). */
  async listPendingLinks(): Promise<StoredRequest[]> {
    const items = await this.queryAll({
      IndexName: TABLE.gsi1.name,
      KeyConditionExpression: 'gsi1pk = :p',
      FilterExpression: 'attribute_exists(outboxLink)',
      ExpressionAttributeValues: { ':p': 'STATUS#unverified' },
    });
    return items.filter((i) => this.live(i)).map((i) => strip(i) as StoredRequest);
  }

  /**
   * The requests that owe an email of this kind: the sparse `owed` index (keys only), and the marker
   * items that the owed index replaced on November 26, 2026. A marker written before an upgrade
   * still points the sweeper at an email owed then; markers expire by their TTL (90 days), so this
   * second read can go once every deployment is 90 days past that upgrade.
   */
  async listOwed(kind: OwedKind): Promise<{ requestId: string; at: string }[]> {
    const owed = await this.queryAll({ IndexName: TABLE.owed.name, KeyConditionExpression: '#o = :k', ExpressionAttributeNames: { '#o': TABLE.owed.partitionKey }, ExpressionAttributeValues: { ':k': kind } });
    const legacy = await this.queryAll({ KeyConditionExpression: 'pk = :pk AND begins_with(sk, :k)', ExpressionAttributeValues: { ':pk': 'OUTBOX', ':k': `${kind}#` } });
    const out = new Map(owed.map((i) => [String(i.pk).slice('REQ#'.length), String(i[TABLE.owed.sortKey])]));
    for (const m of legacy.filter((i) => this.live(i))) if (!out.has(String(m.requestId))) out.set(String(m.requestId), String(m.at));
    return [...out].map(([requestId, at]) => ({ requestId, at }));
  }

  /**
   * One partition of the `watch` index (table.ts), in order, page after page: `before`, only the
   * entries ordered before that instant (a key range); `newest`, only that many, the latest first.
   */
  async listWatch(partition: string, q: { before?: string; newest?: number } = {}): Promise<Watched[]> {
    const query = {
      IndexName: TABLE.watch.name,
      KeyConditionExpression: `#w = :w${q.before ? ' AND #a < :b' : ''}`,
      ExpressionAttributeNames: { '#w': TABLE.watch.partitionKey, ...(q.before ? { '#a': TABLE.watch.sortKey } : {}) },
      ExpressionAttributeValues: { ':w': partition, ...(q.before ? { ':b': q.before } : {}) },
    };
    const items = q.newest
      ? ((await this.db.send(new QueryCommand({ TableName: this.table, ...query, ScanIndexForward: false, Limit: q.newest }))).Items ?? [])
      : await this.queryAll(query);
    return items.map((i) => {
      const sk = String(i.sk);
      return { requestId: String(i.pk).slice('REQ#'.length), ...(sk.startsWith('TASK#') ? { processorId: sk.slice('TASK#'.length) } : {}), at: String(i[TABLE.watch.sortKey]), ...(i.sentAt ? { sentAt: String(i.sentAt) } : {}) };
    });
  }

  /**
   * Marks a task nobody waits for any more (its request was refused or cancelled: `unwatchedAt`) and
   * takes it out of the `watch` index, in one write: every later write of the task keeps it out of
   * the open and escalated partitions (watchOf), and one that read it before the mark loses its race
   * (transitionTask's and clearTaskIntent's conditions). A task that still owes the sweeper an intent
   * (a token to a stopped execution, a team email, a retry's webhook) is marked and left where the
   * sweeper finds it, which drops the intent (a closed request's is not delivered) and so takes the task
   * out; left unfound, the intent would stay on the record, neither delivered nor dropped. An answered
   * task keeps its place among its processor's answers. Bookkeeping, like the outbox's: no version
   * change, no audit event; a task that does not exist is not made.
   */
  async unwatchTask(requestId: string, processorId: string): Promise<void> {
    const k = key.task(requestId, processorId);
    const names = { '#u': UNWATCHED, '#s': 'status', '#o': 'outboxToken', '#t': 'outboxTeam', '#h': 'outboxWebhook', ...WATCH_NAMES };
    const values = { ':at': this.now().toISOString(), ...Object.fromEntries(WAITED_FOR.map((s, i) => [`:s${i}`, s])) };
    // Out of the index only where its status placed it: owing nothing, and in a status that asks for someone.
    const bare = `attribute_not_exists(#o) AND attribute_not_exists(#t) AND attribute_not_exists(#h) AND (${WAITED_FOR.map((_, i) => `#s = :s${i}`).join(' OR ')})`;
    const mark = '#u = if_not_exists(#u, :at)';
    const { '#w': _w, '#a': _a, ...unplaced } = names;
    // Two conditions that cannot both fail while the task exists, unless it changed between them: tried again then.
    for (let round = 0; round < 3; round++) {
      if (await this.removeWhen(k, ['#w', '#a'], `attribute_exists(#s) AND ${bare}`, names, values, mark)) return;
      if (await this.updateWhen(k, `SET ${mark}`, `attribute_exists(#s) AND NOT (${bare})`, unplaced, values)) return;
    }
  }

  /**
   * Puts in the `watch` index the request's tasks in flight, escalated or owing a token that were
   * written before the index existed, each in a write conditional on its status (a task that moved
   * meanwhile was placed by that write). Returns how many it placed. The index's other tasks need
   * nothing: the dashboard reads answered ones newest first, and those enter as they are answered.
   */
  async indexTasks(requestId: string): Promise<number> {
    const items = await this.queryAll({ KeyConditionExpression: 'pk = :pk AND begins_with(sk, :t)', ExpressionAttributeValues: { ':pk': `REQ#${requestId}`, ':t': 'TASK#' }, ConsistentRead: true });
    let placed = 0;
    for (const item of items) {
      const t = item as StoredTask & Record<string, unknown>;
      const w = watchOf(t, t.sentAt ?? t.finishedAt ?? this.now().toISOString());
      if (item[TABLE.watch.partitionKey] || !w || w.watch.startsWith('answered#')) continue;
      try {
        await this.db.send(
          new UpdateCommand({
            TableName: this.table,
            Key: key.task(t.requestId, t.processorId),
            UpdateExpression: 'SET #w = :w, #a = :a',
            // A task marked since it was read is left out (unwatchTask).
            ConditionExpression: '#status = :s AND attribute_not_exists(#w) AND attribute_not_exists(#u)',
            ExpressionAttributeNames: { '#w': TABLE.watch.partitionKey, '#a': TABLE.watch.sortKey, '#status': 'status', '#u': UNWATCHED },
            ExpressionAttributeValues: { ':w': w.watch, ':a': w.watchAt, ':s': t.status },
          }),
        );
        placed++;
      } catch (e) {
        if (!lostRace(e)) throw e;
      }
    }
    return placed;
  }

  /** Request records by id, a hundred a read (BatchGetItem); the ones that do not exist or have expired are left out. */
  async getRequests(ids: readonly string[], opts: { consistent?: boolean } = {}): Promise<StoredRequest[]> {
    const items = await this.batchGet([...new Set(ids)].map((id) => key.request(id)), opts.consistent);
    return items.map((i) => strip(i) as StoredRequest);
  }

  /** Task records by request and processor, a hundred a read; the ones that do not exist are left out. */
  async getTasks(refs: readonly { requestId: string; processorId: string }[], opts: { consistent?: boolean } = {}): Promise<StoredTask[]> {
    const items = await this.batchGet(refs.map((r) => key.task(r.requestId, r.processorId)), opts.consistent);
    return items.map((i) => strip(i) as StoredTask);
  }

  private async batchGet(keys: { pk: string; sk: string }[], consistent = false) {
    const out: Record<string, unknown>[] = [];
    for (let i = 0; i < keys.length; i += 100) {
      let pending: Record<string, unknown>[] = keys.slice(i, i + 100);
      for (let attempt = 0; pending.length; attempt++) {
        if (attempt === 8) throw new Error('DynamoDB kept keys unprocessed after retries');
        if (attempt) await new Promise((res) => setTimeout(res, 20 * 2 ** attempt));
        const r = await this.db.send(new BatchGetCommand({ RequestItems: { [this.table]: { Keys: pending, ConsistentRead: consistent } } }));
        out.push(...(r.Responses?.[this.table] ?? []).filter((item) => this.live(item)));
        pending = (r.UnprocessedKeys?.[this.table]?.Keys ?? []) as Record<string, unknown>[];
      }
    }
    return out;
  }

  protected async queryAll(q: Omit<ConstructorParameters<typeof QueryCommand>[0], 'TableName' | 'ExclusiveStartKey'>) {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const r = await this.db.send(new QueryCommand({ TableName: this.table, ...q, ExclusiveStartKey: start }));
      items.push(...(r.Items ?? []));
      start = r.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /** A new complaint with its first audit event and its acknowledgement owed (`outboxAck`), in one write. */
  async getComplaint(id: string): Promise<StoredComplaint | undefined> {
    const r = await this.db.send(new GetCommand({ TableName: this.table, Key: key.complaint(id), ConsistentRead: true }));
    const item = this.live(r.Item);
    return item ? (strip(item) as StoredComplaint) : undefined;
  }

  /** A complaint's status change: one conditional write on (status, version) that appends its audit event. */
  async transitionComplaint(
    prev: StoredComplaint,
    to: ComplaintStatus,
    changes: Partial<StoredComplaint>,
    event: AuditInput,
    opts: { ttl?: Date; remove?: string[] } = {},
  ): Promise<StoredComplaint> {
    const extra: Record<string, unknown> = { ...changes };
    if (opts.ttl) extra.ttl = epoch(opts.ttl);
    const { event: _ev, ...u } = statusUpdate(prev, to, extra, opts.remove ?? [], event);
    try {
      const r = await this.db.send(new UpdateCommand({ TableName: this.table, Key: key.complaint(prev.id), ...u }));
      return strip(r.Attributes ?? {}) as StoredComplaint;
    } catch (e) {
      if (lostRace(e)) throw new ConcurrentUpdate(`complaint ${prev.id} changed concurrently; reload and retry`);
      throw e;
    }
  }

  /**
   * Complaints newest first, a page at a time; `owed`: only those whose acknowledgement is still to
   * mail (the sweeper); `receivedFrom`/`receivedTo`: instants bounding the receipt (the report).
   */
  async listComplaints(q: { limit?: number; cursor?: string; owed?: boolean; receivedFrom?: string; receivedTo?: string } = {}): Promise<{ items: StoredComplaint[]; cursor?: string }> {
    const bounded = q.receivedFrom !== undefined && q.receivedTo !== undefined;
    const r = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: TABLE.gsi1.name,
        KeyConditionExpression: bounded ? 'gsi1pk = :p AND gsi1sk BETWEEN :lo AND :hi' : 'gsi1pk = :p',
        ...(q.owed ? { FilterExpression: 'attribute_exists(outboxAck)' } : {}),
        ExpressionAttributeValues: { ':p': COMPLAINTS, ...(bounded ? { ':lo': q.receivedFrom, ':hi': `${q.receivedTo}~` } : {}) },
        ScanIndexForward: false,
        Limit: q.limit ?? 100,
        ExclusiveStartKey: q.cursor ? decodeCursor(q.cursor, COMPLAINTS, bounded ? { from: q.receivedFrom, to: `${q.receivedTo}~` } : {}) : undefined,
      }),
    );
    return {
      items: (r.Items ?? []).filter((i) => this.live(i)).map((i) => strip(i) as StoredComplaint),
      cursor: r.LastEvaluatedKey ? Buffer.from(JSON.stringify(r.LastEvaluatedKey)).toString('base64url') : undefined,
    };
  }

  async putItem(item: Record<string, unknown>, ifAbsent = false): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({ TableName: this.table, Item: item, ...(ifAbsent ? { ConditionExpression: 'attribute_not_exists(pk)' } : {}) }),
      );
      return true;
    } catch (e) {
      if (lostRace(e)) return false;
      throw e;
    }
  }

  async getItem(k: { pk: string; sk: string }): Promise<Record<string, unknown> | undefined> {
    const r = await this.db.send(new GetCommand({ TableName: this.table, Key: k, ConsistentRead: true }));
    return this.live(r.Item);
  }

  /**
   * One status's requests in the status index's order, a page at a time; `dueFrom` and `dueBefore`,
   * inclusive bounds on the date the index orders them by (their deadline, or for one without, the
   * date received), are a key range.
   */
  async listRequests(q: { status: RequestStatus; dueFrom?: string; dueBefore?: string; limit?: number; cursor?: string }): Promise<RequestPage> {
    const range = q.dueFrom && q.dueBefore ? ' AND gsi1sk BETWEEN :f AND :d' : q.dueFrom ? ' AND gsi1sk >= :f' : q.dueBefore ? ' AND gsi1sk < :d' : '';
    const upTo = q.dueBefore ? `${q.dueBefore}#~` : undefined;
    const r = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: TABLE.gsi1.name,
        KeyConditionExpression: `gsi1pk = :p${range}`,
        ExpressionAttributeValues: { ':p': `STATUS#${q.status}`, ...(q.dueFrom ? { ':f': q.dueFrom } : {}), ...(upTo ? { ':d': upTo } : {}) },
        Limit: q.limit ?? 50,
        ExclusiveStartKey: q.cursor ? decodeCursor(q.cursor, `STATUS#${q.status}`, { from: q.dueFrom || undefined, ...(q.dueFrom ? { to: upTo } : { below: upTo }) }) : undefined,
      }),
    );
    return {
      // An expired unverified request may still be in the index: a page can come back short, with its cursor.
      items: (r.Items ?? []).filter((i) => this.live(i)).map((i) => strip(i) as StoredRequest),
      cursor: r.LastEvaluatedKey ? Buffer.from(JSON.stringify(r.LastEvaluatedKey)).toString('base64url') : undefined,
    };
  }

  /**
   * The requests whose email address or order number has this keyed HMAC, newest first (at most 100).
   * Only request records: complaints recorded before November 28, 2026 are in the byEmail index too
   * (StoredComplaint.emailHash), and are passed over, a few pages at most.
   */
  async findRequests(by: 'byEmail' | 'byOrder', hash: string): Promise<StoredRequest[]> {
    const index = TABLE[by];
    const keys: string[] = [];
    let start: Record<string, unknown> | undefined;
    for (let page = 0; page < FIND_PAGES && keys.length < FIND_LIMIT; page++) {
      const r = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: index.name,
          KeyConditionExpression: '#h = :h',
          FilterExpression: 'begins_with(#pk, :req)',
          ExpressionAttributeNames: { '#h': index.partitionKey, '#pk': 'pk' },
          ExpressionAttributeValues: { ':h': hash, ':req': 'REQ#' },
          ScanIndexForward: false,
          Limit: FIND_LIMIT,
          ExclusiveStartKey: start,
        }),
      );
      keys.push(...(r.Items ?? []).map((i) => String(i.pk).slice('REQ#'.length)));
      start = r.LastEvaluatedKey;
      if (!start) break;
    }
    const found = await Promise.all(keys.slice(0, FIND_LIMIT).map((id) => this.getRequest(id)));
    return found.filter((x): x is StoredRequest => Boolean(x));
  }

  /**
   * Deletes stored results that no task recorded (the caller knows none can record them any more).
   * Listed with when they were written, only if they were not written again since: a retry of their
   * callback may be about to record them. False when it was.
   */
  async deleteTaskResults(k: StoredResults): Promise<boolean> {
    return this.db
      .send(
        new DeleteCommand({
          TableName: this.table,
          Key: key.results(k),
          ...(k.writtenAt ? { ConditionExpression: 'writtenAt = :w', ExpressionAttributeValues: { ':w': k.writtenAt } } : {}),
        }),
      )
      .then(
        () => true,
        (e) => {
          if (!lostRace(e)) throw e;
          return false;
        },
      );
  }

  /**
   * The request's stored results, by key and time written (no body is returned): those its tasks
   * recorded and any that a callback wrote without recording them. Expired ones count as gone.
   */
  async listTaskResults(requestId: string): Promise<StoredResults[]> {
    const found: StoredResults[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const r = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :r)',
          ProjectionExpression: 'sk, writtenAt, #ttl',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':pk': `REQ#${requestId}`, ':r': 'RESULT#' },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of r.Items ?? []) {
        if (!this.live(item)) continue;
        const [, processorId, bodyHash] = String(item.sk).split('#');
        found.push({ requestId, processorId, ...(bodyHash ? { bodyHash } : {}), ...(item.writtenAt ? { writtenAt: String(item.writtenAt) } : {}) });
      }
      start = r.LastEvaluatedKey;
    } while (start);
    return found;
  }

  /** Brings an export result's expiry forward (to the download link's); nothing to do where it is gone already. */
  async expireTaskResults(k: ResultsKey, at: Date): Promise<void> {
    await this.db
      .send(
        new UpdateCommand({
          TableName: this.table,
          Key: key.results(k),
          UpdateExpression: 'SET #ttl = :t',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':t': epoch(at) },
        }),
      )
      .catch((e) => {
        if (!lostRace(e)) throw e;
      });
  }

  /** Stored export results, inline or as a URL for the assemble step to fetch (through the SSRF guard). */
  async getTaskResults(k: ResultsKey): Promise<{ results?: unknown; resultsUrl?: string } | undefined> {
    const r = await this.db.send(new GetCommand({ TableName: this.table, Key: key.results(k), ConsistentRead: true }));
    const item = this.live(r.Item);
    if (!item) return undefined;
    const body = JSON.parse(String(item.signedBody)) as { results?: unknown; results_url?: string };
    return { results: body.results, resultsUrl: body.results_url };
  }
}

/**
 * The repository with what the admin function never uses: Plan's tasks, a callback's results and its
 * refused answer's trail, and the sweeper's bookkeeping of a held copy made again and of the `watch`
 * index. A class of its own, because a bundle carries every method of a class it uses, and the admin
 * function is at its own-code budget (issue 15); the edge and the sweeper's repositories extend it.
 */
export class WorkflowRepository extends DynamoRepository implements Repository {
  async putTasksIfAbsent(tasks: StoredTask[], expiresAt?: Date): Promise<void> {
    // BatchWrite has no conditions, so callers check listTasks first; a re-run plan finds them there.
    for (let i = 0; i < tasks.length; i += 25) {
      let items: Record<string, unknown>[] = tasks.slice(i, i + 25).map((t) => ({
        PutRequest: { Item: { ...key.task(t.requestId, t.processorId), ...t, ...watchOf(t, this.now().toISOString()), ...(expiresAt ? { ttl: epoch(expiresAt) } : {}) } },
      }));
      for (let attempt = 0; items.length && attempt < 8; attempt++) {
        const r = await this.db.send(new BatchWriteCommand({ RequestItems: { [this.table]: items as never } }));
        items = (r.UnprocessedItems?.[this.table] ?? []) as Record<string, unknown>[];
        if (items.length) await new Promise((res) => setTimeout(res, 20 * 2 ** attempt));
      }
      if (items.length) throw new Error('DynamoDB kept tasks unprocessed after retries');
    }
  }

  /**
   * Appends an audit event to a task and changes nothing else (a refused, conflicting callback): its
   * place in the watch index included, which an event does not move. Until November 27, 2026 it was
   * placed again by its status, so that a task of a refused or cancelled request, taken out of the
   * index, went back in `open#<processor>` (the dashboard's count of that processor's open tasks) on
   * a callback answered 409.
   */
  async appendTaskEvent(prev: StoredTask, event: AuditInput): Promise<StoredTask> {
    const { event: _ev, ...u } = statusUpdate(prev, prev.status, {}, [], event);
    try {
      const r = await this.db.send(new UpdateCommand({ TableName: this.table, Key: key.task(prev.requestId, prev.processorId), ...u }));
      return strip(r.Attributes ?? {}) as StoredTask;
    } catch (e) {
      if (lostRace(e)) throw new ConcurrentUpdate(`task ${prev.taskId} changed concurrently; reload and retry`);
      throw e;
    }
  }

  /**
   * Claims a held copy's package to make again (as claimDelivery), counting the try in the same write:
   * a run that dies or runs out of time while making it has still used one (core/remake.ts).
   */
  async claimRemake(requestId: string, next: Delivery, now: Date): Promise<boolean> {
    return this.updateDelivery(
      key.request(requestId),
      'outboxRemake',
      next.seq,
      'SET #k.#until = :until, #k.#owner = :owner, #k.#tries = if_not_exists(#k.#tries, :none) + :one',
      '#k.#until <= :now',
      { ':until': next.until, ':owner': next.owner, ':now': now.toISOString(), ':none': 0, ':one': 1 },
      { '#tries': 'tries' },
    );
  }

  /**
   * Takes a request out of the `watch` index once it owes nothing of its partition (an intent dropped
   * in a bookkeeping write leaves the entry): in `request`, neither the team's email, nor a sweeper's
   * alert, nor a failed copy's retry, nor a held copy's package to make again; in `closed`, neither its execution's stop nor its export results' deletion (a
   * failed copy's mark left on a closed request asks for nothing). Conditional on that, so an intent
   * recorded meanwhile keeps it in.
   */
  async unwatchRequest(id: string): Promise<void> {
    const none = (keys: readonly string[]) => keys.map((k) => `attribute_not_exists(#${k})`).join(' AND ');
    await this.removeWhen(
      key.request(id),
      ['#w', '#a'],
      `attribute_exists(#w) AND ${none(WATCHED_BY.closed)} AND (#w = :closed OR (${none(WATCHED_BY.request)}))`,
      { ...WATCH_NAMES, ...Object.fromEntries([...WATCHED_BY.request, ...WATCHED_BY.closed].map((k) => [`#${k}`, k])) },
      { ':closed': WATCH.closed },
    );
  }

  /**
   * An export callback's signed bytes (they carry the results, which are personal data, or a
   * results_url): REQ#<id>/RESULT#<processorId>#<bodyHash>, one item per callback, apart from the
   * task record (which stays as proof) and expiring by TTL. Kept once, as signed, so that the item
   * stays under DynamoDB's 400 KB and the signature can be re-checked while it lives. Written before
   * the task's status changes; the same key always holds the same bytes, so a retry rewrites it as it
   * was, with its own `writtenAt`.
   */
  async putTaskResults(k: Required<ResultsKey>, signedBody: string, at: { writtenAt: Date; expiresAt: Date }): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: { ...key.results(k), signedBody, writtenAt: at.writtenAt.toISOString(), ttl: epoch(at.expiresAt) } }));
  }
}

/**
 * A complaint's acknowledgement delivered under a lease (shared/outbox.ts deliverComplaintAck): intake
 * mails it, the sweeper mails one left owed. The admin function, near its bundle's budget, never does,
 * and does not carry these.
 */
export class ComplaintAckRepository extends WorkflowRepository {
  /** Takes over a complaint's acknowledgement whose lease has run out (see claimDelivery). */
  async claimComplaintAck(id: string, next: Delivery, now: Date): Promise<boolean> {
    return this.claimOn(key.complaint(id), 'outboxAck', next, now);
  }

  /** Puts a complaint's acknowledgement off until `until`, for anyone to deliver then (over the address's hourly share). */
  async deferComplaintAck(id: string, seq: number, until: string): Promise<boolean> {
    return this.updateDelivery(key.complaint(id), 'outboxAck', seq, 'SET #k.#until = :until, #k.#owner = :owner', undefined, { ':until': until, ':owner': '' });
  }

  /** Marks a complaint's owed acknowledgement as counted against its address's share (StoredComplaint.outboxAck). */
  async countComplaintAck(id: string, seq: number): Promise<boolean> {
    return this.updateDelivery(key.complaint(id), 'outboxAck', seq, 'SET #k.#counted = :t', undefined, { ':t': true }, { '#counted': 'counted' });
  }

  /** Drops a complaint's owed acknowledgement (it went out, or the complaint was acknowledged another way). */
  async clearComplaintAck(id: string, seq: number): Promise<boolean> {
    return this.updateDelivery(key.complaint(id), 'outboxAck', seq, 'REMOVE #k', undefined, {});
  }
}

/**
 * The repository with what only the public edge functions use: intake's claims on an (email, type)
 * pair, and verify's rolling-window counter of password tries (it gives a try back when the shop's
 * account service fails). A class of its own, because a bundle carries every method of a class it
 * uses, and the functions that never use these (the admin function, at its own-code budget, above
 * all) would carry them too.
 */
export class EdgeRepository extends ComplaintAckRepository {
  /** A complaint with its acknowledgement owed, in one write conditional on its id: false, and nothing written, when it is recorded already (intake). */
  async createComplaint(c: StoredComplaint, expiresAt: Date): Promise<boolean> {
    // Never `emailHash`: that would list the complaint in the requests' byEmail index (StoredComplaint).
    const { emailHash: _, ...item } = c;
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...key.complaint(c.id), gsi1pk: COMPLAINTS, gsi1sk: `${c.receivedAt}#${c.id}`, ...item, ttl: epoch(expiresAt) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (e) {
      if (lostRace(e)) return false;
      throw e;
    }
  }

  /** The claim on an (email, type) pair: the request a submission for it belongs to, until it expires. */
  async getDedupe(emailHash: string, type: string): Promise<{ requestId: string; expiresAt: string } | undefined> {
    // An expired claim is returned with its expiry: intake treats it as free, and names it when it replaces it.
    const r = await this.db.send(new GetCommand({ TableName: this.table, Key: key.dedupe(emailHash, type), ConsistentRead: true }));
    return r.Item ? { requestId: r.Item.requestId, expiresAt: new Date(Number(r.Item.ttl ?? 0) * 1000).toISOString() } : undefined;
  }

  /**
   * Intake's first write: claims the (email, type) pair for a new request id. It succeeds only where
   * no claim exists, the claim has expired (DynamoDB's TTL deletes late), or the claim is still the
   * one the caller read (`replacing`: it points at a closed request). Of simultaneous submissions
   * exactly one wins; the others belong to its request and mail nothing of their own.
   */
  async claimDedupe(emailHash: string, type: string, requestId: string, now: Date, expiresAt: Date, replacing?: string): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...key.dedupe(emailHash, type), requestId, claimedAt: now.toISOString(), ttl: epoch(expiresAt) },
          ConditionExpression: `attribute_not_exists(pk) OR #ttl < :now${replacing ? ' OR requestId = :old' : ''}`,
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':now': epoch(now), ...(replacing ? { ':old': replacing } : {}) },
        }),
      );
      return true;
    } catch (e) {
      if (lostRace(e)) return false;
      throw e;
    }
  }

  /**
   * Rolling-window counter: at most `limit` uses in any `windowSeconds`, where a fixed window lets
   * twice the limit through either side of its edge. Returns the count with this use; past the limit
   * nothing is written, so a flood cannot grow the item. `by: -1` gives back the use taken at `now`.
   */
  async hitRolling(scope: string, hash: string, windowSeconds: number, limit: number, now: Date, by: 1 | -1 = 1): Promise<{ count: number }> {
    const k = key.rolling(scope, hash);
    const t = now.getTime();
    // Another use of the same address at the same moment: read again and count it in.
    return retryOnRace(async () => {
      const r = await this.db.send(new GetCommand({ TableName: this.table, Key: k, ConsistentRead: true }));
      const inWindow = ((r.Item?.at as number[] | undefined) ?? []).filter((u) => u > t - windowSeconds * 1000);
      let next: number[];
      if (by === 1) {
        if (inWindow.length >= limit) return { count: inWindow.length + 1 };
        next = [...inWindow, t];
      } else {
        const i = inWindow.lastIndexOf(t);
        if (i < 0) return { count: inWindow.length };
        next = inWindow.toSpliced(i, 1);
      }
      const version = Number(r.Item?.v ?? 0);
      try {
        await this.db.send(
          new PutCommand({
            TableName: this.table,
            Item: { ...k, at: next, v: version + 1, ttl: Math.ceil(t / 1000) + windowSeconds + 60 },
            ConditionExpression: r.Item ? 'v = :v' : 'attribute_not_exists(pk)',
            ...(r.Item ? { ExpressionAttributeValues: { ':v': version } } : {}),
          }),
        );
      } catch (e) {
        throw lostRace(e) ? new ConcurrentUpdate(`rolling counter ${scope} kept changing`) : e;
      }
      return { count: next.length };
    });
  }
}

/**
 * The repository with what only the sweeper uses: a complaint's alert to the team (sweeper/complaints.ts),
 * claimed and cleared as a request's (claimDelivery, clearDelivery). Apart, so that the admin
 * function, near its bundle's budget, does not carry it.
 */
export class SweeperRepository extends ComplaintAckRepository {
  async claimComplaintAlert(id: string, next: Delivery, now: Date): Promise<boolean> {
    return this.claimOn(key.complaint(id), 'outboxAlert', next, now);
  }

  async clearComplaintAlert(id: string, seq: number): Promise<boolean> {
    return this.updateDelivery(key.complaint(id), 'outboxAlert', seq, 'REMOVE #k', undefined, {});
  }
}

export type { PrivacyRequest, ProcessorTask };

/** The most UTF-8 bytes DynamoDB takes in a key's value: 2,048 in a partition key, 1,024 in a sort key (an index's as the table's); an empty one, none. */
const KEY_BYTES: Record<string, number> = { [TABLE.partitionKey]: 2048, [TABLE.sortKey]: 1024, [TABLE.gsi1.partitionKey]: 2048, [TABLE.gsi1.sortKey]: 1024 };

/**
 * A page cursor comes back from the browser: it must be a key this listing handed out (the index's
 * four key attributes, all strings DynamoDB takes as keys, for the same status, at a place within
 * the query's range of sort keys: from `from`, up to `to` inclusive or `below` exclusive), or it is a 400, never a DynamoDB
 * error. DynamoDB refuses a start key with an empty or oversized value, or outside the key
 * condition, with a ValidationException: until November 27, 2026 such a cursor was a 500.
 */
function decodeCursor(cursor: string, gsi1pk: string, range: { from?: string; to?: string; below?: string } = {}): Record<string, string> {
  const bad = () => new InvalidInput('invalid query', [{ path: 'cursor', message: 'not a cursor from this list' }]);
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  const names = Object.keys(KEY_BYTES).sort();
  if (!key || typeof key !== 'object' || Array.isArray(key)) throw bad();
  const k = key as Record<string, unknown>;
  if (JSON.stringify(Object.keys(k).sort()) !== JSON.stringify(names)) throw bad();
  if (Object.entries(k).some(([n, v]) => typeof v !== 'string' || v === '' || Buffer.byteLength(v) > KEY_BYTES[n])) throw bad();
  if (k[TABLE.gsi1.partitionKey] !== gsi1pk) throw bad();
  // The bounds are ASCII, so comparing UTF-16 units orders as DynamoDB's UTF-8 bytes do.
  const sk = k[TABLE.gsi1.sortKey] as string;
  if ((range.from !== undefined && sk < range.from) || (range.to !== undefined && sk > range.to) || (range.below !== undefined && sk >= range.below)) throw bad();
  return k as Record<string, string>;
}

/**
 * The repository Notify uses: the request and its tasks in one read, since they share a partition
 * (table.ts). The read it saves pays for the erasure's look for the person's earlier copies
 * (notify/copies.ts), so an erasure makes no more reads than before. A class of its own, as
 * EdgeRepository is, so that no other bundle carries it.
 */
export class NotifyRepository extends DynamoRepository {
  /** The request (unless gone or expired) and its tasks, read consistently: `REQUEST` and `TASK#…` sort after `PII` and around `RESULT#…`, which are passed over. */
  async requestAndTasks(id: string): Promise<{ req?: StoredRequest; tasks: StoredTask[] }> {
    const items = await this.queryAll({ KeyConditionExpression: 'pk = :pk AND sk >= :r', ExpressionAttributeValues: { ':pk': key.request(id).pk, ':r': 'REQUEST' }, ConsistentRead: true });
    const req = this.live(items.find((i) => i.sk === 'REQUEST'));
    return { req: req && (strip(req) as StoredRequest), tasks: items.filter((i) => String(i.sk).startsWith('TASK#')).map((i) => strip(i) as StoredTask) };
  }

  /**
   * The other requests of this email address's keyed hash (the byEmail index, keys only), read by key
   * and consistently, for a conditional write: an erasure of an address with no other request reads
   * nothing more than the index.
   */
  async otherRequestsOf(emailHash: string, except: string): Promise<StoredRequest[]> {
    const keys = await this.queryAll({ IndexName: TABLE.byEmail.name, KeyConditionExpression: '#h = :h', ExpressionAttributeNames: { '#h': TABLE.byEmail.partitionKey }, ExpressionAttributeValues: { ':h': emailHash } });
    const ids = keys.map((k) => String(k.pk)).filter((pk) => pk.startsWith('REQ#') && pk !== key.request(except).pk).map((pk) => pk.slice('REQ#'.length));
    return ids.length ? this.getRequests(ids, { consistent: true }) : [];
  }
}
