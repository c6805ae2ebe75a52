import { afterEach, describe, expect, it, vi } from 'vitest';

/** The namespace a function's next EMF record would carry, with the module loaded afresh under this environment. */
async function namespaceUnder(namespace: string | undefined) {
  vi.resetModules();
  vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', namespace);
  const { metrics } = await import('../../../functions/shared/metrics.ts');
  metrics.addMetric('MailFailed', 'Count', 1);
  const record = metrics.serializeMetrics() as { _aws: { CloudWatchMetrics: { Namespace: string }[] } };
  metrics.clearMetrics();
  return record._aws.CloudWatchMetrics[0].Namespace;
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('custom metrics', () => {
  it("are published in the namespace the stack gives the function, its deployment's, which that deployment's alarms watch", async () => {
    expect(await namespaceUnder('Lethe-staging')).toBe('Lethe-staging');
  });

  it("are published in Lethe's namespace where no deployment gives one", async () => {
    expect(await namespaceUnder(undefined)).toBe('Lethe');
  });
});
