import { InvalidInput, type Issue } from './errors.ts';
import { AgentProof, Language, ObjectionScope, objectedScopes, type RequestDetails, RequestType } from './model.ts';
import { readable, UNREADABLE } from './readable.ts';
import * as z from './zod.ts';

const text = (max: number) => z.string().check(z.trim(), z.minLength(1), z.maxLength(max), readable(UNREADABLE));

/** The relationships the form offers an agent; an officer logging a request may also record `attorney`. */
export const FormAgentRelationship = z.enum(['solicitor', 'parent', 'other']);

/** The privacy form, as POST /requests receives it. Unknown fields are refused. */
export const SubmitBody = z
  .strictObject({
    type: RequestType,
    email: z.email().check(z.maxLength(254)),
    language: z._default(Language, 'fr'),
    name: z.optional(text(200)),
    orderNumber: z.optional(z.string().check(z.trim(), z.regex(/^[A-Za-z0-9-]{1,40}$/))),
    eraseWarranty: z.optional(z.boolean()),
    rectification: z.optional(z.strictObject({ field: text(200), correction: text(2000) })),
    objections: z.optional(z.array(ObjectionScope).check(z.minLength(1), z.maxLength(3))),
    /**
     * Someone acting for the person (a solicitor, a parent or guardian, another authorised person):
     * who they are, how they are related, and the kind of proof of authority they hold. `email` above
     * stays the person's own: the confirmation link goes there, never to the agent.
     */
    agent: z.optional(
      z.strictObject({
        name: text(200),
        email: z.email().check(z.maxLength(254)),
        relationship: FormAgentRelationship,
        proof: AgentProof,
      }),
    ),
  })
  .check(
    z.superRefine((b, ctx) => {
      if (b.type === 'rectification' && !b.rectification) ctx.addIssue({ code: 'custom', path: ['rectification'], message: 'required' });
      if (b.type === 'objection' && !b.objections?.length) ctx.addIssue({ code: 'custom', path: ['objections'], message: 'required' });
      if (b.eraseWarranty && b.type !== 'erasure') ctx.addIssue({ code: 'custom', path: ['eraseWarranty'], message: 'erasure_only' });
      // Kept otherwise with a request of another type, read by nobody: up to 2,000 characters of the person's words for nothing (until November 29, 2026).
      if (b.rectification && b.type !== 'rectification') ctx.addIssue({ code: 'custom', path: ['rectification'], message: 'only' });
      if (b.objections?.length && b.type !== 'objection') ctx.addIssue({ code: 'custom', path: ['objections'], message: 'only' });
      // A use named twice would read twice in the emails, and count as another request's (asksTheSame compares lists).
      if (b.objections && new Set(b.objections).size < b.objections.length) ctx.addIssue({ code: 'custom', path: ['objections'], message: 'twice' });
      // The confirmation goes to the person's own address: an agent giving their own there could confirm for them.
      if (b.agent && b.agent.email.trim().toLowerCase() === b.email.trim().toLowerCase()) ctx.addIssue({ code: 'custom', path: ['agent', 'email'], message: 'same_as_person' });
    }),
  );
export type SubmitBody = z.output<typeof SubmitBody>;

/**
 * Whether a submission asks exactly what the open request of its type asks, so that it can join it as
 * a repeat. One that asks more (an objection to another use, the lifetime-warranty purchases erased
 * too, another correction) is a request of its own: joining would drop what it adds, and an objection
 * to marketing (Art. 21(3)) would never take effect. So is one that asks less: anyone can type anyone's
 * address, and until November 29, 2026 the person's own plain erasure joined one a stranger had sent
 * with the warranty purchases ticked, whose link the person then confirmed, erasing them for good.
 */
export function asksTheSame(open: Pick<RequestDetails, 'eraseWarranty' | 'objections' | 'rectification'>, body: Pick<SubmitBody, 'eraseWarranty' | 'objections' | 'rectification'>): boolean {
  const [was, now] = [objectedScopes(open.objections), objectedScopes(body.objections ?? [])];
  if (was.length !== now.length || now.some((s) => !was.includes(s))) return false;
  if (Boolean(body.eraseWarranty) !== Boolean(open.eraseWarranty)) return false;
  return body.rectification?.field === open.rectification?.field && body.rectification?.correction === open.rectification?.correction;
}

/**
 * Whether a submission may join the open request of its type: it asks the same, and it is made the
 * same way, by the person or by the same agent (of the same kind, from the same address, whose keyed
 * hash is `agentEmailHash`). Anyone can type anyone's address as an agent: the person's own submission
 * joining that request would wait for that agent's proof of authority, and an agent's joining the
 * person's own request, or another agent's, would drop the agent, whom the officer would then never
 * hear of. A request written before agents were told apart by address joins by kind alone.
 */
export function joins(
  open: { details: Pick<RequestDetails, 'eraseWarranty' | 'objections' | 'rectification'>; agent?: { relationship: string; proof: string }; agentEmailHash?: string },
  body: Pick<SubmitBody, 'eraseWarranty' | 'objections' | 'rectification' | 'agent'>,
  agentEmailHash?: string,
): boolean {
  const sameAgent = (a: { relationship: string; proof: string }, b: { relationship: string; proof: string }) =>
    a.relationship === b.relationship && a.proof === b.proof && (open.agentEmailHash === undefined || open.agentEmailHash === agentEmailHash);
  const sameMaker = open.agent && body.agent ? sameAgent(open.agent, body.agent) : !open.agent && !body.agent;
  return sameMaker && asksTheSame(open.details, body);
}

