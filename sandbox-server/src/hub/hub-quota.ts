import { formatBytes } from '../../../engine/src/bytes.ts';
import { ExpiringMap } from '../expiring-map.ts';
import type { HubCatalog } from './hub-catalog.ts';

/** At most this many namespaces' usage is cached; the oldest goes first. */
const MAX_CACHED = 1_000;

/**
 * The hub space of each learner: what their namespace holds, against DOCKYARD_HUB_QUOTA. A push
 * may start while the namespace is below the quota (so one push can go past it); once over,
 * uploads are refused with a sentence saying how to make room. Usage is cached briefly, because a
 * push asks once per layer, for a bounded number of namespaces, and forgotten when a push
 * completes, a repository is deleted, or the session that asked for it ends.
 */
export class HubQuota {
  private readonly cache: ExpiringMap<string, Promise<number>>;
  /** The namespace each live session asked about (the Hub page), so the session's end clears it. */
  private readonly askedBy = new Map<string, string>();

  constructor(
    private readonly catalog: HubCatalog,
    /** Undefined: no quota. */
    readonly limitBytes: number | undefined,
    limits = { ttlMs: 10_000, maxEntries: MAX_CACHED },
    now: () => number = Date.now,
  ) {
    this.cache = new ExpiringMap(limits, now);
  }

  /** Bytes the namespace holds; `sessionId`, when a session asks, ties the cached answer to it. */
  used(namespace: string, sessionId?: string): Promise<number> {
    if (sessionId !== undefined) this.askedBy.set(sessionId, namespace);
    const hit = this.cache.get(namespace);
    if (hit) return hit;
    const bytes = this.catalog.usage(namespace);
    this.cache.set(namespace, bytes);
    bytes.catch(() => this.cache.delete(namespace));
    return bytes;
  }

  /** Call when the namespace changed (a push completed, a repository was deleted). */
  forget(namespace: string): void {
    this.cache.delete(namespace);
  }

  /** Call when a session ended: what it asked about is dropped with it. */
  forgetSession(sessionId: string): void {
    const namespace = this.askedBy.get(sessionId);
    this.askedBy.delete(sessionId);
    if (namespace !== undefined) this.forget(namespace);
  }

  /** How many namespaces' usage is cached now (expired ones not yet dropped included). */
  get cached(): number {
    return this.cache.size;
  }

  /** Why an upload into the namespace is refused, or undefined when it may go on. */
  async refusal(namespace: string): Promise<string | undefined> {
    if (this.limitBytes === undefined) return undefined;
    const used = await this.used(namespace);
    if (used < this.limitBytes) return undefined;
    return (
      `your hub space is full (${formatBytes(used, 'decimal')} of ${formatBytes(this.limitBytes, 'decimal')} used). ` +
      'Delete repositories you no longer need on the Hub page (/hub/), then push again.'
    );
  }
}
