import net from 'node:net';
import { ExpiringMap } from '../expiring-map.ts';
import { ApiError } from '../http/api-error.ts';
import { logger, logReference } from '../logger.ts';
import type { SandboxRuntime } from '../runtime/sandbox-runtime.ts';
import type { SessionManager } from '../sessions/session-manager.ts';

/** How long a sandbox's address is used before the runtime is asked again. */
const ADDRESS_TTL_MS = 10_000;
/** At most this many sessions' addresses are kept; the oldest goes first. */
const MAX_ADDRESSES = 1_000;

/**
 * The address of each session's sandbox, the only host a preview ever dials. It is kept a few
 * seconds, for at most a bounded number of sessions, and forgotten as soon as its session ends.
 */
export class SandboxAddresses {
  private readonly addresses: ExpiringMap<string, string>;

  constructor(
    private readonly sessions: SessionManager,
    private readonly runtime: SandboxRuntime,
    limits = { ttlMs: ADDRESS_TTL_MS, maxEntries: MAX_ADDRESSES },
    now: () => number = Date.now,
  ) {
    this.addresses = new ExpiringMap(limits, now);
    sessions.onEnded((id) => this.addresses.delete(id));
  }

  /** The session's sandbox address; a 503 when the machine is not running or has none yet. */
  async of(id: string): Promise<string> {
    const cached = this.addresses.get(id);
    if (cached) return cached;
    // A machine the learner powered off is started again, as for the terminal.
    // ensureRunning's errors are written for the learner; the runtime's own text only goes to the log.
    await this.sessions.ensureRunning(id).catch((err: Error) => {
      throw new ApiError(503, 'unavailable', `Your machine is not running: ${err.message}`);
    });
    const address = await this.runtime.sandboxAddress(id).catch((err: Error) => {
      logger.error({ sessionId: id, err }, "the machine's address could not be read");
      throw new ApiError(503, 'unavailable', `Your machine's address could not be read ${logReference(id)}.`);
    });
    if (net.isIP(address) === 0) throw new ApiError(503, 'unavailable', 'Your machine has no address yet.');
    this.addresses.set(id, address);
    return address;
  }

  /** Whether an address is kept for the session now. */
  holds(id: string): boolean {
    return this.addresses.get(id) !== undefined;
  }

  /** How many sessions' addresses are kept. */
  get size(): number {
    return this.addresses.size;
  }
}
