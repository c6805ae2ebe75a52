import { describe, expect, it } from 'vitest';
import { outcomeMessage } from '../../../functions/core/completion.ts';
import { requesterView } from '../../../functions/core/requester-status.ts';
import { REQUEST_ID, storedRequest } from '../processors/fakes.ts';
import { acknowledgeBy, acknowledgementEmail, complaintAlertDue, complaintAlertEmail, complaintClock, complaintFormUrl, MAX_COMPLAINT_TEXT, nextComplaintStatus, remindOfReceivedBy } from '../../../functions/core/complaints.ts';
import { validateComplaint } from '../../../functions/core/complaint-form.ts';
import { Conflict, InvalidInput } from '../../../functions/core/errors.ts';
import type { StoredComplaint } from '../../../functions/core/complaints.ts';
import { reportRows, slaReport } from '../../../functions/core/report.ts';
import { csvLines } from '../../../functions/core/text.ts';
import { COMPLAINT_RECEIVED } from '../../../functions/core/complaint-form.ts';
import { schemaErrors } from '../processors/openapi.ts';

const COMPLAINT = '01JQC0MP1A1NT0000000000000';

describe('how to complain (Art. 12(4), DPA 2018 s.164A)', () => {
  it('ends every outcome email with the complaint to us, to the ICO with its contact details, and the court', () => {
    const { text } = outcomeMessage(storedRequest({ status: 'completed' }), [], []);
    expect(text).toContain(
      [
        'How to complain:',
        'If you are not satisfied with our answer, you can first complain to us: reply to any of our emails about this request.',
        "You have the right to complain to the UK’s supervisory authority, the Information Commissioner’s Office (ICO): Wycliffe House, Water Lane, Wilmslow, Cheshire SK9 5AF, telephone 0303 123 1113, https://ico.org.uk/make-a-complaint.",
        'You also have the right to go to court to enforce your rights.',
      ].join('\n'),
    );
  });

  it('gives the status page the same, in the requester’s language, and says when the clock is paused', () => {
    const view = requesterView(storedRequest({ id: REQUEST_ID, language: 'fr', type: 'access', pausedSince: '2026-03-02T10:00:00.000Z' }), []);
    expect(view.paused).toBe(true);
    expect(view.complain).toEqual({
      title: 'Comment se plaindre',
      us: "Si notre réponse ne vous satisfait pas, vous pouvez d’abord nous adresser une réclamation : répondez à l’un de nos e-mails concernant cette demande.",
      ico: "Vous avez le droit de déposer une plainte auprès de l’autorité de contrôle du Royaume-Uni, l’Information Commissioner’s Office (ICO) : Wycliffe House, Water Lane, Wilmslow, Cheshire SK9 5AF, téléphone 0303 123 1113, https://ico.org.uk/make-a-complaint.",
      court: 'Vous avez aussi le droit de saisir la justice pour faire respecter vos droits.',
      icoWeb: 'https://ico.org.uk/make-a-complaint',
    });
  });
});

