import type { RequestType } from './model.ts';
import type { StoredRequest, StoredTask } from './ports.ts';
import { dueOn, londonDate } from './deadline.ts';
import { isOpenRequest } from './status.ts';
import { complaintClock, type StoredComplaint } from './complaints.ts';

/**
 * The SLA report a DPO gives the board and the ICO: over the requests received in a date range,
 * how many were answered in time, how long answers took by type, and how each processor did on
 * every task it was sent, finished or not.
 */

const HOUR = 3_600_000;

/** Nearest-rank percentile (the value at rank ⌈p·n⌉): always a duration that was measured, never an interpolation. */
export function percentile(xs: readonly number[], p: number): number | null {
  if (!xs.length) return null;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
}

// Hours to the hundredth (36 s): an automated erasure takes minutes, which a tenth of an hour would show as 0.
const round2 = (n: number | null) => (n === null ? null : Math.round(n * 100) / 100);

export type ReportRow = { requests: number; completed: number; medianHours: number | null; p95Hours: number | null };
export type ProcessorRow = { id: string; name: string; tasks: number; answered: number; medianCallbackSeconds: number | null; failures: number; timeouts: number };
export type SlaReport = {
  from: string;
  to: string;
  requests: number;
  /** Answered (completed, refused or cancelled) on or before their deadline. */
  onTime: number;
  /** Answered after the deadline, or still open past it. */
  late: number;
  /** Still open and not yet due: neither in time nor late until answered or overdue, so out of the rate. */
  notYetDue: number;
  /** onTime / (onTime + late), as a fraction; null when nothing was answered and nothing is late. */
  onTimeRate: number | null;
  byType: ({ type: RequestType } & ReportRow)[];
  processors: ProcessorRow[];
  /** The complaints received in the range (DPA 2018 s.164A). */
  complaints: ComplaintStats;
};

/** Answered (closed: completed, refused or cancelled) after its deadline, on the London day it closed, as the report counts it late. */
export function closedLate(r: StoredRequest): boolean {
  if (!r.closedAt || !r.verifiedAt) return false;
  const on = londonDate(r.closedAt);
  const due = dueOn(r, on);
  return due !== undefined && on > due;
}

/**
 * `requests`: those received between `from` and `to` (London dates, inclusive) with their tasks;
 * `today`: the London date, to judge open requests. A request never confirmed has no deadline and
 * is left out of the rate, and so is one still open and not yet due (`notYetDue`). Time to complete
 * runs from confirmation (when the legal clock starts) to completion; refused and cancelled requests
 * are answered, but not completed, so they count in the rate and not in the times.
 */
export function slaReport(
  from: string,
  to: string,
  today: string,
  requests: readonly { request: StoredRequest; tasks: readonly StoredTask[] }[],
  processorNames: ReadonlyMap<string, string>,
  complaints: readonly StoredComplaint[] = [],
): SlaReport {
  let onTime = 0;
  let late = 0;
  let notYetDue = 0;
  const hours = new Map<RequestType, { n: number; done: number[] }>();
  const procs = new Map<string, { tasks: number; answered: number; ms: number[]; failures: number; timeouts: number }>();
  for (const { request: r, tasks } of requests) {
    const h = hours.get(r.type) ?? { n: 0, done: [] };
    h.n++;
    hours.set(r.type, h);
    const answeredOn = r.closedAt ? londonDate(r.closedAt) : undefined;
    // A stopped clock (Art. 12A) is judged by the deadline restarting it that day would give, as /resume moves it.
    const due = dueOn(r, answeredOn ?? today);
    if (due) {
      // An open request in time says nothing yet of the team's timeliness: counted on time (until
      // November 27, 2026), a period of open requests alone read "100 % on time" before any was answered.
      if (!answeredOn && isOpenRequest(r.status) && today <= due) notYetDue++;
      else if (answeredOn ? answeredOn <= due : !isOpenRequest(r.status)) onTime++;
      else late++;
    }
    if (r.status === 'completed' && r.verifiedAt && r.closedAt) h.done.push((Date.parse(r.closedAt) - Date.parse(r.verifiedAt)) / HOUR);
    for (const t of tasks) {
      const p = procs.get(t.processorId) ?? { tasks: 0, answered: 0, ms: [], failures: 0, timeouts: 0 };
      p.tasks++;
      // A processor's own answer; an officer's resolution or an escalation says nothing of its speed.
      if (['completed', 'not_found', 'retained'].includes(t.status) && t.sentAt && t.finishedAt) {
        p.answered++;
        p.ms.push(Date.parse(t.finishedAt) - Date.parse(t.sentAt));
      }
      // Counted from the task's ledger: a failure later resolved by an officer was still a failure.
      if (t.audit.some((e) => e.to === 'failed')) p.failures++;
      if (t.audit.some((e) => e.to === 'timed_out')) p.timeouts++;
      procs.set(t.processorId, p);
    }
  }
  const types: RequestType[] = ['access', 'erasure', 'rectification', 'objection', 'restrict'];
  return {
    from,
    to,
    requests: requests.length,
    onTime,
    late,
    notYetDue,
    onTimeRate: onTime + late ? onTime / (onTime + late) : null,
    byType: types.map((type) => {
      const h = hours.get(type) ?? { n: 0, done: [] };
      return { type, requests: h.n, completed: h.done.length, medianHours: round2(percentile(h.done, 0.5)), p95Hours: round2(percentile(h.done, 0.95)) };
    }),
    // Every processor of the registry has a row, whether or not it had a task in the range.
    processors: [...new Set([...processorNames.keys(), ...procs.keys()])].map((id) => {
      const p = procs.get(id) ?? { tasks: 0, answered: 0, ms: [], failures: 0, timeouts: 0 };
      const median = percentile(p.ms, 0.5);
      return { id, name: processorNames.get(id) ?? id, tasks: p.tasks, answered: p.answered, medianCallbackSeconds: median === null ? null : Math.round(median / 100) / 10, failures: p.failures, timeouts: p.timeouts };
    }),
    complaints: complaintStats(complaints, today),
  };
}

