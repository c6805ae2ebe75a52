import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { CustomerDirectory } from '../core/ports.ts';
import { ddb } from './clients/dynamodb.ts';
import { config } from './config.ts';
import { key } from './table.ts';

/**
 * The shop's customer directory. On AWS this adapter would call the shop's own account service;
 * here it reads CUSTOMER# items keyed by the HMAC of the email, which local/ seeds with demo customers.
 */
export class DynamoCustomerDirectory implements CustomerDirectory {
  constructor(
    private readonly db: DynamoDBDocumentClient = ddb,
    private readonly table: string = config.TABLE_NAME,
  ) {}

  async find(emailHash: string) {
    const r = await this.db.send(new GetCommand({ TableName: this.table, Key: key.customer(emailHash) }));
    if (!r.Item) return undefined;
    return { hasAccount: !r.Item.closedOn, closedOn: (r.Item.closedOn as string | undefined) ?? null, passwordHash: r.Item.passwordHash as string | undefined };
  }

  async put(emailHash: string, c: { passwordHash?: string; closedOn?: string | null; warrantyPurchases?: number }) {
    await this.db.send(new PutCommand({ TableName: this.table, Item: { ...key.customer(emailHash), ...c } }));
  }
}

const N = 16384;
export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  return `scrypt$${N}$${salt.toString('base64url')}$${scryptSync(password, salt, 32, { N }).toString('base64url')}`;
}

export function verifyPassword(password: string, stored: string | undefined): boolean {
  // Without a stored hash we still do the work, so the answer takes the same time either way.
  const [, n, salt, hash] = (stored ?? `scrypt$${N}$${'A'.repeat(22)}$${'A'.repeat(43)}`).split('$');
  const actual = scryptSync(password, Buffer.from(salt, 'base64url'), 32, { N: Number(n) });
  return Boolean(stored) && timingSafeEqual(actual, Buffer.from(hash, 'base64url'));
}
