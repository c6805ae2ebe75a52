import { execSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { totp } from '../../local/totp.ts';
import { until } from './harness.ts';
import { freePort, npmStart, type Started } from './npm-start.ts';

// A data directory of its own, as the README's demo options suggest (`LETHE_DATA_DIR`), and a path
// with a space, which a command a person copies must quote.
const dataDir = mkdtempSync(join(tmpdir(), 'lethe banner-'));
let started: Started | undefined;

afterAll(() => {
  started?.process.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('what npm start prints', () => {
  it('lines up every URL in one column, and names its data directory in the command that prints a TOTP code', async () => {
    started = await npmStart(dataDir, await freePort(), 5);
    const printed = await until(() => (/Add the secret to an authenticator app[^\n]*\n/.test(started?.printed() ?? '') ? started?.printed() : undefined), 10_000, 'the sign-in lines');

    // Each service's line, its label then its URL: the URLs start in the same column, to be read down.
    const lines = printed.split('\n').filter((l) => /^ {2}\S.*\shttp:\/\//.test(l));
    expect(lines.map((l) => l.trim().split(/\s+http/)[0])).toEqual(['Privacy form', 'Compliance console', 'Mailbox (SES)', 'API', 'Demo processors', 'Step Functions', 'DynamoDB', 'Console sign-in']);
    expect(new Set(lines.map((l) => l.indexOf('http://'))).size).toBe(1);
    // The demo options it was started with (npmStart's 5 ms delay) are said back, in the same column.
    expect(printed).toMatch(/\n {2}Demo options {7}every demo processor and the demo shop call back after 5 ms\n/);

    // The command it gives, run as printed, prints the code of the officer's printed secret (the
    // default data directory's users are other people, with other secrets).
    const command = /get the current code with `([^`]+)`/.exec(printed)?.[1] ?? '';
    expect(command).toContain('npm run totp -- <user>');
    const secret = /officer .*\n\s+TOTP secret (\w+)/.exec(printed)?.[1] ?? '';
    // In a fresh shell: no LETHE_DATA_DIR but what the command itself sets.
    const { LETHE_DATA_DIR: _, ...env } = process.env;
    const code = execSync(command.replace('<user>', 'officer'), { cwd: process.cwd(), encoding: 'utf8', env });
    // The code of this 30-second window or, if it turned in between, of the next.
    expect([totp(secret, Date.now() - 30_000), totp(secret), totp(secret, Date.now() + 30_000)]).toContain(/^(\d{6}) /m.exec(code)?.[1]);
  });
});
