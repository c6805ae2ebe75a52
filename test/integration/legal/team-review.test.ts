import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredRequest } from '../../../functions/core/ports.ts';
import { type Booted, boot, until } from '../harness.ts';

/**
 * The compliance team is emailed when a request waits for an officer: a correction to read and
 * approve, a copy held because a processor flagged other people's data. The email is recorded as
 * owed in the write that makes the request wait, delivered after, and by the sweeper if that fails.
 * It carries the reference and what waits, never the requester's address, name or words.
 */
let rt: Booted;
beforeAll(async () => {
  rt = await boot();
});
afterAll(async () => rt?.stopAndClean());

const COMPLIANCE = 'compliance@offtek.example';
const request = async (id: string) => (await (await import('../../../functions/shared/deps.ts')).repo.getRequest(id)) as StoredRequest;
const teamMail = (requestId: string, subject: RegExp) => until(async () => (await rt.mails(COMPLIANCE)).find((m) => subject.test(m.subject) && m.subject.includes(requestId)), 30_000, 'the team email');

describe('the team email when a request needs an officer', () => {
  it('tells the team a confirmed correction waits for review, by its reference, without the requester’s address, name or words', async () => {
    const email = 'ivy.teamfix@example.com';
    await rt.submit({ type: 'rectification', email, name: 'Ivy Teamfix', language: 'en', rectification: { field: 'My street', correction: 'It is 12 Quiet Lane now' } });
    const links = await until(() => rt.links(email).catch(() => undefined));
    expect((await rt.confirm(links.token)).status).toBe(200);
    const mail = await teamMail(links.requestId, /^Correction to review/);
    expect(mail.subject).toBe(`Correction to review (request ${links.requestId})`);
    const req = await until(async () => {
      const r = await request(links.requestId);
      return !r.outboxTeam && r;
    }, 10_000, 'the intent cleared');
    expect(mail.body.text).toBe(
      [
        `A confirmed correction, request ${links.requestId}, waits for an officer (Art. 16, 19).`,
        "Read the requester's words in the console and approve the corrected value of each field, or refuse it. No provider is sent anything until then.",
        `The answer is due by ${req.dueDate}; the clock runs while it waits.`,
        '',
        'In the console:',
        `${rt.urls.web}console.html#/requests/${links.requestId}`,
      ].join('\n'),
    );
    expect(JSON.stringify(mail)).not.toMatch(/ivy\.teamfix|Ivy Teamfix|Quiet Lane|My street/);
    // Delivered, so no longer owed; the request still waits for the officer.
    expect(req).toMatchObject({ status: 'awaiting_review' });
  });

  it('tells the team a copy is held for review, naming the provider that flagged other people’s data', async () => {
    rt.processors.setBehaviour('parcelway', { thirdPartyData: true });
    try {
      const email = 'jude.teamheld@example.com';
      await rt.submit({ type: 'access', email, language: 'en' });
      const links = await until(() => rt.links(email).catch(() => undefined));
      expect((await rt.confirm(links.token)).status).toBe(200);
      const mail = await teamMail(links.requestId, /^Copy held for review/);
      expect(mail.body.text).toContain(`A copy of data for request ${links.requestId} is held: Parcelway Delivery flagged other people's data in it (Art. 15(4)).`);
      expect(mail.body.text).not.toContain(email);
      // Delivered, so no longer owed (cleared just after SES took it).
      const req = await until(async () => {
        const r = await request(links.requestId);
        return !r.outboxTeam && r;
      }, 10_000, 'the intent cleared');
      expect(req).toMatchObject({ status: 'awaiting_manual', exportRelease: { flaggedBy: ['parcelway'] } });
      // Nothing went to the requester but the confirmation link.
      expect((await rt.mails(email)).map((m) => m.subject)).toEqual(['Confirm your privacy request']);
    } finally {
      rt.processors.setBehaviour('parcelway', {});
    }
  });

  it('keeps the team email owed when SES refuses it, and the sweeper sends it once SES takes it again', async () => {
    const email = 'kit.teamlate@example.com';
    rt.ses.refuse((to) => to.includes(COMPLIANCE));
    let requestId: string;
    try {
      await rt.submit({ type: 'rectification', email, language: 'en', rectification: { field: 'Name', correction: 'Kit Late' } });
      const links = await until(() => rt.links(email).catch(() => undefined));
      requestId = links.requestId;
      // The requester's confirmation does not wait on the team's mail.
      expect((await rt.confirm(links.token)).status).toBe(200);
      const req = await until(async () => {
        const r = await request(links.requestId);
        return r.mailFailed && r;
      }, 10_000, 'mail failed marked');
      expect(req).toMatchObject({ status: 'awaiting_review', outboxTeam: { waiting: 'correction' }, mailFailed: { kind: 'review', error: 'MessageRejected' } });
    } finally {
      rt.ses.refuse(undefined);
    }
    // Verify's lease on the email is 60 s; the sweep after it delivers.
    await rt.lambdas.invoke('sweeper', { time: new Date(Date.now() + 2 * 60_000).toISOString() });
    const mail = await teamMail(requestId, /^Correction to review/);
    expect(mail.destination.to).toEqual([COMPLIANCE]);
    const req = await until(async () => {
      const r = await request(requestId);
      return !r.outboxTeam && r;
    }, 10_000, 'the intent cleared');
    expect(req.mailFailed).toBeUndefined();
    // Delivered once: a second sweep sends nothing more.
    await rt.lambdas.invoke('sweeper', { time: new Date(Date.now() + 4 * 60_000).toISOString() });
    expect((await rt.mails(COMPLIANCE)).filter((m) => m.subject.includes(requestId)).map((m) => m.subject)).toEqual([`Correction to review (request ${requestId})`]);
  });
});
