import { SFNClient } from '@aws-sdk/client-sfn';
import { config } from '../config.ts';

export const sfn = new SFNClient({ region: config.AWS_REGION, endpoint: config.SFN_ENDPOINT });
