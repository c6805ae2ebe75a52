import { IsoDate, LegalHold } from './model.ts';
import { readable } from './readable.ts';
import * as z from './zod.ts';

/**
 * The processor's signed callback. `task_id` binds the signed bytes to the task they answer: the
 * signature covers the body, not the URL, so without it a callback captured on its way to one task
 * would verify on the callback URL of any other task at the same processor (receive.ts checks it).
 */
/** The longest reason a task's failure is stored with: a processor's own, or one Lethe words from its answer. */
export const MAX_REASON = 1000;
/** A callback body may carry an export inline; larger exports come as a results_url. */
export const MAX_CALLBACK_BYTES = 256 * 1024;
/**
 * Any other callback's signed bytes are kept on the task's record as its receipt, and a task record
 * is one DynamoDB item (400 KB at most): a body padded to the 256 KiB above, twice, would leave the
 * task unwritable, even by an officer. Real ones are a few KiB at most (a receipt is 2,000 characters,
 * a failure's reason 1,000); an export's inline results are kept apart, in the expiring RESULT item.
 */
export const MAX_RECEIPT_CALLBACK_BYTES = 32 * 1024;

/** The longest webhook-id a callback may carry (docs/openapi.yaml, WebhookId): it keys the receipt in the task's one item. */
export const MAX_WEBHOOK_ID = 200;

const receipt = z.optional(z.string().check(z.maxLength(2000), readable()));
const task_id = z.string();
export const CallbackBody = z.discriminatedUnion('request_status', [
  z.strictObject({ task_id, request_status: z.literal('in_progress'), receipt }),
  z.strictObject({
    task_id,
    request_status: z.literal('completed'),
    results: z.optional(z.unknown()),
    /** Fetched at the assemble step through the SSRF guard, which takes only https and no credentials: refused here, not there. */
    results_url: z.optional(
      z.url({ protocol: /^https$/, error: 'an https URL' }).check(z.refine((u) => !URL.canParse(u) || !(new URL(u).username || new URL(u).password), { message: 'a URL without credentials' })),
    ),
    /** An export whose records also hold other people's data (Art. 15(4)): an officer reviews the copy before it goes out. */
    third_party_data: z.optional(z.boolean()),
    receipt,
  }).check(
    // Assemble would read the URL and drop the inline records: one place for the export, so none is lost unsaid.
    z.refine((b) => b.results === undefined || b.results_url === undefined, { message: 'either results or results_url, not both', path: ['results_url'] }),
  ),
  z.strictObject({ task_id, request_status: z.literal('not_found'), receipt }),
  z.strictObject({ task_id, request_status: z.literal('failed'), reason: z.string().check(z.minLength(1), z.maxLength(MAX_REASON), readable()), receipt }),
  z.strictObject({
    task_id,
    request_status: z.literal('retained'),
    legal_basis: LegalHold.shape.basis,
    retained_until: z.nullable(IsoDate),
    // Records kept under the other hold too (an invoice for accounting, a warranty purchase for the warranty).
    additional_holds: z.optional(
      z.array(z.strictObject({ legal_basis: LegalHold.shape.basis, retained_until: z.nullable(IsoDate) })).check(z.minLength(1), z.maxLength(1)),
    ),
    receipt,
  }).check(
    // Stryker disable next-line MethodExpression: the refinement runs only once additional_holds passed its bounds, so it holds exactly one hold, and some() and every() agree on one
    z.refine((b) => !b.additional_holds?.some((h) => h.legal_basis === b.legal_basis), { message: 'each hold is named once: an additional hold has another legal_basis', path: ['additional_holds'] }),
  ),
]);
export type CallbackBody = z.infer<typeof CallbackBody>;

/** Why a `retained` answer to a task that is not an erasure is refused (400): legal holds are sent with erasures only. */
export const RETAINED_ERASURE_ONLY = 'retained answers an erasure only (a task whose action is erase)';

/** Why a `completed` export with neither `results` nor `results_url` is refused (400): a processor that holds nothing answers `not_found`. */
export const EXPORT_WITHOUT_RESULTS = 'an export is completed with results or results_url; holding nothing, answer not_found';

/** The cap on this callback's bytes (receive.ts answers 413 over it; the conformance kit fails a callback over it). */
export const capOf = (b: CallbackBody) => (b.request_status === 'completed' && b.results !== undefined ? MAX_CALLBACK_BYTES : MAX_RECEIPT_CALLBACK_BYTES);
