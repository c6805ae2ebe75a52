import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Language } from '../../../functions/core/model.ts';
import type { ProcessorExport } from '../../../functions/core/export-package.ts';
import { problemPage, type RequestContext } from '../../../functions/core/pages.ts';
import { checkDocuments, describeMessage, type VnuMessage } from '../../support/vnu.ts';

import { exportFiles } from '../../../functions/core/export-package.ts';
import { erasedPage, expiredPage, readyPage, renewedPage, unknownPage } from '../../../functions/status/pages.ts';
import { askedLines } from '../../../functions/core/emails.ts';
import { alreadyPage, closedPage, confirmedPage, confirmPage, invalidPage, lockedPage, wrongPassword } from '../../../functions/verify/pages.ts';
import { processor, REQUEST_ID, storedRequest } from '../processors/fakes.ts';

const WEB = join(import.meta.dirname, '../../../web');
const LANGS: Language[] = ['fr', 'en'];

/** The site as deployed: web/ goes to the bucket byte for byte (infra/lethe-stack.ts, SiteDeploy). */
const staticPages = () => Object.fromEntries(readdirSync(WEB).filter((f) => /\.(html|css)$/.test(f)).map((f) => [`web/${f}`, readFileSync(join(WEB, f), 'utf8')]));

/** The confirmation link's pages, as functions/verify/handler.ts renders each outcome. */
function verifyPages() {
  const token = 'mF3kQ9zT1vB7xN2cR8wL5yH0jD4gS6aP-eU_oK1iZqY';
  const switchTo = (l: Language) => `/verify?token=${token}&lang=${l}`;
  const request: RequestContext = { id: REQUEST_ID, type: 'access', status: 'unverified', receivedAt: '2026-03-01T09:00:00.000Z', dueDate: '2026-04-01' };
  const confirmed: RequestContext = { ...request, status: 'verified', verifiedAt: '2026-03-01T09:05:00.000Z', statusHref: `/status.html?id=${REQUEST_ID}&token=status-Vq3nX0c8Jm2LrT7bYw5kHs1dPe9aZu4fGi6oQx0` };
  const pages: Record<string, string> = {};
  for (const lang of LANGS) {
    pages[`verify/confirm-${lang}.html`] = confirmPage(lang, token, { request: { ...request, type: 'erasure' }, askPassword: false }, switchTo);
    pages[`verify/confirm-warranty-${lang}.html`] = confirmPage(lang, token, { request: { ...request, type: 'erasure' }, asks: askedLines(lang, 'erasure', { eraseWarranty: true }), askPassword: false }, switchTo);
    pages[`verify/confirm-password-${lang}.html`] = confirmPage(lang, token, { request, askPassword: true }, switchTo);
    pages[`verify/confirm-wrong-password-${lang}.html`] = confirmPage(lang, token, { request, askPassword: true, error: wrongPassword(lang) }, switchTo);
    pages[`verify/confirmed-${lang}.html`] = confirmedPage(lang, confirmed, switchTo);
    pages[`verify/already-${lang}.html`] = alreadyPage(lang, confirmed, switchTo);
    pages[`verify/already-no-status-link-${lang}.html`] = alreadyPage(lang, { ...confirmed, statusHref: undefined }, switchTo);
    pages[`verify/invalid-${lang}.html`] = invalidPage(lang, switchTo);
    pages[`verify/closed-${lang}.html`] = closedPage(lang, switchTo);
    pages[`verify/locked-${lang}.html`] = lockedPage(lang, switchTo);
    for (const status of [400, 429, 503]) pages[`verify/problem-${status}-${lang}.html`] = problemPage(lang, status);
  }
  return pages;
}

