import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { type Booted, until } from '../integration/harness.ts';
import { axe, bootWithBrowser, hasChromium, newPage, SHOTS, signInAsOfficer } from './browser.ts';

let rt: Booted;
let browser: Browser;

describe.skipIf(!hasChromium)('a task a person settles by hand in the console: a manual processor’s, or one whose processor left the registry (Debian chromium)', { timeout: 240_000 }, () => {
  // Parcelway has no API here: a person does its work, and is given two seconds (its timeoutSeconds), so it times out.
  bootWithBrowser(
    (booted, b) => {
      rt = booted;
      browser = b;
    },
    { registry: (r) => ({ ...r, processors: r.processors.map((p) => (p.id === 'parcelway' ? { ...p, mode: 'manual' as const, heartbeatSeconds: 1, timeoutSeconds: 2 } : p)) }) },
  );

  it('offers to resolve a timed-out manual task, and no retry, which the server refuses for a manual processor', async () => {
    await rt.submit({ type: 'erasure', email: 'manual-task@example.com', language: 'en' });
    const links = await until(() => rt.links('manual-task@example.com').catch(() => undefined));
    await rt.confirm(links.token);
    const { workflowRepo: repo } = await import('../../functions/shared/deps.ts');
    await until(async () => (await repo.getTask(links.requestId, 'parcelway'))?.status === 'timed_out', 30_000, 'the manual task timed out');

    const page = await newPage(browser, { viewport: { width: 1280, height: 1000 } });
    await signInAsOfficer(page, rt);
    await page.locator('#filters').waitFor();
    await page.goto(`${rt.urls.console}#/requests/${links.requestId}`);
    await page.locator('#detail-id', { hasText: links.requestId }).waitFor();
    const row = page.locator('#tasks tr', { hasText: 'Parcelway' });
    await expect.poll(() => row.getByRole('button', { name: /^Resolve/ }).count(), { timeout: 15_000 }).toBe(1);
    expect(await row.getByRole('button', { name: 'Retry' }).count()).toBe(0);
    // Its heartbeat, a second short of its time-out (nothing heartbeats a person's work), ran out: shown as the time-out it stands for.
    expect(await row.textContent()).toContain('no answer before the time-out');
    expect(await row.textContent()).not.toContain('progress report');
    // No webhook went to it: its delivery reads as handed to the team, not as an HTTP answer.
    expect(await row.textContent()).toContain('Given to the team: a person does it');
    expect(await row.textContent()).not.toContain('accepted');
    // An automated processor's failed task keeps both: Retry is the console's way to send its webhook again.
    await page.screenshot({ path: join(SHOTS, 'console-manual-task.png'), fullPage: true });
    expect(await axe(page)).toEqual([]);
    // The audit trail says the same of its send: given to the team, and a webhook for each other processor.
    const tasks = await page.locator('#tasks tbody tr').count();
    const sends = async (text: string) => page.locator('#audit li').filter({ hasText: new RegExp(`^${text}`) }).count();
    expect(await sends('Given to the team: a person does it')).toBe(1);
    expect(await sends('Webhook sent')).toBe(tasks - 1);
    await page.getByRole('button', { name: 'Français' }).click();
    await page.locator('#audit li', { hasText: 'Webhook envoyé' }).first().waitFor();
    expect(await sends('Confiée à l’équipe : une personne s’en charge')).toBe(1);
    expect(await sends('Webhook envoyé')).toBe(tasks - 1);
    await page.screenshot({ path: join(SHOTS, 'console-manual-task-fr.png'), fullPage: true });
  });

  it('offers to resolve, and not to retry, the timed-out task of a processor taken out of the registry since it was sent, and says why', async () => {
    await rt.submit({ type: 'erasure', email: 'removed-processor@example.com', language: 'en' });
    const links = await until(() => rt.links('removed-processor@example.com').catch(() => undefined));
    await rt.confirm(links.token);
    const { workflowRepo: repo } = await import('../../functions/shared/deps.ts');
    const planned = await until(() => repo.getTask(links.requestId, 'parcelway'), 30_000, 'the request was planned');
    // Planned and sent while "Gone Ltd" was in the registry, which a deploy has since taken out; then it timed out.
    const at = (s: number) => new Date(Date.now() - s * 1000).toISOString();
    await repo.putTasksIfAbsent([{ taskId: `${links.requestId}.gone`, requestId: links.requestId, processorId: 'gone', category: 'payments', action: 'erase', status: 'pending', version: 0, attempts: 0, holds: planned.holds, audit: [] }]);
    const pending = await repo.getTask(links.requestId, 'gone');
    const sent = await repo.transitionTask(pending as never, 'sent', { attempts: 1, sentAt: at(60) }, { at: at(60), actor: 'workflow', action: 'send', subject: `${links.requestId}.gone`, from: 'pending', to: 'sent' });
    await repo.transitionTask(sent, 'timed_out', { finishedAt: at(1), outcome: { request_status: 'timed_out', reason: 'States.Timeout' } }, { at: at(1), actor: 'workflow', action: 'time_out', subject: sent.taskId, from: 'sent', to: 'timed_out', data: { error: 'States.Timeout' } });

    const page = await newPage(browser, { viewport: { width: 1280, height: 1000 } });
    await signInAsOfficer(page, rt);
    await page.locator('#filters').waitFor();
    await page.goto(`${rt.urls.console}#/requests/${links.requestId}`);
    await page.locator('#detail-id', { hasText: links.requestId }).waitFor();
    const row = page.locator('#tasks tr', { hasText: 'gone' });
    await expect.poll(() => row.getByRole('button', { name: /^Resolve/ }).count(), { timeout: 15_000 }).toBe(1);
    expect(await row.getByRole('button', { name: 'Retry' }).count()).toBe(0);
    expect(await row.textContent()).toContain('No longer in the processor registry: it cannot be retried. Ask whoever now holds the data to act, then resolve the task.');
    // Its webhook did go, before it was taken out: the delivery reads as what it was, not as handed to the team.
    expect(await row.textContent()).toContain('accepted (HTTP 2xx)');
    expect(await row.textContent()).not.toContain('Given to the team');
    await page.screenshot({ path: join(SHOTS, 'console-removed-processor.png'), fullPage: true });
    await page.getByRole('button', { name: 'Français' }).click();
    await expect.poll(() => row.textContent(), { timeout: 5_000 }).toContain('N’est plus dans le registre des prestataires : la tâche ne peut pas être relancée.');
    expect(await axe(page)).toEqual([]);
  });
});
