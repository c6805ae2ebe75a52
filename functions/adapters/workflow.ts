import {
  ExecutionAlreadyExists,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { Workflow } from '../core/ports.ts';
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

  async taskSuccess(token: string, output: unknown): Promise<void> {
    await this.client.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output ?? {}) }));
  }

  async taskFailure(token: string, error: string, cause: string): Promise<void> {
    await this.client.send(new SendTaskFailureCommand({ taskToken: token, error, cause }));
  }

  async heartbeat(token: string): Promise<void> {
    await this.client.send(new SendTaskHeartbeatCommand({ taskToken: token }));
  }
}
