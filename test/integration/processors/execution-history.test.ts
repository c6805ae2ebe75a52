import { DescribeExecutionCommand, GetExecutionHistoryCommand, type HistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS } from '../../../local/services/credentials.ts';
import { type Booted, boot, until } from '../harness.ts';

/**
 * Step Functions keeps an execution's history for 90 days after the execution ends, and nobody can
 * erase it. A processor's `failed` reason is its own free text, which may name the person whatever
 * the contract says, and so may an officer's note: both stay on the task record, which Lethe expires
 * and erases, and the execution's history carries neither, through every path they could take (the
 * failure the callback sends, the error the Escalate state is entered with after a retry fails again,
 * the outcome a resolution sends back).
 */
let rt: Booted;
let officer: string;
let sfn: SFNClient;

type Detail = { request: { status: string }; tasks: { processorId: string; status: string; retries?: number; outcome?: { reason?: string } }[] };
const call = (path: string, body?: unknown) => rt.admin(officer, path, body);
const detail = async (id: string) => (await (await call(`/requests/${id}`)).json()) as Detail;
const paynow = (d: Detail) => d.tasks.find((t) => t.processorId === 'paynow');
const escalations = async (id: string) => (await rt.mails('compliance@offtek.example')).filter((m) => m.subject.startsWith('Escalated:') && m.body.text?.includes(`${id}.paynow`));

/** The whole history, as the console's adapter reads it, page by page. */
async function history(executionArn: string) {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 100, nextToken }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

beforeAll(async () => {
  rt = await boot();
  officer = await rt.signIn('officer');
  sfn = new SFNClient({ endpoint: rt.urls.sfn, region: rt.placement.region, credentials: LOCAL_CREDENTIALS });
}, 120_000);
afterAll(async () => rt?.stopAndClean());

describe('the execution history of a request whose processor answered failed', () => {
  it('holds neither the processor’s reason nor the officer’s note, which the task record keeps for the console', async () => {
    const reason = 'could not delete the account of jane.doe@example.com';
    const note = 'Erased by hand once Jane Doe called from 07700 900123';
    rt.processors.setBehaviour('paynow', { status: { request_status: 'failed', reason } });
    await rt.submit({ type: 'erasure', email: 'history@example.com', language: 'en' });
    const links = await until(() => rt.links('history@example.com').catch(() => undefined));
    await rt.confirm(links.token);
    const id = links.requestId;
    const waits = (retries: number) =>
      until(
        async () => {
          const d = await detail(id);
          return d.request.status === 'awaiting_manual' && paynow(d)?.status === 'failed' && (paynow(d)?.retries ?? 0) === retries && (await escalations(id)).length === retries + 1 && d;
        },
        60_000,
        `the task waiting for an officer after ${retries} retries`,
      );
    // The console reads the reason from the task record, where the team's alert sends the officer.
    expect(paynow(await waits(0))?.outcome?.reason).toBe(reason);
    // Failed again under the Escalate state's token: the state is entered anew with the failure as its error.
    expect((await call(`/requests/${id}/tasks/paynow/retry`, {})).status).toBe(200);
    expect(paynow(await waits(1))?.outcome?.reason).toBe(reason);
    expect((await escalations(id)).map((m) => m.subject)).toEqual([`Escalated: PayNow Payments failed (request ${id})`, `Escalated: PayNow Payments failed (request ${id})`]);
    expect((await call(`/requests/${id}/tasks/paynow/resolve`, { outcome: 'completed', note })).status).toBe(200);
    const executionArn = `${rt.stateMachineArn.replace(':stateMachine:', ':execution:')}:${id}`;
    await until(async () => (await sfn.send(new DescribeExecutionCommand({ executionArn }))).status === 'SUCCEEDED', 30_000, 'the execution succeeded');

    const events = await history(executionArn);
    // The failures and the resolution did reach the workflow, by name and outcome.
    expect(events.filter((e) => e.taskFailedEventDetails?.error === 'ProcessorFailed')).toHaveLength(2);
    expect(events.filter((e) => e.stateEnteredEventDetails?.name === 'Escalate')).toHaveLength(2);
    expect(events.filter((e) => e.stateExitedEventDetails?.name === 'Escalate').map((e) => JSON.parse(e.stateExitedEventDetails?.output ?? ''))).toContainEqual({ request_status: 'resolved', reason: 'completed' });
    // The events that hold either text, if any: none.
    expect(events.filter((e) => /jane|07700/i.test(JSON.stringify(e)))).toEqual([]);
  }, 180_000);
});