/** The report as rows for a spreadsheet: one measure a line (scope, name, measure, value), so that columns never shift. */
export function reportRows(r: SlaReport): unknown[][] {
  const rows: unknown[][] = [['scope', 'name', 'measure', 'value']];
  rows.push(['range', '', 'from', r.from], ['range', '', 'to', r.to]);
  rows.push(['all', '', 'requests', r.requests], ['all', '', 'on_time', r.onTime], ['all', '', 'late', r.late], ['all', '', 'not_yet_due', r.notYetDue], ['all', '', 'on_time_rate', r.onTimeRate === null ? '' : r.onTimeRate.toFixed(3)]);
  for (const t of r.byType) {
    rows.push(['type', t.type, 'requests', t.requests], ['type', t.type, 'completed', t.completed], ['type', t.type, 'median_hours_to_complete', t.medianHours], ['type', t.type, 'p95_hours_to_complete', t.p95Hours]);
  }
  for (const p of r.processors) {
    rows.push(['processor', p.name, 'tasks', p.tasks], ['processor', p.name, 'answered', p.answered], ['processor', p.name, 'median_callback_seconds', p.medianCallbackSeconds], ['processor', p.name, 'failures', p.failures], ['processor', p.name, 'timeouts', p.timeouts]);
  }
  const c = r.complaints;
  rows.push(
    ['complaints', '', 'received', c.complaints],
    ['complaints', '', 'acknowledged', c.acknowledged],
    ['complaints', '', 'acknowledged_on_time', c.acknowledgedOnTime],
    ['complaints', '', 'acknowledged_late', c.acknowledgedLate],
    ['complaints', '', 'acknowledgement_not_yet_due', c.acknowledgementNotYetDue],
    ['complaints', '', 'acknowledged_on_time_rate', c.acknowledgedOnTimeRate === null ? '' : c.acknowledgedOnTimeRate.toFixed(3)],
    ['complaints', '', 'responded', c.responded],
    ['complaints', '', 'median_days_to_respond', c.medianDaysToRespond],
    ['complaints', '', 'p95_days_to_respond', c.p95DaysToRespond],
  );
  return rows;
}

const DAY = 86_400_000;
const round1 = (n: number | null) => (n === null ? null : Math.round(n * 10) / 10);

export type ComplaintStats = {
  complaints: number;
  acknowledged: number;
  /** Acknowledged within 30 days. */
  acknowledgedOnTime: number;
  /** Acknowledged after its 30 days, or not acknowledged and past them. */
  acknowledgedLate: number;
  /** Not acknowledged yet and still within its 30 days: neither on time nor late, so out of the rate. */
  acknowledgementNotYetDue: number;
  /** acknowledgedOnTime / (acknowledgedOnTime + acknowledgedLate); null when neither (until November 27, 2026 a complaint not yet due counted as on time, so a report of such complaints alone said 100 %). */
  acknowledgedOnTimeRate: number | null;
  responded: number;
  medianDaysToRespond: number | null;
  p95DaysToRespond: number | null;
};

/** The complaints received in a report's range: the acknowledgement's on-time rate and the time to respond (days, to a tenth). */
export function complaintStats(complaints: readonly StoredComplaint[], today: string): ComplaintStats {
  let onTime = 0;
  let late = 0;
  let notYetDue = 0;
  const days: number[] = [];
  for (const c of complaints) {
    if (!c.acknowledgedAt && today <= c.acknowledgeBy) notYetDue++;
    else if (complaintClock(c, today).acknowledgedOnTime) onTime++;
    else late++;
    if (c.respondedAt) days.push((Date.parse(c.respondedAt) - Date.parse(c.receivedAt)) / DAY);
  }
  return {
    complaints: complaints.length,
    acknowledged: complaints.filter((c) => c.acknowledgedAt).length,
    acknowledgedOnTime: onTime,
    acknowledgedLate: late,
    acknowledgementNotYetDue: notYetDue,
    acknowledgedOnTimeRate: onTime + late ? onTime / (onTime + late) : null,
    responded: days.length,
    medianDaysToRespond: round1(percentile(days, 0.5)),
    p95DaysToRespond: round1(percentile(days, 0.95)),
  };
}