/** The download link's pages, as functions/status/download.ts renders each answer. */
function downloadPages() {
  const token = 'download-Vq3nX0c8Jm2LrT7bYw5kHs1dPe9aZu4fGi6oQx0';
  const statusHref = `/status.html?id=${REQUEST_ID}&token=status-Vq3nX0c8Jm2LrT7bYw5kHs1dPe9aZu4fGi6oQx0`;
  const request: RequestContext = { id: REQUEST_ID, type: 'access', status: 'completed', receivedAt: '2026-03-01T09:00:00.000Z', verifiedAt: '2026-03-01T09:05:00.000Z', closedAt: '2026-03-18T10:00:00.000Z', statusHref };
  const pages: Record<string, string> = {};
  for (const lang of LANGS) {
    pages[`exports/ready-${lang}.html`] = readyPage(lang, REQUEST_ID, token, request, { until: '2026-03-21T10:00:00.000Z', renewableUntil: '2026-04-16T10:00:00.000Z' });
    pages[`exports/ready-last-link-${lang}.html`] = readyPage(lang, REQUEST_ID, token, request, { until: '2026-04-16T10:00:00.000Z' });
    pages[`exports/expired-renewable-${lang}.html`] = expiredPage(lang, REQUEST_ID, token, { keptUntil: '2026-04-17T10:00:00.000Z', request });
    pages[`exports/expired-${lang}.html`] = expiredPage(lang, REQUEST_ID, token, { request });
    pages[`exports/unknown-${lang}.html`] = unknownPage(lang, REQUEST_ID, 'not-the-secret');
    pages[`exports/renewed-${lang}.html`] = renewedPage(lang, REQUEST_ID, token);
    pages[`exports/erased-${lang}.html`] = erasedPage(lang, REQUEST_ID, token, { at: '2026-03-19T17:30:00.000Z', request });
  }
  return pages;
}

/** The page a requester's copy opens on (index.html in the zip), with a holder of each kind: rows, none, unreadable. */
function exportPackagePages() {
  const exports: ProcessorExport[] = [
    { processor: processor({ id: 'offtek', name: 'Offtek', category: 'shop', region: 'eu-west-2', transferSafeguard: 'none' }), tables: { account: [{ name: 'Hana Sato', email: 'hana@example.com' }], orders: [{ order_number: 'OT-1', paidOn: '2026-02-03' }], invoices: [] } },
    { processor: processor({ id: 'paynow', name: 'PayNow Payments', category: 'payments', region: 'eu-west-1', transferSafeguard: 'adequacy' }), tables: { records: [{ payment: 'PAY-1', amount: '12.50' }] } },
    { processor: processor({ id: 'metricsly', name: 'Metricsly Analytics', category: 'analytics', region: 'us-east-1', transferSafeguard: 'uk_us_data_bridge' }), tables: { records: [] } },
    { processor: processor({ id: 'socialapp', name: 'SocialApp', category: 'social', region: 'us-east-1', transferSafeguard: 'uk_addendum' }), tables: {}, unreadable: true },
  ];
  return Object.fromEntries(
    LANGS.map((language) => [`export-package/index-${language}.html`, exportFiles(storedRequest({ type: 'access', language }), exports, '2026-03-20T12:00:00.000Z', 'https://privacy.offtek.example/complaint.html')['index.html']]),
  );
}

/** A page with one of each kind of finding, checked in the same run, so that a run that finds nothing cannot pass for a clean one. */
const CANARY = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Canary</title>
<style>p { colr: red }</style></head>
<body><main><h1>Canary</h1>
<select name="s"><option value=""></option></select>
<h2></h2>
</main></body></html>`;

describe('the HTML and CSS the requester and the officer are served', () => {
  let documents: Record<string, string> = {};
  let findings: VnuMessage[] = [];
  beforeAll(async () => {
    documents = { ...staticPages(), ...verifyPages(), ...downloadPages(), ...exportPackagePages(), 'canary.html': CANARY };
    findings = checkDocuments(documents);
  });

  // A warning fails as an error does: none is kept. One kept on purpose would be filtered out here by name, with why.
  it('passes the Nu Html Checker with no error and no warning', () => {
    expect(Object.keys(documents)).toEqual(expect.arrayContaining(['web/index.html', 'web/status.html', 'web/console.html', 'web/complaint.html', 'web/styles.css', 'web/console.css']));
    expect(Object.keys(documents)).toHaveLength(6 + 26 + 14 + 2 + 1);
    const shipped = findings.filter((m) => m.document !== 'canary.html');
    expect(shipped.map(describeMessage), 'the Nu Html Checker’s findings').toEqual([]);
  });

  it('finds a CSS error, an HTML error and a warning on a page that has them, in the same run', () => {
    expect(findings.filter((m) => m.document === 'canary.html').map(describeMessage)).toEqual([
      expect.stringMatching(/^canary\.html:3: error: CSS: “colr”: Property “colr” doesn't exist\./),
      expect.stringMatching(/^canary\.html:5: error: Element “option” without attribute “label” must not be empty\./),
      expect.stringMatching(/^canary\.html:6: warning: Empty heading\./),
    ]);
  });
});
