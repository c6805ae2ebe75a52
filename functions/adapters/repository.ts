import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { type AuditInput, chain } from '../core/audit.ts';
import { ConcurrentUpdate, InvalidInput } from '../core/errors.ts';
import type { AuditEvent, PrivacyRequest, ProcessorTask, RequestStatus, TaskStatus } from '../core/model.ts';
import type { Pii, Repository, RequestPage, StoredRequest, StoredTask } from '../core/ports.ts';
import { ddb } from './clients/dynamodb.ts';
import { config } from './config.ts';
import { key, TABLE } from './table.ts';

const strip = <T extends Record<string, unknown>>(item: T) => {
  const { pk, sk, gsi1pk, gsi1sk, ttl, ...rest } = item;
  void pk, sk, gsi1pk, gsi1sk, ttl;
  return rest;
};

const gsi1 = (status: RequestStatus, r: Pick<PrivacyRequest, 'dueDate' | 'receivedAt' | 'id'>) => ({
  gsi1pk: `STATUS#${status}`,
  gsi1sk: `${r.dueDate ?? r.receivedAt.slice(0, 10)}#${r.id}`,
});

const epoch = (d: Date) => Math.floor(d.getTime() / 1000);

const lostRace = (e: unknown) => e instanceof ConditionalCheckFailedException || (e as Error)?.name === 'ConditionalCheckFailedException';

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

export class DynamoRepository implements Repository {
  constructor(
    private readonly db: DynamoDBDocumentClient = ddb,
    private readonly table: string = config.TABLE_NAME,
  ) {}

