import { describe, expect, it } from 'vitest';
import { readExport } from '../../../functions/assemble/results.ts';
import { REQUEST_ID, processor } from './fakes.ts';

const paynow = processor({ id: 'paynow', category: 'payments' });
const URL_ = 'https://files.paynow.example/export/1.json';
const failing = (name: string, extra: Record<string, unknown> = {}) => async () => Promise.reject(Object.assign(new Error(name), { name, ...extra }));

describe('an export’s results at the assemble step', () => {
  it('takes inline results, and results fetched from a results_url, as tables', async () => {
    await expect(readExport(REQUEST_ID, paynow, { results: { records: [{ id: 'PAY-1' }] } })).resolves.toEqual({ processor: paynow, tables: { records: [{ id: 'PAY-1' }] } });
    await expect(readExport(REQUEST_ID, paynow, { resultsUrl: URL_ }, async () => ({ tables: { orders: [{ id: 'O-1' }] } }))).resolves.toEqual({ processor: paynow, tables: { orders: [{ id: 'O-1' }] } });
  });

  it('marks fetched results outside the documented shape unreadable', async () => {
    await expect(readExport(REQUEST_ID, paynow, { resultsUrl: URL_ }, async () => ({ orders: [] }))).resolves.toEqual({ processor: paynow, tables: {}, unreadable: true });
  });

  it.each([
    ['not JSON', failing('ResultsNotJson')],
    ['refused by the SSRF guard', failing('UnsafeTarget')],
    ['too large', failing('ResponseTooLarge')],
    ['answered 404', failing('ResultsUnavailable', { status: 404 })],
    ['answered with a redirect', failing('ResultsUnavailable', { status: 302 })],
  ])('marks a results_url %s unreadable instead of failing the package (and the execution)', async (_, fetch) => {
    await expect(readExport(REQUEST_ID, paynow, { resultsUrl: URL_ }, fetch)).resolves.toEqual({ processor: paynow, tables: {}, unreadable: true });
  });

  it.each([
    ['a network error', failing('Error', { code: 'ECONNRESET' })],
    ['a time-out', failing('TimeoutError')],
    ['a 503', failing('ResultsUnavailable', { status: 503 })],
    ['a 429', failing('ResultsUnavailable', { status: 429 })],
  ])('throws on %s, which the workflow retries', async (_, fetch) => {
    await expect(readExport(REQUEST_ID, paynow, { resultsUrl: URL_ }, fetch)).rejects.toBeInstanceOf(Error);
  });
});
