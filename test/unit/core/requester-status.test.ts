import { describe, expect, it } from 'vitest';
import type { StoredTask } from '../../../functions/core/ports.ts';
import { complaintLines, howToComplain, ICO } from '../../../functions/core/notices.ts';
import { categoryProgress, requesterView, statusLinkWorks } from '../../../functions/core/requester-status.ts';
import { storedRequest } from '../processors/fakes.ts';
import { schemaErrors } from '../processors/openapi.ts';

const task = (processorId: string, category: StoredTask['category'], status: StoredTask['status'], over: Partial<StoredTask> = {}) =>
  ({ taskId: `R.${processorId}`, requestId: 'R', processorId, category, action: 'erase', status, version: 1, attempts: 0, holds: [], audit: [], ...over }) as StoredTask;

describe('progress per category, as the requester sees it', () => {
  it.each([
    ['pending', 'not_started'],
    ['sent', 'in_progress'],
    ['in_progress', 'in_progress'],
    ['failed', 'in_progress'],
    ['timed_out', 'in_progress'],
    ['completed', 'done'],
    ['not_found', 'done'],
    ['resolved', 'done'],
    ['retained', 'retained'],
  ] as const)('shows a %s task as %s', (status, state) => {
    expect(categoryProgress([task('paynow', 'payments', status)])).toEqual([{ category: 'payments', state }]);
  });

  it('shows a task an officer resolved as retained as kept, with the basis the officer recorded', () => {
    const resolved = task('socialapp', 'social', 'resolved', { outcome: { request_status: 'resolved', reason: 'retained', note: 'court case', legal_basis: 'legal_claims', retained_until: '2027-06-30' } });
    expect(categoryProgress([resolved])).toEqual([{ category: 'social', state: 'retained', reason: 'legal_claims', kept: [{ basis: 'legal_claims', until: '2027-06-30' }] }]);
  });

  it('gives the legal basis of a retained category', () => {
    expect(categoryProgress([task('paynow', 'payments', 'retained', { outcome: { request_status: 'retained', legal_basis: 'accounting' } })])).toEqual([
      { category: 'payments', state: 'retained', reason: 'accounting', kept: [{ basis: 'accounting', until: null }] },
    ]);
  });

  it('shows a category only as far along as its slowest processor, in either order', () => {
    const done = task('mailer', 'email', 'completed');
    const waiting = task('reviews', 'email', 'sent');
    const retained = task('reviews', 'email', 'retained');
    const notStarted = task('reviews', 'email', 'pending');
    expect(categoryProgress([done, waiting])).toEqual([{ category: 'email', state: 'in_progress' }]);
    expect(categoryProgress([waiting, done])).toEqual([{ category: 'email', state: 'in_progress' }]);
    expect(categoryProgress([done, retained])).toEqual([{ category: 'email', state: 'retained', someDone: true }]);
    expect(categoryProgress([waiting, notStarted])).toEqual([{ category: 'email', state: 'not_started' }]);
    expect(categoryProgress([retained, waiting])).toEqual([{ category: 'email', state: 'in_progress' }]);
  });

  it('gives every distinct basis and end date of a category whose processors keep records on different grounds', () => {
    const accounting = task('paynow', 'payments', 'retained', { outcome: { request_status: 'retained', legal_basis: 'accounting', retained_until: null } });
    const twoHolds = task('cardco', 'payments', 'retained', {
      outcome: { request_status: 'retained', legal_basis: 'lifetime_warranty', retained_until: null, additional_holds: [{ legal_basis: 'accounting', retained_until: '2033-03-31' }] },
    });
    // An officer's "kept", on a basis no processor reports.
    const claims = task('paylater', 'payments', 'resolved', { outcome: { request_status: 'resolved', reason: 'retained', legal_basis: 'legal_claims', retained_until: '2027-06-30' } });
    const sameAgain = task('paysafe', 'payments', 'retained', { outcome: { request_status: 'retained', legal_basis: 'accounting', retained_until: null } });
    expect(categoryProgress([accounting, twoHolds, claims, sameAgain])).toEqual([
      {
        category: 'payments',
        state: 'retained',
        reason: 'accounting',
        kept: [
          { basis: 'accounting', until: null },
          { basis: 'lifetime_warranty', until: null },
          { basis: 'accounting', until: '2033-03-31' },
          { basis: 'legal_claims', until: '2027-06-30' },
        ],
      },
    ]);
  });

  it('says so when one processor of a kept category erased while another kept, in either order', () => {
    const kept = task('paynow', 'payments', 'retained', { outcome: { request_status: 'retained', legal_basis: 'legal_claims', retained_until: '2027-06-30' } });
    const erased = task('cardco', 'payments', 'completed');
    const expected = [{ category: 'payments', state: 'retained', reason: 'legal_claims', kept: [{ basis: 'legal_claims', until: '2027-06-30' }], someDone: true }];
    expect(categoryProgress([kept, erased])).toEqual(expected);
    expect(categoryProgress([erased, kept])).toEqual(expected);
  });

  it('answers kept grounds in the shape docs/openapi.yaml documents', () => {
    const kept = task('paynow', 'payments', 'retained', { outcome: { request_status: 'retained', legal_basis: 'accounting', retained_until: '2033-03-31', additional_holds: [{ legal_basis: 'lifetime_warranty', retained_until: null }] } });
    const claims = task('paylater', 'payments', 'resolved', { outcome: { request_status: 'resolved', reason: 'retained', legal_basis: 'legal_claims', retained_until: '2027-06-30' } });
    const view = requesterView(storedRequest({ status: 'completed', closedAt: '2026-03-20T10:00:00.000Z' }), [kept, claims, task('cardco', 'payments', 'completed')]);
    expect(schemaErrors('RequesterStatus', view)).toEqual([]);
  });

  it('lists the categories in the policy’s order, the shop’s own systems first, whatever order the tasks are listed in', () => {
    // As DynamoDB lists a request's tasks, by processor id.
    const byId = [task('mailwave', 'email', 'completed'), task('metricsly', 'analytics', 'completed'), task('offtek', 'shop', 'completed'), task('parcelway', 'delivery', 'completed'), task('paynow', 'payments', 'completed'), task('recoverco', 'collections', 'completed'), task('socialapp', 'social', 'completed')];
    expect(categoryProgress(byId).map((c) => c.category)).toEqual(['shop', 'payments', 'delivery', 'analytics', 'email', 'collections', 'social']);
  });

  it('lists each category once, and no processor names', () => {
    const view = categoryProgress([task('paynow', 'payments', 'completed'), task('mailer', 'email', 'sent'), task('reviews', 'email', 'completed')]);
    expect(view).toEqual([
      { category: 'payments', state: 'done' },
      { category: 'email', state: 'in_progress' },
    ]);
  });
});

