// Texts of the requester's pages, in French (the default) and English.
export const TEXT = {
  fr: {
    title: 'Vos données personnelles',
    lead: 'Demandez une copie de vos données, leur effacement, leur correction, opposez-vous à leur utilisation ou faites-la cesser.',
    next: 'Et ensuite ? Nous vous envoyons un e-mail avec un lien de confirmation. Dès que vous l’avez confirmé, nous avons un mois pour vous répondre. Si la demande est complexe, ce délai peut être prolongé de deux mois : nous vous préviendrons et vous dirons pourquoi. Nous ne vous demanderons jamais d’envoyer des données personnelles par e-mail.',
    typeLegend: 'Que souhaitez-vous ?',
    access: 'Recevoir une copie de mes données',
    accessHint: 'Nous l’enverrons uniquement à l’adresse e-mail confirmée. Si vous avez un compte, nous vous demanderons aussi votre mot de passe.',
    erasure: 'Effacer mes données',
    erasureHint: 'Nous gardons seulement ce que notre politique conserve, et nous vous dirons quoi : les commandes et les factures, jusqu’à 7 ans après la fermeture du compte, pour respecter notre obligation légale de garder les documents comptables ; et la preuve d’achat de vos produits garantis à vie, pour pouvoir honorer la garantie, sauf si vous demandez aussi son effacement.',
    warranty: 'Effacer aussi mes achats garantis à vie',
    warrantyHint: 'Si vous cochez cette case, nous ne pourrons plus honorer de réclamation au titre de la garantie à vie.',
    rectification: 'Corriger des données inexactes',
    rectField: 'Qu’est-ce qui est inexact ?',
    rectCorrection: 'Que faudrait-il mettre à la place ?',
    objection: 'M’opposer à une utilisation de mes données',
    restrict: 'Faire cesser l’utilisation de mes données (limitation)',
    controllerTitle: 'Responsable du traitement',
    agentHint: 'Vous agissez pour quelqu’un d’autre (avocat, parent) ? Cochez « J’agis pour quelqu’un d’autre » plus bas, ou écrivez-nous à l’adresse en bas de cette page.',
    agentHintPhone: 'Vous agissez pour quelqu’un d’autre (avocat, parent) ? Cochez « J’agis pour quelqu’un d’autre » plus bas, ou appelez-nous au {phone}, ou écrivez-nous à l’adresse en bas de cette page.',
    controllerPhone: 'Téléphone : {phone}',
    agentLegend: 'Pour quelqu’un d’autre',
    onBehalf: 'J’agis pour quelqu’un d’autre',
    agentHowTo: 'Indiquez plus haut l’adresse e-mail (et, si vous le souhaitez, le nom) de la personne concernée, pas les vôtres : c’est elle qui reçoit le lien et confirme la demande. Un responsable de la confidentialité vérifie ensuite la preuve de votre mandat avant toute action, et peut vous la demander.',
    agentName: 'Votre nom',
    agentEmail: 'Votre adresse e-mail',
    agentRelationship: 'Votre lien avec la personne',
    relSolicitor: 'Son avocat',
    relParent: 'Son parent ou tuteur',
    relOther: 'Une autre personne autorisée',
    agentProof: 'La preuve de votre mandat',
    proofChoose: 'Choisissez…',
    proofSigned: 'Un mandat écrit signé par la personne',
    proofAttorney: 'Une procuration',
    proofParental: 'Une preuve de l’autorité parentale',
    proofCourt: 'Une décision de justice',
    proofHint: 'N’envoyez rien maintenant, et jamais par e-mail : un responsable vous dira comment nous la montrer.',
    companyNumber: 'Société immatriculée au Royaume-Uni sous le numéro {n}',
    restrictHint: 'Vos données sont conservées mais ne sont plus utilisées, par exemple le temps de vérifier une correction ou une opposition, ou si vous en avez besoin pour une action en justice. Nous vous préviendrons avant de lever la limitation.',
    objMarketing: 'Les e-mails d’offres et la lettre d’information',
    objReviews: 'Les invitations à donner mon avis',
    objProfiling: 'Le profilage pour la publicité',
    email: 'Adresse e-mail de votre compte client',
    emailHint: 'C’est à cette adresse que nous enverrons le lien de confirmation.',
    name: 'Votre nom (facultatif)',
    order: 'Un numéro de commande (facultatif)',
    submit: 'Envoyer ma demande',
    errorsTitle: 'Il y a un problème',
    sent: 'Demande envoyée',
    network: 'La demande n’a pas pu être envoyée. Vérifiez votre connexion et réessayez.',
    again: 'La demande n’a pas pu être enregistrée cette fois-ci. Envoyez-la de nouveau, telle quelle.',
    ours: 'Un problème de notre côté a empêché l’envoi. Réessayez dans quelques minutes.',
    tooMany: 'Trop de demandes ont été envoyées depuis votre réseau en peu de temps. Vous pourrez réessayer {wait} (à partir de {at}).',
    tooLarge: 'Le formulaire est trop long pour être envoyé. Raccourcissez les textes saisis et réessayez.',
    statusTitle: 'Suivi de votre demande',
    statusLabel: 'État',
    typeLabel: 'Demande',
    reference: 'Référence',
    received: 'Reçue le',
    verified: 'Confirmée le',
    completedOn: 'Terminée le',
    closedOn: 'Close le',
    afterConfirmation: 'Un mois après votre confirmation',
    dueOnRestart: 'Fixée à la reprise du délai, reportée des jours de suspension',
    due: 'Réponse au plus tard le',
    progress: 'Avancement par type de prestataire',
    notFound: 'Ce lien de suivi a expiré ou ne fonctionne pas.',
    unavailable: 'Votre demande ne peut pas être affichée pour le moment. Cette page réessaie d’elle-même ; vous pouvez la laisser ouverte.',
    goneWhy: 'Un lien de suivi fonctionne tant que nous conservons vos coordonnées : pendant que votre demande est en cours, puis jusqu’à 30 jours après sa clôture (pour une limitation, jusqu’à 30 jours après sa levée ; pour une demande jamais confirmée, 7 jours après son envoi). Vérifiez que vous avez copié tout le lien de l’e-mail.',
    goneAsk: 'Pour nous solliciter à nouveau, faites une nouvelle demande avec le formulaire, ou contactez-nous grâce aux coordonnées ci-dessous.',
    newRequest: 'Faire une nouvelle demande',
    statuses: { unverified: 'En attente de confirmation', awaiting_review: 'Confirmée (relue par notre équipe avant de commencer)', verified: 'Confirmée', in_progress: 'En cours', awaiting_manual: 'En cours (vérification par notre équipe)', completed: 'Terminée', denied: 'Refusée', cancelled: 'Annulée', expired: 'Expirée' },
    states: { not_started: 'Pas commencé', in_progress: 'En cours', done: 'Fait', retained: 'Conservé' },
    retained: { accounting: 'Conservé : notre politique garde les documents comptables pour respecter notre obligation légale', lifetime_warranty: 'Conservé à votre choix : preuve d’achat de la garantie à vie', legal_claims: 'Conservé : pour la constatation, l’exercice ou la défense de droits en justice', legal_obligation: 'Conservé : pour respecter une autre obligation légale' },
    keptUntil: 'jusqu’au',
    keptOpen: { accounting: 'tant que votre compte est ouvert, puis jusqu’à 7 ans après sa fermeture', lifetime_warranty: 'tant que dure la garantie' },
    keptNoEnd: 'sans date de fin fixée',
    someDone: 'Tout le reste : fait',
    complainForm: 'Faire une réclamation avec notre formulaire',
    paused: 'Le délai est suspendu : nous attendons la précision demandée par e-mail.',
    lifting: 'La limitation de l’utilisation de vos données sera levée à partir du {date} ; nous vous l’avons écrit, avec la raison.',
    lifted: 'La limitation de l’utilisation de vos données est levée depuis le {date} ; nous vous l’avons écrit, avec la raison.',
    types: { access: 'Copie de vos données', erasure: 'Effacement de vos données', rectification: 'Correction de vos données', objection: 'Opposition à une utilisation de vos données', restrict: 'Limitation de l’utilisation de vos données' },
    categories: { shop: 'Nos propres systèmes', payments: 'Paiements', delivery: 'Livraison', analytics: 'Analyse et publicité', email: 'E-mails', collections: 'Recouvrement', social: 'Réseaux sociaux' },
  },
  en: {
    title: 'Your personal data',
    lead: 'Ask for a copy of your data, for it to be erased or corrected, object to how it is used, or have its use stopped.',
    next: 'What happens next? We email you a confirmation link. Once you confirm, we have one month to answer. If the request is complex, this can be extended by two more months: we would tell you, and why. We will never ask you to send personal data by email.',
    typeLegend: 'What would you like?',
    access: 'Get a copy of my data',
    accessHint: 'We only send it to the email address you confirm. If you have an account, we will also ask for your password.',
    erasure: 'Erase my data',
    erasureHint: 'We only keep what our policy keeps, and we will tell you what: order and invoice records, up to 7 years after the account closes, to meet our legal duty to keep accounting records; and the proof of purchase of your lifetime-warranty products, so that we can honour the warranty, unless you also ask us to erase it.',
    warranty: 'Also erase my lifetime-warranty purchases',
    warrantyHint: 'If you tick this, we can no longer honour a lifetime-warranty claim.',
    rectification: 'Correct wrong data',
    rectField: 'What is wrong?',
    rectCorrection: 'What should it be?',
    objection: 'Object to a use of my data',
    restrict: 'Stop the use of my data (restriction)',
    controllerTitle: 'Data controller',
    agentHint: 'Acting for someone else (a solicitor, a parent)? Tick “I am acting for someone else” below, or write to us at the address at the foot of this page.',
    agentHintPhone: 'Acting for someone else (a solicitor, a parent)? Tick “I am acting for someone else” below, or call us on {phone}, or write to us at the address at the foot of this page.',
    controllerPhone: 'Telephone: {phone}',
    agentLegend: 'For someone else',
    onBehalf: 'I am acting for someone else',
    agentHowTo: 'Give above the email address (and, if you wish, the name) of the person the data is about, not yours: they get the link and confirm the request themselves. A privacy officer then checks your proof of authority before anything is done, and may ask you for it.',
    agentName: 'Your name',
    agentEmail: 'Your email address',
    agentRelationship: 'How you are related to the person',
    relSolicitor: 'Their solicitor',
    relParent: 'Their parent or guardian',
    relOther: 'Another authorised person',
    agentProof: 'Your proof of authority',
    proofChoose: 'Choose…',
    proofSigned: 'A letter of authority signed by the person',
    proofAttorney: 'A power of attorney',
    proofParental: 'Proof of parental responsibility',
    proofCourt: 'A court order',
    proofHint: 'Send nothing now, and never by email: an officer will tell you how to show it to us.',
    companyNumber: 'Company registered in the United Kingdom, number {n}',
    restrictHint: 'Your data is kept but no longer used, for example while a correction or an objection is checked, or if you need it for a legal claim. We will tell you before the restriction is lifted.',
    objMarketing: 'Offer emails and the newsletter',
    objReviews: 'Invitations to review a purchase',
    objProfiling: 'Profiling for advertising',
    email: 'Email address of your shop account',
    emailHint: 'We send the confirmation link to this address.',
    name: 'Your name (optional)',
    order: 'An order number (optional)',
    submit: 'Send my request',
    errorsTitle: 'There is a problem',
    sent: 'Request sent',
    network: 'The request could not be sent. Check your connection and try again.',
    again: 'The request could not be recorded this time. Please send it again as it is.',
    ours: 'A problem on our side stopped the request. Please try again in a few minutes.',
    tooMany: 'Too many requests were sent from your network in a short time. You can try again {wait} (from {at}).',
    tooLarge: 'The form is too long to send. Please shorten what you typed and try again.',
    statusTitle: 'Your request',
    statusLabel: 'Status',
    typeLabel: 'Request',
    reference: 'Reference',
    received: 'Received on',
    verified: 'Confirmed on',
    completedOn: 'Completed on',
    closedOn: 'Closed on',
    afterConfirmation: 'One month after you confirm',
    dueOnRestart: 'Set when the time limit starts again, later by the days it was paused',
    due: 'Answer due by',
    progress: 'Progress by type of provider',
    notFound: 'This status link has expired or does not work.',
    unavailable: 'Your request cannot be shown just now. This page tries again by itself; you can leave it open.',
    goneWhy: 'A status link works for as long as we keep your contact details: while your request is open, then until 30 days after it is closed (after a restriction, until 30 days after it is lifted; a request never confirmed, 7 days after it was made). Check that you copied the whole link from the email.',
    goneAsk: 'To ask us again, make a new request with the form, or contact us using the details below.',
    newRequest: 'Make a new request',
    statuses: { unverified: 'Waiting for your confirmation', awaiting_review: 'Confirmed (being checked by our team before we start)', verified: 'Confirmed', in_progress: 'In progress', awaiting_manual: 'In progress (being checked by our team)', completed: 'Completed', denied: 'Refused', cancelled: 'Cancelled', expired: 'Expired' },
    states: { not_started: 'Not started', in_progress: 'In progress', done: 'Done', retained: 'Kept' },
    retained: { accounting: 'Kept: our policy keeps accounting records to meet our legal duty', lifetime_warranty: 'Kept at your choice: lifetime-warranty proof of purchase', legal_claims: 'Kept: to establish, exercise or defend legal claims', legal_obligation: 'Kept: to meet another legal obligation' },
    keptUntil: 'until',
    keptOpen: { accounting: 'while your account is open, then up to 7 years after it closes', lifetime_warranty: 'for as long as the warranty runs' },
    keptNoEnd: 'with no end date set',
    someDone: 'Everything else: done',
    complainForm: 'Make a complaint with our form',
    paused: 'The time limit is paused: we are waiting for the clarification we asked for by email.',
    lifting: 'The restriction of the use of your data will be lifted from {date}; we have written to you with the reason.',
    lifted: 'The restriction of the use of your data has been lifted since {date}; we wrote to you with the reason.',
    types: { access: 'Copy of your data', erasure: 'Erasure of your data', rectification: 'Correction of your data', objection: 'Objection to a use of your data', restrict: 'Restriction of the use of your data' },
    categories: { shop: 'Our own systems', payments: 'Payments', delivery: 'Delivery', analytics: 'Analytics & advertising', email: 'Emails', collections: 'Debt collection', social: 'Social networks' },
  },
};

