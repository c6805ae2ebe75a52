import { describe, expect, it } from 'vitest';
import { deliveryHistory, escalationEmail, manualEscalationEmail, reasonInWords, removedProcessorEmail } from '../../../functions/core/escalation.ts';
import type { StoredTask } from '../../../functions/core/ports.ts';

const e = (action: string, at: string, data?: Record<string, unknown>) => ({ seq: 0, at, actor: 'workflow', action, subject: 't', prevHash: '', hash: '', ...(data ? { data } : {}) }) as never;

describe('what an officer reads about an escalated task', () => {
  it('puts each reason in words', () => {
    expect(['DispatchFailed', 'DispatchRejected', 'EndpointGone', 'ProcessorFailed', 'States.Timeout', 'States.HeartbeatTimeout', 'Lambda.Unknown'].map(reasonInWords)).toEqual([
      'could not be reached, or answered with a server error, on every attempt',
      'refused the webhook with a client error, which sending it again will not fix',
      'answered 410 Gone: its endpoint is disabled until the registry is corrected',
      'called back to say it could not do the work',
      'did not call back before its time-out',
      'neither called back nor reported progress within its heartbeat interval',
      'stopped with an unexpected error (Lambda.Unknown)',
    ]);
  });

  it('counts a new delivery after each send or retry, the one that got through once per send, untimed after a failure', () => {
    const audit = [
      e('send', '2026-03-02T10:00:00.000Z'),
      e('delivery_failed', '2026-03-02T10:00:01.000Z', { status: 503 }),
      e('acknowledge', '2026-03-02T10:05:00.000Z'),
      e('completed', '2026-03-02T10:06:00.000Z'),
      e('retry', '2026-03-03T09:00:00.000Z'),
      e('time_out', '2026-03-04T09:00:00.000Z'),
      e('send', '2026-03-05T09:00:00.000Z'),
      e('delivery_failed', '2026-03-05T09:00:01.000Z'),
      e('failed', '2026-03-05T09:10:00.000Z'),
      e('not_found', '2026-03-05T09:11:00.000Z'),
      e('retained', '2026-03-05T09:12:00.000Z'),
    ];
    expect(deliveryHistory({ audit, sentAt: '2026-03-02T10:00:00.000Z' })).toEqual([
      { at: '2026-03-02T10:00:01.000Z', status: 503 },
      { at: null, accepted: true },
      { at: null, accepted: true },
      { at: '2026-03-05T09:00:01.000Z', error: 'unknown' },
      { at: null, accepted: true },
    ]);
  });

  it('times a first delivery by the task’s send time, or not at all without one', () => {
    expect(deliveryHistory({ audit: [e('retained', '2026-03-02T10:06:00.000Z')], sentAt: '2026-03-02T10:00:00.000Z' })).toEqual([{ at: '2026-03-02T10:00:00.000Z', accepted: true }]);
    expect(deliveryHistory({ audit: [e('not_found', '2026-03-02T10:06:00.000Z')] })).toEqual([{ at: null, accepted: true }]);
    expect(deliveryHistory({ audit: [e('escalate', '2026-03-02T10:06:00.000Z')] })).toEqual([]);
  });

  it('lists each delivery in the email, with its time or none, and names each action', () => {
    const task = {
      taskId: 'R.paynow', requestId: 'R', processorId: 'paynow', category: 'payments', action: 'suppress', status: 'failed', version: 3, attempts: 2, holds: [], sentAt: undefined,
      audit: [e('send', '2026-03-02T10:00:00.000Z'), e('acknowledge', '2026-03-02T10:05:00.000Z'), e('retry', '2026-03-03T10:00:00.000Z'), e('delivery_failed', '2026-03-03T10:00:01.000Z', { error: 'ECONNRESET' })],
    } as unknown as StoredTask;
    expect(escalationEmail(task, 'PayNow', 'DispatchFailed', 'https://c/x').text.split('\n')).toEqual([
      'PayNow (payments) could not be reached, or answered with a server error, on every attempt.',
      'Task: the objection (suppression) for request R (task R.paynow).',
      '',
      'Deliveries of the webhook (2):',
      '  1. time not recorded: accepted (HTTP 2xx)',
      '  2. 2026-03-03 10:00:01 UTC: no answer: ECONNRESET',
      '',
      'The request waits for a person: retry the task or record how it was handled, in the console:',
      'https://c/x',
    ]);
    const none = { ...task, audit: [], action: 'restrict' } as unknown as StoredTask;
    const text = escalationEmail(none, 'PayNow', 'States.Timeout', 'https://c/x').text;
    expect(text).toContain('No delivery of the webhook was recorded.');
    expect(text).toContain('Task: the restriction of use for request R');
    expect(escalationEmail({ ...none, action: 'export' } as StoredTask, 'P', 'X', 'u').text).toContain('the copy of data (export) for');
    expect(escalationEmail({ ...none, action: 'rectify' } as StoredTask, 'P', 'X', 'u').text).toContain('the correction for');
    expect(escalationEmail({ ...none, action: 'erase' } as StoredTask, 'P', 'X', 'u').text).toContain('the erasure for');
  });
});

