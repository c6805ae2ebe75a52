import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { type Booted, closedPort, until } from '../integration/harness.ts';
import { axe, bootWithBrowser, hasChromium, newPage, SHOTS, signInAsOfficer } from './browser.ts';

let rt: Booted;
let browser: Browser;


/** Everything the page holds, visible or not: its HTML, and the answers of the admin API it read. */
const everything = async (page: Page, answers: string[]) => `${await page.content()}\n${answers.join('\n')}`;

describe.skipIf(!hasChromium)('an officer retrying a copy that could not be assembled (Debian chromium)', { timeout: 240_000 }, () => {
  bootWithBrowser((booted, b) => {
    rt = booted;
    browser = b;
  }, { retryIntervalOverrides: { Assemble: 10, AssemblyFailed: 10 } });

  /** A copy asked for and confirmed by `email`, once its assembly has failed and it waits for an officer. */
  async function heldForAssembly(email: string) {
    const { workflowRepo: repo } = await import('../../functions/shared/deps.ts');
    await rt.submit({ type: 'access', email, language: 'en' });
    const links = await until(() => rt.links(email).catch(() => undefined));
    await rt.confirm(links.token, { password: 'correct horse battery staple' });
    const held = await until(async () => {
      const r = await repo.getRequest(links.requestId);
      return r?.status === 'awaiting_manual' && r.assemblyFailed ? r : undefined;
    }, 60_000, 'the copy held for an officer');
    return { links, held };
  }

  it('reads why the copy is held, sees no token, retries it while it still fails (held again), then retries once the results can be had: the request completes and the link is mailed', async () => {
    const { workflowRepo: repo } = await import('../../functions/shared/deps.ts');
    const EMAIL = 'xavier-assembly@example.com';
    rt.processors.setBehaviour('paynow', { resultsUrl: `https://127.0.0.1:${await closedPort()}/exports/xavier.json` });
    try {
      const { links, held } = await heldForAssembly(EMAIL);
      const firstToken = held.assemblyFailed?.token as string;

      const page = await newPage(browser, { viewport: { width: 1280, height: 1100 } });
      const dialogs: string[] = [];
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      // What the admin API answered the page, to look for the token in it too.
      const answers: string[] = [];
      page.on('response', (r) => {
        if (r.url().includes('/admin/')) void r.text().then((t) => answers.push(t), () => undefined);
      });
      await signInAsOfficer(page, rt);
      await page.locator('#who').waitFor();
      await page.goto(`${rt.urls.console}#/requests/${links.requestId}`);
      await page.locator('#detail-summary').getByText('The copy could not be assembled').waitFor();

      // The reason, in words: what failed, that nothing went to the requester, and what the officer can do.
      const summary = (await page.locator('#detail-summary').textContent()) ?? '';
      expect(summary).toContain('Waiting for a person');
      // The results_url refuses the connection: a bare network error, said in words, never its code, and the provider by its name.
      expect(summary).toMatch(
        /The results held by PayNow Payments could not be fetched, even after the retries: the provider’s address could not be reached \(\d{1,2} \w{3} \d{4}, \d\d:\d\d:\d\d\)\. Nothing is sent to the requester: retry the copy once the provider can give them, or deny or cancel the request\./,
      );
      expect(summary).not.toMatch(/\bError\b/);
      expect(await page.locator('#audit').textContent()).toContain('Copy could not be assembled');
      // The workflow's token is nowhere: not in the page, not in what the API gave it.
      expect(firstToken.length).toBeGreaterThan(10);
      expect(await everything(page, answers)).not.toContain(firstToken);
      expect(await axe(page)).toEqual([]);
      await page.screenshot({ path: join(SHOTS, 'console-assembly-failed.png'), fullPage: true });
      await page.getByRole('button', { name: 'Français' }).click();
      await page.locator('#detail-summary').getByText('La copie n’a pas pu être préparée').waitFor();
      expect(await page.locator('#detail-summary').textContent()).toContain('Les résultats détenus par PayNow Payments n’ont pas pu être récupérés, même après les nouvelles tentatives : l’adresse du prestataire était injoignable (');
      await page.getByRole('button', { name: 'Relancer la copie' }).waitFor();
      expect(await axe(page)).toEqual([]);
      await page.screenshot({ path: join(SHOTS, 'console-assembly-failed-fr.png'), fullPage: true });
      await page.getByRole('button', { name: 'English' }).click();
      await page.locator('#detail-summary').getByText('The copy could not be assembled').waitFor();

      // A retry while the results still cannot be fetched: the page says it is held again.
      await page.getByRole('button', { name: 'Retry the copy' }).click();
      expect(await page.getByRole('dialog').textContent()).toContain('Assemble the copy again?');
      await page.getByRole('button', { name: 'Confirm' }).click();
      const again = await until(async () => {
        const r = await repo.getRequest(links.requestId);
        return r?.status === 'awaiting_manual' && r.assemblyFailed && r.assemblyFailed.token !== firstToken ? r : undefined;
      }, 60_000, 'held again');
      const secondToken = again.assemblyFailed?.token as string;
      await page.reload();
      await page.locator('#detail-summary').getByText('The copy could not be assembled').waitFor();
      await page.getByRole('button', { name: 'Retry the copy' }).waitFor();
      const audit = (await page.locator('#audit').textContent()) ?? '';
      expect(audit).toContain('Copy retried by an officer — officer ');
      expect(audit.match(/Copy could not be assembled/g)).toHaveLength(2);
      expect(await everything(page, answers)).not.toContain(secondToken);
      expect(await everything(page, answers)).not.toContain(firstToken);
      expect(dialogs).toEqual([]);
      await page.screenshot({ path: join(SHOTS, 'console-assembly-failed-again.png'), fullPage: true });

      // The processor's results can be had now (stored where its callback stored them, under the hash the task recorded): the retry assembles the copy.
      const bodyHash = (await repo.getTask(links.requestId, 'paynow'))?.resultsHash as string;
      await repo.putTaskResults({ requestId: links.requestId, processorId: 'paynow', bodyHash }, JSON.stringify({ task_id: `${links.requestId}.paynow`, request_status: 'completed', results: { records: [{ payment: 'PAY-2002' }] } }), { writtenAt: new Date(), expiresAt: new Date(Date.now() + 86_400_000) });
      await page.getByRole('button', { name: 'Retry the copy' }).click();
      await page.getByRole('button', { name: 'Confirm' }).click();
      await until(async () => (await rt.status(links.requestId, links.statusToken)).status === 'completed', 60_000, 'completed');
      const mail = await until(async () => (await rt.mails(EMAIL)).find((m) => /complete/.test(m.subject)), 30_000, 'outcome email');
      expect(mail.body.text).toMatch(/\/exports\/\w+\?token=/);
      await page.reload();
      await page.locator('#detail-summary').getByText('Completed').waitFor();
      expect(await page.locator('#detail-summary').textContent()).not.toContain('The copy could not be assembled');
      expect(await page.getByRole('button', { name: 'Retry the copy' }).count()).toBe(0);
      expect(await page.locator('#audit').textContent()).toContain('Export package made');
      expect(await everything(page, answers)).not.toContain(secondToken);
      expect(dialogs).toEqual([]);
    } finally {
      rt.processors.setBehaviour('paynow', {});
    }
  });

  it('asks for a retry once the providers can give them when the results of several could not be fetched, in English and in French', async () => {
    const EMAIL = 'yolande-assembly@example.com';
    const refused = `https://127.0.0.1:${await closedPort()}`;
    rt.processors.setBehaviour('paynow', { resultsUrl: `${refused}/exports/yolande-paynow.json` });
    rt.processors.setBehaviour('parcelway', { resultsUrl: `${refused}/exports/yolande-parcelway.json` });
    try {
      const { links, held } = await heldForAssembly(EMAIL);
      expect([...(held.assemblyFailed?.processors ?? [])].sort()).toEqual(['parcelway', 'paynow']);

      const page = await newPage(browser, { viewport: { width: 1280, height: 1100 } });
      await signInAsOfficer(page, rt);
      await page.locator('#who').waitFor();
      await page.goto(`${rt.urls.console}#/requests/${links.requestId}`);
      await page.locator('#detail-summary').getByText('The copy could not be assembled').waitFor();
      expect((await page.locator('#detail-summary').textContent()) ?? '').toMatch(
        /The results held by PayNow Payments, Parcelway Delivery could not be fetched, even after the retries: the provider’s address could not be reached \(\d{1,2} \w{3} \d{4}, \d\d:\d\d:\d\d\)\. Nothing is sent to the requester: retry the copy once the providers can give them, or deny or cancel the request\./,
      );
      await page.screenshot({ path: join(SHOTS, 'console-assembly-failed-two-providers.png'), fullPage: true });
      await page.getByRole('button', { name: 'Français' }).click();
      await page.locator('#detail-summary').getByText('La copie n’a pas pu être préparée').waitFor();
      expect((await page.locator('#detail-summary').textContent()) ?? '').toMatch(
        /Les résultats détenus par PayNow Payments, Parcelway Delivery n’ont pas pu être récupérés, .* Rien n’est envoyé au demandeur : relancez la copie quand les prestataires peuvent les fournir, ou refusez ou annulez la demande\./,
      );
      await page.screenshot({ path: join(SHOTS, 'console-assembly-failed-two-providers-fr.png'), fullPage: true });
    } finally {
      rt.processors.setBehaviour('paynow', {});
      rt.processors.setBehaviour('parcelway', {});
    }
  });
});
