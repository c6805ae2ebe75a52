// Who acted on an audit trail, in the console's language: a kind of actor the server writes by a
// bare name in words, a processor by the name the registry gives it, an officer by their user name
// (as the header says who is signed in).

/**
 * Each actor the server writes without a name of its own: `system` acknowledges a complaint by its
 * email (or records that the email was withheld), `complainant` sends one, `admin` is the console's
 * own delivery of an officer's notice.
 */
export const ACTORS = {
  en: { requester: 'requester', workflow: 'workflow', sweeper: 'scheduled check', system: 'system (automatic)', complainant: 'complainant', admin: 'compliance console' },
  fr: { requester: 'demandeur', workflow: 'traitement', sweeper: 'vérification planifiée', system: 'système (automatique)', complainant: 'réclamant', admin: 'console de conformité' },
};

/** `processorName` gives a processor's registry name from its id (its id when it has none). */
export const actorWords = (lang, actor, processorName) =>
  ACTORS[lang][actor] ?? (actor.startsWith('processor:') ? processorName(actor.slice('processor:'.length)) : actor.replace(/^officer:/, ''));