/** Fields a requester might use to have their data sent somewhere other than their own mailbox. */
const ELSEWHERE = ['exportDestination', 'deliverTo', 'sendTo', 'destination', 'webhook', 'url'];

const MESSAGES: Record<Language, Record<string, string>> = {
  en: {
    type: 'Choose what you would like us to do.',
    email: 'Enter the email address of your shop account, like name@example.com.',
    language: 'Choose French or English.',
    name: 'Your name can be up to 200 characters.',
    orderNumber: 'An order number has only letters, digits and dashes.',
    rectification: 'Tell us what is wrong and what it should be.',
    objections: 'Choose at least one thing you object to.',
    eraseWarranty: 'This choice only applies to an erasure request.',
    'rectification.only': 'A correction goes with a correction request only.',
    'objections.only': 'These choices only apply to an objection.',
    'objections.twice': 'Choose each use once.',
    'agent.name': 'Enter your own name, up to 200 characters.',
    'agent.email': 'Enter your own email address, like name@example.com.',
    'agent.same_as_person': 'Enter your own email address here. The address above is the person’s own: we send the confirmation link there.',
    'agent.relationship': 'Choose how you are related to the person.',
    'agent.proof': 'Choose the proof of authority you hold.',
    agent: 'Tell us who you are, how you are related to the person and what proof you hold.',
    elsewhere: 'For your safety we only ever send your data to the email address you confirm. Remove this field.',
    unknown: 'This field is not part of the form.',
    unreadable: 'This field holds a character we cannot read. Please type it again.',
    body: 'The form could not be read.',
  },
  fr: {
    type: 'Choisissez ce que vous souhaitez que nous fassions.',
    email: "Saisissez l’adresse e-mail de votre compte client, par exemple nom@exemple.fr.",
    language: 'Choisissez le français ou l’anglais.',
    name: 'Votre nom peut compter jusqu’à 200 caractères.',
    orderNumber: 'Un numéro de commande ne contient que des lettres, des chiffres et des tirets.',
    rectification: 'Indiquez ce qui est inexact et ce qu’il faudrait mettre à la place.',
    objections: 'Choisissez au moins un usage auquel vous vous opposez.',
    eraseWarranty: 'Ce choix ne concerne que les demandes d’effacement.',
    'rectification.only': 'Une correction ne s’indique qu’avec une demande de rectification.',
    'objections.only': 'Ces choix ne concernent que les demandes d’opposition.',
    'objections.twice': 'Choisissez chaque usage une seule fois.',
    'agent.name': 'Saisissez votre propre nom, jusqu’à 200 caractères.',
    'agent.email': 'Saisissez votre propre adresse e-mail, par exemple nom@exemple.fr.',
    'agent.same_as_person': 'Saisissez ici votre propre adresse e-mail. L’adresse ci-dessus est celle de la personne : c’est là que nous envoyons le lien de confirmation.',
    'agent.relationship': 'Choisissez votre lien avec la personne.',
    'agent.proof': 'Choisissez la preuve de votre mandat dont vous disposez.',
    agent: 'Dites-nous qui vous êtes, votre lien avec la personne et la preuve dont vous disposez.',
    elsewhere: 'Pour votre sécurité, nous n’envoyons vos données qu’à l’adresse e-mail que vous confirmez. Retirez ce champ.',
    unknown: 'Ce champ ne fait pas partie du formulaire.',
    unreadable: 'Ce champ contient un caractère illisible. Merci de le saisir à nouveau.',
    body: 'Le formulaire n’a pas pu être lu.',
  },
};

export function pickLanguage(body: unknown, acceptLanguage?: string): Language {
  const declared = (body as { language?: unknown } | null)?.language;
  if (declared === 'en' || declared === 'fr') return declared;
  return /^\s*en\b/i.test(acceptLanguage ?? '') ? 'en' : 'fr';
}

/** Validates the form; failures become field-level messages in the requester's language. */
export function validateSubmission(raw: unknown, lang: Language): SubmitBody {
  // Both languages travel with each issue: the form's language switch then keeps the errors shown.
  const issue = (path: string, key: string): Issue => {
    const messages = { fr: MESSAGES.fr[key] ?? MESSAGES.fr.body, en: MESSAGES.en[key] ?? MESSAGES.en.body };
    return { path, message: messages[lang], messages };
  };
  if (raw && typeof raw === 'object') {
    const elsewhere = Object.keys(raw).filter((k) => ELSEWHERE.includes(k));
    if (elsewhere.length) throw new InvalidInput('invalid body', elsewhere.map((path) => issue(path, 'elsewhere')));
  }
  const r = SubmitBody.safeParse(raw);
  if (r.success) return r.data;
  const issues = r.error.issues.flatMap((i) => {
    const at = i.path.join('.');
    if (i.code === 'unrecognized_keys') return i.keys.map((k) => issue(at ? `${at}.${k}` : k, 'unknown'));
    // The agent's fields each have their own message; elsewhere the top-level field's.
    const key = i.message === UNREADABLE ? UNREADABLE : i.message === 'same_as_person' ? 'agent.same_as_person' : ['only', 'twice'].includes(i.message) ? `${at}.${i.message}` : at in MESSAGES.en ? at : String(i.path[0] ?? 'body');
    return [issue(at || '(body)', key)];
  });
  throw new InvalidInput('invalid body', issues);
}
