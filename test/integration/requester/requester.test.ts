import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { key } from '../../../functions/adapters/table.ts';
import { sha256 } from '../../../functions/core/audit.ts';
import { ANSWER_FLOOR_MS } from '../../../functions/core/edge.ts';
import { siteCsp } from '../../../infra/constructs/site-headers.ts';
import { ensureAssembly } from '../../../local/assembly/synth.ts';
import { schemaErrors } from '../../unit/processors/openapi.ts';
import { type Booted, boot, until } from '../harness.ts';

let rt: Booted;
beforeAll(async () => {
  rt = await boot();
});
afterAll(async () => rt?.stopAndClean());

/** Sets attributes of one item directly, to put a record in a state only time (or an officer) would. */
async function update(k: { pk: string; sk: string }, values: Record<string, unknown>) {
  const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
  const { ddb } = await import('../../../functions/adapters/clients/dynamodb.ts');
  const names = Object.keys(values);
  await ddb.send(
    new UpdateCommand({
      TableName: rt.tableName,
      Key: k,
      UpdateExpression: `SET ${names.map((_, i) => `#n${i} = :v${i}`).join(', ')}`,
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: Object.fromEntries(names.map((n, i) => [`#n${i}`, n])),
      ExpressionAttributeValues: Object.fromEntries(names.map((n, i) => [`:v${i}`, values[n]])),
    }),
  );
}

/**
 * The items a submission for `email` would have written: its claim on (email, type), and the
 * requests and links behind it. Other tests' requests go on in the background (processors answer,
 * links go out), so a count of the whole table would change under a test run in another order.
 */
async function itemsFor(email: string) {
  const { ScanCommand } = await import('@aws-sdk/lib-dynamodb');
  const { ddb } = await import('../../../functions/adapters/clients/dynamodb.ts');
  const { emailHash } = await import('../../../functions/shared/crypto.ts');
  const eh = await emailHash(email);
  const scan = await ddb.send(new ScanCommand({ TableName: rt.tableName, FilterExpression: 'begins_with(pk, :d) OR emailHash = :h', ExpressionAttributeValues: { ':d': `DEDUPE#${eh}`, ':h': eh } }));
  return scan.Items ?? [];
}

