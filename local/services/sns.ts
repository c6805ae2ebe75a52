import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export type LocalSubscription = { topicArn: string; protocol: string; endpoint: string; confirmed: boolean };

const xml = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/**
 * An SNS stand-in for what `npm run preflight` asks (ListSubscriptionsByTopic, AWS query protocol):
 * the template's topics and subscriptions. An email subscription waits for its confirmation, as on
 * AWS, until `confirm` stands in for the person clicking the link SNS mails them.
 */
export async function startSns(topics: string[], subscriptions: LocalSubscription[], account: string, port = 0) {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const q = new URLSearchParams(body);
      const reply = (status: number, text: string) => {
        res.writeHead(status, { 'content-type': 'text/xml' });
        res.end(text);
      };
      if (q.get('Action') !== 'ListSubscriptionsByTopic') {
        return reply(400, `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>the local SNS answers ListSubscriptionsByTopic only</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`);
      }
      const topic = q.get('TopicArn') ?? '';
      const mine = subscriptions.filter((s) => s.topicArn === topic);
      if (!topics.includes(topic)) {
        return reply(404, `<ErrorResponse><Error><Type>Sender</Type><Code>NotFound</Code><Message>Topic does not exist</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`);
      }
      const members = mine
        .map((s, i) => `<member><TopicArn>${xml(s.topicArn)}</TopicArn><Protocol>${xml(s.protocol)}</Protocol><SubscriptionArn>${s.confirmed ? `${xml(s.topicArn)}:${i}` : 'PendingConfirmation'}</SubscriptionArn><Owner>${account}</Owner><Endpoint>${xml(s.endpoint)}</Endpoint></member>`)
        .join('');
      reply(
        200,
        `<ListSubscriptionsByTopicResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><ListSubscriptionsByTopicResult><Subscriptions>${members}</Subscriptions></ListSubscriptionsByTopicResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></ListSubscriptionsByTopicResponse>`,
      );
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    topics,
    subscriptions,
    /** The subscriber clicked the confirmation link. */
    confirm(endpoint: string) {
      for (const s of subscriptions) if (s.endpoint === endpoint) s.confirmed = true;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections?.();
        server.close(() => r());
      }),
  };
}
