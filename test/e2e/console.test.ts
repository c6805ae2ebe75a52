import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Booted, boot, until } from '../integration/harness.ts';
import { hasChromium, launch, SHOTS } from './browser.ts';

let rt: Booted;
let browser: Browser;

describe.skipIf(!hasChromium)('a compliance officer in the console (Debian chromium)', () => {
  beforeAll(async () => {
    // The delivery processor never answers and times out after a second: an escalation to handle.
    rt = await boot({ registry: (r) => ({ ...r, processors: r.processors.map((p) => (p.id === 'parcelway' ? { ...p, heartbeatSeconds: 1, timeoutSeconds: 1 } : p)) }) });
    rt.processors.setBehaviour('parcelway', { never: true });
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await rt?.stopAndClean();
  });

  it('signs in, finds the escalated request, resolves its task and sees the request complete', async () => {
    await rt.submit({ type: 'erasure', email: 'carol@example.com', language: 'en' });
    const links = await until(() => rt.links('carol@example.com').catch(() => undefined));
    await rt.confirm(links.token);
    await until(async () => (await rt.status(links.requestId, links.statusToken)).status === 'awaiting_manual', 10_000, 'escalation');

    const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
    await page.goto(rt.urls.console);
    await page.getByLabel('Username').fill('officer');
    await page.getByLabel('Password').fill(rt.auth.users.officer.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#escalated table').waitFor();
    await page.screenshot({ path: join(SHOTS, 'console-dashboard.png'), fullPage: true });

    await page.locator('#escalated').getByRole('link', { name: links.requestId }).click();
    await page.getByRole('button', { name: 'Resolve parcelway' }).click();
    await page.getByLabel('Outcome').selectOption('completed');
    await page.getByLabel('Note').fill('Parcelway confirmed the erasure by phone; ticket PW-7731.');
    await page.screenshot({ path: join(SHOTS, 'console-resolve-dialog.png') });
    await page.getByRole('button', { name: 'Confirm' }).click();

    await until(async () => (await rt.status(links.requestId, links.statusToken)).status === 'completed', 10_000, 'completion');
    await page.reload();
    await page.locator('#detail-summary').getByText('completed').waitFor();
    const audit = await page.locator('#audit').textContent();
    expect(audit).toContain('resolve — officer:officer');
    expect(audit).toContain('complete');
    await page.screenshot({ path: join(SHOTS, 'console-detail-completed.png'), fullPage: true });
  });
});
