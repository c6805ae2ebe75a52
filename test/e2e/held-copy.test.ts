import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { type Booted, closedPort, until } from '../integration/harness.ts';
import { axe, bootWithBrowser, hasChromium, newPage, SHOTS, signInAsOfficer } from './browser.ts';

let rt: Booted;
let browser: Browser;

// One runtime for the file (each copy is a request of its own): Parcelway flags other people's data in every copy.
if (hasChromium)
  bootWithBrowser((booted, b) => {
    rt = booted;
    browser = b;
  }, undefined, (booted) => booted.processors.setBehaviour('parcelway', { thirdPartyData: true }));

describe.skipIf(!hasChromium)('an officer releasing a copy held for other people’s data (Debian chromium)', { timeout: 240_000 }, () => {
  it('sees the copy held with who flagged it, releases it, and the request completes', async () => {
    await rt.submit({ type: 'access', email: 'wanda-held@example.com', language: 'en' });
    const links = await until(() => rt.links('wanda-held@example.com').catch(() => undefined));
    await rt.confirm(links.token);
    await until(async () => (await rt.status(links.requestId, links.statusToken)).status === 'awaiting_manual', 60_000, 'copy held');

    const page = await newPage(browser, { viewport: { width: 1280, height: 1100 } });
    await signInAsOfficer(page, rt);
    await page.locator('#who').waitFor();
    await page.goto(`${rt.urls.console}#/requests/${links.requestId}`);
    await page.getByText('Copy held for review').waitFor();
    expect(await page.locator('#detail-summary').textContent()).toContain(
      'A processor flagged other people’s data in this copy (Parcelway Delivery): nothing is sent to the requester until an officer releases it.',
    );
    await page.getByRole('button', { name: 'See the held copy' }).waitFor();
    // The audit trail names who acted in words: a processor by its name, never its registry id.
    const trail = page.locator('#audit');
    // Wanda is nobody's customer: PayNow holds nothing of her, and Parcelway, made to flag third-party data, answered.
    expect(await trail.textContent()).toContain('Processor holds no data — PayNow Payments');
    expect(await trail.textContent()).toContain('Done by the processor — Parcelway Delivery');
    expect(await trail.textContent()).not.toContain('processor:');
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-copy-held.png'), fullPage: true });
    // Each look at the held copy is on the trail, in words like every other event, never its code.
    const opened = page.context().waitForEvent('page');
    await page.getByRole('button', { name: 'See the held copy' }).click();
    await (await opened).close();
    await page.reload();
    await trail.getByText(/^Held copy looked at by an officer — officer \d/).waitFor();
    await page.getByRole('button', { name: 'Français' }).click();
    await trail.getByText(/^Copie retenue consultée par un responsable — officer \d/).waitFor();
    expect(await trail.textContent()).not.toContain('preview_export');
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('button', { name: 'Release the copy' }).click();
    await page.getByRole('button', { name: 'Confirm' }).click();
    // And an officer by their user name, as the header says who is signed in.
    await trail.getByText(/^Copy released by an officer — officer \d/).waitFor();
    expect(await trail.textContent()).not.toContain('officer:');
    await until(async () => (await rt.status(links.requestId, links.statusToken)).status === 'completed', 30_000, 'released');
    await until(async () => (await rt.mails('wanda-held@example.com')).some((m) => /exports\//.test(m.body.text ?? '')), 15_000, 'link mailed');
  });
});

describe.skipIf(!hasChromium)('an officer making again a held copy whose package is gone (Debian chromium)', { timeout: 240_000 }, () => {
  /** A copy asked for by `email`, held for review 31 days ago: its package was made then, and S3 has deleted it. */
  async function goneHeldCopy(email: string) {
    await rt.submit({ type: 'access', email, language: 'en' });
    const links = await until(() => rt.links(email).catch(() => undefined));
    await rt.confirm(links.token);
    await until(async () => (await rt.status(links.requestId, links.statusToken)).status === 'awaiting_manual', 60_000, 'copy held');
    const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
    const { ddb } = await import('../../functions/adapters/clients/dynamodb.ts');
    const { key } = await import('../../functions/adapters/table.ts');
    const { workflowRepo: repo } = await import('../../functions/shared/deps.ts');
    const { S3Blobs } = await import('../../functions/adapters/blobs.ts');
    const held = await repo.getRequest(links.requestId);
    const made = held?.audit.findIndex((e) => e.action === 'export_assembled') ?? -1;
    await ddb.send(new UpdateCommand({ TableName: rt.tableName, Key: key.request(links.requestId), UpdateExpression: `SET audit[${made}].#at = :made`, ExpressionAttributeNames: { '#at': 'at' }, ExpressionAttributeValues: { ':made': new Date(Date.now() - 31 * 86_400_000).toISOString() } }));
    await new S3Blobs().delete(held?.exportKey as string);
    return links;
  }

  it('offers to make it again, in English and in French, says it is being made, and once the sweeper made it offers to look at it and release it', async () => {
    const links = await goneHeldCopy('xavi-remade@example.com');

    const page = await newPage(browser, { viewport: { width: 1280, height: 1100 } });
    await signInAsOfficer(page, rt);
    await page.locator('#who').waitFor();
    await page.goto(`${rt.urls.console}#/requests/${links.requestId}`);
    await page.getByText('Copy held for review').waitFor();
    const summary = page.locator('#detail-summary');
    expect(await summary.textContent()).toMatch(
      /Its packageNot kept long enough to release the copy: kept until \d{1,2} \w{3} \d{4}, \d\d:\d\d:\d\d at most \(a package is deleted 30 days after it is made\)\. Make it again from the processors’ results, then look at it and release it\./,
    );
    // Nothing to look at or release: the link would not work.
    expect(await page.getByRole('button', { name: 'See the held copy' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Release the copy' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Make the copy again' }).waitFor();
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-copy-package-gone.png'), fullPage: true });
    await page.getByRole('button', { name: 'Français' }).click();
    await page.getByRole('button', { name: 'Refaire la copie' }).waitFor();
    expect(await summary.textContent()).toContain('Son paquetPas conservé assez longtemps pour libérer la copie : conservé jusqu’au ');
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-copy-package-gone-fr.png'), fullPage: true });
    await page.getByRole('button', { name: 'English' }).click();

    await page.getByRole('button', { name: 'Make the copy again' }).click();
    expect(await page.getByRole('dialog').textContent()).toContain('Make this copy again from the processors’ results? The scheduled check makes it within 15 minutes; nothing is sent to the requester.');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await summary.getByText(/Being made again from the processors’ results, as officer asked \(/).waitFor();
    expect(await page.getByRole('button', { name: 'Make the copy again' }).count()).toBe(0);
    expect(await page.locator('#audit').textContent()).toContain('Copy to be made again, asked by an officer — officer ');
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-copy-being-remade.png'), fullPage: true });
    await page.getByRole('button', { name: 'Français' }).click();
    await summary.getByText(/En cours de préparation à partir des résultats des prestataires, à la demande de officer \(/).waitFor();
    await page.getByRole('button', { name: 'English' }).click();

    await rt.lambdas.invoke('sweeper', {});
    await page.reload();
    await page.getByRole('button', { name: 'Release the copy' }).waitFor();
    await page.getByRole('button', { name: 'See the held copy' }).waitFor();
    expect(await summary.textContent()).not.toContain('Its package');
    expect(await page.locator('#audit').textContent()).toContain('Export package made — scheduled check');
    await page.screenshot({ path: join(SHOTS, 'console-copy-remade.png'), fullPage: true });
    await page.getByRole('button', { name: 'Release the copy' }).click();
    await page.getByRole('button', { name: 'Confirm' }).click();
    await until(async () => (await rt.status(links.requestId, links.statusToken)).status === 'completed', 30_000, 'released');
    await until(async () => (await rt.mails('xavi-remade@example.com')).some((m) => /exports\//.test(m.body.text ?? '')), 15_000, 'link mailed');
  });

  it('says, in English and in French, why the sweeper gave the copy up and what to do, emails the team once, and makes it when the officer asks again', async () => {
    const { workflowRepo: repo } = await import('../../functions/shared/deps.ts');
    const links = await goneHeldCopy('yann-remade@example.com');
    // Parcelway's results are now to be fetched from an address that refuses the connection.
    const bodyHash = (await repo.getTask(links.requestId, 'parcelway'))?.resultsHash as string;
    const results = { requestId: links.requestId, processorId: 'parcelway', bodyHash };
    const kept = { writtenAt: new Date(), expiresAt: new Date(Date.now() + 60 * 86_400_000) };
    await repo.putTaskResults(results, JSON.stringify({ task_id: `${links.requestId}.parcelway`, request_status: 'completed', results_url: `https://127.0.0.1:${await closedPort()}/exports/yann.json` }), kept);
    const officer = await rt.signIn('officer');
    const remake = () => rt.api(`/admin/requests/${links.requestId}/remake`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${officer}` }, body: '{}' });
    expect((await remake()).status).toBe(202);
    // The first try fails; the next, a day on, is given up.
    await rt.lambdas.invoke('sweeper', { time: new Date(Date.now() + 60_000).toISOString() });
    expect((await repo.getRequest(links.requestId))?.outboxRemake?.tries).toBe(1);
    await rt.lambdas.invoke('sweeper', { time: new Date(Date.now() + 25 * 3_600_000).toISOString() });
    const told = (await rt.mails('compliance@offtek.example')).filter((m) => m.subject === `Copy could not be made again (request ${links.requestId})`);
    expect(told).toHaveLength(1);
    expect(told[0].body.text).toContain('the results of Parcelway Delivery could not be fetched, 2 times since an officer asked on');

    const page = await newPage(browser, { viewport: { width: 1280, height: 1100 } });
    await signInAsOfficer(page, rt);
    await page.locator('#who').waitFor();
    await page.goto(`${rt.urls.console}#/requests/${links.requestId}`);
    await page.getByText('Copy held for review').waitFor();
    const summary = page.locator('#detail-summary');
    await summary.getByText(/Could not be made again/).waitFor();
    expect(await summary.textContent()).toMatch(
      /Its packageCould not be made again \(\d{1,2} \w{3} \d{4}, \d\d:\d\d:\d\d\): the results held by Parcelway Delivery could not be fetched \(the provider’s address could not be reached\), in 2 tries since it was asked \(\d{1,2} \w{3} \d{4}, \d\d:\d\d:\d\d\)\. Nothing is sent to the requester: make the copy again once the provider can give them, or tell the requester their copy is delayed, and why\./,
    );
    expect(await page.locator('#audit').textContent()).toContain('Copy not made again: the scheduled check gave up, and told the team — scheduled check');
    await page.getByRole('button', { name: 'Make the copy again' }).waitFor();
    expect(await page.getByRole('button', { name: 'Release the copy' }).count()).toBe(0);
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-copy-remake-failed.png'), fullPage: true });
    await page.getByRole('button', { name: 'Français' }).click();
    await page.getByRole('button', { name: 'Refaire la copie' }).waitFor();
    expect(await summary.textContent()).toMatch(
      /Son paquetN’a pas pu être refaite \(.+\) : les résultats détenus par Parcelway Delivery n’ont pas pu être récupérés \(l’adresse du prestataire était injoignable\), en 2 essais depuis la demande \(.+\)\. Rien n’est envoyé au demandeur : refaites la copie quand le prestataire peut les fournir, ou prévenez le demandeur que sa copie est retardée, et pourquoi\./,
    );
    expect(await page.locator('#audit').textContent()).toContain('Copie non refaite : la vérification planifiée a abandonné, et prévenu l’équipe');
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-copy-remake-failed-fr.png'), fullPage: true });
    await page.getByRole('button', { name: 'English' }).click();

    // Given up on a failure the console has no words for (S3 slowing down the package's put, no provider to
    // blame): said as a service error, its name kept for support, in English and in French.
    const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
    const { ddb } = await import('../../functions/adapters/clients/dynamodb.ts');
    const { key } = await import('../../functions/adapters/table.ts');
    await ddb.send(new UpdateCommand({ TableName: rt.tableName, Key: key.request(links.requestId), UpdateExpression: 'SET remakeFailed.#e = :e REMOVE remakeFailed.processors', ExpressionAttributeNames: { '#e': 'error' }, ExpressionAttributeValues: { ':e': 'SlowDown' } }));
    await page.reload();
    await summary.getByText(/a service error \(SlowDown\)/).waitFor();
    expect(await summary.textContent()).toMatch(
      /Its packageCould not be made again \(\d{1,2} \w{3} \d{4}, \d\d:\d\d:\d\d\), in 2 tries since it was asked \(\d{1,2} \w{3} \d{4}, \d\d:\d\d:\d\d\): a service error \(SlowDown\)\. Nothing is sent to the requester: make the copy again, or tell the requester their copy is delayed, and why\./,
    );
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-copy-remake-failed-service.png'), fullPage: true });
    await page.getByRole('button', { name: 'Français' }).click();
    await summary.getByText(/une erreur de service \(SlowDown\)/).waitFor();
    expect(await summary.textContent()).toMatch(
      /Son paquetN’a pas pu être refaite \(.+\), en 2 essais depuis la demande \(.+\) : une erreur de service \(SlowDown\)\. Rien n’est envoyé au demandeur : refaites la copie, ou prévenez le demandeur que sa copie est retardée, et pourquoi\./,
    );
    await page.screenshot({ path: join(SHOTS, 'console-copy-remake-failed-service-fr.png'), fullPage: true });
    await page.getByRole('button', { name: 'English' }).click();

    // The provider's results can be had again: the officer asks again, and the next run makes it.
    await repo.putTaskResults(results, JSON.stringify({ task_id: `${links.requestId}.parcelway`, request_status: 'completed', results: { parcels: [{ id: 'PCL-1' }] } }), kept);
    await page.getByRole('button', { name: 'Make the copy again' }).click();
    await page.getByRole('button', { name: 'Confirm' }).click();
    await summary.getByText(/Being made again from the processors’ results, as officer asked \(/).waitFor();
    expect(await summary.textContent()).not.toContain('Could not be made again');
    await rt.lambdas.invoke('sweeper', { time: new Date(Date.now() + 25 * 3_600_000 + 15 * 60_000).toISOString() });
    await page.reload();
    await page.getByRole('button', { name: 'Release the copy' }).waitFor();
    expect(await summary.textContent()).not.toContain('Its package');
    expect((await rt.mails('compliance@offtek.example')).filter((m) => m.subject.startsWith('Copy could not be made again'))).toHaveLength(1);
  });
});
