import { resolve } from 'node:path';
import { startRuntime } from './runtime.ts';
import { StoreFault } from './services/dynamo.ts';
import { otpauthUri } from './totp.ts';

/**
 * `npm start`: the whole of Lethe on this machine. Data persists under LETHE_DATA_DIR (default
 * .lethe/), so a second start keeps every request and resumes unfinished executions.
 */
const dataDir = resolve(process.env.LETHE_DATA_DIR ?? '.lethe');
const port = Number(process.env.LETHE_PORT ?? 3000);
const processorsPort = Number(process.env.LETHE_PROCESSORS_PORT ?? 0);
const authPort = Number(process.env.LETHE_AUTH_PORT ?? 0);

const rt = await startRuntime({ dataDir, port, processorsPort, authPort }).catch((e: Error) => {
  // A store that cannot open is the operator's to decide about: say which and what to do, no stack.
  if (!(e instanceof StoreFault)) throw e;
  console.error(`\nLethe cannot start.\n${e.message}\n`);
  process.exit(1);
});
// Demo knob: how long the demo processors take to call back (e.g. to watch tasks in flight).
if (process.env.LETHE_DEMO_DELAY_MS) {
  for (const p of rt.registry.processors) rt.processors.setBehaviour(p.id, { delayMs: Number(process.env.LETHE_DEMO_DELAY_MS) });
  rt.directory?.setDelay(Number(process.env.LETHE_DEMO_DELAY_MS));
}
const extra = [
  '',
  `  Console sign-in   ${rt.urls.signIn}  (local stand-in for Cognito managed login: password, then a TOTP code)`,
  ...Object.entries(rt.auth.users).flatMap(([u, x]) => [
    `    ${u.padEnd(8)} password ${x.password}   (${x.groups.join(', ')})`,
    `             TOTP secret ${x.totpSecret}   ${otpauthUri('Lethe (local)', u, x.totpSecret)}`,
  ]),
  '    Add the secret to an authenticator app, or get the current code with `npm run totp -- <user>`.',
];
console.log(
  [
    '',
    'Lethe is running on embedded services.',
    '',
    `  Privacy form      ${rt.urls.web}`,
    `  Compliance console ${rt.urls.console}`,
    `  Mailbox (SES)     ${rt.urls.mailbox}`,
    `  API               ${rt.urls.api}`,
    `  Demo processors   ${rt.urls.processors}/<id>  (${rt.registry.processors.map((p) => p.id).join(', ')})`,
    '  Demo customers    alice@example.com (password: correct horse battery staple), bob@example.com (account closed)',
    `  Step Functions    ${rt.urls.sfn}`,
    `  DynamoDB          ${rt.urls.dynamodb}`,
    `  Data directory    ${dataDir}`,
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
