import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { config } from '../adapters/config.ts';
import type { DynamoRepository } from '../adapters/repository.ts';
import { processorSecrets } from '../adapters/secrets.ts';
import { postWebhook } from '../adapters/webhook-sender.ts';
import { MailFailed, NotFound, retryOnRace } from '../core/errors.ts';
import { lease, WORKFLOW_OWNER } from '../core/outbox.ts';
import { type ProcessorEntry, parseTaskId } from '../core/model.ts';
import type { Clock, Mailer, Pii, StoredRequest, StoredTask, Workflow } from '../core/ports.ts';
import { ESCALATED_TASK_STATUSES, FINISHED_TASK_STATUSES, currentDue, isOpenRequest } from '../core/status.ts';
import { webhookBody, webhookIdOf } from '../core/webhook.ts';
import { taskAnswer, type WorkflowFailure } from '../core/workflow-answer.ts';
import { deliverManualTask } from '../shared/manual-task.ts';
import { metrics } from '../shared/metrics.ts';
import { logger } from '../adapters/powertools.ts';

export type DispatchRepo = Pick<
  DynamoRepository,
  'getTask' | 'getTaskWithRequest' | 'getRequest' | 'getPii' | 'transitionTask' | 'setTaskToken' | 'transitionRequest' | 'getItem' | 'putItem' | 'claimTaskTeam' | 'clearOwedTeam' | 'markMailFailed' | 'clearMailFailed'
>;

export type DispatchDeps = {
  repo: DispatchRepo;
  workflow: Workflow;
  mailer: Mailer;
  clock: Clock;
  processors: readonly ProcessorEntry[];
  /** The processor's current signing secrets (Secrets Manager by default). */
  secrets?: (ref: string) => Promise<string[]>;
  /** Sends one signed webhook and returns the HTTP status (the SSRF-guarded sender by default). */
  post?: (url: string, id: string, body: string, secrets: readonly string[]) => Promise<number>;
  /** This container's memory of which endpoints are enabled; without it, every send reads the flag. */
  endpoints?: EndpointStates;
};

/**
 * Errors the state machine acts on by name: DispatchFailed is retried with backoff, the others go
 * straight to Escalate. Names are set explicitly because bundles are minified.
 */
export const DISPATCH_ERRORS = ['DispatchFailed', 'DispatchRejected', 'EndpointGone'] as const;
export type DispatchError = (typeof DISPATCH_ERRORS)[number];
/** ProcessorFailed too, the name the Map's Catch and Escalate read a processor's own failure by (core/workflow-answer.ts): typed here, spelled in the bundle. */
export const dispatchError = (name: DispatchError | WorkflowFailure['error'], message: string) => Object.assign(new Error(message), { name });

/** A processor whose endpoint answered 410 Gone is disabled until an operator deletes this item. */
export const processorStateKey = (processorId: string) => ({ pk: `PROCESSOR#${processorId}`, sk: 'STATE' });

/**
 * Per container: which processors' endpoints were found enabled, and when. An enabled flag is
 * trusted for ENABLED_FOR_MS, so a warm container reads each processor's state item about once a
 * minute rather than once per task; a disabled one is never cached, so an operator re-enabling an
 * endpoint takes effect at the next send. The cost of the cache: a container that has not seen the
 * 410 may send the gone endpoint one more webhook within that minute, which answers 410 again.
 */
export class EndpointStates {
  static readonly ENABLED_FOR_MS = 60_000;
  private readonly enabledAt = new Map<string, number>();

  async disabled(processorId: string, deps: Pick<DispatchDeps, 'repo' | 'clock'>): Promise<boolean> {
    const now = deps.clock.now().getTime();
    const seen = this.enabledAt.get(processorId);
    if (seen !== undefined && now - seen < EndpointStates.ENABLED_FOR_MS) return false;
    const state = await deps.repo.getItem(processorStateKey(processorId));
    if (state?.disabled) {
      this.enabledAt.delete(processorId);
      return true;
    }
    this.enabledAt.set(processorId, now);
    return false;
  }

  forget(processorId: string) {
    this.enabledAt.delete(processorId);
  }
}

const endpointDisabled = async (processorId: string, deps: DispatchDeps) =>
  deps.endpoints ? deps.endpoints.disabled(processorId, deps) : Boolean((await deps.repo.getItem(processorStateKey(processorId)))?.disabled);

export async function loadTask(taskId: string, repo: Pick<DynamoRepository, 'getTask'>) {
  const ids = parseTaskId(taskId);
  const task = ids && (await repo.getTask(ids.requestId, ids.processorId));
  if (!task) throw new NotFound(`task ${taskId} not found`);
  return task;
}

