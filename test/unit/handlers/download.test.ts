import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { StoredRequest } from '../../../functions/core/ports.ts';
import type { FakeMailer, FakeRepo } from '../processors/fakes.ts';

// The download page's module builds its adapters at import: the repository and clock of shared/deps,
// S3 for the presigned link, SES for a renewed link's email, and the registry for the providers' names.
const h = vi.hoisted(() => ({ now: '2026-03-20T10:00:00.000Z' }));
vi.mock('../../../functions/shared/deps.ts', async () => {
  const { FakeRepo } = await import('../processors/fakes.ts');
  return { repo: new FakeRepo(), systemClock: { now: () => new Date(h.now) } };
});
vi.mock('../../../functions/adapters/blobs.ts', () => ({
  S3Blobs: class {
    presign = async (key: string, seconds: number) => `https://lethe-exports.s3.eu-west-2.amazonaws.com/${key}?X-Amz-Expires=${seconds}`;
  },
}));
vi.mock('../../../functions/adapters/mailer.ts', async () => {
  const { FakeMailer } = await import('../processors/fakes.ts');
  const mailer = new FakeMailer();
  return { mailer, SesMailer: class { send = (m: Parameters<FakeMailer['send']>[0]) => mailer.send(m); } };
});
vi.mock('../../../functions/adapters/registry-source.ts', () => ({ registryOnce: () => ({ version: 1, processors: [] }) }));
// Link secrets come from the app key in Secrets Manager; here they name what they are for.
vi.mock('../../../functions/shared/crypto.ts', async (orig) => ({ ...(await orig()), derivedToken: async (purpose: string, ...parts: string[]) => `${purpose}-${parts.join('-')}` }));

const { download, exportPage } = await import('../../../functions/status/download.ts');
const { repo } = (await import('../../../functions/shared/deps.ts')) as unknown as { repo: FakeRepo };
const { mailer } = (await import('../../../functions/adapters/mailer.ts')) as unknown as { mailer: FakeMailer };
const { sha256 } = await import('../../../functions/core/audit.ts');
const { REQUEST_ID, storedRequest } = await import('../processors/fakes.ts');

const TOKEN = 'the-download-secret';
const KEY = `exports/${REQUEST_ID}.zip`;
const BUCKET = 'https://lethe-exports.s3.eu-west-2.amazonaws.com';

/** A copy completed on 18 March, its link good until 21 March 10:00 (72 hours). */
function stored(over: Partial<StoredRequest> = {}) {
  const req = storedRequest({
    type: 'access',
    status: 'completed',
    language: 'en',
    closedAt: '2026-03-18T10:00:00.000Z',
    exportKey: KEY,
    downloadTokenHash: sha256(TOKEN),
    downloadExpiresAt: '2026-03-21T10:00:00.000Z',
    statusTokenHash: sha256(`status-${REQUEST_ID}`),
    ...over,
  });
  repo.requests.set(REQUEST_ID, req);
  repo.pii.set(REQUEST_ID, { email: 'hana@example.com' });
  return req;
}

beforeEach(() => {
  h.now = '2026-03-20T10:00:00.000Z';
  repo.requests.clear();
  repo.pii.clear();
  repo.piiExpiry.clear();
  mailer.sent.length = 0;
});