describe('the complaint clock (DPA 2018 s.164A(3): acknowledge within 30 days beginning with the day of receipt)', () => {
  it('makes the day of receipt day 1, so the last day to acknowledge is 29 days after it', () => {
    expect(acknowledgeBy('2026-07-01T10:00:00.000Z')).toBe('2026-07-30');
    expect(acknowledgeBy('2028-02-01T09:00:00.000Z')).toBe('2028-03-01');
    expect(acknowledgeBy('2026-12-15T12:00:00.000Z')).toBe('2027-01-13');
  });

  it('dates the receipt in London: at 00:30 BST on 1 July the complaint was received on 1 July, not 30 June', () => {
    expect(acknowledgeBy('2026-06-30T23:30:00.000Z')).toBe('2026-07-30');
    // In winter London is on UTC: 23:30 UTC on 31 December is still 31 December.
    expect(acknowledgeBy('2026-12-31T23:30:00.000Z')).toBe('2027-01-29');
  });

  it('shows the clock of an open complaint: days left to acknowledge, days open so far', () => {
    const c = { receivedAt: '2026-06-30T23:30:00.000Z', acknowledgeBy: '2026-07-30' };
    expect(complaintClock(c, '2026-07-10')).toEqual({
      receivedOn: '2026-07-01',
      acknowledgeBy: '2026-07-30',
      acknowledgedOn: null,
      respondedOn: null,
      daysToAcknowledge: 20,
      acknowledgedOnTime: true,
      daysOpen: 9,
    });
    expect(complaintClock(c, '2026-07-31')).toMatchObject({ daysToAcknowledge: -1, acknowledgedOnTime: false, daysOpen: 30 });
  });

  it('counts an acknowledgement on the last day as on time, and one the day after as late', () => {
    const c = { receivedAt: '2026-07-01T10:00:00.000Z', acknowledgeBy: '2026-07-30' };
    expect(complaintClock({ ...c, acknowledgedAt: '2026-07-30T22:30:00.000Z' }, '2026-08-10')).toMatchObject({ acknowledgedOn: '2026-07-30', acknowledgedOnTime: true, daysToAcknowledge: null });
    // 23:30 UTC on 30 July is 00:30 BST on 31 July: a day late.
    expect(complaintClock({ ...c, acknowledgedAt: '2026-07-30T23:30:00.000Z' }, '2026-08-10')).toMatchObject({ acknowledgedOn: '2026-07-31', acknowledgedOnTime: false });
    expect(complaintClock({ ...c, acknowledgedAt: '2026-07-01T10:00:05.000Z', respondedAt: '2026-07-15T09:00:00.000Z' }, '2026-08-10')).toMatchObject({ respondedOn: '2026-07-15', daysOpen: 14 });
  });
});

describe('the team’s reminders of a complaint not acknowledged (s.164A(3))', () => {
  // Received 1 July: the last day to acknowledge it is 30 July.
  const open = { status: 'received' as const, acknowledgeBy: '2026-07-30' };

  it('is due 7 days before the last day, not 8', () => {
    expect(complaintAlertDue(open, '2026-07-22')).toBeUndefined();
    expect(complaintAlertDue(open, '2026-07-23')).toEqual({ alert: 'reminder-7', acknowledgeBy: '2026-07-30', daysLeft: 7 });
  });

  it('is due again 2 days before, and overdue the day after the last day, each once', () => {
    expect(complaintAlertDue({ ...open, flags: ['reminder-7'] }, '2026-07-26')).toBeUndefined();
    expect(complaintAlertDue({ ...open, flags: ['reminder-7'] }, '2026-07-28')).toEqual({ alert: 'reminder-2', acknowledgeBy: '2026-07-30', daysLeft: 2 });
    expect(complaintAlertDue({ ...open, flags: ['reminder-7', 'reminder-2'] }, '2026-07-30')).toBeUndefined();
    expect(complaintAlertDue({ ...open, flags: ['reminder-7', 'reminder-2'] }, '2026-07-31')).toEqual({ alert: 'overdue', acknowledgeBy: '2026-07-30', daysLeft: -1 });
    expect(complaintAlertDue({ ...open, flags: ['reminder-7', 'reminder-2', 'overdue'] }, '2026-09-01')).toBeUndefined();
  });

  it('raises only the flag of the day it is first seen on, never an earlier one after it', () => {
    expect(complaintAlertDue(open, '2026-07-29')).toMatchObject({ alert: 'reminder-2', daysLeft: 1 });
    expect(complaintAlertDue({ ...open, flags: ['reminder-2'] }, '2026-07-29')).toBeUndefined();
    expect(complaintAlertDue(open, '2026-08-10')).toMatchObject({ alert: 'overdue', daysLeft: -11 });
  });

  it('is never due once the complaint is acknowledged or answered', () => {
    for (const status of ['acknowledged', 'responded'] as const) expect(complaintAlertDue({ ...open, status }, '2026-07-31')).toBeUndefined();
  });

  it('reads the complaints received on or before the London day 22 days back: their 7 days have begun', () => {
    expect(remindOfReceivedBy('2026-07-23')).toBe('2026-07-01');
    expect(acknowledgeBy(`${remindOfReceivedBy('2026-07-23')}T12:00:00.000Z`)).toBe('2026-07-30');
  });

  it('tells the team the reference, the last day and the days left, with the console’s complaints, and nothing the complainant wrote', () => {
    const url = 'http://x/console.html#/complaints';
    expect(complaintAlertEmail({ alert: 'reminder-7', acknowledgeBy: '2026-07-30', daysLeft: 7 }, COMPLAINT, url)).toEqual({
      subject: `Complaint ${COMPLAINT}: 7 days left to acknowledge it`,
      text: `Complaint ${COMPLAINT} is not acknowledged. The law (DPA 2018 s.164A(3)) asks us to acknowledge it by 2026-07-30: 7 days left. Tell the complainant we received it (by email or another way), then record it in the console.\n${url}`,
    });
    expect(complaintAlertEmail({ alert: 'reminder-2', acknowledgeBy: '2026-07-30', daysLeft: 1 }, COMPLAINT, url).subject).toBe(`Complaint ${COMPLAINT}: 1 day left to acknowledge it`);
    expect(complaintAlertEmail({ alert: 'reminder-2', acknowledgeBy: '2026-07-30', daysLeft: 0 }, COMPLAINT, url).subject).toBe(`Complaint ${COMPLAINT}: today is the last day to acknowledge it`);
    const late = complaintAlertEmail({ alert: 'overdue', acknowledgeBy: '2026-07-30', daysLeft: -1 }, COMPLAINT, url);
    expect(late.subject).toBe(`OVERDUE: complaint ${COMPLAINT} was to be acknowledged by 2026-07-30`);
    expect(late.text).toContain('was to be acknowledged by 2026-07-30, 1 day ago.');
  });
});

