import { describe, expect, it } from 'vitest';
import { accountingUntil, describeHold, holdsFor, warrantyWarning } from '../../../functions/core/holds.ts';

describe('legal holds (Art. 17(3))', () => {
  it('keeps accounting records 7 years after the account closed', () => {
    expect(holdsFor('collections', { eraseWarranty: false, accountClosedOn: '2024-03-15' })).toEqual([
      { basis: 'accounting', until: '2031-03-15', rule: 'account_closure_plus_7_years' },
    ]);
  });
  it('has no until-date while the account is open', () => {
    expect(accountingUntil(null)).toBeNull();
  });
  it('moves a 29 February closure to 28 February seven years on', () => {
    expect(accountingUntil('2024-02-29')).toBe('2031-02-28');
  });
  it('keeps warranty purchase records indefinitely unless the requester opted to erase them', () => {
    expect(holdsFor('delivery', { eraseWarranty: false, accountClosedOn: null })).toEqual([
      { basis: 'lifetime_warranty', until: null, rule: 'indefinite' },
    ]);
    expect(holdsFor('delivery', { eraseWarranty: true, accountClosedOn: null })).toEqual([]);
  });
  it('puts both holds on payments and none on marketing processors', () => {
    expect(holdsFor('payments', { eraseWarranty: false, accountClosedOn: null }).map((h) => h.basis)).toEqual(['accounting', 'lifetime_warranty']);
    for (const c of ['analytics', 'email', 'social'] as const) expect(holdsFor(c, { eraseWarranty: false, accountClosedOn: null })).toEqual([]);
  });
  it('explains each hold in plain French and English with the date', () => {
    expect(describeHold({ basis: 'accounting', until: '2031-03-15' }, 'en')).toContain('15 March 2031');
    expect(describeHold({ basis: 'accounting', until: '2031-03-15' }, 'fr')).toContain('15 mars 2031');
    expect(warrantyWarning('fr')).toContain('garantie');
  });
});
