import { describe, expect, it } from 'vitest';
import { COMPLAINT_RECEIVED, validateComplaint } from '../../../functions/core/complaint-form.ts';
import { acknowledgementEmail } from '../../../functions/core/complaints.ts';
import { outcomeMessage } from '../../../functions/core/completion.ts';
import { confirmationEmail } from '../../../functions/core/emails.ts';
import { exportFiles } from '../../../functions/core/export-package.ts';
import { describeHold, warrantyWarning } from '../../../functions/core/holds.ts';
import { validateSubmission } from '../../../functions/core/intake.ts';
import { type Agent, type Category, RequestType } from '../../../functions/core/model.ts';
import { TransferSafeguard } from '../../../functions/core/registry-schema.ts';
import { CancelReason, cancellationNotice, clarificationNotice, DenyReason, extensionNotice, howToComplain, refusalNotice } from '../../../functions/core/notices.ts';
import { ACCEPTED } from '../../../functions/core/outbox.ts';
import { REQUEST_TYPE, requesterPage, requestSummary } from '../../../functions/core/pages.ts';
import type { StoredTask } from '../../../functions/core/ports.ts';
import { requesterView } from '../../../functions/core/requester-status.ts';
import { NAMES, task } from './completion-fixtures.ts';
import { processor, REQUEST_ID, storedRequest } from '../processors/fakes.ts';

/**
 * French typography writes the apostrophe ’, as the forms, the console and the static pages do: every
 * French text the server sends (form answers, emails, notices, pages, the copy of data) is read here
 * as it is returned, in each of its variants, with inputs of our own that hold no apostrophe, so that
 * any ' found is one of ours. HTML is read as the browser shows it (entities decoded).
 */