describe('what an officer reads about a manual processor’s escalated task', () => {
  const task = { taskId: 'R.ledger-firm', requestId: 'R', processorId: 'ledger-firm', category: 'collections', action: 'erase', holds: [{ basis: 'accounting' }, { basis: 'lifetime_warranty' }] } as unknown as StoredTask;

  it('says a person must do it at the processor and resolve it in the console, since it cannot be retried, with its ids, action and legal holds only', () => {
    expect(manualEscalationEmail(task, 'Ledger & Co', 'Lambda.Unknown', 'https://c/x')).toEqual({
      subject: 'Escalated: manual task at Ledger & Co stopped with an error (request R)',
      text: [
        'Task R.ledger-firm needs a person: processor ledger-firm (collections) has no API, and its dispatch stopped with an unexpected error (Lambda.Unknown).',
        'Action: erase (legal holds: accounting, lifetime_warranty).',
        'It cannot be retried: do it in their system, then resolve the task in the console: https://c/x',
      ].join('\n'),
    });
  });

  it('says it was not resolved in time after either time-out', () => {
    for (const reason of ['States.Timeout', 'States.HeartbeatTimeout']) {
      const mail = manualEscalationEmail(task, 'Ledger & Co', reason, 'https://c/x');
      expect(mail.subject).toBe('Escalated: manual task at Ledger & Co not resolved in time (request R)');
      expect(mail.text.split('\n')[0]).toBe('Task R.ledger-firm needs a person: processor ledger-firm (collections) has no API, and it was not resolved in the console before its time-out.');
    }
  });
});

describe('what an officer reads about a task whose processor has left the registry', () => {
  const task = {
    taskId: 'R.paynow', requestId: 'R', processorId: 'paynow', category: 'payments', action: 'erase', status: 'timed_out', version: 3, attempts: 1, holds: [{ basis: 'accounting' }],
    sentAt: '2026-03-02T10:00:00.000Z', audit: [e('send', '2026-03-02T10:00:00.000Z'), e('time_out', '2026-03-09T10:00:00.000Z')],
  } as unknown as StoredTask;

  it('says it cannot be retried, and to have whoever now holds the data act, then resolve the task with the outcome', () => {
    expect(removedProcessorEmail(task, 'paynow', 'States.Timeout', 'https://c/x')).toEqual({
      subject: 'Escalated: paynow is no longer in the processor registry (request R)',
      text: [
        'paynow (payments) is no longer in the processor registry: there is no endpoint to send its webhook to, and its callbacks are refused. The task cannot be retried.',
        'Task: the erasure for request R (task R.paynow), with legal holds: accounting.',
        'paynow did not call back before its time-out.',
        '',
        'Deliveries of the webhook (1):',
        '  1. 2026-03-02 10:00:00 UTC: accepted (HTTP 2xx)',
        '',
        'Resolve it by hand:',
        '  1. Find out who now holds the data paynow held (the processor that took over its work, or paynow itself, through its own contact), and ask them for the erasure, keeping what the legal holds cover.',
        '  2. Resolve the task in the console with what they did: done, no data held, or kept under a legal hold (with its basis and until-date):',
        'https://c/x',
      ].join('\n'),
    });
  });

  it('offers a task that is not an erasure done or no data held only: only an erasure’s task can be resolved as kept under a legal hold', () => {
    const copy = { ...task, action: 'export', holds: [] } as unknown as StoredTask;
    expect(removedProcessorEmail(copy, 'paynow', 'States.Timeout', 'https://c/x').text.split('\n')).toContain('  2. Resolve the task in the console with what they did: done, or no data held:');
  });

  it('says its webhook was never sent when it left the registry before its dispatch, and says no reason it never gave', () => {
    const never = { ...task, status: 'failed', holds: [], audit: [], sentAt: undefined } as unknown as StoredTask;
    const lines = removedProcessorEmail(never, 'paynow', 'DispatchRejected', 'https://c/x').text.split('\n');
    expect(lines.slice(1, 4)).toEqual(['Task: the erasure for request R (task R.paynow).', 'Its webhook was never sent.', '']);
    expect(lines.join('\n')).not.toMatch(/client error|legal hold(s:| cover)/);
    expect(lines).toContain('  1. Find out who now holds the data paynow held (the processor that took over its work, or paynow itself, through its own contact), and ask them for the erasure.');
  });
});
