import { describe, expect, it, vi } from 'vitest';
import {
  BeingSent,
  ConcurrentUpdate,
  Conflict,
  DomainError,
  Forbidden,
  Gone,
  IllegalTransition,
  InvalidInput,
  NotFound,
  PackageGone,
  PayloadTooLarge,
  REFUSAL_REASONS,
  retryOnRace,
  SecretNotConfigured,
  SecretUnavailable,
  TooManyRequests,
  Unauthorized,
} from '../../../functions/core/errors.ts';

describe('retrying a step that lost a race', () => {
  it('returns the result of the first attempt that wins', async () => {
    const fn = vi.fn().mockRejectedValueOnce(new ConcurrentUpdate('lost')).mockRejectedValueOnce(new ConcurrentUpdate('lost')).mockResolvedValue('won');
    await expect(retryOnRace(fn)).resolves.toBe('won');
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it('gives up after 5 attempts and rethrows the race it kept losing', async () => {
    const fn = vi.fn().mockRejectedValue(new ConcurrentUpdate('lost again'));
    await expect(retryOnRace(fn)).rejects.toThrow('lost again');
    expect(fn).toHaveBeenCalledTimes(5);
  });

  it('stops after the number of attempts it is given', async () => {
    const fn = vi.fn().mockRejectedValue(new ConcurrentUpdate('lost'));
    await expect(retryOnRace(fn, 2)).rejects.toBeInstanceOf(ConcurrentUpdate);
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it('does not retry any other error, a plain Conflict included', async () => {
    for (const error of [new NotFound('no such request'), new Conflict('illegal'), new Error('boom')]) {
      const fn = vi.fn().mockRejectedValue(error);
      await expect(retryOnRace(fn)).rejects.toBe(error);
      expect(fn).toHaveBeenCalledTimes(1);
    }
  });

  it('waits longer before each new attempt (10 ms, then 20 ms, …)', async () => {
    vi.useFakeTimers();
    try {
      const fn = vi.fn().mockRejectedValueOnce(new ConcurrentUpdate('lost')).mockRejectedValueOnce(new ConcurrentUpdate('lost')).mockResolvedValue('won');
      const result = retryOnRace(fn);
      await vi.advanceTimersByTimeAsync(9);
      expect(fn).toHaveBeenCalledTimes(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(fn).toHaveBeenCalledTimes(2);
      await vi.advanceTimersByTimeAsync(19);
      expect(fn).toHaveBeenCalledTimes(2);
      await vi.advanceTimersByTimeAsync(1);
      await expect(result).resolves.toBe('won');
      expect(fn).toHaveBeenCalledTimes(3);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('domain errors carry their HTTP status and a name that survives minification', () => {
  it.each([
    [new NotFound('x'), 'NotFound', 404],
    [new Conflict('x'), 'Conflict', 409],
    [new ConcurrentUpdate('x'), 'ConcurrentUpdate', 409],
    [new Unauthorized('x'), 'Unauthorized', 401],
    [new Forbidden('x'), 'Forbidden', 403],
    [new Gone('x'), 'Gone', 410],
    [new PayloadTooLarge('x'), 'PayloadTooLarge', 413],
    [new TooManyRequests('x', 30), 'TooManyRequests', 429],
    [new InvalidInput('x', []), 'InvalidInput', 400],
    [new IllegalTransition('request', 'completed', 'deny'), 'IllegalTransition', 409],
    [new SecretNotConfigured('x'), 'SecretNotConfigured', 503],
    [new SecretUnavailable('x'), 'SecretUnavailable', 503],
    [new DomainError('x'), 'Error', 500],
  ])('%s', (error, name, status) => {
    expect(error).toMatchObject({ name, status });
  });

  it('says which move was illegal', () => {
    expect(new IllegalTransition('task', 'sent', 'resolve')).toMatchObject({ message: "task in status 'sent' cannot 'resolve'", entity: 'task', from: 'sent', event: 'resolve' });
  });
});

describe('a refusal’s reason: a stable code beside the English message, for pages to word in their own language', () => {
  it('is carried by a Conflict given one, its message unchanged, and by none that was given none', () => {
    expect(new Conflict('the clock is already stopped', { reason: 'pause_stopped' })).toMatchObject({ name: 'Conflict', status: 409, message: 'the clock is already stopped', reason: 'pause_stopped' });
    expect(new NotFound('no contact details are kept for this agent', { reason: 'agent_no_contact' })).toMatchObject({ status: 404, reason: 'agent_no_contact' });
    expect(new Conflict('already verified').reason).toBeUndefined();
  });

  it('is set by the refusals of a class of their own, which a caller cannot forget to give it', () => {
    expect(new BeingSent('2026-03-02T10:02:30.000Z').reason).toBe('being_sent');
    expect(new PackageGone('gone').reason).toBe('package_gone');
    expect(new ConcurrentUpdate('lost').reason).toBe('concurrent_update');
    expect(new IllegalTransition('request', 'completed', 'deny').reason).toBe('request_status');
    expect(new IllegalTransition('task', 'resolved', 'resolve').reason).toBe('task_status');
  });

  it('is one of a fixed list of snake-case codes, each listed once', () => {
    expect(REFUSAL_REASONS.filter((r) => !/^[a-z]+(_[a-z]+)*$/.test(r))).toEqual([]);
    expect(new Set(REFUSAL_REASONS).size).toBe(REFUSAL_REASONS.length);
  });
});