describe('what an officer can record on a complaint', () => {
  it('acknowledges a received complaint, and responds to a received or acknowledged one', () => {
    expect(nextComplaintStatus('received', 'acknowledge')).toBe('acknowledged');
    expect(nextComplaintStatus('received', 'respond')).toBe('responded');
    expect(nextComplaintStatus('acknowledged', 'respond')).toBe('responded');
  });

  it('refuses an impossible step with a 409 that says why', () => {
    expect(() => nextComplaintStatus('acknowledged', 'acknowledge')).toThrow(new Conflict('this complaint is already acknowledged', { reason: 'complaint_acknowledged' }));
    expect(() => nextComplaintStatus('responded', 'acknowledge')).toThrow(new Conflict('this complaint is already responded', { reason: 'complaint_acknowledged' }));
    expect(() => nextComplaintStatus('responded', 'respond')).toThrow(new Conflict('this complaint has already been responded to', { reason: 'complaint_responded' }));
    try {
      nextComplaintStatus('responded', 'respond');
    } catch (e) {
      expect((e as Conflict).status).toBe(409);
    }
  });
});

describe('the complaint form', () => {
  it('takes a complaint tied to a request, reading the reference in either case, and keeps line breaks but no other control character', () => {
    expect(validateComplaint({ email: ' ann@example.com ', requestId: ' 01jq0000000000000000000000 ', text: 'You kept my data.\r\nBell\u0007 and\u0000 nul.', language: 'en' }, 'en')).toEqual({
      email: 'ann@example.com',
      requestId: REQUEST_ID,
      text: 'You kept my data.\nBell  and  nul.',
      language: 'en',
    });
  });

  it('takes a standalone complaint in French by default, with an optional name', () => {
    expect(validateComplaint({ email: 'bea@example.com', name: 'Béa', text: 'Vous m’avez envoyé des publicités.' }, 'fr')).toEqual({ email: 'bea@example.com', name: 'Béa', text: 'Vous m’avez envoyé des publicités.', language: 'fr' });
  });

  it('names each field at fault, in both languages, and refuses unknown fields', () => {
    const bad = () => validateComplaint({ email: 'not-an-address', requestId: 'REQ-1', text: 'x'.repeat(MAX_COMPLAINT_TEXT + 1), shoeSize: 42 }, 'en');
    expect(bad).toThrow(InvalidInput);
    try {
      bad();
    } catch (e) {
      const issues = (e as InvalidInput).issues;
      expect(issues.map((i) => i.path).sort()).toEqual(['email', 'requestId', 'shoeSize', 'text']);
      expect(issues.find((i) => i.path === 'text')).toEqual({
        path: 'text',
        message: 'Tell us what went wrong, in 10 to 5,000 characters.',
        messages: { en: 'Tell us what went wrong, in 10 to 5,000 characters.', fr: 'Expliquez ce qui ne va pas, en 10 à 5\u00a0000 caractères.' },
      });
    }
  });

  it('refuses a text too short to say anything, and a lone surrogate DynamoDB could not store', () => {
    for (const text of ['too short', 'a complaint \ud800 with a broken character']) {
      try {
        validateComplaint({ email: 'cy@example.com', text }, 'en');
        expect.unreachable();
      } catch (e) {
        expect((e as InvalidInput).issues.map((i) => i.path)).toEqual(['text']);
      }
    }
  });
});

