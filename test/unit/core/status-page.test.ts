import { describe, expect, it } from 'vitest';

type Texts = {
  retained: Record<'accounting' | 'lifetime_warranty' | 'legal_claims' | 'legal_obligation', string>;
  states: Record<string, string>;
  keptUntil: string;
  keptOpen: Record<'accounting' | 'lifetime_warranty', string>;
  keptNoEnd: string;
  someDone: string;
};
// The status page's own texts (web/i18n.js, plain browser JavaScript), as the browser loads them.
const { TEXT } = (await import('../../../web/i18n.js' as string)) as { TEXT: Record<'en' | 'fr', Texts> };

describe('the status page’s words for kept records', () => {
  it('labels warranty retention as the customer’s choice and accounting retention as the policy meeting a legal duty', () => {
    expect(TEXT.en.retained).toEqual({
      accounting: 'Kept: our policy keeps accounting records to meet our legal duty',
      lifetime_warranty: 'Kept at your choice: lifetime-warranty proof of purchase',
      legal_claims: 'Kept: to establish, exercise or defend legal claims',
      legal_obligation: 'Kept: to meet another legal obligation',
    });
    expect(TEXT.fr.retained.lifetime_warranty).toBe('Conservé à votre choix : preuve d’achat de la garantie à vie');
    // No kept record is called a legal obligation on its own.
    for (const lang of ['en', 'fr'] as const) expect(TEXT[lang].states.retained).not.toMatch(/legal|légale/);
  });

  it('names the two reasons an officer may record when resolving a task as kept, in both languages', () => {
    expect(TEXT.fr.retained.legal_claims).toBe('Conservé : pour la constatation, l’exercice ou la défense de droits en justice');
    expect(TEXT.fr.retained.legal_obligation).toBe('Conservé : pour respecter une autre obligation légale');
  });

  it('says until when each kept record is kept, as the outcome email does, and that the rest of a partly kept category is done', () => {
    expect([TEXT.en.keptUntil, TEXT.en.keptOpen, TEXT.en.keptNoEnd, TEXT.en.someDone]).toEqual([
      'until',
      { accounting: 'while your account is open, then up to 7 years after it closes', lifetime_warranty: 'for as long as the warranty runs' },
      'with no end date set',
      'Everything else: done',
    ]);
    expect([TEXT.fr.keptUntil, TEXT.fr.keptOpen, TEXT.fr.keptNoEnd, TEXT.fr.someDone]).toEqual([
      'jusqu’au',
      { accounting: 'tant que votre compte est ouvert, puis jusqu’à 7 ans après sa fermeture', lifetime_warranty: 'tant que dure la garantie' },
      'sans date de fin fixée',
      'Tout le reste : fait',
    ]);
  });
});
