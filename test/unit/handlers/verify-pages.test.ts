import { describe, expect, it } from 'vitest';
import { alreadyPage, closedPage, confirmedPage, confirmPage, invalidPage, lockedPage, wrongPassword } from '../../../functions/verify/pages.ts';

const ID = '01JQ0000000000000000000000';
const request = { id: ID, type: 'access' as const, status: 'unverified' as const, receivedAt: '2026-03-01T09:00:00.000Z', dueDate: '2026-04-01' };
const switchTo = (l: string) => `/verify?token=t&lang=${l}`;
const head = (lang: string, title: string, current: 'fr' | 'en', tab = title) =>
  `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${tab} — Offtek</title><link rel="icon" href="/favicon.svg" type="image/svg+xml"><link rel="stylesheet" href="/styles.css"></head>
<body><header class="site"><div class="logo">Off<span>tek</span></div><nav class="lang-switch" aria-label="Langue / Language"><a href="/verify?token=t&#38;lang=fr" lang="fr"${current === 'fr' ? ' aria-current="page"' : ''}>Français</a><a href="/verify?token=t&#38;lang=en" lang="en"${current === 'en' ? ' aria-current="page"' : ''}>English</a></nav></header>
<main><h1>${title}</h1>`;

describe('the confirmation page', () => {
  it('asks an account holder for the password, escapes the token, and shows the wrong-password message on the field, focused, and in the title', () => {
    expect(confirmPage('en', 'tok"<', { request, askPassword: true, error: 'Bad <pw>' }, switchTo)).toBe(
      `${head('en', 'Confirm your request', 'en', 'Error: Confirm your request')}<dl class="summary"><dt>Request</dt><dd>Copy of your data</dd><dt>Reference</dt><dd><code>${ID}</code></dd><dt>Received on</dt><dd>1 March 2026</dd><dt>Answer due by</dt><dd>1 April 2026</dd></dl><p>Press the button to confirm your request. We will then start on it, and you will have an answer within one month.</p>
<form method="post" action="/verify"><input type="hidden" name="token" value="tok&#34;&#60;"><input type="hidden" name="lang" value="en"><p>To receive a copy of your data, also enter the password of your shop account.</p><label for="password">Account password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required aria-invalid="true" aria-describedby="password-error" autofocus>
<p id="password-error" class="error">Bad &#60;pw&#62;</p>
<button type="submit">Confirm my request</button></form></main></body></html>`,
    );
  });

  it('offers one thing to press before the request is confirmed, the confirmation: no button to the status page above it', () => {
    for (const lang of ['fr', 'en'] as const) {
      const page = confirmPage(lang, 't', { request: { ...request, statusHref: `/status.html?id=${ID}&token=s` }, askPassword: false }, switchTo);
      expect(page).not.toContain('/status.html');
      expect(page.match(/<button|class="button"/g)).toHaveLength(1);
    }
  });

  it('asks for the password without an error mark before any attempt', () => {
    const page = confirmPage('en', 't', { request, askPassword: true }, switchTo);
    expect(page).toContain('<input id="password" name="password" type="password" autocomplete="current-password" required>\n\n<button');
    expect(page).not.toContain('password-error');
  });

  it('asks for no password otherwise, in French for a French requester', () => {
    const page = confirmPage('fr', 't', { request: { ...request, type: 'erasure' }, askPassword: false }, switchTo);
    expect(page).toBe(
      `${head('fr', 'Confirmer votre demande', 'fr')}<dl class="summary"><dt>Demande</dt><dd>Effacement de vos données</dd><dt>Référence</dt><dd><code>${ID}</code></dd><dt>Reçue le</dt><dd>1er mars 2026</dd><dt>Réponse au plus tard le</dt><dd>1er avril 2026</dd></dl><p>Cliquez sur le bouton pour confirmer votre demande. Nous commencerons alors à la traiter, et vous aurez une réponse dans un délai d’un mois.</p>
<form method="post" action="/verify"><input type="hidden" name="token" value="t"><input type="hidden" name="lang" value="fr">
<button type="submit">Confirmer ma demande</button></form></main></body></html>`,
    );
  });

  it('words the password request in French', () => {
    const page = confirmPage('fr', 't', { request, askPassword: true, error: wrongPassword('fr') }, switchTo);
    expect(page).toContain('<p>Pour recevoir une copie de vos données, saisissez aussi le mot de passe de votre compte client.</p><label for="password">Mot de passe du compte</label>');
    expect(page).toContain('<p id="password-error" class="error">Ce mot de passe ne correspond pas. Réessayez.</p>');
  });

  it('has a wrong-password message in each language', () => {
    expect(wrongPassword('en')).toBe('That password does not match. Please try again.');
    expect(wrongPassword('fr')).toBe('Ce mot de passe ne correspond pas. Réessayez.');
  });
});

describe('the confirmation page says what the request asks beyond its type', () => {
  it('shows each sentence before the button, escaped, so that the choice is confirmed seeing it', () => {
    const page = confirmPage('en', 't', { request: { ...request, type: 'erasure' }, asks: ['It also asks us to erase your <warranty>.'], askPassword: false }, switchTo);
    expect(page).toContain('<p class="warning">It also asks us to erase your &#60;warranty&#62;.</p><p>Press the button');
  });
});

