import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll } from 'vitest';

/**
 * Runs before each runtime test file (vitest.config.ts: the runtime project shares a worker between
 * files, as the unit project does), and its hooks after the file's own. A runtime puts back on stop the
 * settings it wrote into `process.env` (local/runtime.ts); what no stop can put back is checked here.
 *
 * An SDK client mocked by class (aws-sdk-client-mock's `mockClient(Class)` puts a `send` of its own
 * on the class's prototype) stays mocked for every later file in the worker, which then reads its
 * runtime's secrets or tables through the mock: the file that mocked it must restore it.
 */
const CLIENTS = { DynamoDBClient, DynamoDBDocumentClient, S3Client, SecretsManagerClient, SESv2Client, SFNClient };
afterAll(() => {
  const mocked = Object.entries(CLIENTS).filter(([, c]) => Object.hasOwn(c.prototype, 'send'));
  if (mocked.length) throw new Error(`${mocked.map(([name]) => name).join(', ')} left mocked by this file: restore it in an afterAll (a later file in this worker would use the mock)`);
});