describe('the acknowledgement email', () => {
  it('gives the reference, the day received and the request it is about, never the complainant’s words, and the ICO to turn to after', () => {
    expect(acknowledgementEmail({ id: '01JQ1111111111111111111111', language: 'en', receivedAt: '2026-06-30T23:30:00.000Z', requestId: REQUEST_ID })).toEqual({
      subject: 'We have received your complaint',
      text: [
        'Hello,',
        '',
        `On 1 July 2026 we received your complaint about how we handle your personal data (about your request ${REQUEST_ID}). Its reference is 01JQ1111111111111111111111.`,
        'Our privacy team is looking into it and will answer you without undue delay, telling you what we have done.',
        'If you did not make this complaint, you can ignore this email.',
        '',
        "If you are not satisfied with our answer, you can then complain to the UK’s supervisory authority, the Information Commissioner’s Office (ICO): Wycliffe House, Water Lane, Wilmslow, Cheshire SK9 5AF, telephone 0303 123 1113, https://ico.org.uk/make-a-complaint.",
        '',
        'The Offtek privacy team',
      ].join('\n'),
    });
    expect(acknowledgementEmail({ id: '01JQ1111111111111111111111', language: 'fr', receivedAt: '2026-07-01T10:00:00.000Z' }).text.split('\n')[2]).toBe(
      'Nous avons bien reçu, le 1er juillet 2026, votre réclamation sur la façon dont nous traitons vos données personnelles. Sa référence : 01JQ1111111111111111111111.',
    );
  });

  it('puts the shop’s own complaint form before the ICO in every outcome email, tied to the request', () => {
    const form = complaintFormUrl('https://privacy.offtek.example', 'en', REQUEST_ID);
    expect(form).toBe(`https://privacy.offtek.example/complaint.html?ref=${REQUEST_ID}&lang=en`);
    const lines = outcomeMessage(storedRequest({ status: 'completed' }), [], [], undefined, form).text.split('\n');
    const at = lines.indexOf('How to complain:');
    expect(lines.slice(at, at + 3)).toEqual([
      'How to complain:',
      `If you are not satisfied with our answer, you can first complain to us with our complaint form: https://privacy.offtek.example/complaint.html?ref=${REQUEST_ID}&lang=en (or by replying to any of our emails about this request).`,
      "You have the right to complain to the UK’s supervisory authority, the Information Commissioner’s Office (ICO): Wycliffe House, Water Lane, Wilmslow, Cheshire SK9 5AF, telephone 0303 123 1113, https://ico.org.uk/make-a-complaint.",
    ]);
  });
});

