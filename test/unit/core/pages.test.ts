import { describe, expect, it } from 'vitest';
import { pageLanguage, requesterPage, requestSummary } from '../../../functions/core/pages.ts';

const ID = '01JQ0000000000000000000000';
const base = { id: ID, receivedAt: '2026-03-01T09:00:00.000Z', dueDate: '2026-04-01' };

describe('the language of a page no request speaks for', () => {
  it.each([
    ['en', undefined, 'en'],
    ['fr', 'en-GB', 'fr'],
    [undefined, 'en-GB,en;q=0.9', 'en'],
    [undefined, '  EN', 'en'],
    [undefined, 'fr-FR,en;q=0.5', 'fr'],
    [undefined, 'english', 'fr'],
    [undefined, 'de, en', 'fr'],
    ['de', 'en', 'en'],
    [undefined, undefined, 'fr'],
  ])('is %s from ?lang= and %s from the browser: %s', (query, accept, expected) => {
    expect(pageLanguage(query, accept)).toBe(expected);
  });
});

describe('a request’s summary', () => {
  it('names each request type in each language', () => {
    const names = (lang: 'fr' | 'en') =>
      (['access', 'erasure', 'rectification', 'objection', 'restrict'] as const).map((type) => requestSummary(lang, { ...base, type, status: 'verified' }).match(/<dd>([^<]+)<\/dd>/)?.[1]);
    expect(names('en')).toEqual(['Copy of your data', 'Erasure of your data', 'Correction of your data', 'Objection to a use of your data', 'Restriction of the use of your data']);
    expect(names('fr')).toEqual(['Copie de vos données', 'Effacement de vos données', 'Correction de vos données', 'Opposition à une utilisation de vos données', 'Limitation de l’utilisation de vos données']);
  });

  it('shows when a completed request was completed, and when another closed one closed, instead of its deadline', () => {
    const done = requestSummary('en', { ...base, type: 'erasure', status: 'completed', closedAt: '2026-03-20T10:00:00.000Z' });
    expect(done).toContain('<dt>Completed on</dt><dd>20 March 2026</dd></dl>');
    expect(done).not.toContain('Answer due by');
    expect(requestSummary('fr', { ...base, type: 'erasure', status: 'denied', closedAt: '2026-03-20T10:00:00.000Z' })).toContain('<dt>Close le</dt><dd>20 mars 2026</dd></dl>');
    expect(requestSummary('fr', { ...base, type: 'erasure', status: 'completed', closedAt: '2026-03-20T10:00:00.000Z' })).toContain('<dt>Terminée le</dt><dd>20 mars 2026</dd>');
  });

  it('shows no deadline row when there is none', () => {
    expect(requestSummary('en', { ...base, dueDate: undefined, type: 'erasure', status: 'unverified' })).toBe(
      `<dl class="summary"><dt>Request</dt><dd>Erasure of your data</dd><dt>Reference</dt><dd><code>${ID}</code></dd><dt>Received on</dt><dd>1 March 2026</dd></dl>`,
    );
  });
});

describe('a requester page', () => {
  it('has no language switch when it cannot link to itself', () => {
    expect(requesterPage('en', 'Title', '<p>x</p>')).toContain('<div class="logo">Off<span>tek</span></div></header>');
  });
});
