import { describe, expect, it } from 'vitest';
import { IllegalTransition } from '../../../functions/core/errors.ts';
import { RequestStatus, TaskStatus } from '../../../functions/core/model.ts';
import { nextRequestStatus, nextTaskStatus, REQUEST_TRANSITIONS, TASK_TRANSITIONS } from '../../../functions/core/status.ts';

// The legal moves, written out by hand from DESIGN §5 so the table in code is checked, not echoed.
const LEGAL_REQUEST: [string, string, string][] = [
  ['unverified', 'verify', 'verified'],
  ['verified', 'start', 'in_progress'],
  ['in_progress', 'escalate', 'awaiting_manual'],
  ['awaiting_manual', 'unblock', 'in_progress'],
  ['in_progress', 'complete', 'completed'],
  ['awaiting_manual', 'complete', 'completed'],
  ['unverified', 'deny', 'denied'],
  ['verified', 'deny', 'denied'],
  ['in_progress', 'deny', 'denied'],
  ['awaiting_manual', 'deny', 'denied'],
  ['unverified', 'cancel', 'cancelled'],
  ['verified', 'cancel', 'cancelled'],
  ['in_progress', 'cancel', 'cancelled'],
  ['awaiting_manual', 'cancel', 'cancelled'],
  ['unverified', 'expire', 'expired'],
];

const LEGAL_TASK: [string, string, string][] = [
  ['pending', 'send', 'sent'],
  ['failed', 'send', 'sent'],
  ['timed_out', 'send', 'sent'],
  ['sent', 'acknowledge', 'in_progress'],
  ['sent', 'complete', 'completed'],
  ['in_progress', 'complete', 'completed'],
  ['sent', 'not_found', 'not_found'],
  ['in_progress', 'not_found', 'not_found'],
  ['sent', 'retain', 'retained'],
  ['in_progress', 'retain', 'retained'],
  ['pending', 'fail', 'failed'],
  ['sent', 'fail', 'failed'],
  ['in_progress', 'fail', 'failed'],
  ['pending', 'time_out', 'timed_out'],
  ['sent', 'time_out', 'timed_out'],
  ['in_progress', 'time_out', 'timed_out'],
  ['pending', 'resolve', 'resolved'],
  ['sent', 'resolve', 'resolved'],
  ['in_progress', 'resolve', 'resolved'],
  ['failed', 'resolve', 'resolved'],
  ['timed_out', 'resolve', 'resolved'],
];

describe('request status model', () => {
  const events = Object.keys(REQUEST_TRANSITIONS) as (keyof typeof REQUEST_TRANSITIONS)[];
  for (const from of RequestStatus.options) {
    for (const event of events) {
      const legal = LEGAL_REQUEST.find(([f, e]) => f === from && e === event);
      if (legal) {
        it(`moves a ${from} request to ${legal[2]} on ${event}`, () => {
          expect(nextRequestStatus(from, event)).toEqual({ ok: true, to: legal[2] });
        });
      } else {
        it(`refuses ${event} on a ${from} request with a typed error`, () => {
          const r = nextRequestStatus(from, event);
          expect(r.ok).toBe(false);
          if (!r.ok) {
            expect(r.error).toBeInstanceOf(IllegalTransition);
            expect(r.error).toMatchObject({ entity: 'request', from, event, status: 409 });
          }
        });
      }
    }
  }
  it('has no terminal status that can move again', () => {
    for (const from of ['completed', 'denied', 'cancelled', 'expired'] as const) {
      expect(events.some((e) => nextRequestStatus(from, e).ok)).toBe(false);
    }
  });
});

describe('task status model', () => {
  const events = Object.keys(TASK_TRANSITIONS) as (keyof typeof TASK_TRANSITIONS)[];
  for (const from of TaskStatus.options) {
    for (const event of events) {
      const legal = LEGAL_TASK.find(([f, e]) => f === from && e === event);
      if (legal) {
        it(`moves a ${from} task to ${legal[2]} on ${event}`, () => {
          expect(nextTaskStatus(from, event)).toEqual({ ok: true, to: legal[2] });
        });
      } else {
        it(`refuses ${event} on a ${from} task with a typed error`, () => {
          const r = nextTaskStatus(from, event);
          expect(r.ok).toBe(false);
          if (!r.ok) expect(r.error).toMatchObject({ entity: 'task', from, event });
        });
      }
    }
  }
});
