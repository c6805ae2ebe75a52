import { EdgeRepository, DynamoRepository, NotifyRepository, SweeperRepository, WorkflowRepository } from '../adapters/repository.ts';
import type { Clock, Sleep } from '../core/ports.ts';

/**
 * Shared by every handler: the repository and the clock. Handlers that mail or talk to Step
 * Functions build those adapters themselves, so no function loads an SDK client it never uses.
 */
export const systemClock: Clock = { now: () => new Date() };
export const sleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
// Pure: a bundle keeps only the one its handler imports.
export const repo = /* @__PURE__ */ new DynamoRepository();
/** The repository with what Plan and Callback use besides (adapters/repository.ts). */
export const workflowRepo = /* @__PURE__ */ new WorkflowRepository();
/** The repository with what only intake and verify use (adapters/repository.ts). */
export const edgeRepo = /* @__PURE__ */ new EdgeRepository();
/** The repository with what only the sweeper uses (adapters/repository.ts). */
export const sweeperRepo = /* @__PURE__ */ new SweeperRepository();
/** The repository with what only Notify uses (adapters/repository.ts). */
export const notifyRepo = /* @__PURE__ */ new NotifyRepository();
