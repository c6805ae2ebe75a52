import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Booted, boot, until } from './harness.ts';

type Emf = { namespace: string; metrics: string[]; dimensions: Record<string, string> };

/** Every CloudWatch embedded-metric record the functions wrote to their logs, as CloudWatch would extract it. */
function emitted(logDir: string): Emf[] {
  const out: Emf[] = [];
  for (const f of readdirSync(logDir)) {
    for (const line of readFileSync(join(logDir, f), 'utf8').split('\n')) {
      if (!line.includes('"_aws"')) continue;
      const rec = JSON.parse(line) as { _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] } } & Record<string, string>;
      for (const d of rec._aws.CloudWatchMetrics) {
        for (const set of d.Dimensions) out.push({ namespace: d.Namespace, metrics: d.Metrics.map((m) => m.Name), dimensions: Object.fromEntries(set.map((k) => [k, rec[k]])) });
      }
    }
  }
  return out;
}

let rt: Booted;
beforeAll(async () => {
  rt = await boot({
    registry: (r) => ({ ...r, processors: r.processors.map((p) => (p.id === 'metricsly' ? { ...p, heartbeatSeconds: 1, timeoutSeconds: 2 } : p)) }),
    retryIntervalOverrides: { Dispatch: 10, Escalate: 10 },
  });
  rt.processors.setBehaviour('metricsly', { never: true }); // times out
  rt.processors.setBehaviour('parcelway', { fail: Number.POSITIVE_INFINITY }); // fails after retries
  rt.processors.setBehaviour('socialapp', { gone: true }); // 410: endpoint disabled
  rt.ses.refuse((to) => to.includes('compliance@offtek.example')); // the escalation alerts bounce: MailFailed
  expect((await rt.submit({ type: 'erasure', email: 'alice@example.com', language: 'en' })).status).toBe(202);
  const links = await until(() => rt.links('alice@example.com').catch(() => undefined), 10_000, 'confirmation email');
  expect((await rt.confirm(links.token)).status).toBe(200);
  await until(async () => (await rt.status(links.requestId, links.statusToken)).status === 'awaiting_manual', 30_000, 'escalation');
  // A sweep two months on: the request is overdue.
  const d = new Date(Date.now() + 62 * 86_400_000).toISOString();
  await rt.lambdas.invoke('sweeper', { time: d });
  await until(() => emitted(join(rt.dataDir, 'logs')).some((e) => e.metrics.includes('OverdueRequests')), 10_000, 'sweeper metrics');
}, 90_000);
afterAll(async () => rt?.stopAndClean());

describe('alarms on custom metrics', () => {
  it('each watch a namespace, metric name and dimension set that the functions really emit', () => {
    const records = emitted(join(rt.dataDir, 'logs'));
    const alarms = Object.entries(rt.assembly.template.Resources).filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties?.Namespace === 'Lethe');
    expect(alarms.map(([, r]) => r.Properties?.MetricName).sort()).toEqual(['MailFailed', 'OverdueComplaints', 'OverdueRequests', 'ProcessorEndpointGone', 'TasksFailed', 'TasksTimedOut']);
    for (const [id, a] of alarms) {
      const dims = Object.fromEntries(((a.Properties?.Dimensions ?? []) as { Name: string; Value: string }[]).map((d) => [d.Name, d.Value]));
      const match = records.find((e) => e.namespace === a.Properties?.Namespace && e.metrics.includes(a.Properties?.MetricName) && JSON.stringify(Object.entries(e.dimensions).sort()) === JSON.stringify(Object.entries(dims).sort()));
      expect(match, `${id}: ${a.Properties?.MetricName} with ${JSON.stringify(dims)} is never emitted`).toBeDefined();
    }
  });

  it('reach a person: the topic has an email subscriber and a key CloudWatch may use', () => {
    const res = Object.values(rt.assembly.template.Resources);
    const topic = Object.entries(rt.assembly.template.Resources).find(([, r]) => r.Type === 'AWS::SNS::Topic');
    expect(topic).toBeDefined();
    const [topicId, t] = topic as [string, { Properties?: Record<string, { 'Fn::GetAtt': string[] }> }];
    expect(res.filter((r) => r.Type === 'AWS::SNS::Subscription' && r.Properties?.Protocol === 'email' && r.Properties?.TopicArn?.Ref === topicId)).toHaveLength(1);
    const keyId = String(t.Properties?.KmsMasterKeyId['Fn::GetAtt'][0]);
    const statements = rt.assembly.template.Resources[keyId].Properties?.KeyPolicy.Statement as { Principal?: { Service?: string }; Action: string[] }[];
    const cw = statements.find((s) => s.Principal?.Service === 'cloudwatch.amazonaws.com');
    expect(cw?.Action).toEqual(expect.arrayContaining(['kms:Decrypt', 'kms:GenerateDataKey*']));
  });
});
