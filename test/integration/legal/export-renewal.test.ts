import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Booted, boot, until } from '../harness.ts';

/** Art. 15: the copy is still owed after its first link's 72 hours, while the package is kept (30 days). */
let rt: Booted;
beforeAll(async () => {
  rt = await boot();
});
afterAll(async () => rt?.stopAndClean());

const LINK = /https?:\/\/\S+\/exports\/\w+\?token=[\w-]+/g;
const links = async (email: string) => (await rt.mails(email)).filter((m) => /complete/.test(m.subject)).flatMap((m) => (m.body.text ?? '').match(LINK) ?? []);
const tokenOf = (url: string) => new URL(url).searchParams.get('token') ?? '';
const post = (id: string, body: string) => rt.api(`/exports/${id}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body, redirect: 'manual' });

/** A completed copy of data for an address of the test's own (no shop account: no password asked). */
async function completedCopy(email: string) {
  await rt.submit({ type: 'access', email, language: 'en' });
  const l = await until(() => rt.links(email).catch(() => undefined));
  await rt.confirm(l.token);
  const [first] = await until(async () => ((await links(email)).length ? links(email) : undefined), 60_000, 'outcome email');
  return { requestId: l.requestId, first };
}

/**
 * What 72 hours (and, with `closedDaysAgo`, the package's keeping) do to the stored request. S3 counts
 * the package's days from its making (`export_assembled` on the trail), by default when it closed.
 */
async function age(requestId: string, closedDaysAgo?: number, madeDaysAgo = closedDaysAgo) {
  const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
  const { ddb } = await import('../../../functions/adapters/clients/dynamodb.ts');
  const { key } = await import('../../../functions/adapters/table.ts');
  const { repo } = await import('../../../functions/shared/deps.ts');
  const ago = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
  const sets = ['downloadExpiresAt = :past'];
  const values: Record<string, string> = { ':past': ago(1 / 24) };
  if (closedDaysAgo !== undefined) {
    sets.push('closedAt = :closed');
    values[':closed'] = ago(closedDaysAgo);
  }
  if (madeDaysAgo !== undefined) {
    const made = (await repo.getRequest(requestId))?.audit.findIndex((e) => e.action === 'export_assembled') ?? -1;
    sets.push(`audit[${made}].#at = :made`);
    values[':made'] = ago(madeDaysAgo);
  }
  await ddb.send(new UpdateCommand({ TableName: rt.tableName, Key: key.request(requestId), UpdateExpression: `SET ${sets.join(', ')}`, ExpressionAttributeValues: values, ...(madeDaysAgo !== undefined ? { ExpressionAttributeNames: { '#at': 'at' } } : {}) }));
}

