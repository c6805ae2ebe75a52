import * as z from './zod.ts';
import type { Language } from './model.ts';
import { longDate } from './holds.ts';

/**
 * What the requester is told when their request is paused, refused or cancelled, and how to
 * complain about any answer (Art. 12(4); DPA 2018 s.164A, in force since 19 June 2026): the reason,
 * the right to complain to us and to the ICO with its contact details, and the right to go to court.
 */

/** The Information Commissioner's Office, as the ICO publishes its contact details. */
export const ICO = {
  name: 'Information Commissioner’s Office (ICO)',
  address: 'Wycliffe House, Water Lane, Wilmslow, Cheshire SK9 5AF',
  phone: '0303 123 1113',
  web: 'https://ico.org.uk/make-a-complaint',
} as const;

/**
 * Why an officer refuses a request (Art. 12(2), 12(5)); the requester is told which. `authority_not_shown`:
 * the request was made by someone acting for the person, whose proof of authority was not satisfactory.
 * `data_accurate`: a correction (Art. 16) the officer checked and found the data accurate, which the
 * ICO expects the requester to be told, with why and how to complain; no other ground says that.
 */
export const DenyReason = z.enum(['identity_not_verified', 'manifestly_unfounded', 'excessive', 'authority_not_shown', 'data_accurate']);
export type DenyReason = z.infer<typeof DenyReason>;
/** Why an officer cancels one: the requester withdrew it, or it repeats another open request. */
export const CancelReason = z.enum(['withdrawn_by_requester', 'duplicate_request']);
export type CancelReason = z.infer<typeof CancelReason>;

/**
 * How to complain, in the requester's language: the footer of every outcome and the status page. The
 * shop's own complaint route comes first (s.164A: its electronic complaint form, `form`, where the
 * caller knows the site's address), then the ICO, then the court.
 */
export function howToComplain(lang: Language, form?: string) {
  return lang === 'fr'
    ? {
        title: 'Comment se plaindre',
        us: form
          ? `Si notre réponse ne vous satisfait pas, vous pouvez d’abord nous adresser une réclamation avec notre formulaire : ${form} (ou en répondant à l’un de nos e-mails concernant cette demande).`
          : "Si notre réponse ne vous satisfait pas, vous pouvez d’abord nous adresser une réclamation : répondez à l’un de nos e-mails concernant cette demande.",
        ico: `Vous avez le droit de déposer une plainte auprès de l’autorité de contrôle du Royaume-Uni, l’${ICO.name} : ${ICO.address}, téléphone ${ICO.phone}, ${ICO.web}.`,
        court: 'Vous avez aussi le droit de saisir la justice pour faire respecter vos droits.',
      }
    : {
        title: 'How to complain',
        us: form
          ? `If you are not satisfied with our answer, you can first complain to us with our complaint form: ${form} (or by replying to any of our emails about this request).`
          : 'If you are not satisfied with our answer, you can first complain to us: reply to any of our emails about this request.',
        ico: `You have the right to complain to the UK’s supervisory authority, the ${ICO.name}: ${ICO.address}, telephone ${ICO.phone}, ${ICO.web}.`,
        court: 'You also have the right to go to court to enforce your rights.',
      };
}

export const complaintLines = (lang: Language, form?: string) => {
  const c = howToComplain(lang, form);
  return [`${c.title}${lang === 'fr' ? ' :' : ':'}`, c.us, c.ico, c.court];
};

const REASON: Record<Language, Record<DenyReason | CancelReason, string>> = {
  en: {
    identity_not_verified: 'we could not confirm that the request comes from the person the data is about, so giving out or changing the data could harm them',
    manifestly_unfounded: 'the request is manifestly unfounded: it does not seek to exercise a data protection right',
    excessive: 'the request is manifestly excessive: it repeats or overlaps requests we have already answered',
    authority_not_shown: 'it was made on your behalf by someone who has not shown us satisfactory proof that they may act for you; you, or they with that proof, may ask again',
    data_accurate: 'we checked the data you asked us to correct and we believe it is accurate, so we will not change it',
    withdrawn_by_requester: 'you told us you no longer want it',
    duplicate_request: 'it repeats another request of yours that is still open; we are answering that one',
  },
  fr: {
    identity_not_verified: "nous n’avons pas pu confirmer que la demande vient de la personne concernée ; communiquer ou modifier ses données pourrait lui nuire",
    manifestly_unfounded: "la demande est manifestement infondée : elle ne vise pas à exercer un droit sur vos données",
    excessive: 'la demande est manifestement excessive : elle répète des demandes auxquelles nous avons déjà répondu',
    authority_not_shown: "elle a été faite en votre nom par une personne qui ne nous a pas montré de preuve satisfaisante qu’elle peut agir pour vous ; vous, ou elle avec cette preuve, pouvez la refaire",
    data_accurate: 'nous avons vérifié les données que vous nous demandiez de rectifier et nous les pensons exactes ; nous ne les modifierons donc pas',
    withdrawn_by_requester: "vous nous avez dit ne plus la souhaiter",
    duplicate_request: 'elle répète une autre de vos demandes encore ouverte, à laquelle nous répondons',
  },
};

