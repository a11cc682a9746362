import { describeError } from './api.ts';
import { getRoster, type Roster } from './classes.ts';

/** How often the roster is fetched when no event stream answers. */
export const ROSTER_POLL_MS = 5000;

/** The part of `EventSource` the subscription uses (a fake one stands in for it in the spec). */
export interface RosterEventSource {
  readonly readyState: number;
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void;
  close(): void;
}

/** What the subscription reaches for; the browser's own by default. */
export interface RosterTransport {
  /** Opens the class's event stream, or answers undefined where there is no EventSource. */
  openEvents: (url: string) => RosterEventSource | undefined;
  fetchRoster: (classId: string) => Promise<Roster>;
  every: (ms: number, tick: () => void) => () => void;
}

const CLOSED = 2;

const browserTransport: RosterTransport = {
  openEvents: (url) =>
    typeof EventSource === 'function' ? (new EventSource(url) as unknown as RosterEventSource) : undefined,
  fetchRoster: getRoster,
  every: (ms, tick) => {
    const timer = setInterval(tick, ms);
    return () => clearInterval(timer);
  },
};

function parseRoster(data: string): Roster | undefined {
  try {
    const parsed = JSON.parse(data) as Partial<Roster> | null;
    return parsed && Array.isArray(parsed.learners) ? (parsed as Roster) : undefined;
  } catch {
    return undefined;
  }
}

/** Why the server closed the stream for good: the class ended, or this sign-in ended. */
export type RosterClosed = 'ended' | 'signed-out';

/**
 * Calls `onRoster` with the class's roster whenever it changes, until the returned function is
 * called. Uses the live stream (`GET /api/classes/{id}/events`, the roster JSON as each event's
 * data) when it answers, and falls back to fetching the roster every 5 s when it does not, or when
 * it closes for good. `onError` gets a failed fetch's sentence; polling goes on after it.
 * `onClosed` is told when the server ends the stream for good (`event: ended` or `signed-out`).
 */
export function subscribeRoster(
  classId: string,
  onRoster: (roster: Roster) => void,
  onError: (message: string) => void = () => undefined,
  transport: RosterTransport = browserTransport,
  onClosed: (why: RosterClosed) => void = () => undefined,
): () => void {
  let stopped = false;
  let stopPolling: (() => void) | undefined;

  const poll = () => {
    if (stopped || stopPolling) return;
    const load = () =>
      transport.fetchRoster(classId).then(
        (roster) => !stopped && onRoster(roster),
        (err: unknown) => !stopped && onError(describeError(err)),
      );
    void load();
    stopPolling = transport.every(ROSTER_POLL_MS, () => void load());
  };

  const events = transport.openEvents(`/api/classes/${encodeURIComponent(classId)}/events`);
  if (!events) poll();
  else {
    let opened = false;
    const receive = (event: MessageEvent<string>) => {
      const roster = parseRoster(event.data);
      if (roster && !stopped) onRoster(roster);
    };
    events.addEventListener('open', () => (opened = true));
    events.addEventListener('message', receive);
    events.addEventListener('roster', receive);
    // The server's last word: nothing more will come, so neither reconnect nor poll.
    for (const why of ['ended', 'signed-out'] as const)
      events.addEventListener(why, () => {
        if (stopped) return;
        stopped = true;
        events.close();
        onClosed(why);
      });
    events.addEventListener('error', () => {
      // A stream that never opened (no such route yet, a proxy that buffers) or that the browser
      // gave up on: poll instead. A stream that dropped is reconnected by EventSource itself.
      if (opened && events.readyState !== CLOSED) return;
      events.close();
      poll();
    });
  }
  return () => {
    stopped = true;
    events?.close();
    stopPolling?.();
  };
}
