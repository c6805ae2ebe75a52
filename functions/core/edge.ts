/*
 * What every HTTP function shares with the form, kept apart from the form's schema (core/intake.ts)
 * so that a function importing these builds no schema it never parses.
 */

export const normaliseEmail = (email: string) => email.trim().toLowerCase();

/** The domains that reach another's inboxes: Gmail answers at googlemail.com too; one Proton account at all four of its own. */
const SAME_INBOXES: Record<string, string> = { 'googlemail.com': 'gmail.com', 'protonmail.com': 'proton.me', 'protonmail.ch': 'proton.me', 'pm.me': 'proton.me' };
/** What a service ignores in the name: Gmail its dots; Proton its dots, hyphens and underscores (proton.me/support/change-username). */
const IGNORED: Record<string, RegExp> = { 'gmail.com': /\./g, 'proton.me': /[._-]/g };

/**
 * The inbox an address reaches, as the limits on mail to one address count it. Most mail services
 * deliver `name+anything@` to `name@` (subaddressing, RFC 5233), and Gmail and Proton ignore some of
 * the name's characters and answer at more than one domain: counted by the address as typed, a limit
 * of a few emails an hour to one inbox was a limit per spelling, and anyone could spell a stranger's
 * address afresh for every submission (at Proton until November 29, 2026). Only for counting:
 * requests, searches and emails keep the address as typed.
 */
export function inboxOf(email: string): string {
  const address = normaliseEmail(email);
  const at = address.lastIndexOf('@');
  const typed = address.slice(at + 1);
  const domain = SAME_INBOXES[typed] ?? typed;
  const name = address.slice(0, at).replace(/(.)\+.*/, '$1');
  return `${IGNORED[domain] ? name.replace(IGNORED[domain], '') : name}@${domain}`;
}

/** The header CloudFront adds with the viewer's address and source port (`198.51.100.10:46532`) when an origin request policy asks for it. */
export const VIEWER_ADDRESS_HEADER = 'CloudFront-Viewer-Address';
/**
 * The header CloudFront adds to every request it sends the API, holding a secret only it and the
 * functions know: a request without it did not come through CloudFront (and could carry any
 * CloudFront-Viewer-Address it liked).
 */
export const ORIGIN_HEADER = 'x-lethe-origin';

/**
 * The least time, in milliseconds, from the start of an intake invocation to its 202
 * (`ANSWER_FLOOR_MS`). The slowest 202 writes a new request and mails its link: about eight
 * single-item DynamoDB calls and one SES SendEmail: 27 ms (median) on the embedded runtime, and on
 * AWS mostly SES's own time, which nothing bounds and which the SDK adds a backoff to when it retries
 * a throttled send. A repeat that joins an open request mails nothing and is done in a third of
 * that: held to the same floor, the time no longer says which one ran. 600 ms leaves that slow path
 * a few hundred ms of SES to spare, and is still short for a person pressing Send. An answer whose
 * own work runs past it (a cold sandbox's first SES connection, a retried send) still shows, so keep
 * it above the intake function's p99 duration.
 */
export const ANSWER_FLOOR_MS = 600;
/**
 * The longest floor the configuration takes: a tenth of the intake function's 20 s timeout
 * (infra/constructs/functions.ts), so that the work before a held answer (a slow or retried SES send)
 * still has nearly all the timeout to finish in, and an answer two seconds late is still an answer a
 * person waits for. A floor beyond it is a mistake (seconds typed as milliseconds), refused at synth.
 */
export const MAX_ANSWER_FLOOR_MS = 2000;
