import { Logger } from '@aws-lambda-powertools/logger';

/**
 * One logger per function. Log ids and outcomes, never events or bodies: a privacy request carries
 * an email address, and PII must not reach logs or metrics. Metrics live apart (metrics.ts), so
 * that the functions that emit none neither bundle nor construct them.
 */
export const logger = new Logger({ serviceName: 'lethe' });
