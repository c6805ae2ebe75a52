import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { config } from './config.ts';

// Built once per container, outside the handler, so warm invocations reuse connections.
const region = config.AWS_REGION;
export const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ region, endpoint: config.DDB_ENDPOINT }), {
  marshallOptions: { removeUndefinedValues: true },
});
export const sfn = new SFNClient({ region, endpoint: config.SFN_ENDPOINT });
export const ses = new SESv2Client({ region, endpoint: config.SES_ENDPOINT });
export const s3 = new S3Client({ region, endpoint: config.S3_ENDPOINT, forcePathStyle: Boolean(config.S3_ENDPOINT) });
export const secrets = new SecretsManagerClient({ region, endpoint: config.SECRETS_ENDPOINT });
