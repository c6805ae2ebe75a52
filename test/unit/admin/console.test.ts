import { describe, expect, it, vi } from 'vitest';
import { refusalNotice } from '../../../functions/core/notices.ts';
import { FakeRepo, fixedClock, REQUEST_ID, storedRequest } from '../processors/fakes.ts';

vi.mock('../../../functions/adapters/registry.ts', () => ({
  registry: {
    version: 1,
    processors: [
      { id: 'paynow', name: 'PayNow Payments' },
      { id: 'parcelway', name: 'Parcelway Delivery' },
    ],
  },
}));
const { dashboard } = await import('../../../functions/admin/views.ts');

describe('the dashboard’s processor scorecard', () => {
  it('lists every processor of the registry, with no open task, when no request is open', async () => {
    const repo = new FakeRepo();
    repo.requests.set(REQUEST_ID, storedRequest({ status: 'completed', closedAt: '2026-03-01T10:00:00.000Z' }));
    const d = await dashboard({ repo: repo as never, clock: fixedClock() });
    expect(d.processors).toEqual([
      { id: 'paynow', name: 'PayNow Payments', open: 0, failures: 0, timeouts: 0, medianCallbackMs: null },
      { id: 'parcelway', name: 'Parcelway Delivery', open: 0, failures: 0, timeouts: 0, medianCallbackMs: null },
    ]);
  });
});

describe('a refusal with the officer’s own words', () => {
  it('adds them under their own heading, in the request’s language, control characters replaced', () => {
    const fr = refusalNotice('fr', REQUEST_ID, 'excessive', 'Déjà répondu\u0000 le 3 mars.\r\nVoir notre courrier.');
    expect(fr.text).toContain('pour la raison suivante : la demande est manifestement excessive : elle répète des demandes auxquelles nous avons déjà répondu.\n\nPrécisions de notre équipe :\nDéjà répondu  le 3 mars.\nVoir notre courrier.\n\n');
    expect(fr.text).toContain('Information Commissioner');
  });

  it('cuts them at 1,000 characters whoever calls, and leaves the email as it was without them', () => {
    const long = refusalNotice('en', REQUEST_ID, 'excessive', 'y'.repeat(1500));
    expect(long.text).toContain(`In our team’s words:\n${'y'.repeat(1000)}\n`);
    expect(long.text).not.toContain('y'.repeat(1001));
    expect(refusalNotice('en', REQUEST_ID, 'excessive', '  ').text).toBe(refusalNotice('en', REQUEST_ID, 'excessive').text);
    expect(refusalNotice('en', REQUEST_ID, 'excessive').text).not.toContain('In our team’s words');
  });
});
