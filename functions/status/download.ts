import { S3Blobs } from '../adapters/blobs.ts';
import { config } from '../adapters/config.ts';
import { SesMailer } from '../adapters/mailer.ts';
import { registryOnce } from '../adapters/registry-source.ts';
import { downloadTokenParts, nextDownloadLink } from '../core/completion.ts';
import { retryOnRace } from '../core/errors.ts';
import type { Language } from '../core/model.ts';
import type { StoredRequest } from '../core/ports.ts';
import { derivedToken, sameHash, sha256 } from '../shared/crypto.ts';
import { repo, systemClock } from '../shared/deps.ts';
import { html, type HttpResult } from '../shared/http.ts';
import { renewDownload } from '../shared/outbox.ts';
import { requestContext, statusLinkLive } from '../shared/request-context.ts';
import { erasedPage, expiredPage, readyPage, renewedPage, unknownPage } from './pages.ts';

const blobs = new S3Blobs();
const mailer = new SesMailer();
/** The S3 link itself lives minutes: the 72 hours belong to the emailed page, which checks the secret. */
const PRESIGN_SECONDS = 300;

type Downloadable = StoredRequest;

/**
 * The link's request when its secret is right; `expired` when the secret is right but its time is over.
 * A wrong secret, an unknown id and a link past its requester's contact data's end look the same, so
 * that neither ids nor whether a request existed can be probed. Past that end the request record,
 * kept 6 years, would otherwise go on naming a copy request, its reference and dates to whoever holds
 * an old email: the link ends with the data, as the status link does (statusLinkWorks, judged from the
 * end the item carries, to the second, not from DynamoDB's late deletion). Both reads are made for
 * every link, at once, so that the answer's time does not tell them apart either.
 */
async function check(id: string, token: string): Promise<{ ok: Downloadable } | { expired: Downloadable } | { erased: Downloadable } | { unknown: true }> {
  const now = systemClock.now();
  const [req, live] = (await Promise.all([repo.getRequest(id), statusLinkLive(id, { repo, now })])) as [Downloadable | undefined, boolean];
  if (!req?.downloadTokenHash || !sameHash(req.downloadTokenHash, sha256(token)) || !live) return { unknown: true };
  // Taken with the person's later erasure (notify/copies.ts): said to whoever holds the right secret only.
  if (req.copyErased) return { erased: req };
  if (!req.exportKey) return { unknown: true };
  if (!req.downloadExpiresAt || Date.parse(req.downloadExpiresAt) <= now.getTime()) return { expired: req };
  return { ok: req };
}

/** A link that cannot download: a page in the request's language (or the browser's), with the way forward. */
async function refused(r: { expired: Downloadable } | { erased: Downloadable } | { unknown: true }, id: string, token: string, chosen: Language | undefined, fallback: Language): Promise<HttpResult> {
  if ('erased' in r) return html(410, erasedPage(chosen ?? r.erased.language, id, token, { at: r.erased.copyErased?.at as string, request: await requestContext(r.erased, true) }));
  if (!('expired' in r)) return html(404, unknownPage(chosen ?? fallback, id, token));
  // While the package is kept, the copy is still owed (Art. 15): a fresh link, mailed only to the verified address.
  const keptUntil = nextDownloadLink(r.expired, systemClock.now())?.keptUntil;
  // check lets a link through only while its contact data is kept, and so while the status link works.
  return html(410, expiredPage(chosen ?? r.expired.language, id, token, { keptUntil, request: await requestContext(r.expired, true) }));
}

/** GET shows the page and changes nothing; POST is the download, the first of each link audited. */
export async function exportPage(id: string, token: string, chosen: Language | undefined, fallback: Language): Promise<HttpResult> {
  const r = await check(id, token);
  if (!('ok' in r)) return refused(r, id, token, chosen, fallback);
  const req = r.ok;
  const lang = chosen ?? req.language;
  // The download answers 303 to the bucket, another origin, which the page's CSP must allow.
  // Presigning is a local computation, so this link is made only to learn that origin and is never shown.
  const bucket = new URL(await blobs.presign(req.exportKey as string, PRESIGN_SECONDS)).origin;
  const until = req.downloadExpiresAt as string;
  // The page names a way to a fresh link only if there will be one once this link has ended.
  const renewableUntil = nextDownloadLink(req, new Date(until))?.keptUntil;
  // Its one button is the download: it points at no status page.
  return html(200, readyPage(lang, id, token, await requestContext(req, false), { until, renewableUntil }), {}, [bucket]);
}

