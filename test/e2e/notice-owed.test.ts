import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { type Booted, until } from '../integration/harness.ts';
import { axe, bootWithBrowser, hasChromium, newPage, SHOTS, signInAsOfficer } from './browser.ts';

let rt: Booted;
let browser: Browser;

describe.skipIf(!hasChromium)('an officer’s notice left owed, in the console (Debian chromium)', { timeout: 180_000 }, () => {
  // No processor answers: the request stays in progress while the officer acts on it.
  bootWithBrowser(
    (booted, b) => {
      rt = booted;
      browser = b;
    },
    undefined,
    (booted) => {
      for (const p of booted.registry.processors) booted.processors.setBehaviour(p.id, { never: true });
    },
  );

  it('marks the request “mail failed” with the extension notice it owes, in words in English and French, on the request and the dashboard, until the sweeper mails it', async () => {
    const email = 'erin.notice@example.com';
    await rt.submit({ type: 'erasure', email, language: 'en' });
    const links = await until(() => rt.links(email).catch(() => undefined));
    await rt.confirm(links.token);
    await until(async () => (await rt.status(links.requestId, links.statusToken)).status === 'in_progress', 30_000, 'in progress');

    const page = await newPage(browser, { viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    await signInAsOfficer(page, rt);
    await page.locator('#filters').waitFor();
    await page.goto(`${rt.urls.console}#/requests/${links.requestId}`);
    await page.locator('#detail-id', { hasText: links.requestId }).waitFor();

    // SES refuses the requester's mail for now: the extension is made, its notice stays owed.
    rt.ses.refuse((to) => to.includes(email));
    await page.getByRole('button', { name: 'Extend deadline' }).click();
    await page.getByLabel('Reason').fill('Several of our processors hold records about you');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.locator('#action-note:not([hidden])').waitFor();

    const mark = page.locator('#detail-summary dt', { hasText: /^Mail failed$/ }).locator('xpath=following-sibling::dd[1]');
    expect(await mark.textContent()).toMatch(/^The extension notice to the requester could not be sent \(.+\)\. It is tried again automatically every 15 minutes until it goes\.$/);
    const badge = page.locator('#detail-summary .badge', { hasText: 'Mail failed' });
    expect(await badge.getAttribute('title')).toMatch(/^The extension notice to the requester could not be sent/);
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-notice-mail-failed.png'), fullPage: true });

    // On the dashboard, among the requests whose mail failed; back to the request from there, then in French.
    await page.getByRole('link', { name: '← Dashboard' }).click();
    const row = page.locator('#mail-failed tr', { hasText: links.requestId });
    await row.waitFor();
    expect(await row.locator('.badge').getAttribute('title')).toMatch(/^The extension notice to the requester could not be sent/);
    await row.getByRole('link', { name: links.requestId }).click();
    await page.locator('#detail-id', { hasText: links.requestId }).waitFor();
    await page.getByRole('button', { name: 'Français' }).click();
    const marque = page.locator('#detail-summary dt', { hasText: /^Envoi d’e-mail échoué$/ }).locator('xpath=following-sibling::dd[1]');
    await marque.waitFor();
    expect(await marque.textContent()).toMatch(/^L’envoi de l’avis de prolongation au demandeur a échoué \(.+\)\. Un nouvel essai est fait automatiquement toutes les 15 minutes, jusqu’à ce qu’il parte\.$/);
    await page.screenshot({ path: join(SHOTS, 'console-notice-mail-failed-fr.png'), fullPage: true });
    await page.getByRole('button', { name: 'English' }).click();

    // SES takes mail again; the sweeper, past the officer's lease on the notice, mails it and the mark goes.
    rt.ses.refuse(undefined);
    await rt.lambdas.invoke('sweeper', { time: new Date(Date.now() + 2 * 60_000).toISOString() });
    await until(async () => (await rt.mails(email)).find((m) => m.subject === 'Your request: more time needed'), 10_000, 'extension notice');
    await page.reload();
    await page.locator('#detail-id', { hasText: links.requestId }).waitFor();
    await page.locator('#detail-summary dt', { hasText: 'Due' }).waitFor();
    expect(await page.locator('#detail-summary').textContent()).not.toContain('Mail failed');
    expect(errors).toEqual([]);
  });

  it('says, in English and French, that an email is being sent automatically right now when a resend meets the sweeper sending it', async () => {
    const email = 'fay.leased@example.com';
    await rt.submit({ type: 'erasure', email, language: 'en' });
    const links = await until(() => rt.links(email).catch(() => undefined));
    const page = await newPage(browser, { viewport: { width: 1280, height: 1000 } });
    await signInAsOfficer(page, rt);
    await page.locator('#filters').waitFor();
    // The sweeper's lease cannot be caught mid-send in a browser: the admin API's answer to it is stood in for (unit tests make it).
    const until_ = '2026-03-02T10:02:30.000Z';
    await page.route(`**/admin/requests/${links.requestId}/resend`, (route) =>
      route.fulfill({ status: 409, json: { error: 'BeingSent', reason: 'being_sent', message: `this email is being sent automatically right now; if it has not gone by ${until_}, resend it then`, until: until_ } }),
    );
    await page.goto(`${rt.urls.console}#/requests/${links.requestId}`);
    await page.locator('#detail-id', { hasText: links.requestId }).waitFor();
    await page.getByRole('button', { name: 'Resend email' }).click();
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.locator('#action-error:not([hidden])').waitFor();
    expect(await page.locator('#action-error').textContent()).toMatch(
      /^The action did not go through: this email is being sent automatically right now\. If it has not gone by .*2 Mar 2026.*, resend it then\.$/,
    );
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-resend-being-sent.png'), fullPage: true });
    await page.getByRole('button', { name: 'Français' }).click();
    await page.getByRole('button', { name: 'Renvoyer l’e-mail' }).click();
    await page.getByRole('button', { name: 'Confirmer' }).click();
    await page.locator('#action-error:not([hidden])', { hasText: 'abouti' }).waitFor();
    expect(await page.locator('#action-error').textContent()).toMatch(
      /^L’action n’a pas abouti : cet e-mail est en cours d’envoi automatique\. S’il n’est pas parti à .*2 mars 2026.*, renvoyez-le à ce moment-là\.$/,
    );
    await page.screenshot({ path: join(SHOTS, 'console-resend-being-sent-fr.png'), fullPage: true });
  });

  it('marks a request refused after its deadline as late where the console says when it closed, in English and French', async () => {
    const email = 'gus.late@example.com';
    await rt.submit({ type: 'erasure', email, language: 'en' });
    const links = await until(() => rt.links(email).catch(() => undefined));
    const page = await newPage(browser, { viewport: { width: 1280, height: 1000 } });
    await signInAsOfficer(page, rt);
    await page.locator('#filters').waitFor();
    // A deadline cannot pass in a browser test: the detail the admin API gives is that of a request refused two days after it (unit tests make the flag).
    await page.route(`**/admin/requests/${links.requestId}`, async (route) => {
      const d = await (await route.fetch()).json();
      Object.assign(d.request, { status: 'denied', dueDate: '2026-04-01', daysLeft: null, closedAt: '2026-04-03T10:00:00.000Z', closedLate: true });
      await route.fulfill({ json: d });
    });
    await page.goto(`${rt.urls.console}#/requests/${links.requestId}`);
    await page.locator('#detail-id', { hasText: links.requestId }).waitFor();
    const closed = page.locator('#detail-summary dt', { hasText: /^Countdown$/ }).locator('xpath=following-sibling::dd[1]');
    await closed.waitFor();
    expect(await closed.textContent()).toMatch(/^Closed on .*3 Apr 2026.* Late$/);
    expect(await closed.locator('.badge.overdue').textContent()).toBe('Late');
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-refused-late.png'), fullPage: true });
    await page.getByRole('button', { name: 'Français' }).click();
    await page.locator('#detail-summary .badge.overdue', { hasText: 'En retard' }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'console-refused-late-fr.png'), fullPage: true });
  });
});
