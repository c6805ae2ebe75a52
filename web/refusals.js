// Why the admin API refused an officer's action, in the console's language. The server's `message`
// is English, for API clients; a refusal also carries a stable code (`reason`, listed in
// functions/core/errors.ts REFUSAL_REASONS; else its error's name), and a 400 names each field it
// refuses (`issues[].path`). The console words both itself: a field by what its own form asked there.

/** Each refusal by its code: lower case, said after "The action did not go through:" (or on its own, capitalised). */
export const REFUSALS = {
  en: {
    request_status: 'this request’s status no longer allows it: the page now shows it as it is.',
    task_status: 'this task’s status no longer allows it: the page now shows it as it is.',
    concurrent_update: 'the request was changing at the same moment. Try again.',
    extend_status: 'this request cannot be extended in its current status.',
    extend_once: 'the deadline has already been extended once.',
    extend_objection: 'an objection cannot be extended: it takes effect at once (Art. 21(3)), with nothing to extend for.',
    extend_late: 'the original deadline has passed: it can no longer be extended.',
    pause_status: 'the clock of this request cannot be stopped in its current status.',
    pause_not_copy: 'the clock stops only while a clarification of a request for a copy is awaited, not for another type of request.',
    pause_stopped: 'the clock is already stopped.',
    pause_late: 'the deadline has passed: a clock that has run out cannot be stopped. Answer the request, or refuse it.',
    resume_not_stopped: 'the clock is not stopped.',
    resume_closed: 'this request is closed: it has no clock to restart.',
    lift_not_restriction: 'only a restriction can be lifted.',
    lift_not_in_place: 'a restriction can be lifted once it is in place (its request completed).',
    lift_once: 'this restriction is already being lifted.',
    lift_no_contact: 'the requester’s contact data is no longer held, so they cannot be told before the restriction is lifted (Art. 18(3)). Tell them another way, then lift it with each processor.',
    resend_no_contact: 'the requester’s contact data is no longer held.',
    resend_copy_erased: 'this copy was deleted when the requester’s erasure was completed: there is nothing to send.',
    resend_status: 'there is nothing to resend for a request in this status.',
    being_sent: (b, time) => `this email is being sent automatically right now. If it has not gone by ${time(b.until)}, resend it then.`,
    notes_full: 'a request keeps at most 50 notes.',
    agent_none: 'this request was not made by an agent.',
    agent_status: 'an agent’s contact details are shown only while their authority waits to be checked.',
    agent_no_contact: 'no contact details are kept for this agent.',
    reassemble_none: 'no copy of data waits to be assembled again on this request.',
    release_none: 'no copy of data waits for release on this request.',
    package_gone: 'this copy is no longer kept, or will not be within a day (its package is deleted 30 days after it was made): releasing it would send the requester a download link that does not work. Make it again first.',
    package_kept: 'this copy’s package is still kept: look at it and release it.',
    results_gone: 'this copy cannot be made again: the processors’ results it was made from are no longer kept (120 days after they were sent). Tell the requester to make a new request for a copy.',
    resolve_waiting: 'this task still waits for its processor’s answer: it can be resolved once it has failed or timed out.',
    resolve_closed: 'a task of a closed request cannot be resolved.',
    retry_status: 'only a task that failed or timed out can be retried.',
    retry_removed: 'this processor is no longer in the processor registry, so its webhook cannot be sent again. Have whoever now holds its data act, then resolve the task.',
    retry_manual: 'only an automated processor can be retried.',
    retry_closed: 'a task of a closed request cannot be sent again.',
    retry_closed_meanwhile: 'the request was refused or cancelled while the retry was being made: its processor was sent nothing.',
    complaint_acknowledged: 'this complaint’s receipt is already acknowledged.',
    complaint_responded: 'this complaint has already been responded to.',
    // Refusals known by their error's name.
    // Said after "The action did not go through:", by the name of the processor whose Retry was pressed (`who`).
    RetryFailed: (_body, _time, who) => `${who ?? 'the processor'} still did not accept the webhook, so its task is failed again. Retry it later, or resolve it.`,
    MailFailed: 'the mail service did not take the email: it stays owed, and is sent automatically within 15 minutes.',
    Forbidden: 'only an officer can do this.',
    NotFound: 'what it is about was not found. Reload the page.',
    PayloadTooLarge: 'what was typed is too long to be sent. Shorten it, then try again.',
    IdempotencyKeyReused: (b) =>
      `this form was sent before with other details. Nothing new was logged: to log what it says now as another request, press “Log the request” again.${b.requestId ? ' The request logged when it was first sent:' : ' What it was first sent with may still be being logged: look for it in the list.'}`,
  },
  fr: {
    request_status: 'l’état de cette demande ne le permet plus : la page la montre maintenant telle qu’elle est.',
    task_status: 'l’état de cette tâche ne le permet plus : la page la montre maintenant telle qu’elle est.',
    concurrent_update: 'la demande changeait au même moment. Réessayez.',
    extend_status: 'cette demande ne peut pas être prolongée dans son état actuel.',
    extend_once: 'le délai a déjà été prolongé une fois.',
    extend_objection: 'une opposition ne peut pas être prolongée : elle prend effet immédiatement (art. 21(3)), sans rien à prolonger.',
    extend_late: 'l’échéance initiale est passée : le délai ne peut plus être prolongé.',
    pause_status: 'le délai de cette demande ne peut pas être suspendu dans son état actuel.',
    pause_not_copy: 'le délai n’est suspendu que dans l’attente d’une précision sur une demande de copie des données, pas pour un autre type de demande.',
    pause_stopped: 'le délai est déjà suspendu.',
    pause_late: 'l’échéance est passée : un délai écoulé ne peut pas être suspendu. Répondez à la demande, ou refusez-la.',
    resume_not_stopped: 'le délai n’est pas suspendu.',
    resume_closed: 'cette demande est close : elle n’a plus de délai à reprendre.',
    lift_not_restriction: 'seule une limitation peut être levée.',
    lift_not_in_place: 'une limitation ne peut être levée qu’une fois en place (sa demande terminée).',
    lift_once: 'cette limitation est déjà en cours de levée.',
    lift_no_contact: 'les coordonnées du demandeur ne sont plus conservées : il ne peut pas être prévenu avant la levée de la limitation (art. 18(3)). Prévenez-le autrement, puis levez-la auprès de chaque prestataire.',
    resend_no_contact: 'les coordonnées du demandeur ne sont plus conservées.',
    resend_copy_erased: 'cette copie a été supprimée quand l’effacement demandé a été traité : il n’y a rien à envoyer.',
    resend_status: 'il n’y a rien à renvoyer pour une demande dans cet état.',
    being_sent: (b, time) => `cet e-mail est en cours d’envoi automatique. S’il n’est pas parti à ${time(b.until)}, renvoyez-le à ce moment-là.`,
    notes_full: 'une demande garde au plus 50 notes.',
    agent_none: 'cette demande n’a pas été faite par un représentant.',
    agent_status: 'les coordonnées d’un représentant ne sont montrées que tant que son mandat attend d’être vérifié.',
    agent_no_contact: 'aucune coordonnée n’est conservée pour ce représentant.',
    reassemble_none: 'aucune copie des données n’attend d’être préparée à nouveau sur cette demande.',
    release_none: 'aucune copie des données n’attend d’être libérée sur cette demande.',
    package_gone: 'cette copie n’est plus conservée, ou ne le sera plus d’ici un jour (son paquet est supprimé 30 jours après sa préparation) : la libérer enverrait au demandeur un lien de téléchargement qui ne fonctionne pas. Refaites-la d’abord.',
    package_kept: 'le paquet de cette copie est encore conservé : vérifiez-la, puis libérez-la.',
    results_gone: 'cette copie ne peut plus être refaite : les résultats des prestataires dont elle était faite ne sont plus conservés (120 jours après leur envoi). Dites au demandeur de faire une nouvelle demande de copie.',
    resolve_waiting: 'cette tâche attend encore la réponse de son prestataire : elle pourra être résolue une fois en échec ou sans réponse à temps.',
    resolve_closed: 'une tâche d’une demande close ne peut pas être résolue.',
    retry_status: 'seule une tâche en échec ou sans réponse à temps peut être relancée.',
    retry_removed: 'ce prestataire n’est plus dans le registre des prestataires : son webhook ne peut pas être renvoyé. Demandez à qui détient désormais ses données d’agir, puis résolvez la tâche.',
    retry_manual: 'seul un prestataire automatisé peut être relancé.',
    retry_closed: 'une tâche d’une demande close ne peut pas être relancée.',
    retry_closed_meanwhile: 'la demande a été refusée ou annulée pendant la relance : rien n’a été envoyé à son prestataire.',
    complaint_acknowledged: 'la réception de cette réclamation est déjà accusée.',
    complaint_responded: 'cette réclamation a déjà reçu une réponse.',
    RetryFailed: (_body, _time, who) => `${who ?? 'le prestataire'} n’a toujours pas accepté le webhook, sa tâche est donc de nouveau en échec. Relancez-la plus tard, ou résolvez-la.`,
    MailFailed: 'le service d’e-mail n’a pas pris l’e-mail : il reste dû, et part automatiquement d’ici 15 minutes.',
    Forbidden: 'seul un responsable peut faire cela.',
    NotFound: 'ce qu’elle vise est introuvable. Rechargez la page.',
    PayloadTooLarge: 'le texte saisi est trop long pour être envoyé. Raccourcissez-le, puis réessayez.',
    IdempotencyKeyReused: (b) =>
      `ce formulaire a déjà été envoyé avec d’autres informations. Rien de nouveau n’a été enregistré : pour enregistrer ce qu’il dit maintenant comme une autre demande, appuyez de nouveau sur « Enregistrer la demande ».${b.requestId ? ' La demande enregistrée lors du premier envoi :' : ' Le premier envoi est peut-être encore en cours d’enregistrement : cherchez-le dans la liste.'}`,
  },
};

