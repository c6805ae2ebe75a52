import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { totp } from '../../local/totp.ts';
import { type Booted, until } from '../integration/harness.ts';
import { axe, bootWithBrowser, hasChromium, newPage, SHOTS } from './browser.ts';

let rt: Booted;
let browser: Browser;
const PHONE = { width: 390, height: 844 };

/**
 * What spills past a phone's screen on the page as it is now: the page wider than the screen, a
 * header's menu item outside the header's box, an open dialog past the screen's edge. Empty when it fits.
 */
async function spills(page: Page): Promise<string[]> {
  return page.evaluate((width) => {
    const out: string[] = [];
    const doc = document.documentElement;
    if (doc.scrollWidth > width) out.push(`page ${doc.scrollWidth} px wide`);
    const header = document.querySelector('header.site')?.getBoundingClientRect();
    if (header) {
      for (const el of Array.from(document.querySelectorAll<HTMLElement>('header.site a, header.site button, header.site .who, header.site .logo'))) {
        const r = el.getBoundingClientRect();
        if (!r.width) continue;
        if (r.left < header.left || r.right > header.right || r.top < header.top || r.bottom > header.bottom) out.push(`header item “${el.textContent?.trim()}” outside the header`);
      }
    }
    const dialog = document.querySelector('dialog[open]')?.getBoundingClientRect();
    if (dialog && (dialog.left < 0 || dialog.right > width)) out.push(`dialog from ${dialog.left} to ${dialog.right} px`);
    return out;
  }, PHONE.width);
}

