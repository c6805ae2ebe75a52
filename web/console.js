// The compliance console: no framework, the admin API, and the same look as the form.
import { fieldWords, issueWords, refusalWords } from './refusals.js';
import { notAssembledWords, remakeFailedWords } from './failures.js';
import { actorWords } from './actors.js';

const T = {
  en: {
    console: 'Compliance console', wideTable: 'Table: scroll sideways for more columns', signIn: 'Sign in', signOut: 'Sign out', dashboard: 'Dashboard',
    signInHelp: 'Sign in with your compliance team account and the code from your authenticator app.', sessionEnded: 'Your session ended: sign in again. What you last did was not recorded.', signInFailed: 'Sign-in did not complete. Try again.', signedInAs: (u) => `Signed in as ${u}`,
    overdue: 'Overdue', dueSoon: 'Due in the next 7 days', escalated: 'Escalated tasks waiting for a human', mailFailed: 'Mail failed', mailFailedAt: (what, at) => `The ${what} could not be sent (${at}).`, noticeFailedAt: (what, at) => `The ${what} to the requester could not be sent (${at}). It is tried again automatically every 15 minutes until it goes.`, mailKinds: { confirmation: 'confirmation email', outcome: 'outcome email', escalation: 'team’s escalation email', reminder: 'team’s deadline reminder', review: 'team’s email that a request waits for an officer' }, noticeKinds: { clarification: 'request for a clarification', extension: 'extension notice', refusal: 'refusal notice', cancellation: 'cancellation notice', lift: 'notice that the restriction will be lifted' }, notAssembled: 'The copy could not be assembled', held: 'Copy held for review', heldBy: (who) => `A processor flagged other people’s data in this copy (${who}): nothing is sent to the requester until an officer releases it.`, heldPackage: 'Its package', heldGone: (until) => `Not kept long enough to release the copy: kept until ${until} at most (a package is deleted 30 days after it is made). Make it again from the processors’ results, then look at it and release it.`, heldRemaking: (by, at) => `Being made again from the processors’ results, as ${by} asked (${at}): the scheduled check, every 15 minutes, makes it. Then look at it and release it.`, open: 'Open requests', scorecard: 'Processors',
    back: '← Dashboard', request: 'Request', tasks: 'Processors', timeline: 'Execution timeline', audit: 'Audit trail', confirm: 'Confirm', cancel: 'Go back',
    none: 'Nothing here.', days: (n) => (n === -1 ? '1 day late' : n < 0 ? `${-n} days late` : n === 0 ? 'due today' : n === 1 ? '1 day left' : `${n} days left`),
    cols: { id: 'Request', type: 'Type', status: 'Status', due: 'Due', left: 'Countdown', processor: 'Processor', category: 'Category', action: 'Action', open: 'Open', median: 'Median callback', failures: 'Failures', timeouts: 'Time-outs', why: 'Why', attempts: 'Deliveries', last: 'Last delivery', actions: 'Actions', owner: 'Owner', requestsN: 'Requests', completed: 'Completed', medianTime: 'Median', p95: '95th percentile', tasksN: 'Tasks', answered: 'Answered' },
    act: { pause: 'Stop the clock', resume: 'Restart the clock', approve: 'Approve the correction', approveAgent: 'Approve: the authority is proven', extend: 'Extend deadline', deny: 'Deny', cancel: 'Cancel request', resolve: 'Resolve', retry: 'Retry', resend: 'Resend email', reassemble: 'Retry the copy', release: 'Release the copy', preview: 'See the held copy', remake: 'Make the copy again', lift: 'Lift the restriction' },
    ask: { approveAgent: 'Approve this request? Check the agent’s proof of authority first: the request then starts.', pause: 'Ask the requester for a clarification of their request for a copy? The one-month clock stops until you restart it.', resume: 'Restart the clock? The deadline moves by the whole days it was stopped, up to the day the requester’s answer was received (the time limit runs again from that day, whenever you restart it). If it was extended, the requester is told the new deadline.', approve: 'Write each corrected value as it should be, and only the fields the requester asked to correct. Each processor then receives only the fields it holds; leave the others empty.', extend: 'Extend the deadline by two months? The requester is told, with your reason. This can be done once.', deny: 'Deny this request? The workflow stops; the requester is told why and how to complain.', cancel: 'Cancel this request? The workflow stops; the requester is told why and how to complain.', resolve: 'Record how this task was handled. The workflow then continues.', retry: 'Send the webhook to this processor again?', resend: 'Send the requester their last email again (the confirmation link, or the outcome)?', reassemble: 'Assemble the copy again? The providers’ results are fetched again; if they still cannot be, the request waits again and the team is told.', release: 'Release this copy to the requester? Check first that what it holds about other people may be disclosed: the request then completes and the download link is mailed.', remake: 'Make this copy again from the processors’ results? The scheduled check makes it within 15 minutes; nothing is sent to the requester. Then look at it and release it.', lift: 'Lift this restriction? The requester is emailed now: from what date, why, and how to object before then or complain. This can be done once. Lethe tells the processors nothing: from that date, lift it with each of them yourself.' },
    searchLabel: 'Find a request: reference, email address or order number', find: 'Find', found: (n) => (n === 1 ? '1 request found' : `${n} requests found`), processorLabel: 'Processor', escalatedLabel: 'Escalated', dueAfter: 'Due from', dueBefore: 'Due until', anyProcessor: 'All processors', either: 'Either', yes: 'Yes', no: 'No', groups: { open: 'Open requests', closed: 'Closed requests', all: 'All requests' },
    receivedAt: 'Received', verifiedAt: 'Confirmed (clock started)',
    ownerTitle: 'Owner', ownerLabel: 'Officer’s user name', assign: 'Assign', notOwned: 'No owner yet', owner: 'Owner', notesTitle: 'Internal notes', notesHint: 'For the team only: never sent to the requester.', noteLabel: 'New note', addNote: 'Add note', noNotes: 'No notes yet.', noteBy: (who, at) => `${who}, ${at}`,
    pausedSince: (at, needed) => `Clock stopped since ${at}: waiting for the requester to tell us ${needed ? `“${needed}”` : 'what is needed'}.`, pausedQuestionGone: (at) => `Clock stopped since ${at}: waiting for the requester’s answer to the question we emailed them; its words went with their contact data, erased on schedule.`, needed: 'What we need from the requester (they are told, and the clock stops until they answer)', answeredOn: 'Day the requester’s answer was received', denyNote: 'Explanation for the requester (optional; sent with the refusal)', uncorrected: 'What the requester asked that you do not correct, and why (optional; sent with the outcome, which tells them how to complain)',
    report: 'SLA report', reportHelp: 'Requests received in the period, closed ones included; processors over every task of those requests.', from: 'From', to: 'To', downloadCsv: 'Download CSV', downloadAudit: 'Download the audit trail (CSV)', byType: 'Time to complete, by type', processorScorecard: 'Processors, over all tasks', scorecardHint: 'Tasks out now; callback time over each processor’s latest 200 answers; the report has every task of a period.',
    onTimeRate: 'On time', received: 'Received', late: 'Late', noRate: 'no deadline yet', noneAnswered: 'no request completed yet', hours: (n) => (n === null ? '—' : n < 1 ? `${Math.round(n * 60)} min` : n < 48 ? `${num(n)} h` : `${num(n / 24)} days`), seconds: (n) => (n === null ? '—' : n < 60 ? `${num(n)} s` : T.en.hours(n / 3600)),
    requests: 'Requests', statusLabel: 'Status', typeLabel: 'Type', overdueOnly: 'Overdue only', show: 'Show', nextPage: 'Next page', findLabel: 'Open a request by its reference', openRequest: 'Open', allOpen: 'All open requests', allTypes: 'All types',
    wrong: 'What is wrong (the requester’s words)', should: 'What it should be (the requester’s words)', corrected: 'Corrections approved', warranty: 'Lifetime-warranty purchases', warrantyErased: 'Erased too, as the requester asked: no warranty claim can be honoured afterwards', warrantyKept: 'Kept: the warranty’s proof of purchase', fields: { name: 'Name', email: 'Email address', postal_address: 'Postal address', phone: 'Phone number' },
    reason: 'Reason', outcome: 'Outcome', note: 'Note', taskNote: 'Note (for the team; never sent to the requester)', basis: 'Legal basis for keeping it', until: 'Kept until', retainedHelp: 'The requester is told this basis and date (a lifetime warranty needs none: it has no end).', closedOn: 'Closed on', noticeOwed: 'Done. The email to the requester could not be sent just now: it will be sent automatically within 15 minutes. Do not do it again.', workflowOwed: 'Done. The workflow could not be told just now: it is told automatically within 15 minutes. Do not do it again.', webhookOwed: 'Done. The webhook could not be sent just now: it is sent automatically within 15 minutes. Do not retry it again.', clockStopped: 'Clock stopped', extendedOn: (at, due, reason) => `Extended on ${at} to ${due}: ${reason}`, objectionNotExtended: 'An objection takes effect at once: its deadline cannot be extended (Art. 21(3)).',
    failed: 'The action did not go through:', pageFailed: 'This page could not be shown', noServer: 'the server did not answer. Check the connection, then try again.', serverFailed: 'something went wrong on our side. Try again in a few minutes.', attempts: (n) => (n === 1 ? '1 attempt' : `${n} attempts`), timeNotRecorded: 'time not recorded', accepted: 'accepted (HTTP 2xx)', handedOver: 'Given to the team: a person does it', orderNotConfirmed: '(the order number typed is not an order of this address, by the shop’s account service: it went to no processor)', removedProcessor: 'No longer in the processor registry: it cannot be retried. Ask whoever now holds the data to act, then resolve the task.', noAnswer: (e) => `no answer (${e})`,
    statuses: { unverified: 'Waiting for confirmation', awaiting_review: 'To review (a correction, an agent’s authority)', verified: 'Confirmed', in_progress: 'In progress', awaiting_manual: 'Waiting for a person', completed: 'Completed', denied: 'Denied', cancelled: 'Cancelled', expired: 'Expired' },
    taskStatuses: { pending: 'Not sent yet', sent: 'Sent, waiting for an answer', in_progress: 'Acknowledged, in progress', completed: 'Done', not_found: 'No data held', retained: 'Kept (legal hold)', failed: 'Failed', timed_out: 'No answer in time', resolved: 'Resolved by an officer' },
    types: { access: 'Copy of data', erasure: 'Erasure', rectification: 'Correction', objection: 'Objection', restrict: 'Restriction' },
    taskActions: { erase: 'Erase', export: 'Export', rectify: 'Correct', suppress: 'Stop using (objection)', restrict: 'Restrict (store only)' },
    categories: { shop: 'Our own systems', payments: 'Payments', delivery: 'Delivery', analytics: 'Analytics & advertising', email: 'Emails', collections: 'Debt collection', social: 'Social networks' },
    auditActions: { approve: 'Correction approved by an officer', link: 'Confirmation link sent', resend: 'Email sent again', verify: 'Confirmed by the requester', start: 'Work started', send: 'Webhook sent', delivery_failed: 'Webhook delivery failed', acknowledge: 'Acknowledged by the processor', completed: 'Done by the processor', not_found: 'Processor holds no data', retained: 'Kept by the processor (legal hold)', failed: 'Processor reported a failure', fail: 'Task failed', time_out: 'No answer in time', escalate: 'Escalated to the team', unblock: 'Back in progress', resolve: 'Resolved by an officer', retry: 'Webhook sent again by an officer', extend: 'Deadline extended', assign: 'Owner assigned', note: 'Internal note added', pause: 'Clock stopped', resume: 'Clock restarted', deny: 'Denied', cancel: 'Cancelled', export_assembled: 'Export package made', download: 'Export downloaded', log_request: 'Logged by an officer (phone, post, chat or email)', agent_contact_viewed: 'Agent’s contact details shown to an officer', renew_download: 'Fresh download link mailed', hold_export: 'Copy held: other people’s data', preview_export: 'Held copy looked at by an officer', release_export: 'Copy released by an officer', copy_erased: 'Copy deleted with the requester’s erasure', assembly_failed: 'Copy could not be assembled', retry_assembly: 'Copy retried by an officer', remake_export: 'Copy to be made again, asked by an officer', remake_dropped: 'Copy not made again: the processors’ results are no longer kept', remake_failed: 'Copy not made again: the scheduled check gave up, and told the team', lift_restriction: 'Restriction to be lifted: requester told', complete: 'Completed', conflicting_callback: 'Conflicting answer refused', 'reminder-7': 'Reminder: 7 days left', 'reminder-2': 'Reminder: 2 days left', overdue: 'Flagged overdue', 'execution-lost': 'Workflow found stopped', notice_unsent: 'Notice not sent: the requester’s contact data was erased on schedule', outcome_unsent: 'Outcome email not sent: the requester’s contact data was erased on schedule' },
    webhookTo: (p) => `Webhook to ${p}`,
    states: { Plan: 'Planning the tasks', ForEachTask: 'Sending to each processor', Dispatch: 'Webhook to a processor', Escalate: 'Escalated to the team', EscalateWithoutMail: 'Escalated to the team (its email not sent)', IsExport: 'Is it a copy of data?', Assemble: 'Assembling the copy', AssemblyFailed: 'Copy could not be assembled: waiting for an officer', Notify: 'Emailing the outcome', Done: 'Done', DoneOutcomeMailOwed: 'Done (the outcome email goes later)' },
    execution: { ExecutionStarted: 'Execution started', ExecutionSucceeded: 'Execution succeeded', ExecutionFailed: 'Execution failed', ExecutionAborted: 'Execution stopped', ExecutionTimedOut: 'Execution timed out' },
    reasons: { DispatchFailed: 'unreachable or server error on every attempt', DispatchRejected: 'refused with a client error', EndpointGone: 'endpoint gone (410), disabled', ProcessorFailed: 'processor reported a failure', 'States.Timeout': 'no answer before the time-out', 'States.HeartbeatTimeout': 'no answer or progress report in time', manual_processor: 'manual processor: a person does the work' },
    cancelReasons: { withdrawn_by_requester: 'Withdrawn by the requester', duplicate_request: 'Duplicate of another request' }, processorWords: 'Processor’s words',
    liftReasons: { accuracy_verified: 'the accuracy was checked (Art. 18(1)(a))', objection_decided: 'the objection was decided: our grounds override theirs (Art. 18(1)(d))', requester_asked: 'the requester asked for it to be lifted', other: 'other: say why in the note' },
    liftReason: 'Why it is lifted', liftOn: 'Lifted from (London date)', liftNote: 'Your words to the requester (needed for “other”)', restriction: 'Restriction', restrictionLift: (on, reason, past) => `${past ? 'Lifted since' : 'To be lifted from'} ${on}: ${reason}. The requester was told.`,
    denyReasons: { identity_not_verified: 'Identity not verified', manifestly_unfounded: 'Manifestly unfounded', excessive: 'Excessive', authority_not_shown: 'Agent’s authority not shown', data_accurate: 'Data checked and accurate' },
    agent: 'Made by an agent', agentContact: 'Agent’s contact details', showAgentContact: 'Show the agent’s contact details', agentContactNote: 'To ask them for their proof of authority. This look is recorded on the audit trail.', agentIs: (rel, proof) => `${rel}, who declares they hold ${proof}. Check that proof before approving.`, relationships: { solicitor: 'A solicitor', parent: 'A parent or guardian', attorney: 'An attorney', other: 'Another authorised person' }, proofs: { signed_authority: 'a signed letter of authority', power_of_attorney: 'a power of attorney', parental_responsibility: 'proof of parental responsibility', court_order: 'a court order' },
    outcomes: { completed: 'Done', not_found: 'No data held', retained: 'Kept (legal hold)' },
    bases: { accounting: 'Accounting records (legal duty)', lifetime_warranty: 'Lifetime warranty (customer’s choice)', legal_claims: 'Legal claims (establish, exercise, defend)', legal_obligation: 'Another legal obligation' },
  },
  fr: {
    console: 'Console de conformité', wideTable: 'Tableau : faire défiler sur le côté pour les autres colonnes', signIn: 'Se connecter', signOut: 'Se déconnecter', dashboard: 'Tableau de bord',
    signInHelp: 'Connectez-vous avec votre compte de l’équipe conformité et le code de votre application d’authentification.', sessionEnded: 'Votre session a pris fin : reconnectez-vous. Votre dernière action n’a pas été enregistrée.', signInFailed: 'La connexion n’a pas abouti. Réessayez.', signedInAs: (u) => `Connecté : ${u}`,
    overdue: 'En retard', dueSoon: 'Échéance dans les 7 jours', escalated: 'Tâches escaladées en attente d’une personne', mailFailed: 'Envoi d’e-mail échoué', mailFailedAt: (what, at) => `L’envoi ${what} a échoué (${at}).`, noticeFailedAt: (what, at) => `L’envoi ${what} au demandeur a échoué (${at}). Un nouvel essai est fait automatiquement toutes les 15 minutes, jusqu’à ce qu’il parte.`, mailKinds: { confirmation: 'de l’e-mail de confirmation', outcome: 'de l’e-mail de résultat', escalation: 'de l’e-mail d’escalade à l’équipe', reminder: 'du rappel d’échéance à l’équipe', review: 'de l’e-mail à l’équipe signalant une demande en attente d’un responsable' }, noticeKinds: { clarification: 'de la demande de précision', extension: 'de l’avis de prolongation', refusal: 'de l’avis de refus', cancellation: 'de l’avis d’annulation', lift: 'de l’avis de levée de la limitation' }, notAssembled: 'La copie n’a pas pu être préparée', held: 'Copie retenue pour examen', heldBy: (who) => `Un prestataire a signalé des données d’autres personnes dans cette copie (${who}) : rien n’est envoyé au demandeur avant qu’un responsable la libère.`, heldPackage: 'Son paquet', heldGone: (until) => `Pas conservé assez longtemps pour libérer la copie : conservé jusqu’au ${until} au plus (un paquet est supprimé 30 jours après sa préparation). Refaites-la à partir des résultats des prestataires, puis vérifiez-la et libérez-la.`, heldRemaking: (by, at) => `En cours de préparation à partir des résultats des prestataires, à la demande de ${by} (${at}) : la vérification planifiée, toutes les 15 minutes, la prépare. Vérifiez-la ensuite, puis libérez-la.`, open: 'Demandes ouvertes', scorecard: 'Prestataires',
    back: '← Tableau de bord', request: 'Demande', tasks: 'Prestataires', timeline: 'Chronologie de l’exécution', audit: 'Journal d’audit', confirm: 'Confirmer', cancel: 'Retour',
    none: 'Rien ici.', days: (n) => (n === -1 ? '1 jour de retard' : n < 0 ? `${-n} jours de retard` : n === 0 ? 'échéance aujourd’hui' : n === 1 ? '1 jour restant' : `${n} jours restants`),
    cols: { id: 'Demande', type: 'Type', status: 'État', due: 'Échéance', left: 'Compte à rebours', processor: 'Prestataire', category: 'Catégorie', action: 'Action', open: 'Ouvertes', median: 'Délai médian', failures: 'Échecs', timeouts: 'Expirations', why: 'Raison', attempts: 'Livraisons', last: 'Dernière livraison', actions: 'Actions', owner: 'Responsable', requestsN: 'Demandes', completed: 'Terminées', medianTime: 'Médiane', p95: '95e centile', tasksN: 'Tâches', answered: 'Répondues' },
    act: { pause: 'Suspendre le délai', resume: 'Reprendre le délai', approve: 'Approuver la correction', approveAgent: 'Approuver : le mandat est prouvé', extend: 'Prolonger le délai', deny: 'Refuser', cancel: 'Annuler la demande', resolve: 'Résoudre', retry: 'Relancer', resend: 'Renvoyer l’e-mail', reassemble: 'Relancer la copie', release: 'Libérer la copie', preview: 'Voir la copie retenue', remake: 'Refaire la copie', lift: 'Lever la limitation' },
    ask: { approveAgent: 'Approuver cette demande ? Vérifiez d’abord la preuve du mandat du représentant : la demande démarre ensuite.', pause: 'Demander une précision au demandeur sur sa demande de copie ? Le délai d’un mois est suspendu jusqu’à sa reprise.', resume: 'Reprendre le délai ? L’échéance est reportée des jours entiers de suspension, jusqu’au jour où la réponse du demandeur a été reçue (le délai court de nouveau depuis ce jour, quel que soit le jour de la reprise). S’il a été prolongé, le demandeur est informé de la nouvelle date limite.', approve: 'Écrivez chaque valeur corrigée telle qu’elle doit être, et seulement les champs dont le demandeur a demandé la correction. Chaque prestataire ne reçoit que les champs qu’il détient ; laissez les autres vides.', extend: 'Prolonger le délai de deux mois ? Le demandeur est prévenu, avec votre raison. Possible une seule fois.', deny: 'Refuser cette demande ? Le traitement s’arrête ; le demandeur est informé de la raison et de ses recours.', cancel: 'Annuler cette demande ? Le traitement s’arrête ; le demandeur est informé de la raison et de ses recours.', resolve: 'Indiquez comment cette tâche a été traitée. Le traitement reprend ensuite.', retry: 'Renvoyer le webhook à ce prestataire ?', resend: 'Renvoyer au demandeur son dernier e-mail (le lien de confirmation, ou le résultat) ?', reassemble: 'Préparer la copie à nouveau ? Les résultats des prestataires sont récupérés à nouveau ; s’ils ne peuvent toujours pas l’être, la demande attend de nouveau et l’équipe est prévenue.', release: 'Libérer cette copie pour le demandeur ? Vérifiez d’abord que ce qu’elle contient sur d’autres personnes peut être communiqué : la demande est alors terminée et le lien de téléchargement envoyé.', remake: 'Refaire cette copie à partir des résultats des prestataires ? La vérification planifiée la prépare d’ici 15 minutes ; rien n’est envoyé au demandeur. Vérifiez-la ensuite, puis libérez-la.', lift: 'Lever cette limitation ? Le demandeur est prévenu maintenant par e-mail : à partir de quelle date, pourquoi, et comment s’y opposer d’ici là ou se plaindre. Possible une seule fois. Lethe ne prévient pas les prestataires : à partir de cette date, levez-la vous-même auprès de chacun.' },
    searchLabel: 'Trouver une demande : référence, adresse e-mail ou numéro de commande', find: 'Trouver', found: (n) => (n === 1 ? '1 demande trouvée' : `${n} demandes trouvées`), processorLabel: 'Prestataire', escalatedLabel: 'Escaladée', dueAfter: 'Échéance à partir du', dueBefore: 'Échéance jusqu’au', anyProcessor: 'Tous les prestataires', either: 'Indifférent', yes: 'Oui', no: 'Non', groups: { open: 'Demandes ouvertes', closed: 'Demandes closes', all: 'Toutes les demandes' },
    receivedAt: 'Reçue le', verifiedAt: 'Confirmée le (délai lancé)',
    ownerTitle: 'Responsable', ownerLabel: 'Nom d’utilisateur du responsable', assign: 'Attribuer', notOwned: 'Pas encore de responsable', owner: 'Responsable', notesTitle: 'Notes internes', notesHint: 'Pour l’équipe seulement : jamais envoyées au demandeur.', noteLabel: 'Nouvelle note', addNote: 'Ajouter la note', noNotes: 'Pas encore de note.', noteBy: (who, at) => `${who}, ${at}`,
    pausedSince: (at, needed) => `Délai suspendu depuis le ${at} : en attente de la réponse du demandeur${needed ? ` à « ${needed} »` : ''}.`, pausedQuestionGone: (at) => `Délai suspendu depuis le ${at} : en attente de la réponse du demandeur à la question que nous lui avons envoyée par e-mail ; ses termes ont été effacés avec ses coordonnées, comme prévu.`, needed: 'Ce dont nous avons besoin (le demandeur est prévenu, et le délai est suspendu jusqu’à sa réponse)', answeredOn: 'Jour de réception de la réponse du demandeur', denyNote: 'Explication pour le demandeur (facultative ; envoyée avec la raison)', uncorrected: 'Ce que le demandeur a demandé et que vous ne corrigez pas, et pourquoi (facultatif ; envoyé avec le résultat, qui indique comment se plaindre)',
    report: 'Rapport de délais', reportHelp: 'Demandes reçues sur la période, closes comprises ; prestataires sur toutes les tâches de ces demandes.', from: 'Du', to: 'Au', downloadCsv: 'Télécharger le CSV', downloadAudit: 'Télécharger le journal d’audit (CSV)', byType: 'Délai de traitement, par type', processorScorecard: 'Prestataires, sur toutes les tâches', scorecardHint: 'Tâches en cours maintenant ; délai de réponse sur les 200 dernières réponses de chaque prestataire ; le rapport couvre toutes les tâches d’une période.',
    onTimeRate: 'Dans les délais', received: 'Reçues', late: 'En retard', noRate: 'pas encore d’échéance', noneAnswered: 'aucune demande traitée pour l’instant', hours: (n) => (n === null ? '—' : n < 1 ? `${Math.round(n * 60)} min` : n < 48 ? `${num(n)} h` : `${num(n / 24)} jours`), seconds: (n) => (n === null ? '—' : n < 60 ? `${num(n)} s` : T.fr.hours(n / 3600)),
    requests: 'Demandes', statusLabel: 'État', typeLabel: 'Type', overdueOnly: 'En retard seulement', show: 'Afficher', nextPage: 'Page suivante', findLabel: 'Ouvrir une demande par sa référence', openRequest: 'Ouvrir', allOpen: 'Toutes les demandes ouvertes', allTypes: 'Tous les types',
    wrong: 'Ce qui est inexact (les mots du demandeur)', should: 'Ce qu’il faudrait mettre (les mots du demandeur)', corrected: 'Corrections approuvées', warranty: 'Achats garantis à vie', warrantyErased: 'Effacés aussi, à la demande du demandeur : aucune réclamation au titre de la garantie ne pourra plus être honorée', warrantyKept: 'Conservés : la preuve d’achat de la garantie', fields: { name: 'Nom', email: 'Adresse e-mail', postal_address: 'Adresse postale', phone: 'Téléphone' },
    reason: 'Raison', outcome: 'Résultat', note: 'Note', taskNote: 'Note (pour l’équipe ; jamais envoyée au demandeur)', basis: 'Base légale de la conservation', until: 'Conservé jusqu’au', retainedHelp: 'Le demandeur est informé de cette base et de cette date (aucune pour une garantie à vie, qui n’a pas de fin).', closedOn: 'Close le', noticeOwed: 'C’est fait. L’e-mail au demandeur n’a pas pu partir pour l’instant : il sera envoyé automatiquement d’ici 15 minutes. Ne recommencez pas.', workflowOwed: 'C’est fait. Le traitement n’a pas pu être prévenu pour l’instant : il le sera automatiquement d’ici 15 minutes. Ne recommencez pas.', webhookOwed: 'C’est fait. Le webhook n’a pas pu être envoyé pour l’instant : il le sera automatiquement d’ici 15 minutes. Ne relancez pas.', clockStopped: 'Délai suspendu', extendedOn: (at, due, reason) => `Prolongé le ${at} jusqu’au ${due} : ${reason}`, objectionNotExtended: 'Une opposition prend effet immédiatement : son délai ne peut pas être prolongé (art. 21(3)).',
    failed: 'L’action n’a pas abouti :', pageFailed: 'Cette page n’a pas pu être affichée', noServer: 'le serveur n’a pas répondu. Vérifiez la connexion, puis réessayez.', serverFailed: 'une erreur s’est produite de notre côté. Réessayez dans quelques minutes.', attempts: (n) => (n === 1 ? '1 tentative' : `${n} tentatives`), timeNotRecorded: 'heure non enregistrée', accepted: 'acceptée (HTTP 2xx)', handedOver: 'Confiée à l’équipe : une personne s’en charge', orderNotConfirmed: '(le numéro de commande saisi n’est pas une commande de cette adresse selon le service des comptes de la boutique : il n’a été envoyé à aucun prestataire)', removedProcessor: 'N’est plus dans le registre des prestataires : la tâche ne peut pas être relancée. Demandez à qui détient désormais les données d’agir, puis résolvez la tâche.', noAnswer: (e) => `pas de réponse (${e})`,
    statuses: { unverified: 'En attente de confirmation', awaiting_review: 'À relire (correction, mandat d’un représentant)', verified: 'Confirmée', in_progress: 'En cours', awaiting_manual: 'En attente d’une personne', completed: 'Terminée', denied: 'Refusée', cancelled: 'Annulée', expired: 'Expirée' },
    taskStatuses: { pending: 'Pas encore envoyée', sent: 'Envoyée, en attente de réponse', in_progress: 'Reçue, en cours', completed: 'Faite', not_found: 'Aucune donnée détenue', retained: 'Conservée (obligation légale)', failed: 'Échec', timed_out: 'Pas de réponse à temps', resolved: 'Résolue par un responsable' },
    types: { access: 'Copie des données', erasure: 'Effacement', rectification: 'Correction', objection: 'Opposition', restrict: 'Limitation' },
    taskActions: { erase: 'Effacer', export: 'Exporter', rectify: 'Corriger', suppress: 'Cesser l’utilisation (opposition)', restrict: 'Limiter (conservation seule)' },
    categories: { shop: 'Nos propres systèmes', payments: 'Paiements', delivery: 'Livraison', analytics: 'Analyse et publicité', email: 'E-mails', collections: 'Recouvrement', social: 'Réseaux sociaux' },
    auditActions: { approve: 'Correction approuvée par un responsable', link: 'Lien de confirmation envoyé', resend: 'E-mail renvoyé', verify: 'Confirmée par le demandeur', start: 'Traitement commencé', send: 'Webhook envoyé', delivery_failed: 'Échec de livraison du webhook', acknowledge: 'Reçue par le prestataire', completed: 'Faite par le prestataire', not_found: 'Aucune donnée chez le prestataire', retained: 'Conservée par le prestataire (obligation légale)', failed: 'Échec signalé par le prestataire', fail: 'Tâche en échec', time_out: 'Pas de réponse à temps', escalate: 'Escaladée à l’équipe', unblock: 'De nouveau en cours', resolve: 'Résolue par un responsable', retry: 'Webhook renvoyé par un responsable', extend: 'Délai prolongé', assign: 'Responsable attribué', note: 'Note interne ajoutée', pause: 'Délai suspendu', resume: 'Délai repris', deny: 'Refusée', cancel: 'Annulée', export_assembled: 'Export préparé', download: 'Export téléchargé', log_request: 'Enregistrée par un responsable (téléphone, courrier, chat ou e-mail)', agent_contact_viewed: 'Coordonnées du représentant montrées à un responsable', renew_download: 'Nouveau lien de téléchargement envoyé', hold_export: 'Copie retenue : données de tiers', preview_export: 'Copie retenue consultée par un responsable', release_export: 'Copie libérée par un responsable', copy_erased: 'Copie supprimée avec l’effacement demandé', assembly_failed: 'Copie impossible à préparer', retry_assembly: 'Copie relancée par un responsable', remake_export: 'Copie à refaire, à la demande d’un responsable', remake_dropped: 'Copie non refaite : les résultats des prestataires ne sont plus conservés', remake_failed: 'Copie non refaite : la vérification planifiée a abandonné, et prévenu l’équipe', lift_restriction: 'Limitation à lever : demandeur informé', complete: 'Terminée', conflicting_callback: 'Réponse contradictoire refusée', 'reminder-7': 'Rappel : 7 jours restants', 'reminder-2': 'Rappel : 2 jours restants', overdue: 'Signalée en retard', 'execution-lost': 'Traitement trouvé arrêté', notice_unsent: 'Avis non envoyé : les coordonnées du demandeur ont été effacées comme prévu', outcome_unsent: 'E-mail de résultat non envoyé : les coordonnées du demandeur ont été effacées comme prévu' },
    webhookTo: (p) => `Webhook à ${p}`,
    states: { Plan: 'Préparation des tâches', ForEachTask: 'Envoi à chaque prestataire', Dispatch: 'Webhook à un prestataire', Escalate: 'Transmise à l’équipe', EscalateWithoutMail: 'Transmise à l’équipe (son e-mail non envoyé)', IsExport: 'Est-ce une copie des données ?', Assemble: 'Préparation de la copie', AssemblyFailed: 'Copie impossible à préparer : en attente d’un responsable', Notify: 'Envoi du résultat par e-mail', Done: 'Terminée', DoneOutcomeMailOwed: 'Terminée (l’e-mail du résultat part plus tard)' },
    execution: { ExecutionStarted: 'Exécution commencée', ExecutionSucceeded: 'Exécution réussie', ExecutionFailed: 'Exécution en échec', ExecutionAborted: 'Exécution arrêtée', ExecutionTimedOut: 'Exécution expirée' },
    reasons: { DispatchFailed: 'injoignable ou erreur serveur à chaque tentative', DispatchRejected: 'refusé avec une erreur client', EndpointGone: 'point d’accès supprimé (410), désactivé', ProcessorFailed: 'échec signalé par le prestataire', 'States.Timeout': 'pas de réponse avant l’expiration', 'States.HeartbeatTimeout': 'ni réponse ni progression signalée à temps', manual_processor: 'prestataire manuel : une personne fait le travail' },
    cancelReasons: { withdrawn_by_requester: 'Retirée par le demandeur', duplicate_request: 'Doublon d’une autre demande' }, processorWords: 'Mots du prestataire',
    liftReasons: { accuracy_verified: 'l’exactitude a été vérifiée (art. 18(1)(a))', objection_decided: 'l’opposition a été tranchée : nos motifs prévalent (art. 18(1)(d))', requester_asked: 'le demandeur a demandé la levée', other: 'autre : dites pourquoi dans la note' },
    liftReason: 'Pourquoi elle est levée', liftOn: 'Levée à partir du (date de Londres)', liftNote: 'Vos mots au demandeur (nécessaires pour « autre »)', restriction: 'Limitation', restrictionLift: (on, reason, past) => `${past ? 'Levée depuis le' : 'Levée à partir du'} ${on} : ${reason}. Le demandeur en a été informé.`,
    denyReasons: { identity_not_verified: 'Identité non vérifiée', manifestly_unfounded: 'Manifestement infondée', excessive: 'Excessive', authority_not_shown: 'Mandat du représentant non prouvé', data_accurate: 'Données vérifiées et exactes' },
    agent: 'Faite par un représentant', agentContact: 'Coordonnées du représentant', showAgentContact: 'Afficher les coordonnées du représentant', agentContactNote: 'Pour lui demander la preuve de son mandat. Cette consultation est inscrite au journal d’audit.', agentIs: (rel, proof) => `${rel}, qui déclare détenir ${proof}. Vérifiez cette preuve avant d’approuver.`, relationships: { solicitor: 'Un avocat', parent: 'Un parent ou tuteur', attorney: 'Un mandataire', other: 'Une autre personne autorisée' }, proofs: { signed_authority: 'un mandat écrit signé', power_of_attorney: 'une procuration', parental_responsibility: 'une preuve de l’autorité parentale', court_order: 'une décision de justice' },
    outcomes: { completed: 'Faite', not_found: 'Aucune donnée détenue', retained: 'Conservée (obligation légale)' },
    bases: { accounting: 'Documents comptables (obligation légale)', lifetime_warranty: 'Garantie à vie (choix du client)', legal_claims: 'Droits en justice (constatation, exercice, défense)', legal_obligation: 'Autre obligation légale' },
  },
};
let lang = localStorage.getItem('lethe-lang') === 'fr' ? 'fr' : 'en';
let token = sessionStorage.getItem('lethe-token');
/** The sign-in settings the deployment publishes: Cognito's endpoints on AWS, the local stand-in's under npm start. */
let auth;
const $ = (id) => document.getElementById(id);
const h = (tag, props = {}, ...children) => {
  const el = Object.assign(document.createElement(tag), props);
  el.append(...children.filter((c) => c !== undefined && c !== null));
  return el;
};

