import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axe, hasChromium, launch, newPage, SHOTS } from './browser.ts';

const ORIGIN = 'http://status.test';
const WEB = join(process.cwd(), 'web');
const ID = '01JQ0000000000000000000000';
const controller = { name: 'Offtek', companyNumber: '03148866', address: ['Claremont House', 'Broad Lane', 'Tanworth in Arden', 'B94 5DY'], country: { en: 'United Kingdom', fr: 'Royaume-Uni' } };

/**
 * The status page's own files, the status API answering 404 as it does for a wrong token, an unknown
 * id and a link past the end of its requester's contact data alike: the page alone, no runtime.
 */
async function gonePage(browser: Browser, query = ''): Promise<Page> {
  const page = await newPage(browser, { viewport: { width: 1100, height: 900 } });
  await page.route(`${ORIGIN}/**`, (route) => {
    const { pathname } = new URL(route.request().url());
    if (pathname.endsWith('/status')) return route.fulfill({ status: 404, json: { error: 'NotFound', message: 'no such request' } });
    if (pathname === '/config.json') return route.fulfill({ json: { controller } });
    return route.fulfill({ path: join(WEB, pathname) });
  });
  await page.goto(`${ORIGIN}/status.html?id=${ID}&token=t${query}`);
  await page.locator('#gone:not([hidden])').waitFor();
  await page.locator('#controller:not([hidden])').waitFor();
  return page;
}

let browser: Browser;

describe.skipIf(!hasChromium)('the status page of a link that does not work, or no longer (Debian chromium)', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('says, in both languages when none was chosen, that the link has expired or does not work, how long one works, and how to ask again or reach the shop', async () => {
    const page = await gonePage(browser);
    expect(await page.locator('#error').textContent()).toBe('Ce lien de suivi a expiré ou ne fonctionne pas. / This status link has expired or does not work.');
    expect(await page.locator('#gone [lang="en"] p').allTextContents()).toEqual([
      'A status link works for as long as we keep your contact details: while your request is open, then until 30 days after it is closed (after a restriction, until 30 days after it is lifted; a request never confirmed, 7 days after it was made). Check that you copied the whole link from the email.',
      'To ask us again, make a new request with the form, or contact us using the details below.',
      'Make a new request',
    ]);
    expect(await page.locator('#gone [lang="fr"] a').getAttribute('href')).toBe('/?lang=fr');
    expect(await page.locator('#gone [lang="en"] a').getAttribute('href')).toBe('/?lang=en');
    expect(await page.locator('#controller address').textContent()).toContain('Claremont House, Broad Lane, Tanworth in Arden, B94 5DY, Royaume-Uni');
    // Nothing of a request: no summary, no progress, no way to complain about one.
    for (const hidden of ['#summary', '#progress-section', '#complain']) expect(await page.locator(hidden).isHidden()).toBe(true);
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'status-gone.png'), fullPage: true });
  });

  it('speaks the language chosen, by the link or by the switch, in all of it', async () => {
    const en = await gonePage(browser, '&lang=en');
    expect(await en.locator('html').getAttribute('lang')).toBe('en');
    expect(await en.locator('#error').textContent()).toBe('This status link has expired or does not work.');
    expect(await en.locator('#gone p').allTextContents()).toHaveLength(3);
    expect(await en.locator('#gone a').textContent()).toBe('Make a new request');
    expect(await en.locator('#controller h2').textContent()).toBe('Data controller');
    expect(await en.locator('#controller address').textContent()).toContain('United Kingdom');
    expect(await en.title()).toBe('Your request — Offtek');
    await en.screenshot({ path: join(SHOTS, 'status-gone-en.png'), fullPage: true });
    await en.getByRole('button', { name: 'Français' }).click();
    expect(await en.locator('#error').textContent()).toBe('Ce lien de suivi a expiré ou ne fonctionne pas.');
    expect(await en.locator('#gone p').first().textContent()).toMatch(/^Un lien de suivi fonctionne tant que nous conservons vos coordonnées/);
    expect(await en.locator('#gone a').getAttribute('href')).toBe('/?lang=fr');
    expect(await en.locator('#controller address').textContent()).toContain('Royaume-Uni');
    expect(await axe(en)).toEqual([]);
  });
});
