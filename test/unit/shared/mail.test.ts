import { afterAll, describe, expect, it, vi } from 'vitest';
import { MailFailed } from '../../../functions/core/errors.ts';
import type { MailFailure } from '../../../functions/core/ports.ts';
import { sendTracked } from '../../../functions/shared/mail.ts';
import { logger } from '../../../functions/adapters/powertools.ts';

// mail.ts reads the controller once, at import (hoisted above this file's imports); the worker may run other test files after this one.
const before = vi.hoisted(() => {
  const was = process.env.CONTROLLER;
  process.env.CONTROLLER = JSON.stringify({ name: 'Offtek', companyNumber: '03148866', address: ['Claremont House', 'B94 5DY'], country: { en: 'United Kingdom', fr: 'Royaume-Uni' } });
  return was;
});
afterAll(() => {
  if (before === undefined) delete process.env.CONTROLLER;
  else process.env.CONTROLLER = before;
});

const NOW = new Date('2026-03-02T10:00:00.000Z');
const msg = { to: 'ann.lee@example.com', subject: 'Your request', text: 'Hello.', kind: 'transactional' as const };

function deps(fail?: unknown) {
  const sent: { text: string }[] = [];
  const marked: [string, MailFailure][] = [];
  const cleared: [string, string][] = [];
  return {
    sent,
    marked,
    cleared,
    deps: {
      mailer: {
        send: async (m: { text: string }) => {
          if (fail !== undefined) throw fail;
          sent.push(m);
        },
      },
      repo: {
        markMailFailed: async (id: string, f: MailFailure) => void marked.push([id, f]),
        clearMailFailed: async (id: string, kind: string) => void cleared.push([id, kind]),
      },
    },
  };
}

describe('an email sent for a request', () => {
  it('to the requester (a confirmation, an outcome, a notice) closes with who the company is and where, in their language', async () => {
    for (const kind of ['confirmation', 'outcome', 'notice'] as const) {
      const d = deps();
      await sendTracked({ id: 'r1', language: 'fr' }, kind, msg, NOW, d.deps);
      expect(d.sent[0].text).toBe(['Hello.', '', '--', 'Offtek, société immatriculée au Royaume-Uni sous le numéro 03148866', 'Siège social : Claremont House, B94 5DY, Royaume-Uni'].join('\n'));
    }
  });

  it('to the team (an escalation, a reminder, a review) goes as written, and so does one for a request with no language', async () => {
    for (const kind of ['escalation', 'reminder', 'review'] as const) {
      const d = deps();
      await sendTracked({ id: 'r1', language: 'en' }, kind, msg, NOW, d.deps);
      expect(d.sent[0].text).toBe('Hello.');
    }
    const d = deps();
    await sendTracked({ id: 'r1' }, 'outcome', msg, NOW, d.deps);
    expect(d.sent[0].text).toBe('Hello.');
  });

  it('clears the "mail failed" mark only when an email of the marked kind goes out: an outcome sent leaves an undelivered confirmation marked, and costs no write', async () => {
    const failed: MailFailure = { kind: 'confirmation', at: NOW.toISOString(), error: 'Throttling' };
    const d = deps();
    await sendTracked({ id: 'r1', mailFailed: failed }, 'outcome', msg, NOW, d.deps);
    await sendTracked({ id: 'r1' }, 'confirmation', msg, NOW, d.deps);
    expect(d.cleared).toEqual([]);
    await sendTracked({ id: 'r1', mailFailed: failed }, 'confirmation', msg, NOW, d.deps);
    expect(d.cleared).toEqual([['r1', 'confirmation']]);
  });

  it('refused by the mail service, marks the request and throws MailFailed naming which email of which request, never the address', async () => {
    const refused = Object.assign(new Error('Address ann.lee@example.com is blacklisted'), { name: 'MessageRejected' });
    const d = deps(refused);
    await expect(sendTracked({ id: 'r1' }, 'outcome', msg, NOW, d.deps)).rejects.toThrow(new MailFailed('the outcome email of request r1 could not be sent'));
    const n = deps(refused);
    await expect(sendTracked({ id: 'r1' }, 'notice', msg, NOW, n.deps, 'refusal')).rejects.toThrow(new MailFailed('the refusal notice of request r1 could not be sent'));
    expect(d.marked).toEqual([['r1', { kind: 'outcome', at: NOW.toISOString(), error: 'MessageRejected' }]]);
    expect(n.marked).toEqual([['r1', { kind: 'notice', notice: 'refusal', at: NOW.toISOString(), error: 'MessageRejected' }]]);
  });

  it('refused with something that is not an Error, records the failure as "Error"', async () => {
    const d = deps('socket hang up');
    await expect(sendTracked({ id: 'r1' }, 'confirmation', msg, NOW, d.deps)).rejects.toBeInstanceOf(MailFailed);
    expect(d.marked[0][1].error).toBe('Error');
  });

  it('refused, logs which request and which email and the error’s name, never the address the mail service quoted', async () => {
    const logged = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    const refused = Object.assign(new Error('Address ann.lee@example.com is blacklisted'), { name: 'MessageRejected' });
    await expect(sendTracked({ id: 'r1' }, 'outcome', msg, NOW, deps(refused).deps)).rejects.toBeInstanceOf(MailFailed);
    expect(logged.mock.calls).toEqual([['mail failed', { requestId: 'r1', kind: 'outcome', error: 'MessageRejected' }]]);
    logged.mockRestore();
  });

  it('still throws MailFailed, and logs it, when the mark cannot be recorded; a mark that cannot be cleared leaves the email sent, and is logged', async () => {
    const errors = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    const warnings = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' });
    const d = deps(new Error('refused'));
    d.deps.repo.markMailFailed = async () => Promise.reject(throttled);
    await expect(sendTracked({ id: 'r1' }, 'outcome', msg, NOW, d.deps)).rejects.toBeInstanceOf(MailFailed);
    expect(errors.mock.calls.at(-1)).toEqual(['could not record the mail failure', { requestId: 'r1', error: 'ProvisionedThroughputExceededException' }]);
    const c = deps();
    c.deps.repo.clearMailFailed = async () => Promise.reject(throttled);
    await sendTracked({ id: 'r1', mailFailed: { kind: 'outcome', at: NOW.toISOString(), error: 'Throttling' } }, 'outcome', msg, NOW, c.deps);
    expect(c.sent).toHaveLength(1);
    expect(warnings.mock.calls).toEqual([['could not clear the mail failure', { requestId: 'r1', error: 'ProvisionedThroughputExceededException' }]]);
    errors.mockRestore();
    warnings.mockRestore();
  });
});
