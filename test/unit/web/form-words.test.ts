import { describe, expect, it } from 'vitest';

// The privacy form's words (web/i18n.js, plain browser JavaScript), as the browser loads them.
const { TEXT } = (await import('../../../web/i18n.js' as string)) as { TEXT: Record<'fr' | 'en', Record<string, string>> };

describe('the privacy form’s erasure choice', () => {
  it.each([
    [
      'fr',
      'Nous gardons seulement ce que notre politique conserve, et nous vous dirons quoi : les commandes et les factures, jusqu’à 7 ans après la fermeture du compte, pour respecter notre obligation légale de garder les documents comptables ; et la preuve d’achat de vos produits garantis à vie, pour pouvoir honorer la garantie, sauf si vous demandez aussi son effacement.',
    ],
    [
      'en',
      'We only keep what our policy keeps, and we will tell you what: order and invoice records, up to 7 years after the account closes, to meet our legal duty to keep accounting records; and the proof of purchase of your lifetime-warranty products, so that we can honour the warranty, unless you also ask us to erase it.',
    ],
  ] as const)('names both kinds of record an erasure keeps when the warranty box is left unticked, not the accounting records alone (%s)', (lang, hint) => {
    // Plan keeps warranty records in these categories unless the box is ticked (functions/core/holds.ts): "only" the accounting records was untrue.
    expect(TEXT[lang].erasureHint).toBe(hint);
  });
});
