/**
 * Lethe's custom metrics: one namespace and one `service` dimension for every function, so that an
 * alarm, which matches a metric's exact dimension set, sees what any function emits. The namespace is
 * the default deployment's; another deployment's functions are given theirs (POWERTOOLS_METRICS_NAMESPACE).
 */
export const METRICS = { namespace: 'Lethe', service: 'lethe' } as const;
