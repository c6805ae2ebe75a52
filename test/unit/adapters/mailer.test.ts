import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { SesMailer } from '../../../functions/adapters/mailer.ts';

const ses = mockClient(SESv2Client);
afterEach(() => ses.reset());

describe('the SES mailer', () => {
  it("names Lethe's configuration set on every email, so that it applies whether or not it is the identity's default", async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
    await new SesMailer(new SESv2Client({ region: 'eu-west-2' }), 'privacy@offtek.example', 'lethe').send({ to: 'alice@example.com', subject: 'S', text: 'T', kind: 'transactional' });
    expect(ses.commandCalls(SendEmailCommand)[0].args[0].input).toMatchObject({ FromEmailAddress: 'privacy@offtek.example', ConfigurationSetName: 'lethe', Destination: { ToAddresses: ['alice@example.com'] } });
  });

  it('asks replies to go to the compliance team’s mailbox, where a requester’s answer to a clarification or a complaint by reply is read', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-2' });
    await new SesMailer(new SESv2Client({ region: 'eu-west-2' }), 'privacy@offtek.example', undefined, 'compliance@offtek.example').send({ to: 'alice@example.com', subject: 'S', text: 'T', kind: 'transactional' });
    expect(ses.commandCalls(SendEmailCommand)[0].args[0].input).toMatchObject({ FromEmailAddress: 'privacy@offtek.example', ReplyToAddresses: ['compliance@offtek.example'] });
  });
});