describe('the status page’s view of a request', () => {
  it('shows the status, the dates and the progress, and nothing else', () => {
    const req = storedRequest({ status: 'in_progress' });
    expect(requesterView(req, [task('paynow', 'payments', 'completed')])).toEqual({
      id: '01JQ0000000000000000000000',
      type: 'erasure',
      status: 'in_progress',
      language: 'en',
      receivedAt: '2026-03-01T09:00:00.000Z',
      restrictionLiftedOn: null,
      verifiedAt: '2026-03-01T09:05:00.000Z',
      dueDate: '2026-04-01',
      closedAt: null,
      paused: false,
      extended: false,
      categories: [{ category: 'payments', state: 'done' }],
      complain: {
        title: 'How to complain',
        us: 'If you are not satisfied with our answer, you can first complain to us: reply to any of our emails about this request.',
        ico: "You have the right to complain to the UK’s supervisory authority, the Information Commissioner’s Office (ICO): Wycliffe House, Water Lane, Wilmslow, Cheshire SK9 5AF, telephone 0303 123 1113, https://ico.org.uk/make-a-complaint.",
        court: 'You also have the right to go to court to enforce your rights.',
        icoWeb: 'https://ico.org.uk/make-a-complaint',
      },
      complainIn: { fr: { ...howToComplain('fr'), icoWeb: 'https://ico.org.uk/make-a-complaint' }, en: { ...howToComplain('en'), icoWeb: 'https://ico.org.uk/make-a-complaint' } },
    });
  });

  it('gives the ICO’s web address apart, as the emails write it in the sentence, so that the page can make a link of it', () => {
    const view = requesterView(storedRequest({ language: 'fr' }), []);
    for (const c of [view.complain, view.complainIn.fr, view.complainIn.en]) {
      expect(c.icoWeb).toBe(ICO.web);
      expect(c.ico).toContain(`, ${c.icoWeb}.`);
    }
    // The outcome emails and notices carry the same address text.
    for (const lang of ['fr', 'en'] as const) expect(complaintLines(lang)).toContain(view.complainIn[lang].ico);
    expect(schemaErrors('RequesterStatus', view)).toEqual([]);
  });

  it('says how to complain in each language too, for the page the requester switches to the other', () => {
    const view = requesterView(storedRequest({ language: 'fr' }), []);
    expect(view.complain.title).toBe('Comment se plaindre');
    expect([view.complainIn.fr.title, view.complainIn.en.title]).toEqual(['Comment se plaindre', 'How to complain']);
    expect(schemaErrors('RequesterStatus', view)).toEqual([]);
  });

  it('shows the extended deadline once there is one', () => {
    const req = storedRequest({ extended: { at: '2026-03-10T09:00:00.000Z', reason: 'complex', dueDate: '2026-06-01' } });
    expect(requesterView(req, [])).toMatchObject({ dueDate: '2026-06-01', extended: true });
  });

  it('never says the clock is paused on a request completed, refused or cancelled while it was stopped', () => {
    expect(requesterView(storedRequest({ type: 'access', status: 'in_progress', pausedSince: '2026-03-10T09:00:00.000Z' }), [])).toMatchObject({ paused: true });
    for (const status of ['completed', 'denied', 'cancelled'] as const) {
      const req = storedRequest({ type: 'access', status, pausedSince: '2026-03-10T09:00:00.000Z', closedAt: '2026-03-12T09:00:00.000Z' });
      expect(requesterView(req, []), status).toMatchObject({ paused: false, closedAt: '2026-03-12T09:00:00.000Z' });
    }
  });

  it('shows no deadline while the clock is stopped in time, which restarting it moves; one stopped after its deadline keeps it', () => {
    // Due 1 April: stopped 10 March, the date is not yet known (until November 29, 2026 the page said 1 April beside "paused").
    expect(requesterView(storedRequest({ type: 'access', status: 'in_progress', pausedSince: '2026-03-10T09:00:00.000Z' }), [])).toMatchObject({ paused: true, dueDate: null });
    // Stopped 5 April, after it had run out: that stop moved nothing, and the request is late by its date.
    expect(requesterView(storedRequest({ type: 'access', status: 'in_progress', pausedSince: '2026-04-05T09:00:00.000Z' }), [])).toMatchObject({ paused: true, dueDate: '2026-04-01' });
  });

  it('shows null dates for an unverified request', () => {
    const req = storedRequest({ status: 'unverified', verifiedAt: undefined, dueDate: undefined });
    expect(requesterView(req, [])).toMatchObject({ verifiedAt: null, dueDate: null, extended: false, categories: [] });
  });
});

describe('how long a requester’s status link works', () => {
  const now = new Date('2026-05-10T12:00:00.000Z');

  it('works for as long as the requester’s contact data is kept, through the second its end names, as every read of that data counts it', () => {
    expect(statusLinkWorks(new Date('2026-05-10T12:00:01.000Z'), now)).toBe(true);
    // DynamoDB's ttl is in seconds: contact data ending at 12:00:00 is read until 12:00:00.999.
    expect(statusLinkWorks(new Date('2026-05-10T12:00:00.000Z'), new Date('2026-05-10T12:00:00.999Z'))).toBe(true);
    expect(statusLinkWorks(new Date('2026-05-10T11:59:59.000Z'), now)).toBe(false);
  });

  it('stops once that end has passed, though DynamoDB has not deleted the data yet', () => {
    // The item is still there two days on: its end, not its deletion, is what counts.
    expect(statusLinkWorks(new Date('2026-05-08T12:00:00.000Z'), now)).toBe(false);
  });

  it('works with no end while the contact data has none (a restriction in place), and not at all once it is gone', () => {
    expect(statusLinkWorks(null, now)).toBe(true);
    expect(statusLinkWorks(undefined, now)).toBe(false);
  });
});
