import { encodeTime } from 'ulid';
import { sha256 } from './audit.ts';
import { MAX_COMPLAINT_TEXT } from './complaints.ts';
import { InvalidInput, type Issue } from './errors.ts';
import { Language, Ulid } from './model.ts';
import { plainText } from './notices.ts';
import { readable, UNREADABLE } from './readable.ts';
import * as z from './zod.ts';

/*
 * The complaint form (POST /complaints) and its answer, apart from the rest of core/complaints.ts,
 * which every function that mails imports (shared/outbox.ts): only intake, which parses the form,
 * builds its schema.
 */

const text = (min: number, max: number) => z.string().check(z.trim(), z.minLength(min), z.maxLength(max), readable(UNREADABLE));

/** The complaint form, as POST /complaints receives it. Unknown fields are refused. */
export const ComplaintBody = z.strictObject({
  email: z.email().check(z.maxLength(254)),
  name: z.optional(text(1, 200)),
  /** The request the complaint is about, if any: its reference as the emails and the status page show it. */
  requestId: z.optional(Ulid),
  text: text(10, MAX_COMPLAINT_TEXT),
  language: z._default(Language, 'fr'),
});
export type ComplaintBody = z.output<typeof ComplaintBody>;

const MESSAGES: Record<Language, Record<string, string>> = {
  en: {
    email: 'Enter an email address we can answer you at, like name@example.com.',
    name: 'Your name can be up to 200 characters.',
    requestId: 'A request reference has 26 letters and digits, as in our emails (for example 01JD3Q8Z7X5V2N4M6K8H0G1F2E).',
    text: 'Tell us what went wrong, in 10 to 5,000 characters.',
    language: 'Choose French or English.',
    unknown: 'This field is not part of the form.',
    unreadable: 'This field holds a character we cannot read. Please type it again.',
    body: 'The form could not be read.',
  },
  fr: {
    email: "Saisissez une adresse e-mail où vous répondre, par exemple nom@exemple.fr.",
    name: 'Votre nom peut compter jusqu’à 200 caractères.',
    requestId: 'Une référence de demande compte 26 lettres et chiffres, comme dans nos e-mails (par exemple 01JD3Q8Z7X5V2N4M6K8H0G1F2E).',
    text: 'Expliquez ce qui ne va pas, en 10 à 5 000 caractères.',
    language: 'Choisissez le français ou l’anglais.',
    unknown: 'Ce champ ne fait pas partie du formulaire.',
    unreadable: 'Ce champ contient un caractère illisible. Merci de le saisir à nouveau.',
    body: 'Le formulaire n’a pas pu être lu.',
  },
};

/** Bidirectional controls, which in a name would turn round how the console shows the address beside it. */
const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Validates the complaint form: failures become field-level messages in both languages (the form's
 * switch keeps them shown). A reference is read as typed, in either case; a blank name or reference
 * is no name or reference, not an error. The text keeps its line breaks; other control characters
 * become spaces, so nothing in it can fake a line in an email or a log viewer, and it must still say
 * something then (until November 28, 2026 ten control characters were recorded as an empty complaint).
 * The name keeps no control character on any line, nor a bidirectional one.
 */
export function validateComplaint(raw: unknown, lang: Language): ComplaintBody {
  const issue = (path: string, key: string): Issue => {
    const messages = { fr: MESSAGES.fr[key] ?? MESSAGES.fr.body, en: MESSAGES.en[key] ?? MESSAGES.en.body };
    return { path, message: messages[lang], messages };
  };
  const value = raw && typeof raw === 'object' && !Array.isArray(raw) ? { ...(raw as Record<string, unknown>) } : raw;
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (typeof v.email === 'string') v.email = v.email.trim();
    if (typeof v.requestId === 'string') v.requestId = v.requestId.trim().toUpperCase();
    // Cleaned before the schema, so that it judges what is kept; cut one past the limit, so that it still refuses one too long.
    if (typeof v.name === 'string') v.name = plainText(v.name.replace(BIDI_CONTROLS, ''), 201).replace(/\n/g, ' ');
    if (typeof v.text === 'string') v.text = plainText(v.text, MAX_COMPLAINT_TEXT + 1);
    if (v.requestId === '') delete v.requestId;
    if (v.name === '') delete v.name;
  }
  const r = ComplaintBody.safeParse(value);
  if (!r.success) {
    throw new InvalidInput(
      'invalid body',
      r.error.issues.flatMap((i) => {
        if (i.code === 'unrecognized_keys') return i.keys.map((k) => issue(k, 'unknown'));
        return [issue(i.path.join('.') || '(body)', i.message === UNREADABLE ? UNREADABLE : String(i.path[0] ?? 'body'))];
      }),
    );
  }
  return r.data;
}

const RECEIVED = {
  fr: 'Merci. Votre réclamation est enregistrée. Nous vous envoyons un accusé de réception par e-mail, puis nous vous répondrons sans retard injustifié.',
  en: 'Thank you. Your complaint is recorded. We are emailing you an acknowledgement, and will answer you without undue delay.',
};

/**
 * The one answer to a complaint, whoever the address belongs to: in the complaint's language and, as
 * `messages`, in both, so that the form keeps it on show across a language switch.
 */
export const COMPLAINT_RECEIVED: Record<Language, { status: 'received'; message: string; messages: Record<Language, string> }> = {
  fr: { status: 'received', message: RECEIVED.fr, messages: RECEIVED },
  en: { status: 'received', message: RECEIVED.en, messages: RECEIVED },
};

/** A complaint sent again within this window (a double click, a retry after a lost answer) is the same complaint. */
export const SAME_COMPLAINT_MS = 10 * 60_000;
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A complaint's id (a ULID, the reference the complainant is mailed): the start of its ten minutes,
 * then 16 characters drawn from a keyed hash of who complains about what (`sameKey`). The same
 * complaint sent again within those minutes gets the same id, so the write that is conditional on it
 * records it once; one sent across the ten minutes' end is recorded twice, as before.
 */
export function complaintId(receivedMs: number, sameKey: string): string {
  const h = sha256(sameKey);
  let random = '';
  for (let i = 0; i < 32; i += 2) random += CROCKFORD[Number.parseInt(h.slice(i, i + 2), 16) & 31];
  return encodeTime(receivedMs - (receivedMs % SAME_COMPLAINT_MS), 10) + random;
}