const shown = (s: string) => s.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n))).replace(/&#x([0-9a-f]+);/gi, (_, n) => String.fromCharCode(Number.parseInt(n, 16))).replace(/&apos;/g, "'");
const straight = (texts: Record<string, string>) => Object.entries(texts).filter(([, t]) => shown(t).includes("'")).map(([where, t]) => `${where}: ${shown(t).match(/.{0,30}'.{0,30}/)?.[0]}`);
const issuesOf = (f: () => unknown): { path: string; messages: { fr: string } }[] => {
  try {
    f();
  } catch (e) {
    return (e as { issues: { path: string; messages: { fr: string } }[] }).issues;
  }
  throw new Error('the input was accepted');
};

const FORM = 'https://shop.example/complaint.html?lang=fr';
const AGENTS: Agent[] = (['solicitor', 'parent', 'attorney', 'other'] as const).map((relationship) => ({ relationship, proof: 'signed_authority' }) as Agent);
const CATEGORIES: Category[] = ['shop', 'payments', 'delivery', 'analytics', 'email', 'collections', 'social'];

describe('French text the server sends writes its apostrophes ’, never \'', () => {
  it('in the answers to the request form: the one answer it sends, and each field-level message', () => {
    const texts: Record<string, string> = { accepted: ACCEPTED.fr.message, acceptedBoth: ACCEPTED.en.messages.fr };
    const invalid: unknown[] = [
      null,
      { type: 'nothing', email: 'not-an-address', language: 'de', name: 'n'.repeat(201), orderNumber: '#!', extra: 1 },
      { type: 'access', email: 'a@example.com', url: 'x' },
      { type: 'rectification', email: 'a@example.com' },
      { type: 'objection', email: 'a@example.com', objections: [] },
      { type: 'access', email: 'a@example.com', eraseWarranty: true },
      { type: 'access', email: 'a@example.com', name: '\uD800' },
      { type: 'access', email: 'a@example.com', agent: { name: '', email: 'x', relationship: 'friend', proof: 'none' } },
      { type: 'access', email: 'a@example.com', agent: { name: 'Agent', email: 'a@example.com', relationship: 'solicitor', proof: 'signed_authority' } },
      { type: 'access', email: 'a@example.com', agent: 'me' },
    ];
    for (const [i, body] of invalid.entries()) for (const issue of issuesOf(() => validateSubmission(body, 'fr'))) texts[`form ${i} ${issue.path}`] = issue.messages.fr;
    expect(Object.keys(texts).some((k) => k.endsWith(' email'))).toBe(true);
    expect(straight(texts)).toEqual([]);
  });

  it('in the answers to the complaint form and its acknowledgement email', () => {
    const texts: Record<string, string> = { received: COMPLAINT_RECEIVED.fr.message, receivedBoth: COMPLAINT_RECEIVED.en.messages.fr };
    const invalid: unknown[] = [null, { email: 'x', name: 'n'.repeat(201), requestId: 'R', text: 'short', language: 'de', extra: 1 }, { email: 'a@example.com', text: 'ten letters \uD800' }];
    for (const [i, body] of invalid.entries()) for (const issue of issuesOf(() => validateComplaint(body, 'fr'))) texts[`complaint ${i} ${issue.path}`] = issue.messages.fr;
    for (const requestId of [undefined, REQUEST_ID]) {
      const mail = acknowledgementEmail({ id: 'C1', language: 'fr', receivedAt: '2026-03-02T10:00:00.000Z', requestId });
      texts[`ack subject ${requestId}`] = mail.subject;
      texts[`ack ${requestId}`] = mail.text;
    }
    expect(straight(texts)).toEqual([]);
  });

  it('in the confirmation email, for every type of request, made by the person or on their behalf', () => {
    const texts: Record<string, string> = {};
    for (const type of RequestType.options) {
      for (const agent of [undefined, ...AGENTS]) {
        const mail = confirmationEmail('fr', type, { verify: 'https://shop.example/verify', status: 'https://shop.example/status' }, agent);
        texts[`${type} ${agent?.relationship}`] = `${mail.subject}\n${mail.text}`;
      }
    }
    expect(straight(texts)).toEqual([]);
  });

  it('in every notice, with and without the complaint form, and in how to complain', () => {
    const texts: Record<string, string> = {};
    const mail = (m: { subject: string; text: string }) => `${m.subject}\n${m.text}`;
    for (const form of [undefined, FORM]) {
      texts[`complain ${form}`] = Object.values(howToComplain('fr', form)).join('\n');
      for (const r of DenyReason.options) for (const note of [undefined, 'Une note']) texts[`refusal ${r} ${note} ${form}`] = mail(refusalNotice('fr', 'R1', r, note, form));
      for (const r of CancelReason.options) texts[`cancellation ${r} ${form}`] = mail(cancellationNotice('fr', 'R1', r, form));
      for (const n of [{ reason: 'Une raison' }, { reason: 'Une raison', dueDate: '2026-07-01' }, { reason: 'Une raison', dueDate: '2026-07-01', previousDueDate: '2026-06-01' }, { reason: 'Une raison', restarted: true, dueDate: '2026-07-01' }, { reason: 'Une raison', restarted: true }]) {
        texts[`extension ${JSON.stringify(n)} ${form}`] = mail(extensionNotice('fr', 'R1', n, form));
      }
      for (const extended of [false, true]) texts[`clarification ${extended} ${form}`] = mail(clarificationNotice('fr', 'R1', 'Votre numéro de commande', form, { extended }));
    }
    expect(straight(texts)).toEqual([]);
  });

  it('in the outcome email, for every type, every result a provider can have, every hold, the download and the complaint form', () => {
    const texts: Record<string, string> = {};
    const tasks = (action: StoredTask['action']): StoredTask[] => [
      task('paynow', 'payments', 'completed', { action }),
      task('shipit', 'delivery', 'not_found', { action }),
      task('mailer', 'email', 'failed', { action }),
      task('social', 'social', 'timed_out', { action }),
      task('metricsly', 'analytics', 'resolved', { action, outcome: { reason: 'completed' } as StoredTask['outcome'] }),
      task('a', 'shop', 'resolved', { action, outcome: { reason: 'not_found' } as StoredTask['outcome'] }),
      task('b', 'shop', 'resolved', { action, outcome: { reason: 'retained', legal_basis: 'legal_claims' } as StoredTask['outcome'] }),
      task('c', 'shop', 'retained', { action, outcome: { legal_basis: 'accounting', retained_until: '2031-03-15', additional_holds: [{ legal_basis: 'lifetime_warranty' }, { legal_basis: 'legal_obligation' }] } as StoredTask['outcome'] }),
      task('d', 'shop', 'retained', { action, outcome: { legal_basis: 'accounting' } as StoredTask['outcome'] }),
      task('e', 'shop', 'retained', { action }),
      task('f', 'shop', 'resolved', { action }),
    ];
    const ACTION = { access: 'export', erasure: 'erase', rectification: 'rectify', objection: 'suppress', restrict: 'restrict' } as const;
    for (const type of RequestType.options) {
      for (const eraseWarranty of [false, true]) {
        const req = storedRequest({ type, language: 'fr', details: { eraseWarranty, objections: [] } });
        for (const form of [undefined, FORM]) {
          const m = outcomeMessage(req, tasks(ACTION[type]), NAMES, type === 'access' ? 'https://shop.example/exports/x?token=t' : undefined, form);
          texts[`${type} ${eraseWarranty} ${form}`] = `${m.subject}\n${m.text}`;
        }
        texts[`${type} ${eraseWarranty} no provider`] = outcomeMessage(req, [], NAMES).text;
      }
    }
    for (const until of [null, '2031-03-15']) for (const basis of ['accounting', 'lifetime_warranty'] as const) texts[`hold ${basis} ${until}`] = describeHold({ basis, until }, 'fr');
    texts.warranty = warrantyWarning('fr');
    expect(straight(texts)).toEqual([]);
  });

  it('in the requester’s pages, the status page’s view and the copy of data, for every type, holder and safeguard', () => {
    const texts: Record<string, string> = {};
    for (const type of RequestType.options) {
      texts[`type ${type}`] = REQUEST_TYPE.fr[type];
      for (const status of ['in_progress', 'completed', 'cancelled'] as const) {
        const summary = requestSummary('fr', { id: REQUEST_ID, type, status, receivedAt: '2026-03-01T09:00:00.000Z', verifiedAt: '2026-03-01T09:05:00.000Z', dueDate: '2026-04-01', ...(status === 'in_progress' ? { statusHref: '/status' } : { closedAt: '2026-03-20T09:00:00.000Z' }) });
        texts[`page ${type} ${status}`] = requesterPage('fr', 'Votre demande', summary, (l) => `/verify?lang=${l}`);
      }
      texts[`status ${type}`] = JSON.stringify(requesterView(storedRequest({ type, language: 'fr' }), [task('c', 'shop', 'retained', { outcome: { legal_basis: 'accounting' } as StoredTask['outcome'] })]));
    }
    const holders = TransferSafeguard.options.flatMap((transferSafeguard, i) =>
      CATEGORIES.map((category) => ({ processor: processor({ id: `${category}${i}`, name: `Holder ${category} ${i}`, category, transferSafeguard, region: i % 2 ? 'us-east-1' : 'eu-west-2' }), tables: { records: [{ id: 1 }] } })),
    );
    for (const form of [undefined, FORM]) {
      for (const eraseWarranty of [false, true]) {
        const files = exportFiles(storedRequest({ type: 'access', language: 'fr', details: { eraseWarranty, objections: [] } }), [...holders, { processor: processor({ id: 'broken', category: 'shop' }), tables: {}, unreadable: true }], '2026-03-20T12:00:00.000Z', form);
        for (const [name, body] of Object.entries(files)) if (!name.endsWith('.csv') && name !== 'data.json') texts[`export ${name} ${eraseWarranty} ${form}`] = body;
      }
    }
    expect(straight(texts)).toEqual([]);
  });
});
