import crypto from 'node:crypto';
import { logger } from '../logger.ts';
import type { SandboxLimits, SandboxRuntime } from '../runtime/sandbox-runtime.ts';

/** After a pool sandbox fails to start, wait this long before trying again. */
export const POOL_RETRY_MS = 30_000;

export interface WarmPoolOptions {
  /** Sandboxes to keep warm until `fill` is given another target. */
  size: number;
  limits: SandboxLimits;
  readyTimeoutMs: number;
}

interface Booting {
  /** Settles when the sandbox is created and its engine answers. */
  done: Promise<void>;
  /** A session took it while it booted: it is that session's now, not the pool's. */
  claimed: boolean;
}

/**
 * Sandboxes booted before anyone asks, so the next learner gets a prompt at once. Their ids become
 * session ids. The pool never decides capacity itself: `fill` asks the session manager's one rule
 * (`hasRoom`) before each boot, and every sandbox it holds counts against that rule.
 */
export class WarmPool {
  private readonly ready: string[] = [];
  private readonly booting = new Map<string, Booting>();
  private retryAt = 0;
  private stopped = false;
  /** How many sandboxes the pool aims to hold now (`fill` sets it). */
  private target: number;

  constructor(
    private readonly runtime: SandboxRuntime,
    private readonly options: WarmPoolOptions,
    private readonly now: () => number,
  ) {
    this.target = options.size;
  }

  /** Sandboxes the pool holds, booted or booting, that no session has taken. */
  get held(): number {
    let unclaimed = 0;
    for (const b of this.booting.values()) if (!b.claimed) unclaimed++;
    return this.ready.length + unclaimed;
  }

  /** A booted sandbox for a session, if one waits. */
  /** Whether a sandbox is one of the pool's (ready or booting). */
  holds(id: string): boolean {
    return this.ready.includes(id) || this.booting.has(id);
  }

  take(): string | undefined {
    return this.ready.shift();
  }

  /** A sandbox still booting, for a session that would otherwise find no room: it waits for this one. */
  claimBooting(): { id: string; done: Promise<void> } | undefined {
    for (const [id, b] of this.booting) {
      if (b.claimed) continue;
      b.claimed = true;
      return { id, done: b.done };
    }
    return undefined;
  }

  /**
   * Aims the pool at `target` sandboxes: boots them while `hasRoom` allows (failures back off), and
   * removes ready ones above it, which would hold slots nobody is meant to use (a class's pre-warm
   * that ended). One booting above it is removed once it is up.
   */
  fill(hasRoom: () => boolean, target = this.options.size): void {
    this.target = target;
    while (this.held > target && this.ready.length > 0) {
      const id = this.ready.pop()!;
      logger.info({ sandbox: id, target }, 'warm sandbox above the pool target removed');
      void this.runtime.remove(id).catch(() => undefined);
    }
    while (!this.stopped && this.held < target && this.now() >= this.retryAt && hasRoom()) {
      this.boot();
    }
  }

  private boot(): void {
    const id = crypto.randomBytes(8).toString('hex');
    const started = this.now();
    const done = this.runtime
      .create(id, this.options.limits)
      .then(() => this.runtime.waitUntilReady(id, this.options.readyTimeoutMs));
    const entry: Booting = { done, claimed: false };
    this.booting.set(id, entry);
    done.then(
      async () => {
        this.booting.delete(id);
        if (entry.claimed) return;
        // Stopped, or the target came down while it booted.
        if (this.stopped || this.held >= this.target)
          return void (await this.runtime.remove(id).catch(() => undefined));
        this.ready.push(id);
        // A machine that waits in the pool has time to spare: its Docker engine starts now, so its
        // learner's first `docker` command does not wait for it (a cold machine starts it then).
        void this.runtime
          .exec(id, 'systemctl start docker.service', { timeoutMs: 120_000 })
          .catch(() => undefined);
        logger.info(
          { sandbox: id, ms: this.now() - started, pooled: this.ready.length },
          'warm sandbox ready',
        );
      },
      async (err: Error) => {
        this.booting.delete(id);
        this.retryAt = this.now() + POOL_RETRY_MS;
        logger.error({ sandbox: id, err }, 'a warm sandbox failed to start');
        // A claimed one is its session's: the session manager marks it failed and removes it.
        if (!entry.claimed) await this.runtime.remove(id).catch(() => undefined);
      },
    );
  }

  /** Warm sandboxes ready now, how many are booting for the pool, and how many it aims at. */
  status(): { ready: number; starting: number; size: number } {
    return { ready: this.ready.length, starting: this.held - this.ready.length, size: this.target };
  }

  /**
   * Removes the warm sandboxes, those still booting included (on shutdown: they belong to nobody,
   * nothing would adopt them, and a boot left running past the process would leak its machine).
   */
  async drain(): Promise<void> {
    this.stopped = true;
    const booting = [...this.booting].filter(([, b]) => !b.claimed);
    const ids = [...this.ready.splice(0), ...booting.map(([id]) => id)];
    await Promise.all(booting.map(([, b]) => b.done.catch(() => undefined)));
    await Promise.all(ids.map((id) => this.runtime.remove(id).catch(() => undefined)));
  }
}
