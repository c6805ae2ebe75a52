import { describe, expect, it, vi } from 'vitest';
import { FakeMailer, FakeRepo, REQUEST_ID, storedRequest } from '../processors/fakes.ts';

vi.mock('../../../functions/adapters/registry.ts', () => ({ registry: { version: 1, processors: [] } }));
const { sweep } = await import('../../../functions/sweeper/sweep.ts');

function deps(repo: FakeRepo) {
  return { repo, mailer: new FakeMailer(), workflow: { start: async () => 'arn', describe: async () => ({ status: 'RUNNING' }) }, tokens: {}, baseUrl: 'http://x', linksPerHour: 5 } as never;
}

describe('the sweeper counts days in London time', () => {
  it('flags a request due 30 June as overdue at 00:30 London time on 1 July, while the UTC date is still 30 June', async () => {
    const repo = new FakeRepo();
    repo.requests.set(REQUEST_ID, storedRequest({ status: 'in_progress', dueDate: '2026-06-30' }));
    const report = await sweep(new Date('2026-06-30T23:30:00.000Z'), deps(repo));
    expect(report.overdue).toEqual([REQUEST_ID]);
    expect(repo.requests.get(REQUEST_ID)?.audit.at(-1)).toMatchObject({ action: 'overdue', data: { dueDate: '2026-06-30', daysLeft: -1 } });
  });

  it('does not flag it at 23:30 London time on 30 June', async () => {
    const repo = new FakeRepo();
    repo.requests.set(REQUEST_ID, storedRequest({ status: 'in_progress', dueDate: '2026-06-30' }));
    const report = await sweep(new Date('2026-06-30T22:30:00.000Z'), deps(repo));
    expect(report.overdue).toEqual([]);
  });
});