describe('the download page (GET)', () => {
  it('offers the copy in the request’s language, with a form that posts the secret back, and lets that form go to the bucket', async () => {
    stored();
    const page = await exportPage(REQUEST_ID, TOKEN, undefined, 'fr');
    expect(page.statusCode).toBe(200);
    expect(page.headers?.['content-security-policy']).toContain(`form-action 'self' ${BUCKET};`);
    expect(page.body).toContain('<title>Download your data — Offtek</title>');
    expect(page.body).toContain(
      `<p>Your copy is ready: a zip file with a page to open in your browser, and your data as tables (CSV) and as JSON.</p><form method="post" action="/exports/${REQUEST_ID}"><input type="hidden" name="token" value="${TOKEN}"><button type="submit">Download (zip)</button></form>`,
    );
    expect(page.body).toContain(`<a href="/exports/${REQUEST_ID}?token=${TOKEN}&#38;lang=fr" lang="fr">Français</a>`);
  });

  it('says which request the copy is of, as the confirmation and status pages do: its type, reference and dates, above the download, its one button', async () => {
    stored();
    const page = await exportPage(REQUEST_ID, TOKEN, undefined, 'fr');
    expect(page.body).toContain(`<dl class="summary"><dt>Request</dt><dd>Copy of your data</dd><dt>Reference</dt><dd><code>${REQUEST_ID}</code></dd>`);
    expect(page.body).toContain('<dt>Completed on</dt><dd>18 March 2026</dd></dl>');
    // The one button is the download: the status page is not offered above it.
    expect(page.body).not.toContain('/status.html');
    expect(page.body?.match(/<button|class="button"/g)).toHaveLength(1);
    // Expired, the same request is named above the way to a fresh link.
    h.now = '2026-03-22T10:00:00.000Z';
    const expired = await exportPage(REQUEST_ID, TOKEN, 'fr', 'en');
    expect(expired.statusCode).toBe(410);
    expect(expired.body).toContain('<dt>Demande</dt><dd>Copie de vos données</dd>');
    expect(expired.body).toContain('<dt>Terminée le</dt><dd>18 mars 2026</dd></dl><p>Nous gardons votre copie');
  });

  it('says until when the link works and until when a new one can be asked for, in London time, in the page’s language', async () => {
    // The link ends on 21 March 10:00 UTC (GMT); the package, kept 29 days from closing, on 16 April 10:00 UTC, 11:00 in London's summer time.
    stored();
    const en = await exportPage(REQUEST_ID, TOKEN, undefined, 'fr');
    expect(en.body).toContain(
      '</form><p>This link works until 21 March 2026 at 10:00 (London time). After that, open it again to have a new link emailed to the address you confirmed, until 16 April 2026 at 11:00 (London time).</p></main>',
    );
    const fr = await exportPage(REQUEST_ID, TOKEN, 'fr', 'en');
    expect(fr.body).toContain(
      '</form><p>Ce lien fonctionne jusqu’au 21 mars 2026 à 10:00 (heure de Londres). Ensuite, rouvrez-le pour recevoir un nouveau lien à l’adresse e-mail que vous avez confirmée, jusqu’au 16 avril 2026 à 11:00 (heure de Londres).</p></main>',
    );
  });

  it('offers no new link when this one ends with the package: only until when it works', async () => {
    // Made on 1 March 09:00 UTC, released later: the package, and so the link, end on 30 March 09:00 UTC, 10:00 in London.
    stored({ downloadExpiresAt: '2026-03-30T09:00:00.000Z', audit: [{ at: '2026-03-01T09:00:00.000Z', actor: 'workflow', action: 'export_assembled', subject: REQUEST_ID, seq: 1, prevHash: '', hash: 'h1' }] });
    const en = await exportPage(REQUEST_ID, TOKEN, undefined, 'fr');
    expect(en.body).toContain('</form><p>This link works until 30 March 2026 at 10:00 (London time).</p></main>');
    const fr = await exportPage(REQUEST_ID, TOKEN, 'fr', 'en');
    expect(fr.body).toContain('</form><p>Ce lien fonctionne jusqu’au 30 mars 2026 à 10:00 (heure de Londres).</p></main>');
  });

  it('speaks the language the requester chose, and escapes the secret in the page and its links', async () => {
    stored({ downloadTokenHash: sha256('a"b&c') });
    const page = await exportPage(REQUEST_ID, 'a"b&c', 'fr', 'en');
    expect(page.body).toContain('<title>Télécharger vos données — Offtek</title>');
    expect(page.body).toContain('<p>Votre copie est prête : un fichier zip avec une page à ouvrir dans votre navigateur, vos données en tableaux (CSV) et en JSON.</p>');
    expect(page.body).toContain('<input type="hidden" name="token" value="a&#34;b&#38;c"><button type="submit">Télécharger (zip)</button>');
    expect(page.body).toContain(`href="/exports/${REQUEST_ID}?token=a%22b%26c&#38;lang=en"`);
  });

  it('changes nothing', async () => {
    const before = stored();
    await exportPage(REQUEST_ID, TOKEN, undefined, 'en');
    expect(repo.requests.get(REQUEST_ID)).toEqual(before);
  });
});