const sign = (lang: Language) => (lang === 'fr' ? "L’équipe confidentialité d’Offtek" : 'The Offtek privacy team');

/** The longest officer's explanation a refusal carries (the admin API refuses longer ones). */
export const MAX_DENY_NOTE = 1000;
/** An officer's reason for an extension, or the clarification they ask for: mailed to the requester as written. */
export const MAX_REASON = 1000;

/**
 * An officer's own words in a plain-text email: control characters (which could fake headers or
 * lines in some mail readers) go, line breaks stay, and the text is cut at its bound whatever
 * called this. The email has no HTML part, so there is no markup to escape.
 */
export function plainText(s: string, max: number): string {
  return s.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/g, ' ').trim().slice(0, max);
}

const explained = (lang: Language, note?: string) => {
  const text = note ? plainText(note, MAX_DENY_NOTE) : '';
  return text ? ['', lang === 'fr' ? 'Précisions de notre équipe :' : 'In our team’s words:', text] : [];
};

/** The refusal of a request, with its reason and the requester's remedies (Art. 12(4)). */
export function refusalNotice(lang: Language, id: string, reason: DenyReason, note?: string, form?: string) {
  return lang === 'fr'
    ? { subject: 'Votre demande de confidentialité est refusée', text: ['Bonjour,', '', `Nous ne donnerons pas suite à votre demande (référence ${id}), pour la raison suivante : ${REASON.fr[reason]}.`, ...explained('fr', note), '', ...complaintLines(lang, form), '', sign(lang)].join('\n') }
    : { subject: 'Your privacy request has been refused', text: ['Hello,', '', `We will not act on your request (reference ${id}), for this reason: ${REASON.en[reason]}.`, ...explained('en', note), '', ...complaintLines(lang, form), '', sign(lang)].join('\n') };
}

/** The cancellation of a request: the person did not get an answer, so they are told why and their remedies too. */
export function cancellationNotice(lang: Language, id: string, reason: CancelReason, form?: string) {
  return lang === 'fr'
    ? { subject: 'Votre demande de confidentialité est annulée', text: ['Bonjour,', '', `Nous avons annulé votre demande (référence ${id}), pour la raison suivante : ${REASON.fr[reason]}.`, 'Vous pouvez faire une nouvelle demande à tout moment.', '', ...complaintLines(lang, form), '', sign(lang)].join('\n') }
    : { subject: 'Your privacy request has been cancelled', text: ['Hello,', '', `We have cancelled your request (reference ${id}), for this reason: ${REASON.en[reason]}.`, 'You can make a new request at any time.', '', ...complaintLines(lang, form), '', sign(lang)].join('\n') };
}

/**
 * Art. 12(3): the requester is told the new date and why, with how to complain (the shop's form
 * first). Extended while the clock is stopped (Art. 12A), the date is not known until it restarts:
 * the notice says how it is counted and that the date will follow (no `dueDate`), and restarting
 * the clock sends it (`restarted`), so that the requester is never told a date that then moves.
 * Extended before the clock stopped, the requester was told a date, which restarting it moves: they
 * are sent the new one too, saying which date it replaces (`previousDueDate`) and why, so that the
 * last date they hold from us is always the one we answer by.
 */
export function extensionNotice(lang: Language, id: string, n: { reason: string; dueDate?: string; restarted?: boolean; previousDueDate?: string }, form?: string) {
  const fr = lang === 'fr';
  const opening = n.restarted
    ? fr
      ? [`Le délai de traitement de votre demande (référence ${id}) a repris.`, "Comme nous vous l’avons indiqué, nous avons besoin de plus de temps pour la traiter."]
      : [`The time limit for your request (reference ${id}) has started again.`, 'As we told you, we need more time to complete it.']
    : [fr ? `Nous avons besoin de plus de temps pour traiter votre demande (référence ${id}).` : `We need more time to complete your request (reference ${id}).`];
  const when = n.dueDate
    ? fr
      ? `Nouvelle date limite : ${longDate(n.dueDate, 'fr')}.`
      : `New deadline: ${longDate(n.dueDate, 'en')}.`
    : fr
      ? "Le délai passe d’un mois à trois mois, sans compter les jours où il est suspendu. Il est suspendu en ce moment, jusqu’à ce que nous recevions votre réponse à notre question : nous vous écrirons pour vous indiquer la nouvelle date limite dès qu’il reprendra."
      : 'The time limit becomes three months instead of one, not counting the days it is paused. It is paused now, until we receive your answer to our question: we will write to tell you the new deadline once it starts again.';
  const replaced = n.previousDueDate
    ? [
        fr
          ? `Elle remplace la date limite du ${longDate(n.previousDueDate, 'fr')} que nous vous avions indiquée : les jours où le délai était suspendu, dans l’attente de votre réponse, ne sont pas comptés.`
          : `It replaces the deadline of ${longDate(n.previousDueDate, 'en')} that we gave you: the days the time limit was paused, waiting for your answer, do not count.`,
      ]
    : [];
  const lines = fr
    ? ['Bonjour,', '', ...opening, `Raison : ${n.reason}`, when, ...replaced, '', 'La loi nous permet de prolonger le délai de deux mois lorsque la demande est complexe.']
    : ['Hello,', '', ...opening, `Reason: ${n.reason}`, when, ...replaced, '', 'The law allows us two more months when a request is complex.'];
  const subject = n.restarted ? (fr ? 'Votre demande : la nouvelle date limite' : 'Your request: the new deadline') : fr ? 'Votre demande : délai prolongé' : 'Your request: more time needed';
  return { subject, text: [...lines, '', ...complaintLines(lang, form), '', sign(lang)].join('\n') };
}

