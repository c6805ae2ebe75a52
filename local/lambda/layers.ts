import { createHash } from 'node:crypto';
import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Lambda extracts a function's layers, in order, under /opt. Worker threads (and the bench's
 * processes) share one file system, so each distinct list of layers is copied once into a directory
 * under `optRoot` (which the caller empties), and the returned function maps a path under /opt to the
 * same path there: what a function's environment names, it finds.
 */
export function mountLayers(optRoot: string, layerDirs: string[]): (value: string) => string {
  if (layerDirs.length === 0) return (v) => v;
  const opt = join(optRoot, createHash('sha256').update(layerDirs.join('\n')).digest('hex').slice(0, 16));
  if (!existsSync(opt)) for (const d of layerDirs) cpSync(d, opt, { recursive: true });
  return (v) => v.replace(/^\/opt(?=\/|$)/, opt);
}
