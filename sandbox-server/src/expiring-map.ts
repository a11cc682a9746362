/**
 * A map whose entries last `ttlMs` and of which at most `maxEntries` are kept: setting one first
 * drops the expired entries and, when full, the oldest. The terminal's tickets and the preview's
 * sandbox addresses are kept in one, so neither grows without bound.
 */
export class ExpiringMap<K, V> {
  /** The Map keeps insertion order, and every entry lives as long: oldest (and first to expire) first. */
  private readonly entries = new Map<K, { value: V; expiresAt: number }>();

  constructor(
    private readonly limits: { ttlMs: number; maxEntries: number },
    private readonly now: () => number = Date.now,
  ) {}

  /** Keeps `value` under `key` (again, if it was there) and answers when it expires. */
  set(key: K, value: V): number {
    const at = this.now();
    this.entries.delete(key);
    for (const [oldKey, entry] of this.entries) {
      if (entry.expiresAt > at && this.entries.size < this.limits.maxEntries) break;
      this.entries.delete(oldKey);
    }
    const expiresAt = at + this.limits.ttlMs;
    this.entries.set(key, { value, expiresAt });
    return expiresAt;
  }

  /** The value under `key`, unless there is none or it expired. */
  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt > this.now()) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  /** Removes the entry and answers its value, unless it expired: what a one-use ticket needs. */
  take(key: K): V | undefined {
    const value = this.get(key);
    this.entries.delete(key);
    return value;
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  /** Entries held, expired ones not yet dropped included. */
  get size(): number {
    return this.entries.size;
  }
}
