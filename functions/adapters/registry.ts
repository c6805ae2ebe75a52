import { GetObjectCommand } from '@aws-sdk/client-s3';
import { Registry } from '../core/model.ts';
import { s3 } from './clients/s3.ts';
import { config } from './config.ts';

/** Reads and validates the processor registry object; a bad registry fails the cold start loudly. */
export async function loadRegistry(bucket = config.REGISTRY_BUCKET, key = config.REGISTRY_KEY): Promise<Registry> {
  const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const text = (await r.Body?.transformToString()) ?? '';
  const parsed = Registry.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`processor registry s3://${bucket}/${key} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** Loaded once per execution environment, during init (top-level await in the ESM bundle). */
export const registry: Registry = await loadRegistry();
