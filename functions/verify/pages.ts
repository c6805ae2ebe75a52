import { longDate } from '../core/holds.ts';
import type { Language, RequestType } from '../core/model.ts';
import { escapeHtml as esc } from '../core/text.ts';


const page = (lang: Language, title: string, body: string) => `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} — Offtek</title><link rel="stylesheet" href="/styles.css"></head>
<body><main class="card"><h1>${esc(title)}</h1>${body}</main></body></html>`;

const T = {
  fr: {
    confirmTitle: 'Confirmer votre demande',
    confirmText: 'Cliquez sur le bouton pour confirmer votre demande. Nous commencerons alors à la traiter, et vous aurez une réponse dans un délai d’un mois.',
    passwordText: 'Pour recevoir une copie de vos données, saisissez aussi le mot de passe de votre compte client.',
    password: 'Mot de passe du compte',
    confirm: 'Confirmer ma demande',
    doneTitle: 'Demande confirmée',
    doneText: (due: string) => `Merci. Nous traitons votre demande et vous répondrons au plus tard le ${due}. Le lien pour suivre son avancement se trouve dans l’e-mail que nous vous avons envoyé.`,
    invalidTitle: 'Lien invalide ou expiré',
    invalidText: 'Ce lien ne fonctionne plus : il a déjà servi, ou il a expiré après 24 heures. Vous pouvez refaire une demande depuis le formulaire.',
    wrongPassword: 'Ce mot de passe ne correspond pas. Réessayez.',
    lockedText: 'Trop d’essais : par sécurité, ce lien est désactivé. Vous pouvez refaire une demande depuis le formulaire.',
  },
  en: {
    confirmTitle: 'Confirm your request',
    confirmText: 'Press the button to confirm your request. We will then start on it, and you will have an answer within one month.',
    passwordText: 'To receive a copy of your data, also enter the password of your shop account.',
    password: 'Account password',
    confirm: 'Confirm my request',
    doneTitle: 'Request confirmed',
    doneText: (due: string) => `Thank you. We are working on your request and will answer by ${due} at the latest. The link to follow its progress is in the email we sent you.`,
    invalidTitle: 'Link invalid or expired',
    invalidText: 'This link no longer works: it has been used already, or it expired after 24 hours. You can make a new request from the form.',
    wrongPassword: 'That password does not match. Please try again.',
    lockedText: 'Too many attempts: for your safety this link is now disabled. You can make a new request from the form.',
  },
} as const;


export function confirmPage(lang: Language, token: string, o: { type: RequestType; askPassword: boolean; error?: string }) {
  const t = T[lang];
  const pw = o.askPassword
    ? `<p>${t.passwordText}</p><label for="password">${t.password}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${o.error ? ' aria-invalid="true" aria-describedby="password-error"' : ''}>
${o.error ? `<p id="password-error" class="error">${esc(o.error)}</p>` : ''}`
    : '';
  return page(lang, t.confirmTitle, `<p>${t.confirmText}</p>
<form method="post" action="/verify"><input type="hidden" name="token" value="${esc(token)}">${pw}
<button type="submit">${t.confirm}</button></form>`);
}

export const confirmedPage = (lang: Language, due: string) => page(lang, T[lang].doneTitle, `<p>${esc(T[lang].doneText(longDate(due, lang)))}</p>`);
export const invalidPage = (lang: Language) => page(lang, T[lang].invalidTitle, `<p>${T[lang].invalidText}</p><p><a href="/">Offtek</a></p>`);
export const lockedPage = (lang: Language) => page(lang, T[lang].invalidTitle, `<p>${T[lang].lockedText}</p>`);
export const wrongPassword = (lang: Language) => T[lang].wrongPassword;
