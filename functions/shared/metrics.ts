import { Metrics } from '@aws-lambda-powertools/metrics';
import { METRICS } from '../core/metrics.ts';

// Powertools adds the service as a dimension to every metric; the alarms match on it (infra/constructs/monitoring.ts).
// The namespace is the deployment's (infra/names.ts), which the stack gives every function: a staging
// stack's failures alarm its own topic, not production's.
export const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS.namespace, serviceName: METRICS.service });
