import { totp } from '../../local/totp.ts';
import { claims } from '../support/sign-in.ts';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { type Browser, type BrowserContextOptions, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type Booted, boot } from '../integration/harness.ts';

/**
 * Debian's headless build of chromium (package chromium-headless-shell): the same Blink and V8 as
 * the `chromium` package, without the desktop browser around them, as Playwright itself runs headless
 * Chromium. A browser file used about a third less CPU with it than with `chromium` (docs/tests.md).
 * Where only `chromium` is installed, the tests run on that, slower, and say so.
 */
const HEADLESS_SHELL = '/usr/bin/chromium-headless-shell';
export const CHROMIUM = existsSync(HEADLESS_SHELL) ? HEADLESS_SHELL : '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
// Locally a missing browser skips the browser tests; in CI it is a failure, never a silent skip.
if (!hasChromium && process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium`);
if (hasChromium && CHROMIUM !== HEADLESS_SHELL) console.warn(`${HEADLESS_SHELL} is missing: the browser tests run on ${CHROMIUM}, about a third slower (apt-get install chromium-headless-shell)`);
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
  // What a test opened goes with it: a page left open (a status page asks again every few seconds)
  // keeps the runtime and chromium busy under the file's later tests. Tests never share a page.
  // A route handler still fetching when its page closes (a poll the page had just sent) would reject
  // after the test, unhandled: its routes go first, any answer still in flight ignored.
  afterEach(async () => {
    for (const context of browser?.contexts() ?? []) {
      for (const page of context.pages()) await page.unrouteAll({ behavior: 'ignoreErrors' });
      await context.close();
    }
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
  const single = page.frames().length === 1;
  // The builder's legacy analysis evaluates axe-core's 500 KB source twice on every call (once itself,
  // once per frame): put it in the document once, and hand the builder a no-op source while it is there.
  // The same axe.run, the same rules; only violations are asked for in full, since they are all we read.
  if (single && !(await page.evaluate(() => typeof (window as unknown as { axe?: { run?: unknown } }).axe?.run === 'function'))) await page.evaluate(AXE_SOURCE);
  const builder = single ? new AxeBuilder({ page, axeSource: 'void 0' }).setLegacyMode(true).options({ resultTypes: ['violations'] }) : new AxeBuilder({ page });
  const r = await builder.analyze();
  return r.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}
/**
 * axe-core's own build, minified (`axe.min.js`), of the copy @axe-core/playwright depends on: the same
 * rules and code as the 1.3 MB `axe.js` the builder would inject, in 0.58 MB, which a fresh page parses
 * in about 0.3 s less on this machine (docs/tests.md).
 */
const AXE_SOURCE = readFileSync(createRequire(createRequire(import.meta.url).resolve('@axe-core/playwright')).resolve('axe-core/axe.min.js'), 'utf8');

/** A page in a fresh context of its own (axe-core's builder needs one; a bare browser.newPage() has none it can reuse). */
export async function newPage(browser: Browser, options?: BrowserContextOptions): Promise<Page> {
  return (await browser.newContext(options)).newPage();
}

type SignInWorld = { urls: { console: string; signIn: string }; auth: { users: Record<string, { password: string; totpSecret: string }> } };

/**
 * The console's session of each user a test file signed in, by runtime: the access token the console
 * keeps in its tab (sessionStorage), as the managed login flow left it there, and when it expires.
 */
const sessions = new Map<string, { token: string; expiresAt: number }>();
/** Pages given a kept session: a second sign-in on one of them goes through the flow. */
const restored = new WeakSet<Page>();

/**
 * Signs a console user in as a person does: the console's Sign in, the sign-in page's user name and
 * password, then the code from their authenticator app. That flow runs once per user and runtime (a
 * file's first sign-in, whichever test it is); later pages open the console with the access token the
 * flow left in its tab, as a console reopened in the same browser session would, which the console
 * reads the same way (console.test.ts and the runtime's sign-in tests check the flow itself, step by step).
 */
export async function signInAs(page: Page, rt: SignInWorld, user: 'officer' | 'viewer') {
  const key = `${rt.urls.console} ${rt.urls.signIn} ${user}`;
  const kept = sessions.get(key);
  // Ten minutes to spare: no test should meet an expiry the console would then handle.
  if (kept && kept.expiresAt - Date.now() > 10 * 60_000 && !restored.has(page)) {
    restored.add(page);
    // Into this tab's sessionStorage once, before the console's script reads it, and never again: a
    // test that signs out stays signed out.
    await page.addInitScript(
      ({ origin, token }) => {
        if (location.origin !== origin || sessionStorage.getItem('lethe-test-session')) return;
        sessionStorage.setItem('lethe-test-session', 'restored');
        sessionStorage.setItem('lethe-token', token);
      },
      { origin: new URL(rt.urls.console).origin, token: kept.token },
    );
    await page.goto(rt.urls.console);
    return;
  }
  const who = rt.auth.users[user];
  await page.goto(rt.urls.console);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${rt.urls.signIn}/interaction/**`);
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('Code from your authenticator app').fill(totp(who.totpSecret));
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Back on the console, once it exchanged the code for its token (navigations in between: ask again).
  const token = await page
    .waitForFunction(() => sessionStorage.getItem('lethe-token'), undefined, { timeout: 30_000 })
    .then((h) => h.jsonValue());
  if (typeof token === 'string') sessions.set(key, { token, expiresAt: Number(claims(token).exp) * 1000 });
}

export const signInAsOfficer = (page: Page, rt: SignInWorld) => signInAs(page, rt, 'officer');

