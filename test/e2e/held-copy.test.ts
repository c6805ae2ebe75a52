import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { type Booted, until } from '../integration/harness.ts';
import { axe, bootWithBrowser, hasChromium, newPage, SHOTS, signInAsOfficer } from './browser.ts';

let rt: Booted;
let browser: Browser;

describe.skipIf(!hasChromium)('an officer releasing a copy held for other people’s data (Debian chromium)', { timeout: 240_000 }, () => {
  bootWithBrowser((booted, b) => {
    rt = booted;
    browser = b;
  }, undefined, (booted) => booted.processors.setBehaviour('parcelway', { thirdPartyData: true }));

  it('sees the copy held with who flagged it, releases it, and the request completes', async () => {
    await rt.submit({ type: 'access', email: 'wanda-held@example.com', language: 'en' });
    const links = await until(() => rt.links('wanda-held@example.com').catch(() => undefined));
    await rt.confirm(links.token);
    await until(async () => (await rt.status(links.requestId, links.statusToken)).status === 'awaiting_manual', 60_000, 'copy held');

    const page = await newPage(browser, { viewport: { width: 1280, height: 1100 } });
    await signInAsOfficer(page, rt);
    await page.locator('#who').waitFor();
    await page.goto(`${rt.urls.console}#/requests/${links.requestId}`);
    await page.getByText('Copy held for review').waitFor();
    expect(await page.locator('#detail-summary').textContent()).toContain(
      'A processor flagged other people’s data in this copy (Parcelway Delivery): nothing is sent to the requester until an officer releases it.',
    );
    await page.getByRole('button', { name: 'See the held copy' }).waitFor();
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-copy-held.png'), fullPage: true });
    await page.getByRole('button', { name: 'Release the copy' }).click();
    await page.getByRole('button', { name: 'Confirm' }).click();
    await until(async () => (await rt.status(links.requestId, links.statusToken)).status === 'completed', 30_000, 'released');
    await until(async () => (await rt.mails('wanda-held@example.com')).some((m) => /exports\//.test(m.body.text ?? '')), 15_000, 'link mailed');
  });
});