describe('the confirmed page', () => {
  it('gives the deadline in words and links to the status page', () => {
    const confirmed = { ...request, verifiedAt: '2026-03-01T10:00:00.000Z', statusHref: '/requests/x/status?token=s&x=1' };
    expect(confirmedPage('fr', confirmed, switchTo)).toBe(
      `${head('fr', 'Demande confirmée', 'fr')}<p class="success">Merci. Nous traitons votre demande et vous répondrons au plus tard le 1er avril 2026.</p><dl class="summary"><dt>Demande</dt><dd>Copie de vos données</dd><dt>Référence</dt><dd><code>${ID}</code></dd><dt>Reçue le</dt><dd>1er mars 2026</dd><dt>Confirmée le</dt><dd>1er mars 2026</dd><dt>Réponse au plus tard le</dt><dd>1er avril 2026</dd></dl><p><a class="button" href="/requests/x/status?token=s&#38;x=1">Suivre votre demande</a></p></main></body></html>`,
    );
  });

  it('says so in English', () => {
    const page = confirmedPage('en', request, switchTo);
    expect(page).toContain('<title>Request confirmed — Offtek</title>');
    expect(page).toContain('<p class="success">Thank you. We are working on your request and will answer by 1 April 2026 at the latest.</p>');
  });
});

describe('a link used again', () => {
  it('points to the status page when the page may link to it', () => {
    const page = alreadyPage('en', { ...request, status: 'verified', statusHref: '/s' }, switchTo);
    expect(page).toContain('<h1>Request already confirmed</h1><p>This link has been used already: your request is confirmed and there is nothing more for you to do. You can follow its progress on its status page.</p><dl class="summary">');
    expect(page).toContain('<p><a class="button" href="/s">Follow your request</a></p>');
  });

  it('points to the email otherwise', () => {
    expect(alreadyPage('en', request, switchTo)).toContain('<p>This link has been used already: your request is confirmed and there is nothing more for you to do. The link to follow its progress is in the email we sent you.</p>');
  });

  it('says both in French', () => {
    const withLink = alreadyPage('fr', { ...request, statusHref: '/s' }, switchTo);
    expect(withLink).toContain('<h1>Demande déjà confirmée</h1><p>Ce lien a déjà servi : votre demande est confirmée, vous n’avez rien d’autre à faire. Vous pouvez suivre son avancement sur sa page de suivi.</p>');
    expect(alreadyPage('fr', request, switchTo)).toContain('<p>Ce lien a déjà servi : votre demande est confirmée, vous n’avez rien d’autre à faire. Le lien pour suivre son avancement se trouve dans l’e-mail que nous vous avons envoyé.</p>');
  });
});

describe('a link that no longer works', () => {
  it('says it expired or is incomplete, and links to the form in the page’s language', () => {
    expect(invalidPage('en', switchTo)).toBe(
      `${head('en', 'Link invalid or expired', 'en')}<p>This link no longer works: it expired after 24 hours, or it is incomplete. Check that you copied the whole link from the email, or make a new request from the form.</p><p><a href="/?lang=en">Go to the form</a></p></main></body></html>`,
    );
    expect(invalidPage('fr', switchTo)).toBe(
      `${head('fr', 'Lien invalide ou expiré', 'fr')}<p>Ce lien ne fonctionne plus : il a expiré après 24 heures, ou il est incomplet. Vérifiez que vous avez copié tout le lien de l’e-mail, ou refaites une demande depuis le formulaire.</p><p><a href="/?lang=fr">Aller au formulaire</a></p></main></body></html>`,
    );
  });

  it('says a link to a request closed before it was confirmed is of a closed request, not that it expired, and links to the form', () => {
    expect(closedPage('en', switchTo)).toBe(
      `${head('en', 'This request is closed', 'en')}<p>This request was closed before it was confirmed, so this link no longer does anything. If you still want us to act on your data, make a new request from the form.</p><p><a href="/?lang=en">Go to the form</a></p></main></body></html>`,
    );
    expect(closedPage('fr', switchTo)).toBe(
      `${head('fr', 'Cette demande est close', 'fr')}<p>Cette demande a été close avant d’être confirmée : ce lien ne sert donc plus à rien. Si vous souhaitez toujours que nous agissions sur vos données, faites une nouvelle demande depuis le formulaire.</p><p><a href="/?lang=fr">Aller au formulaire</a></p></main></body></html>`,
    );
  });

  it('says a locked link was disabled after too many attempts, under a title that says so, not that it is invalid or expired', () => {
    expect(lockedPage('en', switchTo)).toContain('<h1>Link disabled</h1><p>Too many attempts: for your safety this link is now disabled, and no password is accepted for this address until tomorrow. You can then make a new request from the form.</p><p><a href="/?lang=en">Go to the form</a></p>');
    expect(lockedPage('fr', switchTo)).toContain('<h1>Lien désactivé</h1><p>Trop d’essais : par sécurité, ce lien est désactivé, et aucun mot de passe n’est plus accepté pour cette adresse avant demain. Vous pourrez alors refaire une demande depuis le formulaire.</p><p><a href="/?lang=fr">Aller au formulaire</a></p>');
  });
});
