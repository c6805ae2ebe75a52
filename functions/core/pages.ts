import { londonDate } from './deadline.ts';
import { longDate } from './holds.ts';
import type { Language, RequestStatus, RequestType } from './model.ts';
import { escapeHtml as esc } from './text.ts';

/**
 * The requester's server-rendered pages (verify, export download) in the look of the static ones
 * (web/): the shop's header, a language switch, one card. The switch is a link to the same page in
 * the other language, since these pages have no script. The site's icon is named, as the static pages
 * name it: a page that names none has the browser ask for /favicon.ico, which the site bucket has not.
 */
export function requesterPage(lang: Language, title: string, body: string, switchTo?: (lang: Language) => string, { error = false }: { error?: boolean } = {}) {
  // A page sent back with an error says so in the tab's title, which a screen reader reads first.
  const tab = error ? `${lang === 'fr' ? 'Erreur :' : 'Error:'} ${title}` : title;
  const other = (l: Language, label: string) => `<a href="${esc(switchTo?.(l) ?? '')}" lang="${l}"${l === lang ? ' aria-current="page"' : ''}>${label}</a>`;
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(tab)} — Offtek</title><link rel="icon" href="/favicon.svg" type="image/svg+xml"><link rel="stylesheet" href="/styles.css"></head>
<body><header class="site"><div class="logo">Off<span>tek</span></div>${
    switchTo ? `<nav class="lang-switch" aria-label="Langue / Language">${other('fr', 'Français')}${other('en', 'English')}</nav>` : ''
  }</header>
<main><h1>${esc(title)}</h1>${body}</main></body></html>`;
}

/** What a requester needs to recognise their request; ids and dates only, never personal data. */
export type RequestContext = {
  id: string;
  type: RequestType;
  status: RequestStatus;
  receivedAt: string;
  verifiedAt?: string;
  dueDate?: string;
  closedAt?: string;
  /** The status page, when this page may link to it (the link carries the status token). */
  statusHref?: string;
};

export const REQUEST_TYPE: Record<Language, Record<RequestType, string>> = {
  fr: { access: 'Copie de vos données', erasure: 'Effacement de vos données', rectification: 'Correction de vos données', objection: 'Opposition à une utilisation de vos données', restrict: 'Limitation de l’utilisation de vos données' },
  en: { access: 'Copy of your data', erasure: 'Erasure of your data', rectification: 'Correction of your data', objection: 'Objection to a use of your data', restrict: 'Restriction of the use of your data' },
};

const LABELS = {
  fr: { type: 'Demande', ref: 'Référence', received: 'Reçue le', verified: 'Confirmée le', due: 'Réponse au plus tard le', completed: 'Terminée le', closed: 'Close le', status: 'Suivre votre demande' },
  en: { type: 'Request', ref: 'Reference', received: 'Received on', verified: 'Confirmed on', due: 'Answer due by', completed: 'Completed on', closed: 'Closed on', status: 'Follow your request' },
} as const;

/** An instant as the requester's pages date it, in London, with the time there: "21 March 2026 at 10:00", "21 mars 2026 à 10:00". */
export function londonDateTime(instant: string, lang: Language): string {
  const time = new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'Europe/London' }).format(new Date(instant));
  return `${longDate(londonDate(instant), lang)} ${lang === 'fr' ? 'à' : 'at'} ${time}`;
}

/** The request's type, reference and dates; a closed request shows when it closed, not its deadline. */
export function requestSummary(lang: Language, r: RequestContext): string {
  const t = LABELS[lang];
  const day = (instant: string) => esc(longDate(londonDate(instant), lang));
  const rows: [string, string][] = [
    [t.type, esc(REQUEST_TYPE[lang][r.type])],
    [t.ref, `<code>${esc(r.id)}</code>`],
    [t.received, day(r.receivedAt)],
  ];
  if (r.verifiedAt) rows.push([t.verified, day(r.verifiedAt)]);
  if (r.closedAt) rows.push([r.status === 'completed' ? t.completed : t.closed, day(r.closedAt)]);
  else if (r.dueDate) rows.push([t.due, esc(longDate(r.dueDate, lang))]);
  const dl = `<dl class="summary">${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join('')}</dl>`;
  return r.statusHref ? `${dl}<p><a class="button" href="${esc(r.statusHref)}">${esc(t.status)}</a></p>` : dl;
}

/** The language a page falls back to when no request says it: `?lang=`, then the browser's, then French. */
export const pageLanguage = (query?: string, acceptLanguage?: string): Language =>
  query === 'en' || query === 'fr' ? query : /^\s*en\b/i.test(acceptLanguage ?? '') ? 'en' : 'fr';

const PROBLEM = {
  fr: {
    busy: ['Trop d’essais', 'Patientez quelques minutes, puis rouvrez le lien de l’e-mail.'],
    ours: ['Réessayez dans quelques minutes', 'Nous n’avons pas pu terminer cette étape : le problème vient de chez nous, pas de vous, et rien n’a été perdu. Rouvrez le lien de l’e-mail dans quelques minutes.'],
    theirs: ['Cette page n’a pas pu s’ouvrir', 'L’adresse ou le formulaire était incomplet. Rouvrez le lien de l’e-mail ; s’il ne fonctionne toujours pas, refaites une demande depuis le formulaire.'],
    form: 'Aller au formulaire',
  },
  en: {
    busy: ['Too many attempts', 'Please wait a few minutes, then open the link from the email again.'],
    ours: ['Please try again in a few minutes', 'We could not finish this step just now: the problem is on our side, not yours, and nothing was lost. Open the link from the email again in a few minutes.'],
    theirs: ['This page could not be opened', 'The address or the form was not complete. Open the link from the email again; if it still does not work, make a new request from the form.'],
    form: 'Go to the form',
  },
} as const;

/**
 * What a requester's page says when it cannot be answered (a refused or unreadable request, a limit,
 * our own fault), by the answer's status alone: the error's own words are for API clients and logs.
 */
export function problemPage(lang: Language, status: number): string {
  const t = PROBLEM[lang];
  const [title, text] = status === 429 ? t.busy : status >= 500 ? t.ours : t.theirs;
  return requesterPage(lang, title, `<p>${esc(text)}</p><p><a href="/?lang=${lang}">${esc(t.form)}</a></p>`, undefined, { error: true });
}
