import { describe, expect, it } from 'vitest';
import { reviewEmail } from '../../../functions/core/team-review.ts';

const ID = '01JQ0000000000000000000000';
const CONSOLE = `https://privacy.example/console.html#/requests/${ID}`;

describe('the team’s email when a request waits for an officer', () => {
  it('says a copy is held, which providers flagged other people’s data, and by when the answer is due', () => {
    expect(reviewEmail('held_copy', { requestId: ID, type: 'access', dueDate: '2026-04-02', flaggedBy: ['Parcelway Delivery', 'PayNow Payments'] }, CONSOLE)).toEqual({
      subject: `Copy held for review (request ${ID})`,
      text: [
        `A copy of data for request ${ID} is held: Parcelway Delivery, PayNow Payments flagged other people's data in it (Art. 15(4)).`,
        'Nothing is sent to the requester until an officer has looked at the copy and released it, or refused or cancelled the request.',
        'The answer is due by 2026-04-02; the clock runs while it waits.',
        '',
        'In the console:',
        CONSOLE,
      ].join('\n'),
    });
  });

  it('says a copy could not be assembled, that nothing went to the requester, and what the officer can do', () => {
    expect(reviewEmail('assembly', { requestId: ID, type: 'access', dueDate: '2026-04-02' }, CONSOLE)).toEqual({
      subject: `Copy could not be assembled (request ${ID})`,
      text: [
        `The copy of data for request ${ID} could not be assembled: a provider's results could not be fetched, even after the retries.`,
        'Nothing is sent to the requester. Retry the copy in the console once the provider can give its results, or refuse or cancel the request.',
        'The answer is due by 2026-04-02; the clock runs while it waits.',
        '',
        'In the console:',
        CONSOLE,
      ].join('\n'),
    });
  });

  it('names the providers whose results could not be fetched for a copy that could not be assembled', () => {
    expect(reviewEmail('assembly', { requestId: ID, type: 'access', dueDate: '2026-04-02', unfetched: ['PayNow Payments', 'Parcelway Delivery'] }, CONSOLE).text.split('\n')[0]).toBe(
      `The copy of data for request ${ID} could not be assembled: the results of PayNow Payments, Parcelway Delivery could not be fetched, even after the retries.`,
    );
    // Assemble's error named none (an older mark, or an error that was not a fetch): a provider, as before.
    expect(reviewEmail('assembly', { requestId: ID, type: 'access', unfetched: [] }, CONSOLE).text.split('\n')[0]).toBe(
      `The copy of data for request ${ID} could not be assembled: a provider's results could not be fetched, even after the retries.`,
    );
  });

  it('asks for a retry once the providers can give their results when several are named, and the provider its own when one or none is', () => {
    const retry = (unfetched?: string[]) => reviewEmail('assembly', { requestId: ID, type: 'access', unfetched }, CONSOLE).text.split('\n')[1];
    expect(retry(['PayNow Payments', 'Parcelway Delivery'])).toBe('Nothing is sent to the requester. Retry the copy in the console once the providers can give their results, or refuse or cancel the request.');
    expect(retry(['PayNow Payments'])).toBe('Nothing is sent to the requester. Retry the copy in the console once the provider can give its results, or refuse or cancel the request.');
    expect(retry([])).toBe('Nothing is sent to the requester. Retry the copy in the console once the provider can give its results, or refuse or cancel the request.');
    expect(retry()).toBe('Nothing is sent to the requester. Retry the copy in the console once the provider can give its results, or refuse or cancel the request.');
  });

  it('says a correction waits to be read and approved, without its words', () => {
    expect(reviewEmail('correction', { requestId: ID, type: 'rectification', dueDate: '2026-04-02' }, CONSOLE)).toEqual({
      subject: `Correction to review (request ${ID})`,
      text: [
        `A confirmed correction, request ${ID}, waits for an officer (Art. 16, 19).`,
        "Read the requester's words in the console and approve the corrected value of each field, or refuse it. No provider is sent anything until then.",
        'The answer is due by 2026-04-02; the clock runs while it waits.',
        '',
        'In the console:',
        CONSOLE,
      ].join('\n'),
    });
  });

  it('says an agent’s request waits for its proof of authority to be checked, naming the relationship and the proof in words, not the agent', () => {
    expect(reviewEmail('agent', { requestId: ID, type: 'erasure', dueDate: '2026-04-02', agent: { relationship: 'parent', proof: 'parental_responsibility' } }, CONSOLE)).toEqual({
      subject: `Authorised agent to check (request ${ID})`,
      text: [
        `A request (erasure), ${ID}, was made by a parent or guardian acting for the person, and the person has confirmed it from their own address.`,
        'The agent declares they hold proof of parental responsibility. Check that proof, then approve the request or refuse it. Nothing is planned until then.',
        'The answer is due by 2026-04-02; the clock runs while it waits.',
        '',
        'In the console:',
        CONSOLE,
      ].join('\n'),
    });
  });

  it('asks for the correction’s words to be read too when an agent asks for a correction', () => {
    expect(reviewEmail('agent', { requestId: ID, type: 'rectification', dueDate: '2026-04-02', agent: { relationship: 'solicitor', proof: 'signed_authority' } }, CONSOLE).text).toBe(
      [
        `A request (correction), ${ID}, was made by a solicitor acting for the person, and the person has confirmed it from their own address.`,
        'The agent declares they hold a signed letter of authority. Check that proof, then approve the request or refuse it. Nothing is planned until then.',
        "It is a correction: read the requester's words in the console too, and approve the corrected value of each field.",
        'The answer is due by 2026-04-02; the clock runs while it waits.',
        '',
        'In the console:',
        CONSOLE,
      ].join('\n'),
    );
  });

  it('says the clock runs even where no due date is known yet', () => {
    expect(reviewEmail('correction', { requestId: ID, type: 'rectification' }, CONSOLE).text).toContain('\nThe clock runs while it waits.\n');
  });
});

