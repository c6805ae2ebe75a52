import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { howToComplain } from '../../../functions/core/notices.ts';

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

const TEXTS = (await import('../../../web/i18n.js' as string)) as { apply: (lang: 'en' | 'fr') => void; TEXT: Record<'en' | 'fr', Record<string, unknown>> };
const { apply } = TEXTS;

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

describe('the requester’s pages before their script runs', () => {
  const web = (page: string) => readFileSync(join(import.meta.dirname, '../../../web', page), 'utf8');
  /** The complaint form's own French texts (web/complaint.js), ahead of the ones it shares with the form. */
  const complaintFrench = () => {
    const source = readFileSync(join(import.meta.dirname, '../../../web/complaint.js'), 'utf8');
    const fr = source.slice(source.indexOf('  fr: {'), source.indexOf('  en: {'));
    return Object.fromEntries([...fr.matchAll(/^ {4}(\w+): '(.*)',$/gm)].map(([, k, v]) => [k, v.replaceAll("\\'", "'")]));
  };

  it('hold in each element their script fills the French it fills it with, so the page reads the same without it', () => {
    const { TEXT } = TEXTS;
    const filled = (page: string, attr: string) => [...web(page).matchAll(new RegExp(`${attr}="(\\w+)"[^>]*>([^<]+)<`, 'g'))].map(([, key, text]) => ({ page, key, text }));
    const form = [...filled('index.html', 'data-t'), ...filled('status.html', 'data-t')];
    const complaint = filled('complaint.html', 'data-k');
    // The options of the agent's proof, and the headings of the boxes shown later, among others.
    expect(form.map((f) => f.key)).toEqual(expect.arrayContaining(['proofChoose', 'proofCourt', 'errorsTitle', 'sent', 'controllerTitle', 'progress']));
    expect(complaint.map((f) => f.key)).toEqual(expect.arrayContaining(['errorsTitle', 'sent', 'controllerTitle']));
    for (const f of form) expect(f.text, `${f.page}: ${f.key}`).toBe(TEXT.fr[f.key]);
    const own = complaintFrench();
    for (const f of complaint) expect(f.text, `${f.page}: ${f.key}`).toBe(own[f.key] ?? TEXT.fr[f.key]);
    expect(web('status.html')).toContain(`<h2 id="complain-title">${howToComplain('fr').title}</h2>`);
  });
});