describe.skipIf(!hasChromium)('the console on a 390 px phone (Debian chromium)', { timeout: 240_000 }, () => {
  // One processor never answers (an escalation), one is gone (410), one refuses with a long reason: a request with every kind of row.
  bootWithBrowser(
    (booted, b) => {
      rt = booted;
      browser = b;
    },
    { registry: (r) => ({ ...r, processors: r.processors.map((p) => (p.id === 'parcelway' ? { ...p, heartbeatSeconds: 1, timeoutSeconds: 1 } : p)) }) },
    (booted) => {
      booted.processors.setBehaviour('parcelway', { never: true });
      booted.processors.setBehaviour('recoverco', { gone: true });
      booted.processors.setBehaviour('reviewly', { status: { request_status: 'failed', reason: 'The customer account is locked for review by our legal department as part of ongoing litigation; no deletion can be made until the case closes.' } });
    },
  );

  it('fits the sign-in pages, the dashboard, the request list, a request with several processors and its dialogs, the SLA report, the complaints and the Log a request form to the screen, header and menu within the header, in English and French', async () => {
    await rt.submit({ type: 'erasure', email: 'petra-phone@example.com', language: 'en' });
    // A complaint about the request, so that the complaints page has its table, and its response dialog.
    const complained = await rt.api('/complaints', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'petra-phone@example.com', text: 'My erasure has been waiting for weeks and nobody tells me why.', language: 'en' }) });
    expect(complained.status).toBe(202);
    const links = await until(() => rt.links('petra-phone@example.com').catch(() => undefined));
    await rt.confirm(links.token);
    await until(async () => (await rt.status(links.requestId, links.statusToken)).status === 'awaiting_manual', 30_000, 'escalation');

    const page = await newPage(browser, { viewport: PHONE, isMobile: true, hasTouch: true });
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    const seen: Record<string, string[]> = {};
    // Every screen's findings are kept, its axe findings with them (the console's own pages), and compared at the end: a failure names them all.
    const check = async (name: string, withAxe = true) => {
      // An open dialog is on the screen, not the page: it is shot as the phone shows it.
      await page.screenshot({ path: join(SHOTS, `console-phone-${name}.png`), fullPage: !(await page.locator('dialog[open]').count()) });
      seen[name] = [...(await spills(page)), ...(withAxe ? await axe(page) : [])];
    };

    const officer = rt.auth.users.officer;
    await page.goto(rt.urls.console);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await check('sign-in');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${rt.urls.signIn}/interaction/**`);
    await page.getByLabel('Username').fill('officer');
    await page.getByLabel('Password').fill(officer.password);
    await check('sign-in-password', false);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Code from your authenticator app').fill(totp(officer.totpSecret));
    await check('sign-in-mfa', false);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#escalated table').waitFor();
    await page.locator('#requests table').waitFor();

    for (const [lang, words] of [
      ['en', { extend: 'Extend deadline', cancel: 'Cancel request', resolve: 'Resolve Parcelway Delivery', close: 'Cancel', wide: 'Table: scroll sideways for more columns', processor: 'Processor', respond: 'Record the response' }],
      ['fr', { extend: 'Prolonger le délai', cancel: 'Annuler la demande', resolve: 'Résoudre Parcelway Delivery', close: 'Annuler', wide: 'Tableau : faire défiler sur le côté pour les autres colonnes', processor: 'Prestataire', respond: 'Enregistrer la réponse' }],
    ] as const) {
      if (lang === 'fr') {
        await page.goto(`${rt.urls.console}#/`);
        await page.getByRole('button', { name: 'Français' }).click();
        await page.locator('#requests table').waitFor();
      }
      await page.locator('#escalated table').waitFor();
      await check(`${lang}-dashboard`);

      await page.goto(`${rt.urls.console}#/requests/${links.requestId}`);
      await page.locator('#detail-id', { hasText: links.requestId }).waitFor();
      await page.getByRole('button', { name: words.resolve }).waitFor();
      await check(`${lang}-detail`);
      // The processors' table scrolls in its own box, a named group the keyboard reaches, the table in it still a table with its column headers.
      const box = page.locator('#tasks').getByRole('group', { name: words.wide });
      expect(await box.getAttribute('tabindex')).toBe('0');
      expect(await box.getByRole('table').getByRole('columnheader', { name: words.processor, exact: true }).count()).toBe(1);
      expect(await box.getByRole('row').count()).toBe(9);
      // Its far side, where the actions are.
      await page.locator('#tasks .table-scroll').evaluate((box) => box.scrollBy(box.scrollWidth, 0));
      await page.locator('#tasks .table-scroll').screenshot({ path: join(SHOTS, `console-phone-${lang}-detail-tasks-scrolled.png`) });
      for (const button of [words.extend, words.cancel, words.resolve]) {
        await page.getByRole('button', { name: button }).click();
        await page.getByRole('dialog').waitFor();
        await check(`${lang}-dialog-${button.replace(/\W+/g, '-')}`);
        await page.getByRole('dialog').getByRole('button', { name: words.close, exact: true }).click();
        await page.getByRole('dialog').waitFor({ state: 'hidden' });
      }

      await page.goto(`${rt.urls.console}#/report`);
      await page.locator('#report-processors table').waitFor();
      await page.locator('#report-complaints .tile').first().waitFor();
      await check(`${lang}-report`);

      await page.goto(`${rt.urls.console}#/complaints`);
      await page.locator('#complaints-list table').waitFor();
      await check(`${lang}-complaints`);
      await page.locator('#complaints-list .table-scroll').evaluate((box) => box.scrollBy(box.scrollWidth, 0));
      await page.getByRole('button', { name: words.respond }).click();
      await page.getByRole('dialog').waitFor();
      await check(`${lang}-dialog-respond`);
      await page.getByRole('dialog').getByRole('button', { name: words.close, exact: true }).click();
      await page.getByRole('dialog').waitFor({ state: 'hidden' });

      await page.goto(`${rt.urls.console}#/log`);
      await page.locator('#log-form:not([hidden])').waitFor();
      await check(`${lang}-log`);
    }

    expect(seen).toEqual(Object.fromEntries(Object.keys(seen).map((k) => [k, []])));
    expect(errors).toEqual([]);
  });
});
