import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATEGORIES } from '../../../functions/core/model.ts';
import { DeployableRegistry } from '../../../functions/core/deployable-registry.ts';
import { ProcessorEntry, Registry } from '../../../functions/core/registry-schema.ts';
import { loadRegistry as synthRegistry } from '../../../infra/lethe-stack.ts';
import { demoSecrets, loadRegistry, localRegistry } from '../../../local/processors/registry.ts';
import { processor } from './fakes.ts';

const file = JSON.parse(readFileSync(new URL('../../../config/processors.json', import.meta.url), 'utf8'));
const EEA_REGIONS = /^eu-(west-1|central-1|north-1|south-1|south-2|central-2|west-3)$/;

describe('the processor registry (config/processors.json)', () => {
  it('is a valid, versioned registry', () => {
    const r = Registry.parse(file);
    expect(r.version).toBeGreaterThanOrEqual(1);
  });

  it('has at least one processor in each of the policy’s six categories', () => {
    const r = loadRegistry();
    for (const c of CATEGORIES) expect(r.processors.some((p) => p.category === c), c).toBe(true);
  });

  it('has both the newsletter tool and the review-invitation provider in the email category', () => {
    const email = loadRegistry().processors.filter((p) => p.category === 'email');
    expect(email.length).toBeGreaterThanOrEqual(2);
    expect(email.map((p) => p.name).join(' ')).toMatch(/Newsletter/i);
    expect(email.map((p) => p.name).join(' ')).toMatch(/Review/i);
    expect(email.every((p) => p.supports.includes('objection'))).toBe(true);
  });

  it('protects every transfer out of the UK with a UK mechanism: adequacy for the EEA, IDTA, UK Addendum or the data bridge beyond', () => {
    const r = loadRegistry();
    const safeguards = Object.fromEntries(r.processors.map((p) => [p.id, `${p.region} ${p.transferSafeguard}`]));
    expect(safeguards).toEqual({
      offtek: 'eu-west-2 none',
      paynow: 'eu-west-1 adequacy',
      parcelway: 'eu-west-2 none',
      metricsly: 'us-east-1 uk_us_data_bridge',
      mailwave: 'eu-central-1 adequacy',
      reviewly: 'us-west-2 idta',
      recoverco: 'eu-west-2 none',
      socialapp: 'us-east-1 uk_addendum',
    });
    for (const p of r.processors) {
      if (p.region === 'eu-west-2') expect(p.transferSafeguard, p.id).toBe('none');
      else if (EEA_REGIONS.test(p.region)) expect(p.transferSafeguard, p.id).toBe('adequacy');
      else expect(['idta', 'uk_addendum', 'uk_us_data_bridge'], p.id).toContain(p.transferSafeguard);
    }
  });

  it('refuses the EU clauses alone, which do not cover a transfer from the UK', () => {
    const entry = { ...loadRegistry().processors[0], transferSafeguard: 'sccs' };
    expect(() => Registry.parse({ version: 1, processors: [entry] })).toThrow(/transferSafeguard/);
  });

  it('uses https endpoints and Secrets Manager references, never a secret in the file', () => {
    for (const p of loadRegistry().processors) {
      expect(p.mode).toBe('automated'); // the demo stays automated; manual processors are covered below
      expect(new URL(p.endpoint ?? '').protocol).toBe('https:');
      expect(p.secretRef).toBe(`lethe/processors/${p.id}`);
    }
    expect(JSON.stringify(file)).not.toMatch(/whsec_/);
  });

  it('refuses an automated processor without endpoint, a heartbeat above the timeout, an unknown category, no identities', () => {
    const base = processor({ id: 'acme', category: 'payments' });
    expect(ProcessorEntry.safeParse({ ...base, endpoint: undefined }).success).toBe(false);
    expect(ProcessorEntry.safeParse({ ...base, heartbeatSeconds: 10, timeoutSeconds: 5 }).success).toBe(false);
    expect(ProcessorEntry.safeParse({ ...base, category: 'crm' }).success).toBe(false);
    expect(ProcessorEntry.safeParse({ ...base, identities: [] }).success).toBe(false);
  });

  it('refuses at synth, on the field, a heartbeat not smaller than the time-out, which Step Functions fails the whole execution for, and a time-out too short to leave room for one', () => {
    const base = { ...processor({ id: 'acme', category: 'payments' }), supports: ['access', 'erasure', 'rectification', 'restrict'] };
    const manual = { ...base, id: 'ledger-firm', mode: 'manual', endpoint: undefined, secretRef: undefined };
    const issues = (p: unknown) => {
      const x = ProcessorEntry.safeParse(p);
      return x.success ? [] : x.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    const notSmaller = 'heartbeatSeconds: heartbeatSeconds must be smaller than timeoutSeconds: Step Functions fails the whole execution otherwise';
    expect(issues({ ...base, heartbeatSeconds: 3600, timeoutSeconds: 3600 })).toEqual([notSmaller]);
    expect(issues({ ...base, heartbeatSeconds: 3601, timeoutSeconds: 3600 })).toEqual([notSmaller]);
    // A manual processor's task is given a heartbeat of its own below its time-out; its entry is held to the same rule.
    expect(issues({ ...manual, heartbeatSeconds: 3600, timeoutSeconds: 3600 })).toEqual([notSmaller]);
    expect(issues({ ...base, heartbeatSeconds: 1, timeoutSeconds: 1 })).toEqual(['timeoutSeconds: timeoutSeconds must be at least 2, to leave room for a heartbeat below it', notSmaller]);
    expect(issues({ ...base, heartbeatSeconds: 1, timeoutSeconds: 2 })).toEqual([]);
    expect(issues({ ...manual, heartbeatSeconds: 1, timeoutSeconds: 2 })).toEqual([]);
    const dir = mkdtempSync(join(tmpdir(), 'lethe-registry-'));
    writeFileSync(join(dir, 'processors.json'), JSON.stringify({ version: 1, processors: [{ ...base, heartbeatSeconds: 604_800, timeoutSeconds: 604_800 }] }));
    expect(() => synthRegistry(join(dir, 'processors.json'))).toThrow(/heartbeatSeconds must be smaller than timeoutSeconds/);
  });

  it('refuses at synth, naming it, a processor that cannot receive an erasure, or a correction of a field it holds (Art. 17(2), 19)', () => {
    const p = { ...processor({ id: 'acme', category: 'payments' }), supports: ['access', 'erasure', 'rectification', 'objection', 'restrict'] };
    const issues = (r: unknown) => {
      const x = DeployableRegistry.safeParse(r);
      return x.success ? [] : x.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(issues({ version: 1, processors: [p, { ...p, id: 'no-erase', supports: ['access', 'rectification', 'restrict'] }] })).toEqual([
      'processors.1.supports: processor no-erase must support erasure: every recipient is told of an erasure (Art. 17(2), 19)',
    ]);
    expect(issues({ version: 1, processors: [{ ...p, supports: ['access', 'erasure', 'restrict'], fields: ['phone'] }] })).toEqual([
      'processors.0.supports: processor acme holds phone and must support rectification: every recipient is told of a correction (Art. 19)',
    ]);
    // Holding no field a correction changes, it needs no correction.
    expect(issues({ version: 1, processors: [{ ...p, supports: ['access', 'erasure', 'restrict'], fields: [] }] })).toEqual([]);
    const dir = mkdtempSync(join(tmpdir(), 'lethe-registry-'));
    writeFileSync(join(dir, 'processors.json'), JSON.stringify({ version: 1, processors: [{ ...p, supports: ['access'] }] }));
    expect(() => synthRegistry(join(dir, 'processors.json'))).toThrow(/processor acme must support erasure/);
    expect(synthRegistry().processors.length).toBeGreaterThan(0);
  });

  it('refuses at synth, naming it, a use no objection reaches the processor’s category for', () => {
    const p = { ...processor({ id: 'acme', category: 'payments' }), supports: ['access', 'erasure', 'rectification', 'objection', 'restrict'] };
    const x = DeployableRegistry.safeParse({ version: 1, processors: [{ ...p, id: 'mail-co', category: 'email', uses: ['reviews'] }, { ...p, id: 'pay-co', uses: ['marketing'] }] });
    expect(x.success ? [] : x.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual(['processors.1.uses: processor pay-co is in the payments category, which no objection to marketing reaches']);
  });

  it('refuses at synth, naming it, a processor that cannot receive an access request, or that would not be sent the verified email', () => {
    const p = { ...processor({ id: 'acme', category: 'payments' }), supports: ['access', 'erasure', 'rectification', 'restrict'] };
    const x = DeployableRegistry.safeParse({ version: 1, processors: [p, { ...p, id: 'no-copy', supports: ['erasure', 'rectification', 'restrict'] }, { ...p, id: 'orders-only', identities: ['order_number'] }] });
    expect(x.success ? [] : x.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      "processors.1.supports: processor no-copy must support access: a copy of someone's data includes every recipient's part (Art. 15)",
      "processors.2.identities: processor orders-only must receive email: a request's verified email is the one identity every task can name",
    ]);
  });

  it('refuses at synth, naming it, a processor that cannot receive a restriction (Art. 18, 19)', () => {
    const p = { ...processor({ id: 'acme', category: 'payments' }), supports: ['access', 'erasure', 'rectification', 'restrict'] };
    const x = DeployableRegistry.safeParse({ version: 1, processors: [p, { ...p, id: 'no-restrict', supports: ['access', 'erasure', 'rectification'] }] });
    expect(x.success ? [] : x.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'processors.1.supports: processor no-restrict must support restrict: every recipient is told of a restriction (Art. 18, 19)',
    ]);
    expect(DeployableRegistry.safeParse(file).success).toBe(true);
  });

  it('refuses at synth, naming it, a processor an objection must reach (email, analytics and advertising, social apps) that cannot receive one (Art. 21(2)-(3))', () => {
    const p = { ...processor({ id: 'acme', category: 'payments' }), supports: ['access', 'erasure', 'rectification', 'restrict'] };
    const issues = (r: unknown) => {
      const x = DeployableRegistry.safeParse(r);
      return x.success ? [] : x.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(issues({ version: 1, processors: [p, { ...p, id: 'reviews-co', category: 'email' }, { ...p, id: 'ads-co', category: 'analytics' }, { ...p, id: 'friends', category: 'social' }] })).toEqual([
      'processors.1.supports: processor reviews-co is in the email category, which an objection reaches, and must support objection (Art. 21(2)-(3))',
      'processors.2.supports: processor ads-co is in the analytics category, which an objection reaches, and must support objection (Art. 21(2)-(3))',
      'processors.3.supports: processor friends is in the social category, which an objection reaches, and must support objection (Art. 21(2)-(3))',
    ]);
    // Payments (and delivery, collections, the shop) never receive an objection: they neither market nor profile.
    expect(issues({ version: 1, processors: [p] })).toEqual([]);
    expect(issues({ version: 1, processors: [{ ...p, id: 'reviews-co', category: 'email', supports: [...p.supports, 'objection'] }] })).toEqual([]);
  });

  it('refuses two processors with the same id', () => {
    const p = processor({ id: 'acme', category: 'payments' });
    expect(Registry.safeParse({ version: 1, processors: [p, { ...p, category: 'delivery' }] }).success).toBe(false);
  });

  it('accepts a manual processor with no endpoint or secret', () => {
    const manual = { ...processor({ id: 'ledger-firm', category: 'collections', mode: 'manual' }), endpoint: undefined, secretRef: undefined };
    expect(ProcessorEntry.safeParse(manual).success).toBe(true);
  });
});

describe('the local registry', () => {
  it('points each automated endpoint at its demo twin, keeping ids and secret references', () => {
    const base = loadRegistry();
    const local = localRegistry('http://127.0.0.1:4000');
    expect(local.version).toBe(base.version);
    expect(local.processors.map((p) => [p.id, p.secretRef])).toEqual(base.processors.map((p) => [p.id, p.secretRef]));
    for (const p of local.processors) expect(p.endpoint).toBe(`http://127.0.0.1:4000/${p.id}`);
  });

  it('leaves a manual processor without an endpoint', () => {
    const manual = { ...processor({ id: 'ledger-firm', category: 'collections', mode: 'manual' }), endpoint: undefined, secretRef: undefined };
    const local = localRegistry('http://127.0.0.1:4000', { version: 1, processors: [manual] });
    expect(local.processors[0].endpoint).toBeUndefined();
  });

  it('makes fresh Standard Webhooks secrets for every secret reference', () => {
    const a = demoSecrets();
    const b = demoSecrets();
    const refs = loadRegistry().processors.map((p) => p.secretRef);
    expect(Object.keys(a).sort()).toEqual([...refs].sort());
    for (const ref of Object.keys(a)) {
      expect(a[ref].secrets).toHaveLength(1);
      expect(a[ref].secrets[0]).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
      expect(a[ref].secrets[0]).not.toBe(b[ref].secrets[0]);
    }
  });
});
