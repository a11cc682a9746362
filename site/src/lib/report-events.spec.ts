import { describe, expect, it } from 'vitest';
import { parseEventBlock, REPORT_RETRY_MS, subscribeReports, type ReportTransport } from './report-events.ts';

/** A fake server: each call answers the next of `answers`; timers run when `runLater` is called. */
function fakeTransport(answers: (() => Response)[]) {
  const calls: RequestInit[] = [];
  const timers: { ms: number; run: () => void }[] = [];
  const transport: ReportTransport = {
    fetch: async (_url, init) => {
      calls.push(init);
      const next = answers.shift();
      if (!next) throw new TypeError('offline');
      return next();
    },
    later: (ms, run) => {
      const timer = { ms, run };
      timers.push(timer);
      return () => timers.splice(timers.indexOf(timer), 1);
    },
  };
  return { transport, calls, timers };
}

const stream = (text: string) => () =>
  new Response(new Blob([text]).stream(), { headers: { 'content-type': 'text/event-stream' } });
const refusal = (status: number, message: string) => () =>
  new Response(JSON.stringify({ error: { message } }), { status });
const settle = () => new Promise((r) => setTimeout(r, 20));

describe('parseEventBlock', () => {
  it('reads the event and its data, and skips comments and retry lines', () => {
    expect(parseEventBlock('event: report\ndata: {"id":"r1"}')).toEqual({
      event: 'report',
      data: '{"id":"r1"}',
    });
    expect(parseEventBlock(': heartbeat')).toBeUndefined();
    expect(parseEventBlock('retry: 3000')).toBeUndefined();
  });
});

describe('subscribeReports', () => {
  it('sends the token, hands on reports and state changes, and opens again after a drop', async () => {
    const { transport, calls, timers } = fakeTransport([
      stream(
        'retry: 3000\n\nevent: report\ndata: {"id":"r1"}\n\n: heartbeat\n\nevent: report-state\ndata: {"id":"r1","doneAt":"x"}\n\n',
      ),
    ]);
    const seen: unknown[] = [];
    let opened = 0;
    const stop = subscribeReports(
      'tok',
      { onOpen: () => opened++, onReport: (r) => seen.push(r), onClosed: () => undefined },
      transport,
    );
    await settle();
    expect((calls[0]!.headers as Record<string, string>).Authorization).toBe('Bearer tok');
    expect(opened).toBe(1);
    expect(seen).toEqual([{ id: 'r1' }, { id: 'r1', doneAt: 'x' }]);
    // The stream ended: it is asked for again in 3 s.
    expect(timers.map((t) => t.ms)).toEqual([REPORT_RETRY_MS]);
    stop();
    expect(timers).toEqual([]);
  });

  it('ends for good on a refusal or when signed out, with a sentence', async () => {
    for (const answer of [
      refusal(403, 'This is not the instructor token.'),
      stream('event: signed-out\ndata: {}\n\n'),
    ]) {
      const { transport, timers } = fakeTransport([answer]);
      const closed: string[] = [];
      subscribeReports(
        undefined,
        { onOpen: () => undefined, onReport: () => undefined, onClosed: (m) => closed.push(m) },
        transport,
      );
      await settle();
      expect(closed).toHaveLength(1);
      expect(timers).toEqual([]);
    }
  });

  it('tries again after Retry-After when there are too many streams', async () => {
    const { transport, timers } = fakeTransport([
      () => new Response('{}', { status: 429, headers: { 'retry-after': '5' } }),
    ]);
    subscribeReports(
      undefined,
      { onOpen: () => undefined, onReport: () => undefined, onClosed: () => undefined },
      transport,
    );
    await settle();
    expect(timers.map((t) => t.ms)).toEqual([5000]);
  });
});
