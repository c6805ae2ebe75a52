import { describe, expect, it } from 'vitest';
import { COMPLAINT_RECEIVED, validateComplaint } from '../../../functions/core/complaint-form.ts';
import { acknowledgementEmail, ComplaintStatus, complaintClock } from '../../../functions/core/complaints.ts';
import { InvalidInput, type Issue } from '../../../functions/core/errors.ts';

const REF = '01JQ0000000000000000000000';
const COMPLAINT_ID = '01JQ2222222222222222222222';

/** The issues validateComplaint refuses `raw` with, or a failed test if it takes it. */
const refusal = (raw: unknown, lang: 'fr' | 'en'): { message: string; issues: Issue[] } => {
  try {
    validateComplaint(raw, lang);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidInput);
    return { message: (e as InvalidInput).message, issues: (e as InvalidInput).issues };
  }
  return expect.unreachable('the complaint was taken');
};

const EMAIL = { fr: 'Saisissez une adresse e-mail où vous répondre, par exemple nom@exemple.fr.', en: 'Enter an email address we can answer you at, like name@example.com.' };
const NAME = { fr: 'Votre nom peut compter jusqu’à 200 caractères.', en: 'Your name can be up to 200 characters.' };
const REQUEST_ID = {
  fr: 'Une référence de demande compte 26 lettres et chiffres, comme dans nos e-mails (par exemple 01JD3Q8Z7X5V2N4M6K8H0G1F2E).',
  en: 'A request reference has 26 letters and digits, as in our emails (for example 01JD3Q8Z7X5V2N4M6K8H0G1F2E).',
};
const TEXT = { fr: 'Expliquez ce qui ne va pas, en 10 à 5\u00a0000 caractères.', en: 'Tell us what went wrong, in 10 to 5,000 characters.' };
const LANGUAGE = { fr: 'Choisissez le français ou l’anglais.', en: 'Choose French or English.' };
const UNKNOWN = { fr: 'Ce champ ne fait pas partie du formulaire.', en: 'This field is not part of the form.' };
const UNREADABLE = { fr: 'Ce champ contient un caractère illisible. Merci de le saisir à nouveau.', en: 'This field holds a character we cannot read. Please type it again.' };
const BODY = { fr: 'Le formulaire n’a pas pu être lu.', en: 'The form could not be read.' };

