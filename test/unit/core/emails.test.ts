import { describe, expect, it } from 'vitest';
import { confirmationEmail } from '../../../functions/core/emails.ts';

const links = { verify: 'https://privacy.offtek.example/verify?token=T', status: 'https://privacy.offtek.example/status.html?id=R&token=S' };

describe('the confirmation email', () => {
  it('in English: the links, the one-month answer, and a promise never to ask for personal data by email', () => {
    expect(confirmationEmail('en', 'erasure', links)).toEqual({
      subject: 'Confirm your privacy request',
      text: `Hello,

We received a request for erasure of your data for this email address.

To confirm it, open this link (valid for 24 hours):
https://privacy.offtek.example/verify?token=T

Then you can follow your request here:
https://privacy.offtek.example/status.html?id=R&token=S

We answer within one month of your confirmation. If the request is complex, this can be extended by two more months; we would tell you, and why.

If you did not make this request, ignore this email: nothing will happen.
We will never ask you to send personal data by email.

The Offtek privacy team`,
    });
  });

  it('in French, with the same links', () => {
    expect(confirmationEmail('fr', 'access', links)).toEqual({
      subject: 'Confirmez votre demande de confidentialité',
      text: `Bonjour,

Nous avons reçu une demande concernant une copie de vos données pour cette adresse e-mail.

Pour la confirmer, ouvrez ce lien (valable 24 heures) :
https://privacy.offtek.example/verify?token=T

Ensuite, vous pourrez suivre votre demande ici :
https://privacy.offtek.example/status.html?id=R&token=S

Nous répondons dans un délai d’un mois à compter de votre confirmation. Si la demande est complexe, ce délai peut être prolongé de deux mois ; nous vous préviendrons alors et vous dirons pourquoi.

Si vous n’êtes pas à l’origine de cette demande, ignorez ce message : rien ne se passera.
Nous ne vous demanderons jamais d’envoyer des données personnelles par e-mail.

L’équipe confidentialité d’Offtek`,
    });
  });

  it.each([
    ['en', 'access', 'We received a request for a copy of your data for this email address.'],
    ['en', 'rectification', 'We received a request for correction of your data for this email address.'],
    ['en', 'objection', 'We received a request for an objection to the use of your data for this email address.'],
    ['fr', 'erasure', "Nous avons reçu une demande concernant l’effacement de vos données pour cette adresse e-mail."],
    ['fr', 'rectification', 'Nous avons reçu une demande concernant la rectification de vos données pour cette adresse e-mail.'],
    ['fr', 'objection', "Nous avons reçu une demande concernant une opposition à l’utilisation de vos données pour cette adresse e-mail."],
  ] as const)('names a %s %s request as “%s”', (lang, type, line) => {
    expect(confirmationEmail(lang, type, links).text.split('\n')[2]).toBe(line);
  });
});

