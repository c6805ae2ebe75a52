import * as z from './zod.ts';

/**
 * A lone UTF-16 surrogate is no character: DynamoDB refuses a string holding one, which would break
 * a write half-way (a 500, and a caller retrying for ever), and no email could carry it. Every free
 * text that is stored is checked here, once, at its schema.
 */
const wellFormed = (s: string) => !/\p{Cs}/u.test(s);

/** The message of a form's field (intake, complaints), which the form words in the requester's language. */
export const UNREADABLE = 'unreadable';

/** The message of an API's field (a processor's callback, the admin API), read by whoever wrote the call. */
export const LONE_SURROGATE = 'holds a lone UTF-16 surrogate, which is no character and cannot be stored';

/** A string check: refused with `message` when the text holds a lone surrogate (a surrogate pair, an emoji, is a character like another). */
export const readable = (message: string = LONE_SURROGATE) => z.refine<string>(wellFormed, message);

/**
 * Text built from a caller's input that is stored without a schema of its own (a zod issue's path
 * names the caller's keys, which may hold anything): lone surrogates become U+FFFD, and it is cut to
 * `max` UTF-16 units, ending with "…" (a pair the cut splits leaves a lone surrogate, replaced too).
 */
export const storable = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text).replace(/\p{Cs}/gu, '\uFFFD');
