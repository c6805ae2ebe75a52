import { totp } from '../../local/totp.ts';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { type Browser, type BrowserContextOptions, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { type Booted, boot } from '../integration/harness.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
// Locally a missing browser skips the browser tests; in CI it is a failure, never a silent skip.
if (!hasChromium && process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium`);
export const SHOTS = join(process.cwd(), 'test/e2e/screenshots');

/** Debian's chromium, headless; no browser is downloaded. */
export async function launch(): Promise<Browser> {
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-component-update', '--no-first-run'],
  });
}

/**
 * For a browser test file: boots the runtime (with `options`, then `prepare` on it, e.g. a demo
 * processor's behaviour) and launches chromium before its tests, and closes both after them.
 * `ready` hands the two to the file.
 */
export function bootWithBrowser(ready: (rt: Booted, browser: Browser) => void, options?: Parameters<typeof boot>[0], prepare?: (rt: Booted) => void) {
  let rt: Booted | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    rt = await boot(options);
    prepare?.(rt);
    browser = await launch();
    ready(rt, browser);
  });
  afterAll(async () => {
    await browser?.close();
    await rt?.stopAndClean();
  });
}

/**
 * axe-core's findings on the page as it is now, one line each ("rule: selectors"), so that a test
 * reads `expect(await axe(page)).toEqual([])` and a failure names what to fix.
 * A page without frames (all of Lethe's) is checked with axe.run in the page itself, the same rules
 * over the same document: the builder's default, made for frames of other origins, runs axe in each
 * frame and then again in a blank page of its own to merge their results, twice as long for one frame.
 */
export async function axe(page: Page): Promise<string[]> {
  const r = await new AxeBuilder({ page }).setLegacyMode(page.frames().length === 1).analyze();
  return r.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** A page in a fresh context of its own (axe-core's builder needs one; a bare browser.newPage() has none it can reuse). */
export async function newPage(browser: Browser, options?: BrowserContextOptions): Promise<Page> {
  return (await browser.newContext(options)).newPage();
}

type SignInWorld = { urls: { console: string; signIn: string }; auth: { users: Record<string, { password: string; totpSecret: string }> } };

/**
 * Signs a console user in as a person does: the console's Sign in, the sign-in page's user name and
 * password, then the code from their authenticator app.
 */
export async function signInAs(page: Page, rt: SignInWorld, user: 'officer' | 'viewer') {
  const who = rt.auth.users[user];
  await page.goto(rt.urls.console);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${rt.urls.signIn}/interaction/**`);
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('Code from your authenticator app').fill(totp(who.totpSecret));
  await page.getByRole('button', { name: 'Sign in' }).click();
}

export const signInAsOfficer = (page: Page, rt: SignInWorld) => signInAs(page, rt, 'officer');