describe('a link that does not work', () => {
  const unknownEn = `<h1>This download link does not work</h1><p>Check that you copied the whole link from the email. If it still does not work, ask for a new copy from the form.</p><p><a class="button" href="/?lang=en">Ask for a new copy</a></p>`;

  it('looks the same whether the secret is wrong, the id unknown, or the request has no copy or no link: 404 in the browser’s language', async () => {
    stored();
    for (const [id, token] of [[REQUEST_ID, 'wrong'], ['01JQ9999999999999999999999', TOKEN]]) {
      const page = await exportPage(id, token, undefined, 'en');
      expect(page.statusCode).toBe(404);
      expect(page.body).toContain(unknownEn);
    }
    stored({ exportKey: undefined });
    expect((await exportPage(REQUEST_ID, TOKEN, undefined, 'en')).statusCode).toBe(404);
    stored({ downloadTokenHash: undefined });
    expect((await exportPage(REQUEST_ID, TOKEN, undefined, 'en')).statusCode).toBe(404);
  });

  it('says so in French, or in the language chosen', async () => {
    const fr = await exportPage(REQUEST_ID, 'wrong', undefined, 'fr');
    expect(fr.body).toContain(
      '<h1>Ce lien de téléchargement ne fonctionne pas</h1><p>Vérifiez que vous avez copié tout le lien de l’e-mail. Si le problème persiste, refaites une demande de copie depuis le formulaire.</p><p><a class="button" href="/?lang=fr">Demander une nouvelle copie</a></p>',
    );
    expect((await exportPage(REQUEST_ID, 'wrong', 'en', 'fr')).body).toContain(unknownEn);
  });
});

describe('a copy the person’s later erasure took with it', () => {
  const erased = { exportKey: undefined, copyErased: { at: '2026-03-19T17:30:00.000Z', by: '01JQERASURE000000000000000' } };

  it('says, to the right secret only, that the copy was deleted with the erasure and when, in London time, opened or pressed', async () => {
    stored(erased);
    const page = await exportPage(REQUEST_ID, TOKEN, undefined, 'en');
    expect(page.statusCode).toBe(410);
    expect(page.body).toContain('<h1>This copy has been deleted</h1>');
    expect(page.body).toContain('<p>We deleted this copy of your data on 19 March 2026 at 17:30 (London time), when we completed your request to erase your data.</p>');
    expect(page.body).not.toContain('<form');
    for (const renew of [false, true]) {
      const pressed = await download(REQUEST_ID, TOKEN, 'en', renew);
      expect(pressed.statusCode).toBe(410);
      expect(pressed.body).toContain('<h1>This copy has been deleted</h1>');
    }
    expect(mailer.sent).toEqual([]);
    expect(repo.requests.get(REQUEST_ID)?.audit).toEqual([]);
    const wrong = await exportPage(REQUEST_ID, 'wrong', undefined, 'en');
    expect(wrong.statusCode).toBe(404);
    expect(wrong.body).not.toContain('deleted');
  });

  it('says so in French', async () => {
    stored({ ...erased, language: 'fr' });
    const page = await exportPage(REQUEST_ID, TOKEN, undefined, 'en');
    expect(page.body).toContain('<h1>Cette copie a été supprimée</h1>');
    expect(page.body).toContain('<p>Nous avons supprimé cette copie de vos données le 19 mars 2026 à 17:30 (heure de Londres), en traitant votre demande d’effacement.</p>');
  });
});

