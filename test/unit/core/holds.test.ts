import { describe, expect, it } from 'vitest';
import { accountingUntil, describeHold, holdsFor, longDate, warrantyWarning } from '../../../functions/core/holds.ts';
import { extensionNotice } from '../../../functions/core/notices.ts';

describe('legal holds (Art. 17(3))', () => {
  /** A customer as the directory describes them: closed on `closedOn` (or open), with orders, with or without a lifetime-warranty purchase. */
  const customer = (closedOn: string | null, lifetimeWarranty = true, accountingRecords = true) => ({ closedOn, accountingRecords, lifetimeWarranty });

  it('keeps accounting records 7 years after the account closed', () => {
    expect(holdsFor('collections', { eraseWarranty: false, customer: customer('2024-03-15'), today: '2026-03-02' })).toEqual([
      { basis: 'accounting', until: '2031-03-15', rule: 'account_closure_plus_7_years' },
    ]);
  });
  it('dates the accounting hold from the erasure when the erasure itself closes an open account', () => {
    expect(holdsFor('payments', { eraseWarranty: false, customer: customer(null, false), today: '2026-03-02' })).toEqual([
      { basis: 'accounting', until: '2033-03-02', rule: 'account_closure_plus_7_years' },
    ]);
  });
  it('sends no accounting hold once its until-date has passed', () => {
    // Closed 15 March 2019: kept until 15 March 2026, so an erasure planned the next day keeps nothing for accounting.
    expect(holdsFor('collections', { eraseWarranty: false, customer: customer('2019-03-15'), today: '2026-03-16' })).toEqual([]);
    expect(holdsFor('collections', { eraseWarranty: false, customer: customer('2019-03-15'), today: '2026-03-15' })).toEqual([
      { basis: 'accounting', until: '2026-03-15', rule: 'account_closure_plus_7_years' },
    ]);
  });
  it('sends no accounting hold for someone the shop keeps no orders or invoices of', () => {
    expect(holdsFor('payments', { eraseWarranty: false, customer: customer(null, false, false), today: '2026-03-02' })).toEqual([]);
    expect(holdsFor('collections', { eraseWarranty: false, customer: customer('2024-03-15', false, false), today: '2026-03-02' })).toEqual([]);
  });
  it('sends no hold at all for someone who is not a customer', () => {
    for (const c of ['shop', 'payments', 'delivery', 'collections'] as const) expect(holdsFor(c, { eraseWarranty: false, customer: undefined, today: '2026-03-02' })).toEqual([]);
  });
  it('has no until-date while the account is open', () => {
    expect(accountingUntil(null)).toBeNull();
  });
  it('moves a 29 February closure to 28 February seven years on', () => {
    expect(accountingUntil('2024-02-29')).toBe('2031-02-28');
  });
  it('keeps warranty purchase records indefinitely for a buyer of lifetime-warranty products, unless they opted to erase them', () => {
    expect(holdsFor('delivery', { eraseWarranty: false, customer: customer(null), today: '2026-03-02' })).toEqual([
      { basis: 'lifetime_warranty', until: null, rule: 'indefinite' },
    ]);
    expect(holdsFor('delivery', { eraseWarranty: true, customer: customer(null), today: '2026-03-02' })).toEqual([]);
  });
  it('sends no warranty hold for a customer who never bought a lifetime-warranty product', () => {
    expect(holdsFor('delivery', { eraseWarranty: false, customer: customer(null, false), today: '2026-03-02' })).toEqual([]);
  });
  it('puts both holds on the shop’s own systems and payments, and none on marketing processors', () => {
    expect(holdsFor('shop', { eraseWarranty: false, customer: customer(null), today: '2026-03-02' })).toEqual([
      { basis: 'accounting', until: '2033-03-02', rule: 'account_closure_plus_7_years' },
      { basis: 'lifetime_warranty', until: null, rule: 'indefinite' },
    ]);
    expect(holdsFor('payments', { eraseWarranty: false, customer: customer(null), today: '2026-03-02' }).map((h) => h.basis)).toEqual(['accounting', 'lifetime_warranty']);
    for (const c of ['analytics', 'email', 'social'] as const) expect(holdsFor(c, { eraseWarranty: false, customer: customer(null), today: '2026-03-02' })).toEqual([]);
  });
  it('tells the requester that warranty records are kept by their choice, not by law', () => {
    expect(describeHold({ basis: 'lifetime_warranty', until: null }, 'en')).toBe('As you chose to keep your lifetime warranty, we keep the proof of purchase of those products so that we can honour it. You can ask us to erase it too.');
  });
  it('pads a single-digit day and month of the closure date', () => {
    expect(accountingUntil('2024-03-05')).toBe('2031-03-05');
    expect(accountingUntil('2024-12-31')).toBe('2031-12-31');
  });
  it.each([
    [
      { basis: 'accounting', until: '2031-03-05' },
      'fr',
      "Notre politique conserve vos commandes et factures jusqu’au 5 mars 2031, pour respecter notre obligation légale de conserver les documents comptables.",
    ],
    [
      { basis: 'accounting', until: null },
      'fr',
      "Notre politique conserve vos commandes et factures tant que votre compte est ouvert, puis jusqu’à 7 ans après sa fermeture, pour respecter notre obligation légale de conserver les documents comptables.",
    ],
    [{ basis: 'accounting', until: '2031-03-05' }, 'en', 'Our policy keeps your order and invoice records until 5 March 2031, to meet our legal duty to keep accounting records.'],
    [
      { basis: 'accounting', until: null },
      'en',
      'Our policy keeps your order and invoice records while your account is open and up to 7 years after it closes, to meet our legal duty to keep accounting records.',
    ],
    [
      { basis: 'lifetime_warranty', until: null },
      'fr',
      'Comme vous avez choisi de garder votre garantie à vie, nous conservons la preuve d’achat de ces produits pour pouvoir l’honorer. Vous pouvez nous demander de l’effacer aussi.',
    ],
    [
      { basis: 'lifetime_warranty', until: null },
      'en',
      'As you chose to keep your lifetime warranty, we keep the proof of purchase of those products so that we can honour it. You can ask us to erase it too.',
    ],
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
    // The policy keeps them to meet a legal duty; it is not "the law requires 7 years after closure".
    expect(describeHold({ basis: 'accounting', until: '2031-03-15' }, 'en')).toBe('Our policy keeps your order and invoice records until 15 March 2031, to meet our legal duty to keep accounting records.');
    expect(describeHold({ basis: 'accounting', until: '2031-03-15' }, 'fr')).toBe("Notre politique conserve vos commandes et factures jusqu’au 15 mars 2031, pour respecter notre obligation légale de conserver les documents comptables.");
    expect(describeHold({ basis: 'accounting', until: null }, 'en')).toBe('Our policy keeps your order and invoice records while your account is open and up to 7 years after it closes, to meet our legal duty to keep accounting records.');
    expect(warrantyWarning('fr')).toContain('garantie');
  });
});

describe('a date in words', () => {
  it.each([
    ['2026-06-01', 'fr', '1er juin 2026'],
    ['2031-03-01', 'fr', '1er mars 2031'],
    ['2026-06-11', 'fr', '11 juin 2026'],
    ['2026-06-21', 'fr', '21 juin 2026'],
    ['2026-06-01', 'en', '1 June 2026'],
  ] as const)('writes %s in %s as “%s”: the first of the month is “1er” in French', (date, lang, words) => {
    expect(longDate(date, lang)).toBe(words);
  });

  it('gives a French requester a deadline on the first of the month as French writes it', () => {
    expect(extensionNotice('fr', 'R', { reason: 'Plusieurs prestataires', dueDate: '2026-06-01' }).text).toContain('Nouvelle date limite : 1er juin 2026.');
    expect(describeHold({ basis: 'accounting', until: '2033-03-01' }, 'fr')).toContain('jusqu’au 1er mars 2033,');
  });
});
