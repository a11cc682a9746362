import { formatBytes } from '../../../engine/src/bytes.ts';
import type { HubCatalog } from './hub-catalog.ts';

/**
 * The hub space of each learner: what their namespace holds, against DOCKYARD_HUB_QUOTA. A push
 * may start while the namespace is below the quota (so one push can go past it); once over,
 * uploads are refused with a sentence saying how to make room. Usage is cached briefly, because a
 * push asks once per layer, and forgotten when a push completes or a repository is deleted.
 */
export class HubQuota {
  private readonly cache = new Map<string, { bytes: Promise<number>; at: number }>();

  constructor(
    private readonly catalog: HubCatalog,
    /** Undefined: no quota. */
    readonly limitBytes: number | undefined,
    private readonly cacheMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  used(namespace: string): Promise<number> {
    const hit = this.cache.get(namespace);
    if (hit && this.now() - hit.at < this.cacheMs) return hit.bytes;
    const bytes = this.catalog.usage(namespace);
    this.cache.set(namespace, { bytes, at: this.now() });
    bytes.catch(() => this.cache.delete(namespace));
    return bytes;
  }

  /** Call when the namespace changed (a push completed, a repository was deleted). */
  forget(namespace: string): void {
    this.cache.delete(namespace);
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
