import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totp } from '../../local/totp.ts';
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

  it('signs in through the managed login flow (password, TOTP), finds the escalated request, resolves its task, sees the request complete and signs out', async () => {
    await rt.submit({ type: 'erasure', email: 'carol@example.com', language: 'en' });
    const links = await until(() => rt.links('carol@example.com').catch(() => undefined));
    await rt.confirm(links.token);
    await until(async () => (await rt.status(links.requestId, links.statusToken)).status === 'awaiting_manual', 30_000, 'escalation');

    const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
    // Anything the page's CSP blocks (the token endpoint is on the sign-in origin) is logged as an error;
    // the favicon neither origin has is not.
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
    await page.screenshot({ path: join(SHOTS, 'console-dashboard.png'), fullPage: true });

    await page.locator('#escalated').getByRole('link', { name: links.requestId }).click();
    await page.getByRole('button', { name: 'Resolve parcelway' }).click();
    await page.getByLabel('Outcome').selectOption('completed');
    await page.getByLabel('Note').fill('Parcelway confirmed the erasure by phone; ticket PW-7731.');
    await page.screenshot({ path: join(SHOTS, 'console-resolve-dialog.png') });
    await page.getByRole('button', { name: 'Confirm' }).click();

    await until(async () => (await rt.status(links.requestId, links.statusToken)).status === 'completed', 30_000, 'completion');
    await page.reload();
    await page.locator('#detail-summary').getByText('completed').waitFor();
    const audit = await page.locator('#audit').textContent();
    expect(audit).toContain('resolve — officer:officer');
    expect(audit).toContain('complete');
    await page.screenshot({ path: join(SHOTS, 'console-detail-completed.png'), fullPage: true });

    // Signing out ends the sign-in session too: signing in again asks for the password.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(rt.urls.console);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('lethe-token'))).toBeNull();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Password').waitFor();
    expect(errors).toEqual([]);
  });
});