/**
 * A sentence cut around a web address in it, `[before, address, after]`, so that the page makes a link
 * of the address alone with the DOM, never of server text as HTML; the sentence whole when the
 * address is absent from it or not an https one.
 */
export function aroundLink(text, href) {
  const at = typeof href === 'string' && href.startsWith('https://') ? text.indexOf(href) : -1;
  return at < 0 ? [text] : [text.slice(0, at), href, text.slice(at + href.length)];
}

/** Fills every [data-t] element with its text and updates the page language and title. */
export function apply(lang) {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = TEXT[lang][el.dataset.t];
  // The tab's title, which a screen reader announces first, is the page's heading in the same language.
  const h1 = document.querySelector('h1[data-t]');
  if (h1) document.title = `${h1.textContent} — Offtek`;
  for (const b of document.querySelectorAll('.lang-switch button')) b.setAttribute('aria-pressed', String(b.dataset.lang === lang));
}

/** Who the controller is and where, from the deployment's configuration (/config.json, config/controller.json). */
let controller;

/** Shows the controller in the page's footer, in `lang`; nothing until the configuration has arrived. */
export function showController(lang) {
  if (!controller) return;
  document.getElementById('controller-name').textContent = controller.name;
  document.getElementById('controller-address').textContent = [...controller.address, controller.country[lang]].join(', ');
  document.getElementById('controller-number').textContent = TEXT[lang].companyNumber.replace('{n}', controller.companyNumber);
  // A phone line only where the shop has configured one: the policy invites calls but gives no number.
  document.getElementById('controller-phone-line').hidden = !controller.phone;
  document.getElementById('controller-phone').textContent = controller.phone ? TEXT[lang].controllerPhone.replace('{phone}', controller.phone) : '';
  const hint = document.querySelector('[data-t="agentHint"]');
  if (hint && controller.phone) hint.textContent = TEXT[lang].agentHintPhone.replace('{phone}', controller.phone);
  document.getElementById('controller').hidden = false;
}

