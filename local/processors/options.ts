import type { Behaviour } from './server.ts';

/** The faults `npm start` can give a named demo processor (LETHE_DEMO_FAULTS), for demos of escalation. */
const FAULTS = {
  /** Every webhook answered 500: retried by the workflow, then escalated as unreachable. */
  '500': { fail: Number.POSITIVE_INFINITY },
  /** 202, then silence: the task escalates when its heartbeat or time-out (config/processors.json) runs out. */
  timeout: { never: true },
  /** 410 Gone: Lethe disables the endpoint, alerts, and escalates the task. */
  '410': { gone: true },
  /** Every record kept under the accounting hold for ever, whatever it holds and was sent: Lethe refuses that `retained` (422) and escalates the erasure's task (any other task is done as usual). */
  retained: { status: { request_status: 'retained', legal_basis: 'accounting', retained_until: null } },
} satisfies Record<string, Partial<Behaviour>>;

export type DemoFault = keyof typeof FAULTS;

/**
 * Reads `LETHE_DEMO_FAULTS` ("parcelway=500,metricsly=timeout") and `LETHE_DEMO_DELAY_MS`. A processor
 * or a fault it does not know is an error that names what it does know, so a typo does not start a
 * demo that silently behaves.
 */
function readDemoOptions(env: DemoEnv, processorIds: readonly string[]): { delayMs?: number; faults: [string, DemoFault][] } {
  const delay = env.LETHE_DEMO_DELAY_MS?.trim();
  const delayMs = delay ? Number(delay) : undefined;
  if (delayMs !== undefined && (!Number.isInteger(delayMs) || delayMs < 0)) throw new Error(`LETHE_DEMO_DELAY_MS must be a whole number of milliseconds, not "${delay}"`);
  const faults = (env.LETHE_DEMO_FAULTS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((item): [string, DemoFault] => {
      const [id, fault] = item.split('=').map((s) => s.trim());
      if (!processorIds.includes(id)) throw new Error(`LETHE_DEMO_FAULTS: no demo processor "${id}" (known: ${processorIds.join(', ')})`);
      if (!fault || !Object.hasOwn(FAULTS, fault)) throw new Error(`LETHE_DEMO_FAULTS: "${item}" names no fault (one of ${Object.keys(FAULTS).join(', ')})`);
      return [id, fault as DemoFault];
    });
  return { delayMs, faults };
}

type DemoEnv = { LETHE_DEMO_FAULTS?: string; LETHE_DEMO_DELAY_MS?: string };

/** Each named processor's behaviour under the demo options (the delay for every processor, then its fault). */
export function demoBehaviours(env: DemoEnv, processorIds: readonly string[]): Map<string, Partial<Behaviour>> {
  const { delayMs, faults } = readDemoOptions(env, processorIds);
  const out = new Map<string, Partial<Behaviour>>(delayMs === undefined ? [] : processorIds.map((id) => [id, { delayMs }]));
  for (const [id, fault] of faults) out.set(id, { ...out.get(id), ...FAULTS[fault] });
  return out;
}

/** What each fault does, as the banner says it. */
const SAYS = {
  '500': 'answers every webhook 500 (retried, then escalated)',
  timeout: 'accepts and never calls back (escalated at its time-out)',
  '410': 'answers 410 Gone (disabled, the team alerted)',
  retained: 'answers retained under the accounting hold, for ever (refused with a 422, escalated)',
} satisfies Record<DemoFault, string>;

/** The demo options `npm start` was given, in words, one line each. */
export function describeDemoOptions(env: DemoEnv, processorIds: readonly string[]): string[] {
  const { delayMs, faults } = readDemoOptions(env, processorIds);
  return [...(delayMs === undefined ? [] : [`every demo processor and the demo shop call back after ${delayMs} ms`]), ...faults.map(([id, fault]) => `${id} ${SAYS[fault]}`)];
}