/**
 * Sends the task's webhook. The webhook-id is the task id (with the retry number after an officer's
 * retry, `webhookIdOf`) and the body is built from stored data only, so every re-delivery carries
 * the same instruction under the same id and the processor can deduplicate on it.
 * The request and its contact data are read here unless the caller loaded them (an officer's retry
 * loads the request only, to check it is still open).
 */
export async function sendWebhook(task: StoredTask, processor: ProcessorEntry, deps: DispatchDeps, loaded?: { request?: StoredRequest; pii?: Pii }) {
  if (await endpointDisabled(processor.id, deps)) throw dispatchError('EndpointGone', `processor ${processor.id} endpoint is disabled`);
  const [req, pii] = await Promise.all([loaded && 'request' in loaded ? loaded.request : deps.repo.getRequest(task.requestId), loaded && 'pii' in loaded ? loaded.pii : deps.repo.getPii(task.requestId)]);
  if (!req || !pii) throw dispatchError('DispatchRejected', `request ${task.requestId} or its contact data is gone`);
  const body = JSON.stringify(webhookBody(req, task, pii, processor, config.PUBLIC_BASE_URL));
  const secrets = await (deps.secrets ?? processorSecrets)(processor.secretRef ?? '');
  let status: number;
  try {
    status = await (deps.post ?? postWebhook)(processor.endpoint ?? '', webhookIdOf(task), body, secrets);
  } catch (e) {
    const error = (e as NodeJS.ErrnoException).code ?? (e as Error).name;
    await deliveryFailed(task, { error }, deps);
    // An unsafe target will not become safe by retrying: straight to a human.
    if ((e as Error).name === 'UnsafeTarget') throw dispatchError('DispatchRejected', (e as Error).message);
    throw dispatchError('DispatchFailed', `webhook to ${processor.id} failed: ${error}`);
  }
  logger.info('webhook sent', { taskId: task.taskId, processorId: processor.id, status });
  if (status >= 200 && status < 300) return;
  await deliveryFailed(task, { status }, deps);
  if (status === 410) {
    deps.endpoints?.forget(processor.id);
    await deps.repo.putItem({ ...processorStateKey(processor.id), disabled: true, disabledAt: deps.clock.now().toISOString(), reason: '410' });
    metrics.addMetric('ProcessorEndpointGone', MetricUnit.Count, 1);
    metrics.publishStoredMetrics();
    logger.error('ALERT processor endpoint gone; disabled', { processorId: processor.id, taskId: task.taskId });
    throw dispatchError('EndpointGone', `processor ${processor.id} answered 410`);
  }
  // A redirect is never followed (it could point anywhere, e.g. at the metadata service): a failure.
  if (status >= 500 || (status >= 300 && status < 400) || status === 408 || status === 429) {
    throw dispatchError('DispatchFailed', `processor ${processor.id} answered ${status}`);
  }
  throw dispatchError('DispatchRejected', `processor ${processor.id} answered ${status}`);
}

/**
 * A failed delivery goes on the task's audit trail with its HTTP status or network error, and its
 * time, so that the console and the escalation email can say what happened on each attempt. Only
 * failures are written: a delivered webhook costs no extra write.
 */
async function deliveryFailed(task: StoredTask, data: { status: number } | { error: string }, deps: DispatchDeps) {
  const at = deps.clock.now().toISOString();
  await retryOnRace(async () => {
    const fresh = (await deps.repo.getTask(task.requestId, task.processorId)) ?? task;
    await deps.repo.transitionTask(fresh, fresh.status, {}, { at, actor: 'workflow', action: 'delivery_failed', subject: task.taskId, data });
  });
}

/**
 * The Dispatch state (lambda:invoke.waitForTaskToken). The task is recorded as sent, with the
 * token, before the webhook leaves, so a fast callback always finds it waiting; on a failed POST
 * it stays sent and the Retry re-sends the same webhook. A finished task (a re-run after a
 * restart, or a callback that won a race) completes the state at once, and so does any task of a
 * request refused or cancelled while its execution still runs (its stop owed): nothing is sent.
 */
export async function dispatch(input: { token: string; requestId: string; taskId: string }, deps: DispatchDeps) {
  const claimed = await retryOnRace(() => claim(input, deps));
  if (!claimed) return;
  if (claimed.processor.mode === 'manual') return manual(claimed.task, deps);
  await sendWebhook(claimed.task, claimed.processor, deps, claimed);
}

