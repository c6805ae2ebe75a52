import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CfnTemplate } from '../support/cfn-resolve.ts';
import { type Booted, boot, checkRuntimeCalls, until } from './harness.ts';

let rt: Booted;
beforeAll(async () => {
  rt = await boot();
  // An erasure from the form to completed: intake, verify, plan, dispatch, callback, notify all run.
  expect((await rt.submit({ type: 'erasure', email: 'alice@example.com', language: 'en' })).status).toBe(202);
  const links = await until(() => rt.links('alice@example.com').catch(() => undefined), 10_000, 'confirmation email');
  expect((await rt.confirm(links.token)).status).toBe(200);
  await until(async () => (await rt.status(links.requestId, links.statusToken)).status === 'completed', 20_000, 'request completed');
  // A copy of data: Assemble writes the zip to the export bucket, Notify links to it.
  expect((await rt.submit({ type: 'access', email: 'alice@example.com', language: 'en' })).status).toBe(202);
  const access = await until(() => rt.links('alice@example.com').catch(() => undefined), 10_000, 'confirmation email');
  expect((await rt.confirm(access.token, { password: 'correct horse battery staple' })).status).toBe(200);
  await until(async () => (await rt.status(access.requestId, access.statusToken)).status === 'completed', 30_000, 'access request completed');
});
afterAll(async () => rt?.stopAndClean());

const byName = (logicalId: string) => rt.functions.find((f) => f.logicalId === logicalId)?.name;

describe('IAM, checked against the calls the deployed bundles really make', () => {
  it('allows every AWS call each function made, under its own role in the template', async () => {
    const { denied, checked } = await rt.iam();
    expect(denied).toEqual([]);
    expect(checked).toBeGreaterThan(50);
    const callers = new Set(rt.lambdas.calls.map((c) => byName(c.fn)));
    for (const fn of ['intake', 'verify', 'plan', 'dispatch', 'callback', 'assemble', 'notify']) expect(callers).toContain(fn);
    const services = new Set(rt.lambdas.calls.map((c) => c.service));
    for (const s of ['dynamodb', 'states', 'sesv2', 'secretsmanager', 's3']) expect(services).toContain(s);
  });

  it('denies the call whose grant is removed from the template', async () => {
    const template = structuredClone(rt.assembly.template) as CfnTemplate;
    const verify = rt.functions.find((f) => f.name === 'verify');
    const role = template.Resources[verify?.logicalId ?? '']?.Properties?.Role as { 'Fn::GetAtt': string[] } | undefined;
    if (!role) throw new Error('verify has no role in the template');
    const roleId = role['Fn::GetAtt'][0];
    let removed = 0;
    for (const r of Object.values(template.Resources)) {
      const roles = (r.Properties?.Roles as { Ref: string }[] | undefined)?.map((x) => x.Ref) ?? [];
      if (r.Type !== 'AWS::IAM::Policy' || !roles.includes(roleId)) continue;
      const doc = r.Properties?.PolicyDocument as { Statement: { Action: string | string[] }[] };
      const before = doc.Statement.length;
      doc.Statement = doc.Statement.filter((s) => ![s.Action].flat().includes('states:StartExecution'));
      removed += before - doc.Statement.length;
    }
    expect(removed).toBe(1);
    const { denied } = await checkRuntimeCalls(rt, template);
    expect(denied.map((d) => [byName(d.fn), d.action])).toEqual([['verify', 'states:StartExecution']]);
  });
});
