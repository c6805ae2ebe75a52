import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axe, hasChromium, launch, newPage, SHOTS } from './browser.ts';

const ORIGIN = 'http://status.test';
const WEB = join(process.cwd(), 'web');

/** A completed erasure whose payments were kept by two processors on different grounds while a third erased. */
const answer = {
  id: '01JQ0000000000000000000000',
  type: 'erasure',
  status: 'completed',
  language: 'en',
  receivedAt: '2026-03-01T09:00:00.000Z',
  verifiedAt: '2026-03-01T09:05:00.000Z',
  dueDate: '2026-04-01',
  extended: false,
  closedAt: '2026-03-20T10:00:00.000Z',
  paused: false,
  categories: [
    {
      category: 'payments',
      state: 'retained',
      reason: 'accounting',
      kept: [
        { basis: 'accounting', until: null },
        { basis: 'legal_claims', until: '2027-06-30' },
      ],
      someDone: true,
    },
    { category: 'delivery', state: 'done' },
  ],
  complain: { title: 'How to complain', us: 'us', ico: 'ico', court: 'court' },
};

/** The status page's own files, and the status API answering `answer`: the page alone, no runtime. */
async function statusPage(browser: Browser): Promise<Page> {
  const page = await newPage(browser, { viewport: { width: 1100, height: 900 } });
  await page.route(`${ORIGIN}/**`, (route) => {
    const { pathname } = new URL(route.request().url());
    if (pathname.endsWith('/status')) return route.fulfill({ json: answer });
    if (pathname === '/config.json') return route.fulfill({ status: 404 });
    return route.fulfill({ path: join(WEB, pathname) });
  });
  await page.goto(`${ORIGIN}/status.html?id=${answer.id}&token=t`);
  await page.locator('#progress-section:not([hidden])').waitFor();
  return page;
}

let browser: Browser;

describe.skipIf(!hasChromium)('the status page’s kept records (Debian chromium)', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows every ground a category is kept on, each with its end, and that the rest was done, in English and French', async () => {
    const page = await statusPage(browser);
    const payments = page.locator('#progress tr').filter({ hasText: 'Payments' }).locator('.badge');
    expect(await payments.allTextContents()).toEqual([
      'Kept: our policy keeps accounting records to meet our legal duty, while your account is open, then up to 7 years after it closes',
      'Kept: to establish, exercise or defend legal claims, until 30 June 2027',
      'Everything else: done',
    ]);
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'status-kept-en.png'), fullPage: true });
    await page.getByRole('button', { name: 'Français' }).click();
    expect(await page.locator('#progress tr').filter({ hasText: 'Paiements' }).locator('.badge').allTextContents()).toEqual([
      'Conservé : notre politique garde les documents comptables pour respecter notre obligation légale, tant que votre compte est ouvert, puis jusqu’à 7 ans après sa fermeture',
      'Conservé : pour la constatation, l’exercice ou la défense de droits en justice, jusqu’au 30 juin 2027',
      'Tout le reste : fait',
    ]);
    await page.screenshot({ path: join(SHOTS, 'status-kept-fr.png'), fullPage: true });
  });
});
