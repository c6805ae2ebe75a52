import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { config } from '../config.ts';

// One module per client: a function loads only the SDK clients it uses (cold start, bundle size).
export const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ region: config.AWS_REGION, endpoint: config.DDB_ENDPOINT }), {
  marshallOptions: { removeUndefinedValues: true },
});
