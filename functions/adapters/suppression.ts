import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Mailer, MailKind } from '../core/ports.ts';
import { ddb } from './clients/dynamodb.ts';
import { config } from './config.ts';
import { key } from './table.ts';

/** The suppression list: HMACs of normalised addresses that objected to marketing; never the address. */
export class SuppressionList {
  constructor(
    private readonly db: DynamoDBDocumentClient = ddb,
    private readonly table: string = config.TABLE_NAME,
  ) {}

  async add(emailHash: string, scopes: string[], at: string): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: { ...key.suppress(emailHash), scopes, at } }));
  }

  async has(emailHash: string): Promise<boolean> {
    const r = await this.db.send(new GetCommand({ TableName: this.table, Key: key.suppress(emailHash), ConsistentRead: true }));
    return Boolean(r.Item);
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
    if (msg.kind === 'marketing' && (await this.list.has(await this.hash(msg.to)))) return;
    await this.inner.send(msg);
  }
}
