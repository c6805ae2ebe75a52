import { afterEach, describe, expect, it } from 'vitest';

/**
 * The form's and the status page's language switch (web/i18n.js, plain browser JavaScript), on a
 * document with just what apply() reads: the page's elements with a text, its <h1> among them.
 */
function page(h1Key: string, title: string) {
  const el = (key: string) => ({ dataset: { t: key }, textContent: '' });
  const h1 = el(h1Key);
  const texts = [el(h1Key), h1];
  const doc = {
    title,
    documentElement: { lang: 'fr' },
    querySelector: (s: string) => (s.startsWith('h1') ? h1 : null),
    querySelectorAll: (s: string) => (s === '[data-t]' ? texts : []),
  };
  (globalThis as { document?: unknown }).document = doc;
  return doc;
}

afterEach(() => {
  delete (globalThis as { document?: unknown }).document;
});

const { apply } = (await import('../../../web/i18n.js' as string)) as { apply: (lang: 'en' | 'fr') => void };

describe('the language switch of the requester’s pages', () => {
  it('titles the form in the language it shows', () => {
    const doc = page('title', 'Vos données personnelles — Offtek');
    apply('en');
    expect(doc.documentElement.lang).toBe('en');
    expect(doc.title).toBe('Your personal data — Offtek');
    apply('fr');
    expect(doc.title).toBe('Vos données personnelles — Offtek');
  });

  it('titles the status page in the language it shows', () => {
    const doc = page('statusTitle', 'Suivi de votre demande — Offtek');
    apply('en');
    expect(doc.title).toBe('Your request — Offtek');
  });
});
