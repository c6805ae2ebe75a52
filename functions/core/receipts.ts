import type { StoredTask } from './ports.ts';

type Receipts = NonNullable<StoredTask['receipts']>;

/**
 * Ids the SDK's DynamoDB marshalling cannot keep as map keys: it builds maps by assignment, so a
 * `__proto__` key is dropped on the way in and out, and a `constructor` key makes the write throw.
 * Their receipts are kept under the id after a line break, which no HTTP header can carry, so no
 * other webhook-id can be that key.
 */
const UNSTORABLE = ['__proto__', 'constructor'];
const ESCAPE = '\n';

/** The key of a callback's receipt in its task's `receipts` map. */
export const receiptKey = (webhookId: string) => (UNSTORABLE.includes(webhookId) ? `${ESCAPE}${webhookId}` : webhookId);

/** The webhook-id a `receipts` key stands for (the id the processor signed, for `npm run audit:verify`). */
export const receiptWebhookId = (key: string) => (key.startsWith(ESCAPE) ? key.slice(ESCAPE.length) : key);

/** The receipt recorded under this webhook-id, if any: its own entry, never a property every object has (`toString`). */
export const receiptOf = (receipts: StoredTask['receipts'], webhookId: string): Receipts[string] | undefined => {
  const key = receiptKey(webhookId);
  return receipts && Object.hasOwn(receipts, key) ? receipts[key] : undefined;
};
