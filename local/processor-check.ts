import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Webhook } from 'standardwebhooks';
import { ulid } from 'ulid';
import { signWebhook, verifyWebhook } from '../functions/adapters/webhook-signing.ts';
import { CallbackBody, capOf, MAX_WEBHOOK_ID } from '../functions/core/callback-body.ts';
import { ProcessorSecret, WEBHOOK_KEY_MIN_BYTES } from '../functions/core/model.ts';
import { parseExportResults } from '../functions/core/results-body.ts';
import { WebhookBody } from '../functions/core/webhook-body.ts';

/**
 * The processor conformance kit: `npm run processor-check -- <url> --secret <whsec_…>`.
 * It plays Lethe against a processor's endpoint and reports, rule by rule, whether the endpoint
 * keeps the contract of docs/processors.md. It only ever asks to erase a made-up subject
 * (conformance-check@lethe.invalid), so it is safe to point at a staging endpoint.
 */

/** `warn`: allowed by the contract's letter here, refused by Lethe in production. Never fails the check. */
export type Outcome = 'pass' | 'fail' | 'warn' | 'skip';
export type RuleResult = { rule: string; outcome: Outcome; detail: string };

export type CheckOptions = {
  /** How long to wait for the processor's first callback. @default 5000 */
  waitMs?: number;
  /** How long to watch for callbacks that should not come (acting twice, acting on a refused webhook). @default 1000 */
  quietMs?: number;
  /** The callback receiver's public base URL, when the processor cannot reach this machine's loopback (a tunnel). */
  callbackBaseUrl?: string;
  /** Port of the local callback receiver. @default 0 (any) */
  callbackPort?: number;
};

/** `reused`: its webhook-id came before, for this task, with other bytes (Lethe answers 409: a fresh id for each distinct callback). */
type Received = { taskId: string; webhookId: string; raw: string; verified: boolean; body: unknown; valid: boolean; reused: boolean };

export const RULES = {
  'uses-https': 'The endpoint is https: deployed, Lethe sends webhooks over https only.',
  'accepts-valid-webhook': 'A correctly signed webhook is answered 2xx.',
  'refuses-forged-signature': 'A webhook signed with another key is refused (401 or 403).',
  'refuses-tampered-body': 'A body changed after signing is refused (401 or 403).',
  'refuses-stale-timestamp': 'A correctly signed webhook older than 5 minutes is refused (4xx).',
  'refuses-future-timestamp': 'A correctly signed webhook more than 5 minutes in the future is refused (4xx).',
  'refuses-unsigned': 'A webhook without signature headers is refused (4xx).',
  'accepts-any-current-signature': 'During a key rotation, a header with several signatures is accepted when one matches.',
  'replay-is-idempotent': 'The very same request again (same webhook-id, timestamp, signature) is answered 2xx.',
  'retry-is-idempotent': 'A retry (same webhook-id and body, new timestamp) is answered 2xx.',
  'calls-back-signed': 'The processor calls status_callback_url, signed with the same secret, with a body Lethe takes (schema, task_id, webhook-id of at most 200 characters and never used again with other bytes, size cap, results shape).',
  'acts-once': 'A replayed or retried webhook-id is not acted on again: one answer per task.',
  'ignores-refused-webhooks': 'No callback ever comes for a refused webhook.',
} as const;
type Rule = keyof typeof RULES;

const ok = (s: number) => s >= 200 && s < 300;
const refusedAuth = (s: number) => s === 401 || s === 403;
const refused = (s: number) => s >= 400 && s < 500;

/** A fresh, made-up erasure for each probe: its own task id, so probes never mask each other. */
function probe(callbackBase: string) {
  const requestId = ulid();
  const taskId = `${requestId}.conformance`;
  const body = WebhookBody.parse({
    task_id: taskId,
    subject_request_id: requestId,
    subject_request_type: 'erasure',
    action: 'erase',
    subject_identities: [{ identity_type: 'email', identity_value: 'conformance-check@lethe.invalid', identity_format: 'raw', verified: true }],
    submitted_time: new Date().toISOString(),
    expected_completion_time: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10),
    status_callback_url: `${callbackBase}/callbacks/${taskId}`,
    legal_holds: [],
  });
  return { taskId, raw: JSON.stringify(body) };
}

/**
 * What Lethe's callback takes (functions/callback/receive.ts): the schema, the task of its URL
 * (task_id binds the signed bytes to their task), a webhook-id within its cap (else a 400), the
 * body's cap (else a 413) and, wherever `results` is sent, results in the documented shape (else a
 * 422 that escalates the task).
 */
function validCallback(raw: string, body: unknown, taskId: string, webhookId: string) {
  const parsed = CallbackBody.safeParse(body);
  if (!parsed.success || parsed.data.task_id !== taskId || webhookId.length > MAX_WEBHOOK_ID || Buffer.byteLength(raw) > capOf(parsed.data)) return false;
  return !(parsed.data.request_status === 'completed' && parsed.data.results !== undefined) || parseExportResults(parsed.data.results).success;
}

