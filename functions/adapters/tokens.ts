import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ddb } from './clients/dynamodb.ts';
import { config } from './config.ts';
import { expired, key } from './table.ts';

export type VerifyRecord = { requestId: string; expiresAt: string; attempts: number };

/**
 * How long a link is remembered after its expiry, to answer "already confirmed" when it is opened
 * again: whether it was used is read from its request (verify/confirm.ts), so confirming writes
 * nothing here, and the record's TTL is set when the link is mailed.
 */
export const USED_LINK_KEPT_DAYS = 30;

/** Verification tokens, stored only as their SHA-256; single use, with a bounded number of attempts. */
export class VerificationTokens {
  constructor(
    private readonly db: DynamoDBDocumentClient = ddb,
    private readonly table: string = config.TABLE_NAME,
    /** The clock expiry is judged by: a record past its `ttl` is gone, whether or not DynamoDB has deleted it yet. */
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Records a link as mailed now (its token is derived, shared/crypto.ts): valid until `expiresAt`,
   * 24 hours from this mail. Mailing the same link again (a retry, the sweeper once the mail service
   * takes mail again) keeps its count of wrong passwords and gives it its hours from the mail that
   * goes: kept from the first try, a link mailed a day after SES refused it arrived expired.
   */
  async issue(tokenHash: string, rec: Omit<VerifyRecord, 'attempts'>): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: key.verify(tokenHash),
        // No count is written: a missing one is none (get, and countAttempt's ADD), and one there is kept.
        UpdateExpression: 'SET requestId = :r, expiresAt = :e, #ttl = :t',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':r': rec.requestId, ':e': rec.expiresAt, ':t': Math.floor(Date.parse(rec.expiresAt) / 1000) + USED_LINK_KEPT_DAYS * 86_400 },
      }),
    );
  }

  async get(tokenHash: string): Promise<VerifyRecord | undefined> {
    const r = await this.db.send(new GetCommand({ TableName: this.table, Key: key.verify(tokenHash), ConsistentRead: true }));
    return r.Item && !expired(r.Item, this.now()) ? { requestId: r.Item.requestId, expiresAt: r.Item.expiresAt, attempts: r.Item.attempts ?? 0 } : undefined;
  }

  /**
   * Counts a password attempt before it is checked, so that attempts arriving at once each get a
   * number of their own; returns the new count. `by: -1` gives back one that could not be checked.
   */
  async countAttempt(tokenHash: string, by: 1 | -1 = 1): Promise<number> {
    const r = await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: key.verify(tokenHash),
        UpdateExpression: 'ADD attempts :by',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':by': by },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(r.Attributes?.attempts ?? 0);
  }
}
