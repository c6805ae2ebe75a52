import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { addDays, dueDate, londonDate } from '../../functions/core/deadline.ts';
import { type Booted, until } from '../integration/harness.ts';
import { axe, bootWithBrowser, hasChromium, newPage, SHOTS, signInAsOfficer } from './browser.ts';

let rt: Booted;
let browser: Browser;
const DAY = 86_400_000;

/** A confirmed request for a copy, in progress (no processor answers), for an address of the test's own; another type with `over`. */
async function openCopy(email: string, over: Record<string, unknown> = {}) {
  await rt.submit({ type: 'access', email, language: 'en', ...over });
  const l = await until(() => rt.links(email).catch(() => undefined));
  await rt.confirm(l.token);
  await until(async () => (await rt.status(l.requestId, l.statusToken)).status === 'in_progress', 30_000, 'in progress');
  return l.requestId;
}

/** Dates the request back as the days that pass would have: received and confirmed `days` ago, due a month after. */
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

async function age(requestId: string, days: number) {
  const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
  const { ddb } = await import('../../functions/adapters/clients/dynamodb.ts');
  const { key } = await import('../../functions/adapters/table.ts');
  const at = new Date(Date.now() - days * DAY).toISOString();
  const due = dueDate(at);
  await ddb.send(
    new UpdateCommand({
      TableName: rt.tableName,
      Key: key.request(requestId),
      UpdateExpression: 'SET receivedAt = :at, verifiedAt = :at, dueDate = :due, gsi1sk = :sk',
      ExpressionAttributeValues: { ':at': at, ':due': due, ':sk': `${due}#${requestId}` },
    }),
  );
}

/**
 * Counts the page's fetches until their bodies are read and the page has run what follows (a
 * task later): `settled` then says every page the console was drawing from them is drawn.
 */
function trackFetches(page: Page) {
  return page.addInitScript(() => {
    const w = window as unknown as { inFlight: number };
    w.inFlight = 0;
    const done = () => setTimeout(() => w.inFlight--);
    const fetch = window.fetch.bind(window);
    window.fetch = (...args) => {
      w.inFlight++;
      return fetch(...args).then(
        (r) => {
          const json = r.json.bind(r);
          r.json = () => json().finally(done);
          return r;
        },
        (e) => {
          done();
          throw e;
        },
      );
    };
  });
}
const settled = (page: Page) => page.waitForFunction(() => (window as unknown as { inFlight: number }).inFlight === 0);

/** Holds the first answer to `url` until `release()`; later ones go through. */
async function holdFirst(page: Page, url: string) {
  let release!: () => void;
  const held = new Promise<void>((r) => {
    release = r;
  });
  let first = true;
  await page.route(url, async (route) => {
    if (!first) return route.continue();
    first = false;
    await held;
    await route.continue();
  });
  return release;
}

/** Serves `url`'s real answer with `change` made to its JSON: a case the server gives only in time, or from older records. */
async function rewrite<T>(page: Page, url: string, change: (body: T) => void) {
  await page.route(url, async (route) => {
    const response = await route.fetch();
    const body = (await response.json()) as T;
    change(body);
    await route.fulfill({ response, json: body });
  });
}

