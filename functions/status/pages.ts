import type { Language } from '../core/model.ts';
import { londonDateTime, type RequestContext, requesterPage, requestSummary } from '../core/pages.ts';
import { escapeHtml as esc } from '../core/text.ts';

/** The download link's pages (GET and POST /exports/{id}), rendered from what the handler read, as verify/pages.ts does for the confirmation link. */
const T = {
  fr: {
    title: 'Télécharger vos données',
    intro: 'Votre copie est prête : un fichier zip avec une page à ouvrir dans votre navigateur, vos données en tableaux (CSV) et en JSON.',
    go: 'Télécharger (zip)',
    until: 'Ce lien fonctionne jusqu’au {until} (heure de Londres).',
    renewUntil: 'Ensuite, rouvrez-le pour recevoir un nouveau lien à l’adresse e-mail que vous avez confirmée, jusqu’au {date} (heure de Londres).',
    expiredTitle: 'Ce lien de téléchargement a expiré',
    expired: 'Ce lien a expiré, et votre copie n’est plus conservée : nous la supprimons 30 jours après sa création. Pour recevoir une nouvelle copie de vos données, refaites une demande depuis le formulaire.',
    unknownTitle: 'Ce lien de téléchargement ne fonctionne pas',
    unknown: 'Vérifiez que vous avez copié tout le lien de l’e-mail. Si le problème persiste, refaites une demande de copie depuis le formulaire.',
    form: 'Demander une nouvelle copie',
    renewable: 'Nous gardons votre copie jusqu’au {date} (heure de Londres) : nous pouvons envoyer un nouveau lien, valable 72 heures, à l’adresse e-mail que vous avez confirmée.',
    renew: 'Recevoir un nouveau lien par e-mail',
    renewedTitle: 'Un nouveau lien est en route',
    renewed: 'Nous venons d’envoyer un nouveau lien de téléchargement, valable 72 heures, à l’adresse e-mail que vous avez confirmée. Le lien précédent ne fonctionne plus.',
    status: 'Voir le suivi de votre demande',
    erasedTitle: 'Cette copie a été supprimée',
    erased: 'Nous avons supprimé cette copie de vos données le {date} (heure de Londres), en traitant votre demande d’effacement.',
  },
  en: {
    title: 'Download your data',
    intro: 'Your copy is ready: a zip file with a page to open in your browser, and your data as tables (CSV) and as JSON.',
    go: 'Download (zip)',
    until: 'This link works until {until} (London time).',
    renewUntil: 'After that, open it again to have a new link emailed to the address you confirmed, until {date} (London time).',
    expiredTitle: 'This download link has expired',
    expired: 'This link has expired, and your copy is no longer kept: we delete it 30 days after it is made. To receive a new copy of your data, make a new request from the form.',
    unknownTitle: 'This download link does not work',
    unknown: 'Check that you copied the whole link from the email. If it still does not work, ask for a new copy from the form.',
    form: 'Ask for a new copy',
    renewable: 'We keep your copy until {date} (London time): we can send a new link, valid for 72 hours, to the email address you confirmed.',
    renew: 'Email me a new link',
    renewedTitle: 'A new link is on its way',
    renewed: 'We have just sent a new download link, valid for 72 hours, to the email address you confirmed. The previous link no longer works.',
    status: 'See your request’s status page',
    erasedTitle: 'This copy has been deleted',
    erased: 'We deleted this copy of your data on {date} (London time), when we completed your request to erase your data.',
  },
} as const;

/** The link's own address in the other language: the page is about this link, whichever language it is read in. */
export const switcher = (id: string, token: string) => (l: Language) => `/exports/${id}?token=${encodeURIComponent(token)}&lang=${l}`;

/** The secret's hidden field: the POST must carry it, never the URL. */
const tokenField = (token: string) => `<input type="hidden" name="token" value="${esc(token)}">`;

/**
 * Which request the copy is of, as the confirmation and status pages say it. Its status page is no
 * button here: the page's one button is what the person came to do.
 */
const summary = (lang: Language, request: RequestContext) => requestSummary(lang, { ...request, statusHref: undefined });

/**
 * GET with a good link: which request, the button that posts the download, and until when the link
 * works (`until`, an ISO instant), then, when a fresh link can be mailed once it has ended
 * (`renewableUntil`: the package outlives it), until when that can be asked for.
 */
export function readyPage(lang: Language, id: string, token: string, request: RequestContext, link: { until: string; renewableUntil?: string }) {
  const t = T[lang];
  const ends = [t.until.replace('{until}', londonDateTime(link.until, lang)), ...(link.renewableUntil ? [t.renewUntil.replace('{date}', londonDateTime(link.renewableUntil, lang))] : [])];
  const body = `${summary(lang, request)}<p>${t.intro}</p><form method="post" action="/exports/${id}">${tokenField(token)}<button type="submit">${t.go}</button></form><p>${esc(ends.join(' '))}</p>`;
  return requesterPage(lang, T[lang].title, body, switcher(id, token));
}

/**
 * A right secret past its 72 hours: which request, then, while the package is kept (`keptUntil`, an
 * ISO date), a button that mails a fresh link to the verified address; once it is gone, a new
 * request. The request's status page is linked when its link can be given (`statusHref`).
 */
export function expiredPage(lang: Language, id: string, token: string, o: { keptUntil?: string; request: RequestContext }) {
  const way = o.keptUntil
    ? `<p>${T[lang].renewable.replace('{date}', londonDateTime(o.keptUntil, lang))}</p><form method="post" action="/exports/${id}">${tokenField(token)}<input type="hidden" name="renew" value="1"><button type="submit">${T[lang].renew}</button></form>`
    : `<p>${T[lang].expired}</p><p><a class="button" href="/?lang=${lang}">${T[lang].form}</a></p>`;
  const status = o.request.statusHref ? `<p><a href="${esc(o.request.statusHref)}">${T[lang].status}</a></p>` : '';
  return requesterPage(lang, T[lang].expiredTitle, `${summary(lang, o.request)}${way}${status}`, switcher(id, token));
}

/** A right secret whose copy the person's later erasure took with it (`at`, an ISO instant): which request, and when and why it went. */
export function erasedPage(lang: Language, id: string, token: string, o: { at: string; request: RequestContext }) {
  return requesterPage(lang, T[lang].erasedTitle, `${summary(lang, o.request)}<p>${esc(T[lang].erased.replace('{date}', londonDateTime(o.at, lang)))}</p>`, switcher(id, token));
}

/** A wrong secret or an unknown id: the same page for both, so ids cannot be probed. */
export function unknownPage(lang: Language, id: string, token: string) {
  return requesterPage(lang, T[lang].unknownTitle, `<p>${T[lang].unknown}</p><p><a class="button" href="/?lang=${lang}">${T[lang].form}</a></p>`, switcher(id, token));
}

/** The renewal was recorded: the fresh link goes to the verified address only, never to this page. */
export function renewedPage(lang: Language, id: string, token: string) {
  return requesterPage(lang, T[lang].renewedTitle, `<p>${T[lang].renewed}</p>`, switcher(id, token));
}
