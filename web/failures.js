// Why a copy could not be made, in the console's language: a copy Assemble could not assemble
// (`assemblyFailed`), or a held copy's package the sweeper could not make again (`remakeFailed`). Each
// records what went wrong by its error's name; the console says the names it knows in words, and any
// other (an AWS service's own, as S3's SlowDown) as a service error, with its name for support.

/** Each name the console knows: lower case, said within a sentence. */
export const FAILURES = {
  en: {
    Error: 'the provider’s address could not be reached',
    AbortError: 'the provider’s address did not answer in time',
    TimeoutError: 'the provider’s address did not answer in time',
    ResultsUnavailable: 'the provider’s address answered with a server error',
    'States.Timeout': 'the assembly ran out of time',
    Interrupted: 'the scheduled check stopped each time before it had finished',
  },
  fr: {
    Error: 'l’adresse du prestataire était injoignable',
    AbortError: 'l’adresse du prestataire n’a pas répondu à temps',
    TimeoutError: 'l’adresse du prestataire n’a pas répondu à temps',
    ResultsUnavailable: 'l’adresse du prestataire a répondu par une erreur serveur',
    'States.Timeout': 'la préparation a manqué de temps',
    Interrupted: 'la vérification planifiée s’est arrêtée chaque fois avant d’avoir fini',
  },
};

/** A name the console has no words for: nothing says it was a provider's doing. */
const SERVICE_ERROR = { en: (name) => `a service error (${name})`, fr: (name) => `une erreur de service (${name})` };

/**
 * The sentences, by whether the name is known (`error` in words) or not (`error` a service error):
 * an unknown one says when before what, so that its name's parentheses stand apart from the time's.
 * `who`: the providers whose results could not be fetched, by name ('' when none is named); `many`
 * when more than one.
 */
const SENTENCES = {
  en: {
    notAssembled: ({ at, error, who, many }, known) =>
      `${known ? `${who ? `The results held by ${who}` : 'A provider’s results'} could not be fetched, even after the retries: ${error} (${at})` : `${who ? `The results held by ${who} could not be fetched` : 'The copy could not be made'} (${at}), even after the retries: ${error}`}. Nothing is sent to the requester: retry the copy${known || who ? ` once ${many ? 'the providers' : 'the provider'} can give them` : ''}, or deny or cancel the request.`,
    remakeFailed: ({ at, error, who, many, tries, since }, known) => {
      const times = `in ${tries} ${tries > 1 ? 'tries' : 'try'} since it was asked (${since})`;
      const fetched = `the results held by ${who} could not be fetched`;
      const what = known ? `Could not be made again (${at}): ${who ? fetched : 'the scheduled check could not make it'} (${error}), ${times}` : `Could not be made again (${at}), ${times}: ${who ? `${fetched}, ` : ''}${error}`;
      return `${what}. Nothing is sent to the requester: make the copy again${who ? ` once ${many ? 'the providers' : 'the provider'} can give them` : ''}, or tell the requester their copy is delayed, and why.`;
    },
  },
  fr: {
    notAssembled: ({ at, error, who, many }, known) =>
      `${known ? `${who ? `Les résultats détenus par ${who}` : 'Les résultats d’un prestataire'} n’ont pas pu être récupérés, même après les nouvelles tentatives : ${error} (${at})` : `${who ? `Les résultats détenus par ${who} n’ont pas pu être récupérés` : 'La copie n’a pas pu être préparée'} (${at}), même après les nouvelles tentatives : ${error}`}. Rien n’est envoyé au demandeur : relancez la copie${known || who ? ` quand ${many ? 'les prestataires peuvent' : 'le prestataire peut'} les fournir` : ''}, ou refusez ou annulez la demande.`,
    remakeFailed: ({ at, error, who, many, tries, since }, known) => {
      const times = `en ${tries} essai${tries > 1 ? 's' : ''} depuis la demande (${since})`;
      const fetched = `les résultats détenus par ${who} n’ont pas pu être récupérés`;
      const what = known ? `N’a pas pu être refaite (${at}) : ${who ? fetched : 'la vérification planifiée n’a pas pu la préparer'} (${error}), ${times}` : `N’a pas pu être refaite (${at}), ${times} : ${who ? `${fetched}, ` : ''}${error}`;
      return `${what}. Rien n’est envoyé au demandeur : refaites la copie${who ? ` quand ${many ? 'les prestataires peuvent' : 'le prestataire peut'} les fournir` : ''}, ou prévenez le demandeur que sa copie est retardée, et pourquoi.`;
    },
  },
};

/** `f` with its error's name in words, and whether the console knows it (a name is no key of Object's prototype). */
function said(lang, f) {
  const known = typeof f.error === 'string' && Object.hasOwn(FAILURES[lang], f.error);
  return [{ ...f, error: known ? FAILURES[lang][f.error] : SERVICE_ERROR[lang](f.error) }, known];
}

/** Why a copy could not be assembled, and what the officer can do: `at` and `error` as recorded, `who` and `many` as SENTENCES says. */
export const notAssembledWords = (lang, f) => SENTENCES[lang].notAssembled(...said(lang, f));

/** Why the sweeper gave up making a held copy's package again, after `tries` since it was asked (`since`), and what the officer can do. */
export const remakeFailedWords = (lang, f) => SENTENCES[lang].remakeFailed(...said(lang, f));
