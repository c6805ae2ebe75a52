import { escapeHtml as esc } from '../functions/core/text.ts';

/**
 * The embedded runtime's own pages: the mailbox and the demo processors. They are the demo's
 * windows onto what a real deployment hides in SES and in each provider's systems, so they show
 * what was sent and received, escaped, and never a signing secret or a signature.
 */

const STYLE = `
:root { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2433; background: #f4f6f9; line-height: 1.5; }
body { margin: 0; }
header { background: #1d2433; color: #fff; padding: 0.8rem 1.5rem; }
header a { color: #fff; }
main { max-width: 60rem; margin: 1.5rem auto; padding: 0 1.5rem; }
h1 { font-size: 1.5rem; }
h2 { font-size: 1.1rem; margin: 0 0 0.3rem; }
article, section { background: #fff; border: 1px solid #d5dbe5; border-radius: 8px; padding: 1rem 1.3rem; margin-bottom: 1rem; }
.meta { color: #4a5363; margin: 0 0 0.6rem; font-size: 0.95rem; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f4f6f9; border: 1px solid #d5dbe5; border-radius: 6px; padding: 0.8rem 1rem; margin: 0; font: 0.95rem/1.5 ui-monospace, Consolas, monospace; }
a { color: #0b5cad; }
table { border-collapse: collapse; width: 100%; font-size: 0.95rem; }
caption { text-align: left; }
th, td { text-align: left; border-bottom: 1px solid #d5dbe5; padding: 0.35rem 0.5rem; vertical-align: top; }
td code { overflow-wrap: anywhere; }
.kept { color: #7a4f00; font-weight: 600; }
`;

/** An empty icon of its own: without one the browser asks the server for /favicon.ico, which the mailbox's SES stand-in refuses (403) and the processors' server does not have (404), an error in the browser's console. */
export function page(title: string, body: string, nav = '') {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,"><title>${esc(title)}</title><style>${STYLE}</style></head><body><header>${nav || 'Lethe, local demo'}</header><main><h1>${esc(title)}</h1>${body}</main></body></html>`;
}

