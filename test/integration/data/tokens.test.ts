import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VerificationTokens } from '../../../functions/adapters/tokens.ts';
import { LOCAL_CREDENTIALS } from '../../../local/services/credentials.ts';
import { ensureTable, startDynamo } from '../../../local/services/dynamo.ts';
import { tableDefinition } from '../../support/assembly.ts';

let dir: string;
let dynamo: Awaited<ReturnType<typeof startDynamo>>;
let tokens: VerificationTokens;
// Links are judged on this clock: 20 March 2026, 10:00 UTC, then later.
let now = new Date('2026-03-20T10:00:00.000Z');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lethe-tokens-'));
  dynamo = await startDynamo(dir);
  await ensureTable(dynamo.endpoint, 'lethe-test', tableDefinition());
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'eu-west-2', credentials: LOCAL_CREDENTIALS }));
  tokens = new VerificationTokens(db, 'lethe-test', () => now);
});
afterAll(async () => {
  await dynamo?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a confirmation link’s record', () => {
  it('works for 24 hours from the mail that carried it when it is mailed again, a day after the mail service refused it, and keeps its count of wrong passwords', async () => {
    // Recorded as the first mail was handed to SES, which refused it (an account paused for sending, say).
    await tokens.issue('link-a', { requestId: 'r1', expiresAt: '2026-03-21T10:00:00.000Z' });
    await tokens.countAttempt('link-a');
    // The sweeper mails the same link (its secret is derived) once SES takes mail again, 30 hours on.
    now = new Date('2026-03-21T16:00:00.000Z');
    await tokens.issue('link-a', { requestId: 'r1', expiresAt: '2026-03-22T16:00:00.000Z' });
    expect(await tokens.get('link-a')).toEqual({ requestId: 'r1', expiresAt: '2026-03-22T16:00:00.000Z', attempts: 1 });
  });
});
