/**
 * A session's life, one state at a time, kept on its row in the store:
 *
 *   starting ──► ready ──► stopping ──► gone (the row is deleted)
 *      │  ▲        │          ▲
 *      │  └────────┘          │      ready → starting: the machine stopped (a poweroff) and is
 *      ▼                      │      started again; its files are kept.
 *    failed ──────────────────┘
 *
 * `stopping` wins: once a session is stopping, nothing moves it anywhere but `gone`, so a readiness
 * wait or a restart that finishes after a DELETE cannot bring the dead session back.
 */
export type SessionState = 'starting' | 'ready' | 'stopping' | 'gone' | 'failed';

/** The states each state may move to. */
export const TRANSITIONS: Readonly<Record<SessionState, readonly SessionState[]>> = {
  starting: ['ready', 'failed', 'stopping'],
  ready: ['starting', 'stopping'],
  failed: ['stopping'],
  stopping: ['gone'],
  gone: [],
};

/** The states from which a session may move to `to`. */
export function statesLeadingTo(to: SessionState): SessionState[] {
  return (Object.keys(TRANSITIONS) as SessionState[]).filter((from) => TRANSITIONS[from].includes(to));
}

/** Whether a session in this state holds a machine a learner may use (or is about to). */
export const isLive = (state: SessionState) => state === 'starting' || state === 'ready';
