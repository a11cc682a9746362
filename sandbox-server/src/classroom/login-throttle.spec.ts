import { describe, expect, it } from 'vitest';
import { TooManyRequests } from '../http/api-error.ts';
import { LoginThrottle } from './login-throttle.ts';

function waitOf(run: () => void): number {
  try {
    run();
    return 0;
  } catch (err) {
    if (err instanceof TooManyRequests) return err.retryAfterSeconds;
    throw err;
  }
}

describe('the sign-in throttle', () => {
  it('allows five attempts a minute from one address, then answers 429 with a wait', () => {
    const clock = { now: 0 };
    const throttle = new LoginThrottle(() => clock.now);
    for (let i = 0; i < 5; i++) expect(waitOf(() => throttle.take('10.0.0.1', `user${i}`))).toBe(0);
    expect(waitOf(() => throttle.take('10.0.0.1', 'someone'))).toBe(12);
    // Another address is not held back by the first.
    expect(waitOf(() => throttle.take('10.0.0.2', 'someone'))).toBe(0);
    clock.now += 12_000;
    expect(waitOf(() => throttle.take('10.0.0.1', 'someone'))).toBe(0);
  });

  it('allows five attempts a minute at one username, whatever the address (any case)', () => {
    const throttle = new LoginThrottle(() => 0);
    for (let i = 0; i < 5; i++) expect(waitOf(() => throttle.take(`10.0.0.${i}`, 'ada'))).toBe(0);
    expect(waitOf(() => throttle.take('10.0.1.1', 'ADA'))).toBeGreaterThan(0);
    expect(waitOf(() => throttle.take('10.0.1.1', 'grace'))).toBe(0);
  });

  it('says so in one sentence', () => {
    const throttle = new LoginThrottle(() => 0);
    for (let i = 0; i < 5; i++) throttle.take('10.0.0.1', 'ada');
    expect(() => throttle.take('10.0.0.1', 'ada')).toThrow(
      'Too many sign-in attempts just now. Try again in 12 s.',
    );
  });
});
