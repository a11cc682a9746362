import net from 'node:net';
import { ApiError } from '../http/api-error.ts';
import type { SandboxRuntime } from '../runtime/sandbox-runtime.ts';
import type { SessionManager } from '../sessions/session-manager.ts';

/** How long a sandbox's address is used before the runtime is asked again. */
const ADDRESS_TTL_MS = 10_000;

/** The address of each session's sandbox, the only host a preview ever dials; kept a few seconds. */
export class SandboxAddresses {
  private readonly addresses = new Map<string, { address: string; at: number }>();

  constructor(
    private readonly sessions: SessionManager,
    private readonly runtime: SandboxRuntime,
  ) {}

  /** The session's sandbox address; a 503 when the machine is not running or has none yet. */
  async of(id: string): Promise<string> {
    const cached = this.addresses.get(id);
    if (cached && Date.now() - cached.at < ADDRESS_TTL_MS) return cached.address;
    // A machine the learner powered off is started again, as for the terminal.
    const address = await this.sessions
      .ensureRunning(id)
      .then(() => this.runtime.sandboxAddress(id))
      .catch((err: Error) => {
        throw new ApiError(503, 'unavailable', `Your machine is not running: ${err.message}`);
      });
    if (net.isIP(address) === 0) throw new ApiError(503, 'unavailable', 'Your machine has no address yet.');
    this.addresses.set(id, { address, at: Date.now() });
    return address;
  }
}
