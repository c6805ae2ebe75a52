import { GetObjectCommand } from '@aws-sdk/client-s3';
import { Registry } from '../core/model.ts';
import { s3 } from './clients/s3.ts';
import { config } from './config.ts';

/** Reads and validates the processor registry object; a bad registry fails loudly. */
export async function loadRegistry(bucket = config.REGISTRY_BUCKET, key = config.REGISTRY_KEY): Promise<Registry> {
  const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const text = (await r.Body?.transformToString()) ?? '';
  const parsed = Registry.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`processor registry s3://${bucket}/${key} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

let once: Promise<Registry> | undefined;
/**
 * The registry, read the first time it is asked for and then kept for the execution environment.
 * For a function that needs it only on a rare path (Status, when it mails a fresh download link):
 * its cold start then reads nothing from S3.
 */
export function registryOnce(): Promise<Registry> {
  once ??= loadRegistry();
  once.catch(() => {
    once = undefined;
  });
  return once;
}