/**
 * Records this state's token on the task; reloaded and decided again if another writer wins. The
 * task, its request and the contact data come in one read (the webhook needs all three).
 */
async function claim(input: { token: string; taskId: string }, deps: DispatchDeps) {
  const ids = parseTaskId(input.taskId);
  const loaded = ids && (await deps.repo.getTaskWithRequest(ids.requestId, ids.processorId));
  const task = loaded?.task;
  if (!task) throw new NotFound(`task ${input.taskId} not found`);
  if (FINISHED_TASK_STATUSES.includes(task.status)) {
    await deps.workflow.taskSuccess(input.token, taskAnswer(task));
    return undefined;
  }
  // A refusal or a cancellation owes the execution a stop, which may come after this state runs: the
  // person's data goes to no processor, and nobody is asked to work on it, for a request we closed.
  if (loaded.request && !isOpenRequest(loaded.request.status)) {
    await deps.workflow.taskSuccess(input.token, { closed: loaded.request.status });
    return undefined;
  }
  // Failed by its processor (the write that failed it is the processor's): its callback came while this
  // state was retrying a webhook the processor had taken, and told a token already spent. Sent again
  // under the same webhook-id, it was deduplicated and never answered, so the task waited out its whole
  // time-out (days) before anyone heard of it, shown `sent`. Failed here with the processor's error, it
  // goes to Escalate at once, which finds the task failed and tells the team. A task the workflow, the
  // sweeper or an officer's refused retry failed or timed out is sent again below, as before (a re-run
  // of the execution after a restart, docs/local-runtime.md): its processor never said it could not do it.
  if (task.status === 'failed' && task.audit.findLast((e) => e.to)?.actor === `processor:${task.processorId}`) {
    throw dispatchError('ProcessorFailed', `processor ${task.processorId} answered failed`);
  }
  const processor = deps.processors.find((p) => p.id === task.processorId);
  if (!processor) throw dispatchError('DispatchRejected', `processor ${task.processorId} is not in the registry`);
  if (task.status === 'pending' || ESCALATED_TASK_STATUSES.includes(task.status)) {
    const now = deps.clock.now();
    const at = now.toISOString();
    // The deadline this message tells, kept for its re-deliveries: a timed-out task sent again here keeps its webhook-id, so its date too.
    const expectedCompletion = task.expectedCompletion ?? (loaded.request && (currentDue(loaded.request) ?? ''));
    // A manual processor's task owes the team its email from this write on (core/outbox.ts): a run that dies before mailing leaves it owed.
    const owed = processor.mode === 'manual' ? { outboxTeam: lease(task.version + 1, WORKFLOW_OWNER, now) } : {};
    const sent = await deps.repo.transitionTask(
      task,
      'sent',
      { token: input.token, sentAt: at, attempts: task.attempts + 1, ...(expectedCompletion !== undefined ? { expectedCompletion } : {}), ...owed },
      { at, actor: 'workflow', action: 'send', subject: task.taskId, from: task.status, to: 'sent', data: { mode: processor.mode } },
    );
    return { task: sent, processor, request: loaded.request, pii: loaded.pii };
  }
  // sent or in_progress: a retry or a re-run. Same webhook, new token to complete.
  return { task: await deps.repo.setTaskToken(task, input.token), processor, request: loaded.request, pii: loaded.pii };
}

/**
 * A processor with no API: a person does the work, then resolves the task in the console. The
 * request goes to wait for an officer (the first manual or escalated task moves it), then the team's
 * email that the claim recorded as owed is delivered: a run again after it went (the Retry after a
 * crash, a restart) finds nothing owed and mails nothing; one after a crash before it mails it.
 * An email SES refuses leaves the task with the team all the same: its request is marked "mail
 * failed" and the email stays owed for the sweeper. Thrown, it reached the state's catch-all, which
 * escalated as failed a task nothing had failed.
 */
async function manual(task: StoredTask, deps: DispatchDeps) {
  const req = await retryOnRace(async () => {
    const r = await deps.repo.getRequest(task.requestId);
    if (r?.status !== 'in_progress') return r; // already awaiting a human (another manual or escalated task)
    const at = deps.clock.now().toISOString();
    return deps.repo.transitionRequest(
      r,
      'awaiting_manual',
      {},
      { at, actor: 'workflow', action: 'escalate', subject: r.id, from: 'in_progress', to: 'awaiting_manual', data: { task: task.taskId, reason: 'manual_processor' } },
    );
  });
  await deliverManualTask(task, req, WORKFLOW_OWNER, deps.clock.now(), deps).catch((e) => {
    if (!(e instanceof MailFailed)) throw e;
  });
}