/** Text with its web addresses made links; everything escaped. */
export function linkify(text: string) {
  return text
    .split(/(https?:\/\/[^\s<>"']*[^\s<>"'.,;:!?)])/)
    .map((part, i) => (i % 2 ? `<a href="${esc(part)}">${esc(part)}</a>` : esc(part)))
    .join('');
}

export type MailboxEmail = { subject: string; from: string; to: string[]; at: number; text?: string; html?: string };

/** The local mailbox: every email SES was asked to send, newest first, with its whole text body. */
export function mailboxPage(emails: readonly MailboxEmail[]) {
  // SES stamps whole seconds: within one, the store's own order (oldest first) says which came last.
  const items = emails
    .map((e, i) => ({ e, i }))
    .sort((a, b) => b.e.at - a.e.at || b.i - a.i)
    .map(({ e }) => e)
    .map(
      (e) => `<article><h2>${esc(e.subject)}</h2><p class="meta">To ${esc(e.to.join(', '))} · from ${esc(e.from)} · <time datetime="${new Date(e.at * 1000).toISOString()}">${esc(new Date(e.at * 1000).toISOString().replace('T', ' ').slice(0, 19))} UTC</time></p><pre>${linkify(e.text ?? '')}</pre></article>`,
    )
    .join('');
  return page(
    'Mailbox',
    `<p>Every email Lethe sent through the local SES, newest first. <a href="/">Refresh</a> to see new ones; the raw store is at <a href="/store">/store</a>.</p>${items || '<p>No email yet.</p>'}`,
  );
}

export type ReceivedWebhook = { id: string; verified: boolean; at: number; body: Record<string, unknown> | undefined };
/** `task`: the `task_id` it names, which is the webhook-id of the webhook it answers (`id` is the callback's own). */
export type SentCallback = { task: string; id: string; request_status: string; code: number };
/** `why` says what restricts a record: a legal hold (the default) or a restriction request (Art. 18). */
export type HeldRecord = { table: string; record: Record<string, unknown>; restricted?: boolean; why?: string };

const cell = (v: unknown) => esc(v === null || v === undefined ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v));

/** A demo processor's page: the webhooks it received, the callbacks it sent, and what it holds now. */
export function processorPage(p: { id: string; name: string; category: string }, received: readonly ReceivedWebhook[], sent: readonly SentCallback[], held: Record<string, readonly HeldRecord[]>) {
  const rows = received
    .map((w) => {
      const b = w.body ?? {};
      const ids = ((b.subject_identities as { identity_type: string; identity_value: string }[] | undefined) ?? []).map((i) => `${i.identity_type}: ${i.identity_value}`).join(', ');
      const holds = ((b.legal_holds as { basis: string; until: string | null }[] | undefined) ?? []).map((h) => `${h.basis}, ${h.until ? `until ${h.until}` : 'no end date'}`).join('; ');
      return `<tr><td><time datetime="${new Date(w.at).toISOString()}">${cell(new Date(w.at).toISOString().replace('T', ' ').slice(0, 19))}</time></td><td><code>${cell(w.id)}</code></td><td>${w.verified ? 'valid' : 'refused (401)'}</td><td>${cell(b.action)}</td><td><code>${cell(b.subject_request_id)}</code></td><td>${cell(ids || undefined)}</td><td>${cell(holds || undefined)}</td></tr>`;
    })
    .join('');
  const answers = sent.map((c) => `<tr><td><code>${cell(c.task)}</code></td><td><code>${cell(c.id)}</code></td><td>${cell(c.request_status)}</td><td>${c.code || 'no answer'}</td></tr>`).join('');
  const records = Object.entries(held)
    .flatMap(([email, list]) => list.map((h) => `<tr><td>${cell(email)}</td><td>${cell(h.table)}</td><td>${cell(Object.entries(h.record).map(([k, v]) => `${k}: ${v}`).join(', '))}</td><td>${h.restricted ? `<span class="kept">restricted (${esc(h.why ?? 'legal hold')})</span>` : 'active'}</td></tr>`))
    .join('');
  const table = (caption: string, cols: string[], body: string, empty: string) =>
    body ? `<table><caption class="meta">${esc(caption)}</caption><thead><tr>${cols.map((c) => `<th scope="col">${esc(c)}</th>`).join('')}</tr></thead><tbody>${body}</tbody></table>` : `<p>${esc(empty)}</p>`;
  const shop = p.category === 'shop';
  return page(
    // The shop is the controller, a target of every request like a processor, but not one of them.
    shop ? `${p.name} (the shop’s own systems, demo)` : `${p.name} (demo processor)`,
    `<p>${shop ? `The demo of <strong>${esc(p.name)}</strong>, the shop’s own systems (its account service` : `The demo twin of <strong>${esc(p.name)}</strong> (${esc(p.category)}`}, id <code>${esc(p.id)}</code>). Lethe posts signed webhooks here; this page shows what arrived. <a href="/${esc(p.id)}">Refresh</a>.</p>` +
      `<section><h2>Webhooks received</h2>${table('Newest last', ['Received (UTC)', 'webhook-id', 'Signature', 'Action', 'Request', 'Identities', 'Legal holds'], rows, 'Nothing received yet.')}</section>` +
      `<section><h2>Callbacks sent</h2>${table('In order', ['Task (the webhook-id it answers)', 'webhook-id', 'Answer', "Lethe's HTTP status"], answers, 'No callback sent yet.')}</section>` +
      `<section><h2>Records held now</h2>${table('By person', ['Person', 'Table', 'Record', 'State'], records, 'This processor holds nothing.')}</section>`,
    '<a href="/">Lethe, local demo: all demo processors</a>',
  );
}

/** The list of demo processors, each a link to its page. */
export function processorsIndex(processors: readonly { id: string; name: string; category: string }[]) {
  return page('Demo processors', `<ul>${processors.map((p) => `<li><a href="/${esc(p.id)}">${esc(p.name)}</a> (${esc(p.category)})</li>`).join('')}</ul>`);
}
