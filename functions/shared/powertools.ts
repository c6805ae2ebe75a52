import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * One logger and one metrics instance per function. Log ids and outcomes, never events or bodies:
 * a privacy request carries an email address, and PII must not reach logs or metrics.
 */
export const logger = new Logger({ serviceName: 'lethe' });
export const metrics = new Metrics({ namespace: 'Lethe', serviceName: 'lethe' });
