import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhook } from '../../../functions/adapters/webhook-signing.ts';
import { type Booted, boot, until } from '../harness.ts';

let rt: Booted;
// Loaded after the runtime has set the environment, as a Lambda would be.
const adapters = async () => ({
  ...(await import('../../../functions/adapters/suppression.ts')),
  ...(await import('../../../functions/adapters/mailer.ts')),
  ...(await import('../../../functions/shared/crypto.ts')),
});
beforeAll(async () => {
  rt = await boot();
});
afterAll(async () => rt?.stopAndClean());

describe('an objection to marketing (Art. 21(3))', () => {
  it('puts the address on the suppression list before any processor has answered, and asks only the email, social and advertising processors', async () => {
    for (const p of rt.registry.processors) rt.processors.setBehaviour(p.id, { never: true });
    await rt.submit({ type: 'objection', email: 'Dave@Example.com', objections: ['marketing', 'reviews'], language: 'en' });
    const links = await until(() => rt.links('Dave@Example.com').catch(() => undefined));
    await rt.confirm(links.token);
    const { SuppressionList, emailHash } = await adapters();
    const list = new SuppressionList();
    await until(async () => list.has(await emailHash('  dave@example.com ')), 5000, 'suppression');
    const { repo } = await import('../../../functions/shared/deps.ts');
    // Plan writes the tasks, then moves the request to in_progress: read them after that.
    await until(async () => (await repo.getRequest(links.requestId))?.status === 'in_progress');
    const tasks = await repo.listTasks(links.requestId);
    expect(tasks.every((t) => !['completed', 'not_found', 'retained'].includes(t.status))).toBe(true);
    // The ICO counts profiling for marketing as direct marketing: analytics & advertising is asked too.
    expect(new Set(tasks.map((t) => t.category))).toEqual(new Set(['email', 'social', 'analytics']));
    // Stored as an HMAC: the address itself is nowhere in the suppression record.
    const { ddb } = await import('../../../functions/adapters/clients/dynamodb.ts');
    const { ScanCommand } = await import('@aws-sdk/lib-dynamodb');
    const items = (await ddb.send(new ScanCommand({ TableName: rt.tableName, FilterExpression: 'begins_with(pk, :s)', ExpressionAttributeValues: { ':s': 'SUPPRESS#' } }))).Items ?? [];
    const dave = `SUPPRESS#${await emailHash('dave@example.com')}`;
    expect(items.filter((i) => i.pk === dave)).toHaveLength(1);
    expect(JSON.stringify(items)).not.toMatch(/dave/i);
  });

  it('blocks marketing mail to a suppressed address and lets the request’s own emails through', async () => {
    const { SuppressingMailer, SuppressionList, SesMailer, emailHash } = await adapters();
    // An address of its own, put on the list as a confirmed objection does: this test needs no other to run first.
    const list = new SuppressionList();
    await list.add(await emailHash('erin@example.com'), ['marketing'], new Date().toISOString());
    const mailer = new SuppressingMailer(new SesMailer(), list, emailHash);
    await mailer.send({ to: 'erin@example.com', subject: 'Spring RAM sale', text: '…', kind: 'marketing' });
    await mailer.send({ to: 'erin@example.com', subject: 'About your request', text: '…', kind: 'transactional' });
    await mailer.send({ to: 'frank@example.com', subject: 'Spring RAM sale', text: '…', kind: 'marketing' });
    expect((await rt.mails('erin@example.com')).map((m) => m.subject)).toEqual(['About your request']);
    // An address nobody objected for still gets the offers.
    expect((await rt.mails('frank@example.com')).map((m) => m.subject)).toEqual(['Spring RAM sale']);
  });

  /** The shop's side: before a new order's name, email and number go to the review provider, its flow asks Lethe, signed. */
  async function check(email: string, purpose: 'marketing' | 'reviews' | 'profiling', secrets = (rt.secrets.get('lethe/shop') as { secrets: string[] }).secrets) {
    const raw = JSON.stringify({ email, purpose });
    return fetch(`${rt.urls.web}suppression/check`, { method: 'POST', headers: { 'content-type': 'application/json', ...signWebhook(`chk_${Date.now()}`, raw, secrets) }, body: raw });
  }

  it('answers the shop’s signed check, through the site’s front, so a new order of an objector is not sent to the review provider', async () => {
    // An objector of its own, so that this test needs no other to run first.
    await rt.submit({ type: 'objection', email: 'grace@example.com', objections: ['marketing', 'reviews'], language: 'en' });
    const links = await until(() => rt.links('grace@example.com').catch(() => undefined));
    await rt.confirm(links.token);
    await until(async () => (await (await check('grace@example.com', 'reviews')).json()).suppressed === true, 10_000, 'suppression');
    const objector = await check('grace@example.com', 'reviews');
    expect(objector.status).toBe(200);
    expect(await objector.json()).toEqual({ purpose: 'reviews', suppressed: true });
    // An objection to marketing covers profiling for marketing.
    expect(await (await check('GRACE@example.com', 'profiling')).json()).toEqual({ purpose: 'profiling', suppressed: true });
    expect(await (await check('someone-else@example.com', 'reviews')).json()).toEqual({ purpose: 'reviews', suppressed: false });
    expect((await check('grace@example.com', 'reviews', ['whsec_dGhpcyBpcyBub3QgdGhlIHNob3Agc2VjcmV0IQ=='])).status).toBe(401);
  });
});

describe('an erasure (ICO: keep a suppression record)', () => {
  it('adds the address’s HMAC to the suppression list, so the shop’s flows stop using it', async () => {
    const { emailHash, SuppressionList } = await adapters();
    await rt.submit({ type: 'erasure', email: 'erik@example.com', language: 'en' });
    const links = await until(() => rt.links('erik@example.com').catch(() => undefined));
    await rt.confirm(links.token);
    await until(async () => (await new SuppressionList().scopesOf(await emailHash('erik@example.com'))).length === 3, 5000, 'suppression');
    const raw = JSON.stringify({ email: 'erik@example.com', purpose: 'marketing' });
    const r = await fetch(`${rt.urls.web}suppression/check`, { method: 'POST', headers: signWebhook('chk_erik', raw, (rt.secrets.get('lethe/shop') as { secrets: string[] }).secrets), body: raw });
    expect(await r.json()).toEqual({ purpose: 'marketing', suppressed: true });
  });
});