describe('an expired link', () => {
  it('expires at its very instant, and offers a fresh link by email while the copy is kept, with the status page', async () => {
    stored();
    h.now = '2026-03-21T10:00:00.000Z';
    const page = await exportPage(REQUEST_ID, TOKEN, undefined, 'fr');
    expect(page.statusCode).toBe(410);
    // Closed on 18 March: the package is kept 29 days, until 16 April.
    expect(page.body).toContain(
      `</dl><p>We keep your copy until 16 April 2026 at 11:00 (London time): we can send a new link, valid for 72 hours, to the email address you confirmed.</p><form method="post" action="/exports/${REQUEST_ID}"><input type="hidden" name="token" value="${TOKEN}"><input type="hidden" name="renew" value="1"><button type="submit">Email me a new link</button></form><p><a href="/status.html?id=${REQUEST_ID}&#38;token=status-${REQUEST_ID}">See your request’s status page</a></p>`,
    );
  });

  it('counts a link with no expiry as expired, and leaves the status link out when the status secret does not match', async () => {
    stored({ downloadExpiresAt: undefined, statusTokenHash: sha256('another') });
    const page = await exportPage(REQUEST_ID, TOKEN, 'fr', 'en');
    expect(page.statusCode).toBe(410);
    expect(page.body).toContain(
      `</dl><p>Nous gardons votre copie jusqu’au 16 avril 2026 à 11:00 (heure de Londres) : nous pouvons envoyer un nouveau lien, valable 72 heures, à l’adresse e-mail que vous avez confirmée.</p><form method="post" action="/exports/${REQUEST_ID}"><input type="hidden" name="token" value="${TOKEN}"><input type="hidden" name="renew" value="1"><button type="submit">Recevoir un nouveau lien par e-mail</button></form></main>`,
    );
  });

  it('dates the copy’s end in London, where a package made late on a summer evening is kept into the next London day', async () => {
    // Made at 00:30 in London on 21 June (23:30 UTC on the 20th): kept 29 days, until 00:30 on 20 July in London.
    stored({ closedAt: '2026-06-20T23:30:00.000Z', downloadExpiresAt: '2026-06-23T23:30:00.000Z' });
    h.now = '2026-06-25T10:00:00.000Z';
    const page = await exportPage(REQUEST_ID, TOKEN, undefined, 'en');
    expect(page.statusCode).toBe(410);
    expect(page.body).toContain('<p>We keep your copy until 20 July 2026 at 00:30 (London time): we can send a new link');
  });

  it('sends to the form once the copy is no longer kept', async () => {
    stored({ language: 'fr' });
    h.now = '2026-04-16T10:00:00.000Z';
    const fr = await exportPage(REQUEST_ID, TOKEN, undefined, 'en');
    expect(fr.body).toContain(
      '<p>Ce lien a expiré, et votre copie n’est plus conservée : nous la supprimons 30 jours après sa création. Pour recevoir une nouvelle copie de vos données, refaites une demande depuis le formulaire.</p><p><a class="button" href="/?lang=fr">Demander une nouvelle copie</a></p><p><a href="/status.html',
    );
    const en = await exportPage(REQUEST_ID, TOKEN, 'en', 'fr');
    expect(en.body).toContain('<p>This link has expired, and your copy is no longer kept: we delete it 30 days after it is made. To receive a new copy of your data, make a new request from the form.</p><p><a class="button" href="/?lang=en">Ask for a new copy</a></p>');
    expect(en.body).toContain('>See your request’s status page</a>');
    expect(fr.body).toContain('>Voir le suivi de votre demande</a>');
  });
});

