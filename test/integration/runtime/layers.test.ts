import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Registry } from '../../../functions/core/model.ts';
import { type Booted, boot } from '../harness.ts';

/** Lambda extracts a function's layers under /opt; the runtime gives each function a copy of its own. */
let rt: Booted;
beforeAll(async () => {
  rt = await boot();
});
afterAll(async () => rt?.stopAndClean());

describe('the processor registry layer, as the local runtime mounts it', () => {
  it('gives every function that reads the registry the same copy, with the demo endpoints, and leaves the staged layer as it deploys', () => {
    const readers = rt.functions.filter((f) => f.environment.REGISTRY_FILE);
    expect(readers.map((f) => f.name).sort()).toEqual(['admin', 'assemble', 'callback', 'dispatch', 'escalate', 'notify', 'plan', 'status', 'sweeper']);
    const files = new Set(readers.map((f) => f.environment.REGISTRY_FILE));
    expect(files.size).toBe(1);
    const [file] = files;
    // /opt/lethe/processors.json, under this runtime's own directory.
    expect(file).toMatch(/[\\/]opt[\\/][0-9a-f]{16}[\\/]lethe[\\/]processors\.json$/);
    const mounted = JSON.parse(readFileSync(file, 'utf8')) as Registry;
    expect(mounted).toEqual(rt.registry);
    expect(mounted.processors.filter((p) => p.mode === 'automated').every((p) => p.endpoint?.startsWith('http://127.0.0.1:'))).toBe(true);

    const [[, layer]] = rt.assembly.resources('AWS::Lambda::LayerVersion').filter(([, r]) => /processor registry/.test(String(r.Properties?.Description)));
    const staged = JSON.parse(readFileSync(join(rt.assembly.assetDir(String(layer.Properties?.Content.S3Key)), 'lethe', 'processors.json'), 'utf8')) as Registry;
    expect(staged).toEqual(JSON.parse(readFileSync(join(import.meta.dirname, '../../../config/processors.json'), 'utf8')));
    expect(JSON.stringify(staged)).not.toContain('127.0.0.1');
  });
});
