import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { totp } from '../../local/totp.ts';
import { type Booted, until } from '../integration/harness.ts';
import { axe, bootWithBrowser, hasChromium, newPage, SHOTS, signInAsOfficer } from './browser.ts';

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
    { registry: (r) => ({ ...r, processors: r.processors.map((p) => (p.id === 'parcelway' ? { ...p, heartbeatSeconds: 1, timeoutSeconds: 2 } : p)) }) },
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
      ['en', { extend: 'Extend deadline', cancel: 'Cancel request', resolve: 'Resolve Parcelway Delivery', close: 'Go back', wide: 'Table: scroll sideways for more columns', processor: 'Processor', respond: 'Record the response', rate: '—On timeno request completed yet' }],
      ['fr', { extend: 'Prolonger le délai', cancel: 'Annuler la demande', resolve: 'Résoudre Parcelway Delivery', close: 'Retour', wide: 'Tableau : faire défiler sur le côté pour les autres colonnes', processor: 'Prestataire', respond: 'Enregistrer la réponse', rate: '—Dans les délaisaucune demande traitée pour l’instant' }],
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
      // Nothing answered yet, the one request still in time: no rate, where it said “100 % on time”.
      expect(await page.locator('#report-tiles .tile').nth(1).textContent()).toBe(words.rate);

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

  it('keeps a task with a processor’s long failure text as short a row as one with a short reason, on the dashboard and on the request’s page, the text whole behind a disclosure, in English and French', async () => {
    await rt.submit({ type: 'erasure', email: 'petra-reason@example.com', language: 'en' });
    const links = await until(() => rt.links('petra-reason@example.com').catch(() => undefined));
    await rt.confirm(links.token);
    await until(async () => (await rt.status(links.requestId, links.statusToken)).status === 'awaiting_manual', 30_000, 'escalation');
    const reason = 'The customer account is locked for review by our legal department as part of ongoing litigation; no deletion can be made until the case closes.';

    const page = await newPage(browser, { viewport: PHONE, isMobile: true, hasTouch: true });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await signInAsOfficer(page, rt);
    /** The row of `table` (the dashboard's escalations, or the request's tasks) of this request's task at `processor`. */
    const row = (table: '#escalated' | '#tasks', processor: string) => {
      const rows = page.locator(`${table} tbody tr`, { hasText: processor });
      return table === '#escalated' ? rows.filter({ hasText: links.requestId }) : rows;
    };
    const height = async (table: '#escalated' | '#tasks', processor: string) => (await row(table, processor).boundingBox())?.height ?? 0;
    const failed = (table: '#escalated' | '#tasks') => row(table, 'Reviewly');

    for (const [lang, read] of [
      ['en', 'Processor’s words'],
      ['fr', 'Mots du prestataire'],
    ] as const) {
      if (lang === 'fr') {
        await page.goto(`${rt.urls.console}#/`);
        await page.getByRole('button', { name: 'Français' }).click();
      }
      await page.locator('#escalated table').waitFor();
      await failed('#escalated').waitFor();
      // Its row no taller than the timed-out task's, whose reason is a few words: a line more at most.
      expect(await height('#escalated', 'Reviewly'), `${lang} dashboard`).toBeLessThanOrEqual((await height('#escalated', 'Parcelway')) + 24);
      await page.goto(`${rt.urls.console}#/requests/${links.requestId}`);
      await page.locator('#detail-id', { hasText: links.requestId }).waitFor();
      await failed('#tasks').waitFor();
      expect(await height('#tasks', 'Reviewly'), `${lang} request`).toBeLessThanOrEqual((await height('#tasks', 'Parcelway')) + 24);
      expect(await axe(page)).toEqual([]);
      await failed('#tasks').locator('details').scrollIntoViewIfNeeded();
      await page.locator('#tasks .table-scroll').screenshot({ path: join(SHOTS, `console-phone-${lang}-long-reason.png`) });
      // The whole text is one press away, by touch or by keyboard, and the row grows to hold it.
      const disclosure = failed('#tasks').locator('details');
      expect(await disclosure.locator('summary').textContent()).toContain(read);
      const closed = await height('#tasks', 'Reviewly');
      await disclosure.locator('summary').focus();
      await page.keyboard.press('Enter');
      expect(await disclosure.getAttribute('open')).toBe('');
      expect(await disclosure.locator('p').textContent()).toBe(reason);
      expect(await disclosure.locator('p').isVisible()).toBe(true);
      expect(await height('#tasks', 'Reviewly')).toBeGreaterThan(closed);
      await page.locator('#tasks .table-scroll').screenshot({ path: join(SHOTS, `console-phone-${lang}-long-reason-open.png`) });
      await page.goto(`${rt.urls.console}#/`);
    }
    expect(errors).toEqual([]);
  });
});