describe('the download link once the requester’s contact data has ended', () => {
  // Closed on 18 March: the contact data is kept until 17 April 10:00 UTC, 30 days on; the package went the day before.
  const END = new Date('2026-04-17T10:00:00.000Z');
  const WRONG = 'not-the-mailed-one!';

  /** Everything a browser receives, with the link's own secret written as another's, which the unknown page repeats in its language links. */
  const seen = (r: Awaited<ReturnType<typeof download>>, token = TOKEN) => ({ ...r, body: r.body?.replaceAll(token, WRONG).replaceAll(encodeURIComponent(token), encodeURIComponent(WRONG)) });

  it('still says it has expired, with the status page, to the second of that end', async () => {
    stored();
    repo.piiExpiry.set(REQUEST_ID, END);
    h.now = END.toISOString();
    const page = await exportPage(REQUEST_ID, TOKEN, 'en', 'en');
    expect(page.statusCode).toBe(410);
    expect(page.body).toContain(`<p><a href="/status.html?id=${REQUEST_ID}&#38;token=status-${REQUEST_ID}">See your request’s status page</a></p>`);
  });

  it('answers a second later exactly as a wrong secret does (and so an unknown id), opened or posted, though DynamoDB has not deleted the data yet, and once it has', async () => {
    // A French request read in an English browser: the expired page would be French, the unknown one is the browser's.
    stored({ language: 'fr' });
    repo.piiExpiry.set(REQUEST_ID, END);
    h.now = '2026-04-17T10:00:01.000Z';
    const wrongGet = await exportPage(REQUEST_ID, WRONG, undefined, 'en');
    const wrongPost = await download(REQUEST_ID, WRONG, 'en');
    const wrongRenew = await download(REQUEST_ID, WRONG, 'en', true);
    expect(wrongGet.statusCode).toBe(404);
    expect(wrongGet.body).toContain('<h1>This download link does not work</h1>');
    for (let gone = 0; gone < 2; gone++) {
      if (gone) repo.pii.delete(REQUEST_ID);
      expect(seen(await exportPage(REQUEST_ID, TOKEN, undefined, 'en'))).toEqual(wrongGet);
      expect(seen(await download(REQUEST_ID, TOKEN, 'en'))).toEqual(wrongPost);
      expect(seen(await download(REQUEST_ID, TOKEN, 'en', true))).toEqual(wrongRenew);
    }
    expect(mailer.sent).toEqual([]);
    expect(repo.requests.get(REQUEST_ID)?.audit).toEqual([]);
  });

  it('does not download either, though its 72 hours have not run out', async () => {
    // No link should outlive the contact data (the package goes first), but one that did would name the copy on its page.
    stored({ downloadExpiresAt: '2026-04-18T10:00:00.000Z' });
    repo.piiExpiry.set(REQUEST_ID, END);
    h.now = '2026-04-17T10:00:01.000Z';
    expect(seen(await exportPage(REQUEST_ID, TOKEN, undefined, 'en'))).toEqual(await exportPage(REQUEST_ID, WRONG, undefined, 'en'));
    expect(seen(await download(REQUEST_ID, TOKEN, 'en'))).toEqual(await download(REQUEST_ID, WRONG, 'en'));
    expect(repo.requests.get(REQUEST_ID)?.audit).toEqual([]);
  });

  it('reads the same as a wrong secret and an unknown id, so that the time of the answer tells none of them apart', async () => {
    stored();
    repo.piiExpiry.set(REQUEST_ID, END);
    h.now = '2026-04-17T10:00:01.000Z';
    // Spies call through: the answers are the repository's own.
    const spies = (['getRequest', 'getPiiExpiry', 'getPii', 'listTasks'] as const).map((m) => [m, vi.spyOn(repo, m)] as const);
    const readsOf = async (answer: () => Promise<unknown>) => {
      for (const [, spy] of spies) spy.mockClear();
      await answer();
      return spies.flatMap(([m, spy]) => spy.mock.calls.map(() => m)).sort();
    };
    for (const [id, token] of [[REQUEST_ID, WRONG], ['01JQ9999999999999999999999', TOKEN]]) {
      expect(await readsOf(() => exportPage(REQUEST_ID, TOKEN, undefined, 'en'))).toEqual(await readsOf(() => exportPage(id, token, undefined, 'en')));
      expect(await readsOf(() => download(REQUEST_ID, TOKEN, 'en', true))).toEqual(await readsOf(() => download(id, token, 'en', true)));
    }
    expect(await readsOf(() => exportPage(REQUEST_ID, TOKEN, undefined, 'en'))).toEqual(['getPiiExpiry', 'getRequest']);
    for (const [, spy] of spies) spy.mockRestore();
  });
});

