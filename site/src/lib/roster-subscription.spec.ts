import { describe, expect, it } from 'vitest';
import { ApiError } from './api.ts';
import type { Roster } from './classes.ts';
import {
  ROSTER_POLL_MS,
  subscribeRoster,
  type RosterEventSource,
  type RosterTransport,
} from './roster-subscription.ts';

const roster = (...names: string[]): Roster => ({
  stuckMinutes: 10,
  learners: names.map((name, i) => ({
    id: String(i),
    name,
    machine: null,
    lesson: null,
    current: null,
    stuck: null,
    exercises: {},
  })),
  summary: {},
});

/** An event stream driven by the spec. */
class FakeStream implements RosterEventSource {
  readyState = 0;
  closed = false;
  private listeners = new Map<string, ((event: MessageEvent<string>) => void)[]>();
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  emit(type: string, data = '') {
    for (const l of this.listeners.get(type) ?? []) l({ data } as MessageEvent<string>);
  }
  close() {
    this.closed = true;
    this.readyState = 2;
  }
}

/** A transport whose stream, roster answers and timer the spec controls. */
function fakeTransport(stream: FakeStream | undefined, answers: (() => Promise<Roster>)[]) {
  const seen = { urls: [] as string[], fetches: 0, intervals: [] as number[], ticks: [] as (() => void)[] };
  let cleared = 0;
  const transport: RosterTransport = {
    openEvents: (url) => {
      seen.urls.push(url);
      return stream;
    },
    fetchRoster: () => {
      seen.fetches += 1;
      return answers.shift()!();
    },
    every: (ms, tick) => {
      seen.intervals.push(ms);
      seen.ticks.push(tick);
      return () => void (cleared += 1);
    },
  };
  return { transport, seen, cleared: () => cleared };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('the roster subscription', () => {
  it('uses the event stream when it answers, and does not poll', async () => {
    const stream = new FakeStream();
    const { transport, seen } = fakeTransport(stream, []);
    const got: Roster[] = [];
    const stop = subscribeRoster('c 1', (r) => got.push(r), undefined, transport);
    expect(seen.urls).toEqual(['/api/classes/c%201/events']);
    stream.emit('open');
    stream.readyState = 1;
    stream.emit('message', JSON.stringify(roster('Ada')));
    stream.emit('roster', JSON.stringify(roster('Ada', 'Grace')));
    stream.emit('message', 'not json');
    // A dropped stream that EventSource reconnects by itself is not a reason to poll.
    stream.readyState = 0;
    stream.emit('error');
    expect(got).toEqual([roster('Ada'), roster('Ada', 'Grace')]);
    expect(seen.fetches).toBe(0);
    stop();
    expect(stream.closed).toBe(true);
  });

  it('falls back to fetching every 5 s when the stream never opens', async () => {
    const stream = new FakeStream();
    const { transport, seen, cleared } = fakeTransport(stream, [
      async () => roster('Ada'),
      async () => {
        throw new ApiError('Sign in again: your instructor session has ended.', 401);
      },
      async () => roster('Ada', 'Grace'),
    ]);
    const got: Roster[] = [];
    const errors: string[] = [];
    const stop = subscribeRoster(
      'c1',
      (r) => got.push(r),
      (m) => errors.push(m),
      transport,
    );
    stream.emit('error');
    expect(stream.closed).toBe(true);
    expect(seen.intervals).toEqual([ROSTER_POLL_MS]);
    await settle();
    seen.ticks[0]!();
    await settle();
    seen.ticks[0]!();
    await settle();
    expect(got).toEqual([roster('Ada'), roster('Ada', 'Grace')]);
    expect(errors).toEqual(['Sign in again: your instructor session has ended.']);
    // A second error of the closed stream does not start a second timer.
    stream.emit('error');
    expect(seen.intervals).toHaveLength(1);
    stop();
    expect(cleared()).toBe(1);
  });

  it('polls at once where there is no EventSource, and reports nothing after it is stopped', async () => {
    let answer!: (r: Roster) => void;
    const { transport, seen } = fakeTransport(undefined, [() => new Promise((r) => (answer = r))]);
    const got: Roster[] = [];
    const stop = subscribeRoster('c1', (r) => got.push(r), undefined, transport);
    expect(seen.fetches).toBe(1);
    stop();
    answer(roster('Ada'));
    await settle();
    expect(got).toEqual([]);
  });

  it('polls when a stream that was open is closed for good', () => {
    const stream = new FakeStream();
    const { transport, seen } = fakeTransport(stream, [async () => roster()]);
    const stop = subscribeRoster('c1', () => undefined, undefined, transport);
    stream.emit('open');
    stream.readyState = 2;
    stream.emit('error');
    expect(seen.fetches).toBe(1);
    stop();
  });

  it.each(['ended', 'signed-out'] as const)(
    'stops for good on "%s": says why, closes the stream, and neither reconnects nor polls',
    (why) => {
      const stream = new FakeStream();
      const { transport, seen } = fakeTransport(stream, [async () => roster()]);
      const closed: string[] = [];
      subscribeRoster(
        'c1',
        () => undefined,
        undefined,
        transport,
        (w) => closed.push(w),
      );
      stream.emit('open');
      stream.emit(why, '{"classId":"c1"}');
      expect(closed).toEqual([why]);
      expect(stream.closed).toBe(true);
      // The browser reports the server's close as an error: no polling follows.
      stream.emit('error');
      expect(seen.fetches).toBe(0);
    },
  );
});
