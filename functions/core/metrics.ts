/**
 * Lethe's custom metrics: one namespace and one `service` dimension for every function, so that an
 * alarm, which matches a metric's exact dimension set, sees what any function emits.
 */
export const METRICS = { namespace: 'Lethe', service: 'lethe' } as const;