describe('the confirmation email says what the request asks beyond its type', () => {
  const links = { verify: 'https://x/verify?token=t', status: 'https://x/status.html?id=1&token=s' };
  it('names the lifetime-warranty purchases an erasure also asks to erase, and what that costs, in English and French', () => {
    expect(confirmationEmail('en', 'erasure', links, undefined, { eraseWarranty: true, objections: [] }).text.split('\n').slice(2, 5)).toEqual([
      'We received a request for erasure of your data for this email address.',
      '',
      'It also asks us to erase your lifetime-warranty purchases: once they are erased, we can no longer honour a lifetime-warranty claim.',
    ]);
    expect(confirmationEmail('fr', 'erasure', links, undefined, { eraseWarranty: true, objections: [] }).text).toContain(
      'Elle demande aussi l’effacement de vos achats garantis à vie : une fois effacés, nous ne pourrons plus honorer de réclamation au titre de la garantie à vie.',
    );
    expect(confirmationEmail('en', 'erasure', links, undefined, { eraseWarranty: false, objections: [] }).text).not.toContain('warranty');
  });

  it('names the uses an objection objects to, every one when none was ticked', () => {
    expect(confirmationEmail('en', 'objection', links, undefined, { eraseWarranty: false, objections: ['reviews'] }).text).toContain('It objects to: invitations to review a purchase.');
    expect(confirmationEmail('en', 'objection', links, undefined, { eraseWarranty: false, objections: [] }).text).toContain(
      'It objects to: offer emails and the newsletter; invitations to review a purchase; profiling for advertising.',
    );
    expect(confirmationEmail('fr', 'objection', links, undefined, { eraseWarranty: false, objections: ['marketing', 'profiling'] }).text).toContain(
      'Elle s’oppose à : les e-mails d’offres et la lettre d’information ; le profilage pour la publicité.',
    );
  });

  it('tells an objector it takes effect once confirmed, never that it may take three months, which an objection cannot', () => {
    for (const lang of ['en', 'fr'] as const) {
      const objection = confirmationEmail(lang, 'objection', links, undefined, { eraseWarranty: false, objections: ['marketing'] }).text;
      expect(objection, lang).not.toMatch(/two more months|deux mois/);
      expect(objection, lang).toMatch(/takes effect as soon as you confirm it|prend effet dès que vous la confirmez/);
      // Any other request may be extended, and says so.
      expect(confirmationEmail(lang, 'erasure', links).text, lang).toMatch(/two more months|deux mois/);
    }
  });
});

describe('the confirmation email of a request made by an agent', () => {
  const links = { verify: 'https://privacy.example/verify?token=t', status: 'https://privacy.example/status.html?id=r&token=s' };

  it('tells the person, by the relationship only, that someone acted for them and that their proof is checked', () => {
    const { text } = confirmationEmail('en', 'erasure', links, { relationship: 'parent', proof: 'parental_responsibility' });
    expect(text).toContain(
      'We received a request for erasure of your data for this email address.\n\nThis request was made on your behalf by someone who says they are your parent or guardian. Confirm it only if you authorised them: a privacy officer then checks their proof of authority before anything is done.\n\nTo confirm it',
    );
  });

  it('says it in French', () => {
    expect(confirmationEmail('fr', 'access', links, { relationship: 'other', proof: 'signed_authority' }).text).toContain(
      "Cette demande a été faite en votre nom par une personne qui se présente comme autorisée à agir pour vous. Ne la confirmez que si vous l’y avez autorisée : un responsable de la confidentialité vérifiera ensuite la preuve de son mandat avant toute action.",
    );
  });

  it('says nothing of the kind without an agent', () => {
    expect(confirmationEmail('en', 'erasure', links).text).not.toContain('on your behalf');
    expect(confirmationEmail('fr', 'erasure', links).text).not.toContain('en votre nom');
  });

  it.each([
    ['en', 'solicitor', 'your solicitor'],
    ['en', 'parent', 'your parent or guardian'],
    ['en', 'attorney', 'your attorney'],
    ['en', 'other', 'authorised to act for you'],
    ['fr', 'solicitor', 'votre avocat'],
    ['fr', 'parent', 'votre parent ou tuteur'],
    ['fr', 'attorney', 'votre mandataire'],
    ['fr', 'other', 'autorisée à agir pour vous'],
  ] as const)('in %s, names a %s agent “%s”, in its own paragraph before the link', (lang, relationship, words) => {
    const lines = confirmationEmail(lang, 'erasure', links, { relationship, proof: 'signed_authority' }).text.split('\n');
    const said = lang === 'en' ? `This request was made on your behalf by someone who says they are ${words}.` : `Cette demande a été faite en votre nom par une personne qui se présente comme ${words}.`;
    expect(lines.slice(3, 6)).toEqual(['', expect.stringMatching(new RegExp(`^${said.replace(/[.()]/g, '\\$&')} `)), '']);
    expect(lines[6]).toBe(lang === 'en' ? 'To confirm it, open this link (valid for 24 hours):' : 'Pour la confirmer, ouvrez ce lien (valable 24 heures) :');
  });
});
