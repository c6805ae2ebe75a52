import { Metrics } from '@aws-lambda-powertools/metrics';
import { METRICS } from '../core/metrics.ts';

// Powertools adds the service as a dimension to every metric; the alarms match on it (infra/constructs/monitoring.ts).
export const metrics = new Metrics({ namespace: METRICS.namespace, serviceName: METRICS.service });
