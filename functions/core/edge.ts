/*
 * What every HTTP function shares with the form, kept apart from the form's schema (core/intake.ts)
 * so that a function importing these builds no schema it never parses.
 */

export const normaliseEmail = (email: string) => email.trim().toLowerCase();

/** The header CloudFront adds with the viewer's address and source port (`198.51.100.10:46532`) when an origin request policy asks for it. */
export const VIEWER_ADDRESS_HEADER = 'CloudFront-Viewer-Address';
/**
 * The header CloudFront adds to every request it sends the API, holding a secret only it and the
 * functions know: a request without it did not come through CloudFront (and could carry any
 * CloudFront-Viewer-Address it liked).
 */
export const ORIGIN_HEADER = 'x-lethe-origin';