/** How long after a renewal the link it replaced still says so: a reload or a second press, not an old link kept for weeks. */
const REPLACED_SAYS_SO_MS = 15 * 60_000;

/** The request whose previous link `token` is, renewed within the last minutes; undefined otherwise. */
async function replacedJustNow(id: string, token: string): Promise<StoredRequest | undefined> {
  const req = await repo.getRequest(id);
  const link = req?.downloadLink ?? 1;
  if (!req || link < 2) return undefined;
  const renewal = req.audit.findLast((e) => e.action === 'renew_download');
  if (!renewal || systemClock.now().getTime() - Date.parse(renewal.at) > REPLACED_SAYS_SO_MS) return undefined;
  return sameHash(sha256(await derivedToken('download', ...downloadTokenParts(id, link - 1))), sha256(token)) ? req : undefined;
}

export async function download(id: string, token: string, fallback: Language, renew = false): Promise<HttpResult> {
  const r = await check(id, token);
  if (renew && 'expired' in r) {
    const lang = r.expired.language;
    const renewed = await retryOnRace(async () => {
      const fresh = (await repo.getRequest(id)) as StoredRequest;
      // Renewed meanwhile by this same link (a double click): the fresh link is mailed already, and renewing again would kill it.
      if (!sameHash(fresh.downloadTokenHash ?? '', sha256(token))) return fresh;
      return renewDownload(fresh, 'requester', 'requester', systemClock.now(), { repo, mailer, baseUrl: config.PUBLIC_BASE_URL, processors: registryOnce().processors });
    }).catch((e: unknown) => {
      // Renewed, its email recorded as owed in the same write: SES refusing it leaves it to the sweeper. Until November 29,
      // 2026 this was a 502 saying to open the link again, which the renewal had just killed: "this link does not work".
      if ((e as Error).name === 'MailFailed') return true;
      throw e;
    });
    if (renewed) return html(202, renewedPage(lang, id, token));
  }
  // Pressed again once the first press had renewed it (a reload, a second click after the answer): the
  // link is the one just replaced, and the fresh one is mailed. Until November 29, 2026: "does not work".
  const replaced = renew && 'unknown' in r ? await replacedJustNow(id, token) : undefined;
  if (replaced) return html(202, renewedPage(replaced.language, id, token));
  if (!('ok' in r)) return refused(r, id, token, undefined, fallback);
  const req = r.ok;
  const at = systemClock.now().toISOString();
  await retryOnRace(async () => {
    const fresh = (await repo.getRequest(id)) as Downloadable;
    // Only the first download of each link is audited: it is the proof that the copy reached the
    // person (Art. 15), and a renewed link's first use shows the fresh link worked. A repeat adds
    // nothing to that, and an event per POST would let anyone holding the link grow the request's
    // one DynamoDB item toward its 400 KB limit, after which renewals and officers' actions on it
    // fail. Links are few (a fresh one only once the last expired, while the copy is kept), so this
    // trail stays bounded. Events written before links were numbered count as the first link's.
    const link = fresh.downloadLink ?? 1;
    if (fresh.audit.some((e) => e.action === 'download' && (e.data?.link ?? 1) === link)) return;
    await repo.transitionRequest(fresh, fresh.status, {}, { at, actor: 'requester', action: 'download', subject: id, data: { key: req.exportKey ?? '', link } });
  });
  return { statusCode: 303, headers: { location: await blobs.presign(req.exportKey as string, PRESIGN_SECONDS), 'cache-control': 'no-store' }, body: '' };
}