/**
 * What each form of the console asks in a field, by `<form>.<path>` (the path as the server's 400
 * names it; a nested path is said by its field's words): the same name means another thing in
 * another form (a reason typed for an extension, chosen for a cancellation).
 */
export const FIELDS = {
  en: {
    'extend.reason': 'the reason for the extension needs at least 3 characters, and at most 1,000.',
    'deny.reason': 'choose a reason for the refusal that fits this request, from the list.',
    'deny.note': 'the explanation for the requester can have at most 1,000 characters.',
    'cancel.reason': 'choose the reason for the cancellation from the list.',
    'pause.needed': 'say what the requester must tell us in at least 10 characters, and at most 1,000.',
    'resume.answeredOn': 'the day the requester’s answer was received must be a date from the day the clock stopped to today (London dates).',
    'approve.corrections': 'give at least one corrected value, each of at most 500 characters.',
    'approve.uncorrected': 'what you do not correct, and why, can have at most 1,000 characters.',
    'lift.reason': 'choose why the restriction is lifted from the list.',
    'lift.liftOn': 'the date the restriction is lifted from must be a London date from tomorrow to a year from today.',
    'lift.note': 'your words to the requester need at least 10 characters when the reason is “other”, and at most 1,000.',
    'resolve.outcome': 'choose an outcome from the list.',
    'resolve.note': 'the note needs at least 3 characters, and at most 2,000.',
    'resolve.basis': 'choose a legal basis from the list; not the lifetime warranty when the requester asked for their lifetime-warranty purchases to be erased too.',
    'resolve.until': 'the date it is kept until must be after today.',
    'owner.owner': 'an officer’s user name has only letters, digits and . _ @ + -, at most 64 of them.',
    'note.text': 'a note needs at least 3 characters, and at most 2,000.',
    'respond.outcome': 'the outcome needs at least 3 characters, and at most 500.',
    'search.q': 'type a request’s reference, an email address or an order number.',
    'list.dueAfter': '“Due from” must be a date.',
    'list.dueBefore': '“Due until” must be a date, on or after “Due from”.',
    'report.from': '“From” must be a date.',
    'report.to': '“To” must be a date, on or after “From”.',
    'log.request.type': 'choose the type of request.',
    'log.request.email': 'enter the email address of the shop account in full, like name@example.com, in at most 254 characters.',
    'log.request.name': 'the name can have at most 200 characters.',
    'log.request.orderNumber': 'an order number has only letters, digits and dashes, at most 40 of them.',
    'log.request.language': 'choose the requester’s language.',
    'log.request.eraseWarranty': 'the lifetime-warranty choice is for an erasure only.',
    'log.request.rectification': 'say what is wrong (at most 200 characters) and what it should be (at most 2,000).',
    'log.request.objections': 'choose at least one use objected to.',
    'log.channel': 'choose how the request came.',
    'log.receivedOn': 'the day it was received must be a London date from three months back to today.',
    'log.identityCheck': 'choose how you checked the identity.',
    'log.agent.proof': 'choose the proof of authority you reviewed.',
    'log.agent': 'choose who they are to the person, or no proof if nobody acts for them.',
  },
  fr: {
    'extend.reason': 'la raison de la prolongation doit compter au moins 3 caractères, et 1 000 au plus.',
    'deny.reason': 'choisissez dans la liste une raison du refus qui convient à cette demande.',
    'deny.note': 'l’explication pour le demandeur peut compter 1 000 caractères au plus.',
    'cancel.reason': 'choisissez dans la liste la raison de l’annulation.',
    'pause.needed': 'dites ce que le demandeur doit nous préciser en 10 caractères au moins, et 1 000 au plus.',
    'resume.answeredOn': 'le jour de réception de la réponse du demandeur doit être une date entre le jour où le délai a été suspendu et aujourd’hui (dates de Londres).',
    'approve.corrections': 'donnez au moins une valeur corrigée, de 500 caractères au plus chacune.',
    'approve.uncorrected': 'ce que vous ne corrigez pas, et pourquoi, peut compter 1 000 caractères au plus.',
    'lift.reason': 'choisissez dans la liste pourquoi la limitation est levée.',
    'lift.liftOn': 'la date de levée doit être une date de Londres entre demain et dans un an.',
    'lift.note': 'vos mots au demandeur doivent compter au moins 10 caractères quand la raison est « autre », et 1 000 au plus.',
    'resolve.outcome': 'choisissez un résultat dans la liste.',
    'resolve.note': 'la note doit compter au moins 3 caractères, et 2 000 au plus.',
    'resolve.basis': 'choisissez une base légale dans la liste ; pas la garantie à vie quand le demandeur a demandé l’effacement de ses achats garantis à vie.',
    'resolve.until': 'la date de fin de conservation doit être après aujourd’hui.',
    'owner.owner': 'un nom d’utilisateur ne contient que des lettres, des chiffres et . _ @ + -, 64 au plus.',
    'note.text': 'une note doit compter au moins 3 caractères, et 2 000 au plus.',
    'respond.outcome': 'le résultat doit compter au moins 3 caractères, et 500 au plus.',
    'search.q': 'saisissez la référence d’une demande, une adresse e-mail ou un numéro de commande.',
    'list.dueAfter': '« Échéance à partir du » doit être une date.',
    'list.dueBefore': '« Échéance jusqu’au » doit être une date, au plus tôt celle de « Échéance à partir du ».',
    'report.from': '« Du » doit être une date.',
    'report.to': '« Au » doit être une date, au plus tôt celle de « Du ».',
    'log.request.type': 'choisissez le type de demande.',
    'log.request.email': 'saisissez l’adresse e-mail complète du compte client, par exemple nom@exemple.fr, en 254 caractères au plus.',
    'log.request.name': 'le nom peut compter 200 caractères au plus.',
    'log.request.orderNumber': 'un numéro de commande ne contient que des lettres, des chiffres et des tirets, 40 au plus.',
    'log.request.language': 'choisissez la langue du demandeur.',
    'log.request.eraseWarranty': 'le choix de la garantie à vie ne vaut que pour un effacement.',
    'log.request.rectification': 'dites ce qui est inexact (200 caractères au plus) et ce qu’il faudrait mettre à la place (2 000 au plus).',
    'log.request.objections': 'choisissez au moins une utilisation refusée.',
    'log.channel': 'choisissez comment la demande est arrivée.',
    'log.receivedOn': 'le jour de réception doit être une date de Londres entre il y a trois mois et aujourd’hui.',
    'log.identityCheck': 'choisissez comment vous avez vérifié l’identité.',
    'log.agent.proof': 'choisissez la preuve du mandat que vous avez vérifiée.',
    'log.agent': 'choisissez son lien avec la personne, ou aucune preuve si personne n’agit pour elle.',
  },
};

