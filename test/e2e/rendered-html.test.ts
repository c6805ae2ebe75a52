import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { type Booted, until } from '../integration/harness.ts';
import { checkDocuments, describeMessage } from '../support/vnu.ts';
import { axe, bootWithBrowser, hasChromium, newPage, SHOTS, signInAsOfficer } from './browser.ts';

let rt: Booted;
let browser: Browser;

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
});