/** A request's own items (request, personal data, tasks) and its link's record, as stored. */
async function requestItems(requestId: string, token: string) {
  const { GetCommand, QueryCommand } = await import('@aws-sdk/lib-dynamodb');
  const { ddb } = await import('../../../functions/adapters/clients/dynamodb.ts');
  const own = await ddb.send(new QueryCommand({ TableName: rt.tableName, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': `REQ#${requestId}` }, ConsistentRead: true }));
  const link = await ddb.send(new GetCommand({ TableName: rt.tableName, Key: key.verify(sha256(token)), ConsistentRead: true }));
  return { own: own.Items, link: link.Item };
}

describe('the requester side', () => {
  it('answers a customer and a stranger with the same status and body', async () => {
    const known = await rt.submit({ type: 'erasure', email: 'alice@example.com', language: 'en' });
    const unknown = await rt.submit({ type: 'erasure', email: 'nobody-here@example.com', language: 'en' });
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(known.status);
    expect(await unknown.json()).toEqual(await known.json());
  });

  it('answers a stranger asking for an address whose request is open, confirmed or not, as it answers one asking for a fresh address', async () => {
    const headersOf = (r: Response) => {
      const kept: Record<string, string> = {};
      r.headers.forEach((v, k) => {
        if (!['date', 'content-length'].includes(k)) kept[k] = v;
      });
      return kept;
    };
    // The owner asked a moment ago, from their own client; the owner of another address asked and confirmed.
    expect((await rt.submit({ type: 'erasure', email: 'asked-just-now@example.com', language: 'en' }, {}, '127.0.9.1')).status).toBe(202);
    expect((await rt.submit({ type: 'erasure', email: 'asked-and-confirmed@example.com', language: 'en' }, {}, '127.0.9.3')).status).toBe(202);
    const links = await until(() => rt.links('asked-and-confirmed@example.com').catch(() => undefined));
    await rt.confirm(links.token);
    // Someone else, from another client, tries each address and one nobody asked for.
    const stranger = (email: string) => rt.submit({ type: 'erasure', email, language: 'en' }, {}, '127.0.9.2');
    const fresh = await stranger('nobody-asked@example.com');
    const fresh2 = await stranger('nobody-asked-either@example.com');
    for (const probe of [await stranger('asked-just-now@example.com'), await stranger('asked-and-confirmed@example.com')]) {
      expect(probe.status).toBe(fresh.status);
      expect(headersOf(probe)).toEqual(headersOf(fresh));
      expect(await probe.json()).toEqual(await fresh2.clone().json());
    }
    expect(await fresh.json()).toEqual(await fresh2.json());
  });

  it('takes at least the floor the template sets to answer a new request, a repeat joining it that mails nothing, and a complaint', async () => {
    // The deployed default's floor, on a runtime of its own: the harness's runtimes answer after 1 ms (test/support/assembly.ts).
    // Its boot points the tools' settings in process.env (this file's own table reads) at itself; its stop puts this file's runtime's back.
    const deployed = await boot({ assemblyDir: ensureAssembly({ log: () => undefined }) });
    try {
      const vars = deployed.assembly.template.Resources[deployed.lambdas.get('intake').logicalId].Properties?.Environment?.Variables as Record<string, unknown>;
      const floor = Number(vars?.ANSWER_FLOOR_MS);
      expect(floor).toBe(ANSWER_FLOOR_MS);
      const timed = async (send: () => Promise<Response>) => {
        const started = performance.now();
        const r = await send();
        await r.text();
        return { status: r.status, ms: performance.now() - started };
      };
      const email = 'timed-twice@example.com';
      const fresh = await timed(() => deployed.submit({ type: 'erasure', email, language: 'en' }, {}, '127.0.9.4'));
      const repeat = await timed(() => deployed.submit({ type: 'erasure', email, language: 'en' }, {}, '127.0.9.4'));
      const complaint = await timed(() => deployed.api('/complaints', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'timed-complaint@example.com', text: 'Nobody answered my request.', language: 'en' }) }));
      // The first wrote the request and mailed its link before answering; the repeat mailed nothing.
      expect(await deployed.mails(email)).toHaveLength(1);
      for (const t of [fresh, repeat, complaint]) {
        expect(t.status).toBe(202);
        expect(t.ms).toBeGreaterThanOrEqual(floor);
      }
    } finally {
      await deployed.stopAndClean();
    }
  });

  it('refuses malformed, oversized and unknown-field bodies with field-level 4xx and writes nothing', async () => {
    const bad = await rt.submit({ type: 'forget-me', email: 'not-an-email', language: 'fr' });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { issues: { path: string; message: string }[] };
    // In French, the requester's language.
    expect([...body.issues].sort((a, b) => a.path.localeCompare(b.path)).map(({ path, message }) => ({ path, message }))).toEqual([
      { path: 'email', message: "Saisissez l’adresse e-mail de votre compte client, par exemple nom@exemple.fr." },
      { path: 'type', message: 'Choisissez ce que vous souhaitez que nous fassions.' },
    ]);
    const extra = await rt.submit({ type: 'access', email: 'refused@example.com', exportDestination: 'https://evil.example/drop' });
    expect(extra.status).toBe(400);
    expect(JSON.stringify(await extra.json())).toContain('exportDestination');
    const broken = await rt.api('/requests', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":' });
    expect(broken.status).toBe(400);
    const huge = await rt.submit({ type: 'erasure', email: 'refused@example.com', name: 'x'.repeat(70_000) });
    expect(huge.status).toBe(413);
    // Nothing was claimed or written for the address the refused bodies gave.
    expect(await itemsFor('refused@example.com')).toEqual([]);
    // The same look-up finds what an accepted submission writes.
    expect((await rt.submit({ type: 'erasure', email: 'accepted@example.com' })).status).toBe(202);
    expect((await itemsFor('accepted@example.com')).map((i) => i.pk).sort()).toEqual([expect.stringMatching(/^DEDUPE#[0-9a-f]{64}#erasure$/), expect.stringMatching(/^REQ#[0-9A-Z]{26}$/)]);
  });

  it('mails from the privacy address, with replies going to the compliance team’s mailbox, which the emails invite', async () => {
    await rt.submit({ type: 'erasure', email: 'replier@example.com', language: 'en' });
    const mail = await until(async () => (await rt.mails('replier@example.com'))[0]);
    expect(mail).toMatchObject({ from: 'privacy@offtek.example', replyTo: ['compliance@offtek.example'] });
  });

  it('shows a confirmation page on GET without changing anything, and confirms only on POST', async () => {
    await rt.submit({ type: 'erasure', email: 'getter@example.com', language: 'fr' });
    const links = await until(() => rt.links('getter@example.com').catch(() => undefined));
    const before = await requestItems(links.requestId, links.token);
    for (let i = 0; i < 3; i++) expect((await fetch(links.verify)).status).toBe(200);
    expect(await requestItems(links.requestId, links.token)).toEqual(before);
    expect((await rt.status(links.requestId, links.statusToken)).status).toBe('unverified');
    expect((await rt.confirm(links.token)).status).toBe(200);
    await until(async () => (await rt.status(links.requestId, links.statusToken)).status !== 'unverified');
  });

  it('answers a reopened link with "already confirmed" in the request\'s language and a working status link, and refuses an unknown one', async () => {
    await rt.submit({ type: 'objection', email: 'replay@example.com', objections: ['marketing'], language: 'en' });
    const links = await until(() => rt.links('replay@example.com').catch(() => undefined));
    expect((await rt.confirm(links.token)).status).toBe(200);
    // Reopening changes nothing: the used link's record stays as it was (the request itself goes on being processed).
    const before = (await requestItems(links.requestId, links.token)).link;
    for (const reopened of [await rt.confirm(links.token), await fetch(links.verify)]) {
      expect(reopened.status).toBe(200);
      const page = await reopened.text();
      expect(page).toContain('<html lang="en">');
      expect(page).toContain('Request already confirmed');
      expect(page).toContain(links.requestId);
      expect(page).toContain('Objection to a use of your data');
      expect(page).not.toContain('type="submit"');
      const status = /href="(\/status\.html\?id=\w+&#38;token=[\w-]+)"/.exec(page)?.[1].replace('&#38;', '&');
      expect(status).toBe(`/status.html?id=${links.requestId}&token=${links.statusToken}`);
    }
    // The language switch reopens the same link with GET, in the other language.
    const fr = await (await fetch(`${links.verify}&lang=fr`)).text();
    expect(fr).toContain('Demande déjà confirmée');
    expect((await requestItems(links.requestId, links.token)).link).toEqual(before);
    const unknown = await rt.confirm('A'.repeat(43));
    expect(unknown.status).toBe(410);
    expect(await unknown.text()).toContain('Lien invalide ou expiré');
    const unknownEn = await rt.api(`/verify?token=${'A'.repeat(43)}`, { headers: { 'accept-language': 'en-GB,en;q=0.9' } });
    expect(await unknownEn.text()).toContain('Link invalid or expired');
  });

  it('locks a link after 5 wrong passwords, and says so in the request\'s language when it is reopened', async () => {
    // Carol has a shop account, and no other email in this file.
    await rt.submit({ type: 'access', email: 'carol@example.com', language: 'en' });
    const links = await until(() => rt.links('carol@example.com').catch(() => undefined));
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push((await rt.confirm(links.token, { password: `guess ${i}` })).status);
    expect(answers).toEqual([401, 401, 401, 401, 403]);
    const reopened = await fetch(links.verify);
    expect(reopened.status).toBe(403);
    const page = await reopened.text();
    expect(page).toContain('<html lang="en">');
    expect(page).toContain('Too many attempts');
    // Locked means locked: the right password no longer confirms.
    expect((await rt.confirm(links.token, { password: 'lifetime warranty owner' })).status).toBe(403);
    expect((await rt.status(links.requestId, links.statusToken)).status).toBe('unverified');
  });

  it('gives a fresh link no new password tries once the address has had its 5 for the day: sending the form again buys no more guesses', async () => {
    const email = 'dan.guessed@example.com';
    const password = 'dan’s own password';
    rt.directory?.addCustomer(email, password, { account: { customer: 'C-9101', name: 'Dan Guessed', email }, orders: [], invoices: [], correspondence: [] });
    await rt.submit({ type: 'access', email, language: 'en' });
    const first = await until(() => rt.links(email).catch(() => undefined));
    for (let i = 0; i < 5; i++) await rt.confirm(first.token, { password: `guess ${i}` });
    // Someone holding only the mailbox asks for a fresh link, as the locked page invites: the first went out 11 minutes ago.
    await update(key.request(first.requestId), { linkAt: new Date(Date.now() - 11 * 60_000).toISOString() });
    expect((await rt.submit({ type: 'access', email, language: 'en' })).status).toBe(202);
    await until(async () => (await rt.mails(email)).length === 2, 10_000, 'a second link');
    const second = await rt.links(email);
    expect(second.token).not.toBe(first.token);
    const guess = await rt.confirm(second.token, { password: 'guess 5' });
    expect(guess.status).toBe(403);
    const page = await guess.text();
    expect(page).toContain('<html lang="en">');
    expect(page).toContain('Too many attempts');
    expect(page).toContain('tomorrow');
    // Not even the right password, for the rest of the day.
    expect((await rt.confirm(second.token, { password })).status).toBe(403);
    expect((await rt.status(first.requestId, first.statusToken)).status).toBe('unverified');
  });

  it('answers a form error with its message in both languages, so the form can switch language and keep it', async () => {
    const bad = await rt.submit({ type: 'erasure', email: 'long-name@example.com', name: 'N'.repeat(230), language: 'fr' });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { issues: unknown[] };
    expect(body.issues).toEqual([{ path: 'name', message: 'Votre nom peut compter jusqu’à 200 caractères.', messages: { fr: 'Votre nom peut compter jusqu’à 200 caractères.', en: 'Your name can be up to 200 characters.' } }]);
    expect(schemaErrors('Error', body)).toEqual([]);
  });

  it('refuses an expired link with 410 and leaves the request unverified', async () => {
    await rt.submit({ type: 'erasure', email: 'expired-link@example.com' });
    const links = await until(() => rt.links('expired-link@example.com').catch(() => undefined));
    // The link's 24 hours are over: its record says it expired a minute ago.
    await update(key.verify(sha256(links.token)), { expiresAt: new Date(Date.now() - 60_000).toISOString() });
    expect((await fetch(links.verify)).status).toBe(410);
    expect((await rt.confirm(links.token)).status).toBe(410);
    expect((await rt.status(links.requestId, links.statusToken)).status).toBe('unverified');
  });

  it('mails a fresh link for the same request when it is asked for again more than 10 minutes after the last one', async () => {
    const email = 'ten-minutes@example.com';
    await rt.submit({ type: 'erasure', email });
    const first = await until(() => rt.links(email).catch(() => undefined));
    // The first link went out 11 minutes ago.
    await update(key.request(first.requestId), { linkAt: new Date(Date.now() - 11 * 60_000).toISOString() });
    const again = await rt.submit({ type: 'erasure', email, language: 'en' });
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual({ status: 'check_your_email', message: expect.any(String), messages: { fr: expect.any(String), en: expect.any(String) } });
    await until(async () => (await rt.mails(email)).length === 2, 10_000, 'a second link');
    const second = await rt.links(email);
    expect(second.requestId).toBe(first.requestId);
    expect(second.token).not.toBe(first.token);
    expect((await rt.confirm(second.token)).status).toBe(200);
  });

  it('opens a new request, with its own link, for an address whose previous request of that type is closed', async () => {
    const email = 'closed-before@example.com';
    await rt.submit({ type: 'erasure', email });
    const first = await until(() => rt.links(email).catch(() => undefined));
    // An officer denies the first request from the console.
    const officer = await rt.signIn('officer');
    const denied = await rt.api(`/admin/requests/${first.requestId}/deny`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${officer}` },
      body: JSON.stringify({ reason: 'excessive' }),
    });
    expect(denied.status).toBe(200);
    expect((await rt.submit({ type: 'erasure', email })).status).toBe(202);
    // The requester also gets the refusal (with how to complain) between the two links.
    const second = await until(async () => {
      const latest = await rt.links(email);
      return latest.requestId !== first.requestId && latest;
    }, 10_000, 'a link for the new request');
    expect(second.requestId).not.toBe(first.requestId);
    expect((await rt.status(second.requestId, second.statusToken)).status).toBe('unverified');
  });

  it('does not create a second request, nor send a second link, for a duplicate within 10 minutes', async () => {
    const email = 'twice@example.com';
    expect((await rt.submit({ type: 'erasure', email })).status).toBe(202);
    expect((await rt.submit({ type: 'erasure', email })).status).toBe(202);
    await until(async () => (await rt.mails(email)).length >= 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(await rt.mails(email)).toHaveLength(1);
  });

  it('never refuses a request for an email address, however many were made for it, and answers its owner as it answered the others', async () => {
    const email = 'limit@example.com';
    const answers = [];
    // Someone else, from eight different clients, asking again and again for the owner's address.
    for (let i = 0; i < 8; i++) answers.push(await rt.submit({ type: i % 2 ? 'erasure' : 'access', email, language: 'en' }, {}, `127.0.2.${i + 1}`));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(202));
    // The owner's own request goes through, answered as every one of those was.
    const own = await rt.submit({ type: 'erasure', email, language: 'en' }, {}, '127.0.2.100');
    expect(own.status).toBe(202);
    const body = await own.json();
    expect(schemaErrors('Accepted', body)).toEqual([]);
    for (const a of answers) expect(await a.json()).toEqual(body);
    // Repeats were merged: one link per request, not one per submission.
    await until(async () => (await rt.mails(email)).length >= 2);
    await new Promise((r) => setTimeout(r, 200));
    expect(await rt.mails(email)).toHaveLength(2);
  });

  it('mails one inbox no more than 5 links an hour however its address is spelled: each +tag is a request of its own, not a share of its own', async () => {
    const spellings = Array.from({ length: 7 }, (_, i) => `spelled+${i}@example.com`);
    // A stranger, from as many clients, asking for the same inbox under seven spellings.
    for (const [i, email] of spellings.entries()) expect((await rt.submit({ type: 'erasure', email, language: 'en' }, {}, `127.0.4.${i + 1}`)).status).toBe(202);
    const mailed = async () => (await rt.mails()).filter((m) => m.destination.to.some((to) => to.startsWith('spelled+')));
    await until(async () => (await mailed()).length >= 5);
    await new Promise((r) => setTimeout(r, 300));
    expect(await mailed()).toHaveLength(5);
  });

  it('serves every page with the security headers the template gives CloudFront', async () => {
    for (const page of ['/', '/status.html', '/console.html', '/form.js']) {
      const r = await rt.api(page);
      expect(r.status).toBe(200);
      // The console may also fetch tokens from the sign-in origin (Cognito's managed login domain on AWS).
      expect(r.headers.get('content-security-policy')).toBe(siteCsp([rt.urls.signIn]));
      expect(r.headers.get('x-frame-options')).toBe('DENY');
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('referrer-policy')).toBe('no-referrer');
      expect(r.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
    }
    // A key that is not in the site bucket: CloudFront in front of S3 with origin access control says 403.
    expect((await rt.api('/nope.html')).status).toBe(403);
    // The pages the functions serve (the confirmation and download links) bring their own CSP; CloudFront adds HSTS.
    for (const page of ['/verify?token=x&lang=en', `/exports/${'0'.repeat(26)}?token=x`]) {
      const r = await rt.api(page);
      expect(r.headers.get('content-type'), page).toMatch(/^text\/html/);
      expect(r.headers.get('strict-transport-security'), page).toBe('max-age=31536000; includeSubDomains');
    }
  });

  it('answers malformed percent-encoding in a path with 400, never 500', async () => {
    expect((await rt.api('/requests/%E0%A4%A/status?token=x')).status).toBe(400);
    expect((await rt.api('/callbacks/%E0%A4%A', { method: 'POST', body: '{}' })).status).toBe(400);
    expect((await rt.api('/exports/%E0%A4%A?token=x')).status).toBe(400);
    // The site's paths too: the local CloudFront used to answer this one with 500.
    expect((await rt.api('/%E0%A4%A')).status).toBe(400);
    expect((await rt.api('/console%E0%A4%A.html')).status).toBe(400);
  });

  it('answers a download link it cannot read with a page in the requester’s language, as the confirmation link does, not JSON', async () => {
    const r = await rt.api('/exports/not-a-request-id?token=x&lang=en');
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await r.text()).toContain('This page could not be opened');
    // The API beside it still answers JSON.
    const api = await rt.api('/requests/not-a-request-id/status?token=x');
    expect(api.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('hides the status of a request behind its token', async () => {
    await rt.submit({ type: 'erasure', email: 'status@example.com' });
    const links = await until(() => rt.links('status@example.com').catch(() => undefined));
    expect((await rt.api(`/requests/${links.requestId}/status?token=${'x'.repeat(43)}`)).status).toBe(404);
    const ok = await rt.api(`/requests/${links.requestId}/status?token=${links.statusToken}`);
    expect(ok.status).toBe(200);
    expect(JSON.stringify(await ok.json())).not.toContain('status@example.com');
  });

  it('answers a status link past the end of its requester’s contact data as it answers a wrong token, whether or not DynamoDB has deleted that data yet, and its used confirmation link as an unknown one', async () => {
    await rt.submit({ type: 'erasure', email: 'status-ended@example.com', language: 'en' });
    const links = await until(() => rt.links('status-ended@example.com').catch(() => undefined));
    expect((await rt.confirm(links.token)).status).toBe(200);
    const ask = (token: string) => rt.api(`/requests/${links.requestId}/status?token=${token}`);
    expect((await ask(links.statusToken)).status).toBe(200);
    // The contact data's end passes, as it does 30 days after closing; the item is deleted by the TTL's reaper
    // when it comes round (DynamoDB: up to two days late), and the answer may not wait for it.
    await update(key.pii(links.requestId), { ttl: Math.floor(Date.now() / 1000) - 1 });
    const answer = async (r: Response) => {
      const headers: Record<string, string> = {};
      r.headers.forEach((v, k) => {
        if (!['date', 'content-length'].includes(k)) headers[k] = v;
      });
      return { status: r.status, headers, body: await r.text() };
    };
    const ended = await answer(await ask(links.statusToken));
    expect(ended.status).toBe(404);
    expect(ended).toEqual(await answer(await ask('x'.repeat(43))));
    expect(ended).toEqual(await answer(await rt.api(`/requests/01JQ0000000000000000000000/status?token=${links.statusToken}`)));
    // Its confirmation link, kept 30 days past its 24 hours, no longer says "already confirmed" with the way to the status page.
    const unknownToken = 'A'.repeat(43);
    const reopened = await answer(await fetch(links.verify));
    const unknown = await answer(await fetch(links.verify.replace(links.token, unknownToken)));
    expect(reopened.status).toBe(410);
    expect({ ...reopened, body: reopened.body.replaceAll(links.token, unknownToken) }).toEqual(unknown);
  });

  it('lets many people behind one client address through, and answers 429 past 300 submissions an hour, whether or not the address submitted has a request open', async () => {
    const office = '127.0.3.1';
    const codes: number[] = [];
    // In batches, as an office or a mobile carrier's shared address would send them.
    for (let i = 0; i < 300; i += 25) {
      codes.push(...(await Promise.all(Array.from({ length: 25 }, (_, j) => rt.submit({ type: 'erasure', email: `ip-${i + j}@example.com` }, {}, office)))).map((r) => r.status));
    }
    expect(codes).toEqual(Array(300).fill(202));
    const over = await rt.submit({ type: 'erasure', email: 'ip-300@example.com' }, {}, office);
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    // Past it, a submission for an address with an open request is refused as one for an address with
    // none: a 202 there would tell anyone who spent the hour's limit which addresses have a request open.
    const again = await rt.submit({ type: 'erasure', email: 'ip-7@example.com' }, {}, office);
    expect(again.status).toBe(429);
    expect(await again.json()).toEqual(await over.json());
    // Another client is not held back by the first one's limit.
    expect((await rt.submit({ type: 'erasure', email: 'ip-other@example.com' }, {}, '127.0.3.2')).status).toBe(202);
  }, 120_000);
});
