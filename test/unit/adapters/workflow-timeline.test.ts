import { GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { StepFunctionsWorkflow } from '../../../functions/adapters/workflow.ts';

const sfn = mockClient(SFNClient);
afterEach(() => sfn.reset());
const REQUEST = '01JQ7ZK3V4M8Q2W5E6R7T8Y9AB';
const at = new Date('2026-03-02T10:00:00.000Z');
const entered = (name: string, input: unknown) => ({ type: 'TaskStateEntered' as const, timestamp: at, id: 1, stateEnteredEventDetails: { name, input: typeof input === 'string' ? input : JSON.stringify(input) } });

describe('the console’s execution timeline', () => {
  it('names the task of each state that works on one task of the request, by the task id it read, and never the rest of the state’s input', async () => {
    sfn.on(GetExecutionHistoryCommand).resolves({
      events: [
        { type: 'ExecutionStarted' as const, timestamp: at, id: 0 },
        entered('Plan', { requestId: REQUEST }),
        entered('Dispatch', { requestId: REQUEST, task: { taskId: `${REQUEST}.paynow`, heartbeatSeconds: 60, timeoutSeconds: 600 } }),
        entered('Escalate', { requestId: REQUEST, task: { taskId: `${REQUEST}.parcelway` }, error: { Error: 'ProcessorFailed', Cause: 'account locked for ann@example.com' } }),
        // Another request's task, a task id that is not one, or an input that is not the task's, names no task.
        entered('Dispatch', { requestId: REQUEST, task: { taskId: '01JQ7ZK3V4M8Q2W5E6R7T8Y9AC.paynow' } }),
        entered('Dispatch', { requestId: REQUEST, task: { taskId: `${REQUEST}.ann@example.com` } }),
        entered('Dispatch', { requestId: REQUEST, task: { taskId: 42 } }),
        entered('Notify', 'not json'),
      ],
    });
    const timeline = await new StepFunctionsWorkflow(new SFNClient({ region: 'eu-west-2' }), 'arn:aws:states:eu-west-2:123456789012:stateMachine:lethe').timeline(REQUEST);
    expect(timeline.map((e) => [e.state ?? e.type, e.taskId])).toEqual([
      ['ExecutionStarted', undefined],
      ['Plan', undefined],
      ['Dispatch', `${REQUEST}.paynow`],
      ['Escalate', `${REQUEST}.parcelway`],
      ['Dispatch', undefined],
      ['Dispatch', undefined],
      ['Dispatch', undefined],
      ['Notify', undefined],
    ]);
    expect(JSON.stringify(timeline)).not.toContain('ann@example.com');
  });
});
