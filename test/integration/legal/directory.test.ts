import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Booted, boot, until } from '../harness.ts';

let rt: Booted;
beforeAll(async () => {
  rt = await boot();
});
afterAll(async () => rt?.stopAndClean());

describe('the customer directory (the shop’s account service)', () => {
  it('is asked, with signed calls, whether an access request needs the account password, and checks that password itself', async () => {
    // Only this test's calls: another test sends an unsigned one on purpose.
    const from = rt.directory?.calls.length ?? 0;
    await rt.submit({ type: 'access', email: 'alice@example.com', language: 'en' });
    const links = await until(() => rt.links('alice@example.com').catch(() => undefined));
    expect(await (await fetch(links.verify)).text()).toContain('type="password"');
    expect((await rt.confirm(links.token, { password: 'wrong guess' })).status).toBe(401);
    expect((await rt.confirm(links.token, { password: 'correct horse battery staple' })).status).toBe(200);
    const calls = (rt.directory?.calls ?? []).slice(from);
    expect(calls.map((c) => c.path)).toEqual(expect.arrayContaining(['lookup', 'authenticate']));
    expect(calls.every((c) => c.verified)).toBe(true);
  });

  it('asks no password of an address the shop has no account for', async () => {
    await rt.submit({ type: 'access', email: 'stranger@example.com', language: 'en' });
    const links = await until(() => rt.links('stranger@example.com').catch(() => undefined));
    const page = await (await fetch(links.verify)).text();
    expect(page).not.toContain('type="password"');
  });

  it('answers only calls signed with the directory key', async () => {
    const url = rt.directory?.url as string;
    const r = await fetch(`${url}/lookup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'alice@example.com' }) });
    expect(r.status).toBe(401);
  });

  it('never skips the password when the account service is down: the link answers 503 and still works once it is back', async () => {
    await rt.submit({ type: 'access', email: 'carol@example.com', language: 'en' });
    const links = await until(() => rt.links('carol@example.com').catch(() => undefined));
    await rt.directory?.pause();
    try {
      // The link is opened in a browser: the answer is a page in the browser's language, not JSON.
      const down = await fetch(links.verify, { headers: { 'accept-language': 'en-GB,en;q=0.9' } });
      expect(down.status).toBe(503);
      expect(down.headers.get('retry-after')).toBe('30');
      expect(down.headers.get('content-type')).toMatch(/^text\/html/);
      const page = await down.text();
      expect(page).toContain('<html lang="en">');
      expect(page).toContain('the problem is on our side');
      const post = await rt.confirm(links.token, { password: '' });
      expect(post.status).toBe(503);
      expect(post.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await post.text()).toContain('le problème vient de chez nous');
    } finally {
      await rt.directory?.resume();
    }
    expect(await (await fetch(links.verify)).text()).toContain('type="password"');
  });
});
