import { describe, expect, it } from 'vitest';

type Texts = { retained: Record<'accounting' | 'lifetime_warranty', string>; states: Record<string, string> };
// The status page's own texts (web/i18n.js, plain browser JavaScript), as the browser loads them.
const { TEXT } = (await import('../../../web/i18n.js' as string)) as { TEXT: Record<'en' | 'fr', Texts> };

describe('the status page’s words for kept records', () => {
  it('labels warranty retention as the customer’s choice and accounting retention as the policy meeting a legal duty', () => {
    expect(TEXT.en.retained).toEqual({ accounting: 'Kept: our policy keeps accounting records to meet our legal duty', lifetime_warranty: 'Kept at your choice: lifetime-warranty proof of purchase' });
    expect(TEXT.fr.retained.lifetime_warranty).toBe('Conservé à votre choix : preuve d’achat de la garantie à vie');
    // No kept record is called a legal obligation on its own.
    for (const lang of ['en', 'fr'] as const) expect(TEXT[lang].states.retained).not.toMatch(/legal|légale/);
  });
});