describe('the team’s email, in words for every kind of request, agent and proof', () => {
  const firstTwoLines = (f: Parameters<typeof reviewEmail>[1]) => reviewEmail('agent', f, CONSOLE).text.split('\n').slice(0, 2);

  it('names a copy of data, an attorney and a power of attorney', () => {
    expect(firstTwoLines({ requestId: ID, type: 'access', agent: { relationship: 'attorney', proof: 'power_of_attorney' } })).toEqual([
      `A request (copy of data), ${ID}, was made by an attorney acting for the person, and the person has confirmed it from their own address.`,
      'The agent declares they hold a power of attorney. Check that proof, then approve the request or refuse it. Nothing is planned until then.',
    ]);
  });

  it('names an objection, another authorised person and a court order', () => {
    expect(firstTwoLines({ requestId: ID, type: 'objection', agent: { relationship: 'other', proof: 'court_order' } })).toEqual([
      `A request (objection), ${ID}, was made by another authorised person acting for the person, and the person has confirmed it from their own address.`,
      'The agent declares they hold a court order. Check that proof, then approve the request or refuse it. Nothing is planned until then.',
    ]);
  });

  it('names a restriction of use', () => {
    expect(firstTwoLines({ requestId: ID, type: 'restrict', agent: { relationship: 'solicitor', proof: 'signed_authority' } })[0]).toBe(
      `A request (restriction of use), ${ID}, was made by a solicitor acting for the person, and the person has confirmed it from their own address.`,
    );
  });

  it('says someone and proof of authority when the agent’s codes are not known', () => {
    expect(firstTwoLines({ requestId: ID, type: 'erasure' })).toEqual([
      `A request (erasure), ${ID}, was made by someone acting for the person, and the person has confirmed it from their own address.`,
      'The agent declares they hold proof of authority. Check that proof, then approve the request or refuse it. Nothing is planned until then.',
    ]);
  });

  it('says a provider flagged a held copy when no provider is named, whether the list is missing or empty', () => {
    for (const flaggedBy of [undefined, []]) {
      expect(reviewEmail('held_copy', { requestId: ID, type: 'access', flaggedBy }, CONSOLE).text.split('\n')[0]).toBe(
        `A copy of data for request ${ID} is held: a provider flagged other people's data in it (Art. 15(4)).`,
      );
    }
  });
});
