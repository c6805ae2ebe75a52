import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../functions/core/model.ts';
import type { StoredRequest, StoredTask } from '../../../functions/core/ports.ts';
import { percentile, reportRows, slaReport } from '../../../functions/core/report.ts';
import { csvLines } from '../../../functions/core/text.ts';

const req = (id: string, over: Partial<StoredRequest>): StoredRequest => ({
  id,
  type: 'erasure',
  language: 'en',
  status: 'completed',
  version: 1,
  emailHash: 'h',
  details: { eraseWarranty: false, objections: [] },
  receivedAt: '2026-03-01T09:00:00.000Z',
  verifiedAt: '2026-03-01T10:00:00.000Z',
  dueDate: '2026-04-01',
  pausedDays: 0,
  statusTokenHash: 's',
  audit: [],
  ...over,
});

const ev = (to: string): AuditEvent => ({ seq: 1, at: '2026-03-01T10:00:00.000Z', actor: 'workflow', action: 'x', subject: 't', to, prevHash: '', hash: '' });
const task = (processorId: string, over: Partial<StoredTask>): StoredTask => ({
  taskId: `r.${processorId}`,
  requestId: 'r',
  processorId,
  category: 'payments',
  action: 'erase',
  status: 'completed',
  version: 1,
  attempts: 1,
  holds: [],
  audit: [],
  ...over,
});

const NAMES = new Map([
  ['payflow', 'Payflow'],
  ['parcelway', 'Parcelway Delivery'],
  ['quiet', 'Quiet Processor'],
]);

describe('percentile (nearest rank)', () => {
  it('takes the value at rank ceil(p·n): of 1..20 the median is 10 and the 95th percentile is 19', () => {
    const xs = Array.from({ length: 20 }, (_, i) => 20 - i);
    expect(percentile(xs, 0.5)).toBe(10);
    expect(percentile(xs, 0.95)).toBe(19);
  });
  it('has no value for no measurement', () => {
    expect(percentile([], 0.5)).toBeNull();
  });
});

