import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { METRICS } from '../core/metrics.ts';

/**
 * One logger and one metrics instance per function. Log ids and outcomes, never events or bodies:
 * a privacy request carries an email address, and PII must not reach logs or metrics.
 */
export const logger = new Logger({ serviceName: 'lethe' });
// Powertools adds the service as a dimension to every metric; the alarms match on it (infra/constructs/monitoring.ts).
export const metrics = new Metrics({ namespace: METRICS.namespace, serviceName: METRICS.service });
