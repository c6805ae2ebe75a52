import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { type Booted, until } from '../integration/harness.ts';
import { unzip } from '../integration/unzip.ts';
import { axe, bootWithBrowser, hasChromium, newPage, SHOTS } from './browser.ts';

let rt: Booted;
let browser: Browser;

describe.skipIf(!hasChromium)('a requester downloading their data in the browser (Debian chromium)', { timeout: 180_000 }, () => {
  bootWithBrowser((booted, b) => {
    rt = booted;
    browser = b;
  });

  it('asks for a copy, confirms with the account password, and downloads the zip from the emailed link', async () => {
    const page = await newPage(browser, { viewport: { width: 1100, height: 900 } });
    const consoleErrors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));

    await page.goto(rt.urls.web);
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByLabel('Get a copy of my data').check();
    await page.getByLabel('Email address of your shop account').fill('alice@example.com');
    await page.getByRole('button', { name: 'Send my request' }).click();
    await page.locator('#done').waitFor();

    const links = await until(() => rt.links('alice@example.com').catch(() => undefined), 5000, 'confirmation email');
    await page.goto(links.verify);
    await page.getByLabel('Account password').fill('correct horse battery staple');
    await page.getByRole('button', { name: 'Confirm my request' }).click();
    await page.getByRole('heading', { name: 'Request confirmed' }).waitFor();

    const mail = await until(async () => (await rt.mails('alice@example.com')).find((m) => /complete/.test(m.subject)), 60_000, 'outcome email');
    const exportUrl = /https?:\/\/\S+\/exports\/\w+\?token=[\w-]+/.exec(mail.body.text ?? '')?.[0] ?? '';
    expect(exportUrl).not.toBe('');
    const shown = await page.goto(exportUrl);
    expect(shown?.status()).toBe(200);
    // Until when this link works, and until when a new one can be asked for: London's date and time of the stored ends.
    const { repo } = await import('../../functions/shared/deps.ts');
    const { packageKeptUntil } = await import('../../functions/core/completion.ts');
    const stored = await repo.getRequest(links.requestId);
    const london = (at: number, locale: string) => new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', timeZone: 'Europe/London' }).format(at);
    const linkEnd = Date.parse(stored?.downloadExpiresAt ?? '');
    const keptUntil = packageKeptUntil(stored ?? {}) ?? Number.NaN;
    expect(keptUntil).toBeGreaterThan(linkEnd);
    expect(await page.locator('main > p').last().textContent()).toBe(
      `This link works until ${london(linkEnd, 'en-GB')} (London time). After that, open it again to have a new link emailed to the address you confirmed, until ${london(keptUntil, 'en-GB')} (London time).`,
    );
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'export-en.png'), fullPage: true });
    await page.getByRole('link', { name: 'Français' }).click();
    await page.getByRole('heading', { name: 'Télécharger vos données' }).waitFor();
    await expect(page.locator('main > p').last().textContent()).resolves.toMatch(/^Ce lien fonctionne jusqu’au .+ à \d\d:\d\d \(heure de Londres\)\. Ensuite, .+ jusqu’au .+ à \d\d:\d\d \(heure de Londres\)\.$/);
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'export-fr.png'), fullPage: true });
    await page.getByRole('link', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Download your data' }).waitFor();

    // A mangled link gets a page with the way forward, not JSON.
    const bad = new URL(exportUrl);
    bad.searchParams.set('token', 'A'.repeat(43));
    const badPage = await newPage(browser, { viewport: { width: 1100, height: 700 }, locale: 'en-GB' });
    expect((await badPage.goto(bad.toString()))?.status()).toBe(404);
    await badPage.getByRole('heading', { name: 'This download link does not work' }).waitFor();
    await badPage.getByRole('link', { name: 'Ask for a new copy' }).waitFor();
    expect(await axe(badPage)).toEqual([]);
    await badPage.screenshot({ path: join(SHOTS, 'export-bad-link-en.png'), fullPage: true });
    await badPage.getByRole('link', { name: 'Français' }).click();
    await badPage.getByRole('heading', { name: 'Ce lien de téléchargement ne fonctionne pas' }).waitFor();
    await badPage.close();

    // Opening the page is not a download; only the button is, and it is audited.
    const downloads = async () => (await repo.getRequest(links.requestId))?.audit.filter((e) => e.action === 'download').length;
    expect(await downloads()).toBe(0);

    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 10_000 }).catch((e: Error) => {
        throw new Error(`no download (${e.message}); console errors: ${consoleErrors.join(' | ') || 'none'}`);
      }),
      page.getByRole('button', { name: 'Download (zip)' }).click(),
    ]);
    const files = await unzip(await readFile(await download.path()));
    expect(await downloads()).toBe(1);

    expect(Object.keys(files)).toEqual(expect.arrayContaining(['index.html', 'data.json', 'payments.csv', 'delivery.csv', 'analytics.csv', 'email.csv', 'social.csv']));
    const data = JSON.parse(files['data.json']) as { request: { id: string; type: string }; processors: { category: string; records: unknown[] }[] };
    expect(data.request).toMatchObject({ id: links.requestId, type: 'access' });
    // Alice's records from the demo processors, and nothing of Bob's debt-collection case.
    expect(files['payments.csv']).toContain('PAY-1001');
    expect(files['delivery.csv']).toContain('PW-88120');
    expect(Object.values(files).join('\n')).not.toContain('RC-301');
    expect(files['index.html']).toContain(links.requestId);
    // The package's own page, as the requester opens it from the unzipped folder.
    const pkg = await newPage(browser, { viewport: { width: 1100, height: 900 } });
    await pkg.setContent(files['index.html']);
    await pkg.getByRole('heading', { level: 1 }).waitFor();
    expect(await axe(pkg)).toEqual([]);
    await pkg.screenshot({ path: join(SHOTS, 'export-package-en.png'), fullPage: true });
    await pkg.close();
    // On a small phone the page keeps to the screen's width: the complaint form's address, one long
    // word, wraps instead of pushing the page sideways (tables scroll in their own box).
    const small = await newPage(browser, { viewport: { width: 360, height: 800 }, isMobile: true });
    await small.setContent(files['index.html']);
    await small.getByRole('heading', { level: 1 }).waitFor();
    expect(await small.evaluate(() => document.documentElement.scrollWidth)).toBe(360);
    await small.screenshot({ path: join(SHOTS, 'export-package-en-phone.png'), fullPage: true });
    await small.close();

    // On a phone-sized screen too, for the screenshot.
    const phone = await newPage(browser, { viewport: { width: 390, height: 844 }, isMobile: true, deviceScaleFactor: 2 });
    await phone.goto(exportUrl);
    await phone.screenshot({ path: join(SHOTS, 'export-en-phone.png'), fullPage: true });
  });
});
