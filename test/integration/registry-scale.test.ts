import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Registry } from '../../functions/core/model.ts';
import { ensureAssembly } from '../../local/assembly/synth.ts';
import { type Booted, boot, until } from './harness.ts';

const N = 50;
const base = JSON.parse(readFileSync('config/processors.json', 'utf8')) as Registry;
/** Fifty processors across the registry’s seven categories (the shop’s own systems among them), each as long-winded as a real registry entry. */
const fifty: Registry = {
  version: 1,
  processors: Array.from({ length: N }, (_, i) => {
    const p = base.processors[i % base.processors.length];
    const id = `${p.id}-${String(i).padStart(2, '0')}`;
    return { ...p, id, name: `${p.name} (entity ${i})`, endpoint: `https://privacy-api.${id}.example/lethe/v1/requests`, secretRef: `lethe/processors/${id}` };
  }),
};
const text = JSON.stringify(fifty, null, 2);
const file = join(tmpdir(), `lethe-registry-${N}-${createHash('sha256').update(text).digest('hex').slice(0, 12)}.json`);

let rt: Booted;
let dir: string;
beforeAll(async () => {
  writeFileSync(file, text);
  // Synthesized like any deploy, with the bigger registry: the environment budget check runs too.
  dir = ensureAssembly({ context: { registryFile: file } });
  rt = await boot({ assemblyDir: dir });
}, 180_000);
afterAll(async () => rt?.stopAndClean());

describe(`a registry of ${N} processors`, () => {
  it('synthesizes with every function environment under the budget, the registry out of it', () => {
    for (const f of rt.functions) {
      expect(f.environment.PROCESSOR_REGISTRY).toBeUndefined();
      expect(Buffer.byteLength(JSON.stringify(rt.assembly.template.Resources[f.logicalId].Properties?.Environment ?? {}))).toBeLessThan(2048);
    }
    expect(rt.registry.processors).toHaveLength(N);
  });

  it(`runs an erasure to completion across all ${N}, each state payload far under the 256 KB limit`, async () => {
    expect((await rt.submit({ type: 'erasure', email: 'alice@example.com', language: 'en' })).status).toBe(202);
    const links = await until(() => rt.links('alice@example.com').catch(() => undefined), 10_000, 'confirmation email');
    expect((await rt.confirm(links.token)).status).toBe(200);
    await until(async () => (await rt.status(links.requestId, links.statusToken)).status === 'completed', 60_000, 'request completed');
    const verified = rt.registry.processors.filter((p) => p.supports.includes('erasure'));
    // The shop's own entries are served by the demo account service, the others by the demo processors.
    const received = (id: string, shop: boolean) => (shop ? (rt.directory?.received ?? []).filter((w) => w.id.endsWith(`.${id}`)) : rt.processors.received(id));
    for (const p of verified) expect(received(p.id, p.category === 'shop').filter((w) => w.body?.subject_request_id === links.requestId && w.verified)).toHaveLength(1);
    const arn = rt.stateMachineArn.replace(':stateMachine:', ':execution:') + `:${links.requestId}`;
    const { events } = rt.engine.getExecutionHistory(arn, { maxResults: 100_000 });
    const payloads = events.flatMap((e) => Object.values(e).map((d) => (d as { input?: string; output?: string })?.output ?? (d as { input?: string })?.input ?? '')).map((s) => Buffer.byteLength(String(s)));
    const largest = Math.max(...payloads);
    // Printed for the README: Plan's output, the task list, is the largest payload and grows with N.
    console.log(`largest state payload with ${N} processors: ${largest} bytes`);
    expect(largest).toBeGreaterThan(N * 50);
    expect(largest).toBeLessThan(256 * 1024 / 10);
  }, 90_000);
});
