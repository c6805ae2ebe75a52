import { sevenYearsFromToday } from '../support/dates.ts';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { type Booted, until } from '../integration/harness.ts';
import { axe, bootWithBrowser, hasChromium, newPage, SHOTS } from './browser.ts';

let rt: Booted;
let browser: Browser;

describe.skipIf(!hasChromium)('the demo’s own pages in the browser (Debian chromium): the mailbox and a demo processor', { timeout: 180_000 }, () => {
  bootWithBrowser((booted, b) => {
    rt = booted;
    browser = b;
  });

  it('shows each email whole in the mailbox, its links clickable, and what the payment processor received and keeps under a hold', async () => {
    // Alice, a demo customer, asks for erasure in English; her payment is an invoice the processor must keep.
    await rt.submit({ type: 'erasure', email: 'alice@example.com', language: 'en' });
    const links = await until(() => rt.links('alice@example.com').catch(() => undefined), 10_000, 'confirmation email');
    await rt.confirm(links.token);
    await until(async () => (await rt.status(links.requestId, links.statusToken)).status === 'completed', 60_000, 'completion');
    await until(async () => (await rt.mails('alice@example.com')).find((m) => /complete/.test(m.subject)), 10_000, 'outcome email');

    const page = await newPage(browser, { viewport: { width: 1100, height: 900 } });
    await page.goto(rt.urls.mailbox);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Mailbox');
    // Newest first: the outcome, then the confirmation, each with its body shown. The other test's
    // emails may be there too (any order): Alice's are told apart by their recipient.
    const alices = page.locator('article').filter({ hasText: 'To alice@example.com' });
    await expect(alices.getByRole('heading', { level: 2 }).allTextContents()).resolves.toEqual(['Your privacy request is complete', 'Confirm your privacy request']);
    await expect(alices.first().textContent()).resolves.toContain(`- PayNow Payments (payments): kept some records instead of erasing them, for our legal duty to keep accounting records, until ${sevenYearsFromToday().words}.`);
    await expect(page.getByRole('link', { name: links.verify }).getAttribute('href')).resolves.toBe(links.verify);
    // A sentence's full stop is not part of the address it ends with.
    await expect(page.getByRole('link', { name: 'https://ico.org.uk/make-a-complaint' }).first().getAttribute('href')).resolves.toBe('https://ico.org.uk/make-a-complaint');
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'demo-mailbox.png'), fullPage: true });

    await page.goto(`${rt.urls.processors}/paynow`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('PayNow Payments (demo processor)');
    const received = page.locator('section').filter({ hasText: 'Webhooks received' });
    await expect(received.textContent()).resolves.toContain(links.requestId);
    await expect(received.textContent()).resolves.toContain('email: alice@example.com');
    await expect(received.textContent()).resolves.toContain(`accounting, until ${sevenYearsFromToday().iso}`);
    await expect(page.locator('section').filter({ hasText: 'Callbacks sent' }).textContent()).resolves.toContain('retained');
    // Each callback names the task it answers, which is the webhook-id of the webhook it answers, so the two tables can be read together.
    const webhookIds = await received.locator('tbody tr td:nth-child(2)').allTextContents();
    const callbacks = page.locator('section').filter({ hasText: 'Callbacks sent' });
    await expect(callbacks.locator('thead th').allTextContents()).resolves.toEqual(['Task (the webhook-id it answers)', 'webhook-id', 'Answer', "Lethe's HTTP status"]);
    const answered = await callbacks.locator('tbody tr td:first-child').allTextContents();
    expect(answered.length).toBeGreaterThan(0);
    for (const task of answered) expect(webhookIds).toContain(task);
    for (const own of await callbacks.locator('tbody tr td:nth-child(2)').allTextContents()) expect(own).toMatch(/^cb_/);
    await expect(page.locator('section').filter({ hasText: 'Records held now' }).textContent()).resolves.toContain('PAY-1001');
    await expect(page.locator('section').filter({ hasText: 'Records held now' }).textContent()).resolves.toContain('restricted (legal hold)');
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'demo-processor-paynow.png'), fullPage: true });

    await page.goto(`${rt.urls.processors}/`);
    await page.getByRole('link', { name: 'Parcelway Delivery' }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Parcelway Delivery (demo processor)');
    expect(await axe(page)).toEqual([]);
  });

  it('shows the shop’s own systems and a processor keeping a restricted customer’s records for storage only', async () => {
    // Bob, a demo customer: the shop keeps his account, order and invoice, RecoverCo his closed collection case.
    await rt.submit({ type: 'restrict', email: 'bob@example.com', language: 'en' });
    const links = await until(() => rt.links('bob@example.com').catch(() => undefined), 10_000, 'confirmation email');
    await rt.confirm(links.token);
    await until(async () => (await rt.status(links.requestId, links.statusToken)).status === 'completed', 60_000, 'completion');
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date());

    const page = await newPage(browser, { viewport: { width: 1100, height: 900 } });
    await page.goto(`${rt.urls.processors}/`);
    await page.getByRole('link', { name: 'Offtek' }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Offtek (the shop’s own systems, demo)');
    // The shop is the controller, not one of its processors: its page says so (until November 28, 2026 it read "(demo processor)").
    await expect(page.locator('main p').first().textContent()).resolves.toContain('the shop’s own systems');
    await expect(page.locator('section').filter({ hasText: 'Webhooks received' }).textContent()).resolves.toContain(links.requestId);
    await expect(page.locator('section').filter({ hasText: 'Callbacks sent' }).textContent()).resolves.toContain('completed');
    // The shop's page names its callbacks' own ids too, and the task each answers apart from them.
    await expect(page.locator('section').filter({ hasText: 'Callbacks sent' }).locator('tbody tr td:nth-child(2)').first().textContent()).resolves.toMatch(/^cb_/);
    const held = page.locator('section').filter({ hasText: 'Records held now' });
    const bob = held.locator('tr', { hasText: 'bob@example.com' });
    await expect(bob.allTextContents()).resolves.toHaveLength(3);
    for (const row of await bob.allTextContents()) expect(row).toContain(`restricted (restriction since ${day}: storage only)`);
    await expect(held.locator('tr', { hasText: 'INV-06120' }).textContent()).resolves.toContain('bob@example.com');
    // Carol's records are untouched; what an erasure keeps under a hold shows as such (Alice's, when the other test erased her).
    await expect(held.locator('tr', { hasText: 'INV-07710' }).textContent()).resolves.toContain('active');
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'demo-shop-restricted.png'), fullPage: true });

    await page.goto(`${rt.urls.processors}/recoverco`);
    await expect(page.locator('section').filter({ hasText: 'Records held now' }).locator('tr', { hasText: 'RC-301' }).textContent()).resolves.toContain('restricted (restriction: storage only)');
    expect(await axe(page)).toEqual([]);
  });

  it('opens the mailbox, the demo processors’ pages and the console’s sign-in pages without an error in the browser’s console', async () => {
    const page = await newPage(browser, { viewport: { width: 1100, height: 900 } });
    // Every error, a resource that failed to load (a favicon the server refuses) among them: a newcomer
    // on the README's tour sees them in the developer tools as much as any other.
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(`${page.url()}: ${m.text()}`));
    page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
    for (const url of [rt.urls.mailbox, `${rt.urls.processors}/`, `${rt.urls.processors}/paynow`]) {
      await page.goto(url);
      await page.getByRole('heading', { level: 1 }).waitFor();
    }
    await page.goto(rt.urls.console);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${rt.urls.signIn}/interaction/**`);
    await page.getByLabel('Username').waitFor();
    // A favicon's request goes after the page's load; the page is left open long enough for it to be answered.
    await page.waitForLoadState('networkidle');
    expect(errors).toEqual([]);
  });
});