describe.skipIf(!hasChromium)('a request’s page in the console (Debian chromium)', { timeout: 240_000 }, () => {
  // No processor answers: every request stays in progress while the officer looks at it.
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

  it('offers to stop the clock of a request for a copy still in time, not of one already overdue (the API refuses it), in English and French', async () => {
    const late = await openCopy('olga-late@example.com');
    await age(late, 40);
    const inTime = await openCopy('olga-in-time@example.com');

    const { page, errors } = await signedInOfficer();

    await page.goto(`${rt.urls.console}#/requests/${inTime}`);
    await page.locator('#detail-id', { hasText: inTime }).waitFor();
    await page.getByRole('button', { name: 'Extend deadline' }).waitFor();
    expect(await page.getByRole('button', { name: 'Stop the clock' }).count()).toBe(1);
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-pause-in-time.png'), fullPage: true });

    await page.goto(`${rt.urls.console}#/requests/${late}`);
    await page.locator('#detail-id', { hasText: late }).waitFor();
    await page.locator('#detail-summary .overdue', { hasText: /days late$/ }).waitFor();
    await page.getByRole('button', { name: 'Extend deadline' }).waitFor();
    expect(await page.getByRole('button', { name: 'Stop the clock' }).count()).toBe(0);
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-pause-overdue.png'), fullPage: true });

    await page.getByRole('button', { name: 'Français' }).click();
    await page.getByRole('button', { name: 'Prolonger le délai' }).waitFor();
    expect(await page.locator('#detail-summary .overdue').textContent()).toMatch(/^\d+ jours de retard$/);
    expect(await page.getByRole('button', { name: 'Suspendre le délai' }).count()).toBe(0);
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-pause-overdue-fr.png'), fullPage: true });
    await page.goto(`${rt.urls.console}#/requests/${inTime}`);
    await page.locator('#detail-id', { hasText: inTime }).waitFor();
    await page.getByRole('button', { name: 'Prolonger le délai' }).waitFor();
    expect(await page.getByRole('button', { name: 'Suspendre le délai' }).count()).toBe(1);
    expect(errors).toEqual([]);
  });

  it('counts down a single day in the singular, left or late, in English and French', async () => {
    const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
    const { ddb } = await import('../../functions/adapters/clients/dynamodb.ts');
    const { key } = await import('../../functions/adapters/table.ts');
    const today = londonDate(new Date());
    const dueIn = async (id: string, days: number) => {
      const due = addDays(today, days);
      await ddb.send(new UpdateCommand({ TableName: rt.tableName, Key: key.request(id), UpdateExpression: 'SET dueDate = :due, gsi1sk = :sk', ExpressionAttributeValues: { ':due': due, ':sk': `${due}#${id}` } }));
    };
    const tomorrow = await openCopy('una-tomorrow@example.com');
    await dueIn(tomorrow, 1);
    const yesterday = await openCopy('una-yesterday@example.com');
    await dueIn(yesterday, -1);

    const { page, errors } = await signedInOfficer();
    const countdown = async (id: string) => {
      await page.goto(`${rt.urls.console}#/requests/${id}`);
      await page.locator('#detail-id', { hasText: id }).waitFor();
      const cell = page.locator('#detail-summary dt', { hasText: /^(Countdown|Compte à rebours)$/ }).locator('xpath=following-sibling::dd[1]');
      await cell.waitFor();
      return cell.textContent();
    };
    expect([await countdown(tomorrow), await countdown(yesterday)]).toEqual(['1 day left', '1 day late']);
    await page.getByRole('button', { name: 'Français' }).click();
    await page.getByRole('button', { name: 'Prolonger le délai' }).waitFor();
    expect([await countdown(tomorrow), await countdown(yesterday)]).toEqual(['1 jour restant', '1 jour de retard']);
    expect(errors).toEqual([]);
  });

  it('writes the first of a month as French writes it, “1er”, as the requester’s emails and status page do, in the list and on the request', async () => {
    const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
    const { ddb } = await import('../../functions/adapters/clients/dynamodb.ts');
    const { key } = await import('../../functions/adapters/table.ts');
    const [y, m] = londonDate(new Date()).split('-').map(Number);
    const first = m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
    const id = await openCopy('yves-first@example.com');
    await ddb.send(new UpdateCommand({ TableName: rt.tableName, Key: key.request(id), UpdateExpression: 'SET dueDate = :due, gsi1sk = :sk', ExpressionAttributeValues: { ':due': first, ':sk': `${first}#${id}` } }));

    const { page, errors } = await signedInOfficer();
    await page.goto(`${rt.urls.console}#/requests/${id}`);
    await page.locator('#detail-id', { hasText: id }).waitFor();
    const due = page.locator('#detail-summary dt', { hasText: /^(Due|Échéance)$/ }).locator('xpath=following-sibling::dd[1]');
    await expect(due.textContent()).resolves.toMatch(/^1 \w{3} \d{4}$/);
    await page.getByRole('button', { name: 'Français' }).click();
    await page.getByRole('button', { name: 'Prolonger le délai' }).waitFor();
    await expect(due.textContent()).resolves.toMatch(/^1er \S+ \d{4}$/);
    await page.goto(`${rt.urls.console}#/`);
    const row = page.locator('#requests tr', { hasText: id });
    await row.waitFor();
    await expect(row.locator('td').nth(3).textContent()).resolves.toMatch(/^1er \S+ \d{4}$/);
    expect(errors).toEqual([]);
  });

  it('opens the SLA report on the last 90 London days, today included, in the half hour after a summer midnight too', async () => {
    const { page, errors } = await signedInOfficer();
    // 00:30 on 2 July in London is still 1 July in UTC.
    await page.clock.setFixedTime(new Date('2026-07-01T23:30:00Z'));
    await page.reload();
    await page.locator('#filters').waitFor();
    await page.getByRole('link', { name: 'SLA report' }).click();
    await page.locator('#report-processors table').waitFor();
    expect([await page.getByLabel('From', { exact: true }).inputValue(), await page.getByLabel('To', { exact: true }).inputValue()]).toEqual([addDays('2026-07-02', -89), '2026-07-02']);
    expect(errors).toEqual([]);
  });

  it('offers tomorrow in London as the first day a restriction can be lifted from or a task’s records kept until, in the hour either side of a London midnight that summer time starts or ends on too', async () => {
    const kept = await openCopy('tess-kept-until@example.com');
    const restricted = await openCopy('tess-lifted-from@example.com');
    const { page, errors } = await signedInOfficer();
    // The admin API's answers stand in for a task that failed and for a restriction in place: only the dialogs' dates are looked at here.
    // An erasure's task: only it can be resolved as retained (the copy's own is checked below).
    await rewrite<{ tasks: { status: string; action: string }[] }>(page, `**/admin/requests/${kept}`, (d) => {
      Object.assign(d.tasks[0], { status: 'failed', action: 'erase' });
    });
    await rewrite<{ request: { type: string; status: string } }>(page, `**/admin/requests/${restricted}`, (d) => {
      Object.assign(d.request, { type: 'restrict', status: 'completed' });
    });
    const firstDays = async () => {
      await page.goto(`${rt.urls.console}#/requests/${kept}`);
      await page.locator('#detail-id', { hasText: kept }).waitFor();
      await page.locator('#tasks').getByRole('button', { name: /^Resolve/ }).first().click();
      await page.getByLabel('Outcome').selectOption('retained');
      const keptUntil = await page.getByLabel('Kept until').getAttribute('min');
      await page.keyboard.press('Escape');
      await page.goto(`${rt.urls.console}#/requests/${restricted}`);
      await page.locator('#detail-id', { hasText: restricted }).waitFor();
      await page.getByRole('button', { name: 'Lift the restriction' }).click();
      const liftOn = await page.getByLabel('Lifted from (London date)').getAttribute('min');
      await page.keyboard.press('Escape');
      return [keptUntil, liftOn];
    };
    for (const [now, tomorrow] of [
      // 00:30 on 25 October 2026 in London, in summer time: that day has 25 hours, and 24 hours later is still the 25th.
      ['2026-10-24T23:30:00Z', '2026-10-26'],
      // 23:30 on 28 March 2026 in London: that night is an hour short, and 24 hours later is already the 30th.
      ['2026-03-28T23:30:00Z', '2026-03-29'],
      ['2026-07-01T12:00:00Z', '2026-07-02'],
    ]) {
      await page.clock.setFixedTime(new Date(now));
      await page.reload();
      expect(await firstDays(), now).toEqual([tomorrow, tomorrow]);
    }
    expect(errors).toEqual([]);
  });

  it('offers to resolve a copy’s task as done or as holding no data, never as kept instead of erased, which only an erasure’s task can be (the API refuses it)', async () => {
    const id = await openCopy('kit-copy-kept@example.com');
    const { page, errors } = await signedInOfficer();
    // The admin API's answer stands in for the copy's task failing: only the dialog's outcomes are looked at here.
    await rewrite<{ tasks: { status: string }[] }>(page, `**/admin/requests/${id}`, (d) => {
      d.tasks[0].status = 'failed';
    });
    await page.goto(`${rt.urls.console}#/requests/${id}`);
    await page.locator('#detail-id', { hasText: id }).waitFor();
    await page.locator('#tasks').getByRole('button', { name: /^Resolve/ }).first().click();
    expect(await page.getByRole('dialog').getByLabel('Outcome').locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual(['completed', 'not_found']);
    expect(errors).toEqual([]);
  });

  it('keeps an erasure’s task for a lifetime warranty without a date, which the warranty has no end for, and asks for one on any other basis', async () => {
    const id = await openCopy('kit-warranty-kept@example.com');
    const { page, errors } = await signedInOfficer();
    // The admin API's answer stands in for an erasure's task that failed; the resolution it is sent is caught here, not applied.
    await rewrite<{ tasks: { status: string; action: string }[] }>(page, `**/admin/requests/${id}`, (d) => {
      Object.assign(d.tasks[0], { status: 'failed', action: 'erase' });
    });
    const sent: unknown[] = [];
    await page.route(`**/admin/requests/${id}/tasks/*/resolve`, async (route) => {
      sent.push(route.request().postDataJSON());
      await route.fulfill({ status: 400, contentType: 'application/json', body: JSON.stringify({ error: 'InvalidInput', message: 'caught by the test', issues: [] }) });
    });
    await page.goto(`${rt.urls.console}#/requests/${id}`);
    await page.locator('#detail-id', { hasText: id }).waitFor();
    await page.locator('#tasks').getByRole('button', { name: /^Resolve/ }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Outcome').selectOption('retained');
    const required = () => dialog.getByLabel('Kept until').evaluate((i) => (i as HTMLInputElement).required);
    expect(await required()).toBe(true);
    await dialog.getByLabel('Legal basis for keeping it').selectOption('lifetime_warranty');
    expect(await required()).toBe(false);
    await dialog.getByLabel(/^Note/).fill('Proof of purchase kept for the warranty');
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(() => sent.length).toBe(1);
    expect(sent[0]).toEqual({ outcome: 'retained', note: 'Proof of purchase kept for the warranty', basis: 'lifetime_warranty' });
    expect(errors).toEqual([]);
  });

  it('puts the keyboard’s focus on what came of a confirmed action: the request’s heading when done, the refusal when refused; a note added keeps it on its button', async () => {
    const id = await openCopy('ivan-keys@example.com');
    const { page, errors } = await signedInOfficer();
    await page.goto(`${rt.urls.console}#/requests/${id}`);
    await page.locator('#detail-id', { hasText: id }).waitFor();
    const focused = () => page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName);

    await page.getByRole('button', { name: 'Extend deadline' }).focus();
    await page.keyboard.press('Enter');
    await page.keyboard.type('The payment provider needs its archive searched.');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.locator('#extension-note:not([hidden])').waitFor();
    await expect.poll(focused).toBe('detail-title');

    await page.route('**/admin/requests/*/cancel', (route) => route.fulfill({ status: 409, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: 'Conflict', message: 'a completed request cannot be cancelled' }) }));
    await page.getByRole('button', { name: 'Cancel request' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).press('Enter');
    await page.locator('#action-error:not([hidden])').waitFor();
    await expect.poll(focused).toBe('action-error');

    await page.getByLabel('New note').fill('Called the payment provider.');
    await page.getByRole('button', { name: 'Add note' }).press('Enter');
    await page.locator('#notes').getByText('Called the payment provider.').waitFor();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Add note');
    expect(await axe(page)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('says in the console’s language, beside the actions, that the server did not answer or failed on its side, in French and English', async () => {
    const id = await openCopy('ines-offline@example.com');
    const { page, errors } = await signedInOfficer();
    await page.goto(`${rt.urls.console}#/requests/${id}`);
    await page.locator('#detail-id', { hasText: id }).waitFor();
    // A language switch draws the request again: its buttons move as their words change, so a click
    // aimed before the redraw could land beside them. Each switch is waited for, by its words.
    await page.getByRole('button', { name: 'Français' }).click();
    await page.getByRole('button', { name: 'Prolonger le délai' }).waitFor();
    const extend = async () => {
      await page.getByRole('button', { name: /^(Prolonger le délai|Extend deadline)$/ }).click();
      await page.locator('#f-reason').fill('Les archives du prestataire de paiement.');
      await page.locator('#confirm-ok').click();
    };
    const said = () => page.locator('#action-error:not([hidden])').textContent();
    await page.route('**/admin/requests/*/extend', (route) => route.abort('internetdisconnected'));
    await extend();
    await expect.poll(said).toBe('L’action n’a pas abouti : le serveur n’a pas répondu. Vérifiez la connexion, puis réessayez.');
    await page.unroute('**/admin/requests/*/extend');
    await page.route('**/admin/requests/*/extend', (route) => route.fulfill({ status: 500, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: 'internal_error', message: 'Something went wrong on our side.' }) }));
    await extend();
    await expect.poll(said).toBe('L’action n’a pas abouti : une erreur s’est produite de notre côté. Réessayez dans quelques minutes.');
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('button', { name: 'Extend deadline' }).waitFor();
    await extend();
    await expect.poll(said).toBe('The action did not go through: something went wrong on our side. Try again in a few minutes.');
    await page.unroute('**/admin/requests/*/extend');
    expect(await axe(page)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('says in the console’s language that the server did not answer or failed on its side when logging a request or downloading the SLA report’s CSV, in French and English', async () => {
    const { page, errors } = await signedInOfficer();
    await page.getByRole('button', { name: 'Français' }).click();
    await page.getByRole('link', { name: 'Enregistrer une demande' }).click();
    await page.getByRole('heading', { name: 'Enregistrer une demande' }).waitFor();
    let answer: 'none' | 'failed' = 'none';
    await page.route('**/admin/requests', (route) =>
      route.request().method() !== 'POST' ? route.continue() : answer === 'none' ? route.abort('internetdisconnected') : route.fulfill({ status: 500, json: { error: 'internal_error', message: 'Something went wrong on our side.' } }),
    );
    const summary = () => page.locator('#log-summary:not([hidden]) #log-summary-list').textContent();
    await page.getByRole('button', { name: 'Enregistrer la demande' }).click();
    // The request may have been logged all the same: the officer is told that pressing again logs it once.
    const again = 'Appuyez de nouveau sur « Enregistrer la demande » : la demande ne sera pas enregistrée deux fois.';
    await expect.poll(summary).toBe(`Le serveur n’a pas répondu. Vérifiez la connexion, puis réessayez. ${again}`);
    answer = 'failed';
    await page.getByRole('button', { name: 'Enregistrer la demande' }).click();
    await expect.poll(summary).toBe(`Une erreur s’est produite de notre côté. Réessayez dans quelques minutes. ${again}`);
    expect(await axe(page)).toEqual([]);

    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('link', { name: 'SLA report' }).click();
    await page.locator('#report-tiles .tile').first().waitFor();
    const csv = '**/admin/report.csv?*';
    const said = () => page.locator('#report-error:not([hidden])').textContent();
    await page.route(csv, (route) => route.abort('internetdisconnected'));
    await page.getByRole('button', { name: 'Download CSV' }).click();
    await expect.poll(said).toBe('The server did not answer. Check the connection, then try again.');
    await page.unroute(csv);
    // API Gateway's own 5xx names no error.
    await page.route(csv, (route) => route.fulfill({ status: 503, json: { message: 'Service Unavailable' } }));
    await page.getByRole('button', { name: 'Download CSV' }).click();
    await expect.poll(said).toBe('Something went wrong on our side. Try again in a few minutes.');
    await page.unroute(csv);
    expect(await axe(page)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('says in French why the server refused an action, never the server’s English sentence: a field it refused, an extension or a stop of the clock another officer made first, and in English in the console’s words too', async () => {
    const id = await openCopy('renee-refused@example.com');
    const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
    const { ddb } = await import('../../functions/adapters/clients/dynamodb.ts');
    const { key } = await import('../../functions/adapters/table.ts');
    /** What another officer's action meanwhile leaves on the record: the page, drawn before, still offers the action. */
    const meanwhile = (attribute: string, value: unknown) => ddb.send(new UpdateCommand({ TableName: rt.tableName, Key: key.request(id), UpdateExpression: 'SET #a = :v', ExpressionAttributeNames: { '#a': attribute }, ExpressionAttributeValues: { ':v': value } }));
    const { page, errors } = await signedInOfficer();
    await page.goto(`${rt.urls.console}#/requests/${id}`);
    await page.locator('#detail-id', { hasText: id }).waitFor();
    await page.getByRole('button', { name: 'Français' }).click();
    await page.getByRole('button', { name: 'Prolonger le délai' }).waitFor();
    const said = () => page.locator('#action-error:not([hidden])').textContent();
    /** The admin API's answer to the page's POST to `path`, and the English it said: its message and each field's. */
    const refusal = async (path: string, act: () => Promise<void>) => {
      const answer = page.waitForResponse((r) => r.url().endsWith(path) && r.request().method() === 'POST');
      await act();
      const r = await answer;
      const body = (await r.json()) as { message: string; reason?: string; issues?: { path: string; message: string }[] };
      return { status: r.status(), reason: body.reason, english: [body.message, ...(body.issues ?? []).map((i) => i.message)] };
    };
    const noEnglish = async (english: string[]) => {
      const text = (await said()) ?? '';
      expect(english.filter((e) => text.includes(e))).toEqual([]);
    };
    const extend = (reason: string) => async () => {
      await page.getByRole('button', { name: 'Prolonger le délai' }).click();
      await page.locator('#f-reason').fill(reason);
      await page.locator('#confirm-ok').click();
    };

    // Two letters between spaces: the browser counts six, the server trims them and refuses the field.
    const short = await refusal('/extend', extend('  ok  '));
    expect([short.status, short.english]).toEqual([400, ['invalid body', 'Too small: expected string to have >=3 characters']]);
    await expect.poll(said).toBe('L’action n’a pas abouti : la raison de la prolongation doit compter au moins 3 caractères, et 1 000 au plus.');
    await noEnglish(short.english);

    await meanwhile('extended', { at: new Date().toISOString(), reason: 'Les archives d’un prestataire, selon un autre responsable.', dueDate: addDays(londonDate(new Date()), 60) });
    const twice = await refusal('/extend', extend('Les archives du prestataire de paiement.'));
    expect([twice.status, twice.reason, twice.english]).toEqual([409, 'extend_once', ['the deadline has already been extended once']]);
    await expect.poll(said).toBe('L’action n’a pas abouti : le délai a déjà été prolongé une fois.');
    await noEnglish(twice.english);
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-refused-fr.png'), fullPage: true });

    await meanwhile('pausedSince', new Date().toISOString());
    const stopped = await refusal('/pause', async () => {
      await page.getByRole('button', { name: 'Suspendre le délai' }).click();
      await page.locator('#f-needed').fill('Lequel de vos deux comptes voulez-vous dire ?');
      await page.locator('#confirm-ok').click();
    });
    expect([stopped.status, stopped.reason, stopped.english]).toEqual([409, 'pause_stopped', ['the clock is already stopped']]);
    await expect.poll(said).toBe('L’action n’a pas abouti : le délai est déjà suspendu.');
    await noEnglish(stopped.english);

    // A note, which needs no confirmation, is refused in the same words.
    const note = async () => {
      await page.locator('#note-text').fill('  ok  ');
      await page.locator('#note-form button[type=submit]').click();
    };
    const blank = await refusal('/notes', note);
    expect(blank.status).toBe(400);
    await expect.poll(said).toBe('L’action n’a pas abouti : une note doit compter au moins 3 caractères, et 2 000 au plus.');
    await noEnglish(blank.english);

    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('button', { name: 'Extend deadline' }).waitFor();
    await refusal('/notes', note);
    await expect.poll(said).toBe('The action did not go through: a note needs at least 3 characters, and at most 2,000.');
    expect(errors).toEqual([]);
  });

  it('says beside each field of the Log a request form, in French, why the server refused it, not in the server’s English', async () => {
    const { page, errors } = await signedInOfficer();
    await page.getByRole('button', { name: 'Français' }).click();
    await page.getByRole('link', { name: 'Enregistrer une demande' }).click();
    await page.getByRole('heading', { name: 'Enregistrer une demande' }).waitFor();
    await page.locator('#log-type').selectOption('erasure');
    // An address the browser takes and the server does not (no domain).
    await page.locator('#log-email').fill('wendy@localhost');
    await page.locator('#log-channel').selectOption('post');
    await page.locator('#log-identity').selectOption('signed_letter_with_id');
    const answer = page.waitForResponse((r) => r.url().endsWith('/admin/requests') && r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Enregistrer la demande' }).click();
    const body = (await (await answer).json()) as { issues: { path: string; message: string }[] };
    expect(body.issues.map((i) => i.path)).toEqual(['request.email']);
    const box = page.locator('#log-email-error:not([hidden])');
    await expect.poll(() => box.textContent()).toBe('Saisissez l’adresse e-mail complète du compte client, par exemple nom@exemple.fr, en 254 caractères au plus.');
    const summary = (await page.locator('#log-summary-list').textContent()) ?? '';
    expect(summary).toBe('Adresse e-mail du compte client: Saisissez l’adresse e-mail complète du compte client, par exemple nom@exemple.fr, en 254 caractères au plus.');
    expect(summary).not.toContain(body.issues[0].message);
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-log-refused-fr.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('shows each processor’s median callback time on the dashboard in seconds, minutes, hours or days, never in raw milliseconds, in English and French', async () => {
    const { page, errors } = await signedInOfficer();
    await rewrite<{ processors: { medianCallbackMs: number | null }[] }>(page, '**/admin/dashboard', (d) => {
      for (const [i, ms] of [239, 120_000, 86_400_000, 259_200_000].entries()) d.processors[i].medianCallbackMs = ms;
    });
    const medians = () => page.locator('#scorecard tbody tr td:nth-child(3)').allTextContents();
    await page.getByRole('button', { name: 'Français' }).click();
    await expect.poll(async () => (await medians()).slice(0, 4)).toEqual(['0,2 s', '2 min', '24 h', '3 jours']);
    await page.getByRole('button', { name: 'English' }).click();
    await expect.poll(async () => (await medians()).slice(0, 4)).toEqual(['0.2 s', '2 min', '24 h', '3 days']);
    await page.screenshot({ path: join(SHOTS, 'console-scorecard-medians.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('shows an on-time rate with nothing to rate yet as a dash, its words under the tile’s label (no request completed yet; no deadline yet for the complaints), so that every figure of the SLA report’s tiles stays on one line, and a rate with the console’s decimal mark, in English and French', async () => {
    const { page, errors } = await signedInOfficer();
    let rate: number | null = null;
    await rewrite<{ onTimeRate: number | null; complaints: { acknowledgedOnTimeRate: number | null } }>(page, '**/admin/report?*', (r) => {
      r.onTimeRate = rate;
      r.complaints.acknowledgedOnTimeRate = rate;
    });
    await page.getByRole('link', { name: 'SLA report' }).click();
    await page.locator('#report-complaints .tile').first().waitFor();
    /** Each tile's figure, and how many lines it takes. */
    const figures = () =>
      page.locator('#report-tiles .tile strong, #report-complaints .tile strong').evaluateAll((ss) => ss.map((s) => ({ text: s.textContent, lines: Math.round(s.getBoundingClientRect().height / Number.parseFloat(getComputedStyle(s).lineHeight)) })));
    const rateTiles = () => [page.locator('#report-tiles .tile').nth(1).textContent(), page.locator('#report-complaints .tile').nth(1).textContent()];
    expect((await figures()).filter((f) => f.lines !== 1)).toEqual([]);
    expect([(await figures())[1].text, (await figures())[4].text]).toEqual(['—', '—']);
    expect(await Promise.all(rateTiles())).toEqual(['—On timeno request completed yet', '—Acknowledged within 30 daysno deadline yet']);
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-report-no-rate.png'), fullPage: true });
    await page.getByRole('button', { name: 'Français' }).click();
    await page.getByRole('heading', { name: 'Rapport de délais' }).waitFor();
    await expect.poll(() => Promise.all(rateTiles())).toEqual(['—Dans les délaisaucune demande traitée pour l’instant', '—Réception accusée sous 30 jourspas encore d’échéance']);
    expect((await figures()).filter((f) => f.lines !== 1)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-report-no-rate-fr.png'), fullPage: true });
    // A rate is written as the console's language writes numbers.
    rate = 2 / 3;
    await page.getByRole('button', { name: 'Afficher' }).click();
    await expect.poll(() => Promise.all(rateTiles())).toEqual(['66,7 %Dans les délais', '66,7 %Réception accusée sous 30 jours']);
    await page.getByRole('button', { name: 'English' }).click();
    await expect.poll(() => Promise.all(rateTiles())).toEqual(['66.7 %On time', '66.7 %Acknowledged within 30 days']);
    expect(errors).toEqual([]);
  });

  it('puts the Find button beside a search box wide enough for an email address, on a desktop and on a 390 px phone', async () => {
    for (const [name, viewport] of [
      ['desktop', { width: 1280, height: 1100 }],
      ['phone', { width: 390, height: 844 }],
    ] as const) {
      const page = await newPage(browser, { viewport, ...(name === 'phone' ? { isMobile: true, hasTouch: true } : {}) });
      await signInAsOfficer(page, rt);
      await page.locator('#filters').waitFor();
      const box = await page.getByLabel('Find a request: reference, email address or order number').boundingBox();
      const find = await page.getByRole('button', { name: 'Find', exact: true }).boundingBox();
      if (!box || !find) throw new Error('no search box or no Find button');
      // Beside it: on the box's line, a small gap after it, within the screen.
      expect(Math.abs(find.y + find.height / 2 - (box.y + box.height / 2)), name).toBeLessThan(2);
      expect(find.x - (box.x + box.width), name).toBeGreaterThanOrEqual(0);
      expect(find.x - (box.x + box.width), name).toBeLessThanOrEqual(16);
      expect(find.x + find.width, name).toBeLessThanOrEqual(viewport.width);
      // Wide enough for “firstname.lastname@example.com” and more: 24rem on a desktop, the rest of the line beside the button on a phone.
      expect(box.width, name).toBeGreaterThanOrEqual(name === 'desktop' ? 384 : 240);
      expect(await axe(page)).toEqual([]);
      await page.locator('#search').screenshot({ path: join(SHOTS, `console-search-box-${name}.png`) });
      await page.context().close();
    }
  });

  it('stops watching the tables a redraw took out of the page, however long the console stays open', async () => {
    await openCopy('rosa-redraw@example.com');
    const page = await newPage(browser, { viewport: { width: 1280, height: 1100 } });
    // Every element a ResizeObserver of the page watches, until it is unobserved.
    await page.addInitScript(() => {
      const watched = new Set<Element>();
      Object.assign(window, { watched });
      const { observe, unobserve } = ResizeObserver.prototype;
      ResizeObserver.prototype.observe = function (target, options) {
        watched.add(target);
        observe.call(this, target, options);
      };
      ResizeObserver.prototype.unobserve = function (target) {
        watched.delete(target);
        unobserve.call(this, target);
      };
    });
    await signInAsOfficer(page, rt);
    await page.locator('#requests table').waitFor();
    const [request] = await page.locator('#requests tbody tr td:first-child').allTextContents();
    // Each language switch draws the dashboard's tables again; a request's page and the report draw theirs.
    for (let i = 0; i < 3; i++) {
      await page.getByRole('button', { name: 'Français' }).click();
      await page.locator('#requests th', { hasText: 'Échéance' }).waitFor();
      await page.getByRole('button', { name: 'English' }).click();
      await page.locator('#requests th', { hasText: 'Due' }).waitFor();
      await page.goto(`${rt.urls.console}#/requests/${request}`);
      await page.locator('#tasks table').waitFor();
      await page.goto(`${rt.urls.console}#/report`);
      await page.locator('#report-processors table').waitFor();
      await page.goto(`${rt.urls.console}#/`);
      await page.locator('#dashboard:not([hidden]) #requests table').waitFor();
    }
    const watching = () => page.evaluate(() => {
      const watched = (window as unknown as { watched: Set<Element> }).watched;
      return { boxes: document.querySelectorAll('.table-scroll').length, watched: watched.size, outOfPage: [...watched].filter((e) => !e.isConnected).length };
    });
    await expect.poll(async () => (await watching()).outOfPage).toBe(0);
    const now = await watching();
    expect(now.watched).toBe(now.boxes);
  });

  it('moves the keyboard to the page it opens without framing the whole page in the focus ring, which stays on what can be pressed', async () => {
    const { page, errors } = await signedInOfficer();
    const focus = () => page.evaluate(() => ({ id: document.activeElement?.id, outline: getComputedStyle(document.activeElement as Element).outlineStyle }));
    await page.getByRole('link', { name: 'SLA report' }).press('Enter');
    await page.locator('#report-tiles .tile').first().waitFor();
    // The page's container takes the focus, so that Tab goes on from the top of the page opened, as after a page load.
    await expect.poll(focus).toEqual({ id: 'app', outline: 'none' });
    await page.screenshot({ path: join(SHOTS, 'console-report-focused.png'), fullPage: true });
    await page.keyboard.press('Tab');
    expect((await focus()).outline).toBe('solid');
    expect(await axe(page)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('names the workflow’s states on the execution timeline in words, in English and French, each webhook by its processor, with the state’s own name beside them, and a state it has no words for by its name', async () => {
    const id = await openCopy('tomas-timeline@example.com');
    const { page, errors } = await signedInOfficer();
    await rewrite<{ timeline: { at?: string; type?: string; state?: string; taskId?: string }[] }>(page, `**/admin/requests/${id}`, (d) => {
      d.timeline.push({ at: d.timeline.at(-1)?.at, type: 'TaskStateEntered', state: 'Reconcile' });
      // A state whose input named no task (a history the server could not read it from), or another request's, keeps the general words.
      d.timeline.push({ at: d.timeline.at(-1)?.at, type: 'TaskStateEntered', state: 'Dispatch' });
      d.timeline.push({ at: d.timeline.at(-1)?.at, type: 'TaskStateEntered', state: 'Dispatch', taskId: '01JQ7ZK3V4M8Q2W5E6R7T8Y9AC.parcelway' });
      // Its processor named by the console from the task id, as the audit trail's task events are.
      d.timeline.push({ at: d.timeline.at(-1)?.at, type: 'TaskStateEntered', state: 'Escalate', taskId: `${id}.parcelway` });
    });
    await page.goto(`${rt.urls.console}#/requests/${id}`);
    await page.locator('#detail-id', { hasText: id }).waitFor();
    // Each entry without its time.
    const entries = () => page.locator('#timeline li').evaluateAll((lis) => lis.map((li) => Array.from(li.childNodes).filter((n) => n.nodeName !== 'TIME').map((n) => n.textContent).join('').trim()));
    await expect.poll(entries).toEqual(expect.arrayContaining(['Execution started', 'Planning the tasks Plan', 'Sending to each processor ForEachTask', 'Webhook to PayNow Payments Dispatch', 'Webhook to a processor Dispatch', 'Escalated to the team (Parcelway Delivery) Escalate', 'Reconcile']));
    expect((await entries()).filter((e) => e === 'Webhook to a processor Dispatch')).toHaveLength(2);
    expect(await page.locator('#timeline code', { hasText: 'Plan' }).count()).toBe(1);
    await page.getByRole('button', { name: 'Français' }).click();
    await expect.poll(entries).toEqual(expect.arrayContaining(['Exécution commencée', 'Préparation des tâches Plan', 'Envoi à chaque prestataire ForEachTask', 'Webhook à PayNow Payments Dispatch', 'Webhook à un prestataire Dispatch', 'Transmise à l’équipe (Parcelway Delivery) Escalate', 'Reconcile']));
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-timeline-fr.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('says a stopped clock waits for the requester’s answer, with no stray space, when no clarification was recorded, in French and English', async () => {
    const id = await openCopy('ugo-no-clarification@example.com');
    const { page, errors } = await signedInOfficer();
    // A stop with no clarification on the trail (records from before it was kept).
    await rewrite<{ request: { pausedSince?: string }; audit: { action: string }[] }>(page, `**/admin/requests/${id}`, (d) => {
      d.request.pausedSince = new Date().toISOString();
      d.audit = d.audit.filter((e) => e.action !== 'pause');
    });
    await page.goto(`${rt.urls.console}#/requests/${id}`);
    await page.locator('#detail-id', { hasText: id }).waitFor();
    const note = () => page.locator('#pause-note:not([hidden])').textContent();
    await page.getByRole('button', { name: 'Français' }).click();
    await expect.poll(note).toMatch(/^Délai suspendu depuis le .+ : en attente de la réponse du demandeur\.$/);
    await page.getByRole('button', { name: 'English' }).click();
    await expect.poll(note).toMatch(/^Clock stopped since .+: waiting for the requester to tell us what is needed\.$/);
    expect(errors).toEqual([]);
  });

  it('says what a stopped clock waits for from the requester’s contact data, where the question is kept, and that it went with them once they are erased, in English and French', async () => {
    const id = await openCopy('vera-asked@example.com');
    const { page, errors } = await signedInOfficer();
    await page.goto(`${rt.urls.console}#/requests/${id}`);
    await page.locator('#detail-id', { hasText: id }).waitFor();
    await page.getByRole('button', { name: 'Stop the clock' }).click();
    await page.getByLabel('What we need from the requester').fill('Which of your two accounts, vera@old.example or vera@new.example');
    await page.getByRole('button', { name: 'Confirm' }).click();
    const note = () => page.locator('#pause-note:not([hidden])').textContent();
    await expect.poll(note).toMatch(/^Clock stopped since .+: waiting for the requester to tell us “Which of your two accounts, vera@old\.example or vera@new\.example”\.$/);
    // Erased on schedule, as DynamoDB's TTL does: the question goes with the contact data.
    const { DeleteCommand } = await import('@aws-sdk/lib-dynamodb');
    const { ddb } = await import('../../functions/adapters/clients/dynamodb.ts');
    const { key } = await import('../../functions/adapters/table.ts');
    await ddb.send(new DeleteCommand({ TableName: rt.tableName, Key: key.pii(id) }));
    await page.goto(`${rt.urls.console}#/`);
    await page.goto(`${rt.urls.console}#/requests/${id}`);
    await page.locator('#detail-id', { hasText: id }).waitFor();
    await expect.poll(note).toMatch(/^Clock stopped since .+: waiting for the requester’s answer to the question we emailed them; its words went with their contact data, erased on schedule\.$/);
    await page.screenshot({ path: join(SHOTS, 'console-pause-question-gone.png'), fullPage: true });
    await page.getByRole('button', { name: 'Français' }).click();
    await expect.poll(note).toMatch(/^Délai suspendu depuis le .+ : en attente de la réponse du demandeur à la question que nous lui avons envoyée par e-mail ; ses termes ont été effacés avec ses coordonnées, comme prévu\.$/);
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-pause-question-gone-fr.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('offers no extension of an objection, which takes effect at once (the API refuses it): the button stays, disabled, saying why, in English and French', async () => {
    const id = await openCopy('quentin-objects@example.com', { type: 'objection', objections: ['marketing'] });
    const { page, errors } = await signedInOfficer();

    await page.goto(`${rt.urls.console}#/requests/${id}`);
    await page.locator('#detail-id', { hasText: id }).waitFor();
    const extend = page.getByRole('button', { name: 'Extend deadline' });
    await extend.waitFor();
    expect(await extend.isDisabled()).toBe(true);
    expect(await extend.getAttribute('aria-describedby')).toBe('extension-note');
    expect(await page.locator('#extension-note').textContent()).toBe('An objection takes effect at once: its deadline cannot be extended (Art. 21(3)).');
    expect(await page.locator('#extension-note').isVisible()).toBe(true);
    // What it objects to, as the requester confirmed it.
    expect(await page.locator('#detail-summary dt:has-text("Uses objected to") + dd').textContent()).toBe('Offer emails and newsletter');
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-objection-no-extension.png'), fullPage: true });

    await page.getByRole('button', { name: 'Français' }).click();
    await page.getByRole('button', { name: 'Prolonger le délai' }).waitFor();
    expect(await page.getByRole('button', { name: 'Prolonger le délai' }).isDisabled()).toBe(true);
    expect(await page.locator('#extension-note').textContent()).toBe('Une opposition prend effet immédiatement : son délai ne peut pas être prolongé (art. 21(3)).');
    expect(await page.locator('#detail-summary dt:has-text("Utilisations refusées") + dd').textContent()).toBe('E-mails d’offres et newsletter');
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-objection-no-extension-fr.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('says whether an erasure takes the lifetime-warranty purchases too, as the requester confirmed it, and which uses an objection objects to, in English and French', async () => {
    const withWarranty = await openCopy('ursula-erases-all@example.com', { type: 'erasure', eraseWarranty: true });
    const plain = await openCopy('ursula-erases@example.com', { type: 'erasure' });
    const objection = await openCopy('ursula-objects@example.com', { type: 'objection', objections: ['reviews', 'profiling'] });
    const { page, errors } = await signedInOfficer();
    const line = async (id: string, term: string) => {
      await page.goto(`${rt.urls.console}#/requests/${id}`);
      await page.locator('#detail-id', { hasText: id }).waitFor();
      return page.locator(`#detail-summary dt:has-text("${term}") + dd`).textContent();
    };
    expect(await line(withWarranty, 'Lifetime-warranty purchases')).toBe('Erased too, as the requester asked: no warranty claim can be honoured afterwards');
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-erasure-warranty.png'), fullPage: true });
    expect(await line(plain, 'Lifetime-warranty purchases')).toBe('Kept: the warranty’s proof of purchase');
    expect(await line(objection, 'Uses objected to')).toBe('Review invitations · Profiling for advertising');
    await page.getByRole('button', { name: 'Français' }).click();
    await page.locator('#detail-summary dt', { hasText: 'Utilisations refusées' }).waitFor();
    expect(await page.locator('#detail-summary dt:has-text("Utilisations refusées") + dd').textContent()).toBe('Invitations à donner un avis · Profilage publicitaire');
    expect(await line(withWarranty, 'Achats garantis à vie')).toBe('Effacés aussi, à la demande du demandeur : aucune réclamation au titre de la garantie ne pourra plus être honorée');
    expect(await line(plain, 'Achats garantis à vie')).toBe('Conservés : la preuve d’achat de la garantie');
    expect(errors).toEqual([]);
  });

  it('lifts a restriction in place once, after asking why and from what date: the requester is told, and the request then says from when it is lifted, in English and French', async () => {
    const email = 'rosa-restricted@example.com';
    const id = await openCopy(email, { type: 'restrict' });
    // No processor answers in these tests: the restriction is put in place as its completion would.
    const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
    const { ddb } = await import('../../functions/adapters/clients/dynamodb.ts');
    const { key } = await import('../../functions/adapters/table.ts');
    await ddb.send(new UpdateCommand({ TableName: rt.tableName, Key: key.request(id), UpdateExpression: 'SET #s = :c, closedAt = :at', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':c': 'completed', ':at': new Date().toISOString() } }));
    const liftOn = addDays(londonDate(new Date()), 14);
    const { page, errors } = await signedInOfficer();

    await page.goto(`${rt.urls.console}#/requests/${id}`);
    await page.locator('#detail-id', { hasText: id }).waitFor();
    await page.getByRole('button', { name: 'Lift the restriction' }).click();
    await page.getByLabel('Why it is lifted').selectOption('accuracy_verified');
    await page.getByLabel('Lifted from (London date)').fill(liftOn);
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-lift-restriction-ask.png'), fullPage: true });
    await page.getByRole('button', { name: 'Confirm' }).click();

    const shown = (locale: string) => new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${liftOn}T00:00:00Z`));
    const line = `To be lifted from ${shown('en-GB')}: the accuracy was checked (Art. 18(1)(a)). The requester was told.`;
    await page.locator('#detail-summary dd', { hasText: line }).waitFor();
    expect(await page.getByRole('button', { name: 'Lift the restriction' }).count()).toBe(0);
    expect(await page.locator('#audit').textContent()).toContain('Restriction to be lifted: requester told');
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-lift-restriction.png'), fullPage: true });
    const notice = await until(async () => (await rt.mails(email)).find((m) => /will be lifted/.test(m.subject)), 15_000, 'lift notice');
    expect(notice.body.text).toContain('Reason: we have finished checking the accuracy of the data you contested.');
    // The requester's status page says it too.
    const links = await rt.links(email);
    const status = await newPage(browser, { viewport: { width: 390, height: 900 } });
    await status.goto(`${rt.urls.web}status.html?id=${id}&token=${links.statusToken}`);
    const words = new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${liftOn}T00:00:00Z`));
    await status.locator('#lifted', { hasText: `The restriction of the use of your data will be lifted from ${words}; we have written to you with the reason.` }).waitFor();
    expect(await axe(status)).toEqual([]);
    await status.screenshot({ path: join(SHOTS, 'status-lift-restriction.png'), fullPage: true });
    await status.close();

    await page.getByRole('button', { name: 'Français' }).click();
    await page.locator('#detail-summary dd', { hasText: `Levée à partir du ${shown('fr-FR')} : l’exactitude a été vérifiée (art. 18(1)(a)). Le demandeur en a été informé.` }).waitFor();
    expect(await axe(page)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('switches language on the request the officer is on, even when the switch or the link comes while a page is still loading', async () => {
    const id = await openCopy('pavel-switch@example.com');
    const page = await newPage(browser, { viewport: { width: 1280, height: 1100 } });
    await trackFetches(page);
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    await signInAsOfficer(page, rt);
    const link = page.locator('#requests').getByRole('link', { name: id });
    await link.waitFor();
    /** The request's page is on show, drawn in the language of `extend` (the extension button's name), and nothing else is drawn over it. */
    const onRequest = async (extend: string) => {
      await settled(page);
      expect(new URL(page.url()).hash).toBe(`#/requests/${id}`);
      expect(await page.locator('#detail').isVisible()).toBe(true);
      expect(await page.locator('#dashboard').isHidden()).toBe(true);
      expect(await page.locator('#detail-id').textContent()).toBe(id);
      expect(await page.getByRole('button', { name: extend }).count()).toBe(1);
    };

    // On the request, its page loaded: the switch draws it again in French.
    await link.click();
    await page.getByRole('button', { name: 'Extend deadline' }).waitFor();
    await onRequest('Extend deadline');
    await page.getByRole('button', { name: 'Français' }).click();
    await page.getByRole('button', { name: 'Prolonger le délai' }).waitFor();
    await onRequest('Prolonger le délai');
    expect(await page.locator('#detail-summary').textContent()).toContain('Copie des données');

    // Back on the dashboard, a switch to English whose dashboard answers late, and the request at once:
    // the officer stays on the request, in English.
    await page.getByRole('link', { name: '← Tableau de bord' }).click();
    await link.waitFor();
    await settled(page);
    const dashboardLate = await holdFirst(page, '**/admin/dashboard');
    const dashboardAsked = page.waitForRequest('**/admin/dashboard');
    await page.getByRole('button', { name: 'English' }).click();
    await dashboardAsked;
    await link.click();
    try {
      await page.getByRole('button', { name: 'Extend deadline' }).waitFor();
    } finally {
      dashboardLate();
    }
    await onRequest('Extend deadline');
    await page.screenshot({ path: join(SHOTS, 'console-switch-then-link.png'), fullPage: true });

    // From the dashboard to the request, and the switch while its page is still loading: the request, in French.
    await page.getByRole('link', { name: '← Dashboard' }).click();
    await link.waitFor();
    await settled(page);
    const requestLate = await holdFirst(page, `**/admin/requests/${id}`);
    const requestAsked = page.waitForRequest(`**/admin/requests/${id}`);
    await link.click();
    await requestAsked;
    await page.getByRole('button', { name: 'Français' }).click();
    try {
      await page.getByRole('button', { name: 'Prolonger le délai' }).waitFor();
    } finally {
      requestLate();
    }
    await onRequest('Prolonger le délai');
    expect(await page.getByRole('button', { name: 'Extend deadline' }).count()).toBe(0);
    expect(await page.locator('#detail-summary').textContent()).toContain('Copie des données');
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-link-then-switch-fr.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('says on the sign-in page that the session ended and what was last done was not recorded, when an action meets an expired sign-in', async () => {
    const id = await openCopy('ended-session@example.com');
    const { page } = await signedInOfficer();
    await page.goto(`${rt.urls.console}#/requests/${id}`);
    await page.locator('#detail-id', { hasText: id }).waitFor();
    await page.route('**/admin/requests/*/notes', (route) => route.fulfill({ status: 401, contentType: 'application/json', body: JSON.stringify({ message: 'Unauthorized' }) }));
    await page.locator('#note-text').fill('Called the requester back.');
    await page.locator('#note-form button[type=submit]').click();
    // Until November 29, 2026 the note was taken as added: its text cleared, the sign-in page silent.
    await page.locator('#login').waitFor();
    expect(await page.locator('#login-error').textContent()).toBe('Your session ended: sign in again. What you last did was not recorded.');
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-session-ended.png'), fullPage: true });
  });

  it('says so when a page cannot be shown (a request that does not exist, the dashboard failing), in place of the page before it', async () => {
    const { page, errors } = await signedInOfficer();
    // Until November 29, 2026 the dashboard stayed on screen under a request's address, and nothing said why.
    await page.goto(`${rt.urls.console}#/requests/01JQ0000000000000000000000`);
    const failed = page.locator('#page-failed');
    await failed.waitFor();
    expect(await failed.locator('h1').textContent()).toBe('This page could not be shown');
    expect(await page.locator('#page-error').textContent()).toBe('What it is about was not found. Reload the page.');
    expect(await page.locator('#dashboard').isHidden()).toBe(true);
    expect(await page.locator('#detail').isHidden()).toBe(true);
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-page-not-shown.png'), fullPage: true });
    await page.route('**/admin/dashboard', (route) => route.fulfill({ status: 500, contentType: 'application/json', body: JSON.stringify({ error: 'internal_error', message: 'Internal Server Error' }) }));
    await page.goto(`${rt.urls.console}#/`);
    await page.locator('#page-error', { hasText: 'went wrong' }).waitFor();
    expect(await page.locator('#page-error').textContent()).toBe('Something went wrong on our side. Try again in a few minutes.');
    await page.unroute('**/admin/dashboard');
    await page.goto(`${rt.urls.console}#/report`);
    await page.locator('#report').waitFor();
    expect(await failed.isHidden()).toBe(true);
    expect(errors).toEqual([]);
  });
});