/**
 * Art. 12A: the clock stops while we wait for a clarification we genuinely need. The requester is
 * told what we need and that the time limit is paused until we have it: the one month, or the three
 * months of a request already extended (`extended`), which they were told of. It asks what to look
 * for, never for personal data or documents by email.
 */
export function clarificationNotice(lang: Language, id: string, needed: string, form?: string, { extended = false }: { extended?: boolean } = {}) {
  const paused =
    lang === 'fr'
      ? `Le délai de réponse${extended ? ', prolongé à trois mois,' : " d’un mois"} est suspendu jusqu’à ce que nous recevions votre réponse ; il reprend le jour où nous la recevons.`
      : `The ${extended ? 'time limit, extended to three months,' : 'one-month time limit'} is paused until we receive your answer; it starts again on the day we receive it.`;
  return lang === 'fr'
    ? {
        subject: 'Votre demande : nous avons besoin d’une précision',
        text: ['Bonjour,', '', `Pour répondre à votre demande (référence ${id}), nous avons besoin de la précision suivante :`, needed, '', paused, "Répondez simplement à cet e-mail pour nous indiquer quoi chercher. N’y joignez aucun document ni mot de passe : nous ne vous demanderons jamais d’envoyer des données personnelles par e-mail.", '', ...complaintLines(lang, form), '', sign(lang)].join('\n'),
      }
    : {
        subject: 'Your request: we need a clarification',
        text: ['Hello,', '', `To answer your request (reference ${id}), we need you to tell us:`, needed, '', paused, 'Just reply to this email to tell us what to look for. Do not attach documents or passwords: we will never ask you to send personal data by email.', '', ...complaintLines(lang, form), '', sign(lang)].join('\n'),
      };
}

/**
 * Why an officer lifts a restriction (Art. 18): the accuracy the requester contested has been checked
 * (18(1)(a)); their objection has been decided, the shop's legitimate grounds overriding theirs
 * (18(1)(d)); the requester asked for it to be lifted; or, `other`, the officer's own words alone.
 */
export const LiftReason = z.enum(['accuracy_verified', 'objection_decided', 'requester_asked', 'other']);
export type LiftReason = z.infer<typeof LiftReason>;

const LIFT_REASON: Record<Language, Record<Exclude<LiftReason, 'other'>, string>> = {
  en: {
    accuracy_verified: 'we have finished checking the accuracy of the data you contested',
    objection_decided: 'we have finished considering your objection, and our legitimate grounds for using your data override your interests, rights and freedoms',
    requester_asked: 'you asked us to lift it',
  },
  fr: {
    accuracy_verified: 'nous avons fini de vérifier l’exactitude des données que vous contestiez',
    objection_decided: 'nous avons fini d’examiner votre opposition, et nos motifs légitimes d’utiliser vos données prévalent sur vos intérêts, droits et libertés',
    requester_asked: 'vous nous avez demandé de la lever',
  },
};

/**
 * Art. 18(3): a requester who obtained a restriction is told before it is lifted: from what date,
 * why, and that they can object before then or complain (the shop's form, the ICO, the courts).
 */
export function liftNotice(lang: Language, id: string, n: { reason: LiftReason; liftOn: string; note?: string }, form?: string) {
  const fr = lang === 'fr';
  const on = longDate(n.liftOn, lang);
  const why = n.reason === 'other' ? [] : [fr ? `Raison : ${LIFT_REASON.fr[n.reason]}.` : `Reason: ${LIFT_REASON.en[n.reason]}.`];
  const lines = fr
    ? ['Bonjour,', '', `À votre demande (référence ${id}), nous avons limité l’utilisation de vos données : nous les conservons sans les utiliser.`, `Nous la lèverons à partir du ${on}. Dès ce jour, nous pourrons de nouveau utiliser vos données comme l’indique notre politique de confidentialité.`, ...why, ...explained(lang, n.note), '', `Si vous n’êtes pas d’accord, dites-le-nous avant le ${on} en répondant à cet e-mail.`]
    : ['Hello,', '', `At your request (reference ${id}), we restricted the use of your data: we keep it without using it.`, `We will lift it from ${on}. From that day we may use your data again as our privacy policy describes.`, ...why, ...explained(lang, n.note), '', `If you disagree, tell us before ${on} by replying to this email.`];
  const subject = fr ? 'Votre demande : la limitation de vos données va être levée' : 'Your request: the restriction of your data will be lifted';
  return { subject, text: [...lines, '', ...complaintLines(lang, form), '', sign(lang)].join('\n') };
}
