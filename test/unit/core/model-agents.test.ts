import { describe, expect, it } from 'vitest';
import { Agent, RetentionBasis } from '../../../functions/core/model.ts';
import * as z from '../../../functions/core/zod.ts';

const ok = (schema: z.core.$ZodType, v: unknown) => z.safeParse(schema, v).success;

describe('an authorised agent, as recorded on a request', () => {
  it('is a solicitor, a parent, an attorney or another authorised person, with one of four kinds of proof', () => {
    for (const relationship of ['solicitor', 'parent', 'attorney', 'other']) {
      for (const proof of ['signed_authority', 'power_of_attorney', 'parental_responsibility', 'court_order']) {
        expect(ok(Agent, { relationship, proof }), `${relationship} with ${proof}`).toBe(true);
      }
    }
  });

  it('is refused with any other relationship or proof, or with anything more (a name, an address)', () => {
    expect(ok(Agent, { relationship: 'cousin', proof: 'signed_authority' })).toBe(false);
    expect(ok(Agent, { relationship: '', proof: 'signed_authority' })).toBe(false);
    expect(ok(Agent, { relationship: 'solicitor', proof: 'a feeling' })).toBe(false);
    expect(ok(Agent, { relationship: 'solicitor', proof: 'signed_authority', name: 'Bo Lawson' })).toBe(false);
  });
});

describe('the bases for keeping records instead of erasing them', () => {
  it('are accounting, a lifetime warranty, legal claims and a legal obligation, and nothing else', () => {
    for (const basis of ['accounting', 'lifetime_warranty', 'legal_claims', 'legal_obligation']) expect(ok(RetentionBasis, basis), basis).toBe(true);
    for (const basis of ['', 'marketing', 'ACCOUNTING']) expect(ok(RetentionBasis, basis), basis).toBe(false);
  });
});
