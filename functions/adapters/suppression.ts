import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ObjectionScope } from '../core/model.ts';
import type { Mailer, MailKind } from '../core/ports.ts';
import { ddb } from './clients/dynamodb.ts';
import { config } from './config.ts';
import { key } from './table.ts';

/**
 * The suppression list: HMACs of normalised addresses that objected to marketing, review invitations
 * or profiling, or were erased; never the address. Each use is an attribute holding when it was first
 * suppressed, so an erasure after an objection adds to it and never takes anything away.
 */
export class SuppressionList {
  constructor(
    private readonly db: DynamoDBDocumentClient = ddb,
    private readonly table: string = config.TABLE_NAME,
  ) {}

  async add(emailHash: string, scopes: readonly ObjectionScope[], at: string): Promise<void> {
    if (!scopes.length) return;
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: key.suppress(emailHash),
        UpdateExpression: `SET ${scopes.map((_, i) => `#s${i} = if_not_exists(#s${i}, :at)`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(scopes.map((s, i) => [`#s${i}`, s])),
        ExpressionAttributeValues: { ':at': at },
      }),
    );
  }

  /** The uses this address is suppressed for. */
  async scopesOf(emailHash: string): Promise<ObjectionScope[]> {
    const r = await this.db.send(new GetCommand({ TableName: this.table, Key: key.suppress(emailHash), ConsistentRead: true }));
    return r.Item ? ObjectionScope.options.filter((s) => r.Item?.[s]) : [];
  }

  async has(emailHash: string): Promise<boolean> {
    return (await this.scopesOf(emailHash)).length > 0;
  }
}

/** Lets transactional and compliance mail through; refuses marketing mail to a suppressed address. */
export class SuppressingMailer implements Mailer {
  constructor(
    private readonly inner: Mailer,
    private readonly list: SuppressionList,
    private readonly hash: (email: string) => Promise<string>,
  ) {}

  async send(msg: { to: string; subject: string; text: string; html?: string; kind: MailKind }): Promise<void> {
    if (msg.kind === 'marketing' && (await this.list.scopesOf(await this.hash(msg.to))).includes('marketing')) return;
    await this.inner.send(msg);
  }
}
