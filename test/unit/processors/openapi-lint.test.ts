import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { openapi } from './openapi.ts';

type Problem = { ruleId: string; severity: 'error' | 'warn'; message: string; location: { pointer: string }[] };

/** `redocly lint` with its recommended rules, as a processor's engineer would run it on our document. */
async function lint(): Promise<Problem[]> {
  const cli = join(process.cwd(), 'node_modules/@redocly/cli/bin/cli.js');
  // It exits 1 when it finds an error; its JSON report is on stdout either way.
  const out = await promisify(execFile)(process.execPath, [cli, 'lint', 'docs/openapi.yaml', '--format=json'], { env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } }).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
  return (JSON.parse(out.stdout) as { problems: Problem[] }).problems;
}

describe('the OpenAPI document under @redocly/cli lint', () => {
  it('has no errors: every operation declares its security, the signed ones Standard Webhooks', async () => {
    const errors = (await lint()).filter((p) => p.severity === 'error').map((p) => `${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`);
    expect(errors).toEqual([]);
  }, 30_000);

  it('declares the signature scheme on the webhook and the callback', () => {
    const doc = openapi as unknown as { components: { securitySchemes: Record<string, { type: string; in?: string; name?: string }> }; paths: Record<string, Record<string, { security?: unknown }>>; webhooks: Record<string, Record<string, { security?: unknown }>> };
    expect(doc.components.securitySchemes.standardWebhooks).toMatchObject({ type: 'apiKey', in: 'header', name: 'webhook-signature' });
    expect(doc.paths['/callbacks/{taskId}'].post.security).toEqual([{ standardWebhooks: [] }]);
    expect(doc.webhooks.privacyTask.post.security).toEqual([{ standardWebhooks: [] }]);
  });
});
