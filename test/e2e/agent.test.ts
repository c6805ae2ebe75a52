import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { type Booted, until } from '../integration/harness.ts';
import { axe, bootWithBrowser, hasChromium, newPage, SHOTS, signInAsOfficer } from './browser.ts';

let rt: Booted;
let browser: Browser;

describe.skipIf(!hasChromium)('someone acting for the person, through the form and the console (Debian chromium)', { timeout: 240_000 }, () => {
  bootWithBrowser((booted, b) => {
    rt = booted;
    browser = b;
  });

  it('in French: the agent’s fields appear on request, their errors are tied to each field, and the link goes to the person', async () => {
    const page = await newPage(browser, { viewport: { width: 1100, height: 1700 } });
    await page.goto(rt.urls.web);
    expect(await page.locator('#agent-options').isHidden()).toBe(true);
    await page.getByLabel('Effacer mes données').check();
    await page.getByLabel('Adresse e-mail de votre compte client').fill('olga.person@example.com');
    await page.getByLabel('J’agis pour quelqu’un d’autre').check();
    await page.locator('#agent-options').waitFor();
    expect(await page.locator('#onBehalf').getAttribute('aria-expanded')).toBe('true');
    // Sent with the agent's fields empty: each gets its own message, and the summary lists them in the page's order.
    await page.getByRole('button', { name: 'Envoyer ma demande' }).click();
    await page.locator('#summary').waitFor();
    expect(await page.locator('#summary-list li').allTextContents()).toEqual([
      'Saisissez votre propre nom, jusqu’à 200 caractères.',
      'Saisissez votre propre adresse e-mail, par exemple nom@exemple.fr.',
      'Choisissez votre lien avec la personne.',
      'Choisissez la preuve de votre mandat dont vous disposez.',
    ]);
    for (const id of ['agent-name', 'agent-email', 'agent-proof']) expect(await page.locator(`#${id}`).getAttribute('aria-invalid'), id).toBe('true');
    expect(await page.locator('#agent-relationship-error').textContent()).toBe('Choisissez votre lien avec la personne.');
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'form-agent-errors-fr.png'), fullPage: true });

    await page.getByLabel('Votre nom', { exact: true }).fill('Paul Avocat');
    await page.getByLabel('Votre adresse e-mail').fill('paul@cabinet.example');
    await page.getByLabel('Son avocat').check();
    await page.getByLabel('La preuve de votre mandat').selectOption('signed_authority');
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'form-agent-filled-fr.png'), fullPage: true });
    await page.getByRole('button', { name: 'Envoyer ma demande' }).click();
    await page.locator('#done').waitFor();
    expect(await page.locator('#done').textContent()).toContain('Merci');
    const mail = await until(async () => (await rt.mails('olga.person@example.com'))[0], 10_000, 'the confirmation email');
    expect(mail.body.text).toContain('Cette demande a été faite en votre nom par une personne qui se présente comme votre avocat.');
    expect(await rt.mails('paul@cabinet.example')).toEqual([]);
  });

  it('in English, after switching language: the errors follow, and the officer sees the relationship and the declared proof and approves', async () => {
    const page = await newPage(browser, { viewport: { width: 1100, height: 1700 } });
    await page.goto(rt.urls.web);
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByLabel('Get a copy of my data').check();
    await page.getByLabel('Email address of your shop account').fill('piet.person@example.com');
    await page.getByLabel('I am acting for someone else').check();
    await page.getByLabel('Your name', { exact: true }).fill('Petra Parent');
    await page.getByLabel('Your email address').fill('piet.person@example.com');
    await page.getByLabel('Their parent or guardian').check();
    await page.getByLabel('Your proof of authority').selectOption('parental_responsibility');
    await page.getByRole('button', { name: 'Send my request' }).click();
    await page.locator('#summary').waitFor();
    expect(await page.locator('#agent-email-error').textContent()).toBe('Enter your own email address here. The address above is the person’s own: we send the confirmation link there.');
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'form-agent-errors-en.png'), fullPage: true });
    // The switch keeps the error on show, translated.
    await page.getByRole('button', { name: 'Français' }).click();
    expect(await page.locator('#agent-email-error').textContent()).toBe('Saisissez ici votre propre adresse e-mail. L’adresse ci-dessus est celle de la personne : c’est là que nous envoyons le lien de confirmation.');
    await page.getByRole('button', { name: 'English' }).click();

    await page.getByLabel('Your email address').fill('petra.parent@example.com');
    await page.getByRole('button', { name: 'Send my request' }).click();
    await page.locator('#done').waitFor();
    expect(await axe(page)).toEqual([]);
    const links = await until(() => rt.links('piet.person@example.com').catch(() => undefined), 10_000, 'the confirmation email');
    expect((await rt.confirm(links.token)).status).toBe(200);

    const officer = await newPage(browser, { viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    officer.on('pageerror', (e) => errors.push(e.message));
    await signInAsOfficer(officer, rt);
    await officer.locator('#counts').getByText('To review (a correction, an agent’s authority)').waitFor();
    await officer.goto(`${rt.urls.console}#/requests/${links.requestId}`);
    await officer.locator('#detail-summary dt:has-text("Made by an agent")').waitFor();
    expect(await officer.locator('#detail-summary dt:has-text("Made by an agent") + dd').textContent()).toBe('A parent or guardian, who declares they hold proof of parental responsibility. Check that proof before approving.');
    expect(await officer.locator('#detail-summary').textContent()).not.toMatch(/Petra|petra\.parent/);
    // Waiting for review, the request has no clock to stop: the API would refuse it (409), so no button offers it.
    expect(await officer.getByRole('button', { name: 'Stop the clock' }).count()).toBe(0);
    // The agent's contact details only on the officer's request, to ask for the proof; the look is recorded.
    await officer.getByRole('button', { name: 'Show the agent’s contact details' }).click();
    await officer.locator('#agent-contact a[href="mailto:petra.parent@example.com"]').waitFor();
    expect(await officer.locator('#agent-contact').textContent()).toBe(
      'Agent’s contact details: Petra Parent — petra.parent@example.comTo ask them for their proof of authority. This look is recorded on the audit trail.',
    );
    await officer.reload();
    await officer.locator('#audit li:has-text("Agent’s contact details shown to an officer")').waitFor();
    expect(await officer.locator('#agent-contact').isHidden()).toBe(true);
    await officer.getByRole('button', { name: 'Show the agent’s contact details' }).click();
    await officer.locator('#agent-contact a').waitFor();
    expect(await axe(officer)).toEqual([]);
    await officer.screenshot({ path: join(SHOTS, 'console-agent-review.png'), fullPage: true });
    await officer.getByRole('button', { name: 'Approve: the authority is proven' }).click();
    expect(await axe(officer)).toEqual([]);
    await officer.getByRole('button', { name: 'Confirm' }).click();
    await until(async () => (await rt.status(links.requestId, links.statusToken)).status === 'completed', 60_000, 'completion');
    expect(errors).toEqual([]);
  });
});
