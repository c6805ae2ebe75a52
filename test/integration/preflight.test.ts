import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhook } from '../../functions/adapters/webhook-signing.ts';
import { newWebhookSecret } from '../../local/processors/registry.ts';
import { LOCAL_CREDENTIALS } from '../../local/services/credentials.ts';
import { type Booted, boot, until } from './harness.ts';

const ROOT = join(import.meta.dirname, '../..');
const PAYNOW = 'lethe/processors/paynow';

let rt: Booted;
beforeAll(async () => {
  rt = await boot();
  // As the deploy creates it, before the operator puts in the key agreed with the processor.
  rt.secrets.set(PAYNOW, { secrets: [] });
});
afterAll(async () => rt?.stopAndClean());

const repo = async () => (await import('../../functions/shared/deps.ts')).repo;

// In order even under --sequence.shuffle: a container keeps a processor's key once it has read one,
// so "not set" must come before "filled in", as it does after a deploy.
describe('a secret left empty after the deploy, then filled in', { shuffle: false }, () => {
describe('a processor whose secret is not set', () => {
  it('has its task escalated with the reason "secret not configured", and its callbacks refused with a 401', async () => {
    const email = 'no.secret@example.com';
    expect((await rt.submit({ type: 'erasure', email, language: 'en' }, {}, '127.0.0.41')).status).toBe(202);
    const links = await until(() => rt.links(email).catch(() => undefined), 10_000, 'confirmation email');
    expect((await rt.confirm(links.token)).status).toBe(200);

    const task = await until(async () => {
      const t = await (await repo()).getTask(links.requestId, 'paynow');
      return t?.status === 'failed' && t;
    }, 20_000, 'paynow task escalated');
    expect(task.outcome).toEqual({ request_status: 'failed', reason: 'secret not configured' });
    const req = await (await repo()).getRequest(links.requestId);
    expect(req?.status).toBe('awaiting_manual');
    expect(req?.audit.find((e) => e.action === 'escalate')?.data).toEqual({ task: task.taskId, reason: 'secret not configured' });
    // The other processors were not held up.
    await until(async () => ['completed', 'not_found', 'retained'].includes((await (await repo()).getTask(links.requestId, 'parcelway'))?.status ?? ''), 10_000, 'parcelway answered');

    // Whoever signs a callback for it, with whatever key, gets a 401 and changes nothing.
    const body = JSON.stringify({ task_id: task.taskId, request_status: 'completed' });
    const r = await rt.api(`/callbacks/${task.taskId}`, { method: 'POST', headers: { 'content-type': 'application/json', ...signWebhook('cb_1', body, [newWebhookSecret()]) }, body });
    expect(r.status).toBe(401);
    expect((await (await repo()).getTask(links.requestId, 'paynow'))?.version).toBe(task.version);

    // The operator fills the secret; the officer's retry then goes through, without a cold start.
    rt.secrets.set(PAYNOW, { secrets: [newWebhookSecret()] });
    const token = await rt.signIn('officer');
    const retry = await rt.api(`/admin/requests/${links.requestId}/tasks/paynow/retry`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
    expect(retry.status).toBe(200);
    await until(async () => ['completed', 'not_found', 'retained'].includes((await (await repo()).getTask(links.requestId, 'paynow'))?.status ?? ''), 10_000, 'paynow answered after the retry');
  });
});

describe('npm run preflight', () => {
  const preflight = async (args: string[] = []) => {
    const env = {
      ...process.env,
      AWS_REGION: 'eu-west-2',
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      SES_ENDPOINT: rt.urls.ses,
      SECRETS_ENDPOINT: rt.urls.secrets,
      SNS_ENDPOINT: rt.urls.sns,
    };
    const topic = rt.sns.topics[0];
    try {
      const r = await promisify(execFile)('npm', ['run', '--silent', 'preflight', '--', '--topic', topic, ...args], { cwd: ROOT, env });
      return { code: 0, out: r.stdout };
    } catch (e) {
      const x = e as { code: number; stdout: string; stderr: string };
      return { code: x.code, out: `${x.stdout}${x.stderr}` };
    }
  };

  it('fails on an empty processor secret, the SES sandbox and an unconfirmed alarm subscription, says what to do, and passes once each is put right', async () => {
    rt.secrets.set(PAYNOW, { secrets: [] });
    rt.ses.account.productionAccess = false;
    const r = await preflight();
    expect(r.code).toBe(1);
    const lines = r.out.split('\n');
    expect(lines).toContain('✔ SES identity offtek.example is verified (DKIM SUCCESS)');
    expect(lines).toContain('✘ SES account is in the sandbox in eu-west-2: it mails only verified addresses; request production access (see README, Deploying)');
    expect(lines).toContain('✘ processor secret lethe/processors/paynow holds no whsec_ key: put {"secrets":["whsec_…"]}, the key agreed with PayNow Payments');
    expect(lines).toContain('✔ processor secret lethe/processors/parcelway holds 1 key(s)');
    expect(lines).toContain('– customer directory: seeded directory (no CUSTOMER_DIRECTORY_URL or --directory configured)');
    expect(lines).toContain('✘ alarm subscription pending confirmation: compliance@offtek.example must click the link in the email from AWS Notifications');
    expect(r.out).toContain('3 check(s) failed');
    expect(r.out).not.toMatch(/whsec_[A-Za-z0-9+/=]{8,}/); // never a key

    // Then passes once the secret is filled, production access granted and the subscription confirmed
    // (one test: confirming a subscription cannot be undone, so the order is the test's own).
    rt.secrets.set(PAYNOW, { secrets: [newWebhookSecret()] });
    rt.ses.account.productionAccess = true;
    rt.sns.confirm('compliance@offtek.example');
    const ok = await preflight();
    expect(ok.out).toContain('✔ SES account has production access (out of the sandbox) in eu-west-2');
    expect(ok.out).toContain('✔ alarm subscription confirmed (compliance@offtek.example)');
    expect(ok.out).toContain('Ready: every prerequisite is in place.');
    expect(ok.code).toBe(0);
  });

  it('checks a configured customer directory is reachable', async () => {
    const r = await preflight(['--directory', 'http://127.0.0.1:9/']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('✘ customer directory http://127.0.0.1:9/ is not reachable');
  });

  it('fails on a secret holding a whsec_ key shorter than 24 bytes, says so and names the secret, never the key', async () => {
    const short = `whsec_${Buffer.alloc(16, 7).toString('base64')}`;
    rt.secrets.set(PAYNOW, { secrets: [short] });
    try {
      const r = await preflight();
      expect(r.code).toBe(1);
      expect(r.out.split('\n')).toContain(
        '✘ processor secret lethe/processors/paynow holds a whsec_ key shorter than 24 bytes or not base64: replace it with the base64 of at least 24 bytes, agreed with PayNow Payments',
      );
      expect(r.out).not.toContain(short.slice(6));
      expect(r.out).not.toMatch(/whsec_[A-Za-z0-9+/=]{8,}/);
    } finally {
      rt.secrets.set(PAYNOW, { secrets: [newWebhookSecret()] });
    }
  });
});
});