describe('a copy of data after its link expired', () => {
  it('lets the requester have a fresh link mailed to the verified address, which downloads, while the old one stops working', async () => {
    const { requestId, first } = await completedCopy('nadia-renew@example.com');
    await age(requestId);
    const expired = await fetch(first);
    expect(expired.status).toBe(410);
    const page = await expired.text();
    expect(page).toContain('This download link has expired');
    expect(page).toMatch(/We keep your copy until \d{1,2} \w+ \d{4} at \d{2}:\d{2} \(London time\): we can send a new link, valid for 72 hours, to the email address you confirmed\./);
    expect(page).toContain('<input type="hidden" name="renew" value="1"><button type="submit">Email me a new link</button>');

    const renewed = await post(requestId, `token=${tokenOf(first)}&renew=1`);
    expect(renewed.status).toBe(202);
    expect(await renewed.text()).toContain('We have just sent a new download link, valid for 72 hours, to the email address you confirmed.');
    const all = await until(async () => ((await links('nadia-renew@example.com')).length === 2 ? links('nadia-renew@example.com') : undefined), 15_000, 'second outcome email');
    const fresh = all[1];
    expect(fresh).not.toBe(first);
    expect((await fetch(first)).status).toBe(404);
    expect((await fetch(fresh)).status).toBe(200);
    expect((await post(requestId, `token=${tokenOf(fresh)}`)).status).toBe(303);
    // The old secret cannot ask for yet another link: only the mailbox has the new one. Pressed again within
    // minutes (a reload), it is told the fresh link is on its way, and nothing more is renewed or mailed.
    const again = await post(requestId, `token=${tokenOf(first)}&renew=1`);
    expect(again.status).toBe(202);
    expect(await again.text()).toContain('We have just sent a new download link');
    expect((await fetch(fresh)).status).toBe(200);
    expect(await links('nadia-renew@example.com')).toHaveLength(2);
    const { repo } = await import('../../../functions/shared/deps.ts');
    expect((await repo.getRequest(requestId))?.audit.filter((e) => e.action === 'renew_download').map((e) => e.actor)).toEqual(['requester']);
  }, 120_000);

  it('mails a fresh link when an officer resends the outcome', async () => {
    const { requestId, first } = await completedCopy('olga-renew@example.com');
    await age(requestId);
    const officer = await rt.signIn('officer');
    const r = await rt.api(`/admin/requests/${requestId}/resend`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${officer}` }, body: '{}' });
    expect(r.status).toBe(200);
    const all = await until(async () => ((await links('olga-renew@example.com')).length === 2 ? links('olga-renew@example.com') : undefined), 15_000, 'resent outcome email');
    expect(all[1]).not.toBe(first);
    expect((await fetch(all[1])).status).toBe(200);
  }, 120_000);

  it('offers no new link once the package is no longer kept, only a new request', async () => {
    const { requestId, first } = await completedCopy('pia-renew@example.com');
    await age(requestId, 30);
    const page = await (await fetch(first)).text();
    expect(page).toContain('This link has expired, and your copy is no longer kept: we delete it 30 days after it is made. To receive a new copy of your data, make a new request from the form.');
    expect(page).not.toContain('name="renew"');
    expect((await post(requestId, `token=${tokenOf(first)}&renew=1`)).status).toBe(410);
    expect(await links('pia-renew@example.com')).toHaveLength(1);
  }, 120_000);

  it('answers its link as an unknown one once the requester’s contact data has ended, though DynamoDB has not deleted it yet: no request named, no fresh link mailed', async () => {
    const { requestId, first } = await completedCopy('rosa-renew@example.com');
    await age(requestId);
    expect((await fetch(first)).status).toBe(410);
    // The contact data's end passes (30 days after closing, a day after the package's); DynamoDB's TTL deletes the item up to two days later.
    const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
    const { ddb } = await import('../../../functions/adapters/clients/dynamodb.ts');
    const { key } = await import('../../../functions/adapters/table.ts');
    await ddb.send(new UpdateCommand({ TableName: rt.tableName, Key: key.pii(requestId), UpdateExpression: 'SET #ttl = :t', ExpressionAttributeNames: { '#ttl': 'ttl' }, ExpressionAttributeValues: { ':t': Math.floor(Date.now() / 1000) - 1 } }));
    const token = tokenOf(first);
    const other = 'B'.repeat(token.length);
    const answer = async (r: Response, secret = other) => {
      const headers: Record<string, string> = {};
      r.headers.forEach((v, k) => {
        if (!['date', 'content-length'].includes(k)) headers[k] = v;
      });
      return { status: r.status, headers, body: (await r.text()).replaceAll(secret, other) };
    };
    const ended = await answer(await fetch(first), token);
    expect(ended.status).toBe(404);
    expect(ended).toEqual(await answer(await fetch(first.replace(token, other))));
    expect(await answer(await post(requestId, `token=${token}&renew=1`), token)).toEqual(await answer(await post(requestId, `token=${other}&renew=1`)));
    expect(await answer(await post(requestId, `token=${token}`), token)).toEqual(await answer(await post(requestId, `token=${other}`)));
    expect(await links('rosa-renew@example.com')).toHaveLength(1);
  }, 120_000);
});

describe('a copy a processor flagged as holding other people’s data (Art. 15(4))', () => {
  /** A copy asked for and confirmed by `email`, which ParcelWay flags: the request once its copy is held. */
  async function heldCopy(email: string) {
    await rt.submit({ type: 'access', email, language: 'en' });
    const l = await until(() => rt.links(email).catch(() => undefined));
    await rt.confirm(l.token);
    const { repo } = await import('../../../functions/shared/deps.ts');
    const held = await until(async () => {
      const r = await repo.getRequest(l.requestId);
      return r?.exportRelease && r.exportKey ? r : undefined;
    }, 60_000, 'the copy held');
    return { l, held, repo };
  }

  it('waits for an officer, who can look at it and release it; only then is the link mailed', async () => {
    rt.processors.setBehaviour('parcelway', { thirdPartyData: true });
    try {
      const { l, held, repo } = await heldCopy('quinn-held@example.com');
      expect(held.status).toBe('awaiting_manual');
      expect(held.exportRelease?.flaggedBy).toEqual(['parcelway']);
      expect(await links('quinn-held@example.com')).toEqual([]);

      const [officer, viewer] = await Promise.all([rt.signIn('officer'), rt.signIn('viewer')]);
      const admin = (path: string, token: string, method = 'GET') => rt.api(`/admin/requests/${l.requestId}/${path}`, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, ...(method === 'POST' ? { body: '{}' } : {}) });
      expect((await admin('export', viewer)).status).toBe(403);
      const look = (await (await admin('export', officer)).json()) as { url: string; flaggedBy: string[] };
      expect(look.flaggedBy).toEqual(['parcelway']);
      const zip = await fetch(look.url);
      expect(zip.status).toBe(200);
      expect(zip.headers.get('content-type')).toBe('application/zip');
      expect((await admin('release', viewer, 'POST')).status).toBe(403);

      const released = await admin('release', officer, 'POST');
      expect(released.status).toBe(200);
      expect(await released.json()).toEqual({ requestId: l.requestId, status: 'completed' });
      const [url] = await until(async () => ((await links('quinn-held@example.com')).length ? links('quinn-held@example.com') : undefined), 15_000, 'outcome email');
      expect((await fetch(url)).status).toBe(200);
      const audit = (await repo.getRequest(l.requestId))?.audit.map((e) => e.action) ?? [];
      expect(audit.slice(audit.indexOf('hold_export'))).toEqual(['hold_export', 'preview_export', 'release_export', 'complete']);
      // Released once: a second release finds nothing held.
      expect((await admin('release', officer, 'POST')).status).toBe(409);
    } finally {
      rt.processors.setBehaviour('parcelway', {});
    }
  }, 120_000);

  it('is made again by the sweeper once an officer asks, after its package is gone, then looked at and released, its link working', async () => {
    rt.processors.setBehaviour('parcelway', { thirdPartyData: true });
    try {
      const { l, held, repo } = await heldCopy('sami-remade@example.com');
      // The package was made 31 days ago: S3 has deleted it.
      await age(l.requestId, undefined, 31);
      const { S3Blobs } = await import('../../../functions/adapters/blobs.ts');
      const bucket = new S3Blobs();
      await bucket.delete(held.exportKey as string);
      const [officer, viewer] = await Promise.all([rt.signIn('officer'), rt.signIn('viewer')]);
      const admin = (path: string, token: string, method = 'POST') => rt.api(`/admin/requests/${l.requestId}/${path}`, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, ...(method === 'POST' ? { body: '{}' } : {}) });
      const refused = await admin('release', officer);
      expect(refused.status).toBe(409);
      expect(((await refused.json()) as { error: string }).error).toBe('PackageGone');
      expect((await admin('remake', viewer)).status).toBe(403);

      const asked = await admin('remake', officer);
      expect(asked.status).toBe(202);
      expect(await asked.json()).toMatchObject({ requestId: l.requestId, status: 'awaiting_manual', remake: { at: expect.any(String), by: expect.stringMatching(/^officer:/) }, message: expect.stringContaining('within 15 minutes') });
      // Asked, not made: the package is the sweeper's to make.
      expect(await bucket.get(held.exportKey as string)).toBeUndefined();
      expect((await admin('release', officer)).status).toBe(409);

      await rt.lambdas.invoke('sweeper', {});
      expect(await bucket.get(held.exportKey as string)).toBeDefined();
      const look = (await (await admin('export', officer, 'GET')).json()) as { url: string };
      expect((await fetch(look.url)).status).toBe(200);
      // Kept long enough now: nothing to make again.
      expect((await admin('remake', officer)).status).toBe(409);
      expect(await links('sami-remade@example.com')).toEqual([]);

      expect((await admin('release', officer)).status).toBe(200);
      const [url] = await until(async () => ((await links('sami-remade@example.com')).length ? links('sami-remade@example.com') : undefined), 15_000, 'outcome email');
      expect((await fetch(url)).status).toBe(200);
      const audit = (await repo.getRequest(l.requestId))?.audit.map((e) => [e.actor.split(':')[0], e.action]) ?? [];
      expect(audit.slice(audit.findIndex(([, a]) => a === 'hold_export'))).toEqual([['workflow', 'hold_export'], ['officer', 'remake_export'], ['sweeper', 'export_assembled'], ['officer', 'preview_export'], ['officer', 'release_export'], ['workflow', 'complete']]);
      // The sweeper's calls (the package's PutObject among them) are all allowed by its role in the template.
      expect((await rt.iam()).denied).toEqual([]);
    } finally {
      rt.processors.setBehaviour('parcelway', {});
    }
  }, 120_000);

  it('offers no new link for a copy released late once its package is gone, 30 days after it was made though the request closed since', async () => {
    rt.processors.setBehaviour('parcelway', { thirdPartyData: true });
    try {
      const { l, repo } = await heldCopy('rosa-held@example.com');
      const officer = await rt.signIn('officer');
      const released = await rt.api(`/admin/requests/${l.requestId}/release`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${officer}` }, body: '{}' });
      expect(released.status).toBe(200);
      const [first] = await until(async () => ((await links('rosa-held@example.com')).length ? links('rosa-held@example.com') : undefined), 15_000, 'outcome email');
      // Its link has expired, the request closed 10 days ago, and the package was made 31 days ago (S3 has deleted it).
      await age(l.requestId, 10, 31);
      const page = await (await fetch(first)).text();
      expect(page).toContain('your copy is no longer kept');
      expect(page).not.toContain('name="renew"');
      expect((await post(l.requestId, `token=${tokenOf(first)}&renew=1`)).status).toBe(410);
      expect(await links('rosa-held@example.com')).toHaveLength(1);
      expect((await repo.getRequest(l.requestId))?.downloadLink).toBeUndefined();
    } finally {
      rt.processors.setBehaviour('parcelway', {});
    }
  }, 120_000);

  it('deletes the package from the bucket when the officer refuses the held copy, so nothing can fetch it any more', async () => {
    rt.processors.setBehaviour('parcelway', { thirdPartyData: true });
    try {
      const { l, held, repo } = await heldCopy('rowan-refused@example.com');
      // The test reads the bucket as the admin function would (the runtime gave this process its settings).
      const { S3Blobs } = await import('../../../functions/adapters/blobs.ts');
      const bucket = new S3Blobs();
      const key = held.exportKey as string;
      expect(await bucket.get(key)).toBeDefined();

      const officer = await rt.signIn('officer');
      const admin = (path: string, method = 'GET', body: unknown = {}) =>
        rt.api(`/admin/requests/${l.requestId}/${path}`, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${officer}` }, ...(method === 'POST' ? { body: JSON.stringify(body) } : {}) });
      expect((await admin('deny', 'POST', { reason: 'excessive' })).status).toBe(200);
      expect(await bucket.get(key)).toBeUndefined();
      expect((await repo.getRequest(l.requestId))?.exportKey).toBeUndefined();
      // The officer's look and release find nothing held: a plain 409, never a link to a deleted object.
      expect((await admin('export')).status).toBe(409);
      expect((await admin('release', 'POST')).status).toBe(409);
      // The sweeper, 16 minutes on, deletes it again (idempotent) and clears the owed deletion.
      await rt.lambdas.invoke('sweeper', { time: new Date(Date.now() + 16 * 60_000).toISOString() });
      expect((await repo.getRequest(l.requestId))?.purgeResults).toBeUndefined();
      expect(await bucket.get(key)).toBeUndefined();
      expect(await links('rowan-refused@example.com')).toEqual([]);
    } finally {
      rt.processors.setBehaviour('parcelway', {});
    }
  }, 120_000);
});

describe('a copy of data once its requester’s erasure completes (Art. 17)', () => {
  it('is deleted with its stored results: its link says so and renews nothing, and both trails say so', async () => {
    const email = 'olga-erased@example.com';
    const { requestId, first } = await completedCopy(email);
    expect((await post(requestId, `token=${tokenOf(first)}`)).status).toBe(303);
    const { repo } = await import('../../../functions/shared/deps.ts');
    const { S3Blobs } = await import('../../../functions/adapters/blobs.ts');
    const exportKey = (await repo.getRequest(requestId))?.exportKey ?? '';
    expect(await new S3Blobs().get(exportKey)).toBeDefined();

    await rt.submit({ type: 'erasure', email, language: 'en' });
    const erasure = await until(async () => {
      const l = await rt.links(email).catch(() => undefined);
      return l && l.requestId !== requestId ? l : undefined;
    }, 15_000, 'the erasure’s confirmation link');
    await rt.confirm(erasure.token);
    await until(async () => (await rt.status(erasure.requestId, erasure.statusToken)).status === 'completed', 60_000, 'the erasure completed');

    expect(await new S3Blobs().get(exportKey)).toBeUndefined();
    expect(await repo.listTaskResults(requestId)).toEqual([]);
    const page = await fetch(first);
    expect(page.status).toBe(410);
    expect(await page.text()).toMatch(/<h1>This copy has been deleted<\/h1>.*We deleted this copy of your data on \d{1,2} \w+ \d{4} at \d{2}:\d{2} \(London time\), when we completed your request to erase your data\./s);
    expect((await post(requestId, `token=${tokenOf(first)}`)).status).toBe(410);
    expect((await post(requestId, `token=${tokenOf(first)}&renew=1`)).status).toBe(410);
    expect((await links(email)).length).toBe(1);
    expect((await repo.getRequest(erasure.requestId))?.audit.findLast((e) => e.action === 'complete')?.data).toMatchObject({ erasedCopies: requestId });
    expect((await repo.getRequest(requestId))?.audit.at(-1)).toMatchObject({ actor: 'workflow', action: 'copy_erased', data: { erasure: erasure.requestId } });
  }, 120_000);
});
