import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { type Booted, until } from '../integration/harness.ts';
import { axe, bootWithBrowser, hasChromium, newPage, SHOTS, signInAsOfficer } from './browser.ts';

let rt: Booted;
let browser: Browser;

/** A correction submitted and confirmed, and the console open on the dashboard, which counts it to review. */
async function confirmedCorrection(email: string, language: 'en' | 'fr', rectification: { field: string; correction: string }) {
  await rt.submit({ type: 'rectification', email, language, rectification });
  const links = await until(() => rt.links(email).catch(() => undefined));
  await rt.confirm(links.token);
  const page = await newPage(browser, { viewport: { width: 1280, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await signInAsOfficer(page, rt);
  await page.locator('#counts').getByText('To review (a correction, an agent’s authority)').waitFor();
  return { links, page, errors };
}

/** The request's page in the console, once it shows the request waiting for review. */
async function showToReview(page: Page, requestId: string) {
  await page.goto(`${rt.urls.console}#/requests/${requestId}`);
  await page.locator('#detail-summary').getByText('To review (a correction, an agent’s authority)').waitFor();
}

describe.skipIf(!hasChromium)('an officer reviews a correction in the console before it is sent (Debian chromium)', { timeout: 240_000 }, () => {
  bootWithBrowser((booted, b) => {
    rt = booted;
    browser = b;
  });

  it('shows the requester’s own words, takes the corrected name and what is not corrected, the review provider then receives only that name, and the requester is told both', async () => {
    const email = 'jude.review@example.com';
    const { links, page, errors } = await confirmedCorrection(email, 'en', { field: 'My name is spelt wrong', correction: 'Jude O’Hara, with an apostrophe' });
    expect(await axe(page)).toEqual([]);

    await showToReview(page, links.requestId);
    // Each answer in its own <dd>, after the <dt> that says whose words they are.
    expect(await page.locator('#detail-summary dt:has-text("What is wrong (the requester’s words)") + dd').textContent()).toBe('My name is spelt wrong');
    expect(await page.locator('#detail-summary dt:has-text("What it should be (the requester’s words)") + dd').textContent()).toBe('Jude O’Hara, with an apostrophe');
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-correction-review.png'), fullPage: true });

    await page.getByRole('button', { name: 'Approve the correction' }).click();
    await page.getByRole('dialog').getByLabel('Name').fill('Jude O’Hara');
    await page.getByRole('dialog').getByLabel('What the requester asked that you do not correct, and why').fill('We keep the spelling on your old invoices: they are records we must not change.');
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-correction-approve.png') });
    await page.getByRole('button', { name: 'Confirm' }).click();

    await until(async () => (await rt.status(links.requestId, links.statusToken)).status === 'completed', 30_000, 'completion');
    const review = rt.processors.received('reviewly').find((w) => w.body?.subject_request_id === links.requestId);
    expect(review?.body?.rectification).toEqual({ name: 'Jude O’Hara' });
    // The requester is told what was corrected, and what was not and why, above how to complain.
    // Mailed after the write that completes the request (the outcome is owed in that write, sent next).
    const outcome = await until(async () => (await rt.mails(email)).find((m) => /complete/.test(m.subject)), 10_000, 'the outcome email');
    expect(outcome.body.text).toContain('We corrected: your name.');
    expect(outcome.body.text).toContain('In our team’s words:\nWe keep the spelling on your old invoices: they are records we must not change.');
    await page.reload();
    // Closed, the request keeps no correction (free text or values): the audit trail says one was approved.
    await page.locator('#audit').getByText('Correction approved by an officer').waitFor();
    expect(await page.locator('#detail-summary').textContent()).not.toContain('Jude');
    expect(await axe(page)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('keeps the approval open and says in it that a corrected value is needed when the officer gives none, sending nothing', async () => {
    const email = 'nell.review@example.com';
    const { links, page, errors } = await confirmedCorrection(email, 'en', { field: 'My phone number', correction: '07700 900123' });
    await showToReview(page, links.requestId);
    await page.getByRole('button', { name: 'Approve the correction' }).click();
    const dialog = page.getByRole('dialog');
    // Blank is empty: a space typed by mistake corrects nothing either.
    await dialog.getByLabel('Phone number').fill('  ');
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await dialog.getByRole('alert').getByText('Give at least one corrected value, each of at most 500 characters.').waitFor();
    expect(await dialog.isVisible()).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('name');
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-correction-approve-empty.png') });
    expect((await rt.status(links.requestId, links.statusToken)).status).toBe('awaiting_review');

    await dialog.getByLabel('Phone number').fill('07700 900123');
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await until(async () => (await rt.status(links.requestId, links.statusToken)).status === 'completed', 30_000, 'completion');
    expect(errors).toEqual([]);
  });

  it('refuses a correction the officer found accurate, offering that reason on a correction only, and the requester is told so with how to complain', async () => {
    const email = 'rory.review@example.com';
    const { links, page, errors } = await confirmedCorrection(email, 'fr', { field: 'Mon nom', correction: 'Rory MacLeod' });
    await showToReview(page, links.requestId);
    await page.getByRole('button', { name: 'Deny' }).click();
    const reasons = await page.getByLabel('Reason').locator('option').allTextContents();
    expect(reasons).toContain('Data checked and accurate');
    await page.getByLabel('Reason').selectOption('data_accurate');
    await page.getByLabel('Explanation for the requester').fill('Votre nom figure ainsi sur votre commande signée.');
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-deny-correction-accurate.png') });
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.locator('#detail-summary').getByText('Denied', { exact: true }).waitFor();
    const refusal = await until(async () => (await rt.mails(email)).find((m) => m.subject === 'Votre demande de confidentialité est refusée'));
    expect(refusal.body.text).toContain('nous avons vérifié les données que vous nous demandiez de rectifier et nous les pensons exactes ; nous ne les modifierons donc pas.');
    expect(refusal.body.text).toContain('https://ico.org.uk/make-a-complaint');

    // Any other request: the reason is not offered.
    const other = 'rory.erasure@example.com';
    await rt.submit({ type: 'erasure', email: other, language: 'en' });
    const erasure = await until(() => rt.links(other).catch(() => undefined));
    await rt.confirm(erasure.token);
    await page.goto(`${rt.urls.console}#/requests/${erasure.requestId}`);
    await page.locator('#detail-id', { hasText: erasure.requestId }).waitFor();
    await page.getByRole('button', { name: 'Deny' }).click();
    expect(await page.getByLabel('Reason').locator('option').allTextContents()).not.toContain('Data checked and accurate');
    expect(errors).toEqual([]);
  });
});