describe('the complaint form’s messages, word for word', () => {
  const everyFieldWrong = { email: 'not-an-address', name: 'N'.repeat(201), requestId: 'REQ-1', text: 'too short', language: 'de', shoeSize: 42 };

  it('names every field at fault with its message in French, and keeps the English one beside it', () => {
    const { message, issues } = refusal(everyFieldWrong, 'fr');
    expect(message).toBe('invalid body');
    expect(issues).toEqual([
      { path: 'email', message: EMAIL.fr, messages: EMAIL },
      { path: 'name', message: NAME.fr, messages: NAME },
      { path: 'requestId', message: REQUEST_ID.fr, messages: REQUEST_ID },
      { path: 'text', message: TEXT.fr, messages: TEXT },
      { path: 'language', message: LANGUAGE.fr, messages: LANGUAGE },
      { path: 'shoeSize', message: UNKNOWN.fr, messages: UNKNOWN },
    ]);
  });

  it('shows the same messages in English when the form is in English', () => {
    expect(refusal(everyFieldWrong, 'en').issues.map((i) => i.message)).toEqual([EMAIL.en, NAME.en, REQUEST_ID.en, TEXT.en, LANGUAGE.en, UNKNOWN.en]);
  });

  it('names each unknown field apart', () => {
    expect(refusal({ email: 'ann@example.com', text: 'You kept my data.', colour: 'red', size: 9 }, 'en').issues).toEqual([
      { path: 'colour', message: UNKNOWN.en, messages: UNKNOWN },
      { path: 'size', message: UNKNOWN.en, messages: UNKNOWN },
    ]);
  });

  it('says a character could not be read, rather than that the text is too long or short, for a lone surrogate', () => {
    expect(refusal({ email: 'ann@example.com', text: 'You kept my data \ud800 after I asked.' }, 'fr').issues).toEqual([{ path: 'text', message: UNREADABLE.fr, messages: UNREADABLE }]);
    expect(refusal({ email: 'ann@example.com', name: 'Ann \udfff', text: 'You kept my data after I asked.' }, 'en').issues).toEqual([{ path: 'name', message: UNREADABLE.en, messages: UNREADABLE }]);
  });

  it('refuses a body that is not an object as a whole, with one message on the form', () => {
    for (const raw of [null, undefined, 'email=ann@example.com', 42, true, [], [{ email: 'ann@example.com', text: 'You kept my data.' }]]) {
      expect(refusal(raw, 'en').issues).toEqual([{ path: '(body)', message: BODY.en, messages: BODY }]);
    }
    expect(refusal(null, 'fr').issues).toEqual([{ path: '(body)', message: BODY.fr, messages: BODY }]);
  });

  it('refuses an email that is not text with the email message, without failing on it', () => {
    expect(refusal({ email: 42, text: 'You kept my data.' }, 'en').issues).toEqual([{ path: 'email', message: EMAIL.en, messages: EMAIL }]);
  });

  it('refuses a request reference that is not text with the reference message', () => {
    expect(refusal({ email: 'ann@example.com', requestId: 42, text: 'You kept my data.' }, 'fr').issues).toEqual([{ path: 'requestId', message: REQUEST_ID.fr, messages: REQUEST_ID }]);
  });
});

describe('how the complaint form tidies what it takes', () => {
  it('trims the email, the name and the text', () => {
    expect(validateComplaint({ email: '  ann@example.com\t', name: '  Ann Smith ', text: '   You kept my data.  \n ', language: 'en' }, 'en')).toEqual({
      email: 'ann@example.com',
      name: 'Ann Smith',
      text: 'You kept my data.',
      language: 'en',
    });
  });

  it('reads a reference typed in lower case with spaces around it as the reference in capitals', () => {
    expect(validateComplaint({ email: 'ann@example.com', requestId: '  01jq0000000000000000000000 ', text: 'You kept my data.' }, 'fr')).toEqual({
      email: 'ann@example.com',
      requestId: '01JQ0000000000000000000000',
      text: 'You kept my data.',
      language: 'fr',
    });
  });

  it('drops an empty or blank reference and name, as if they had not been sent', () => {
    expect(validateComplaint({ email: 'ann@example.com', name: '', requestId: '', text: 'You kept my data.', language: 'en' }, 'en')).toEqual({
      email: 'ann@example.com',
      text: 'You kept my data.',
      language: 'en',
    });
    expect(validateComplaint({ email: 'ann@example.com', name: ' \t ', requestId: '    ', text: 'You kept my data.', language: 'en' }, 'en')).toEqual({
      email: 'ann@example.com',
      text: 'You kept my data.',
      language: 'en',
    });
  });

  it('refuses a text that says nothing once its control characters are spaces, with the text’s message, where it recorded an empty complaint', () => {
    const { issues } = refusal({ email: 'ann@example.com', text: '\u0001'.repeat(12), language: 'en' }, 'en');
    expect(issues.map((i) => i.path)).toEqual(['text']);
  });

  it('keeps no line break, control or bidirectional character in a name, which would turn round how the console shows the address beside it', () => {
    const taken = validateComplaint({ email: 'ann@example.com', name: 'Ann\u202e moc.elpmaxe@rehto\nLee\u0007', text: 'You kept my data.', language: 'en' }, 'en');
    expect(taken.name).toBe('Ann moc.elpmaxe@rehto Lee');
    expect(validateComplaint({ email: 'ann@example.com', name: '\u202e\u2066', text: 'You kept my data.', language: 'en' }, 'en')).not.toHaveProperty('name');
  });

  it('leaves the body it was given as it was', () => {
    const raw = { email: ' ann@example.com ', name: '', requestId: ' 01jq0000000000000000000000 ', text: ' You kept my data. ' };
    validateComplaint(raw, 'en');
    expect(raw).toEqual({ email: ' ann@example.com ', name: '', requestId: ' 01jq0000000000000000000000 ', text: ' You kept my data. ' });
  });
});

