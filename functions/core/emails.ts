import type { Language, RequestType } from './model.ts';

const TYPE: Record<Language, Record<RequestType, string>> = {
  en: { access: 'a copy of your data', erasure: 'erasure of your data', rectification: 'correction of your data', objection: 'an objection to the use of your data', restrict: 'restricting the use of your data' },
  fr: { access: 'une copie de vos données', erasure: "l'effacement de vos données", rectification: 'la rectification de vos données', objection: "une opposition à l'utilisation de vos données", restrict: "la limitation de l'utilisation de vos données" },
};

/**
 * The confirmation email. It carries links and asks for nothing: the policy promises we never ask
 * for personal data by email, and a requester who did not send the request can simply ignore it.
 */
export function confirmationEmail(lang: Language, type: RequestType, links: { verify: string; status: string }) {
  if (lang === 'fr') {
    return {
      subject: 'Confirmez votre demande de confidentialité',
      text: [
        'Bonjour,',
        '',
        `Nous avons reçu une demande concernant ${TYPE.fr[type]} pour cette adresse e-mail.`,
        '',
        'Pour la confirmer, ouvrez ce lien (valable 24 heures) :',
        links.verify,
        '',
        'Ensuite, vous pourrez suivre votre demande ici :',
        links.status,
        '',
        "Nous répondons dans un délai d'un mois à compter de votre confirmation. Si la demande est complexe, ce délai peut être prolongé de deux mois ; nous vous préviendrons alors et vous dirons pourquoi.",
        '',
        "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : rien ne se passera.",
        "Nous ne vous demanderons jamais d'envoyer des données personnelles par e-mail.",
        '',
        "L'équipe confidentialité d'Offtek",
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
      'To confirm it, open this link (valid for 24 hours):',
      links.verify,
      '',
      'Then you can follow your request here:',
      links.status,
      '',
      'We answer within one month of your confirmation. If the request is complex, this can be extended by two more months; we would tell you, and why.',
      '',
      'If you did not make this request, ignore this email: nothing will happen.',
      'We will never ask you to send personal data by email.',
      '',
      'The Offtek privacy team',
    ].join('\n'),
  };
}