// Sign-in: OAuth 2.0 authorization code with PKCE (RFC 7636) against the user pool's managed login.
// The access token stays in this tab (sessionStorage) and goes to the admin API as a bearer token.
const b64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
const randomString = () => b64url(crypto.getRandomValues(new Uint8Array(32)));

async function signIn() {
  const verifier = randomString();
  const state = randomString();
  const challenge = b64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  sessionStorage.setItem('lethe-signin', JSON.stringify({ state, verifier, hash: location.hash }));
  const q = new URLSearchParams({ response_type: 'code', client_id: auth.clientId, redirect_uri: auth.redirectUri, scope: auth.scope, state, code_challenge: challenge, code_challenge_method: 'S256' });
  location.assign(`${auth.authorizationEndpoint}?${q}`);
}

/** Back from the sign-in pages with ?code=…&state=…: the code, with the PKCE verifier, buys the tokens. */
async function completeSignIn() {
  const q = new URLSearchParams(location.search);
  if (!q.has('code') && !q.has('error')) return;
  const pending = JSON.parse(sessionStorage.getItem('lethe-signin') ?? 'null');
  sessionStorage.removeItem('lethe-signin');
  history.replaceState(null, '', `${location.pathname}${pending?.hash ?? ''}`);
  if (!q.has('code') || !pending || q.get('state') !== pending.state) throw new Error(q.get('error') ?? 'state mismatch');
  const r = await fetch(auth.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: auth.clientId, code: q.get('code'), redirect_uri: auth.redirectUri, code_verifier: pending.verifier }),
  });
  if (!r.ok) throw new Error(`token endpoint: HTTP ${r.status}`);
  token = (await r.json()).access_token;
  sessionStorage.setItem('lethe-token', token);
}