describe('the download (POST)', () => {
  it('answers 303 to a five-minute link to the package, uncached, and audits the download', async () => {
    stored();
    expect(await download(REQUEST_ID, TOKEN, 'en')).toEqual({ statusCode: 303, headers: { location: `${BUCKET}/${KEY}?X-Amz-Expires=300`, 'cache-control': 'no-store' }, body: '' });
    const req = repo.requests.get(REQUEST_ID);
    expect(req?.status).toBe('completed');
    expect(req?.audit.at(-1)).toMatchObject({ at: '2026-03-20T10:00:00.000Z', actor: 'requester', action: 'download', subject: REQUEST_ID, data: { key: KEY, link: 1 } });
  });

  it('audits the first download of each link only: repeats write nothing, a renewed link’s first download is audited again', async () => {
    // Anyone holding the link could otherwise grow the request's one DynamoDB item toward its 400 KB limit.
    stored();
    for (let i = 0; i < 5; i++) expect((await download(REQUEST_ID, TOKEN, 'en')).statusCode).toBe(303);
    expect(repo.requests.get(REQUEST_ID)?.audit.map((e) => [e.action, e.data])).toEqual([['download', { key: KEY, link: 1 }]]);
    const version = repo.requests.get(REQUEST_ID)?.version;
    await download(REQUEST_ID, TOKEN, 'en');
    expect(repo.requests.get(REQUEST_ID)?.version).toBe(version);
    stored({ ...repo.requests.get(REQUEST_ID), downloadLink: 2, downloadTokenHash: sha256('second') });
    await download(REQUEST_ID, 'second', 'en');
    await download(REQUEST_ID, 'second', 'en');
    expect(repo.requests.get(REQUEST_ID)?.audit.map((e) => e.data?.link)).toEqual([1, 2]);
  });

  it('audits the first download of a link renewed by email, though the renewal’s own event names that link', async () => {
    stored();
    h.now = '2026-03-22T10:00:00.000Z';
    expect((await download(REQUEST_ID, TOKEN, 'en', true)).statusCode).toBe(202);
    expect((await download(REQUEST_ID, `download-${REQUEST_ID}-2`, 'en')).statusCode).toBe(303);
    expect(repo.requests.get(REQUEST_ID)?.audit.filter((e) => e.action === 'download').map((e) => e.data)).toEqual([{ key: KEY, link: 2 }]);
  });

  it('downloads a live link even when asked to renew it', async () => {
    stored();
    expect((await download(REQUEST_ID, TOKEN, 'en', true)).statusCode).toBe(303);
    expect(mailer.sent).toEqual([]);
  });

  it('refuses a wrong secret with the 404 page, and an expired link with the 410 page, auditing nothing', async () => {
    stored();
    const wrong = await download(REQUEST_ID, 'wrong', 'fr');
    expect(wrong.statusCode).toBe(404);
    expect(wrong.body).toContain('<h1>Ce lien de téléchargement ne fonctionne pas</h1>');
    h.now = '2026-03-22T10:00:00.000Z';
    const expired = await download(REQUEST_ID, TOKEN, 'fr');
    expect(expired.statusCode).toBe(410);
    expect(expired.body).toContain('<h1>This download link has expired</h1>');
    expect(repo.requests.get(REQUEST_ID)?.audit).toEqual([]);
  });

  it('mails a fresh link to the confirmed address when an expired one asks to renew, and says so', async () => {
    stored({ language: 'fr' });
    h.now = '2026-03-22T10:00:00.000Z';
    const page = await download(REQUEST_ID, TOKEN, 'en', true);
    expect(page.statusCode).toBe(202);
    expect(page.body).toContain(
      '<h1>Un nouveau lien est en route</h1><p>Nous venons d’envoyer un nouveau lien de téléchargement, valable 72 heures, à l’adresse e-mail que vous avez confirmée. Le lien précédent ne fonctionne plus.</p>',
    );
    const req = repo.requests.get(REQUEST_ID);
    expect(req).toMatchObject({ downloadLink: 2, downloadTokenHash: sha256(`download-${REQUEST_ID}-2`), downloadExpiresAt: '2026-03-25T10:00:00.000Z' });
    expect(req?.audit.at(-1)).toMatchObject({ actor: 'requester', action: 'renew_download' });
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0].to).toBe('hana@example.com');
    expect(mailer.sent[0].text).toContain(`http://localhost/exports/${REQUEST_ID}?token=download-${REQUEST_ID}-2`);
  });

  it('says so in English for an English requester', async () => {
    stored();
    h.now = '2026-03-22T10:00:00.000Z';
    expect((await download(REQUEST_ID, TOKEN, 'fr', true)).body).toContain(
      '<h1>A new link is on its way</h1><p>We have just sent a new download link, valid for 72 hours, to the email address you confirmed. The previous link no longer works.</p>',
    );
  });

  it('cannot renew once the copy is no longer kept: the expired page, no email', async () => {
    stored();
    h.now = '2026-04-17T10:00:00.000Z';
    const page = await download(REQUEST_ID, TOKEN, 'fr', true);
    expect(page.statusCode).toBe(410);
    expect(page.body).toContain('<p>This link has expired, and your copy is no longer kept');
    expect(mailer.sent).toEqual([]);
  });

  it('cannot renew a held copy once its package is gone, 30 days after it was made though the request closed later: the expired page says so, no email', async () => {
    // Made on 1 March, held for review, released and closed on 18 March: S3 deletes it from 31 March.
    stored({ audit: [{ at: '2026-03-01T09:00:00.000Z', actor: 'workflow', action: 'export_assembled', subject: REQUEST_ID, seq: 1, prevHash: '', hash: 'h1' }] });
    h.now = '2026-04-05T10:00:00.000Z';
    const page = await download(REQUEST_ID, TOKEN, 'fr', true);
    expect(page.statusCode).toBe(410);
    expect(page.body).toContain('<p>This link has expired, and your copy is no longer kept: we delete it 30 days after it is made. To receive a new copy of your data, make a new request from the form.</p><p><a class="button" href="/?lang=en">Ask for a new copy</a></p>');
    expect(mailer.sent).toEqual([]);
    expect(repo.requests.get(REQUEST_ID)?.downloadLink).toBeUndefined();
  });

  it('cannot renew with a wrong secret', async () => {
    stored();
    h.now = '2026-03-22T10:00:00.000Z';
    expect((await download(REQUEST_ID, 'wrong', 'en', true)).statusCode).toBe(404);
    expect(mailer.sent).toEqual([]);
  });
});

