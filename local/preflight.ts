import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetAccountCommand, GetEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { holdsRefusedWebhookKey, ProcessorSecret, WEBHOOK_KEY_MIN_BYTES } from '../functions/core/model.ts';
import { Registry } from '../functions/core/registry-schema.ts';
import { apiDomainCheck, type CheckResult } from './dns-check.ts';

/**
 * `npm run preflight`: what an operator checks after `cdk deploy`, before the first request, through
 * the AWS SDK with the operator's own credentials. Every check prints ✔ or ✘ and what to do; the
 * exit code is 1 while any check fails. Endpoints come from the environment only (SES_ENDPOINT,
 * SECRETS_ENDPOINT, SNS_ENDPOINT: the local runtime's stand-ins), as for the functions.
 *
 *   npm run preflight -- --topic <the stack's AlarmTopic output> [--mail-domain offtek.example] [--region eu-west-2]
 *                        [--registry config/processors.json] [--directory https://accounts.shop.example/health]
 *                        [--api-domain api.privacy.offtek.example --api-target <the stack's ApiDomainTarget output>]
 */
const ROOT = join(import.meta.dirname, '..');

const { values: args } = parseArgs({
  options: {
    region: { type: 'string' },
    'mail-domain': { type: 'string' },
    topic: { type: 'string' },
    registry: { type: 'string' },
    directory: { type: 'string' },
    'api-domain': { type: 'string' },
    'api-target': { type: 'string' },
  },
});
const env = process.env;
const cdkContext = (JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, string> }).context ?? {};
const region = args.region ?? env.AWS_REGION ?? cdkContext.region ?? 'eu-west-2';
const mailDomain = args['mail-domain'] ?? env.MAIL_FROM?.split('@')[1] ?? cdkContext.mailDomain ?? 'offtek.example';
const topicArn = args.topic ?? env.ALARM_TOPIC_ARN;
const directory = args.directory ?? env.CUSTOMER_DIRECTORY_URL;
const registry = Registry.parse(JSON.parse(readFileSync(args.registry ?? join(ROOT, 'config/processors.json'), 'utf8')));

const ses = new SESv2Client({ region, endpoint: env.SES_ENDPOINT });
const secrets = new SecretsManagerClient({ region, endpoint: env.SECRETS_ENDPOINT });
const sns = new SNSClient({ region, endpoint: env.SNS_ENDPOINT });

type Result = CheckResult;
const ok = (text: string): Result => ({ ok: true, text });
const fail = (text: string): Result => ({ ok: false, text });
const why = (e: unknown) => (e as Error).name || String(e);

async function sesIdentity(): Promise<Result> {
  try {
    const r = await ses.send(new GetEmailIdentityCommand({ EmailIdentity: mailDomain }));
    if (r.VerifiedForSendingStatus) return ok(`SES identity ${mailDomain} is verified (DKIM ${r.DkimAttributes?.Status ?? 'unknown'})`);
    return fail(`SES identity ${mailDomain} is not verified yet (DKIM ${r.DkimAttributes?.Status ?? 'unknown'}): publish the three DkimRecord outputs of the stack as CNAMEs in ${mailDomain}'s DNS`);
  } catch (e) {
    return fail(`SES identity ${mailDomain}: ${why(e)} (deployed in ${region}?)`);
  }
}

async function sesAccount(): Promise<Result> {
  try {
    const r = await ses.send(new GetAccountCommand({}));
    if (!r.SendingEnabled) return fail('SES sending is disabled for this account');
    if (r.ProductionAccessEnabled) return ok(`SES account has production access (out of the sandbox) in ${region}`);
    return fail(`SES account is in the sandbox in ${region}: it mails only verified addresses; request production access (see README, Deploying)`);
  } catch (e) {
    return fail(`SES account: ${why(e)}`);
  }
}

async function processorSecrets(): Promise<Result[]> {
  return Promise.all(
    registry.processors
      .filter((p) => p.secretRef)
      .map(async (p): Promise<Result> => {
        try {
          const r = await secrets.send(new GetSecretValueCommand({ SecretId: p.secretRef }));
          let value: unknown;
          try {
            value = JSON.parse(r.SecretString ?? '');
          } catch {
            value = undefined;
          }
          const parsed = ProcessorSecret.safeParse(value);
          // The number of keys only: a secret's value is never printed.
          if (parsed.success) return ok(`processor secret ${p.secretRef} holds ${parsed.data.secrets.length} key(s)`);
          // A whsec_ key the functions refuse (functions/adapters/secrets.ts) is one the operator did put in: say what is wrong with it.
          if (holdsRefusedWebhookKey(value)) {
            return fail(
              `processor secret ${p.secretRef} holds a whsec_ key shorter than ${WEBHOOK_KEY_MIN_BYTES} bytes or not base64: replace it with the base64 of at least ${WEBHOOK_KEY_MIN_BYTES} bytes, agreed with ${p.name}`,
            );
          }
          return fail(`processor secret ${p.secretRef} holds no whsec_ key: put {"secrets":["whsec_…"]}, the key agreed with ${p.name}`);
        } catch (e) {
          return fail(`processor secret ${p.secretRef}: ${why(e)}`);
        }
      }),
  );
}

async function customerDirectory(): Promise<Result> {
  if (!directory) return { ok: 'info', text: 'customer directory: seeded directory (no CUSTOMER_DIRECTORY_URL or --directory configured)' };
  try {
    const r = await fetch(directory, { signal: AbortSignal.timeout(5000) });
    return r.status < 500 ? ok(`customer directory ${directory} is reachable (HTTP ${r.status})`) : fail(`customer directory ${directory} answered HTTP ${r.status}`);
  } catch (e) {
    return fail(`customer directory ${directory} is not reachable: ${why(e)}`);
  }
}

async function alarmSubscription(): Promise<Result> {
  if (!topicArn) return fail('alarm topic: pass --topic with the stack\'s AlarmTopic output (or set ALARM_TOPIC_ARN)');
  try {
    const r = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }));
    const email = (r.Subscriptions ?? []).filter((s) => s.Protocol === 'email');
    const confirmed = email.filter((s) => s.SubscriptionArn && s.SubscriptionArn !== 'PendingConfirmation');
    if (confirmed.length) return ok(`alarm subscription confirmed (${confirmed.map((s) => s.Endpoint).join(', ')})`);
    if (email.length) return fail(`alarm subscription pending confirmation: ${email.map((s) => s.Endpoint).join(', ')} must click the link in the email from AWS Notifications`);
    return fail(`alarm topic ${topicArn} has no email subscription`);
  } catch (e) {
    return fail(`alarm topic ${topicArn}: ${why(e)}`);
  }
}

const results = [await sesIdentity(), await sesAccount(), ...(await processorSecrets()), await customerDirectory(), await alarmSubscription(), await apiDomainCheck(args['api-domain'], args['api-target'])];
for (const r of results) console.log(`${r.ok === 'info' ? '–' : r.ok ? '✔' : '✘'} ${r.text}`);
const failed = results.filter((r) => r.ok === false).length;
console.log(failed ? `\n${failed} check(s) failed: Lethe is not ready for requests.` : '\nReady: every prerequisite is in place.');
for (const c of [ses, secrets, sns]) c.destroy();
process.exitCode = failed ? 1 : 0;
