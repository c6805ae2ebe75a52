import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { totp } from '../../local/totp.ts';
import { type Booted, until } from '../integration/harness.ts';
import { axe, bootWithBrowser, hasChromium, newPage, SHOTS } from './browser.ts';

let rt: Booted;
let browser: Browser;

describe.skipIf(!hasChromium)('a compliance officer in the console (Debian chromium)', { timeout: 240_000 }, () => {
  // The delivery processor never answers, and its heartbeat (a second, below its two-second time-out) runs out: an escalation to handle.
  bootWithBrowser((booted, b) => {
    rt = booted;
    browser = b;
  }, { registry: (r) => ({ ...r, processors: r.processors.map((p) => (p.id === 'parcelway' ? { ...p, heartbeatSeconds: 1, timeoutSeconds: 2 } : p)) }) }, (booted) => booted.processors.setBehaviour('parcelway', { never: true }));

  it('signs in through the managed login flow (password, TOTP), reads the escalation in words, extends, sees a refused action in the page, resolves the task, sees the request complete and signs out', async () => {
    await rt.submit({ type: 'erasure', email: 'carol@example.com', language: 'en' });
    const links = await until(() => rt.links('carol@example.com').catch(() => undefined));
    await rt.confirm(links.token);
    await until(async () => (await rt.status(links.requestId, links.statusToken)).status === 'awaiting_manual', 30_000, 'escalation');

    const page = await newPage(browser, { viewport: { width: 1280, height: 1100 } });
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    // Anything the page's CSP blocks (the token endpoint is on the sign-in origin) is logged as an error;
    // an error status a call of the page answers, which the browser logs as "Failed to load resource", is not.
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    const officer = rt.auth.users.officer;

    await page.goto(rt.urls.console);
    await page.screenshot({ path: join(SHOTS, 'console-sign-in.png') });
    await page.getByRole('button', { name: 'Sign in' }).click();
    // The sign-in pages are the stand-in's (Cognito's managed login on AWS), on their own origin.
    await page.waitForURL(`${rt.urls.signIn}/interaction/**`);
    await page.getByLabel('Username').fill('officer');
    await page.getByLabel('Password').fill(officer.password);
    await page.screenshot({ path: join(SHOTS, 'console-sign-in-password.png') });
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Code from your authenticator app').fill(totp(officer.totpSecret));
    await page.screenshot({ path: join(SHOTS, 'console-sign-in-mfa.png') });
    await page.getByRole('button', { name: 'Sign in' }).click();
    // Back on the console with a code, exchanged for tokens at the token endpoint (cross-origin, PKCE).
    await page.locator('#escalated table').waitFor();
    expect(new URL(page.url()).search).toBe('');
    await expect(page.locator('#who').textContent()).resolves.toBe('Signed in as officer');
    // The escalation says why, in words, with its deliveries: the webhook got through, no callback came within its heartbeat.
    const row = page.locator('#escalated tr', { hasText: links.requestId });
    expect(await row.locator('td').allTextContents()).toEqual([
      links.requestId,
      'Parcelway Delivery',
      'Delivery',
      'No answer in time',
      'no answer or progress report in time',
      '1 attempt',
      expect.stringMatching(/^accepted \(HTTP 2xx\) — \d{1,2} \w{3} \d{4}, \d\d:\d\d:\d\d$/),
    ]);
    await expect(page.locator('#counts').textContent()).resolves.toContain('Waiting for a person');
    await expect(page.locator('#counts').textContent()).resolves.not.toContain('awaiting_manual');
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-dashboard.png'), fullPage: true });

    await page.locator('#escalated').getByRole('link', { name: links.requestId }).click();
    await page.locator('#detail-summary').getByText('Waiting for a person').waitFor();
    expect(await axe(page)).toEqual([]);

    // Extend once: afterwards the button stays, disabled, saying when and why.
    await page.getByRole('button', { name: 'Extend deadline' }).click();
    await page.getByLabel('Reason').fill('Parcelway needs its archive team to search older orders.');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.locator('#extension-note:not([hidden])').waitFor();
    expect(await page.getByRole('button', { name: 'Extend deadline' }).isDisabled()).toBe(true);
    expect(await page.locator('#extension-note').textContent()).toMatch(/^Extended on .+ to .+: Parcelway needs its archive team to search older orders\.$/);

    // Cancel asks why, from the reasons the requester is told, in words; a refused action is said in the page, never in an alert().
    await page.route('**/admin/requests/*/cancel', (route) =>
      route.fulfill({ status: 409, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: 'Conflict', message: 'a completed request cannot be cancelled' }) }),
    );
    await page.getByRole('button', { name: 'Cancel request' }).click();
    expect(await page.getByLabel('Reason').locator('option').allTextContents()).toEqual(['Withdrawn by the requester', 'Duplicate of another request']);
    // Its way out is not a second "Cancel" beside "Confirm" under "Cancel this request?" (in French, "Annuler" under "Annuler la demande"): it goes back.
    expect(await page.getByRole('dialog').getByRole('button').allTextContents()).toEqual(['Confirm', 'Go back']);
    await page.getByLabel('Reason').selectOption('withdrawn_by_requester');
    await page.screenshot({ path: join(SHOTS, 'console-cancel-dialog.png') });
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.locator('#action-error:not([hidden])').waitFor();
    expect(await page.locator('#action-error').textContent()).toBe('The action did not go through: a completed request cannot be cancelled');
    expect(dialogs).toEqual([]);
    await page.unroute('**/admin/requests/*/cancel');
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-detail-escalated.png'), fullPage: true });

    // A retry the processor does not take says whose, what became of the task and what is left to do, in one sentence.
    await page.route('**/admin/requests/*/tasks/parcelway/retry', (route) =>
      route.fulfill({ status: 502, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: 'RetryFailed', message: 'the webhook was not accepted this time either (processor parcelway answered 503), so the task is failed again: retry it later, or resolve it' }) }),
    );
    await page.locator('#tasks tr', { hasText: 'Parcelway Delivery' }).getByRole('button', { name: 'Retry' }).click();
    await page.getByRole('button', { name: 'Confirm' }).click();
    // The cancel's refusal is still said until the page is drawn again.
    await page.locator('#action-error:not([hidden])', { hasText: 'webhook' }).waitFor();
    expect(await page.locator('#action-error').textContent()).toBe('The action did not go through: Parcelway Delivery still did not accept the webhook, so its task is failed again. Retry it later, or resolve it.');
    await page.unroute('**/admin/requests/*/tasks/parcelway/retry');
    await page.screenshot({ path: join(SHOTS, 'console-retry-refused.png') });

    await page.getByRole('button', { name: 'Resolve Parcelway Delivery' }).click();
    // Parcelway keeps Carol's proof of purchase under a dispute: resolved as retained, with its basis and until-date.
    const dialog = page.getByRole('dialog');
    // The dialog names the processor whose task it resolves, and says the note is the team's own.
    expect(await dialog.getByRole('heading').textContent()).toBe('Resolve — Parcelway Delivery');
    expect(await dialog.getByLabel('Note (for the team; never sent to the requester)', { exact: true }).count()).toBe(1);
    await dialog.getByLabel('Outcome').selectOption('retained');
    await dialog.getByLabel('Legal basis for keeping it').selectOption('legal_claims');
    await dialog.getByLabel('Kept until').fill('2040-12-31');
    // Whatever order the browser writes it in (12/31/2040 in an American browser), the day is said in the console's words.
    expect(await dialog.getByRole('status').textContent()).toBe(new Intl.DateTimeFormat('en-GB', { dateStyle: 'full', timeZone: 'UTC' }).format(new Date('2040-12-31T00:00:00Z')));
    await dialog.getByLabel('Note').fill('Parcelway keeps the delivery record for a warranty dispute; ticket PW-7731.');
    await page.screenshot({ path: join(SHOTS, 'console-resolve-dialog.png') });
    await page.getByRole('button', { name: 'Confirm' }).click();

    await until(async () => (await rt.status(links.requestId, links.statusToken)).status === 'completed', 30_000, 'completion');
    const outcome = await until(async () => (await rt.mails('carol@example.com')).find((m) => /complete/.test(m.subject)), 10_000, 'outcome email');
    expect(outcome.body.text).toContain('- Parcelway Delivery (delivery): kept some records instead of erasing them, for the establishment, exercise or defence of legal claims, until 31 December 2040 (checked by our privacy team).');
    await page.reload();
    await page.locator('#detail-summary').getByText('Completed').waitFor();
    // Closed: when it closed, no countdown.
    await expect(page.locator('#detail-summary').textContent()).resolves.toMatch(/Closed on/);
    // When it was received and when its requester confirmed it (which started the clock), to the second.
    const facts = Object.fromEntries(await page.locator('#detail-summary dt').evaluateAll((dts) => dts.map((dt) => [dt.textContent, dt.nextElementSibling?.textContent])));
    expect(facts).toMatchObject({ Received: expect.stringMatching(/^\d{1,2} \w{3} \d{4}, \d\d:\d\d:\d\d$/), 'Confirmed (clock started)': expect.stringMatching(/^\d{1,2} \w{3} \d{4}, \d\d:\d\d:\d\d$/) });
    // An erasure's type comes with what it asks beyond it: here, the warranty purchases kept.
    expect(Object.keys(facts).slice(0, 5)).toEqual(['Type', 'Lifetime-warranty purchases', 'Received', 'Confirmed (clock started)', 'Status']);
    expect(facts['Lifetime-warranty purchases']).toBe('Kept: the warranty’s proof of purchase');
    await expect(page.locator('#detail-summary').textContent()).resolves.not.toMatch(/days left|due today|days late/);
    const audit = await page.locator('#audit').textContent();
    // A task's event names its processor, unless the processor is who acted: which webhook failed, which task an officer resolved.
    expect(audit).toContain('Resolved by an officer (Parcelway Delivery) — officer ');
    expect(audit).toMatch(/Webhook sent \(PayNow Payments\) — workflow /);
    expect(audit).toContain('Kept by the processor (legal hold) — PayNow Payments ');
    expect(audit).toContain('Completed — workflow');
    await expect(page.locator('#timeline').textContent()).resolves.toContain('Execution started');
    // The timeline's webhooks and escalations name their processor too: eight "Webhook to a processor" told no one which.
    const timeline = await page.locator('#timeline li').allTextContents();
    expect(timeline.filter((t) => / Dispatch /.test(t))).toHaveLength(8);
    expect(timeline.some((t) => t.startsWith('Webhook to Parcelway Delivery Dispatch'))).toBe(true);
    expect(timeline.some((t) => t.startsWith('Escalated to the team (Parcelway Delivery) Escalate'))).toBe(true);
    // Room for two-digit numbers (the audit trail runs past 10 entries).
    expect(await page.locator('#audit li').count()).toBeGreaterThanOrEqual(10);
    expect(await page.locator('#audit').evaluate((ol) => Number.parseFloat(getComputedStyle(ol).paddingLeft))).toBeGreaterThanOrEqual(40);
    // The audit trail is shown whole, its latest events (the completion) included, not in a box to scroll:
    // it is the record an officer reads and prints. Printed, the execution timeline is whole too.
    const clipped = (sel: string) => page.locator(sel).evaluate((ol) => ol.scrollHeight > ol.clientHeight + 1);
    await expect(clipped('#audit')).resolves.toBe(false);
    await page.emulateMedia({ media: 'print' });
    await expect(clipped('#audit')).resolves.toBe(false);
    await expect(clipped('#timeline')).resolves.toBe(false);
    await page.emulateMedia({ media: 'screen' });
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-detail-completed.png'), fullPage: true });
    await page.getByRole('button', { name: 'Français' }).click();
    await page.locator('#detail-summary').getByText('Terminée').waitFor();
    await expect(page.locator('#detail-summary dt').allTextContents()).resolves.toEqual(expect.arrayContaining(['Reçue le', 'Confirmée le (délai lancé)']));
    expect(await page.locator('#audit').textContent()).toContain('Résolue par un responsable (Parcelway Delivery) — officer ');
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-detail-completed-fr.png'), fullPage: true });
    await page.getByRole('button', { name: 'English' }).click();
    await page.locator('#detail-summary').getByText('Completed').waitFor();

    // A closed request is found from the dashboard's list, filtered by status, not by typing its URL.
    await page.getByRole('link', { name: '← Dashboard' }).click();
    await page.locator('#filters').waitFor();
    await expect(page.locator('#requests').textContent()).resolves.not.toContain(links.requestId);
    await page.getByLabel('Status').selectOption({ label: 'Completed' });
    await page.getByRole('button', { name: 'Show' }).click();
    await page.locator('#requests').getByRole('link', { name: links.requestId }).waitFor();
    expect(await page.locator('#requests tr', { hasText: links.requestId }).locator('td').nth(4).textContent()).toMatch(/^Closed on /);
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-list-completed.png'), fullPage: true });
    // The search box opens it by its reference too (the journey by email is the next test's).
    await page.getByLabel('Find a request: reference, email address or order number').fill(links.requestId.toLowerCase());
    await page.getByRole('button', { name: 'Find', exact: true }).click();
    await page.locator('#search-results').getByRole('link', { name: links.requestId }).click();
    await page.locator('#detail-summary').getByText('Completed').waitFor();

    // Signing out ends the sign-in session too: signing in again asks for the password.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(rt.urls.console);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('lethe-token'))).toBeNull();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Password').waitFor();
    expect(errors).toEqual([]);
  });

  it('finds requests by email and by reference, assigns an owner, adds a note, stops the clock while the mail fails (said done, its email sent later) and restarts it, denies with an explanation, and reports the period with a CSV', async () => {
    // Every processor holds its answer while this test acts, so that the request for a copy stays open.
    for (const p of rt.registry.processors) rt.processors.setBehaviour(p.id, { never: true });
    try {
      await rt.submit({ type: 'access', email: 'dora@example.com', language: 'en', orderNumber: 'OT-5521' });
      const copy = await until(() => rt.links('dora@example.com').catch(() => undefined));
      await rt.confirm(copy.token);
      await rt.submit({ type: 'erasure', email: 'dora@example.com', language: 'en' });
      const erasure = await until(async () => {
        const l = await rt.links('dora@example.com').catch(() => undefined);
        return l && l.requestId !== copy.requestId ? l : undefined;
      });
      await rt.confirm(erasure.token);
      await until(async () => (await rt.status(copy.requestId, copy.statusToken)).status === 'in_progress', 30_000, 'copy in progress');

      const page = await newPage(browser, { viewport: { width: 1280, height: 1100 } });
      const errors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(rt.urls.console);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${rt.urls.signIn}/interaction/**`);
      await page.getByLabel('Username').fill('officer');
      await page.getByLabel('Password').fill(rt.auth.users.officer.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByLabel('Code from your authenticator app').fill(totp(rt.auth.users.officer.totpSecret));
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('#filters').waitFor();

      // Search by email: both of the address's requests, through its keyed hash.
      await page.getByLabel('Find a request: reference, email address or order number').fill('Dora@example.com');
      await page.getByRole('button', { name: 'Find', exact: true }).click();
      await page.locator('#search-results').getByText('2 requests found').waitFor();
      expect((await page.locator('#search-results tbody tr td:first-child').allTextContents()).sort()).toEqual([copy.requestId, erasure.requestId].sort());
      // The scorecard lists every processor, each with its open tasks.
      expect(await page.locator('#scorecard tbody tr').count()).toBe(rt.registry.processors.length);
      expect(await axe(page)).toEqual([]);
      await page.screenshot({ path: join(SHOTS, 'console-search.png'), fullPage: true });

      // Search by reference, in lower case, and open it.
      await page.getByLabel('Find a request: reference, email address or order number').fill(copy.requestId.toLowerCase());
      await page.getByRole('button', { name: 'Find', exact: true }).click();
      await page.locator('#search-results').getByText('1 request found').waitFor();
      await page.locator('#search-results').getByRole('link', { name: copy.requestId }).click();
      await page.locator('#detail-summary').getByText('No owner yet').waitFor();
      // Dora typed an order number the shop's account service does not know for her address: it went to no processor, and the trail says so.
      expect(await page.locator('#audit li', { hasText: /^Work started/ }).textContent()).toMatch(
        /^Work started \(the order number typed is not an order of this address, by the shop’s account service: it went to no processor\) — workflow /,
      );

      // No note yet is said as such, not as a first numbered note.
      expect(await page.locator('#notes li').count()).toBe(0);
      await page.getByText('No notes yet.', { exact: true }).waitFor();

      await page.getByLabel('Officer’s user name').fill('officer');
      await page.getByRole('button', { name: 'Assign' }).click();
      await page.locator('#detail-summary dd', { hasText: /^officer$/ }).waitFor();
      await page.getByLabel('New note').fill('Asked the warehouse which years the 2019 orders cover.');
      await page.getByRole('button', { name: 'Add note' }).click();
      await page.locator('#notes').getByText('Asked the warehouse which years the 2019 orders cover.').waitFor();
      expect(await page.locator('#notes li .hint').textContent()).toMatch(/^officer, \d{1,2} \w{3} \d{4}, \d\d:\d\d:\d\d$/);

      await page.getByRole('button', { name: 'Stop the clock' }).click();
      await page.getByLabel('What we need from the requester').fill('Which years of orders you want a copy of');
      await page.screenshot({ path: join(SHOTS, 'console-pause-dialog.png') });
      // SES refuses the clarification for now: the clock stops all the same, and the page says the email goes later.
      rt.ses.refuse((to) => to.includes('dora@example.com'));
      await page.getByRole('button', { name: 'Confirm' }).click();
      await page.locator('#pause-note:not([hidden])').waitFor();
      await page.locator('#action-note:not([hidden])').waitFor();
      expect(await page.locator('#action-note').textContent()).toBe('Done. The email to the requester could not be sent just now: it will be sent automatically within 15 minutes. Do not do it again.');
      await page.screenshot({ path: join(SHOTS, 'console-notice-owed.png'), fullPage: true });
      rt.ses.refuse(undefined);
      // The sweeper, past the officer's lease on the notice, delivers it.
      await rt.lambdas.invoke('sweeper', { time: new Date(Date.now() + 2 * 60_000).toISOString() });
      expect(await page.locator('#pause-note').textContent()).toMatch(/^Clock stopped since .+: waiting for the requester to tell us “Which years of orders you want a copy of”\.$/);
      expect(await page.getByRole('button', { name: 'Stop the clock' }).count()).toBe(0);
      expect(await axe(page)).toEqual([]);
      await page.screenshot({ path: join(SHOTS, 'console-detail-paused.png'), fullPage: true });
      await until(async () => (await rt.mails('dora@example.com')).find((m) => m.subject === 'Your request: we need a clarification'));
      await page.getByRole('button', { name: 'Restart the clock' }).click();
      // The day the answer came in, today unless the officer says it came earlier (no earlier than the stop): the days stopped count up to it.
      const answered = page.getByLabel('Day the requester’s answer was received');
      const today = new Date().toLocaleDateString('en-CA', { timeZone: 'Europe/London' });
      expect([await answered.inputValue(), await answered.getAttribute('max')]).toEqual([today, today]);
      await page.screenshot({ path: join(SHOTS, 'console-resume-dialog.png') });
      await page.getByRole('button', { name: 'Confirm' }).click();
      await page.locator('#pause-note[hidden]').waitFor({ state: 'attached' });
      await page.getByRole('button', { name: 'Stop the clock' }).waitFor();
      const audit = await page.locator('#audit').textContent();
      for (const words of ['Owner assigned — officer ', 'Internal note added — officer ', 'Clock stopped — officer ', 'Clock restarted — officer ']) expect(audit).toContain(words);

      // Deny the erasure with a reason and the officer's own words, which the requester receives.
      await page.goto(`${rt.urls.console}#/requests/${erasure.requestId}`);
      // Only the hash changes: the copy's page stays on show until the erasure's has loaded.
      await page.locator('#detail-id', { hasText: erasure.requestId }).waitFor();
      await page.getByRole('button', { name: 'Deny' }).click();
      await page.getByLabel('Reason').selectOption('excessive');
      await page.getByLabel('Explanation for the requester').fill('We answered the same request on 3 March; the copy is still valid.');
      await page.screenshot({ path: join(SHOTS, 'console-deny-dialog.png') });
      const answer = page.waitForResponse((r) => r.url().endsWith(`/admin/requests/${erasure.requestId}/deny`), { timeout: 60_000 });
      await page.getByRole('button', { name: 'Confirm' }).click();
      expect(await (await answer).text()).toMatch(/"status":"denied"/);
      await page.locator('#detail-summary').getByText('Denied', { exact: true }).waitFor();
      // The trail says why it was refused, as the requester was told, so that an officer opening it later need not ask.
      expect(await page.locator('#audit').textContent()).toContain('Denied (excessive) — officer ');
      const refusal = await until(async () => (await rt.mails('dora@example.com')).find((m) => m.subject === 'Your privacy request has been refused'));
      expect(refusal.body.text).toContain('In our team’s words:\nWe answered the same request on 3 March; the copy is still valid.');
      expect(refusal.body.text).toContain('https://ico.org.uk/make-a-complaint');

      // The report over the default period, then its CSV.
      await page.getByRole('link', { name: 'SLA report' }).click();
      await page.locator('#report-processors table').waitFor();
      expect(await page.locator('#report-processors tbody tr').count()).toBe(rt.registry.processors.length);
      await expect(page.locator('#report-tiles').textContent()).resolves.toMatch(/Received/);
      expect(await axe(page)).toEqual([]);
      await page.screenshot({ path: join(SHOTS, 'console-report.png'), fullPage: true });
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
      expect(download.suggestedFilename()).toMatch(/^lethe-sla-\d{4}-\d\d-\d\d-\d{4}-\d\d-\d\d\.csv$/);
      const csv = await readFile(await download.path(), 'utf8');
      expect(csv.split('\r\n')[0]).toBe('scope,name,measure,value');
      expect(csv).toContain('processor,Parcelway Delivery,tasks,');
      // The audit ledger over the same days, from the console: ids and hashes, the refusal by its officer among them.
      const [ledger] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download the audit trail (CSV)' }).click()]);
      expect(ledger.suggestedFilename()).toMatch(/^lethe-audit-\d{4}-\d\d-\d\d-\d{4}-\d\d-\d\d\.csv$/);
      const events = await readFile(await ledger.path(), 'utf8');
      expect(events.split('\r\n')[0]).toBe('at,request,subject,actor,action,from,to,seq,prevHash,hash');
      expect(events).toContain(`,${erasure.requestId},${erasure.requestId},officer:officer,deny,`);
      expect(events).not.toContain('dora@example.com');
      await page.getByRole('button', { name: 'Français' }).click();
      await page.getByRole('heading', { name: 'Rapport de délais' }).waitFor();
      expect(await axe(page)).toEqual([]);
      await page.screenshot({ path: join(SHOTS, 'console-report-fr.png'), fullPage: true });
      await page.getByRole('button', { name: 'English' }).click();
      expect(errors).toEqual([]);
    } finally {
      for (const p of rt.registry.processors) rt.processors.setBehaviour(p.id, p.id === 'parcelway' ? { never: true } : {});
    }
  });
});