/** Thrown before anything is sent: the key is one the deployed functions refuse (functions/adapters/secrets.ts). */
export class UnusableSecret extends Error {}

export async function checkProcessor(url: string, secret: string, o: CheckOptions = {}): Promise<RuleResult[]> {
  // The deployed functions' own rule, so that the kit never passes a processor on a key Lethe will not use.
  if (!ProcessorSecret.safeParse({ secrets: [secret] }).success) {
    throw new UnusableSecret(
      `the secret holds a whsec_ key shorter than ${WEBHOOK_KEY_MIN_BYTES} bytes or not base64 (or no whsec_ key): Lethe refuses it; agree on whsec_ and the base64 of at least ${WEBHOOK_KEY_MIN_BYTES} bytes`,
    );
  }
  new Webhook(secret);
  const received: Received[] = [];
  const receiver = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => {
      raw += c;
    });
    req.on('end', () => {
      const taskId = decodeURIComponent((req.url ?? '').replace(/^\/callbacks\//, ''));
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      const body = verifyWebhook(raw, headers, [secret]);
      const webhookId = headers['webhook-id'] ?? '';
      // Lethe keeps a callback's webhook-id with its bytes (an acknowledgement's too): the same id with other bytes is a 409.
      const reused = body !== undefined && received.some((c) => c.verified && c.taskId === taskId && c.webhookId === webhookId && c.raw !== raw);
      received.push({ taskId, webhookId, raw, verified: body !== undefined, body, valid: validCallback(raw, body, taskId, webhookId) && !reused, reused });
      const [code, answer] = body === undefined ? [401, '{"error":"signature not valid"}'] : reused ? [409, '{"error":"Conflict","message":"webhook-id already used with other content"}'] : [200, '{"status":"accepted"}'];
      res.writeHead(code, { 'content-type': 'application/json' }).end(answer);
    });
  });
  await new Promise<void>((r) => receiver.listen(o.callbackPort ?? 0, '127.0.0.1', r));
  const base = o.callbackBaseUrl ?? `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  const results = new Map<Rule, RuleResult>();
  const record = (rule: Rule, outcome: Outcome, detail: string) => results.set(rule, { rule, outcome, detail });
  const send = async (raw: string, headers: Record<string, string>) => {
    try {
      const r = await fetch(url, { method: 'POST', redirect: 'manual', signal: AbortSignal.timeout(10_000), headers: { 'content-type': 'application/json', ...headers }, body: raw });
      await r.body?.cancel();
      return r.status;
    } catch (e) {
      return `unreachable (${(e as Error).name})` as const;
    }
  };
  const expect = async (rule: Rule, raw: string, headers: Record<string, string>, test: (s: number) => boolean, want: string) => {
    const s = await send(raw, headers);
    record(rule, typeof s === 'number' && test(s) ? 'pass' : 'fail', `answered ${s}, expected ${want}`);
    return s;
  };

  const scheme = new URL(url).protocol;
  record(
    'uses-https',
    scheme === 'https:' ? 'pass' : 'warn',
    scheme === 'https:' ? 'https' : `${scheme.replace(':', '')}: Lethe's sender refuses anything but https outside the local runtime, so this endpoint would get no webhook in production`,
  );
  try {
    const valid = probe(base);
    const validHeaders = signWebhook(valid.taskId, valid.raw, [secret]);
    await expect('accepts-valid-webhook', valid.raw, validHeaders, ok, '2xx');

    const refusedTasks: string[] = [];
    const refusal = async (rule: Rule, make: (p: ReturnType<typeof probe>) => [string, Record<string, string>], test: (s: number) => boolean, want: string) => {
      const p = probe(base);
      refusedTasks.push(p.taskId);
      const [raw, headers] = make(p);
      await expect(rule, raw, headers, test, want);
    };
    const other = `whsec_${randomBytes(24).toString('base64')}`;
    await refusal('refuses-forged-signature', (p) => [p.raw, signWebhook(p.taskId, p.raw, [other])], refusedAuth, '401 or 403');
    await refusal('refuses-tampered-body', (p) => [p.raw.replace('conformance-check@', 'someone-else@'), signWebhook(p.taskId, p.raw, [secret])], refusedAuth, '401 or 403');
    await refusal('refuses-stale-timestamp', (p) => [p.raw, signWebhook(p.taskId, p.raw, [secret], new Date(Date.now() - 10 * 60_000))], refused, '4xx');
    await refusal('refuses-future-timestamp', (p) => [p.raw, signWebhook(p.taskId, p.raw, [secret], new Date(Date.now() + 10 * 60_000))], refused, '4xx');
    await refusal('refuses-unsigned', (p) => [p.raw, { 'webhook-id': p.taskId }], refused, '4xx');

    const rotated = probe(base);
    const both = signWebhook(rotated.taskId, rotated.raw, [other, secret]);
    await expect('accepts-any-current-signature', rotated.raw, both, ok, '2xx');

    await expect('replay-is-idempotent', valid.raw, validHeaders, ok, '2xx');
    await new Promise((r) => setTimeout(r, 1100)); // a retry carries a later timestamp (whole seconds)
    await expect('retry-is-idempotent', valid.raw, signWebhook(valid.taskId, valid.raw, [secret]), ok, '2xx');

    const answers = () => received.filter((c) => c.taskId === valid.taskId && (c.body as { request_status?: string })?.request_status !== 'in_progress');
    const end = Date.now() + (o.waitMs ?? 5000);
    while (!answers().length && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
    const first = answers()[0];
    if (!first) {
      record('calls-back-signed', 'skip', `no callback within ${o.waitMs ?? 5000} ms (a processor may answer later; re-run with --wait)`);
      record('acts-once', 'skip', 'needs a callback to compare');
    } else {
      const bad = received.filter((c) => c.taskId === valid.taskId && (!c.verified || !c.valid));
      record('calls-back-signed', bad.length ? 'fail' : 'pass', bad.length ? `${bad.length} callback(s) ${bad.some((b) => !b.verified) ? 'not signed with the secret' : bad.some((b) => b.reused) ? 'under a webhook-id used again with other content, which Lethe refuses with 409 (choose a fresh webhook-id for each distinct callback)' : 'that Lethe refuses: an invalid body, a task_id other than the task of the callback URL, a webhook-id over 200 characters, over its size cap, or results outside the documented shape'}` : `signed, ${(first.body as { request_status: string }).request_status}`);
      await new Promise((r) => setTimeout(r, o.quietMs ?? 1000));
      // The same answer sent twice under one webhook-id is a network retry, not a second action.
      const ids = new Set(answers().map((c) => c.webhookId));
      record('acts-once', ids.size === 1 ? 'pass' : 'fail', `${ids.size} distinct answer(s) for one task after a replay and a retry`);
    }
    const stray = received.filter((c) => refusedTasks.includes(c.taskId));
    record('ignores-refused-webhooks', stray.length ? 'fail' : 'pass', stray.length ? `${stray.length} callback(s) for refused webhooks` : 'none');
  } finally {
    receiver.closeAllConnections();
    await new Promise((r) => receiver.close(r));
  }
  return (Object.keys(RULES) as Rule[]).map((r) => results.get(r) ?? { rule: r, outcome: 'skip', detail: 'not reached' });
}

