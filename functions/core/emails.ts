import { type Agent, type Language, objectedScopes, type ObjectionScope, type RequestType } from './model.ts';

const TYPE: Record<Language, Record<RequestType, string>> = {
  en: { access: 'a copy of your data', erasure: 'erasure of your data', rectification: 'correction of your data', objection: 'an objection to the use of your data', restrict: 'restricting the use of your data' },
  fr: { access: 'une copie de vos données', erasure: "l’effacement de vos données", rectification: 'la rectification de vos données', objection: "une opposition à l’utilisation de vos données", restrict: "la limitation de l’utilisation de vos données" },
};

/**
 * The confirmation email. It carries links and asks for nothing: the policy promises we never ask
 * for personal data by email, and a requester who did not send the request can simply ignore it.
 */
const ON_BEHALF: Record<Language, Record<Agent['relationship'], string>> = {
  en: { solicitor: 'your solicitor', parent: 'your parent or guardian', attorney: 'your attorney', other: 'authorised to act for you' },
  fr: { solicitor: 'votre avocat', parent: 'votre parent ou tuteur', attorney: 'votre mandataire', other: 'autorisée à agir pour vous' },
};

/**
 * The lines of a confirmation email that say the request was made on the person's behalf: by whom in
 * words of the relationship only (never the name the agent typed: this email must carry nothing a
 * stranger wrote), and that an officer checks the agent's proof of authority before anything is done.
 */
function onBehalf(lang: Language, agent: Agent | undefined): string[] {
  if (!agent) return [];
  return lang === 'fr'
    ? [
        `Cette demande a été faite en votre nom par une personne qui se présente comme ${ON_BEHALF.fr[agent.relationship]}. Ne la confirmez que si vous l’y avez autorisée : un responsable de la confidentialité vérifiera ensuite la preuve de son mandat avant toute action.`,
        '',
      ]
    : [
        `This request was made on your behalf by someone who says they are ${ON_BEHALF.en[agent.relationship]}. Confirm it only if you authorised them: a privacy officer then checks their proof of authority before anything is done.`,
        '',
      ];
}

const SCOPES: Record<Language, Record<ObjectionScope, string>> = {
  en: { marketing: 'offer emails and the newsletter', reviews: 'invitations to review a purchase', profiling: 'profiling for advertising' },
  fr: { marketing: 'les e-mails d’offres et la lettre d’information', reviews: 'les invitations à donner votre avis', profiling: 'le profilage pour la publicité' },
};

/** What a request asks beyond its type, in the form's own choices. */
export type Asks = { eraseWarranty?: boolean; objections?: readonly ObjectionScope[] };

/**
 * What the request asks beyond its type, said before it is confirmed, in the email and on the
 * confirmation page: anyone can type anyone's address into the form, so the person's confirmation is
 * the only proof that the choice is theirs, and it must be made seeing it. Until November 29, 2026
 * both said the type alone: an erasure someone else asked with the lifetime-warranty purchases ticked
 * read as a plain erasure, and confirmed, lost the person their warranty for good.
 */
export function askedLines(lang: Language, type: RequestType, asks: Asks | undefined): string[] {
  if (type === 'erasure' && asks?.eraseWarranty) {
    return [
      lang === 'fr'
        ? 'Elle demande aussi l’effacement de vos achats garantis à vie : une fois effacés, nous ne pourrons plus honorer de réclamation au titre de la garantie à vie.'
        : 'It also asks us to erase your lifetime-warranty purchases: once they are erased, we can no longer honour a lifetime-warranty claim.',
    ];
  }
  if (type === 'objection') {
    const scopes = objectedScopes(asks?.objections ?? []).map((o) => SCOPES[lang][o]);
    return [lang === 'fr' ? `Elle s’oppose à : ${scopes.join(' ; ')}.` : `It objects to: ${scopes.join('; ')}.`];
  }
  return [];
}

/**
 * When the answer comes. An objection is never extended (admin/actions.ts): it takes effect once confirmed
 * (Art. 21(3)), and until November 29, 2026 its email said it could take three months.
 */
const ANSWERED_WITHIN = {
  en: 'We answer within one month of your confirmation. If the request is complex, this can be extended by two more months; we would tell you, and why.',
  fr: 'Nous répondons dans un délai d’un mois à compter de votre confirmation. Si la demande est complexe, ce délai peut être prolongé de deux mois ; nous vous préviendrons alors et vous dirons pourquoi.',
};
const OBJECTION_TAKES_EFFECT = {
  en: 'Your objection takes effect as soon as you confirm it: we stop these uses at once, tell the companies that carry them out for us, and write to you when each has done so, within one month.',
  fr: 'Votre opposition prend effet dès que vous la confirmez : nous cessons ces usages aussitôt, en informons les sociétés qui les mènent pour nous, et vous écrivons quand chacune l’a fait, dans un délai d’un mois.',
};

export function confirmationEmail(lang: Language, type: RequestType, links: { verify: string; status: string }, agent?: Agent, asks?: Asks) {
  const asked = askedLines(lang, type, asks).flatMap((l) => [l, '']);
  const when = type === 'objection' ? OBJECTION_TAKES_EFFECT : ANSWERED_WITHIN;
  if (lang === 'fr') {
    return {
      subject: 'Confirmez votre demande de confidentialité',
      text: [
        'Bonjour,',
        '',
        `Nous avons reçu une demande concernant ${TYPE.fr[type]} pour cette adresse e-mail.`,
        '',
        ...asked,
        ...onBehalf('fr', agent),
        'Pour la confirmer, ouvrez ce lien (valable 24 heures) :',
        links.verify,
        '',
        'Ensuite, vous pourrez suivre votre demande ici :',
        links.status,
        '',
        when.fr,
        '',
        "Si vous n’êtes pas à l’origine de cette demande, ignorez ce message : rien ne se passera.",
        "Nous ne vous demanderons jamais d’envoyer des données personnelles par e-mail.",
        '',
        "L’équipe confidentialité d’Offtek",
      ].join('\n'),
    };
  }
  return {
    subject: 'Confirm your privacy request',
    text: [
      'Hello,',
      '',
      `We received a request for ${TYPE.en[type]} for this email address.`,
      '',
      ...asked,
      ...onBehalf('en', agent),
      'To confirm it, open this link (valid for 24 hours):',
      links.verify,
      '',
      'Then you can follow your request here:',
      links.status,
      '',
      when.en,
      '',
      'If you did not make this request, ignore this email: nothing will happen.',
      'We will never ask you to send personal data by email.',
      '',
      'The Offtek privacy team',
    ].join('\n'),
  };
}
