import type { Behaviour } from './server.ts';

/** The faults `npm start` can give a named demo processor (LETHE_DEMO_FAULTS), for demos of escalation. */
const FAULTS = {
  /** Every webhook answered 500: retried by the workflow, then escalated as unreachable. */
  '500': { fail: Number.POSITIVE_INFINITY },
  /** 202, then silence: the task escalates when its heartbeat or time-out (config/processors.json) runs out. */
  timeout: { never: true },
  /** 410 Gone: Lethe disables the endpoint, alerts, and escalates the task. */
  '410': { gone: true },
  /** Every record kept under the accounting hold, whatever it holds: the task completes as `retained`. */
  retained: { status: { request_status: 'retained', legal_basis: 'accounting', retained_until: null } },
} satisfies Record<string, Partial<Behaviour>>;

export type DemoFault = keyof typeof FAULTS;

/**
 * Reads `LETHE_DEMO_FAULTS` ("parcelway=500,metricsly=timeout") and `LETHE_DEMO_DELAY_MS` into each
 * named processor's behaviour. A processor or a fault it does not know is an error that names what
 * it does know, so a typo does not start a demo that silently behaves.
 */
export function demoBehaviours(env: { LETHE_DEMO_FAULTS?: string; LETHE_DEMO_DELAY_MS?: string }, processorIds: readonly string[]): Map<string, Partial<Behaviour>> {
  const out = new Map<string, Partial<Behaviour>>();
  const delay = env.LETHE_DEMO_DELAY_MS?.trim();
  if (delay) {
    const ms = Number(delay);
    if (!Number.isInteger(ms) || ms < 0) throw new Error(`LETHE_DEMO_DELAY_MS must be a whole number of milliseconds, not "${delay}"`);
    for (const id of processorIds) out.set(id, { delayMs: ms });
  }
  for (const item of (env.LETHE_DEMO_FAULTS ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const [id, fault] = item.split('=').map((s) => s.trim());
    if (!processorIds.includes(id)) throw new Error(`LETHE_DEMO_FAULTS: no demo processor "${id}" (known: ${processorIds.join(', ')})`);
    if (!fault || !Object.hasOwn(FAULTS, fault)) throw new Error(`LETHE_DEMO_FAULTS: "${item}" names no fault (one of ${Object.keys(FAULTS).join(', ')})`);
    out.set(id, { ...out.get(id), ...FAULTS[fault as DemoFault] });
  }
  return out;
}

/** What each fault does, as the banner says it. */
const SAYS = {
  '500': 'answers every webhook 500 (retried, then escalated)',
  timeout: 'accepts and never calls back (escalated at its time-out)',
  '410': 'answers 410 Gone (disabled, the team alerted)',
  retained: 'answers retained under the accounting hold',
} satisfies Record<DemoFault, string>;

/** The demo options `npm start` was given, in words, one line each; read after `demoBehaviours` accepted them. */
export function describeDemoOptions(env: { LETHE_DEMO_FAULTS?: string; LETHE_DEMO_DELAY_MS?: string }): string[] {
  const delay = env.LETHE_DEMO_DELAY_MS?.trim();
  const faults = (env.LETHE_DEMO_FAULTS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return [
    ...(delay ? [`every demo processor and the demo shop call back after ${Number(delay)} ms`] : []),
    ...faults.map((item) => {
      const [id, fault] = item.split('=').map((s) => s.trim());
      return `${id} ${SAYS[fault as DemoFault]}`;
    }),
  ];
}
