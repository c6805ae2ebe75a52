import { longDate } from '../core/holds.ts';
import type { Language } from '../core/model.ts';
import { type RequestContext, requesterPage, requestSummary } from '../core/pages.ts';
import { escapeHtml as esc } from '../core/text.ts';

const T = {
  fr: {
    confirmTitle: 'Confirmer votre demande',
    confirmText: 'Cliquez sur le bouton pour confirmer votre demande. Nous commencerons alors à la traiter, et vous aurez une réponse dans un délai d’un mois.',
    passwordText: 'Pour recevoir une copie de vos données, saisissez aussi le mot de passe de votre compte client.',
    password: 'Mot de passe du compte',
    confirm: 'Confirmer ma demande',
    doneTitle: 'Demande confirmée',
    doneText: (due: string) => `Merci. Nous traitons votre demande et vous répondrons au plus tard le ${due}.`,
    alreadyTitle: 'Demande déjà confirmée',
    alreadyText: 'Ce lien a déjà servi : votre demande est confirmée, vous n’avez rien d’autre à faire. Vous pouvez suivre son avancement sur sa page de suivi.',
    alreadyNoLink: 'Ce lien a déjà servi : votre demande est confirmée, vous n’avez rien d’autre à faire. Le lien pour suivre son avancement se trouve dans l’e-mail que nous vous avons envoyé.',
    invalidTitle: 'Lien invalide ou expiré',
    invalidText: 'Ce lien ne fonctionne plus : il a expiré après 24 heures, ou il est incomplet. Vérifiez que vous avez copié tout le lien de l’e-mail, ou refaites une demande depuis le formulaire.',
    closedTitle: 'Cette demande est close',
    closedText: 'Cette demande a été close avant d’être confirmée : ce lien ne sert donc plus à rien. Si vous souhaitez toujours que nous agissions sur vos données, faites une nouvelle demande depuis le formulaire.',
    form: 'Aller au formulaire',
    wrongPassword: 'Ce mot de passe ne correspond pas. Réessayez.',
    lockedTitle: 'Lien désactivé',
    lockedText: 'Trop d’essais : par sécurité, ce lien est désactivé, et aucun mot de passe n’est plus accepté pour cette adresse avant demain. Vous pourrez alors refaire une demande depuis le formulaire.',
  },
  en: {
    confirmTitle: 'Confirm your request',
    confirmText: 'Press the button to confirm your request. We will then start on it, and you will have an answer within one month.',
    passwordText: 'To receive a copy of your data, also enter the password of your shop account.',
    password: 'Account password',
    confirm: 'Confirm my request',
    doneTitle: 'Request confirmed',
    doneText: (due: string) => `Thank you. We are working on your request and will answer by ${due} at the latest.`,
    alreadyTitle: 'Request already confirmed',
    alreadyText: 'This link has been used already: your request is confirmed and there is nothing more for you to do. You can follow its progress on its status page.',
    alreadyNoLink: 'This link has been used already: your request is confirmed and there is nothing more for you to do. The link to follow its progress is in the email we sent you.',
    invalidTitle: 'Link invalid or expired',
    invalidText: 'This link no longer works: it expired after 24 hours, or it is incomplete. Check that you copied the whole link from the email, or make a new request from the form.',
    closedTitle: 'This request is closed',
    closedText: 'This request was closed before it was confirmed, so this link no longer does anything. If you still want us to act on your data, make a new request from the form.',
    form: 'Go to the form',
    wrongPassword: 'That password does not match. Please try again.',
    lockedTitle: 'Link disabled',
    lockedText: 'Too many attempts: for your safety this link is now disabled, and no password is accepted for this address until tomorrow. You can then make a new request from the form.',
  },
} as const;

/** The same page in the other language: the link's own GET, which never changes anything. */
type Switch = (lang: Language) => string;
const formLink = (lang: Language) => `<p><a href="/?lang=${lang}">${T[lang].form}</a></p>`;

/** `asks`: what the request asks beyond its type, in sentences (core/emails.ts askedLines), shown before the button: the choice is confirmed seeing it. */
export function confirmPage(lang: Language, token: string, o: { request: RequestContext; asks?: readonly string[]; askPassword: boolean; error?: string }, switchTo: Switch) {
  const t = T[lang];
  const pw = o.askPassword
    ? `<p>${t.passwordText}</p><label for="password">${t.password}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${o.error ? ' aria-invalid="true" aria-describedby="password-error" autofocus' : ''}>
${o.error ? `<p id="password-error" class="error">${esc(o.error)}</p>` : ''}`
    : '';
  return requesterPage(
    lang,
    t.confirmTitle,
    // Not yet confirmed, the one thing to press is the confirmation: a "Follow your request" button above it
    // could take someone to a status page saying "waiting for your confirmation", the request left unconfirmed.
    `${requestSummary(lang, { ...o.request, statusHref: undefined })}${(o.asks ?? []).map((l) => `<p class="warning">${esc(l)}</p>`).join('')}<p>${t.confirmText}</p>
<form method="post" action="/verify"><input type="hidden" name="token" value="${esc(token)}"><input type="hidden" name="lang" value="${lang}">${pw}
<button type="submit">${t.confirm}</button></form>`,
    switchTo,
    // The field, focused, is read with its error: the person can type the password again at once.
    { error: Boolean(o.error) },
  );
}

export const confirmedPage = (lang: Language, request: RequestContext, switchTo: Switch) =>
  requesterPage(lang, T[lang].doneTitle, `<p class="success">${esc(T[lang].doneText(longDate(request.dueDate ?? '', lang)))}</p>${requestSummary(lang, request)}`, switchTo);

export const alreadyPage = (lang: Language, request: RequestContext, switchTo: Switch) =>
  requesterPage(lang, T[lang].alreadyTitle, `<p>${request.statusHref ? T[lang].alreadyText : T[lang].alreadyNoLink}</p>${requestSummary(lang, request)}`, switchTo);

export const invalidPage = (lang: Language, switchTo: Switch) => requesterPage(lang, T[lang].invalidTitle, `<p>${T[lang].invalidText}</p>${formLink(lang)}`, switchTo);
/** A link to a request refused, cancelled or expired before it was confirmed: it did not expire, its request closed. */
export const closedPage = (lang: Language, switchTo: Switch) => requesterPage(lang, T[lang].closedTitle, `<p>${T[lang].closedText}</p>${formLink(lang)}`, switchTo);
export const lockedPage = (lang: Language, switchTo: Switch) => requesterPage(lang, T[lang].lockedTitle, `<p>${T[lang].lockedText}</p>${formLink(lang)}`, switchTo);
export const wrongPassword = (lang: Language) => T[lang].wrongPassword;
