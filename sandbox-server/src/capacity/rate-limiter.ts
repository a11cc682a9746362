/**
 * A token bucket per key (a client address): `burst` requests at once, then `perMinute` a minute.
 * Keys whose bucket has filled up again are forgotten, and at most `maxKeys` are kept (the oldest
 * dropped first), so a flood of addresses cannot grow it without bound.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly rate: { burst: number; perMinute: number },
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 10_000,
  ) {}

  /** Takes one request's token: 0 when allowed, else the seconds until the next token. */
  take(key: string): number {
    const at = this.now();
    const perMs = this.rate.perMinute / 60_000;
    const bucket = this.buckets.get(key);
    const tokens = bucket
      ? Math.min(this.rate.burst, bucket.tokens + (at - bucket.at) * perMs)
      : this.rate.burst;
    if (tokens < 1) {
      this.buckets.set(key, { tokens, at });
      return Math.max(1, Math.ceil((1 - tokens) / perMs / 1000));
    }
    this.buckets.delete(key); // re-inserted last: the Map's order is oldest-used first
    this.buckets.set(key, { tokens: tokens - 1, at });
    this.prune(at, perMs);
    return 0;
  }

  private prune(at: number, perMs: number): void {
    if (this.buckets.size <= this.maxKeys) return;
    for (const [key, bucket] of this.buckets) {
      const full = bucket.tokens + (at - bucket.at) * perMs >= this.rate.burst;
      if (full || this.buckets.size > this.maxKeys) this.buckets.delete(key);
      if (this.buckets.size <= this.maxKeys / 2) break;
    }
  }

  get size(): number {
    return this.buckets.size;
  }
}