/** A refusal the console has no words for: in French by its HTTP status, since its message is English. */
const UNKNOWN = {
  fr: (status) => (status >= 500 ? `le serveur n’a pas pu le faire (HTTP ${status}). Réessayez dans quelques minutes.` : `le serveur a refusé (HTTP ${status}). Rechargez la page, puis réessayez si besoin.`),
};
/** A field of a form the console has no words for (the server's English is kept in English only). */
const UNKNOWN_FIELD = { fr: 'cette valeur n’a pas été acceptée.' };

/** A dictionary's own entry: a code the server sends is no key of Object's prototype. */
const own = (words, code) => (typeof code === 'string' && Object.hasOwn(words, code) ? words[code] : undefined);

/** The words for the field `path` of the form `kind`, or of its nearest parent field; none when the form does not know it. */
export function fieldWords(lang, kind, path) {
  const parts = `${kind}.${path}`.split('.');
  for (let n = parts.length; n > 1; n--) {
    const words = own(FIELDS[lang], parts.slice(0, n).join('.'));
    if (words) return words;
  }
  return undefined;
}

/** One field a 400 names, said beside it: the form's words, else the server's in English, else a French sentence. */
export const issueWords = (lang, kind, issue) => fieldWords(lang, kind, issue.path) ?? (lang === 'en' ? issue.message : UNKNOWN_FIELD[lang]);

/**
 * A refusal (`status` and the JSON `body` of the answer) of what the form `kind` asked, in `lang`;
 * `time` says an instant in the officer's words; `about`, the name of what the action was about (a
 * task's processor). English falls back to the server's sentence, as the console said it before it
 * had words of its own; French to one naming the HTTP status.
 */
export function refusalWords(lang, { status, body }, kind, time = (at) => at, about = undefined) {
  const issues = Array.isArray(body.issues) ? body.issues : [];
  const english = () => [body.message ?? `HTTP ${status}`, ...issues.map((i) => `${i.path}: ${i.message}`)].join(' — ');
  if (status === 400 && issues.length) {
    const words = issues.map((i) => fieldWords(lang, kind, i.path));
    const unknown = words.some((w) => !w);
    if (unknown && lang === 'en') return english();
    return [...new Set(words.filter(Boolean)), ...(unknown ? [UNKNOWN[lang](status)] : [])].join(' ');
  }
  const known = own(REFUSALS[lang], body.reason) ?? own(REFUSALS[lang], body.error);
  if (known) return typeof known === 'function' ? known(body, time, about) : known;
  return lang === 'en' ? english() : UNKNOWN[lang](status);
}