describe('renewing, then pressing again or SES refusing the email', () => {
  it('answers a second press after the first renewed the link that the fresh link is on its way, mailing nothing more', async () => {
    stored({ downloadLink: 2, downloadTokenHash: sha256(`download-${REQUEST_ID}-2`), downloadExpiresAt: '2026-03-21T10:00:00.000Z' });
    h.now = '2026-03-22T10:00:00.000Z';
    const old = `download-${REQUEST_ID}-2`;
    expect((await download(REQUEST_ID, old, 'en', true)).statusCode).toBe(202);
    h.now = '2026-03-22T10:01:00.000Z';
    const again = await download(REQUEST_ID, old, 'en', true);
    expect(again.statusCode).toBe(202);
    expect(again.body).toContain('<h1>A new link is on its way</h1>');
    expect(mailer.sent).toHaveLength(1);
    expect(repo.requests.get(REQUEST_ID)).toMatchObject({ downloadLink: 3, downloadTokenHash: sha256(`download-${REQUEST_ID}-3`) });
    // Long after, or another secret: the link does not work, as any unknown one.
    h.now = '2026-03-22T11:00:00.000Z';
    expect((await download(REQUEST_ID, old, 'en', true)).statusCode).toBe(404);
    h.now = '2026-03-22T10:02:00.000Z';
    expect((await download(REQUEST_ID, 'wrong', 'en', true)).statusCode).toBe(404);
  });

  it('says the fresh link is on its way when SES refuses its email, which stays owed for the sweeper', async () => {
    stored();
    h.now = '2026-03-22T10:00:00.000Z';
    const send = mailer.send;
    mailer.send = async () => Promise.reject(Object.assign(new Error('throttled'), { name: 'Throttling' }));
    try {
      const page = await download(REQUEST_ID, TOKEN, 'en', true);
      expect(page.statusCode).toBe(202);
      expect(page.body).toContain('<h1>A new link is on its way</h1>');
    } finally {
      mailer.send = send;
    }
    expect(repo.requests.get(REQUEST_ID)).toMatchObject({ downloadLink: 2, outboxOutcome: expect.objectContaining({ seq: expect.any(Number) }) });
  });
});

describe('renewing twice at once (a double click on the button)', () => {
  it('mails one fresh link, and the link it mailed is the one that works', async () => {
    stored();
    h.now = '2026-03-22T10:00:00.000Z';
    const pages = await Promise.all([download(REQUEST_ID, TOKEN, 'en', true), download(REQUEST_ID, TOKEN, 'en', true)]);
    expect(pages.map((p) => p.statusCode)).toEqual([202, 202]);
    expect(mailer.sent).toHaveLength(1);
    expect(repo.requests.get(REQUEST_ID)).toMatchObject({ downloadLink: 2, downloadTokenHash: sha256(`download-${REQUEST_ID}-2`) });
    expect(mailer.sent[0].text).toContain(`/exports/${REQUEST_ID}?token=download-${REQUEST_ID}-2`);
  });
});
