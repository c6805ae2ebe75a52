import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import {
  Choice,
  Condition,
  DefinitionBody,
  Errors,
  type IChainable,
  IntegrationPattern,
  JitterType,
  JsonPath,
  LogLevel,
  Map as MapState,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  Timeout,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { PROCESSOR_FAILURE } from '../functions/core/workflow-answer.ts';

export interface WorkflowFunctions {
  readonly plan: IFunction;
  readonly dispatch: IFunction;
  readonly escalate: IFunction;
  readonly assemble: IFunction;
  readonly notify: IFunction;
}

export interface PrivacyWorkflowProps {
  readonly functions: WorkflowFunctions;
  /**
   * How many processors' tasks run at once. Each holds its place until its processor answers, its time-out
   * ends (days, for some) or, escalated, an officer acts: a task past this many waits for one, and its processor
   * is told nothing meanwhile. So it is the most an inline Map runs at once, 40: with 10, until November 29, 2026,
   * the eleventh processor of a larger registry could wait days for its instruction. @default 40
   */
  readonly maxConcurrency?: number;
  /** The machine's name: functions derive its ARN from it (a reference would make a cycle). */
  readonly stateMachineName?: string;
  /** Key for the execution logs. */
  readonly logKey?: IKey;
}

/** Errors a dispatch may throw that are worth retrying: the processor, the network or Secrets Manager hiccupped. */
export const RETRYABLE_DISPATCH_ERRORS = ['DispatchFailed', 'SecretUnavailable'];

/**
 * How Lambda reports a sandbox that died under a function: the process exited or was killed, it ran
 * out of time or of memory, it failed in a way the runtime could not name (Lambda.Unknown, as Step
 * Functions reports an unhandled error that carries no type). local/lambda/pool.ts reports the same.
 * Named one by one, so that crashes have Dispatch's attempts of their own, before the refusals it
 * throws on purpose, which its later States.TaskFailed retrier would match too.
 */
export const SANDBOX_CRASH_ERRORS = ['Runtime.ExitError', 'Sandbox.Timedout', 'Runtime.OutOfMemory', 'Runtime.Unknown', 'Lambda.Unknown'];

/**
 * What Dispatch throws on purpose (functions/dispatch/dispatch.ts, functions/core/errors.ts): none
 * is mended by running it again, so each goes to Escalate at its first try. ProcessorFailed is also
 * how the processor's own `failed` callback fails the state (functions/callback/receive.ts).
 */
const DISPATCH_REFUSALS = ['DispatchRejected', 'EndpointGone', 'SecretNotConfigured', 'NotFound', PROCESSOR_FAILURE.error];

/**
 * What Escalate and Notify throw when SES refuses or cannot be reached (functions/core/errors.ts).
 * Retried, then caught: the request is already marked "mail failed" and the email stays owed, so a
 * mail outage never fails the execution of a legally timed request.
 */
export const MAIL_FAILED = 'MailFailed';
/** What the callback function fails a waiting state's token with when the processor answers `failed` (functions/callback/receive.ts): the name and a fixed cause, the reason staying on the task record (functions/core/workflow-answer.ts). */
export const PROCESSOR_FAILED = PROCESSOR_FAILURE.error;
const mailRetry = { errors: [MAIL_FAILED], interval: Duration.seconds(30), maxAttempts: 3, backoffRate: 2, jitterStrategy: undefined };

/** Plan's tries while the shop's account service is down: 30 s doubling to 15 minutes, about 9 hours in all. */
export const PLAN_OUTAGE_ATTEMPTS = 40;

/** What Lambda answers an invocation refused for the account's (or the function's) concurrency. */
export const LAMBDA_THROTTLED = 'Lambda.TooManyRequestsException';

/**
 * The privacy-request state machine, built once here and nowhere else. CDK synthesizes it for AWS;
 * local/ renders the very same graph to ASL and runs it on aws-local-stepfunctions.
 *
 * Plan → Map(Dispatch ⟶ [on failure] Escalate) → (access only) Assemble [⟶ on failure AssemblyFailed ⟶ Assemble] → Notify → Done.
 * A mail failure never fails an execution: Escalate falls back to EscalateWithoutMail, Notify to
 * DoneOutcomeMailOwed, each after its retries.
 * JSONPath only, no Variables: that is what the embedded engine implements. A 6-processor erasure
 * costs 11 state transitions: Plan, Map, 6 × Dispatch, IsExport, Notify, Done.
 */
export function buildDefinition(scope: Construct, fns: WorkflowFunctions, maxConcurrency = 40): IChainable {
  const lambdaErrors = ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException'];
  // Lambda refusing an invocation for the account's concurrency (a burst: the sweeper starting its owed executions,
  // each fanning out to 40 Dispatches) says nothing of the request: it is ridden out, for about half an hour, spread
  // by jitter so that the throttled states do not come back together. First on every state, so that no retrier after
  // it takes the error for its own. Until November 29, 2026 it shared the retrier of Lambda's service errors, about
  // 15 s, after which Plan, Escalate, Notify and AssemblyFailed failed the execution, which nothing can start again,
  // and a throttled Dispatch asked an officer to act on a task nothing had failed.
  const throttled = { errors: [LAMBDA_THROTTLED], interval: Duration.seconds(2), maxAttempts: 12, backoffRate: 2, maxDelay: Duration.minutes(5), jitterStrategy: JitterType.FULL };

  const plan = new LambdaInvoke(scope, 'Plan', {
    lambdaFunction: fns.plan,
    payload: TaskInput.fromObject({ requestId: JsonPath.stringAt('$.requestId') }),
    payloadResponseOnly: true,
    retryOnServiceExceptions: false,
  });
  plan.addRetry(throttled);
  plan.addRetry({ errors: lambdaErrors, interval: Duration.seconds(1), maxAttempts: 4, backoffRate: 2, jitterStrategy: undefined });
  // The shop's account service is down (functions/adapters/customers.ts), or its key could not be read:
  // wait for it, every 15 minutes at most, for about 9 hours. Until November 28, 2026 it waited about
  // half an hour, and a longer outage (a maintenance window) failed the execution of every request
  // confirmed meanwhile: named by the request id, it could not be started again.
  plan.addRetry({ errors: ['Unavailable', 'SecretUnavailable'], interval: Duration.seconds(30), maxAttempts: PLAN_OUTAGE_ATTEMPTS, backoffRate: 2, maxDelay: Duration.minutes(15) });
  // A sandbox that died, or DynamoDB refusing a write: Plan is safe to run again (it finds the tasks
  // it wrote), and a Plan that fails fails the execution, named by the request id, which nothing can
  // start again: the request never ran. After the retriers above, which the first match wins.
  plan.addRetry({ errors: ['States.TaskFailed'], interval: Duration.seconds(2), maxAttempts: 3, backoffRate: 2 });

  // The escalation waits, with its own token, for a human's resolution or a late processor callback,
  // so one stuck processor never fails the whole request.
  const escalateState = (id: string, extra: Record<string, unknown> = {}) => {
    const state = new LambdaInvoke(scope, id, {
      lambdaFunction: fns.escalate,
      integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: TaskInput.fromObject({
        token: JsonPath.taskToken,
        requestId: JsonPath.stringAt('$.requestId'),
        taskId: JsonPath.stringAt('$.task.taskId'),
        error: JsonPath.objectAt('$.error'),
        ...extra,
      }),
      retryOnServiceExceptions: false,
    });
    state.addRetry(throttled);
    state.addRetry({ errors: lambdaErrors, interval: Duration.seconds(1), maxAttempts: 4, backoffRate: 2 });
    return state;
  };
  // Any other failure (a sandbox that crashed or ran out of time, DynamoDB refusing a write) would
  // otherwise fail the whole execution, with nothing to start it again: Escalate is safe to run
  // again (test/integration/reliability/task-faults.test.ts), so it is, after the mail's own retries
  // (the first matching retrier wins, and States.TaskFailed matches every error but a timeout).
  const crashRetry = { errors: ['States.TaskFailed'], interval: Duration.seconds(2), maxAttempts: 3, backoffRate: 2 };
  // Never retried, so that the crash retrier (which matches it too) does not take it: caught below.
  const processorFailed = { errors: [PROCESSOR_FAILED], maxAttempts: 0 };
  const escalate = escalateState('Escalate');
  escalate.addRetry(mailRetry);
  escalate.addRetry(processorFailed);
  escalate.addRetry(crashRetry);
  // The alert could not be mailed: the task is escalated all the same and waits, with a fresh token,
  // without mailing; the request shows "mail failed" and the MailFailed alarm reaches the team.
  const escalateWithoutMail = escalateState('EscalateWithoutMail', { mail: false });
  escalateWithoutMail.addRetry(processorFailed);
  escalateWithoutMail.addRetry(crashRetry);
  escalate.addCatch(escalateWithoutMail, { errors: [MAIL_FAILED], resultPath: '$.mailError' });
  // A task an officer retried goes out under the escalation's token: the processor failing it again
  // fails this state (the callback's SendTaskFailure). It escalates again, as ProcessorFailed,
  // by entering Escalate anew, whose retriers start over: retried instead, the crash retrier's 3
  // attempts ran out at the fourth such failure and failed the whole execution.
  for (const waiting of [escalate, escalateWithoutMail]) waiting.addCatch(escalate, { errors: [PROCESSOR_FAILED], resultPath: '$.error' });

  const dispatch = new LambdaInvoke(scope, 'Dispatch', {
    lambdaFunction: fns.dispatch,
    integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
    payload: TaskInput.fromObject({
      token: JsonPath.taskToken,
      requestId: JsonPath.stringAt('$.requestId'),
      taskId: JsonPath.stringAt('$.task.taskId'),
    }),
    heartbeatTimeout: Timeout.at('$.task.heartbeatSeconds'),
    taskTimeout: Timeout.at('$.task.timeoutSeconds'),
    retryOnServiceExceptions: false,
  });
  dispatch.addRetry(throttled);
  dispatch.addRetry({ errors: lambdaErrors, interval: Duration.seconds(1), maxAttempts: 4, backoffRate: 2 });
  dispatch.addRetry({
    errors: RETRYABLE_DISPATCH_ERRORS,
    interval: Duration.seconds(5),
    maxAttempts: 3,
    backoffRate: 3,
    maxDelay: Duration.minutes(5),
    jitterStrategy: undefined,
  });
  // A sandbox that died (usually a transient fault) runs Dispatch again rather than alerting an
  // officer: Dispatch is safe to run again (test/integration/reliability/task-faults.test.ts): it
  // finds the task as the dead run left it and, if sent, records the new token and re-sends the same
  // webhook under the same webhook-id. A crash that outlasts these attempts goes to Escalate, which
  // finds the task as it is. A crash comes while the function runs, before the state waits on the
  // processor; each attempt starts the state's heartbeat and timeout over, so the processor's time-out
  // comes later by the failed attempts and their backoff, at most 3 × 20 s (the function's timeout) +
  // 2 + 4 + 8 s, against a registry's hours or days; the sweeper's own time-out counts from the task's
  // sentAt, which a re-run keeps.
  dispatch.addRetry({ errors: SANDBOX_CRASH_ERRORS, interval: Duration.seconds(2), maxAttempts: 3, backoffRate: 2 });
  // Its deliberate refusals, and the processor's own failure, go straight to Escalate: never retried,
  // so that the retrier below, which matches them too, does not take them (the first match wins). So
  // do the processor's time-out and missed heartbeat: AWS documents States.TaskFailed as matching every
  // error but States.Timeout, saying nothing of States.HeartbeatTimeout, and the embedded engine
  // (aws-local-stepfunctions) matches both; retried, the same webhook would go again under the same
  // webhook-id to a processor that keeps silent, and the team be told a time-out or a heartbeat later.
  dispatch.addRetry({ errors: [...DISPATCH_REFUSALS, Errors.TIMEOUT, Errors.HEARTBEAT_TIMEOUT], maxAttempts: 0 });
  // Anything else is as transient as a crash and as safe to run again: DynamoDB throttling a write
  // (ProvisionedThroughputExceededException, ThrottlingException), a network error, a race lost five
  // times (ConcurrentUpdate). Until November 29, 2026 these matched no retrier and went to Escalate at
  // once: an officer was asked to act on a task nothing had failed. The time-outs, which
  // States.TaskFailed may match, are the retrier's above.
  dispatch.addRetry(crashRetry);
  dispatch.addCatch(escalate, { errors: [Errors.ALL], resultPath: '$.error' });

  const forEachTask = new MapState(scope, 'ForEachTask', {
    itemsPath: '$.tasks',
    maxConcurrency,
    itemSelector: { requestId: JsonPath.stringAt('$.requestId'), task: JsonPath.objectAt('$$.Map.Item.Value') },
    resultPath: JsonPath.DISCARD,
  });
  forEachTask.itemProcessor(dispatch);

  const payload = TaskInput.fromObject({ requestId: JsonPath.stringAt('$.requestId') });
  const assemble = new LambdaInvoke(scope, 'Assemble', {
    lambdaFunction: fns.assemble,
    payload,
    payloadResponseOnly: true,
    resultPath: JsonPath.DISCARD,
    retryOnServiceExceptions: false,
  });
  assemble.addRetry(throttled);
  assemble.addRetry({ errors: [...lambdaErrors, 'States.TaskFailed'], interval: Duration.seconds(2), maxAttempts: 3, backoffRate: 2 });
  // The copy could not be assembled even after the retries (a processor's results_url keeps timing
  // out or answering 5xx): the request waits for an officer, the team is told (the escalate function,
  // through outboxTeam), and this state waits on a token of its own. The officer's "retry the copy"
  // sends the token back and Assemble runs again; deny or cancel stop the execution. Never entered on
  // the happy path, so an export still costs 6 + N transitions.
  const assemblyFailed = new LambdaInvoke(scope, 'AssemblyFailed', {
    lambdaFunction: fns.escalate,
    integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
    payload: TaskInput.fromObject({
      token: JsonPath.taskToken,
      requestId: JsonPath.stringAt('$.requestId'),
      stage: 'assemble',
      error: JsonPath.objectAt('$.assembleError'),
    }),
    resultPath: JsonPath.DISCARD,
    retryOnServiceExceptions: false,
  });
  assemblyFailed.addRetry(throttled);
  assemblyFailed.addRetry({ errors: [...lambdaErrors, 'States.TaskFailed'], interval: Duration.seconds(2), maxAttempts: 3, backoffRate: 2 });
  assemble.addCatch(assemblyFailed, { errors: [Errors.ALL], resultPath: '$.assembleError' });
  assemblyFailed.next(assemble);
  const notify = new LambdaInvoke(scope, 'Notify', {
    lambdaFunction: fns.notify,
    payload,
    payloadResponseOnly: true,
    resultPath: JsonPath.DISCARD,
    retryOnServiceExceptions: false,
  });
  // First: States.TaskFailed below matches every error name, and the first matching retrier wins.
  notify.addRetry(throttled);
  notify.addRetry(mailRetry);
  notify.addRetry({ errors: [...lambdaErrors, 'States.TaskFailed'], interval: Duration.seconds(2), maxAttempts: 3, backoffRate: 2 });
  // The request is completed and its outcome email owed (outbox): the sweeper sends it when SES is back.
  notify.addCatch(new Succeed(scope, 'DoneOutcomeMailOwed'), { errors: [MAIL_FAILED] });

  const done = new Succeed(scope, 'Done');
  const isExport = new Choice(scope, 'IsExport')
    .when(Condition.booleanEquals('$.export', true), assemble.next(notify))
    .otherwise(notify);
  notify.next(done);

  return plan.next(forEachTask).next(isExport);
}

/** The Standard state machine, with its logs and tracing. */
export class PrivacyWorkflow extends Construct {
  readonly machine: StateMachine;

  constructor(scope: Construct, id: string, props: PrivacyWorkflowProps) {
    super(scope, id);
    const logs = new LogGroup(this, 'Logs', {
      retention: RetentionDays.SIX_MONTHS,
      encryptionKey: props.logKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.machine = new StateMachine(this, 'Machine', {
      stateMachineType: StateMachineType.STANDARD,
      stateMachineName: props.stateMachineName,
      definitionBody: DefinitionBody.fromChainable(buildDefinition(this, props.functions, props.maxConcurrency)),
      tracingEnabled: true,
      // Every event, but never execution data: payloads carry a task token and request ids only, keep them out anyway.
      logs: { destination: logs, level: LogLevel.ALL, includeExecutionData: false },
    });
  }

  grantStart(g: IGrantable) {
    return this.machine.grantStartExecution(g);
  }
  grantTaskResponse(g: IGrantable) {
    return this.machine.grantTaskResponse(g);
  }
  grantRead(g: IGrantable) {
    return this.machine.grantRead(g);
  }
}
