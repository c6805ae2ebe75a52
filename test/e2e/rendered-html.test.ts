import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { type Booted, until } from '../integration/harness.ts';
import { checkDocuments, describeMessage } from '../support/vnu.ts';
import { axe, bootWithBrowser, hasChromium, newPage, SHOTS, signInAsOfficer } from './browser.ts';

let rt: Booted;
let browser: Browser;

/**
 * The icon a browser asks for with the page as it is now (the one the page declares, else
 * /favicon.ico at its origin), as the site answers it, and whether the page can show it: loaded as an
 * image in the page, under the page's CSP, whose img-src a browser applies to its icon too.
 * Headless chromium asks for no icon itself, so a page's missing one would never show in a test's requests.
 */
async function icon(page: Page) {
  const { href, shown } = await page.evaluate(async () => {
    const href = document.querySelector<HTMLLinkElement>('link[rel~="icon"]')?.href ?? new URL('/favicon.ico', location.href).href;
    const img = new Image();
    img.src = href;
    return { href, shown: await img.decode().then(() => true, () => false) };
  });
  const r = await page.request.get(href);
  return { path: new URL(href).pathname, status: r.status(), type: r.headers()['content-type'], shown };
}

describe.skipIf(!hasChromium)('the pages as their scripts leave them (Debian chromium)', { timeout: 180_000 }, () => {
  bootWithBrowser((booted, b) => {
    rt = booted;
    browser = b;
  });

  it('pass the Nu Html Checker with no error and no warning: the form, its errors, the status page, the complaint form and the console', async () => {
    await rt.submit({ type: 'erasure', email: 'rendered@example.com', language: 'fr' });
    const links = await until(() => rt.links('rendered@example.com').catch(() => undefined));
    await rt.confirm(links.token);
    // One left unconfirmed, so that the console's list of open requests has a row.
    await rt.submit({ type: 'access', email: 'rendered-waiting@example.com', language: 'en' });
    const waiting = await until(() => rt.links('rendered-waiting@example.com').catch(() => undefined));

    const documents: Record<string, string> = {};
    /** The DOM as the browser holds it now, serialized, after axe-core has looked at the same page. */
    const keep = async (page: Page, name: string) => {
      expect(await axe(page), name).toEqual([]);
      documents[name] = await page.content();
    };

    const page = await newPage(browser, { viewport: { width: 1100, height: 1300 } });
    await page.goto(rt.urls.web);
    await page.getByRole('button', { name: 'Envoyer ma demande' }).waitFor();
    await keep(page, 'form-fr.html');
    // An empty submission: the error summary, each field's message and aria-invalid, written by the script.
    await page.getByRole('button', { name: 'Envoyer ma demande' }).click();
    await page.locator('#summary').waitFor();
    await page.getByLabel('J’agis pour quelqu’un d’autre').check();
    await page.locator('#agent-options').waitFor();
    await keep(page, 'form-errors-fr.html');
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('button', { name: 'Send my request' }).waitFor();
    await keep(page, 'form-errors-en.html');
    await page.screenshot({ path: join(SHOTS, 'rendered-form-errors-en.png'), fullPage: true });

    await page.goto(new URL(`/status.html?id=${links.requestId}&token=${links.statusToken}`, rt.urls.web).href);
    await page.locator('#status[data-status]').waitFor();
    await page.locator('#complain').waitFor();
    await keep(page, 'status-fr.html');
    // A link that does not work, or no longer: what to do, in both languages, and the shop's contact details.
    await page.goto(new URL(`/status.html?id=${links.requestId}&token=${'x'.repeat(43)}`, rt.urls.web).href);
    await page.locator('#gone:not([hidden])').waitFor();
    await page.locator('#controller:not([hidden])').waitFor();
    await keep(page, 'status-gone.html');

    await page.goto(new URL('/complaint.html?lang=en', rt.urls.web).href);
    await page.getByRole('button', { name: 'Send my complaint' }).waitFor();
    await keep(page, 'complaint-en.html');

    const console = await newPage(browser, { viewport: { width: 1280, height: 1100 } });
    await signInAsOfficer(console, rt);
    await console.locator('#requests table').getByText(waiting.requestId).waitFor();
    await console.locator('#scorecard table').waitFor();
    await keep(console, 'console-dashboard.html');
    await console.screenshot({ path: join(SHOTS, 'rendered-console-dashboard.png'), fullPage: true });
    await console.goto(`${rt.urls.console}#/requests/${links.requestId}`);
    await console.locator('#detail-summary').waitFor();
    await console.locator('#audit li').first().waitFor();
    await keep(console, 'console-request.html');

    expect(checkDocuments(documents).map(describeMessage), 'the Nu Html Checker’s findings').toEqual([]);
  });

  it('give every page an icon the site serves and the page’s CSP lets it show: the form, the confirmation page, the status page, the complaint form and the console', async () => {
    await rt.submit({ type: 'erasure', email: 'icon@example.com', language: 'en' });
    const links = await until(() => rt.links('icon@example.com').catch(() => undefined));
    const page = await newPage(browser, { viewport: { width: 1100, height: 900 } });
    const refused: string[] = [];
    page.on('console', (m) => m.type() === 'error' && refused.push(m.text()));
    const icons: Record<string, Awaited<ReturnType<typeof icon>>> = {};
    for (const [name, url] of [
      ['form', rt.urls.web],
      ['confirmation page', links.verify],
      ['status page', new URL(`/status.html?id=${links.requestId}&token=${links.statusToken}`, rt.urls.web).href],
      ['complaint form', new URL('/complaint.html', rt.urls.web).href],
      ['console', rt.urls.console],
    ]) {
      await page.goto(url);
      icons[name] = await icon(page);
    }
    const served = { path: '/favicon.svg', status: 200, type: 'image/svg+xml', shown: true };
    expect(icons).toEqual({ form: served, 'confirmation page': served, 'status page': served, 'complaint form': served, console: served });
    expect(refused).toEqual([]);
  });
});
