import { describe, expect, it } from 'vitest';
import { deliveryHistory, escalationEmail } from '../../../functions/core/escalation.ts';
import type { AuditEvent } from '../../../functions/core/model.ts';
import type { StoredTask } from '../../../functions/core/ports.ts';

const event = (at: string, action: string, data?: AuditEvent['data']) => ({ at, action, actor: 'workflow', subject: 'R.paynow', seq: 0, prevHash: '', hash: '', ...(data ? { data } : {}) }) as AuditEvent;
const task = (audit: AuditEvent[], status: StoredTask['status'] = 'failed') =>
  ({ taskId: '01JREQ.paynow', requestId: '01JREQ', processorId: 'paynow', category: 'payments', action: 'erase', status, version: 1, attempts: 1, holds: [], audit, sentAt: '2026-11-25T14:00:00.000Z' }) as StoredTask;

describe('the deliveries of a task', () => {
  it('lists each failed delivery with its status or error and time', () => {
    const t = task([
      event('2026-11-25T14:00:00.000Z', 'send'),
      event('2026-11-25T14:00:00.500Z', 'delivery_failed', { status: 503 }),
      event('2026-11-25T14:00:05.500Z', 'delivery_failed', { error: 'ECONNREFUSED' }),
      event('2026-11-25T14:00:06.000Z', 'fail', { error: 'DispatchFailed' }),
    ]);
    expect(deliveryHistory(t)).toEqual([
      { at: '2026-11-25T14:00:00.500Z', status: 503 },
      { at: '2026-11-25T14:00:05.500Z', error: 'ECONNREFUSED' },
    ]);
  });

  it('counts the delivery that got through from what followed it, timed when it was the first', () => {
    const t = task([event('2026-11-25T14:00:00.000Z', 'send'), event('2026-11-25T15:00:00.000Z', 'time_out', { error: 'States.Timeout' })], 'timed_out');
    expect(deliveryHistory(t)).toEqual([{ at: '2026-11-25T14:00:00.000Z', accepted: true }]);
  });
});

describe('the escalation email', () => {
  it('says in words what happened, with each attempt and its time', () => {
    const t = task([
      event('2026-11-25T14:00:00.000Z', 'send'),
      event('2026-11-25T14:00:00.500Z', 'delivery_failed', { status: 503 }),
      event('2026-11-25T14:00:05.500Z', 'delivery_failed', { error: 'ECONNREFUSED' }),
    ]);
    const mail = escalationEmail(t, 'PayNow Payments', 'DispatchFailed', 'https://privacy.offtek.example/console.html#/requests/01JREQ');
    expect(mail.subject).toBe('Escalated: PayNow Payments failed (request 01JREQ)');
    expect(mail.text).toBe(
      [
        'PayNow Payments (payments) could not be reached, or answered with a server error, on every attempt.',
        'Task: the erasure for request 01JREQ (task 01JREQ.paynow).',
        '',
        'Deliveries of the webhook (2):',
        '  1. 2026-11-25 14:00:00 UTC: HTTP 503',
        '  2. 2026-11-25 14:00:05 UTC: no answer: ECONNREFUSED',
        '',
        'The request waits for a person: retry the task or record how it was handled, in the console:',
        'https://privacy.offtek.example/console.html#/requests/01JREQ',
      ].join('\n'),
    );
    expect(mail.text).not.toContain('is failed: DispatchFailed');
  });
});
