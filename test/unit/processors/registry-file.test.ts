import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../../functions/adapters/registry-source.ts';

const dir = mkdtempSync(join(tmpdir(), 'lethe-registry-file-'));
const write = (name: string, body: unknown) => {
  const file = join(dir, name);
  writeFileSync(file, typeof body === 'string' ? body : JSON.stringify(body));
  return file;
};
const deployed = JSON.parse(readFileSync(new URL('../../../config/processors.json', import.meta.url), 'utf8'));

describe('reading the processor registry from its layer', () => {
  it('returns the registry the file holds, validated', () => {
    const r = loadRegistry(write('ok.json', deployed));
    expect(r.processors.map((p) => p.id)).toEqual(deployed.processors.map((p: { id: string }) => p.id));
  });

  it('fails with the file and the bad field, never with a half-read registry', () => {
    const bad = { ...deployed, processors: [{ ...deployed.processors[0], category: 'crm' }] };
    const file = write('bad.json', bad);
    expect(() => loadRegistry(file)).toThrow(new RegExp(`processor registry ${file} is invalid: processors\\.0\\.category`));
  });

  it('says which setting is missing when the function was not given the layer', () => {
    expect(() => loadRegistry('')).toThrow(/REGISTRY_FILE is not set/);
  });

  it('fails on a file that is not JSON', () => {
    expect(() => loadRegistry(write('torn.json', '{"version": 1, "proc'))).toThrow(SyntaxError);
  });
});