export function report(url: string, results: RuleResult[]): string {
  const mark = { pass: 'PASS', fail: 'FAIL', warn: 'WARN', skip: 'SKIP' } as const;
  const lines = results.map((r) => `${mark[r.outcome]}  ${r.rule.padEnd(30)} ${RULES[r.rule as Rule]}\n      ${r.detail}`);
  const fails = results.filter((r) => r.outcome === 'fail').length;
  const warns = results.filter((r) => r.outcome === 'warn').length;
  const summary = fails ? `${fails} rule(s) broken` : 'every checked rule holds';
  return [`Lethe processor contract check: ${url}`, '', ...lines, '', warns ? `${summary}; ${warns} warning(s)` : summary].join('\n');
}

function parseArgs(argv: string[]) {
  const out: { url?: string; secret?: string; wait?: number; callbackBase?: string; callbackPort?: number; json: boolean } = { json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--secret') out.secret = argv[++i];
    else if (a === '--wait') out.wait = Number(argv[++i]);
    else if (a === '--callback-base') out.callbackBase = argv[++i];
    else if (a === '--callback-port') out.callbackPort = Number(argv[++i]);
    else if (a === '--json') out.json = true;
    else if (!a.startsWith('--')) out.url = a;
  }
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = parseArgs(process.argv.slice(2));
  const secret = args.secret ?? process.env.PROCESSOR_SECRET;
  if (!args.url || !secret?.startsWith('whsec_')) {
    console.error('usage: npm run processor-check -- <url> --secret <whsec_…> [--wait <ms>] [--callback-base <public url>] [--callback-port <port>] [--json]');
    process.exit(2);
  }
  const results = await checkProcessor(args.url, secret, { waitMs: args.wait, callbackBaseUrl: args.callbackBase, callbackPort: args.callbackPort }).catch((e) => {
    if (!(e instanceof UnusableSecret)) throw e;
    console.error(e.message);
    process.exit(2);
  });
  console.log(args.json ? JSON.stringify(results, null, 2) : report(args.url, results));
  process.exit(results.some((r) => r.outcome === 'fail') ? 1 : 0);
}