describe('a complaint’s statuses', () => {
  it('are received, acknowledged and responded, and nothing else', () => {
    for (const status of ['received', 'acknowledged', 'responded']) expect(ComplaintStatus.safeParse(status)).toEqual({ success: true, data: status });
    for (const status of ['', 'open', 'closed', 'RECEIVED']) expect(ComplaintStatus.safeParse(status).success).toBe(false);
  });
});

describe('the answer the form gets, word for word', () => {
  it('thanks the person and says an acknowledgement is on its way, in French and in English, each answer carrying both so that the form can switch', () => {
    const messages = { fr: 'Merci. Votre réclamation est enregistrée. Nous vous envoyons un accusé de réception par e-mail, puis nous vous répondrons sans retard injustifié.', en: 'Thank you. Your complaint is recorded. We are emailing you an acknowledgement, and will answer you without undue delay.' };
    expect(COMPLAINT_RECEIVED).toEqual({
      fr: { status: 'received', message: messages.fr, messages },
      en: { status: 'received', message: messages.en, messages },
    });
  });
});

describe('the complaint clock on the last day', () => {
  it('counts a complaint not yet acknowledged on its last day as still on time, with no day left', () => {
    expect(complaintClock({ receivedAt: '2026-07-01T10:00:00.000Z', acknowledgeBy: '2026-07-30' }, '2026-07-30')).toEqual({
      receivedOn: '2026-07-01',
      acknowledgeBy: '2026-07-30',
      acknowledgedOn: null,
      respondedOn: null,
      daysToAcknowledge: 0,
      acknowledgedOnTime: true,
      daysOpen: 29,
    });
  });
});

describe('the acknowledgement email, word for word', () => {
  it('in French, about a request: the day, the request, the reference and the ICO', () => {
    expect(acknowledgementEmail({ id: COMPLAINT_ID, language: 'fr', receivedAt: '2026-07-01T10:00:00.000Z', requestId: REF })).toEqual({
      subject: 'Nous avons bien reçu votre réclamation',
      text: [
        'Bonjour,',
        '',
        'Nous avons bien reçu, le 1er juillet 2026, votre réclamation sur la façon dont nous traitons vos données personnelles (à propos de votre demande 01JQ0000000000000000000000). Sa référence : 01JQ2222222222222222222222.',
        'Notre équipe confidentialité l’examine et vous répondra sans retard injustifié, en vous disant ce que nous avons fait.',
        "Si vous n’êtes pas à l’origine de cette réclamation, vous pouvez ignorer cet e-mail.",
        '',
        "Si notre réponse ne vous satisfait pas, vous pourrez saisir l’autorité de contrôle du Royaume-Uni, l’Information Commissioner’s Office (ICO) : Wycliffe House, Water Lane, Wilmslow, Cheshire SK9 5AF, téléphone 0303 123 1113, https://ico.org.uk/make-a-complaint.",
        '',
        "L’équipe confidentialité d’Offtek",
      ].join('\n'),
    });
  });

  it('in English, about no request: the day and the reference, with no request named', () => {
    expect(acknowledgementEmail({ id: COMPLAINT_ID, language: 'en', receivedAt: '2026-12-31T23:30:00.000Z' }).text.split('\n')[2]).toBe(
      'On 31 December 2026 we received your complaint about how we handle your personal data. Its reference is 01JQ2222222222222222222222.',
    );
  });
});
