import {
  ExecutionAlreadyExists,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
  DescribeExecutionCommand,
  type ExecutionStatus,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
} from '@aws-sdk/client-sfn';
import { parseTaskId } from '../core/model.ts';
import type { Workflow } from '../core/ports.ts';
import type { WorkflowAnswer, WorkflowFailure } from '../core/workflow-answer.ts';
import { sfn } from './clients/sfn.ts';
import { config } from './config.ts';

export class StepFunctionsWorkflow implements Workflow {
  constructor(
    private readonly client: SFNClient = sfn,
    private readonly stateMachineArn: string = config.STATE_MACHINE_ARN,
  ) {}

  /** Named by the request id: Step Functions itself refuses a second execution for the same request. */
  async start(requestId: string, input: Record<string, unknown>): Promise<string> {
    try {
      const r = await this.client.send(
        new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name: requestId, input: JSON.stringify(input) }),
      );
      return r.executionArn ?? '';
    } catch (e) {
      // Same name, different input: an execution for this request already exists, which is all we want.
      if (e instanceof ExecutionAlreadyExists || (e as Error).name === 'ExecutionAlreadyExists') {
        return `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${requestId}`;
      }
      throw e;
    }
  }

  async taskSuccess(token: string, output: WorkflowAnswer): Promise<void> {
    await this.client.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) }));
  }

  async taskFailure(token: string, failure: WorkflowFailure): Promise<void> {
    await this.client.send(new SendTaskFailureCommand({ taskToken: token, error: failure.error, cause: failure.cause }));
  }

  executionArn(requestId: string) {
    return `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${requestId}`;
  }

  async stop(requestId: string): Promise<void> {
    await this.client.send(new StopExecutionCommand({ executionArn: this.executionArn(requestId), error: 'Closed', cause: 'closed by the compliance team' })).catch((e) => {
      if ((e as Error).name !== 'ExecutionDoesNotExist') throw e;
    });
  }

  async describe(requestId: string) {
    try {
      return await this.client.send(new DescribeExecutionCommand({ executionArn: this.executionArn(requestId) }));
    } catch (e) {
      if ((e as Error).name === 'ExecutionDoesNotExist') return undefined;
      throw e;
    }
  }

  /**
   * Every execution of the machine that ended without succeeding (failed, timed out, or stopped),
   * by request id: Step Functions lists them by status, and keeps them 90 days after they end.
   */
  async unsuccessful(): Promise<{ requestId: string; status: string }[]> {
    const out: { requestId: string; status: string }[] = [];
    for (const statusFilter of ['FAILED', 'TIMED_OUT', 'ABORTED'] as ExecutionStatus[]) {
      let nextToken: string | undefined;
      do {
        const r = await this.client.send(new ListExecutionsCommand({ stateMachineArn: this.stateMachineArn, statusFilter, maxResults: 1000, nextToken }));
        for (const e of r.executions ?? []) if (e.name) out.push({ requestId: e.name, status: statusFilter });
        nextToken = r.nextToken;
      } while (nextToken);
    }
    return out;
  }

  /**
   * The execution's states in order, for the console's timeline. A state that works on one task
   * (Dispatch, Escalate) carries the task id in its input, so that eight "Webhook to a processor"
   * say which is which (until November 28, 2026 they did not): the console names the processor from
   * it, as it does an audit event's subject. Nothing else of the input is kept.
   */
  async timeline(requestId: string) {
    const h = await this.client.send(new GetExecutionHistoryCommand({ executionArn: this.executionArn(requestId), maxResults: 1000 })).catch(() => undefined);
    return (h?.events ?? [])
      .filter((e) => e.type?.endsWith('StateEntered') || e.type?.startsWith('Execution'))
      .map((e) => {
        const taskId = taskOfInput(e.stateEnteredEventDetails?.input, requestId);
        return { at: e.timestamp?.toISOString(), type: e.type, state: e.stateEnteredEventDetails?.name, ...(taskId ? { taskId } : {}) };
      });
  }

  async heartbeat(token: string): Promise<void> {
    await this.client.send(new SendTaskHeartbeatCommand({ taskToken: token }));
  }
}

/**
 * The id of the request's task a state's input carries (`$.task.taskId`: `<request>.<processor>`, core/model.ts taskIdOf), if any:
 * only one of this request's, and only a task id, since anything else of the input may hold the requester's data.
 */
function taskOfInput(input: string | undefined, requestId: string): string | undefined {
  let taskId: unknown;
  try {
    taskId = (JSON.parse(input ?? 'null') as { task?: { taskId?: unknown } } | null)?.task?.taskId;
  } catch {
    return undefined;
  }
  return typeof taskId === 'string' && parseTaskId(taskId)?.requestId === requestId ? taskId : undefined;
}
