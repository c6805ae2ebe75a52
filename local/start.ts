import { resolve } from 'node:path';
import { startRuntime } from './runtime.ts';
import { StoreFault } from './services/dynamo.ts';
import { otpauthUri } from './totp.ts';
import { demoBehaviours, describeDemoOptions } from './processors/options.ts';
import { loadRegistry } from './processors/registry.ts';

/**
 * `npm start`: the whole of Lethe on this machine. Data persists under LETHE_DATA_DIR (default
 * .lethe/), so a second start keeps every request and resumes unfinished executions.
 */
const dataDir = resolve(process.env.LETHE_DATA_DIR ?? '.lethe');
const port = Number(process.env.LETHE_PORT ?? 3000);
const processorsPort = Number(process.env.LETHE_PROCESSORS_PORT ?? 0);
const authPort = Number(process.env.LETHE_AUTH_PORT ?? 0);

// Demo knobs: how long the demo processors take to call back, and which of them misbehave
// (README, "The demo processors"). Read before anything starts, so a typo stops nothing half-started.
const demoIds = loadRegistry()
  .processors.filter((p) => p.mode === 'automated' && p.category !== 'shop')
  .map((p) => p.id);
const demo = (() => {
  try {
    return demoBehaviours(process.env, demoIds);
  } catch (e) {
    console.error(`\nLethe cannot start.\n${(e as Error).message}\n`);
    process.exit(1);
  }
})();

const rt = await startRuntime({ dataDir, port, processorsPort, authPort }).catch((e: Error) => {
  // A store that cannot open is the operator's to decide about: say which and what to do, no stack.
  if (!(e instanceof StoreFault)) throw e;
  console.error(`\nLethe cannot start.\n${e.message}\n`);
  process.exit(1);
});
for (const [id, b] of demo) rt.processors.setBehaviour(id, b);
// The demo shop's own systems (the directory's twin) call back after the same delay.
if (process.env.LETHE_DEMO_DELAY_MS) rt.directory?.setDelay(Number(process.env.LETHE_DEMO_DELAY_MS));
// Each service's name, then its URL, all URLs in one column.
const line = (label: string, value: string) => `  ${label.padEnd(19)}${value}`;
// `npm run totp` reads the users of the data directory it is given, the default one without: another
// directory's officer has another secret, so the command to copy names it.
const quoted = /^[\w@%+=:,./-]+$/.test(dataDir) ? dataDir : `'${dataDir.replaceAll("'", "'\\''")}'`;
const totpCommand = `${dataDir === resolve('.lethe') ? '' : `LETHE_DATA_DIR=${quoted} `}npm run totp -- <user>`;
const extra = [
  '',
  line('Console sign-in', `${rt.urls.signIn}  (local stand-in for Cognito managed login: password, then a TOTP code)`),
  ...Object.entries(rt.auth.users).flatMap(([u, x]) => [
    `    ${u.padEnd(8)} password ${x.password}   (${x.groups.join(', ')})`,
    `             TOTP secret ${x.totpSecret}   ${otpauthUri('Lethe (local)', u, x.totpSecret)}`,
  ]),
  `    Add the secret to an authenticator app, or get the current code with \`${totpCommand}\`.`,
];
console.log(
  [
    '',
    'Lethe is running on embedded services.',
    '',
    line('Privacy form', rt.urls.web),
    line('Compliance console', rt.urls.console),
    line('Mailbox (SES)', rt.urls.mailbox),
    line('API', rt.urls.api),
    line('Demo processors', `${rt.urls.processors}/  (a page each: what it received and holds; ${rt.registry.processors.map((p) => p.id).join(', ')})`),
    ...describeDemoOptions(process.env, demoIds).map((d, i) => line(i ? '' : 'Demo options', d)),
    line('Demo customers', 'alice@example.com (password: correct horse battery staple), bob@example.com (account closed), carol@example.com (lifetime-warranty RAM)'),
    line('Step Functions', rt.urls.sfn),
    line('DynamoDB', rt.urls.dynamodb),
    line('Data directory', dataDir),
    ...extra,
    '',
    'Ctrl-C stops everything; the data stays.',
    '',
  ].join('\n'),
);

let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping…');
    await rt.stop();
    process.exit(0);
  });
}
