import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { type Booted, until } from '../integration/harness.ts';
import { axe, bootWithBrowser, hasChromium, newPage, SHOTS, signInAsOfficer } from './browser.ts';

let rt: Booted;
let browser: Browser;

describe.skipIf(!hasChromium)('the complaints channel in the browser (Debian chromium)', { timeout: 240_000 }, () => {
  bootWithBrowser((booted, b) => {
    rt = booted;
    browser = b;
  });

  it('goes from the status page to the complaint form with the request’s reference, shows field errors, and sends the complaint', async () => {
    await rt.submit({ type: 'erasure', email: 'hana-complains@example.com', language: 'fr' });
    const links = await until(() => rt.links('hana-complains@example.com').catch(() => undefined), 10_000, 'email');
    const page = await newPage(browser, { viewport: { width: 1000, height: 1200 } });
    await page.goto(`${rt.urls.web.replace(/\/$/, '')}/status.html?id=${links.requestId}&token=${links.statusToken}`);
    await page.getByRole('link', { name: 'Faire une réclamation avec notre formulaire' }).click();
    await page.waitForURL(`**/complaint.html?ref=${links.requestId}&lang=fr`);
    await page.getByRole('heading', { level: 1, name: 'Faire une réclamation' }).waitFor();
    expect(await page.getByLabel('Référence de votre demande (facultatif)').inputValue()).toBe(links.requestId);
    // The ICO's address is a link, in either language, opened in the same tab.
    const ico = page.getByRole('link', { name: 'https://ico.org.uk/make-a-complaint' });
    expect([await ico.getAttribute('href'), await ico.getAttribute('target')]).toEqual(['https://ico.org.uk/make-a-complaint', null]);
    expect(await axe(page)).toEqual([]);

    // Nothing typed: each field at fault says so by the field and in the summary.
    await page.getByRole('button', { name: 'Envoyer ma réclamation' }).click();
    await page.locator('#summary').waitFor();
    expect(await page.locator('#summary-list li').allTextContents()).toEqual([
      'Saisissez une adresse e-mail où vous répondre, par exemple nom@exemple.fr.',
      'Expliquez ce qui ne va pas, en 10 à 5\u00a0000 caractères.',
    ]);
    expect(await page.locator('#email').getAttribute('aria-invalid')).toBe('true');
    expect(await axe(page)).toEqual([]);
    // The switch shows the same errors in English.
    await page.getByRole('button', { name: 'English' }).click();
    expect(await page.locator('#text-error').textContent()).toBe('Tell us what went wrong, in 10 to 5,000 characters.');
    expect(await page.getByRole('link', { name: 'https://ico.org.uk/make-a-complaint' }).count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'complaint-errors-en.png'), fullPage: true });
    await page.getByRole('button', { name: 'Français' }).click();

    await page.getByLabel('Votre adresse e-mail').fill('hana-complains@example.com');
    await page.getByLabel('Votre nom (facultatif)').fill('Hana');
    await page.getByLabel('Votre réclamation').fill('Ma demande d’effacement n’avance pas et personne ne répond.');
    await page.screenshot({ path: join(SHOTS, 'complaint-form-fr.png'), fullPage: true });
    await page.getByRole('button', { name: 'Envoyer ma réclamation' }).click();
    await page.getByRole('heading', { name: 'Réclamation envoyée' }).waitFor();
    expect(await page.locator('#done-message').textContent()).toBe(
      'Merci. Votre réclamation est enregistrée. Nous vous envoyons un accusé de réception par e-mail, puis nous vous répondrons sans retard injustifié.',
    );
    expect(await axe(page)).toEqual([]);
    // The answer follows the switch, as every other text of the page.
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Complaint sent' }).waitFor();
    expect(await page.locator('#done-message').textContent()).toBe('Thank you. Your complaint is recorded. We are emailing you an acknowledgement, and will answer you without undue delay.');
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'complaint-sent-switched-en.png'), fullPage: true });
    await until(async () => (await rt.mails('hana-complains@example.com')).some((m) => m.subject === 'Nous avons bien reçu votre réclamation'), 15_000, 'acknowledgement');
  });

  it('sends one complaint when the button is pressed twice before the answer comes (a double click)', async () => {
    const page = await newPage(browser, { viewport: { width: 390, height: 900 } });
    // The first answer is held until both presses are made, as on a slow network.
    let release = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    let sent = 0;
    await page.route('**/complaints', async (route) => {
      sent++;
      await held;
      await route.continue();
    });
    await page.goto(`${rt.urls.web}complaint.html?lang=en`);
    await page.getByLabel('Your email address').fill('twice-complains@example.com');
    await page.getByLabel('Your complaint').fill('You sent my invoice to someone else.');
    await page.getByRole('button', { name: 'Send my complaint' }).dblclick();
    release();
    await page.getByRole('heading', { name: 'Complaint sent' }).waitFor();
    // Two would be two complaints, two references and two acknowledgements for one complaint.
    expect(sent).toBe(1);
    expect(await axe(page)).toEqual([]);
  });

  it('says in the page, not by a field, when the server asks to wait, when the text is too large, and when there is no answer', async () => {
    const page = await newPage(browser, { viewport: { width: 1000, height: 1000 } });
    await page.goto(`${rt.urls.web.replace(/\/$/, '')}/complaint.html?lang=en`);
    await page.getByLabel('Your email address').fill('kim@example.com');
    await page.getByLabel('Your complaint').fill('You kept my data after I asked you to erase it.');
    const answers = [
      { status: 429, headers: { 'retry-after': '150' }, body: '{}' },
      { status: 413, body: '{}' },
    ];
    // The server's answers as the API gives them; the third post finds no server at all.
    await page.route('**/complaints', (route) => (answers.length ? route.fulfill({ contentType: 'application/json', ...answers.shift()! }) : route.abort()));
    const send = async () => {
      await page.getByRole('button', { name: 'Send my complaint' }).click();
      await page.locator('#summary').waitFor();
      return (await page.locator('#summary-list li').allTextContents()).join(' | ');
    };
    expect(await send()).toBe('Too many complaints were sent from your network in a short time. You can try again in 3 minutes.');
    expect(await send()).toBe('The text is too long to send. Please shorten it and try again.');
    expect(await send()).toBe('The complaint could not be sent. Check your connection and try again.');
    expect(await page.locator('#email').getAttribute('aria-invalid')).not.toBe('true');
    expect(await page.locator('#done').isHidden()).toBe(true);
  });

  it('says a wait of under a minute as one minute, in the singular, in both languages', async () => {
    const page = await newPage(browser, { viewport: { width: 390, height: 900 } });
    await page.route('**/complaints', (route) => route.fulfill({ status: 429, contentType: 'application/json', headers: { 'retry-after': '40' }, body: '{}' }));
    await page.goto(`${rt.urls.web}complaint.html?lang=en`);
    await page.getByLabel('Your email address').fill('soon@example.com');
    await page.getByLabel('Your complaint').fill('You kept my data after I asked you to erase it.');
    await page.getByRole('button', { name: 'Send my complaint' }).click();
    await page.locator('#summary').waitFor();
    expect(await page.locator('#summary-list').textContent()).toBe('Too many complaints were sent from your network in a short time. You can try again in 1 minute.');
    await page.getByRole('button', { name: 'Français' }).click();
    expect(await page.locator('#summary-list').textContent()).toBe('Trop de réclamations ont été envoyées depuis votre réseau en peu de temps. Vous pourrez réessayer dans 1 minute.');
  });

  it('lists complaints in the console with their clock and request, and records the response', async () => {
    const r = await rt.api('/complaints', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'ivan-complains@example.com', requestId: '01JQ0000000000000000000000', text: 'You sent my order history to the wrong address.', language: 'en' }) });
    expect(r.status).toBe(202);
    await until(async () => (await rt.mails('ivan-complains@example.com')).length > 0 || undefined, 15_000, 'acknowledgement');
    const page = await newPage(browser, { viewport: { width: 1400, height: 1000 } });
    await signInAsOfficer(page, rt);
    await page.locator('#who').waitFor();
    await page.getByRole('link', { name: 'Complaints' }).click();
    await page.getByRole('heading', { level: 1, name: 'Complaints' }).waitFor();
    const row = page.locator('#complaints-list tr', { hasText: 'ivan-complains@example.com' });
    await row.waitFor();
    expect(await row.locator('td .badge').textContent()).toBe('Acknowledged');
    expect(await row.locator('td').nth(4).textContent()).toContain('by email');
    expect(await row.getByRole('link', { name: '01JQ0000000000000000000000' }).getAttribute('href')).toBe('#/requests/01JQ0000000000000000000000');
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-complaints.png'), fullPage: true });

    await row.getByRole('button', { name: 'Record the response' }).click();
    await page.getByLabel('Outcome (at most 500 characters)').fill('Apologised; the order history was recalled from the courier.');
    expect(await axe(page)).toEqual([]);
    await page.getByRole('button', { name: 'Confirm' }).click();
    await until(async () => ((await row.locator('td .badge').textContent()) === 'Responded') || undefined, 10_000, 'responded');
    expect(await row.locator('td').nth(5).textContent()).toContain('Apologised; the order history was recalled from the courier.');
    expect(await row.getByRole('button', { name: 'Record the response' }).count()).toBe(0);
    // The button pressed went with the row redrawn: the keyboard goes to the page's title, not back to the top of the document.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('complaints-title');

    // The SLA report counts it.
    await page.getByRole('link', { name: 'SLA report' }).click();
    await page.locator('#report-complaints .tile').first().waitFor();
    expect(await page.locator('#report-complaints').textContent()).toContain('Complaints received');
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-report-complaints.png'), fullPage: true });
  });
});