describe('complaints in the SLA report', () => {
  const complaint = (id: string, over: Partial<StoredComplaint>): StoredComplaint => ({
    id,
    status: 'received',
    version: 0,
    language: 'en',
    receivedAt: '2026-07-01T10:00:00.000Z',
    acknowledgeBy: '2026-07-30',
    email: 'x@example.com',
    text: 'something went wrong',
    emailHash: 'h',
    audit: [],
    ...over,
  });
  const complaints = [
    // Acknowledged at once by email, answered 2 days and 6 days later.
    complaint('A', { status: 'responded', acknowledgedAt: '2026-07-01T10:00:01.000Z', respondedAt: '2026-07-03T10:00:00.000Z' }),
    complaint('B', { status: 'responded', acknowledgedAt: '2026-07-01T10:00:01.000Z', respondedAt: '2026-07-07T10:00:00.000Z' }),
    // Acknowledged by an officer a day late (00:30 BST on 31 July).
    complaint('C', { status: 'acknowledged', acknowledgedAt: '2026-07-30T23:30:00.000Z' }),
    // Never acknowledged: late once its last day has passed.
    complaint('D', {}),
    // Received on 20 July, not acknowledged yet, not yet due on 10 August.
    complaint('E', { receivedAt: '2026-07-20T09:00:00.000Z', acknowledgeBy: '2026-08-18' }),
  ];

  it('counts acknowledgements within 30 days as on time, one not yet due apart and out of the rate, and gives the days to respond', () => {
    expect(slaReport('2026-07-01', '2026-07-31', '2026-08-10', [], new Map(), complaints).complaints).toEqual({
      complaints: 5,
      acknowledged: 3,
      acknowledgedOnTime: 2,
      acknowledgedLate: 2,
      acknowledgementNotYetDue: 1,
      acknowledgedOnTimeRate: 0.5,
      responded: 2,
      medianDaysToRespond: 2,
      p95DaysToRespond: 6,
    });
  });

  it('has no acknowledgement rate while every complaint is still within its 30 days unacknowledged, where it said 100 %', () => {
    const waiting = slaReport('2026-07-01', '2026-07-31', '2026-08-10', [], new Map(), [complaints[4]]).complaints;
    expect(waiting).toMatchObject({ complaints: 1, acknowledgedOnTime: 0, acknowledgedLate: 0, acknowledgementNotYetDue: 1, acknowledgedOnTimeRate: null });
  });

  it('has no rate and no times without complaints, and puts them in the CSV one measure a line', () => {
    const none = slaReport('2026-07-01', '2026-07-31', '2026-08-10', [], new Map());
    expect(none.complaints).toMatchObject({ complaints: 0, acknowledgedOnTimeRate: null, medianDaysToRespond: null });
    const csv = csvLines(reportRows(slaReport('2026-07-01', '2026-07-31', '2026-08-10', [], new Map(), complaints))).split('\r\n');
    expect(csv.filter((l) => l.startsWith('complaints,'))).toEqual([
      'complaints,,received,5',
      'complaints,,acknowledged,3',
      'complaints,,acknowledged_on_time,2',
      'complaints,,acknowledged_late,2',
      'complaints,,acknowledgement_not_yet_due,1',
      'complaints,,acknowledged_on_time_rate,0.500',
      'complaints,,responded,2',
      'complaints,,median_days_to_respond,2',
      'complaints,,p95_days_to_respond,6',
    ]);
  });
});

describe('the complaint form’s contract', () => {
  it('documents in docs/openapi.yaml the body the form sends and the one answer it gets', () => {
    expect(schemaErrors('ComplaintBody', { email: 'ann@example.com', name: 'Ann', requestId: REQUEST_ID, text: 'You kept my data after I asked you to erase it.', language: 'en' })).toEqual([]);
    expect(schemaErrors('ComplaintBody', { email: 'ann@example.com', text: 'short' })).not.toEqual([]);
    for (const lang of ['fr', 'en'] as const) expect(schemaErrors('ComplaintReceived', COMPLAINT_RECEIVED[lang])).toEqual([]);
  });
});
