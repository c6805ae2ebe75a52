import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { type Booted, until } from '../integration/harness.ts';
import { axe, bootWithBrowser, hasChromium, newPage, SHOTS } from './browser.ts';

let rt: Booted;
let browser: Browser;

describe.skipIf(!hasChromium)('a requester in the browser (Debian chromium)', { timeout: 180_000 }, () => {
  bootWithBrowser((booted, b) => {
    rt = booted;
    browser = b;
  });

  it('fills in the form in French, confirms from the email, and watches the request complete', async () => {
    const page = await newPage(browser, { viewport: { width: 1100, height: 1300 } });
    await page.goto(rt.urls.web);
    expect(await page.getAttribute('html', 'lang')).toBe('fr');

    // An empty submission shows errors tied to their fields, and moves focus to the summary.
    await page.getByRole('button', { name: 'Envoyer ma demande' }).click();
    await page.locator('#summary').waitFor();
    expect(await page.locator('#email').getAttribute('aria-invalid')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('summary');
    await page.screenshot({ path: join(SHOTS, 'form-errors-fr.png'), fullPage: true });

    await page.getByLabel('Effacer mes données').check();
    await page.locator('#eraseWarranty').waitFor();
    await page.getByLabel('Adresse e-mail de votre compte client').fill('alice@example.com');
    await page.screenshot({ path: join(SHOTS, 'form-filled-fr.png'), fullPage: true });
    await page.getByRole('button', { name: 'Envoyer ma demande' }).click();
    await page.locator('#done').waitFor();
    expect(await page.locator('#done').textContent()).toContain('Merci');

    const links = await until(() => rt.links('alice@example.com').catch(() => undefined), 5000, 'email');
    await page.goto(links.verify);
    // The confirmation page says which request it confirms, under the shop's header.
    await expect(page.locator('dl.summary').textContent()).resolves.toContain('Effacement de vos données');
    await expect(page.locator('dl.summary').textContent()).resolves.toContain(links.requestId);
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'verify-fr.png'), fullPage: true });
    await page.getByRole('button', { name: 'Confirmer ma demande' }).click();
    await page.getByRole('heading', { name: 'Demande confirmée' }).waitFor();
    await expect(page.locator('dl.summary').textContent()).resolves.toContain('Réponse au plus tard le');
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'verify-confirmed-fr.png'), fullPage: true });

    // Reopening the used link says it is already confirmed, and leads to the status page.
    await page.goto(links.verify);
    await page.getByRole('heading', { name: 'Demande déjà confirmée' }).waitFor();
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'verify-already-fr.png'), fullPage: true });
    await page.getByRole('link', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Request already confirmed' }).waitFor();
    await page.getByRole('link', { name: 'Follow your request' }).click();
    await page.waitForURL(`**/status.html?id=${links.requestId}&token=${links.statusToken}`);

    await page.locator('#status[data-status="completed"]').waitFor({ timeout: 60_000 });
    expect(await page.locator('#status').textContent()).toBe('Terminée');
    expect(await page.locator('#type').textContent()).toBe('Effacement de vos données');
    expect(await page.locator('#reference').textContent()).toBe(links.requestId);
    // Completed: the completion date, not the deadline.
    expect(await page.locator('#due-label').textContent()).toBe('Terminée le');
    await expect(page.locator('#summary').textContent()).resolves.not.toContain('Réponse au plus tard');
    // One row per category: the shop's own systems and the six processor categories.
    expect(await page.locator('#progress tr').count()).toBe(7);
    await expect(page.locator('#progress').textContent()).resolves.toContain('Nos propres systèmes');
    expect(await axe(page)).toEqual([]);
    // How to complain (Art. 12(4)), in the requester's language, on the page itself.
    expect(await page.locator('#complain-title').textContent()).toBe('Comment se plaindre');
    expect(await page.locator('#complain-ico').textContent()).toContain('Wycliffe House, Water Lane, Wilmslow, Cheshire SK9 5AF, téléphone 0303 123 1113, https://ico.org.uk/make-a-complaint');
    // The ICO's address is a link in the sentence, opening in the same tab.
    const icoLink = page.locator('#complain-ico a');
    expect(await icoLink.evaluateAll((as) => as.map((a) => [a.textContent, a.getAttribute('href'), a.getAttribute('target')]))).toEqual([['https://ico.org.uk/make-a-complaint', 'https://ico.org.uk/make-a-complaint', null]]);
    expect(await page.locator('#complain-court').isVisible()).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'status-completed-fr.png'), fullPage: true });
    await page.getByRole('button', { name: 'English' }).click();
    expect(await page.locator('#due-label').textContent()).toBe('Completed on');
    expect(await page.locator('#type').textContent()).toBe('Erasure of your data');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    // How to complain follows the switch too: a French paragraph under an English button is a page in two languages.
    expect(await page.locator('#complain-title').textContent()).toBe('How to complain');
    expect(await page.locator('#complain-us').textContent()).toBe('If you are not satisfied with our answer, you can first complain to us: reply to any of our emails about this request.');
    expect(await page.locator('#complain-ico').textContent()).toContain('Wycliffe House, Water Lane, Wilmslow, Cheshire SK9 5AF, telephone 0303 123 1113, https://ico.org.uk/make-a-complaint');
    expect(await page.locator('#complain-ico').getByRole('link', { name: 'https://ico.org.uk/make-a-complaint' }).getAttribute('href')).toBe('https://ico.org.uk/make-a-complaint');
    expect(await page.locator('#complain-court').textContent()).toBe('You also have the right to go to court to enforce your rights.');
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'status-completed-en.png'), fullPage: true });
    await page.getByRole('button', { name: 'Français' }).click();
    expect(await page.locator('#complain-title').textContent()).toBe('Comment se plaindre');
  });

  it('says the request is sent in the language the visitor switches to afterwards, as every other text of the page', async () => {
    const page = await newPage(browser, { viewport: { width: 1100, height: 900 } });
    await page.goto(rt.urls.web);
    await page.getByLabel('Recevoir une copie de mes données').check();
    await page.getByLabel('Adresse e-mail de votre compte client').fill('ivan-switch@example.com');
    await page.getByRole('button', { name: 'Envoyer ma demande' }).click();
    await page.getByRole('heading', { name: 'Demande envoyée' }).waitFor();
    expect(await page.locator('#done-message').textContent()).toBe('Merci. Si cette adresse est la vôtre, vous allez recevoir un e-mail avec un lien pour confirmer votre demande. Nous n’envoyons pas plus d’un lien toutes les 10 minutes à une même adresse, et quelques-uns par heure : s’il n’est pas arrivé dans l’heure, renvoyez ce formulaire.');
    await page.screenshot({ path: join(SHOTS, 'form-sent-fr.png'), fullPage: true });

    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Request sent' }).waitFor();
    expect(await page.locator('#done-message').textContent()).toBe('Thank you. If this address is yours, you will receive an email with a link to confirm your request. We send one address at most one link every 10 minutes, and a few an hour: if none has arrived within the hour, send this form again.');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'form-sent-switched-en.png'), fullPage: true });

    // Sent again at once: the same answer (it says nothing of the link mailed a moment ago), which follows the switch too.
    await page.reload();
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByLabel('Get a copy of my data').check();
    await page.getByLabel('Email address of your shop account').fill('ivan-switch@example.com');
    await page.getByRole('button', { name: 'Send my request' }).click();
    await page.getByRole('heading', { name: 'Request sent' }).waitFor();
    expect(await page.locator('#done-message').textContent()).toBe('Thank you. If this address is yours, you will receive an email with a link to confirm your request. We send one address at most one link every 10 minutes, and a few an hour: if none has arrived within the hour, send this form again.');
    await page.getByRole('button', { name: 'Français' }).click();
    await page.getByRole('heading', { name: 'Demande envoyée' }).waitFor();
    expect(await page.locator('#done-message').textContent()).toBe('Merci. Si cette adresse est la vôtre, vous allez recevoir un e-mail avec un lien pour confirmer votre demande. Nous n’envoyons pas plus d’un lien toutes les 10 minutes à une même adresse, et quelques-uns par heure : s’il n’est pas arrivé dans l’heure, renvoyez ce formulaire.');
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'form-sent-again-switched-fr.png'), fullPage: true });
  });

  it('switches the form to English without reloading', async () => {
    const page = await newPage(browser);
    await page.goto(rt.urls.web);
    await page.getByRole('button', { name: 'English' }).click();
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await page.getByRole('button', { name: 'Send my request' }).waitFor();
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'form-en.png'), fullPage: true });
  });

  it('shows who the controller is and its postal address under the form, in both languages, and offers a restriction', async () => {
    const page = await newPage(browser);
    await page.goto(rt.urls.web);
    const footer = page.locator('footer#controller');
    await footer.getByText('Claremont House, Broad Lane, Tanworth in Arden, B94 5DY, Royaume-Uni').waitFor();
    const lines = () => Promise.all(['h2', '#controller-name', '#controller-address', '#controller-number'].map((s) => footer.locator(s).textContent()));
    expect(await lines()).toEqual(['Responsable du traitement', 'Offtek', 'Claremont House, Broad Lane, Tanworth in Arden, B94 5DY, Royaume-Uni', 'Société immatriculée au Royaume-Uni sous le numéro 03148866']);
    await page.getByRole('button', { name: 'English' }).click();
    expect(await lines()).toEqual(['Data controller', 'Offtek', 'Claremont House, Broad Lane, Tanworth in Arden, B94 5DY, United Kingdom', 'Company registered in the United Kingdom, number 03148866']);
    await page.getByRole('radio', { name: /Stop the use of my data \(restriction\)/ }).check();
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'form-controller-restrict-en.png'), fullPage: true });
  });

  it('offers someone acting for another a phone call only when the shop has configured a number, and the postal address always', async () => {
    const hint = async (configured?: string) => {
      const page = await newPage(browser);
      if (configured) {
        // The deployment's /config.json, with a number the shop has configured (config/controller.json's `phone`).
        await page.route('**/config.json', async (route) => {
          const c = (await (await route.fetch()).json()) as { controller: Record<string, unknown> };
          await route.fulfill({ json: { ...c, controller: { ...c.controller, phone: configured } } });
        });
      }
      await page.goto(`${rt.urls.web}?lang=en`);
      await page.locator('footer#controller').waitFor();
      const texts = [await page.locator('[data-t="agentHint"]').textContent(), await page.locator('footer#controller').textContent()];
      await page.getByRole('button', { name: 'Français' }).click();
      texts.push(await page.locator('[data-t="agentHint"]').textContent());
      await page.close();
      return texts;
    };
    const [en, footer, fr] = await hint();
    expect(en).toBe('Acting for someone else (a solicitor, a parent)? Tick “I am acting for someone else” below, or write to us at the address at the foot of this page.');
    expect(fr).toBe('Vous agissez pour quelqu’un d’autre (avocat, parent) ? Cochez « J’agis pour quelqu’un d’autre » plus bas, ou écrivez-nous à l’adresse en bas de cette page.');
    expect(footer).not.toMatch(/phone|téléphone/i);
    const [enPhone, footerPhone, frPhone] = await hint('+44 121 496 0000');
    expect(enPhone).toBe('Acting for someone else (a solicitor, a parent)? Tick “I am acting for someone else” below, or call us on +44 121 496 0000, or write to us at the address at the foot of this page.');
    expect(frPhone).toBe('Vous agissez pour quelqu’un d’autre (avocat, parent) ? Cochez « J’agis pour quelqu’un d’autre » plus bas, ou appelez-nous au +44 121 496 0000, ou écrivez-nous à l’adresse en bas de cette page.');
    expect(footerPhone).toContain('Telephone: +44 121 496 0000');
  });

  it('lists each problem once, keeps the errors across a language switch, and refuses a long name out loud', async () => {
    const page = await newPage(browser, { viewport: { width: 1100, height: 1300 } });
    await page.goto(rt.urls.web);
    await page.getByLabel('Corriger des données inexactes').check();
    await page.getByLabel('Adresse e-mail de votre compte client').fill('dora@example.com');
    // The field takes the whole name: nothing is cut off silently.
    await page.getByLabel('Votre nom (facultatif)').fill('D'.repeat(230));
    expect(await page.getByLabel('Votre nom (facultatif)').inputValue()).toHaveLength(230);
    await page.getByRole('button', { name: 'Envoyer ma demande' }).click();
    await page.locator('#summary').waitFor();
    // Both rectification fields are empty: one line for them, and one for the name.
    expect(await page.locator('#summary-list li').allTextContents()).toEqual([
      'Indiquez ce qui est inexact et ce qu’il faudrait mettre à la place.',
      'Votre nom peut compter jusqu’à 200 caractères.',
    ]);
    expect(await page.locator('#name').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#name-error').textContent()).toBe('Votre nom peut compter jusqu’à 200 caractères.');
    // Listed once, but both empty fields are marked.
    expect(await page.locator('#rect-field').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#rect-correction').getAttribute('aria-invalid')).toBe('true');
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'form-errors-rectification-fr.png'), fullPage: true });

    await page.getByRole('button', { name: 'English' }).click();
    expect(await page.locator('#summary').isVisible()).toBe(true);
    expect(await page.locator('#summary-list li').allTextContents()).toEqual(['Tell us what is wrong and what it should be.', 'Your name can be up to 200 characters.']);
    expect(await page.locator('#name-error').textContent()).toBe('Your name can be up to 200 characters.');
    expect(await page.locator('#name').getAttribute('aria-invalid')).toBe('true');
    await page.screenshot({ path: join(SHOTS, 'form-errors-switched-en.png'), fullPage: true });
  });

  it('fits a phone’s width in French: the request’s labels, dates and reference wrap instead of running off the screen', async () => {
    await rt.submit({ type: 'erasure', email: 'phone-width@example.com', language: 'fr' });
    const links = await until(() => rt.links('phone-width@example.com').catch(() => undefined), 5000, 'email');
    const page = await newPage(browser, { viewport: { width: 390, height: 900 } });
    /** How far the page runs past the screen's right edge, in CSS pixels (0: nothing to scroll sideways). */
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

    // Not yet confirmed: "Réponse au plus tard le" and "Un mois après votre confirmation" beside the reference.
    await page.goto(`${rt.urls.web}status.html?id=${links.requestId}&token=${links.statusToken}`);
    await page.locator('#status[data-status="unverified"]').waitFor();
    await page.screenshot({ path: join(SHOTS, 'status-phone-fr.png'), fullPage: true });
    expect(await overflow()).toBe(0);

    await page.goto(links.verify);
    await page.getByRole('button', { name: 'Confirmer ma demande' }).click();
    await page.getByRole('heading', { name: 'Demande confirmée' }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'verify-confirmed-phone-fr.png'), fullPage: true });
    expect(await overflow()).toBe(0);
    expect(await axe(page)).toEqual([]);
  });

  it('leaves the status page as it is when a poll brings nothing new, so that a screen reader does not read it out again every few seconds', async () => {
    await rt.submit({ type: 'access', email: 'status-poll@example.com', language: 'en' });
    const links = await until(() => rt.links('status-poll@example.com').catch(() => undefined), 5000, 'email');
    const page = await newPage(browser);
    await page.goto(`${rt.urls.web}status.html?id=${links.requestId}&token=${links.statusToken}`);
    await page.locator('#status[data-status="unverified"]').waitFor();
    // Every change under <main>, which is a live region: each one is read out to a screen reader.
    await page.evaluate(() => {
      const w = window as unknown as { changes: number };
      w.changes = 0;
      new MutationObserver((records) => {
        w.changes += records.length;
      }).observe(document.querySelector('main') as Element, { subtree: true, childList: true, characterData: true, attributes: true });
    });
    // The page asks again only once it has shown the previous answer: two more asks, so one answer came and was shown.
    const asked = () => page.waitForRequest((r) => r.url().includes(`/requests/${links.requestId}/status`), { timeout: 15_000 });
    await asked();
    await asked();
    expect(await page.evaluate(() => (window as unknown as { changes: number }).changes)).toBe(0);
    expect(await page.locator('#status').textContent()).toBe('Waiting for your confirmation');
  });

  it('stops asking for the status while its tab is hidden, and asks at once when it is shown again', async () => {
    await rt.submit({ type: 'access', email: 'status-hidden@example.com', language: 'en' });
    const links = await until(() => rt.links('status-hidden@example.com').catch(() => undefined), 5000, 'email');
    const page = await newPage(browser);
    await page.clock.install();
    let asks = 0;
    page.on('request', (r) => {
      if (r.url().includes(`/requests/${links.requestId}/status`)) asks++;
    });
    await page.goto(`${rt.urls.web}status.html?id=${links.requestId}&token=${links.statusToken}`);
    await page.locator('#status[data-status="unverified"]').waitFor();
    const tab = (state: 'hidden' | 'visible') =>
      page.evaluate((s) => {
        Object.defineProperty(document, 'visibilityState', { value: s, configurable: true });
        document.dispatchEvent(new Event('visibilitychange'));
      }, state);
    await tab('hidden');
    // The ask already planned may still go; none after it, however long the tab stays hidden.
    await page.clock.runFor(5_000);
    await page.waitForLoadState('networkidle');
    const hiddenAt = asks;
    // A minute at a time, each ask let finish, so that a page still polling would ask again each time.
    for (let minute = 0; minute < 10; minute++) {
      await page.clock.runFor(60_000);
      await page.waitForLoadState('networkidle');
    }
    expect(asks).toBe(hiddenAt);
    const shown = page.waitForRequest((r) => r.url().includes(`/requests/${links.requestId}/status`), { timeout: 5_000 });
    await tab('visible');
    await shown;
    expect(asks).toBe(hiddenAt + 1);
  });

  it('takes the keyboard from each line of the error summary to the field at fault, the choices included', async () => {
    const page = await newPage(browser, { viewport: { width: 390, height: 900 } });
    await page.goto(`${rt.urls.web}?lang=en`);
    /** Follows the summary's link as a keyboard user does (Tab to it, Enter) and says where the focus lands. */
    const follow = async (text: string) => {
      await page.locator('#summary-list a', { hasText: text }).focus();
      await page.keyboard.press('Enter');
      return page.evaluate(() => {
        const el = document.activeElement as HTMLInputElement;
        return `${el.tagName.toLowerCase()} ${el.name}`;
      });
    };

    await page.getByRole('button', { name: 'Send my request' }).click();
    await page.locator('#summary').waitFor();
    expect(await follow('Enter the email address')).toBe('input email');
    expect(await follow('Choose what you would like')).toBe('input type');

    // An objection with no use ticked: the first of its boxes.
    await page.getByLabel('Object to a use of my data').check();
    await page.getByLabel('Email address of your shop account').fill('keyboard@example.com');
    await page.getByRole('button', { name: 'Send my request' }).click();
    await page.locator('#objections-error').waitFor();
    const line = (await page.locator('#summary-list a').allTextContents())[0];
    expect(await follow(line)).toBe('input objections');
    // Someone acting for the person who has not said how they are related: the first relationship.
    await page.getByLabel('I am acting for someone else').check();
    await page.getByRole('button', { name: 'Send my request' }).click();
    await page.locator('#agent-relationship-error').waitFor();
    expect(await follow((await page.locator('#agent-relationship-error').textContent()) ?? '')).toBe('input agent.relationship');
    await page.screenshot({ path: join(SHOTS, 'form-error-link-objections-en.png'), fullPage: true });
  });

  it('puts a wrong password’s error where a screen reader hears it: in the tab’s title, and on the password field, which has the focus', async () => {
    await rt.submit({ type: 'access', email: 'carol@example.com', language: 'fr' });
    const links = await until(() => rt.links('carol@example.com').catch(() => undefined), 5000, 'email');
    const page = await newPage(browser, { viewport: { width: 390, height: 900 } });
    await page.goto(links.verify);
    expect(await page.title()).toBe('Confirmer votre demande — Offtek');
    await page.getByLabel('Mot de passe du compte').fill('not her password');
    await page.getByRole('button', { name: 'Confirmer ma demande' }).click();
    await page.locator('#password-error').waitFor();
    // The page comes back from the server: what a screen reader says first is the title, then the focused field.
    expect(await page.title()).toBe('Erreur : Confirmer votre demande — Offtek');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('password');
    await expect(page.getByLabel('Mot de passe du compte').getAttribute('aria-describedby')).resolves.toBe('password-error');
    expect(await page.locator('#password-error').textContent()).toBe('Ce mot de passe ne correspond pas. Réessayez.');
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'verify-wrong-password-phone-fr.png'), fullPage: true });
    await page.getByRole('link', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Confirm your request' }).waitFor();
  });

  it('shows the rate limit as a message about the form, saying how long to wait', async () => {
    const page = await newPage(browser, { viewport: { width: 1100, height: 1000 } });
    // The intake’s own 429 takes 300 submissions from one address; its answer is what matters here.
    await page.route('**/requests', (route) =>
      route.fulfill({ status: 429, headers: { 'content-type': 'application/json', 'retry-after': '2700' }, body: JSON.stringify({ error: 'TooManyRequests', message: 'too many requests' }) }),
    );
    await page.goto(`${rt.urls.web}?lang=en`);
    await page.getByLabel('Erase my data').check();
    await page.getByLabel('Email address of your shop account').fill('erin@example.com');
    await page.getByRole('button', { name: 'Send my request' }).click();
    await page.locator('#summary').waitFor();
    const text = await page.locator('#summary-list').textContent();
    expect(text).toMatch(/^Too many requests were sent from your network in a short time\. You can try again in 45 minutes \(from \d\d:\d\d\)\.$/);
    // Nothing the person typed is wrong: no field is marked, and the message is no link to one.
    expect(await page.locator('[aria-invalid]').count()).toBe(0);
    expect(await page.locator('#email-error').isHidden()).toBe(true);
    expect(await page.locator('#summary-list a').count()).toBe(0);
    await page.getByRole('button', { name: 'Français' }).click();
    expect(await page.locator('#summary-list').textContent()).toMatch(/Vous pourrez réessayer dans 45 minutes \(à partir de \d\d:\d\d\)\./);
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'form-rate-limited-fr.png'), fullPage: true });
  });

  it('tells a race lost (409) to send the form again and a fault of ours (5xx) to try later, keeping "check your connection" for no answer at all', async () => {
    const page = await newPage(browser, { viewport: { width: 1100, height: 1000 } });
    const answers = [
      { status: 409, body: JSON.stringify({ error: 'ConcurrentUpdate', reason: 'concurrent_update', message: 'try again' }) },
      { status: 503, body: JSON.stringify({ error: 'Unavailable', message: 'busy' }) },
    ];
    await page.route('**/requests', (route) => (answers.length ? route.fulfill({ contentType: 'application/json', ...answers.shift()! }) : route.abort()));
    await page.goto(`${rt.urls.web}?lang=en`);
    await page.getByLabel('Erase my data').check();
    await page.getByLabel('Email address of your shop account').fill('erin@example.com');
    const send = async () => {
      await page.getByRole('button', { name: 'Send my request' }).click();
      await page.locator('#summary').waitFor();
      return page.locator('#summary-list').textContent();
    };
    // Until November 29, 2026 both said "Check your connection".
    expect(await send()).toBe('The request could not be recorded this time. Please send it again as it is.');
    expect(await send()).toBe('A problem on our side stopped the request. Please try again in a few minutes.');
    await page.getByRole('button', { name: 'Français' }).click();
    expect(await page.locator('#summary-list').textContent()).toBe('Un problème de notre côté a empêché l’envoi. Réessayez dans quelques minutes.');
    await page.getByRole('button', { name: 'English' }).click();
    expect(await send()).toBe('The request could not be sent. Check your connection and try again.');
    expect(await page.locator('[aria-invalid]').count()).toBe(0);
  });

  it('says the status page cannot show the request just now while the API fails, in both languages before one is chosen, then shows it once it answers', async () => {
    await rt.submit({ type: 'erasure', email: 'status-later@example.com', language: 'en' });
    const links = await until(() => rt.links('status-later@example.com').catch(() => undefined), 10_000, 'email');
    const page = await newPage(browser, { viewport: { width: 1000, height: 900 } });
    let failing = true;
    await page.route('**/requests/*/status', (route) => (failing ? route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: 'Unavailable', message: 'busy' }) }) : route.continue()));
    await page.goto(`${rt.urls.web}status.html?id=${links.requestId}&token=${links.statusToken}`);
    const error = page.locator('#error');
    await error.waitFor();
    // Until November 29, 2026 the page was its heading alone.
    expect(await error.textContent()).toBe(
      'Votre demande ne peut pas être affichée pour le moment. Cette page réessaie d’elle-même ; vous pouvez la laisser ouverte. / Your request cannot be shown just now. This page tries again by itself; you can leave it open.',
    );
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'status-unavailable.png'), fullPage: true });
    failing = false;
    await page.locator('#summary').waitFor({ timeout: 15_000 });
    expect(await error.isHidden()).toBe(true);
    expect(await page.locator('#reference').textContent()).toBe(links.requestId);
  });
});
