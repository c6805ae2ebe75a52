import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { addDays, daysUntil, dueDate, londonDate } from '../../functions/core/deadline.ts';
import type { Booted } from '../integration/harness.ts';
import { axe, bootWithBrowser, hasChromium, newPage, SHOTS, signInAs, signInAsOfficer } from './browser.ts';

let rt: Booted;
let browser: Browser;

/** A console page signed in as an officer, on the dashboard, with the errors its scripts log. */
async function signedInOfficer() {
  const page = await newPage(browser, { viewport: { width: 1280, height: 1100 } });
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  await signInAsOfficer(page, rt);
  await page.locator('#filters').waitFor();
  return { page, errors };
}

describe.skipIf(!hasChromium)('logging a request in the console (Debian chromium)', { timeout: 240_000 }, () => {
  // No processor answers: the logged request stays open, counted down in the list.
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

  it('logs a letter received two days ago: the server’s field-level refusal shows beside its field, then the request is in the list due a month from the day it arrived', async () => {
    const { page, errors } = await signedInOfficer();
    const today = londonDate(new Date());
    const receivedOn = addDays(today, -2);
    const due = dueDate(receivedOn);

    await page.getByRole('link', { name: 'Log a request' }).click();
    await page.getByRole('heading', { name: 'Log a request' }).waitFor();
    // Today is filled in: a call is logged as it ends.
    expect(await page.getByLabel('Received on').inputValue()).toBe(today);
    expect(await axe(page)).toEqual([]);

    await page.getByLabel('Type of request').selectOption('erasure');
    // An address the browser takes and the server does not (no domain): its message is put beside the field.
    await page.getByLabel('Email address of the shop account').fill('wendy@localhost');
    await page.getByLabel('Name (optional)').fill('Wendy Letter');
    await page.getByLabel('Order number (optional)').fill('OT-4242');
    await page.getByLabel('Requester’s language').selectOption('en');
    await page.getByLabel('Channel').selectOption('post');
    await page.getByLabel('Received on').fill(receivedOn);
    // The browser writes the date in its own language's order (mm/dd/yyyy in an American one, whatever the page's lang): the console says it in words beside it.
    expect(await page.locator('output[for="log-received"]').textContent()).toBe(new Intl.DateTimeFormat('en-GB', { dateStyle: 'full', timeZone: 'UTC' }).format(new Date(`${receivedOn}T00:00:00Z`)));
    await page.getByLabel('How you checked the identity').selectOption('signed_letter_with_id');
    await page.getByRole('button', { name: 'Log the request' }).click();
    const emailError = page.locator('#log-email-error');
    await emailError.waitFor();
    expect(await emailError.textContent()).not.toBe('');
    expect(await page.getByLabel('Email address of the shop account').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#log-summary').isVisible()).toBe(true);
    expect(await page.locator('#log-summary a').getAttribute('href')).toBe('#log-email');
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-log-refused.png'), fullPage: true });

    await page.getByLabel('Email address of the shop account').fill('wendy-letter@example.com');
    await page.getByRole('button', { name: 'Log the request' }).click();
    const done = page.locator('#log-done');
    await done.waitFor();
    expect(await done.textContent()).toContain('Request logged');
    expect(await page.locator('#log-summary').isVisible()).toBe(false);
    expect(await page.getByLabel('Email address of the shop account').getAttribute('aria-invalid')).toBeNull();
    const id = ((await done.locator('a').getAttribute('href')) ?? '').replace('#/requests/', '');
    expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    // The form is ready for the next one: empty, today filled in again.
    expect(await page.getByLabel('Email address of the shop account').inputValue()).toBe('');
    expect(await page.getByLabel('Received on').inputValue()).toBe(today);
    await page.screenshot({ path: join(SHOTS, 'console-log-done.png'), fullPage: true });

    await page.getByRole('link', { name: 'Dashboard' }).click();
    const row = page.locator('#requests tr', { has: page.locator(`a[href="#/requests/${id}"]`) });
    await row.waitFor();
    const cells = await row.locator('td').allTextContents();
    const shown = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${due}T00:00:00Z`));
    expect(cells[3]).toBe(shown);
    expect(cells[4]).toBe(`${daysUntil(due, today)} days left`);
    await page.screenshot({ path: join(SHOTS, 'console-log-listed.png'), fullPage: true });

    // Its audit trail says when it was received, as well as when and by whom it was logged.
    await page.goto(`${rt.urls.console}#/requests/${id}`);
    await page.locator('#detail-id', { hasText: id }).waitFor();
    const receivedWords = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${receivedOn}T00:00:00Z`));
    await page.locator('#audit li', { hasText: `received on ${receivedWords}` }).waitFor();
    expect(errors).toEqual([]);
  });

  it('logs one request when the answer to the first press is lost (a 502 after the server logged it) and the officer presses Log again', async () => {
    const { page, errors } = await signedInOfficer();
    await page.getByRole('link', { name: 'Log a request' }).click();
    await page.getByRole('heading', { name: 'Log a request' }).waitFor();
    await page.getByLabel('Type of request').selectOption('erasure');
    await page.getByLabel('Email address of the shop account').fill('lost-answer@example.com');
    await page.getByLabel('Requester’s language').selectOption('en');
    await page.getByLabel('Channel').selectOption('phone');
    await page.getByLabel('How you checked the identity').selectOption('account_questions');

    // The first press reaches the server, which logs the request; its answer is lost on the way back (a gateway's 502).
    const keys: (string | undefined)[] = [];
    let logged: string | undefined;
    await page.route('**/admin/requests', async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      keys.push(route.request().headers()['idempotency-key']);
      if (keys.length > 1) return route.continue();
      const answer = await route.fetch();
      expect(answer.status()).toBe(201);
      logged = ((await answer.json()) as { id: string }).id;
      await route.fulfill({ status: 502, contentType: 'application/json', body: JSON.stringify({ message: 'Bad Gateway' }) });
    });
    await page.getByRole('button', { name: 'Log the request' }).click();
    const summary = page.locator('#log-summary');
    await summary.waitFor();
    const said = await summary.textContent();
    expect(await page.getByLabel('Email address of the shop account').inputValue()).toBe('lost-answer@example.com');
    await page.screenshot({ path: join(SHOTS, 'console-log-answer-lost.png'), fullPage: true });

    await page.getByRole('button', { name: 'Log the request' }).click();
    const done = page.locator('#log-done');
    await done.waitFor();
    const id = ((await done.locator('a').getAttribute('href')) ?? '').replace('#/requests/', '');
    expect(id, 'the request the first press logged').toBe(logged);
    // Pressing again was what the officer was told to do, knowing it logs nothing twice.
    expect(said).toContain('Press “Log the request” again: the request is not logged twice.');
    // Both presses sent the form's one key.
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^[A-Za-z0-9_-]{16,128}$/);
    expect(keys[1]).toBe(keys[0]);
    await page.screenshot({ path: join(SHOTS, 'console-log-answer-lost-done.png'), fullPage: true });

    // The console finds one request for the address.
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await page.getByLabel('Find a request: reference, email address or order number').fill('lost-answer@example.com');
    await page.getByRole('button', { name: 'Find' }).click();
    await page.locator('#search-results p').waitFor();
    expect(await page.locator('#search-results p').textContent()).toBe('1 request found');
    expect(await page.locator('#search-results a').evaluateAll((as) => as.map((a) => a.getAttribute('href')))).toEqual([`#/requests/${logged}`]);
    await page.screenshot({ path: join(SHOTS, 'console-log-answer-lost-found.png'), fullPage: true });

    // The form emptied for the next one has a key of its own: the same person's next request is logged as a new one.
    await page.getByRole('link', { name: 'Log a request' }).click();
    await page.getByLabel('Type of request').selectOption('access');
    await page.getByLabel('Email address of the shop account').fill('lost-answer@example.com');
    await page.getByLabel('Requester’s language').selectOption('en');
    await page.getByLabel('Channel').selectOption('phone');
    await page.getByLabel('How you checked the identity').selectOption('account_questions');
    await page.getByRole('button', { name: 'Log the request' }).click();
    await page.locator('#log-done', { hasNotText: id }).waitFor();
    expect(keys).toHaveLength(3);
    expect(keys[2]).not.toBe(keys[0]);
    expect(errors).toEqual([]);
  });

  it('says a form changed after a lost answer was logged already, with a link to that request, and logs the changed form as another request only once pressed again', async () => {
    const { page, errors } = await signedInOfficer();
    await page.getByRole('link', { name: 'Log a request' }).click();
    await page.getByRole('heading', { name: 'Log a request' }).waitFor();
    await page.getByLabel('Type of request').selectOption('erasure');
    await page.getByLabel('Email address of the shop account').fill('changed-form@example.com');
    await page.getByLabel('Name (optional)').fill('Sam Smiht');
    await page.getByLabel('Requester’s language').selectOption('en');
    await page.getByLabel('Channel').selectOption('post');
    await page.getByLabel('How you checked the identity').selectOption('signed_letter_with_id');
    let logged: string | undefined;
    let posts = 0;
    await page.route('**/admin/requests', async (route) => {
      if (route.request().method() !== 'POST' || ++posts > 1) return route.continue();
      const answer = await route.fetch();
      logged = ((await answer.json()) as { id: string }).id;
      await route.fulfill({ status: 502, contentType: 'application/json', body: JSON.stringify({ message: 'Bad Gateway' }) });
    });
    await page.getByRole('button', { name: 'Log the request' }).click();
    await page.locator('#log-summary').waitFor();

    // The officer corrects a typo before pressing again: the server has the first version logged already.
    await page.getByLabel('Name (optional)').fill('Sam Smith');
    await page.getByRole('button', { name: 'Log the request' }).click();
    const first = page.locator(`#log-summary a[href="#/requests/${logged}"]`);
    await first.waitFor();
    expect(await page.locator('#log-summary').textContent()).toContain('This form was sent before with other details. Nothing new was logged');
    expect(await page.locator('#log-done').isVisible()).toBe(false);
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-log-changed-after-lost-answer.png'), fullPage: true });

    // Pressed once more, knowing: the form as it is now is logged as a request of its own.
    await page.getByRole('button', { name: 'Log the request' }).click();
    const done = page.locator('#log-done');
    await done.waitFor();
    const id = ((await done.locator('a').getAttribute('href')) ?? '').replace('#/requests/', '');
    expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(id).not.toBe(logged);
    expect(posts).toBe(3);
    expect(errors).toEqual([]);
  });

  it('is offered in French too, and not to a viewer', async () => {
    const { page, errors } = await signedInOfficer();
    await page.getByRole('button', { name: 'Français' }).click();
    await page.getByRole('link', { name: 'Enregistrer une demande' }).click();
    await page.getByRole('heading', { name: 'Enregistrer une demande' }).waitFor();
    expect(await page.getByLabel('Reçue le').inputValue()).toBe(londonDate(new Date()));
    // The day in words, in French, as the emails write the first of a month.
    await page.getByLabel('Reçue le').fill('2026-03-01');
    expect(await page.locator('output[for="log-received"]').textContent()).toBe('dimanche 1er mars 2026');
    // At 1280 px the French menu, the signed-in user and Se déconnecter each stay on one line.
    const lines = (sel: string) => page.locator(sel).evaluate((el) => Math.round(el.getBoundingClientRect().height / Number.parseFloat(getComputedStyle(el).lineHeight)));
    expect([await lines('#nav'), await lines('#who'), await page.locator('#nav a').evaluateAll((as) => new Set(as.map((a) => Math.round(a.getBoundingClientRect().top))).size)]).toEqual([1, 1, 1]);
    expect(await page.locator('#signout').evaluate((b) => b.scrollHeight < 2 * Number.parseFloat(getComputedStyle(b).lineHeight))).toBe(true);
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-log-fr.png'), fullPage: true });
    expect(errors).toEqual([]);

    // A viewer's console has no link to the form, and the form's address says it is for officers.
    const viewer = await newPage(browser, { viewport: { width: 1280, height: 900 } });
    await signInAs(viewer, rt, 'viewer');
    await viewer.locator('#filters').waitFor();
    expect(await viewer.getByRole('link', { name: /Log a request|Enregistrer une demande/ }).count()).toBe(0);
    await viewer.goto(`${rt.urls.console}#/log`);
    await viewer.locator('#log-officers-only').waitFor();
    expect(await viewer.locator('#log-form').isVisible()).toBe(false);
  });

  it('shows a viewer a request and the complaints without a button or a form to act: the API would refuse them every one', async () => {
    await rt.submit({ type: 'access', email: 'vera@example.com', language: 'en' });
    const { until } = await import('../integration/harness.ts');
    const l = await until(() => rt.links('vera@example.com').catch(() => undefined));
    await rt.confirm(l.token);
    await until(async () => (await rt.status(l.requestId, l.statusToken)).status === 'in_progress', 30_000, 'in progress');
    const complained = await fetch(`${rt.urls.web.replace(/\/$/, '')}/complaints`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'vera@example.com', text: 'You kept my data after I asked.', language: 'en' }) });
    expect(complained.ok).toBe(true);

    const viewer = await newPage(browser, { viewport: { width: 1280, height: 900 } });
    await signInAs(viewer, rt, 'viewer');
    await viewer.locator('#filters').waitFor();
    await viewer.goto(`${rt.urls.console}#/requests/${l.requestId}`);
    await viewer.locator('#detail-id', { hasText: l.requestId }).waitFor();
    await viewer.locator('#detail-summary').getByText('In progress').waitFor();
    // What an officer would press (extend, deny, cancel, stop the clock, assign, add a note) is not there.
    expect(await viewer.locator('#detail').getByRole('button').allTextContents()).toEqual([]);
    expect(await viewer.locator('#detail').getByRole('textbox').count()).toBe(0);
    expect(await viewer.locator('#detail-summary').textContent()).toContain('No owner yet');
    expect(await axe(viewer)).toEqual([]);
    await viewer.screenshot({ path: join(SHOTS, 'console-viewer-detail.png'), fullPage: true });
    await viewer.getByRole('link', { name: 'Complaints' }).click();
    await viewer.locator('#complaints-list table').waitFor();
    expect(await viewer.locator('#complaints-list').getByRole('button').count()).toBe(0);
  });
});
