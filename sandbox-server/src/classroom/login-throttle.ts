import { TooManyRequests } from '../http/api-error.ts';
import { RateLimiter } from '../capacity/rate-limiter.ts';

/** Sign-in attempts allowed a minute, from one client address and for one username. */
export const LOGINS_PER_MINUTE = 5;

/**
 * Slows password guessing: at most five sign-in attempts a minute from one address, and five for
 * one username from anywhere (so many addresses cannot share the guesses at one account).
 */
export class LoginThrottle {
  private readonly byAddress: RateLimiter;
  private readonly byUsername: RateLimiter;

  constructor(now: () => number = Date.now) {
    const rate = { burst: LOGINS_PER_MINUTE, perMinute: LOGINS_PER_MINUTE };
    this.byAddress = new RateLimiter(rate, now);
    this.byUsername = new RateLimiter(rate, now);
  }

  /** Counts one attempt; a 429 with Retry-After when the address or the username had too many. */
  take(address: string, username: unknown): void {
    const name = typeof username === 'string' ? username.slice(0, 64).toLowerCase() : '';
    const wait = Math.max(this.byAddress.take(address), this.byUsername.take(name));
    if (wait > 0)
      throw new TooManyRequests(`Too many sign-in attempts just now. Try again in ${wait} s.`, wait);
  }
}