/** What the access token says (Cognito puts the user in `username`, the groups in `cognito:groups`); display only, the API verifies the token. */
function claims() {
  try {
    return JSON.parse(atob(token.split('.')[1].replaceAll('-', '+').replaceAll('_', '/')));
  } catch {
    return {};
  }
}
const username = () => claims().username ?? '';
/** Only an officer acts (the API answers anyone else 403): a viewer is not offered the officer's forms. */
const isOfficer = () => (claims()['cognito:groups'] ?? []).includes('compliance-officer');

/** An answer from the admin API; none at all is said in the console's words: the browser's ("Failed to fetch") are neither the officer's language nor a help. */
async function adminFetch(path, init = {}) {
  try {
    return await fetch(`/admin${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...init.headers } });
  } catch {
    throw new Error(T[lang].noServer);
  }
}

/** A failure on our side (the generic 500, or API Gateway's own 5xx, which name no error), said in the console's words; a domain error's 5xx (RetryFailed) says what happened. */
const ourFailure = (r, data) => r.status >= 500 && (!data.error || data.error === 'internal_error');
/** A message said on its own line, not after "The action did not go through:". */
const sentence = (s) => s.charAt(0).toUpperCase() + s.slice(1);

async function api(path, body) {
  const r = await adminFetch(path, { method: body ? 'POST' : 'GET', headers: { 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
  // A session that ended is no success: until November 29, 2026 an action or a note sent then was taken as done, the
  // note's text cleared, and the sign-in page said nothing of it.
  if (r.status === 401) throw Object.assign(new Error(forget(T[lang].sessionEnded)), { signedOut: true });
  const data = await r.json().catch(() => ({}));
  if (ourFailure(r, data)) throw new Error(T[lang].serverFailed);
  // The server's English is for the browser's console only: the page words the refusal itself (said()).
  if (!r.ok) throw Object.assign(new Error(data.message ?? `HTTP ${r.status}`), { refusal: { status: r.status, body: data } });
  return data;
}
/**
 * What a failed call to the admin API says, in the console's language: a refusal by its reason, or
 * each field it names by what the form `kind` asked there (web/refusals.js); no answer, or a failure
 * on our side, in the words api() gave it.
 */
const said = (e, kind, about) => (e.refusal ? refusalWords(lang, e.refusal, kind, time, about) : e.message);

function table(cols, rows, rowClass) {
  if (!rows.length) return h('p', { className: 'empty' }, T[lang].none);
  return scroller(h('table', {}, h('thead', {}, h('tr', {}, ...cols.map((c) => h('th', { scope: 'col' }, T[lang].cols[c] ?? c)))), h('tbody', {}, ...rows.map((r) => h('tr', { className: rowClass?.(r) ?? '' }, ...r.cells.map((c) => h('td', {}, c)))))));
}
/**
 * A table wider than the screen (a phone's) scrolls sideways in a box of its own, not the page. Only
 * while it does is the box a named group in the keyboard's order, so that it can be scrolled without a
 * mouse (a group rather than a region: several on a page would be landmarks of the same name); on a wide screen it is no extra stop.
 */
const wide = new ResizeObserver((boxes) => {
  for (const { target: box } of boxes) {
    const scrolls = { tabindex: '0', role: 'group', 'aria-label': T[lang].wideTable };
    for (const [a, v] of Object.entries(scrolls)) box.scrollWidth > box.clientWidth ? box.setAttribute(a, v) : box.removeAttribute(a);
  }
});
// A redraw replaces its tables: the boxes it takes out of the page are no longer watched, or every
// table drawn since the console opened would stay watched, and in memory, until it closes. Only a box
// seen leaving is let go, never one built and not yet put in.
new MutationObserver((changes) => {
  for (const { removedNodes } of changes) {
    for (const n of removedNodes) {
      if (!(n instanceof Element)) continue;
      for (const box of n.matches('.table-scroll') ? [n] : n.querySelectorAll('.table-scroll')) if (!box.isConnected) wide.unobserve(box);
    }
  }
}).observe(document.body, { childList: true, subtree: true });
function scroller(t) {
  const box = h('div', { className: 'table-scroll' }, t);
  wide.observe(box);
  return box;
}

const link = (id) => h('a', { href: `#/requests/${id}` }, h('code', {}, id));
/**
 * Why a task failed or timed out: a code in its words, or the processor's own, which can run to a
 * paragraph: past a line, two lines of them, the rest a press away (`className` for either).
 */
const reasonWords = (code, className) => {
  const words = label('reasons', code);
  if (T[lang].reasons[code] || words.length <= 60) return className ? h('span', { className }, words) : words;
  return h('details', { className: className ? `reason ${className}` : 'reason' }, h('summary', {}, T[lang].processorWords, h('span', { className: 'gist' }, `${lang === 'fr' ? '\u00a0: ' : ': '}${words}`)), h('p', {}, words));
};
/** A code in words, in the console's language; the code itself only if no words exist for it. */
const label = (group, code) => T[lang][group]?.[code] ?? code;
/** An audit event in words: a manual processor's send (its mode is recorded on it) went to the team by email, to no webhook; a start says when the typed order number was not the address's, and so went to nobody; a refusal or a cancellation says why. */
const auditLabel = (e) => {
  if (e.action === 'send' && e.data?.mode === 'manual') return T[lang].handedOver;
  // A letter read days after it arrived: the event is dated when it was logged, its deadline runs from the day it was received.
  if (e.action === 'log_request' && e.data?.receivedOn && e.data.receivedOn !== londonDay(e.at)) return `${label('auditActions', e.action)}${LOG_TEXT[lang].receivedOnWords(day(e.data.receivedOn))}`;
  if (e.action === 'start' && e.data?.order === 'not_confirmed') return `${label('auditActions', e.action)} ${T[lang].orderNotConfirmed}`;
  // A refusal or a cancellation says its reason from the fixed list, as the requester was told it.
  if ((e.action === 'deny' || e.action === 'cancel') && typeof e.data?.reason === 'string') {
    const why = label(e.action === 'deny' ? 'denyReasons' : 'cancelReasons', e.data.reason);
    return `${label('auditActions', e.action)} (${why.charAt(0).toLowerCase()}${why.slice(1)})`;
  }
  return label('auditActions', e.action);
};
const LOCALE = { en: 'en-GB', fr: 'fr-FR' };
/** A duration's number, to a tenth, as the officer's language writes it (0,2 in French). */
const num = (n) => new Intl.NumberFormat(LOCALE[lang], { maximumFractionDigits: 1 }).format(n);
/** Instants in the officer's own time zone; deadlines are calendar dates. */
// French writes the first of a month "1er mars" (Intl gives "1 mars"), alone or after its weekday, as the emails and the status page do.
const firstOfMonth = (text) => (lang === 'fr' ? text.replace(/(^| )1 /, (_, before) => `${before}1er `) : text);
const time = (at) => (at ? firstOfMonth(new Intl.DateTimeFormat(LOCALE[lang], { dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(at))) : T[lang].timeNotRecorded);
/** The London date of an instant, as YYYY-MM-DD: the deadlines' days. */
const londonDay = (at) => new Date(at).toLocaleDateString('en-CA', { timeZone: 'Europe/London' });
const day = (d, dateStyle = 'medium') => (d ? firstOfMonth(new Intl.DateTimeFormat(LOCALE[lang], { dateStyle, timeZone: 'UTC' }).format(new Date(`${d}T00:00:00Z`))) : '—');
/**
 * A date input writes its day in the order of the browser's language (03/05/2026 in an American
 * browser for 5 March), whatever the page's or its own `lang`, which Chromium does not read there:
 * `out` says the day chosen in the console's words, its weekday too. `say` again after setting the value.
 */
function sayDate(input, out) {
  const say = () => {
    out.textContent = /^\d{4}-\d\d-\d\d$/.test(input.value) ? day(input.value, 'full') : '';
  };
  input.addEventListener('input', say);
  say();
  return say;
}
// A closed request has no countdown: it shows when it closed.
// A stopped clock (Art. 12A) has no countdown: restarting it moves the deadline.
// A clock stopped after its deadline had passed stopped nothing: the server counts it down, overdue, and so does the page.
// Closed after its deadline (a refusal as much as a completion): said where the closing is, as the SLA report counts it.
const closedText = (r) => (r.closedLate ? h('span', {}, `${T[lang].closedOn} ${time(r.closedAt)} `, h('span', { className: 'badge overdue' }, T[lang].late)) : `${T[lang].closedOn} ${time(r.closedAt)}`);
const countdown = (r) => (r.closedAt ? closedText(r) : r.daysLeft !== null ? h('span', { className: r.daysLeft < 0 ? 'overdue' : '' }, T[lang].days(r.daysLeft)) : r.pausedSince ? T[lang].clockStopped : '—');
/** Which email failed, in words; an officer's notice also says that it goes out by itself (the sweeper's), with no resend to press. */
const mailFailedText = (m) => (m.kind === 'notice' ? T[lang].noticeFailedAt(label('noticeKinds', m.notice), time(m.at)) : T[lang].mailFailedAt(label('mailKinds', m.kind), time(m.at)));
const mailBadge = (r) => (r.mailFailed ? h('span', { className: 'badge overdue', title: mailFailedText(r.mailFailed) }, T[lang].mailFailed) : null);
const statusCell = (r) => h('span', {}, label('statuses', r.status), r.mailFailed ? ' ' : '', mailBadge(r));
const reqRows = (items) => items.map((r) => ({ r, cells: [link(r.id), label('types', r.type), statusCell(r), day(r.dueDate), countdown(r)] }));
const attemptText = (a) => (a.accepted ? T[lang].accepted : a.status ? `HTTP ${a.status}` : T[lang].noAnswer(a.error));
const lastAttempt = (a) => (a ? `${attemptText(a)} — ${time(a.at)}` : '—');

/** The list's filters: a status or a group (open by default, closed ones included on request), a page at a time with the API's cursor. */
let filters = { status: 'open', type: '', processor: '', escalated: '', dueAfter: '', dueBefore: '', overdue: false };
const STATUSES = ['unverified', 'awaiting_review', 'verified', 'in_progress', 'awaiting_manual', 'completed', 'denied', 'cancelled', 'expired'];
/** The processors as the dashboard names them (every processor of the registry). */
let processors = [];

function fillFilters() {
  const opt = (value, text, selected) => h('option', { value, selected }, text);
  $('filter-status').replaceChildren(...['open', 'closed', 'all'].map((g) => opt(g, T[lang].groups[g], filters.status === g)), ...STATUSES.map((s) => opt(s, label('statuses', s), filters.status === s)));
  $('filter-type').replaceChildren(opt('', T[lang].allTypes, !filters.type), ...['access', 'erasure', 'rectification', 'objection', 'restrict'].map((t) => opt(t, label('types', t), filters.type === t)));
  $('filter-processor').replaceChildren(opt('', T[lang].anyProcessor, !filters.processor), ...processors.map((p) => opt(p.id, p.name, filters.processor === p.id)));
  $('filter-escalated').replaceChildren(opt('', T[lang].either, !filters.escalated), opt('true', T[lang].yes, filters.escalated === 'true'), opt('false', T[lang].no, filters.escalated === 'false'));
  $('filter-due-after').value = filters.dueAfter;
  $('filter-due-before').value = filters.dueBefore;
  $('filter-overdue').checked = filters.overdue;
}

const listCols = ['id', 'type', 'status', 'due', 'left', 'owner'];
const listRows = (items) => reqRows(items).map((row) => ({ ...row, cells: [...row.cells, row.r.owner ?? '—'] }));

/** A refused filter (a 400 names the field) is said above the list, not swallowed. `current` as for route(). */
async function showList(cursor, current = () => true) {
  const q = new URLSearchParams();
  for (const k of ['status', 'type', 'processor', 'escalated', 'dueAfter', 'dueBefore']) if (filters[k]) q.set(k, filters[k]);
  if (filters.overdue) q.set('overdue', 'true');
  if (cursor) q.set('cursor', cursor);
  $('list-error').hidden = true;
  let list;
  try {
    list = await api(`/requests${q.size ? `?${q}` : ''}`);
  } catch (e) {
    if (!current()) return;
    $('list-error').textContent = sentence(said(e, 'list'));
    $('list-error').hidden = false;
    return;
  }
  if (!current()) return;
  const t = table(listCols, listRows(list.items), ({ r }) => (r.daysLeft !== null && r.daysLeft < 0 ? 'overdue' : ''));
  if (cursor) $('requests').append(t);
  else $('requests').replaceChildren(t);
  $('more').hidden = !list.cursor;
  $('more').onclick = () => showList(list.cursor);
}

/** The search sends what the officer typed in a POST body: an address never goes into a URL. */
async function search(q) {
  $('search-error').hidden = true;
  try {
    const r = await api('/search', { q });
    $('search-results').replaceChildren(h('p', {}, T[lang].found(r.items.length)), table(listCols, listRows(r.items)));
  } catch (e) {
    $('search-error').textContent = sentence(said(e, 'search'));
    $('search-error').hidden = false;
  }
}

async function showDashboard(current) {
  const [d] = await Promise.all([api('/dashboard'), showList(undefined, current)]);
  if (!current()) return;
  processors = d.processors;
  fillFilters();
  $('counts').replaceChildren(...Object.entries(d.counts).map(([k, v]) => h('div', { className: `tile${['awaiting_manual', 'awaiting_review'].includes(k) && v ? ' alert' : ''}` }, h('strong', {}, String(v)), label('statuses', k))), h('div', { className: `tile${d.overdue.length ? ' alert' : ''}` }, h('strong', {}, String(d.overdue.length)), T[lang].overdue));
  $('overdue').replaceChildren(table(['id', 'type', 'status', 'due', 'left'], reqRows(d.overdue), () => 'overdue'));
  $('due-soon').replaceChildren(table(['id', 'type', 'status', 'due', 'left'], reqRows(d.dueSoon)));
  $('mail-failed').replaceChildren(table(['id', 'type', 'status', 'due', 'left'], reqRows(d.mailFailed), () => 'overdue'));
  $('escalated').replaceChildren(
    table(['id', 'processor', 'category', 'status', 'why', 'attempts', 'last'], d.escalated.map((e) => ({ cells: [link(e.requestId), e.processorName, label('categories', e.category), label('taskStatuses', e.status), e.reason ? reasonWords(e.reason) : '—', T[lang].attempts(e.attempts), lastAttempt(e.last)] }))),
  );
  $('scorecard').replaceChildren(table(['processor', 'open', 'median', 'failures', 'timeouts'], d.processors.map((p) => ({ cells: [p.name, String(p.open), T[lang].seconds(p.medianCallbackMs === null ? null : p.medianCallbackMs / 1000), String(p.failures), String(p.timeouts)] }))));
  show('dashboard');
}

/**
 * Every action asks first; the ones the law ties to a reason ask for it. A task's action names its processor (`about`).
 * `check` says what the fields lack that the browser's own checks cannot see (a correction with no value at all):
 * said in the dialog, which stays open, since a refusal after it closed read as nothing done.
 */
function ask(kind, fields, about, check) {
  return new Promise((resolve) => {
    const dlg = $('confirm');
    $('confirm-title').textContent = about ? `${T[lang].act[kind]} — ${about}` : T[lang].act[kind];
    $('confirm-text').textContent = T[lang].ask[kind];
    $('confirm-error').hidden = true;
    $('confirm-fields').replaceChildren(...fields);
    $('confirm-form').onsubmit = (e) => {
      const lacking = e.submitter?.value === 'ok' && check?.(Object.fromEntries(new FormData(e.target)));
      if (!lacking) return;
      e.preventDefault();
      $('confirm-error').textContent = lacking;
      $('confirm-error').hidden = false;
      $('confirm-fields').querySelector('input, select, textarea')?.focus();
    };
    dlg.onclose = () => resolve(dlg.returnValue === 'ok' ? Object.fromEntries(new FormData($('confirm-form'))) : undefined);
    dlg.showModal();
  });
}
const field = (name, text, input) => {
  const box = h('div', {}, h('label', { htmlFor: `f-${name}` }, text), Object.assign(input, { id: `f-${name}`, name, required: true }));
  if (input.type === 'date') {
    const out = h('output', { className: 'hint' });
    out.setAttribute('for', input.id);
    box.append(out);
    sayDate(input, out);
  }
  return box;
};
const optional = (el) => {
  el.querySelector('[name]').required = false;
  return el;
};
/** A refused action (`kind`: which; `about`: the processor of a task's), said in the page beside the actions, never in an alert(). */
function refused(e, kind, about) {
  $('action-error').textContent = `${T[lang].failed} ${said(e, kind, about)}`;
  $('action-error').hidden = false;
  $('action-error').focus();
}
/** An action that needs no confirmation (an owner, a note): a refusal is said in the page, like the others'. */
async function quick(kind, call) {
  try {
    await call();
  } catch (e) {
    refused(e, kind);
    return false;
  }
  await route();
  return true;
}
/** A corrected value the officer may leave empty: only the fields the correction changes are sent. */
const optionalField = (name) => {
  const box = field(name, T[lang].fields[name], h('input', { type: name === 'email' ? 'email' : 'text', maxLength: 500 }));
  box.lastChild.required = false;
  return box;
};
/** Options by code, shown in words. */
const select = (group, codes) => h('select', {}, ...codes.map((c) => h('option', { value: c }, label(group, c))));

/** An officer closes a task once it failed or timed out, and a manual one (or one whose processor left the registry) at any time: nothing else would. */
const resolvable = (t, open) => open && (['failed', 'timed_out'].includes(t.status) || (t.manual && ['sent', 'in_progress', 'pending'].includes(t.status)));

/**
 * Resolved as retained, a task needs the legal basis and the date it is kept until: the requester's
 * email states both. They show, and count, only when "retained" is chosen, which only an erasure's
 * task offers: the email says the records were kept instead of erased (the API refuses it for any other).
 */
function resolveFields(action) {
  const tomorrow = londonTomorrow();
  const kept = h('div', { hidden: true }, h('p', { className: 'hint', id: 'retained-help' }, T[lang].retainedHelp), field('basis', T[lang].basis, select('bases', ['accounting', 'lifetime_warranty', 'legal_claims', 'legal_obligation'])), field('until', T[lang].until, h('input', { type: 'date', min: tomorrow })));
  const inputs = () => kept.querySelectorAll('select, input');
  for (const i of inputs()) {
    i.disabled = true;
    i.setAttribute('aria-describedby', 'retained-help');
  }
  const outcome = select('outcomes', action === 'erase' ? ['completed', 'not_found', 'retained'] : ['completed', 'not_found']);
  outcome.addEventListener('change', () => {
    kept.hidden = outcome.value !== 'retained';
    for (const i of inputs()) i.disabled = kept.hidden;
  });
  // A lifetime warranty has no end: its proof of purchase may be kept without a date (the API takes none).
  const basis = kept.querySelector('select');
  const until = kept.querySelector('input');
  basis.addEventListener('change', () => {
    until.required = basis.value !== 'lifetime_warranty';
  });
  return [field('outcome', T[lang].outcome, outcome), kept, field('note', T[lang].taskNote, h('textarea', { rows: 3, minLength: 3 }))];
}

const described = (el, by) => {
  if (by) el.setAttribute('aria-describedby', by);
  return el;
};

/** A refused action is said in the page, next to the actions, where the officer is looking. */
async function act(kind, path, fields, toBody, about, check) {
  const values = await ask(kind, fields, about, check);
  if (!values) return;
  let done;
  try {
    done = await api(path, toBody(values));
  } catch (e) {
    await route();
    refused(e, kind, about);
    return;
  }
  await route();
  // Done, but its email to the requester, its word to the workflow, or a retry's webhook, could not go now: it stays owed, and goes later.
  const owed = [done?.noticeOwed && T[lang].noticeOwed, done?.workflowOwed && T[lang].workflowOwed, done?.webhookOwed && T[lang].webhookOwed].filter(Boolean);
  if (owed.length) {
    $('action-note').textContent = owed.join(' ');
    $('action-note').hidden = false;
  }
  // The button the dialog would give the focus back to is drawn anew: the focus goes to what came of the action.
  (owed.length ? $('action-note') : $('detail-title')).focus();
}

/** The agent's name and email (an officer's action, recorded), shown as text with a mail link. */
async function showAgentContact(id) {
  try {
    const c = await api(`/requests/${id}/agent-contact`, {});
    $('agent-contact').replaceChildren(h('strong', {}, `${T[lang].agentContact}: `), ...(c.name ? [`${c.name} — `] : []), h('a', { href: `mailto:${c.email}` }, c.email), h('br'), T[lang].agentContactNote);
    $('agent-contact').hidden = false;
  } catch (e) {
    refused(e, 'agentContact');
  }
}

/** The processor of a task of the request `id`, from the task's id (`<request>.<processor>`): an audit event's subject, a timeline state's task. */
const processorOf = (id, taskId) => (typeof taskId === 'string' && taskId.startsWith(`${id}.`) ? taskId.slice(id.length + 1) : undefined);

/**
 * A workflow state in the officer’s words, its own name beside them for the engineers; one without words (a state
 * added since) by its name. A state working on one task says which processor: `who`, its name.
 */
const timelineWords = (e, who) => {
  const whose = who ? ` (${who})` : '';
  const words = e.state === 'Dispatch' && who ? T[lang].webhookTo(who) : T[lang].states[e.state] && `${T[lang].states[e.state]}${whose}`;
  return !e.state ? [label('execution', e.type)] : words ? [`${words} `, h('code', {}, e.state)] : [`${e.state}${whose}`];
};

async function showDetail(id, current) {
  const d = await api(`/requests/${id}`);
  if (!current()) return;
  const r = d.request;
  // A copy a processor flagged as holding other people's data waits for an officer's release.
  const held = r.status === 'awaiting_manual' && r.exportRelease && !r.exportRelease.releasedAt;
  // Its package deleted (or nearly) before it was released: made again by the sweeper once an officer asks, then looked at and released.
  const pkg = held && r.heldPackage && !r.heldPackage.releasable ? r.heldPackage : undefined;
  // A copy that could not be assembled after the workflow's retries waits for an officer's retry.
  const notAssembled = r.status === 'awaiting_manual' && r.assemblyFailed;
  // Providers by the names the registry gives them (the request's tasks carry them), registry ids otherwise.
  const providerNames = (ids) => (ids ?? []).map((p) => d.tasks.find((t) => t.processorId === p)?.processorName ?? p).join(', ');
  // Who acted, in words (web/actors.js): a processor by the name the registry gives it, an officer by their user name.
  const actor = (a) => actorWords(lang, a, (p) => providerNames([p]));
  // A remake the sweeper gave up says why and what to do until an officer asks again.
  const failed = pkg?.remakeFailed;
  const packageWords =
    pkg &&
    (pkg.remake
      ? T[lang].heldRemaking(pkg.remake.by.replace(/^officer:/, ''), time(pkg.remake.at))
      : failed
        ? remakeFailedWords(lang, { at: time(failed.at), error: failed.error, who: providerNames(failed.processors), many: (failed.processors?.length ?? 0) > 1, tries: failed.tries, since: time(failed.asked.at) })
        : T[lang].heldGone(time(pkg.keptUntil)));
  $('detail-id').textContent = r.id;
  $('action-error').hidden = true;
  $('action-note').hidden = true;
  $('agent-contact').replaceChildren();
  $('agent-contact').hidden = true;
  // A correction's free text is shown as the requester wrote it (textContent, never HTML), for the officer to read before anything is sent.
  const rect = r.details?.rectification;
  // Art. 18(3): a restriction in place is lifted once, the requester told first; from then on the request says from when.
  const lift = r.restrictionLift;
  const liftable = r.type === 'restrict' && r.status === 'completed' && !lift;
  const corrected = Object.entries(r.details?.corrections ?? {});
  // What the request asks beyond its type, as the requester confirmed it: an erasure's warranty purchases, the uses an objection objects to (every one when none was ticked).
  const objected = (r.details?.objections?.length ? r.details.objections : ['marketing', 'reviews', 'profiling']).map((o) => LOG_TEXT[lang][`logObj${o[0].toUpperCase()}${o.slice(1)}`] ?? o);
  const asks = r.type === 'erasure' ? [[T[lang].warranty, r.details?.eraseWarranty ? T[lang].warrantyErased : T[lang].warrantyKept]] : r.type === 'objection' ? [[LOG_TEXT[lang].logObjections, objected.join(' · ')]] : [];
  $('detail-summary').replaceChildren(...[[T[lang].cols.type, label('types', r.type)], ...asks, [T[lang].receivedAt, time(r.receivedAt)], ...(r.verifiedAt ? [[T[lang].verifiedAt, time(r.verifiedAt)]] : []), [T[lang].cols.status, statusCell(r)], [T[lang].cols.due, day(r.dueDate)], [T[lang].cols.left, countdown(r)], [T[lang].owner, r.owner ?? T[lang].notOwned], ...(rect ? [[T[lang].wrong, rect.field], [T[lang].should, rect.correction]] : []), ...(corrected.length ? [[T[lang].corrected, corrected.map(([f, v]) => `${T[lang].fields[f] ?? f}: ${v}`).join(' · ')]] : []), ...(r.agent ? [[T[lang].agent, T[lang].agentIs(T[lang].relationships[r.agent.relationship] ?? r.agent.relationship, T[lang].proofs[r.agent.proof] ?? r.agent.proof)]] : []), ...(r.mailFailed ? [[T[lang].mailFailed, mailFailedText(r.mailFailed)]] : []), ...(notAssembled ? [[T[lang].notAssembled, notAssembledWords(lang, { at: time(r.assemblyFailed.at), error: r.assemblyFailed.error, who: providerNames(r.assemblyFailed.processors), many: (r.assemblyFailed.processors?.length ?? 0) > 1 })]] : []), ...(held ? [[T[lang].held, T[lang].heldBy(providerNames(r.exportRelease.flaggedBy))]] : []), ...(pkg ? [[T[lang].heldPackage, packageWords]] : []), ...(lift ? [[T[lang].restriction, T[lang].restrictionLift(day(lift.on), label('liftReasons', lift.reason), lift.on <= londonDay(Date.now()))]] : [])].flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
  const open = ['awaiting_review', 'verified', 'in_progress', 'awaiting_manual'].includes(r.status);
  // The requester's last email can be sent again while a link is pending and once the outcome is known.
  const resendable = ['unverified', 'completed'].includes(r.status);
  // The law allows one extension: once used, the button stays, disabled, with when and why.
  const ext = r.extension;
  // An objection is to direct marketing, invitations or profiling for advertising, absolute and at once (Art. 21(3)): the API refuses to extend it.
  const unextendable = Boolean(ext) || r.type === 'objection';
  // A viewer is offered nothing to press or fill in: the API refuses them every action (403).
  const officer = isOfficer();
  $('request-actions').replaceChildren(
    ...(!officer ? [] : [
    ...(notAssembled ? [h('button', { type: 'button', onclick: () => act('reassemble', `/requests/${id}/reassemble`, [], () => ({})) }, T[lang].act.reassemble)] : []),
    ...(held && !pkg
      ? [
          h('button', { type: 'button', className: 'secondary', onclick: () => api(`/requests/${id}/export`).then((x) => window.open(x.url, '_blank', 'noopener')).catch((e) => refused(e, 'preview')) }, T[lang].act.preview),
          h('button', { type: 'button', onclick: () => act('release', `/requests/${id}/release`, [], () => ({})) }, T[lang].act.release),
        ]
      : []),
    // Nothing to look at or release until the package is made again; nothing to ask for while it is being made.
    ...(pkg && !pkg.remake ? [h('button', { type: 'button', onclick: () => act('remake', `/requests/${id}/remake`, [], () => ({})) }, T[lang].act.remake)] : []),
    ...(liftable
      ? [
          h('button', { type: 'button', className: 'secondary', onclick: () => act('lift', `/requests/${id}/lift-restriction`, [field('reason', T[lang].liftReason, select('liftReasons', ['accuracy_verified', 'objection_decided', 'requester_asked', 'other'])), field('liftOn', T[lang].liftOn, h('input', { type: 'date', min: londonTomorrow() })), optional(field('note', T[lang].liftNote, h('textarea', { rows: 4, maxLength: 1000 })))], (v) => ({ reason: v.reason, liftOn: v.liftOn, ...(v.note.trim() ? { note: v.note } : {}) })) }, T[lang].act.lift),
        ]
      : []),
    ...(resendable ? [h('button', { type: 'button', className: ['confirmation', 'outcome'].includes(r.mailFailed?.kind) ? '' : 'secondary', onclick: () => act('resend', `/requests/${id}/resend`, [], () => ({})) }, T[lang].act.resend)] : []),
    // The clock stops only while a clarification of a request for a copy is awaited, once it runs and until it runs out (the API says so too).
    ...(['verified', 'in_progress', 'awaiting_manual'].includes(r.status) && r.type === 'access' && !r.pausedSince && (r.daysLeft ?? 0) >= 0 ? [h('button', { type: 'button', className: 'secondary', onclick: () => act('pause', `/requests/${id}/pause`, [field('needed', T[lang].needed, h('textarea', { rows: 3, minLength: 10, maxLength: 1000 }))], (v) => ({ needed: v.needed })) }, T[lang].act.pause)] : []),
    // Art. 12A stops the time until the answer is received: the officer gives that day (London), today unless it came earlier.
    ...(r.pausedSince && open ? [described(h('button', { type: 'button', onclick: () => act('resume', `/requests/${id}/resume`, [field('answeredOn', T[lang].answeredOn, h('input', { type: 'date', min: londonDay(r.pausedSince), max: londonDay(Date.now()), value: londonDay(Date.now()) }))], (v) => ({ answeredOn: v.answeredOn })) }, T[lang].act.resume), 'pause-note')] : []),
    // The proof of authority is asked of the agent: their contact details, personal data, are shown on request only.
    ...(r.status === 'awaiting_review' && r.agent ? [h('button', { type: 'button', className: 'secondary', onclick: () => showAgentContact(id) }, T[lang].showAgentContact)] : []),
    // An agent's request that is not a correction is approved once the proof of authority is checked; it has no fields to correct.
    ...(r.status === 'awaiting_review' && r.agent && r.type !== 'rectification'
      ? [h('button', { type: 'button', onclick: () => act('approveAgent', `/requests/${id}/approve`, [], () => ({})) }, T[lang].act.approveAgent)]
      : []),
    ...(r.status === 'awaiting_review' && r.type === 'rectification'
      ? [h('button', { type: 'button', onclick: () => act('approve', `/requests/${id}/approve`, [...['name', 'email', 'postal_address', 'phone'].map(optionalField), optional(field('uncorrected', T[lang].uncorrected, h('textarea', { rows: 4, maxLength: 1000 })))], ({ uncorrected, ...v }) => ({ corrections: Object.fromEntries(Object.entries(v).filter(([, x]) => x.trim())), ...(uncorrected.trim() ? { uncorrected } : {}) }), undefined, ({ uncorrected, ...v }) => (Object.values(v).some((x) => x.trim()) ? undefined : sentence(fieldWords(lang, 'approve', 'corrections')))) }, T[lang].act.approve)]
      : []),
    ...(open
      ? [
          described(h('button', { type: 'button', disabled: unextendable, onclick: () => act('extend', `/requests/${id}/extend`, [field('reason', T[lang].reason, h('textarea', { rows: 3, minLength: 3 }))], (v) => ({ reason: v.reason })) }, T[lang].act.extend), unextendable ? 'extension-note' : undefined),
          h('button', { type: 'button', className: 'danger', onclick: () => act('deny', `/requests/${id}/deny`, [field('reason', T[lang].reason, select('denyReasons', ['identity_not_verified', 'manifestly_unfounded', 'excessive', ...(r.agent ? ['authority_not_shown'] : []), ...(r.type === 'rectification' ? ['data_accurate'] : [])])), optional(field('note', T[lang].denyNote, h('textarea', { rows: 4, maxLength: 1000 })))], (v) => ({ reason: v.reason, ...(v.note.trim() ? { note: v.note } : {}) })) }, T[lang].act.deny),
          h('button', { type: 'button', className: 'secondary', onclick: () => act('cancel', `/requests/${id}/cancel`, [field('reason', T[lang].reason, select('cancelReasons', ['withdrawn_by_requester', 'duplicate_request']))], (v) => ({ reason: v.reason })) }, T[lang].act.cancel),
        ]
      : []),
    ]),
  );
  $('owner').hidden = !officer;
  $('note-form').hidden = !officer;
  $('extension-note').textContent = ext ? T[lang].extendedOn(time(ext.at), day(ext.dueDate), ext.reason) : unextendable ? T[lang].objectionNotExtended : '';
  $('extension-note').hidden = !unextendable;
  // A request closed while its clock was stopped keeps when it was stopped, but has no clock left: it does not read as stopped.
  const stopped = open && r.pausedSince;
  const pauseEvent = stopped ? d.audit.filter((e) => e.action === 'pause').at(-1) : undefined;
  // The question is kept with the requester's contact data, and the trail has its hash; a stop recorded before November 27, 2026 has it on the trail as its reason.
  const asked = r.clarification ?? pauseEvent?.data?.reason;
  $('pause-note').textContent = !stopped ? '' : asked || !pauseEvent?.data?.neededSha256 ? T[lang].pausedSince(time(r.pausedSince), asked) : T[lang].pausedQuestionGone(time(r.pausedSince));
  $('pause-note').hidden = !stopped;
  $('owner-name').value = r.owner ?? '';
  $('owner-form').onsubmit = (e) => {
    e.preventDefault();
    const owner = $('owner-name').value.trim();
    quick('owner', () => api(`/requests/${id}/owner`, { owner: owner || null }));
  };
  // No note yet is a sentence beside the list, not its first numbered item.
  $('notes').replaceChildren(...r.notes.map((n) => h('li', {}, h('p', {}, n.text), h('p', { className: 'hint' }, T[lang].noteBy(actor(n.author), time(n.at))))));
  $('notes').hidden = !r.notes.length;
  $('notes-empty').textContent = T[lang].noNotes;
  $('notes-empty').hidden = r.notes.length > 0;
  $('note-form').onsubmit = (e) => {
    e.preventDefault();
    const text = $('note-text').value;
    quick('note', () => api(`/requests/${id}/notes`, { text })).then((ok) => {
      if (ok) $('note-text').value = '';
    });
  };
  $('tasks').replaceChildren(
    table(['processor', 'category', 'action', 'status', 'attempts', ...(officer ? ['actions'] : [])], d.tasks.map((t) => ({
      cells: [
        t.processorName,
        label('categories', t.category),
        label('taskActions', t.action),
        h('div', {}, h('span', { className: `badge ${['failed', 'timed_out'].includes(t.status) ? 'overdue' : ''}` }, label('taskStatuses', t.status)), t.outcome?.reason && ['failed', 'timed_out'].includes(t.status) ? reasonWords(t.outcome.reason, 'why') : null, t.removed && resolvable(t, open) ? h('span', { className: 'why' }, T[lang].removedProcessor) : null),
        // A manual processor's task is sent to no webhook: each send hands it to the team. One taken out of the registry had real ones.
        t.deliveries.length ? h('ol', { className: 'attempts' }, ...t.deliveries.map((a) => h('li', {}, `${t.manual && !t.removed ? T[lang].handedOver : attemptText(a)} — ${time(a.at)}`))) : '—',
        ...(!officer ? [] : [h('span', { className: 'actions' },
          resolvable(t, open)
            ? h('button', { type: 'button', className: 'small', onclick: () => act('resolve', `/requests/${id}/tasks/${t.processorId}/resolve`, resolveFields(t.action), (v) => (v.outcome === 'retained' ? { outcome: v.outcome, note: v.note, basis: v.basis, until: v.until || undefined } : { outcome: v.outcome, note: v.note }), t.processorName) }, `${T[lang].act.resolve} ${t.processorName}`)
            : null,
          // A manual processor has no webhook to send again (the server refuses a retry): a person does it, then resolves it.
          ['failed', 'timed_out'].includes(t.status) && open && !t.manual ? h('button', { type: 'button', className: 'small secondary', onclick: () => act('retry', `/requests/${id}/tasks/${t.processorId}/retry`, [], () => ({}), t.processorName) }, T[lang].act.retry) : null)]),
      ],
    }))),
  );
  const named = (taskId) => {
    const p = processorOf(id, taskId);
    return p && providerNames([p]);
  };
  $('timeline').replaceChildren(...d.timeline.map((e) => h('li', {}, ...timelineWords(e, named(e.taskId)), ' ', h('time', { dateTime: e.at ?? '' }, time(e.at)))));
  // A task's event (its subject the task's id) names its processor, unless the processor is who acted: eight "Webhook sent" told no one which failed.
  const taskOf = (e) => {
    const p = processorOf(id, e.subject);
    return p && e.actor !== `processor:${p}` ? ` (${providerNames([p])})` : '';
  };
  $('audit').replaceChildren(...d.audit.map((e) => h('li', {}, `${auditLabel(e)}${taskOf(e)} — ${actor(e.actor)} `, h('time', { dateTime: e.at }, time(e.at)), ' ', h('code', {}, `#${e.hash.slice(0, 10)}`))));
  show('detail');
}

/** The calendar day `n` days from a YYYY-MM-DD date. */
const plusDays = (d, n) => new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
/** The day after London's today, not London's date 24 hours on: around a switch to or from summer time that is today, or the day after tomorrow. */
const londonTomorrow = () => plusDays(londonDay(Date.now()), 1);
/** The last 90 London days by default, today included: the report's dates are London's, and UTC's day is still yesterday after a summer midnight. */
let range = { from: plusDays(londonDay(Date.now()), -89), to: londonDay(Date.now()) };

async function showReport(current = () => true) {
  $('report-from').value = range.from;
  $('report-to').value = range.to;
  $('report-error').hidden = true;
  let r;
  try {
    r = await api(`/report?${new URLSearchParams(range)}`);
  } catch (e) {
    if (!current()) return;
    $('report-error').textContent = sentence(said(e, 'report'));
    $('report-error').hidden = false;
    show('report');
    return;
  }
  if (!current()) return;
  $('report-tiles').replaceChildren(
    h('div', { className: 'tile' }, h('strong', {}, String(r.requests)), T[lang].received),
    // Open requests still in time are out of the rate: with none answered and none late, there is nothing to rate yet.
    rateTile(r.onTimeRate, T[lang].onTimeRate, T[lang].noneAnswered),
    h('div', { className: `tile${r.late ? ' alert' : ''}` }, h('strong', {}, String(r.late)), T[lang].late),
  );
  $('report-types').replaceChildren(table(['type', 'requestsN', 'completed', 'medianTime', 'p95'], r.byType.map((t) => ({ cells: [label('types', t.type), String(t.requests), String(t.completed), T[lang].hours(t.medianHours), T[lang].hours(t.p95Hours)] }))));
  $('report-complaints').replaceChildren(...complaintTiles(r.complaints));
  $('report-processors').replaceChildren(table(['processor', 'tasksN', 'answered', 'median', 'failures', 'timeouts'], r.processors.map((p) => ({ cells: [p.name, String(p.tasks), String(p.answered), T[lang].seconds(p.medianCallbackSeconds), String(p.failures), String(p.timeouts)] }))));
  show('report');
}

/**
 * A CSV over the report's dates (the SLA report's, or the audit ledger's events): it needs the bearer
 * token, so it is fetched and handed to the browser as a file.
 */
async function downloadCsv(path, name) {
  $('report-error').hidden = true;
  const refused = (message) => {
    $('report-error').textContent = sentence(message);
    $('report-error').hidden = false;
  };
  let r;
  try {
    r = await adminFetch(`${path}?${new URLSearchParams(range)}`);
  } catch (e) {
    return refused(e.message);
  }
  if (r.status === 401) return forget(T[lang].sessionEnded);
  if (!r.ok) {
    const data = await r.json().catch(() => ({}));
    return refused(ourFailure(r, data) ? T[lang].serverFailed : refusalWords(lang, { status: r.status, body: data }, 'report', time));
  }
  const a = h('a', { href: URL.createObjectURL(await r.blob()), download: `lethe-${name}-${range.from}-${range.to}.csv` });
  document.body.append(a);
  a.click();
  a.remove();
}

/**
 * Complaints (DPA 2018 s.164A): their texts apart from the table above, so that each language's
 * strings for them stay together.
 */
const COMPLAINT_TEXT = {
  en: {
    complaints: 'Complaints', complaintsHelp: 'Complaints about how we handled someone’s data or request: acknowledge within 30 days of receipt (the acknowledgement email does it at once), respond without undue delay.', complaintsReport: 'Complaints',
    ccols: { complaint: 'Complaint', from: 'From', received: 'Received', ackBy: 'Acknowledge by', acknowledged: 'Acknowledged', responded: 'Responded', actions: 'Actions' },
    cstatuses: { received: 'Received', acknowledged: 'Acknowledged', responded: 'Responded' },
    ackDays: (n) => (n === -1 ? '1 day late' : n < 0 ? `${-n} days late` : n === 0 ? 'last day today' : n === 1 ? '1 day left' : `${n} days left`), byEmail: 'by email', ackWithheld: 'email not sent (too many to this address that day): acknowledge it yourself', read: 'Read the complaint', about: 'About request', daysOpen: (n) => (n === 1 ? 'open 1 day' : `open ${n} days`),
    act: { acknowledge: 'Mark acknowledged', respond: 'Record the response' },
    ask: { acknowledge: 'Mark this complaint acknowledged? Do this when you acknowledged it another way (a call, a letter); any acknowledgement email still owed is then not sent.', respond: 'Record the response you gave the complainant, in a few words for the register (it is not emailed).' },
    outcomeLabel: 'Outcome (at most 500 characters)',
    tiles: { received: 'Complaints received', onTime: 'Acknowledged within 30 days', late: 'Acknowledged late', responded: 'Responded', median: 'Median time to respond', p95: '95th percentile' },
    days: (n) => (n === null ? '—' : n === 1 ? '1 day' : `${n} days`),
  },
  fr: {
    complaints: 'Réclamations', complaintsHelp: 'Réclamations sur la façon dont nous avons traité des données ou une demande : accuser réception dans les 30 jours (l’e-mail d’accusé de réception le fait aussitôt), répondre sans retard injustifié.', complaintsReport: 'Réclamations',
    ccols: { complaint: 'Réclamation', from: 'De', received: 'Reçue', ackBy: 'Accusé de réception avant', acknowledged: 'Accusé de réception', responded: 'Réponse', actions: 'Actions' },
    cstatuses: { received: 'Reçue', acknowledged: 'Réception accusée', responded: 'Réponse donnée' },
    ackDays: (n) => (n === -1 ? '1 jour de retard' : n < 0 ? `${-n} jours de retard` : n === 0 ? 'dernier jour aujourd’hui' : n === 1 ? '1 jour restant' : `${n} jours restants`), byEmail: 'par e-mail', ackWithheld: 'e-mail non envoyé (trop d’envois à cette adresse ce jour-là) : accusez réception vous-même', read: 'Lire la réclamation', about: 'Sur la demande', daysOpen: (n) => (n === 1 ? 'ouverte depuis 1 jour' : `ouverte depuis ${n} jours`),
    act: { acknowledge: 'Marquer la réception accusée', respond: 'Enregistrer la réponse' },
    ask: { acknowledge: 'Marquer la réception de cette réclamation comme accusée ? À faire quand vous l’avez accusée autrement (appel, courrier) ; un e-mail d’accusé de réception encore dû n’est alors pas envoyé.', respond: 'Enregistrez la réponse donnée au réclamant, en quelques mots pour le registre (elle n’est pas envoyée par e-mail).' },
    outcomeLabel: 'Résultat (500 caractères au plus)',
    tiles: { received: 'Réclamations reçues', onTime: 'Réception accusée sous 30 jours', late: 'Réception accusée en retard', responded: 'Réponses données', median: 'Délai médian de réponse', p95: '95e centile' },
    days: (n) => (n === null ? '—' : n === 1 ? '1 jour' : `${n} jours`),
  },
};
for (const l of ['en', 'fr']) {
  Object.assign(T[l], { complaints: COMPLAINT_TEXT[l].complaints, complaintsHelp: COMPLAINT_TEXT[l].complaintsHelp, complaintsReport: COMPLAINT_TEXT[l].complaintsReport });
  Object.assign(T[l].act, COMPLAINT_TEXT[l].act);
  Object.assign(T[l].ask, COMPLAINT_TEXT[l].ask);
}

let complaintsCursor;
async function showComplaints(cursor, current = () => true) {
  const C = COMPLAINT_TEXT[lang];
  $('complaints-error').hidden = true;
  let page;
  try {
    page = await api(`/complaints${cursor ? `?${new URLSearchParams({ cursor })}` : ''}`);
  } catch (e) {
    if (!current()) return;
    $('complaints-error').textContent = sentence(said(e, 'complaints'));
    $('complaints-error').hidden = false;
    show('complaints');
    return;
  }
  if (!current()) return;
  complaintsCursor = page.cursor;
  const officer = isOfficer();
  $('complaints-more').hidden = !page.cursor;
  const rows = page.items.map((c) => {
    const k = c.clock;
    const ackBy = h('span', {}, day(k.acknowledgeBy), k.daysToAcknowledge === null ? '' : h('span', { className: `why${k.acknowledgedOnTime ? '' : ' overdue'}` }, C.ackDays(k.daysToAcknowledge)));
    const acknowledged = k.acknowledgedOn ? h('span', { className: k.acknowledgedOnTime ? '' : 'overdue' }, day(k.acknowledgedOn), h('span', { className: 'why' }, c.acknowledgedBy === 'email' ? C.byEmail : (c.acknowledgedBy ?? '').replace(/^officer:/, ''))) : c.ackEmailWithheld ? h('span', { className: 'why overdue' }, C.ackWithheld) : '—';
    const responded = k.respondedOn ? h('span', {}, day(k.respondedOn), h('span', { className: 'why' }, c.outcome ?? '')) : h('span', { className: 'why' }, C.daysOpen(k.daysOpen));
    const words = h('details', {}, h('summary', {}, C.read), h('p', {}, c.text));
    const actions = h('div', { className: 'actions' });
    // A viewer reads the register; only an officer acknowledges or records a response.
    if (officer && c.status === 'received') actions.append(h('button', { type: 'button', className: 'small secondary', onclick: () => actOnComplaint('acknowledge', c.id) }, C.act.acknowledge));
    if (officer && c.status !== 'responded') actions.append(h('button', { type: 'button', className: 'small', onclick: () => actOnComplaint('respond', c.id) }, C.act.respond));
    return {
      cells: [
        h('span', {}, h('code', {}, c.id), ' ', h('span', { className: 'badge' }, C.cstatuses[c.status] ?? c.status), c.requestId ? h('span', { className: 'why' }, C.about, ' ', link(c.requestId)) : null, words),
        h('span', {}, c.name ? `${c.name} ` : '', h('span', { className: 'why' }, c.email)),
        day(k.receivedOn),
        ackBy,
        acknowledged,
        responded,
        ...(officer ? [actions] : []),
      ],
      overdue: !k.acknowledgedOnTime,
    };
  });
  const cols = ['complaint', 'from', 'received', 'ackBy', 'acknowledged', 'responded', ...(officer ? ['actions'] : [])];
  $('complaints-list').replaceChildren(
    rows.length
      ? scroller(h('table', {}, h('thead', {}, h('tr', {}, ...cols.map((c) => h('th', { scope: 'col' }, C.ccols[c])))), h('tbody', {}, ...rows.map((r) => h('tr', { className: r.overdue ? 'overdue' : '' }, ...r.cells.map((x) => h('td', {}, x)))))))
      : h('p', { className: 'empty' }, T[lang].none),
  );
  show('complaints');
}

/** An officer's step on a complaint, behind the same confirmation as every action; a refusal (403, 409) is said above the list. */
async function actOnComplaint(kind, id) {
  const fields = kind === 'respond' ? [field('outcome', COMPLAINT_TEXT[lang].outcomeLabel, h('textarea', { rows: 3, minLength: 3, maxLength: 500 }))] : [];
  const values = await ask(kind, fields);
  if (!values) return;
  try {
    await api(`/complaints/${id}/${kind}`, kind === 'respond' ? { outcome: values.outcome } : {});
  } catch (e) {
    await showComplaints();
    $('complaints-error').textContent = `${T[lang].failed} ${said(e, kind)}`;
    $('complaints-error').hidden = false;
    $('complaints-error').focus();
    return;
  }
  await showComplaints();
  $('complaints-title').focus();
}

/**
 * A tile of the share done in time, in percent; with nothing to rate yet, a dash as the other figures
 * without one, and why (`none`) under its label: the words in the figure's type took three lines.
 */
const rateTile = (rate, words, none = T[lang].noRate) =>
  rate === null ? h('div', { className: 'tile' }, h('strong', {}, '—'), words, h('span', { className: 'why' }, none)) : h('div', { className: 'tile' }, h('strong', {}, `${num(rate * 100)} %`), words);

/** The report's complaints: received in the period, acknowledged within 30 days, time to respond. */
function complaintTiles(c) {
  const C = COMPLAINT_TEXT[lang];
  return [
    h('div', { className: 'tile' }, h('strong', {}, String(c.complaints)), C.tiles.received),
    rateTile(c.acknowledgedOnTimeRate, C.tiles.onTime),
    h('div', { className: `tile${c.acknowledgedLate ? ' alert' : ''}` }, h('strong', {}, String(c.acknowledgedLate)), C.tiles.late),
    h('div', { className: 'tile' }, h('strong', {}, String(c.responded)), C.tiles.responded),
    h('div', { className: 'tile' }, h('strong', {}, C.days(c.medianDaysToRespond)), C.tiles.median),
    h('div', { className: 'tile' }, h('strong', {}, C.days(c.p95DaysToRespond)), C.tiles.p95),
  ];
}

/**
 * Logging a request received by phone, post, chat or email (POST /admin/requests): the form's
 * texts apart from the table above, so that each language's strings for it stay together.
 */
const LOG_TEXT = {
  en: {
    logRequest: 'Log a request', logSubmit: 'Log the request', logProblem: 'There is a problem',
    logHelp: 'A request received by phone, post, chat or email, once you have checked the person’s identity. No confirmation link is sent: the request starts at once, and its one-month deadline runs from the day it was received.',
    logOfficersOnly: 'Only an officer can log a request.',
    logWhat: 'The request', logType: 'Type of request', logWarranty: 'Erase the lifetime-warranty purchases too (warranty claims can then no longer be honoured)', logRectField: 'What is wrong', logRectCorrection: 'What it should be',
    logObjections: 'Uses objected to', logObjMarketing: 'Offer emails and newsletter', logObjReviews: 'Review invitations', logObjProfiling: 'Profiling for advertising',
    logEmail: 'Email address of the shop account', logName: 'Name (optional)', logOrder: 'Order number (optional)', logLanguage: 'Requester’s language',
    logHow: 'How it came', logChannel: 'Channel', logReceivedOn: 'Received on', logReceivedHint: 'The day it arrived, not the day it was read: the deadline runs from it. Today, or up to three months back; a day already past its deadline makes the request overdue at once.', logIdentity: 'How you checked the identity',
    logAgent: 'Someone acting for the person (optional)', logRelationship: 'Who they are to the person', logProof: 'Proof of authority you reviewed',
    choose: 'Choose…', nobody: 'Nobody: the person asked themself', noAgent: '— (no one acting for them)',
    channels: { phone: 'Phone call', post: 'Letter', chat: 'Chat', email: 'Email' },
    identityChecks: { account_questions: 'Questions only the account holder can answer', call_back_on_file: 'Called back on the number on file', signed_letter_with_id: 'Signed letter with an identity document', email_from_address_on_file: 'Email from the account’s address', signed_in_chat: 'Chat while signed in to the account' },
    relationships: { solicitor: 'A solicitor', parent: 'A parent or guardian', attorney: 'An attorney', other: 'Another authorised person' },
    proofs: { signed_authority: 'A signed letter of authority', power_of_attorney: 'A power of attorney', parental_responsibility: 'Proof of parental responsibility', court_order: 'A court order' },
    logged: 'Request logged:', loggedDue: (due) => `, due ${due}.`,
    receivedOnWords: (d) => `, received on ${d}`,
    logAgain: 'Press “Log the request” again: the request is not logged twice.',
  },
  fr: {
    logRequest: 'Enregistrer une demande', logSubmit: 'Enregistrer la demande', logProblem: 'Il y a un problème',
    logHelp: 'Une demande reçue par téléphone, courrier, chat ou e-mail, une fois l’identité de la personne vérifiée. Aucun lien de confirmation n’est envoyé : la demande commence aussitôt, et son délai d’un mois court à partir du jour où elle a été reçue.',
    logOfficersOnly: 'Seul un responsable peut enregistrer une demande.',
    logWhat: 'La demande', logType: 'Type de demande', logWarranty: 'Effacer aussi les achats garantis à vie (la garantie ne pourra plus être honorée)', logRectField: 'Ce qui est inexact', logRectCorrection: 'Ce qu’il faudrait mettre à la place',
    logObjections: 'Utilisations refusées', logObjMarketing: 'E-mails d’offres et newsletter', logObjReviews: 'Invitations à donner un avis', logObjProfiling: 'Profilage publicitaire',
    logEmail: 'Adresse e-mail du compte client', logName: 'Nom (facultatif)', logOrder: 'Numéro de commande (facultatif)', logLanguage: 'Langue du demandeur',
    logHow: 'Comment elle est arrivée', logChannel: 'Canal', logReceivedOn: 'Reçue le', logReceivedHint: 'Le jour où elle est arrivée, pas celui où elle a été lue : le délai court à partir de ce jour. Aujourd’hui, ou jusqu’à trois mois plus tôt ; un jour dont le délai est déjà passé met la demande aussitôt en retard.', logIdentity: 'Comment vous avez vérifié l’identité',
    logAgent: 'Quelqu’un agissant pour la personne (facultatif)', logRelationship: 'Son lien avec la personne', logProof: 'Preuve du mandat que vous avez vérifiée',
    choose: 'Choisissez…', nobody: 'Personne : la personne a demandé elle-même', noAgent: '— (personne n’agit pour elle)',
    channels: { phone: 'Appel téléphonique', post: 'Courrier', chat: 'Chat', email: 'E-mail' },
    identityChecks: { account_questions: 'Questions auxquelles seul le titulaire du compte peut répondre', call_back_on_file: 'Rappel au numéro enregistré', signed_letter_with_id: 'Lettre signée avec une pièce d’identité', email_from_address_on_file: 'E-mail venant de l’adresse du compte', signed_in_chat: 'Chat avec le compte connecté' },
    relationships: { solicitor: 'Un avocat', parent: 'Un parent ou tuteur', attorney: 'Un mandataire', other: 'Une autre personne autorisée' },
    proofs: { signed_authority: 'Un mandat écrit signé', power_of_attorney: 'Une procuration', parental_responsibility: 'Une preuve de l’autorité parentale', court_order: 'Une décision de justice' },
    logged: 'Demande enregistrée :', loggedDue: (due) => `, à traiter avant le ${due}.`,
    receivedOnWords: (d) => `, reçue le ${d}`,
    logAgain: 'Appuyez de nouveau sur « Enregistrer la demande » : la demande ne sera pas enregistrée deux fois.',
  },
};
for (const l of ['en', 'fr']) for (const [k, v] of Object.entries(LOG_TEXT[l])) if (typeof v === 'string') T[l][k] = v;

/** The London date `months` calendar months before `date`, clamped to the month's last day, as the server counts its bound. */
const monthsBefore = (date, months) => {
  const [y, m, d] = date.split('-').map(Number);
  const last = new Date(Date.UTC(y, m - 1 - months + 1, 0)).getUTCDate();
  return new Date(Date.UTC(y, m - 1 - months, Math.min(d, last))).toISOString().slice(0, 10);
};
/** Which field a path of the server's 400 names (the longest prefix first); a path of none is said in the summary only. */
const LOG_FIELDS = [
  ['request.type', 'log-type'], ['request.email', 'log-email'], ['request.name', 'log-name'], ['request.orderNumber', 'log-order'], ['request.language', 'log-language'],
  ['request.eraseWarranty', 'log-warranty'], ['request.rectification', 'log-rect'], ['request.objections', 'log-objections'],
  ['channel', 'log-channel'], ['receivedOn', 'log-received'], ['identityCheck', 'log-identity'], ['agent.proof', 'log-proof'], ['agent', 'log-relationship'],
];
const logField = (path) => LOG_FIELDS.find(([k]) => path === k || path.startsWith(`${k}.`))?.[1];

/** Options by code in the page's words, keeping what the officer chose across a language switch. */
function fillSelect(id, first, codes, words) {
  const el = $(id);
  const kept = el.value;
  el.replaceChildren(...(first === undefined ? [] : [h('option', { value: '' }, first)]), ...codes.map((c) => h('option', { value: c }, words[c] ?? c)));
  el.value = kept && [...el.options].some((o) => o.value === kept) ? kept : el.options[0].value;
}

/** The type's own fields show, and are sent, only for that type. */
function logTypeChanged() {
  const type = $('log-type').value;
  $('log-erasure').hidden = type !== 'erasure';
  $('log-rectification').hidden = type !== 'rectification';
  $('log-objections').hidden = type !== 'objection';
}

const sayReceivedOn = sayDate($('log-received'), $('log-received-said'));
/** Today is filled in (a call is logged as it ends); the picker offers the days the server takes. */
function resetReceivedOn() {
  const today = londonDay(Date.now());
  Object.assign($('log-received'), { max: today, min: monthsBefore(today, 3), value: today });
  sayReceivedOn();
}

function showLog() {
  const L = LOG_TEXT[lang];
  const officer = isOfficer();
  $('log-officers-only').hidden = officer;
  $('log-form').hidden = !officer;
  fillSelect('log-type', L.choose, ['access', 'erasure', 'rectification', 'objection', 'restrict'], T[lang].types);
  fillSelect('log-channel', L.choose, Object.keys(L.channels), L.channels);
  fillSelect('log-identity', L.choose, Object.keys(L.identityChecks), L.identityChecks);
  fillSelect('log-relationship', L.nobody, Object.keys(L.relationships), L.relationships);
  fillSelect('log-proof', L.noAgent, Object.keys(L.proofs), L.proofs);
  if (!$('log-received').value) resetReceivedOn();
  sayReceivedOn();
  logTypeChanged();
  show('log');
}

/** The form as the API takes it: the request as the public form sends it, how it came, the day it was received, and an agent only when one is named. */
function logBody() {
  const v = (id) => $(id).value;
  const type = v('log-type');
  const request = {
    type,
    email: v('log-email').trim(),
    language: v('log-language'),
    ...(v('log-name').trim() ? { name: v('log-name') } : {}),
    ...(v('log-order').trim() ? { orderNumber: v('log-order').trim() } : {}),
    ...(type === 'erasure' && $('log-warranty').checked ? { eraseWarranty: true } : {}),
    ...(type === 'rectification' ? { rectification: { field: v('log-rect'), correction: v('log-rect-correction') } } : {}),
    ...(type === 'objection' ? { objections: [...document.querySelectorAll('#log-objections input:checked')].map((i) => i.value) } : {}),
  };
  const agent = v('log-relationship') || v('log-proof') ? { agent: { relationship: v('log-relationship'), proof: v('log-proof') } } : {};
  return { request, channel: v('log-channel'), identityCheck: v('log-identity'), ...(v('log-received') ? { receivedOn: v('log-received') } : {}), ...agent };
}

/**
 * The form's Idempotency-Key: one random key from the moment the form is empty until the server
 * answers it, so that pressing Log again after a lost answer (a time-out, a gateway's 5xx) gets the
 * request the first press logged instead of a second one. A new form, a new key.
 */
const newLogKey = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
let logKey = newLogKey();

/** The server's issues beside their fields (each box says its field's, the field marked invalid), and all of them above the form, each a link to its field; `after`, what follows the message (a link to a request). */
function logErrors(issues, message, ...after) {
  const form = $('log-form');
  for (const el of form.querySelectorAll('.error')) el.hidden = true;
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  const items = [];
  const said = new Map();
  for (const i of issues) {
    const id = logField(i.path);
    if (!id) {
      items.push(h('li', {}, `${i.path}: ${i.message}`));
      continue;
    }
    said.set(id, [...(said.get(id) ?? []), i.message]);
  }
  for (const [id, messages] of said) {
    const box = $(`${id}-error`);
    box.textContent = messages.join(' ');
    box.hidden = false;
    $(id).setAttribute('aria-invalid', 'true');
    const name = (document.querySelector(`label[for="${id}"]`) ?? $(id).querySelector('legend'))?.textContent ?? id;
    const go = h('a', { href: `#${id}` }, `${name}: ${messages.join(' ')}`);
    // The console routes by the address's hash: the link moves the focus, and leaves the address alone.
    go.addEventListener('click', (e) => {
      e.preventDefault();
      ($(id).matches('fieldset') ? $(id).querySelector('input') : $(id)).focus();
    });
    items.push(h('li', {}, go));
  }
  if (message) items.push(h('li', {}, message, ...after));
  $('log-summary-list').replaceChildren(...items);
  $('log-summary').hidden = items.length === 0;
  if (items.length) $('log-summary').focus();
}

async function submitLog() {
  const L = LOG_TEXT[lang];
  $('log-done').hidden = true;
  let r;
  try {
    r = await adminFetch('/requests', { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': logKey }, body: JSON.stringify(logBody()) });
  } catch (e) {
    // The server may have logged it: pressing again under the same key answers that request.
    return logErrors([], `${sentence(e.message)} ${L.logAgain}`);
  }
  if (r.status === 401) return forget(T[lang].sessionEnded);
  const data = await r.json().catch(() => ({}));
  if (ourFailure(r, data)) return logErrors([], `${sentence(T[lang].serverFailed)} ${L.logAgain}`);
  // The form was changed after a press whose answer was lost: said with the request that press logged; the next press logs this one as another.
  if (data.error === 'IdempotencyKeyReused') {
    logKey = newLogKey();
    return logErrors([], sentence(refusalWords(lang, { status: r.status, body: data }, 'log', time)), ...(data.requestId ? [' ', link(data.requestId)] : []));
  }
  // Each refused field by what the form asks there, in the console's language: the server's words are English.
  if (!r.ok && data.issues?.length) return logErrors(data.issues.map((i) => ({ path: i.path, message: sentence(issueWords(lang, 'log', i)) })));
  if (!r.ok) return logErrors([], sentence(refusalWords(lang, { status: r.status, body: data }, 'log', time)));
  logKey = newLogKey();
  logErrors([]);
  $('log-form').reset();
  resetReceivedOn();
  logTypeChanged();
  $('log-done').replaceChildren(`${L.logged} `, link(data.id), L.loggedDue(day(data.dueDate)), ...(data.workflowOwed ? [` ${T[lang].workflowOwed}`] : []));
  $('log-done').hidden = false;
  $('log-done').focus();
}

/** The page last shown (its section and address): a page drawn again in place (after an action, a language switch) leaves the focus where it is. */
let shown = '';
function show(id) {
  const page = `${id}${location.hash}`;
  for (const s of ['login', 'dashboard', 'detail', 'report', 'complaints', 'log', 'page-failed']) $(s).hidden = s !== id;
  $('nav').hidden = id === 'login';
  $('nav-log').hidden = id === 'login' || !isOfficer();
  $('signout').hidden = id === 'login';
  $('who').hidden = id === 'login';
  $('who').textContent = id === 'login' ? '' : T[lang].signedInAs(username());
  if (page !== shown) $('app').focus();
  shown = page;
}

/** The token is no longer good (expired, refused): back to the sign-in button. */
/** Signs out of the console; `reason`, said on the sign-in page, is returned. */
function forget(reason) {
  token = null;
  sessionStorage.removeItem('lethe-token');
  show('login');
  $('login-error').textContent = reason ?? '';
  $('login-error').hidden = !reason;
  return reason;
}

/** Ends the managed login session too, or the next sign-in would not ask for the password. */
function signOut() {
  forget();
  location.assign(`${auth.logoutEndpoint}?${new URLSearchParams({ client_id: auth.clientId, logout_uri: auth.redirectUri })}`);
}

/** How many pages have been asked for: each route() is the latest until the next one. */
let asked = 0;

/**
 * Draws the page the address names. Pages load at their own pace: one asked for earlier (the
 * dashboard a language switch redraws) can answer after a later one (the request the officer then
 * opened), and would be drawn over it; a page is drawn only while it is still the latest asked for.
 */
function route() {
  const turn = ++asked;
  const current = () => turn === asked;
  if (!token) return show('login');
  const m = /^#\/requests\/(\w{26})$/.exec(location.hash);
  if (location.hash === '#/log') return showLog();
  // A page that cannot be drawn (the API failing, a request that does not exist) says so, in place of the page before it:
  // until November 29, 2026 the dashboard and a request's page said nothing, the first load showing the header alone.
  return (m ? showDetail(m[1], current) : location.hash === '#/report' ? showReport(current) : location.hash === '#/complaints' ? showComplaints(undefined, current) : showDashboard(current)).catch((e) => {
    if (!current() || !token) return;
    show('page-failed');
    $('page-error').textContent = sentence(said(e, 'load'));
  });
}

function applyLang() {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll('[data-c]')) el.textContent = T[lang][el.dataset.c];
  for (const b of document.querySelectorAll('.lang-switch button[data-lang]')) b.setAttribute('aria-pressed', String(b.dataset.lang === lang));
}

$('filters').addEventListener('submit', (e) => {
  e.preventDefault();
  filters = { status: $('filter-status').value, type: $('filter-type').value, processor: $('filter-processor').value, escalated: $('filter-escalated').value, dueAfter: $('filter-due-after').value, dueBefore: $('filter-due-before').value, overdue: $('filter-overdue').checked };
  showList().catch((err) => console.error(err));
});
$('search').addEventListener('submit', (e) => {
  e.preventDefault();
  search($('search-q').value.trim()).catch((err) => console.error(err));
});
$('report-range').addEventListener('submit', (e) => {
  e.preventDefault();
  range = { from: $('report-from').value, to: $('report-to').value };
  showReport().catch((err) => console.error(err));
});
for (const [button, path, name] of [['report-csv', '/report.csv', 'sla'], ['audit-csv', '/audit.csv', 'audit']]) {
  $(button).addEventListener('click', () => {
    range = { from: $('report-from').value, to: $('report-to').value };
    downloadCsv(path, name).catch((err) => console.error(err));
  });
}
$('complaints-more').addEventListener('click', () => showComplaints(complaintsCursor).catch((err) => console.error(err)));
$('log-type').addEventListener('change', logTypeChanged);
$('log-form').addEventListener('submit', (e) => {
  e.preventDefault();
  submitLog().catch((err) => console.error(err));
});
$('signin').addEventListener('click', () => signIn().catch((e) => console.error(e)));
$('signout').addEventListener('click', signOut);
for (const b of document.querySelectorAll('.lang-switch button[data-lang]')) {
  b.addEventListener('click', () => {
    lang = b.dataset.lang;
    localStorage.setItem('lethe-lang', lang);
    applyLang();
    route();
  });
}
window.addEventListener('hashchange', route);
applyLang();
auth = await (await fetch('/config.json')).json();
try {
  await completeSignIn();
} catch (e) {
  console.error(e);
  $('login-error').textContent = T[lang].signInFailed;
  $('login-error').hidden = false;
}
route();
