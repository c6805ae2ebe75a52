import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import type { Mailer, MailKind } from '../core/ports.ts';
import { ses } from './clients/ses.ts';
import { config } from './config.ts';

/** SES v2. Suppression of marketing mail is a rule of core, checked before this is called. */
export class SesMailer implements Mailer {
  constructor(
    private readonly client: SESv2Client = ses,
    private readonly from: string = config.MAIL_FROM,
    // Named on each email rather than left to the identity's default, which a shop's existing identity may not have.
    private readonly configurationSet: string | undefined = config.MAIL_CONFIGURATION_SET,
    // The emails ask requesters to reply (the clarification asked, a disagreement, a complaint): Lethe
    // reads no mail, and the From address may be no mailbox at all, so replies go to the team's, which its alerts prove read.
    private readonly replyTo: string = config.COMPLIANCE_EMAIL,
  ) {}

  async send(msg: { to: string; subject: string; text: string; html?: string; kind: MailKind }): Promise<void> {
    await this.client.send(
      new SendEmailCommand({
        FromEmailAddress: this.from,
        Destination: { ToAddresses: [msg.to] },
        ReplyToAddresses: [this.replyTo],
        Content: {
          Simple: {
            Subject: { Data: msg.subject, Charset: 'UTF-8' },
            Body: {
              Text: { Data: msg.text, Charset: 'UTF-8' },
              ...(msg.html ? { Html: { Data: msg.html, Charset: 'UTF-8' } } : {}),
            },
          },
        },
        EmailTags: [{ Name: 'kind', Value: msg.kind }],
        ...(this.configurationSet ? { ConfigurationSetName: this.configurationSet } : {}),
      }),
    );
  }
}
