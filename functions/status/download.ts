import { S3Blobs } from '../adapters/blobs.ts';
import { config } from '../adapters/config.ts';
import { SesMailer } from '../adapters/mailer.ts';
import { registryOnce } from '../adapters/registry-source.ts';
import { nextDownloadLink } from '../core/completion.ts';
import { longDate } from '../core/holds.ts';
import { retryOnRace } from '../core/errors.ts';
import type { Language } from '../core/model.ts';
import { requesterPage } from '../core/pages.ts';
import type { StoredRequest } from '../core/ports.ts';
import { escapeHtml as esc } from '../core/text.ts';
import { derivedToken, sameHash, sha256 } from '../shared/crypto.ts';
import { repo, systemClock } from '../shared/deps.ts';
import { html, type HttpResult } from '../shared/http.ts';
import { renewDownload } from '../shared/outbox.ts';

const blobs = new S3Blobs();
const mailer = new SesMailer();
/** The S3 link itself lives minutes: the 72 hours belong to the emailed page, which checks the secret. */
const PRESIGN_SECONDS = 300;

type Downloadable = StoredRequest;

/**
 * The link's request when its secret is right; `expired` when the secret is right but its time is over.
 * A wrong secret and an unknown id look the same, so ids cannot be probed.
 */
async function check(id: string, token: string): Promise<{ ok: Downloadable } | { expired: Downloadable } | { unknown: true }> {
  const req = (await repo.getRequest(id)) as Downloadable | undefined;
  if (!req?.exportKey || !req.downloadTokenHash || !sameHash(req.downloadTokenHash, sha256(token))) return { unknown: true };
  if (!req.downloadExpiresAt || Date.parse(req.downloadExpiresAt) <= systemClock.now().getTime()) return { expired: req };
  return { ok: req };
}

const T = {
  fr: {
    title: 'Télécharger vos données',
    intro: 'Votre copie est prête : un fichier zip avec une page à ouvrir dans votre navigateur, vos données en tableaux (CSV) et en JSON.',
    go: 'Télécharger (zip)',
    expiredTitle: 'Ce lien de téléchargement a expiré',
    expired: 'Pour votre sécurité, un lien de téléchargement ne sert que 72 heures. Pour recevoir une nouvelle copie de vos données, refaites une demande depuis le formulaire.',
    unknownTitle: 'Ce lien de téléchargement ne fonctionne pas',
    unknown: 'Vérifiez que vous avez copié tout le lien de l’e-mail. Si le problème persiste, refaites une demande de copie depuis le formulaire.',
    form: 'Demander une nouvelle copie',
    renewable: 'Nous gardons votre copie jusqu’au {date} : nous pouvons envoyer un nouveau lien, valable 72 heures, à l’adresse e-mail que vous avez confirmée.',
    renew: 'Recevoir un nouveau lien par e-mail',
    renewedTitle: 'Un nouveau lien est en route',
    renewed: 'Nous venons d’envoyer un nouveau lien de téléchargement, valable 72 heures, à l’adresse e-mail que vous avez confirmée. Le lien précédent ne fonctionne plus.',
    status: 'Voir le suivi de votre demande',
  },
  en: {
    title: 'Download your data',
    intro: 'Your copy is ready: a zip file with a page to open in your browser, and your data as tables (CSV) and as JSON.',
    go: 'Download (zip)',
    expiredTitle: 'This download link has expired',
    expired: 'For your safety a download link works for 72 hours only. To receive a new copy of your data, make a new request from the form.',
    unknownTitle: 'This download link does not work',
    unknown: 'Check that you copied the whole link from the email. If it still does not work, ask for a new copy from the form.',
    form: 'Ask for a new copy',
    renewable: 'We keep your copy until {date}: we can send a new link, valid for 72 hours, to the email address you confirmed.',
    renew: 'Email me a new link',
    renewedTitle: 'A new link is on its way',
    renewed: 'We have just sent a new download link, valid for 72 hours, to the email address you confirmed. The previous link no longer works.',
    status: 'See your request’s status page',
  },
} as const;

const switcher = (id: string, token: string) => (l: Language) => `/exports/${id}?token=${encodeURIComponent(token)}&lang=${l}`;

/** A link that cannot download: a page in the request's language (or the browser's), with the way forward. */
async function refused(r: { expired: Downloadable } | { unknown: true }, id: string, token: string, chosen: Language | undefined, fallback: Language): Promise<HttpResult> {
  if ('expired' in r) {
    const lang = chosen ?? r.expired.language;
    const statusToken = await derivedToken('status', id);
    const status = sameHash(r.expired.statusTokenHash, sha256(statusToken)) ? `<p><a href="/status.html?id=${id}&amp;token=${statusToken}">${T[lang].status}</a></p>` : '';
    // While the package is kept, the copy is still owed (Art. 15): a fresh link, mailed only to the verified address.
    const next = nextDownloadLink(r.expired, systemClock.now());
    const way = next
      ? `<p>${T[lang].renewable.replace('{date}', longDate(next.keptUntil.slice(0, 10), lang))}</p><form method="post" action="/exports/${id}"><input type="hidden" name="token" value="${esc(token)}"><input type="hidden" name="renew" value="1"><button type="submit">${T[lang].renew}</button></form>`
      : `<p>${T[lang].expired}</p><p><a class="button" href="/?lang=${lang}">${T[lang].form}</a></p>`;
    return html(410, requesterPage(lang, T[lang].expiredTitle, `${way}${status}`, switcher(id, token)));
  }
  const lang = chosen ?? fallback;
  return html(404, requesterPage(lang, T[lang].unknownTitle, `<p>${T[lang].unknown}</p><p><a class="button" href="/?lang=${lang}">${T[lang].form}</a></p>`, switcher(id, token)));
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
  const body = `<p>${T[lang].intro}</p><form method="post" action="/exports/${id}"><input type="hidden" name="token" value="${esc(token)}"><button type="submit">${T[lang].go}</button></form>`;
  return html(200, requesterPage(lang, T[lang].title, body, switcher(id, token)), {}, [bucket]);
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
    });
    if (renewed) return html(202, requesterPage(lang, T[lang].renewedTitle, `<p>${T[lang].renewed}</p>`, switcher(id, token)));
  }
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
