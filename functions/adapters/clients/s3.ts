import { S3Client } from '@aws-sdk/client-s3';
import { config } from '../config.ts';

export const s3 = new S3Client({ region: config.AWS_REGION, endpoint: config.S3_ENDPOINT, forcePathStyle: Boolean(config.S3_ENDPOINT) });