describe('the SLA report', () => {
  const data = [
    // Erasures completed in 2 h, 4 h and 30 h after confirmation; the third one on its deadline day, the fourth a day late.
    { request: req('A', { closedAt: '2026-03-01T12:00:00.000Z' }), tasks: [task('payflow', { sentAt: '2026-03-01T10:00:00.000Z', finishedAt: '2026-03-01T10:00:03.000Z' })] },
    { request: req('B', { closedAt: '2026-03-01T14:00:00.000Z' }), tasks: [task('payflow', { sentAt: '2026-03-01T10:00:00.000Z', finishedAt: '2026-03-01T10:00:05.000Z' })] },
    {
      request: req('C', { closedAt: '2026-03-02T16:00:00.000Z', dueDate: '2026-03-02' }),
      // Failed, then resolved by an officer: a failure on the scorecard, no callback time.
      tasks: [task('parcelway', { status: 'resolved', sentAt: '2026-03-01T10:00:00.000Z', finishedAt: '2026-03-02T10:00:00.000Z', audit: [ev('sent'), ev('failed'), ev('resolved')] })],
    },
    { request: req('D', { closedAt: '2026-03-03T10:00:00.000Z', dueDate: '2026-03-02' }), tasks: [task('parcelway', { status: 'timed_out', audit: [ev('sent'), ev('timed_out')] })] },
    // An access request still open and past its extended deadline: late. One refused in time: on time, no completion time.
    { request: req('E', { type: 'access', status: 'in_progress', closedAt: undefined, dueDate: '2026-03-05', extended: { at: '2026-03-02T00:00:00.000Z', reason: 'r', dueDate: '2026-03-09' } }), tasks: [] },
    { request: req('F', { type: 'access', status: 'denied', closedAt: '2026-03-02T10:00:00.000Z' }), tasks: [] },
    // Never confirmed: no deadline, out of the rate.
    { request: req('G', { status: 'expired', verifiedAt: undefined, dueDate: undefined }), tasks: [] },
  ];

  it('counts answers on or before the deadline as on time, and open requests past it as late', () => {
    const r = slaReport('2026-03-01', '2026-03-31', '2026-03-10', data, NAMES);
    expect(r.requests).toBe(7);
    expect(r.onTime).toBe(4);
    expect(r.late).toBe(2);
    expect(r.onTimeRate).toBeCloseTo(4 / 6, 10);
  });

  it('counts an open request still in time as not yet due, neither on time nor late, and has no rate while nothing is answered or late', () => {
    // Confirmed 1 March, due 1 April; today 10 March.
    const open = [
      { request: req('O', { status: 'in_progress', closedAt: undefined }), tasks: [] },
      { request: req('W', { type: 'access', status: 'awaiting_manual', closedAt: undefined }), tasks: [] },
    ];
    expect(slaReport('2026-03-01', '2026-03-31', '2026-03-10', open, NAMES)).toMatchObject({ requests: 2, onTime: 0, late: 0, notYetDue: 2, onTimeRate: null });
    // One answered in time beside them: all the rate has, one on time in one.
    expect(slaReport('2026-03-01', '2026-03-31', '2026-03-10', [...open, data[0]], NAMES)).toMatchObject({ requests: 3, onTime: 1, late: 0, notYetDue: 2, onTimeRate: 1 });
  });

  it('judges a request whose clock is stopped for a clarification (Art. 12A) by the deadline restarting it would give, as /resume moves it, not by its old one', () => {
    // Confirmed 1 March: due 1 April. Today 10 April.
    const stopped = [
      // Stopped on 20 March, still stopped: 21 days moved, due 22 April; not late.
      { request: req('P', { type: 'access', status: 'in_progress', closedAt: undefined, pausedSince: '2026-03-20T10:00:00.000Z' }), tasks: [] },
      // Stopped on 5 April, after its deadline had passed: the clock had run out, so nothing moved; due 1 April, late.
      { request: req('Q', { type: 'access', status: 'in_progress', closedAt: undefined, pausedSince: '2026-04-05T10:00:00.000Z' }), tasks: [] },
      // Refused on 8 April while stopped since 25 March: 14 days moved, due 15 April; answered in time.
      { request: req('R', { type: 'access', status: 'denied', pausedSince: '2026-03-25T10:00:00.000Z', closedAt: '2026-04-08T10:00:00.000Z' }), tasks: [] },
    ];
    const r = slaReport('2026-03-01', '2026-03-31', '2026-04-10', stopped, NAMES);
    expect([r.onTime, r.late, r.notYetDue]).toEqual([1, 1, 1]);
  });

  it('judges late a request stopped after its deadline, even where counting the stop would have put it in time', () => {
    // Confirmed 12 May 2026: due Friday 12 June. Stopped Saturday 13 June; on Monday 15 June, 2 days moved would give Sunday 14, so Monday 15.
    const stoppedLate = req('S', { type: 'access', status: 'in_progress', closedAt: undefined, verifiedAt: '2026-05-12T10:00:00.000Z', dueDate: '2026-06-12', pausedSince: '2026-06-13T10:00:00.000Z' });
    const r = slaReport('2026-05-01', '2026-05-31', '2026-06-15', [{ request: stoppedLate, tasks: [] }], NAMES);
    expect([r.onTime, r.late, r.notYetDue]).toEqual([0, 1, 0]);
  });

  it('never judges late a clock stopped in time, on a deadline a weekend moved, while it is stopped', () => {
    // Confirmed 31 January 2026: due Monday 2 March (the month ends on a Saturday), stopped that Monday; still stopped on 4 March.
    const stopped = req('T', { type: 'access', status: 'in_progress', closedAt: undefined, verifiedAt: '2026-01-31T10:00:00.000Z', dueDate: '2026-03-02', pausedSince: '2026-03-02T10:00:00.000Z' });
    const r = slaReport('2026-01-01', '2026-01-31', '2026-03-04', [{ request: stopped, tasks: [] }], NAMES);
    expect([r.onTime, r.late, r.notYetDue]).toEqual([0, 0, 1]);
  });

  it('gives the median and 95th percentile of hours from confirmation to completion, by type', () => {
    const r = slaReport('2026-03-01', '2026-03-31', '2026-03-10', data, NAMES);
    expect(r.byType).toEqual([
      { type: 'access', requests: 2, completed: 0, medianHours: null, p95Hours: null },
      { type: 'erasure', requests: 5, completed: 4, medianHours: 4, p95Hours: 48 },
      { type: 'rectification', requests: 0, completed: 0, medianHours: null, p95Hours: null },
      { type: 'objection', requests: 0, completed: 0, medianHours: null, p95Hours: null },
      { type: 'restrict', requests: 0, completed: 0, medianHours: null, p95Hours: null },
    ]);
  });

  it('scores every processor of the registry over all its tasks, finished or not, even one with none', () => {
    const r = slaReport('2026-03-01', '2026-03-31', '2026-03-10', data, NAMES);
    expect(r.processors).toEqual([
      { id: 'payflow', name: 'Payflow', tasks: 2, answered: 2, medianCallbackSeconds: 3, failures: 0, timeouts: 0 },
      { id: 'parcelway', name: 'Parcelway Delivery', tasks: 2, answered: 0, medianCallbackSeconds: null, failures: 1, timeouts: 1 },
      { id: 'quiet', name: 'Quiet Processor', tasks: 0, answered: 0, medianCallbackSeconds: null, failures: 0, timeouts: 0 },
    ]);
  });

  it('keeps a completion of minutes visible: 3 minutes is 0.05 hours, not 0', () => {
    const quick = { request: req('Q', { verifiedAt: '2026-03-01T10:00:00.000Z', closedAt: '2026-03-01T10:03:00.000Z' }), tasks: [] };
    expect(slaReport('2026-03-01', '2026-03-31', '2026-03-10', [quick], NAMES).byType[1]).toEqual({ type: 'erasure', requests: 1, completed: 1, medianHours: 0.05, p95Hours: 0.05 });
  });

  it('has no on-time rate when nothing had a deadline', () => {
    const r = slaReport('2026-03-01', '2026-03-31', '2026-03-10', [data[6]], NAMES);
    expect(r.onTimeRate).toBeNull();
  });

  it('exports one measure a line, with a header', () => {
    const r = slaReport('2026-03-01', '2026-03-31', '2026-03-10', data.slice(0, 2), new Map([['payflow', 'Payflow']]));
    expect(csvLines(reportRows(r)).split('\r\n').slice(0, 9)).toEqual([
      'scope,name,measure,value',
      'range,,from,2026-03-01',
      'range,,to,2026-03-31',
      'all,,requests,2',
      'all,,on_time,2',
      'all,,late,0',
      'all,,not_yet_due,0',
      'all,,on_time_rate,1.000',
      'type,access,requests,0',
    ]);
    expect(csvLines(reportRows(r))).toContain('type,erasure,median_hours_to_complete,2\r\n');
    expect(csvLines(reportRows(r))).toContain('processor,Payflow,median_callback_seconds,3\r\n');
  });

  it('exports every measure of each type, of each processor and of the complaints, a rate with nothing to rate left empty', () => {
    const r = slaReport('2026-03-01', '2026-03-31', '2026-03-10', [data[6]], new Map([['payflow', 'Payflow']]));
    expect(csvLines(reportRows(r)).split('\r\n')).toEqual([
      'scope,name,measure,value',
      'range,,from,2026-03-01',
      'range,,to,2026-03-31',
      'all,,requests,1',
      'all,,on_time,0',
      'all,,late,0',
      'all,,not_yet_due,0',
      'all,,on_time_rate,',
      'type,access,requests,0',
      'type,access,completed,0',
      'type,access,median_hours_to_complete,',
      'type,access,p95_hours_to_complete,',
      'type,erasure,requests,1',
      'type,erasure,completed,0',
      'type,erasure,median_hours_to_complete,',
      'type,erasure,p95_hours_to_complete,',
      'type,rectification,requests,0',
      'type,rectification,completed,0',
      'type,rectification,median_hours_to_complete,',
      'type,rectification,p95_hours_to_complete,',
      'type,objection,requests,0',
      'type,objection,completed,0',
      'type,objection,median_hours_to_complete,',
      'type,objection,p95_hours_to_complete,',
      'type,restrict,requests,0',
      'type,restrict,completed,0',
      'type,restrict,median_hours_to_complete,',
      'type,restrict,p95_hours_to_complete,',
      'processor,Payflow,tasks,0',
      'processor,Payflow,answered,0',
      'processor,Payflow,median_callback_seconds,',
      'processor,Payflow,failures,0',
      'processor,Payflow,timeouts,0',
      'complaints,,received,0',
      'complaints,,acknowledged,0',
      'complaints,,acknowledged_on_time,0',
      'complaints,,acknowledged_late,0',
      'complaints,,acknowledgement_not_yet_due,0',
      'complaints,,acknowledged_on_time_rate,',
      'complaints,,responded,0',
      'complaints,,median_days_to_respond,',
      'complaints,,p95_days_to_respond,',
      '',
    ]);
  });

  it('rates one request on time and one late as one half', () => {
    const r = slaReport('2026-03-01', '2026-03-31', '2026-03-10', [data[0], data[3]], NAMES);
    expect(r).toMatchObject({ onTime: 1, late: 1, onTimeRate: 0.5 });
  });

  it('times a processor’s answer that it found nothing, or kept the data under a hold, as an answer', () => {
    const answers = [
      { request: req('N', { closedAt: '2026-03-01T12:00:00.000Z' }), tasks: [task('payflow', { status: 'not_found', sentAt: '2026-03-01T10:00:00.000Z', finishedAt: '2026-03-01T10:00:04.000Z' })] },
      { request: req('R', { closedAt: '2026-03-01T12:00:00.000Z' }), tasks: [task('payflow', { status: 'retained', sentAt: '2026-03-01T10:00:00.000Z', finishedAt: '2026-03-01T10:00:04.000Z' })] },
    ];
    expect(slaReport('2026-03-01', '2026-03-31', '2026-03-10', answers, NAMES).processors[0]).toEqual({ id: 'payflow', name: 'Payflow', tasks: 2, answered: 2, medianCallbackSeconds: 4, failures: 0, timeouts: 0 });
  });
});
