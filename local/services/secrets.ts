import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A SecretId is a name or an ARN (arn:…:secret:<name>-<6 characters>). */
const secretName = (given: string) => (given.startsWith('arn:') ? given.split(':').slice(6).join(':').replace(/-[A-Za-z0-9]{6}$/, '') : given);

/**
 * A Secrets Manager stand-in (GetSecretValue only, AWS JSON 1.1), backed by a file in the data dir
 * so that secrets survive a restart. The secrets never leave this machine or reach a log.
 */
export async function startSecrets(file: string, initial: () => Record<string, unknown>, port = 0) {
  const kept: Record<string, unknown> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  // Secrets created on an earlier start keep their values; a secret new to the template is added.
  const secrets: Record<string, unknown> = { ...initial(), ...kept };
  const previous: Record<string, unknown> = {};
  if (Object.keys(secrets).length !== Object.keys(kept).length) {
    writeFileSync(`${file}.tmp`, JSON.stringify(secrets), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  }
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const reply = (status: number, value: unknown, type?: string) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', ...(type ? { 'x-amzn-errortype': type } : {}) });
        res.end(JSON.stringify(value));
      };
      if (target !== 'secretsmanager.GetSecretValue') return reply(400, { __type: 'UnknownOperationException' }, 'UnknownOperationException');
      const input = JSON.parse(body || '{}') as { SecretId?: string; VersionStage?: string };
      const id = secretName(String(input.SecretId ?? ''));
      if (!(id in secrets)) {
        return reply(400, { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." }, 'ResourceNotFoundException');
      }
      // A value replaced by `set` is the secret's AWSPREVIOUS, as after PutSecretValue; one never replaced has none.
      if (input.VersionStage === 'AWSPREVIOUS' && !(id in previous)) {
        return reply(400, { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret value for staging label: AWSPREVIOUS" }, 'ResourceNotFoundException');
      }
      const v = input.VersionStage === 'AWSPREVIOUS' ? previous[id] : secrets[id];
      reply(200, { ARN: `arn:aws:secretsmanager:eu-west-2:000000000000:secret:${id}`, Name: id, SecretString: typeof v === 'string' ? v : JSON.stringify(v) });
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get: (id: string) => secrets[id],
    /**
     * Fills in CloudFormation's dynamic references to these secrets, as a deploy does:
     * {{resolve:secretsmanager:<name or ARN>:SecretString:<JSON key>::}}.
     */
    references: (text: string) =>
      text.replace(/\{\{resolve:secretsmanager:(.+?):SecretString:([^:}]*)(?::[^:}]*){0,2}\}\}/g, (ref, id: string, key: string) => {
        const v = secrets[secretName(id)];
        if (v === undefined) throw new Error(`the template refers to a secret the local runtime does not have: ${ref}`);
        const value = key ? (typeof v === 'string' ? JSON.parse(v) : v)[key] : v;
        return typeof value === 'string' ? value : JSON.stringify(value);
      }),
    /** Changes a secret's value, as an operator's PutSecretValue would (tests: an empty processor secret). */
    set(id: string, value: unknown) {
      if (id in secrets) previous[id] = secrets[id];
      secrets[id] = value;
      writeFileSync(`${file}.tmp`, JSON.stringify(secrets), { mode: 0o600 });
      renameSync(`${file}.tmp`, file);
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
