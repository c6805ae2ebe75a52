import { SesMailer } from '../adapters/mailer.ts';
import { DynamoRepository } from '../adapters/repository.ts';
import { StepFunctionsWorkflow } from '../adapters/workflow.ts';
import type { Clock } from '../core/ports.ts';

/** The real adapters, built once per container. Tests build their own with fakes or mocks. */
export const systemClock: Clock = { now: () => new Date() };
export const repo = new DynamoRepository();
export const mailer = new SesMailer();
export const workflow = new StepFunctionsWorkflow();