  async createRequest(req: StoredRequest, pii: Pii, piiExpiresAt: Date): Promise<void> {
    // Two single-item writes: the PII first, so a request record never points at missing contact data.
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...key.pii(req.id), ...pii, ttl: epoch(piiExpiresAt) },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...key.request(req.id), ...gsi1(req.status, req), ...req, ttl: epoch(piiExpiresAt) },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async getRequest(id: string): Promise<StoredRequest | undefined> {
    const r = await this.db.send(new GetCommand({ TableName: this.table, Key: key.request(id), ConsistentRead: true }));
    return r.Item ? (strip(r.Item) as StoredRequest) : undefined;
  }

  async getPii(id: string): Promise<Pii | undefined> {
    const r = await this.db.send(new GetCommand({ TableName: this.table, Key: key.pii(id) }));
    return r.Item ? (strip(r.Item) as Pii) : undefined;
  }

  async setPiiExpiry(id: string, expiresAt: Date): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: key.pii(id),
        UpdateExpression: 'SET #ttl = :t',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':t': epoch(expiresAt) },
      }),
    ).catch((e) => {
      if (!lostRace(e)) throw e; // already purged: nothing left to expire
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
    if (opts.ttl) extra.ttl = epoch(opts.ttl);
    const { event: _ev, ...u } = statusUpdate(prev, to, extra, [...(opts.removeTtl ? ['ttl'] : []), ...(opts.remove ?? [])], event);
    try {
      const r = await this.db.send(new UpdateCommand({ TableName: this.table, Key: key.request(prev.id), ...u }));
      return strip(r.Attributes ?? {}) as StoredRequest;
    } catch (e) {
      if (lostRace(e)) throw new ConcurrentUpdate(`request ${prev.id} changed concurrently; reload and retry`);
      throw e;
    }
  }

  /** Appends an audit event without a status change (admin notes, downloads, pauses). */
  async appendRequestEvent(prev: StoredRequest, changes: Record<string, unknown>, event: AuditInput): Promise<StoredRequest> {
    return this.transitionRequest(prev, prev.status, changes, event);
  }

  async putTasksIfAbsent(tasks: StoredTask[]): Promise<void> {
    // BatchWrite has no conditions, so callers check listTasks first; a re-run plan finds them there.
    for (let i = 0; i < tasks.length; i += 25) {
      let items: Record<string, unknown>[] = tasks.slice(i, i + 25).map((t) => ({
        PutRequest: { Item: { ...key.task(t.requestId, t.processorId), ...t } },
      }));
      for (let attempt = 0; items.length && attempt < 8; attempt++) {
        const r = await this.db.send(new BatchWriteCommand({ RequestItems: { [this.table]: items as never } }));
        items = (r.UnprocessedItems?.[this.table] ?? []) as Record<string, unknown>[];
        if (items.length) await new Promise((res) => setTimeout(res, 20 * 2 ** attempt));
      }
      if (items.length) throw new Error('DynamoDB kept tasks unprocessed after retries');
    }
  }

  async listTasks(requestId: string): Promise<StoredTask[]> {
    const r = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :t)',
        ExpressionAttributeValues: { ':pk': `REQ#${requestId}`, ':t': 'TASK#' },
        ConsistentRead: true,
      }),
    );
    return (r.Items ?? []).map((i) => strip(i) as StoredTask);
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
      const i = found.get(k.sk);
      return i && strip(i);
    };
    return { task: item(wanted[0]) as StoredTask | undefined, request: item(wanted[1]) as StoredRequest | undefined, pii: item(wanted[2]) as Pii | undefined };
  }

  async transitionTask(
    prev: StoredTask,
    to: TaskStatus,
    changes: Partial<StoredTask> & Record<string, unknown>,
    event: AuditInput,
  ): Promise<StoredTask> {
    const { event: _ev, ...u } = statusUpdate(prev, to, changes, [], event);
    try {
      const r = await this.db.send(
        new UpdateCommand({ TableName: this.table, Key: key.task(prev.requestId, prev.processorId), ...u }),
      );
      return strip(r.Attributes ?? {}) as StoredTask;
    } catch (e) {
      if (lostRace(e)) throw new ConcurrentUpdate(`task ${prev.taskId} changed concurrently; reload and retry`);
      throw e;
    }
  }

  /** Appends an audit event to a task without changing its status (e.g. a refused, conflicting callback). */
  async appendTaskEvent(prev: StoredTask, event: AuditInput): Promise<StoredTask> {
    return this.transitionTask(prev, prev.status, {}, event);
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

  /** Fixed-window counter; returns the count after this hit. */
  async hit(scope: string, hash: string, windowSeconds: number, now: Date): Promise<{ count: number; resetAt: number }> {
    const window = Math.floor(epoch(now) / windowSeconds);
    const resetAt = (window + 1) * windowSeconds;
    const r = await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: key.rate(scope, hash, window),
        UpdateExpression: 'ADD #n :one SET #ttl = :ttl',
        ExpressionAttributeNames: { '#n': 'n', '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':one': 1, ':ttl': resetAt + 60 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return { count: Number(r.Attributes?.n ?? 1), resetAt };
  }

  async getDedupe(emailHash: string, type: string): Promise<{ requestId: string; lastLinkAt: string } | undefined> {
    const r = await this.db.send(new GetCommand({ TableName: this.table, Key: key.dedupe(emailHash, type), ConsistentRead: true }));
    return r.Item ? { requestId: r.Item.requestId, lastLinkAt: r.Item.lastLinkAt } : undefined;
  }

  /** Claims the dedupe slot for a new request, or moves its link timestamp; false when another writer won. */
  async putDedupe(
    emailHash: string,
    type: string,
    value: { requestId: string; lastLinkAt: string },
    expect: { lastLinkAt: string } | undefined,
    expiresAt: Date,
  ): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...key.dedupe(emailHash, type), ...value, ttl: epoch(expiresAt) },
          ...(expect
            ? { ConditionExpression: 'lastLinkAt = :l', ExpressionAttributeValues: { ':l': expect.lastLinkAt } }
            : { ConditionExpression: 'attribute_not_exists(pk)' }),
        }),
      );
      return true;
    } catch (e) {
      if (lostRace(e)) return false;
      throw e;
    }
  }

  async clearDedupe(emailHash: string, type: string, requestId: string): Promise<void> {
    await this.db
      .send(
        new UpdateCommand({
          TableName: this.table,
          Key: key.dedupe(emailHash, type),
          UpdateExpression: 'SET #ttl = :now',
          ConditionExpression: 'requestId = :id',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':id': requestId, ':now': 0 },
        }),
      )
      .catch((e) => {
        if (!lostRace(e)) throw e;
      });
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
    return r.Item;
  }

  async listRequests(q: { status: RequestStatus; dueBefore?: string; limit?: number; cursor?: string }): Promise<RequestPage> {
    const r = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: TABLE.gsi1.name,
        KeyConditionExpression: q.dueBefore ? 'gsi1pk = :p AND gsi1sk < :d' : 'gsi1pk = :p',
        ExpressionAttributeValues: { ':p': `STATUS#${q.status}`, ...(q.dueBefore ? { ':d': `${q.dueBefore}#~` } : {}) },
        Limit: q.limit ?? 50,
        ExclusiveStartKey: q.cursor ? decodeCursor(q.cursor, `STATUS#${q.status}`) : undefined,
      }),
    );
    return {
      items: (r.Items ?? []).map((i) => strip(i) as StoredRequest),
      cursor: r.LastEvaluatedKey ? Buffer.from(JSON.stringify(r.LastEvaluatedKey)).toString('base64url') : undefined,
    };
  }

  /**
   * An export callback's signed bytes (they carry the results, which are personal data, or a
   * results_url): REQ#<id>/RESULT#<processorId>, apart from the task record (which stays as proof)
   * and expiring by TTL. Kept once, as signed, so that the item stays under DynamoDB's 400 KB and
   * the signature can be re-checked while it lives. Written before the task's status changes.
   */
  async putTaskResults(requestId: string, processorId: string, signedBody: string, expiresAt: Date): Promise<void> {
    await this.db.send(
      new PutCommand({ TableName: this.table, Item: { pk: `REQ#${requestId}`, sk: `RESULT#${processorId}`, signedBody, ttl: epoch(expiresAt) } }),
    );
  }

  /** The export results of a completed task, inline or as a URL for the assemble step to fetch (through the SSRF guard). */
  async getTaskResults(requestId: string, processorId: string): Promise<{ results?: unknown; resultsUrl?: string } | undefined> {
    const r = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: `REQ#${requestId}`, sk: `RESULT#${processorId}` }, ConsistentRead: true }));
    if (!r.Item) return undefined;
    const body = JSON.parse(String(r.Item.signedBody)) as { results?: unknown; results_url?: string };
    return { results: body.results, resultsUrl: body.results_url };
  }
}

export type { PrivacyRequest, ProcessorTask };

/**
 * A page cursor comes back from the browser: it must be a key this listing handed out (the index's
 * four key attributes, all strings, for the same status), or it is a 400, never a DynamoDB error.
 */
function decodeCursor(cursor: string, gsi1pk: string): Record<string, string> {
  const bad = () => new InvalidInput('invalid query', [{ path: 'cursor', message: 'not a cursor from this list' }]);
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  const names = [TABLE.partitionKey, TABLE.sortKey, TABLE.gsi1.partitionKey, TABLE.gsi1.sortKey].sort();
  if (!key || typeof key !== 'object' || Array.isArray(key)) throw bad();
  const k = key as Record<string, unknown>;
  if (JSON.stringify(Object.keys(k).sort()) !== JSON.stringify(names) || Object.values(k).some((v) => typeof v !== 'string' || v.length > 1024)) throw bad();
  if (k[TABLE.gsi1.partitionKey] !== gsi1pk) throw bad();
  return k as Record<string, string>;
}