/** Fetches the controller once and shows it in the page's language at that moment. */
export function loadController(currentLang) {
  fetch('/config.json')
    .then((r) => r.json())
    .then((c) => {
      controller = c.controller;
      showController(currentLang());
    })
    // The page works without it; the identity is also in every email.
    .catch(() => {});
}

/** The server's answer to the form once sent: its message in both languages, to show again after a switch. */
let sent;

/** Shows the answer to the sent form in `lang` (an answer without both languages, as it came); nothing before the form is sent. */
export function showSent(lang) {
  if (!sent) return;
  document.getElementById('done-message').textContent = sent.messages?.[lang] ?? sent.message;
}

/**
 * Posts a form's fields as JSON in the page's language. On 202 the form gives way to its "done"
 * panel, which shows the server's message (showSent) and takes the focus, and nothing is returned; otherwise
 * what the page should say: no answer at all, the seconds to wait (429), a body too large (413),
 * the server's field-level issues, or the key of the page's message about the whole form: `network` (no
 * answer), `again` (a race lost, 409), `ours` (5xx and the rest).
 */
export async function postForm(form, path, body, lang) {
  // Pressed again before the answer (a double click, an impatient Enter), the form would be sent twice:
  // two complaints, each with its reference and its acknowledgement. A disabled button submits nothing.
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  let r;
  let answer;
  try {
    r = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', 'accept-language': lang }, body: JSON.stringify(body) });
    answer = await r.json().catch(() => ({}));
  } catch {
    return { message: 'network' };
  } finally {
    button.disabled = false;
  }
  if (r.status === 202) {
    form.hidden = true;
    sent = answer;
    showSent(lang);
    const done = document.getElementById('done');
    done.hidden = false;
    done.focus();
    return undefined;
  }
  if (r.status === 429) return { waitSeconds: Number(r.headers.get('retry-after')) || 60 };
  if (r.status === 413) return { tooLarge: true };
  if (Array.isArray(answer.issues)) return { issues: answer.issues };
  // Not the connection (until November 29, 2026 every such answer said "check your connection"): a write that lost its
  // race (409) is to be sent again as it is; anything else is ours (a 5xx) or the site's, for later.
  return { message: r.status === 409 ? 'again' : 'ours' };
}

/**
 * Shows a form's errors, each `{ text, at, box?, input?, href? }`: its message in its field's error
 * box (aria-describedby already points there), its input marked invalid, and the summary above the
 * form listing each message once, in the page's order (`at`), as a link to its field. An error with
 * no box is about the whole form (the network, the rate limit) and is listed as plain text.
 */
export function renderErrors(form, summary, entries, focus) {
  const list = document.getElementById('summary-list');
  list.replaceChildren();
  for (const el of form.querySelectorAll('.error')) el.hidden = true;
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  const listed = new Set();
  for (const e of [...entries].sort((a, b) => a.at - b.at)) {
    e.input?.setAttribute('aria-invalid', 'true');
    if (e.box) {
      e.box.textContent = e.text;
      e.box.hidden = false;
    }
    if (listed.has(e.text)) continue;
    listed.add(e.text);
    const li = document.createElement('li');
    if (e.box) {
      const a = document.createElement('a');
      a.href = `#${e.href}`;
      a.textContent = e.text;
      li.append(a);
    } else {
      li.textContent = e.text;
    }
    list.append(li);
  }
  summary.hidden = entries.length === 0;
  if (focus) summary.focus();
}
