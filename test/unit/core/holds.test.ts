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
  it('pads a single-digit day and month of the closure date', () => {
    expect(accountingUntil('2024-03-05')).toBe('2031-03-05');
    expect(accountingUntil('2024-12-31')).toBe('2031-12-31');
  });
  it.each([
    [
      { basis: 'accounting', until: '2031-03-05' },
      'fr',
      "Nous conservons vos commandes et factures jusqu'au 5 mars 2031, car la loi nous oblige à garder les documents comptables 7 ans après la fermeture d'un compte.",
    ],
    [
      { basis: 'accounting', until: null },
      'fr',
      'Nous conservons vos commandes et factures tant que votre compte est ouvert, puis 7 ans après sa fermeture, car la loi nous oblige à garder les documents comptables.',
    ],
    [
      { basis: 'accounting', until: '2031-03-05' },
      'en',
      'We keep your order and invoice records until 5 March 2031, because the law requires us to keep accounting records for 7 years after an account is closed.',
    ],
    [
      { basis: 'accounting', until: null },
      'en',
      'We keep your order and invoice records while your account is open and for 7 years after it closes, because the law requires us to keep accounting records.',
    ],
    [{ basis: 'lifetime_warranty', until: null }, 'fr', 'Nous conservons la preuve d’achat de vos produits garantis à vie, pour pouvoir honorer la garantie.'],
    [{ basis: 'lifetime_warranty', until: null }, 'en', 'We keep the proof of purchase of your lifetime-warranty products, so that we can honour the warranty.'],
  ] as const)('explains the hold %j in %s as the written sentence', (hold, lang, sentence) => {
    expect(describeHold(hold, lang)).toBe(sentence);
  });
  it('warns in each language that erased warranty records end warranty claims', () => {
    expect(warrantyWarning('fr')).toBe(
      'Comme vous l’avez demandé, nous avons aussi effacé vos achats garantis à vie : nous ne pourrons plus honorer de réclamation au titre de cette garantie.',
    );
    expect(warrantyWarning('en')).toBe(
      'As you asked, we also erased your lifetime-warranty purchase records: we can no longer honour warranty claims for those products.',
    );
  });
  it('explains each hold in plain French and English with the date', () => {
    expect(describeHold({ basis: 'accounting', until: '2031-03-15' }, 'en')).toContain('15 March 2031');
    expect(describeHold({ basis: 'accounting', until: '2031-03-15' }, 'fr')).toContain('15 mars 2031');
    expect(warrantyWarning('fr')).toContain('garantie');
  });
});
