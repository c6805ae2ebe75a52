// The complaint form (DPA 2018 s.164A): about how we handled someone's data or their privacy request, tied to a request or not.
import { aroundLink, TEXT as FORM, loadController, postForm, renderErrors, showController, showSent } from './i18n.js';

const ICO_WEB = 'https://ico.org.uk/make-a-complaint';

const TEXT = {
  fr: {
    title: 'Faire une réclamation',
    lead: 'Vous n’êtes pas satisfait de la façon dont nous avons traité vos données personnelles ou votre demande de confidentialité ? Dites-le-nous ici.',
    clock: 'Nous accusons réception de chaque réclamation par e-mail, au plus tard dans les 30 jours (en général aussitôt), puis nous y répondons sans retard injustifié en vous disant ce que nous avons fait.',
    ico: 'Vous pouvez aussi saisir l’autorité de contrôle du Royaume-Uni, l’Information Commissioner’s Office (ICO, https://ico.org.uk/make-a-complaint) ; l’ICO vous demandera en général de nous adresser d’abord votre réclamation.',
    email: 'Votre adresse e-mail',
    emailHint: 'Nous y envoyons l’accusé de réception et notre réponse.',
    name: 'Votre nom (facultatif)',
    reference: 'Référence de votre demande (facultatif)',
    referenceHint: 'Si votre réclamation porte sur une demande, sa référence figure dans nos e-mails et sur la page de suivi (26 lettres et chiffres).',
    text: 'Votre réclamation',
    textHint: 'Ce qui ne va pas, et ce que vous attendez de nous (5 000 caractères au plus). N’y mettez ni mot de passe ni document.',
    submit: 'Envoyer ma réclamation',
    errorsTitle: 'Il y a un problème',
    sent: 'Réclamation envoyée',
    network: 'La réclamation n’a pas pu être envoyée. Vérifiez votre connexion et réessayez.',
    again: 'La réclamation n’a pas pu être enregistrée cette fois-ci. Envoyez-la de nouveau, telle quelle.',
    ours: 'Un problème de notre côté a empêché l’envoi. Réessayez dans quelques minutes.',
    tooMany: 'Trop de réclamations ont été envoyées depuis votre réseau en peu de temps. Vous pourrez réessayer {wait}.',
    tooLarge: 'Le texte est trop long pour être envoyé. Raccourcissez-le et réessayez.',
  },
  en: {
    title: 'Make a complaint',
    lead: 'Not satisfied with how we handled your personal data or your privacy request? Tell us here.',
    clock: 'We acknowledge every complaint by email within 30 days at the latest (usually at once), then answer it without undue delay, telling you what we have done.',
    ico: 'You can also complain to the UK’s supervisory authority, the Information Commissioner’s Office (ICO, https://ico.org.uk/make-a-complaint); the ICO will usually ask you to complain to us first.',
    email: 'Your email address',
    emailHint: 'We send the acknowledgement and our answer to this address.',
    name: 'Your name (optional)',
    reference: 'Your request’s reference (optional)',
    referenceHint: 'If your complaint is about a request, its reference is in our emails and on its status page (26 letters and digits).',
    text: 'Your complaint',
    textHint: 'What went wrong, and what you expect from us (at most 5,000 characters). Do not include passwords or documents.',
    submit: 'Send my complaint',
    errorsTitle: 'There is a problem',
    sent: 'Complaint sent',
    network: 'The complaint could not be sent. Check your connection and try again.',
    again: 'The complaint could not be recorded this time. Please send it again as it is.',
    ours: 'A problem on our side stopped the complaint. Please try again in a few minutes.',
    tooMany: 'Too many complaints were sent from your network in a short time. You can try again {wait}.',
    tooLarge: 'The text is too long to send. Please shorten it and try again.',
  },
};

const q = new URLSearchParams(location.search);
let lang = q.get('lang') === 'en' ? 'en' : 'fr';
const form = document.getElementById('complaint');
const summary = document.getElementById('summary');
const FIELDS = ['email', 'name', 'requestId', 'text'];
/** The errors on show, kept so that the language switch can show them again in the other language. */
let shown = [];

function apply() {
  document.documentElement.lang = lang;
  document.title = `${TEXT[lang].title} — Offtek`;
  for (const el of document.querySelectorAll('[data-k]')) el.textContent = TEXT[lang][el.dataset.k] ?? FORM[lang][el.dataset.k];
  linkIco(document.querySelector('[data-k="ico"]'));
  for (const b of document.querySelectorAll('.lang-switch button')) b.setAttribute('aria-pressed', String(b.dataset.lang === lang));
}

/** The ICO's address in its sentence is a link, built with the DOM, in the same tab (as on the status page). */
function linkIco(el) {
  const [before, href, after] = aroundLink(el.textContent, ICO_WEB);
  if (!href) return;
  const a = document.createElement('a');
  a.href = href;
  // The page's address carries the request's reference: not for the ICO's logs.
  a.rel = 'noreferrer';
  a.textContent = href;
  el.replaceChildren(before, a, after);
}

/** A server issue carries both languages; an error about the whole form is `{ text(lang) }`. */
const textOf = (e) => (e.text ? e.text(lang) : (e.messages?.[lang] ?? e.message));

/** Each error by its field: its box, its input and its place in the page (renderErrors shows them). */
function render(errors, focus) {
  const entries = errors.map((e) => {
    if (e.text) return { text: textOf(e), at: -1 };
    const field = FIELDS.includes(e.path) ? e.path : 'text';
    return { text: textOf(e), at: FIELDS.indexOf(field), box: document.getElementById(`${field}-error`), input: document.getElementById(field), href: field };
  });
  renderErrors(form, summary, entries, focus);
}

function showErrors(errors) {
  shown = errors;
  render(errors, true);
}

function body() {
  const b = { email: form.email.value.trim(), text: form.text.value, language: lang };
  if (form.name.value.trim()) b.name = form.name.value.trim();
  if (form.requestId.value.trim()) b.requestId = form.requestId.value.trim();
  return b;
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  showErrors([]);
  const failed = await postForm(form, '/complaints', body(), lang);
  if (!failed) return;
  if (failed.waitSeconds) {
    const minutes = Math.max(1, Math.ceil(failed.waitSeconds / 60));
    // "in 1 minute", "dans 3 minutes": Intl says the number with its noun in each language.
    showErrors([{ text: (l) => TEXT[l].tooMany.replace('{wait}', new Intl.RelativeTimeFormat(l).format(minutes, 'minute')) }]);
  } else if (failed.tooLarge) showErrors([{ text: (l) => TEXT[l].tooLarge }]);
  else showErrors(failed.issues ?? [{ text: (l) => TEXT[l][failed.message] }]);
});

for (const b of document.querySelectorAll('.lang-switch button')) {
  b.addEventListener('click', () => {
    lang = b.dataset.lang;
    apply();
    render(shown, false);
    showSent(lang);
    showController(lang);
  });
}
// A link from the status page or an email names the request the complaint is about.
if (q.get('ref')) form.requestId.value = q.get('ref');
apply();
loadController(() => lang);
