import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Booted, boot, until } from '../integration/harness.ts';
import { hasChromium, launch, SHOTS } from './browser.ts';

let rt: Booted;
let browser: Browser;

describe.skipIf(!hasChromium)('a requester in the browser (Debian chromium)', () => {
  beforeAll(async () => {
    rt = await boot();
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await rt?.stopAndClean();
  });

  it('fills in the form in French, confirms from the email, and watches the request complete', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 1300 } });
    await page.goto(rt.urls.web);
    expect(await page.getAttribute('html', 'lang')).toBe('fr');

    // An empty submission shows errors tied to their fields, and moves focus to the summary.
    await page.getByRole('button', { name: 'Envoyer ma demande' }).click();
    await page.locator('#summary').waitFor();
    expect(await page.locator('#email').getAttribute('aria-invalid')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('summary');
    await page.screenshot({ path: join(SHOTS, 'form-errors-fr.png'), fullPage: true });

    await page.getByLabel('Effacer mes données').check();
    await page.locator('#eraseWarranty').waitFor();
    await page.getByLabel('Adresse e-mail de votre compte client').fill('alice@example.com');
    await page.screenshot({ path: join(SHOTS, 'form-filled-fr.png'), fullPage: true });
    await page.getByRole('button', { name: 'Envoyer ma demande' }).click();
    await page.locator('#done').waitFor();
    expect(await page.locator('#done').textContent()).toContain('Merci');

    const links = await until(() => rt.links('alice@example.com').catch(() => undefined), 5000, 'email');
    await page.goto(links.verify);
    await page.screenshot({ path: join(SHOTS, 'verify-fr.png'), fullPage: true });
    await page.getByRole('button', { name: 'Confirmer ma demande' }).click();
    await page.getByRole('heading', { name: 'Demande confirmée' }).waitFor();

    await page.goto(`${rt.urls.web}status.html?id=${links.requestId}&token=${links.statusToken}`);
    await page.locator('#status[data-status="completed"]').waitFor({ timeout: 20_000 });
    expect(await page.locator('#status').textContent()).toBe('Terminée');
    expect(await page.locator('#progress tr').count()).toBe(6);
    // How to complain (Art. 12(4)), in the requester's language, on the page itself.
    expect(await page.locator('#complain-title').textContent()).toBe('Comment se plaindre');
    expect(await page.locator('#complain-ico').textContent()).toContain('Wycliffe House, Water Lane, Wilmslow, Cheshire SK9 5AF, téléphone 0303 123 1113, https://ico.org.uk/make-a-complaint');
    expect(await page.locator('#complain-court').isVisible()).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'status-completed-fr.png'), fullPage: true });
  });

  it('switches the form to English without reloading', async () => {
    const page = await browser.newPage();
    await page.goto(rt.urls.web);
    await page.getByRole('button', { name: 'English' }).click();
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await page.getByRole('button', { name: 'Send my request' }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'form-en.png'), fullPage: true });
  });
});
