import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { complainOn } from '../../functions/core/requester-status.ts';
import { axe, hasChromium, launch, newPage, SHOTS } from './browser.ts';

const ORIGIN = 'http://status.test';
const WEB = join(process.cwd(), 'web');

/** How to complain in the API's own words, so that the screenshots show the page as a requester sees it. */
const complainIn = { en: complainOn('en'), fr: complainOn('fr') };

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
  complain: complainIn.en,
  complainIn,
};

/** Another request, in progress: every category's state a word or two. */
const short = {
  ...answer,
  id: '01JQ0000000000000000000001',
  status: 'in_progress',
  closedAt: undefined,
  categories: [
    { category: 'shop', state: 'done' },
    { category: 'payments', state: 'in_progress' },
    { category: 'delivery', state: 'not_started' },
    { category: 'analytics', state: 'done' },
    { category: 'social', state: 'done' },
  ],
};

/** The status page's own files, and the status API answering `status`: the page alone, no runtime. */
async function statusPage(browser: Browser, status: object = answer, viewport = { width: 1100, height: 900 }, lang = ''): Promise<Page> {
  const page = await newPage(browser, { viewport });
  await page.route(`${ORIGIN}/**`, (route) => {
    const { pathname } = new URL(route.request().url());
    if (pathname.endsWith('/status')) return route.fulfill({ json: status });
    if (pathname === '/config.json') return route.fulfill({ status: 404 });
    return route.fulfill({ path: join(WEB, pathname) });
  });
  await page.goto(`${ORIGIN}/status.html?id=${answer.id}&token=t${lang ? `&lang=${lang}` : ''}`);
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

  it('says, while the clock is stopped, that the deadline is set when it starts again, beside the notice that it is paused, in English and French', async () => {
    // The API gives no date while the clock is stopped (core/requester-status.ts); until November 29, 2026 it gave the date it had when stopped.
    const page = await statusPage(browser, { ...short, paused: true, dueDate: null });
    expect(await page.locator('#paused').isVisible()).toBe(true);
    expect(await page.locator('#due').textContent()).toBe('Set when the time limit starts again, later by the days it was paused');
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'status-paused-en.png'), fullPage: true });
    await page.getByRole('button', { name: 'Français' }).click();
    expect(await page.locator('#due').textContent()).toBe('Fixée à la reprise du délai, reportée des jours de suspension');
    await page.context().close();
  });

  it('starts every category’s badges at the same place whatever the request and its language, and on a 390 px phone gives a long one the screen’s width, a few lines tall', async () => {
    for (const [name, viewport] of [
      ['phone', { width: 390, height: 844 }],
      ['desktop', { width: 1100, height: 900 }],
    ] as const) {
      const starts = new Set<number>();
      for (const status of [answer, short]) {
        for (const lang of ['en', 'fr']) {
          const page = await statusPage(browser, status, viewport, lang);
          const table = (await page.locator('#progress').boundingBox())?.width ?? 0;
          const badges = await page.locator('#progress .badge').evaluateAll((bs) =>
            bs.map((b) => {
              const r = b.getBoundingClientRect();
              return { text: b.textContent, left: Math.round(r.left), right: r.right, width: r.width, lines: Math.floor(r.height / Number.parseFloat(getComputedStyle(b).lineHeight)) };
            }),
          );
          for (const b of badges) starts.add(b.left);
          if (name === 'phone') {
            // A ground kept runs over several lines: across the screen, a few of them, not a tall blob in a third of it.
            const narrow = badges.filter((b) => b.lines > 1 && b.width < 0.8 * table).map((b) => `${b.text}: ${Math.round(b.width)} px of ${Math.round(table)}`);
            expect(narrow, `${lang} ${status.id}`).toEqual([]);
            expect(Math.max(...badges.map((b) => b.lines)), `${lang} ${status.id}`).toBeLessThanOrEqual(5);
            expect(badges.filter((b) => b.right > viewport.width - 16)).toEqual([]);
            // Stacked, each row is still a row of the table, named by its category.
            expect(await page.getByRole('row').count()).toBe(status.categories.length);
            expect(await page.getByRole('rowheader').count()).toBe(status.categories.length);
            expect(await axe(page)).toEqual([]);
            await page.screenshot({ path: join(SHOTS, `status-badges-phone-${status === answer ? 'kept' : 'short'}-${lang}.png`), fullPage: true });
          }
          await page.context().close();
        }
      }
      expect([...starts], name).toHaveLength(1);
    }
  });
});
