import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS } from '../../../local/services/credentials.ts';
import { startSes } from '../../../local/services/ses.ts';

type Started = Awaited<ReturnType<typeof startSes>>;
const started: Started[] = [];
afterAll(async () => {
  for (const s of started) await s.close();
});

const send = (ses: Started, to: string, subject: string) =>
  new SESv2Client({ endpoint: ses.endpoint, region: 'eu-west-2', credentials: LOCAL_CREDENTIALS }).send(
    new SendEmailCommand({ FromEmailAddress: 'privacy@shop.example', Destination: { ToAddresses: [to] }, Content: { Simple: { Subject: { Data: subject }, Body: { Text: { Data: `${subject}.` } } } } }),
  );
const stored = async (ses: Started) => ((await (await fetch(`${ses.endpoint}/store`)).json()) as { emails: { subject: string }[] }).emails.map((e) => e.subject);

describe('the embedded SES', () => {
  it('keeps a mailbox per runtime: two started in one process (a test worker, the bench) never show each other’s emails', async () => {
    // The package keeps its store in a module-level variable, which every server it starts in the process shares.
    const [a, b] = [await startSes(), await startSes()];
    started.push(a, b);
    const { MessageId } = await send(a, 'ann@example.com', 'Sent by the first');
    expect(MessageId).toBeTruthy();
    await send(b, 'ann@example.com', 'Sent by the second');
    expect(await stored(a)).toEqual(['Sent by the first']);
    expect(await stored(b)).toEqual(['Sent by the second']);
    const page = await (await fetch(a.mailbox)).text();
    expect(page).toContain('Sent by the first');
    expect(page).not.toContain('Sent by the second');
  });
});
