/** An instructor counts as typing until this long after their last keystroke. */
export const HELPER_QUIET_MS = 3000;

/** One helper's socket on a learner's terminal: it types, and it leaves. */
export interface Helper {
  typed(): void;
  left(): void;
}

interface Watched {
  /** The learner's terminal sockets, each told when typing starts and stops. */
  learners: Set<(typing: boolean) => void>;
  /** Helpers who typed within HELPER_QUIET_MS, each with the timer that ends their turn. */
  typing: Map<Helper, NodeJS.Timeout>;
}

/**
 * Tells a learner's terminal while an instructor types in it: `true` at the first keystroke of a
 * helper, `false` once no helper has typed for HELPER_QUIET_MS or the last typing one left.
 */
export class HelperPresence {
  private readonly sessions = new Map<string, Watched>();

  constructor(private readonly quietMs = HELPER_QUIET_MS) {}

  private entry(sessionId: string): Watched {
    let found = this.sessions.get(sessionId);
    if (!found) {
      found = { learners: new Set(), typing: new Map() };
      this.sessions.set(sessionId, found);
    }
    return found;
  }

  private forgetIfUnused(sessionId: string, entry: Watched): void {
    if (entry.learners.size === 0 && entry.typing.size === 0) this.sessions.delete(sessionId);
  }

  /** A learner's terminal socket; `notify` hears every change. Returns what to call when it closes. */
  listen(sessionId: string, notify: (typing: boolean) => void): () => void {
    const entry = this.entry(sessionId);
    entry.learners.add(notify);
    // A learner who reconnects while an instructor types sees the banner at once.
    if (entry.typing.size > 0) notify(true);
    return () => {
      entry.learners.delete(notify);
      this.forgetIfUnused(sessionId, entry);
    };
  }

  /** A helper's socket opened on the session's terminal. */
  helper(sessionId: string): Helper {
    const stop = (helper: Helper) => {
      const entry = this.sessions.get(sessionId);
      const timer = entry?.typing.get(helper);
      if (!entry || !timer) return;
      clearTimeout(timer);
      entry.typing.delete(helper);
      if (entry.typing.size === 0) for (const notify of entry.learners) notify(false);
      this.forgetIfUnused(sessionId, entry);
    };
    const helper: Helper = {
      typed: () => {
        const entry = this.entry(sessionId);
        const timer = entry.typing.get(helper);
        if (timer) clearTimeout(timer);
        const started = entry.typing.size === 0;
        entry.typing.set(
          helper,
          setTimeout(() => stop(helper), this.quietMs),
        );
        if (started) for (const notify of entry.learners) notify(true);
      },
      left: () => stop(helper),
    };
    return helper;
  }
}
