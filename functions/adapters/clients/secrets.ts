import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { config } from '../config.ts';

export const secrets = new SecretsManagerClient({ region: config.AWS_REGION, endpoint: config.SECRETS_ENDPOINT });
