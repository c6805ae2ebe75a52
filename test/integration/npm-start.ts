import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { until } from './harness.ts';

/**
 * A free port below Linux's ephemeral range (32768–60999 by default), for an `npm start` that is
 * killed and started again on the same port: a port from the ephemeral range can be handed to
 * another test's server listening on port 0 in between, and the restart then fails with EADDRINUSE
 * (it did once, in a shuffled full run).
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const s = createServer()
        .once('error', () => resolve(false))
        .listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

export type Started = { process: ChildProcess; mailStore: string; api: string; /** What it printed so far, stdout then stderr. */ printed: () => string };

/** `npm start`, as a separate process that can be killed like a crashed laptop; `delayMs`: how long the demo processors take to call back. */
export async function npmStart(dataDir: string, port: number, delayMs: number): Promise<Started> {
  const p = spawn(join(process.cwd(), 'node_modules/.bin/node'), ['--import', 'tsx', 'local/start.ts'], {
    env: { ...process.env, LETHE_DATA_DIR: dataDir, LETHE_PORT: String(port), LETHE_DEMO_DELAY_MS: String(delayMs), POWERTOOLS_LOG_LEVEL: 'ERROR' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  p.stdout?.on('data', (c) => {
    out += c;
  });
  p.stderr?.on('data', (c) => {
    err += c;
  });
  const mailStore = await until(() => /Mailbox \(SES\)\s+(\S+)/.exec(out)?.[1], 60_000, 'npm start to print its URLs').catch((e) => {
    p.kill('SIGKILL');
    throw new Error(`${e.message}\n${out}\n${err}`);
  });
  return { process: p, mailStore: `${mailStore}store`, api: `http://127.0.0.1:${port}`, printed: () => `${out}\n${err}` };
}

/** Every email the started system sent so far, read from its mailbox as a person would. */
export async function mailsOf(s: Started): Promise<{ subject: string; destination: { to: string[] }; body: { text: string } }[]> {
  return ((await (await fetch(s.mailStore)).json()) as { emails: { subject: string; destination: { to: string[] }; body: { text: string } }[] }).emails;
}
